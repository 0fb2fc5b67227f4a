import { EmulatorClock } from '../../common/clock.js';
import { type Random, seededRandom } from '../../common/prng.js';
import type { EntraSettings } from '../options.js';
import { ChangeLog, type MemberType } from './changes.js';
import { DirectoryTable } from './table.js';
import type {
  ApplicationRecord,
  AppRoleAssignmentRecord,
  DirectoryObject,
  GroupRecord,
  ServicePrincipalRecord,
  UserRecord,
} from './types.js';

/** The tenant's identity: fixed at start-up, kept across resets. */
export interface TenantIdentity {
  readonly tenantId: string;
  readonly domain: string;
  readonly displayName: string;
}

/**
 * The emulated tenant's whole state with its indices. Pure data and bookkeeping: the rules of Graph
 * (validation, side effects) live in the model modules that use it.
 */
export class EntraStore {
  readonly clock = new EmulatorClock();
  readonly users = new DirectoryTable<UserRecord>();
  readonly groups = new DirectoryTable<GroupRecord>();
  readonly applications = new DirectoryTable<ApplicationRecord>();
  readonly servicePrincipals = new DirectoryTable<ServicePrincipalRecord>();
  readonly appRoleAssignments = new DirectoryTable<AppRoleAssignmentRecord>();

  /** Lower-cased userPrincipalName of every live (not deleted) user. */
  readonly userIdByUpn = new Map<string, string>();
  readonly applicationIdByAppId = new Map<string, string>();
  readonly servicePrincipalIdByAppId = new Map<string, string>();
  /** Direct members of each group (ids of users, groups and service principals). */
  readonly membersOf = new Map<string, Set<string>>();
  /** Groups each object is a direct member of. */
  readonly groupsOf = new Map<string, Set<string>>();
  readonly assignmentsByResource = new Map<string, Set<string>>();
  readonly assignmentsByPrincipal = new Map<string, Set<string>>();
  /** What changed when, for delta queries (users/delta, groups/delta). */
  readonly changes = new ChangeLog();

  private seq = 0;
  private random: Random;
  /** How many numbers the seeded sequence has given, so that a restored store goes on where it was. */
  private draws = 0;

  constructor(
    public settings: EntraSettings,
    readonly tenant: TenantIdentity,
    private readonly idSeed: number,
  ) {
    this.clock.offsetMs = settings.clockOffsetMs;
    this.random = seededRandom(idSeed);
  }

  private draw(): number {
    this.draws += 1;
    return this.random.next();
  }

  /** The sequence counters, for `--data` persistence. */
  counters(): { seq: number; draws: number } {
    return { seq: this.seq, draws: this.draws };
  }

  restoreCounters(counters: { seq: number; draws: number }): void {
    this.seq = counters.seq;
    this.random = seededRandom(this.idSeed);
    this.draws = 0;
    while (this.draws < counters.draws) this.draw();
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /**
   * A new GUID (version 4 layout) from the store's seeded sequence: the same seed and the same
   * requests give the same ids, which keeps recorded tests and demos reproducible.
   */
  newId(): string {
    const hex = Array.from({ length: 4 }, () =>
      Math.floor(this.draw() * 2 ** 32)
        .toString(16)
        .padStart(8, '0'),
    ).join('');
    const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** A random token (authorization codes, assignment ids) from the same seeded sequence. */
  newToken(bytes = 32): string {
    const out = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i += 1) out[i] = Math.floor(this.draw() * 256);
    return out.toString('base64url');
  }

  clear(): void {
    this.users.clear();
    this.groups.clear();
    this.applications.clear();
    this.servicePrincipals.clear();
    this.appRoleAssignments.clear();
    this.userIdByUpn.clear();
    this.applicationIdByAppId.clear();
    this.servicePrincipalIdByAppId.clear();
    this.membersOf.clear();
    this.groupsOf.clear();
    this.assignmentsByResource.clear();
    this.assignmentsByPrincipal.clear();
    this.changes.clear();
    this.seq = 0;
    this.random = seededRandom(this.idSeed);
    this.draws = 0;
  }

  /** Any directory object by id, deleted ones included. */
  object(id: string): DirectoryObject | undefined {
    return (
      this.users.get(id) ?? this.groups.get(id) ?? this.servicePrincipals.get(id) ?? this.applications.get(id)
    );
  }

  liveUser(idOrUpn: string): UserRecord | undefined {
    const byId = this.users.get(idOrUpn.toLowerCase());
    if (byId) return byId.deletedDateTime === null ? byId : undefined;
    const id = this.userIdByUpn.get(idOrUpn.toLowerCase());
    return id === undefined ? undefined : this.users.get(id);
  }

  liveGroup(id: string): GroupRecord | undefined {
    const group = this.groups.get(id.toLowerCase());
    return group && group.deletedDateTime === null ? group : undefined;
  }

  servicePrincipalByAppId(appId: string): ServicePrincipalRecord | undefined {
    const id = this.servicePrincipalIdByAppId.get(appId.toLowerCase());
    return id === undefined ? undefined : this.servicePrincipals.get(id);
  }

  applicationByAppId(appId: string): ApplicationRecord | undefined {
    const id = this.applicationIdByAppId.get(appId.toLowerCase());
    return id === undefined ? undefined : this.applications.get(id);
  }

  addMember(groupId: string, memberId: string): boolean {
    const members = this.membersOf.get(groupId) ?? new Set<string>();
    if (members.has(memberId)) return false;
    members.add(memberId);
    this.membersOf.set(groupId, members);
    const groups = this.groupsOf.get(memberId) ?? new Set<string>();
    groups.add(groupId);
    this.groupsOf.set(memberId, groups);
    this.changes.recordMember(groupId, memberId, this.memberType(memberId), true);
    return true;
  }

  removeMember(groupId: string, memberId: string): boolean {
    const removed = this.membersOf.get(groupId)?.delete(memberId) ?? false;
    this.groupsOf.get(memberId)?.delete(groupId);
    if (removed) this.changes.recordMember(groupId, memberId, this.memberType(memberId), false);
    return removed;
  }

  /** The kind of a (possibly just removed) member, for `members@delta`. */
  memberType(id: string): MemberType {
    return this.groups.has(id) ? 'group' : this.servicePrincipals.has(id) ? 'servicePrincipal' : 'user';
  }

  addAssignment(assignment: AppRoleAssignmentRecord): void {
    this.appRoleAssignments.insert(assignment);
    for (const [index, key] of [
      [this.assignmentsByResource, assignment.resourceId],
      [this.assignmentsByPrincipal, assignment.principalId],
    ] as const) {
      const set = index.get(key) ?? new Set<string>();
      set.add(assignment.id);
      index.set(key, set);
    }
  }

  removeAssignment(id: string): boolean {
    const assignment = this.appRoleAssignments.get(id);
    if (!assignment) return false;
    this.appRoleAssignments.remove(id);
    this.assignmentsByResource.get(assignment.resourceId)?.delete(id);
    this.assignmentsByPrincipal.get(assignment.principalId)?.delete(id);
    return true;
  }

  assignmentsOf(principalId: string): AppRoleAssignmentRecord[] {
    return [...(this.assignmentsByPrincipal.get(principalId) ?? [])].flatMap((id) => {
      const a = this.appRoleAssignments.get(id);
      return a ? [a] : [];
    });
  }

  /** Every group the object belongs to, directly or through nested groups (live groups only). */
  transitiveGroupsOf(objectId: string): Set<string> {
    const seen = new Set<string>();
    const queue = [...(this.groupsOf.get(objectId) ?? [])];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (seen.has(next) || !this.liveGroup(next)) continue;
      seen.add(next);
      queue.push(...(this.groupsOf.get(next) ?? []));
    }
    return seen;
  }

  /** Every member of the group, directly or through nested groups, in breadth-first order. */
  transitiveMembersOf(groupId: string): string[] {
    const seen = new Set<string>();
    const visitedGroups = new Set<string>([groupId]);
    const queue = [groupId];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const member of this.membersOf.get(next) ?? []) {
        if (member === groupId) continue;
        seen.add(member);
        if (this.groups.has(member) && !visitedGroups.has(member)) {
          visitedGroups.add(member);
          queue.push(member);
        }
      }
    }
    return [...seen];
  }
}
