/**
 * The state store's cross-job log queries (ports/log-queries.ts, migration 0007_log_queries) against
 * real databases, in the style of state-store.integration.test.ts: SQLite (a temporary file) and
 * PostgreSQL (a database created for this run and dropped after it; PROVISIO_TEST_DATABASE_URL or
 * postgres://postgres@127.0.0.1:5432/test, skipped with a warning when unreachable, except under CI).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyCycleCounts } from '../src/cycle/run-cycle.js';
import type { ProvisioningAction, ProvisioningObjectSummary, ProvisioningStatus } from '../src/log/types.js';
import type { CycleCursor, LogField, Page, RecordFilter, SeqCursor } from '../src/ports/log-queries.js';
import type { AuditRecord, CycleRecord, StateStore } from '../src/ports/state.js';
import { openStateStore, type SqlDialect, type StateDatabase } from '../src/state/index.js';
import { createMigrator } from '../src/state/migrations.js';

const PG_URL = process.env['PROVISIO_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const IN_CI = (process.env['CI'] ?? '') !== '';

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
if (pgSkipped)
  console.warn(`PostgreSQL not reachable at ${PG_URL} (${pgProblem}): skipping the PostgreSQL half.`);

interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

interface Backend {
  readonly name: string;
  readonly dialect: SqlDialect;
  readonly skip: boolean;
  create(): Promise<TestDatabase>;
  openKysely(url: string): Promise<Kysely<StateDatabase>>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    dialect: 'sqlite',
    skip: false,
    async create() {
      const dir = await mkdtemp(join(tmpdir(), 'provisio-logq-'));
      return {
        url: `sqlite:${join(dir, 'state.db')}`,
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
      if (pgProblem !== null)
        throw new Error(
          `PostgreSQL not reachable at ${PG_URL} (${pgProblem}), and CI is set: this half must run.`,
        );
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
  readonly sp?: string;
}

function entry(spec: EntrySpec): ProvisioningObjectSummary {
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
    durationInMilliseconds: 5,
    initiatedBy: { id: '', displayName: 'provisio', initiatorType: 'system' },
    modifiedProperties: [],
    provisioningSteps: [],
    servicePrincipal: { id: spec.sp ?? 'sp-1', displayName: 'Zendesk' },
    sourceIdentity: { id: sourceId, displayName: name, identityType: 'User', details: null },
    targetIdentity: { id: spec.targetId ?? '', displayName: name, identityType: 'User', details: null },
    sourceSystem: { id: 'entra', displayName: 'Microsoft Entra ID', details: {} },
    targetSystem: { id: 'zendesk', displayName: 'Zendesk', details: {} },
    provisioningStatusInfo: { status: spec.status ?? 'success', errorInformation: null },
  };
}

function audit(jobId: string, id: string, at: string, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    jobId,
    id,
    activityDateTime: at,
    activity: 'Disable/pause provisioning configuration',
    initiatedBy: 'alice',
    result: 'success',
    summary: `Audit ${id}.`,
    details: {},
    ...overrides,
  };
}

function cycle(jobId: string, cycleId: string, startedAt: string): CycleRecord {
  return {
    jobId,
    cycleId,
    kind: 'incremental',
    state: 'succeeded',
    startedAt,
    endedAt: startedAt,
    counts: emptyCycleCounts,
    error: null,
    errorCode: null,
  };
}

const minute = (m: number, s = 0) => new Date(Date.UTC(2025, 4, 1, 10, m, s)).toISOString();
const ids = (items: readonly { readonly id: string }[]) => items.map((i) => i.id);
const eq = (field: LogField, value: string): RecordFilter<LogField> => ({
  kind: 'compare',
  field,
  op: 'eq',
  value,
});

/** Every page of a query, following `next` to the end. */
async function allPages<T, C>(
  page: (after: C | undefined) => Promise<Page<T, C>>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let after: C | undefined;
  for (let pages = 1; pages < 1000; pages++) {
    const result = await page(after);
    items.push(...result.items);
    if (result.next === null) return { items, pages };
    after = result.next;
  }
  throw new Error('more than 1000 pages');
}

// ── the suite, once per database ─────────────────────────────────────────────────────────────────

describe.each(backends)('log queries on $name', (backend) => {
  describe.skipIf(backend.skip)(
    backend.skip ? `skipped: PostgreSQL not reachable at ${PG_URL}` : 'pages',
    () => {
      let database: TestDatabase | undefined;
      let store: StateStore;

      // Three jobs interleaved in time; two entries share each of some timestamps (ties are broken by
      // insertion order, newest first).
      const seeded: ProvisioningObjectSummary[] = [];
      beforeAll(async () => {
        database = await backend.create();
        store = await openStateStore(database.url);
        await store.migrate();
        const jobs = ['job-a', 'job-b', 'job-c'];
        for (let i = 0; i < 30; i++) {
          const jobId = jobs[i % 3] as string;
          seeded.push(
            entry({
              jobId,
              id: `e${String(i).padStart(2, '0')}`,
              at: minute(Math.floor(i / 2)),
              cycleId: `cycle-${jobId}-${i < 15 ? 1 : 2}`,
              action: i % 5 === 0 ? 'delete' : i % 2 === 0 ? 'update' : 'create',
              status: i % 7 === 0 ? 'failure' : 'success',
              sourceId: `user-${i % 10}`,
              targetId: `z-${i % 10}`,
              name: i % 10 === 3 ? 'Özil Mesut' : `Person ${i % 10}`,
              sp: jobId === 'job-c' ? 'sp-2' : 'sp-1',
            }),
          );
        }
        // Appended in two batches, out of time order within the second: order is by time, not insertion.
        await store.appendLogs(seeded.slice(0, 20));
        await store.appendLogs(seeded.slice(20).reverse());
      });

      afterAll(async () => {
        await store?.close();
        await database?.drop();
      });

      /** The seeded entries matching `keep`, in the order the store must give them. */
      const expected = (keep: (e: ProvisioningObjectSummary) => boolean) => {
        const insertion = [...seeded.slice(0, 20), ...seeded.slice(20).reverse()];
        return insertion
          .map((e, order) => ({ e, order }))
          .filter(({ e }) => keep(e))
          .sort((x, y) =>
            x.e.activityDateTime === y.e.activityDateTime
              ? y.order - x.order
              : x.e.activityDateTime < y.e.activityDateTime
                ? 1
                : -1,
          )
          .map(({ e }) => e.id);
      };

      it('lists every job newest first, ties in reverse insertion order, in keyset pages', async () => {
        const { items, pages } = await allPages((after: SeqCursor | undefined) =>
          store.pageLogs({ limit: 4, ...(after === undefined ? {} : { after }) }),
        );
        expect(ids(items)).toEqual(expected(() => true));
        expect(pages).toBe(8);
        expect(items[0]).toEqual(seeded.find((e) => e.id === items[0]?.id));
        // A page that ends exactly at the end says so.
        const exact = await store.pageLogs({ limit: 30 });
        expect(exact.items).toHaveLength(30);
        expect(exact.next).toBeNull();
      });

      it('filters on each supported field', async () => {
        const cases: [RecordFilter<LogField>, (e: ProvisioningObjectSummary) => boolean][] = [
          [eq('jobId', 'job-b'), (e) => e.jobId === 'job-b'],
          [eq('id', 'e07'), (e) => e.id === 'e07'],
          [eq('cycleId', 'cycle-job-a-2'), (e) => e.cycleId === 'cycle-job-a-2'],
          [eq('changeId', 'change-e11'), (e) => e.changeId === 'change-e11'],
          [eq('provisioningAction', 'delete'), (e) => e.provisioningAction === 'delete'],
          [eq('status', 'failure'), (e) => e.provisioningStatusInfo.status === 'failure'],
          [eq('sourceId', 'user-4'), (e) => e.sourceIdentity.id === 'user-4'],
          [eq('targetId', 'z-5'), (e) => e.targetIdentity.id === 'z-5'],
          [eq('sourceDisplayName', 'Özil Mesut'), (e) => e.sourceIdentity.displayName === 'Özil Mesut'],
          [eq('servicePrincipalId', 'sp-2'), (e) => e.servicePrincipal.id === 'sp-2'],
          [
            { kind: 'text', field: 'sourceDisplayName', op: 'startswith', value: 'Öz' },
            (e) => e.sourceIdentity.displayName.startsWith('Öz'),
          ],
          // Case-sensitive, as Graph's filters are.
          [{ kind: 'text', field: 'sourceDisplayName', op: 'startswith', value: 'öz' }, () => false],
          [
            { kind: 'text', field: 'sourceDisplayName', op: 'contains', value: 'son 1' },
            (e) => e.sourceIdentity.displayName.includes('son 1'),
          ],
          // LIKE wildcards mean nothing.
          [{ kind: 'text', field: 'cycleId', op: 'contains', value: '%' }, () => false],
          [{ kind: 'text', field: 'jobId', op: 'contains', value: '_' }, () => false],
          [
            { kind: 'compare', field: 'activityDateTime', op: 'ge', value: minute(3) },
            (e) => e.activityDateTime >= minute(3),
          ],
          [
            {
              kind: 'and',
              operands: [
                { kind: 'compare', field: 'activityDateTime', op: 'gt', value: '2025-05-01T10:03:00Z' },
                { kind: 'compare', field: 'activityDateTime', op: 'lt', value: '2025-05-01T12:07:00+02:00' },
              ],
            },
            (e) => e.activityDateTime > minute(3) && e.activityDateTime < minute(7),
          ],
          [
            { kind: 'compare', field: 'activityDateTime', op: 'le', value: minute(2) },
            (e) => e.activityDateTime <= minute(2),
          ],
          [
            { kind: 'compare', field: 'activityDateTime', op: 'eq', value: minute(5) },
            (e) => e.activityDateTime === minute(5),
          ],
          [
            {
              kind: 'and',
              operands: [
                eq('jobId', 'job-a'),
                { kind: 'or', operands: [eq('status', 'failure'), eq('provisioningAction', 'delete')] },
              ],
            },
            (e) =>
              e.jobId === 'job-a' &&
              (e.provisioningStatusInfo.status === 'failure' || e.provisioningAction === 'delete'),
          ],
          [{ kind: 'not', operand: eq('jobId', 'job-a') }, (e) => e.jobId !== 'job-a'],
          [{ kind: 'compare', field: 'jobId', op: 'ne', value: 'job-c' }, (e) => e.jobId !== 'job-c'],
          [{ kind: 'constant', value: false }, () => false],
          [
            { kind: 'and', operands: [{ kind: 'constant', value: true }, eq('jobId', 'job-c')] },
            (e) => e.jobId === 'job-c',
          ],
        ];
        for (const [filter, keep] of cases) {
          const { items } = await allPages((after: SeqCursor | undefined) =>
            store.pageLogs({ filter, limit: 3, ...(after === undefined ? {} : { after }) }),
          );
          expect(ids(items), JSON.stringify(filter)).toEqual(expected(keep));
        }
      });

      it('counts matching entries up to a cap (a bounded export learns whether it is cut)', async () => {
        expect(await store.countLogs(undefined, 1000)).toBe(30);
        expect(await store.countLogs(undefined, 7)).toBe(7);
        expect(await store.countLogs(eq('jobId', 'job-b'), 1000)).toBe(
          expected((e) => e.jobId === 'job-b').length,
        );
        expect(await store.countLogs(eq('jobId', 'nobody'), 1000)).toBe(0);
        await expect(store.countLogs(undefined, 0)).rejects.toThrow(/countLogs cap/);
      });

      it('stays stable while entries are appended between pages', async () => {
        const filter = eq('jobId', 'job-a');
        const first = await store.pageLogs({ filter, limit: 4 });
        // A cycle appends newer entries, and one with an older time, meanwhile.
        await store.appendLogs([
          entry({ jobId: 'job-a', id: 'late-new', at: minute(30) }),
          entry({ jobId: 'job-a', id: 'late-old', at: minute(0, 30) }),
        ]);
        const rest = await allPages((after: SeqCursor | undefined) =>
          store.pageLogs({ filter, limit: 4, after: after ?? (first.next as SeqCursor) }),
        );
        const seen = [...ids(first.items), ...ids(rest.items)];
        expect(new Set(seen).size).toBe(seen.length);
        // Every entry that existed at the first page is seen exactly once; the newer one is not (it is
        // above the first page), the older one is (it is below the cursor).
        const lateAt = seen.indexOf('late-old');
        expect(
          seen
            .slice(lateAt + 1)
            .every((id) => (seeded.find((e) => e.id === id)?.activityDateTime ?? '') < minute(0, 30)),
        ).toBe(true);
        expect(seen).toContain('late-old');
        expect(seen).not.toContain('late-new');
        expect(seen.filter((id) => id !== 'late-old')).toEqual(expected((e) => e.jobId === 'job-a'));
      });

      it('refuses a malformed cursor or limit', async () => {
        await expect(store.pageLogs({ limit: 3, after: { at: minute(1), seq: '1 or 1=1' } })).rejects.toThrow(
          /decimal digits/,
        );
        await expect(store.pageLogs({ limit: 3, after: { at: 'yesterday', seq: '1' } })).rejects.toThrow(
          /ISO-8601/,
        );
        await expect(store.pageLogs({ limit: 0 })).rejects.toThrow(/positive integer/);
      });

      it('pages the audit log of every job with filters', async () => {
        const records = [
          audit('job-a', 'a1', minute(1), { activity: 'Add provisioning configuration' }),
          audit('job-b', 'b1', minute(2), { initiatedBy: 'provisio', activity: 'Quarantine' }),
          audit('job-a', 'a2', minute(3), {
            activity: 'Update provisioning configuration',
            result: 'failure',
          }),
          audit('job-b', 'b2', minute(3)),
          audit('job-c', 'c1', minute(4), { activity: 'Update provisioning configuration' }),
        ];
        for (const record of records) await store.appendAudit(record);
        const { items, pages } = await allPages((after: SeqCursor | undefined) =>
          store.pageAudit({ limit: 2, ...(after === undefined ? {} : { after }) }),
        );
        expect(ids(items)).toEqual(['c1', 'b2', 'a2', 'b1', 'a1']);
        expect(pages).toBe(3);
        expect(items[0]).toEqual(records[4]);
        const page = async (
          filter: RecordFilter<'id' | 'jobId' | 'activityDateTime' | 'activity' | 'initiatedBy' | 'result'>,
        ) => ids((await store.pageAudit({ filter, limit: 10 })).items);
        expect(await page({ kind: 'text', field: 'activity', op: 'startswith', value: 'Update' })).toEqual([
          'c1',
          'a2',
        ]);
        expect(await page({ kind: 'compare', field: 'initiatedBy', op: 'eq', value: 'provisio' })).toEqual([
          'b1',
        ]);
        expect(await page({ kind: 'compare', field: 'jobId', op: 'eq', value: 'job-a' })).toEqual([
          'a2',
          'a1',
        ]);
        expect(await page({ kind: 'compare', field: 'result', op: 'eq', value: 'failure' })).toEqual(['a2']);
        expect(
          await page({
            kind: 'and',
            operands: [
              { kind: 'compare', field: 'activityDateTime', op: 'ge', value: minute(2) },
              { kind: 'compare', field: 'activityDateTime', op: 'le', value: minute(3) },
            ],
          }),
        ).toEqual(['b2', 'a2', 'b1']);
      });

      it("pages one job's cycles newest first", async () => {
        for (let i = 0; i < 7; i++) await store.saveCycle(cycle('job-a', `c-${i}`, minute(i % 5)));
        await store.saveCycle(cycle('job-b', 'other', minute(9)));
        const { items, pages } = await allPages((after: CycleCursor | undefined) =>
          store.pageCycles('job-a', { limit: 3, ...(after === undefined ? {} : { after }) }),
        );
        expect(items.map((c) => c.cycleId)).toEqual(['c-4', 'c-3', 'c-2', 'c-6', 'c-1', 'c-5', 'c-0']);
        expect(pages).toBe(3);
        expect(items[0]).toEqual(cycle('job-a', 'c-4', minute(4)));
      });
    },
  );

  describe.skipIf(backend.skip)(backend.skip ? 'skipped' : 'migration 0007_log_queries', () => {
    it('backfills the service principal of entries written before it', async () => {
      const database = await backend.create();
      try {
        const db = await backend.openKysely(database.url);
        try {
          const { error } = await createMigrator(db, backend.dialect).migrateTo('0006_service');
          expect(error).toBeUndefined();
          const old = entry({ jobId: 'old', id: 'o1', at: minute(1), sp: 'sp-old' });
          await db
            .insertInto('provisioning_log')
            .values({
              id: old.id,
              job_id: old.jobId,
              cycle_id: old.cycleId,
              change_id: old.changeId,
              activity_at: old.activityDateTime,
              source_id: old.sourceIdentity.id,
              target_id: old.targetIdentity.id,
              display_name: old.sourceIdentity.displayName,
              action: old.provisioningAction,
              status: old.provisioningStatusInfo.status,
              error_code: null,
              entry: JSON.stringify(old),
            })
            .execute();
        } finally {
          await db.destroy();
        }
        const store = await openStateStore(database.url);
        try {
          expect(await store.pendingMigrations()).toEqual([
            '0007_log_queries',
            '0008_request_budgets',
            '0009_pending_writes',
            '0010_cost_follows_changes',
          ]);
          await store.migrate();
          const page = await store.pageLogs({ filter: eq('servicePrincipalId', 'sp-old'), limit: 5 });
          expect(ids(page.items)).toEqual(['o1']);
        } finally {
          await store.close();
        }
      } finally {
        await database.drop();
      }
    });
  });
});
