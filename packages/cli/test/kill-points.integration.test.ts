/**
 * `kill -9` at every phase boundary of a cycle and in the middle of its batches (docs/provisioning.md,
 * "Crash safety" and "Interrupted writes"), on SQLite and on PostgreSQL (skipped with a message when
 * no PostgreSQL is reachable, a failure under CI).
 *
 * Each case starts from a provisioned job, changes Entra (two users leave scope, one joins, a new
 * group with members is assigned), runs `provisio sync --once` as a subprocess and kills it with
 * SIGKILL at one moment, picked from its Zendesk traffic through a kill switch (support/kill-switch.ts):
 * no sleeps, the same moment on every run. Then the next cycles run, and the test checks that nothing
 * is misattributed: one Zendesk user and group per Entra object, none missing, every suspension
 * provisio made recorded as provisio's (and lifted when the user returns), the links' `created` flags
 * right, no pending write left behind.
 *
 * The boundary between saving the target mirror and saving the links has no Zendesk request to stop
 * at: on PostgreSQL the process is killed while its links' insert waits on a lock the test holds; on
 * SQLite the cycle is stopped in-process, with the store failing where the links are saved.
 */
import type { EngineDeps } from '@provisio/engine';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type Finished, killChildren, spawnCli, writeCliJob } from './support/cli.js';
import { jobCompleted, type KillPoint, type SeenRequest, startKillSwitch } from './support/kill-switch.js';
import { createTestDatabase, pgSkip, type TestDatabase } from './support/postgres.js';
import {
  addMember,
  appRoleId,
  assign,
  createEntraGroup,
  createEntraUser,
  type JobHarness,
  patchUser,
  startJobHarness,
  zendeskGroups,
  zendeskMemberIds,
  zendeskUsers,
} from './support/provisioning.js';

type Store = EngineDeps['store'];

/**
 * A read of Zendesk's users: the list or the change export, or (when the export is not due yet, a
 * minute after provisio's own writes: docs/zendesk-limits.md) the lookup of the creates' matches.
 */
const isUserRead = (path: string) =>
  /^\/api\/v2\/(users|incremental\/users\/cursor|users\/search|users\/show_many)(\.json)?$/.test(path);

/** Kills the process at the first request `matches` accepts, `before` or `after` Zendesk carried it out. */
const at = (when: KillPoint['when'], matches: (r: SeenRequest) => boolean): (() => KillPoint) => {
  return () => ({ when, matches });
};

/** Arms on one request, then kills after the next job status that reports the job finished. */
const afterJobOf = (start: (r: SeenRequest) => boolean): (() => KillPoint) => {
  return () => {
    let started = false;
    return {
      when: 'after',
      matches(r) {
        if (r.method !== 'GET' && start(r)) started = true;
        return started && r.path.startsWith('/api/v2/job_statuses') && jobCompleted(r.answer);
      },
    };
  };
};

/** What the store and Zendesk hold when the process is gone: the moment the case meant to hit. */
interface AtKill {
  /** The pending writes, as `objectType action` (sorted). */
  readonly pending: readonly string[];
  /** The new user in Zendesk; the leavers suspended there. */
  readonly joinerInZendesk: boolean;
  /** The new user in provisio's target mirror (saved after each users' batch, before its links). */
  readonly joinerMirrored: boolean;
  readonly leaversSuspended: boolean;
  /** The new group in Zendesk, and provisio's link to it. */
  readonly groupInZendesk: boolean;
  readonly groupLinked: boolean;
}

type Case = {
  readonly name: string;
  readonly point: (() => KillPoint) | 'between the mirror save and the links save';
  /** Checks the state the kill left. */
  readonly atKill: (state: AtKill) => void;
};

const userIntents = ['user create', 'user disable', 'user disable'];

const cases: Case[] = [
  // The Graph reads are done; nothing is recorded yet (the source mirror is saved at the end).
  {
    name: 'after the import, before the target is read',
    point: at('before', (r) => r.method === 'GET' && isUserRead(r.path)),
    atKill: (s) =>
      expect(s).toEqual({
        pending: [],
        joinerInZendesk: false,
        joinerMirrored: false,
        leaversSuspended: false,
        groupInZendesk: false,
        groupLinked: false,
      }),
  },
  // The plan is made and the intents recorded; Zendesk has received no write.
  {
    name: 'after the plan, before the first write',
    point: at('before', (r) => r.method !== 'GET' && r.path.startsWith('/api/v2/users/')),
    atKill: (s) =>
      expect(s).toEqual({
        pending: userIntents,
        joinerInZendesk: false,
        joinerMirrored: false,
        leaversSuspended: false,
        groupInZendesk: false,
        groupLinked: false,
      }),
  },
  // Zendesk finished the first bulk job of the users' batch; the process never polled it to the end.
  {
    name: 'in the middle of the users’ batch',
    point: afterJobOf((r) => r.path.startsWith('/api/v2/users/')),
    atKill: (s) => {
      expect(s.pending).toEqual(userIntents);
      expect(s.joinerInZendesk || s.leaversSuspended).toBe(true);
      expect(s.joinerMirrored).toBe(false);
      expect(s.groupInZendesk).toBe(false);
    },
  },
  // Zendesk carried the batch out and the target mirror and log were saved; the links were not.
  {
    name: 'between the mirror save and the links save',
    point: 'between the mirror save and the links save',
    atKill: (s) =>
      expect(s).toEqual({
        pending: userIntents,
        joinerInZendesk: true,
        joinerMirrored: true,
        leaversSuspended: true,
        groupInZendesk: false,
        groupLinked: false,
      }),
  },
  // Zendesk created the group; the process never saw its id.
  {
    name: 'during the groups',
    point: at('after', (r) => r.method === 'POST' && /^\/api\/v2\/groups(\.json)?$/.test(r.path)),
    atKill: (s) =>
      expect(s).toEqual({
        pending: ['group create'],
        joinerInZendesk: true,
        joinerMirrored: true,
        leaversSuspended: true,
        groupInZendesk: true,
        groupLinked: false,
      }),
  },
  // Zendesk added the memberships; the process never recorded them.
  {
    name: 'during the memberships',
    point: afterJobOf((r) => r.path.startsWith('/api/v2/group_memberships/create_many')),
    atKill: (s) =>
      expect(s).toEqual({
        pending: [],
        joinerInZendesk: true,
        joinerMirrored: true,
        leaversSuspended: true,
        groupInZendesk: true,
        groupLinked: true,
      }),
  },
];

const backends: { name: string; skip: string | null; database(): Promise<TestDatabase | null> }[] = [
  { name: 'SQLite', skip: null, database: async () => null },
  { name: 'PostgreSQL', skip: pgSkip, database: createTestDatabase },
];

class SimulatedCrash extends Error {}

/**
 * PostgreSQL: makes the first insert into `links` (the transaction that records a batch's links and
 * forgets its pending writes) wait on an advisory lock the test holds, by a trigger. `waiting`
 * resolves once a session waits on it; `release` lets it go and removes the trigger (which waits for
 * the killed session's transaction to be rolled back).
 */
async function holdLinksSave(url: string): Promise<{ waiting(): Promise<void>; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    'create function provisio_test_hold() returns trigger language plpgsql as $$ begin perform pg_advisory_xact_lock(4242); return new; end $$',
  );
  await client.query(
    'create trigger provisio_test_hold before insert on links for each row execute function provisio_test_hold()',
  );
  await client.query('select pg_advisory_lock(4242)');
  return {
    async waiting() {
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        const { rows } = await client.query(
          "select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 4242 and not granted",
        );
        if ((rows[0] as { n: number }).n > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error('no session waited to save links within a minute');
    },
    async release() {
      try {
        await client.query('select pg_advisory_unlock(4242)');
        await client.query('drop trigger provisio_test_hold on links');
        await client.query('drop function provisio_test_hold()');
      } finally {
        await client.end();
      }
    },
  };
}

/** The store as it is, except that saving a batch's links fails: the mirror and the log are saved. */
function failingLinksSave(store: Store): Store {
  return new Proxy(store, {
    get(object, property) {
      if (property === 'settlePendingWrites')
        return async () => {
          throw new SimulatedCrash('the process stopped before the links were saved');
        };
      const value = Reflect.get(object, property);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

afterEach(() => killChildren());

describe.each(backends)('kill -9 at every phase on $name', (backend) => {
  describe.skipIf(backend.skip !== null)(backend.skip ?? 'nothing misattributed', () => {
    it.each(cases)(
      'killed $name',
      async ({ point, atKill }) => {
        const database = await backend.database();
        const h: JobHarness = await startJobHarness(database ? { databaseUrl: database.url } : {});
        const killSwitch = await startKillSwitch(h.zendesk.emulator.url);
        try {
          const jobId = h.config.settings.jobId;
          const agent = await appRoleId(h, 'Agent');
          const [stay, lea, leo] = await Promise.all(['sam', 'lea', 'leo'].map((n) => createEntraUser(h, n)));
          if (!stay || !lea || !leo) throw new Error('no users');
          for (const id of [stay, lea, leo]) await assign(h, id, agent);
          const first = await createEntraGroup(h, 'Day Shift');
          await addMember(h, first, stay);
          await assign(h, first, agent);
          await h.cycle();

          // Two leave scope, one joins, a new group with two members is assigned.
          for (const id of [lea, leo]) await patchUser(h, id, { accountEnabled: false });
          const joiner = await createEntraUser(h, 'jon');
          await assign(h, joiner, agent);
          const second = await createEntraGroup(h, 'Night Shift');
          for (const id of [stay, joiner]) await addMember(h, second, id);
          await assign(h, second, agent);

          const document = {
            ...h.document,
            target: { ...(h.document['target'] as object), baseUrl: killSwitch.url },
          };
          const job = await writeCliJob({ ...h, document }, 'provisio-kill-');
          const sync = () =>
            spawnCli(['sync', '--once', '--config', job.configFile], {
              cwd: job.dir,
              env: { ...job.env, DATABASE_URL: h.databaseUrl },
            });
          const expectKilled = (finished: Finished) =>
            expect(
              finished.signal,
              `not killed: the process ended first\n${finished.stdout}${finished.stderr}`,
            ).toBe('SIGKILL');

          if (point === 'between the mirror save and the links save' && database !== null) {
            // PostgreSQL: the links' insert waits on a lock the test holds; the process dies there.
            const hold = await holdLinksSave(database.url);
            try {
              const run = sync();
              await Promise.race([hold.waiting(), run.finished]);
              run.child.kill('SIGKILL');
              expectKilled(await run.finished);
            } finally {
              await hold.release();
            }
          } else if (point === 'between the mirror save and the links save') {
            // SQLite has no lock to wait on from outside: the cycle is stopped in-process there.
            const store = h.deps.store;
            h.deps = { ...h.deps, store: failingLinksSave(store) };
            try {
              await expect(h.cycle()).rejects.toBeInstanceOf(SimulatedCrash);
            } finally {
              h.deps = { ...h.deps, store };
            }
            // Left "running", as a killed process leaves it.
            const [last] = await h.store.listCycles(jobId, 1);
            if (!last) throw new Error('no cycle');
            await h.store.saveCycle({
              ...last,
              state: 'running',
              endedAt: null,
              error: null,
              errorCode: null,
            });
          } else {
            const run = sync();
            const killed = killSwitch.arm(run.child, point());
            expectKilled(await run.finished);
            const fired = await killed;
            expect(fired.path).toMatch(/^\/api\/v2\//);
          }

          const inZendesk = await zendeskUsers(h);
          atKill({
            pending: (await h.store.listPendingWrites(jobId))
              .map((w) => `${w.objectType} ${w.action}`)
              .sort(),
            joinerInZendesk: inZendesk.some((u) => u.external_id === joiner),
            joinerMirrored: (await h.store.listTargetObjects(jobId, 'user')).some(
              (o) => o.id === String(inZendesk.find((u) => u.external_id === joiner)?.id),
            ),
            leaversSuspended: [lea, leo].every(
              (id) => inZendesk.find((u) => u.external_id === id)?.suspended,
            ),
            groupInZendesk: (await zendeskGroups(h)).some((g) => g.name === 'Night Shift'),
            groupLinked: (await h.store.listGroupLinks(jobId)).some((l) => l.sourceId === second),
          });

          // The next cycle picks up the pieces.
          const next = await h.cycle();
          expect(next.kind).toBe('initial');
          expect(await h.store.listPendingWrites(jobId)).toEqual([]);
          const interrupted = (await h.store.listCycles(jobId, 10)).filter(
            (c) => c.errorCode === 'Interrupted',
          );
          expect(interrupted).toHaveLength(1);

          // One Zendesk user per Entra user, none missing; the suspensions are provisio's.
          const users = await zendeskUsers(h);
          const zendeskId = new Map<string, string>();
          for (const id of [stay, lea, leo, joiner]) {
            const found = users.filter((u) => u.external_id === id);
            expect(found, id).toHaveLength(1);
            zendeskId.set(id, String(found[0].id));
            expect(found[0].suspended, id).toBe(id === lea || id === leo);
          }
          const links = new Map((await h.store.listLinks(jobId)).map((l) => [l.sourceId, l]));
          for (const id of [stay, joiner])
            expect(links.get(id), id).toMatchObject({
              targetId: zendeskId.get(id),
              state: 'active',
              created: true,
            });
          for (const id of [lea, leo])
            expect(links.get(id), id).toMatchObject({
              targetId: zendeskId.get(id),
              state: 'disabled',
              created: true,
            });

          // One Zendesk group per Entra group, both provisio's, the new one with its members.
          const groups = await zendeskGroups(h);
          const groupLinks = new Map((await h.store.listGroupLinks(jobId)).map((l) => [l.sourceId, l]));
          for (const [id, name] of [
            [first, 'Day Shift'],
            [second, 'Night Shift'],
          ] as const) {
            const found = groups.filter((g) => g.name === name);
            expect(found, name).toHaveLength(1);
            expect(groupLinks.get(id), name).toMatchObject({
              targetId: String(found[0].id),
              state: 'active',
              created: true,
            });
          }
          expect((await zendeskMemberIds(h, 'Night Shift')).map(String).sort()).toEqual(
            [zendeskId.get(stay), zendeskId.get(joiner)].sort(),
          );

          // Back in scope: provisio lifts the suspensions it made.
          for (const id of [lea, leo]) await patchUser(h, id, { accountEnabled: true });
          await h.cycle();
          const after = await zendeskUsers(h);
          for (const id of [lea, leo])
            expect(after.find((u) => u.external_id === id)?.suspended, id).toBe(false);
          expect(after.filter((u) => u.external_id !== null)).toHaveLength(
            users.filter((u) => u.external_id !== null).length,
          );
        } finally {
          killChildren();
          await killSwitch.close();
          await h.close();
          await database?.drop();
        }
      },
      90_000,
    );
  });
});
