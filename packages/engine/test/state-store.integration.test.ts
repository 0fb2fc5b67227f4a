/**
 * The state store against real databases: one suite, run on SQLite (a temporary file) and on
 * PostgreSQL (a database created for this run and dropped after it). PostgreSQL comes from
 * PROVISIO_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test; when it cannot be reached
 * its half is skipped with a warning, except under CI, where it fails.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyCycleCounts } from '../src/cycle/run-cycle.js';
import { foldQuietCycle } from '../src/cycle/sync-loop.js';
import type { JobDefinition } from '../src/jobs/definition.js';
import type { ProvisioningAction, ProvisioningObjectSummary, ProvisioningStatus } from '../src/log/types.js';
import type { MemberRef } from '../src/ports/source.js';
import {
  type AuditRecord,
  type CycleRecord,
  type EscrowRecord,
  type GroupLinkRecord,
  JobDefinitionConflict,
  type JobRecord,
  type LinkRecord,
  type PendingWriteRecord,
  type SourceGroupRecord,
  type SourceUserRecord,
  type StateStore,
} from '../src/ports/state.js';
import {
  openStateStore,
  resolveDatabaseUrl,
  type SqlDialect,
  type StateDatabase,
} from '../src/state/index.js';
import { newJobRecord } from '../src/state/job-record.js';
import { createMigrator } from '../src/state/migrations.js';

const PG_URL = process.env['PROVISIO_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const IN_CI = (process.env['CI'] ?? '') !== '';

/** Why PostgreSQL cannot be used, or null when it can. */
async function pgUnreachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return null;
  } catch (error) {
    const detail = error instanceof AggregateError ? error.errors.map(String).join('; ') : String(error);
    return detail === '' ? 'connection failed' : detail;
  } finally {
    await client.end().catch(() => {});
  }
}

const pgProblem = await pgUnreachable(PG_URL);
const pgSkipped = pgProblem !== null && !IN_CI;
if (pgSkipped) {
  console.warn(
    `PostgreSQL not reachable at ${PG_URL} (${pgProblem}): skipping the PostgreSQL half of the state-store suite. ` +
      'Set PROVISIO_TEST_DATABASE_URL to point at a server; under CI this is a failure.',
  );
}

interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

interface Backend {
  readonly name: string;
  readonly dialect: SqlDialect;
  readonly skip: boolean;
  create(): Promise<TestDatabase>;
  /** A bare Kysely over the database at `url` (no store, no migrations), for building old schemas. */
  openKysely(url: string): Promise<Kysely<StateDatabase>>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    dialect: 'sqlite',
    skip: false,
    async create() {
      const dir = await mkdtemp(join(tmpdir(), 'provisio-state-'));
      // A directory that does not exist yet: openStateStore creates it.
      return {
        url: `sqlite:${join(dir, 'nested', 'state.db')}`,
        drop: () => rm(dir, { recursive: true, force: true }),
      };
    },
    async openKysely(url) {
      const file = url.slice('sqlite:'.length);
      await mkdir(dirname(file), { recursive: true });
      return new Kysely<StateDatabase>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    },
  },
  {
    name: 'PostgreSQL',
    dialect: 'postgres',
    skip: pgSkipped,
    async create() {
      if (pgProblem !== null) {
        throw new Error(
          `PostgreSQL not reachable at ${PG_URL} (${pgProblem}), and CI is set: this half must run.`,
        );
      }
      const name = `provisio_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        await admin.query(`create database ${name}`);
      } finally {
        await admin.end();
      }
      const url = new URL(PG_URL);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        async drop() {
          const client = new pg.Client({ connectionString: PG_URL });
          await client.connect();
          try {
            await client.query(`drop database if exists ${name} with (force)`);
          } finally {
            await client.end();
          }
        },
      };
    },
    async openKysely(url) {
      return new Kysely<StateDatabase>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
      });
    },
  },
];

// ── fixtures ─────────────────────────────────────────────────────────────────────────────────────

const T0 = '2025-03-01T10:00:00.000Z';

function job(jobId: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return { ...newJobRecord(jobId, new Date(T0)), ...overrides };
}

function sourceUser(
  jobId: string,
  sourceId: string,
  overrides: Partial<SourceUserRecord> = {},
): SourceUserRecord {
  return {
    jobId,
    sourceId,
    attributes: { id: sourceId, displayName: `User ${sourceId}`, accountEnabled: true },
    removed: null,
    assignments: [],
    assignmentSignature: '',
    staged: false,
    updatedAt: T0,
    ...overrides,
  };
}

function link(jobId: string, sourceId: string, overrides: Partial<LinkRecord> = {}): LinkRecord {
  return {
    jobId,
    sourceId,
    targetId: `z-${sourceId}`,
    state: 'active',
    created: true,
    displayName: `User ${sourceId}`,
    updatedAt: T0,
    ...overrides,
  };
}

const ZERO_COUNTS = emptyCycleCounts;

function cycle(
  jobId: string,
  cycleId: string,
  startedAt: string,
  overrides: Partial<CycleRecord> = {},
): CycleRecord {
  return {
    jobId,
    cycleId,
    kind: 'incremental',
    state: 'succeeded',
    startedAt,
    endedAt: startedAt,
    counts: ZERO_COUNTS,
    error: null,
    errorCode: null,
    ...overrides,
  };
}

interface EntrySpec {
  readonly jobId: string;
  readonly id: string;
  readonly at: string;
  readonly cycleId?: string;
  readonly action?: ProvisioningAction;
  readonly status?: ProvisioningStatus;
  readonly sourceId?: string;
  readonly targetId?: string;
  readonly name?: string;
  readonly errorCode?: string;
}

function entry(spec: EntrySpec): ProvisioningObjectSummary {
  const status = spec.status ?? 'success';
  const sourceId = spec.sourceId ?? `src-${spec.id}`;
  const name = spec.name ?? `Person ${spec.id}`;
  return {
    id: spec.id,
    activityDateTime: spec.at,
    tenantId: 'tenant-1',
    jobId: spec.jobId,
    cycleId: spec.cycleId ?? 'cycle-1',
    changeId: `change-${spec.id}`,
    provisioningAction: spec.action ?? 'create',
    durationInMilliseconds: 12,
    initiatedBy: { id: '', displayName: 'provisio', initiatorType: 'system' },
    modifiedProperties: [{ displayName: 'email', oldValue: null, newValue: `${spec.id}@example.com` }],
    provisioningSteps: [
      {
        name: 'EntryImport',
        provisioningStepType: 'import',
        status: 'success',
        description: `Received User '${name}'`,
        details: { objectId: sourceId },
      },
    ],
    servicePrincipal: { id: 'sp-1', displayName: 'Zendesk' },
    sourceIdentity: { id: sourceId, displayName: name, identityType: 'User', details: null },
    targetIdentity: {
      id: spec.targetId ?? '',
      displayName: name,
      identityType: 'User',
      details: { role: 'agent' },
    },
    sourceSystem: { id: 'entra', displayName: 'Microsoft Entra ID', details: {} },
    targetSystem: { id: 'zendesk', displayName: 'Zendesk', details: {} },
    provisioningStatusInfo: {
      status,
      errorInformation:
        spec.errorCode === undefined
          ? null
          : {
              errorCode: spec.errorCode,
              reason: 'It failed',
              additionalDetails: null,
              errorCategory: 'nonServiceFailure',
              recommendedAction: null,
            },
    },
  };
}

function sourceGroup(
  jobId: string,
  sourceId: string,
  overrides: Partial<SourceGroupRecord> = {},
): SourceGroupRecord {
  return {
    jobId,
    sourceId,
    attributes: { id: sourceId, displayName: `Group ${sourceId}`, mailEnabled: false },
    members: [
      { id: `${sourceId}-u1`, type: 'user' },
      { id: `${sourceId}-g1`, type: 'group' },
    ],
    removed: null,
    updatedAt: T0,
    ...overrides,
  };
}

function groupLink(
  jobId: string,
  sourceId: string,
  overrides: Partial<GroupLinkRecord> = {},
): GroupLinkRecord {
  return {
    jobId,
    sourceId,
    targetId: `zg-${sourceId}`,
    state: 'active',
    created: true,
    displayName: `Group ${sourceId}`,
    updatedAt: T0,
    ...overrides,
  };
}

function escrow(
  jobId: string,
  objectType: EscrowRecord['objectType'],
  objectId: string,
  overrides: Partial<EscrowRecord> = {},
): EscrowRecord {
  return {
    jobId,
    objectType,
    objectId,
    displayName: `Object ${objectId}`,
    attempts: 1,
    firstFailedAt: T0,
    lastFailedAt: T0,
    nextAttemptAt: '2025-03-01T10:05:00.000Z',
    errorCode: 'TooManyRequests',
    errorMessage: 'Zendesk answered 429',
    ...overrides,
  };
}

function audit(jobId: string, id: string, at: string, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    jobId,
    id,
    activityDateTime: at,
    activity: 'Import roles',
    initiatedBy: 'alice',
    result: 'success',
    summary: `Audit ${id}.`,
    details: { roles: ['agent', 'admin'], count: 2, nested: { ok: true, none: null } },
    ...overrides,
  };
}

const ids = (entries: readonly { readonly id: string }[]) => entries.map((e) => e.id);
const bySourceId = <T extends { sourceId: string }>(records: T[]) =>
  [...records].sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0));
/** Escrows in key order, independent of the database's collation. */
const byEscrowKey = (records: readonly EscrowRecord[]) =>
  [...records].sort((a, b) => {
    const x = `${a.objectType} ${a.objectId}`;
    const y = `${b.objectType} ${b.objectId}`;
    return x < y ? -1 : x > y ? 1 : 0;
  });
const escrowKeys = (records: readonly EscrowRecord[]) =>
  byEscrowKey(records).map((e) => `${e.objectType}:${e.objectId}`);

// ── the suite, once per database ─────────────────────────────────────────────────────────────────

describe.each(backends)('state store on $name', (backend) => {
  describe.skipIf(backend.skip)(
    backend.skip ? `skipped: PostgreSQL not reachable at ${PG_URL}` : 'StateStore',
    () => {
      let database: TestDatabase | undefined;
      let store: StateStore;

      beforeAll(async () => {
        database = await backend.create();
        store = await openStateStore(database.url);
        await store.migrate();
      });

      afterAll(async () => {
        await store?.close();
        await database?.drop();
      });

      it('migrates idempotently: running the migrations again changes nothing and keeps data', async () => {
        await store.saveJob(job('migrate'));
        await store.migrate();
        await store.migrate();
        expect(await store.getJob('migrate')).toEqual(job('migrate'));
      });

      it('saves, reads and replaces a job', async () => {
        expect(await store.getJob('job-unknown')).toBeNull();
        const first = job('job-1', {
          targetState: '{"cursor":"abc","nested":{"n":1,"list":[1,"two",null]}}',
          allowDeletes: true,
          rolesImportedAt: T0,
          quarantine: {
            reason: 'TooManyDeletes',
            currentBegan: T0,
            seriesBegan: T0,
            seriesCount: 0,
            nextAttempt: T0,
            error: { code: 'TooManyDeletes', message: 'm', failingRequests: ['GET /x → 500'], objects: 3 },
          },
        });
        await store.saveJob(first);
        expect(await store.getJob('job-1')).toEqual(first);

        const second = job('job-1', {
          status: 'Active',
          configHash: 'sha256:1234',
          watermark: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=xyz',
          watermarkAt: '2025-03-01T11:00:00.000Z',
          groupWatermark: 'https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=g',
          reconciledAt: '2025-03-01T11:00:00.000Z',
          membershipsLoadedAt: '2025-03-01T11:00:00.000Z',
          updatedAt: '2025-03-01T11:00:01.000Z',
        });
        await store.saveJob(second);
        expect(await store.getJob('job-1')).toEqual(second);

        await store.saveJob(job('job-1', { status: 'Quarantine' }));
        expect(await store.getJob('job-1')).toEqual(job('job-1', { status: 'Quarantine' }));
      });

      it('changes only the given fields of a job, creating it with defaults when new', async () => {
        const at = new Date('2025-03-01T12:00:00.000Z');
        expect(await store.updateJob('patched', { allowDeletes: true }, at)).toEqual(
          job('patched', { allowDeletes: true, updatedAt: at.toISOString() }),
        );
        await store.updateJob('patched', { status: 'Paused', watermark: 'w1' }, at);
        // A later patch of other fields keeps the pause and the pending allow-deletes.
        const later = new Date('2025-03-01T12:05:00.000Z');
        const after = await store.updateJob('patched', { watermark: 'w2', targetState: 's' }, later);
        expect(after).toEqual(
          job('patched', {
            status: 'Paused',
            allowDeletes: true,
            watermark: 'w2',
            targetState: 's',
            updatedAt: later.toISOString(),
          }),
        );
        await store.updateJob('patched', { quarantine: null, allowDeletes: false }, later);
        expect((await store.getJob('patched'))?.allowDeletes).toBe(false);
      });

      it('keeps the target mirror per job and kind: upserts, removals, clearing', async () => {
        const user = (id: string, name: string) => ({ id, attributes: { name }, active: true });
        await store.saveTargetObjects('mirror-a', 'user', [
          { id: '1', data: user('1', 'One') },
          { id: '2', data: user('2', 'Two') },
        ]);
        await store.saveTargetObjects('mirror-a', 'group', [{ id: '1', data: { id: '1', name: 'G' } }]);
        await store.saveTargetObjects('mirror-b', 'user', [{ id: '1', data: user('1', 'Other job') }]);
        await store.saveTargetObjects('mirror-a', 'user', [{ id: '2', data: user('2', 'Two!') }], ['1']);
        expect(await store.listTargetObjects('mirror-a', 'user')).toEqual([
          { id: '2', data: user('2', 'Two!') },
        ]);
        expect(await store.listTargetObjects('mirror-a', 'group')).toHaveLength(1);
        expect(await store.listTargetObjects('mirror-b', 'user')).toEqual([
          { id: '1', data: user('1', 'Other job') },
        ]);
        await store.clearTargetObjects('mirror-a', 'user');
        expect(await store.listTargetObjects('mirror-a', 'user')).toEqual([]);
        expect(await store.listTargetObjects('mirror-a', 'group')).toHaveLength(1);
        await store.clearTargetObjects('mirror-a');
        expect(await store.listTargetObjects('mirror-a', 'group')).toEqual([]);
        expect(await store.listTargetObjects('mirror-b', 'user')).toHaveLength(1);
        // Many at once (past one statement's parameters).
        const many = Array.from({ length: 5000 }, (_, i) => ({ id: `u${i}`, data: user(`u${i}`, `U${i}`) }));
        await store.saveTargetObjects('mirror-c', 'user', many);
        await store.saveTargetObjects(
          'mirror-c',
          'user',
          [],
          many.slice(0, 4000).map((m) => m.id),
        );
        expect(await store.listTargetObjects('mirror-c', 'user')).toHaveLength(1000);
      });

      it('keeps the assignment signature and the staged flag of source users', async () => {
        await store.saveSourceUsers([
          sourceUser('sig', 'u1', { assignmentSignature: 'role-1|,role-2|group-1', staged: true }),
        ]);
        expect(await store.listSourceUsers('sig')).toEqual([
          sourceUser('sig', 'u1', { assignmentSignature: 'role-1|,role-2|group-1', staged: true }),
        ]);
      });

      it('upserts, lists and clears source users', async () => {
        const jobId = 'users';
        expect(await store.listSourceUsers(jobId)).toEqual([]);
        await store.saveSourceUsers([sourceUser(jobId, 'a'), sourceUser(jobId, 'b'), sourceUser(jobId, 'c')]);
        expect(bySourceId(await store.listSourceUsers(jobId))).toEqual([
          sourceUser(jobId, 'a'),
          sourceUser(jobId, 'b'),
          sourceUser(jobId, 'c'),
        ]);

        // Replace one, soft-delete another, add one; a key repeated within a batch: the last wins.
        const changedB = sourceUser(jobId, 'b', {
          attributes: { id: 'b', displayName: 'Bee', manager: { id: 'a' }, proxyAddresses: ['SMTP:b@x.com'] },
          updatedAt: '2025-03-02T00:00:00.000Z',
        });
        await store.saveSourceUsers([
          sourceUser(jobId, 'b', { attributes: { stale: true } }),
          changedB,
          sourceUser(jobId, 'c', { removed: 'soft' }),
          sourceUser(jobId, 'd', { removed: 'hard' }),
        ]);
        expect(bySourceId(await store.listSourceUsers(jobId))).toEqual([
          sourceUser(jobId, 'a'),
          changedB,
          sourceUser(jobId, 'c', { removed: 'soft' }),
          sourceUser(jobId, 'd', { removed: 'hard' }),
        ]);

        await store.saveSourceUsers([]);
        expect(await store.listSourceUsers(jobId)).toHaveLength(4);

        await store.clearSourceUsers(jobId);
        expect(await store.listSourceUsers(jobId)).toEqual([]);
      });

      it('upserts 20,000 source users in one call, and writes none when any row fails', async () => {
        const jobId = 'users-20k';
        const key = (i: number) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;
        const batch = Array.from({ length: 20_000 }, (_, i) =>
          sourceUser(jobId, key(i), { attributes: { id: key(i), index: i, mail: `user${i}@example.com` } }),
        );
        await store.saveSourceUsers(batch);
        const listed = await store.listSourceUsers(jobId);
        expect(listed).toHaveLength(20_000);
        expect(bySourceId(listed)).toEqual(batch);

        // Again, every other user changed: still 20,000 rows, the changes applied.
        const changed = batch.map((u, i) =>
          i % 2 === 0 ? { ...u, attributes: { ...u.attributes, changed: true } } : u,
        );
        await store.saveSourceUsers(changed);
        const relisted = bySourceId(await store.listSourceUsers(jobId));
        expect(relisted).toHaveLength(20_000);
        expect(relisted[0]?.attributes).toEqual({
          id: key(0),
          index: 0,
          mail: 'user0@example.com',
          changed: true,
        });
        expect(relisted[1]?.attributes).toEqual({ id: key(1), index: 1, mail: 'user1@example.com' });
        expect(relisted).toEqual(changed);

        // One transaction: a row violating NOT NULL far into the batch (a later chunk) undoes the
        // earlier chunks too.
        const fresh = Array.from({ length: 20_000 }, (_, i) => sourceUser('users-20k-atomic', key(i)));
        fresh[15_000] = {
          ...sourceUser('users-20k-atomic', key(15_000)),
          updatedAt: null as unknown as string,
        };
        await expect(store.saveSourceUsers(fresh)).rejects.toThrow();
        expect(await store.listSourceUsers('users-20k-atomic')).toEqual([]);
      });

      it('saves, lists, deletes and clears links', async () => {
        const jobId = 'links';
        await store.saveLinks([
          link(jobId, 'a'),
          link(jobId, 'b', { created: false }),
          link(jobId, 'c'),
          link(jobId, 'd'),
        ]);
        expect(bySourceId(await store.listLinks(jobId))).toEqual([
          link(jobId, 'a'),
          link(jobId, 'b', { created: false }),
          link(jobId, 'c'),
          link(jobId, 'd'),
        ]);

        const disabled = link(jobId, 'a', {
          targetId: 'z-other',
          state: 'disabled',
          created: false,
          displayName: 'Renamed',
          updatedAt: '2025-03-02T00:00:00.000Z',
        });
        await store.saveLinks([disabled, link(jobId, 'b', { state: 'deleted', created: true })]);
        expect(bySourceId(await store.listLinks(jobId))).toEqual([
          disabled,
          link(jobId, 'b', { state: 'deleted', created: true }),
          link(jobId, 'c'),
          link(jobId, 'd'),
        ]);

        await store.deleteLinks(jobId, ['b', 'unknown', 'b']);
        await store.deleteLinks(jobId, []);
        expect(bySourceId(await store.listLinks(jobId)).map((l) => l.sourceId)).toEqual(['a', 'c', 'd']);

        // More ids than one statement may bind on either database.
        const many = Array.from({ length: 70_000 }, (_, i) => `missing-${i}`);
        many[40_000] = 'c';
        await store.deleteLinks(jobId, many);
        expect(bySourceId(await store.listLinks(jobId)).map((l) => l.sourceId)).toEqual(['a', 'd']);

        await store.clearLinks(jobId);
        expect(await store.listLinks(jobId)).toEqual([]);
      });

      it('keeps pending writes until the transaction that saves their links forgets them; restart clears them', async () => {
        const jobId = 'pending';
        const pending = (
          sourceId: string,
          overrides: Partial<PendingWriteRecord> = {},
        ): PendingWriteRecord => ({
          jobId,
          cycleId: 'c1',
          objectType: 'user',
          sourceId,
          targetId: `z-${sourceId}`,
          action: 'disable',
          matchValues: {},
          displayName: `User ${sourceId}`,
          created: false,
          createdAt: T0,
          ...overrides,
        });
        const create = pending('a', {
          action: 'create',
          targetId: null,
          matchValues: { email: 'a@contoso.com', external_id: 'a' },
          created: false,
        });
        await store.savePendingWrites([create, pending('b'), pending('c', { created: true })]);
        await store.savePendingWrites([pending('c', { action: 'delete', cycleId: 'c2', created: true })]);
        await store.savePendingWrites([pending('x', { jobId: 'other' })]);
        expect(await store.listPendingWrites(jobId)).toEqual([
          create,
          pending('b'),
          pending('c', { action: 'delete', cycleId: 'c2', created: true }),
        ]);

        // Settled: the links saved and the writes forgotten together.
        await store.settlePendingWrites(
          jobId,
          ['a', 'b'],
          [link(jobId, 'a'), link(jobId, 'b', { state: 'disabled' })],
        );
        expect((await store.listPendingWrites(jobId)).map((w) => w.sourceId)).toEqual(['c']);
        expect(bySourceId(await store.listLinks(jobId))).toEqual([
          link(jobId, 'a'),
          link(jobId, 'b', { state: 'disabled' }),
        ]);
        await store.settlePendingWrites(jobId, [], []);

        // More ids than one statement may bind on either database.
        const many = Array.from({ length: 70_000 }, (_, i) => `missing-${i}`);
        many[40_000] = 'c';
        await store.settlePendingWrites(jobId, many, []);
        expect(await store.listPendingWrites(jobId)).toEqual([]);

        await store.savePendingWrites([pending('d')]);
        await store.clearLinks(jobId);
        expect(await store.listPendingWrites(jobId)).toEqual([]);
        expect((await store.listPendingWrites('other')).map((w) => w.sourceId)).toEqual(['x']);
      });

      it('settles group pending writes with the group links, apart from the users’ ones', async () => {
        const jobId = 'pending-groups';
        const pending = (
          sourceId: string,
          objectType: PendingWriteRecord['objectType'],
        ): PendingWriteRecord => ({
          jobId,
          cycleId: 'c1',
          objectType,
          sourceId,
          targetId: null,
          action: 'create',
          matchValues: { name: `Group ${sourceId}` },
          displayName: `Group ${sourceId}`,
          created: false,
          createdAt: T0,
        });
        // The same source id as a user and as a group: two pending writes.
        await store.savePendingWrites([
          pending('g1', 'group'),
          pending('g2', 'group'),
          pending('g1', 'user'),
        ]);
        expect((await store.listPendingWrites(jobId)).map((w) => `${w.objectType}:${w.sourceId}`)).toEqual([
          'group:g1',
          'group:g2',
          'user:g1',
        ]);
        await store.settlePendingGroupWrites(jobId, ['g1'], [groupLink(jobId, 'g1', { created: true })]);
        expect((await store.listPendingWrites(jobId)).map((w) => `${w.objectType}:${w.sourceId}`)).toEqual([
          'group:g2',
          'user:g1',
        ]);
        expect(await store.listGroupLinks(jobId)).toEqual([groupLink(jobId, 'g1', { created: true })]);
        await store.settlePendingGroupWrites(jobId, [], []);
        // Restarting the groups forgets their pending writes, not the users'.
        await store.clearGroupLinks(jobId);
        expect((await store.listPendingWrites(jobId)).map((w) => `${w.objectType}:${w.sourceId}`)).toEqual([
          'user:g1',
        ]);
        expect(await store.listGroupLinks(jobId)).toEqual([]);
      });

      it('saves cycles and lists them newest first, up to the limit', async () => {
        const jobId = 'cycles';
        await store.saveCycle(cycle(jobId, 'c2', '2025-03-01T11:00:00.000Z'));
        await store.saveCycle(cycle(jobId, 'c1', '2025-03-01T10:00:00.000Z', { kind: 'initial' }));
        await store.saveCycle(
          cycle(jobId, 'c3', '2025-03-01T12:00:00.000Z', {
            state: 'running',
            endedAt: null,
            counts: ZERO_COUNTS,
          }),
        );
        expect((await store.listCycles(jobId, 10)).map((c) => c.cycleId)).toEqual(['c3', 'c2', 'c1']);
        expect((await store.listCycles(jobId, 2)).map((c) => c.cycleId)).toEqual(['c3', 'c2']);

        // The running cycle finishes: the same record is replaced.
        const finished = cycle(jobId, 'c3', '2025-03-01T12:00:00.000Z', {
          state: 'entryLevelErrors',
          endedAt: '2025-03-01T12:05:00.000Z',
          counts: { ...ZERO_COUNTS, imported: 10, inScope: 8, created: 5, failed: 1, targetRequests: 4 },
          error: null,
        });
        await store.saveCycle(finished);
        const failed = cycle(jobId, 'c4', '2025-03-01T13:00:00.000Z', {
          state: 'failed',
          error: 'Target unreachable',
        });
        await store.saveCycle(failed);
        const listed = await store.listCycles(jobId, 10);
        expect(listed).toEqual([
          failed,
          finished,
          cycle(jobId, 'c2', '2025-03-01T11:00:00.000Z'),
          cycle(jobId, 'c1', '2025-03-01T10:00:00.000Z', { kind: 'initial' }),
        ]);
        await expect(store.listCycles(jobId, 0)).rejects.toThrow(/positive integer/);
      });

      it('folds quiet cycles in a row into one record: the last one’s, counting the others', async () => {
        const jobId = 'quiet';
        const at = (second: number) => new Date(Date.UTC(2025, 2, 1, 12, 0, second)).toISOString();
        const ids: string[] = [];
        const finish = async (cycleId: string, second: number, counts = ZERO_COUNTS) => {
          await store.saveCycle(cycle(jobId, cycleId, at(second), { endedAt: at(second + 1), counts }));
          ids.push(cycleId);
          return foldQuietCycle(store, jobId, cycleId);
        };
        await store.saveCycle(cycle('other-job', 'o1', at(0)));
        await store.saveCycle(cycle(jobId, 'c0', at(0), { kind: 'initial', endedAt: at(1) }));
        expect(await finish('q1', 5)).toBe(1);
        expect(await finish('q2', 10)).toBe(2);
        expect(await finish('q3', 15)).toBe(3);
        const listed = await store.listCycles(jobId, 10);
        expect(listed.map((c) => c.cycleId)).toEqual(['q3', 'c0']);
        // The record is the last cycle's (its id and times), standing for two more.
        expect(listed[0]).toEqual(
          cycle(jobId, 'q3', at(15), { endedAt: at(16), counts: { ...ZERO_COUNTS, quietRepeats: 2 } }),
        );
        // A cycle that did something is its own record and ends the streak; the next quiet one starts anew.
        expect(await finish('n1', 20, { ...ZERO_COUNTS, imported: 1, updated: 1 })).toBe(0);
        expect(await finish('q4', 25)).toBe(1);
        expect((await store.listCycles(jobId, 10)).map((c) => c.cycleId)).toEqual(['q4', 'n1', 'q3', 'c0']);
        expect((await store.listCycles('other-job', 10)).map((c) => c.cycleId)).toEqual(['o1']);
        // replaceCycle alone: saves one record and deletes another in one go.
        await store.replaceCycle('q4', cycle(jobId, 'q5', at(30), { endedAt: at(31) }));
        expect((await store.listCycles(jobId, 10)).map((c) => c.cycleId)).toEqual(['q5', 'n1', 'q3', 'c0']);
      });

      describe('provisioning log', () => {
        const jobId = 'logs';
        const all = [
          entry({ jobId, id: 'e1', at: '2025-03-01T10:00:00.000Z', sourceId: 'u1', name: 'Ada Lovelace' }),
          entry({
            jobId,
            id: 'e2',
            at: '2025-03-01T10:05:00.000Z',
            action: 'update',
            sourceId: 'u2',
            targetId: '9001',
            name: 'Grace Hopper',
          }),
          entry({
            jobId,
            id: 'e3',
            at: '2025-03-01T10:05:00.000Z',
            action: 'create',
            status: 'failure',
            errorCode: 'DuplicateTargetEntries',
            sourceId: 'u3',
            name: 'ÖZIL Mesut',
          }),
          entry({
            jobId,
            id: 'e4',
            at: '2025-03-01T11:00:00Z',
            cycleId: 'cycle-2',
            action: 'disable',
            name: '100%_sure',
          }),
          entry({
            jobId,
            id: 'e5',
            at: '2025-03-01T11:30:00.000Z',
            cycleId: 'cycle-2',
            status: 'skipped',
            action: 'other',
          }),
          // 12:00 UTC written with an offset: ordered by the instant, not by the text.
          entry({
            jobId,
            id: 'e6',
            at: '2025-03-01T13:00:00+01:00',
            cycleId: 'cycle-2',
            status: 'warning',
            name: '1000 sure',
          }),
        ];

        beforeAll(async () => {
          await store.appendLogs(all.slice(0, 2));
          await store.appendLogs(all.slice(2));
        });

        it('returns entries newest first, ties in insertion order (newest inserted first), unchanged', async () => {
          const listed = await store.queryLogs({ jobId });
          expect(ids(listed)).toEqual(['e6', 'e5', 'e4', 'e3', 'e2', 'e1']);
          expect(listed.find((e) => e.id === 'e3')).toEqual(all[2]);
          expect(listed.find((e) => e.id === 'e6')?.activityDateTime).toBe('2025-03-01T13:00:00+01:00');
        });

        it('filters by status, action and cycle', async () => {
          expect(ids(await store.queryLogs({ jobId, status: 'failure' }))).toEqual(['e3']);
          expect(ids(await store.queryLogs({ jobId, status: 'success' }))).toEqual(['e4', 'e2', 'e1']);
          expect(ids(await store.queryLogs({ jobId, action: 'create' }))).toEqual(['e6', 'e3', 'e1']);
          expect(ids(await store.queryLogs({ jobId, action: 'delete' }))).toEqual([]);
          expect(ids(await store.queryLogs({ jobId, cycleId: 'cycle-2' }))).toEqual(['e6', 'e5', 'e4']);
          expect(
            ids(await store.queryLogs({ jobId, cycleId: 'cycle-2', action: 'create', status: 'warning' })),
          ).toEqual(['e6']);
        });

        it('filters by time: entries at or after `since`, whatever its ISO-8601 spelling', async () => {
          expect(ids(await store.queryLogs({ jobId, since: '2025-03-01T10:05:00.000Z' }))).toEqual([
            'e6',
            'e5',
            'e4',
            'e3',
            'e2',
          ]);
          expect(ids(await store.queryLogs({ jobId, since: '2025-03-01T11:00:00Z' }))).toEqual([
            'e6',
            'e5',
            'e4',
          ]);
          expect(ids(await store.queryLogs({ jobId, since: '2025-03-01T12:30:00+01:00' }))).toEqual([
            'e6',
            'e5',
          ]);
          expect(ids(await store.queryLogs({ jobId, since: '2025-03-02T00:00:00Z' }))).toEqual([]);
          await expect(store.queryLogs({ jobId, since: 'yesterday' })).rejects.toThrow(/since/);
        });

        it('filters by identity: source id, target id, or display name containing the text in any case', async () => {
          expect(ids(await store.queryLogs({ jobId, identity: 'u2' }))).toEqual(['e2']);
          expect(ids(await store.queryLogs({ jobId, identity: '9001' }))).toEqual(['e2']);
          expect(ids(await store.queryLogs({ jobId, identity: 'hopper' }))).toEqual(['e2']);
          expect(ids(await store.queryLogs({ jobId, identity: 'ADA LOVE' }))).toEqual(['e1']);
          expect(ids(await store.queryLogs({ jobId, identity: 'özil' }))).toEqual(['e3']);
          expect(ids(await store.queryLogs({ jobId, identity: '  Grace  ' }))).toEqual(['e2']);
          // Ids match exactly, not as substrings ("src-e" is in no display name).
          expect(ids(await store.queryLogs({ jobId, identity: 'src-e5' }))).toEqual(['e5']);
          expect(ids(await store.queryLogs({ jobId, identity: 'src-e' }))).toEqual([]);
          expect(ids(await store.queryLogs({ jobId, identity: 'nobody' }))).toEqual([]);
          expect(ids(await store.queryLogs({ jobId, identity: 'person', cycleId: 'cycle-2' }))).toEqual([
            'e5',
          ]);
        });

        it("treats LIKE's wildcards in the identity as plain text", async () => {
          expect(ids(await store.queryLogs({ jobId, identity: '%' }))).toEqual(['e4']);
          expect(ids(await store.queryLogs({ jobId, identity: '0%_' }))).toEqual(['e4']);
          expect(ids(await store.queryLogs({ jobId, identity: '100_' }))).toEqual([]);
          expect(ids(await store.queryLogs({ jobId, identity: '_' }))).toEqual(['e4']);
          expect(ids(await store.queryLogs({ jobId, identity: '\\' }))).toEqual([]);
        });

        it('limits the result, to 1000 by default', async () => {
          expect(ids(await store.queryLogs({ jobId, limit: 2 }))).toEqual(['e6', 'e5']);
          expect(ids(await store.queryLogs({ jobId, status: 'success', limit: 1 }))).toEqual(['e4']);
          await expect(store.queryLogs({ jobId, limit: -1 })).rejects.toThrow(/positive integer/);

          const busy = 'logs-many';
          const start = Date.parse('2025-01-01T00:00:00.000Z');
          await store.appendLogs(
            Array.from({ length: 1005 }, (_, i) =>
              entry({ jobId: busy, id: `m${i}`, at: new Date(start + i * 1000).toISOString() }),
            ),
          );
          const page = await store.queryLogs({ jobId: busy });
          expect(page).toHaveLength(1000);
          expect(page[0]?.id).toBe('m1004');
          expect(page[999]?.id).toBe('m5');
          expect(await store.queryLogs({ jobId: busy, limit: 5000 })).toHaveLength(1005);
        });

        it('replaces an entry appended again with the same id, keeping one', async () => {
          const again = 'logs-again';
          await store.appendLogs([
            entry({
              jobId: again,
              id: 'x',
              at: '2025-03-01T10:00:00.000Z',
              status: 'failure',
              errorCode: 'TooManyRequests',
            }),
            entry({ jobId: again, id: 'y', at: '2025-03-01T10:01:00.000Z' }),
          ]);
          const retried = entry({ jobId: again, id: 'x', at: '2025-03-01T10:02:00.000Z', status: 'success' });
          await store.appendLogs([retried]);
          expect(await store.queryLogs({ jobId: again })).toEqual([
            retried,
            entry({ jobId: again, id: 'y', at: '2025-03-01T10:01:00.000Z' }),
          ]);
          expect(await store.queryLogs({ jobId: again, status: 'failure' })).toEqual([]);
        });
      });

      it('upserts, lists and clears source groups, members included', async () => {
        const jobId = 'groups';
        expect(await store.listSourceGroups(jobId)).toEqual([]);
        const empty = sourceGroup(jobId, 'c', { members: [] });
        await store.saveSourceGroups([sourceGroup(jobId, 'a'), sourceGroup(jobId, 'b'), empty]);
        expect(bySourceId(await store.listSourceGroups(jobId))).toEqual([
          sourceGroup(jobId, 'a'),
          sourceGroup(jobId, 'b'),
          empty,
        ]);

        // Replace one (members and attributes), soft-delete another, add one hard-deleted; a key
        // repeated within a batch: the last wins.
        const changedB = sourceGroup(jobId, 'b', {
          attributes: { id: 'b', displayName: 'Bees', description: 'Ünïcode ✓', tags: ['x', null, 1] },
          members: [
            { id: 'u9', type: 'user' },
            { id: 'u1', type: 'user' },
            { id: 'g7', type: 'group' },
          ],
          updatedAt: '2025-03-02T00:00:00.000Z',
        });
        await store.saveSourceGroups([
          sourceGroup(jobId, 'b', { members: [{ id: 'stale', type: 'user' }] }),
          changedB,
          sourceGroup(jobId, 'c', { removed: 'soft' }),
          sourceGroup(jobId, 'd', { removed: 'hard', members: [] }),
        ]);
        expect(bySourceId(await store.listSourceGroups(jobId))).toEqual([
          sourceGroup(jobId, 'a'),
          changedB,
          sourceGroup(jobId, 'c', { removed: 'soft' }),
          sourceGroup(jobId, 'd', { removed: 'hard', members: [] }),
        ]);

        // Members are kept as references: id and type, in the order given.
        const extra = { id: 'u5', type: 'user', displayName: 'not stored' } as MemberRef;
        await store.saveSourceGroups([sourceGroup(jobId, 'e', { members: [extra] })]);
        expect((await store.listSourceGroups(jobId)).find((g) => g.sourceId === 'e')?.members).toEqual([
          { id: 'u5', type: 'user' },
        ]);

        await store.saveSourceGroups([]);
        expect(await store.listSourceGroups(jobId)).toHaveLength(5);

        await store.clearSourceGroups(jobId);
        expect(await store.listSourceGroups(jobId)).toEqual([]);
      });

      it('upserts 5,000 source groups with their members in one call, and writes none when any row fails', async () => {
        const jobId = 'groups-5k';
        const key = (i: number) => `00000000-0000-0000-0001-${String(i).padStart(12, '0')}`;
        const membersOf = (i: number): MemberRef[] =>
          // One very large group (20,000 members); the others 0–24 members, some of them groups.
          Array.from({ length: i === 0 ? 20_000 : i % 25 }, (_, j) => ({
            id: key(i + j + 1),
            type: j % 7 === 3 ? 'group' : 'user',
          }));
        const batch = Array.from({ length: 5000 }, (_, i) =>
          sourceGroup(jobId, key(i), {
            attributes: { id: key(i), index: i, displayName: `Group ${i}` },
            members: membersOf(i),
          }),
        );
        await store.saveSourceGroups(batch);
        const listed = bySourceId(await store.listSourceGroups(jobId));
        expect(listed).toHaveLength(5000);
        expect(listed[0]?.members).toHaveLength(20_000);
        expect(listed).toEqual(batch);

        // Again, every other group with one member fewer and one more: still 5,000 rows.
        const changed = batch.map((g, i) =>
          i % 2 === 0
            ? { ...g, members: [...g.members.slice(1), { id: `new-${i}`, type: 'user' as const }] }
            : g,
        );
        await store.saveSourceGroups(changed);
        const relisted = bySourceId(await store.listSourceGroups(jobId));
        expect(relisted).toHaveLength(5000);
        expect(relisted[2]?.members.at(-1)).toEqual({ id: 'new-2', type: 'user' });
        expect(relisted).toEqual(changed);

        // One transaction: a row violating NOT NULL in a later chunk undoes the earlier chunks too.
        const fresh = Array.from({ length: 5000 }, (_, i) => sourceGroup('groups-5k-atomic', key(i)));
        fresh[4500] = { ...sourceGroup('groups-5k-atomic', key(4500)), updatedAt: null as unknown as string };
        await expect(store.saveSourceGroups(fresh)).rejects.toThrow();
        expect(await store.listSourceGroups('groups-5k-atomic')).toEqual([]);
      });

      it('upserts, lists and clears group links', async () => {
        const jobId = 'group-links';
        expect(await store.listGroupLinks(jobId)).toEqual([]);
        await store.saveGroupLinks([
          groupLink(jobId, 'a'),
          groupLink(jobId, 'b', { created: false }),
          groupLink(jobId, 'c'),
        ]);
        expect(bySourceId(await store.listGroupLinks(jobId))).toEqual([
          groupLink(jobId, 'a'),
          groupLink(jobId, 'b', { created: false }),
          groupLink(jobId, 'c'),
        ]);

        const deleted = groupLink(jobId, 'a', {
          targetId: 'zg-other',
          state: 'deleted',
          created: false,
          displayName: 'Renamed',
          updatedAt: '2025-03-02T00:00:00.000Z',
        });
        await store.saveGroupLinks([
          groupLink(jobId, 'a', { targetId: 'stale' }),
          deleted,
          groupLink(jobId, 'd'),
        ]);
        expect(bySourceId(await store.listGroupLinks(jobId))).toEqual([
          deleted,
          groupLink(jobId, 'b', { created: false }),
          groupLink(jobId, 'c'),
          groupLink(jobId, 'd'),
        ]);

        // Many at once, across chunks.
        const many = Array.from({ length: 4500 }, (_, i) => groupLink(jobId, `many-${i}`));
        await store.saveGroupLinks(many);
        expect(await store.listGroupLinks(jobId)).toHaveLength(4504);

        await store.saveGroupLinks([]);
        await store.clearGroupLinks(jobId);
        expect(await store.listGroupLinks(jobId)).toEqual([]);
      });

      it('upserts, lists, deletes and clears escrows, keyed by object type and id', async () => {
        const jobId = 'escrows';
        expect(await store.listEscrows(jobId)).toEqual([]);
        // The same id under two types is two escrows.
        const initial = [
          escrow(jobId, 'user', 'u1'),
          escrow(jobId, 'user', 'g1'),
          escrow(jobId, 'group', 'g1', { errorCode: 'InvalidName', errorMessage: 'Name taken' }),
          escrow(jobId, 'membership', 'g1/u1'),
        ];
        await store.saveEscrows(initial);
        expect(byEscrowKey(await store.listEscrows(jobId))).toEqual(byEscrowKey(initial));

        // A retry failed again: the record is replaced; repeated in one batch, the last wins.
        const retried = escrow(jobId, 'user', 'u1', {
          displayName: 'User One',
          attempts: 2,
          lastFailedAt: '2025-03-01T10:05:00.000Z',
          nextAttemptAt: '2025-03-01T10:15:00.000Z',
          errorCode: 'ServiceUnavailable',
          errorMessage: 'Zendesk answered 503',
        });
        await store.saveEscrows([escrow(jobId, 'user', 'u1', { attempts: 99 }), retried]);
        const listed = await store.listEscrows(jobId);
        expect(listed).toHaveLength(4);
        expect(listed.find((e) => e.objectType === 'user' && e.objectId === 'u1')).toEqual(retried);
        expect(listed.find((e) => e.objectType === 'group')?.errorCode).toBe('InvalidName');

        // Timestamps are stored, and read back, in Date#toISOString form.
        await store.saveEscrows([
          escrow(jobId, 'user', 'u2', {
            firstFailedAt: '2025-03-01T11:00:00Z',
            lastFailedAt: '2025-03-01T12:30:00+01:00',
            nextAttemptAt: '2025-03-01T13:00:00.5+01:00',
          }),
        ]);
        expect((await store.listEscrows(jobId)).find((e) => e.objectId === 'u2')).toEqual(
          escrow(jobId, 'user', 'u2', {
            firstFailedAt: '2025-03-01T11:00:00.000Z',
            lastFailedAt: '2025-03-01T11:30:00.000Z',
            nextAttemptAt: '2025-03-01T12:00:00.500Z',
          }),
        );

        // Deleting by key: the type matters; unknown and repeated keys are fine.
        await store.deleteEscrows(jobId, [
          { objectType: 'user', objectId: 'g1' },
          { objectType: 'group', objectId: 'u1' },
          { objectType: 'membership', objectId: 'g1/u1' },
          { objectType: 'user', objectId: 'g1' },
          { objectType: 'user', objectId: 'unknown' },
        ]);
        await store.deleteEscrows(jobId, []);
        expect(escrowKeys(await store.listEscrows(jobId))).toEqual(['group:g1', 'user:u1', 'user:u2']);

        // More keys than one statement may bind on either database, of every type.
        const types = ['user', 'group', 'membership'] as const;
        const many = Array.from({ length: 70_000 }, (_, i) => ({
          objectType: types[i % 3] ?? 'user',
          objectId: `missing-${i}`,
        }));
        many[40_000] = { objectType: 'group', objectId: 'g1' };
        many[60_001] = { objectType: 'user', objectId: 'u2' };
        await store.deleteEscrows(jobId, many);
        expect(escrowKeys(await store.listEscrows(jobId))).toEqual(['user:u1']);

        await store.saveEscrows([]);
        await store.clearEscrows(jobId);
        expect(await store.listEscrows(jobId)).toEqual([]);
      });

      it('saves many escrows in one transaction, and none when any row fails', async () => {
        const jobId = 'escrows-many';
        const batch = Array.from({ length: 7000 }, (_, i) =>
          escrow(jobId, i % 2 === 0 ? 'user' : 'membership', `o-${i}`, { attempts: i }),
        );
        await store.saveEscrows(batch);
        expect(byEscrowKey(await store.listEscrows(jobId))).toEqual(byEscrowKey(batch));

        const broken = batch.map((e) => ({ ...e, jobId: 'escrows-atomic' }));
        broken[6500] = { ...escrow('escrows-atomic', 'user', 'bad'), errorCode: null as unknown as string };
        await expect(store.saveEscrows(broken)).rejects.toThrow();
        expect(await store.listEscrows('escrows-atomic')).toEqual([]);
      });

      it('grants a job lease to one owner at a time, renews it, and frees it when expired or released', async () => {
        const t0 = new Date('2026-11-24T10:00:00.000Z');
        const later = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
        expect(await store.acquireLease('lease-job', 'worker-a', t0, later(30))).toEqual({
          owner: 'worker-a',
          expiresAt: later(30).toISOString(),
        });
        // Someone else while it lasts: refused, the holder is named.
        expect((await store.acquireLease('lease-job', 'worker-b', later(10), later(40))).owner).toBe(
          'worker-a',
        );
        // The holder renews.
        expect(await store.acquireLease('lease-job', 'worker-a', later(20), later(50))).toEqual({
          owner: 'worker-a',
          expiresAt: later(50).toISOString(),
        });
        // Another job is independent.
        expect((await store.acquireLease('other-job', 'worker-b', later(20), later(50))).owner).toBe(
          'worker-b',
        );
        // Expired: taken over.
        expect((await store.acquireLease('lease-job', 'worker-b', later(51), later(81))).owner).toBe(
          'worker-b',
        );
        // Released only by its holder.
        await store.releaseLease('lease-job', 'worker-a');
        expect((await store.acquireLease('lease-job', 'worker-c', later(52), later(82))).owner).toBe(
          'worker-b',
        );
        await store.releaseLease('lease-job', 'worker-b');
        expect((await store.acquireLease('lease-job', 'worker-c', later(53), later(83))).owner).toBe(
          'worker-c',
        );
      });

      it('appends audit records and lists them newest first, ties in insertion order, up to the limit', async () => {
        const jobId = 'audit';
        expect(await store.listAudit(jobId, 10)).toEqual([]);
        const a1 = audit(jobId, 'a1', '2025-03-01T10:00:00.000Z');
        const a2 = audit(jobId, 'a2', '2025-03-01T10:05:00.000Z', {
          activity: 'Disable/pause provisioning configuration',
          initiatedBy: 'provisio',
          details: {},
        });
        const a3 = audit(jobId, 'a3', '2025-03-01T10:05:00.000Z', {
          activity: 'Quarantine',
          result: 'failure',
        });
        // 11:30 UTC written with an offset, and 12:00 UTC without milliseconds: ordered by the
        // instant (as text "12:30…" would come first), read back as given.
        const a4 = audit(jobId, 'a4', '2025-03-01T12:30:00+01:00');
        const a5 = audit(jobId, 'a5', '2025-03-01T12:00:00Z');
        for (const record of [a1, a2, a3, a4, a5]) await store.appendAudit(record);

        expect(await store.listAudit(jobId, 10)).toEqual([a5, a4, a3, a2, a1]);
        expect(ids(await store.listAudit(jobId, 2))).toEqual(['a5', 'a4']);
        expect(ids(await store.listAudit(jobId, 1))).toEqual(['a5']);

        // Appending an id again replaces the record (still one), keeping its insertion place.
        const a2again = { ...a2, result: 'failure' as const, summary: 'Retried.' };
        await store.appendAudit(a2again);
        expect(await store.listAudit(jobId, 10)).toEqual([a5, a4, a3, a2again, a1]);

        for (const limit of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
          await expect(store.listAudit(jobId, limit)).rejects.toThrow(RangeError);
        }
        await expect(store.listAudit(jobId, 0)).rejects.toThrow(/listAudit must be a positive integer/);
      });

      it('keeps jobs apart in groups, group links, escrows and the audit log', async () => {
        const [a, b] = ['groups-tenant-a', 'groups-tenant-b'];
        // The same keys in both jobs.
        await store.saveSourceGroups([
          sourceGroup(a, 'g1'),
          sourceGroup(a, 'g2'),
          sourceGroup(b, 'g1', { members: [] }),
        ]);
        await store.saveGroupLinks([groupLink(a, 'g1'), groupLink(b, 'g1', { targetId: 'zg-b' })]);
        await store.saveEscrows([
          escrow(a, 'group', 'g1'),
          escrow(a, 'user', 'u1'),
          escrow(b, 'group', 'g1', { attempts: 3 }),
        ]);
        await store.appendAudit(audit(a, 'same-id', T0));
        await store.appendAudit(audit(b, 'same-id', T0, { result: 'failure' }));

        expect(bySourceId(await store.listSourceGroups(a))).toEqual([
          sourceGroup(a, 'g1'),
          sourceGroup(a, 'g2'),
        ]);
        expect(await store.listSourceGroups(b)).toEqual([sourceGroup(b, 'g1', { members: [] })]);
        expect(await store.listGroupLinks(b)).toEqual([groupLink(b, 'g1', { targetId: 'zg-b' })]);
        expect(await store.listEscrows(b)).toEqual([escrow(b, 'group', 'g1', { attempts: 3 })]);
        expect(await store.listAudit(a, 10)).toEqual([audit(a, 'same-id', T0)]);
        expect(await store.listAudit(b, 10)).toEqual([audit(b, 'same-id', T0, { result: 'failure' })]);

        // Clearing and deleting act on one job only.
        await store.clearSourceGroups(a);
        await store.clearGroupLinks(a);
        await store.deleteEscrows(a, [{ objectType: 'group', objectId: 'g1' }]);
        expect(await store.listSourceGroups(a)).toEqual([]);
        expect(await store.listGroupLinks(a)).toEqual([]);
        expect(escrowKeys(await store.listEscrows(a))).toEqual(['user:u1']);
        expect(await store.listSourceGroups(b)).toHaveLength(1);
        expect(await store.listGroupLinks(b)).toHaveLength(1);
        expect(await store.listEscrows(b)).toHaveLength(1);

        await store.clearEscrows(b);
        expect(await store.listEscrows(b)).toEqual([]);
        expect(await store.listEscrows(a)).toHaveLength(1);
        // Nor did the users' tables see any of it.
        expect(await store.listSourceUsers(a)).toEqual([]);
        expect(await store.listLinks(b)).toEqual([]);
      });

      it('upgrades a database migrated to 0001 only, keeping its data', async () => {
        const old = await backend.create();
        try {
          const db = await backend.openKysely(old.url);
          try {
            const { error, results } = await createMigrator(db, backend.dialect).migrateTo('0001_initial');
            expect(error).toBeUndefined();
            expect(results?.map((r) => [r.migrationName, r.status])).toEqual([['0001_initial', 'Success']]);
            await db
              .insertInto('jobs')
              .values({
                job_id: 'old',
                status: 'Active',
                config_hash: 'h',
                watermark: 'w',
                watermark_at: T0,
                data: '{"groupWatermark":"gw","allowDeletes":true,"rolesImportedAt":"2025-03-01T09:00:00.000Z","quarantine":null}',
                updated_at: T0,
              })
              .execute();
            await db
              .insertInto('source_users')
              .values({
                job_id: 'old',
                source_id: 'u1',
                attributes: '{"id":"u1","@provisio.assignments":"r1|","@provisio.staged":true}',
                removed: null,
                updated_at: T0,
              })
              .execute();
          } finally {
            await db.destroy();
          }

          const upgraded = await openStateStore(old.url);
          try {
            // At 0001 the new tables do not exist.
            await expect(upgraded.listSourceGroups('old')).rejects.toThrow();
            await upgraded.migrate();

            expect(await upgraded.getJob('old')).toEqual(
              job('old', {
                status: 'Active',
                configHash: 'h',
                watermark: 'w',
                watermarkAt: T0,
                // 0004 moved the JSON bag into typed columns; a job that ran counts as reconciled.
                groupWatermark: 'gw',
                allowDeletes: true,
                rolesImportedAt: '2025-03-01T09:00:00.000Z',
                reconciledAt: T0,
              }),
            );
            expect(await upgraded.listSourceUsers('old')).toEqual([
              sourceUser('old', 'u1', { attributes: { id: 'u1' }, assignmentSignature: 'r1|', staged: true }),
            ]);

            await upgraded.saveSourceGroups([sourceGroup('old', 'g1')]);
            await upgraded.saveGroupLinks([groupLink('old', 'g1')]);
            await upgraded.saveEscrows([escrow('old', 'membership', 'g1/u1')]);
            await upgraded.appendAudit(audit('old', 'x', T0));
            expect(await upgraded.listSourceGroups('old')).toEqual([sourceGroup('old', 'g1')]);
            expect(await upgraded.listGroupLinks('old')).toEqual([groupLink('old', 'g1')]);
            expect(await upgraded.listEscrows('old')).toEqual([escrow('old', 'membership', 'g1/u1')]);
            expect(await upgraded.listAudit('old', 5)).toEqual([audit('old', 'x', T0)]);

            // And again: nothing left to run.
            await upgraded.migrate();
            expect(await upgraded.listSourceGroups('old')).toHaveLength(1);
          } finally {
            await upgraded.close();
          }

          const check = await backend.openKysely(old.url);
          try {
            const known = await createMigrator(check, backend.dialect).getMigrations();
            expect(known.map((m) => [m.name, m.executedAt !== undefined])).toEqual([
              ['0001_initial', true],
              ['0002_groups_escrows_audit', true],
              ['0003_job_leases', true],
              ['0004_job_state', true],
              ['0005_job_definitions', true],
              ['0006_service', true],
              ['0007_log_queries', true],
              ['0008_request_budgets', true],
              ['0009_pending_writes', true],
              ['0010_cost_follows_changes', true],
            ]);
          } finally {
            await check.destroy();
          }
        } finally {
          await old.drop();
        }
      });

      it('reads only the rows asked for: users and links by id, links by target and state, staged users', async () => {
        const jobA = 'rows-a';
        const assignments = [
          {
            id: 'as1',
            userId: 'u2',
            appRoleId: 'r1',
            roleDisplayName: 'Agent',
            roleValue: 'agent',
            viaGroupId: 'g1',
          },
        ];
        // 1,200 users: more ids than one statement binds on neither database, so chunks are joined.
        const many = Array.from({ length: 1200 }, (_, i) => `m${i}`);
        await store.saveSourceUsers([
          sourceUser(jobA, 'u1'),
          sourceUser(jobA, 'u2', { assignmentSignature: 'r1|g1', assignments }),
          sourceUser(jobA, 'u3', { staged: true }),
          sourceUser('rows-b', 'u1', { staged: true }),
          ...many.map((id) => sourceUser(jobA, id)),
        ]);
        await store.saveLinks([
          link(jobA, 'u1', { targetId: 't1' }),
          link(jobA, 'u2', { targetId: 't2', state: 'unlinked' }),
          link('rows-b', 'u2', { targetId: 't2', state: 'unlinked' }),
        ]);
        expect(bySourceId(await store.getSourceUsers(jobA, ['u2', 'u1', 'nobody', 'u2']))).toEqual([
          sourceUser(jobA, 'u1'),
          sourceUser(jobA, 'u2', { assignmentSignature: 'r1|g1', assignments }),
        ]);
        expect(await store.getSourceUsers(jobA, many)).toHaveLength(1200);
        expect(await store.getSourceUsers(jobA, [])).toEqual([]);
        expect(await store.listStagedSourceUsers(jobA)).toEqual([sourceUser(jobA, 'u3', { staged: true })]);
        expect((await store.listAssignedSourceUsers(jobA)).map((r) => r.sourceId)).toEqual(['u2']);
        expect(await store.getLinks(jobA, ['u1', 'u9'])).toEqual([link(jobA, 'u1', { targetId: 't1' })]);
        expect((await store.getLinksByTarget(jobA, ['t2', 't9'])).map((l) => l.sourceId)).toEqual(['u2']);
        expect((await store.listLinksInState(jobA, 'unlinked')).map((l) => [l.jobId, l.sourceId])).toEqual([
          [jobA, 'u2'],
        ]);
        await store.updateJob(jobA, { assignmentWatermark: '{"v":1}' }, new Date(T0));
        expect((await store.getJob(jobA))?.assignmentWatermark).toBe('{"v":1}');
      });

      it('finds target mirror objects by id and by match key; keys follow updates, removals and clears', async () => {
        const j = 'keys-job';
        const user = (id: string, email: string) => ({
          id,
          data: { id, email },
          keys: [`email\u001f${email}`],
        });
        await store.saveTargetObjects(j, 'user', [user('1', 'a@x'), user('2', 'b@x')]);
        await store.saveTargetObjects('keys-other', 'user', [user('1', 'a@x')]);
        const ids = (records: { id: string }[]) => records.map((r) => r.id).sort();
        expect(ids(await store.getTargetObjects(j, 'user', ['2', '9']))).toEqual(['2']);
        expect(
          ids(await store.findTargetObjectsByKey(j, 'user', ['email\u001fa@x', 'email\u001fz@x'])),
        ).toEqual(['1']);
        // A new e-mail replaces the old key; saving without keys keeps the ones saved before.
        await store.saveTargetObjects(j, 'user', [user('1', 'c@x')]);
        expect(await store.findTargetObjectsByKey(j, 'user', ['email\u001fa@x'])).toEqual([]);
        await store.saveTargetObjects(j, 'user', [{ id: '1', data: { id: '1', email: 'c@x', name: 'C' } }]);
        expect(await store.findTargetObjectsByKey(j, 'user', ['email\u001fc@x'])).toEqual([
          { id: '1', data: { id: '1', email: 'c@x', name: 'C' } },
        ]);
        await store.saveTargetObjects(j, 'user', [], ['1']);
        expect(await store.findTargetObjectsByKey(j, 'user', ['email\u001fc@x'])).toEqual([]);
        await store.clearTargetObjects(j, 'user');
        expect(await store.findTargetObjectsByKey(j, 'user', ['email\u001fb@x'])).toEqual([]);
        expect(ids(await store.findTargetObjectsByKey('keys-other', 'user', ['email\u001fa@x']))).toEqual([
          '1',
        ]);
      });

      it("keeps jobs apart: one job's records are invisible to another", async () => {
        const [a, b] = ['tenant-a', 'tenant-b'];
        await store.saveJob(job(a, { status: 'Active' }));
        await store.saveJob(job(b, { status: 'Paused' }));
        // The same source ids in both jobs.
        await store.saveSourceUsers([
          sourceUser(a, 'u1'),
          sourceUser(a, 'u2'),
          sourceUser(b, 'u1', { removed: 'soft' }),
        ]);
        await store.saveLinks([link(a, 'u1'), link(b, 'u1', { targetId: 'z-b' })]);
        await store.saveCycle(cycle(a, 'shared-cycle-id', T0));
        await store.saveCycle(cycle(b, 'shared-cycle-id', T0, { state: 'failed', error: 'boom' }));
        await store.appendLogs([
          entry({ jobId: a, id: 'same-id', at: T0, sourceId: 'u1', name: 'Shared Name' }),
          entry({ jobId: b, id: 'same-id', at: T0, sourceId: 'u1', name: 'Shared Name', status: 'failure' }),
        ]);

        expect((await store.getJob(a))?.status).toBe('Active');
        expect((await store.getJob(b))?.status).toBe('Paused');
        expect(bySourceId(await store.listSourceUsers(a))).toEqual([
          sourceUser(a, 'u1'),
          sourceUser(a, 'u2'),
        ]);
        expect(await store.listSourceUsers(b)).toEqual([sourceUser(b, 'u1', { removed: 'soft' })]);
        expect(await store.listLinks(b)).toEqual([link(b, 'u1', { targetId: 'z-b' })]);
        expect(await store.listCycles(a, 10)).toEqual([cycle(a, 'shared-cycle-id', T0)]);
        expect((await store.queryLogs({ jobId: a })).map((e) => e.provisioningStatusInfo.status)).toEqual([
          'success',
        ]);
        expect((await store.queryLogs({ jobId: b, identity: 'shared' })).map((e) => e.jobId)).toEqual([b]);

        // Clearing and deleting act on one job only.
        await store.clearSourceUsers(a);
        await store.deleteLinks(a, ['u1']);
        expect(await store.listSourceUsers(a)).toEqual([]);
        expect(await store.listLinks(a)).toEqual([]);
        expect(await store.listSourceUsers(b)).toHaveLength(1);
        expect(await store.listLinks(b)).toHaveLength(1);
        await store.clearLinks(b);
        expect(await store.listLinks(b)).toEqual([]);
        expect(await store.listSourceUsers(b)).toHaveLength(1);
      });

      it('keeps its data when closed and opened again', async () => {
        if (database === undefined) throw new Error('no database');
        const writer = await openStateStore(database.url);
        await writer.migrate();
        await writer.saveJob(job('durable', { watermark: 'w1' }));
        await writer.saveSourceUsers([sourceUser('durable', 's1')]);
        await writer.saveLinks([link('durable', 's1', { created: false })]);
        await writer.appendLogs([entry({ jobId: 'durable', id: 'd1', at: T0 })]);
        await writer.saveSourceGroups([sourceGroup('durable', 'g1')]);
        await writer.saveGroupLinks([groupLink('durable', 'g1')]);
        await writer.saveEscrows([escrow('durable', 'group', 'g1')]);
        await writer.appendAudit(audit('durable', 'x1', T0));
        await writer.close();
        await writer.close(); // idempotent

        const reader = await openStateStore(database.url);
        try {
          await reader.migrate();
          expect(await reader.getJob('durable')).toEqual(job('durable', { watermark: 'w1' }));
          expect(await reader.listSourceUsers('durable')).toEqual([sourceUser('durable', 's1')]);
          expect(await reader.listLinks('durable')).toEqual([link('durable', 's1', { created: false })]);
          expect(ids(await reader.queryLogs({ jobId: 'durable' }))).toEqual(['d1']);
          expect(await reader.listSourceGroups('durable')).toEqual([sourceGroup('durable', 'g1')]);
          expect(await reader.listGroupLinks('durable')).toEqual([groupLink('durable', 'g1')]);
          expect(await reader.listEscrows('durable')).toEqual([escrow('durable', 'group', 'g1')]);
          expect(await reader.listAudit('durable', 10)).toEqual([audit('durable', 'x1', T0)]);
        } finally {
          await reader.close();
        }
      });
    },
  );
});

// ── opening ──────────────────────────────────────────────────────────────────────────────────────

describe('openStateStore', () => {
  it('refuses an unsupported URL, naming DATABASE_URL and the accepted forms, without echoing a password', async () => {
    const error = await openStateStore('mysql://admin:s3cret@db.example.com/provisio').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('sqlite:<path>');
    expect(message).toContain('sqlite::memory:');
    expect(message).toContain('postgres://');
    expect(message).toContain('mysql://admin:***@db.example.com/provisio');
    expect(message).not.toContain('s3cret');
    await expect(openStateStore('')).rejects.toThrow(/DATABASE_URL/);
    await expect(openStateStore('./data/provisio.db')).rejects.toThrow(/DATABASE_URL/);
    await expect(openStateStore('sqlite:')).rejects.toThrow(/DATABASE_URL "sqlite:" names no file/);
  });

  it('reports an unreachable PostgreSQL server clearly, without the password', async () => {
    const error = await openStateStore('postgresql://postgres:hunter2@127.0.0.1:1/nowhere').catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(
      /Cannot connect to the PostgreSQL state store at postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/nowhere \(DATABASE_URL\)/,
    );
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('opens an in-memory SQLite store', async () => {
    const store = await openStateStore('sqlite::memory:');
    try {
      await store.migrate();
      await store.saveJob(job('memory'));
      expect(await store.getJob('memory')).toEqual(job('memory'));
    } finally {
      await store.close();
    }
  });

  it('creates the parent directories of a SQLite file, and the file readable by its owner only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'provisio-open-'));
    try {
      const file = join(dir, 'a', 'b', 'provisio.db');
      const store = await openStateStore(`sqlite:${file}`);
      await store.migrate();
      expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
      await store.close();
      expect(existsSync(file)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('resolveDatabaseUrl', () => {
  it('uses DATABASE_URL when set, else a SQLite file under ./data', () => {
    expect(resolveDatabaseUrl({ DATABASE_URL: 'postgres://db/provisio' }, '/srv/provisio')).toBe(
      'postgres://db/provisio',
    );
    expect(resolveDatabaseUrl({}, '/srv/provisio')).toBe('sqlite:/srv/provisio/data/provisio.db');
    expect(resolveDatabaseUrl({ DATABASE_URL: '  ' }, '/srv/provisio')).toBe(
      'sqlite:/srv/provisio/data/provisio.db',
    );
  });
});

// ── job definitions (0005_job_definitions), once per database ────────────────────────────────────

function definition(id: string, overrides: Partial<JobDefinition> = {}): JobDefinition {
  return {
    id,
    source: {
      type: 'entra',
      tenantId: '8f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f',
      clientId: '6a1f4b2c-3d5e-4f60-8a71-b2c3d4e5f607',
      clientSecret: { secretRef: 'env:ENTRA_CLIENT_SECRET' },
      servicePrincipalId: '11111111-2222-4333-8444-555555555555',
    },
    target: {
      type: 'zendesk',
      adminUsername: 'admin@example.com',
      secretToken: { secretRef: 'env:ZENDESK_TOKEN' },
      domain: 'example',
    },
    settings: {
      scope: 'assigned',
      provisioningStatus: 'on',
      interval: 'PT40M',
      assignmentSweepInterval: 'PT5M',
      assignmentSweepRequestsPerMinute: 60,
      deprovision: 'suspend',
      skipOutOfScopeDeletions: false,
      adoptedObjects: { delete: false },
      protectedUsers: [],
      defaultAccess: 'skip',
      accidentalDeletionThreshold: 500,
      downgradeThreshold: 50,
      membershipRemovalThreshold: 500,
      sendEmailOnFailure: false,
      expandNestedGroups: false,
    },
    mappings: {
      users: { enabled: true, actions: ['create', 'update', 'delete'] },
      groups: { enabled: true, actions: ['create', 'update', 'delete'] },
    },
    ...overrides,
  };
}

describe.each(backends)('job definitions on $name', (backend) => {
  describe.skipIf(backend.skip)(
    backend.skip ? `skipped: PostgreSQL not reachable at ${PG_URL}` : 'StateStore job definitions',
    () => {
      let database: TestDatabase | undefined;
      let store: StateStore;
      const at = (minute: number) => new Date(Date.UTC(2025, 2, 1, 10, minute));

      beforeAll(async () => {
        database = await backend.create();
        store = await openStateStore(database.url);
        await store.migrate();
      });

      afterAll(async () => {
        await store?.close();
        await database?.drop();
      });

      it('adds a definition at revision 1 and records who added it, secrets as references', async () => {
        expect(await store.getJobDefinition('jobs-a')).toBeNull();
        const saved = await store.saveJobDefinition(definition('jobs-a', { displayName: 'Support' }), {
          initiatedBy: 'alice',
          at: at(0),
          ifRevision: 'none',
        });
        const expected = {
          jobId: 'jobs-a',
          definition: definition('jobs-a', { displayName: 'Support' }),
          revision: 1,
          createdAt: at(0).toISOString(),
          updatedAt: at(0).toISOString(),
        };
        expect(saved).toEqual(expected);
        expect(await store.getJobDefinition('jobs-a')).toEqual(expected);

        const [record, ...older] = await store.listAudit('jobs-a', 10);
        expect(older).toEqual([]);
        expect(record).toMatchObject({
          jobId: 'jobs-a',
          activity: 'Add provisioning configuration',
          initiatedBy: 'alice',
          result: 'success',
          activityDateTime: at(0).toISOString(),
          details: { revision: 1, changed: [], before: null, after: expected.definition },
        });
        expect(JSON.stringify(record?.details)).toContain('"secretRef":"env:ZENDESK_TOKEN"');
      });

      it('updates it: the revision moves on, the creation time stays, the audit names what changed', async () => {
        const changed = definition('jobs-a', {
          displayName: 'Support',
          settings: { ...definition('x').settings, interval: 'PT5M' },
          mappings: { ...definition('x').mappings, groups: { enabled: false, actions: ['create'] } },
        });
        const saved = await store.saveJobDefinition(changed, {
          initiatedBy: 'bob',
          at: at(5),
          ifRevision: 1,
        });
        expect(saved).toMatchObject({
          revision: 2,
          createdAt: at(0).toISOString(),
          updatedAt: at(5).toISOString(),
        });
        expect((await store.getJobDefinition('jobs-a'))?.definition).toEqual(changed);
        const [update] = await store.listAudit('jobs-a', 10);
        expect(update).toMatchObject({
          activity: 'Update provisioning configuration',
          initiatedBy: 'bob',
          details: { revision: 2, changed: ['mappings.groups', 'settings.interval'] },
        });
        expect(update?.summary).toMatch(/revision 2: mappings\.groups, settings\.interval changed/);
        expect(update?.details['before']).toMatchObject({ settings: { interval: 'PT40M' } });
        expect(update?.details['after']).toMatchObject({ settings: { interval: 'PT5M' } });

        // Saving the same definition again (keys in another order) changes and records nothing.
        const reordered = Object.fromEntries(Object.entries(changed).reverse()) as unknown as JobDefinition;
        expect((await store.saveJobDefinition(reordered, { initiatedBy: 'carol', at: at(9) })).revision).toBe(
          2,
        );
        expect(await store.listAudit('jobs-a', 10)).toHaveLength(2);
      });

      it('refuses a save whose revision condition does not hold', async () => {
        const conflict = await store
          .saveJobDefinition(definition('jobs-a'), { initiatedBy: 'x', at: at(10), ifRevision: 'none' })
          .catch((error: unknown) => error);
        expect(conflict).toBeInstanceOf(JobDefinitionConflict);
        expect(conflict).toMatchObject({ jobId: 'jobs-a', revision: 2 });
        expect((conflict as Error).message).toMatch(/already has a definition \(revision 2\)/);
        await expect(
          store.saveJobDefinition(definition('jobs-a'), { initiatedBy: 'x', at: at(10), ifRevision: 1 }),
        ).rejects.toThrow(/at revision 2, not 1/);
        await expect(
          store.saveJobDefinition(definition('jobs-new'), { initiatedBy: 'x', at: at(10), ifRevision: 3 }),
        ).rejects.toThrow(/has no definition/);
        expect((await store.getJobDefinition('jobs-a'))?.revision).toBe(2);
        expect(await store.getJobDefinition('jobs-new')).toBeNull();
        expect(await store.listAudit('jobs-a', 10)).toHaveLength(2);
      });

      it('never stores a secret value, whatever the caller passes', async () => {
        const leaked = definition('jobs-leak');
        const withValue = { ...leaked, target: { ...leaked.target, secretToken: 'zendesk-token-value' } };
        await expect(
          store.saveJobDefinition(withValue as unknown as JobDefinition, { initiatedBy: 'x', at: at(11) }),
        ).rejects.toThrow(/target\.secretToken must be a secret reference/);
        expect(await store.getJobDefinition('jobs-leak')).toBeNull();
        expect(await store.listAudit('jobs-leak', 10)).toEqual([]);
      });

      it('lists definitions by job id', async () => {
        await store.saveJobDefinition(definition('jobs-0'), { initiatedBy: 'x', at: at(12) });
        const listed = await store.listJobDefinitions();
        expect(listed.map((r) => [r.jobId, r.revision])).toEqual([
          ['jobs-0', 1],
          ['jobs-a', 2],
        ]);
        expect(listed[1]?.definition.displayName).toBe('Support');
      });

      it("deletes a definition, records it, and keeps the job's state", async () => {
        await store.saveJob(job('jobs-0', { status: 'Active', watermark: 'w' }));
        await store.saveLinks([link('jobs-0', 'u1')]);
        await expect(
          store.deleteJobDefinition('jobs-0', { initiatedBy: 'dave', at: at(20), ifRevision: 7 }),
        ).rejects.toBeInstanceOf(JobDefinitionConflict);
        expect(await store.deleteJobDefinition('jobs-0', { initiatedBy: 'dave', at: at(20) })).toBe(true);
        expect(await store.getJobDefinition('jobs-0')).toBeNull();
        expect(await store.deleteJobDefinition('jobs-0', { initiatedBy: 'dave', at: at(21) })).toBe(false);
        expect((await store.listJobDefinitions()).map((r) => r.jobId)).toEqual(['jobs-a']);

        const [deletion] = await store.listAudit('jobs-0', 10);
        expect(deletion).toMatchObject({
          activity: 'Delete provisioning configuration',
          initiatedBy: 'dave',
          details: { revision: 1, before: definition('jobs-0'), after: null },
        });
        expect(await store.listAudit('jobs-0', 10)).toHaveLength(2);
        expect(await store.getJob('jobs-0')).toEqual(job('jobs-0', { status: 'Active', watermark: 'w' }));
        expect(await store.listLinks('jobs-0')).toEqual([link('jobs-0', 'u1')]);

        // Imported again under the same id, the job starts over at revision 1 and finds its state.
        const again = await store.saveJobDefinition(definition('jobs-0'), {
          initiatedBy: 'dave',
          at: at(22),
          ifRevision: 'none',
        });
        expect(again).toMatchObject({ revision: 1, createdAt: at(22).toISOString() });
        expect(await store.listLinks('jobs-0')).toHaveLength(1);
      });

      it('keeps definitions across a reopen', async () => {
        if (database === undefined) throw new Error('no database');
        const reader = await openStateStore(database.url);
        try {
          await reader.migrate();
          expect(await reader.getJobDefinition('jobs-a')).toEqual(await store.getJobDefinition('jobs-a'));
        } finally {
          await reader.close();
        }
      });
    },
  );
});

// ── the service's tables (0006_service), once per database ──────────────────────────────────────

describe.each(backends)('service tables on $name', (backend) => {
  describe.skipIf(backend.skip)(
    backend.skip ? `skipped: PostgreSQL not reachable at ${PG_URL}` : 'StateStore service tables',
    () => {
      let database: TestDatabase | undefined;
      let store: StateStore;
      const at = (minute: number) => new Date(Date.UTC(2025, 2, 1, 10, minute));

      beforeAll(async () => {
        database = await backend.create();
        store = await openStateStore(database.url);
        await store.migrate();
      });

      afterAll(async () => {
        await store?.close();
        await database?.drop();
      });

      it('keeps sealed secrets per scope: upserts, lists, deletes by name and by scope', async () => {
        const t = at(0).toISOString();
        await store.saveSecrets([
          { scope: 'sp:a', name: 'SecretToken', sealed: 'v1.k.one', updatedAt: t },
          { scope: 'sp:a', name: 'UserName', sealed: 'v1.k.two', updatedAt: t },
          { scope: 'sp:b', name: 'SecretToken', sealed: 'v1.k.three', updatedAt: t },
        ]);
        await store.saveSecrets([{ scope: 'sp:a', name: 'SecretToken', sealed: 'v1.k.four', updatedAt: t }]);
        expect((await store.listSecrets('sp:a')).map((s) => [s.name, s.sealed])).toEqual([
          ['SecretToken', 'v1.k.four'],
          ['UserName', 'v1.k.two'],
        ]);
        expect(await store.listAllSecrets()).toHaveLength(3);
        await store.deleteSecrets('sp:a', ['UserName']);
        expect((await store.listSecrets('sp:a')).map((s) => s.name)).toEqual(['SecretToken']);
        await store.deleteSecrets('sp:a');
        expect(await store.listSecrets('sp:a')).toEqual([]);
        expect(await store.listSecrets('sp:b')).toHaveLength(1);
      });

      it('finds API tokens by hash, revokes them once and records their last use', async () => {
        const token = {
          id: 'tok1',
          name: 'terraform',
          role: 'Operator' as const,
          tokenHash: 'a'.repeat(64),
          createdAt: at(1).toISOString(),
          createdBy: 'admin',
          lastUsedAt: null,
          revokedAt: null,
        };
        await store.saveApiToken(token);
        expect(await store.findApiTokenByHash('a'.repeat(64))).toEqual(token);
        expect(await store.findApiTokenByHash('b'.repeat(64))).toBeNull();
        await store.touchApiToken('tok1', at(2));
        expect(await store.revokeApiToken('tok1', at(3))).toBe(true);
        expect(await store.revokeApiToken('tok1', at(4))).toBe(false);
        expect(await store.listApiTokens()).toEqual([
          { ...token, lastUsedAt: at(2).toISOString(), revokedAt: at(3).toISOString() },
        ]);
      });

      it('keeps local accounts and sessions, and removes sessions past their absolute timeout', async () => {
        await store.saveLocalAccount({
          username: 'admin',
          passwordHash: 'scrypt$x',
          role: 'Administrator',
          createdAt: at(0).toISOString(),
          updatedAt: at(0).toISOString(),
        });
        await store.saveLocalAccount({
          username: 'admin',
          passwordHash: 'scrypt$y',
          role: 'Administrator',
          createdAt: at(5).toISOString(),
          updatedAt: at(5).toISOString(),
        });
        expect(await store.getLocalAccount('admin')).toMatchObject({
          passwordHash: 'scrypt$y',
          createdAt: at(0).toISOString(),
          updatedAt: at(5).toISOString(),
        });
        const session = (id: string, expires: number) => ({
          idHash: id,
          subject: 'admin',
          displayName: 'Administrator',
          role: 'Administrator' as const,
          method: 'local' as const,
          csrfHash: 'c'.repeat(64),
          createdAt: at(0).toISOString(),
          lastSeenAt: at(0).toISOString(),
          expiresAt: at(expires).toISOString(),
        });
        await store.saveSession(session('s1', 10));
        await store.saveSession(session('s2', 30));
        await store.touchSession('s1', at(4));
        expect(await store.getSession('s1')).toMatchObject({ lastSeenAt: at(4).toISOString() });
        expect(await store.deleteExpiredSessions(at(20))).toBe(1);
        expect(await store.getSession('s1')).toBeNull();
        await store.deleteSession('s2');
        expect(await store.getSession('s2')).toBeNull();
      });

      it('lists and removes local accounts, and ends the sessions of one account', async () => {
        const account = (username: string, role: 'Administrator' | 'Reader') => ({
          username,
          passwordHash: `scrypt$${username}`,
          role,
          createdAt: at(1).toISOString(),
          updatedAt: at(1).toISOString(),
        });
        await store.saveLocalAccount(account('zoe', 'Reader'));
        await store.saveLocalAccount(account('bob', 'Administrator'));
        const names = (await store.listLocalAccounts()).map((a) => a.username);
        expect(names).toEqual([...names].sort());
        expect(names).toEqual(expect.arrayContaining(['bob', 'zoe']));
        expect((await store.listLocalAccounts()).find((a) => a.username === 'zoe')).toEqual(
          account('zoe', 'Reader'),
        );
        const session = (id: string, subject: string, method: 'local' | 'oidc') => ({
          idHash: id,
          subject,
          displayName: subject,
          role: 'Reader' as const,
          method,
          csrfHash: 'c'.repeat(64),
          createdAt: at(1).toISOString(),
          lastSeenAt: at(1).toISOString(),
          expiresAt: at(50).toISOString(),
        });
        await store.saveSession(session('z1', 'zoe', 'local'));
        await store.saveSession(session('z2', 'zoe', 'local'));
        await store.saveSession(session('z3', 'zoe', 'oidc'));
        await store.saveSession(session('b1', 'bob', 'local'));
        expect(await store.deleteSessionsOf('local', 'zoe')).toBe(2);
        expect(await store.getSession('z1')).toBeNull();
        expect(await store.getSession('z3')).not.toBeNull();
        expect(await store.getSession('b1')).not.toBeNull();
        expect(await store.deleteLocalAccount('zoe')).toBe(true);
        expect(await store.deleteLocalAccount('zoe')).toBe(false);
        expect(await store.getLocalAccount('zoe')).toBeNull();
        expect((await store.listLocalAccounts()).map((a) => a.username)).not.toContain('zoe');
      });

      it('counts the users and groups a job manages without reading them', async () => {
        const t = at(0).toISOString();
        const link = (sourceId: string, state: 'active' | 'disabled' | 'deleted', jobId = 'count-job') => ({
          jobId,
          sourceId,
          targetId: `t-${sourceId}`,
          state,
          created: true,
          displayName: sourceId,
          updatedAt: t,
        });
        await store.saveLinks([
          link('u1', 'active'),
          link('u2', 'disabled'),
          link('u3', 'deleted'),
          link('u4', 'active', 'other'),
        ]);
        await store.saveGroupLinks([
          { ...link('g1', 'active'), state: 'active' },
          { ...link('g2', 'active'), state: 'deleted' },
        ]);
        expect(await store.countManaged('count-job')).toEqual({ users: 2, groups: 1 });
        expect(await store.countManaged('nothing')).toEqual({ users: 0, groups: 0 });
      });

      it('lists synchronization jobs per service principal and keeps their drafts', async () => {
        const job = (jobId: string, sp: string) => ({
          jobId,
          servicePrincipalId: sp,
          templateId: 'zendesk',
          draft: { settings: { interval: 'PT5M' } },
          createdAt: at(0).toISOString(),
        });
        await store.saveSynchronizationJob(job('zendesk.b', 'sp1'));
        await store.saveSynchronizationJob(job('zendesk.a', 'sp1'));
        await store.saveSynchronizationJob(job('zendesk.c', 'sp2'));
        await store.saveSynchronizationJob({ ...job('zendesk.a', 'sp1'), draft: null });
        expect((await store.listSynchronizationJobs('sp1')).map((j) => [j.jobId, j.draft])).toEqual([
          ['zendesk.a', null],
          ['zendesk.b', { settings: { interval: 'PT5M' } }],
        ]);
        expect(await store.listSynchronizationJobs()).toHaveLength(3);
        expect(await store.deleteSynchronizationJob('zendesk.b')).toBe(true);
        expect(await store.deleteSynchronizationJob('zendesk.b')).toBe(false);
        expect(await store.getSynchronizationJob('zendesk.c')).toMatchObject({ servicePrincipalId: 'sp2' });
      });
    },
  );
});
