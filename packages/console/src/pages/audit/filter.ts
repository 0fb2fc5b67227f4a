/**
 * The Audit logs page's filters as the `$filter` of `GET /v1.0/auditLogs/directoryAudits`
 * (docs/api.md#directory-audits): what Graph documents for list directoryAudits
 * (https://learn.microsoft.com/graph/api/directoryaudit-list). Pure, so that it is unit-tested
 * (packages/cli/test/console-audit-filter.test.ts).
 */

export interface AuditFilters {
  /** ISO-8601 instants: entries at or after `from`, at or before `to`. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** The activity's name begins with this (case-sensitive, as Graph's filter is). */
  readonly activity?: string | undefined;
  /** `success` or `failure`; anything else (e.g. '' for all) adds nothing. */
  readonly status?: string | undefined;
  /** Who: a person's name beginning with this, or the service itself ("provisio"). */
  readonly initiatedBy?: string | undefined;
  /** Only one job's entries (a job's own Audit logs tab). */
  readonly jobId?: string | undefined;
}

/** An OData string literal: single quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const given = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/** The `$filter` text for `filters`, or undefined when nothing is filtered. */
export function auditFilter(filters: AuditFilters): string | undefined {
  const parts: string[] = [];
  if (given(filters.jobId))
    parts.push(`targetResources/any(t: t/id eq ${odataString(filters.jobId.trim())})`);
  if (given(filters.from)) parts.push(`activityDateTime ge ${new Date(filters.from).toISOString()}`);
  if (given(filters.to)) parts.push(`activityDateTime le ${new Date(filters.to).toISOString()}`);
  if (given(filters.activity))
    parts.push(`startswith(activityDisplayName, ${odataString(filters.activity.trim())})`);
  if (filters.status === 'success' || filters.status === 'failure')
    parts.push(`result eq '${filters.status}'`);
  if (given(filters.initiatedBy)) {
    const who = odataString(filters.initiatedBy.trim());
    parts.push(`(startswith(initiatedBy/user/displayName, ${who}) or initiatedBy/app/displayName eq ${who})`);
  }
  return parts.length === 0 ? undefined : parts.join(' and ');
}

/** The start of a local calendar day (`yyyy-mm-dd` from a date input) as an ISO instant. */
export function startOfDay(day: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T00:00:00`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The end of a local calendar day (its last millisecond) as an ISO instant. */
export function endOfDay(day: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T23:59:59.999`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
