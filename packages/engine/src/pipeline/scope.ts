/**
 * Stage "scope": is this user in scope for provisioning, and if not, why. Pure; the result explains
 * itself for the provisioning log and for on-demand provisioning (Entra's "Active in source system",
 * "Assigned to application", "Scope sync all", "User has required role", scoping clauses).
 */
import type { CompiledScopingFilters, ScopeResult } from '@provisio/expressions';
import type { SourceAssignment } from '../ports/source.js';
import { DEFAULT_ACCESS_ROLE_ID } from './source-view.js';

/** Why a user is out of scope; also what kind of deprovisioning event it is for a linked user. */
export type OutOfScopeReason =
  /** Permanently deleted in Entra. */
  | 'hardDeleted'
  /** In Entra's deleted items (soft delete). */
  | 'softDeleted'
  /** accountEnabled is false. */
  | 'disabled'
  /** Not assigned to the application (scope "assigned"). */
  | 'notAssigned'
  /** Assigned only with Default Access, which the Zendesk tutorial excludes. */
  | 'defaultAccessOnly'
  /** A scoping filter excluded the user. */
  | 'scopingFilter';

export interface ScopeDecision {
  readonly inScope: boolean;
  readonly reason?: OutOfScopeReason;
  /** One sentence for the log. */
  readonly summary: string;
  readonly active: boolean;
  readonly assigned: boolean;
  readonly hasRequiredRole: boolean;
  /** Scoping filter evaluation, when it was reached. */
  readonly filters?: ScopeResult;
}

export interface ScopeSettings {
  readonly scope: 'assigned' | 'all';
  readonly defaultAccess: 'skip' | 'provision';
  readonly filters: CompiledScopingFilters;
}

export function decideScope(
  settings: ScopeSettings,
  attributes: Readonly<Record<string, unknown>>,
  assignments: readonly SourceAssignment[],
  removed: 'soft' | 'hard' | null,
): ScopeDecision {
  const assigned = assignments.length > 0;
  const onlyDefault = assigned && assignments.every((a) => a.appRoleId === DEFAULT_ACCESS_ROLE_ID);
  const hasRequiredRole = !(onlyDefault && settings.defaultAccess === 'skip');
  const active = removed === null && attributes['accountEnabled'] !== false;
  const base = { active, assigned, hasRequiredRole };
  if (removed === 'hard')
    return {
      ...base,
      inScope: false,
      reason: 'hardDeleted',
      summary: 'The user was permanently deleted in Entra ID.',
    };
  if (removed === 'soft')
    return {
      ...base,
      inScope: false,
      reason: 'softDeleted',
      summary: 'The user was deleted in Entra ID (in deleted items).',
    };
  if (!active)
    return {
      ...base,
      inScope: false,
      reason: 'disabled',
      summary: 'The user is disabled in Entra ID (accountEnabled is false).',
    };
  if (settings.scope === 'assigned' && !assigned)
    return {
      ...base,
      inScope: false,
      reason: 'notAssigned',
      summary: 'The user is not assigned to the application (scope: assigned users and groups only).',
    };
  if (settings.scope === 'assigned' && !hasRequiredRole)
    return {
      ...base,
      inScope: false,
      reason: 'defaultAccessOnly',
      summary:
        'The user is assigned only with Default Access, which is not provisioned to Zendesk (settings.defaultAccess: skip). Assign a Zendesk role.',
    };
  const filters = settings.filters.evaluate(attributes);
  if (!filters.inScope)
    return { ...base, inScope: false, reason: 'scopingFilter', summary: filters.summary, filters };
  return {
    ...base,
    inScope: true,
    summary:
      settings.scope === 'all'
        ? `In scope (scope: all users). ${filters.summary}`
        : `Assigned to the application with ${describeRoles(assignments)}. ${filters.summary}`,
    filters,
  };
}

function describeRoles(assignments: readonly SourceAssignment[]): string {
  const names = [
    ...new Set(
      assignments.map((a) =>
        a.viaGroupName ? `${a.roleDisplayName} (via group ${a.viaGroupName})` : a.roleDisplayName,
      ),
    ),
  ];
  return names.length === 1 ? `role ${names[0]}` : `roles ${names.join(', ')}`;
}
