/**
 * The state store's tables as Kysely sees them. One schema serves SQLite and PostgreSQL, so the
 * column types are the portable subset: JSON is stored as text, timestamps as ISO-8601 text (UTC,
 * `Date#toISOString` form where the store compares them), booleans as integers 0/1 (SQLite has no
 * boolean type). Every table is keyed by `job_id` first so one installation can run many jobs.
 */
import type { Generated } from 'kysely';

export interface Database {
  jobs: JobsTable;
  source_users: SourceUsersTable;
  links: LinksTable;
  cycles: CyclesTable;
  provisioning_log: ProvisioningLogTable;
  source_groups: SourceGroupsTable;
  group_links: GroupLinksTable;
  escrows: EscrowsTable;
  audit_log: AuditLogTable;
  job_leases: JobLeasesTable;
  request_budgets: RequestBudgetsTable;
  target_objects: TargetObjectsTable;
  target_object_keys: TargetObjectKeysTable;
  job_definitions: JobDefinitionsTable;
  secrets: SecretsTable;
  api_tokens: ApiTokensTable;
  local_accounts: LocalAccountsTable;
  sessions: SessionsTable;
  synchronization_jobs: SynchronizationJobsTable;
  pending_writes: PendingWritesTable;
}

/**
 * One token bucket per account of a target system (its base URL), shared by every process on this
 * database: tokens left, and when (epoch milliseconds) they were counted.
 */
export interface RequestBudgetsTable {
  account: string;
  tokens: number;
  updated_ms: number;
}

/** Who runs a job's cycles now, and until when (ISO-8601, `Date#toISOString` form). */
export interface JobLeasesTable {
  job_id: string;
  owner: string;
  expires_at: string;
}

export interface JobsTable {
  job_id: string;
  status: string;
  config_hash: string | null;
  watermark: string | null;
  watermark_at: string | null;
  /** Unused since 0004 (its content moved to the typed columns below); kept so old rows stay readable. */
  data: string;
  updated_at: string;
  // ── 0004_job_state ──
  group_watermark: string | null;
  /** JSON (`QuarantineState`) or null. */
  quarantine: string | null;
  /** 0/1 (default 0). */
  allow_deletes: Generated<number>;
  roles_imported_at: string | null;
  /** The target connector's opaque state. */
  target_state: string | null;
  reconciled_at: string | null;
  memberships_loaded_at: string | null;
  mirror_version: string | null;
  /** 0010_cost_follows_changes. */
  assignment_watermark: Generated<string | null>;
}

export interface SourceUsersTable {
  job_id: string;
  source_id: string;
  /** JSON object: the merged Graph attributes. */
  attributes: string;
  /** 'soft' | 'hard' | null. */
  removed: string | null;
  updated_at: string;
  // ── 0004_job_state ──
  assignment_signature: Generated<string>;
  /** 0/1 (default 0). */
  staged: Generated<number>;
  // ── 0010_cost_follows_changes ──
  /** JSON array: the user's assignments as last read. */
  assignments: Generated<string>;
}

export interface LinksTable {
  job_id: string;
  source_id: string;
  target_id: string;
  /** 'active' | 'disabled' | 'deleted'. */
  state: string;
  /** 0/1. */
  created: number;
  display_name: string;
  updated_at: string;
}

export interface CyclesTable {
  job_id: string;
  cycle_id: string;
  /** 'initial' | 'incremental'. */
  kind: string;
  state: string;
  started_at: string;
  ended_at: string | null;
  /** JSON object (`CycleCounts`): new counters need no migration. */
  counts: string;
  error: string | null;
  /** 0004_job_state. */
  error_code: string | null;
}

export interface ProvisioningLogTable {
  /** Insertion order, the tie-breaker after `activity_at`. Never read back (PostgreSQL's bigint would come back as a string). */
  seq: Generated<number>;
  /** The entry's id, unique per job. */
  id: string;
  job_id: string;
  cycle_id: string;
  change_id: string;
  /** `activityDateTime` normalised to `Date#toISOString` form so that text order is time order. */
  activity_at: string;
  source_id: string;
  target_id: string;
  /** The source identity's display name, as given. */
  display_name: string;
  action: string;
  status: string;
  error_code: string | null;
  /** The whole `ProvisioningObjectSummary` as JSON. */
  entry: string;
  /** 0007_log_queries: `servicePrincipal.id` (null in rows written before it and not backfilled). */
  service_principal_id: string | null;
}

// ── 0002_groups_escrows_audit ───────────────────────────────────────────────────────────────────

export interface SourceGroupsTable {
  job_id: string;
  source_id: string;
  /** JSON object: the Graph attributes. */
  attributes: string;
  /** JSON array of `MemberRef` (`{ id, type }`): the direct members, read and written whole. */
  members: string;
  /** 'soft' | 'hard' | null. */
  removed: string | null;
  updated_at: string;
}

export interface GroupLinksTable {
  job_id: string;
  source_id: string;
  target_id: string;
  /** 'active' | 'deleted'. */
  state: string;
  /** 0/1. */
  created: number;
  display_name: string;
  updated_at: string;
}

export interface EscrowsTable {
  job_id: string;
  /** 'user' | 'group' | 'membership'. */
  object_type: string;
  /** Source id; `<groupSourceId>/<userSourceId>` for a membership. */
  object_id: string;
  display_name: string;
  attempts: number;
  /** The three timestamps in `Date#toISOString` form (when parseable): the back-off compares them. */
  first_failed_at: string;
  last_failed_at: string;
  next_attempt_at: string;
  error_code: string;
  error_message: string;
}

export interface AuditLogTable {
  /** Insertion order, the tie-breaker after `activity_at`. Never read back (see `ProvisioningLogTable`). */
  seq: Generated<number>;
  /** The record's id, unique per job. */
  id: string;
  job_id: string;
  /** `activityDateTime` normalised to `Date#toISOString` form so that text order is time order. */
  activity_at: string;
  activity: string;
  initiated_by: string;
  /** 'success' | 'failure'. */
  result: string;
  /** The whole `AuditRecord` as JSON, `activityDateTime` as given. */
  entry: string;
}

// ── 0004_job_state ──────────────────────────────────────────────────────────────────────────────

/** The target mirror: users, groups and memberships as the target connector last reported them. */
export interface TargetObjectsTable {
  job_id: string;
  /** 'user' | 'group' | 'membership'. */
  kind: string;
  object_id: string;
  /** JSON: the connector's object. */
  data: string;
}

/** 0010_cost_follows_changes: the match keys of target mirror objects. */
export interface TargetObjectKeysTable {
  job_id: string;
  kind: string;
  /** `<attribute>` U+001F `<key as the connector compares it>`. */
  match_key: string;
  object_id: string;
}

// ── 0005_job_definitions ────────────────────────────────────────────────────────────────────────

export interface JobDefinitionsTable {
  job_id: string;
  /** JSON: the `JobDefinition`, secrets as references (never values). */
  definition: string;
  /** 1 when created, then one more at every save. */
  revision: number;
  /** ISO-8601, `Date#toISOString` form. */
  created_at: string;
  updated_at: string;
}

// ── 0006_service ────────────────────────────────────────────────────────────────────────────────

/** Secret values, each sealed (encrypted) by the server's key: `scope` is e.g. `sp:<servicePrincipalId>`. */
export interface SecretsTable {
  scope: string;
  name: string;
  /** The sealed envelope (docs/security.md); never the value itself. */
  sealed: string;
  updated_at: string;
}

/** Bearer tokens for automation; only a hash of each token is kept. */
export interface ApiTokensTable {
  id: string;
  name: string;
  /** 'Administrator' | 'Operator' | 'Reader'. */
  role: string;
  /** SHA-256 of the token, hex. */
  token_hash: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Local accounts (the first-run administrator); passwords as scrypt hashes. */
export interface LocalAccountsTable {
  username: string;
  password_hash: string;
  role: string;
  created_at: string;
  updated_at: string;
}

/** Console sessions; the cookie holds the id, the table only its hash. */
export interface SessionsTable {
  id_hash: string;
  subject: string;
  display_name: string;
  role: string;
  /** 'local' | 'oidc'. */
  method: string;
  /** SHA-256 of the session's CSRF token, hex. */
  csrf_hash: string;
  created_at: string;
  last_seen_at: string;
  /** The absolute timeout. */
  expires_at: string;
}

/** Jobs created through the admin API: which service principal and template each belongs to. */
export interface SynchronizationJobsTable {
  job_id: string;
  service_principal_id: string;
  template_id: string;
  /** JSON: the definition so far, while the job is not yet configured (no credentials saved). */
  draft: string | null;
  created_at: string;
}

// ── 0009_pending_writes ─────────────────────────────────────────────────────────────────────────

/** A write a cycle is about to send (`PendingWriteRecord`), until its result is recorded. */
export interface PendingWritesTable {
  job_id: string;
  /** 'user'. */
  object_type: string;
  source_id: string;
  cycle_id: string;
  target_id: string | null;
  /** 'create' | 'disable' | 'reactivate' | 'delete'. */
  action: string;
  /** JSON: the create's matching attribute values. */
  match_values: string;
  display_name: string;
  /** 0/1. */
  created: number;
  created_at: string;
}
