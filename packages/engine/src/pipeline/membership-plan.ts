/**
 * Stage "plan" for group memberships: for each provisioned group, which of its members (direct, or
 * through nested groups when expansion is on) the target group should hold, against the memberships
 * the target holds. Only users provisio manages are added or removed; a member the target cannot
 * hold (Zendesk: end-users) is skipped with the reason, never a failure. Pure.
 */
import type { LinkRecord, SourceGroupRecord } from '../ports/state.js';
import type { GroupTargetConnector, TargetUser } from '../ports/target.js';

export interface MembershipPlan {
  readonly groupSourceId: string;
  readonly groupName: string;
  readonly targetGroupId: string;
  readonly add: readonly {
    readonly userSourceId: string;
    readonly userName: string;
    readonly targetUserId: string;
  }[];
  readonly remove: readonly {
    readonly userSourceId: string;
    readonly userName: string;
    readonly targetUserId: string;
    readonly membershipId: string;
  }[];
  /**
   * Removals held back by the membership-removal threshold (pipeline/guard.ts): planned, not made;
   * planned again next cycle. Absent when none.
   */
  readonly held?: MembershipPlan['remove'];
  /** Members the target cannot hold, or not provisioned. */
  readonly skipped: readonly {
    readonly userSourceId: string;
    readonly userName: string;
    readonly reason: string;
    /** true when the target's rules refuse the user (not merely "not provisioned yet"). */
    readonly refusedByTarget: boolean;
  }[];
}

/** Target memberships: group id → user id → membership id. */
export type MembershipIndex = Map<string, Map<string, string>>;

/** The users a group holds: direct members, or every user reachable through member groups. */
export function memberUsers(
  groupId: string,
  mirror: ReadonlyMap<string, SourceGroupRecord>,
  expand: boolean,
): Set<string> {
  const users = new Set<string>();
  const seen = new Set<string>([groupId]);
  const queue = [groupId];
  while (queue.length > 0) {
    const record = mirror.get(queue.shift() as string);
    if (!record || record.removed !== null) continue;
    for (const member of record.members) {
      if (member.type === 'user') users.add(member.id);
      else if (expand && !seen.has(member.id)) {
        seen.add(member.id);
        queue.push(member.id);
      }
    }
  }
  return users;
}

export interface MembershipPlanInput {
  /** The provisioned, in-scope groups: source id, name, target group id. */
  readonly groups: readonly {
    readonly sourceId: string;
    readonly displayName: string;
    readonly targetId: string;
  }[];
  readonly mirror: ReadonlyMap<string, SourceGroupRecord>;
  readonly expandNested: boolean;
  /** User links after this cycle's user half. */
  readonly userLinks: ReadonlyMap<string, LinkRecord>;
  /** Target users by id. */
  readonly targetUser: (id: string) => TargetUser | undefined;
  readonly memberships: MembershipIndex;
  readonly userNames: ReadonlyMap<string, string>;
  /** Report every group, even with nothing to change (initial cycles). */
  readonly reportAll: boolean;
  /**
   * The target user behind the target connector's credentials: added like anyone else, never
   * removed (removing an admin's memberships can take away the views provisio's owner works with;
   * docs/provisioning.md, "The credentials' owner").
   */
  readonly credentialOwnerId?: string | null;
}

export function planMemberships(
  target: Pick<GroupTargetConnector, 'canJoinGroups'>,
  input: MembershipPlanInput,
): MembershipPlan[] {
  const userByTarget = new Map<string, string>();
  for (const link of input.userLinks.values())
    if (link.state === 'active' || link.state === 'disabled') userByTarget.set(link.targetId, link.sourceId);
  const nameOf = (id: string) => input.userNames.get(id) ?? id;
  const plans: MembershipPlan[] = [];
  for (const group of input.groups) {
    const add: MembershipPlan['add'][number][] = [];
    const skipped: MembershipPlan['skipped'][number][] = [];
    const desired = new Set<string>();
    const protectedMembers = new Set<string>();
    const held = input.memberships.get(group.targetId);
    for (const userSourceId of memberUsers(group.sourceId, input.mirror, input.expandNested)) {
      const userName = nameOf(userSourceId);
      const userLink = input.userLinks.get(userSourceId);
      if (userLink?.state !== 'active') {
        skipped.push({
          userSourceId,
          userName,
          reason: 'the user is not provisioned to Zendesk (out of scope or not yet created)',
          refusedByTarget: false,
        });
        continue;
      }
      const user = input.targetUser(userLink.targetId);
      if (!user) continue;
      if (user.protection !== undefined) {
        protectedMembers.add(user.id);
        skipped.push({ userSourceId, userName, reason: protectedWords(user), refusedByTarget: false });
        continue;
      }
      if (!target.canJoinGroups(user)) {
        skipped.push({
          userSourceId,
          userName,
          reason:
            'Zendesk allows group memberships for agents and admins only; the user is an end-user (added once they become an agent)',
          refusedByTarget: true,
        });
        continue;
      }
      desired.add(user.id);
      if (!held?.has(user.id)) add.push({ userSourceId, userName, targetUserId: user.id });
    }
    const remove: MembershipPlan['remove'][number][] = [];
    for (const [targetUserId, membershipId] of held ?? []) {
      const userSourceId = userByTarget.get(targetUserId);
      // Only memberships of users provisio manages.
      if (userSourceId === undefined || desired.has(targetUserId)) continue;
      const member = input.targetUser(targetUserId);
      if (protectedMembers.has(targetUserId)) continue;
      if (member?.protection !== undefined) {
        skipped.push({
          userSourceId,
          userName: nameOf(userSourceId),
          reason: protectedWords(member),
          refusedByTarget: false,
        });
        continue;
      }
      if (targetUserId === input.credentialOwnerId) {
        skipped.push({
          userSourceId,
          userName: nameOf(userSourceId),
          reason:
            'the user owns the credentials provisio uses for the target: provisio never removes them from a group (code CredentialOwnerProtected)',
          refusedByTarget: false,
        });
        continue;
      }
      remove.push({ userSourceId, userName: nameOf(userSourceId), targetUserId, membershipId });
    }
    if (add.length > 0 || remove.length > 0 || skipped.length > 0 || input.reportAll)
      plans.push({
        groupSourceId: group.sourceId,
        groupName: group.displayName,
        targetGroupId: group.targetId,
        add,
        remove,
        skipped,
      });
  }
  return plans;
}

/** Why a protected user's memberships are left as they are (docs/provisioning.md, "Protected objects"). */
function protectedWords(user: TargetUser): string {
  return `the Zendesk user is ${user.protection}: provisio never adds it to a group nor removes it from one (code ProtectedObject)`;
}
