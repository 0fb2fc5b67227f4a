// `npm run bench`: runs each benchmark and writes bench/results/<name>-<date>.json with the machine.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

// `node bench/run.mjs provisioning -- --users 100000 --plan enterprise`: flags after `--` go to each
// benchmark named; a result that names a `variant` is written as <name>-<variant>-<date>.json.
const dashes = process.argv.indexOf('--');
const names = dashes === -1 ? process.argv.slice(2) : process.argv.slice(2, dashes);
const flags = dashes === -1 ? [] : process.argv.slice(dashes + 1);
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
  const child = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=8192',
      '--input-type=module',
      '-e',
      `// parseArgs reads process.argv.slice(1) under -e.
      process.argv = [process.argv[0], ...${JSON.stringify(flags)}];
      import('./bench/${name}.mjs').then((m) => process.stdout.write(JSON.stringify(m.result)))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (child.status !== 0) {
    process.exitCode = 1;
    continue;
  }
  const result = { ...JSON.parse(child.stdout), machine, date: new Date().toISOString() };
  const variant = result.variant === undefined ? '' : `-${result.variant}`;
  const file = new URL(`./results/${name}${variant}-${result.date.slice(0, 10)}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
}
