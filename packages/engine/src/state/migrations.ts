/**
 * Schema migrations, kept in code (no migration folder to ship or locate at run time) and run by
 * Kysely's `Migrator`. The same migrations run on SQLite and PostgreSQL: they use portable column
 * types only (see `schema.ts`); the one dialect difference is how an auto-incrementing key is
 * declared. Migrations are append-only: never edit one that has shipped, add `0002_…` instead.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

export type SqlDialect = 'sqlite' | 'postgres';

/** Our own names, so the tables cannot collide with another Kysely application's in a shared database. */
export const MIGRATION_TABLE = 'provisio_migration';
export const MIGRATION_LOCK_TABLE = 'provisio_migration_lock';

export function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001_initial': {
      async up(db) {
        await db.schema
          .createTable('jobs')
          .addColumn('job_id', 'text', (c) => c.primaryKey())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('config_hash', 'text')
          .addColumn('watermark', 'text')
          .addColumn('watermark_at', 'text')
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('source_users')
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('source_id', 'text', (c) => c.notNull())
          .addColumn('attributes', 'text', (c) => c.notNull())
          .addColumn('removed', 'text')
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('source_users_pk', ['job_id', 'source_id'])
          .execute();

        await db.schema
          .createTable('links')
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('source_id', 'text', (c) => c.notNull())
          .addColumn('target_id', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created', 'integer', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('links_pk', ['job_id', 'source_id'])
          .execute();
        // Matching and the console look links up by target id too.
        await db.schema
          .createIndex('links_job_target')
          .on('links')
          .columns(['job_id', 'target_id'])
          .execute();

        await db.schema
          .createTable('cycles')
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('cycle_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('ended_at', 'text')
          .addColumn('counts', 'text', (c) => c.notNull())
          .addColumn('error', 'text')
          .addPrimaryKeyConstraint('cycles_pk', ['job_id', 'cycle_id'])
          .execute();
        await db.schema
          .createIndex('cycles_job_started')
          .on('cycles')
          .columns(['job_id', 'started_at'])
          .execute();

        await addLogTable(db, dialect);
      },
    },

    // Groups (their mirror, with direct members, and their links), escrows (failed objects awaiting
    // their retry) and the audit log. New tables only: a database at 0001 upgrades in place.
    '0002_groups_escrows_audit': {
      async up(db) {
        await db.schema
          .createTable('source_groups')
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('source_id', 'text', (c) => c.notNull())
          .addColumn('attributes', 'text', (c) => c.notNull())
          .addColumn('members', 'text', (c) => c.notNull())
          .addColumn('removed', 'text')
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('source_groups_pk', ['job_id', 'source_id'])
          .execute();

        await db.schema
          .createTable('group_links')
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('source_id', 'text', (c) => c.notNull())
          .addColumn('target_id', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created', 'integer', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('group_links_pk', ['job_id', 'source_id'])
          .execute();
        // As for user links: matching and the console look group links up by target id too.
        await db.schema
          .createIndex('group_links_job_target')
          .on('group_links')
          .columns(['job_id', 'target_id'])
          .execute();

        // No index on next_attempt_at: the engine reads a job's escrows whole, and they are few.
        await db.schema
          .createTable('escrows')
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('object_type', 'text', (c) => c.notNull())
          .addColumn('object_id', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('first_failed_at', 'text', (c) => c.notNull())
          .addColumn('last_failed_at', 'text', (c) => c.notNull())
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('error_code', 'text', (c) => c.notNull())
          .addColumn('error_message', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('escrows_pk', ['job_id', 'object_type', 'object_id'])
          .execute();

        await db.schema
          .createTable('audit_log')
          .addColumn('seq', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
            dialect === 'postgres'
              ? c.primaryKey().generatedAlwaysAsIdentity()
              : c.primaryKey().autoIncrement(),
          )
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('activity_at', 'text', (c) => c.notNull())
          .addColumn('activity', 'text', (c) => c.notNull())
          .addColumn('initiated_by', 'text', (c) => c.notNull())
          .addColumn('result', 'text', (c) => c.notNull())
          .addColumn('entry', 'text', (c) => c.notNull())
          .execute();
        // An id is unique within its job (appending it again replaces the record); the listing is
        // newest first.
        await db.schema
          .createIndex('audit_log_job_id')
          .on('audit_log')
          .columns(['job_id', 'id'])
          .unique()
          .execute();
        await db.schema
          .createIndex('audit_log_job_activity')
          .on('audit_log')
          .columns(['job_id', 'activity_at', 'seq'])
          .execute();
      },
    },

    // One worker per job at a time: a lease row per job, taken and renewed atomically.
    '0003_job_leases': {
      async up(db) {
        await db.schema
          .createTable('job_leases')
          .addColumn('job_id', 'text', (c) => c.primaryKey())
          .addColumn('owner', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
      },
    },

    // Job state in typed columns instead of the JSON `data` bag (its keys are moved over), the
    // assignment signature and the staged flag out of the mirrored source attributes into columns
    // of their own, the cycle's error code, and the target mirror: a cycle in a new process or on
    // another worker then does exactly what it would in the process that ran the previous one.
    '0004_job_state': {
      async up(db) {
        const jobColumns: [string, 'text' | 'integer'][] = [
          ['group_watermark', 'text'],
          ['quarantine', 'text'],
          ['roles_imported_at', 'text'],
          ['target_state', 'text'],
          ['reconciled_at', 'text'],
          ['memberships_loaded_at', 'text'],
          ['mirror_version', 'text'],
        ];
        for (const [name, type] of jobColumns)
          await db.schema.alterTable('jobs').addColumn(name, type).execute();
        await db.schema
          .alterTable('jobs')
          .addColumn('allow_deletes', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .alterTable('source_users')
          .addColumn('assignment_signature', 'text', (c) => c.notNull().defaultTo(''))
          .execute();
        await db.schema
          .alterTable('source_users')
          .addColumn('staged', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.alterTable('cycles').addColumn('error_code', 'text').execute();
        await db.schema
          .createTable('target_objects')
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('object_id', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('target_objects_pk', ['job_id', 'kind', 'object_id'])
          .execute();

        // Move the data over. A job that ran before had its "first cycle of each process" made
        // initial; it is reconciled now (reconciled_at = its watermark's time) when it has a watermark.
        const jobs = await sql<{
          job_id: string;
          data: string;
          watermark_at: string | null;
        }>`select job_id, data, watermark_at from jobs`.execute(db);
        for (const job of jobs.rows) {
          const data = JSON.parse(job.data) as Record<string, unknown>;
          const text = (value: unknown) => (typeof value === 'string' ? value : null);
          await sql`update jobs set
              group_watermark = ${text(data['groupWatermark'])},
              quarantine = ${data['quarantine'] ? JSON.stringify(data['quarantine']) : null},
              allow_deletes = ${data['allowDeletes'] === true ? 1 : 0},
              roles_imported_at = ${text(data['rolesImportedAt'])},
              reconciled_at = ${job.watermark_at},
              data = '{}'
            where job_id = ${job.job_id}`.execute(db);
        }
        const users = await sql<{
          job_id: string;
          source_id: string;
          attributes: string;
        }>`select job_id, source_id, attributes from source_users where attributes like '%@provisio.%'`.execute(
          db,
        );
        for (const user of users.rows) {
          const {
            '@provisio.assignments': signature,
            '@provisio.staged': staged,
            ...attributes
          } = JSON.parse(user.attributes) as Record<string, unknown>;
          await sql`update source_users set
              attributes = ${JSON.stringify(attributes)},
              assignment_signature = ${typeof signature === 'string' ? signature : ''},
              staged = ${staged === true ? 1 : 0}
            where job_id = ${user.job_id} and source_id = ${user.source_id}`.execute(db);
        }
      },
    },

    // Jobs as data: each job's definition (JSON, secrets as references only), with a revision that
    // every save increments. Changes are recorded in audit_log. New table only.
    '0005_job_definitions': {
      async up(db) {
        await db.schema
          .createTable('job_definitions')
          .addColumn('job_id', 'text', (c) => c.primaryKey())
          .addColumn('definition', 'text', (c) => c.notNull())
          .addColumn('revision', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0006_service': {
      async up(db) {
        // Values sealed by the server's key (AES-256-GCM envelopes): never plain text at rest.
        await db.schema
          .createTable('secrets')
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('sealed', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('secrets_pk', ['scope', 'name'])
          .execute();
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('last_used_at', 'text')
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema
          .createTable('local_accounts')
          .addColumn('username', 'text', (c) => c.primaryKey())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('sessions')
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('csrf_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('synchronization_jobs')
          .addColumn('job_id', 'text', (c) => c.primaryKey())
          .addColumn('service_principal_id', 'text', (c) => c.notNull())
          .addColumn('template_id', 'text', (c) => c.notNull())
          .addColumn('draft', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('synchronization_jobs_service_principal')
          .on('synchronization_jobs')
          .columns(['service_principal_id', 'job_id'])
          .execute();
      },
    },

    // The admin API's log queries (docs/api.md#provisioning-logs): entries of every job newest
    // first, filtered on one property at a time, read in keyset pages. Each index ends in
    // (activity_at, seq), the listing order, so that a filtered page is an index range read in
    // order, never a sort of every match. The service principal gets a column of its own (backfilled
    // from the stored entry). The identity indexes make `sourceIdentity/id`, `targetIdentity/id` and
    // `sourceIdentity/displayName eq` lookups; `contains` and `startswith` still scan in time order.
    '0007_log_queries': {
      async up(db) {
        await db.schema.alterTable('provisioning_log').addColumn('service_principal_id', 'text').execute();
        await (dialect === 'postgres'
          ? sql`update provisioning_log set service_principal_id = (entry::jsonb #>> '{servicePrincipal,id}')`
          : sql`update provisioning_log set service_principal_id = json_extract(entry, '$.servicePrincipal.id')`
        ).execute(db);
        const log = (name: string, columns: string[]) =>
          db.schema.createIndex(name).on('provisioning_log').columns(columns).execute();
        await log('provisioning_log_activity', ['activity_at', 'seq']);
        await log('provisioning_log_cycle_activity', ['cycle_id', 'activity_at', 'seq']);
        await log('provisioning_log_change', ['change_id']);
        await log('provisioning_log_source_activity', ['source_id', 'activity_at', 'seq']);
        await log('provisioning_log_target_activity', ['target_id', 'activity_at', 'seq']);
        await log('provisioning_log_name_activity', ['display_name', 'activity_at', 'seq']);
        await db.schema
          .createIndex('audit_log_activity')
          .on('audit_log')
          .columns(['activity_at', 'seq'])
          .execute();
      },
    },

    // A request budget per target account, shared by every process (docs/operations.md#workers).
    '0008_request_budgets': {
      async up(db) {
        const real = dialect === 'postgres' ? 'double precision' : 'real';
        await db.schema
          .createTable('request_budgets')
          .addColumn('account', 'text', (c) => c.primaryKey())
          .addColumn('tokens', real, (c) => c.notNull())
          .addColumn('updated_ms', real, (c) => c.notNull())
          .execute();
      },
    },

    // Writes a cycle is about to send (docs/provisioning.md, "Crashes and restarts"): one row per
    // object until the batch's results are recorded; the next cycle reconciles any left behind.
    '0009_pending_writes': {
      async up(db) {
        await db.schema
          .createTable('pending_writes')
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('object_type', 'text', (c) => c.notNull())
          .addColumn('source_id', 'text', (c) => c.notNull())
          .addColumn('cycle_id', 'text', (c) => c.notNull())
          .addColumn('target_id', 'text')
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('match_values', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('created', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('pending_writes_pk', ['job_id', 'object_type', 'source_id'])
          .execute();
      },
    },

    // Cycles read only the rows that changed (docs/performance.md#what-a-cycle-reads): each user's
    // assignments kept with it, the assignment feed's position, and indexes for reading links by
    // target and by state and the staged users.
    '0010_cost_follows_changes': {
      async up(db) {
        await db.schema.alterTable('jobs').addColumn('assignment_watermark', 'text').execute();
        await db.schema
          .alterTable('source_users')
          .addColumn('assignments', 'text', (c) => c.notNull().defaultTo('[]'))
          .execute();
        await db.schema.createIndex('links_by_target').on('links').columns(['job_id', 'target_id']).execute();
        await db.schema.createIndex('links_by_state').on('links').columns(['job_id', 'state']).execute();
        await db.schema
          .createIndex('source_users_staged')
          .on('source_users')
          .columns(['job_id', 'staged'])
          .execute();
        // The target mirror's match keys (an e-mail, an external id, as the connector compares
        // them), so that a cycle finds the mirrored users a create would match without reading them all.
        await db.schema
          .createTable('target_object_keys')
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('match_key', 'text', (c) => c.notNull())
          .addColumn('object_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('target_object_keys_pk', ['job_id', 'kind', 'match_key', 'object_id'])
          .execute();
        await db.schema
          .createIndex('target_object_keys_by_object')
          .on('target_object_keys')
          .columns(['job_id', 'kind', 'object_id'])
          .execute();
      },
    },
  };
}

async function addLogTable<DB>(db: Kysely<DB>, dialect: SqlDialect): Promise<void> {
  // `seq` gives "insertion order" a durable meaning. SQLite's AUTOINCREMENT never reuses a value
  // (a plain rowid may after the newest rows are deleted); PostgreSQL's identity column is 64-bit.
  await db.schema
    .createTable('provisioning_log')
    .addColumn('seq', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('cycle_id', 'text', (c) => c.notNull())
    .addColumn('change_id', 'text', (c) => c.notNull())
    .addColumn('activity_at', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('entry', 'text', (c) => c.notNull())
    .execute();

  const log = (name: string, columns: string[], unique = false) => {
    const builder = db.schema.createIndex(name).on('provisioning_log').columns(columns);
    return (unique ? builder.unique() : builder).execute();
  };
  // An entry id is unique within its job; appending the same id again replaces the entry.
  await log('provisioning_log_job_id', ['job_id', 'id'], true);
  // The default listing (newest first) and `since`; the others serve one LogQuery filter each,
  // ending in activity_at so that the filtered listing is read in order. No index on source_id or
  // target_id: the identity filter ORs them with a substring match on the display name, which
  // scans the job's entries whatever the indexes, and each index slows every append.
  await log('provisioning_log_job_activity', ['job_id', 'activity_at', 'seq']);
  await log('provisioning_log_job_status', ['job_id', 'status', 'activity_at']);
  await log('provisioning_log_job_action', ['job_id', 'action', 'activity_at']);
  await log('provisioning_log_job_cycle', ['job_id', 'cycle_id', 'activity_at']);
}

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}

/**
 * A Migrator over our migrations and migration tables. `migrateToLatest` is what the store runs;
 * tests use it to build a database at an older version (`migrateTo('0001_initial')`).
 */
export function createMigrator<DB>(db: Kysely<DB>, dialect: SqlDialect): Migrator {
  return new Migrator({
    db,
    provider: migrationProvider(dialect),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

/** Brings the schema up to date; throws the first migration's error, naming it. */
export async function migrateToLatest<DB>(db: Kysely<DB>, dialect: SqlDialect): Promise<void> {
  const { error, results } = await createMigrator(db, dialect).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`State store migration ${failed === undefined ? '' : `${failed} `}failed: ${detail}`, {
      cause: error,
    });
  }
}
