/**
 * Stage "plan" for groups: scope (assigned or all, group scoping filters), map (the group mappings,
 * in create or update mode), match (the link, then the matching attribute, by name ignoring case and
 * surrounding spaces) and diff, giving one typed decision per group. Pure, like `planUser`: the
 * cycle and provisioning on demand both call it.
 */

import type { CompiledMappingSet, CompiledScopingFilters } from '@provisio/expressions';
import { EngineErrorCode } from '../errors/engine.js';
import type { ModifiedProperty } from '../log/types.js';
import type { GroupLinkRecord, SourceGroupRecord } from '../ports/state.js';
import type { GroupTargetConnector, TargetGroup, TargetGroupAction } from '../ports/target.js';

export interface GroupPlan {
  readonly sourceId: string;
  readonly displayName: string;
  readonly inScope: boolean;
  readonly reason: string;
  readonly action: TargetGroupAction | null;
  readonly targetId: string | null;
  readonly modifiedProperties: readonly ModifiedProperty[];
  readonly status: 'success' | 'skipped' | 'failure';
  readonly error?: { readonly code: string; readonly reason: string };
}

export interface GroupPlanSettings {
  readonly scope: 'assigned' | 'all';
  readonly mappings: CompiledMappingSet;
  readonly scopingFilters: CompiledScopingFilters;
  readonly actions: ReadonlySet<'create' | 'update' | 'delete'>;
  /** `settings.adoptedObjects.delete`: groups provisio matched (not created) may be deleted. */
  readonly deleteAdopted: boolean;
}

/** The target's groups, by id and by matching value. */
export class TargetGroupIndex {
  readonly #byId = new Map<string, TargetGroup>();
  readonly #byKey = new Map<string, TargetGroup[]>();
  readonly attribute: string;

  constructor(attribute: string, groups: Iterable<TargetGroup>) {
    this.attribute = attribute;
    for (const group of groups) this.put(group);
  }

  get(id: string): TargetGroup | undefined {
    return this.#byId.get(id);
  }

  values(): IterableIterator<TargetGroup> {
    return this.#byId.values();
  }

  put(group: TargetGroup): void {
    this.remove(group.id);
    this.#byId.set(group.id, group);
    const key = groupKey(group.attributes[this.attribute]);
    if (key !== null) this.#byKey.set(key, [...(this.#byKey.get(key) ?? []), group]);
  }

  remove(id: string): void {
    const existing = this.#byId.get(id);
    if (!existing) return;
    this.#byId.delete(id);
    const key = groupKey(existing.attributes[this.attribute]);
    if (key === null) return;
    const rest = (this.#byKey.get(key) ?? []).filter((g) => g.id !== id);
    if (rest.length > 0) this.#byKey.set(key, rest);
    else this.#byKey.delete(key);
  }

  find(value: unknown): readonly TargetGroup[] {
    const key = groupKey(value);
    return key === null ? [] : (this.#byKey.get(key) ?? []);
  }
}

/** Group names match ignoring case and surrounding spaces (as Zendesk compares them). */
export function groupKey(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : null;
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export interface GroupPlanInput {
  readonly record: SourceGroupRecord;
  readonly link: GroupLinkRecord | null;
  /** Whether the group is assigned to the application (directly, or through a member's assignment). */
  readonly assigned: boolean;
  /**
   * Report a group that is out of scope and was never provisioned (initial cycles, and when its
   * removal state changed): otherwise such groups are left out of the plan.
   */
  readonly reportUnlinked: boolean;
  /** Target groups an operator unlinked (from any source group): never matched again. */
  readonly unlinkedTargets?: ReadonlySet<string>;
}

/** A protected target group (the account's default group): never matched, changed or deleted. */
function protectedGroup(
  base: { sourceId: string; displayName: string; modifiedProperties: ModifiedProperty[] },
  inScope: boolean,
  group: TargetGroup,
): GroupPlan {
  const reason = `Zendesk group ${group.id} (${group.displayName}) is ${group.protection}; provisio never matches, changes or deletes it`;
  return {
    ...base,
    inScope,
    reason,
    action: null,
    targetId: null,
    status: 'skipped',
    error: { code: EngineErrorCode.ProtectedObject, reason },
  };
}

export function planGroup(
  settings: GroupPlanSettings,
  target: Pick<GroupTargetConnector, 'prepareGroup'>,
  index: TargetGroupIndex,
  input: GroupPlanInput,
  now: Date,
): GroupPlan | null {
  const { record } = input;
  const id = record.sourceId;
  const liveLink = input.link?.state === 'active' ? input.link : undefined;
  const displayName = String(record.attributes['displayName'] ?? id);
  const base = { sourceId: id, displayName, modifiedProperties: [] as ModifiedProperty[] };
  if (input.link?.state === 'unlinked') {
    const reason = `an operator unlinked it from Zendesk group ${input.link.targetId} (provisio unlink): provisio no longer manages that group, nor matches it again`;
    return {
      ...base,
      inScope: false,
      reason,
      action: null,
      targetId: null,
      status: 'skipped',
      error: { code: EngineErrorCode.Unlinked, reason },
    };
  }
  const filters = settings.scopingFilters.evaluate(record.attributes);
  const outReason =
    record.removed === 'hard'
      ? 'the group was permanently deleted in Entra ID'
      : record.removed === 'soft'
        ? 'the group was deleted in Entra ID'
        : settings.scope === 'assigned' && !input.assigned
          ? 'the group is not assigned to the application'
          : !filters.inScope
            ? `out of the group scoping filters (${filters.summary})`
            : null;
  if (outReason !== null) {
    const targetGroup = liveLink ? index.get(liveLink.targetId) : undefined;
    if (targetGroup?.protection !== undefined) return protectedGroup(base, false, targetGroup);
    if (
      liveLink &&
      targetGroup &&
      settings.actions.has('delete') &&
      !liveLink.created &&
      !settings.deleteAdopted
    ) {
      const reason = `${outReason}; provisio matched this Zendesk group rather than creating it, and never deletes the groups it adopted (settings.adoptedObjects.delete is false)`;
      return {
        ...base,
        inScope: false,
        reason,
        action: null,
        targetId: targetGroup.id,
        status: 'skipped',
        error: { code: EngineErrorCode.AdoptedObjectKept, reason },
      };
    }
    if (liveLink && targetGroup && settings.actions.has('delete'))
      return {
        ...base,
        inScope: false,
        reason: outReason,
        action: { kind: 'delete', key: id, targetId: targetGroup.id },
        targetId: targetGroup.id,
        status: 'success',
      };
    if (!liveLink && !input.reportUnlinked) return null;
    return {
      ...base,
      inScope: false,
      reason: liveLink ? `${outReason}; the Delete action is not enabled for groups` : outReason,
      action: null,
      targetId: liveLink?.targetId ?? null,
      status: 'skipped',
    };
  }

  const linked = liveLink ? index.get(liveLink.targetId) : undefined;
  const mapped = settings.mappings.evaluate({
    attributes: { ...record.attributes, objectId: id },
    operation: linked ? 'update' : 'create',
    now,
  });
  const prepared = target.prepareGroup(mapped.values);
  if (mapped.errors.length > 0 || prepared.problems.length > 0) {
    const reason =
      mapped.errors[0]?.error.message ??
      prepared.problems.map((p) => `${p.attribute}: ${p.message}`).join('; ');
    return {
      ...base,
      inScope: true,
      reason,
      action: null,
      targetId: linked?.id ?? null,
      status: 'failure',
      error: { code: prepared.problems[0]?.code ?? EngineErrorCode.AttributeMappingFailed, reason },
    };
  }
  const attribute = index.attribute;
  if (linked?.protection !== undefined) return protectedGroup(base, true, linked);
  let found = linked;
  if (!found) {
    const candidates = index
      .find(prepared.attributes[attribute])
      .filter((group) => !input.unlinkedTargets?.has(group.id));
    const isProtected = candidates.find((group) => group.protection !== undefined);
    if (isProtected) return protectedGroup(base, true, isProtected);
    if (candidates.length > 1) {
      const value = String(prepared.attributes[attribute]);
      return {
        ...base,
        inScope: true,
        reason: `${candidates.length} Zendesk groups are named "${value}"`,
        action: null,
        targetId: null,
        status: 'failure',
        error: {
          code: EngineErrorCode.DuplicateTargetEntries,
          reason: `More than one Zendesk group matches ${attribute} "${value}" (${candidates.map((c) => c.id).join(', ')}).`,
        },
      };
    }
    found = candidates[0];
  }
  if (!found) {
    if (!settings.actions.has('create'))
      return {
        ...base,
        inScope: true,
        reason: 'no matching Zendesk group, and the Create action is not enabled for groups',
        action: null,
        targetId: null,
        status: 'skipped',
      };
    return {
      ...base,
      inScope: true,
      reason: 'in scope and no matching Zendesk group was found',
      action: { kind: 'create', key: id, attributes: prepared.attributes },
      targetId: null,
      modifiedProperties: Object.entries(prepared.attributes).map(([name, value]) => ({
        displayName: name,
        oldValue: null,
        newValue: text(value),
      })),
      status: 'success',
    };
  }
  const existing = found;
  const changes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(prepared.attributes))
    if ((text(value) ?? '') !== (text(existing.attributes[name]) ?? '')) changes[name] = value;
  const how = linked ? 'linked' : `matched an existing Zendesk group by ${attribute}`;
  if (Object.keys(changes).length === 0 || !settings.actions.has('update'))
    return {
      ...base,
      inScope: true,
      reason:
        Object.keys(changes).length === 0
          ? `${how}; already in sync`
          : `${how}; differs, but the Update action is not enabled`,
      action: null,
      targetId: existing.id,
      status: 'skipped',
    };
  return {
    ...base,
    inScope: true,
    reason: how,
    action: { kind: 'update', key: id, targetId: existing.id, changes },
    targetId: existing.id,
    modifiedProperties: Object.entries(changes).map(([name, value]) => ({
      displayName: name,
      oldValue: text(existing.attributes[name]),
      newValue: text(value),
    })),
    status: 'success',
  };
}
