/**
 * Stage "plan": a pure diff of the desired target state (scope + mappings) against the known target
 * state (link + index), giving one typed decision per source user. `provisio plan` prints exactly
 * these; `sync` exports the actions among them.
 */
import type { CompiledMappingSet, MappingResult } from '@provisio/expressions';
import type { Config } from '../config/load.js';
import { EngineErrorCode, type ErrorCode, engineErrors } from '../errors/engine.js';
import type { ModifiedProperty, ProvisioningAction, ProvisioningStatus } from '../log/types.js';
import type { SourceAssignment } from '../ports/source.js';
import type { LinkRecord } from '../ports/state.js';
import type {
  DeprovisionPolicy,
  PreparedAttributes,
  TargetAction,
  TargetConnector,
  TargetUser,
} from '../ports/target.js';
import { type MatchResult, matchUser } from './match.js';
import { decideScope, type OutOfScopeReason, type ScopeDecision, type ScopeSettings } from './scope.js';
import { sourceDisplayName, sourceView } from './source-view.js';
import type { TargetIndex } from './target-index.js';

export interface PlanSettings extends ScopeSettings {
  readonly mappings: CompiledMappingSet;
  readonly actions: ReadonlySet<'create' | 'update' | 'delete'>;
  readonly deprovision: DeprovisionPolicy;
  readonly skipOutOfScopeDeletions: boolean;
  /** `settings.adoptedObjects.delete`: adopted users are deprovisioned like created ones (else never deleted). */
  readonly deleteAdopted: boolean;
}

/** The plan settings of a configuration's user mapping. */
export function planSettingsFrom(config: Config): PlanSettings {
  return {
    scope: config.settings.scope,
    defaultAccess: config.settings.defaultAccess,
    filters: config.users.scopingFilters,
    mappings: config.users.mappings,
    actions: config.users.actions,
    deprovision: config.settings.deprovision,
    skipOutOfScopeDeletions: config.settings.skipOutOfScopeDeletions,
    deleteAdopted: config.settings.adoptedObjects.delete,
  };
}

export interface PlanInput {
  readonly sourceId: string;
  /** The merged Graph attributes (empty for a user known only by id). */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly assignments: readonly SourceAssignment[];
  readonly removed: 'soft' | 'hard' | null;
  readonly link: LinkRecord | null;
  /** Why the user is evaluated in this cycle (import step). */
  readonly change: 'Add' | 'Update' | 'Delete' | 'None';
  /**
   * Target users an operator unlinked (from any source user): never matched again, so that an
   * unlinked object is not adopted again by its e-mail (docs/operations.md, "Unlinking an object").
   */
  readonly unlinkedTargets?: ReadonlySet<string>;
}

/** What happens to one user, with everything the provisioning log needs to explain it. */
export interface PlannedUser {
  readonly sourceId: string;
  readonly displayName: string;
  readonly change: PlanInput['change'];
  readonly view: Readonly<Record<string, unknown>>;
  readonly scope: ScopeDecision;
  readonly mapped: MappingResult | null;
  readonly prepared: PreparedAttributes | null;
  readonly match: MatchResult | null;
  readonly link: LinkRecord | null;
  /** The target user before the action (if one is known). */
  readonly target: TargetUser | null;
  /** The write to make, if any. */
  readonly action: TargetAction | null;
  readonly provisioningAction: ProvisioningAction;
  /** The status when no write is made, or the status a successful write gets. */
  readonly status: ProvisioningStatus;
  readonly modifiedProperties: readonly ModifiedProperty[];
  /** One sentence: what and why. */
  readonly description: string;
  /** For skips, failures and warnings decided at plan time. */
  readonly error?: { readonly code: ErrorCode; readonly reason: string; readonly recommendedAction?: string };
  /** A link to record even without a write (a pre-existing target user matched and already in sync). */
  readonly newLink?: { readonly targetId: string };
  /**
   * The target itself matched an existing user when asked to create one (pipeline/ownership.ts):
   * the entry reports a match and an update, and the link records the user as adopted.
   */
  readonly matchedByTarget?: boolean;
  /** The link's state after this decision when no write is made (e.g. target gone → deleted). */
  readonly linkState?: LinkRecord['state'];
}

function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function modified(
  desired: Readonly<Record<string, unknown>>,
  current: Readonly<Record<string, unknown>> | null,
  redacted: ReadonlySet<string>,
): ModifiedProperty[] {
  return Object.keys(desired).map((name) => ({
    displayName: name,
    oldValue: current === null ? null : redacted.has(name) ? '[Redact]' : textOf(current[name]),
    newValue: redacted.has(name) ? '[Redact]' : textOf(desired[name]),
  }));
}

/** Desired attributes that differ from the target's, as the target compares them. */
export function changedAttributes(
  target: Pick<TargetConnector, 'same'>,
  desired: Readonly<Record<string, unknown>>,
  current: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(desired))
    if (!target.same(name, value, current[name])) changes[name] = value;
  return changes;
}

const outOfScopeWords: Record<OutOfScopeReason, string> = {
  hardDeleted: 'permanently deleted in Entra ID',
  softDeleted: 'deleted in Entra ID',
  disabled: 'disabled in Entra ID',
  notAssigned: 'not assigned to the application',
  defaultAccessOnly: 'assigned only with Default Access',
  scopingFilter: 'out of the scoping filters',
};

/** The catalogue's recommended action for one of the engine's codes. */
function recommended(code: EngineErrorCode): string {
  return engineErrors.info(code).recommendedAction;
}

export function planUser(
  settings: PlanSettings,
  target: Pick<TargetConnector, 'prepare' | 'same'>,
  index: TargetIndex,
  input: PlanInput,
  now: Date,
): PlannedUser {
  const displayName = sourceDisplayName(input.sourceId, input.attributes);
  const view = sourceView(
    input.sourceId,
    input.attributes,
    input.assignments,
    input.removed !== null || input.attributes['accountEnabled'] === false,
  );
  const scope = decideScope(settings, view, input.assignments, input.removed);
  const liveLink =
    input.link !== null && (input.link.state === 'active' || input.link.state === 'disabled')
      ? input.link
      : null;
  const base = {
    sourceId: input.sourceId,
    displayName,
    change: input.change,
    view,
    scope,
    link: input.link,
    modifiedProperties: [] as ModifiedProperty[],
  };

  if (input.link?.state === 'unlinked') {
    const reason = `An operator unlinked ${displayName} from Zendesk user ${input.link.targetId} (provisio unlink): provisio no longer manages that user, nor matches it again.`;
    return {
      ...base,
      mapped: null,
      prepared: null,
      match: null,
      target: index.get(input.link.targetId) ?? null,
      action: null,
      provisioningAction: 'other',
      status: 'skipped',
      description: `Skipped: ${reason}`,
      error: {
        code: EngineErrorCode.Unlinked,
        reason,
        recommendedAction: recommended(EngineErrorCode.Unlinked),
      },
    };
  }

  if (!scope.inScope) {
    const reason = scope.reason as OutOfScopeReason;
    const linkedTarget = liveLink ? (index.get(liveLink.targetId) ?? null) : null;
    const none = { ...base, mapped: null, prepared: null, match: null, target: linkedTarget, action: null };
    if (linkedTarget?.protection !== undefined) return protectedUser(none, displayName, linkedTarget);
    if (liveLink === null)
      return {
        ...none,
        provisioningAction: 'other',
        status: 'skipped',
        description: `Skipped: ${displayName} is ${outOfScopeWords[reason]} and was never provisioned by provisio. ${scope.summary}`,
        error: { code: EngineErrorCode.EntrySynchronizationSkipped, reason: scope.summary },
      };
    if (linkedTarget === null)
      return {
        ...none,
        provisioningAction: 'other',
        status: 'warning',
        description: `The Zendesk user ${liveLink.targetId} linked to ${displayName} no longer exists; nothing to deprovision.`,
        error: {
          code: EngineErrorCode.InvalidAnchor,
          reason: `Zendesk user ${liveLink.targetId} was deleted outside provisio.`,
        },
        linkState: 'deleted',
      };
    const targetId = linkedTarget.id;
    const skip = (description: string): PlannedUser => ({
      ...none,
      provisioningAction: 'other',
      status: 'skipped',
      description,
    });
    // An adopted user (matched, not created by provisio) is suspended where provisio would delete it.
    const keepAdopted = !liveLink.created && !settings.deleteAdopted;
    const adoptedWords =
      'provisio matched this Zendesk user rather than creating it, and never deletes the users it adopted (settings.adoptedObjects.delete is false)';
    const suspendAdopted = (why: string): PlannedUser =>
      linkedTarget.disabled || liveLink.state === 'disabled'
        ? skip(`${displayName} ${why}; ${adoptedWords}, and the Zendesk user is already suspended.`)
        : {
            ...none,
            action: {
              kind: 'disable',
              key: input.sourceId,
              targetId,
              policy: 'suspend',
              current: linkedTarget,
            },
            provisioningAction: 'disable',
            status: 'success',
            modifiedProperties: modified({ suspended: true }, linkedTarget.attributes, new Set()),
            description: `${displayName} ${why}; ${adoptedWords}: the Zendesk user will be suspended instead.`,
          };
    if (reason === 'hardDeleted') {
      if (settings.actions.has('delete') && keepAdopted)
        return suspendAdopted('was permanently deleted in Entra ID');
      if (settings.actions.has('delete'))
        return {
          ...none,
          action: { kind: 'delete', key: input.sourceId, targetId, current: linkedTarget },
          provisioningAction: 'delete',
          status: 'success',
          description: `${displayName} was permanently deleted in Entra ID: the Zendesk user will be deleted.`,
        };
      return skip(
        `${displayName} was permanently deleted in Entra ID, but the Delete action is not enabled: the Zendesk user is left as it is.`,
      );
    }
    if (liveLink.state === 'disabled')
      return skip(`${displayName} is ${outOfScopeWords[reason]}; the Zendesk user is already deprovisioned.`);
    if (
      (reason === 'notAssigned' || reason === 'scopingFilter' || reason === 'defaultAccessOnly') &&
      settings.skipOutOfScopeDeletions
    )
      return skip(
        `${displayName} is ${outOfScopeWords[reason]}, but settings.skipOutOfScopeDeletions is on: the Zendesk user is left as it is.`,
      );
    if (linkedTarget.disabled && settings.deprovision !== 'delete')
      return {
        ...skip(
          `${displayName} is ${outOfScopeWords[reason]}; the Zendesk user is already suspended (by someone other than provisio), so nothing is sent, and provisio will not lift that suspension later.`,
        ),
      };
    switch (settings.deprovision) {
      case 'none':
        return skip(
          `${displayName} is ${outOfScopeWords[reason]}; settings.deprovision is none: the Zendesk user is left as it is.`,
        );
      case 'delete':
        if (keepAdopted) return suspendAdopted(`is ${outOfScopeWords[reason]}`);
        return {
          ...none,
          action: { kind: 'delete', key: input.sourceId, targetId, current: linkedTarget },
          provisioningAction: 'delete',
          status: 'success',
          description: `${displayName} is ${outOfScopeWords[reason]}: the Zendesk user will be deleted (settings.deprovision: delete).`,
        };
      default: {
        const policy = settings.deprovision;
        const changes: Record<string, unknown> =
          policy === 'downgrade-and-suspend' ? { role: 'end-user', suspended: true } : { suspended: true };
        return {
          ...none,
          action: { kind: 'disable', key: input.sourceId, targetId, policy, current: linkedTarget },
          provisioningAction: 'disable',
          status: 'success',
          modifiedProperties: modified(changes, linkedTarget.attributes, new Set()),
          description: `${displayName} is ${outOfScopeWords[reason]}: the Zendesk user will be ${policy === 'suspend' ? 'suspended' : 'downgraded to end-user and suspended'}.`,
        };
      }
    }
  }

  // In scope: map, match, diff.
  const evaluate = (operation: 'create' | 'update') =>
    settings.mappings.evaluate({
      attributes: view,
      operation,
      now,
      exists: (value) => index.find('email', value).length > 0 || index.find('external_id', value).length > 0,
    });
  let mapped = evaluate(liveLink ? 'update' : 'create');
  const match = matchUser(index, mapped, liveLink?.targetId ?? null);
  const found = match.kind === 'linked' || match.kind === 'matched' ? match.target : null;
  if (found?.protection !== undefined)
    return protectedUser(
      { ...base, mapped, prepared: null, match, target: found, action: null },
      displayName,
      found,
    );
  if (found !== null && match.kind === 'matched' && input.unlinkedTargets?.has(found.id)) {
    const reason = `${displayName} matches Zendesk user ${found.id} (${found.displayName}) by ${match.attribute}, which an operator unlinked (provisio unlink): provisio does not adopt it again.`;
    return {
      ...base,
      mapped,
      prepared: null,
      match,
      target: found,
      action: null,
      provisioningAction: 'other',
      status: 'skipped',
      description: `Skipped: ${reason}`,
      error: {
        code: EngineErrorCode.Unlinked,
        reason,
        recommendedAction: recommended(EngineErrorCode.Unlinked),
      },
    };
  }
  if ((found !== null) !== (liveLink !== null)) mapped = evaluate(found ? 'update' : 'create');
  const prepared = target.prepare(mapped.values);
  const redacted = new Set(mapped.redacted);
  const planned = { ...base, mapped, prepared, match, target: found };
  const failure = (code: ErrorCode, reason: string, recommendedAction?: string): PlannedUser => ({
    ...planned,
    action: null,
    provisioningAction: found ? 'update' : 'create',
    status: 'failure',
    description: reason,
    error: recommendedAction === undefined ? { code, reason } : { code, reason, recommendedAction },
  });

  if (mapped.errors.length > 0) {
    const first = mapped.errors[0] as MappingResult['errors'][number];
    return failure(
      EngineErrorCode.AttributeMappingFailed,
      `The mapping of ${mapped.errors.map((e) => e.target).join(', ')} failed: ${first.error.message}`,
      recommended(EngineErrorCode.AttributeMappingFailed),
    );
  }
  if (match.kind === 'noMatchingValue')
    return {
      ...planned,
      action: null,
      provisioningAction: 'other',
      status: 'skipped',
      description: `Skipped: ${displayName} has no value for any matching attribute.`,
      error: {
        code: EngineErrorCode.ImportSkipped,
        reason: 'The user has no value for any matching attribute, so it cannot be matched or created.',
        recommendedAction: recommended(EngineErrorCode.ImportSkipped),
      },
    };
  if (match.kind === 'duplicate') {
    const tried = match.tried[match.tried.length - 1];
    return failure(
      EngineErrorCode.DuplicateTargetEntries,
      `More than one Zendesk user has ${match.attribute} "${tried?.value ?? ''}" (${(tried?.candidates ?? []).map((c) => `${c.id} ${c.displayName}`).join('; ')}).`,
      'Merge or delete the duplicate Zendesk users, or make the matching attribute unique.',
    );
  }
  if (prepared.problems.length > 0) {
    const first = prepared.problems[0] as PreparedAttributes['problems'][number];
    return failure(
      first.code,
      prepared.problems.map((p) => `${p.attribute}: ${p.message}`).join('; '),
      'Fix the value in Entra ID or the mapping.',
    );
  }

  if (found === null) {
    if (!settings.actions.has('create'))
      return {
        ...planned,
        action: null,
        provisioningAction: 'other',
        status: 'skipped',
        description: `Skipped: no Zendesk user matches ${displayName}, and the Create action is not enabled.`,
      };
    return {
      ...planned,
      action: { kind: 'create', key: input.sourceId, attributes: prepared.attributes },
      provisioningAction: 'create',
      status: 'success',
      modifiedProperties: modified(prepared.attributes, null, redacted),
      description: `${displayName} is in scope and no matching Zendesk user was found: the user will be created.`,
    };
  }

  const changes = changedAttributes(target, prepared.attributes, found.attributes);
  const matchedNow = match.kind === 'matched';
  const weDisabled = liveLink?.state === 'disabled';
  if (found.disabled && weDisabled) {
    return {
      ...planned,
      action: { kind: 'reactivate', key: input.sourceId, targetId: found.id, changes, current: found },
      provisioningAction: 'update',
      status: 'success',
      modifiedProperties: modified({ ...changes, suspended: false }, found.attributes, redacted),
      description: `${displayName} is back in scope: the Zendesk user will be unsuspended${Object.keys(changes).length > 0 ? ' and updated' : ''}.`,
    };
  }
  const suspendedByOthers = found.disabled
    ? ' The Zendesk user is suspended by someone other than provisio; provisio leaves the suspension in place.'
    : '';
  const how = matchedNow ? `matched an existing Zendesk user by ${match.attribute}` : 'linked';
  if (Object.keys(changes).length === 0)
    return {
      ...planned,
      action: null,
      provisioningAction: 'other',
      status: found.disabled ? 'warning' : 'skipped',
      description: `${displayName} (${how}) is already in sync.${suspendedByOthers}`,
      error: {
        code: EngineErrorCode.RedundantExport,
        reason: 'The user in Entra ID and in Zendesk already match.',
      },
      ...(matchedNow || weDisabled ? { newLink: { targetId: found.id } } : {}),
      ...(weDisabled ? { linkState: 'active' as const } : {}),
    };
  if (!settings.actions.has('update'))
    return {
      ...planned,
      action: null,
      provisioningAction: 'other',
      status: 'skipped',
      description: `${displayName} differs in Zendesk (${Object.keys(changes).join(', ')}), but the Update action is not enabled.`,
      ...(matchedNow ? { newLink: { targetId: found.id } } : {}),
    };
  return {
    ...planned,
    action: { kind: 'update', key: input.sourceId, targetId: found.id, changes, current: found },
    provisioningAction: 'update',
    status: found.disabled ? 'warning' : 'success',
    modifiedProperties: modified(changes, found.attributes, redacted),
    description: `${displayName} (${how}): ${Object.keys(changes).join(', ')} will be updated.${suspendedByOthers}`,
  };
}

/**
 * A target user the account depends on (its `protection` says why, e.g. the Zendesk account owner):
 * never matched, changed, suspended or deleted, whatever the plan would have done.
 */
function protectedUser(
  planned: Omit<PlannedUser, 'provisioningAction' | 'status' | 'description' | 'modifiedProperties'>,
  displayName: string,
  target: TargetUser,
): PlannedUser {
  const reason = `Zendesk user ${target.id} (${target.displayName}) is ${target.protection}; provisio never matches, changes, suspends or deletes it, so nothing is sent for ${displayName}.`;
  return {
    ...planned,
    action: null,
    provisioningAction: 'other',
    status: 'skipped',
    modifiedProperties: [],
    description: `Skipped: ${reason}`,
    error: {
      code: EngineErrorCode.ProtectedObject,
      reason,
      recommendedAction: recommended(EngineErrorCode.ProtectedObject),
    },
  };
}
