/**
 * Graph's `provisioningObjectSummary` (https://learn.microsoft.com/graph/api/resources/provisioningobjectsummary)
 * as a zod schema: the response schema of the provisioning log list. The store keeps entries in
 * exactly this shape (packages/engine/src/log/types.ts); the schema is what may leave.
 */
import { z } from 'zod';

const details = z.record(z.string(), z.string());

const identity = z.object({
  id: z.string(),
  displayName: z.string(),
  identityType: z.string(),
  details: details.nullable(),
});

const system = z.object({ id: z.string(), displayName: z.string(), details });

export const provisioningObjectSummarySchema = z
  .object({
    id: z.string(),
    activityDateTime: z.string(),
    tenantId: z.string(),
    jobId: z.string(),
    cycleId: z.string(),
    changeId: z.string(),
    provisioningAction: z.enum(['create', 'update', 'delete', 'stagedDelete', 'disable', 'other']),
    durationInMilliseconds: z.number(),
    initiatedBy: z.object({
      id: z.string(),
      displayName: z.string(),
      initiatorType: z.enum(['system', 'user']),
    }),
    modifiedProperties: z.array(
      z.object({ displayName: z.string(), oldValue: z.string().nullable(), newValue: z.string().nullable() }),
    ),
    provisioningSteps: z.array(
      z.object({
        name: z.string(),
        provisioningStepType: z.enum([
          'import',
          'scoping',
          'matching',
          'processing',
          'referenceResolution',
          'export',
        ]),
        status: z.enum(['success', 'warning', 'failure', 'skipped']),
        description: z.string(),
        details,
      }),
    ),
    servicePrincipal: z.object({ id: z.string(), displayName: z.string() }),
    sourceIdentity: identity,
    targetIdentity: identity,
    sourceSystem: system,
    targetSystem: system,
    provisioningStatusInfo: z.object({
      status: z.enum(['success', 'warning', 'failure', 'skipped']),
      errorInformation: z
        .object({
          errorCode: z.string(),
          reason: z.string(),
          additionalDetails: z.string().nullable(),
          errorCategory: z.enum(['nonServiceFailure', 'transientFailure', 'serviceFailure']),
          recommendedAction: z.string().nullable(),
        })
        .nullable(),
    }),
  })
  .meta({ id: 'provisioningObjectSummary' });
