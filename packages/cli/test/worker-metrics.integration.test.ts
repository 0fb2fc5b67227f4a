/**
 * Metrics with workers (docs/operations.md#metrics): `provisio worker --metrics-port 0` runs a job's
 * cycle taken from the queue that `serve --workers external` fills, and its own `GET /metrics`,
 * scraped over a real socket, counts that cycle, the objects it created and its requests to Entra
 * and Zendesk. `serve`'s `/metrics` counts no cycle (it ran none) but reads the job-state gauges
 * from the store, so a quarantine recorded there shows at the next scrape.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openStateStore, type StateStore } from '@provisio/engine';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../emulators/test/support/zendesk.js';
import { killChildren, spawnCli } from './support/cli.js';
import { createTestDatabase, pgSkip, type TestDatabase } from './support/postgres.js';
import { type JobHarness, saveExternalJob, startJobHarness } from './support/provisioning.js';
import { type ServeHarness, startServeHarness } from './support/serve.js';

const JOB = 'metrics-a';

let h: JobHarness;
let db: TestDatabase;
let store: StateStore;
let zendesk: Harness;

beforeAll(async () => {
  if (pgSkip !== null) return;
  db = await createTestDatabase();
  h = await startJobHarness({ entra: { seed: 'demo:20' } });
  const caFile = join(h.dir, 'entra-ca.pem');
  await writeFile(caFile, h.entra.emulator.certificatePem);
  store = await openStateStore(db.url);
  await store.migrate();
  zendesk = await startHarness({ plan: 'enterprise', bulkImport: true });
  await saveExternalJob(h, store, JOB, zendesk, caFile);
}, 60_000);
afterEach(() => killChildren());
afterAll(async () => {
  await store?.close();
  await zendesk?.close();
  await h?.close();
  await db?.drop();
});

async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  ms = 60_000,
) {
  const until = Date.now() + ms;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await probe();
  }
  return last;
}

/** The value of one series in Prometheus's text format, or null when it is absent. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe.skipIf(pgSkip !== null)(pgSkip ?? 'metrics with provisio worker on PostgreSQL', () => {
  let serve: ServeHarness | undefined;
  afterAll(async () => {
    await serve?.close();
  });

  it("counts the worker's cycles on the worker's own /metrics, and serve's job-state gauges come from the store", async () => {
    serve = await startServeHarness({ env: { ...h.env, DATABASE_URL: db.url }, workers: 'external' });
    const env = { ...process.env, ...serve.env, ...h.env, DATABASE_URL: db.url };
    const worker = spawnCli(['worker', '--concurrency', '1', '--metrics-port', '0', '--log-level', 'warn'], {
      cwd: serve.dir,
      env,
    });
    let stderr = '';
    worker.child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const metricsUrl = await eventually(
      async () => /Prometheus metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr)?.[1] ?? null,
      (url) => url !== null,
      'the worker to say where its metrics are',
    );
    const cycle = await eventually(
      async () => (await store.listCycles(JOB, 5)).find((c) => c.state === 'succeeded') ?? null,
      (c) => c !== null,
      'a succeeded cycle',
    );
    const created = cycle?.counts.created ?? 0;
    expect(created).toBeGreaterThan(0);

    const scraped = await fetch(metricsUrl as string);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toContain('text/plain');
    const text = await scraped.text();
    expect(sample(text, `provisio_cycles_total{job="${JOB}",result="succeeded"}`)).toBe(1);
    expect(sample(text, `provisio_cycle_duration_seconds_count{job="${JOB}"}`)).toBe(1);
    expect(sample(text, `provisio_objects_total{job="${JOB}",action="create",status="success"}`)).toBe(
      created,
    );
    expect(sample(text, 'provisio_upstream_requests_total{system="entra",status="2xx"}')).toBeGreaterThan(0);
    expect(sample(text, 'provisio_upstream_requests_total{system="zendesk",status="2xx"}')).toBeGreaterThan(
      0,
    );
    expect(text).toMatch(/^provisio_process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^provisio_nodejs_eventloop_lag_seconds /m);
    expect(text).not.toMatch(/provisio_process_process_/);
    // Job state is serve's to report (from the store), not a worker's memory of its last cycle.
    expect(text).not.toMatch(/^provisio_job_quarantined\{/m);
    expect((await fetch(new URL('/', metricsUrl as string))).status).toBe(404);

    // serve ran no cycle: no cycle series; the job's state gauges read from the store.
    const reader = await serve.token('Reader');
    const served = async () => (await serve?.call('/metrics', { token: reader }))?.text() ?? '';
    const before = await served();
    expect(before).not.toMatch(/^provisio_cycles_total\{/m);
    expect(sample(before, `provisio_job_quarantined{job="${JOB}"}`)).toBe(0);
    expect(sample(before, `provisio_job_escrows{job="${JOB}"}`)).toBe(0);
    const now = new Date();
    await store.updateJob(
      JOB,
      {
        quarantine: {
          reason: 'EncounteredQuarantineException',
          currentBegan: now.toISOString(),
          seriesBegan: now.toISOString(),
          seriesCount: 0,
          nextAttempt: new Date(now.getTime() + 3_600_000).toISOString(),
          error: {
            code: 'Test',
            message: 'a quarantine recorded by a worker',
            failingRequests: [],
            objects: 0,
          },
        },
      },
      now,
    );
    expect(sample(await served(), `provisio_job_quarantined{job="${JOB}"}`)).toBe(1);

    worker.child.kill('SIGTERM');
    const stopped = await worker.finished;
    expect(stopped.code, stopped.stderr).toBe(0);
    await expect(fetch(metricsUrl as string)).rejects.toThrow();
  }, 120_000);
});
