// Benchmark of the admin API's log routes (issue 11: "API latency for job status and a page of 100
// log entries with 1,000,000 entries in the store (SQLite and PostgreSQL), median and p99").
// For each database: a fresh store is filled with N provisioning log entries over a few jobs
// (through the store's appendLogs, in large batches, as cycles write them), `provisio serve` is
// started in-process (packages/cli/dist/serve.js, as the command starts it), and requests go over
// real HTTP on loopback, one at a time:
// - job status: Graph's GET /v1.0/servicePrincipals/{sp}/synchronization/jobs/{jobId} when the
//   build has that route, else provisio's GET /provisio/v1/jobs/{jobId}/cycles?$top=20 (noted in
//   the result as `jobStatusRoute`);
// - a first page of 100 entries of one job ($filter=jobId eq '…');
// - a deep page of 100 of that job's entries (the $skiptoken of entry ~200,000 of the job, from
//   following @odata.nextLink);
// - a page of one person's entries ($filter=sourceIdentity/displayName eq '…', a different person
//   each request);
// - for information: the first page with no filter, and startswith on the display name (a scan).
// Usage: node bench/api-logs.mjs [--entries 1000000] [--jobs 4] [--requests 200]
//        [--databases sqlite,postgres] [--pg postgres://postgres@127.0.0.1:5432/test]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startServe } from '../packages/cli/dist/serve.js';
import { issueApiToken } from '../packages/server/dist/index.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    jobs: { type: 'string', default: '4' },
    requests: { type: 'string', default: '200' },
    databases: { type: 'string', default: 'sqlite,postgres' },
    pg: {
      type: 'string',
      default: process.env.PROVISIO_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    batch: { type: 'string', default: '10000' },
  },
});
const ENTRIES = Number(values.entries);
const JOBS = Number(values.jobs);
const REQUESTS = Number(values.requests);
const BATCH = Number(values.batch);
const ENTRIES_PER_CYCLE = 1000;
/** People per job: 10,000 at 1,000,000 entries over 4 jobs, each in 25 cycles of each job (fewer for small runs). */
const USERS_PER_JOB = Math.max(1, Math.min(10_000, Math.floor(ENTRIES / JOBS / 25)));
const SP = '6f1c0a52-7d0e-4a3b-9c61-0b9f3c2d4e5a';
const T0 = Date.UTC(2026, 0, 1);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const round = (ms) => Math.round(ms * 100) / 100;
const jobId = (j) => `zendesk.bench${j}`;

/** Entry `n` of the log: cycle by cycle, each job's 1,000 entries per cycle in turn, time increasing. */
function entry(n) {
  const perRound = ENTRIES_PER_CYCLE * JOBS;
  const cycle = Math.floor(n / perRound);
  const j = Math.floor((n % perRound) / ENTRIES_PER_CYCLE);
  const i = n % ENTRIES_PER_CYCLE;
  const user = (cycle * ENTRIES_PER_CYCLE + i) % USERS_PER_JOB;
  const name = `Bench User ${user}`;
  const at = new Date(T0 + cycle * 40 * 60_000 + j * 60_000 + i * 50).toISOString();
  const failed = n % 97 === 0;
  return {
    id: `e-${n}`,
    activityDateTime: at,
    tenantId: 'bench-tenant',
    jobId: jobId(j),
    cycleId: `${jobId(j)}-cycle-${cycle}`,
    changeId: `c-${n}`,
    provisioningAction: n % 11 === 0 ? 'create' : 'update',
    durationInMilliseconds: 40 + (n % 50),
    initiatedBy: { id: '', displayName: 'provisio', initiatorType: 'system' },
    modifiedProperties: [
      { displayName: 'name', oldValue: null, newValue: name },
      { displayName: 'email', oldValue: null, newValue: `user${user}@provisio-demo.onmicrosoft.com` },
    ],
    provisioningSteps: [
      {
        name: 'EntryImport',
        provisioningStepType: 'import',
        status: 'success',
        description: `Received User '${name}' change of type (Update) from Microsoft Entra ID`,
        details: { objectId: `user-${user}` },
      },
      {
        name: 'EntryExportUpdate',
        provisioningStepType: 'export',
        status: failed ? 'failure' : 'success',
        description: `User '${name}' was updated in Zendesk`,
        details: { ReportableIdentifier: `user${user}@provisio-demo.onmicrosoft.com` },
      },
    ],
    servicePrincipal: { id: SP, displayName: 'Zendesk' },
    sourceIdentity: { id: `user-${user}`, displayName: name, identityType: 'User', details: null },
    targetIdentity: {
      id: String(900_000 + user),
      displayName: name,
      identityType: 'User',
      details: { role: 'agent' },
    },
    sourceSystem: { id: 'entra', displayName: 'Microsoft Entra ID', details: {} },
    targetSystem: { id: 'zendesk', displayName: 'Zendesk', details: {} },
    provisioningStatusInfo: {
      status: failed ? 'failure' : 'success',
      errorInformation: failed
        ? {
            errorCode: 'TooManyRequests',
            reason: 'Zendesk answered 429 Too Many Requests.',
            additionalDetails: null,
            errorCategory: 'transientFailure',
            recommendedAction: null,
          }
        : null,
    },
  };
}

/** Cycle `c` of job `j`: 1,000 entries each, 40 minutes apart. */
function cycleRecord(j, c) {
  const startedAt = new Date(T0 + c * 40 * 60_000 + j * 60_000).toISOString();
  return {
    jobId: jobId(j),
    cycleId: `${jobId(j)}-cycle-${c}`,
    kind: c === 0 ? 'initial' : 'incremental',
    state: 'succeeded',
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + 50_000).toISOString(),
    counts: {
      imported: 1000,
      inScope: 1000,
      created: 0,
      updated: 1000,
      disabled: 0,
      deleted: 0,
      skipped: 0,
      unchanged: 0,
      failed: 10,
      targetRequests: 10,
    },
    error: null,
    errorCode: null,
  };
}

async function createDatabase(kind) {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'provisio-bench-logs-'));
    const file = join(dir, 'provisio.db');
    return {
      dir,
      url: `sqlite:${file}`,
      size: async () => (await stat(file)).size,
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const name = `provisio_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: values.pg });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(values.pg);
  url.pathname = `/${name}`;
  const dir = await mkdtemp(join(tmpdir(), 'provisio-bench-logs-'));
  const query = async (text) => {
    const client = new pg.Client({ connectionString: values.pg });
    await client.connect();
    try {
      return await client.query(text);
    } finally {
      await client.end();
    }
  };
  return {
    dir,
    url: url.toString(),
    size: async () => Number((await query(`select pg_database_size('${name}') as size`)).rows[0].size),
    drop: async () => {
      await query(`drop database if exists ${name} with (force)`);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Times `requests` sequential GETs of `pathOf(k)`; every answer must be 200 with `expect(body)` true. */
async function measure(base, token, pathOf, check, requests = REQUESTS) {
  const samples = [];
  // Warm-up (connection, statement caches), not counted.
  for (let k = 0; k < 5; k++) await get(base, token, pathOf(requests + k), check);
  for (let k = 0; k < requests; k++) {
    const started = performance.now();
    await get(base, token, pathOf(k), check);
    samples.push(performance.now() - started);
  }
  return {
    requests,
    medianMs: round(quantile(samples, 0.5)),
    p99Ms: round(quantile(samples, 0.99)),
  };
}

async function get(base, token, path, check) {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${JSON.stringify(body)}`);
  if (check !== undefined && !check(body))
    throw new Error(`GET ${path}: unexpected body ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

const q = (filter, extra = '') =>
  `/v1.0/auditLogs/provisioning?$filter=${encodeURIComponent(filter)}&$top=100${extra}`;
const hundred = (body) => body.value.length === 100;

async function runOne(kind) {
  const database = await createDatabase(kind);
  const env = { PROVISIO_SECRET_KEY: randomBytes(32).toString('base64'), DATABASE_URL: database.url };
  const running = await startServe(
    {
      host: '127.0.0.1',
      port: 0,
      allowCustomEndpoints: false,
      logLevel: 'warn',
      logDestination: new Writable({ write: (_chunk, _encoding, done) => done() }),
      // The generated local administrator's password, shown once: not needed here.
      consoleOutput: new Writable({ write: (_chunk, _encoding, done) => done() }),
    },
    { env, cwd: database.dir },
  );
  try {
    const { store } = running;
    // Fill: the store's own append, in large batches (each one transaction of 2,000-row statements).
    const fillStarted = performance.now();
    for (let start = 0; start < ENTRIES; start += BATCH) {
      const batch = [];
      for (let n = start; n < Math.min(ENTRIES, start + BATCH); n++) batch.push(entry(n));
      await store.appendLogs(batch);
      if ((start / BATCH) % 20 === 0) process.stderr.write(`${kind}: ${start + batch.length} entries\n`);
    }
    const fillMs = performance.now() - fillStarted;
    const cyclesPerJob = Math.ceil(ENTRIES / (ENTRIES_PER_CYCLE * JOBS));
    for (let j = 0; j < JOBS; j++)
      for (let c = 0; c < cyclesPerJob; c++) await store.saveCycle(cycleRecord(j, c));
    const sizeBytes = await database.size();
    const { token } = await issueApiToken(store, {
      name: 'bench',
      role: 'Reader',
      createdBy: 'bench',
      now: new Date(),
    });
    const admin = (
      await issueApiToken(store, {
        name: 'bench admin',
        role: 'Administrator',
        createdBy: 'bench',
        now: new Date(),
      })
    ).token;
    const base = running.url;

    // Job status: Graph's route when this build has it (creating a job to read), else cycle history.
    let jobStatusRoute = '/provisio/v1/jobs/{jobId}/cycles?$top=20';
    let jobStatusPath = `/provisio/v1/jobs/${jobId(1)}/cycles?$top=20`;
    const created = await fetch(`${base}/v1.0/servicePrincipals/${SP}/synchronization/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ templateId: 'zendesk' }),
    });
    if (created.status === 201) {
      const job = await created.json();
      // As a job that has run: its cycles and its links to the 10,000 people it provisioned (the
      // status counts them), as the benchmark's jobs have.
      await store.updateJob(job.id, { status: 'Active' }, new Date());
      for (let c = 0; c < cyclesPerJob; c++) await store.saveCycle({ ...cycleRecord(1, c), jobId: job.id });
      await store.saveLinks(
        Array.from({ length: USERS_PER_JOB }, (_, user) => ({
          jobId: job.id,
          sourceId: `user-${user}`,
          targetId: String(900_000 + user),
          state: 'active',
          created: true,
          displayName: `Bench User ${user}`,
          updatedAt: new Date(T0).toISOString(),
        })),
      );
      jobStatusRoute = '/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}';
      jobStatusPath = `/v1.0/servicePrincipals/${SP}/synchronization/jobs/${encodeURIComponent(job.id)}`;
    }
    const jobStatus = await measure(base, token, () => jobStatusPath);

    const job = jobId(1);
    const firstPage = await measure(base, token, () => q(`jobId eq '${job}'`), hundred);

    // The deep cursor: follow nextLink with pages of 1,000 to ~entry 200,000 of the job (or 80% of
    // its entries when smaller); the $skiptoken holds for any $top with the same $filter.
    const perJob = Math.floor(ENTRIES / JOBS);
    const depth = Math.min(200_000, Math.floor(perJob * 0.8));
    let link = `${base}/v1.0/auditLogs/provisioning?$filter=${encodeURIComponent(`jobId eq '${job}'`)}&$top=1000`;
    const walkStarted = performance.now();
    let before = 0;
    for (; before + 1000 <= depth; before += 1000) link = (await get('', token, link))['@odata.nextLink'];
    const walkMs = performance.now() - walkStarted;
    const skiptoken = new URL(link).searchParams.get('$skiptoken');
    const deepPage = await measure(
      base,
      token,
      () => q(`jobId eq '${job}'`, `&$skiptoken=${skiptoken}`),
      hundred,
    );

    const byName = await measure(
      base,
      token,
      (k) => q(`sourceIdentity/displayName eq 'Bench User ${(k * 7919) % USERS_PER_JOB}'`),
      (body) => body.value.length === Math.min(100, Math.floor(ENTRIES / USERS_PER_JOB)),
    );
    const unfiltered = await measure(base, token, () => '/v1.0/auditLogs/provisioning?$top=100', hundred);
    const startsWith = await measure(
      base,
      token,
      (k) => q(`startswith(sourceIdentity/displayName, 'Bench User ${(k * 7919) % USERS_PER_JOB}')`),
      (body) => body.value.length > 0,
      // A scan in time order until 100 match (or the end): fewer requests.
      Math.max(10, Math.round(REQUESTS / 10)),
    );
    return {
      database: kind,
      // The machine's 1-minute load average when the measurements ended (other work on the cores shows here).
      loadAverage: Math.round(loadavg()[0] * 10) / 10,
      entries: ENTRIES,
      jobs: JOBS,
      fill: { ms: Math.round(fillMs), entriesPerSecond: Math.round(ENTRIES / (fillMs / 1000)), batch: BATCH },
      databaseSizeMiB: Math.round(sizeBytes / 2 ** 20),
      jobStatusRoute,
      latency: {
        jobStatus,
        firstPageOfJob: firstPage,
        deepPageOfJob: { ...deepPage, entriesBefore: before, walkToDepthMs: Math.round(walkMs) },
        sourceDisplayNameEq: byName,
        firstPageUnfiltered: unfiltered,
        sourceDisplayNameStartsWith: startsWith,
      },
    };
  } finally {
    await running.close(5000);
    await database.drop();
  }
}

const runs = [];
for (const kind of values.databases.split(',')) runs.push(await runOne(kind.trim()));
export const result = {
  benchmark: 'api-logs',
  description: `admin API latency with ${ENTRIES.toLocaleString('en')} provisioning log entries over ${JOBS} jobs: job status and pages of 100 log entries over HTTP on loopback, ${REQUESTS} sequential requests each`,
  runs,
};
