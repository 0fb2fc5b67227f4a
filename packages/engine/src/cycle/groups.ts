/**
 * The group half of a cycle, after the users (docs/provisioning.md, "Groups and memberships": as
 * Entra, the users and the groups first, then the memberships): groups are scoped, mapped, matched by their
 * matching attribute (default: name) and created, updated or deleted; then each provisioned group's
 * memberships are made to match its members in Entra, in bulk.
 *
 * - Only groups provisio created or matched are touched, and within them only memberships of users
 *   provisio manages.
 * - Zendesk allows memberships for agents and admins only: an end-user member is skipped with that
 *   reason (never a failure) and added as soon as the user becomes an agent; a downgrade removes it.
 * - Nested groups are flattened when settings.expandNestedGroups is on (Entra cannot do this).
 * - Membership changes come from Graph's members@delta merged into the group mirror: no full re-read
 *   per cycle. The diff against Zendesk uses the membership index read on initial cycles and kept in
 *   the target mirror with provisio's own writes.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/load.js';
import { EngineErrorCode } from '../errors/engine.js';
import { appendAuditEntry } from '../log/audit.js';
import { type LogContext, systemsOf } from '../log/entry.js';
import type { ModifiedProperty, ProvisioningObjectSummary, ProvisioningStep } from '../log/types.js';
import { type GroupPlan, planGroup, TargetGroupIndex } from '../pipeline/group-plan.js';
import { guardMembershipRemovals, type HeldActions } from '../pipeline/guard.js';
import { importGroupChange } from '../pipeline/import.js';
import { type MembershipIndex, type MembershipPlan, planMemberships } from '../pipeline/membership-plan.js';
import { unlinkedTargetIds } from '../pipeline/ownership.js';
import type { TargetIndex } from '../pipeline/target-index.js';
import type { EngineDeps } from '../ports/engine.js';
import type { SourceAssignment, SourceGroupAssignment } from '../ports/source.js';
import type {
  EscrowRecord,
  GroupLinkRecord,
  JobRecord,
  LinkRecord,
  PendingWriteRecord,
  SourceGroupRecord,
} from '../ports/state.js';
import type {
  TargetGroup,
  TargetGroupActionResult,
  TargetMembership,
  TargetMembershipAction,
  TargetMembershipActionResult,
} from '../ports/target.js';
import { type EscrowOutcome, escrowKey, settleEscrows } from '../safety/escrow.js';
import {
  pendingGroupWritesFor,
  reconcilePendingGroupWrites,
  reconciliationSummary,
} from './pending-writes.js';
import type { MirrorCache } from './target-mirror.js';
import * as mirrorStore from './target-mirror.js';

export type { GroupPlan } from '../pipeline/group-plan.js';
export type { MembershipPlan } from '../pipeline/membership-plan.js';
export { memberUsers } from '../pipeline/membership-plan.js';

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
  /** The target's memberships after this cycle's writes (null when they were not read). */
  readonly membershipIndex: MembershipIndex | null;
  /** Membership removals held back by settings.membershipRemovalThreshold (null: none). */
  readonly held: HeldActions | null;
}

export interface GroupPlanInput {
  readonly deps: EngineDeps;
  readonly config: Config;
  readonly job: JobRecord;
  readonly kind: 'initial' | 'incremental';
  /** The groups assigned to the application. */
  readonly assignments: { readonly groups?: readonly SourceGroupAssignment[] | undefined };
  /** Plan only: nothing is written, not even the target mirror. */
  readonly dryRun: boolean;
  /** The in-memory target mirror, when it is current (see `MirrorCache`). */
  readonly warm?: MirrorCache | null;
}

/** The groups read and planned, before anything is written (the guard needs their deletions). */
export interface PlannedGroups {
  readonly plans: readonly GroupPlan[];
  readonly mirror: Map<string, SourceGroupRecord>;
  readonly links: Map<string, GroupLinkRecord>;
  readonly index: TargetGroupIndex;
  readonly watermark: string;
  /** Changes the groups' change feed reported this cycle. */
  readonly changes: number;
}

export interface GroupCycleInput extends GroupPlanInput {
  readonly planned: PlannedGroups;
  /** allow-deletes: membership removals may exceed settings.membershipRemovalThreshold. */
  readonly allowRemovals?: boolean;
  /** User links after the user half of this cycle. */
  readonly userLinks: ReadonlyMap<string, LinkRecord>;
  readonly userIndex: TargetIndex;
  /** Display names of source users, for logs. */
  readonly userNames: ReadonlyMap<string, string>;
  /** The cycle's provisioning-log context. */
  readonly context: LogContext;
  /** The job's group and membership escrows as the cycle found them. */
  readonly escrows: readonly EscrowRecord[];
  /** The target user behind the target connector's credentials: never removed from a group. */
  readonly credentialOwnerId?: string | null;
}

/** The groups assigned to the application: directly, or through the assignment of a member. */
export function assignedGroupIds(assignments: {
  readonly groups?: readonly SourceGroupAssignment[] | undefined;
  readonly assignments?: readonly SourceAssignment[];
}): Set<string> {
  const assigned = new Set((assignments.groups ?? []).map((g) => g.groupId));
  for (const assignment of assignments.assignments ?? [])
    if (assignment.viaGroupId) assigned.add(assignment.viaGroupId);
  return assigned;
}

/** Reads the groups (delta), merges them into the mirror and plans every group: no writes to the target. */
export async function planGroups(input: GroupPlanInput): Promise<PlannedGroups> {
  const { deps, config, job, kind } = input;
  const { store, source, target, clock } = deps;
  const jobId = config.settings.jobId;
  const now = clock.now();
  const read = await source.readGroups({
    watermark: kind === 'initial' ? null : job.groupWatermark,
    select: config.groups.select,
  });
  const full = kind === 'initial' || read.fullRead || job.groupWatermark === null;
  const mirror = new Map((await store.listSourceGroups(jobId)).map((record) => [record.sourceId, record]));
  const before = new Map(mirror);
  if (full)
    for (const [id, record] of mirror) mirror.set(id, { ...record, removed: record.removed ?? 'soft' });
  for (const change of read.changes) importGroupChange(mirror, change, full, jobId, now.toISOString());
  const links = new Map((await store.listGroupLinks(jobId)).map((link) => [link.sourceId, link]));

  // The target's groups: read in full on initial cycles, from the target mirror otherwise.
  let targetGroups: readonly TargetGroup[];
  if (kind === 'initial') {
    targetGroups = await target.loadGroups();
    if (!input.dryRun) await mirrorStore.replaceGroups(store, jobId, targetGroups);
  } else targetGroups = input.warm?.groups ?? (await mirrorStore.loadGroups(store, jobId));
  const index = new TargetGroupIndex(config.groups.mappings.matching[0]?.target ?? 'name', targetGroups);
  // Group writes an interrupted cycle began (cycle/pending-writes.ts): recorded before anything is
  // planned, so that a group it created is not taken for one provisio adopts.
  const pending = (await store.listPendingWrites(jobId)).filter((write) => write.objectType === 'group');
  if (pending.length > 0) await reconcileInterruptedGroups(input, pending, links, index);

  const assigned = assignedGroupIds(input.assignments);
  const settings = {
    scope: config.settings.scope,
    mappings: config.groups.mappings,
    scopingFilters: config.groups.scopingFilters,
    actions: config.groups.actions,
    deleteAdopted: config.settings.adoptedObjects.delete,
  };
  const plans: GroupPlan[] = [];
  const unlinkedTargets = unlinkedTargetIds(links.values());
  for (const [id, record] of mirror) {
    const plan = planGroup(
      settings,
      target,
      index,
      {
        record,
        link: links.get(id) ?? null,
        assigned: assigned.has(id),
        reportUnlinked: kind === 'initial' || before.get(id)?.removed !== record.removed,
        unlinkedTargets,
      },
      clock.now(),
    );
    if (plan) plans.push(plan);
  }
  return { plans, mirror, links, index, watermark: read.watermark, changes: read.changes.length };
}

/**
 * Whether the planned groups leave nothing to do: no group changed in the source, none to write,
 * none failed, every in-scope group linked to the group its plan found.
 */
export function groupsAtRest(planned: PlannedGroups): boolean {
  return (
    planned.changes === 0 &&
    planned.plans.every((plan) => {
      if (plan.action !== null || plan.status === 'failure') return false;
      if (!plan.inScope || plan.targetId === null) return true;
      const link = planned.links.get(plan.sourceId);
      return link?.state === 'active' && link.targetId === plan.targetId;
    })
  );
}

/**
 * Records what an interrupted cycle's group writes did (the cycle that finds them is an initial one,
 * so `index` was just read in full): group links saved with the pending writes forgotten in one
 * transaction, and an audit entry. A dry run only corrects `links` in memory.
 */
async function reconcileInterruptedGroups(
  input: GroupPlanInput,
  pending: readonly PendingWriteRecord[],
  links: Map<string, GroupLinkRecord>,
  index: TargetGroupIndex,
): Promise<void> {
  const { store, clock } = input.deps;
  const jobId = input.config.settings.jobId;
  const at = clock.now();
  const outcomes = reconcilePendingGroupWrites(pending, links, index, at);
  const recorded: GroupLinkRecord[] = [];
  for (const outcome of outcomes)
    if (outcome.outcome === 'recorded') {
      links.set(outcome.link.sourceId, outcome.link);
      recorded.push(outcome.link);
    }
  if (input.dryRun) return;
  await store.settlePendingGroupWrites(
    jobId,
    pending.map((write) => write.sourceId),
    recorded,
  );
  await appendAuditEntry(store, jobId, at, {
    activity: 'Reconcile interrupted cycle',
    initiatedBy: 'provisio',
    summary: reconciliationSummary(outcomes, 'group write'),
    details: {
      cycles: [...new Set(pending.map((write) => write.cycleId))],
      recorded: outcomes
        .filter((o) => o.outcome === 'recorded')
        .map((o) => ({ sourceId: o.write.sourceId, action: o.write.action, targetId: o.link.targetId })),
      dropped: outcomes
        .filter((o) => o.outcome === 'dropped')
        .map((o) => ({ sourceId: o.write.sourceId, action: o.write.action, reason: o.reason })),
    },
  });
}

/** Writes the planned groups, then makes the memberships of every provisioned group match Entra. */
export async function runGroupCycle(input: GroupCycleInput): Promise<GroupCycleResult> {
  const { deps, config, kind, dryRun } = input;
  const { store, target, clock } = deps;
  const jobId = config.settings.jobId;
  const now = clock.now().toISOString();
  const { plans, mirror, links, index } = input.planned;

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
  const deletedGroups = new Set<string>();
  if (!dryRun) {
    const actions = plans.flatMap((p) => (p.action ? [p.action] : []));
    // Intent before effect (cycle/pending-writes.ts): the creates and deletions, before the batch.
    const intents = pendingGroupWritesFor(
      jobId,
      input.context.cycleId,
      plans,
      index.attribute,
      links,
      clock.now(),
    );
    await store.savePendingWrites(intents);
    for (const result of actions.length > 0 ? await target.applyGroups(actions) : [])
      groupResults.set(result.key, result);
    const newLinks: GroupLinkRecord[] = [];
    const written: TargetGroup[] = [];
    for (const plan of plans) {
      const result = groupResults.get(plan.sourceId);
      const link = links.get(plan.sourceId);
      if (result && !result.ok) {
        counts.failed++;
        continue;
      }
      if (result?.ok && plan.action) {
        const kindDone = plan.action.kind;
        if (kindDone === 'delete') {
          index.remove(result.group.id);
          deletedGroups.add(result.group.id);
          counts.groupsDeleted++;
        } else {
          index.put(result.group);
          written.push(result.group);
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
        (link?.state !== 'active' || link.targetId !== plan.targetId)
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
    await store.saveTargetObjects(
      jobId,
      'group',
      written.map((group) => ({ id: group.id, data: group })),
      [...deletedGroups],
    );
    await store.settlePendingGroupWrites(
      jobId,
      intents.map((intent) => intent.sourceId),
      newLinks,
    );
    for (const link of newLinks) links.set(link.sourceId, link);
  }

  // The membership index, read in bulk only when some group is provisioned (an account whose groups
  // are all out of scope costs no membership reads), then kept in the target mirror.
  const provisioned = plans.some((p) => p.inScope && (p.targetId !== null || p.action?.kind === 'create'));
  const membershipsKnown = kind !== 'initial' && input.job.membershipsLoadedAt !== null;
  let memberships: MembershipIndex = new Map();
  const membershipAdds: TargetMembership[] = [];
  const membershipRemovals: { groupId: string; userId: string }[] = [];
  if (membershipsKnown)
    memberships = input.warm?.memberships ?? (await mirrorStore.loadMemberships(store, jobId));
  else if (provisioned) {
    const loaded = await target.loadMemberships();
    for (const membership of loaded) mirrorStore.addMembership(memberships, membership);
    if (!dryRun) {
      await store.clearTargetObjects(jobId, 'membership');
      await mirrorStore.saveMemberships(store, jobId, loaded, []);
      await store.updateJob(jobId, { membershipsLoadedAt: now }, clock.now());
    }
  } else if (kind === 'initial' && !dryRun) {
    await store.clearTargetObjects(jobId, 'membership');
    await store.updateJob(jobId, { membershipsLoadedAt: null }, clock.now());
  }
  for (const groupId of deletedGroups) {
    for (const userId of memberships.get(groupId)?.keys() ?? []) membershipRemovals.push({ groupId, userId });
    memberships.delete(groupId);
  }

  // Zendesk itself drops the memberships of a user who became an end-user or was deleted (e.g. in
  // this cycle's user half): forget them rather than asking Zendesk to remove them again.
  const deletedTargets = new Set(
    [...input.userLinks.values()].filter((l) => l.state === 'deleted').map((l) => l.targetId),
  );
  for (const [groupId, members] of memberships)
    for (const userId of [...members.keys()]) {
      const user = input.userIndex.get(userId);
      if ((user && !target.canJoinGroups(user)) || deletedTargets.has(userId)) {
        members.delete(userId);
        membershipRemovals.push({ groupId, userId });
      }
    }

  // Memberships of every provisioned, in-scope group.
  const groups: { sourceId: string; displayName: string; targetId: string }[] = [];
  for (const plan of plans) {
    // A protected group (the account's default group) keeps its members, even under a link made before it was protected.
    if (!plan.inScope || plan.error?.code === EngineErrorCode.ProtectedObject) continue;
    const link = links.get(plan.sourceId);
    const targetId = dryRun ? plan.targetId : link?.state === 'active' ? link.targetId : null;
    if (targetId !== null) groups.push({ sourceId: plan.sourceId, displayName: plan.displayName, targetId });
  }
  const guarded = guardMembershipRemovals(
    planMemberships(target, {
      groups,
      mirror,
      expandNested: config.settings.expandNestedGroups,
      userLinks: input.userLinks,
      targetUser: (id) => input.userIndex.get(id),
      memberships,
      userNames: input.userNames,
      reportAll: kind === 'initial',
      credentialOwnerId: input.credentialOwnerId ?? null,
    }),
    config.settings.membershipRemovalThreshold,
    input.allowRemovals === true,
  );
  const membershipPlans = guarded.plans;
  for (const m of membershipPlans)
    counts.membershipsSkipped += m.skipped.filter((s) => s.refusedByTarget).length;

  const membershipResults = new Map<string, TargetMembershipActionResult>();
  if (!dryRun) {
    for (const result of await applyMembershipPlans(deps, membershipPlans))
      membershipResults.set(result.key, result);
    for (const m of membershipPlans) {
      for (const a of m.add) {
        const result = membershipResults.get(`${m.groupSourceId}/${a.userSourceId}`);
        if (!result?.ok) {
          counts.failed++;
          continue;
        }
        counts.membershipsAdded++;
        // A membership whose id the target did not report is read again with the next full read.
        if (result.membership) {
          mirrorStore.addMembership(memberships, result.membership);
          membershipAdds.push(result.membership);
        }
      }
      for (const r of m.remove) {
        const result = membershipResults.get(`${m.groupSourceId}/${r.userSourceId}`);
        if (!result?.ok) {
          counts.failed++;
          continue;
        }
        counts.membershipsRemoved++;
        memberships.get(m.targetGroupId)?.delete(r.targetUserId);
        membershipRemovals.push({ groupId: m.targetGroupId, userId: r.targetUserId });
      }
    }
    await mirrorStore.saveMemberships(store, jobId, membershipAdds, membershipRemovals);
    await recordGroupEscrows(input, plans, groupResults, membershipPlans, membershipResults);
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
    deletions: plans.filter((p) => p.action?.kind === 'delete').length,
    membershipIndex: membershipsKnown || provisioned ? memberships : null,
    held: guarded.held,
    attempted:
      groupResults.size +
      membershipResults.size +
      plans.filter((p) => p.action === null && p.status === 'failure').length,
  };
}

/**
 * Failed groups and memberships wait in escrow like users (docs/provisioning.md, "When a write
 * fails: escrow"); a success clears theirs. Both are evaluated again in every cycle whatever the
 * escrow says (a group's plan and its memberships are recomputed each cycle): the escrow records
 * the failure, its count and the next attempt for `status` and the retry e-mails.
 */
async function recordGroupEscrows(
  input: GroupCycleInput,
  plans: readonly GroupPlan[],
  groupResults: ReadonlyMap<string, TargetGroupActionResult>,
  membershipPlans: readonly MembershipPlan[],
  membershipResults: ReadonlyMap<string, TargetMembershipActionResult>,
): Promise<void> {
  const { store, clock } = input.deps;
  const jobId = input.config.settings.jobId;
  const existing = new Map(input.escrows.map((e) => [escrowKey(e.objectType, e.objectId), e]));
  const outcomes: EscrowOutcome[] = [];
  for (const plan of plans) {
    const result = groupResults.get(plan.sourceId);
    const error =
      result && !result.ok
        ? { code: result.error.code, message: result.error.message }
        : plan.status === 'failure' && plan.error
          ? { code: plan.error.code, message: plan.error.reason }
          : null;
    if (error || result?.ok || existing.has(escrowKey('group', plan.sourceId)))
      outcomes.push({ objectType: 'group', objectId: plan.sourceId, displayName: plan.displayName, error });
  }
  for (const m of membershipPlans)
    for (const change of [...m.add, ...m.remove]) {
      const key = `${m.groupSourceId}/${change.userSourceId}`;
      const result = membershipResults.get(key);
      outcomes.push({
        objectType: 'membership',
        objectId: key,
        displayName: `${change.userName} in ${m.groupName}`,
        error:
          result === undefined
            ? { code: EngineErrorCode.InternalError, message: 'The target connector returned no result.' }
            : result.ok
              ? null
              : { code: result.error.code, message: result.error.message },
      });
    }
  const { save, clear } = settleEscrows(jobId, outcomes, existing, clock.now());
  await store.saveEscrows(save);
  await store.deleteEscrows(jobId, clear);
}

/** Carries out membership plans in bulk; one result per add or remove, keyed `<group>/<user>`. */
export async function applyMembershipPlans(
  deps: Pick<EngineDeps, 'target'>,
  plans: readonly MembershipPlan[],
): Promise<readonly TargetMembershipActionResult[]> {
  const actions: TargetMembershipAction[] = [];
  for (const m of plans) {
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
  return actions.length > 0 ? await deps.target.applyMemberships(actions) : [];
}

function groupLogEntries(
  input: GroupCycleInput,
  plans: readonly GroupPlan[],
  groupResults: ReadonlyMap<string, TargetGroupActionResult>,
  membershipPlans: readonly MembershipPlan[],
  membershipResults: ReadonlyMap<string, TargetMembershipActionResult>,
): ProvisioningObjectSummary[] {
  const { context } = input;
  const source = context.sourceSystem.displayName;
  const target = context.targetSystem.displayName;
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
        description: `Received Group '${plan.displayName}' from ${source}`,
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
          ? `${plan.action.kind === 'create' ? 'Created' : plan.action.kind === 'delete' ? 'Deleted' : 'Updated'} Group '${plan.displayName}' in ${target} (id ${result.group.id})`
          : `Failed to ${plan.action.kind} Group '${plan.displayName}' in ${target}: ${result.error.message}`,
        details: result.ok
          ? { Request: result.request }
          : { ...(result.error.request ? { Request: result.error.request } : {}) },
      });
    const properties: ModifiedProperty[] = [...plan.modifiedProperties];
    let membershipFailure: string | null = null;
    let membershipHeld: string | null = null;
    if (
      membership &&
      (membership.add.length > 0 ||
        membership.remove.length > 0 ||
        membership.skipped.length > 0 ||
        (membership.held?.length ?? 0) > 0)
    ) {
      const held = membership.held ?? [];
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
      if (held.length > 0)
        details['Held (removal staged: settings.membershipRemovalThreshold)'] = held
          .map((r) => r.userName)
          .join(', ');
      if (held.length > 0)
        membershipHeld = `${held.length} membership removals staged: the removals in this cycle exceed settings.membershipRemovalThreshold`;
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
        description: `Members of Group '${plan.displayName}': ${added.length} added, ${removed.length} removed, ${membership.skipped.length} skipped${held.length > 0 ? `, ${held.length} removals held` : ''}`,
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
          (membershipFailure
            ? { code: EngineErrorCode.MembershipExportFailed, reason: membershipFailure }
            : membershipHeld
              ? { code: EngineErrorCode.TooManyDeletes, reason: membershipHeld }
              : null));
    entries.push({
      id: randomUUID(),
      activityDateTime: at,
      tenantId: context.tenantId,
      jobId: context.jobId,
      cycleId: context.cycleId,
      changeId: randomUUID(),
      provisioningAction:
        plan.action?.kind === 'create'
          ? 'create'
          : plan.action?.kind === 'delete'
            ? 'delete'
            : wrote
              ? 'update'
              : error?.code === EngineErrorCode.TooManyDeletes
                ? 'stagedDelete'
                : 'other',
      durationInMilliseconds: 0,
      initiatedBy: { id: '', displayName: 'provisio', initiatorType: 'system' },
      modifiedProperties: properties,
      provisioningSteps: steps,
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
      ...systemsOf(context),
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
