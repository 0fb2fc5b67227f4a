// Benchmark and test of scale-out on PostgreSQL (docs/operations.md#workers): `provisio serve
// --workers external` and W `provisio worker` processes run J jobs (each reading an emulated Entra
// tenant of its own with U users, as a service provider's customers each have theirs) into A
// emulated Zendesk accounts (J/A jobs share each account and its
// request budget; Enterprise plan, 700 requests a minute, rate limits on). Every `--kill-every`
// seconds one worker, picked at random, is killed with SIGKILL and a new one started. Measured: the
// time until every job has finished a cycle and every account holds exactly its jobs' users, and
// cycles a minute; checked: 0 duplicate and 0 missing users (the run fails otherwise). A run that
// converges early goes on until --min-seconds (60), so that workers are killed during incremental
// cycles as well.
//
// The size is --jobs 50 --users 1000 --accounts 10 --workers 3; the default here is smaller
// (--jobs 10 --users 200 --accounts 5) so that `npm run bench` stays in minutes on 2 cores.
// Needs PostgreSQL: PROVISIO_BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test (a
// database is created for the run and dropped after it). Run after a build:
//   node bench/workers.mjs --jobs 50 --users 1000 --accounts 10 --workers 3
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startEntraEmulator, startZendeskEmulator, zendeskAppId } from '../packages/emulators/dist/index.js';
import { jobDefinitionSchema, openStateStore } from '../packages/engine/dist/index.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10' },
    users: { type: 'string', default: '200' },
    accounts: { type: 'string', default: '5' },
    workers: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '2' },
    'kill-every': { type: 'string', default: '20' },
    'timeout-minutes': { type: 'string', default: '20' },
    // Runs on after converging until this long, killing workers during incremental cycles too.
    'min-seconds': { type: 'string', default: '60' },
  },
});
const JOBS = Number(values.jobs);
const USERS = Number(values.users);
const ACCOUNTS = Number(values.accounts);
const WORKERS = Number(values.workers);
const KILL_EVERY_MS = Number(values['kill-every']) * 1000;
const bin = fileURLToPath(new URL('../packages/cli/bin/provisio.js', import.meta.url));
const domain = 'provisio-demo.onmicrosoft.com';
const log = (text) => process.stderr.write(`[workers bench] ${text}\n`);

const baseUrl = process.env.PROVISIO_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dbName = `provisio_bench_${randomBytes(5).toString('hex')}`;
async function admin(query) {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}
await admin(`create database ${dbName}`);
const dbUrl = new URL(baseUrl);
dbUrl.pathname = `/${dbName}`;
const DATABASE_URL = dbUrl.toString();

const dir = await mkdtemp(join(tmpdir(), 'provisio-workers-bench-'));
// One tenant per job, holding that job's users only: a job reads its customer's directory, not the
// others' (a single tenant filtered by department made every job read and log all J × U users).
const tenants = [];
for (let job = 0; job < JOBS; job++)
  tenants.push(
    await startEntraEmulator({
      port: 0,
      rateLimits: false,
      seed: {
        users: Array.from({ length: USERS }, (_, k) => {
          const i = job * USERS + k;
          return {
            userPrincipalName: `user${i}@${domain}`,
            displayName: `Bench User ${i}`,
            givenName: 'Bench',
            surname: `User ${i}`,
            department: `dept-${job}`,
          };
        }),
      },
    }),
  );
const accounts = [];
for (let a = 0; a < ACCOUNTS; a++)
  accounts.push(
    await startZendeskEmulator({ port: 0, plan: 'enterprise', bulkImport: true, rateLimits: true }),
  );
const caFiles = [];
for (const [job, entra] of tenants.entries()) {
  const caFile = join(dir, `entra-ca-${job}.pem`);
  await writeFile(caFile, entra.certificatePem);
  caFiles.push(caFile);
}
const env = {
  ...process.env,
  DATABASE_URL,
  PROVISIO_SECRET_KEY: randomBytes(32).toString('base64'),
  ...Object.fromEntries(tenants.map((entra, job) => [`ENTRA_SECRET_${job}`, entra.clientSecret])),
  ...Object.fromEntries(accounts.map((account, a) => [`ZENDESK_TOKEN_${a}`, account.apiToken])),
};

const store = await openStateStore(DATABASE_URL);
await store.migrate();
const accountOf = (job) => job % ACCOUNTS;
for (let job = 0; job < JOBS; job++) {
  const account = accounts[accountOf(job)];
  const entra = tenants[job];
  const sp = entra.store.servicePrincipalByAppId(zendeskAppId);
  await store.saveJobDefinition(
    jobDefinitionSchema.parse({
      id: `bench-${job}`,
      source: {
        type: 'entra',
        tenantId: entra.tenantId,
        clientId: entra.clientId,
        clientSecret: { secretRef: `env:ENTRA_SECRET_${job}` },
        servicePrincipalId: sp.id,
        authorityHost: entra.url,
        graphBaseUrl: entra.url,
        caCertificateFile: caFiles[job],
      },
      target: {
        type: 'zendesk',
        adminUsername: account.adminEmail,
        secretToken: { secretRef: `env:ZENDESK_TOKEN_${accountOf(job)}` },
        domain: account.settings.subdomain,
        baseUrl: account.url,
      },
      // serve's default schedule (every 5 s, 15 s when idle): workers are killed during cycles.
      settings: { scope: 'all' },
      mappings: { groups: { enabled: false } },
    }),
    { initiatedBy: 'bench', at: new Date() },
  );
}

const children = new Set();
function start(args) {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: dir,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
    // PROVISIO_BENCH_CHILD_LOG=<file>: every child's log, to see why a run does not converge.
    if (process.env.PROVISIO_BENCH_CHILD_LOG)
      appendFileSync(process.env.PROVISIO_BENCH_CHILD_LOG, `${args[0]} ${child.pid}: ${chunk}`);
  });
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (code !== 0 && signal === null) log(`${args[0]} exited ${code}: ${stderr}`);
  });
  children.add(child);
  return child;
}

async function accountUsers(account) {
  const state = await (await fetch(`${account.url}/__emulator/state`)).json();
  return (state.users ?? []).filter((u) => u.external_id !== null && u.external_id !== undefined);
}

const started = performance.now();
start([
  'serve',
  '--workers',
  'external',
  '--port',
  '0',
  '--allow-custom-endpoints',
  '--log-level',
  process.env.PROVISIO_BENCH_LOG_LEVEL ?? 'warn',
]);
const workers = Array.from({ length: WORKERS }, () =>
  start([
    'worker',
    '--concurrency',
    values.concurrency,
    '--log-level',
    process.env.PROVISIO_BENCH_LOG_LEVEL ?? 'warn',
  ]),
);
let kills = 0;
const killer = setInterval(() => {
  const index = Math.floor(Math.random() * workers.length);
  workers[index].kill('SIGKILL');
  kills += 1;
  workers[index] = start([
    'worker',
    '--concurrency',
    values.concurrency,
    '--log-level',
    process.env.PROVISIO_BENCH_LOG_LEVEL ?? 'warn',
  ]);
}, KILL_EVERY_MS);

const deadline = Date.now() + Number(values['timeout-minutes']) * 60_000;
let convergedMs = null;
let last = '';
try {
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    let done = 0;
    for (let job = 0; job < JOBS; job++)
      if ((await store.listCycles(`bench-${job}`, 50)).some((c) => c.state === 'succeeded')) done += 1;
    const counts = await Promise.all(accounts.map(async (account) => (await accountUsers(account)).length));
    const total = counts.reduce((a, b) => a + b, 0);
    const line = `${done}/${JOBS} jobs with a finished cycle, ${total}/${JOBS * USERS} users, ${kills} workers killed`;
    if (line !== last) log(line);
    last = line;
    if (done === JOBS && total >= JOBS * USERS) {
      convergedMs ??= performance.now() - started;
      if (performance.now() - started >= Number(values['min-seconds']) * 1000) break;
    }
  }
} finally {
  clearInterval(killer);
}
const elapsedMs = performance.now() - started;
for (const child of children) child.kill('SIGKILL');

let cycles = 0;
let interrupted = 0;
for (let job = 0; job < JOBS; job++)
  for (const cycle of await store.listCycles(`bench-${job}`, 1000)) {
    // A record of quiet cycles stands for 1 + counts.quietRepeats of them (docs/operations.md).
    if (cycle.state !== 'running') cycles += 1 + (cycle.counts?.quietRepeats ?? 0);
    if (cycle.errorCode === 'Interrupted') interrupted += 1;
  }
let duplicates = 0;
let missing = 0;
let provisioned = 0;
for (let a = 0; a < ACCOUNTS; a++) {
  const users = await accountUsers(accounts[a]);
  const emails = new Set(users.map((u) => u.email));
  duplicates += users.length - emails.size;
  provisioned += emails.size;
  for (let job = a; job < JOBS; job += ACCOUNTS)
    for (let k = 0; k < USERS; k++) if (!emails.has(`user${job * USERS + k}@${domain}`)) missing += 1;
}
let jobsFinished = 0;
for (let job = 0; job < JOBS; job++)
  if ((await store.listCycles(`bench-${job}`, 1000)).some((c) => c.state === 'succeeded')) jobsFinished += 1;
await store.close();
await Promise.all([...tenants.map((entra) => entra.close()), ...accounts.map((account) => account.close())]);
await rm(dir, { recursive: true, force: true });
await admin(`drop database if exists ${dbName} with (force)`);
// Duplicates are a failure at any point; missing users only once the run says it converged. A run
// that did not converge within --timeout-minutes fails too, but its result (how far it got) is still
// exported, and bench/run.mjs writes it.
if (duplicates > 0) throw new Error(`${duplicates} duplicate users`);
if (convergedMs !== null && missing > 0) throw new Error(`${missing} missing users`);
if (convergedMs === null) {
  log(`did not converge in ${values['timeout-minutes']} minutes: ${last}`);
  process.exitCode = 1;
}

export const result = {
  benchmark: 'workers',
  description: `${JOBS} jobs, each reading an Entra tenant of its own with ${USERS} users, into ${ACCOUNTS} emulated Zendesk accounts (Enterprise plan, rate limits on, budgets shared), run by ${WORKERS} provisio worker processes (--concurrency ${values.concurrency}) behind serve --workers external on PostgreSQL, a random worker killed with SIGKILL every ${KILL_EVERY_MS / 1000} s`,
  jobs: JOBS,
  usersPerJob: USERS,
  accounts: ACCOUNTS,
  workers: WORKERS,
  converged: convergedMs !== null,
  convergeSeconds: convergedMs === null ? null : Math.round(convergedMs / 100) / 10,
  elapsedSeconds: Math.round(elapsedMs / 100) / 10,
  jobsFinished,
  usersProvisioned: provisioned,
  cycles,
  cyclesPerMinute: Math.round((cycles / (elapsedMs / 60_000)) * 10) / 10,
  workersKilled: kills,
  interruptedCycles: interrupted,
  duplicateUsers: duplicates,
  // Only meaningful once converged: before that, users not provisioned yet are not missing.
  missingUsers: convergedMs === null ? null : missing,
};
