import { type FieldProblem, recordInvalid, recordNotFound } from './errors.js';
import type { ZendeskStore } from './store.js';
import type { MembershipRecord, UserRecord } from './types.js';

/**
 * Group membership rules (https://developer.zendesk.com/api-reference/ticketing/groups/group_memberships/):
 * memberships link agents (and admins) to groups; a user's first membership is their default; new
 * team members join the account's default group.
 */

export function isStaff(user: UserRecord): boolean {
  return user.role === 'agent' || user.role === 'admin';
}

/** Accepts an integer id or a string of digits, as Zendesk's Rails parameters do. */
export function idValue(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  if (typeof value === 'string' && /^\d+$/.test(value) && Number.isSafeInteger(Number(value)))
    return Number(value);
  return null;
}

/**
 * Creates a membership or throws 422 RecordInvalid listing every problem: a user that is missing,
 * deleted or not an agent, a group that is missing or deleted, or an existing membership.
 */
export function addMembership(
  store: ZendeskStore,
  userId: number | null,
  groupId: number | null,
  makeDefault = false,
): MembershipRecord {
  const user = userId === null ? undefined : store.users.get(userId);
  const group = groupId === null ? undefined : store.groups.get(groupId);
  const problems: Record<string, FieldProblem[]> = {};
  if (!user?.active) problems['user_id'] = [{ description: 'User: cannot be blank', error: 'BlankValue' }];
  else if (!isStaff(user)) {
    // Exact text unverified; the status and shape follow Zendesk's RecordInvalid.
    problems['user_id'] = [{ description: `User: ${user.name} is not an agent`, error: 'InvalidValue' }];
  }
  if (!group || group.deleted)
    problems['group_id'] = [{ description: 'Group: cannot be blank', error: 'BlankValue' }];
  if (!user || !group || Object.keys(problems).length > 0) throw recordInvalid(problems);
  const existing = store.membership(user.id, group.id);
  if (existing) {
    throw recordInvalid({
      user_id: [{ description: 'User: is already a member of this group', error: 'DuplicateValue' }],
    });
  }
  const now = store.clock.now();
  const hasDefault = store.membershipsOfUser(user.id).some((m) => m.isDefault);
  const membership: MembershipRecord = {
    id: store.nextId('membership'),
    userId: user.id,
    groupId: group.id,
    isDefault: makeDefault || !hasDefault,
    createdAt: now,
    updatedAt: now,
  };
  if (makeDefault) clearDefault(store, user.id);
  store.addMembership(membership);
  return membership;
}

/** Text of the refusal below; Zendesk's wording is unverified. */
export const lastMembershipText =
  'An agent must belong to at least one group: add another group before removing this one';

/**
 * DELETE /group_memberships/{id} and destroy_many. Zendesk's rule is that "All team members must belong to at
 * least one group" (https://support.zendesk.com/hc/en-us/articles/4408821536794); what the API does when the
 * last membership of an agent is removed is undocumented (a refusal, or a re-add to the default group). The
 * emulator refuses with 422: a client that orders its changes as "add the new group, then remove the old one"
 * works against every plausible behaviour, and the refusal catches the client that does not. Downgrading to
 * end-user and deleting the user still remove every membership (removeAllMemberships).
 */
export function leaveGroup(store: ZendeskStore, membership: MembershipRecord): void {
  const user = store.users.get(membership.userId);
  const others = store.membershipsOfUser(membership.userId).filter((m) => m.id !== membership.id);
  if (user?.active && isStaff(user) && others.length === 0) {
    throw recordInvalid({ base: [{ description: lastMembershipText, error: 'InvalidValue' }] });
  }
  removeMembership(store, membership);
}

export function removeMembership(store: ZendeskStore, membership: MembershipRecord): void {
  store.removeMembership(membership);
  if (membership.isDefault) {
    // The oldest remaining membership becomes the default, so an agent always has one.
    const next = store.membershipsOfUser(membership.userId)[0];
    if (next) {
      next.isDefault = true;
      next.updatedAt = store.clock.now();
    }
  }
}

export function makeDefault(store: ZendeskStore, userId: number, membershipId: number): MembershipRecord[] {
  const membership = store.memberships.get(membershipId);
  if (!membership || membership.userId !== userId) throw recordNotFound();
  if (!membership.isDefault) {
    clearDefault(store, userId);
    membership.isDefault = true;
    membership.updatedAt = store.clock.now();
  }
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

/**
 * "When you add a new team member, the team member is automatically added to your account's default
 * group" (https://support.zendesk.com/hc/en-us/articles/4408821536794).
 */
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
