import type {
  AppRoleDefinition,
  AssignmentChanges,
  ConnectionCheck,
  GroupSourceConnector,
  MemberRef,
  PublishAppRolesResult,
  ReadAssignmentChangesRequest,
  ReadAssignmentsResult,
  ReadGroupsRequest,
  ReadGroupsResult,
  ReadUsersRequest,
  ReadUsersResult,
  SourceConnector,
  SourceGroup,
  SourceUser,
} from '@provisio/engine';
import { MsalTokenProvider } from '../auth/token-provider.js';
import { GraphClient } from '../client/client.js';
import { createTransport, type HttpTransport } from '../client/http.js';
import { grants } from '../client/permissions.js';
import { AppRolePublisher } from './app-roles.js';
import { AssignmentChangeReader } from './assignment-changes.js';
import { AssignmentReader } from './assignments.js';
import { GroupReader } from './groups.js';
import { type EntraSourceOptions, resolveOptions } from './options.js';
import { testConnection } from './test-connection.js';
import { UserReader } from './users.js';

/**
 * The Entra ID source connector: users and assignments (`SourceConnector`), groups and role import
 * (`GroupSourceConnector`), plus `close()` to release its connections.
 */
export interface EntraSource extends SourceConnector, GroupSourceConnector {
  /** Closes the HTTP connections; the connector cannot be used afterwards. */
  close(): Promise<void>;
}

/**
 * The `SourceConnector` and `GroupSourceConnector` for Microsoft Entra ID through Microsoft Graph:
 * client-credentials tokens from msal-node, users and groups through delta queries, the Zendesk
 * application's app role assignments, and the import of Zendesk roles into its app roles.
 * Everything it holds belongs to this instance (no module state), so many jobs can run side by side.
 */
export function createEntraSource(options: EntraSourceOptions): EntraSource {
  const o = resolveOptions(options);
  const secrets = [o.clientSecret];
  const transport = observed(createTransport(o.ca === undefined ? {} : { ca: o.ca }), options.onResponse);
  const tokens = new MsalTokenProvider({
    authorityHost: o.authorityHost,
    tenantId: o.tenantId,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    scope: o.scope,
    transport,
  });
  const graph = new GraphClient({
    baseUrl: o.graphBaseUrl,
    transport,
    tokens,
    clientId: o.clientId,
    secrets,
    sleep: o.sleep,
  });
  const users = new UserReader({ graph, pageSize: o.pageSize });
  const assignments = new AssignmentReader({
    graph,
    servicePrincipalId: o.servicePrincipalId,
    pageSize: o.pageSize,
  });
  const assignmentChanges = new AssignmentChangeReader({
    graph,
    assignments,
    servicePrincipalId: o.servicePrincipalId,
    pageSize: o.pageSize,
    // The token's roles say whether users' assignments can be read (no request made).
    canReadUserAssignments: async () => grants((await tokens.get()).roles, 'readUserAssignments'),
  });
  const groups = new GroupReader({ graph, pageSize: o.pageSize, secrets });
  const appRoles = new AppRolePublisher({
    graph,
    assignments,
    servicePrincipalId: o.servicePrincipalId,
    clientId: o.clientId,
    pageSize: o.pageSize,
    secrets,
    sleep: o.sleep,
  });

  return {
    system: {
      displayName: 'Microsoft Entra ID',
      id: o.tenantId,
      details: { ServicePrincipalId: o.servicePrincipalId },
    },
    testConnection: (): Promise<ConnectionCheck> =>
      testConnection({
        tokens,
        graph,
        assignments,
        tenantId: o.tenantId,
        clientId: o.clientId,
        servicePrincipalId: o.servicePrincipalId,
      }),
    readUsers: (request: ReadUsersRequest): Promise<ReadUsersResult> => users.read(request),
    readAssignments: (): Promise<ReadAssignmentsResult> => assignments.read(),
    readAssignmentChanges: (request: ReadAssignmentChangesRequest): Promise<AssignmentChanges> =>
      assignmentChanges.read(request),
    getUser: (idOrUserPrincipalName: string, select: readonly string[]): Promise<SourceUser | null> =>
      users.get(idOrUserPrincipalName, select),
    searchUsers: (text: string, top: number, select: readonly string[]): Promise<readonly SourceUser[]> =>
      users.search(text, top, select),
    readGroups: (request: ReadGroupsRequest): Promise<ReadGroupsResult> => groups.read(request),
    getGroup: (idOrDisplayName: string, select: readonly string[]): Promise<SourceGroup | null> =>
      groups.get(idOrDisplayName, select),
    searchGroups: (text: string, top: number, select: readonly string[]): Promise<readonly SourceGroup[]> =>
      groups.search(text, top, select),
    readGroupMembers: (groupId: string): Promise<readonly MemberRef[]> => groups.members(groupId),
    publishAppRoles: (roles: readonly AppRoleDefinition[]): Promise<PublishAppRolesResult> =>
      appRoles.publish(roles),
    close: () => transport.close(),
  };
}

/** The transport, telling `onResponse` the status of each response. */
function observed(
  transport: HttpTransport,
  onResponse: ((status: number) => void) | undefined,
): HttpTransport {
  if (onResponse === undefined) return transport;
  return {
    request: async (url, init) => {
      const response = await transport.request(url, init);
      onResponse(response.status);
      return response;
    },
    close: () => transport.close(),
  };
}
