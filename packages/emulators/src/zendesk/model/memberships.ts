import { recordInvalid, recordNotFound } from './errors.js';
import type { ZendeskStore } from './store.js';
import type { MembershipRecord, UserRecord } from './types.js';

/**
 * Group membership rules (digest §3.2): memberships link agents (and admins) to groups; a user's
 * first membership is their default; new team members join the account's default group.
 */

export function isStaff(user: UserRecord): boolean {
  return user.role === 'agent' || user.role === 'admin';
}

export function addMembership(
  store: ZendeskStore,
  userId: number,
  groupId: number,
  makeDefault = false,
): MembershipRecord {
  const user = store.users.get(userId);
  const group = store.groups.get(groupId);
  const problems: Record<string, { description: string; error: string }[]> = {};
  if (!user?.active) problems['user_id'] = [{ description: 'User: cannot be blank', error: 'BlankValue' }];
  else if (!isStaff(user)) {
    // Exact text unverified (digest §3.2); the status and shape follow Zendesk's RecordInvalid.
    problems['user_id'] = [{ description: `User: ${user.name} is not an agent`, error: 'InvalidValue' }];
  }
  if (!group || group.deleted)
    problems['group_id'] = [{ description: 'Group: cannot be blank', error: 'BlankValue' }];
  if (Object.keys(problems).length > 0) throw recordInvalid(problems);
  const existing = store.membership(userId, groupId);
  if (existing) {
    throw recordInvalid({
      user_id: [{ description: 'User: is already a member of this group', error: 'DuplicateValue' }],
    });
  }
  const now = store.clock.now();
  const hasDefault = store.membershipsOfUser(userId).some((m) => m.isDefault);
  const membership: MembershipRecord = {
    id: store.nextId('membership'),
    userId,
    groupId,
    isDefault: makeDefault || !hasDefault,
    createdAt: now,
    updatedAt: now,
  };
  if (makeDefault) clearDefault(store, userId);
  store.addMembership(membership);
  return membership;
}

export function removeMembership(store: ZendeskStore, membership: MembershipRecord): void {
  store.removeMembership(membership);
  if (membership.isDefault) {
    // The oldest remaining membership becomes the default, so an agent always has one.
    const next = store.membershipsOfUser(membership.userId)[0];
    if (next) next.isDefault = true;
  }
}

export function makeDefault(store: ZendeskStore, userId: number, membershipId: number): MembershipRecord[] {
  const membership = store.memberships.get(membershipId);
  if (!membership || membership.userId !== userId) throw recordNotFound();
  clearDefault(store, userId);
  membership.isDefault = true;
  membership.updatedAt = store.clock.now();
  return store.membershipsOfUser(userId);
}

function clearDefault(store: ZendeskStore, userId: number): void {
  for (const m of store.membershipsOfUser(userId)) {
    if (m.isDefault) {
      m.isDefault = false;
      m.updatedAt = store.clock.now();
    }
  }
}

/** "A new team member is automatically added to the account's default group" (digest §3.1). */
export function joinDefaultGroup(store: ZendeskStore, user: UserRecord): void {
  const group = store.defaultGroup();
  if (!group || store.membership(user.id, group.id)) return;
  addMembership(store, user.id, group.id);
}

export function removeAllMemberships(store: ZendeskStore, userId: number): void {
  for (const m of store.membershipsOfUser(userId)) store.removeMembership(m);
}

/** The group id of the user's default membership (`default_group_id`). */
export function defaultGroupId(store: ZendeskStore, userId: number): number | null {
  return store.membershipsOfUser(userId).find((m) => m.isDefault)?.groupId ?? null;
}
