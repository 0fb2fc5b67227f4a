// `npm run bench`: runs each benchmark and writes bench/results/<name>-<date>.json with the machine.
// `node bench/run.mjs <name> -- <flags>` runs one benchmark with flags passed on (e.g. `workers -- --jobs
// 50`); its result then goes to bench/results/<name>-<date>-<flags>.json (`workers-<date>-jobs50.json`),
// beside the default size's, and records the flags.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const separator = process.argv.indexOf('--', 2);
const names = separator === -1 ? process.argv.slice(2) : process.argv.slice(2, separator);
const flags = separator === -1 ? [] : process.argv.slice(separator + 1);
if (flags.length > 0 && names.length !== 1) {
  console.error('bench/run.mjs: flags after -- go to one benchmark: node bench/run.mjs <name> -- <flags>');
  process.exit(2);
}
/** `--jobs 50 --users 1000` -> `jobs50-users1000`: the flags in a file name (a time limit is no size). */
const flagLabel = flags
  .filter((flag, i) => !/^--timeout/.test(flag) && !/^--timeout/.test(flags[i - 1] ?? ''))
  .join('')
  .replace(/^--/, '')
  .replace(/--/g, '-')
  .replace(/[^A-Za-z0-9.-]/g, '');
const benchmarks =
  names.length > 0
    ? names
    : [
        'expressions',
        'zendesk-emulator',
        'entra-emulator',
        'provisioning',
        'provisioning-groups',
        'api-logs',
        'console',
        'workers',
        'propagation',
      ];
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
for (const name of benchmarks) {
  // Each benchmark runs in its own process with --expose-gc so that memory figures are comparable.
  // PROVISIO_BENCH_HEAP_MIB caps the heap (default 8 GiB): a cap shows what a run needs at the least,
  // since a large heap lets V8 collect late and raises the RSS with garbage.
  const heapMiB = Number(process.env.PROVISIO_BENCH_HEAP_MIB ?? 8192);
  const child = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      `--max-old-space-size=${heapMiB}`,
      '--input-type=module',
      '-e',
      `import('./bench/${name}.mjs').then((m) => process.stdout.write(JSON.stringify(m.result)))`,
      '--',
      ...flags,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (child.status !== 0) process.exitCode = 1;
  // A benchmark that failed its own check may still export how far it got (workers: not converged).
  if (child.status !== 0 && !child.stdout.trim().startsWith('{')) continue;
  const result = {
    ...JSON.parse(child.stdout),
    ...(flags.length > 0 ? { flags: flags.join(' ') } : {}),
    heapLimitMiB: heapMiB,
    machine,
    date: new Date().toISOString(),
  };
  const suffix = flags.length > 0 ? `-${flagLabel}` : '';
  const file = new URL(`./results/${name}-${result.date.slice(0, 10)}${suffix}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
}
