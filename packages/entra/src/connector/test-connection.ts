import type { ConnectionCheck, ConnectionStep } from '@provisio/engine';
import { ConnectorFailure, connectionCheck } from '@provisio/engine';
import type { TokenSource } from '../auth/token-provider.js';
import type { GraphClient } from '../client/client.js';
import { grantPermissionFix, grants, graphOperations, ownerFix } from '../client/permissions.js';
import {
  application,
  appRoleAssignment,
  directoryObject,
  pageOf,
  servicePrincipal,
  user,
} from '../client/schemas.js';
import { EntraErrorCode } from '../errors.js';
import { type AssignmentReader, appRolesOf } from './assignments.js';

export interface ConnectionTestDeps {
  readonly tokens: TokenSource;
  readonly graph: GraphClient;
  readonly assignments: AssignmentReader;
  readonly tenantId: string;
  readonly clientId: string;
  readonly servicePrincipalId: string;
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A failed step from whatever a check threw: a connector failure's code and fix, or a bug. */
function failedStep(name: string, error: unknown): ConnectionStep {
  if (error instanceof ConnectorFailure)
    return {
      name,
      ok: false,
      detail: error.message,
      code: error.detail.code,
      ...(error.detail.recommendedAction === undefined ? {} : { fix: error.detail.recommendedAction }),
    };
  return {
    name,
    ok: false,
    detail: `Unexpected error: ${error instanceof Error ? error.message : String(error)}`,
    code: EntraErrorCode.UnexpectedSourceResponse,
    fix: 'This is likely a provisio bug; please report it with this message.',
  };
}

/**
 * Test Connection: a token, then one read per permission a job needs, each explained. Steps that
 * depend on a failed one are left out; independent ones still run, so one test shows every problem.
 * Never throws.
 */
export async function testConnection(deps: ConnectionTestDeps): Promise<ConnectionCheck> {
  const steps: ConnectionStep[] = [];
  const run = async (name: string, check: () => Promise<string>): Promise<boolean> => {
    try {
      steps.push({ name, ok: true, detail: await check() });
      return true;
    } catch (error) {
      steps.push(failedStep(name, error));
      return false;
    }
  };

  let roles: readonly string[] = [];
  const tokenOk = await run('token', async () => {
    const token = await deps.tokens.get();
    roles = token.roles;
    return (
      `Access token issued to app ${deps.clientId} in tenant ${deps.tenantId}; Graph application permissions: ` +
      `${roles.length > 0 ? roles.join(', ') : 'none'}.`
    );
  });
  if (!tokenOk) return connectionCheck(steps);

  const { graph } = deps;
  let zendeskAppId: string | null = null;
  const spOk = await run('read service principal', async () => {
    try {
      const sp = await deps.assignments.servicePrincipal();
      zendeskAppId = sp.appId ?? null;
      const names = appRolesOf(sp).map((r) => r.displayName);
      return `Service principal "${sp.displayName ?? sp.id}" (app id ${sp.appId ?? 'unknown'}) with app roles ${names.join(', ')}.`;
    } catch (error) {
      if (error instanceof ConnectorFailure && error.detail.code === EntraErrorCode.ServicePrincipalNotFound)
        throw await explainMissingServicePrincipal(deps, error);
      throw error;
    }
  });

  await run('read users', async () => {
    const page = await graph.get(graph.url('/v1.0/users?$top=1&$select=id,userPrincipalName'), pageOf(user), {
      operation: 'readUsers',
    });
    const first = page.value[0];
    return first === undefined
      ? 'Users can be read; the tenant has none.'
      : `Users can be read (first: ${String(first['userPrincipalName'] ?? first.id)}).`;
  });

  if (!spOk) return connectionCheck(steps);
  let groupId: string | null = null;
  await run('read app role assignments', async () => {
    const page = await graph.get(deps.assignments.assignmentsUrl(999), pageOf(appRoleAssignment), {
      operation: 'readAssignments',
    });
    const count = (type: string) => page.value.filter((a) => a.principalType === type).length;
    groupId = page.value.find((a) => a.principalType === 'Group')?.principalId ?? null;
    const more = page['@odata.nextLink'] !== undefined ? ' (first page)' : '';
    return `${page.value.length} app role assignments${more}: ${count('User')} users, ${count('Group')} groups.`;
  });

  const assignedGroup: string | null = groupId;
  if (assignedGroup !== null)
    await run('read group members', async () => {
      await graph.get(deps.assignments.membersUrl(assignedGroup, 1), pageOf(directoryObject), {
        operation: 'readGroupMembers',
      });
      return 'Members of assigned groups can be read.';
    });
  else if (steps.every((s) => s.ok) && !grants(roles, 'readGroupMembers'))
    steps.push({
      name: 'read group members',
      ok: true,
      detail:
        `No group is assigned to the application yet. Assigning one will need the permission ` +
        `${graphOperations.readGroupMembers.permission}, which the app does not have: ` +
        grantPermissionFix(graphOperations.readGroupMembers.permission, deps.clientId),
    });

  // Group provisioning reads groups/delta; role import writes the application's app roles.
  await run('read groups', async () => {
    await graph.get(graph.url('/v1.0/groups/delta?$select=id,displayName&$top=1'), pageOf(directoryObject), {
      operation: 'readGroups',
    });
    return 'Groups and their members can be read (groups/delta).';
  });
  steps.push(userAssignmentsStep(deps, roles));
  steps.push(await importRolesStep(deps, roles, zendeskAppId));

  return connectionCheck(steps);
}

/**
 * Reading one user's app role assignments between sweeps (docs/provisioning.md#how-assignment-changes-are-found)
 * needs Directory.Read.All (or AppRoleAssignment.ReadWrite.All): User.Read.All is not enough
 * (https://learn.microsoft.com/graph/api/user-list-approleassignments). Optional: without it the
 * assignments are read whole whenever a user must be read. Told from the token's roles, no request.
 */
function userAssignmentsStep(deps: ConnectionTestDeps, roles: readonly string[]): ConnectionStep {
  const name = 'read user assignments';
  const info = graphOperations.readUserAssignments;
  const held = [info.permission, ...info.alternatives].find((p) => roles.includes(p));
  if (held !== undefined)
    return {
      name,
      ok: true,
      level: 'optional',
      detail: `One user's app role assignments can be read between sweeps (${held}).`,
    };
  return {
    name,
    ok: false,
    level: 'optional',
    code: EntraErrorCode.InsufficientRights,
    detail: `Reading one user's app role assignments needs ${info.permission} (or ${info.alternatives[0]}); the app has neither.`,
    fix: grantPermissionFix(info.permission, deps.clientId),
    lost: 'assignment changes cost what changed only with it: without it, every cycle that has a new user or a change of membership in an assigned group reads every assignment of the Zendesk application (as many Graph requests as the application has assignments / 999, plus its groups)',
  };
}

/** What goes without role import (docs/provisioning.md#roles-importing-zendesks-roles-into-entra). */
const importRolesLost =
  "`provisio roles import` cannot write Zendesk's roles as app roles of the Zendesk application: maintain the app roles by hand (App registrations → Zendesk → App roles, each value the Zendesk role's name); provisioning works with them as with imported ones";

/**
 * Role import is optional: hand-made app roles work as well. With Application.ReadWrite.All it can
 * write any application; with Application.ReadWrite.OwnedBy only the applications the app owns, so
 * the owners of the Zendesk application registration are read
 * (https://learn.microsoft.com/graph/api/application-list-owners) and the provisioning app must be
 * among them.
 */
async function importRolesStep(
  deps: ConnectionTestDeps,
  roles: readonly string[],
  zendeskAppId: string | null,
): Promise<ConnectionStep> {
  const name = 'import roles';
  const warning = (
    detail: string,
    fix: string,
    code = EntraErrorCode.InsufficientRights,
  ): ConnectionStep => ({
    name,
    ok: false,
    level: 'optional',
    code,
    detail,
    fix,
    lost: importRolesLost,
  });
  if (roles.includes('Application.ReadWrite.All'))
    return {
      name,
      ok: true,
      level: 'optional',
      detail: "The app may update the Zendesk application's app roles (Application.ReadWrite.All).",
    };
  if (!grants(roles, 'writeAppRoles'))
    return warning(
      `Role import (Zendesk's roles as app roles) needs ${graphOperations.writeAppRoles.permission} (with the app as an owner of the Zendesk application) or Application.ReadWrite.All; the app has neither.`,
      grantPermissionFix(graphOperations.writeAppRoles.permission, deps.clientId),
    );
  if (zendeskAppId === null)
    return warning(
      'The Zendesk service principal names no application id, so the owners of its application cannot be read.',
      ownerFix(deps.clientId),
    );
  const { graph } = deps;
  try {
    const app = await graph.find(
      graph.url(
        `/v1.0/applications(appId='${encodeURIComponent(zendeskAppId)}')?$select=id,appId,displayName`,
      ),
      application,
      { operation: 'readApplication' },
    );
    if (app === null)
      return warning(
        `The application registration of the Zendesk app (app id ${zendeskAppId}) is not visible to this app: with Application.ReadWrite.OwnedBy it must own it.`,
        ownerFix(deps.clientId),
      );
    const owners = await graph.get(
      graph.url(`/v1.0/applications/${encodeURIComponent(app.id)}/owners?$select=id,appId,displayName`),
      pageOf(directoryObject),
      { operation: 'readApplication' },
    );
    const clientId = deps.clientId.toLowerCase();
    const owns = owners.value.some((o) => String(o['appId'] ?? '').toLowerCase() === clientId);
    if (!owns)
      return warning(
        `The app has Application.ReadWrite.OwnedBy but is not an owner of the Zendesk application registration "${app.displayName ?? app.id}" (owners: ${owners.value.length === 0 ? 'none' : owners.value.map((o) => String(o['displayName'] ?? o.id)).join(', ')}).`,
        ownerFix(deps.clientId, app.id),
      );
    return {
      name,
      ok: true,
      level: 'optional',
      detail: `The app owns the Zendesk application registration "${app.displayName ?? app.id}" and may update its app roles (Application.ReadWrite.OwnedBy).`,
    };
  } catch (error) {
    const failed = failedStep(name, error);
    return { ...failed, level: 'optional', lost: importRolesLost };
  }
}

/**
 * The usual mistake is the application (client) id of the Zendesk app instead of its service
 * principal's object id: when the configured id is an app id, say so and give the right one.
 */
async function explainMissingServicePrincipal(
  deps: ConnectionTestDeps,
  failure: ConnectorFailure,
): Promise<ConnectorFailure> {
  if (!guid.test(deps.servicePrincipalId)) return failure;
  try {
    const byAppId = await deps.graph.find(
      deps.graph.url(
        `/v1.0/servicePrincipals(appId='${deps.servicePrincipalId}')?$select=id,appId,displayName`,
      ),
      servicePrincipal,
      { operation: 'readServicePrincipal' },
    );
    if (byAppId === null) return failure;
    return new ConnectorFailure({
      ...failure.detail,
      message:
        `${deps.servicePrincipalId} is the Application ID of "${byAppId.displayName ?? byAppId.id}", not the ` +
        `Object ID of its service principal, which is ${byAppId.id}.`,
      recommendedAction: `Set servicePrincipalId to ${byAppId.id} (Enterprise applications → ${byAppId.displayName ?? 'the app'} → Overview → Object ID).`,
    });
  } catch {
    return failure;
  }
}
