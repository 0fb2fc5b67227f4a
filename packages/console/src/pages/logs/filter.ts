/**
 * The provisioning logs page's filters as the `$filter` of `GET /v1.0/auditLogs/provisioning`
 * (docs/api.md#provisioning-logs). Pure (no React, no DOM): unit-tested by
 * packages/cli/test/console-logs-filter.test.ts.
 */

export const logStatuses = ['success', 'failure', 'skipped', 'warning'] as const;
export const logActions = ['create', 'update', 'delete', 'disable', 'stagedDelete', 'other'] as const;

export type LogStatus = (typeof logStatuses)[number];
export type LogAction = (typeof logActions)[number];

export interface LogFilters {
  /** The job of a job's own logs page. */
  readonly jobId?: string | undefined;
  /** Entries at or after this instant (ISO-8601). */
  readonly from?: string | undefined;
  /** Entries before this instant (ISO-8601). */
  readonly to?: string | undefined;
  readonly status?: LogStatus | '' | undefined;
  readonly action?: LogAction | '' | undefined;
  /** The source identity's display name starts with this (case-sensitive, as Graph's), or its object id. */
  readonly identity?: string | undefined;
  readonly cycleId?: string | undefined;
}

/** An OData string literal: a quote inside is written twice. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `$filter` for `filters`, or undefined when nothing is filtered. Empty and blank fields are ignored. */
export function buildLogFilter(filters: LogFilters): string | undefined {
  const clauses: string[] = [];
  const jobId = filters.jobId?.trim();
  if (jobId) clauses.push(`jobId eq ${odataString(jobId)}`);
  if (filters.from) clauses.push(`activityDateTime ge ${filters.from}`);
  if (filters.to) clauses.push(`activityDateTime lt ${filters.to}`);
  if (filters.status) clauses.push(`provisioningStatusInfo/status eq ${odataString(filters.status)}`);
  if (filters.action) clauses.push(`provisioningAction eq ${odataString(filters.action)}`);
  const identity = filters.identity?.trim();
  if (identity)
    clauses.push(
      GUID.test(identity)
        ? `sourceIdentity/id eq ${odataString(identity.toLowerCase())}`
        : `startswith(sourceIdentity/displayName, ${odataString(identity)})`,
    );
  const cycleId = filters.cycleId?.trim();
  if (cycleId) clauses.push(`cycleId eq ${odataString(cycleId)}`);
  return clauses.length === 0 ? undefined : clauses.join(' and ');
}

/**
 * The instants of a date range picked as local days (`YYYY-MM-DD`, both ends included): `from` is
 * the start of its day, `to` the start of the day after it. A missing or malformed end is undefined.
 */
export function localDayRange(
  fromDay: string,
  toDay: string,
): { from: string | undefined; to: string | undefined } {
  return { from: dayStart(fromDay, 0), to: dayStart(toDay, 1) };
}

function dayStart(day: string, plusDays: number): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day.trim());
  if (match === null) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + plusDays);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
