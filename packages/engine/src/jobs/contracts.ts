/**
 * The contracts of the job operations (`operations.ts`): zod schemas of what each returns. The CLI
 * presents these values; the admin API will serve them as they are. Every operation's result is
 * parsed by its schema before it is returned, so a field cannot drift from its contract, and no
 * schema has a place for a secret.
 */
import { z } from 'zod';

/** A cycle's counters (`CycleCounts`), for every interface that shows them. */
export const cycleCountsSchema = z.object({
  imported: z.number(),
  inScope: z.number(),
  created: z.number(),
  updated: z.number(),
  disabled: z.number(),
  deleted: z.number(),
  skipped: z.number(),
  unchanged: z.number(),
  failed: z.number(),
  targetRequests: z.number(),
  groupsCreated: z.number().optional(),
  groupsUpdated: z.number().optional(),
  groupsDeleted: z.number().optional(),
  membershipsAdded: z.number().optional(),
  membershipsRemoved: z.number().optional(),
  membershipsSkipped: z.number().optional(),
  quietRepeats: z
    .number()
    .optional()
    .describe(
      'further quiet cycles (nothing imported, evaluated or written) this record stands for: it is the last of 1 + quietRepeats quiet cycles in a row',
    ),
});

export const cycleSchema = z.object({
  jobId: z.string(),
  cycleId: z.string(),
  kind: z.enum(['initial', 'incremental']),
  state: z.enum(['running', 'succeeded', 'entryLevelErrors', 'held', 'failed']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  counts: cycleCountsSchema,
  error: z.string().nullable(),
  errorCode: z.string().nullable(),
});

export const quarantineSchema = z.object({
  reason: z.enum([
    'EncounteredQuarantineException',
    'EncounteredEscrowProportionThreshold',
    'TooManyDeletes',
  ]),
  currentBegan: z.string(),
  seriesBegan: z.string(),
  seriesCount: z.number(),
  nextAttempt: z.string(),
  error: z.object({
    code: z.string(),
    message: z.string(),
    failingRequests: z.array(z.string()),
    objects: z.number(),
  }),
});

export const escrowSchema = z.object({
  jobId: z.string(),
  objectType: z.enum(['user', 'group', 'membership']),
  objectId: z.string(),
  displayName: z.string(),
  attempts: z.number(),
  firstFailedAt: z.string(),
  lastFailedAt: z.string(),
  nextAttemptAt: z.string(),
  errorCode: z.string(),
  errorMessage: z.string(),
});

/**
 * The user behind the target credentials left scope (docs/provisioning.md, "The credentials'
 * owner"): what provisio left undone for them and what to do.
 */
export const credentialOwnerWarningSchema = z.object({
  code: z.literal('CredentialOwnerProtected'),
  sourceId: z.string(),
  displayName: z.string(),
  targetId: z.string(),
  message: z.string(),
  recommendedAction: z.string(),
  /** When the provisioning log recorded it (status only). */
  at: z.string().optional(),
});
export type CredentialOwnerWarningReport = z.infer<typeof credentialOwnerWarningSchema>;

export const jobStatusValues = z.enum(['NotRun', 'Active', 'Paused', 'Quarantine']);

/** `status`: the job's state, what the next cycle will be, its quarantine, retries, objects, cycles. */
export const jobStatusReportSchema = z.object({
  jobId: z.string(),
  status: jobStatusValues,
  provisioningStatus: z.enum(['on', 'off']),
  /** The configuration changed what decides who is provisioned since the last cycle. */
  configurationChanged: z.boolean(),
  nextCycle: z.enum(['initial', 'incremental']),
  watermarkAt: z.string().nullable(),
  watermarkAgeMs: z.number().nullable(),
  reconciledAt: z.string().nullable(),
  quarantine: quarantineSchema.nullable(),
  escrows: z.array(escrowSchema),
  rolesImportedAt: z.string().nullable(),
  allowDeletesPending: z.boolean(),
  /** Links by state; `unlinked`: objects an operator unlinked (`provisio unlink`), no longer managed. */
  users: z.object({ active: z.number(), disabled: z.number(), deleted: z.number(), unlinked: z.number() }),
  groups: z.object({ active: z.number(), deleted: z.number(), unlinked: z.number() }),
  /** Held back for the credentials' owner, as the newest log entry of that user says. */
  warnings: z.array(credentialOwnerWarningSchema),
  cycles: z.array(cycleSchema),
});
export type JobStatusReport = z.infer<typeof jobStatusReportSchema>;

/** pause, resume, restart: what the job is now and what was done. */
export const jobOperationResultSchema = z.object({
  jobId: z.string(),
  operation: z.enum(['pause', 'resume', 'restart', 'allowDeletes']),
  status: jobStatusValues,
  /** One sentence, as recorded in the audit log. */
  summary: z.string(),
  /** resume and restart: the quarantine they lifted. */
  clearedQuarantine: quarantineSchema.shape.reason.nullable(),
});
export type JobOperationResult = z.infer<typeof jobOperationResultSchema>;

export const connectionCheckSchema = z.object({
  ok: z.boolean(),
  steps: z.array(
    z.object({
      name: z.string(),
      ok: z.boolean(),
      detail: z.string(),
      code: z.string().optional(),
      fix: z.string().optional(),
      level: z.enum(['required', 'optional']).default('required'),
      lost: z.string().optional(),
    }),
  ),
});

/** test-connection: both sides, each check explained. */
export const connectionTestResultSchema = z.object({
  ok: z.boolean(),
  source: connectionCheckSchema,
  target: connectionCheckSchema,
  /** The mail server for notification e-mails, when the job sends them (optional checks only). */
  notifications: connectionCheckSchema.optional(),
});
export type ConnectionTestResult = z.infer<typeof connectionTestResultSchema>;

export const auditRecordSchema = z.object({
  jobId: z.string(),
  id: z.string(),
  activityDateTime: z.string(),
  activity: z.string(),
  initiatedBy: z.string(),
  result: z.enum(['success', 'failure']),
  summary: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const auditListSchema = z.array(auditRecordSchema);

const modifiedProperty = z.object({
  displayName: z.string(),
  oldValue: z.string().nullable(),
  newValue: z.string().nullable(),
});

const planError = z
  .object({ code: z.string(), reason: z.string(), recommendedAction: z.string().optional() })
  .nullable();

/** plan: what the next cycle would do, per user and group, nothing written. */
export const planReportSchema = z.object({
  jobId: z.string(),
  kind: z.enum(['initial', 'incremental']),
  counts: cycleCountsSchema,
  /** How many actions the accidental-deletion thresholds would hold back, all kinds together. */
  staged: z.number(),
  /** The kinds that would be held back, each with its count and threshold (pipeline/guard.ts). */
  held: z.array(
    z.object({
      kind: z.enum(['deprovisioning', 'downgrade', 'membershipRemoval']),
      count: z.number(),
      threshold: z.number(),
    }),
  ),
  /** What the cycle would leave undone for the credentials' owner. */
  warnings: z.array(credentialOwnerWarningSchema),
  groups: z
    .object({
      inScope: z.number(),
      plans: z.array(
        z.object({
          sourceId: z.string(),
          displayName: z.string(),
          inScope: z.boolean(),
          reason: z.string(),
          action: z.string().nullable(),
          targetId: z.string().nullable(),
          modifiedProperties: z.array(modifiedProperty),
          status: z.enum(['success', 'skipped', 'failure']),
          error: planError,
        }),
      ),
      memberships: z.array(
        z.object({
          groupSourceId: z.string(),
          groupName: z.string(),
          targetGroupId: z.string(),
          add: z.array(
            z.object({ userSourceId: z.string(), userName: z.string(), targetUserId: z.string() }),
          ),
          remove: z.array(
            z.object({
              userSourceId: z.string(),
              userName: z.string(),
              targetUserId: z.string(),
              membershipId: z.string(),
            }),
          ),
          /** Removals the membership-removal threshold would hold back. */
          held: z.array(
            z.object({
              userSourceId: z.string(),
              userName: z.string(),
              targetUserId: z.string(),
              membershipId: z.string(),
            }),
          ),
          skipped: z.array(z.object({ userSourceId: z.string(), userName: z.string(), reason: z.string() })),
        }),
      ),
    })
    .nullable(),
  users: z.array(
    z.object({
      sourceId: z.string(),
      displayName: z.string(),
      action: z.string().nullable(),
      provisioningAction: z.string(),
      status: z.string(),
      targetId: z.string().nullable(),
      description: z.string(),
      modifiedProperties: z.array(modifiedProperty),
      error: planError,
    }),
  ),
});
export type PlanReport = z.infer<typeof planReportSchema>;
