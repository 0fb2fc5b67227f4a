/**
 * Intent before effect (docs/provisioning.md, "Crashes and restarts"): a cycle that stops after
 * Zendesk carried out a batch but before provisio recorded its results leaves pending writes; the
 * next cycle records what Zendesk did as provisio's own doing. Over real sockets against the Entra
 * and Zendesk emulators, on SQLite and on PostgreSQL (skipped with a message when no PostgreSQL is
 * reachable, a failure under CI): a target connector that stops the cycle once Zendesk carried the
 * batch out, and a `provisio sync --once` subprocess killed with SIGKILL while Zendesk runs its job.
 */
import { randomBytes } from 'node:crypto';
import type { EngineDeps } from '@provisio/engine';

type Target = EngineDeps['target'];

import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, spawnCli, writeCliJob } from './support/cli.js';
import {
  appRoleId,
  assign,
  createEntraGroup,
  createEntraUser,
  type JobHarness,
  patchUser,
  startJobHarness,
  unassign,
  zendeskGroups,
  zendeskUserByExternalId,
  zendeskUsers,
} from './support/provisioning.js';

const PG_URL = process.env['PROVISIO_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const IN_CI = (process.env['CI'] ?? '') !== '';

async function pgUnreachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return null;
  } catch (error) {
    return String(error) || 'connection failed';
  } finally {
    await client.end().catch(() => {});
  }
}

const pgProblem = await pgUnreachable(PG_URL);
const pgSkipped = pgProblem !== null && !IN_CI;
if (pgSkipped)
  console.warn(
    `PostgreSQL not reachable at ${PG_URL} (${pgProblem}): skipping the PostgreSQL half of the interrupted-writes suite. ` +
      'Set PROVISIO_TEST_DATABASE_URL to point at a server; under CI this is a failure.',
  );

interface Database {
  readonly url: string | undefined;
  drop(): Promise<void>;
}

const backends: { name: string; skip: boolean; create(): Promise<Database> }[] = [
  { name: 'SQLite', skip: false, create: async () => ({ url: undefined, drop: async () => {} }) },
  {
    name: 'PostgreSQL',
    skip: pgSkipped,
    async create() {
      if (pgProblem !== null)
        throw new Error(
          `PostgreSQL not reachable at ${PG_URL} (${pgProblem}), and CI is set: this half must run.`,
        );
      const name = `provisio_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`create database ${name}`).finally(() => admin.end());
      const url = new URL(PG_URL);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        async drop() {
          const client = new pg.Client({ connectionString: PG_URL });
          await client.connect();
          await client.query(`drop database if exists ${name} with (force)`).finally(() => client.end());
        },
      };
    },
  },
];

class SimulatedCrash extends Error {}

/**
 * The target connector as it is, except that `apply` stops the cycle once Zendesk has carried the
 * batch out and before the cycle records anything: where a `kill -9` after the bulk job was
 * accepted leaves provisio.
 */
function crashingAfterApply(target: Target, method: 'apply' | 'applyGroups' = 'apply'): Target {
  return new Proxy(target, {
    get(object, property) {
      if (property === method)
        return async (...args: unknown[]) => {
          await (object[method] as (...a: unknown[]) => Promise<unknown>)(...args);
          throw new SimulatedCrash('the process stopped after the batch was sent');
        };
      const value = Reflect.get(object, property);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

describe.each(backends)('interrupted writes on $name', (backend) => {
  describe.skipIf(backend.skip)(
    backend.skip ? `skipped: PostgreSQL not reachable at ${PG_URL}` : 'reconciled',
    () => {
      let h: JobHarness;
      let database: Database;
      let normal: Target;

      beforeAll(async () => {
        database = await backend.create();
        h = await startJobHarness(database.url ? { databaseUrl: database.url } : {});
        normal = h.deps.target;
      }, 60_000);
      afterEach(() => killChildren());
      afterAll(async () => {
        await h?.close();
        await database?.drop();
      });

      /** One cycle that stops after its first batch reached Zendesk, left "running" as a killed process leaves it. */
      async function crashedCycle(method: 'apply' | 'applyGroups' = 'apply'): Promise<void> {
        h.deps = { ...h.deps, target: crashingAfterApply(normal, method) };
        try {
          await expect(h.cycle()).rejects.toBeInstanceOf(SimulatedCrash);
        } finally {
          h.deps = { ...h.deps, target: normal };
        }
        const jobId = h.config.settings.jobId;
        const [last] = await h.store.listCycles(jobId, 1);
        if (last)
          await h.store.saveCycle({ ...last, state: 'running', endedAt: null, error: null, errorCode: null });
      }

      const linkOf = async (sourceId: string) =>
        (await h.store.listLinks(h.config.settings.jobId)).find((link) => link.sourceId === sourceId);

      it('suspensions, lifted suspensions and creates Zendesk carried out are recorded as provisio’s', async () => {
        const jobId = h.config.settings.jobId;
        const agent = await appRoleId(h, 'Agent');
        const leavers = await Promise.all(['lea', 'leo', 'lia'].map((nick) => createEntraUser(h, nick)));
        for (const id of leavers) await assign(h, id, agent);
        await h.cycle();
        for (const id of leavers) expect((await zendeskUserByExternalId(h, id)).suspended).toBe(false);

        // Three leave scope and one joins; the cycle is cut short once Zendesk has done it all.
        for (const id of leavers) await patchUser(h, id, { accountEnabled: false });
        const joiner = await createEntraUser(h, 'jon');
        await assign(h, joiner, agent);
        await crashedCycle();
        for (const id of leavers) expect((await zendeskUserByExternalId(h, id)).suspended, id).toBe(true);
        expect(await zendeskUserByExternalId(h, joiner)).not.toBeNull();
        // Nothing recorded: the links still say what they said before the batch.
        for (const id of leavers) expect((await linkOf(id))?.state).toBe('active');
        expect(await linkOf(joiner)).toBeUndefined();
        expect(await h.store.listPendingWrites(jobId)).toHaveLength(4);

        // The next cycle reconciles before it plans: the suspensions are provisio's, the user its creation.
        const next = await h.cycle();
        expect(next.kind).toBe('initial');
        expect(await h.store.listPendingWrites(jobId)).toEqual([]);
        for (const id of leavers) expect(await linkOf(id), id).toMatchObject({ state: 'disabled' });
        expect(await linkOf(joiner)).toMatchObject({ state: 'active', created: true });
        for (const id of leavers) {
          const plannedUser = next.planned.find((p) => p.sourceId === id);
          expect(plannedUser?.description, id).toMatch(/already deprovisioned/);
          expect(plannedUser?.description, id).not.toMatch(/someone other than provisio/);
        }
        expect(next.planned.find((p) => p.sourceId === joiner)?.match?.kind).toBe('linked');
        const [audit] = (await h.store.listAudit(jobId, 20)).filter(
          (a) => a.activity === 'Reconcile interrupted cycle',
        );
        expect(audit?.summary).toMatch(
          /3 suspended by provisio .*1 created by provisio|1 created by provisio.*3 suspended by provisio/,
        );
        expect(audit?.initiatedBy).toBe('provisio');

        // Back in scope: provisio lifts the suspensions it made.
        for (const id of leavers) await patchUser(h, id, { accountEnabled: true });
        const back = await h.cycle();
        for (const id of leavers) {
          expect(back.planned.find((p) => p.sourceId === id)?.action?.kind, id).toBe('reactivate');
          expect((await zendeskUserByExternalId(h, id)).suspended, id).toBe(false);
        }
        // One Zendesk user per person: nothing created twice.
        const externalIds = (await zendeskUsers(h)).map((u) => u.external_id).filter((id) => id !== null);
        expect(new Set(externalIds).size).toBe(externalIds.length);
      }, 120_000);

      it('a lifted suspension Zendesk carried out is recorded, so that leaving scope again suspends the user', async () => {
        const agent = await appRoleId(h, 'Agent');
        const id = await createEntraUser(h, 'ria');
        await assign(h, id, agent);
        await h.cycle();
        await patchUser(h, id, { accountEnabled: false });
        await h.cycle();
        expect(await linkOf(id)).toMatchObject({ state: 'disabled' });

        await patchUser(h, id, { accountEnabled: true });
        await crashedCycle();
        expect((await zendeskUserByExternalId(h, id)).suspended).toBe(false);
        expect(await linkOf(id)).toMatchObject({ state: 'disabled' });

        await patchUser(h, id, { accountEnabled: false });
        const again = await h.cycle();
        expect(await linkOf(id)).toMatchObject({ state: 'disabled' });
        expect(again.planned.find((p) => p.sourceId === id)?.action?.kind).toBe('disable');
        expect((await zendeskUserByExternalId(h, id)).suspended).toBe(true);
      }, 120_000);

      it('`sync` killed with SIGKILL while Zendesk runs its suspension job: the next cycle owns the suspensions', async () => {
        const jobId = h.config.settings.jobId;
        const agent = await appRoleId(h, 'Agent');
        const ids = await Promise.all(['kim', 'kai'].map((nick) => createEntraUser(h, nick)));
        for (const id of ids) await assign(h, id, agent);
        await h.cycle();
        for (const id of ids) await patchUser(h, id, { accountEnabled: false });

        // Every Zendesk answer takes 300 ms, so the process cannot record the job's results (it must
        // poll the job first) before the test, watching the emulator's own data, sees the suspensions.
        const slow = await h.zendesk.admin.control('PUT', 'config', { faults: 'latency=300' });
        expect(slow.status).toBe(200);
        const job = await writeCliJob(h, 'provisio-kill-');
        const run = spawnCli(['sync', '--once', '--config', job.configFile], {
          cwd: job.dir,
          env: { ...job.env, DATABASE_URL: h.databaseUrl },
        });
        const suspendedInZendesk = () =>
          ids.every((id) => h.zendesk.emulator.store.userByExternalId(id)?.suspended === true);
        const until = Date.now() + 60_000;
        while (!suspendedInZendesk() && run.child.exitCode === null && Date.now() < until)
          await new Promise((resolve) => setTimeout(resolve, 5));
        run.child.kill('SIGKILL');
        const finished = await run.finished;
        await h.zendesk.admin.control('PUT', 'config', { faults: 'none' });
        expect(finished.signal, finished.stderr).toBe('SIGKILL');
        expect(suspendedInZendesk()).toBe(true);
        // Killed between intent and record: the links still say active.
        expect((await h.store.listPendingWrites(jobId)).map((w) => w.action)).toEqual(['disable', 'disable']);
        for (const id of ids) expect((await linkOf(id))?.state).toBe('active');

        const next = await h.cycle();
        expect(next.kind).toBe('initial');
        for (const id of ids) expect(await linkOf(id), id).toMatchObject({ state: 'disabled' });
        const interrupted = (await h.store.listCycles(jobId, 10)).filter(
          (c) => c.errorCode === 'Interrupted',
        );
        expect(interrupted.length).toBeGreaterThan(0);

        for (const id of ids) await patchUser(h, id, { accountEnabled: true });
        await h.cycle();
        for (const id of ids) expect((await zendeskUserByExternalId(h, id)).suspended, id).toBe(false);
      }, 180_000);

      it('a group Zendesk created before the crash is provisio’s (deleted when it leaves scope), its deletion recorded', async () => {
        const jobId = h.config.settings.jobId;
        const group = await createEntraGroup(h, 'Night Shift');
        const assignment = await assign(h, group, await appRoleId(h, 'Agent'));
        await crashedCycle('applyGroups');
        const created = (await zendeskGroups(h)).filter((g) => g.name === 'Night Shift');
        expect(created).toHaveLength(1);
        expect((await h.store.listGroupLinks(jobId)).find((l) => l.sourceId === group)).toBeUndefined();
        expect(
          (await h.store.listPendingWrites(jobId)).map((w) => [w.objectType, w.action, w.sourceId]),
        ).toEqual([['group', 'create', group]]);

        // Recorded as created by provisio, not matched by name and adopted.
        const next = await h.cycle();
        expect(next.kind).toBe('initial');
        expect(await h.store.listPendingWrites(jobId)).toEqual([]);
        const groupLinkOf = async () =>
          (await h.store.listGroupLinks(jobId)).find((l) => l.sourceId === group);
        expect(await groupLinkOf()).toMatchObject({
          targetId: String(created[0].id),
          state: 'active',
          created: true,
        });
        expect(next.groups?.counts.groupsCreated).toBe(0);
        const [audit] = (await h.store.listAudit(jobId, 20)).filter(
          (a) => a.activity === 'Reconcile interrupted cycle',
        );
        expect(audit?.summary).toBe(
          "Reconciled after an interrupted cycle: 1 group write the cycle had begun; 1 created by provisio (Night Shift) recorded as provisio's own.",
        );

        // Out of scope: provisio deletes the group it created (an adopted one would be kept); the
        // cycle stops once Zendesk has deleted it, and the next one records the deletion.
        await unassign(h, assignment);
        await crashedCycle('applyGroups');
        expect((await zendeskGroups(h)).some((g) => g.name === 'Night Shift')).toBe(false);
        expect((await groupLinkOf())?.state).toBe('active');
        await h.cycle();
        expect(await groupLinkOf()).toMatchObject({ state: 'deleted', created: true });
        expect(await h.store.listPendingWrites(jobId)).toEqual([]);
      }, 120_000);

      it('a write Zendesk did not carry out is dropped and planned again', async () => {
        const jobId = h.config.settings.jobId;
        const agent = await appRoleId(h, 'Agent');
        const id = await createEntraUser(h, 'nia');
        await assign(h, id, agent);
        await h.cycle();
        const link = await linkOf(id);
        if (!link) throw new Error('no link');
        // As if the process stopped after recording the intent and before sending anything.
        await h.store.savePendingWrites([
          {
            jobId,
            cycleId: 'cut-short',
            objectType: 'user',
            sourceId: id,
            targetId: link.targetId,
            action: 'disable',
            matchValues: {},
            displayName: link.displayName,
            created: link.created,
            createdAt: new Date().toISOString(),
          },
        ]);
        await patchUser(h, id, { accountEnabled: false });
        const next = await h.cycle();
        expect(next.kind).toBe('initial');
        expect(next.planned.find((p) => p.sourceId === id)?.action?.kind).toBe('disable');
        expect((await zendeskUserByExternalId(h, id)).suspended).toBe(true);
        expect(await linkOf(id)).toMatchObject({ state: 'disabled' });
        expect(await h.store.listPendingWrites(jobId)).toEqual([]);
      }, 120_000);
    },
  );
});
