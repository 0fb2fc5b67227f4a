/**
 * Single sign-on decided by the job's own rules (docs/single-sign-on.md): who may sign in to the
 * target, and as which target user. A person who signed in to Entra ID is planned exactly as a cycle
 * or provision on demand would plan them (scope: active, assigned, role, scoping filters; match:
 * the link first); in scope and linked, they sign in as that linked target user (never a new
 * account); in scope but not provisioned yet, or with changes not written yet, the user is
 * provisioned on demand first; anyone out of scope is refused, and the refusal is written to the
 * provisioning log like every other decision.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/load.js';
import type { ProvisioningObjectSummary } from '../log/types.js';
import type { EngineDeps } from '../ports/engine.js';
import type { TargetUser } from '../ports/target.js';
import { openOnDemandRun } from './provision.js';

/** Why a sign-in was refused, for the refusal page and the log. */
export type SignInRefusal =
  /** No such user in the source (deleted, or another tenant's). */
  | 'unknownUser'
  /** Out of the job's scope: disabled, unassigned, Default Access only, a scoping filter, deleted. */
  | 'outOfScope'
  /** In scope, but the job could not provision the user (an export failure, a duplicate match). */
  | 'provisioningFailed'
  /** In scope, but the job does not create users and none is linked or matched. */
  | 'notProvisioned'
  /** The linked target user is suspended, unlinked from the job, or protected. */
  | 'targetUnavailable';

export type SignInDecision =
  | {
      readonly allowed: true;
      /** The target user to sign in as: the linked (or just provisioned) one, as the target has it. */
      readonly user: TargetUser;
      /** Whether this sign-in provisioned the user (created or updated) first. */
      readonly provisioned: boolean;
      readonly displayName: string;
    }
  | {
      readonly allowed: false;
      readonly refusal: SignInRefusal;
      /** One sentence for the person: what stops them, and whom to ask. */
      readonly reason: string;
      readonly displayName: string;
    };

/** The step every sign-in log entry carries, after the cycle's own steps. */
const SIGN_IN_STEP = 'Single sign-on';

/**
 * Decides the sign-in of source user `sourceUserId` (an Entra object id) with job `config`'s rules,
 * provisioning the user first when the plan says so, and logs a refusal. `initiatedBy` names the
 * bridge in the log (e.g. "Single sign-on (ada@example.com)").
 */
export async function decideSignIn(
  deps: EngineDeps,
  config: Config,
  sourceUserId: string,
  options: { readonly initiatedBy: string },
): Promise<SignInDecision> {
  const { source, store, clock } = deps;
  const found = await source.getUser(sourceUserId, config.users.select);
  if (found === null)
    return {
      allowed: false,
      refusal: 'unknownUser',
      reason: 'Your account was not found in Microsoft Entra ID by the provisioning job.',
      displayName: sourceUserId,
    };
  const run = await openOnDemandRun(deps, config, { initiatedBy: options.initiatedBy });
  const planned = await run.provisionUser(found.id, found.attributes, true);
  const displayName = planned.displayName;
  const refuse = async (refusal: SignInRefusal, reason: string): Promise<SignInDecision> => {
    await store.appendLogs([refusalEntry(planned.entry, reason, clock.now())]);
    return { allowed: false, refusal, reason, displayName };
  };

  const scope = planned.planned.scope;
  if (!scope.inScope)
    return refuse(
      'outOfScope',
      `${scope.summary} Only people in the provisioning job's scope may sign in to Zendesk; ask your administrator to assign you to the application.`,
    );
  const code = planned.planned.error?.code;
  if (code === 'Unlinked' || code === 'ProtectedObject')
    return refuse(
      'targetUnavailable',
      code === 'Unlinked'
        ? "Your Zendesk account is no longer managed by this provisioning job (an administrator unlinked it): sign in with Zendesk's own sign-in page, or ask your administrator."
        : "Your Zendesk account is one the provisioning job never changes (protected): sign in with Zendesk's own sign-in page.",
    );
  if (planned.planned.status === 'failure')
    return refuse(
      'provisioningFailed',
      `Your Zendesk account could not be provisioned: ${planned.entry.provisioningStatusInfo.errorInformation?.reason ?? planned.planned.description}`,
    );
  // A write the job would make now (create, update, a link to record): provision on demand first.
  const needsWrite = planned.planned.action !== null || planned.planned.newLink !== undefined;
  let user: TargetUser | null = planned.planned.target;
  let provisioned = false;
  if (needsWrite) {
    const written = await run.provisionUser(found.id, found.attributes, false);
    const failed =
      (written.result !== undefined && !written.result.ok) || written.planned.status === 'failure';
    if (failed)
      return refuse(
        'provisioningFailed',
        `Your Zendesk account could not be provisioned: ${written.entry.provisioningStatusInfo.errorInformation?.reason ?? written.planned.description}`,
      );
    if (written.result?.ok) {
      user = written.result.user;
      provisioned = true;
    } else user = written.planned.target;
  }
  if (user === null)
    return refuse(
      'notProvisioned',
      'You have no Zendesk account yet, and this provisioning job does not create accounts: ask your administrator.',
    );
  if (!user.active || user.disabled)
    return refuse(
      'targetUnavailable',
      `Your Zendesk account (${user.displayName}) is ${user.active ? 'suspended' : 'deleted'}: ask your administrator.`,
    );
  return { allowed: true, user, provisioned, displayName };
}

/**
 * The log entry of a refused sign-in: the plan's own steps (import, scope, match) and a last step
 * that says the sign-in was refused and why, status skipped, action "other".
 */
function refusalEntry(
  planned: ProvisioningObjectSummary,
  reason: string,
  at: Date,
): ProvisioningObjectSummary {
  return {
    ...planned,
    id: randomUUID(),
    changeId: randomUUID(),
    activityDateTime: at.toISOString(),
    provisioningAction: 'other',
    modifiedProperties: [],
    provisioningSteps: [
      ...planned.provisioningSteps.filter((step) => step.provisioningStepType !== 'export'),
      {
        name: SIGN_IN_STEP,
        provisioningStepType: 'processing',
        status: 'skipped',
        description: `Sign-in to Zendesk refused: ${reason}`,
        details: {},
      },
    ],
    provisioningStatusInfo: { status: 'skipped', errorInformation: null },
  };
}
