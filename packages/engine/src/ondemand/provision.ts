/**
 * Provision on demand (docs/provisioning.md, "Provision on demand"): one user, or one group with its
 * members, now, showing Entra's steps: test connection (shown when it fails), import (source
 * attributes), scope (active, assigned, role, each scoping clause with its value and result), match
 * (candidates per matching attribute), action (attributes exported, or the error). It runs the
 * cycle's own stages (`planUser`, `planGroup`, `planMemberships`, the same link and log builders)
 * for one object, with the guard off (one object is not an accident), and reads only what that
 * object needs: the target mirror from the store, and for a group its own memberships. `dryRun`
 * shows the same steps without writing.
 */

import { randomUUID } from 'node:crypto';
import type { Config } from '../config/load.js';
import { applyMembershipPlans, assignedGroupIds } from '../cycle/groups.js';
import { pendingGroupWritesFor, pendingWritesFor } from '../cycle/pending-writes.js';
import { linkAfter } from '../cycle/run-cycle.js';
import * as mirrorStore from '../cycle/target-mirror.js';
import { EngineErrorCode } from '../errors/engine.js';
import { buildLogEntry, type LogContext, logContextFor } from '../log/entry.js';
import type { ProvisioningObjectSummary } from '../log/types.js';
import { protectCredentialOwner } from '../pipeline/credential-owner.js';
import { planGroup, TargetGroupIndex } from '../pipeline/group-plan.js';
import { assignmentSignature } from '../pipeline/import.js';
import { type MembershipIndex, planMemberships } from '../pipeline/membership-plan.js';
import { asTargetMatch, unlinkedTargetIds } from '../pipeline/ownership.js';
import { type PlannedUser, planSettingsFrom, planUser } from '../pipeline/plan.js';
import { protectNamedCreates, protectNamedUsers } from '../pipeline/protected-users.js';
import { TargetIndex } from '../pipeline/target-index.js';
import type { EngineDeps } from '../ports/engine.js';
import type { MemberRef, ReadAssignmentsResult, SourceGroup } from '../ports/source.js';
import type { JobRecord, LinkRecord, SourceGroupRecord } from '../ports/state.js';
import type { CredentialOwner, TargetActionResult } from '../ports/target.js';
import { newJobRecord } from '../state/job-record.js';

export interface OnDemandStep {
  readonly name: 'Test connection' | 'Import' | 'Determine if in scope' | 'Match' | 'Perform action';
  readonly status: 'success' | 'skipped' | 'failure';
  readonly description: string;
  readonly details: Readonly<Record<string, string>>;
}

export interface OnDemandObject {
  readonly type: 'User' | 'Group';
  readonly id: string;
  readonly displayName: string;
  readonly steps: readonly OnDemandStep[];
}

export interface OnDemandReport {
  readonly query: string;
  readonly dryRun: boolean;
  /** The objects provisioned, in order: the user, or the group's member users then the group. */
  readonly objects: readonly OnDemandObject[];
  /** true when nothing failed. */
  readonly ok: boolean;
  /** Why nothing could be done at all (object not found, connection failed). */
  readonly error?: string;
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export async function provisionOnDemand(
  deps: EngineDeps,
  config: Config,
  query: string,
  options: {
    readonly dryRun?: boolean;
    readonly initiatedBy?: string;
    /**
     * Called with each user's provisioning log entry: the one the run wrote or, in a dry run, the
     * one it would have written (its action, modified properties, status).
     */
    readonly onLogEntry?: (entry: ProvisioningObjectSummary) => void;
  } = {},
): Promise<OnDemandReport> {
  const dryRun = options.dryRun ?? false;
  const { source, target } = deps;

  // 1. Test connection: shown only when it fails.
  const [sourceCheck, targetCheck] = await Promise.all([source.testConnection(), target.testConnection()]);
  if (!sourceCheck.ok || !targetCheck.ok) {
    const failed = [...sourceCheck.steps, ...targetCheck.steps].filter((s) => !s.ok);
    return {
      query,
      dryRun,
      ok: false,
      error: 'The connection test failed.',
      objects: [
        {
          type: 'User',
          id: '',
          displayName: query,
          steps: [
            {
              name: 'Test connection',
              status: 'failure',
              description: failed.map((s) => `${s.name}: ${s.detail}`).join('; '),
              details: Object.fromEntries(
                failed.map((s) => [s.name, `${s.code ?? ''} ${s.fix ?? ''}`.trim()]),
              ),
            },
          ],
        },
      ],
    };
  }

  // Find the object: an object id or a UPN is a user (or a group id); anything else a group name.
  const user =
    guid.test(query) || query.includes('@') ? await source.getUser(query, config.users.select) : null;
  const group = user === null ? await source.getGroup(query, config.groups.select) : null;
  if (user === null && group === null)
    return {
      query,
      dryRun,
      ok: false,
      objects: [],
      error: `No user or group "${query}" in Entra ID (users in deleted items cannot be provisioned on demand).`,
    };

  const run = await openOnDemandRun(deps, config, {
    ...(options.initiatedBy === undefined ? {} : { initiatedBy: options.initiatedBy }),
    ...(options.onLogEntry === undefined ? {} : { onLogEntry: options.onLogEntry }),
  });
  const { job, links, index, owner, context } = run;
  const provisionUser = (id: string, userAttributes: Readonly<Record<string, unknown>>) =>
    run.provisionUser(id, userAttributes, dryRun);

  if (user !== null) {
    const one = await provisionUser(user.id, user.attributes);
    return {
      query,
      dryRun,
      ok: !one.steps.some((s) => s.status === 'failure'),
      objects: [{ type: one.type, id: one.id, displayName: one.displayName, steps: one.steps }],
    };
  }

  // A group: its member users first, then the group and its memberships.
  const theGroup = group as SourceGroup;
  if (!dryRun) await run.invalidateMirror();
  const members: MemberRef[] = [...(await source.readGroupMembers(theGroup.id))];
  const objects: OnDemandObject[] = [];
  const userNames = new Map<string, string>();
  for (const member of members.filter((m) => m.type === 'user')) {
    const found = await source.getUser(member.id, config.users.select);
    if (!found) continue;
    const one = await provisionUser(found.id, found.attributes);
    objects.push({ type: one.type, id: one.id, displayName: one.displayName, steps: one.steps });
    userNames.set(one.id, one.displayName);
  }
  objects.push(
    await provisionGroup(deps, config, theGroup, members, {
      dryRun,
      job,
      assigned: assignedGroupIds(run.assignments).has(theGroup.id),
      links,
      index,
      userNames,
      context,
      credentialOwnerId: owner?.targetId ?? null,
    }),
  );
  return { query, dryRun, ok: !objects.some((o) => o.steps.some((s) => s.status === 'failure')), objects };
}

/** A user provisioned (or, dry, planned) on demand: its steps, its plan and the write's result. */
export interface OnDemandUser extends OnDemandObject {
  readonly planned: PlannedUser;
  readonly result: TargetActionResult | undefined;
  /** The log entry written (or, dry, the one that would have been). */
  readonly entry: ProvisioningObjectSummary;
}

/**
 * What an on-demand run reads once (the job's state, assignments, links, the target mirror, the
 * credentials' owner) and the one-user step that uses it. Provision on demand and single sign-on
 * (ondemand/sign-in.ts) share it.
 */
export interface OnDemandRun {
  readonly job: JobRecord;
  readonly assignments: ReadAssignmentsResult;
  readonly links: Map<string, LinkRecord>;
  readonly index: TargetIndex;
  readonly owner: CredentialOwner | null;
  readonly context: LogContext;
  /** Plans user `id` with the job's own rules and, unless `dryRun`, writes what the plan says. */
  provisionUser(
    id: string,
    attributes: Readonly<Record<string, unknown>>,
    dryRun: boolean,
  ): Promise<OnDemandUser>;
  /** Tells other processes that their copy of the target mirror is stale (before a write). */
  invalidateMirror(): Promise<void>;
}

export async function openOnDemandRun(
  deps: EngineDeps,
  config: Config,
  options: {
    readonly initiatedBy?: string;
    readonly onLogEntry?: (entry: ProvisioningObjectSummary) => void;
  } = {},
): Promise<OnDemandRun> {
  const { source, target, store, clock } = deps;
  const jobId = config.settings.jobId;
  const job = (await store.getJob(jobId)) ?? newJobRecord(jobId, clock.now());
  target.restoreState(job.targetState);
  const assignments = await source.readAssignments();
  const links = new Map((await store.listLinks(jobId)).map((l) => [l.sourceId, l]));
  // The target mirror the last cycle left; a job that never ran reads the target's users once.
  const attributes = config.users.mappings.matching.map((m) => m.target);
  const key = (attribute: string, value: unknown) => target.matchKey(attribute, value);
  let index = await mirrorStore.loadUserIndex(store, jobId, attributes, key);
  if (index.size === 0 && job.reconciledAt === null) {
    index = new TargetIndex(attributes, key);
    index.put(await target.loadUsers());
  }
  // Users named in settings.protectedUsers are protected, on demand too.
  index.protectWith(protectNamedUsers(config.settings.protectedUsers, target));
  const protectCreate = protectNamedCreates(config.settings.protectedUsers, target);
  // The user behind the target credentials is never written to, on demand either.
  const owner = await target.credentialOwner();
  const context = logContextFor(deps, config, `ondemand-${randomUUID()}`, {
    initiatedBy: { id: '', displayName: options.initiatedBy ?? 'provisio provision', initiatorType: 'user' },
  });

  let mirrorInvalidated = false;
  // This run writes the target mirror: a copy another process keeps in memory is stale from now on.
  const invalidateMirror = async () => {
    if (mirrorInvalidated) return;
    mirrorInvalidated = true;
    await store.updateJob(jobId, { mirrorVersion: randomUUID() }, clock.now());
  };
  const provisionUser = async (
    id: string,
    userAttributes: Readonly<Record<string, unknown>>,
    dryRun: boolean,
  ): Promise<OnDemandUser> => {
    const mine = assignments.assignments.filter((a) => a.userId === id);
    const plan = () =>
      protectCredentialOwner(
        protectCreate(
          planUser(
            planSettingsFrom(config),
            target,
            index,
            {
              sourceId: id,
              attributes: userAttributes,
              assignments: mine,
              removed: null,
              link: links.get(id) ?? null,
              change: 'Update',
              unlinkedTargets: unlinkedTargetIds(links.values()),
            },
            clock.now(),
          ),
        ),
        owner,
        target,
      );
    let planned = plan();
    // A create the target would turn into an update of a user made there since provisio last read
    // it: looked up first, and planned as the match it is (docs/provisioning.md, "Ownership").
    if (planned.action?.kind === 'create' && target.findUsers !== undefined) {
      const found = (await target.findUsers([planned.action.attributes])).filter((user) => user.active);
      if (found.length > 0) {
        index.put(found);
        if (!dryRun) {
          await invalidateMirror();
          await mirrorStore.saveUsers(store, jobId, found, index);
        }
        planned = plan();
      }
    }
    let result: TargetActionResult | undefined;
    if (!dryRun) {
      const at = clock.now();
      let link: LinkRecord | null = null;
      // Intent before effect (cycle/pending-writes.ts): a crash after the write is reconciled by the next cycle.
      const intents = pendingWritesFor(
        jobId,
        context.cycleId,
        [planned],
        config.users.mappings.matching.map((m) => m.target),
        at,
      );
      if (planned.action) {
        await invalidateMirror();
        await store.savePendingWrites(intents);
        [result] = await target.apply([planned.action]);
        // A create the target turned into an update of a user it held: a match, the user adopted.
        if (result?.ok) planned = asTargetMatch(planned, result, index.get(result.user.id), target);
        if (result?.ok && planned.action) {
          const after = planned.action.kind === 'delete' ? { ...result.user, active: false } : result.user;
          index.put([after]);
          await mirrorStore.saveUsers(store, jobId, [after], index);
          link = linkAfter(jobId, planned, result.user.id, planned.action.kind, at);
          await store.deleteEscrows(jobId, [{ objectType: 'user', objectId: id }]);
        }
      } else if (planned.newLink)
        link = {
          jobId,
          sourceId: id,
          targetId: planned.newLink.targetId,
          state: planned.linkState ?? 'active',
          created: planned.link?.created ?? false,
          displayName: planned.displayName,
          updatedAt: at.toISOString(),
        };
      if (link) links.set(id, link);
      await store.settlePendingWrites(
        jobId,
        intents.map((intent) => intent.sourceId),
        link ? [link] : [],
      );
      // The mirror learns the user too, so that the next cycle does not see it as new.
      await store.saveSourceUsers([
        {
          jobId,
          sourceId: id,
          attributes: userAttributes,
          removed: null,
          assignmentSignature: assignmentSignature(mine),
          assignments: mine,
          staged: false,
          updatedAt: at.toISOString(),
        },
      ]);
    }
    const entry = buildLogEntry(context, planned, result, clock.now(), 0);
    if (!dryRun) await store.appendLogs([entry]);
    options.onLogEntry?.(entry);
    return {
      type: 'User',
      id,
      displayName: planned.displayName,
      steps: userSteps(config, planned, result, dryRun),
      planned,
      result,
      entry,
    };
  };
  return { job, assignments, links, index, owner, context, provisionUser, invalidateMirror };
}

function userSteps(
  config: Config,
  planned: PlannedUser,
  result: TargetActionResult | undefined,
  dryRun: boolean,
): OnDemandStep[] {
  const steps: OnDemandStep[] = [];
  steps.push({
    name: 'Import',
    status: 'success',
    description: `Retrieved User '${planned.displayName}' from Microsoft Entra ID`,
    details: Object.fromEntries(
      Object.entries(planned.view).map(([k, v]) => [
        k,
        config.users.redactedSources.has(k)
          ? '[Redact]'
          : k === 'appRoleAssignments'
            ? (v as { displayName: string }[]).map((r) => r.displayName).join(', ')
            : text(v),
      ]),
    ),
  });
  const scope = planned.scope;
  const roles = [
    ...new Set(
      (planned.view['appRoleAssignments'] as { displayName: string }[] | undefined)?.map(
        (r) => r.displayName,
      ) ?? [],
    ),
  ];
  const scopeDetails: Record<string, string> = {
    'Active in source system': String(scope.active),
    'Assigned to application': String(scope.assigned),
    'Scope sync all': String(config.settings.scope === 'all'),
    'User has required role': `${scope.hasRequiredRole}${roles.length > 0 ? ` (${roles.join(', ')})` : ''}`,
  };
  for (const g of scope.filters?.groups ?? [])
    for (const c of g.clauses)
      scopeDetails[`${g.name} ${c.attribute} ${c.operator} ${c.expected.join(',')}`] =
        `${c.passed ? 'passed' : 'failed'} (value: ${text(c.actual)})`;
  steps.push({
    name: 'Determine if in scope',
    status: scope.inScope ? 'success' : 'skipped',
    description: scope.summary,
    details: scopeDetails,
  });
  if (planned.match) {
    const m = planned.match;
    steps.push({
      name: 'Match',
      status: m.kind === 'duplicate' ? 'failure' : 'success',
      description:
        m.kind === 'linked'
          ? `Linked to Zendesk user ${m.target.id} (${m.target.displayName})`
          : m.kind === 'matched'
            ? `Matched Zendesk user ${m.target.id} (${m.target.displayName}) by ${m.attribute}`
            : m.kind === 'none'
              ? 'No Zendesk user matches'
              : m.kind === 'duplicate'
                ? `More than one Zendesk user matches by ${m.attribute}`
                : 'No value for any matching attribute',
      details: Object.fromEntries(
        m.tried.map((t) => [
          `${t.attribute} = ${t.value}`,
          t.candidates.length === 0
            ? 'no candidate'
            : t.candidates.map((c) => `${c.id} (${c.displayName})`).join('; '),
        ]),
      ),
    });
  }
  const failed = (result && !result.ok) || planned.status === 'failure';
  steps.push({
    name: 'Perform action',
    status: failed ? 'failure' : planned.action ? 'success' : 'skipped',
    description:
      result && !result.ok
        ? `${planned.action?.kind ?? ''} failed: ${result.error.code}: ${result.error.message}`
        : planned.action
          ? `${dryRun ? 'Would ' : ''}${planned.action.kind}${dryRun ? '' : 'd'}: ${planned.description}`
          : planned.status === 'failure'
            ? `${planned.error?.code}: ${planned.error?.reason}`
            : planned.description,
    details: Object.fromEntries(
      planned.modifiedProperties.map((p) => [
        p.displayName,
        `${p.oldValue === null ? '' : `${p.oldValue} → `}${p.newValue ?? ''}`,
      ]),
    ),
  });
  return steps;
}

interface GroupContext {
  readonly dryRun: boolean;
  readonly job: import('../ports/state.js').JobRecord;
  readonly assigned: boolean;
  readonly links: Map<string, LinkRecord>;
  readonly index: TargetIndex;
  readonly userNames: ReadonlyMap<string, string>;
  readonly context: LogContext;
  /** The target user behind the target credentials: never removed from the group. */
  readonly credentialOwnerId: string | null;
}

/** One group: the cycle's group plan, its write and link, then its memberships (adds and removals). */
async function provisionGroup(
  deps: EngineDeps,
  config: Config,
  theGroup: SourceGroup,
  members: readonly MemberRef[],
  ctx: GroupContext,
): Promise<OnDemandObject> {
  const { store, target, clock } = deps;
  const jobId = config.settings.jobId;
  const displayName = String(theGroup.attributes['displayName'] ?? theGroup.id);
  const steps: OnDemandStep[] = [
    {
      name: 'Import',
      status: 'success',
      description: `Retrieved Group '${displayName}' with ${members.length} direct members`,
      details: Object.fromEntries(Object.entries(theGroup.attributes).map(([k, v]) => [k, text(v)])),
    },
  ];
  const done = (): OnDemandObject => ({ type: 'Group', id: theGroup.id, displayName, steps });
  if (!config.groups.enabled) {
    steps.push({
      name: 'Determine if in scope',
      status: 'skipped',
      description: 'Group provisioning is disabled (mappings.groups.enabled)',
      details: {},
    });
    return done();
  }
  const groupLinks = new Map((await store.listGroupLinks(jobId)).map((l) => [l.sourceId, l]));
  const mirrored = await mirrorStore.loadGroups(store, jobId);
  const groupIndex = new TargetGroupIndex(
    config.groups.mappings.matching[0]?.target ?? 'name',
    mirrored.length > 0 || ctx.job.reconciledAt !== null ? mirrored : await target.loadGroups(),
  );
  const record: SourceGroupRecord = {
    jobId,
    sourceId: theGroup.id,
    attributes: theGroup.attributes,
    members,
    removed: null,
    updatedAt: clock.now().toISOString(),
  };
  const link = groupLinks.get(theGroup.id) ?? null;
  const plan = planGroup(
    {
      scope: config.settings.scope,
      mappings: config.groups.mappings,
      scopingFilters: config.groups.scopingFilters,
      actions: config.groups.actions,
      deleteAdopted: config.settings.adoptedObjects.delete,
    },
    target,
    groupIndex,
    {
      record,
      link,
      assigned: ctx.assigned,
      reportUnlinked: true,
      unlinkedTargets: unlinkedTargetIds(groupLinks.values()),
    },
    clock.now(),
  );
  if (plan === null) return done();
  const filters = config.groups.scopingFilters.evaluate(theGroup.attributes);
  steps.push({
    name: 'Determine if in scope',
    status: plan.inScope ? 'success' : 'skipped',
    description: plan.inScope ? `In scope. ${filters.summary}` : `Out of scope: ${plan.reason}`,
    details: {
      'Assigned to application': String(ctx.assigned),
      'Scope sync all': String(config.settings.scope === 'all'),
    },
  });
  if (!plan.inScope) return done();
  const attribute = groupIndex.attribute;
  steps.push({
    name: 'Match',
    status: plan.error?.code === EngineErrorCode.DuplicateTargetEntries ? 'failure' : 'success',
    description:
      plan.error?.code === EngineErrorCode.DuplicateTargetEntries
        ? 'More than one Zendesk group matches'
        : plan.targetId === null
          ? 'No Zendesk group matches'
          : `${link?.state === 'active' ? 'Linked to' : 'Matched'} Zendesk group ${plan.targetId}`,
    details: { [attribute]: plan.targetId ?? 'no candidate' },
  });
  if (plan.status === 'failure') {
    steps.push({
      name: 'Perform action',
      status: 'failure',
      description: `${plan.error?.code ?? 'Failed'}: ${plan.error?.reason ?? plan.reason}`,
      details: {},
    });
    return done();
  }

  const details: Record<string, string> = {};
  let failure: string | null = null;
  let targetGroupId = plan.targetId;
  if (plan.action === null && plan.targetId === null) {
    steps.push({ name: 'Perform action', status: 'skipped', description: plan.reason, details });
    return done();
  }
  if (!ctx.dryRun) {
    // Intent before effect (cycle/pending-writes.ts): a group created or deleted just before a crash
    // is recorded as provisio's by the next cycle.
    const intents = pendingGroupWritesFor(
      jobId,
      ctx.context.cycleId,
      [plan],
      groupIndex.attribute,
      groupLinks,
      clock.now(),
    );
    await store.savePendingWrites(intents);
    if (plan.action) {
      const [result] = await target.applyGroups([plan.action]);
      if (result?.ok) {
        targetGroupId = result.group.id;
        await store.saveTargetObjects(jobId, 'group', [{ id: result.group.id, data: result.group }]);
      } else failure = result ? `${result.error.code}: ${result.error.message}` : 'no result';
    }
    await store.settlePendingGroupWrites(
      jobId,
      intents.map((intent) => intent.sourceId),
      targetGroupId !== null && failure === null
        ? [
            {
              jobId,
              sourceId: theGroup.id,
              targetId: targetGroupId,
              state: 'active',
              created: link?.created ?? plan.action?.kind === 'create',
              displayName,
              updatedAt: clock.now().toISOString(),
            },
          ]
        : [],
    );
  }
  if (plan.action) details['Group'] = `${ctx.dryRun ? 'would ' : ''}${plan.action.kind} (${plan.reason})`;

  // Memberships: the cycle's membership plan for this one group (adds and removals).
  if (targetGroupId !== null && failure === null) {
    const memberships: MembershipIndex = new Map();
    const held =
      ctx.job.membershipsLoadedAt !== null
        ? ((await mirrorStore.loadMemberships(store, jobId)).get(targetGroupId) ?? new Map<string, string>())
        : new Map((await target.loadGroupMemberships(targetGroupId)).map((m) => [m.userId, m.id]));
    memberships.set(targetGroupId, held);
    const [membershipPlan] = planMemberships(target, {
      groups: [{ sourceId: theGroup.id, displayName, targetId: targetGroupId }],
      mirror: new Map([[theGroup.id, record]]),
      expandNested: false,
      userLinks: ctx.links,
      targetUser: (id) => ctx.index.get(id),
      memberships,
      userNames: ctx.userNames,
      reportAll: true,
      credentialOwnerId: ctx.credentialOwnerId,
    });
    if (membershipPlan) {
      for (const skip of membershipPlan.skipped) details[skip.userName] = `skipped: ${skip.reason}`;
      for (const a of membershipPlan.add) details[a.userName] = ctx.dryRun ? 'would be added' : 'added';
      for (const r of membershipPlan.remove)
        details[r.userName] = ctx.dryRun ? 'would be removed' : 'removed';
      if (!ctx.dryRun) {
        const results = await applyMembershipPlans(deps, [membershipPlan]);
        const adds = [];
        const removals = [];
        for (const result of results) {
          const userSourceId = result.key.slice(theGroup.id.length + 1);
          const name = ctx.userNames.get(userSourceId) ?? userSourceId;
          if (!result.ok) {
            details[name] = `failed: ${result.error.code}: ${result.error.message}`;
            failure = failure ?? 'a membership change failed';
            continue;
          }
          if (result.membership) adds.push(result.membership);
          const removed = membershipPlan.remove.find((r) => r.userSourceId === userSourceId);
          if (removed) removals.push({ groupId: targetGroupId, userId: removed.targetUserId });
        }
        if (ctx.job.membershipsLoadedAt !== null)
          await mirrorStore.saveMemberships(store, jobId, adds, removals);
      }
    }
  }
  steps.push({
    name: 'Perform action',
    status: failure ? 'failure' : 'success',
    description:
      failure ??
      (ctx.dryRun
        ? `${plan.action ? `Would ${plan.action.kind}` : 'Would leave'} Group '${displayName}'${plan.action ? '' : ' as it is'} and make its memberships match`
        : `Group '${displayName}' is Zendesk group ${targetGroupId}`),
    details,
  });
  return done();
}
