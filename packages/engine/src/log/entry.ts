/**
 * Builds one provisioning log entry (Graph `provisioningObjectSummary`) from a planned decision and,
 * when a write was made, its result. Values shown are those of the selected source attributes and
 * the mapped target attributes; `[Redact]` is honoured; connectors never hand us secrets.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/load.js';
import { lookupError } from '../errors/engine.js';
import type { PlannedUser } from '../pipeline/plan.js';
import type { SystemInfo } from '../ports/common.js';
import type { TargetActionResult } from '../ports/target.js';
import type {
  ErrorInformation,
  ProvisioningObjectSummary,
  ProvisioningStatus,
  ProvisioningStep,
} from './types.js';

export interface LogContext {
  readonly tenantId: string;
  readonly jobId: string;
  readonly cycleId: string;
  readonly servicePrincipalId: string;
  /** The application's name in the source (Entra's enterprise application: "Zendesk"). */
  readonly servicePrincipalName: string;
  /** Where the objects come from and go to, as the connectors describe themselves. */
  readonly sourceSystem: SystemInfo;
  readonly targetSystem: SystemInfo;
  readonly initiatedBy?: {
    readonly id: string;
    readonly displayName: string;
    readonly initiatorType: 'system' | 'user';
  };
  /** Source attributes whose values the log must not show (read inside Redact). */
  readonly redactedSources?: ReadonlySet<string>;
}

const MAX_DETAIL = 1000;

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  const out = typeof value === 'string' ? value : JSON.stringify(value);
  return out.length > MAX_DETAIL ? `${out.slice(0, MAX_DETAIL)}…` : out;
}

function importStep(user: PlannedUser, redacted: ReadonlySet<string>, source: string): ProvisioningStep {
  const details: Record<string, string> = {};
  for (const [name, value] of Object.entries(user.view)) {
    if (redacted.has(name)) {
      details[name] = '[Redact]';
      continue;
    }
    if (name === 'appRoleAssignments') {
      const roles = (value as readonly { displayName: string }[]).map((r) => r.displayName);
      details[name] = roles.join(', ');
      continue;
    }
    details[name] = text(value);
  }
  const change = user.change === 'None' ? 'Update' : user.change;
  return {
    name: 'EntryImport',
    provisioningStepType: 'import',
    status: 'success',
    description: `Received User '${user.displayName}' change of type (${change}) from ${source}`,
    details,
  };
}

function scopingStep(user: PlannedUser): ProvisioningStep {
  const s = user.scope;
  const details: Record<string, string> = {
    IsActive: String(s.active),
    Assigned: String(s.assigned),
    HasRequiredRole: String(s.hasRequiredRole),
    ScopeEvaluationResult: s.inScope ? 'InScope' : `OutOfScope (${s.reason ?? ''})`,
  };
  for (const group of s.filters?.groups ?? [])
    for (const clause of group.clauses)
      details[`${group.name}: ${clause.attribute} ${clause.operator} ${clause.expected.join(',')}`] =
        `${clause.passed ? 'passed' : 'failed'} (value: ${text(clause.actual)})${clause.reason ? `; ${clause.reason}` : ''}`;
  return {
    name: 'EntrySynchronizationScoping',
    provisioningStepType: 'scoping',
    status: s.inScope ? 'success' : 'skipped',
    description: `Determine if User in scope by evaluating against each scoping filter: ${s.summary}`,
    details,
  };
}

function matchingStep(user: PlannedUser, source: string, target: string): ProvisioningStep | null {
  const m = user.match;
  if (m === null) return null;
  const details: Record<string, string> = {};
  if (user.link && (user.link.state === 'active' || user.link.state === 'disabled'))
    details['CachedLink'] = user.link.targetId;
  for (const tried of m.tried)
    details[`${tried.attribute} = ${tried.value}`] =
      tried.candidates.length === 0
        ? 'no candidate'
        : tried.candidates.map((c) => `${c.id} (${c.displayName})`).join('; ');
  const names = {
    linked: [
      'EntrySynchronizationUpdate',
      `User '${user.displayName}' is linked to ${target} user ${m.kind === 'linked' ? m.target.id : ''}`,
    ],
    matched: [
      'EntrySynchronizationUpdate',
      `User '${user.displayName}' matched ${target} user ${m.kind === 'matched' ? `${m.target.id} by ${m.attribute}` : ''}${user.matchedByTarget ? ` (${target} found it when asked to create the user)` : ''}`,
    ],
    none: [
      'EntrySynchronizationAdd',
      `User '${user.displayName}' will be created in ${target} (User is active and in scope in ${source}, but no matching User was found in ${target})`,
    ],
    duplicate: [
      'EntrySynchronizationError',
      `More than one ${target} user matches User '${user.displayName}'`,
    ],
    noMatchingValue: [
      'EntrySynchronizationSkip',
      `User '${user.displayName}' has no value for any matching attribute`,
    ],
  } as const;
  const [name, description] = names[m.kind];
  return {
    name,
    provisioningStepType: 'matching',
    status: m.kind === 'duplicate' ? 'failure' : m.kind === 'noMatchingValue' ? 'skipped' : 'success',
    description,
    details,
  };
}

function exportStep(
  user: PlannedUser,
  result: TargetActionResult | undefined,
  target: string,
): ProvisioningStep | null {
  if (user.action === null || result === undefined) {
    if (user.action === null && user.provisioningAction === 'other')
      return {
        name: 'EntrySynchronizationSkip',
        provisioningStepType: 'export',
        status: user.status === 'warning' ? 'warning' : 'skipped',
        description: user.description,
        details: user.error ? { SkipReason: user.error.code } : {},
      };
    return null;
  }
  const kind = user.action.kind;
  const verb = {
    create: 'Add',
    update: 'Update',
    reactivate: 'Update',
    disable: 'Disable',
    delete: 'Delete',
  }[kind];
  if (result.ok)
    return {
      name: `EntryExport${verb}`,
      provisioningStepType: 'export',
      status: 'success',
      description: user.matchedByTarget
        ? `${user.description} (id ${result.user.id})`
        : `${verb === 'Add' ? 'Created' : verb === 'Delete' ? 'Deleted' : verb === 'Disable' ? 'Disabled' : 'Updated'} User '${user.displayName}' in ${target} (id ${result.user.id})`,
      details: { ReportableIdentifier: result.user.id, Request: result.request },
    };
  return {
    name: `EntryExport${verb}`,
    provisioningStepType: 'export',
    status: 'failure',
    description: `Failed to ${verb === 'Add' ? 'create' : verb.toLowerCase()} User '${user.displayName}' in ${target}: ${result.error.message}`,
    details: {
      ...(result.error.request ? { Request: result.error.request } : {}),
      ...(result.error.httpStatus ? { HttpStatus: String(result.error.httpStatus) } : {}),
      ...(result.error.response ? { Response: text(result.error.response) } : {}),
    },
  };
}

/** Status and error for the entry as a whole. */
function outcome(
  user: PlannedUser,
  result: TargetActionResult | undefined,
): { status: ProvisioningStatus; error: ErrorInformation | null } {
  if (result && !result.ok)
    return {
      status: 'failure',
      error: {
        errorCode: result.error.code,
        reason: result.error.message,
        // Zendesk's answer, or else the internal detail: the log is for the administrator.
        additionalDetails: result.error.response ?? result.error.detail ?? null,
        errorCategory: result.error.retryable ? 'transientFailure' : 'nonServiceFailure',
        recommendedAction:
          result.error.recommendedAction ??
          lookupError(result.error.code)?.recommendedAction ??
          (result.error.retryable ? 'No action needed: provisio retries in the next cycle.' : null),
      },
    };
  if (user.error && user.status !== 'success')
    return {
      status: user.status,
      error: {
        errorCode: user.error.code,
        reason: user.error.reason,
        additionalDetails: null,
        errorCategory: 'nonServiceFailure',
        recommendedAction: user.error.recommendedAction ?? null,
      },
    };
  return { status: user.status, error: null };
}

export function buildLogEntry(
  context: LogContext,
  user: PlannedUser,
  result: TargetActionResult | undefined,
  activity: Date,
  durationInMilliseconds: number,
): ProvisioningObjectSummary {
  const steps = [
    importStep(user, context.redactedSources ?? new Set(), context.sourceSystem.displayName),
    scopingStep(user),
    matchingStep(user, context.sourceSystem.displayName, context.targetSystem.displayName),
    exportStep(user, result, context.targetSystem.displayName),
  ].filter((step): step is ProvisioningStep => step !== null);
  const { status, error } = outcome(user, result);
  const targetUser = result?.ok ? result.user : user.target;
  return {
    id: randomUUID(),
    activityDateTime: activity.toISOString(),
    tenantId: context.tenantId,
    jobId: context.jobId,
    cycleId: context.cycleId,
    changeId: randomUUID(),
    provisioningAction: user.provisioningAction,
    durationInMilliseconds,
    initiatedBy: context.initiatedBy ?? { id: '', displayName: 'provisio', initiatorType: 'system' },
    modifiedProperties: user.modifiedProperties,
    provisioningSteps: steps,
    sourceIdentity: {
      id: user.sourceId,
      displayName: user.displayName,
      identityType: 'User',
      details: { UserPrincipalName: text(user.view['userPrincipalName']) },
    },
    targetIdentity: {
      id: targetUser?.id ?? '',
      displayName: targetUser?.displayName ?? '',
      identityType: 'User',
      details: null,
    },
    ...systemsOf(context),
    provisioningStatusInfo: { status, errorInformation: error },
  };
}

/** The log context of a job's cycle (or on-demand run), from its configuration and connectors. */
export function logContextFor(
  deps: {
    readonly source: { readonly system: SystemInfo };
    readonly target: { readonly system: SystemInfo };
  },
  config: Pick<Config, 'source' | 'users'> & { readonly settings: Pick<Config['settings'], 'jobId'> },
  cycleId: string,
  extra: { readonly servicePrincipalName?: string; readonly initiatedBy?: LogContext['initiatedBy'] } = {},
): LogContext {
  return {
    tenantId: config.source.tenantId,
    jobId: config.settings.jobId,
    cycleId,
    servicePrincipalId: config.source.servicePrincipalId,
    // The enterprise application is the target's gallery app ("Zendesk") unless named otherwise.
    servicePrincipalName: extra.servicePrincipalName ?? deps.target.system.displayName,
    sourceSystem: deps.source.system,
    targetSystem: deps.target.system,
    redactedSources: config.users.redactedSources,
    ...(extra.initiatedBy ? { initiatedBy: extra.initiatedBy } : {}),
  };
}

/** The parts of an entry every object shares: the service principal and both systems. */
export function systemsOf(
  context: LogContext,
): Pick<ProvisioningObjectSummary, 'servicePrincipal' | 'sourceSystem' | 'targetSystem'> {
  return {
    servicePrincipal: { id: context.servicePrincipalId, displayName: context.servicePrincipalName },
    sourceSystem: {
      id: context.sourceSystem.id,
      displayName: context.sourceSystem.displayName,
      details: { ...context.sourceSystem.details },
    },
    targetSystem: {
      id: context.targetSystem.id,
      displayName: context.targetSystem.displayName,
      details: { ...context.targetSystem.details },
    },
  };
}
