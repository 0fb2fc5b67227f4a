import type {
  ReadAssignmentsResult,
  SourceAppRole,
  SourceAssignment,
  SourceGroupAssignment,
} from '@provisio/engine';
import { ConnectorFailure } from '@provisio/engine';
import type { GraphClient } from '../client/client.js';
import { paginate } from '../client/paginate.js';
import {
  type AppRoleAssignment,
  appRoleAssignment,
  directoryObject,
  type ServicePrincipal,
  servicePrincipal,
} from '../client/schemas.js';

/** The role of an assignment "to the app" without a specific role; Entra does not list it in appRoles. */
export const defaultAccessRoleId = '00000000-0000-0000-0000-000000000000';
export const defaultAccessRoleName = 'Default Access';

/** Group member lists read at the same time. */
const groupConcurrency = 4;

/** A role as read from a service principal or application, or as written back. */
interface RoleLike {
  readonly id: string;
  readonly displayName?: string | null | undefined;
  readonly value?: string | null | undefined;
  readonly isEnabled?: boolean | undefined;
}

/** The application's roles as the port wants them, Default Access included. */
export function appRolesOf(sp: { readonly appRoles: readonly RoleLike[] }): SourceAppRole[] {
  const roles: SourceAppRole[] = sp.appRoles.map((role) => ({
    id: role.id,
    displayName: role.displayName ?? role.value ?? role.id,
    value: role.value ?? null,
    isEnabled: role.isEnabled ?? true,
  }));
  if (!roles.some((role) => role.id === defaultAccessRoleId))
    roles.push({ id: defaultAccessRoleId, displayName: defaultAccessRoleName, value: null, isEnabled: true });
  return roles;
}

/**
 * Effective assignments from the service principal's `appRoleAssignedTo`: a user assignment as is,
 * a group assignment once for each direct user member of the group (Entra does not expand nested
 * groups). Other principals (service principals) are left out. `membersOf` gives a group's direct
 * user members.
 */
export function effectiveAssignments(
  assignments: readonly AppRoleAssignment[],
  roles: readonly SourceAppRole[],
  membersOf: ReadonlyMap<string, readonly string[]>,
): SourceAssignment[] {
  const roleById = new Map(roles.map((role) => [role.id.toLowerCase(), role]));
  const out: SourceAssignment[] = [];
  for (const assignment of assignments) {
    const role = roleById.get(assignment.appRoleId.toLowerCase());
    const base = {
      id: assignment.id,
      appRoleId: assignment.appRoleId,
      // A role removed from the application keeps its assignments (as in Entra): name it by its id.
      roleDisplayName: role?.displayName ?? `Unknown role ${assignment.appRoleId}`,
      roleValue: role?.value ?? null,
    };
    if (assignment.principalType === 'User') out.push({ ...base, userId: assignment.principalId });
    else if (assignment.principalType === 'Group')
      for (const userId of membersOf.get(assignment.principalId) ?? [])
        out.push({
          ...base,
          userId,
          viaGroupId: assignment.principalId,
          ...(assignment.principalDisplayName ? { viaGroupName: assignment.principalDisplayName } : {}),
        });
  }
  return out;
}

const userType = '#microsoft.graph.user';

export interface AssignmentReaderOptions {
  readonly graph: GraphClient;
  readonly servicePrincipalId: string;
  readonly pageSize: number;
}

export class AssignmentReader {
  constructor(private readonly options: AssignmentReaderOptions) {}

  /** `GET /servicePrincipals/{id}` with its app roles. */
  servicePrincipal(): Promise<ServicePrincipal> {
    const { graph, servicePrincipalId } = this.options;
    return graph.get(
      graph.url(
        `/v1.0/servicePrincipals/${encodeURIComponent(servicePrincipalId)}?$select=id,appId,displayName,appRoles`,
      ),
      servicePrincipal,
      { operation: 'readServicePrincipal' },
    );
  }

  assignmentsUrl(top: number): string {
    return this.options.graph.url(
      `/v1.0/servicePrincipals/${encodeURIComponent(this.options.servicePrincipalId)}/appRoleAssignedTo` +
        `?$select=id,appRoleId,principalId,principalType,principalDisplayName&$top=${top}`,
    );
  }

  membersUrl(groupId: string, top: number): string {
    return this.options.graph.url(
      `/v1.0/groups/${encodeURIComponent(groupId)}/members?$select=id&$top=${top}`,
    );
  }

  async read(): Promise<ReadAssignmentsResult> {
    const sp = await this.servicePrincipal();
    const roles = appRolesOf(sp);
    const { assignments } = await this.list();
    const groupIds = assignedGroupIds(assignments);
    const membersOf = new Map<string, readonly string[]>();
    await forEachLimited(groupIds, groupConcurrency, async (groupId) => {
      membersOf.set(groupId, await this.directUserMembers(groupId));
    });
    return {
      roles,
      assignments: effectiveAssignments(assignments, roles, membersOf),
      groups: groupAssignmentsOf(assignments, roles),
    };
  }

  /** Every assignment to the application (`appRoleAssignedTo`), with the number of pages read. */
  async list(): Promise<{ assignments: AppRoleAssignment[]; pages: number }> {
    const { graph, pageSize } = this.options;
    const assignments: AppRoleAssignment[] = [];
    let pages = 0;
    for await (const page of paginate(graph, {
      url: this.assignmentsUrl(pageSize),
      item: appRoleAssignment,
      style: { kind: 'list' },
      operation: 'readAssignments',
    })) {
      pages += 1;
      assignments.push(...page.items);
    }
    return { assignments, pages };
  }

  /** The direct members of a group that are users; a group deleted meanwhile has none. */
  async directUserMembers(groupId: string): Promise<string[]> {
    const members: string[] = [];
    try {
      // Nested groups (and devices, service principals) are not expanded, as in Entra.
      for await (const page of paginate(this.options.graph, {
        url: this.membersUrl(groupId, this.options.pageSize),
        item: directoryObject,
        style: { kind: 'list' },
        operation: 'readGroupMembers',
      }))
        for (const item of page.items)
          if (item['@odata.type'] === undefined || item['@odata.type'] === userType) members.push(item.id);
    } catch (error) {
      if (error instanceof ConnectorFailure && error.detail.httpStatus === 404) return [];
      throw error;
    }
    return members;
  }
}

/** The groups assigned to the application, each once, in the order first assigned. */
export function assignedGroupIds(assignments: readonly AppRoleAssignment[]): string[] {
  return [...new Set(assignments.filter((a) => a.principalType === 'Group').map((a) => a.principalId))];
}

/** The group assignments as the port wants them (one per assignment, a group may have several roles). */
export function groupAssignmentsOf(
  assignments: readonly AppRoleAssignment[],
  roles: readonly SourceAppRole[],
): SourceGroupAssignment[] {
  const roleById = new Map(roles.map((role) => [role.id.toLowerCase(), role]));
  return assignments
    .filter((a) => a.principalType === 'Group')
    .map((a) => ({
      id: a.id,
      groupId: a.principalId,
      groupName: a.principalDisplayName ?? a.principalId,
      appRoleId: a.appRoleId,
      roleDisplayName: roleById.get(a.appRoleId.toLowerCase())?.displayName ?? `Unknown role ${a.appRoleId}`,
    }));
}

/** Runs `task` on each item, at most `limit` at a time. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
