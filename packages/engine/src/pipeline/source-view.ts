/**
 * What the expressions see for one source user: the Graph properties, plus what Entra computes
 * (`objectId`, `appRoleAssignments` for the role functions, `IsSoftDeleted`).
 */
import type { AppRoleAssignment } from '@provisio/expressions';
import type { SourceAssignment } from '../ports/source.js';

export const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000';

/** A user's assignments, direct ones first, then by role name: "the first role" is stable. */
export function sortAssignments(assignments: readonly SourceAssignment[]): SourceAssignment[] {
  return [...assignments].sort(
    (a, b) =>
      Number(a.viaGroupId !== undefined) - Number(b.viaGroupId !== undefined) ||
      a.roleDisplayName.localeCompare(b.roleDisplayName) ||
      a.id.localeCompare(b.id),
  );
}

/**
 * The attribute bag the mappings and scoping filters evaluate. Default Access is not a Zendesk role,
 * so it never reaches the role functions.
 */
export function sourceView(
  sourceId: string,
  attributes: Readonly<Record<string, unknown>>,
  assignments: readonly SourceAssignment[],
  softDeleted: boolean,
): Record<string, unknown> {
  const roles: AppRoleAssignment[] = sortAssignments(assignments)
    .filter((a) => a.appRoleId !== DEFAULT_ACCESS_ROLE_ID)
    .map((a) => ({ id: a.id, displayName: a.roleDisplayName, value: a.roleValue, appRoleId: a.appRoleId }));
  return {
    ...attributes,
    objectId: sourceId,
    appRoleAssignments: roles,
    IsSoftDeleted: softDeleted,
  };
}

/** Display label for logs: the display name, else the UPN, else the id. */
export function sourceDisplayName(sourceId: string, attributes: Readonly<Record<string, unknown>>): string {
  const name = attributes['displayName'];
  if (typeof name === 'string' && name.trim() !== '') return name;
  const upn = attributes['userPrincipalName'];
  return typeof upn === 'string' && upn !== '' ? upn : sourceId;
}
