/**
 * The state store over Kysely: one implementation for SQLite and PostgreSQL. Records are stored as
 * given (secrets included, if a caller passed any: keeping them out is the caller's job, and
 * encryption at rest is a later layer). Batch writes go in chunks sized to each database's limit on
 * bound parameters, all chunks inside one transaction.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, type RawBuilder, type Selectable, type SqlBool, sql, type Transaction } from 'kysely';
import { type JobDefinition, redactSecrets, secretFields, secretRefSchema } from '../jobs/definition.js';
import type { ProvisioningObjectSummary } from '../log/types.js';
import type {
  AuditField,
  CycleCursor,
  LogField,
  Page,
  PageQuery,
  RecordFilter,
  SeqCursor,
} from '../ports/log-queries.js';
import type {
  ApiTokenRecord,
  LocalAccountRecord,
  Role,
  SealedSecretRecord,
  SessionRecord,
  SynchronizationJobRecord,
} from '../ports/service-state.js';
import type { MemberRef, SourceAssignment } from '../ports/source.js';
import type {
  AuditRecord,
  CycleCounts,
  CycleKind,
  CycleRecord,
  CycleState,
  EscrowRecord,
  GroupLinkRecord,
  JobDefinitionChange,
  JobDefinitionRecord,
  JobPatch,
  JobRecord,
  JobStatus,
  LinkRecord,
  LogQuery,
  PendingWriteRecord,
  SourceGroupRecord,
  SourceUserRecord,
  StateStore,
  TargetObjectKind,
  TargetObjectRecord,
} from '../ports/state.js';
import { JobDefinitionConflict } from '../ports/state.js';
import type { QuarantineState } from '../safety/quarantine.js';
import { compileFilter, type FieldColumn, normaliseTime } from './filter-sql.js';
import { newJobRecord } from './job-record.js';
import { createMigrator, migrateToLatest, type SqlDialect } from './migrations.js';
import type {
  ApiTokensTable,
  CyclesTable,
  Database,
  JobDefinitionsTable,
  LinksTable,
  LocalAccountsTable,
  SecretsTable,
  SourceUsersTable,
  SynchronizationJobsTable,
} from './schema.js';

/** Bound parameters per statement: SQLite's SQLITE_MAX_VARIABLE_NUMBER (since 3.32), PostgreSQL's protocol limit. */
const MAX_PARAMETERS: Record<SqlDialect, number> = { sqlite: 32_766, postgres: 65_535 };
/**
 * Rows per statement, below the parameter limit: PostgreSQL parses and plans a 13,000-row statement
 * more slowly per row than several 2,000-row ones (200k upserts with pg took roughly half as long
 * in 2,000-row statements), and SQLite gains nothing from larger statements.
 */
const MAX_ROWS_PER_STATEMENT = 2000;
/** Parameters a chunked statement may bind besides its items' (the job id, an escrow's object type). */
const SHARED_PARAMETERS = 2;

export const DEFAULT_LOG_LIMIT = 1000;

export interface KyselyStateStoreOptions {
  readonly dialect: SqlDialect;
}

export class KyselyStateStore implements StateStore {
  readonly dialect: SqlDialect;
  readonly #db: Kysely<Database>;
  #closed: Promise<void> | null = null;

  /** Takes ownership of `db`: `close()` destroys it (closing the SQLite file or ending the pool). */
  constructor(db: Kysely<Database>, options: KyselyStateStoreOptions) {
    this.#db = db;
    this.dialect = options.dialect;
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.#db, this.dialect);
  }

  async pendingMigrations(): Promise<string[]> {
    const all = await createMigrator(this.#db, this.dialect).getMigrations();
    return all.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
  }

  close(): Promise<void> {
    // Idempotent: ending a pg pool twice throws.
    this.#closed ??= this.#db.destroy();
    return this.#closed;
  }

  // ── jobs ─────────────────────────────────────────────────────────────────────────────────────

  async getJob(jobId: string): Promise<JobRecord | null> {
    const row = await this.#db.selectFrom('jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
    if (row === undefined) return null;
    return {
      jobId: row.job_id,
      status: row.status as JobStatus,
      configHash: row.config_hash,
      watermark: row.watermark,
      watermarkAt: row.watermark_at,
      groupWatermark: row.group_watermark,
      quarantine:
        row.quarantine === null ? null : (parseJson(row.quarantine, 'jobs.quarantine') as QuarantineState),
      allowDeletes: row.allow_deletes !== 0,
      rolesImportedAt: row.roles_imported_at,
      targetState: row.target_state,
      reconciledAt: row.reconciled_at,
      membershipsLoadedAt: row.memberships_loaded_at,
      mirrorVersion: row.mirror_version,
      assignmentWatermark: row.assignment_watermark,
      updatedAt: row.updated_at,
    };
  }

  async saveJob(job: JobRecord): Promise<void> {
    const row = { job_id: job.jobId, data: '{}', ...jobColumns(job) };
    const { job_id: _key, ...update } = row;
    await this.#db
      .insertInto('jobs')
      .values(row)
      .onConflict((oc) => oc.column('job_id').doUpdateSet(update))
      .execute();
  }

  async updateJob(jobId: string, patch: JobPatch, now: Date): Promise<JobRecord> {
    const changes = { ...jobColumns(patch), updated_at: patch.updatedAt ?? now.toISOString() };
    await this.#db.transaction().execute(async (trx) => {
      // Insert the defaults first (a no-op when the job exists), then change only the given columns.
      await trx
        .insertInto('jobs')
        .values({ job_id: jobId, data: '{}', ...jobColumns(newJobRecord(jobId, now)) })
        .onConflict((oc) => oc.column('job_id').doNothing())
        .execute();
      await trx.updateTable('jobs').set(changes).where('job_id', '=', jobId).execute();
    });
    return (await this.getJob(jobId)) as JobRecord;
  }

  // ── source mirror ────────────────────────────────────────────────────────────────────────────

  async listSourceUsers(jobId: string): Promise<SourceUserRecord[]> {
    const rows = await this.#db
      .selectFrom('source_users')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('source_id')
      .execute();
    return rows.map(sourceUserOf);
  }

  async getSourceUsers(jobId: string, sourceIds: readonly string[]): Promise<SourceUserRecord[]> {
    const rows = await this.#selectIn([...new Set(sourceIds)], (chunk) =>
      this.#db
        .selectFrom('source_users')
        .selectAll()
        .where('job_id', '=', jobId)
        .where('source_id', 'in', chunk)
        .execute(),
    );
    return rows.map(sourceUserOf);
  }

  async listStagedSourceUsers(jobId: string): Promise<SourceUserRecord[]> {
    const rows = await this.#db
      .selectFrom('source_users')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('staged', '=', 1)
      .execute();
    return rows.map(sourceUserOf);
  }

  async listAssignedSourceUsers(jobId: string): Promise<SourceUserRecord[]> {
    const rows = await this.#db
      .selectFrom('source_users')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('assignment_signature', '<>', '')
      .execute();
    return rows.map(sourceUserOf);
  }

  /** Reads `ids` in chunks of bound parameters (one per id plus the job id), concatenated. */
  async #selectIn<Row>(ids: readonly string[], read: (chunk: string[]) => Promise<Row[]>): Promise<Row[]> {
    const size = this.#chunkSize(1);
    const out: Row[] = [];
    for (let start = 0; start < ids.length; start += size)
      out.push(...(await read(ids.slice(start, start + size))));
    return out;
  }

  async saveSourceUsers(records: readonly SourceUserRecord[]): Promise<void> {
    const latest = lastPerKey(
      records,
      (r) => r.jobId,
      (r) => r.sourceId,
    );
    // Rows are made a chunk at a time: a million users' JSON is never held at once.
    await this.#inChunks(latest, 8, (trx, chunk) =>
      trx
        .insertInto('source_users')
        .values(
          chunk.map((r) => ({
            job_id: r.jobId,
            source_id: r.sourceId,
            attributes: JSON.stringify(r.attributes),
            removed: r.removed,
            assignment_signature: r.assignmentSignature,
            assignments: JSON.stringify(r.assignments),
            staged: r.staged ? 1 : 0,
            updated_at: r.updatedAt,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['job_id', 'source_id']).doUpdateSet((eb) => ({
            attributes: eb.ref('excluded.attributes'),
            removed: eb.ref('excluded.removed'),
            assignment_signature: eb.ref('excluded.assignment_signature'),
            assignments: eb.ref('excluded.assignments'),
            staged: eb.ref('excluded.staged'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute(),
    );
  }

  async clearSourceUsers(jobId: string): Promise<void> {
    await this.#db.deleteFrom('source_users').where('job_id', '=', jobId).execute();
  }

  // ── links ────────────────────────────────────────────────────────────────────────────────────

  async listLinks(jobId: string): Promise<LinkRecord[]> {
    const rows = await this.#db
      .selectFrom('links')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('source_id')
      .execute();
    return rows.map(linkOf);
  }

  async getLinks(jobId: string, sourceIds: readonly string[]): Promise<LinkRecord[]> {
    const rows = await this.#selectIn([...new Set(sourceIds)], (chunk) =>
      this.#db
        .selectFrom('links')
        .selectAll()
        .where('job_id', '=', jobId)
        .where('source_id', 'in', chunk)
        .execute(),
    );
    return rows.map(linkOf);
  }

  async getLinksByTarget(jobId: string, targetIds: readonly string[]): Promise<LinkRecord[]> {
    const rows = await this.#selectIn([...new Set(targetIds)], (chunk) =>
      this.#db
        .selectFrom('links')
        .selectAll()
        .where('job_id', '=', jobId)
        .where('target_id', 'in', chunk)
        .execute(),
    );
    return rows.map(linkOf);
  }

  async listLinksInState(jobId: string, state: LinkRecord['state']): Promise<LinkRecord[]> {
    const rows = await this.#db
      .selectFrom('links')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('state', '=', state)
      .execute();
    return rows.map(linkOf);
  }

  async countManaged(jobId: string): Promise<{ readonly users: number; readonly groups: number }> {
    const [users, groups] = await Promise.all([
      this.#db
        .selectFrom('links')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('job_id', '=', jobId)
        .where('state', 'in', ['active', 'disabled'])
        .executeTakeFirstOrThrow(),
      this.#db
        .selectFrom('group_links')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('job_id', '=', jobId)
        .where('state', '=', 'active')
        .executeTakeFirstOrThrow(),
    ]);
    // PostgreSQL's count is a bigint, which pg returns as text.
    return { users: Number(users.n), groups: Number(groups.n) };
  }

  async saveLinks(records: readonly LinkRecord[]): Promise<void> {
    await this.#inChunks(linkRows(records), 7, upsertLinks);
  }

  async deleteLinks(jobId: string, sourceIds: readonly string[]): Promise<void> {
    const unique = [...new Set(sourceIds)];
    // One parameter per id plus the job id.
    await this.#inChunks(unique, 1, (trx, chunk) =>
      trx.deleteFrom('links').where('job_id', '=', jobId).where('source_id', 'in', chunk).execute(),
    );
  }

  async clearLinks(jobId: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('links').where('job_id', '=', jobId).execute();
      await trx.deleteFrom('pending_writes').where('job_id', '=', jobId).execute();
    });
  }

  // ── pending writes (0009_pending_writes) ─────────────────────────────────────────────────────

  async listPendingWrites(jobId: string): Promise<PendingWriteRecord[]> {
    const rows = await this.#db
      .selectFrom('pending_writes')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('object_type')
      .orderBy('source_id')
      .execute();
    return rows.map((row) => ({
      jobId: row.job_id,
      cycleId: row.cycle_id,
      objectType: row.object_type as PendingWriteRecord['objectType'],
      sourceId: row.source_id,
      targetId: row.target_id,
      action: row.action as PendingWriteRecord['action'],
      matchValues: parseJson(row.match_values, 'pending_writes.match_values') as Record<string, unknown>,
      displayName: row.display_name,
      created: row.created !== 0,
      createdAt: row.created_at,
    }));
  }

  async savePendingWrites(records: readonly PendingWriteRecord[]): Promise<void> {
    const rows = lastPerKey(
      records,
      (r) => r.jobId,
      (r) => `${r.objectType}\u0000${r.sourceId}`,
    ).map((r) => ({
      job_id: r.jobId,
      object_type: r.objectType,
      source_id: r.sourceId,
      cycle_id: r.cycleId,
      target_id: r.targetId,
      action: r.action,
      match_values: JSON.stringify(r.matchValues),
      display_name: r.displayName,
      created: r.created ? 1 : 0,
      created_at: r.createdAt,
    }));
    await this.#inChunks(rows, 10, (trx, chunk) =>
      trx
        .insertInto('pending_writes')
        .values(chunk)
        .onConflict((oc) =>
          oc.columns(['job_id', 'object_type', 'source_id']).doUpdateSet((eb) => ({
            cycle_id: eb.ref('excluded.cycle_id'),
            target_id: eb.ref('excluded.target_id'),
            action: eb.ref('excluded.action'),
            match_values: eb.ref('excluded.match_values'),
            display_name: eb.ref('excluded.display_name'),
            created: eb.ref('excluded.created'),
            created_at: eb.ref('excluded.created_at'),
          })),
        )
        .execute(),
    );
  }

  async settlePendingWrites(
    jobId: string,
    sourceIds: readonly string[],
    links: readonly LinkRecord[],
  ): Promise<void> {
    const rows = linkRows(links);
    const ids = [...new Set(sourceIds)];
    if (rows.length === 0 && ids.length === 0) return;
    const linkChunk = this.#chunkSize(7);
    const idChunk = this.#chunkSize(1);
    await this.#db.transaction().execute(async (trx) => {
      for (let start = 0; start < rows.length; start += linkChunk)
        await upsertLinks(trx, rows.slice(start, start + linkChunk));
      for (let start = 0; start < ids.length; start += idChunk)
        await trx
          .deleteFrom('pending_writes')
          .where('job_id', '=', jobId)
          .where('object_type', '=', 'user')
          .where('source_id', 'in', ids.slice(start, start + idChunk))
          .execute();
    });
  }

  // ── cycles ───────────────────────────────────────────────────────────────────────────────────

  async saveCycle(cycle: CycleRecord): Promise<void> {
    await saveCycleRow(this.#db, cycle);
  }

  async replaceCycle(replacedCycleId: string, cycle: CycleRecord): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await saveCycleRow(trx, cycle);
      if (replacedCycleId !== cycle.cycleId)
        await trx
          .deleteFrom('cycles')
          .where('job_id', '=', cycle.jobId)
          .where('cycle_id', '=', replacedCycleId)
          .execute();
    });
  }

  async listCycles(jobId: string, limit: number): Promise<CycleRecord[]> {
    const rows = await this.#db
      .selectFrom('cycles')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('started_at', 'desc')
      .orderBy('cycle_id', 'desc')
      .limit(checkLimit(limit, 'listCycles'))
      .execute();
    return rows.map((row) => ({
      jobId: row.job_id,
      cycleId: row.cycle_id,
      kind: row.kind as CycleKind,
      state: row.state as CycleState,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      counts: parseJson(row.counts, 'cycles.counts') as CycleCounts,
      error: row.error,
      errorCode: row.error_code,
    }));
  }

  // ── provisioning log ─────────────────────────────────────────────────────────────────────────

  async appendLogs(entries: readonly ProvisioningObjectSummary[]): Promise<void> {
    const rows = lastPerKey(
      entries,
      (e) => e.jobId,
      (e) => e.id,
    ).map((e) => ({
      id: e.id,
      job_id: e.jobId,
      cycle_id: e.cycleId,
      change_id: e.changeId,
      activity_at: normaliseTimestamp(e.activityDateTime),
      source_id: e.sourceIdentity.id,
      target_id: e.targetIdentity.id,
      display_name: e.sourceIdentity.displayName,
      action: e.provisioningAction,
      status: e.provisioningStatusInfo.status,
      error_code: e.provisioningStatusInfo.errorInformation?.errorCode ?? null,
      service_principal_id: e.servicePrincipal.id,
      entry: JSON.stringify(e),
    }));
    await this.#inChunks(rows, 13, (trx, chunk) =>
      trx
        .insertInto('provisioning_log')
        .values(chunk)
        .onConflict((oc) =>
          // Appending an id again (a resumed cycle re-logging an object) replaces the entry in place.
          oc.columns(['job_id', 'id']).doUpdateSet((eb) => ({
            cycle_id: eb.ref('excluded.cycle_id'),
            change_id: eb.ref('excluded.change_id'),
            activity_at: eb.ref('excluded.activity_at'),
            source_id: eb.ref('excluded.source_id'),
            target_id: eb.ref('excluded.target_id'),
            display_name: eb.ref('excluded.display_name'),
            action: eb.ref('excluded.action'),
            status: eb.ref('excluded.status'),
            error_code: eb.ref('excluded.error_code'),
            service_principal_id: eb.ref('excluded.service_principal_id'),
            entry: eb.ref('excluded.entry'),
          })),
        )
        .execute(),
    );
  }

  async queryLogs(query: LogQuery): Promise<ProvisioningObjectSummary[]> {
    let q = this.#db.selectFrom('provisioning_log').select('entry').where('job_id', '=', query.jobId);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.action !== undefined) q = q.where('action', '=', query.action);
    if (query.cycleId !== undefined) q = q.where('cycle_id', '=', query.cycleId);
    if (query.since !== undefined) {
      const since = Date.parse(query.since);
      if (Number.isNaN(since))
        throw new RangeError(`LogQuery.since must be an ISO-8601 date-time, got "${query.since}"`);
      q = q.where('activity_at', '>=', new Date(since).toISOString());
    }
    const identity = query.identity?.trim() ?? '';
    if (identity !== '') {
      const pattern = `%${escapeLike(identity.toLowerCase())}%`;
      q = q.where((eb) =>
        eb.or([
          eb('source_id', '=', identity),
          eb('target_id', '=', identity),
          // ESCAPE spelled out: SQLite has no default escape character. lower() is Unicode-aware on
          // PostgreSQL with a UTF-8 locale and on SQLite through the function `open.ts` registers.
          sql<boolean>`lower(${eb.ref('display_name')}) like ${pattern} escape '\\'`,
        ]),
      );
    }
    const rows = await q
      .orderBy('activity_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(checkLimit(query.limit ?? DEFAULT_LOG_LIMIT, 'LogQuery.limit'))
      .execute();
    return rows.map((row) => parseJson(row.entry, 'provisioning_log.entry') as ProvisioningObjectSummary);
  }

  // ── group mirror ─────────────────────────────────────────────────────────────────────────────

  async listSourceGroups(jobId: string): Promise<SourceGroupRecord[]> {
    const rows = await this.#db
      .selectFrom('source_groups')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('source_id')
      .execute();
    return rows.map((row) => ({
      jobId: row.job_id,
      sourceId: row.source_id,
      attributes: parseJson(row.attributes, 'source_groups.attributes') as Record<string, unknown>,
      members: parseJson(row.members, 'source_groups.members') as MemberRef[],
      removed: row.removed as SourceGroupRecord['removed'],
      updatedAt: row.updated_at,
    }));
  }

  async saveSourceGroups(records: readonly SourceGroupRecord[]): Promise<void> {
    const rows = lastPerKey(
      records,
      (r) => r.jobId,
      (r) => r.sourceId,
    ).map((r) => ({
      job_id: r.jobId,
      source_id: r.sourceId,
      attributes: JSON.stringify(r.attributes),
      // Only id and type: a caller's MemberRef may carry more (a Graph object, say).
      members: JSON.stringify(r.members.map((m) => ({ id: m.id, type: m.type }))),
      removed: r.removed,
      updated_at: r.updatedAt,
    }));
    await this.#inChunks(rows, 6, (trx, chunk) =>
      trx
        .insertInto('source_groups')
        .values(chunk)
        .onConflict((oc) =>
          oc.columns(['job_id', 'source_id']).doUpdateSet((eb) => ({
            attributes: eb.ref('excluded.attributes'),
            members: eb.ref('excluded.members'),
            removed: eb.ref('excluded.removed'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute(),
    );
  }

  async clearSourceGroups(jobId: string): Promise<void> {
    await this.#db.deleteFrom('source_groups').where('job_id', '=', jobId).execute();
  }

  // ── group links ──────────────────────────────────────────────────────────────────────────────

  async listGroupLinks(jobId: string): Promise<GroupLinkRecord[]> {
    const rows = await this.#db
      .selectFrom('group_links')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('source_id')
      .execute();
    return rows.map((row) => ({
      jobId: row.job_id,
      sourceId: row.source_id,
      targetId: row.target_id,
      state: row.state as GroupLinkRecord['state'],
      created: row.created !== 0,
      displayName: row.display_name,
      updatedAt: row.updated_at,
    }));
  }

  async saveGroupLinks(records: readonly GroupLinkRecord[]): Promise<void> {
    await this.#inChunks(groupLinkRows(records), 7, (trx, chunk) => upsertGroupLinks(trx, chunk));
  }

  async settlePendingGroupWrites(
    jobId: string,
    sourceIds: readonly string[],
    links: readonly GroupLinkRecord[],
  ): Promise<void> {
    const rows = groupLinkRows(links);
    const ids = [...new Set(sourceIds)];
    if (rows.length === 0 && ids.length === 0) return;
    const linkChunk = this.#chunkSize(7);
    const idChunk = this.#chunkSize(1);
    await this.#db.transaction().execute(async (trx) => {
      for (let start = 0; start < rows.length; start += linkChunk)
        await upsertGroupLinks(trx, rows.slice(start, start + linkChunk));
      for (let start = 0; start < ids.length; start += idChunk)
        await trx
          .deleteFrom('pending_writes')
          .where('job_id', '=', jobId)
          .where('object_type', '=', 'group')
          .where('source_id', 'in', ids.slice(start, start + idChunk))
          .execute();
    });
  }

  async clearGroupLinks(jobId: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('group_links').where('job_id', '=', jobId).execute();
      await trx
        .deleteFrom('pending_writes')
        .where('job_id', '=', jobId)
        .where('object_type', '=', 'group')
        .execute();
    });
  }

  // ── target mirror ────────────────────────────────────────────────────────────────────────────

  async listTargetObjects(jobId: string, kind: TargetObjectKind): Promise<TargetObjectRecord[]> {
    const rows = await this.#db
      .selectFrom('target_objects')
      .select(['object_id', 'data'])
      .where('job_id', '=', jobId)
      .where('kind', '=', kind)
      .orderBy('object_id')
      .execute();
    return rows.map((row) => ({ id: row.object_id, data: parseJson(row.data, 'target_objects.data') }));
  }

  async getTargetObjects(
    jobId: string,
    kind: TargetObjectKind,
    ids: readonly string[],
  ): Promise<TargetObjectRecord[]> {
    const rows = await this.#selectIn([...new Set(ids)], (chunk) =>
      this.#db
        .selectFrom('target_objects')
        .select(['object_id', 'data'])
        .where('job_id', '=', jobId)
        .where('kind', '=', kind)
        .where('object_id', 'in', chunk)
        .execute(),
    );
    return rows.map((row) => ({ id: row.object_id, data: parseJson(row.data, 'target_objects.data') }));
  }

  async findTargetObjectsByKey(
    jobId: string,
    kind: TargetObjectKind,
    keys: readonly string[],
  ): Promise<TargetObjectRecord[]> {
    const matches = await this.#selectIn([...new Set(keys)], (chunk) =>
      this.#db
        .selectFrom('target_object_keys')
        .select('object_id')
        .where('job_id', '=', jobId)
        .where('kind', '=', kind)
        .where('match_key', 'in', chunk)
        .execute(),
    );
    return this.getTargetObjects(
      jobId,
      kind,
      matches.map((row) => row.object_id),
    );
  }

  async saveTargetObjects(
    jobId: string,
    kind: TargetObjectKind,
    upserts: readonly TargetObjectRecord[],
    removals: readonly string[] = [],
  ): Promise<void> {
    const latest = lastPerKey(
      upserts,
      () => jobId,
      (r) => r.id,
    );
    const rows = latest.map((r) => ({ job_id: jobId, kind, object_id: r.id, data: JSON.stringify(r.data) }));
    const keyed = latest.filter((r) => r.keys !== undefined);
    const keyRows = keyed.flatMap((r) =>
      [...new Set(r.keys)].map((key) => ({ job_id: jobId, kind, match_key: key, object_id: r.id })),
    );
    const removed = [...new Set(removals)];
    if (rows.length === 0 && removed.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      const size = this.#chunkSize(4);
      const rekeyed = [...removed, ...keyed.map((r) => r.id)];
      for (let start = 0; start < rekeyed.length; start += size)
        await trx
          .deleteFrom('target_object_keys')
          .where('job_id', '=', jobId)
          .where('kind', '=', kind)
          .where('object_id', 'in', rekeyed.slice(start, start + size))
          .execute();
      for (let start = 0; start < removed.length; start += size)
        await trx
          .deleteFrom('target_objects')
          .where('job_id', '=', jobId)
          .where('kind', '=', kind)
          .where('object_id', 'in', removed.slice(start, start + size))
          .execute();
      for (let start = 0; start < keyRows.length; start += size)
        await trx
          .insertInto('target_object_keys')
          .values(keyRows.slice(start, start + size))
          .onConflict((oc) => oc.doNothing())
          .execute();
      for (let start = 0; start < rows.length; start += size)
        await trx
          .insertInto('target_objects')
          .values(rows.slice(start, start + size))
          .onConflict((oc) =>
            oc
              .columns(['job_id', 'kind', 'object_id'])
              .doUpdateSet((eb) => ({ data: eb.ref('excluded.data') })),
          )
          .execute();
    });
  }

  async clearTargetObjects(jobId: string, kind?: TargetObjectKind): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      let objects = trx.deleteFrom('target_objects').where('job_id', '=', jobId);
      let keys = trx.deleteFrom('target_object_keys').where('job_id', '=', jobId);
      if (kind !== undefined) {
        objects = objects.where('kind', '=', kind);
        keys = keys.where('kind', '=', kind);
      }
      await objects.execute();
      await keys.execute();
    });
  }

  // ── escrows ──────────────────────────────────────────────────────────────────────────────────

  async listEscrows(jobId: string): Promise<EscrowRecord[]> {
    const rows = await this.#db
      .selectFrom('escrows')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('object_type')
      .orderBy('object_id')
      .execute();
    return rows.map((row) => ({
      jobId: row.job_id,
      objectType: row.object_type as EscrowRecord['objectType'],
      objectId: row.object_id,
      displayName: row.display_name,
      attempts: row.attempts,
      firstFailedAt: row.first_failed_at,
      lastFailedAt: row.last_failed_at,
      nextAttemptAt: row.next_attempt_at,
      errorCode: row.error_code,
      errorMessage: row.error_message,
    }));
  }

  async saveEscrows(records: readonly EscrowRecord[]): Promise<void> {
    const rows = lastPerKey(
      records,
      (r) => r.jobId,
      (r) => escrowKey(r.objectType, r.objectId),
    ).map((r) => ({
      job_id: r.jobId,
      object_type: r.objectType,
      object_id: r.objectId,
      display_name: r.displayName,
      attempts: r.attempts,
      first_failed_at: normaliseTimestamp(r.firstFailedAt),
      last_failed_at: normaliseTimestamp(r.lastFailedAt),
      next_attempt_at: normaliseTimestamp(r.nextAttemptAt),
      error_code: r.errorCode,
      error_message: r.errorMessage,
    }));
    await this.#inChunks(rows, 10, (trx, chunk) =>
      trx
        .insertInto('escrows')
        .values(chunk)
        .onConflict((oc) =>
          oc.columns(['job_id', 'object_type', 'object_id']).doUpdateSet((eb) => ({
            display_name: eb.ref('excluded.display_name'),
            attempts: eb.ref('excluded.attempts'),
            first_failed_at: eb.ref('excluded.first_failed_at'),
            last_failed_at: eb.ref('excluded.last_failed_at'),
            next_attempt_at: eb.ref('excluded.next_attempt_at'),
            error_code: eb.ref('excluded.error_code'),
            error_message: eb.ref('excluded.error_message'),
          })),
        )
        .execute(),
    );
  }

  async deleteEscrows(
    jobId: string,
    keys: readonly { readonly objectType: EscrowRecord['objectType']; readonly objectId: string }[],
  ): Promise<void> {
    // Deduplicated and sorted by type, so that each chunk needs at most one statement per type;
    // each statement binds the job id and the type besides one parameter per id.
    const unique = new Map<string, { readonly objectType: string; readonly objectId: string }>();
    for (const { objectType, objectId } of keys) {
      unique.set(escrowKey(objectType, objectId), { objectType, objectId });
    }
    const sorted = [...unique.values()].sort((a, b) => compareText(a.objectType, b.objectType));
    await this.#inChunks(sorted, 1, async (trx, chunk) => {
      const byType = new Map<string, string[]>();
      for (const { objectType, objectId } of chunk) {
        const ids = byType.get(objectType);
        if (ids === undefined) byType.set(objectType, [objectId]);
        else ids.push(objectId);
      }
      for (const [objectType, ids] of byType) {
        await trx
          .deleteFrom('escrows')
          .where('job_id', '=', jobId)
          .where('object_type', '=', objectType)
          .where('object_id', 'in', ids)
          .execute();
      }
    });
  }

  async clearEscrows(jobId: string): Promise<void> {
    await this.#db.deleteFrom('escrows').where('job_id', '=', jobId).execute();
  }

  // ── leases ───────────────────────────────────────────────────────────────────────────────────

  async acquireLease(
    jobId: string,
    owner: string,
    now: Date,
    until: Date,
  ): Promise<{ readonly owner: string; readonly expiresAt: string }> {
    // One statement on both databases: insert, or take over a row that is ours or has expired.
    await this.#db
      .insertInto('job_leases')
      .values({ job_id: jobId, owner, expires_at: until.toISOString() })
      .onConflict((oc) =>
        oc
          .column('job_id')
          .doUpdateSet({ owner, expires_at: until.toISOString() })
          .where((eb) =>
            eb.or([eb('job_leases.owner', '=', owner), eb('job_leases.expires_at', '<', now.toISOString())]),
          ),
      )
      .execute();
    const row = await this.#db
      .selectFrom('job_leases')
      .select(['owner', 'expires_at'])
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    return { owner: row.owner, expiresAt: row.expires_at };
  }

  async releaseLease(jobId: string, owner: string): Promise<void> {
    await this.#db.deleteFrom('job_leases').where('job_id', '=', jobId).where('owner', '=', owner).execute();
  }

  async takeRequestTokens(
    account: string,
    tokens: number,
    bucket: { readonly capacity: number; readonly perMs: number },
    now: Date,
  ): Promise<number> {
    const at = now.getTime();
    const { capacity, perMs } = bucket;
    // A new account starts with a full bucket.
    await this.#db
      .insertInto('request_budgets')
      .values({ account, tokens: capacity, updated_ms: at })
      .onConflict((oc) => oc.column('account').doNothing())
      .execute();
    const [least, greatest] =
      this.dialect === 'postgres'
        ? [sql.raw('least'), sql.raw('greatest')]
        : [sql.raw('min'), sql.raw('max')];
    const refilled = sql<number>`${least}(${capacity}, tokens + ${greatest}(0, ${at} - updated_ms) * ${perMs})`;
    // Refill and take in one statement: two processes can never both spend the same token.
    const taken = await this.#db
      .updateTable('request_budgets')
      .set({ tokens: sql`${refilled} - ${tokens}`, updated_ms: sql`${greatest}(updated_ms, ${at})` })
      .where('account', '=', account)
      .where(refilled, '>=', tokens)
      .returning('tokens')
      .executeTakeFirst();
    if (taken !== undefined) return 0;
    const row = await this.#db
      .selectFrom('request_budgets')
      .select(['tokens', 'updated_ms'])
      .where('account', '=', account)
      .executeTakeFirstOrThrow();
    const have = Math.min(capacity, row.tokens + Math.max(0, at - row.updated_ms) * perMs);
    return Math.max(1, Math.ceil((tokens - have) / perMs));
  }

  async getLease(jobId: string): Promise<{ readonly owner: string; readonly expiresAt: string } | null> {
    const row = await this.#db
      .selectFrom('job_leases')
      .select(['owner', 'expires_at'])
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return row === undefined ? null : { owner: row.owner, expiresAt: row.expires_at };
  }

  // ── audit log ────────────────────────────────────────────────────────────────────────────────

  async appendAudit(record: AuditRecord): Promise<void> {
    const row = {
      id: record.id,
      job_id: record.jobId,
      activity_at: normaliseTimestamp(record.activityDateTime),
      activity: record.activity,
      initiated_by: record.initiatedBy,
      result: record.result,
      entry: JSON.stringify(record),
    };
    await this.#db
      .insertInto('audit_log')
      .values(row)
      .onConflict((oc) =>
        // Appending an id again replaces the record in place (keeping its place in insertion order).
        oc.columns(['job_id', 'id']).doUpdateSet((eb) => ({
          activity_at: eb.ref('excluded.activity_at'),
          activity: eb.ref('excluded.activity'),
          initiated_by: eb.ref('excluded.initiated_by'),
          result: eb.ref('excluded.result'),
          entry: eb.ref('excluded.entry'),
        })),
      )
      .execute();
  }

  async listAudit(jobId: string, limit: number): Promise<AuditRecord[]> {
    const rows = await this.#db
      .selectFrom('audit_log')
      .select('entry')
      .where('job_id', '=', jobId)
      .orderBy('activity_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(checkLimit(limit, 'listAudit'))
      .execute();
    return rows.map((row) => parseJson(row.entry, 'audit_log.entry') as AuditRecord);
  }

  // ── cross-job log queries (0007_log_queries) ─────────────────────────────────────────────────

  async pageLogs(query: PageQuery<LogField, SeqCursor>): Promise<Page<ProvisioningObjectSummary, SeqCursor>> {
    const limit = checkLimit(query.limit, 'pageLogs limit');
    let q = this.#db.selectFrom('provisioning_log').select(['entry', 'activity_at', 'seq']);
    if (query.filter !== undefined) {
      const condition = compileFilter(query.filter, LOG_COLUMNS, this.dialect);
      q = q.where(() => condition);
    }
    if (query.after !== undefined) q = q.where(this.#before(query.after));
    const rows = await q
      .orderBy('activity_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
    return seqPage(
      rows,
      limit,
      (row) => parseJson(row.entry, 'provisioning_log.entry') as ProvisioningObjectSummary,
    );
  }

  async countLogs(filter: RecordFilter<LogField> | undefined, cap: number): Promise<number> {
    checkLimit(cap, 'countLogs cap');
    let inner = this.#db.selectFrom('provisioning_log').select('seq');
    if (filter !== undefined) {
      const condition = compileFilter(filter, LOG_COLUMNS, this.dialect);
      inner = inner.where(() => condition);
    }
    const row = await this.#db
      .selectFrom(inner.limit(cap).as('matching'))
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .executeTakeFirstOrThrow();
    // PostgreSQL's count is a bigint, which pg returns as text.
    return Number(row.n);
  }

  async pageAudit(query: PageQuery<AuditField, SeqCursor>): Promise<Page<AuditRecord, SeqCursor>> {
    const limit = checkLimit(query.limit, 'pageAudit limit');
    let q = this.#db.selectFrom('audit_log').select(['entry', 'activity_at', 'seq']);
    if (query.filter !== undefined) {
      const condition = compileFilter(query.filter, AUDIT_COLUMNS, this.dialect);
      q = q.where(() => condition);
    }
    if (query.after !== undefined) q = q.where(this.#before(query.after));
    const rows = await q
      .orderBy('activity_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
    return seqPage(rows, limit, (row) => parseJson(row.entry, 'audit_log.entry') as AuditRecord);
  }

  async pageCycles(
    jobId: string,
    query: Omit<PageQuery<never, CycleCursor>, 'filter'>,
  ): Promise<Page<CycleRecord, CycleCursor>> {
    const limit = checkLimit(query.limit, 'pageCycles limit');
    let q = this.#db.selectFrom('cycles').selectAll().where('job_id', '=', jobId);
    const after = query.after;
    if (after !== undefined)
      q = q.where((eb) =>
        eb(eb.refTuple('started_at', 'cycle_id'), '<', eb.tuple(after.startedAt, after.cycleId)),
      );
    const rows = await q
      .orderBy('started_at', 'desc')
      .orderBy('cycle_id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(cycleRecord);
    const last = items.at(-1);
    return {
      items,
      next:
        rows.length > limit && last !== undefined
          ? { startedAt: last.startedAt, cycleId: last.cycleId }
          : null,
    };
  }

  /** Rows after `cursor` in newest-first order: (activity_at, seq) below the cursor's, as one row comparison (index-friendly). */
  #before(cursor: SeqCursor): RawBuilder<SqlBool> {
    if (!/^\d{1,19}$/.test(cursor.seq))
      throw new RangeError(`cursor seq must be decimal digits, got "${cursor.seq}"`);
    const at = normaliseTime(cursor.at);
    // SQLite compares an integer column with an integer; PostgreSQL casts the text to bigint.
    const seq = this.dialect === 'sqlite' ? Number(cursor.seq) : cursor.seq;
    return sql<SqlBool>`(activity_at, seq) < (${at}, ${seq})`;
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Runs `write` over `items` in chunks of at most MAX_ROWS_PER_STATEMENT items that fit the
   * dialect's parameter limit (`parametersPerItem` each, SHARED_PARAMETERS spare for parameters a
   * statement binds once, such as the job id), all in one transaction.
   */
  #chunkSize(parametersPerItem: number): number {
    return Math.min(
      MAX_ROWS_PER_STATEMENT,
      Math.floor((MAX_PARAMETERS[this.dialect] - SHARED_PARAMETERS) / parametersPerItem),
    );
  }

  async #inChunks<T>(
    items: readonly T[],
    parametersPerItem: number,
    write: (trx: Transaction<Database>, chunk: T[]) => Promise<unknown>,
  ): Promise<void> {
    if (items.length === 0) return;
    const size = this.#chunkSize(parametersPerItem);
    await this.#db.transaction().execute(async (trx) => {
      for (let start = 0; start < items.length; start += size) {
        await write(trx, items.slice(start, start + size));
      }
    });
  }
  // ── the service (0006_service) ───────────────────────────────────────────────────────────────

  async listSecrets(scope: string): Promise<SealedSecretRecord[]> {
    const rows = await this.#db
      .selectFrom('secrets')
      .selectAll()
      .where('scope', '=', scope)
      .orderBy('name')
      .execute();
    return rows.map(secretRecord);
  }

  async listAllSecrets(): Promise<SealedSecretRecord[]> {
    const rows = await this.#db.selectFrom('secrets').selectAll().orderBy('scope').orderBy('name').execute();
    return rows.map(secretRecord);
  }

  async saveSecrets(records: readonly SealedSecretRecord[]): Promise<void> {
    const rows = lastPerKey(
      records,
      (r) => r.scope,
      (r) => r.name,
    ).map((r) => ({ scope: r.scope, name: r.name, sealed: r.sealed, updated_at: r.updatedAt }));
    await this.#inChunks(rows, 4, (trx, chunk) =>
      trx
        .insertInto('secrets')
        .values(chunk)
        .onConflict((oc) =>
          oc.columns(['scope', 'name']).doUpdateSet((eb) => ({
            sealed: eb.ref('excluded.sealed'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute(),
    );
  }

  async deleteSecrets(scope: string, names?: readonly string[]): Promise<void> {
    let q = this.#db.deleteFrom('secrets').where('scope', '=', scope);
    if (names !== undefined) {
      if (names.length === 0) return;
      q = q.where('name', 'in', [...names]);
    }
    await q.execute();
  }

  async saveApiToken(record: ApiTokenRecord): Promise<void> {
    await this.#db
      .insertInto('api_tokens')
      .values({
        id: record.id,
        name: record.name,
        role: record.role,
        token_hash: record.tokenHash,
        created_at: record.createdAt,
        created_by: record.createdBy,
        last_used_at: record.lastUsedAt,
        revoked_at: record.revokedAt,
      })
      .execute();
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    const rows = await this.#db
      .selectFrom('api_tokens')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(apiTokenRecord);
  }

  async findApiTokenByHash(tokenHash: string): Promise<ApiTokenRecord | null> {
    const row = await this.#db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row === undefined ? null : apiTokenRecord(row);
  }

  async revokeApiToken(id: string, at: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('api_tokens')
      .set({ revoked_at: at.toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async touchApiToken(id: string, at: Date): Promise<void> {
    await this.#db
      .updateTable('api_tokens')
      .set({ last_used_at: at.toISOString() })
      .where('id', '=', id)
      .execute();
  }

  async getLocalAccount(username: string): Promise<LocalAccountRecord | null> {
    const row = await this.#db
      .selectFrom('local_accounts')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return row === undefined ? null : localAccountRecord(row);
  }

  async listLocalAccounts(): Promise<LocalAccountRecord[]> {
    const rows = await this.#db.selectFrom('local_accounts').selectAll().orderBy('username').execute();
    return rows.map(localAccountRecord);
  }

  async deleteLocalAccount(username: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('local_accounts')
      .where('username', '=', username)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async saveLocalAccount(record: LocalAccountRecord): Promise<void> {
    await this.#db
      .insertInto('local_accounts')
      .values({
        username: record.username,
        password_hash: record.passwordHash,
        role: record.role,
        created_at: record.createdAt,
        updated_at: record.updatedAt,
      })
      .onConflict((oc) =>
        oc.column('username').doUpdateSet({
          password_hash: record.passwordHash,
          role: record.role,
          updated_at: record.updatedAt,
        }),
      )
      .execute();
  }

  async saveSession(record: SessionRecord): Promise<void> {
    await this.#db
      .insertInto('sessions')
      .values({
        id_hash: record.idHash,
        subject: record.subject,
        display_name: record.displayName,
        role: record.role,
        method: record.method,
        csrf_hash: record.csrfHash,
        created_at: record.createdAt,
        last_seen_at: record.lastSeenAt,
        expires_at: record.expiresAt,
      })
      .execute();
  }

  async getSession(idHash: string): Promise<SessionRecord | null> {
    const row = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    return row === undefined
      ? null
      : {
          idHash: row.id_hash,
          subject: row.subject,
          displayName: row.display_name,
          role: row.role as Role,
          method: row.method as SessionRecord['method'],
          csrfHash: row.csrf_hash,
          createdAt: row.created_at,
          lastSeenAt: row.last_seen_at,
          expiresAt: row.expires_at,
        };
  }

  async touchSession(idHash: string, at: Date): Promise<void> {
    await this.#db
      .updateTable('sessions')
      .set({ last_seen_at: at.toISOString() })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteSessionsOf(method: SessionRecord['method'], subject: string): Promise<number> {
    const result = await this.#db
      .deleteFrom('sessions')
      .where('method', '=', method)
      .where('subject', '=', subject)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpiredSessions(now: Date): Promise<number> {
    const result = await this.#db
      .deleteFrom('sessions')
      .where('expires_at', '<=', now.toISOString())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async saveSynchronizationJob(record: SynchronizationJobRecord): Promise<void> {
    const draft = record.draft === null ? null : JSON.stringify(record.draft);
    await this.#db
      .insertInto('synchronization_jobs')
      .values({
        job_id: record.jobId,
        service_principal_id: record.servicePrincipalId,
        template_id: record.templateId,
        draft,
        created_at: record.createdAt,
      })
      .onConflict((oc) => oc.column('job_id').doUpdateSet({ draft }))
      .execute();
  }

  async getSynchronizationJob(jobId: string): Promise<SynchronizationJobRecord | null> {
    const row = await this.#db
      .selectFrom('synchronization_jobs')
      .selectAll()
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return row === undefined ? null : synchronizationJobRecord(row);
  }

  async listSynchronizationJobs(servicePrincipalId?: string): Promise<SynchronizationJobRecord[]> {
    let q = this.#db.selectFrom('synchronization_jobs').selectAll();
    if (servicePrincipalId !== undefined) q = q.where('service_principal_id', '=', servicePrincipalId);
    const rows = await q.orderBy('job_id').execute();
    return rows.map(synchronizationJobRecord);
  }

  async deleteSynchronizationJob(jobId: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('synchronization_jobs')
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  // ── job definitions ──────────────────────────────────────────────────────────────────────────

  async listJobDefinitions(): Promise<JobDefinitionRecord[]> {
    const rows = await this.#db.selectFrom('job_definitions').selectAll().orderBy('job_id').execute();
    return rows.map(definitionRecord);
  }

  async getJobDefinition(jobId: string): Promise<JobDefinitionRecord | null> {
    const row = await this.#db
      .selectFrom('job_definitions')
      .selectAll()
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return row === undefined ? null : definitionRecord(row);
  }

  async saveJobDefinition(
    definition: JobDefinition,
    change: JobDefinitionChange,
  ): Promise<JobDefinitionRecord> {
    const jobId = definition.id;
    const at = change.at.toISOString();
    // The storage boundary: whatever the caller did, no secret value is ever written here.
    for (const { section, key } of secretFields)
      if (!secretRefSchema.safeParse((definition[section] as Record<string, unknown>)[key]).success)
        throw new TypeError(
          `job ${jobId}: ${section}.${key} must be a secret reference ({ secretRef: "env:NAME" }); a stored job never holds a secret`,
        );
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#lockedDefinition(trx, jobId);
      if (change.ifRevision !== undefined && (row?.revision ?? 'none') !== change.ifRevision)
        throw new JobDefinitionConflict(jobId, row?.revision ?? null, change.ifRevision);
      const before =
        row === undefined ? null : (parseJson(row.definition, 'job_definitions.definition') as JobDefinition);
      if (row !== undefined && stableJson(before) === stableJson(definition)) return definitionRecord(row);
      const revision = (row?.revision ?? 0) + 1;
      const text = JSON.stringify(definition);
      if (row === undefined)
        await trx
          .insertInto('job_definitions')
          .values({ job_id: jobId, definition: text, revision, created_at: at, updated_at: at })
          .execute();
      else
        await trx
          .updateTable('job_definitions')
          .set({ definition: text, revision, updated_at: at })
          .where('job_id', '=', jobId)
          .execute();
      const changed = before === null ? [] : changedPaths(before, definition);
      await insertAudit(trx, {
        jobId,
        id: randomUUID(),
        activityDateTime: at,
        activity: before === null ? 'Add provisioning configuration' : 'Update provisioning configuration',
        initiatedBy: change.initiatedBy,
        result: 'success',
        summary:
          before === null
            ? `Job definition added (revision ${revision}).`
            : `Job definition updated to revision ${revision}: ${changed.join(', ')} changed.`,
        details: { revision, changed, before: redactSecrets(before), after: redactSecrets(definition) },
      });
      return {
        jobId,
        definition: JSON.parse(text) as JobDefinition,
        revision,
        createdAt: row?.created_at ?? at,
        updatedAt: at,
      };
    });
  }

  async deleteJobDefinition(jobId: string, change: JobDefinitionChange): Promise<boolean> {
    const at = change.at.toISOString();
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#lockedDefinition(trx, jobId);
      if (change.ifRevision !== undefined && (row?.revision ?? 'none') !== change.ifRevision)
        throw new JobDefinitionConflict(jobId, row?.revision ?? null, change.ifRevision);
      if (row === undefined) return false;
      await trx.deleteFrom('job_definitions').where('job_id', '=', jobId).execute();
      await insertAudit(trx, {
        jobId,
        id: randomUUID(),
        activityDateTime: at,
        activity: 'Delete provisioning configuration',
        initiatedBy: change.initiatedBy,
        result: 'success',
        summary: `Job definition deleted (it was at revision ${row.revision}); the job's state is kept.`,
        details: {
          revision: row.revision,
          before: redactSecrets(parseJson(row.definition, 'job_definitions.definition')),
          after: null,
        },
      });
      return true;
    });
  }

  /** The stored row, locked until the transaction ends on PostgreSQL (SQLite has one writer anyway). */
  async #lockedDefinition(
    trx: Transaction<Database>,
    jobId: string,
  ): Promise<Selectable<JobDefinitionsTable> | undefined> {
    const query = trx.selectFrom('job_definitions').selectAll().where('job_id', '=', jobId);
    return (this.dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
  }
}

function sourceUserOf(row: Selectable<SourceUsersTable>): SourceUserRecord {
  return {
    jobId: row.job_id,
    sourceId: row.source_id,
    attributes: parseJson(row.attributes, 'source_users.attributes') as Record<string, unknown>,
    removed: row.removed as SourceUserRecord['removed'],
    assignmentSignature: row.assignment_signature,
    assignments: parseJson(row.assignments, 'source_users.assignments') as SourceAssignment[],
    staged: row.staged !== 0,
    updatedAt: row.updated_at,
  };
}

function linkOf(row: Selectable<LinksTable>): LinkRecord {
  return {
    jobId: row.job_id,
    sourceId: row.source_id,
    targetId: row.target_id,
    state: row.state as LinkRecord['state'],
    created: row.created !== 0,
    displayName: row.display_name,
    updatedAt: row.updated_at,
  };
}

/** The `jobs` columns of the fields present in `job` (all of them for a whole record). */
function jobColumns(job: JobPatch): {
  status: string;
  config_hash: string | null;
  watermark: string | null;
  watermark_at: string | null;
  group_watermark: string | null;
  quarantine: string | null;
  allow_deletes: number;
  roles_imported_at: string | null;
  target_state: string | null;
  reconciled_at: string | null;
  memberships_loaded_at: string | null;
  mirror_version: string | null;
  assignment_watermark: string | null;
  updated_at: string;
} {
  const columns: Record<string, unknown> = {};
  const set = (column: string, value: unknown) => {
    if (value !== undefined) columns[column] = value;
  };
  set('status', job.status);
  set('config_hash', job.configHash);
  set('watermark', job.watermark);
  set('watermark_at', job.watermarkAt);
  set('group_watermark', job.groupWatermark);
  set(
    'quarantine',
    job.quarantine === undefined ? undefined : job.quarantine && JSON.stringify(job.quarantine),
  );
  set('allow_deletes', job.allowDeletes === undefined ? undefined : job.allowDeletes ? 1 : 0);
  set('roles_imported_at', job.rolesImportedAt);
  set('target_state', job.targetState);
  set('reconciled_at', job.reconciledAt);
  set('memberships_loaded_at', job.membershipsLoadedAt);
  set('mirror_version', job.mirrorVersion);
  set('assignment_watermark', job.assignmentWatermark);
  set('updated_at', job.updatedAt);
  // Partial for a patch; complete for a whole record (the caller's type says which).
  return columns as ReturnType<typeof jobColumns>;
}

/**
 * The last record for each (job id, key), in first-seen order per job: PostgreSQL refuses an upsert that
 * touches the same row twice in one statement, and "last write wins" is what sequential saves give.
 */
function lastPerKey<T>(
  records: readonly T[],
  jobOf: (record: T) => string,
  keyOf: (record: T) => string,
): T[] {
  // Nested maps: no key strings to build, which matters at 200,000 records.
  const byJob = new Map<string, Map<string, T>>();
  let duplicates = false;
  for (const record of records) {
    const job = jobOf(record);
    let byKey = byJob.get(job);
    if (byKey === undefined) {
      byKey = new Map();
      byJob.set(job, byKey);
    }
    const key = keyOf(record);
    if (byKey.has(key)) duplicates = true;
    byKey.set(key, record);
  }
  if (!duplicates) return [...records];
  return [...byJob.values()].flatMap((byKey) => [...byKey.values()]);
}

/** One string per escrow key within a job; the type never contains the separator. */
function escrowKey(objectType: string, objectId: string): string {
  return `${objectType}\u0000${objectId}`;
}

/** Code-unit order, as `Array#sort` without a comparator (and unlike `localeCompare`). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `Date#toISOString` form when parseable, so that text comparison is time comparison; else as given. */
function normaliseTimestamp(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

/** Escapes LIKE's wildcards (and the escape character itself) for `ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function checkLimit(limit: number, what: string): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`${what} must be a positive integer, got ${limit}`);
  }
  return limit;
}

function parseJson(text: string, column: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`State store column ${column} holds invalid JSON`, { cause: error });
  }
}

// ── job definitions ────────────────────────────────────────────────────────────────────────────

function definitionRecord(row: Selectable<JobDefinitionsTable>): JobDefinitionRecord {
  return {
    jobId: row.job_id,
    definition: parseJson(row.definition, 'job_definitions.definition') as JobDefinition,
    // PostgreSQL's integer comes back as a number, SQLite's too; Number() for safety.
    revision: Number(row.revision),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

type LinkRow = Database['links'];

function linkRows(records: readonly LinkRecord[]): LinkRow[] {
  return lastPerKey(
    records,
    (r) => r.jobId,
    (r) => r.sourceId,
  ).map((r) => ({
    job_id: r.jobId,
    source_id: r.sourceId,
    target_id: r.targetId,
    state: r.state,
    created: r.created ? 1 : 0,
    display_name: r.displayName,
    updated_at: r.updatedAt,
  }));
}

/** Inserts or replaces one cycle row. */
async function saveCycleRow(db: Kysely<Database>, cycle: CycleRecord): Promise<void> {
  const row = {
    job_id: cycle.jobId,
    cycle_id: cycle.cycleId,
    kind: cycle.kind,
    state: cycle.state,
    started_at: cycle.startedAt,
    ended_at: cycle.endedAt,
    counts: JSON.stringify(cycle.counts),
    error: cycle.error,
    error_code: cycle.errorCode ?? null,
  };
  const { job_id: _job, cycle_id: _cycle, ...update } = row;
  await db
    .insertInto('cycles')
    .values(row)
    .onConflict((oc) => oc.columns(['job_id', 'cycle_id']).doUpdateSet(update))
    .execute();
}

function upsertLinks(trx: Transaction<Database>, rows: LinkRow[]): Promise<unknown> {
  return trx
    .insertInto('links')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['job_id', 'source_id']).doUpdateSet((eb) => ({
        target_id: eb.ref('excluded.target_id'),
        state: eb.ref('excluded.state'),
        created: eb.ref('excluded.created'),
        display_name: eb.ref('excluded.display_name'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

function groupLinkRows(records: readonly GroupLinkRecord[]) {
  return lastPerKey(
    records,
    (r) => r.jobId,
    (r) => r.sourceId,
  ).map((r) => ({
    job_id: r.jobId,
    source_id: r.sourceId,
    target_id: r.targetId,
    state: r.state,
    created: r.created ? 1 : 0,
    display_name: r.displayName,
    updated_at: r.updatedAt,
  }));
}

function upsertGroupLinks(
  trx: Transaction<Database>,
  rows: ReturnType<typeof groupLinkRows>,
): Promise<unknown> {
  return trx
    .insertInto('group_links')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['job_id', 'source_id']).doUpdateSet((eb) => ({
        target_id: eb.ref('excluded.target_id'),
        state: eb.ref('excluded.state'),
        created: eb.ref('excluded.created'),
        display_name: eb.ref('excluded.display_name'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** An audit record written inside a transaction (the same row `appendAudit` writes). */
async function insertAudit(trx: Transaction<Database>, record: AuditRecord): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      id: record.id,
      job_id: record.jobId,
      activity_at: normaliseTimestamp(record.activityDateTime),
      activity: record.activity,
      initiated_by: record.initiatedBy,
      result: record.result,
      entry: JSON.stringify(record),
    })
    .execute();
}

/** JSON with object keys sorted: equal values give equal text whatever their key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => compareText(a, b)))
      : item,
  );
}

/** The paths, two levels deep (`settings.interval`, `mappings.users`), whose values differ. */
function changedPaths(before: unknown, after: unknown, prefix = '', depth = 2): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (depth === 0 || !isObject(before) || !isObject(after))
    return stableJson(before) === stableJson(after) ? [] : [prefix];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compareText);
  return keys.flatMap((key) =>
    changedPaths(before[key], after[key], prefix === '' ? key : `${prefix}.${key}`, depth - 1),
  );
}

function secretRecord(row: Selectable<SecretsTable>): SealedSecretRecord {
  return { scope: row.scope, name: row.name, sealed: row.sealed, updatedAt: row.updated_at };
}

function apiTokenRecord(row: Selectable<ApiTokensTable>): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

function localAccountRecord(row: Selectable<LocalAccountsTable>): LocalAccountRecord {
  return {
    username: row.username,
    passwordHash: row.password_hash,
    role: row.role as Role,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function synchronizationJobRecord(row: Selectable<SynchronizationJobsTable>): SynchronizationJobRecord {
  return {
    jobId: row.job_id,
    servicePrincipalId: row.service_principal_id,
    templateId: row.template_id,
    draft:
      row.draft === null
        ? null
        : (parseJson(row.draft, 'synchronization_jobs.draft') as Record<string, unknown>),
    createdAt: row.created_at,
  };
}

// ── cross-job log queries ──────────────────────────────────────────────────────────────────────

/** The provisioning log's filterable fields and their columns (migrations 0001 and 0007). */
const LOG_COLUMNS: Readonly<Record<LogField, FieldColumn>> = {
  id: { column: 'id' },
  jobId: { column: 'job_id' },
  cycleId: { column: 'cycle_id' },
  changeId: { column: 'change_id' },
  activityDateTime: { column: 'activity_at', time: true },
  provisioningAction: { column: 'action' },
  status: { column: 'status' },
  errorCode: { column: 'error_code' },
  sourceId: { column: 'source_id' },
  sourceDisplayName: { column: 'display_name' },
  targetId: { column: 'target_id' },
  servicePrincipalId: { column: 'service_principal_id' },
};

const AUDIT_COLUMNS: Readonly<Record<AuditField, FieldColumn>> = {
  id: { column: 'id' },
  jobId: { column: 'job_id' },
  activityDateTime: { column: 'activity_at', time: true },
  activity: { column: 'activity' },
  initiatedBy: { column: 'initiated_by' },
  result: { column: 'result' },
};

/** The first `limit` of `rows` (which holds one more when a next page exists), and the next cursor. */
function seqPage<R extends { activity_at: string; seq: number | string | bigint }, T>(
  rows: readonly R[],
  limit: number,
  item: (row: R) => T,
): Page<T, SeqCursor> {
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return {
    items: kept.map(item),
    next: rows.length > limit && last !== undefined ? { at: last.activity_at, seq: String(last.seq) } : null,
  };
}

function cycleRecord(row: Selectable<CyclesTable>): CycleRecord {
  return {
    jobId: row.job_id,
    cycleId: row.cycle_id,
    kind: row.kind as CycleKind,
    state: row.state as CycleState,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    counts: parseJson(row.counts, 'cycles.counts') as CycleCounts,
    error: row.error,
    errorCode: row.error_code,
  };
}
