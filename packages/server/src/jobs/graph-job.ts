/**
 * provisio's jobs in Microsoft Graph's shapes: `synchronizationJob` with its `schedule` and `status`
 * (https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationjob,
 * https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationstatus), built from
 * the job's definition, its record in the state store (status, quarantine), its cycles
 * (`synchronizationTaskExecution`), its links (`synchronizedEntryCountByType`) and the scheduler's
 * view of a running cycle (`progress`). docs/api.md#synchronization-jobs.
 */
import { randomUUID } from 'node:crypto';
import { type CycleRecord, DEFAULT_INTERVAL, type JobRecord, type StateStore } from '@provisio/engine';
import { z } from 'zod';
import type { JobProgress } from '../context.js';
import type { CatalogJob } from './catalog.js';

export const synchronizationErrorSchema = z
  .object({ code: z.string(), message: z.string(), tenantActionable: z.boolean() })
  .meta({ id: 'synchronizationError' });

export const synchronizationTaskExecutionSchema = z
  .object({
    activityIdentifier: z.string(),
    countEntitled: z.number().int(),
    countEntitledForProvisioning: z.number().int(),
    countEscrowed: z.number().int(),
    countEscrowedRaw: z.number().int(),
    countExported: z.number().int(),
    countExports: z.number().int(),
    countImported: z.number().int(),
    countImportedDeltas: z.number().int(),
    countImportedReferenceDeltas: z.number().int(),
    error: synchronizationErrorSchema.nullable(),
    state: z.enum(['Succeeded', 'Failed', 'EntryLevelErrors']),
    timeBegan: z.string(),
    timeEnded: z.string().nullable(),
  })
  .meta({ id: 'synchronizationTaskExecution' });

export const synchronizationQuarantineSchema = z
  .object({
    currentBegan: z.string(),
    nextAttempt: z.string(),
    reason: z.string(),
    seriesBegan: z.string(),
    seriesCount: z.number().int(),
    error: synchronizationErrorSchema.nullable(),
  })
  .meta({ id: 'synchronizationQuarantine' });

export const synchronizationProgressSchema = z
  .object({
    completedUnits: z.number().int(),
    progressObservationDateTime: z.string(),
    totalUnits: z.number().int(),
    units: z.string().nullable(),
  })
  .meta({ id: 'synchronizationProgress' });

/** Graph's `synchronizationSecretKeyStringValuePair` list (secrets, validateCredentials). */
export const secretPairsSchema = z
  .array(
    z
      .object({ key: z.string().max(200), value: z.string().max(200_000) })
      .meta({ id: 'synchronizationSecretKeyStringValuePair' }),
  )
  .max(100, 'at most 100 keys');

export const spParams = z.object({
  spId: z.string().describe('The object id of the Zendesk enterprise application (service principal).'),
});
export const jobParams = spParams.extend({ jobId: z.string().describe('The synchronization job id.') });

const keyValue = z.object({ key: z.string(), value: z.number().int() });

export const synchronizationStatusSchema = z
  .object({
    code: z.enum(['NotConfigured', 'NotRun', 'Active', 'Paused', 'Quarantine']),
    countSuccessiveCompleteFailures: z.number().int(),
    escrowsPruned: z.boolean(),
    lastExecution: synchronizationTaskExecutionSchema.nullable(),
    lastSuccessfulExecution: synchronizationTaskExecutionSchema.nullable(),
    lastSuccessfulExecutionWithExports: synchronizationTaskExecutionSchema.nullable(),
    progress: z.array(synchronizationProgressSchema),
    quarantine: synchronizationQuarantineSchema.nullable(),
    steadyStateFirstAchievedTime: z.string(),
    steadyStateLastAchievedTime: z.string(),
    synchronizedEntryCountByType: z.array(keyValue),
    troubleshootingUrl: z.string().nullable(),
  })
  .meta({ id: 'synchronizationStatus' });

export const synchronizationScheduleSchema = z
  .object({
    expiration: z.string().nullable(),
    interval: z.string(),
    state: z.enum(['Active', 'Disabled', 'Paused']),
  })
  .meta({ id: 'synchronizationSchedule' });

export const synchronizationJobSchema = z
  .object({
    id: z.string(),
    templateId: z.string(),
    schedule: synchronizationScheduleSchema,
    status: synchronizationStatusSchema,
    synchronizationJobSettings: z.array(z.object({ name: z.string(), value: z.string() })),
  })
  .meta({ id: 'synchronizationJob' });

export type SynchronizationJob = z.output<typeof synchronizationJobSchema>;
type TaskExecution = z.output<typeof synchronizationTaskExecutionSchema>;

export const synchronizationTemplateSchema = z
  .object({
    id: z.string(),
    applicationId: z.string().nullable(),
    default: z.boolean(),
    description: z.string(),
    discoverable: z.boolean(),
    factoryTag: z.string(),
    metadata: z.array(z.object({ key: z.string(), value: z.string() })),
  })
  .meta({ id: 'synchronizationTemplate' });

/**
 * A new job id in Entra's form, `<templateId>.<32 hex>.<32 hex>`: the service principal's id, then
 * a random part (as the demo job's, packages/cli/src/commands/run-demo.ts).
 */
export function newJobId(templateId: string, servicePrincipalId: string): string {
  const sp = servicePrincipalId.toLowerCase().replace(/[^0-9a-f]/g, '');
  return `${templateId}.${sp.padEnd(32, '0').slice(0, 32)}.${randomUUID().replaceAll('-', '')}`;
}

/** Graph's "never": `DateTimeOffset.MinValue`, as Graph writes it for a steady state not reached. */
const NEVER = '0001-01-01T00:00:00Z';

const exportsOf = (cycle: CycleRecord) => {
  const c = cycle.counts;
  return (
    c.created +
    c.updated +
    c.disabled +
    c.deleted +
    (c.groupsCreated ?? 0) +
    (c.groupsUpdated ?? 0) +
    (c.groupsDeleted ?? 0) +
    (c.membershipsAdded ?? 0) +
    (c.membershipsRemoved ?? 0)
  );
};

/** A finished cycle as Graph's `synchronizationTaskExecution`. */
export function taskExecution(cycle: CycleRecord): TaskExecution {
  const c = cycle.counts;
  const exported = exportsOf(cycle);
  return {
    activityIdentifier: cycle.cycleId,
    countEntitled: c.inScope,
    countEntitledForProvisioning: c.inScope,
    countEscrowed: c.failed,
    countEscrowedRaw: c.failed,
    countExported: exported,
    countExports: exported + c.failed,
    countImported: c.imported,
    countImportedDeltas: cycle.kind === 'incremental' ? c.imported : 0,
    countImportedReferenceDeltas: 0,
    error:
      cycle.error === null
        ? null
        : { code: cycle.errorCode ?? 'Unknown', message: cycle.error, tenantActionable: true },
    state:
      cycle.state === 'succeeded'
        ? 'Succeeded'
        : // Graph has no state for a cycle held at the threshold: its objects were skipped, as entries.
          cycle.state === 'entryLevelErrors' || cycle.state === 'held'
          ? 'EntryLevelErrors'
          : 'Failed',
    timeBegan: cycle.startedAt,
    timeEnded: cycle.endedAt,
  };
}

/** How many cycles the status looks back over (last executions, successive failures, steady state). */
const CYCLES_LOOKED_AT = 200;

export interface GraphJobInputs {
  readonly job: CatalogJob;
  readonly record: JobRecord | null;
  /** Newest first. */
  readonly cycles: readonly CycleRecord[];
  readonly users: number;
  readonly groups: number;
  readonly progress: JobProgress | null;
  readonly now: Date;
}

/** Reads what `toGraphJob` needs from the store. */
export async function graphJobInputs(
  store: StateStore,
  job: CatalogJob,
  progress: JobProgress | null,
  now: Date,
): Promise<GraphJobInputs> {
  const [record, cycles, managed] = await Promise.all([
    store.getJob(job.jobId),
    store.listCycles(job.jobId, CYCLES_LOOKED_AT),
    store.countManaged(job.jobId),
  ]);
  return {
    job,
    record,
    cycles,
    users: managed.users,
    groups: managed.groups,
    progress,
    now,
  };
}

const settingOf = (job: CatalogJob, key: string): unknown => job.sections.settings?.[key];

export function toGraphJob(inputs: GraphJobInputs): SynchronizationJob {
  const { job, record, cycles, progress, now } = inputs;
  const configured = job.record !== null;
  const provisioningOff = settingOf(job, 'provisioningStatus') === 'off';
  const code = !configured
    ? 'NotConfigured'
    : record?.status === 'Paused' || provisioningOff
      ? 'Paused'
      : (record?.status ?? 'NotRun');
  const state =
    !configured || provisioningOff ? 'Disabled' : record?.status === 'Paused' ? 'Paused' : 'Active';
  const finished = cycles.filter((c) => c.state !== 'running');
  const lastSucceeded = finished.find((c) => c.state === 'succeeded');
  const lastWithExports = finished.find((c) => c.state === 'succeeded' && exportsOf(c) > 0);
  let failures = 0;
  for (const cycle of finished) {
    if (cycle.state !== 'failed') break;
    failures++;
  }
  const steady = finished.filter((c) => c.state === 'succeeded' && exportsOf(c) === 0);
  const quarantine = record?.quarantine ?? null;
  const interval = settingOf(job, 'interval');
  const threshold = settingOf(job, 'accidentalDeletionThreshold');
  return {
    id: job.jobId,
    templateId: job.templateId,
    schedule: {
      expiration: null,
      interval: typeof interval === 'string' ? interval : DEFAULT_INTERVAL,
      state,
    },
    status: {
      code,
      countSuccessiveCompleteFailures: failures,
      escrowsPruned: false,
      lastExecution: finished[0] === undefined ? null : taskExecution(finished[0]),
      lastSuccessfulExecution: lastSucceeded === undefined ? null : taskExecution(lastSucceeded),
      lastSuccessfulExecutionWithExports:
        lastWithExports === undefined ? null : taskExecution(lastWithExports),
      progress:
        progress === null
          ? []
          : [
              {
                completedUnits: progress.done,
                totalUnits: progress.total ?? progress.done,
                units: progress.phase,
                progressObservationDateTime: now.toISOString(),
              },
            ],
      quarantine:
        quarantine === null
          ? null
          : {
              currentBegan: quarantine.currentBegan,
              nextAttempt: quarantine.nextAttempt,
              reason: quarantine.reason,
              seriesBegan: quarantine.seriesBegan,
              seriesCount: quarantine.seriesCount,
              error: {
                code: quarantine.error.code,
                message: quarantine.error.message,
                tenantActionable: true,
              },
            },
      steadyStateFirstAchievedTime: steady.at(-1)?.endedAt ?? NEVER,
      steadyStateLastAchievedTime: steady[0]?.endedAt ?? NEVER,
      synchronizedEntryCountByType: [
        { key: 'User', value: inputs.users },
        { key: 'Group', value: inputs.groups },
      ],
      troubleshootingUrl: null,
    },
    synchronizationJobSettings: [
      {
        name: 'QuarantineTooManyDeletesThreshold',
        value: String(typeof threshold === 'number' ? threshold : 500),
      },
    ],
  };
}
