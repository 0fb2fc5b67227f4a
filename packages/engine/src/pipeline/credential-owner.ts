/**
 * The credentials' owner rule (docs/provisioning.md, "The credentials' owner"): the target user whose
 * credentials the target connector uses is never written to. Suspending, downgrading or deleting
 * that user would lock provisio out of the target (every later cycle refused with 401 or 403, no
 * leaver deprovisioned any more), and renaming it changes someone's administrator account behind
 * their back. Any action the plan stage decided for that user becomes a skip with the reason; when
 * the user left scope it is a `warning`, also for the job (its report, `status`, an e-mail): its
 * credentials' owner is leaving, and the administrator should move the credentials to someone else
 * before that person's account goes. Pure.
 */
import { EngineErrorCode, engineErrors } from '../errors/engine.js';
import type { SystemInfo } from '../ports/common.js';
import type { CredentialOwner, TargetAction, TargetConnector } from '../ports/target.js';
import type { PlannedUser } from './plan.js';

/** Whether a planned user is the credentials' owner: linked or matched to it, or a create the target would turn into a write to it. */
export function concernsCredentialOwner(
  planned: PlannedUser,
  owner: CredentialOwner,
  target: Pick<TargetConnector, 'matchKey'>,
): boolean {
  if (planned.target?.id === owner.targetId) return true;
  if (
    planned.link !== null &&
    (planned.link.state === 'active' || planned.link.state === 'disabled') &&
    planned.link.targetId === owner.targetId
  )
    return true;
  if (planned.action?.kind === 'create') {
    const attributes = planned.action.attributes;
    for (const [attribute, key] of Object.entries(owner.keys))
      if (target.matchKey(attribute, attributes[attribute]) === key) return true;
  }
  return false;
}

function wouldDo(action: TargetAction): string {
  switch (action.kind) {
    case 'create':
      return 'create a user the target would match to them (and so change them)';
    case 'update':
      return `update ${Object.keys(action.changes).join(', ')}`;
    case 'disable':
      return action.policy === 'suspend' ? 'suspend them' : 'downgrade them to end-user and suspend them';
    case 'reactivate':
      return 'reactivate them';
    case 'delete':
      return 'delete them';
  }
}

/**
 * The plan for one user with the credentials' owner protected: unchanged for anyone else, and for
 * the owner while in scope with nothing to write; otherwise no action, code
 * `CredentialOwnerProtected`, status `warning` when the owner left scope (`skipped` for a change held
 * back while in scope), and the link recorded when the owner was matched (so that the owner leaving
 * scope is noticed later).
 */
export function protectCredentialOwner(
  planned: PlannedUser,
  owner: CredentialOwner | null,
  target: Pick<TargetConnector, 'matchKey'> & { readonly system: SystemInfo },
): PlannedUser {
  if (owner === null || !concernsCredentialOwner(planned, owner, target)) return planned;
  const leftScope = !planned.scope.inScope;
  if (planned.action === null && !leftScope) return planned;
  const system = target.system.displayName;
  const who = `${system} user ${owner.targetId} (${owner.displayName})`;
  const skipped = planned.action
    ? `provisio would ${wouldDo(planned.action)}${leftScope ? ` because ${planned.displayName} left scope (${planned.scope.summary})` : ''}, and skipped it`
    : `${planned.displayName} left scope (${planned.scope.summary}); nothing is sent`;
  const reason = `${who} owns the credentials provisio uses for ${system}, and provisio never changes, suspends or deletes that user: ${skipped}.`;
  const matchedNow = planned.match?.kind === 'matched' && planned.action?.kind !== 'create';
  const { newLink: _newLink, linkState: _linkState, ...rest } = planned;
  return {
    ...rest,
    action: null,
    provisioningAction: 'other',
    status: leftScope ? 'warning' : 'skipped',
    modifiedProperties: [],
    description: `Skipped: ${reason}`,
    error: {
      code: EngineErrorCode.CredentialOwnerProtected,
      reason,
      recommendedAction: engineErrors.info(EngineErrorCode.CredentialOwnerProtected).recommendedAction,
    },
    ...(matchedNow ? { newLink: { targetId: owner.targetId } } : {}),
  };
}

/** A job-level warning: the credentials' owner left scope, and what the cycle left undone for them. */
export interface CredentialOwnerWarning {
  readonly code: typeof EngineErrorCode.CredentialOwnerProtected;
  readonly sourceId: string;
  readonly displayName: string;
  readonly targetId: string;
  readonly message: string;
  readonly recommendedAction: string;
}

/** The warnings of a cycle's plan: one per user linked to the owner that left scope. */
export function credentialOwnerWarnings(
  planned: readonly PlannedUser[],
  owner: CredentialOwner | null,
): CredentialOwnerWarning[] {
  if (owner === null) return [];
  return planned
    .filter(
      (user) => user.status === 'warning' && user.error?.code === EngineErrorCode.CredentialOwnerProtected,
    )
    .map((user) => ({
      code: EngineErrorCode.CredentialOwnerProtected,
      sourceId: user.sourceId,
      displayName: user.displayName,
      targetId: owner.targetId,
      message: user.error?.reason ?? user.description,
      recommendedAction: engineErrors.info(EngineErrorCode.CredentialOwnerProtected).recommendedAction,
    }));
}
