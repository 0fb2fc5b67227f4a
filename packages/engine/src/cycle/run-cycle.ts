/**
 * One provisioning cycle, as a short list of stages (docs/provisioning.md, "How a cycle works"):
 *
 *   import → scope, map, match, plan (users) → plan (groups) → guard → export (users) →
 *   groups and memberships → record (escrows, quarantine, job state, cycle record)
 *
 * A cycle is a function of (job configuration, state store, connectors) and nothing else: every
 * piece of job state (watermarks, the target connector's export cursor, the target mirror, whether
 * a first cycle completed, quarantine, allow-deletes) is read from the store at the start and
 * written back, so a cycle in a new process or on another worker does exactly what it would have
 * done in the process that ran the previous one.
 *
 * Crash safety: links, target mirror rows and log entries are saved after each export batch; the
 * source mirror and the watermark only once every batch is done. A cycle killed half-way therefore
 * re-reads the same changes next time (nothing lost), and the cycle after an interrupted one is an
 * initial cycle, which re-reads the target in full: a user created just before the crash is matched
 * by its external_id or e-mail, never duplicated. Before a batch is sent, its creates, suspensions,
 * lifted suspensions and deletions are recorded as pending writes (cycle/pending-writes.ts); the
 * next cycle reconciles any left behind with that full read, so a write the target carried out after
 * provisio stopped is recorded as provisio's own (a suspension it made is lifted when the user
 * returns to scope; a user it created stays "created", not "adopted").
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/load.js';
import { EngineErrorCode, engineErrors } from '../errors/engine.js';
import { toPublicError } from '../errors/public.js';
import { checkMappedUserFields } from '../jobs/targets.js';
import { appendAuditEntry } from '../log/audit.js';
import { buildLogEntry, type LogContext, logContextFor } from '../log/entry.js';
import type { ProvisioningObjectSummary } from '../log/types.js';
import {
  type CredentialOwnerWarning,
  credentialOwnerWarnings,
  protectCredentialOwner,
} from '../pipeline/credential-owner.js';
import {
  describeHeld,
  downgradeOf,
  guardDeletions,
  type HeldActions,
  heldTotal,
  thresholdSetting,
} from '../pipeline/guard.js';
import { importUsers } from '../pipeline/import.js';
import { asTargetMatch, unlinkedTargetIds } from '../pipeline/ownership.js';
import { type PlannedUser, planSettingsFrom, planUser } from '../pipeline/plan.js';
import { protectNamedCreates, protectNamedUsers } from '../pipeline/protected-users.js';
import { attributeValue, driftedUsers, TargetIndex } from '../pipeline/target-index.js';
import { ConnectorFailure } from '../ports/common.js';
import type { EngineDeps } from '../ports/engine.js';
import type { Notification } from '../ports/notifier.js';
import type { AssignmentChanges, ReadUsersResult } from '../ports/source.js';
import type {
  CycleCounts,
  CycleKind,
  CycleRecord,
  EscrowRecord,
  JobRecord,
  LinkRecord,
  PendingWriteRecord,
  SourceUserRecord,
} from '../ports/state.js';
import type { TargetActionResult, TargetConnector, TargetUser } from '../ports/target.js';
import { type EscrowOutcome, escrowKey, settleEscrows } from '../safety/escrow.js';
import {
  credentialOwnerNotification,
  failureNotification,
  quarantineNotification,
} from '../safety/notifications.js';
import {
  imposeQuarantine,
  isCredentialError,
  type QuarantineState,
  tooManyFailures,
} from '../safety/quarantine.js';
import { newJobRecord } from '../state/job-record.js';
import {
  type GroupCycleResult,
  groupsAtRest,
  type PlannedGroups,
  planGroups,
  runGroupCycle,
} from './groups.js';
import { pendingWritesFor, reconcilePendingWrites, reconciliationSummary } from './pending-writes.js';
import * as mirrorStore from './target-mirror.js';
import { type MirrorCache, usableCache } from './target-mirror.js';

export type { EngineDeps } from '../ports/engine.js';
export { newJobRecord } from '../state/job-record.js';

/**
 * Users handed to the target connector at a time; their pending writes, links, mirror rows and log
 * entries are saved together after each batch. 1,000 users are ten Zendesk bulk jobs, polled
 * together (docs/zendesk-limits.md).
 */
const EXPORT_BATCH = 1000;

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
  readonly onProgress?: (progress: CycleProgress) => void;
  /** Names of the service principal and tenant for the log. */
  readonly servicePrincipalName?: string;
  /** Carry out deprovisioning beyond the accidental-deletion threshold (`provisio allow-deletes`). */
  readonly allowDeletes?: boolean;
  /**
   * Called before each write to the target: throws when the job's lease was lost, so that a worker
   * that lost its job stops writing (see cycle/lease.ts).
   */
  readonly checkLease?: () => void;
  /**
   * The target mirror kept in memory between this loop's cycles (an optimisation: a cycle without it,
   * or with a stale one, reads the mirror from the store and does exactly the same).
   */
  readonly cache?: MirrorCache;
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
  /** Actions held back by the accidental-deletion thresholds, all kinds together. */
  readonly staged: number;
  /** The kinds held back, with their counts and thresholds (empty: none); the cycle's state is then `held`. */
  readonly held: readonly HeldActions[];
  /** The job's quarantine after this cycle, if any. */
  readonly quarantine: QuarantineState | null;
  /** The group half (absent when group provisioning is off). */
  readonly groups?: GroupCycleResult;
  /**
   * What the cycle left undone for the user behind the target connector's credentials, and why
   * (pipeline/credential-owner.ts); empty when nothing was held back.
   */
  readonly warnings: readonly CredentialOwnerWarning[];
}

type Counts = { -readonly [K in keyof CycleCounts]: CycleCounts[K] };

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

/**
 * Whether the next cycle of a job is an initial cycle: asked for, never reconciled, the watermark
 * or configuration changed, or the previous cycle was cut short (its target writes may be missing
 * from the target mirror: read the target in full).
 */
export function nextCycleKind(
  job: JobRecord,
  configHash: string,
  previousInterrupted: boolean,
  forceInitial = false,
): CycleKind {
  return forceInitial ||
    previousInterrupted ||
    job.watermark === null ||
    job.reconciledAt === null ||
    job.configHash !== configHash
    ? 'initial'
    : 'incremental';
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
  const checkLease = options.checkLease ?? (() => {});
  const job = (await store.getJob(jobId)) ?? newJobRecord(jobId, startedAt);

  // A cycle still "running" in the store was cut short (its process was killed): say so.
  const stale = (await store.listCycles(jobId, 20)).filter((cycle) => cycle.state === 'running');
  // Writes an earlier cycle began but never recorded (cycle/pending-writes.ts): the target is read in
  // full, and what it shows is recorded as provisio's own doing before anything is planned.
  const pending = await store.listPendingWrites(jobId);
  const kind = nextCycleKind(job, config.hash, stale.length > 0 || pending.length > 0, options.forceInitial);
  const counts: Counts = { ...emptyCycleCounts };
  const cycleRecord = (
    state: CycleRecord['state'],
    endedAt: Date | null,
    error: { code: string; message: string } | null,
  ): CycleRecord => ({
    jobId,
    cycleId,
    kind,
    state,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt?.toISOString() ?? null,
    counts: { ...counts },
    error: error?.message ?? null,
    errorCode: error?.code ?? null,
  });
  if (!dryRun) {
    for (const cycle of stale)
      await store.saveCycle({
        ...cycle,
        state: 'failed',
        endedAt: startedAt.toISOString(),
        error: engineErrors.info(EngineErrorCode.Interrupted).publicMessage,
        errorCode: EngineErrorCode.Interrupted,
      });
    await store.saveCycle(cycleRecord('running', null, null));
  }
  target.restoreState(job.targetState);
  // The in-memory mirror, when it is still what the store holds; then this cycle's writes make a new
  // version (set before the first write, so that a failure leaves no cache claiming it).
  const warm = dryRun || kind === 'initial' ? null : usableCache(options.cache, job);
  if (!dryRun) {
    if (options.cache) options.cache.version = null;
    await store.updateJob(jobId, { mirrorVersion: cycleId }, startedAt);
  }
  const requestsBefore = targetRequests(target);

  try {
    // ── the targets: a mapping to a custom user field the account lacks fails the cycle here,
    // before anything is read or written (docs/mappings.md#zendesk-attributes) ──
    await checkMappedUserFields(target, jobId, config.users.mappings.mappings);

    // ── import ──
    progress({ phase: 'source', done: 0, total: null });
    const allEscrows = await store.listEscrows(jobId);
    const escrows = new Map(
      allEscrows.filter((escrow) => escrow.objectType === 'user').map((escrow) => [escrow.objectId, escrow]),
    );
    // The change list is dropped once merged into the mirror (a full read of a large tenant is
    // then held once, in the mirror records).
    const { full, usersWatermark, assignments, mirror, links, changed, evaluate } = await (async () => {
      const read = await source.readUsers({
        watermark: kind === 'initial' ? null : job.watermark,
        select: config.users.select,
        onProgress: (done) => progress({ phase: 'source', done, total: null }),
      });
      const full = kind === 'initial' || read.fullRead;
      // Only the rows this cycle needs are read from the store (docs/performance.md#what-a-cycle-reads):
      // everything on a full read or an assignment sweep, else the users that changed.
      const side = await readSourceSide(deps, config, job, read, full, escrows);
      const imported = importUsers({
        jobId,
        full,
        changes: read.changes,
        assignments: side.assignments,
        mirror: side.mirror,
        links: side.links,
        escrows,
        now: clock.now(),
      });
      counts.imported = read.changes.length;
      return { full, usersWatermark: read.watermark, ...side, ...imported };
    })();

    // ── the target: read in full on an initial cycle, otherwise the mirror plus what changed ──
    progress({ phase: 'target', done: 0, total: null });
    const { index, drifted } = await readTarget(
      deps,
      config,
      kind,
      dryRun,
      warm,
      links,
      full,
      evaluate,
      (done) => progress({ phase: 'target', done, total: null }),
    );
    // The links and mirror records of every user this cycle evaluates (all of them already on a
    // full read; users whose Zendesk record drifted were found by the target side just now).
    if (!full) {
      const ids = [...evaluate.keys()];
      for (const link of await store.getLinks(jobId, ids)) links.set(link.sourceId, link);
      const missing = ids.filter((id) => !mirror.has(id) && !changed.has(id));
      for (const record of await store.getSourceUsers(jobId, missing)) mirror.set(record.sourceId, record);
      if (!index.complete)
        await mirrorStore.loadUsersInto(
          store,
          jobId,
          index,
          [...links.values()].map((link) => link.targetId),
        );
    }
    // Users named in settings.protectedUsers (the account owner…) are never adopted, changed or deleted.
    index.protectWith(protectNamedUsers(config.settings.protectedUsers, target));
    // User writes here; group writes when the groups are planned (cycle/groups.ts).
    const pendingUsers = pending.filter((write) => write.objectType === 'user');
    if (pendingUsers.length > 0) await reconcileInterrupted(deps, jobId, pendingUsers, links, index, dryRun);

    // ── scope, map, match, plan: users (never a write to the credentials' owner) ──
    const owner = await target.credentialOwner();
    const settings = planSettingsFrom(config);
    const ids = full ? [...new Set([...changed.keys(), ...mirror.keys()])] : [...evaluate.keys()];
    const plannedUsers: PlannedUser[] = [];
    const planTime = clock.now();
    const unlinkedTargets = full
      ? unlinkedTargetIds(links.values())
      : unlinkedTargetIds(await store.listLinksInState(jobId, 'unlinked'));
    const protectCreate = protectNamedCreates(config.settings.protectedUsers, target);
    const planOne = (id: string, record: SourceUserRecord | undefined, link: LinkRecord | null) =>
      protectCredentialOwner(
        protectCreate(
          planUser(
            settings,
            target,
            index,
            {
              sourceId: id,
              attributes: record?.attributes ?? {},
              assignments: record?.assignments ?? [],
              removed: record ? record.removed : 'soft',
              link,
              change: evaluate.get(id) ?? 'None',
              unlinkedTargets,
            },
            planTime,
          ),
        ),
        owner,
        target,
      );
    const context = logContextFor(deps, config, cycleId, {
      ...(options.servicePrincipalName ? { servicePrincipalName: options.servicePrincipalName } : {}),
    });
    // Users out of scope that provisio never touched (no link, no escrow) are only logged: their
    // entries are written as they are planned, and the plan keeps a count of them, not the users,
    // so that a tenant of a million users whose scoping filter keeps a tenth is planned in the
    // memory of that tenth (docs/performance.md#what-a-cycle-reads).
    let untouched = 0;
    let untouchedEntries: ProvisioningObjectSummary[] = [];
    const flushUntouched = async () => {
      if (untouchedEntries.length > 0) await store.appendLogs(untouchedEntries);
      untouchedEntries = [];
    };
    let plannedCount = 0;
    for (const id of ids) {
      const record = changed.get(id) ?? mirror.get(id);
      const link = links.get(id) ?? null;
      if (!record && !link) continue;
      const planned = planOne(id, record, link);
      if (++plannedCount % 1000 === 0) progress({ phase: 'plan', done: plannedCount, total: ids.length });
      if (!dryRun && isUntouched(planned, escrows)) {
        untouched++;
        untouchedEntries.push(buildLogEntry(context, planned, undefined, clock.now(), 0));
        if (untouchedEntries.length >= 1000) await flushUntouched();
        continue;
      }
      plannedUsers.push(planned);
    }
    await flushUntouched();
    // Creates the target would turn into updates of users made there since provisio last read it
    // (the change export leaves out the last minute): looked up, then planned again as the matches
    // they are, with the users' real earlier values. An initial cycle read every user already.
    // With only part of the mirror in memory, the mirror is asked first (no request to the target).
    if (kind === 'incremental') {
      const planCreatesAgain = () => {
        for (const [at, user] of plannedUsers.entries())
          if (user.action?.kind === 'create')
            plannedUsers[at] = planOne(
              user.sourceId,
              changed.get(user.sourceId) ?? mirror.get(user.sourceId),
              links.get(user.sourceId) ?? null,
            );
      };
      if (!index.complete) {
        const mirrored = await mirrorStore.findUsersByKey(
          store,
          jobId,
          index,
          createKeys(index, plannedUsers),
        );
        if (mirrored.length > 0) {
          index.put(mirrored);
          planCreatesAgain();
        }
      }
      const found = await findTargetMatches(target, plannedUsers);
      if (found.length > 0) {
        index.put(found);
        if (!dryRun) await mirrorStore.saveUsers(store, jobId, found, index);
        planCreatesAgain();
      }
    }
    progress({ phase: 'plan', done: plannedUsers.length, total: ids.length });
    counts.inScope = plannedUsers.filter((user) => user.scope.inScope).length;

    // ── plan: groups (read and planned now, nothing written, so the guard sees every deprovisioning) ──
    const groupInput = {
      deps,
      config,
      job,
      kind,
      assignments,
      dryRun,
      warm,
      credentialOwnerId: owner?.targetId ?? null,
    };
    const groupsRead = config.groups.enabled ? await planGroups(groupInput) : null;
    // With group provisioning turned off no group is planned: group writes left pending are forgotten
    // (else every cycle would be an initial one).
    const pendingGroups = pending.filter((write) => write.objectType === 'group');
    if (!config.groups.enabled && !dryRun && pendingGroups.length > 0)
      await store.settlePendingGroupWrites(
        jobId,
        pendingGroups.map((write) => write.sourceId),
        [],
      );

    // ── guard ──
    const allowDeletes = options.allowDeletes === true || job.allowDeletes;
    const guarded = guardDeletions({
      users: plannedUsers,
      groups: groupsRead?.plans ?? [],
      threshold: config.settings.accidentalDeletionThreshold,
      downgradeThreshold: config.settings.downgradeThreshold,
      isDowngrade: downgradeOf(target),
      allow: allowDeletes,
    });
    const plannedGroups: PlannedGroups | null = groupsRead ? { ...groupsRead, plans: guarded.groups } : null;
    const heldOf = (groups: GroupCycleResult | undefined): HeldActions[] => [
      ...guarded.held,
      ...(groups?.held ? [groups.held] : []),
    ];
    const warnings = credentialOwnerWarnings(guarded.users, owner);
    const userNames = new Map(guarded.users.map((u) => [u.sourceId, u.displayName]));
    const wholeIndex = async () => {
      const whole = await mirrorStore.loadUserIndex(store, jobId, index.attributes, (attribute, value) =>
        target.matchKey(attribute, value),
      );
      whole.protectWith(protectNamedUsers(config.settings.protectedUsers, target));
      return whole;
    };
    // The groups' half looks at every member: it needs the whole target mirror and every link.
    const groupCycle = async (userLinks: ReadonlyMap<string, LinkRecord>) =>
      runGroupCycle({
        ...groupInput,
        planned: plannedGroups as PlannedGroups,
        allowRemovals: allowDeletes,
        userLinks,
        userIndex: index.complete ? index : await wholeIndex(),
        userNames,
        context,
        escrows: allEscrows.filter((escrow) => escrow.objectType !== 'user'),
      });

    if (dryRun) {
      tally(counts, guarded.users, new Map());
      const groupsPlan = plannedGroups
        ? await groupCycle(full ? links : await linksOf(store, jobId))
        : undefined;
      const held = heldOf(groupsPlan);
      return {
        cycleId,
        kind,
        state: held.length > 0 ? 'held' : 'succeeded',
        startedAt,
        durationMs: clock.now().getTime() - startedAt.getTime(),
        counts: { ...counts, targetRequests: targetRequests(target) - requestsBefore },
        planned: guarded.users,
        results: new Map(),
        error: null,
        staged: heldTotal(held),
        held,
        quarantine: job.quarantine,
        ...(groupsPlan ? { groups: groupsPlan } : {}),
        warnings,
      };
    }

    // Warnings new since the owner's last log entry are e-mailed (once, not every cycle).
    const newWarnings = await newCredentialOwnerWarnings(deps, jobId, warnings);
    // ── export: users, in batches; links, target mirror and log entries saved after each ──
    const exported = await exportUsers(
      deps,
      context,
      guarded.users,
      index,
      config.users.mappings.matching.map((m) => m.target),
      checkLease,
      progress,
    );
    const results = exported.results;
    // Creates the target turned into updates of users it already held are reported as the matches they were.
    const planned = guarded.users.map((user) => exported.adopted.get(user.sourceId) ?? user);

    // ── groups and memberships, once the users are in place ──
    let groupsResult: GroupCycleResult | undefined;
    // Nothing the groups' half depends on moved (no group changed, no user written or drifted, no
    // group or membership waiting in escrow): its plan would be the previous cycle's, which left
    // nothing to do, so it is not made again and no link is read (docs/performance.md#what-a-cycle-reads).
    const usersMoved =
      results.size > 0 || drifted > 0 || guarded.users.some((user) => user.newLink || user.linkState);
    const groupsSettled =
      plannedGroups !== null &&
      kind === 'incremental' &&
      !allowDeletes &&
      // a quarantine may be holding membership removals back: they are planned again until allowed
      job.quarantine === null &&
      !usersMoved &&
      allEscrows.every((escrow) => escrow.objectType === 'user') &&
      groupsAtRest(plannedGroups);
    if (plannedGroups && !groupsSettled) {
      progress({ phase: 'groups', done: 0, total: null });
      checkLease();
      groupsResult = await groupCycle(await linksOf(store, jobId));
      Object.assign(counts, {
        groupsCreated: groupsResult.counts.groupsCreated,
        groupsUpdated: groupsResult.counts.groupsUpdated,
        groupsDeleted: groupsResult.counts.groupsDeleted,
        membershipsAdded: groupsResult.counts.membershipsAdded,
        membershipsRemoved: groupsResult.counts.membershipsRemoved,
        membershipsSkipped: groupsResult.counts.membershipsSkipped,
      });
    }

    // ── record ──
    progress({ phase: 'save', done: 0, total: null });
    const finished = clock.now();
    const { newEscrows, failures } = await recordEscrows(deps, jobId, planned, results, escrows, finished);
    // Staged users are flagged, so that they are evaluated again next cycle.
    for (const user of planned) {
      const record = changed.get(user.sourceId) ?? mirror.get(user.sourceId);
      const isStaged = user.provisioningAction === 'stagedDelete';
      if (record && record.staged !== isStaged)
        changed.set(user.sourceId, { ...record, staged: isStaged, updatedAt: finished.toISOString() });
    }
    // The mirror, then the watermark: a crash between the two re-reads changes already merged, which is harmless.
    await store.saveSourceUsers([...changed.values()] as SourceUserRecord[]);
    tally(counts, planned, results);
    counts.skipped += untouched;
    if (groupsResult) counts.failed += groupsResult.counts.failed;
    counts.targetRequests = targetRequests(target) - requestsBefore;
    const ended = clock.now();
    const attempted =
      planned.filter((user) => user.action !== null).length +
      planned.filter((user) => user.action === null && user.status === 'failure').length +
      (groupsResult?.attempted ?? 0);
    const held = heldOf(groupsResult);
    const staged = heldTotal(held);
    const quarantine = decideQuarantine(
      config,
      job.quarantine,
      held,
      counts,
      attempted,
      failures,
      cycleId,
      ended,
    );
    // Only this cycle's fields: pause, resume or allow-deletes run meanwhile are kept.
    const latest = await store.getJob(jobId);
    await store.updateJob(
      jobId,
      {
        status: quarantine ? 'Quarantine' : latest?.status === 'Paused' ? 'Paused' : 'Active',
        quarantine,
        configHash: config.hash,
        watermark: usersWatermark,
        watermarkAt: ended.toISOString(),
        assignmentWatermark: assignments.settleWatermark?.(ended) ?? assignments.watermark,
        ...(plannedGroups ? { groupWatermark: plannedGroups.watermark } : {}),
        ...(allowDeletes && job.allowDeletes ? { allowDeletes: false } : {}),
        targetState: target.saveState(),
        ...(kind === 'initial' ? { reconciledAt: ended.toISOString() } : {}),
      },
      ended,
    );
    await recordQuarantineChange(deps, config, job.quarantine, quarantine, ended);
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
    if (newWarnings.length > 0)
      await notify(deps, config, credentialOwnerNotification(jobId, cycleId, newWarnings), ended);
    // A cycle that held actions back says so (its record carries why), whatever else it did.
    const state: CycleRecord['state'] =
      held.length > 0 ? 'held' : counts.failed > 0 ? 'entryLevelErrors' : 'succeeded';
    await store.saveCycle(
      cycleRecord(
        state,
        ended,
        held.length > 0
          ? { code: EngineErrorCode.TooManyDeletes, message: `held: ${describeHeld(held)}` }
          : null,
      ),
    );
    if (options.cache)
      Object.assign(options.cache, {
        version: cycleId,
        users: index.complete ? index : null,
        groups: plannedGroups ? [...plannedGroups.index.values()] : null,
        memberships: groupsResult ? groupsResult.membershipIndex : (warm?.memberships ?? null),
      });
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
      held,
      quarantine,
      ...(groupsResult ? { groups: groupsResult } : {}),
      warnings,
    };
  } catch (error) {
    const failure = toPublicError(error);
    counts.targetRequests = targetRequests(target) - requestsBefore;
    const ended = clock.now();
    if (!dryRun) {
      await store.saveCycle(cycleRecord('failed', ended, failure));
      // Refused credentials quarantine the job whatever the counts.
      if (error instanceof ConnectorFailure && isCredentialError(error.detail)) {
        const current = (await store.getJob(jobId)) ?? job;
        const quarantine = imposeQuarantine(
          current.quarantine,
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
        await store.updateJob(jobId, { status: 'Quarantine', quarantine }, ended);
        await recordQuarantineChange(deps, config, current.quarantine, quarantine, ended);
      }
    }
    throw error;
  }
}

/**
 * The target index for this cycle: on an initial cycle every target user, read in bulk (and the
 * target mirror replaced); otherwise the target mirror from the store, plus the users the target
 * reports as changed since the last cycle (edits made in the target: those users are evaluated).
 */
async function readTarget(
  deps: EngineDeps,
  config: Config,
  kind: CycleKind,
  dryRun: boolean,
  warm: MirrorCache | null,
  links: ReadonlyMap<string, LinkRecord>,
  allLinks: boolean,
  evaluate: Map<string, PlannedUser['change']>,
  onProgress: (done: number) => void,
): Promise<{ index: TargetIndex; drifted: number }> {
  const { store, target } = deps;
  const jobId = config.settings.jobId;
  const attributes = config.users.mappings.matching.map((m) => m.target);
  const key = (attribute: string, value: unknown) => target.matchKey(attribute, value);
  if (kind === 'initial') {
    const users = await target.loadUsers(onProgress);
    const index = new TargetIndex(attributes, key);
    if (!dryRun) await mirrorStore.replaceUsers(store, jobId, users, index);
    index.put(users);
    return { index, drifted: 0 };
  }
  // Without the mirror in memory, a cycle that evaluates only what changed reads only the users it
  // needs (the ones the change export returns now, its links' targets and its creates' matches
  // later); one that evaluates everyone, or whose mappings ask whether a value exists in the target
  // (SelectUniqueValue), reads the whole mirror.
  const whole = allLinks || config.users.mappings.mappings.some(asksTheTarget);
  const index =
    warm?.users ??
    (whole
      ? await mirrorStore.loadUserIndex(store, jobId, attributes, key)
      : new TargetIndex(attributes, key, false));
  const changedInTarget = await target.loadChangedUsers();
  if (!index.complete)
    await mirrorStore.loadUsersInto(
      store,
      jobId,
      index,
      changedInTarget.map((user) => user.id),
    );
  // Only users whose target record differs from what the mirror holds in an attribute provisio
  // manages (the export also returns provisio's own recent writes, which the mirror already has,
  // and the target touches other attributes without anything to reconcile).
  const watched = [
    ...new Set([...config.users.mappings.mappings.map((m) => m.target), ...target.driftAttributes]),
  ];
  const drifted = driftedUsers(changedInTarget, (id) => index.get(id), watched);
  index.put(drifted);
  if (!dryRun) await mirrorStore.saveUsers(store, jobId, drifted, index);
  if (drifted.length === 0) return { index, drifted: 0 };
  const linked = allLinks
    ? [...links.values()]
    : await store.getLinksByTarget(
        jobId,
        drifted.map((user) => user.id),
      );
  const byTarget = new Map(linked.map((link) => [link.targetId, link.sourceId]));
  for (const user of drifted) {
    const sourceId = byTarget.get(user.id);
    if (sourceId !== undefined && !evaluate.has(sourceId)) evaluate.set(sourceId, 'None');
  }
  return { index, drifted: drifted.length };
}

/** Whether a mapping asks the target whether a value is taken (SelectUniqueValue). */
function asksTheTarget(mapping: Config['users']['mappings']['mappings'][number]): boolean {
  return mapping.type === 'Expression' && /SelectUniqueValue/i.test(mapping.source ?? '');
}

async function linksOf(store: EngineDeps['store'], jobId: string): Promise<Map<string, LinkRecord>> {
  return new Map((await store.listLinks(jobId)).map((link) => [link.sourceId, link]));
}

/**
 * What the source side of a cycle needs from the assignments and the store. A full read of the
 * users reads the whole source mirror and every link; otherwise only the records of the users the
 * change feed reported, whose assignments were read, that are staged or whose escrow is due, and on
 * a sweep of the assignments those the mirror remembers as assigned; and no link yet (the links of the users to evaluate are read once the
 * target's changes are known). The users the feed reports as new or restored have their
 * assignments read at once, so that a user created and assigned a moment ago is provisioned now.
 */
async function readSourceSide(
  deps: EngineDeps,
  config: Config,
  job: JobRecord,
  read: ReadUsersResult,
  full: boolean,
  escrows: ReadonlyMap<string, EscrowRecord>,
): Promise<{
  assignments: AssignmentChanges;
  mirror: Map<string, SourceUserRecord>;
  links: Map<string, LinkRecord>;
}> {
  const { store, source, clock } = deps;
  const jobId = config.settings.jobId;
  const request = {
    sweepIntervalMs: config.settings.assignmentSweepIntervalMs,
    sweepRequestsPerMinute: config.settings.assignmentSweepRequestsPerMinute,
    now: clock.now(),
  };
  if (full) {
    const assignments = await source.readAssignmentChanges({ ...request, watermark: null, users: [] });
    return { assignments, ...(await readWholeMirror(store, jobId)) };
  }
  const changedIds = [...new Set(read.changes.map((c) => (c.kind === 'upsert' ? c.user.id : c.id)))];
  const mirror = new Map((await store.getSourceUsers(jobId, changedIds)).map((r) => [r.sourceId, r]));
  const arriving = read.changes.flatMap((change) => {
    if (change.kind !== 'upsert') return [];
    const known = mirror.get(change.user.id);
    return known === undefined || known.removed !== null ? [change.user.id] : [];
  });
  const assignments = await source.readAssignmentChanges({
    ...request,
    watermark: job.assignmentWatermark,
    users: [...new Set(arriving)],
  });
  // A sweep compares every user the mirror remembers as assigned with what it read; a user it does
  // not remember as assigned and the sweep does not list has nothing to compare.
  if (assignments.complete)
    for (const record of await store.listAssignedSourceUsers(jobId)) mirror.set(record.sourceId, record);
  const more = [...assignments.byUser.keys(), ...escrows.keys()].filter((id) => !mirror.has(id));
  for (const record of await store.getSourceUsers(jobId, more)) mirror.set(record.sourceId, record);
  for (const record of await store.listStagedSourceUsers(jobId)) mirror.set(record.sourceId, record);
  return { assignments, mirror, links: new Map() };
}

async function readWholeMirror(
  store: EngineDeps['store'],
  jobId: string,
): Promise<{ mirror: Map<string, SourceUserRecord>; links: Map<string, LinkRecord> }> {
  const [records, links] = await Promise.all([store.listSourceUsers(jobId), store.listLinks(jobId)]);
  return {
    mirror: new Map(records.map((record) => [record.sourceId, record])),
    links: new Map(links.map((link) => [link.sourceId, link])),
  };
}

/**
 * A user planned out of scope that provisio never wrote, linked or failed on: nothing to do, now or
 * later, beyond its log entry.
 */
function isUntouched(user: PlannedUser, escrows: ReadonlyMap<string, EscrowRecord>): boolean {
  return (
    user.action === null &&
    !user.scope.inScope &&
    user.status !== 'failure' &&
    user.link === null &&
    user.newLink === undefined &&
    user.linkState === undefined &&
    user.provisioningAction !== 'stagedDelete' &&
    user.error?.code !== 'RedundantExport' &&
    !escrows.has(user.sourceId)
  );
}

/** The match keys of the planned creates' matching attributes (`TargetIndex.storedKey`). */
function createKeys(index: TargetIndex, planned: readonly PlannedUser[]): string[] {
  const keys: string[] = [];
  for (const user of planned)
    if (user.action?.kind === 'create')
      for (const attribute of index.attributes) {
        const key = index.storedKey(attribute, attributeValue(user.action.attributes, attribute));
        if (key !== null) keys.push(key);
      }
  return keys;
}

/**
 * The target users the planned creates would update instead (`TargetConnector.findUsers`): none
 * when the target cannot say or nothing is created.
 */
async function findTargetMatches(
  target: TargetConnector,
  planned: readonly PlannedUser[],
): Promise<readonly TargetUser[]> {
  if (target.findUsers === undefined) return [];
  const creates: Readonly<Record<string, unknown>>[] = [];
  for (const user of planned) if (user.action?.kind === 'create') creates.push(user.action.attributes);
  if (creates.length === 0) return [];
  return (await target.findUsers(creates)).filter((user) => user.active);
}

/**
 * Records what an interrupted cycle's pending writes did (the target was just read in full): links
 * that say provisio created, suspended, unsuspended or deleted the user where the target shows it,
 * saved with the pending writes forgotten in one transaction, and an audit entry. A dry run only
 * corrects `links` in memory, so that its plan is the one a real cycle would make.
 */
async function reconcileInterrupted(
  deps: EngineDeps,
  jobId: string,
  pending: readonly PendingWriteRecord[],
  links: Map<string, LinkRecord>,
  index: TargetIndex,
  dryRun: boolean,
): Promise<void> {
  const at = deps.clock.now();
  const outcomes = reconcilePendingWrites(pending, links, index, at);
  const recorded: LinkRecord[] = [];
  for (const outcome of outcomes)
    if (outcome.outcome === 'recorded') {
      links.set(outcome.link.sourceId, outcome.link);
      recorded.push(outcome.link);
    }
  if (dryRun) return;
  await deps.store.settlePendingWrites(
    jobId,
    pending.map((write) => write.sourceId),
    recorded,
  );
  await appendAuditEntry(deps.store, jobId, at, {
    activity: 'Reconcile interrupted cycle',
    initiatedBy: 'provisio',
    summary: reconciliationSummary(outcomes),
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

/**
 * Carries out the users' actions in batches. Before each batch is sent, its creates, suspensions,
 * lifted suspensions and deletions are recorded as pending writes; after it, the target mirror and
 * log entries are saved, then the links with the pending writes forgotten (one transaction).
 */
async function exportUsers(
  deps: EngineDeps,
  context: LogContext,
  planned: readonly PlannedUser[],
  index: TargetIndex,
  matchingAttributes: readonly string[],
  checkLease: () => void,
  progress: (progress: CycleProgress) => void,
): Promise<{ results: Map<string, TargetActionResult>; adopted: Map<string, PlannedUser> }> {
  const { store, target, clock } = deps;
  const jobId = context.jobId;
  const results = new Map<string, TargetActionResult>();
  const adopted = new Map<string, PlannedUser>();
  const withAction = planned.filter((user) => user.action !== null);
  let exported = 0;
  progress({ phase: 'export', done: 0, total: withAction.length });
  for (let start = 0; start < withAction.length; start += EXPORT_BATCH) {
    checkLease();
    const batch = withAction.slice(start, start + EXPORT_BATCH);
    const began = clock.now();
    const intents = pendingWritesFor(jobId, context.cycleId, batch, matchingAttributes, began);
    await store.savePendingWrites(intents);
    const batchResults = await target.apply(
      batch.map((user) => user.action as NonNullable<PlannedUser['action']>),
      (p) => progress({ phase: 'export', done: exported + p.done, total: withAction.length }),
    );
    for (const result of batchResults) results.set(result.key, result);
    const ended = clock.now();
    const perObject = Math.round((ended.getTime() - began.getTime()) / Math.max(1, batch.length));
    const newLinks: LinkRecord[] = [];
    const entries: ProvisioningObjectSummary[] = [];
    const written: TargetUser[] = [];
    for (const planned of batch) {
      const result = results.get(planned.sourceId) ?? missingResult(planned.sourceId);
      if (!results.has(planned.sourceId)) results.set(planned.sourceId, result);
      const user = result.ok ? asTargetMatch(planned, result, index.get(result.user.id), target) : planned;
      if (user !== planned) adopted.set(user.sourceId, user);
      entries.push(buildLogEntry(context, user, result, ended, perObject));
      if (!result.ok) continue;
      const kindDone = (user.action as NonNullable<PlannedUser['action']>).kind;
      const after = kindDone === 'delete' ? { ...result.user, active: false } : result.user;
      index.put([after]);
      written.push(after);
      newLinks.push(linkAfter(jobId, user, result.user.id, kindDone, ended));
    }
    await mirrorStore.saveUsers(store, jobId, written, index);
    await store.appendLogs(entries);
    await store.settlePendingWrites(
      jobId,
      intents.map((intent) => intent.sourceId),
      newLinks,
    );
    exported += batch.length;
    progress({ phase: 'export', done: exported, total: withAction.length });
  }
  // Users without a write: links to record (a matched user already in sync, a target gone), and their entries.
  const finished = clock.now();
  const withoutAction = planned.filter((user) => user.action === null);
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
  return { results, adopted };
}

/** The link after a successful write (one builder for the cycle and provisioning on demand). */
export function linkAfter(
  jobId: string,
  user: Pick<PlannedUser, 'sourceId' | 'displayName' | 'link'>,
  targetId: string,
  kindDone: NonNullable<PlannedUser['action']>['kind'],
  at: Date,
): LinkRecord {
  return {
    jobId,
    sourceId: user.sourceId,
    targetId,
    state: kindDone === 'delete' ? 'deleted' : kindDone === 'disable' ? 'disabled' : 'active',
    created: kindDone === 'create' ? true : (user.link?.created ?? false),
    displayName: user.displayName,
    updatedAt: at.toISOString(),
  };
}

/** Failed users wait in escrow for their next attempt; successes clear theirs. */
async function recordEscrows(
  deps: EngineDeps,
  jobId: string,
  planned: readonly PlannedUser[],
  results: ReadonlyMap<string, TargetActionResult>,
  escrows: ReadonlyMap<string, EscrowRecord>,
  at: Date,
): Promise<{
  newEscrows: EscrowRecord[];
  failures: { displayName: string; code: string; message: string; request?: string }[];
}> {
  const failures: { displayName: string; code: string; message: string; request?: string }[] = [];
  const outcomes: EscrowOutcome[] = planned.map((user) => {
    const result = results.get(user.sourceId);
    const error =
      result && !result.ok
        ? { code: result.error.code, message: result.error.message, request: result.error.request }
        : user.status === 'failure' && user.error
          ? { code: user.error.code, message: user.error.reason, request: undefined }
          : null;
    if (error)
      failures.push({
        displayName: user.displayName,
        code: error.code,
        message: error.message,
        ...(error.request ? { request: error.request } : {}),
      });
    return { objectType: 'user', objectId: user.sourceId, displayName: user.displayName, error };
  });
  const existing = new Map([...escrows.values()].map((e) => [escrowKey(e.objectType, e.objectId), e]));
  const { save, clear } = settleEscrows(jobId, outcomes, existing, at);
  await deps.store.saveEscrows(save);
  await deps.store.deleteEscrows(jobId, clear);
  return { newEscrows: save, failures };
}

/** The quarantine after a cycle: too many deprovisionings staged, or too many failures; else none. */
function decideQuarantine(
  config: Config,
  previous: QuarantineState | null,
  held: readonly HeldActions[],
  counts: CycleCounts,
  attempted: number,
  failures: readonly { displayName: string; code: string; message: string; request?: string }[],
  cycleId: string,
  at: Date,
): QuarantineState | null {
  if (held.length > 0)
    return imposeQuarantine(
      previous,
      'TooManyDeletes',
      {
        code: EngineErrorCode.TooManyDeletes,
        message: `Held: ${held.map((h) => `${describeHeld([h])} (${thresholdSetting[h.kind]})`).join('; ')}.`,
        failingRequests: [],
        objects: heldTotal(held),
      },
      at,
      config.settings.intervalMs,
    );
  if (!tooManyFailures(counts.failed, attempted)) return null;
  const first = failures[0];
  return imposeQuarantine(
    previous,
    'EncounteredEscrowProportionThreshold',
    {
      code: first?.code ?? EngineErrorCode.InternalError,
      message: `${counts.failed} of ${attempted} objects failed in cycle ${cycleId}${first ? `; first: ${first.displayName}: ${first.message}` : ''}.`,
      failingRequests: failures
        .filter((f) => f.request)
        .slice(0, 5)
        .map((f) => `${f.request} → ${f.code}`),
      objects: counts.failed,
    },
    at,
    config.settings.intervalMs,
  );
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
  counts: Counts,
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

/**
 * The warnings about the credentials' owner that are new: the user's newest provisioning-log entry
 * (before this cycle's) is not already such a warning. A situation that lasts is e-mailed once.
 */
async function newCredentialOwnerWarnings(
  deps: EngineDeps,
  jobId: string,
  warnings: readonly CredentialOwnerWarning[],
): Promise<CredentialOwnerWarning[]> {
  const fresh: CredentialOwnerWarning[] = [];
  for (const warning of warnings) {
    const [last] = await deps.store.queryLogs({ jobId, identity: warning.sourceId, limit: 1 });
    const already =
      last?.provisioningStatusInfo.status === 'warning' &&
      last.provisioningStatusInfo.errorInformation?.errorCode === warning.code;
    if (!already) fresh.push(warning);
  }
  return fresh;
}

async function notify(deps: EngineDeps, config: Config, notification: Notification, at: Date): Promise<void> {
  if (!deps.notifier || config.settings.notificationEmail === undefined) return;
  try {
    await deps.notifier.send(notification);
  } catch (error) {
    await appendAuditEntry(deps.store, config.settings.jobId, at, {
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
    await appendAuditEntry(deps.store, jobId, at, {
      activity: 'Quarantine',
      initiatedBy: 'provisio',
      summary: `Quarantine lifted: a cycle succeeded (it began ${previous.seriesBegan} for ${previous.reason}).`,
      details: { reason: previous.reason, lifted: true },
    });
    return;
  }
  const now = current as QuarantineState;
  const reasonChanged = previous !== null && previous.reason !== now.reason;
  await appendAuditEntry(deps.store, jobId, at, {
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
