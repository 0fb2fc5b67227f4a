/**
 * The state store port (Entra's "connector data store"): everything a job remembers between cycles.
 * Every record is keyed by a job id so that one installation can run many jobs. Implemented with
 * Kysely over SQLite and PostgreSQL in `../state/`.
 */

import type { JobDefinition } from '../jobs/definition.js';
import type { ProvisioningAction, ProvisioningObjectSummary, ProvisioningStatus } from '../log/types.js';
import type { QuarantineState } from '../safety/quarantine.js';
import type { LogQueryStore } from './log-queries.js';
import type { ServiceStateStore } from './service-state.js';
import type { MemberRef, SourceAssignment } from './source.js';

export type JobStatus = 'NotRun' | 'Active' | 'Paused' | 'Quarantine';

/**
 * Everything a job remembers between cycles besides its objects, in typed columns (migration
 * `0004_job_state`), so that a cycle can run in any process or worker: nothing of it lives in memory.
 */
export interface JobRecord {
  readonly jobId: string;
  readonly status: JobStatus;
  /** Hash of what decides who is provisioned and how (mappings, scope, filters); a change forces an initial cycle. */
  readonly configHash: string | null;
  /** The source's change-feed position for users (Graph delta link) after the last finished cycle. Secret-free. */
  readonly watermark: string | null;
  /** When the watermark was stored (ISO-8601). */
  readonly watermarkAt: string | null;
  /** The source's change-feed position for groups (Graph groups delta link). */
  readonly groupWatermark: string | null;
  /** The quarantine the job is in, if any. */
  readonly quarantine: QuarantineState | null;
  /** `allow-deletes` was asked for: the next cycle may exceed the accidental-deletion threshold. */
  readonly allowDeletes: boolean;
  /** When the target's roles were last published to the source application (role import). */
  readonly rolesImportedAt: string | null;
  /**
   * The target connector's own state between cycles (its change-export cursor, the role catalogue
   * `prepare` needs): opaque to the engine, secret-free, handed back to the connector each cycle.
   */
  readonly targetState: string | null;
  /**
   * When a cycle last reconciled everything (an initial cycle that completed). Null: the next cycle
   * is an initial cycle, whichever process or worker runs it.
   */
  readonly reconciledAt: string | null;
  /**
   * When the target's memberships were read into the target mirror; null: not read since the last
   * initial cycle (they are read only once some group is provisioned).
   */
  readonly membershipsLoadedAt: string | null;
  /**
   * Changes whenever the target mirror is written (each cycle, provisioning on demand): a copy of the
   * mirror kept in a process's memory is used only while this is still the version it was read at.
   */
  readonly mirrorVersion: string | null;
  /**
   * The source's position for assignment changes (`SourceConnector.readAssignmentChanges`): when
   * the last sweep was made, the groups delta of the assigned groups. Secret-free; null: sweep next.
   */
  readonly assignmentWatermark: string | null;
  readonly updatedAt: string;
}

/** The job record's fields a caller may change; `updateJob` writes only those given. */
export type JobPatch = Partial<Omit<JobRecord, 'jobId'>>;

/** What the engine last knew about a source user (the source mirror). */
export interface SourceUserRecord {
  readonly jobId: string;
  readonly sourceId: string;
  /** The merged Graph attributes. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** null while the user exists; 'soft' in deleted items; 'hard' once permanently deleted. */
  readonly removed: 'soft' | 'hard' | null;
  /**
   * The user's app role assignments at the last cycle (role and group of each, sorted): assignment
   * changes do not show in the users' change feed, so each cycle compares them with this.
   */
  readonly assignmentSignature: string;
  /**
   * Those assignments as last read (roles' names included), for cycles that do not read them again
   * (docs/performance.md#what-a-cycle-reads). Empty in records saved before they were kept: the
   * next sweep fills them.
   */
  readonly assignments: readonly SourceAssignment[];
  /** Its deprovisioning was held back by the accidental-deletion threshold (evaluated again each cycle). */
  readonly staged: boolean;
  readonly updatedAt: string;
}

/**
 * The target mirror (the "target index" of the connector data store): what the target held at the
 * last read or write, so that a cycle in a new process matches and diffs without re-reading the
 * target. `kind` is `user`, `group` or `membership`; `data` is the connector's object as JSON
 * (`TargetUser`, `TargetGroup`, `TargetMembership`); a membership's id is `<groupId>/<userId>`.
 */
export type TargetObjectKind = 'user' | 'group' | 'membership';

export interface TargetObjectRecord {
  readonly id: string;
  readonly data: unknown;
  /**
   * The values the object can be matched by (the target index's keys): given, they replace the
   * object's keys; absent, its keys are left as they were.
   */
  readonly keys?: readonly string[];
}

/**
 * A link between a source user and the target user provisio created or matched. Objects without a
 * link are never touched.
 */
export interface LinkRecord {
  readonly jobId: string;
  readonly sourceId: string;
  readonly targetId: string;
  /**
   * What provisio last did to the target object; `unlinked`: an operator unlinked it (`provisio
   * unlink`), so provisio neither manages nor matches that target object again until a restart.
   */
  readonly state: 'active' | 'disabled' | 'deleted' | 'unlinked';
  /**
   * Whether provisio created the target object (true) or adopted one that existed (false: matched by
   * provisio, or by the target itself when asked to create it). Adopted objects are never deleted
   * unless `settings.adoptedObjects.delete` (docs/provisioning.md, "Ownership").
   */
  readonly created: boolean;
  readonly displayName: string;
  readonly updatedAt: string;
}

export type CycleKind = 'initial' | 'incremental';
/** `held`: the cycle completed but held actions back at an accidental-deletion threshold (pipeline/guard.ts). */
export type CycleState = 'running' | 'succeeded' | 'entryLevelErrors' | 'held' | 'failed';

/** Counters of one cycle, named after Graph's `synchronizationTaskExecution` where one exists. */
export interface CycleCounts {
  readonly imported: number;
  readonly inScope: number;
  readonly created: number;
  readonly updated: number;
  readonly disabled: number;
  readonly deleted: number;
  readonly skipped: number;
  readonly unchanged: number;
  readonly failed: number;
  /** Requests made to the target. */
  readonly targetRequests: number;
  readonly groupsCreated?: number;
  readonly groupsUpdated?: number;
  readonly groupsDeleted?: number;
  readonly membershipsAdded?: number;
  readonly membershipsRemoved?: number;
  /** Members Zendesk cannot hold (end-users): skipped with that reason, added once they are agents. */
  readonly membershipsSkipped?: number;
  /**
   * Further quiet cycles this record stands for (cycle/quiet.ts): a quiet incremental cycle that
   * follows a quiet one replaces its record, with this count one higher; the record's times are the
   * last cycle's. Absent: the record is one cycle.
   */
  readonly quietRepeats?: number;
}

export interface CycleRecord {
  readonly jobId: string;
  readonly cycleId: string;
  readonly kind: CycleKind;
  readonly state: CycleState;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly counts: CycleCounts;
  /** Why the cycle failed as a whole, when it did: a public sentence (never internal detail). */
  readonly error: string | null;
  /** The error's stable code (see docs/provisioning.md), when the cycle failed as a whole. */
  readonly errorCode: string | null;
}

export interface LogQuery {
  readonly jobId: string;
  readonly status?: ProvisioningStatus;
  readonly action?: ProvisioningAction;
  /** Matches source or target id exactly, or display name containing the text (any case). */
  readonly identity?: string;
  readonly cycleId?: string;
  /** ISO-8601; entries at or after. */
  readonly since?: string;
  /** Newest first; default 1000. */
  readonly limit?: number;
}

/** What the engine last knew about a source group (the group mirror), with its direct members. */
export interface SourceGroupRecord {
  readonly jobId: string;
  readonly sourceId: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly members: readonly MemberRef[];
  readonly removed: 'soft' | 'hard' | null;
  readonly updatedAt: string;
}

/** A link between a source group and the target group provisio created or matched. */
export interface GroupLinkRecord {
  readonly jobId: string;
  readonly sourceId: string;
  readonly targetId: string;
  /** `unlinked`: an operator unlinked it (`provisio unlink`): neither managed nor matched again until a restart. */
  readonly state: 'active' | 'deleted' | 'unlinked';
  /** Whether provisio created the target group (true) or matched an existing one (false). */
  readonly created: boolean;
  readonly displayName: string;
  readonly updatedAt: string;
}

/**
 * A failed object waiting for its next attempt (Entra's "escrow"): retried with back-off until it
 * succeeds; `restart` clears them.
 */
export interface EscrowRecord {
  readonly jobId: string;
  readonly objectType: 'user' | 'group' | 'membership';
  /** Source id of the user or group; `<groupSourceId>/<userSourceId>` for a membership. */
  readonly objectId: string;
  readonly displayName: string;
  readonly attempts: number;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
  readonly nextAttemptAt: string;
  readonly errorCode: string;
  readonly errorMessage: string;
}

/**
 * A write to the target that a cycle is about to send (docs/provisioning.md, "Crashes and
 * restarts"): recorded before the target connector sends the batch, forgotten in the transaction
 * that records the batch's results (links). One left behind means the cycle stopped between the two,
 * so the target may hold a change provisio never recorded; the next cycle re-reads the target and
 * records what happened as provisio's own doing (`cycle/pending-writes.ts`).
 */
export interface PendingWriteRecord {
  readonly jobId: string;
  /** The cycle that was about to send it. */
  readonly cycleId: string;
  /** `user`, or `group` (group creates and deletions only). */
  readonly objectType: 'user' | 'group';
  readonly sourceId: string;
  /** The target object written to; null for a create (found again by `matchValues`). */
  readonly targetId: string | null;
  /**
   * The action (the target port's kinds): `create`, `disable` (suspend), `reactivate` (lift the
   * suspension) or `delete`. Updates are not recorded: the next cycle re-plans them from the diff.
   */
  readonly action: 'create' | 'disable' | 'reactivate' | 'delete';
  /** For a create: the matching attributes' values it carried (target attribute → value). */
  readonly matchValues: Readonly<Record<string, unknown>>;
  readonly displayName: string;
  /** Whether the link said provisio created the target object, before the write. */
  readonly created: boolean;
  readonly createdAt: string;
}

/** An audit log entry: configuration and job operations, role imports, quarantine changes. */
export interface AuditRecord {
  readonly jobId: string;
  readonly id: string;
  readonly activityDateTime: string;
  /** e.g. "Import roles", "Disable/pause provisioning configuration", "Quarantine". */
  readonly activity: string;
  /** Who: the operating-system user running the CLI, or "provisio" for the service itself. */
  readonly initiatedBy: string;
  readonly result: 'success' | 'failure';
  /** One sentence. */
  readonly summary: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface StateStore extends ServiceStateStore, LogQueryStore {
  /** Creates or upgrades the schema (idempotent). */
  migrate(): Promise<void>;
  /** Migrations not yet applied (reads the database: it also proves the store is reachable). */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;

  getJob(jobId: string): Promise<JobRecord | null>;
  /** Inserts or replaces the job record. */
  saveJob(job: JobRecord): Promise<void>;
  /**
   * Changes only the given fields (creating the job, with defaults, when it does not exist), so that
   * a cycle and an operation run meanwhile (pause, allow-deletes) never overwrite each other.
   */
  updateJob(jobId: string, patch: JobPatch, now: Date): Promise<JobRecord>;

  listSourceUsers(jobId: string): Promise<SourceUserRecord[]>;
  /** Only these users' records (any order; ids the mirror does not hold are left out). */
  getSourceUsers(jobId: string, sourceIds: readonly string[]): Promise<SourceUserRecord[]>;
  /** The users whose deprovisioning is held back (`staged`): evaluated again every cycle. */
  listStagedSourceUsers(jobId: string): Promise<SourceUserRecord[]>;
  /** The users the mirror remembers with at least one assignment (an assignment sweep compares them). */
  listAssignedSourceUsers(jobId: string): Promise<SourceUserRecord[]>;
  /** Inserts or replaces, in one transaction. */
  saveSourceUsers(records: readonly SourceUserRecord[]): Promise<void>;
  /** Forgets the whole mirror of a job (restart). */
  clearSourceUsers(jobId: string): Promise<void>;

  listLinks(jobId: string): Promise<LinkRecord[]>;
  /** The links of these source users (any order). */
  getLinks(jobId: string, sourceIds: readonly string[]): Promise<LinkRecord[]>;
  /** The links to these target objects (any order). */
  getLinksByTarget(jobId: string, targetIds: readonly string[]): Promise<LinkRecord[]>;
  /** The links in one state (e.g. `unlinked`). */
  listLinksInState(jobId: string, state: LinkRecord['state']): Promise<LinkRecord[]>;
  /** Inserts or replaces, in one transaction. */
  saveLinks(records: readonly LinkRecord[]): Promise<void>;
  deleteLinks(jobId: string, sourceIds: readonly string[]): Promise<void>;
  /** Forgets the job's links, and its pending writes with them (restart). */
  clearLinks(jobId: string): Promise<void>;

  /** In source id order. */
  listPendingWrites(jobId: string): Promise<PendingWriteRecord[]>;
  /** Inserts or replaces (key: job, objectType, sourceId), in one transaction. */
  savePendingWrites(records: readonly PendingWriteRecord[]): Promise<void>;
  /**
   * Saves `links` and forgets the pending writes of `sourceIds` (users), in one transaction: a
   * write's result and the end of its intent are recorded together or not at all.
   */
  settlePendingWrites(
    jobId: string,
    sourceIds: readonly string[],
    links: readonly LinkRecord[],
  ): Promise<void>;
  /** The same for groups: saves group links and forgets the groups' pending writes, in one transaction. */
  settlePendingGroupWrites(
    jobId: string,
    sourceIds: readonly string[],
    links: readonly GroupLinkRecord[],
  ): Promise<void>;

  /** Inserts or replaces a cycle record. */
  saveCycle(cycle: CycleRecord): Promise<void>;
  /**
   * Saves `cycle` and deletes the job's record `replacedCycleId`, in one transaction: a quiet cycle
   * folded into the quiet one before it (cycle/quiet.ts).
   */
  replaceCycle(replacedCycleId: string, cycle: CycleRecord): Promise<void>;
  /** Newest first. */
  listCycles(jobId: string, limit: number): Promise<CycleRecord[]>;

  listSourceGroups(jobId: string): Promise<SourceGroupRecord[]>;
  /** Inserts or replaces, in one transaction. */
  saveSourceGroups(records: readonly SourceGroupRecord[]): Promise<void>;
  clearSourceGroups(jobId: string): Promise<void>;

  listGroupLinks(jobId: string): Promise<GroupLinkRecord[]>;
  /** Inserts or replaces, in one transaction. */
  saveGroupLinks(records: readonly GroupLinkRecord[]): Promise<void>;
  clearGroupLinks(jobId: string): Promise<void>;

  /** The target mirror of one kind. */
  listTargetObjects(jobId: string, kind: TargetObjectKind): Promise<TargetObjectRecord[]>;
  /** Only these objects of the target mirror (any order; ids it does not hold are left out). */
  getTargetObjects(
    jobId: string,
    kind: TargetObjectKind,
    ids: readonly string[],
  ): Promise<TargetObjectRecord[]>;
  /** The objects saved with any of these keys (any order; a key no object holds finds nothing). */
  findTargetObjectsByKey(
    jobId: string,
    kind: TargetObjectKind,
    keys: readonly string[],
  ): Promise<TargetObjectRecord[]>;
  /** Inserts or replaces `upserts` and removes `removals` (ids), in one transaction. */
  saveTargetObjects(
    jobId: string,
    kind: TargetObjectKind,
    upserts: readonly TargetObjectRecord[],
    removals?: readonly string[],
  ): Promise<void>;
  /** Forgets the target mirror of one kind, or all of it. */
  clearTargetObjects(jobId: string, kind?: TargetObjectKind): Promise<void>;

  listEscrows(jobId: string): Promise<EscrowRecord[]>;
  /** Inserts or replaces (key: job, objectType, objectId), in one transaction. */
  saveEscrows(records: readonly EscrowRecord[]): Promise<void>;
  deleteEscrows(
    jobId: string,
    keys: readonly { readonly objectType: EscrowRecord['objectType']; readonly objectId: string }[],
  ): Promise<void>;
  clearEscrows(jobId: string): Promise<void>;

  /**
   * Takes or renews the job's lease for `owner` until `until` when nobody else holds an unexpired
   * one, atomically (one worker per job at a time). Returns the holder after the attempt.
   */
  acquireLease(
    jobId: string,
    owner: string,
    now: Date,
    until: Date,
  ): Promise<{ readonly owner: string; readonly expiresAt: string }>;
  /** Gives the lease up, if `owner` holds it. */
  releaseLease(jobId: string, owner: string): Promise<void>;
  /**
   * Takes `tokens` from the account's request bucket (docs/operations.md#workers) in one statement,
   * after refilling it for the time since its last use: `capacity` tokens at most, `perMs` more every
   * millisecond. Returns 0 when taken, else the milliseconds until enough tokens will be there.
   */
  takeRequestTokens(
    account: string,
    tokens: number,
    bucket: { readonly capacity: number; readonly perMs: number },
    now: Date,
  ): Promise<number>;
  /** Who holds the job's lease and until when (expired or not), or null when nobody took it. */
  getLease(jobId: string): Promise<{ readonly owner: string; readonly expiresAt: string } | null>;

  appendAudit(record: AuditRecord): Promise<void>;
  /** Newest first. */
  listAudit(jobId: string, limit: number): Promise<AuditRecord[]>;

  /** Appends log entries, in one transaction. */
  appendLogs(entries: readonly ProvisioningObjectSummary[]): Promise<void>;
  /** Newest first (activityDateTime, then insertion order). */
  queryLogs(query: LogQuery): Promise<ProvisioningObjectSummary[]>;

  /** How many users (links not deleted) and groups (active group links) the job manages: counted, not read. */
  countManaged(jobId: string): Promise<{ readonly users: number; readonly groups: number }>;

  /** Every stored job definition, by job id. */
  listJobDefinitions(): Promise<JobDefinitionRecord[]>;
  getJobDefinition(jobId: string): Promise<JobDefinitionRecord | null>;
  /**
   * Inserts or replaces the definition of job `definition.id` and, in the same transaction, appends
   * an audit record to that job's audit log: "Add provisioning configuration" or "Update
   * provisioning configuration", `details: { before, after, revision, changed }` with the secrets
   * as references. Saving a definition equal to the stored one changes nothing and records nothing.
   * Throws `JobDefinitionConflict` when `change.ifRevision` does not hold.
   */
  saveJobDefinition(definition: JobDefinition, change: JobDefinitionChange): Promise<JobDefinitionRecord>;
  /**
   * Removes a job's definition, not its state (links, mirrors, logs and audit stay under the job
   * id), and records "Delete provisioning configuration" in its audit log. False when there was none.
   */
  deleteJobDefinition(jobId: string, change: JobDefinitionChange): Promise<boolean>;
}

/** A stored job definition (migration 0005_job_definitions). */
export interface JobDefinitionRecord {
  readonly jobId: string;
  /** As saved: validated when it was saved; `compileJob` validates it again before use. */
  readonly definition: JobDefinition;
  /** 1 when created, then one more at every change. */
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Who changes a job definition, when, and on what condition. */
export interface JobDefinitionChange {
  /** The operating-system user running the command, or the console's user. */
  readonly initiatedBy: string;
  readonly at: Date;
  /** `'none'`: only if the job has no definition yet; a number: only if the stored revision is that one. */
  readonly ifRevision?: number | 'none';
}

/** A job definition save refused because `ifRevision` did not hold. */
export class JobDefinitionConflict extends Error {
  readonly jobId: string;
  /** The stored revision, or null when there is no definition. */
  readonly revision: number | null;
  constructor(jobId: string, revision: number | null, expected: number | 'none') {
    super(
      revision === null
        ? `job ${jobId} has no definition (expected revision ${expected})`
        : expected === 'none'
          ? `job ${jobId} already has a definition (revision ${revision})`
          : `job ${jobId}'s definition is at revision ${revision}, not ${expected}: it changed meanwhile`,
    );
    this.name = 'JobDefinitionConflict';
    this.jobId = jobId;
    this.revision = revision;
  }
}
