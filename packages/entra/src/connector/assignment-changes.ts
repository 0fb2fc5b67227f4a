/**
 * The assignments that changed since the last read (`SourceConnector.readAssignmentChanges`): cost
 * follows changes (docs/provisioning.md#how-assignment-changes-are-found).
 *
 * A **sweep** reads every assignment, as `readAssignments` does, and starts a groups delta
 * (`groups/delta?$filter=id eq '…' or …&$select=id,members`) on the assigned groups: its first round
 * lists their direct members, so the sweep's member read and the delta baseline are one pass. Between
 * sweeps only the groups delta is followed (one request when nothing changed): members who joined or
 * left an assigned group, and the users the engine names, have their assignments read one by one.
 * A direct assignment added or removed, a role changed, or a group assigned or unassigned shows at
 * the next sweep only: Graph has no change feed for app role assignments.
 */
import type {
  AssignmentChanges,
  ReadAssignmentChangesRequest,
  SourceAppRole,
  SourceAssignment,
  SourceGroupAssignment,
} from '@provisio/engine';
import { ConnectorFailure } from '@provisio/engine';
import { z } from 'zod';
import { DeltaTokenExpired, type GraphClient } from '../client/client.js';
import { paginate } from '../client/paginate.js';
import { type AppRoleAssignment, appRoleAssignment, deltaGroup, directoryObject } from '../client/schemas.js';
import {
  type AssignmentReader,
  appRolesOf,
  assignedGroupIds,
  effectiveAssignments,
  forEachLimited,
  groupAssignmentsOf,
} from './assignments.js';
import { GroupChangeCollector, isGroupsDelta } from './groups.js';

/** Version of the watermark's shape; any other version (or no parse) means "sweep". */
export const assignmentWatermarkVersion = 1;

/** Graph's limit of objects one groups/delta `$filter` may name (https://learn.microsoft.com/graph/api/group-delta). */
export const groupsPerDelta = 50;

/** The most users read one by one between sweeps; more, and a sweep is made instead. */
export const maxUsersBetweenSweeps = 50;

/** A sweep whose assignment list took at most this many pages is made every time (a small application). */
export const smallApplicationPages = 2;

/** Users, or delta links, read at the same time. */
const concurrency = 4;

const appRoleShape = z.object({
  id: z.string(),
  displayName: z.string(),
  value: z.string().nullable(),
  isEnabled: z.boolean(),
});

const groupAssignmentShape = z.object({
  id: z.string(),
  groupId: z.string(),
  groupName: z.string(),
  appRoleId: z.string(),
  roleDisplayName: z.string(),
});

const watermarkShape = z.object({
  v: z.literal(assignmentWatermarkVersion),
  /** When the last sweep was made, then (settleWatermark) when its cycle ended; the engine's clock, ISO 8601. */
  sweptAt: z.iso.datetime(),
  /** Graph requests the last sweep made (service principal, assignment pages, groups delta pages). */
  sweepRequests: z.number().int().nonnegative(),
  /** Pages of the assignment list (`appRoleAssignedTo`) the last sweep read. */
  listPages: z.number().int().nonnegative(),
  roles: z.array(appRoleShape),
  groups: z.array(groupAssignmentShape),
  /** One groups delta link per up to 50 assigned groups. */
  deltaLinks: z.array(z.string()),
});

/** What `readAssignmentChanges` keeps between reads: opaque to the engine, never a secret. */
export type AssignmentWatermark = z.infer<typeof watermarkShape>;

/** The watermark from its text; null when absent, unparsable or of another version (then: sweep). */
export function parseAssignmentWatermark(text: string | null): AssignmentWatermark | null {
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = watermarkShape.safeParse(json);
  return parsed.success ? parsed.data : null;
}

export function formatAssignmentWatermark(watermark: AssignmentWatermark): string {
  return JSON.stringify(watermark);
}

/** Why a read is a sweep. */
export type SweepReason =
  | 'noWatermark'
  | 'intervalElapsed'
  | 'smallApplication'
  | 'paidFor'
  | 'tooManyUsers'
  | 'deltaExpired'
  | 'groupRemoved'
  | 'cannotReadUsers';

/** Graph requests to read one user's assignments: its assignments, and its groups if any is assigned. */
export function requestsPerUser(watermark: AssignmentWatermark): number {
  return watermark.groups.length > 0 ? 2 : 1;
}

/**
 * The most users worth reading one by one: no more than a sweep would cost, and never more than
 * {@link maxUsersBetweenSweeps}.
 */
export function userReadLimit(watermark: AssignmentWatermark): number {
  return Math.min(maxUsersBetweenSweeps, Math.floor(watermark.sweepRequests / requestsPerUser(watermark)));
}

/**
 * Whether a sweep is due before anything is read: no usable watermark, the interval has elapsed
 * (or the clock went back), a small application, the time since the last sweep pays for one at
 * `sweepRequestsPerMinute` (0: never; at 60, a sweep of 5 requests, about 2,000 assignments, every
 * 5 s, one of 104, about 100,000, every 104 s: Graph allows an application far more in a tenant,
 * https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits), or more
 * users asked for than are worth reading one by one. null: follow the changes.
 */
export function sweepDue(
  watermark: AssignmentWatermark | null,
  request: Pick<ReadAssignmentChangesRequest, 'now' | 'sweepIntervalMs' | 'sweepRequestsPerMinute' | 'users'>,
): SweepReason | null {
  const { sweepRequestsPerMinute } = request;
  if (watermark === null) return 'noWatermark';
  const elapsed = request.now.getTime() - Date.parse(watermark.sweptAt);
  if (!(elapsed >= 0 && elapsed < request.sweepIntervalMs)) return 'intervalElapsed';
  if (watermark.listPages <= smallApplicationPages) return 'smallApplication';
  if (sweepRequestsPerMinute > 0 && elapsed >= (watermark.sweepRequests / sweepRequestsPerMinute) * 60_000)
    return 'paidFor';
  if (uniqueIds(request.users).length > userReadLimit(watermark)) return 'tooManyUsers';
  return null;
}

export function uniqueIds(ids: readonly string[]): string[] {
  return [...new Set(ids.map((id) => id.trim()).filter((id) => id !== ''))];
}

/** The assigned groups in chunks Graph accepts in one groups/delta `$filter`. */
export function deltaChunks(groupIds: readonly string[]): string[][] {
  const chunks: string[][] = [];
  for (let i = 0; i < groupIds.length; i += groupsPerDelta)
    chunks.push(groupIds.slice(i, i + groupsPerDelta));
  return chunks;
}

export interface AssignmentChangeReaderOptions {
  readonly graph: GraphClient;
  readonly assignments: AssignmentReader;
  readonly servicePrincipalId: string;
  readonly pageSize: number;
  /**
   * Whether the app may read a user's app role assignments (Directory.Read.All or
   * AppRoleAssignment.ReadWrite.All, from the token's roles). Without it every read is a sweep.
   */
  readonly canReadUserAssignments: () => Promise<boolean>;
}

/** A read that found it must be a sweep after all. */
class SweepNeeded extends Error {
  constructor(readonly reason: SweepReason) {
    super(reason);
  }
}

export class AssignmentChangeReader {
  constructor(private readonly options: AssignmentChangeReaderOptions) {}

  async read(request: ReadAssignmentChangesRequest): Promise<AssignmentChanges> {
    const watermark = parseAssignmentWatermark(request.watermark);
    const due = sweepDue(watermark, request);
    if (due !== null || watermark === null) return this.sweep(request.now);
    try {
      return await this.changes(watermark, request);
    } catch (error) {
      if (error instanceof SweepNeeded) return this.sweep(request.now);
      throw error;
    }
  }

  /** Between sweeps: the groups delta, then each affected user's assignments. */
  private async changes(
    watermark: AssignmentWatermark,
    request: ReadAssignmentChangesRequest,
  ): Promise<AssignmentChanges> {
    const { graph } = this.options;
    // A link that is not a groups delta link of this Graph is never followed (the token goes with it).
    if (watermark.deltaLinks.some((link) => !graph.isGraphUrl(link) || !isGroupsDelta(link)))
      throw new SweepNeeded('noWatermark');
    const affected = new Set(uniqueIds(request.users));
    const deltaLinks: string[] = new Array(watermark.deltaLinks.length);
    await forEachLimited([...watermark.deltaLinks.entries()], concurrency, async ([index, link]) => {
      const round = await this.deltaRound(link, false);
      if (round.removedGroup) throw new SweepNeeded('groupRemoved');
      for (const userId of round.changedUsers) affected.add(userId);
      deltaLinks[index] = round.deltaLink;
    });
    if (affected.size > userReadLimit(watermark)) throw new SweepNeeded('tooManyUsers');
    if (affected.size > 0 && !(await this.options.canReadUserAssignments()))
      throw new SweepNeeded('cannotReadUsers');
    const byUser = new Map<string, readonly SourceAssignment[]>();
    await forEachLimited([...affected], concurrency, async (userId) => {
      byUser.set(userId, await this.userAssignments(userId, watermark));
    });
    return {
      roles: watermark.roles,
      complete: false,
      byUser,
      groups: watermark.groups,
      watermark: formatAssignmentWatermark({ ...watermark, deltaLinks }),
    };
  }

  /**
   * Every assignment, with the members of the assigned groups read through a new groups delta
   * (its first round), whose links the watermark keeps.
   */
  async sweep(now: Date): Promise<AssignmentChanges> {
    const sp = await this.options.assignments.servicePrincipal();
    const roles = appRolesOf(sp);
    const { assignments, pages } = await this.options.assignments.list();
    const groupIds = assignedGroupIds(assignments);
    const membersOf = new Map<string, readonly string[]>();
    const chunks = deltaChunks(groupIds);
    const deltaLinks: string[] = new Array(chunks.length);
    let deltaPages = 0;
    await forEachLimited([...chunks.entries()], concurrency, async ([index, chunk]) => {
      const round = await this.deltaRound(this.deltaStart(chunk), true);
      for (const [groupId, members] of round.members) membersOf.set(groupId, members);
      deltaLinks[index] = round.deltaLink;
      deltaPages += round.pages;
    });
    const groups = groupAssignmentsOf(assignments, roles);
    const byUser = new Map<string, SourceAssignment[]>();
    for (const assignment of effectiveAssignments(assignments, roles, membersOf)) {
      const list = byUser.get(assignment.userId);
      if (list) list.push(assignment);
      else byUser.set(assignment.userId, [assignment]);
    }
    const watermark: AssignmentWatermark = {
      v: assignmentWatermarkVersion,
      sweptAt: now.toISOString(),
      sweepRequests: 1 + pages + deltaPages,
      listPages: pages,
      roles: roles.map(plainRole),
      groups: groups.map(plainGroup),
      deltaLinks,
    };
    return {
      roles,
      complete: true,
      byUser,
      groups,
      watermark: formatAssignmentWatermark(watermark),
      // The interval to the next sweep runs from the end of the cycle that made this one.
      settleWatermark: (cycleEndedAt) =>
        formatAssignmentWatermark({ ...watermark, sweptAt: cycleEndedAt.toISOString() }),
    };
  }

  private deltaStart(groupIds: readonly string[]): string {
    const filter = groupIds.map((id) => `id eq '${id.replaceAll("'", "''")}'`).join(' or ');
    return this.options.graph.url(
      `/v1.0/groups/delta?$filter=${encodeURIComponent(filter)}&$select=id,members&$top=${this.options.pageSize}`,
    );
  }

  /**
   * One groups delta round: on a first round (`full`) each group's direct user members; on a later
   * one the users who joined or left. An expired link asks for a sweep.
   */
  private async deltaRound(
    url: string,
    full: boolean,
  ): Promise<{
    members: Map<string, string[]>;
    changedUsers: Set<string>;
    removedGroup: boolean;
    deltaLink: string;
    pages: number;
  }> {
    const collector = new GroupChangeCollector(full);
    let deltaLink = '';
    let pages = 0;
    try {
      for await (const page of paginate(this.options.graph, {
        url,
        item: deltaGroup,
        style: { kind: 'delta' },
        operation: 'readGroups',
        headers: { prefer: `odata.maxpagesize=${this.options.pageSize}` },
      })) {
        pages += 1;
        for (const item of page.items) collector.add(item);
        deltaLink = page.deltaLink ?? deltaLink;
      }
    } catch (error) {
      if (error instanceof DeltaTokenExpired) throw new SweepNeeded('deltaExpired');
      throw error;
    }
    const members = new Map<string, string[]>();
    const changedUsers = new Set<string>();
    let removedGroup = false;
    for (const change of collector.changes()) {
      if (change.kind === 'removed') {
        removedGroup = true;
        continue;
      }
      const users = (refs: readonly { id: string; type: string }[]) =>
        refs.filter((ref) => ref.type === 'user').map((ref) => ref.id);
      const added = users(change.members?.added ?? []);
      members.set(change.group.id, added);
      for (const id of [...added, ...users(change.members?.removed ?? [])]) changedUsers.add(id);
    }
    return { members, changedUsers, removedGroup, deltaLink, pages };
  }

  /**
   * One user's effective assignments: its direct ones (`users/{id}/appRoleAssignments`, filtered
   * on the application) and those of the assigned groups it is a direct member of
   * (`users/{id}/memberOf`, not transitive: Entra does not expand nested groups). A user that no
   * longer exists has none.
   */
  async userAssignments(userId: string, watermark: AssignmentWatermark): Promise<SourceAssignment[]> {
    const { graph, servicePrincipalId, pageSize } = this.options;
    const user = encodeURIComponent(userId);
    const sp = servicePrincipalId.toLowerCase();
    const own: AppRoleAssignment[] = [];
    const memberOf = new Set<string>();
    try {
      // resourceId is an Edm.Guid: no quotes (https://learn.microsoft.com/graph/api/resources/approleassignment).
      const filter = encodeURIComponent(`resourceId eq ${servicePrincipalId}`);
      // Graph adds the assignments of the user's groups; those come from the groups below.
      for await (const page of paginate(graph, {
        url: graph.url(
          `/v1.0/users/${user}/appRoleAssignments?$filter=${filter}` +
            `&$select=id,appRoleId,principalId,principalType,principalDisplayName,resourceId&$top=${pageSize}`,
        ),
        item: appRoleAssignment.extend({ resourceId: z.string().nullable().optional() }),
        style: { kind: 'list' },
        operation: 'readUserAssignments',
      }))
        for (const item of page.items)
          if (
            item.principalType === 'User' &&
            item.principalId.toLowerCase() === userId.toLowerCase() &&
            (item.resourceId === undefined ||
              item.resourceId === null ||
              item.resourceId.toLowerCase() === sp)
          )
            own.push({ ...item, principalId: userId });
      if (watermark.groups.length > 0) {
        const assigned = new Set(watermark.groups.map((g) => g.groupId.toLowerCase()));
        for await (const page of paginate(graph, {
          url: graph.url(`/v1.0/users/${user}/memberOf?$select=id&$top=${pageSize}`),
          item: directoryObject,
          style: { kind: 'list' },
          operation: 'readUserGroups',
        }))
          for (const item of page.items)
            if (item['@odata.type'] === '#microsoft.graph.group' && assigned.has(item.id.toLowerCase()))
              memberOf.add(item.id.toLowerCase());
      }
    } catch (error) {
      if (error instanceof ConnectorFailure && error.detail.httpStatus === 404) return [];
      throw error;
    }
    const viaGroups: AppRoleAssignment[] = watermark.groups
      .filter((g) => memberOf.has(g.groupId.toLowerCase()))
      .map((g) => ({
        id: g.id,
        appRoleId: g.appRoleId,
        principalId: g.groupId,
        principalType: 'Group',
        principalDisplayName: g.groupName,
      }));
    const membersOf = new Map(viaGroups.map((g) => [g.principalId, [userId]]));
    return effectiveAssignments([...own, ...viaGroups], watermark.roles, membersOf);
  }
}

function plainRole(role: SourceAppRole): SourceAppRole {
  return { id: role.id, displayName: role.displayName, value: role.value, isEnabled: role.isEnabled };
}

function plainGroup(group: SourceGroupAssignment): SourceGroupAssignment {
  return {
    id: group.id,
    groupId: group.groupId,
    groupName: group.groupName,
    appRoleId: group.appRoleId,
    roleDisplayName: group.roleDisplayName,
  };
}
