/**
 * Sign-ins, sign-outs, password changes and API token changes go to the audit log
 * (docs/security.md#sessions-and-csrf). Audit records belong to a job (`AuditRecord.jobId`); these
 * belong to the installation, so they are kept under a reserved id that no job can have (a job id
 * holds only letters, digits, ".", "_" and "-"). Passwords and tokens are never part of a record.
 */
import { randomUUID } from 'node:crypto';
import type { AuditRecord, Clock, StateStore } from '@provisio/engine';

/** The audit log's "job" for installation-wide records (sign-ins, password changes, API tokens). */
export const INSTALLATION_AUDIT_ID = '@installation';

export interface AccessAuditEntry {
  /** e.g. "Sign in", "Sign out", "Change password", "Create API token". */
  readonly activity: string;
  /** Who: `local:admin`, `token:<id>`, the operating-system user of a CLI command. */
  readonly initiatedBy: string;
  readonly result: AuditRecord['result'];
  readonly summary: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export async function auditAccess(store: StateStore, clock: Clock, entry: AccessAuditEntry): Promise<void> {
  await store.appendAudit({
    jobId: INSTALLATION_AUDIT_ID,
    id: randomUUID(),
    activityDateTime: clock.now().toISOString(),
    activity: entry.activity,
    initiatedBy: entry.initiatedBy,
    result: entry.result,
    summary: entry.summary,
    details: entry.details ?? {},
  });
}
