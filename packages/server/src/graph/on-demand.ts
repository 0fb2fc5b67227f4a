/**
 * Provision on demand's answer in Graph's shape
 * (https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-provisionondemand): a
 * `stringKeyStringValuePair` whose `key` is the JSON text of `{result, details}` and whose `value` is
 * the JSON text of the object's provisioning summary: its action, modified properties, identities and
 * the steps the engine ran (packages/engine/src/ondemand/provision.ts; docs/provisioning.md, "Provision
 * on demand"), named as Entra names them (EntryImport, EntrySynchronizationScoping, EntryExportAdd…).
 */
import type {
  OnDemandObject,
  OnDemandReport,
  OnDemandStep,
  ProvisioningObjectSummary,
} from '@provisio/engine';

export type OnDemandResult = 'Success' | 'Skipped' | 'Failure';

/** One step as Graph's provisionOnDemand shows it. */
export interface GraphOnDemandStep {
  readonly name: string;
  readonly type: 'Import' | 'Scoping' | 'Matching' | 'Processing' | 'Export';
  readonly status: OnDemandResult;
  readonly description: string;
  readonly timestamp: string;
  readonly details: Readonly<Record<string, string>>;
}

const stepStatus: Readonly<Record<OnDemandStep['status'], OnDemandResult>> = {
  success: 'Success',
  skipped: 'Skipped',
  failure: 'Failure',
};

const exportNames: Readonly<Record<ProvisioningObjectSummary['provisioningAction'], string>> = {
  create: 'EntryExportAdd',
  update: 'EntryExportUpdate',
  delete: 'EntryExportDelete',
  stagedDelete: 'EntryExportDelete',
  disable: 'EntryExportUpdateSoftDelete',
  other: 'EntrySynchronizationSkip',
};

function graphStep(
  step: OnDemandStep,
  timestamp: string,
  action: ProvisioningObjectSummary['provisioningAction'] | null,
): GraphOnDemandStep {
  const base = {
    status: stepStatus[step.status],
    description: step.description,
    timestamp,
    details: step.details,
  };
  switch (step.name) {
    case 'Test connection':
      return { name: 'TestConnection', type: 'Import', ...base };
    case 'Import':
      return { name: 'EntryImport', type: 'Import', ...base };
    case 'Determine if in scope':
      return { name: 'EntrySynchronizationScoping', type: 'Scoping', ...base };
    case 'Match':
      return { name: 'EntryImport', type: 'Matching', ...base };
    case 'Perform action':
      return {
        name: step.status === 'skipped' ? 'EntrySynchronizationSkip' : exportNames[action ?? 'other'],
        type: 'Export',
        ...base,
      };
  }
}

export interface OnDemandAnswerInput {
  readonly objectId: string;
  readonly objectTypeName: 'User' | 'Group';
  readonly report: OnDemandReport;
  /** The provisioning log entry the run wrote (or, dry, would write) for the subject, if any. */
  readonly entry: ProvisioningObjectSummary | null;
  readonly startTime: string;
  readonly endTime: string;
  /** provisio's dry run: nothing was written; `entry` is the entry the run would have written. */
  readonly dryRun?: boolean;
  readonly sourceSystemName: string;
  readonly targetSystemName: string;
}

/** The object the subject names: the user, or for a group the group (after its members). */
export function subjectObject(report: OnDemandReport, objectId: string): OnDemandObject | undefined {
  const id = objectId.toLowerCase();
  return report.objects.find((o) => o.id.toLowerCase() === id) ?? report.objects.at(-1);
}

export function onDemandAnswer(input: OnDemandAnswerInput): { key: string; value: string } {
  const { report, entry } = input;
  const object = subjectObject(report, input.objectId);
  const steps = object?.steps ?? [];
  const failed = report.objects.some((o) => o.steps.some((s) => s.status === 'failure'));
  const actionStep = steps.find((s) => s.name === 'Perform action');
  const result: OnDemandResult = failed
    ? 'Failure'
    : actionStep === undefined || actionStep.status === 'skipped'
      ? 'Skipped'
      : 'Success';
  const failure = steps.find((s) => s.status === 'failure');
  const errorInformation = entry?.provisioningStatusInfo.errorInformation ?? null;
  const details =
    result === 'Success'
      ? {}
      : {
          errorCode:
            errorInformation?.errorCode ?? (result === 'Skipped' ? 'RedundantExport' : 'ProvisioningFailed'),
          errorMessage:
            errorInformation?.reason ?? (failure ?? actionStep)?.description ?? report.error ?? '',
        };
  const action = entry?.provisioningAction ?? null;
  const value = {
    action: action === null ? 'Other' : action.charAt(0).toUpperCase() + action.slice(1),
    changeId: input.dryRun === true ? null : (entry?.changeId ?? null),
    startTime: input.startTime,
    endTime: input.endTime,
    modifiedProperties: entry?.modifiedProperties ?? [],
    provisioningSteps: steps.map((step) => graphStep(step, input.endTime, action)),
    reportableIdentifier: object?.displayName ?? input.objectId,
    statusInfo: {
      status: result,
      errorCode: errorInformation?.errorCode ?? null,
      reason: errorInformation?.reason ?? null,
      additionalDetails: errorInformation?.additionalDetails ?? null,
      errorCategory: errorInformation?.errorCategory ?? null,
      recommendedAction: errorInformation?.recommendedAction ?? null,
    },
    sourceIdentity: {
      id: input.objectId,
      type: input.objectTypeName,
      displayName: object?.displayName ?? null,
      details: null,
    },
    sourceSystem: { id: null, name: input.sourceSystemName, details: null },
    targetIdentity: {
      id: entry?.targetIdentity.id || null,
      type: input.objectTypeName,
      displayName: entry?.targetIdentity.displayName || null,
      details: null,
    },
    targetSystem: { id: null, name: input.targetSystemName, details: null },
    // provisio: a dry run wrote nothing; its action and modified properties are what it would do.
    ...(input.dryRun === true ? { dryRun: true } : {}),
    // provisio: for a group, its member users provisioned first, each with its steps.
    ...(input.objectTypeName === 'Group'
      ? {
          members: report.objects
            .filter((o) => o !== object)
            .map((o) => ({
              id: o.id,
              displayName: o.displayName,
              provisioningSteps: o.steps.map((step) => graphStep(step, input.endTime, null)),
            })),
        }
      : {}),
  };
  return { key: JSON.stringify({ result, details }), value: JSON.stringify(value) };
}
