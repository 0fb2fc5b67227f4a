/** A job's record before its first cycle. */
import type { JobRecord } from '../ports/state.js';

export function newJobRecord(jobId: string, now: Date): JobRecord {
  return {
    jobId,
    status: 'NotRun',
    configHash: null,
    watermark: null,
    watermarkAt: null,
    groupWatermark: null,
    quarantine: null,
    allowDeletes: false,
    rolesImportedAt: null,
    targetState: null,
    reconciledAt: null,
    membershipsLoadedAt: null,
    mirrorVersion: null,
    assignmentWatermark: null,
    updatedAt: now.toISOString(),
  };
}
