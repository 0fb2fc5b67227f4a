import { randomBytes } from 'node:crypto';
import { EmulatorClock } from '../../common/clock.js';
import type { ZendeskSettings } from '../options.js';
import { SsoState } from '../sso/state.js';
import { Table } from './table.js';
import type {
  CustomRoleRecord,
  GroupRecord,
  IdentityRecord,
  JobRecord,
  MembershipRecord,
  UserFieldRecord,
  UserRecord,
} from './types.js';

/** Id ranges per record type, so that an id of one kind is never a valid id of another. */
const idBase = {
  user: 10_000_000_000_000,
  identity: 11_000_000_000_000,
  group: 20_000_000_000_000,
  membership: 21_000_000_000_000,
  customRole: 30_000_000_000_000,
  userField: 31_000_000_000_000,
  fieldOption: 32_000_000_000_000,
} as const;
export type IdKind = keyof typeof idBase;

/**
 * The emulated account's whole state with its indices. Pure data and bookkeeping: the rules of the
 * API (validation, side effects) live in the model modules that use it.
 */
export class ZendeskStore {
  readonly clock = new EmulatorClock();
  readonly users = new Table<UserRecord>();
  readonly identities = new Table<IdentityRecord>();
  readonly groups = new Table<GroupRecord>();
  readonly memberships = new Table<MembershipRecord>();
  readonly customRoles = new Table<CustomRoleRecord>();
  readonly userFields = new Table<UserFieldRecord>();
  /** Jobs in creation order. */
  readonly jobs = new Map<string, JobRecord>();

  /** Lower-cased email of every email identity of a live (not soft-deleted) user. */
  readonly userIdByEmail = new Map<string, number>();
  /** Lower-cased external_id of live users: Zendesk compares external ids case-insensitively. */
  readonly userIdByExternalId = new Map<string, number>();
  /** Lower-cased external_id of soft-deleted users, for show_many with include_deleted. */
  readonly deletedUserIdsByExternalId = new Map<string, number[]>();
  readonly identityIdsByUser = new Map<number, number[]>();
  readonly membershipIdsByUser = new Map<number, Set<number>>();
  readonly membershipIdsByGroup = new Map<number, Set<number>>();
  readonly membershipIdByPair = new Map<string, number>();

  /** Active API tokens of the account. */
  readonly apiTokens = new Set<string>();
  /** OAuth access tokens, each bound to a user id. */
  readonly oauthTokens = new Map<string, number>();
  /** JWT single sign-on: configurations, spent token ids, browser sessions (sso/state.ts). */
  readonly sso = new SsoState();

  private readonly nextIds: Record<IdKind, number> = { ...idBase };

  constructor(public settings: ZendeskSettings) {
    this.clock.offsetMs = settings.clockOffsetMs;
  }

  nextId(kind: IdKind): number {
    this.nextIds[kind] += 1;
    return this.nextIds[kind];
  }

  /** Makes sure ids loaded from a seed or a data file are never handed out again. */
  reserveId(kind: IdKind, id: number): void {
    if (id > this.nextIds[kind]) this.nextIds[kind] = id;
  }

  idCounters(): Record<IdKind, number> {
    return { ...this.nextIds };
  }

  restoreIdCounters(counters: Partial<Record<IdKind, number>>): void {
    for (const [kind, value] of Object.entries(counters) as [IdKind, number][]) {
      if (kind in this.nextIds && value > this.nextIds[kind]) this.nextIds[kind] = value;
    }
  }

  newJobId(): string {
    // Live Zendesk job ids look like `V3-` followed by 32 hex characters (recorded traffic, and the
    // examples of the Job Statuses reference).
    return `V3-${randomBytes(16).toString('hex')}`;
  }

  clear(): void {
    for (const table of [
      this.users,
      this.identities,
      this.groups,
      this.memberships,
      this.customRoles,
      this.userFields,
    ]) {
      table.clear();
    }
    this.jobs.clear();
    this.userIdByEmail.clear();
    this.userIdByExternalId.clear();
    this.deletedUserIdsByExternalId.clear();
    this.identityIdsByUser.clear();
    this.membershipIdsByUser.clear();
    this.membershipIdsByGroup.clear();
    this.membershipIdByPair.clear();
    this.apiTokens.clear();
    this.oauthTokens.clear();
    this.sso.reset([]);
    Object.assign(this.nextIds, idBase);
  }

  // ---- users and identities -------------------------------------------------------------------

  userByEmail(email: string): UserRecord | undefined {
    const id = this.userIdByEmail.get(email.toLowerCase());
    return id === undefined ? undefined : this.users.get(id);
  }

  userByExternalId(externalId: string): UserRecord | undefined {
    const id = this.userIdByExternalId.get(externalId.toLowerCase());
    return id === undefined ? undefined : this.users.get(id);
  }

  identitiesOf(userId: number): IdentityRecord[] {
    const ids = this.identityIdsByUser.get(userId) ?? [];
    const out: IdentityRecord[] = [];
    for (const id of ids) {
      const identity = this.identities.get(id);
      if (identity) out.push(identity);
    }
    return out;
  }

  primaryEmail(userId: number): string | null {
    let first: string | null = null;
    for (const identity of this.identitiesOf(userId)) {
      if (identity.type !== 'email') continue;
      if (identity.primary) return identity.value;
      first ??= identity.value;
    }
    return first;
  }

  primaryIdentityOfType(userId: number, type: IdentityRecord['type']): IdentityRecord | undefined {
    const all = this.identitiesOf(userId).filter((i) => i.type === type);
    return all.find((i) => i.primary) ?? all[0];
  }

  addIdentity(identity: IdentityRecord): void {
    this.identities.insert(identity);
    const list = this.identityIdsByUser.get(identity.userId);
    if (list) list.push(identity.id);
    else this.identityIdsByUser.set(identity.userId, [identity.id]);
    const user = this.users.get(identity.userId);
    if (identity.type === 'email' && user?.active)
      this.userIdByEmail.set(identity.value.toLowerCase(), user.id);
  }

  removeIdentity(identity: IdentityRecord): void {
    this.identities.remove(identity.id);
    const list = this.identityIdsByUser.get(identity.userId);
    if (list) {
      const i = list.indexOf(identity.id);
      if (i >= 0) list.splice(i, 1);
    }
    if (
      identity.type === 'email' &&
      this.userIdByEmail.get(identity.value.toLowerCase()) === identity.userId
    ) {
      this.userIdByEmail.delete(identity.value.toLowerCase());
    }
  }

  setExternalId(user: UserRecord, externalId: string | null): void {
    if (user.externalId !== null && this.userIdByExternalId.get(user.externalId.toLowerCase()) === user.id) {
      this.userIdByExternalId.delete(user.externalId.toLowerCase());
    }
    user.externalId = externalId;
    if (externalId !== null && user.active) this.userIdByExternalId.set(externalId.toLowerCase(), user.id);
  }

  insertUser(user: UserRecord): void {
    this.users.insert(user);
    this.reserveId('user', user.id);
    if (user.externalId !== null) {
      if (user.active) this.userIdByExternalId.set(user.externalId.toLowerCase(), user.id);
      else this.indexDeletedExternalId(user);
    }
  }

  /** Soft delete bookkeeping: the user's email addresses and external_id become free again. */
  markUserDeleted(user: UserRecord): void {
    user.active = false;
    user.deletedAt = this.clock.now();
    user.updatedAt = user.deletedAt;
    for (const identity of this.identitiesOf(user.id)) {
      if (identity.type === 'email' && this.userIdByEmail.get(identity.value.toLowerCase()) === user.id) {
        this.userIdByEmail.delete(identity.value.toLowerCase());
      }
    }
    if (user.externalId !== null) {
      if (this.userIdByExternalId.get(user.externalId.toLowerCase()) === user.id) {
        this.userIdByExternalId.delete(user.externalId.toLowerCase());
      }
      this.indexDeletedExternalId(user);
    }
  }

  private indexDeletedExternalId(user: UserRecord): void {
    if (user.externalId === null) return;
    const key = user.externalId.toLowerCase();
    const list = this.deletedUserIdsByExternalId.get(key);
    if (list) list.push(user.id);
    else this.deletedUserIdsByExternalId.set(key, [user.id]);
  }

  // ---- groups and memberships -----------------------------------------------------------------

  membershipsOfUser(userId: number): MembershipRecord[] {
    return this.collectMemberships(this.membershipIdsByUser.get(userId));
  }

  membershipsOfGroup(groupId: number): MembershipRecord[] {
    return this.collectMemberships(this.membershipIdsByGroup.get(groupId));
  }

  membership(userId: number, groupId: number): MembershipRecord | undefined {
    const id = this.membershipIdByPair.get(`${userId}:${groupId}`);
    return id === undefined ? undefined : this.memberships.get(id);
  }

  addMembership(membership: MembershipRecord): void {
    this.memberships.insert(membership);
    this.reserveId('membership', membership.id);
    addToSetMap(this.membershipIdsByUser, membership.userId, membership.id);
    addToSetMap(this.membershipIdsByGroup, membership.groupId, membership.id);
    this.membershipIdByPair.set(`${membership.userId}:${membership.groupId}`, membership.id);
  }

  removeMembership(membership: MembershipRecord): void {
    this.memberships.remove(membership.id);
    this.membershipIdsByUser.get(membership.userId)?.delete(membership.id);
    this.membershipIdsByGroup.get(membership.groupId)?.delete(membership.id);
    this.membershipIdByPair.delete(`${membership.userId}:${membership.groupId}`);
  }

  defaultGroup(): GroupRecord | undefined {
    for (const group of this.groups.values()) if (group.isDefault && !group.deleted) return group;
    return undefined;
  }

  private collectMemberships(ids: Set<number> | undefined): MembershipRecord[] {
    const out: MembershipRecord[] = [];
    if (!ids) return out;
    for (const id of ids) {
      const m = this.memberships.get(id);
      if (m) out.push(m);
    }
    return out.sort((a, b) => a.id - b.id);
  }
}

function addToSetMap(map: Map<number, Set<number>>, key: number, value: number): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}
