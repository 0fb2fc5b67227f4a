/** Appending to the audit log: one record per operation on a job (docs/provisioning.md, "The audit log"). */
import { randomUUID } from 'node:crypto';
import type { AuditRecord, StateStore } from '../ports/state.js';

export type AuditEntry = Pick<AuditRecord, 'activity' | 'initiatedBy' | 'summary'> &
  Partial<Pick<AuditRecord, 'result' | 'details'>>;

/** Appends `entry` for `jobId`, dated `at`: `result` success and no details unless given. */
export async function appendAuditEntry(
  store: StateStore,
  jobId: string,
  at: Date,
  entry: AuditEntry,
): Promise<void> {
  await store.appendAudit({
    jobId,
    id: randomUUID(),
    activityDateTime: at.toISOString(),
    result: 'success',
    details: {},
    ...entry,
  });
}
