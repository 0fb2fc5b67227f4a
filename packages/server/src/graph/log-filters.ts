/**
 * What `$filter` supports on the two log lists, property by property, and what each compiles to
 * in the state store (docs/api.md#provisioning-logs, docs/api.md#directory-audits). Graph's own lists
 * are the reference: provisioningObjectSummary supports `eq`, `contains`, `gt`, `lt`
 * (https://learn.microsoft.com/graph/api/provisioningobjectsummary-list), directoryAudit `eq`, `ge`,
 * `le`, `startswith` (https://learn.microsoft.com/graph/api/directoryaudit-list). provisio also
 * accepts `ge`/`le` on the provisioning log's time and `startswith` where Graph has `contains`.
 */
import type { AuditField, LogField, ProvisioningAction, ProvisioningStatus } from '@provisio/engine';
import { columnCondition, type FilterOperator, type FilterProperty, type FilterResource } from './odata.js';

const TIME_OPERATORS: readonly FilterOperator[] = ['eq', 'gt', 'ge', 'lt', 'le'];
const ID_OPERATORS: readonly FilterOperator[] = ['eq', 'contains', 'startswith'];

const log = (
  field: LogField,
  operators: readonly FilterOperator[],
  type: FilterProperty<LogField>['type'] = 'string',
  values?: readonly string[],
): FilterProperty<LogField> => ({
  operators,
  type,
  ...(values === undefined ? {} : { values }),
  to: columnCondition(field),
});

const ACTIONS: readonly ProvisioningAction[] = [
  'create',
  'update',
  'delete',
  'stagedDelete',
  'disable',
  'other',
];
const STATUSES: readonly ProvisioningStatus[] = ['success', 'warning', 'failure', 'skipped'];

export const provisioningLogFilter: FilterResource<LogField> = {
  properties: {
    id: log('id', ['eq']),
    jobId: log('jobId', ID_OPERATORS),
    cycleId: log('cycleId', ID_OPERATORS),
    changeId: log('changeId', ID_OPERATORS),
    activityDateTime: log('activityDateTime', TIME_OPERATORS, 'dateTime'),
    provisioningAction: log('provisioningAction', ['eq'], 'enum', ACTIONS),
    'provisioningStatusInfo/status': log('status', ['eq'], 'enum', STATUSES),
    'provisioningStatusInfo/errorInformation/errorCode': log('errorCode', ['eq']),
    'sourceIdentity/id': log('sourceId', ['eq', 'startswith']),
    'sourceIdentity/displayName': log('sourceDisplayName', ['eq', 'startswith', 'contains']),
    'targetIdentity/id': log('targetId', ['eq', 'startswith']),
    'servicePrincipal/id': log('servicePrincipalId', ['eq']),
  },
};

// ── directory audits ─────────────────────────────────────────────────────────────────────────────

/** The audit log's constant properties (docs/api.md#directory-audits). */
export const AUDIT_CATEGORY = 'ProvisioningManagement';
export const AUDIT_LOGGED_BY = 'Account Provisioning';
/** The initiator the service itself records (cycles, quarantine): shown as an app, not a user. */
export const SERVICE_INITIATOR = 'provisio';

const audit = (field: AuditField, operators: readonly FilterOperator[]): FilterProperty<AuditField> => ({
  operators,
  type: 'string',
  to: columnCondition(field),
});

/** A property every record has the same value of: `eq` is true or false for all of them. */
const constant = (value: string): FilterProperty<AuditField> => ({
  operators: ['eq'],
  type: 'string',
  to: (_op, given) => ({ kind: 'constant', value: given === value }),
});

/** `initiatedBy/user/…` matches people; `initiatedBy/app/…` the service itself. */
const initiator = (
  kind: 'user' | 'app',
  operators: readonly FilterOperator[],
): FilterProperty<AuditField> => ({
  operators,
  type: 'string',
  to: (op, value) => {
    const service = { kind: 'compare', field: 'initiatedBy', op: 'eq', value: SERVICE_INITIATOR } as const;
    if (kind === 'app')
      return { kind: 'and', operands: [service, columnCondition<AuditField>('initiatedBy')(op, value)] };
    return {
      kind: 'and',
      operands: [{ kind: 'not', operand: service }, columnCondition<AuditField>('initiatedBy')(op, value)],
    };
  },
});

export const directoryAuditFilter: FilterResource<AuditField> = {
  properties: {
    id: audit('id', ['eq']),
    correlationId: audit('id', ['eq']),
    activityDateTime: { ...audit('activityDateTime', TIME_OPERATORS), type: 'dateTime' },
    activityDisplayName: audit('activity', ['eq', 'startswith']),
    category: constant(AUDIT_CATEGORY),
    loggedByService: constant(AUDIT_LOGGED_BY),
    result: { ...audit('result', ['eq']), type: 'enum', values: ['success', 'failure'] },
    'initiatedBy/user/displayName': initiator('user', ['eq', 'startswith']),
    'initiatedBy/user/userPrincipalName': initiator('user', ['eq', 'startswith']),
    'initiatedBy/app/displayName': initiator('app', ['eq']),
  },
  collections: {
    // The job is the audit record's target resource (its id and display name are the job id).
    targetResources: {
      id: audit('jobId', ['eq']),
      displayName: audit('jobId', ['eq', 'startswith']),
    },
  },
};
