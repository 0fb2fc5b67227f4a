// Benchmark of the Zendesk emulator (issue: "holds 1,000,000 users with O(1) lookups by id, email
// and external_id, and serves at least 2,000 requests/s on loopback with rate limits off").
// Usage: node --expose-gc bench/zendesk-emulator.mjs [--users 1000000] [--seconds 5] [--runs 3]
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startZendeskEmulator } from '../packages/emulators/dist/index.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000,1000000' },
    seconds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
  },
});
const sizes = values.users.split(',').map(Number);
const seconds = Number(values.seconds);
const runs = Number(values.runs);
const connections = Number(values.connections);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const mib = (bytes) => Math.round(bytes / 1024 / 1024);
const gc = () => globalThis.gc?.();

function runLoad(input) {
  const file = join(tmpdir(), `provisio-bench-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(input));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL('./load.mjs', import.meta.url).pathname, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`)),
    );
  });
}

/** Times `count` lookups spread over the key space and returns nanoseconds per lookup (median of 5). */
function timeLookups(keys, lookup) {
  const samples = [];
  for (let round = 0; round < 5; round += 1) {
    let found = 0;
    const start = performance.now();
    for (let i = 0, k = round; i < 200_000; i += 1) {
      k = (k + 7919) % keys.length;
      if (lookup(keys[k])) found += 1;
    }
    const elapsed = performance.now() - start;
    if (found !== 200_000) throw new Error(`lookup missed ${200_000 - found} keys`);
    samples.push((elapsed * 1e6) / 200_000);
  }
  return median(samples);
}

/** Seeds an emulator with `count` generated end users and measures time, memory and lookups. */
async function measureScale(count) {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const seedStart = performance.now();
  const emulator = await startZendeskEmulator({
    port: 0,
    rateLimits: false,
    seed: { generate: { endUsers: count } },
  });
  const seedSeconds = (performance.now() - seedStart) / 1000;
  gc();
  const memory = process.memoryUsage();
  const { store } = emulator;
  const users = [...store.users.values()];
  const ids = users.map((u) => u.id);
  const emails = users.map((u) => store.primaryEmail(u.id));
  // External ids are matched case-insensitively: look them up in another case than stored.
  const externalIds = users.filter((u) => u.externalId !== null).map((u) => u.externalId.toUpperCase());
  const lookups = {
    byIdNs: timeLookups(ids, (id) => store.users.get(id)),
    byEmailNs: timeLookups(emails, (email) => store.userByEmail(email)),
    byExternalIdNs: timeLookups(externalIds, (externalId) => store.userByExternalId(externalId)),
  };
  const scale = {
    users: store.users.size,
    seedSeconds,
    heapMiB: mib(memory.heapUsed - heapBefore),
    rssMiB: mib(memory.rss),
    lookups,
  };
  console.error(
    `${scale.users} users: seeded in ${seedSeconds.toFixed(1)} s, heap ${scale.heapMiB} MiB, lookups (ns)`,
    lookups,
  );
  return { emulator, scale, ids, emails, externalIds };
}

const scales = [];
let largest;
for (const size of sizes) {
  if (largest) await largest.emulator.close();
  largest = await measureScale(size);
  scales.push(largest.scale);
}
const { emulator, ids, emails, externalIds } = largest;
const { store } = emulator;

const authorization = `Basic ${Buffer.from(`${emulator.adminEmail}/token:${emulator.apiToken}`).toString('base64')}`;
const scenarios = {
  'GET /api/v2/users/{id}': { path: '/api/v2/users/{id}.json', ids },
  'GET /api/v2/users/search?query=email:…': {
    path: '/api/v2/users/search.json?query=email:{id}',
    ids: emails.slice(0, 100_000),
  },
  'GET /api/v2/users/show_many?external_ids=…': {
    path: '/api/v2/users/show_many.json?external_ids={id}',
    ids: externalIds.slice(0, 100_000),
  },
  'GET /api/v2/users?page[size]=100 (cursor)': {
    path: '/api/v2/users.json?page%5Bsize%5D=100&page%5Bafter%5D={id}',
    ids: ids
      .slice(0, 100_000)
      .map((id) => encodeURIComponent(Buffer.from(JSON.stringify({ o: 'id', v: id })).toString('base64'))),
  },
};
const http = {};
for (const [name, scenario] of Object.entries(scenarios)) {
  const samples = [];
  for (let run = 0; run < runs; run += 1) {
    samples.push(
      await runLoad({
        url: emulator.url,
        path: scenario.path,
        ids: scenario.ids,
        authorization,
        connections,
        durationSeconds: seconds,
      }),
    );
  }
  const errors = samples.reduce((n, s) => n + s.errors + s.non2xx, 0);
  http[name] = {
    requestsPerSecondMedian: median(samples.map((s) => s.requestsPerSecond)),
    latencyMedianMs: median(samples.map((s) => s.latencyMedianMs)),
    latencyP99Ms: median(samples.map((s) => s.latencyP99Ms)),
    errors,
    runs: samples,
  };
  console.error(
    `${name}: ${Math.round(http[name].requestsPerSecondMedian)} req/s (median of ${runs}), errors ${errors}`,
  );
}
await emulator.close();

export const result = {
  benchmark: 'zendesk-emulator',
  scales,
  http: { users: store.users.size, ...http },
  settings: { seconds, runs, connections },
};
