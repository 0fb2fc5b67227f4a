/**
 * Cross-job queries over the provisioning log, the audit log and cycle history, for the admin API
 * (`GET /v1.0/auditLogs/provisioning`, `/auditLogs/directoryAudits`, provisio's cycle history;
 * docs/api.md). A filter is a typed tree, never SQL text: the store compiles it with Kysely, the
 * server builds it from OData `$filter`. Pages are keyset pages (newest first, then insertion order),
 * so that a page is as cheap at entry 1,000,000 as at entry 1 and stays stable while cycles append.
 */
import type { ProvisioningObjectSummary } from '../log/types.js';
import type { AuditRecord, CycleRecord } from './state.js';

export type CompareOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type TextOperator = 'startswith' | 'contains';

/** A boolean condition over the fields `F` of a record. Values are text; times are ISO-8601. */
export type RecordFilter<F extends string> =
  | { readonly kind: 'compare'; readonly field: F; readonly op: CompareOperator; readonly value: string }
  /** Case-sensitive, as Graph's log filters are. */
  | { readonly kind: 'text'; readonly field: F; readonly op: TextOperator; readonly value: string }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly RecordFilter<F>[] }
  | { readonly kind: 'not'; readonly operand: RecordFilter<F> }
  /** Always true or always false (a condition on a property every record has the same value of). */
  | { readonly kind: 'constant'; readonly value: boolean };

/** The provisioning log's filterable fields (each a column of `provisioning_log`). */
export type LogField =
  | 'id'
  | 'jobId'
  | 'cycleId'
  | 'changeId'
  | 'activityDateTime'
  | 'provisioningAction'
  | 'status'
  | 'errorCode'
  | 'sourceId'
  | 'sourceDisplayName'
  | 'targetId'
  | 'servicePrincipalId';

/** The audit log's filterable fields (each a column of `audit_log`). */
export type AuditField = 'id' | 'jobId' | 'activityDateTime' | 'activity' | 'initiatedBy' | 'result';

/**
 * Where a page ends, to start the next one after it: the last record's time and insertion order.
 * Opaque to callers but for serialising (the API wraps it in `$skiptoken`).
 */
export interface SeqCursor {
  /** `Date#toISOString` form. */
  readonly at: string;
  /** Insertion order (decimal digits: PostgreSQL's bigint does not fit a number). */
  readonly seq: string;
}

/** Cycle history's cursor: the last cycle's start and id. */
export interface CycleCursor {
  readonly startedAt: string;
  readonly cycleId: string;
}

export interface PageQuery<F extends string, C> {
  readonly filter?: RecordFilter<F>;
  /** Start after this record (from the previous page's `next`). */
  readonly after?: C;
  /** Records per page, 1 or more. */
  readonly limit: number;
}

export interface Page<T, C> {
  readonly items: T[];
  /** The cursor of the next page; null on the last. */
  readonly next: C | null;
}

export interface LogQueryStore {
  /** Provisioning log entries of every job, newest first (activity time, then insertion order). */
  pageLogs(query: PageQuery<LogField, SeqCursor>): Promise<Page<ProvisioningObjectSummary, SeqCursor>>;
  /**
   * How many provisioning log entries match `filter`, counting at most `cap` (a bounded export asks
   * for its limit plus one to learn whether it is truncated).
   */
  countLogs(filter: RecordFilter<LogField> | undefined, cap: number): Promise<number>;
  /** Audit records of every job, newest first (activity time, then insertion order). */
  pageAudit(query: PageQuery<AuditField, SeqCursor>): Promise<Page<AuditRecord, SeqCursor>>;
  /** One job's cycles, newest first (start time, then cycle id). */
  pageCycles(
    jobId: string,
    query: Omit<PageQuery<never, CycleCursor>, 'filter'>,
  ): Promise<Page<CycleRecord, CycleCursor>>;
}
