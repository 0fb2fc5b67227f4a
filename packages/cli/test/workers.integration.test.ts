/**
 * Scale-out on PostgreSQL (docs/operations.md#workers): `provisio serve --workers external`,
 * started in-process as the command starts it, queues the cycles of three jobs (three Zendesk
 * accounts, the same 200-user Entra tenant), and two `provisio worker` subprocesses run them. The
 * worker running the first job's initial cycle is killed with SIGKILL once some of its users are
 * written; the server sees the cycle's worker is gone (its lease's process no longer runs), gives the
 * cycle to the other worker, which records the interrupted cycle and converges: every user in scope
 * is in every account exactly once, no duplicate, none missing. The Zendesk emulators answer slowly
 * and without bulk import, so an initial cycle writes one user per request for a few seconds.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFaultSpec } from '@provisio/emulators';
import { EngineErrorCode, openStateStore, type StateStore } from '@provisio/engine';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../emulators/test/support/zendesk.js';
import { killChildren, spawnCli } from './support/cli.js';
import { createTestDatabase, pgSkip, type TestDatabase } from './support/postgres.js';
import { type JobHarness, saveExternalJob, startJobHarness } from './support/provisioning.js';
import { type ServeHarness, startServeHarness } from './support/serve.js';

const JOBS = ['workers-a', 'workers-b', 'workers-c'] as const;

let h: JobHarness;
let db: TestDatabase;
let store: StateStore;
const accounts = new Map<string, Harness>();

beforeAll(async () => {
  if (pgSkip !== null) return;
  db = await createTestDatabase();
  h = await startJobHarness({ entra: { seed: 'demo:200' } });
  const caFile = join(h.dir, 'entra-ca.pem');
  await writeFile(caFile, h.entra.emulator.certificatePem);
  store = await openStateStore(db.url);
  await store.migrate();
  for (const jobId of JOBS) {
    const zendesk = await startHarness({
      plan: 'enterprise',
      bulkImport: false,
      faults: parseFaultSpec('latency=40-60'),
    });
    accounts.set(jobId, zendesk);
    await saveExternalJob(h, store, jobId, zendesk, caFile);
  }
}, 60_000);
afterEach(() => killChildren());
afterAll(async () => {
  await store?.close();
  await Promise.all([...accounts.values()].map((account) => account.close()));
  await h?.close();
  await db?.drop();
});

async function zendeskUsers(account: Harness): Promise<{ email: string; external_id: string | null }[]> {
  const users: { email: string; external_id: string | null }[] = [];
  let url: string | null = '/api/v2/users.json?page[size]=100';
  while (url !== null) {
    const page = (await account.admin.get(url)).body as {
      users: { email: string; external_id: string | null }[];
      meta: { has_more: boolean };
      links: { next: string };
    };
    users.push(...page.users);
    url = page.meta.has_more ? page.links.next : null;
  }
  return users.filter((u) => u.external_id !== null);
}

async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  ms = 90_000,
) {
  const until = Date.now() + ms;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await probe();
  }
  return last;
}

const succeeded = async (jobId: string) =>
  (await store.listCycles(jobId, 20)).some((c) => c.state === 'succeeded' || c.state === 'entryLevelErrors');

describe.skipIf(pgSkip !== null)(pgSkip ?? 'provisio worker on PostgreSQL', () => {
  let serve: ServeHarness | undefined;
  afterAll(async () => {
    await serve?.close();
  });

  it('runs every job in the workers, and a worker killed mid-cycle loses nothing and duplicates nothing', async () => {
    serve = await startServeHarness({
      env: { ...h.env, DATABASE_URL: db.url },
      workers: 'external',
      orphanGraceMs: 1000,
    });
    const env = { ...process.env, ...serve.env, ...h.env, DATABASE_URL: db.url };
    const workers = [0, 1].map(() =>
      spawnCli(['worker', '--concurrency', '2', '--log-level', 'debug'], { cwd: serve?.dir ?? h.dir, env }),
    );

    // The first job's initial cycle, some way in: which worker runs it is in its lease.
    const first = accounts.get(JOBS[0]) as Harness;
    await eventually(
      () => zendeskUsers(first),
      (users) => users.length >= 10,
      'the first users of job a',
    );
    const lease = await store.getLease(JOBS[0]);
    const pid = Number(lease?.owner.split(':')[1]);
    const victim = workers.find((w) => w.child.pid === pid);
    expect(victim, `the lease's owner ${lease?.owner} is one of the workers`).toBeDefined();
    victim?.child.kill('SIGKILL');
    expect((await victim?.finished)?.signal).toBe('SIGKILL');
    const atKill = (await zendeskUsers(first)).length;
    const [cut] = await store.listCycles(JOBS[0], 1);
    // The kill did land inside the initial cycle.
    expect(cut?.state).toBe('running');
    expect(atKill).toBeLessThan(150);

    for (const jobId of JOBS)
      await eventually(() => succeeded(jobId), Boolean, `a finished cycle of ${jobId}`);
    const survivor = workers.find((w) => w !== victim);
    survivor?.child.kill('SIGTERM');
    const stopped = await survivor?.finished;
    expect(stopped?.code, stopped?.stderr).toBe(0);

    const counts: number[] = [];
    for (const jobId of JOBS) {
      const users = await zendeskUsers(accounts.get(jobId) as Harness);
      const emails = users.map((u) => u.email);
      const externalIds = users.map((u) => u.external_id);
      // No duplicate…
      expect(new Set(emails).size).toBe(emails.length);
      expect(new Set(externalIds).size).toBe(externalIds.length);
      // …and none missing: every user the job links is in its account, once.
      const links = await store.listLinks(jobId);
      expect(links.length).toBeGreaterThan(100);
      expect(users.length).toBe(links.length);
      counts.push(users.length);
    }
    // The interrupted job provisioned exactly what the undisturbed ones did.
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeGreaterThan(atKill);
    const cycles = await store.listCycles(JOBS[0], 20);
    expect(cycles.some((c) => c.state === 'running')).toBe(false);
    expect(cycles.find((c) => c.cycleId === cut?.cycleId)?.errorCode).toBe(EngineErrorCode.Interrupted);
    // The server ran no cycle itself: every cycle's lease owner was a worker process.
    expect(serve.logs()).toContain('cycle queued');
    expect(serve.logs()).toContain('the worker running this cycle is gone');
    expect(serve.logs()).not.toContain('cycle finished');
  }, 150_000);
});
