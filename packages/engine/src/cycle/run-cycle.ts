/**
 * One provisioning cycle: import → scope → map → match → plan → export, with a provisioning log
 * entry per object. A cycle is a function of (configuration, state store, connectors) and a per-job
 * target index cache; it keeps no process-global state, so it can run in any worker.
 *
 * Crash safety: links and log entries are saved after each export batch; the source mirror and the
 * watermark only once every batch is done. A cycle killed half-way therefore re-reads the same
 * changes next time (nothing lost), and the target index is re-read in full in a new process, so a
 * user created just before the crash is matched by its external_id or e-mail, never duplicated.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/load.js';
import { buildLogEntry, type LogContext } from '../log/entry.js';
import type { ProvisioningObjectSummary } from '../log/types.js';
import { type PlanInput, type PlannedUser, planSettingsFrom, planUser } from '../pipeline/plan.js';
import { TargetIndex } from '../pipeline/target-index.js';
import type { Clock } from '../ports/clock.js';
import { ConnectorFailure } from '../ports/common.js';
import type { Notification, Notifier } from '../ports/notifier.js';
import type {
  GroupSourceConnector,
  SourceAssignment,
  SourceConnector,
  SourceUserChange,
} from '../ports/source.js';
import type {
  CycleCounts,
  CycleKind,
  CycleRecord,
  EscrowRecord,
  JobRecord,
  LinkRecord,
  SourceUserRecord,
  StateStore,
} from '../ports/state.js';
import type { GroupTargetConnector, TargetActionResult, TargetConnector } from '../ports/target.js';
import { escrowAfterFailure, escrowIsDue } from '../safety/escrow.js';
import { failureNotification, quarantineNotification } from '../safety/notifications.js';
import {
  imposeQuarantine,
  isCredentialError,
  type QuarantineState,
  tooManyFailures,
} from '../safety/quarantine.js';
import {
  type GroupCache,
  type GroupCycleInput,
  type GroupCycleResult,
  type PlannedGroups,
  planGroups,
  runGroupCycle,
  stageGroupDeletions,
} from './groups.js';

/** Reserved key in a mirrored user's attributes: the signature of its assignments at the last cycle. */
export const ASSIGNMENTS_KEY = '@provisio.assignments';
/** Reserved key in a mirrored user's attributes: its deprovisioning was staged (evaluated again next cycle). */
export const STAGED_KEY = '@provisio.staged';
const EXPORT_BATCH = 500;

export interface EngineDeps {
  readonly source: SourceConnector & GroupSourceConnector;
  readonly target: TargetConnector & GroupTargetConnector;
  readonly store: StateStore;
  readonly clock: Clock;
  /** Sends quarantine and failure e-mails (settings.notificationEmail); absent: none are sent. */
  readonly notifier?: Notifier;
}

/** What a long-running process keeps between cycles of one job (the target indexes). */
export interface JobCache {
  index: TargetIndex | null;
  groups?: GroupCache;
}

export type CyclePhase = 'source' | 'target' | 'plan' | 'export' | 'groups' | 'save';

export interface CycleProgress {
  readonly phase: CyclePhase;
  readonly done: number;
  readonly total: number | null;
}

export interface CycleOptions {
  /** Compute the plan without writing anything (neither to the target nor to the store). */
  readonly dryRun?: boolean;
  /** Read everything and reconcile everything, whatever the watermark says. */
  readonly forceInitial?: boolean;
  readonly cache?: JobCache;
  readonly onProgress?: (progress: CycleProgress) => void;
  /** Names of the service principal and tenant for the log. */
  readonly servicePrincipalName?: string;
  /** Carry out deprovisioning beyond the accidental-deletion threshold (`provisio allow-deletes`). */
  readonly allowDeletes?: boolean;
}

export interface CycleReport {
  readonly cycleId: string;
  readonly kind: CycleKind;
  readonly state: CycleRecord['state'];
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly counts: CycleCounts;
  /** Every evaluated user's decision, in evaluation order. */
  readonly planned: readonly PlannedUser[];
  readonly results: ReadonlyMap<string, TargetActionResult>;
  readonly error: string | null;
  /** Deprovisioning actions held back by the accidental-deletion threshold. */
  readonly staged: number;
  /** The job's quarantine after this cycle, if any. */
  readonly quarantine: QuarantineState | null;
  /** The group half (absent when group provisioning is off). */
  readonly groups?: GroupCycleResult;
}

/** A cycle's counters before it has done anything. */
export const emptyCycleCounts: CycleCounts = {
  imported: 0,
  inScope: 0,
  created: 0,
  updated: 0,
  disabled: 0,
  deleted: 0,
  skipped: 0,
  unchanged: 0,
  failed: 0,
  targetRequests: 0,
};

function assignmentSignature(assignments: readonly SourceAssignment[] | undefined): string {
  if (!assignments || assignments.length === 0) return '';
  return assignments
    .map((a) => `${a.appRoleId}|${a.viaGroupId ?? ''}`)
    .sort()
    .join(',');
}

function stripReserved(attributes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { [ASSIGNMENTS_KEY]: _assignments, [STAGED_KEY]: _staged, ...rest } = attributes;
  return rest;
}

export function newJobRecord(jobId: string, now: Date): JobRecord {
  return {
    jobId,
    status: 'NotRun',
    configHash: null,
    watermark: null,
    watermarkAt: null,
    data: {},
    updatedAt: now.toISOString(),
  };
}

export async function runCycle(
  deps: EngineDeps,
  config: Config,
  options: CycleOptions = {},
): Promise<CycleReport> {
  const { store, source, target, clock } = deps;
  const jobId = config.settings.jobId;
  const startedAt = clock.now();
  const cycleId = randomUUID();
  const dryRun = options.dryRun ?? false;
  const progress = options.onProgress ?? (() => {});
  const job = (await store.getJob(jobId)) ?? newJobRecord(jobId, startedAt);
  const kind: CycleKind =
    options.forceInitial || job.watermark === null || job.configHash !== config.hash
      ? 'initial'
      : 'incremental';
  const counts: { -readonly [K in keyof CycleCounts]: CycleCounts[K] } = { ...emptyCycleCounts };
  const cycleRecord = (
    state: CycleRecord['state'],
    endedAt: Date | null,
    error: string | null,
  ): CycleRecord => ({
    jobId,
    cycleId,
    kind,
    state,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt?.toISOString() ?? null,
    counts: { ...counts },
    error,
  });
  if (!dryRun) {
    // A cycle still "running" in the store was cut short (the process was killed): say so.
    for (const stale of await store.listCycles(jobId, 20))
      if (stale.state === 'running')
        await store.saveCycle({
          ...stale,
          state: 'failed',
          endedAt: startedAt.toISOString(),
          error: 'Interrupted: the process stopped during this cycle; the next cycle picked up its changes.',
        });
    await store.saveCycle(cycleRecord('running', null, null));
  }
  const requestsBefore = targetRequests(target);

  try {
    // Import.
    progress({ phase: 'source', done: 0, total: null });
    const read = await source.readUsers({
      watermark: kind === 'initial' ? null : job.watermark,
      select: config.users.select,
      onProgress: (done) => progress({ phase: 'source', done, total: null }),
    });
    const assignmentsResult = await source.readAssignments();
    const { assignments } = assignmentsResult;
    const byUser = new Map<string, SourceAssignment[]>();
    for (const assignment of assignments) {
      const list = byUser.get(assignment.userId);
      if (list) list.push(assignment);
      else byUser.set(assignment.userId, [assignment]);
    }
    const full = kind === 'initial' || read.fullRead;
    const mirror = new Map((await store.listSourceUsers(jobId)).map((record) => [record.sourceId, record]));
    const links = new Map((await store.listLinks(jobId)).map((link) => [link.sourceId, link]));
    const escrows = new Map(
      (await store.listEscrows(jobId))
        .filter((escrow) => escrow.objectType === 'user')
        .map((escrow) => [escrow.objectId, escrow]),
    );
    const now = clock.now().toISOString();
    const changed = new Map<string, SourceUserRecord>();
    const evaluate = new Map<string, PlanInput['change']>();
    const seen = new Set<string>();
    for (const change of read.changes) applyChange(change);
    counts.imported = read.changes.length;

    function applyChange(change: SourceUserChange): void {
      const id = change.kind === 'upsert' ? change.user.id : change.id;
      seen.add(id);
      const previous = changed.get(id) ?? mirror.get(id);
      if (change.kind === 'removed') {
        changed.set(id, {
          jobId,
          sourceId: id,
          attributes: previous?.attributes ?? {},
          removed: change.removed,
          updatedAt: now,
        });
        evaluate.set(id, 'Delete');
        return;
      }
      const attributes = full
        ? { ...change.user.attributes }
        : { ...(previous?.attributes ?? {}), ...change.user.attributes };
      changed.set(id, { jobId, sourceId: id, attributes, removed: null, updatedAt: now });
      evaluate.set(id, previous === undefined || previous.removed !== null ? 'Add' : 'Update');
    }
    if (full) {
      // A full read lists only live users: a linked user missing from it is gone (in deleted items or
      // purged; Graph cannot tell which without another request): deprovision as for a soft delete.
      for (const [id, record] of mirror)
        if (!seen.has(id) && record.removed === null) {
          changed.set(id, { ...record, removed: 'soft', updatedAt: now });
          evaluate.set(id, 'Delete');
        }
      for (const [id, link] of links)
        if (!seen.has(id) && !changed.has(id) && link.state !== 'deleted') {
          changed.set(id, {
            jobId,
            sourceId: id,
            attributes: mirror.get(id)?.attributes ?? {},
            removed: 'soft',
            updatedAt: now,
          });
          evaluate.set(id, 'Delete');
        }
    }
    // Assignment changes do not show in the users delta: compare with what the mirror remembers.
    for (const id of new Set([...mirror.keys(), ...byUser.keys()])) {
      const record = changed.get(id) ?? mirror.get(id);
      if (!record) continue;
      const signature = assignmentSignature(byUser.get(id));
      if ((record.attributes[ASSIGNMENTS_KEY] ?? '') !== signature) {
        changed.set(id, {
          ...record,
          attributes: { ...record.attributes, [ASSIGNMENTS_KEY]: signature },
          updatedAt: now,
        });
        if (!evaluate.has(id)) evaluate.set(id, 'Update');
      }
      // Staged deprovisioning is evaluated again in every cycle until it is allowed or undone.
      if (record.attributes[STAGED_KEY] === true && !evaluate.has(id)) evaluate.set(id, 'None');
    }
    // Failed users come back when their escrow is due (a change in Entra brings them back sooner).
    const due = clock.now();
    for (const [id, escrow] of escrows)
      if (escrowIsDue(escrow, due) && !evaluate.has(id)) evaluate.set(id, 'None');

    // The target index: in full on an initial cycle or in a new process, otherwise only what changed.
    progress({ phase: 'target', done: 0, total: null });
    const cache = options.cache ?? { index: null };
    let index = cache.index;
    if (index === null || kind === 'initial') {
      index = new TargetIndex(
        config.users.mappings.matching.map((m) => m.target),
        (attribute, value) => target.matchKey(attribute, value),
      );
      index.put(await target.loadUsers((done) => progress({ phase: 'target', done, total: null })));
    } else {
      // Only users whose Zendesk record differs from what the index holds (the export also returns
      // provisio's own recent writes, which the index already has).
      // Only the attributes provisio manages count: Zendesk touches others (updated_at, default
      // group after a membership change…) without anything to reconcile.
      const watched = [
        ...new Set([
          ...config.users.mappings.mappings.map((m) => m.target),
          'role',
          'custom_role_id',
          'suspended',
        ]),
      ];
      const picked = (user: { attributes: Readonly<Record<string, unknown>> }) =>
        JSON.stringify(watched.map((name) => user.attributes[name] ?? null));
      const drifted = (await target.loadChangedUsers()).filter((user) => {
        const known = index?.get(user.id);
        return (
          known === undefined ||
          !user.active ||
          known.disabled !== user.disabled ||
          picked(known) !== picked(user)
        );
      });
      index.put(drifted);
      const byTarget = new Map([...links.values()].map((link) => [link.targetId, link.sourceId]));
      for (const user of drifted) {
        const sourceId = byTarget.get(user.id);
        if (sourceId !== undefined && !evaluate.has(sourceId)) evaluate.set(sourceId, 'None');
      }
    }
    if (!dryRun) cache.index = index;

    // Scope, map, match, plan.
    const settings = planSettingsFrom(config);
    const ids = full ? [...new Set([...changed.keys(), ...mirror.keys()])] : [...evaluate.keys()];
    const planned: PlannedUser[] = [];
    const planTime = clock.now();
    for (const id of ids) {
      const record = changed.get(id) ?? mirror.get(id);
      const link = links.get(id) ?? null;
      if (!record && !link) continue;
      planned.push(
        planUser(
          settings,
          target,
          index,
          {
            sourceId: id,
            attributes: stripReserved(record?.attributes ?? {}),
            assignments: byUser.get(id) ?? [],
            removed: record ? record.removed : 'soft',
            link,
            change: evaluate.get(id) ?? 'None',
          },
          planTime,
        ),
      );
      if (planned.length % 1000 === 0) progress({ phase: 'plan', done: planned.length, total: ids.length });
    }
    progress({ phase: 'plan', done: planned.length, total: ids.length });
    for (const user of planned) if (user.scope.inScope) counts.inScope++;

    // Groups are read and planned now (nothing written yet), so that the guard sees every
    // deprovisioning of the cycle: user disables and deletes, and group deletes.
    const groupCache: GroupCache = cache.groups ?? { groups: null, memberships: null };
    if (!dryRun) cache.groups = groupCache;
    const groupPlanInput = { deps, config, job, kind, cache: groupCache, assignments: assignmentsResult };
    const plannedGroups = config.groups.enabled ? await planGroups(groupPlanInput) : null;

    // Guard: too many deprovisionings in one cycle are staged, not done.
    const allowDeletes = options.allowDeletes === true || job.data['allowDeletes'] === true;
    const threshold = config.settings.accidentalDeletionThreshold;
    const staged = guardDeletions(planned, threshold, allowDeletes, plannedGroups?.deletions ?? 0);
    if (staged > 0 && plannedGroups) stageGroupDeletions(plannedGroups);
    const groupInput = (
      groups: PlannedGroups,
      links: ReadonlyMap<string, LinkRecord>,
      forDryRun: boolean,
    ): GroupCycleInput => ({
      ...groupPlanInput,
      dryRun: forDryRun,
      planned: groups,
      userLinks: links,
      userIndex: index,
      userNames: new Map(planned.map((u) => [u.sourceId, u.displayName])),
      cycleId,
    });

    if (dryRun) {
      tally(counts, planned, new Map());
      const groupsPlan = plannedGroups
        ? await runGroupCycle(groupInput(plannedGroups, links, true))
        : undefined;
      return {
        cycleId,
        kind,
        state: 'succeeded',
        startedAt,
        durationMs: clock.now().getTime() - startedAt.getTime(),
        counts: { ...counts, targetRequests: targetRequests(target) - requestsBefore },
        planned,
        results: new Map(),
        error: null,
        staged,
        quarantine: quarantineOf(job),
        ...(groupsPlan ? { groups: groupsPlan } : {}),
      };
    }

    // Export in batches; links and log entries saved after each batch.
    const context: LogContext = {
      tenantId: config.source.tenantId,
      jobId,
      cycleId,
      servicePrincipalId: config.source.servicePrincipalId,
      servicePrincipalName: options.servicePrincipalName ?? 'Zendesk',
      targetName: `${config.target.domain}.zendesk.com`,
      redactedSources: config.users.redactedSources,
    };
    const results = new Map<string, TargetActionResult>();
    const withAction = planned.filter((user) => user.action !== null);
    const withoutAction = planned.filter((user) => user.action === null);
    let exported = 0;
    progress({ phase: 'export', done: 0, total: withAction.length });
    for (let start = 0; start < withAction.length; start += EXPORT_BATCH) {
      const batch = withAction.slice(start, start + EXPORT_BATCH);
      const began = clock.now();
      const batchResults = await target.apply(
        batch.map((user) => user.action as NonNullable<PlannedUser['action']>),
        (p) => progress({ phase: 'export', done: exported + p.done, total: withAction.length }),
      );
      for (const result of batchResults) results.set(result.key, result);
      const ended = clock.now();
      const perObject = Math.round((ended.getTime() - began.getTime()) / Math.max(1, batch.length));
      const newLinks: LinkRecord[] = [];
      const entries: ProvisioningObjectSummary[] = [];
      for (const user of batch) {
        const result = results.get(user.sourceId) ?? missingResult(user.sourceId);
        if (!results.has(user.sourceId)) results.set(user.sourceId, result);
        entries.push(buildLogEntry(context, user, result, ended, perObject));
        if (!result.ok) continue;
        index.put([result.user]);
        const kindDone = (user.action as NonNullable<PlannedUser['action']>).kind;
        newLinks.push({
          jobId,
          sourceId: user.sourceId,
          targetId: result.user.id,
          state: kindDone === 'delete' ? 'deleted' : kindDone === 'disable' ? 'disabled' : 'active',
          created: kindDone === 'create' ? true : (user.link?.created ?? false),
          displayName: user.displayName,
          updatedAt: ended.toISOString(),
        });
        if (kindDone === 'delete') index.remove(result.user.id);
      }
      await store.saveLinks(newLinks);
      await store.appendLogs(entries);
      exported += batch.length;
      progress({ phase: 'export', done: exported, total: withAction.length });
    }
    progress({ phase: 'save', done: 0, total: null });
    const finished = clock.now();
    const quietLinks: LinkRecord[] = [];
    for (const user of withoutAction) {
      const link = user.link;
      if (user.newLink || (user.linkState && link))
        quietLinks.push({
          jobId,
          sourceId: user.sourceId,
          targetId: user.newLink?.targetId ?? (link as LinkRecord).targetId,
          state: user.linkState ?? link?.state ?? 'active',
          created: link?.created ?? false,
          displayName: user.displayName,
          updatedAt: finished.toISOString(),
        });
    }
    await store.saveLinks(quietLinks);
    for (let start = 0; start < withoutAction.length; start += 1000)
      await store.appendLogs(
        withoutAction
          .slice(start, start + 1000)
          .map((user) => buildLogEntry(context, user, undefined, finished, 0)),
      );

    // Groups and memberships, once the users are in place.
    let groupsResult: GroupCycleResult | undefined;
    if (plannedGroups) {
      progress({ phase: 'groups', done: 0, total: null });
      const currentLinks = new Map((await store.listLinks(jobId)).map((link) => [link.sourceId, link]));
      groupsResult = await runGroupCycle(groupInput(plannedGroups, currentLinks, false));
      Object.assign(counts, {
        groupsCreated: groupsResult.counts.groupsCreated,
        groupsUpdated: groupsResult.counts.groupsUpdated,
        groupsDeleted: groupsResult.counts.groupsDeleted,
        membershipsAdded: groupsResult.counts.membershipsAdded,
        membershipsRemoved: groupsResult.counts.membershipsRemoved,
        membershipsSkipped: groupsResult.counts.membershipsSkipped,
      });
    }

    // Escrows: failures wait for their next attempt; successes clear them. Staged users are flagged.
    const newEscrows: EscrowRecord[] = [];
    const clearedEscrows: { objectType: 'user'; objectId: string }[] = [];
    const failures: { displayName: string; code: string; message: string; request?: string }[] = [];
    for (const user of planned) {
      const result = results.get(user.sourceId);
      const error =
        result && !result.ok
          ? { code: result.error.code, message: result.error.message, request: result.error.request }
          : user.status === 'failure' && user.error
            ? { code: user.error.code, message: user.error.reason, request: undefined }
            : null;
      const previous = escrows.get(user.sourceId);
      if (error) {
        const escrow = escrowAfterFailure(
          previous,
          { jobId, objectType: 'user', objectId: user.sourceId, displayName: user.displayName },
          error,
          finished,
        );
        newEscrows.push(escrow);
        failures.push({
          displayName: user.displayName,
          code: error.code,
          message: error.message,
          ...(error.request ? { request: error.request } : {}),
        });
      } else if (previous) clearedEscrows.push({ objectType: 'user', objectId: user.sourceId });
      const record = changed.get(user.sourceId) ?? mirror.get(user.sourceId);
      const isStaged = user.provisioningAction === 'stagedDelete';
      if (record && (record.attributes[STAGED_KEY] === true) !== isStaged) {
        const { [STAGED_KEY]: _was, ...attributes } = record.attributes;
        changed.set(user.sourceId, {
          ...record,
          attributes: isStaged ? { ...attributes, [STAGED_KEY]: true } : attributes,
          updatedAt: now,
        });
      }
    }
    await store.saveEscrows(newEscrows);
    await store.deleteEscrows(jobId, clearedEscrows);
    // The mirror, then the watermark: a crash between the two re-reads changes already merged, which is harmless.
    await store.saveSourceUsers([...changed.values()]);
    tally(counts, planned, results);
    if (groupsResult) counts.failed += groupsResult.counts.failed;
    counts.targetRequests = targetRequests(target) - requestsBefore;
    const ended = clock.now();
    const attempted =
      withAction.length +
      planned.filter((user) => user.action === null && user.status === 'failure').length +
      (groupsResult?.attempted ?? 0);
    const previousQuarantine = quarantineOf(job);
    let quarantine: QuarantineState | null = null;
    if (staged > 0)
      quarantine = imposeQuarantine(
        previousQuarantine,
        'TooManyDeletes',
        {
          code: 'TooManyDeletes',
          message: `${staged} users and groups would be disabled or deleted in one cycle; settings.accidentalDeletionThreshold is ${config.settings.accidentalDeletionThreshold}.`,
          failingRequests: [],
          objects: staged,
        },
        ended,
        config.settings.intervalMs,
      );
    else if (tooManyFailures(counts.failed, attempted)) {
      const first = failures[0];
      quarantine = imposeQuarantine(
        previousQuarantine,
        'EncounteredEscrowProportionThreshold',
        {
          code: first?.code ?? 'Unknown',
          message: `${counts.failed} of ${attempted} objects failed in cycle ${cycleId}${first ? `; first: ${first.displayName}: ${first.message}` : ''}.`,
          failingRequests: failures
            .filter((f) => f.request)
            .slice(0, 5)
            .map((f) => `${f.request} → ${f.code}`),
          objects: counts.failed,
        },
        ended,
        config.settings.intervalMs,
      );
    }
    // Start from the job as it is now: pause, resume or allow-deletes may have been run meanwhile.
    const latest = (await store.getJob(jobId)) ?? job;
    const data: Record<string, unknown> = { ...latest.data, quarantine };
    if (groupsResult) data['groupWatermark'] = groupsResult.watermark;
    if (allowDeletes && job.data['allowDeletes'] === true) delete data['allowDeletes'];
    await store.saveJob({
      ...latest,
      status: quarantine ? 'Quarantine' : latest.status === 'Paused' ? 'Paused' : 'Active',
      configHash: config.hash,
      watermark: read.watermark,
      watermarkAt: ended.toISOString(),
      data,
      updatedAt: ended.toISOString(),
    });
    await recordQuarantineChange(deps, config, previousQuarantine, quarantine, ended);
    if (config.settings.sendEmailOnFailure && deps.notifier) {
      const fresh = newEscrows.filter((escrow) => escrow.attempts === 1);
      if (fresh.length > 0)
        await notify(
          deps,
          config,
          failureNotification(
            jobId,
            cycleId,
            fresh.map((e) => ({ displayName: e.displayName, code: e.errorCode, message: e.errorMessage })),
          ),
          ended,
        );
    }
    const state: CycleRecord['state'] = counts.failed > 0 ? 'entryLevelErrors' : 'succeeded';
    await store.saveCycle(cycleRecord(state, ended, null));
    return {
      cycleId,
      kind,
      state,
      startedAt,
      durationMs: ended.getTime() - startedAt.getTime(),
      counts: { ...counts },
      planned,
      results,
      error: null,
      staged,
      quarantine,
      ...(groupsResult ? { groups: groupsResult } : {}),
    };
  } catch (error) {
    const message =
      error instanceof ConnectorFailure
        ? `${error.detail.code}: ${error.detail.message}`
        : error instanceof Error
          ? error.message
          : String(error);
    counts.targetRequests = targetRequests(target) - requestsBefore;
    const ended = clock.now();
    if (!dryRun) {
      await store.saveCycle(cycleRecord('failed', ended, message));
      // Refused credentials quarantine the job whatever the counts.
      if (error instanceof ConnectorFailure && isCredentialError(error.detail)) {
        const current = (await store.getJob(jobId)) ?? job;
        const previousQuarantine = quarantineOf(current);
        const quarantine = imposeQuarantine(
          previousQuarantine,
          'EncounteredQuarantineException',
          {
            code: error.detail.code,
            message: error.detail.message,
            failingRequests: error.detail.request
              ? [`${error.detail.request} → ${error.detail.httpStatus ?? error.detail.code}`]
              : [],
            objects: 0,
          },
          ended,
          config.settings.intervalMs,
        );
        await store.saveJob({
          ...current,
          status: 'Quarantine',
          data: { ...current.data, quarantine },
          updatedAt: ended.toISOString(),
        });
        await recordQuarantineChange(deps, config, previousQuarantine, quarantine, ended);
      }
    }
    throw error;
  }
}

function missingResult(key: string): TargetActionResult {
  return {
    key,
    ok: false,
    error: {
      code: 'InternalError',
      message: 'The target connector returned no result for this action.',
      retryable: true,
    },
  };
}

function targetRequests(target: TargetConnector): number {
  const count = (target as { requestCount?: unknown }).requestCount;
  return typeof count === 'number' ? count : 0;
}

function tally(
  counts: { -readonly [K in keyof CycleCounts]: CycleCounts[K] },
  planned: readonly PlannedUser[],
  results: ReadonlyMap<string, TargetActionResult>,
): void {
  for (const user of planned) {
    const result = results.get(user.sourceId);
    if (user.status === 'failure' || (result && !result.ok)) {
      counts.failed++;
      continue;
    }
    if (user.action === null) {
      if (user.error?.code === 'RedundantExport') counts.unchanged++;
      else counts.skipped++;
      continue;
    }
    switch (user.action.kind) {
      case 'create':
        counts.created++;
        break;
      case 'update':
      case 'reactivate':
        counts.updated++;
        break;
      case 'disable':
        counts.disabled++;
        break;
      case 'delete':
        counts.deleted++;
        break;
    }
  }
}

/** The job's quarantine, if it is in one. */
export function quarantineOf(job: JobRecord): QuarantineState | null {
  const value = job.data['quarantine'];
  return value !== null && typeof value === 'object' ? (value as QuarantineState) : null;
}

/**
 * Holds back deprovisioning beyond the threshold: each disable or delete becomes a staged action,
 * logged as `stagedDelete`, and nothing is sent. Returns how many were staged.
 */
function guardDeletions(
  planned: PlannedUser[],
  threshold: number,
  allow: boolean,
  groupDeletions: number,
): number {
  const deprovisions = planned.filter(
    (user) => user.action?.kind === 'disable' || user.action?.kind === 'delete',
  );
  const total = deprovisions.length + groupDeletions;
  if (threshold === 0 || allow || total <= threshold) return 0;
  for (let i = 0; i < planned.length; i++) {
    const user = planned[i] as PlannedUser;
    if (user.action?.kind !== 'disable' && user.action?.kind !== 'delete') continue;
    const verb = user.action.kind === 'delete' ? 'deletion' : 'disable';
    planned[i] = {
      ...user,
      action: null,
      provisioningAction: 'stagedDelete',
      status: 'skipped',
      modifiedProperties: [],
      description: `Staged ${verb}: ${user.description} Not done: ${total} deprovisioning actions in this cycle exceed settings.accidentalDeletionThreshold (${threshold}).`,
      error: {
        code: 'TooManyDeletes',
        reason: `${total} users and groups would be deprovisioned in one cycle; the threshold is ${threshold}.`,
        recommendedAction:
          'Run "npx provisio allow-deletes" if this is intended, or fix the cause and run "npx provisio restart".',
      },
    };
  }
  return total;
}

async function notify(deps: EngineDeps, config: Config, notification: Notification, at: Date): Promise<void> {
  if (!deps.notifier || config.settings.notificationEmail === undefined) return;
  try {
    await deps.notifier.send(notification);
  } catch (error) {
    await deps.store.appendAudit({
      jobId: config.settings.jobId,
      id: randomUUID(),
      activityDateTime: at.toISOString(),
      activity: 'Send notification',
      initiatedBy: 'provisio',
      result: 'failure',
      summary: `The e-mail "${notification.subject}" to ${config.settings.notificationEmail} could not be sent: ${error instanceof Error ? error.message : String(error)}`,
      details: { subject: notification.subject },
    });
  }
}

/** Audit and e-mail when a quarantine begins, changes reason, or ends. */
async function recordQuarantineChange(
  deps: EngineDeps,
  config: Config,
  previous: QuarantineState | null,
  current: QuarantineState | null,
  at: Date,
): Promise<void> {
  const jobId = config.settings.jobId;
  if (previous === null && current === null) return;
  if (previous !== null && current === null) {
    await deps.store.appendAudit({
      jobId,
      id: randomUUID(),
      activityDateTime: at.toISOString(),
      activity: 'Quarantine',
      initiatedBy: 'provisio',
      result: 'success',
      summary: `Quarantine lifted: a cycle succeeded (it began ${previous.seriesBegan} for ${previous.reason}).`,
      details: { reason: previous.reason, lifted: true },
    });
    return;
  }
  const now = current as QuarantineState;
  const reasonChanged = previous !== null && previous.reason !== now.reason;
  await deps.store.appendAudit({
    jobId,
    id: randomUUID(),
    activityDateTime: at.toISOString(),
    activity: 'Quarantine',
    initiatedBy: 'provisio',
    result: 'failure',
    summary: `Quarantine (${now.reason}): ${now.error.message} Next attempt ${now.nextAttempt}.`,
    details: { ...now },
  });
  if (previous === null || reasonChanged)
    await notify(
      deps,
      config,
      quarantineNotification(jobId, now, reasonChanged ? previous.reason : null),
      at,
    );
}
