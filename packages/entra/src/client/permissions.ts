/**
 * What each Graph read needs, so that a 403 can name the missing application permission and say how
 * to grant it. The least privileged permission comes first; the others also work.
 */
export type GraphOperation =
  | 'readUsers'
  | 'readServicePrincipal'
  | 'readAssignments'
  | 'readGroupMembers'
  | 'readUserAssignments'
  | 'readUserGroups'
  | 'readGroups'
  | 'findGroup'
  | 'readApplication'
  | 'writeAppRoles';

export interface OperationInfo {
  /** What the request does, for messages ("read users"). */
  readonly what: string;
  /** The least privileged Graph application permission that allows it. */
  readonly permission: string;
  /** Other permissions that allow it too. */
  readonly alternatives: readonly string[];
  /**
   * A better explanation of a 403 than "grant the permission", when the token already has one of
   * the permissions and something else is missing (ownership of the application); null otherwise.
   */
  readonly explainRefusal?: (
    roles: readonly string[],
    clientId: string,
  ) => { readonly message: string; readonly fix: string } | null;
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
    what: 'read the members of a group',
    permission: 'GroupMember.Read.All',
    alternatives: ['Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All'],
  },
  // https://learn.microsoft.com/graph/api/user-list-approleassignments: User.Read.All is not enough.
  readUserAssignments: {
    what: "read a user's app role assignments",
    permission: 'Directory.Read.All',
    alternatives: ['AppRoleAssignment.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  readUserGroups: {
    what: 'read the groups a user is a direct member of',
    permission: 'GroupMember.Read.All',
    alternatives: ['Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All'],
  },
  readGroups: {
    what: 'read groups and their members (groups/delta)',
    permission: 'GroupMember.Read.All',
    alternatives: ['Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All'],
  },
  findGroup: {
    what: 'look up a group',
    permission: 'Group.Read.All',
    alternatives: ['Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  },
  readApplication: {
    what: 'read the Zendesk application registration and its app roles',
    permission: 'Application.Read.All',
    alternatives: ['Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All', 'Directory.Read.All'],
  },
  writeAppRoles: {
    what: "update the Zendesk application's app roles",
    permission: 'Application.ReadWrite.OwnedBy',
    alternatives: ['Application.ReadWrite.All'],
    explainRefusal: (roles, clientId) =>
      roles.includes('Application.ReadWrite.OwnedBy') && !roles.includes('Application.ReadWrite.All')
        ? {
            message:
              'the provisioning app has Application.ReadWrite.OwnedBy, which only allows changing ' +
              'applications it owns, and it is not an owner of the Zendesk application',
            fix: ownerFix(clientId),
          }
        : null,
  },
};

/**
 * How to make the provisioning app an owner of the Zendesk application (what
 * Application.ReadWrite.OwnedBy needs). The admin center's Owners blade adds only users, so it is
 * done through Graph or PowerShell. `applicationId` is the object id of the Zendesk app registration,
 * when known.
 */
export function ownerFix(clientId: string, applicationId?: string): string {
  const app = applicationId ?? '{object id of the Zendesk app registration}';
  return (
    `Make the provisioning app (client id ${clientId}) an owner of the Zendesk application registration, ` +
    `as an Application Administrator: POST https://graph.microsoft.com/v1.0/applications/${app}/owners/$ref ` +
    'with {"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{object id of the provisioning ' +
    `app's service principal}"} (Enterprise applications → the app with application id ${clientId} → ` +
    'Object ID), or New-MgApplicationOwnerByRef in PowerShell. Alternatively grant Application.ReadWrite.All, ' +
    'which allows changing every application in the tenant.'
  );
}
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
