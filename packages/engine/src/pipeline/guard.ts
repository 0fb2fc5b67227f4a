/**
 * Stage "guard": the accidental-deletion threshold. When a cycle plans more user disables and
 * deletes plus group deletions than the threshold allows, none of them is carried out: each becomes
 * a staged decision (logged as `stagedDelete`) and the job is quarantined (TooManyDeletes) until an
 * operator allows them or fixes the cause (docs/provisioning.md, "Accidental deletions"). Pure: it
 * returns new plans and never changes its inputs.
 */
import { EngineErrorCode, engineErrors } from '../errors/engine.js';
import type { GroupPlan } from './group-plan.js';
import type { PlannedUser } from './plan.js';

export interface GuardInput {
  readonly users: readonly PlannedUser[];
  readonly groups: readonly GroupPlan[];
  /** 0 turns the threshold off. */
  readonly threshold: number;
  /** allow-deletes: this cycle may exceed the threshold. */
  readonly allow: boolean;
}

export interface GuardResult {
  readonly users: readonly PlannedUser[];
  readonly groups: readonly GroupPlan[];
  /** How many deprovisioning actions were held back (0: none). */
  readonly staged: number;
}

const deprovisions = (user: PlannedUser) => user.action?.kind === 'disable' || user.action?.kind === 'delete';

export function guardDeletions(input: GuardInput): GuardResult {
  const total =
    input.users.filter(deprovisions).length +
    input.groups.filter((group) => group.action?.kind === 'delete').length;
  const { threshold } = input;
  if (threshold === 0 || input.allow || total <= threshold)
    return { users: input.users, groups: input.groups, staged: 0 };
  const reason = `${total} users and groups would be deprovisioned in one cycle; the threshold is ${threshold}.`;
  const users = input.users.map((user): PlannedUser => {
    if (!deprovisions(user)) return user;
    const verb = user.action?.kind === 'delete' ? 'deletion' : 'disable';
    return {
      ...user,
      action: null,
      provisioningAction: 'stagedDelete',
      status: 'skipped',
      modifiedProperties: [],
      description: `Staged ${verb}: ${user.description} Not done: ${total} deprovisioning actions in this cycle exceed settings.accidentalDeletionThreshold (${threshold}).`,
      error: {
        code: EngineErrorCode.TooManyDeletes,
        reason,
        recommendedAction: engineErrors.info(EngineErrorCode.TooManyDeletes).recommendedAction,
      },
    };
  });
  const groups = input.groups.map(
    (group): GroupPlan =>
      group.action?.kind !== 'delete'
        ? group
        : {
            ...group,
            action: null,
            status: 'skipped',
            reason: `${group.reason}; deletion staged: too many deprovisioning actions in this cycle (settings.accidentalDeletionThreshold)`,
            error: { code: EngineErrorCode.TooManyDeletes, reason },
          },
  );
  return { users, groups, staged: total };
}
