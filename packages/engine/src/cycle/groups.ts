/**
 * The group half of a cycle, after the users (reference §1: "synchronizes the users and the groups,
 * and then later synchronizes the group memberships"): groups are scoped, mapped, matched by their
 * matching attribute (default: name) and created, updated or deleted; then each provisioned group's
 * memberships are made to match its members in Entra, in bulk.
 *
 * - Only groups provisio created or matched are touched, and within them only memberships of users
 *   provisio manages.
 * - Zendesk allows memberships for agents and admins only: an end-user member is skipped with that
 *   reason (never a failure) and added as soon as the user becomes an agent; a downgrade removes it.
 * - Nested groups are flattened when settings.expandNestedGroups is on (Entra cannot do this).
 * - Membership changes come from Graph's members@delta merged into the group mirror: no full re-read
 *   per cycle. The diff against Zendesk uses the membership index loaded on initial cycles and kept up
 *   to date with provisio's own writes.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/load.js';
import type { ModifiedProperty, ProvisioningObjectSummary, ProvisioningStep } from '../log/types.js';
import type { TargetIndex } from '../pipeline/target-index.js';
import type { MemberRef, ReadAssignmentsResult, SourceGroupChange } from '../ports/source.js';
import type { GroupLinkRecord, JobRecord, LinkRecord, SourceGroupRecord } from '../ports/state.js';
import type {
  TargetGroup,
  TargetGroupAction,
  TargetGroupActionResult,
  TargetMembership,
  TargetMembershipAction,
  TargetMembershipActionResult,
} from '../ports/target.js';
import type { EngineDeps } from './run-cycle.js';

/** What a process keeps between cycles for the group half. */
export interface GroupCache {
  /** Target groups by id. */
  groups: Map<string, TargetGroup> | null;
  /** Target memberships: group id → user id → membership id. */
  memberships: Map<string, Map<string, string>> | null;
}

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
  /** Members Zendesk cannot hold: end-users (and members not provisioned). */
  readonly skipped: readonly {
    readonly userSourceId: string;
    readonly userName: string;
    readonly reason: string;
  }[];
}

export interface GroupCycleResult {
  readonly groups: readonly GroupPlan[];
  readonly memberships: readonly MembershipPlan[];
  readonly groupResults: ReadonlyMap<string, TargetGroupActionResult>;
  readonly membershipResults: ReadonlyMap<string, TargetMembershipActionResult>;
  readonly counts: {
    groupsCreated: number;
    groupsUpdated: number;
    groupsDeleted: number;
    membershipsAdded: number;
    membershipsRemoved: number;
    membershipsSkipped: number;
    failed: number;
  };
  readonly watermark: string;
  /** Group deletions planned (for the accidental-deletion threshold). */
  readonly deletions: number;
  /** Group and membership writes tried, plus groups that failed at plan time (quarantine proportion). */
  readonly attempted: number;
}

const nameKey = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase() : null);

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function applyGroupChange(
  mirror: Map<string, SourceGroupRecord>,
  change: SourceGroupChange,
  full: boolean,
  jobId: string,
  now: string,
): void {
  if (change.kind === 'removed') {
    const previous = mirror.get(change.id);
    mirror.set(change.id, {
      jobId,
      sourceId: change.id,
      attributes: previous?.attributes ?? {},
      members: previous?.members ?? [],
      removed: change.removed,
      updatedAt: now,
    });
    return;
  }
  const previous = mirror.get(change.group.id);
  let members: MemberRef[] = [...(previous?.members ?? [])];
  if (change.members) {
    if (change.members.full || full) members = [...change.members.added];
    else {
      const removed = new Set(change.members.removed.map((m) => m.id));
      members = members.filter((m) => !removed.has(m.id));
      for (const added of change.members.added)
        if (!members.some((m) => m.id === added.id)) members.push(added);
    }
  } else if (full) members = [];
  mirror.set(change.group.id, {
    jobId,
    sourceId: change.group.id,
    attributes: full
      ? { ...change.group.attributes }
      : { ...(previous?.attributes ?? {}), ...change.group.attributes },
    members,
    removed: null,
    updatedAt: now,
  });
}

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

export interface GroupPlanInput {
  readonly deps: EngineDeps;
  readonly config: Config;
  readonly job: JobRecord;
  readonly kind: 'initial' | 'incremental';
  readonly cache: GroupCache;
  readonly assignments: ReadAssignmentsResult;
}

/** The groups read and planned, before anything is written (the guard needs their deletions). */
export interface PlannedGroups {
  readonly plans: GroupPlan[];
  readonly mirror: Map<string, SourceGroupRecord>;
  readonly links: Map<string, GroupLinkRecord>;
  readonly watermark: string;
  /** Group deletions planned (for the accidental-deletion threshold). */
  readonly deletions: number;
}

export interface GroupCycleInput extends GroupPlanInput {
  readonly dryRun: boolean;
  readonly planned: PlannedGroups;
  /** User links after the user half of this cycle. */
  readonly userLinks: ReadonlyMap<string, LinkRecord>;
  readonly userIndex: TargetIndex;
  /** Display names of source users, for logs. */
  readonly userNames: ReadonlyMap<string, string>;
  readonly cycleId: string;
}

/** Reads the groups (delta), merges them into the mirror and plans every group: no writes. */
export async function planGroups(input: GroupPlanInput): Promise<PlannedGroups> {
  const { deps, config, job, kind, cache } = input;
  const { store, source, target, clock } = deps;
  const jobId = config.settings.jobId;
  const now = clock.now().toISOString();
  const groupWatermark = typeof job.data['groupWatermark'] === 'string' ? job.data['groupWatermark'] : null;
  const read = await source.readGroups({
    watermark: kind === 'initial' ? null : groupWatermark,
    select: config.groups.select,
  });
  const full = kind === 'initial' || read.fullRead || groupWatermark === null;
  const mirror = new Map((await store.listSourceGroups(jobId)).map((record) => [record.sourceId, record]));
  const before = new Map(mirror);
  if (full)
    for (const [id, record] of mirror) mirror.set(id, { ...record, removed: record.removed ?? 'soft' });
  for (const change of read.changes) applyGroupChange(mirror, change, full, jobId, now);
  const links = new Map((await store.listGroupLinks(jobId)).map((link) => [link.sourceId, link]));

  if (cache.groups === null || kind === 'initial') {
    cache.groups = new Map((await target.loadGroups()).map((group) => [group.id, group]));
    cache.memberships = null;
  }
  const targetGroups = cache.groups;

  // Scope, map, match, plan: groups.
  const assigned = new Set((input.assignments.groups ?? []).map((g) => g.groupId));
  for (const assignment of input.assignments.assignments)
    if (assignment.viaGroupId) assigned.add(assignment.viaGroupId);
  const byName = new Map<string, TargetGroup[]>();
  const matchAttribute = config.groups.mappings.matching[0]?.target ?? 'name';
  for (const group of targetGroups.values()) {
    const key = nameKey(group.attributes[matchAttribute]);
    if (key === null) continue;
    byName.set(key, [...(byName.get(key) ?? []), group]);
  }
  const plans: GroupPlan[] = [];
  for (const [id, record] of mirror) {
    const link = links.get(id);
    const liveLink = link && link.state === 'active' ? link : undefined;
    const displayName = String(record.attributes['displayName'] ?? id);
    const filters = config.groups.scopingFilters.evaluate(record.attributes);
    const outReason =
      record.removed === 'hard'
        ? 'the group was permanently deleted in Entra ID'
        : record.removed === 'soft'
          ? 'the group was deleted in Entra ID'
          : config.settings.scope === 'assigned' && !assigned.has(id)
            ? 'the group is not assigned to the application'
            : !filters.inScope
              ? `out of the group scoping filters (${filters.summary})`
              : null;
    if (outReason !== null) {
      const targetGroup = liveLink ? targetGroups.get(liveLink.targetId) : undefined;
      if (liveLink && targetGroup && config.groups.actions.has('delete'))
        plans.push({
          sourceId: id,
          displayName,
          inScope: false,
          reason: outReason,
          action: { kind: 'delete', key: id, targetId: targetGroup.id },
          targetId: targetGroup.id,
          modifiedProperties: [],
          status: 'success',
        });
      else if (liveLink || kind === 'initial' || before.get(id)?.removed !== record.removed)
        plans.push({
          sourceId: id,
          displayName,
          inScope: false,
          reason: liveLink ? `${outReason}; the Delete action is not enabled for groups` : outReason,
          action: null,
          targetId: liveLink?.targetId ?? null,
          modifiedProperties: [],
          status: 'skipped',
        });
      continue;
    }
    const linked = liveLink ? targetGroups.get(liveLink.targetId) : undefined;
    const mapped = config.groups.mappings.evaluate({
      attributes: { ...record.attributes, objectId: id },
      operation: linked ? 'update' : 'create',
      now: clock.now(),
    });
    const prepared = target.prepareGroup(mapped.values);
    if (mapped.errors.length > 0 || prepared.problems.length > 0) {
      const reason =
        mapped.errors[0]?.error.message ??
        prepared.problems.map((p) => `${p.attribute}: ${p.message}`).join('; ');
      plans.push({
        sourceId: id,
        displayName,
        inScope: true,
        reason,
        action: null,
        targetId: linked?.id ?? null,
        modifiedProperties: [],
        status: 'failure',
        error: { code: prepared.problems[0]?.code ?? 'AttributeMappingFailed', reason },
      });
      continue;
    }
    let found = linked;
    if (!found) {
      const key = nameKey(prepared.attributes[matchAttribute]);
      const candidates = key === null ? [] : (byName.get(key) ?? []);
      if (candidates.length > 1) {
        plans.push({
          sourceId: id,
          displayName,
          inScope: true,
          reason: `${candidates.length} Zendesk groups are named "${String(prepared.attributes[matchAttribute])}"`,
          action: null,
          targetId: null,
          modifiedProperties: [],
          status: 'failure',
          error: {
            code: 'DuplicateTargetEntries',
            reason: `More than one Zendesk group matches ${matchAttribute} "${String(prepared.attributes[matchAttribute])}" (${candidates.map((c) => c.id).join(', ')}).`,
          },
        });
        continue;
      }
      found = candidates[0];
    }
    if (!found) {
      if (!config.groups.actions.has('create')) {
        plans.push({
          sourceId: id,
          displayName,
          inScope: true,
          reason: 'no matching Zendesk group, and the Create action is not enabled for groups',
          action: null,
          targetId: null,
          modifiedProperties: [],
          status: 'skipped',
        });
        continue;
      }
      plans.push({
        sourceId: id,
        displayName,
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
      });
      continue;
    }
    const changes: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(prepared.attributes))
      if ((text(value) ?? '') !== (text(found.attributes[name]) ?? '')) changes[name] = value;
    const reason = linked ? 'linked' : `matched an existing Zendesk group by ${matchAttribute}`;
    if (Object.keys(changes).length === 0 || !config.groups.actions.has('update')) {
      plans.push({
        sourceId: id,
        displayName,
        inScope: true,
        reason:
          Object.keys(changes).length === 0
            ? `${reason}; already in sync`
            : `${reason}; differs, but the Update action is not enabled`,
        action: null,
        targetId: found.id,
        modifiedProperties: [],
        status: 'skipped',
      });
      continue;
    }
    plans.push({
      sourceId: id,
      displayName,
      inScope: true,
      reason,
      action: { kind: 'update', key: id, targetId: found.id, changes },
      targetId: found.id,
      modifiedProperties: Object.entries(changes).map(([name, value]) => ({
        displayName: name,
        oldValue: text(found.attributes[name]),
        newValue: text(value),
      })),
      status: 'success',
    });
  }

  const deletions = plans.filter((p) => p.action?.kind === 'delete').length;
  return { plans, mirror, links, watermark: read.watermark, deletions };
}

/** Holds back every planned group deletion (the accidental-deletion threshold was exceeded). */
export function stageGroupDeletions(planned: PlannedGroups): void {
  const plans = planned.plans;
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i] as GroupPlan;
    if (plan.action?.kind === 'delete')
      plans[i] = {
        ...plan,
        action: null,
        status: 'skipped',
        reason: `${plan.reason}; deletion staged: too many deprovisioning actions in this cycle (settings.accidentalDeletionThreshold)`,
        error: { code: 'TooManyDeletes', reason: 'Staged by the accidental-deletion threshold.' },
      };
  }
}

/** Writes the planned groups, then makes the memberships of every provisioned group match Entra. */
export async function runGroupCycle(input: GroupCycleInput): Promise<GroupCycleResult> {
  const { deps, config, kind, dryRun, cache } = input;
  const { store, target, clock } = deps;
  const jobId = config.settings.jobId;
  const now = clock.now().toISOString();
  const { plans, mirror, links, deletions } = input.planned;
  const targetGroups = cache.groups ?? new Map<string, TargetGroup>();

  const counts = {
    groupsCreated: 0,
    groupsUpdated: 0,
    groupsDeleted: 0,
    membershipsAdded: 0,
    membershipsRemoved: 0,
    membershipsSkipped: 0,
    failed: plans.filter((p) => p.status === 'failure').length,
  };
  const groupResults = new Map<string, TargetGroupActionResult>();
  const newLinks: GroupLinkRecord[] = [];
  if (!dryRun) {
    const actions = plans.flatMap((p) => (p.action ? [p.action] : []));
    for (const result of actions.length > 0 ? await target.applyGroups(actions) : [])
      groupResults.set(result.key, result);
    for (const plan of plans) {
      const result = groupResults.get(plan.sourceId);
      const link = links.get(plan.sourceId);
      if (result && !result.ok) {
        counts.failed++;
        continue;
      }
      if (result?.ok) {
        const kindDone = (plan.action as TargetGroupAction).kind;
        if (kindDone === 'delete') {
          targetGroups.delete(result.group.id);
          cache.memberships?.delete(result.group.id);
          counts.groupsDeleted++;
        } else {
          targetGroups.set(result.group.id, result.group);
          if (kindDone === 'create') counts.groupsCreated++;
          else counts.groupsUpdated++;
        }
        newLinks.push({
          jobId,
          sourceId: plan.sourceId,
          targetId: result.group.id,
          state: kindDone === 'delete' ? 'deleted' : 'active',
          created: kindDone === 'create' || (link?.created ?? false),
          displayName: plan.displayName,
          updatedAt: now,
        });
      } else if (
        plan.inScope &&
        plan.targetId !== null &&
        (!link || link.state !== 'active' || link.targetId !== plan.targetId)
      )
        newLinks.push({
          jobId,
          sourceId: plan.sourceId,
          targetId: plan.targetId,
          state: 'active',
          created: false,
          displayName: plan.displayName,
          updatedAt: now,
        });
    }
    await store.saveGroupLinks(newLinks);
    for (const link of newLinks) links.set(link.sourceId, link);
  }

  // The membership index, read in bulk only when some group is provisioned (an account whose groups
  // are all out of scope costs no membership reads).
  if (
    cache.memberships === null &&
    plans.some((p) => p.inScope && (p.targetId !== null || p.action?.kind === 'create'))
  ) {
    cache.memberships = new Map();
    for (const membership of await target.loadMemberships()) addMembership(cache.memberships, membership);
  }
  const memberships = cache.memberships ?? new Map<string, Map<string, string>>();

  // Zendesk itself drops the memberships of a user who became an end-user or was deleted (e.g. in
  // this cycle's user half): forget them rather than asking Zendesk to remove them again.
  const deletedTargets = new Set(
    [...input.userLinks.values()].filter((l) => l.state === 'deleted').map((l) => l.targetId),
  );
  for (const members of memberships.values())
    for (const userId of [...members.keys()]) {
      const user = input.userIndex.get(userId);
      if ((user && !target.canJoinGroups(user)) || deletedTargets.has(userId)) members.delete(userId);
    }

  // Memberships of every provisioned, in-scope group.
  const userByTarget = new Map<string, string>();
  for (const link of input.userLinks.values())
    if (link.state !== 'deleted') userByTarget.set(link.targetId, link.sourceId);
  const membershipPlans: MembershipPlan[] = [];
  for (const plan of plans) {
    if (!plan.inScope) continue;
    const link = links.get(plan.sourceId);
    const targetGroupId = dryRun ? plan.targetId : link?.state === 'active' ? link.targetId : null;
    if (targetGroupId === null) continue;
    const wanted = memberUsers(plan.sourceId, mirror, config.settings.expandNestedGroups);
    const add: MembershipPlan['add'][number][] = [];
    const skipped: MembershipPlan['skipped'][number][] = [];
    const desired = new Set<string>();
    for (const userSourceId of wanted) {
      const userName = input.userNames.get(userSourceId) ?? userSourceId;
      const userLink = input.userLinks.get(userSourceId);
      if (!userLink || userLink.state !== 'active') {
        skipped.push({
          userSourceId,
          userName,
          reason: 'the user is not provisioned to Zendesk (out of scope or not yet created)',
        });
        continue;
      }
      const user = input.userIndex.get(userLink.targetId);
      if (!user) continue;
      if (!target.canJoinGroups(user)) {
        skipped.push({
          userSourceId,
          userName,
          reason:
            'Zendesk allows group memberships for agents and admins only; the user is an end-user (added once they become an agent)',
        });
        continue;
      }
      desired.add(user.id);
      if (!memberships.get(targetGroupId)?.has(user.id))
        add.push({ userSourceId, userName, targetUserId: user.id });
    }
    const remove: MembershipPlan['remove'][number][] = [];
    for (const [targetUserId, membershipId] of memberships.get(targetGroupId) ?? []) {
      const userSourceId = userByTarget.get(targetUserId);
      // Only memberships of users provisio manages.
      if (userSourceId === undefined || desired.has(targetUserId)) continue;
      remove.push({
        userSourceId,
        userName: input.userNames.get(userSourceId) ?? userSourceId,
        targetUserId,
        membershipId,
      });
    }
    counts.membershipsSkipped += skipped.filter((s) => s.reason.startsWith('Zendesk allows')).length;
    if (add.length > 0 || remove.length > 0 || skipped.length > 0 || kind === 'initial')
      membershipPlans.push({
        groupSourceId: plan.sourceId,
        groupName: plan.displayName,
        targetGroupId,
        add,
        remove,
        skipped,
      });
  }
  const membershipResults = new Map<string, TargetMembershipActionResult>();
  if (!dryRun) {
    const actions: TargetMembershipAction[] = [];
    for (const m of membershipPlans) {
      for (const a of m.add)
        actions.push({
          kind: 'add',
          key: `${m.groupSourceId}/${a.userSourceId}`,
          userId: a.targetUserId,
          groupId: m.targetGroupId,
        });
      for (const r of m.remove)
        actions.push({
          kind: 'remove',
          key: `${m.groupSourceId}/${r.userSourceId}`,
          membershipId: r.membershipId,
        });
    }
    for (const result of actions.length > 0 ? await target.applyMemberships(actions) : [])
      membershipResults.set(result.key, result);
    for (const m of membershipPlans) {
      for (const a of m.add) {
        const result = membershipResults.get(`${m.groupSourceId}/${a.userSourceId}`);
        if (result?.ok) {
          counts.membershipsAdded++;
          addMembership(
            memberships,
            result.membership ?? {
              id: `unknown-${randomUUID()}`,
              userId: a.targetUserId,
              groupId: m.targetGroupId,
            },
          );
        } else counts.failed++;
      }
      for (const r of m.remove) {
        const result = membershipResults.get(`${m.groupSourceId}/${r.userSourceId}`);
        if (result?.ok) {
          counts.membershipsRemoved++;
          memberships.get(m.targetGroupId)?.delete(r.targetUserId);
        } else counts.failed++;
      }
    }
    await store.saveSourceGroups([...mirror.values()]);
    await store.appendLogs(groupLogEntries(input, plans, groupResults, membershipPlans, membershipResults));
  }
  return {
    groups: plans,
    memberships: membershipPlans,
    groupResults,
    membershipResults,
    counts,
    watermark: input.planned.watermark,
    deletions,
    attempted:
      groupResults.size +
      membershipResults.size +
      plans.filter((p) => p.action === null && p.status === 'failure').length,
  };
}

function addMembership(index: Map<string, Map<string, string>>, membership: TargetMembership): void {
  const members = index.get(membership.groupId);
  if (members) members.set(membership.userId, membership.id);
  else index.set(membership.groupId, new Map([[membership.userId, membership.id]]));
}

function groupLogEntries(
  input: GroupCycleInput,
  plans: readonly GroupPlan[],
  groupResults: ReadonlyMap<string, TargetGroupActionResult>,
  membershipPlans: readonly MembershipPlan[],
  membershipResults: ReadonlyMap<string, TargetMembershipActionResult>,
): ProvisioningObjectSummary[] {
  const { config } = input;
  const at = input.deps.clock.now().toISOString();
  const byGroup = new Map(membershipPlans.map((m) => [m.groupSourceId, m]));
  const entries: ProvisioningObjectSummary[] = [];
  for (const plan of plans) {
    const membership = byGroup.get(plan.sourceId);
    const result = groupResults.get(plan.sourceId);
    const steps: ProvisioningStep[] = [
      {
        name: 'EntryImport',
        provisioningStepType: 'import',
        status: 'success',
        description: `Received Group '${plan.displayName}' from Microsoft Entra ID`,
        details: {},
      },
      {
        name: 'EntrySynchronizationScoping',
        provisioningStepType: 'scoping',
        status: plan.inScope ? 'success' : 'skipped',
        description: plan.inScope
          ? `Group '${plan.displayName}' is in scope`
          : `Group '${plan.displayName}' is out of scope: ${plan.reason}`,
        details: {},
      },
    ];
    if (plan.action && result)
      steps.push({
        name: `EntryExport${plan.action.kind === 'create' ? 'Add' : plan.action.kind === 'delete' ? 'Delete' : 'Update'}`,
        provisioningStepType: 'export',
        status: result.ok ? 'success' : 'failure',
        description: result.ok
          ? `${plan.action.kind === 'create' ? 'Created' : plan.action.kind === 'delete' ? 'Deleted' : 'Updated'} Group '${plan.displayName}' in Zendesk (id ${result.group.id})`
          : `Failed to ${plan.action.kind} Group '${plan.displayName}' in Zendesk: ${result.error.message}`,
        details: result.ok
          ? { Request: result.request }
          : { ...(result.error.request ? { Request: result.error.request } : {}) },
      });
    const properties: ModifiedProperty[] = [...plan.modifiedProperties];
    let membershipFailure: string | null = null;
    if (
      membership &&
      (membership.add.length > 0 || membership.remove.length > 0 || membership.skipped.length > 0)
    ) {
      const added = membership.add.filter(
        (a) => membershipResults.get(`${plan.sourceId}/${a.userSourceId}`)?.ok,
      );
      const removed = membership.remove.filter(
        (r) => membershipResults.get(`${plan.sourceId}/${r.userSourceId}`)?.ok,
      );
      const failedAdds = membership.add.filter(
        (a) => !membershipResults.get(`${plan.sourceId}/${a.userSourceId}`)?.ok,
      );
      const failedRemoves = membership.remove.filter(
        (r) => !membershipResults.get(`${plan.sourceId}/${r.userSourceId}`)?.ok,
      );
      const details: Record<string, string> = {};
      if (added.length > 0) details['Added'] = added.map((a) => a.userName).join(', ');
      if (removed.length > 0) details['Removed'] = removed.map((r) => r.userName).join(', ');
      for (const skip of membership.skipped) details[`Skipped ${skip.userName}`] = skip.reason;
      for (const failed of [...failedAdds, ...failedRemoves]) {
        const r = membershipResults.get(`${plan.sourceId}/${failed.userSourceId}`);
        details[`Failed ${failed.userName}`] =
          r && !r.ok ? `${r.error.code}: ${r.error.message}` : 'no result';
      }
      if (failedAdds.length + failedRemoves.length > 0)
        membershipFailure = `${failedAdds.length + failedRemoves.length} membership changes failed`;
      steps.push({
        name: 'EntryExportUpdateMembers',
        provisioningStepType: 'export',
        status: membershipFailure ? 'failure' : added.length + removed.length > 0 ? 'success' : 'skipped',
        description: `Members of Group '${plan.displayName}': ${added.length} added, ${removed.length} removed, ${membership.skipped.length} skipped`,
        details,
      });
      if (added.length > 0)
        properties.push({
          displayName: 'members (added)',
          oldValue: null,
          newValue: added.map((a) => a.userName).join(', '),
        });
      if (removed.length > 0)
        properties.push({
          displayName: 'members (removed)',
          oldValue: removed.map((r) => r.userName).join(', '),
          newValue: null,
        });
    }
    const failed = (result && !result.ok) || plan.status === 'failure' || membershipFailure !== null;
    const wrote = (result?.ok ?? false) || properties.some((p) => p.displayName.startsWith('members'));
    const error =
      result && !result.ok
        ? { code: result.error.code, reason: result.error.message }
        : (plan.error ??
          (membershipFailure ? { code: 'MembershipExportFailed', reason: membershipFailure } : null));
    entries.push({
      id: randomUUID(),
      activityDateTime: at,
      tenantId: config.source.tenantId,
      jobId: config.settings.jobId,
      cycleId: input.cycleId,
      changeId: randomUUID(),
      provisioningAction:
        plan.action?.kind === 'create'
          ? 'create'
          : plan.action?.kind === 'delete'
            ? 'delete'
            : wrote
              ? 'update'
              : error?.code === 'TooManyDeletes'
                ? 'stagedDelete'
                : 'other',
      durationInMilliseconds: 0,
      initiatedBy: { id: '', displayName: 'provisio', initiatorType: 'system' },
      modifiedProperties: properties,
      provisioningSteps: steps,
      servicePrincipal: { id: config.source.servicePrincipalId, displayName: 'Zendesk' },
      sourceIdentity: {
        id: plan.sourceId,
        displayName: plan.displayName,
        identityType: 'Group',
        details: null,
      },
      targetIdentity: {
        id: (result?.ok ? result.group.id : plan.targetId) ?? '',
        displayName: plan.displayName,
        identityType: 'Group',
        details: null,
      },
      sourceSystem: {
        id: config.source.tenantId,
        displayName: 'Microsoft Entra ID',
        details: { ServicePrincipalId: config.source.servicePrincipalId },
      },
      targetSystem: {
        id: `${config.target.domain}.zendesk.com`,
        displayName: 'Zendesk',
        details: { Domain: `${config.target.domain}.zendesk.com` },
      },
      provisioningStatusInfo: {
        status: failed ? 'failure' : wrote ? 'success' : 'skipped',
        errorInformation: error
          ? {
              errorCode: error.code,
              reason: error.reason,
              additionalDetails: null,
              errorCategory: 'nonServiceFailure',
              recommendedAction: null,
            }
          : null,
      },
    });
  }
  return entries;
}
