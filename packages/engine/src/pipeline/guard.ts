/**
 * Stage "guard": the accidental-deletion thresholds (docs/provisioning.md, "Accidental deletions").
 * It counts what hurts, each kind against its own threshold:
 *
 * - deprovisionings: user disables and deletes plus group deletions (`settings.accidentalDeletionThreshold`);
 * - downgrades: updates that lower a user's privileges in the target, as the target connector says
 *   (`TargetConnector.reducesPrivileges`; Zendesk: admin or agent to a lesser role) (`settings.downgradeThreshold`);
 * - membership removals from groups provisio manages (`settings.membershipRemovalThreshold`; see
 *   `guardMembershipRemovals`, run once the memberships are planned).
 *
 * When a kind is over its threshold, none of its actions is carried out: each becomes a staged
 * decision (logged as `stagedDelete`) and the job is quarantined (TooManyDeletes) until an operator
 * allows them or fixes the cause. Pure: it returns new plans and never changes its inputs.
 */
import { EngineErrorCode, engineErrors } from '../errors/engine.js';
import type { GroupPlan } from './group-plan.js';
import type { MembershipPlan } from './membership-plan.js';
import type { PlannedUser } from './plan.js';

/** What the guard counts, each kind against its own setting. */
export type HeldKind = 'deprovisioning' | 'downgrade' | 'membershipRemoval';

/** One kind of action held back in a cycle: how many, and the threshold they exceed. */
export interface HeldActions {
  readonly kind: HeldKind;
  readonly count: number;
  readonly threshold: number;
}

/** The setting of each kind. */
export const thresholdSetting: Readonly<Record<HeldKind, string>> = {
  deprovisioning: 'settings.accidentalDeletionThreshold',
  downgrade: 'settings.downgradeThreshold',
  membershipRemoval: 'settings.membershipRemovalThreshold',
};

const nouns: Readonly<Record<HeldKind, readonly [string, string]>> = {
  deprovisioning: ['deprovisioning', 'deprovisionings'],
  downgrade: ['role downgrade', 'role downgrades'],
  membershipRemoval: ['membership removal', 'membership removals'],
};

/** "24 deprovisionings over the threshold of 5; 30 role downgrades over the threshold of 10". */
export function describeHeld(held: readonly HeldActions[]): string {
  return held
    .map((h) => `${h.count} ${nouns[h.kind][h.count === 1 ? 0 : 1]} over the threshold of ${h.threshold}`)
    .join('; ');
}

/** How many actions were held back, all kinds together. */
export function heldTotal(held: readonly HeldActions[]): number {
  return held.reduce((n, h) => n + h.count, 0);
}

export interface GuardInput {
  readonly users: readonly PlannedUser[];
  readonly groups: readonly GroupPlan[];
  /** Disables and deletes (users and groups); 0 turns it off. */
  readonly threshold: number;
  /** Downgrades; 0 (or absent) turns it off. */
  readonly downgradeThreshold?: number;
  /** Whether an update lowers the user's privileges in the target (the target connector decides). */
  readonly isDowngrade?: (user: PlannedUser) => boolean;
  /** allow-deletes: this cycle may exceed the thresholds. */
  readonly allow: boolean;
}

export interface GuardResult {
  readonly users: readonly PlannedUser[];
  readonly groups: readonly GroupPlan[];
  /** How many actions were held back (0: none). */
  readonly staged: number;
  /** The kinds held back, with their counts and thresholds (empty: none). */
  readonly held: readonly HeldActions[];
}

const deprovisions = (user: PlannedUser) => user.action?.kind === 'disable' || user.action?.kind === 'delete';

/** Whether a planned user's write changes attributes and lowers its privileges (`TargetConnector.reducesPrivileges`). */
export function downgradeOf(target: {
  reducesPrivileges(
    current: NonNullable<PlannedUser['target']>,
    changes: Readonly<Record<string, unknown>>,
  ): boolean;
}): (user: PlannedUser) => boolean {
  return (user) =>
    (user.action?.kind === 'update' || user.action?.kind === 'reactivate') &&
    user.target !== null &&
    target.reducesPrivileges(user.target, user.action.changes);
}

const over = (count: number, threshold: number) => threshold > 0 && count > threshold;

function recommendedAction(): string {
  return engineErrors.info(EngineErrorCode.TooManyDeletes).recommendedAction;
}

export function guardDeletions(input: GuardInput): GuardResult {
  const isDowngrade = input.isDowngrade ?? (() => false);
  const deprovisionCount =
    input.users.filter(deprovisions).length +
    input.groups.filter((group) => group.action?.kind === 'delete').length;
  const downgradeCount = input.users.filter(isDowngrade).length;
  const downgradeThreshold = input.downgradeThreshold ?? 0;
  const holdDeprovisions = !input.allow && over(deprovisionCount, input.threshold);
  const holdDowngrades = !input.allow && over(downgradeCount, downgradeThreshold);
  if (!holdDeprovisions && !holdDowngrades)
    return { users: input.users, groups: input.groups, staged: 0, held: [] };
  const held: HeldActions[] = [
    ...(holdDeprovisions
      ? [{ kind: 'deprovisioning' as const, count: deprovisionCount, threshold: input.threshold }]
      : []),
    ...(holdDowngrades
      ? [{ kind: 'downgrade' as const, count: downgradeCount, threshold: downgradeThreshold }]
      : []),
  ];
  const deprovisionReason = `${deprovisionCount} users and groups would be deprovisioned in one cycle; the threshold is ${input.threshold}.`;
  const downgradeReason = `${downgradeCount} users would lose privileges (a role downgrade) in one cycle; the threshold is ${downgradeThreshold}.`;
  const users = input.users.map((user): PlannedUser => {
    if (holdDeprovisions && deprovisions(user)) {
      const verb = user.action?.kind === 'delete' ? 'deletion' : 'disable';
      return stage(
        user,
        `Staged ${verb}: ${user.description} Not done: ${deprovisionCount} deprovisioning actions in this cycle exceed settings.accidentalDeletionThreshold (${input.threshold}).`,
        deprovisionReason,
      );
    }
    if (holdDowngrades && isDowngrade(user))
      return stage(
        user,
        `Staged downgrade: ${user.description} Not done: ${downgradeCount} role downgrades in this cycle exceed settings.downgradeThreshold (${downgradeThreshold}); nothing of this update is written until it is allowed.`,
        downgradeReason,
      );
    return user;
  });
  const groups = input.groups.map(
    (group): GroupPlan =>
      !holdDeprovisions || group.action?.kind !== 'delete'
        ? group
        : {
            ...group,
            action: null,
            status: 'skipped',
            reason: `${group.reason}; deletion staged: too many deprovisioning actions in this cycle (settings.accidentalDeletionThreshold)`,
            error: { code: EngineErrorCode.TooManyDeletes, reason: deprovisionReason },
          },
  );
  return { users, groups, staged: heldTotal(held), held };
}

function stage(user: PlannedUser, description: string, reason: string): PlannedUser {
  return {
    ...user,
    action: null,
    provisioningAction: 'stagedDelete',
    status: 'skipped',
    description,
    error: { code: EngineErrorCode.TooManyDeletes, reason, recommendedAction: recommendedAction() },
  };
}

export interface MembershipGuardResult {
  readonly plans: readonly MembershipPlan[];
  /** The removals held back (null: none). */
  readonly held: HeldActions | null;
}

/**
 * The membership half of the guard: when the removals planned in groups provisio manages exceed
 * `threshold` (0: off), none is made; each moves to its plan's `held` list. Memberships in groups
 * provisio does not manage are never planned for removal (`planMemberships` only sees linked groups),
 * so they are neither removed nor counted. Pure.
 */
export function guardMembershipRemovals(
  plans: readonly MembershipPlan[],
  threshold: number,
  allow: boolean,
): MembershipGuardResult {
  const count = plans.reduce((n, m) => n + m.remove.length, 0);
  if (allow || !over(count, threshold)) return { plans, held: null };
  return {
    plans: plans.map((m) =>
      m.remove.length === 0 ? m : { ...m, remove: [], held: [...(m.held ?? []), ...m.remove] },
    ),
    held: { kind: 'membershipRemoval', count, threshold },
  };
}
