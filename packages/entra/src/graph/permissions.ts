/**
 * What each Graph read needs, so that a 403 can name the missing application permission and say how
 * to grant it. The least privileged permission comes first; the others also work.
 */
export type GraphOperation = 'readUsers' | 'readServicePrincipal' | 'readAssignments' | 'readGroupMembers';

export interface OperationInfo {
  /** What the request does, for messages ("read users"). */
  readonly what: string;
  /** The least privileged Graph application permission that allows it. */
  readonly permission: string;
  /** Other permissions that allow it too. */
  readonly alternatives: readonly string[];
}

export const graphOperations: Readonly<Record<GraphOperation, OperationInfo>> = {
  readUsers: {
    what: 'read users',
    permission: 'User.Read.All',
    alternatives: ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  },
  readServicePrincipal: {
    what: "read the Zendesk application's service principal and app roles",
    permission: 'Application.Read.All',
    alternatives: ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'Directory.Read.All'],
  },
  readAssignments: {
    what: 'read the app role assignments of the Zendesk application',
    permission: 'Application.Read.All',
    alternatives: ['AppRoleAssignment.ReadWrite.All', 'Application.ReadWrite.All', 'Directory.Read.All'],
  },
  readGroupMembers: {
    what: 'read the members of an assigned group',
    permission: 'GroupMember.Read.All',
    alternatives: ['Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All'],
  },
};

/** Whether the token's permissions (its `roles` claim) include one that allows the operation. */
export function grants(roles: readonly string[], operation: GraphOperation): boolean {
  const info = graphOperations[operation];
  return [info.permission, ...info.alternatives].some((p) => roles.includes(p));
}

/** How to grant a Graph application permission with admin consent, for error messages and fixes. */
export function grantPermissionFix(permission: string, clientId: string): string {
  return (
    `Grant the Microsoft Graph application permission ${permission} to the provisioning app ` +
    `(client id ${clientId}): in the Microsoft Entra admin center open App registrations → the app → ` +
    `API permissions → Add a permission → Microsoft Graph → Application permissions → ${permission}, ` +
    `then select "Grant admin consent" (a Privileged Role Administrator or Global Administrator must do ` +
    'this). provisio asks for a new access token after a refusal, so the next read uses the new permission.'
  );
}
