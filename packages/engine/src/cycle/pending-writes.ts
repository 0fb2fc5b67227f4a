/**
 * Intent before effect (docs/provisioning.md, "Crashes and restarts"): before a batch of user writes
 * is sent, the cycle records each write that decides who did what to a target user (creates,
 * suspensions, lifted suspensions, deletions) as a pending write; the transaction that records the
 * batch's links forgets them. A process killed in between leaves them behind, while the target may
 * have carried the batch out (Zendesk finishes a bulk job it has accepted). The next cycle re-reads
 * the target in full and, where the target shows the intended effect, records it as provisio's own
 * doing: otherwise a suspension provisio made would look like someone else's, and never be lifted.
 *
 * Groups go the same way: a group create (found again by its matching attribute, the name by default)
 * and a group deletion are recorded before the group batch, and forgotten in the transaction that
 * saves the group links; otherwise a group created just before a crash would be matched by name and
 * taken for one provisio adopted (and, adopted, never deleted).
 *
 * Pure functions: what to record before a batch, and what to conclude from a fresh target read.
 */
import type { GroupPlan, TargetGroupIndex } from '../pipeline/group-plan.js';
import type { PlannedUser } from '../pipeline/plan.js';
import { attributeValue, type TargetIndex } from '../pipeline/target-index.js';
import type { GroupLinkRecord, LinkRecord, PendingWriteRecord } from '../ports/state.js';

/** The actions whose outcome decides ownership or a suspension's author; updates are re-planned. */
const RECORDED = new Set<PendingWriteRecord['action']>(['create', 'disable', 'reactivate', 'delete']);

/** The pending writes for one batch of planned users (those whose action is worth recording). */
export function pendingWritesFor(
  jobId: string,
  cycleId: string,
  batch: readonly PlannedUser[],
  matchingAttributes: readonly string[],
  at: Date,
): PendingWriteRecord[] {
  const records: PendingWriteRecord[] = [];
  for (const user of batch) {
    const action = user.action;
    if (action === null || !RECORDED.has(action.kind as PendingWriteRecord['action'])) continue;
    const matchValues: Record<string, unknown> = {};
    if (action.kind === 'create')
      for (const attribute of matchingAttributes) {
        const value = attributeValue(action.attributes, attribute);
        if (value !== undefined && value !== null) matchValues[attribute] = value;
      }
    records.push({
      jobId,
      cycleId,
      objectType: 'user',
      sourceId: user.sourceId,
      targetId: action.kind === 'create' ? null : action.targetId,
      action: action.kind as PendingWriteRecord['action'],
      matchValues,
      displayName: user.displayName,
      created: user.link?.created ?? false,
      createdAt: at.toISOString(),
    });
  }
  return records;
}

/** What reconciliation concluded for one pending write. */
export type Reconciled<L extends LinkRecord | GroupLinkRecord = LinkRecord> =
  | {
      /** The target shows the intended effect and the link did not say so: the link to save. */
      readonly outcome: 'recorded';
      readonly write: PendingWriteRecord;
      readonly link: L;
    }
  | {
      /**
       * Nothing to record: the effect is absent (the next plan does the write again), the link
       * already says so (the crash came after the results were saved), or an operator unlinked the
       * object since; `reason` says which.
       */
      readonly outcome: 'dropped';
      readonly write: PendingWriteRecord;
      readonly reason: 'not carried out' | 'already recorded' | 'unlinked' | 'ambiguous';
    };

/**
 * Compares each pending write with the target as it is now (`index`, read in full) and the link the
 * store holds, and says what to record. Never changes a link an operator unlinked.
 */
export function reconcilePendingWrites(
  writes: readonly PendingWriteRecord[],
  links: ReadonlyMap<string, LinkRecord>,
  index: TargetIndex,
  at: Date,
): Reconciled[] {
  return writes.map((write) => reconcileOne(write, links.get(write.sourceId) ?? null, index, at));
}

function reconcileOne(
  write: PendingWriteRecord,
  link: LinkRecord | null,
  index: TargetIndex,
  at: Date,
): Reconciled {
  const dropped = (reason: Extract<Reconciled, { outcome: 'dropped' }>['reason']): Reconciled => ({
    outcome: 'dropped',
    write,
    reason,
  });
  if (link?.state === 'unlinked') return dropped('unlinked');
  const linkFor = (targetId: string, state: LinkRecord['state'], created: boolean): LinkRecord => ({
    jobId: write.jobId,
    sourceId: write.sourceId,
    targetId,
    state,
    created,
    displayName: write.displayName,
    updatedAt: at.toISOString(),
  });
  const record = (targetId: string, state: LinkRecord['state'], created: boolean): Reconciled =>
    link !== null && link.targetId === targetId && link.state === state && link.created === created
      ? dropped('already recorded')
      : { outcome: 'recorded', write, link: linkFor(targetId, state, created) };

  switch (write.action) {
    case 'create': {
      // The plan created only because no target user matched; one that matches now is the one the
      // batch created (a second match would be a duplicate to leave to the plan).
      const found = new Map<string, ReturnType<TargetIndex['find']>[number]>();
      for (const [attribute, value] of Object.entries(write.matchValues))
        for (const user of index.find(attribute, value)) found.set(user.id, user);
      if (found.size === 0) return dropped('not carried out');
      if (found.size > 1) return dropped('ambiguous');
      const [user] = [...found.values()];
      return record((user as { id: string }).id, 'active', true);
    }
    case 'disable': {
      const user = write.targetId === null ? undefined : index.get(write.targetId);
      if (user === undefined || !user.disabled) return dropped('not carried out');
      return record(user.id, 'disabled', link?.created ?? write.created);
    }
    case 'reactivate': {
      const user = write.targetId === null ? undefined : index.get(write.targetId);
      if (user === undefined || user.disabled) return dropped('not carried out');
      return record(user.id, 'active', link?.created ?? write.created);
    }
    case 'delete': {
      if (write.targetId === null || index.get(write.targetId) !== undefined)
        return dropped('not carried out');
      return record(write.targetId, 'deleted', link?.created ?? write.created);
    }
  }
}

/** The group actions recorded before the group batch: those that decide who owns the group. */
const RECORDED_GROUP = new Set<PendingWriteRecord['action']>(['create', 'delete']);

/** The pending writes for the group batch: creates (with the matching attribute's value) and deletions. */
export function pendingGroupWritesFor(
  jobId: string,
  cycleId: string,
  plans: readonly GroupPlan[],
  matchingAttribute: string,
  links: ReadonlyMap<string, GroupLinkRecord>,
  at: Date,
): PendingWriteRecord[] {
  const records: PendingWriteRecord[] = [];
  for (const plan of plans) {
    const action = plan.action;
    if (action === null || !RECORDED_GROUP.has(action.kind as PendingWriteRecord['action'])) continue;
    const value = action.kind === 'create' ? action.attributes[matchingAttribute] : undefined;
    records.push({
      jobId,
      cycleId,
      objectType: 'group',
      sourceId: plan.sourceId,
      targetId: action.kind === 'delete' ? action.targetId : null,
      action: action.kind as 'create' | 'delete',
      matchValues: value === undefined || value === null ? {} : { [matchingAttribute]: value },
      displayName: plan.displayName,
      created: links.get(plan.sourceId)?.created ?? false,
      createdAt: at.toISOString(),
    });
  }
  return records;
}

/**
 * The group counterpart of `reconcilePendingWrites`: a create whose group exists now (exactly one
 * group with the recorded matching value) is recorded as created by provisio; a deletion whose group
 * is gone is recorded as done. Never changes a link an operator unlinked.
 */
export function reconcilePendingGroupWrites(
  writes: readonly PendingWriteRecord[],
  links: ReadonlyMap<string, GroupLinkRecord>,
  index: TargetGroupIndex,
  at: Date,
): Reconciled<GroupLinkRecord>[] {
  return writes.map((write): Reconciled<GroupLinkRecord> => {
    const link = links.get(write.sourceId) ?? null;
    const dropped = (
      reason: Extract<Reconciled, { outcome: 'dropped' }>['reason'],
    ): Reconciled<GroupLinkRecord> => ({ outcome: 'dropped', write, reason });
    if (link?.state === 'unlinked') return dropped('unlinked');
    const record = (
      targetId: string,
      state: GroupLinkRecord['state'],
      created: boolean,
    ): Reconciled<GroupLinkRecord> =>
      link !== null && link.targetId === targetId && link.state === state && link.created === created
        ? dropped('already recorded')
        : {
            outcome: 'recorded',
            write,
            link: {
              jobId: write.jobId,
              sourceId: write.sourceId,
              targetId,
              state,
              created,
              displayName: write.displayName,
              updatedAt: at.toISOString(),
            },
          };
    if (write.action === 'create') {
      const value = write.matchValues[index.attribute];
      // The plan created only because no group had that name; the one that has it now is the one the
      // batch created (two of them: left to the plan, which reports the duplicate).
      const found = value === undefined ? [] : index.find(value);
      if (found.length === 0) return dropped('not carried out');
      if (found.length > 1) return dropped('ambiguous');
      return record((found[0] as { id: string }).id, 'active', true);
    }
    if (write.action === 'delete') {
      if (write.targetId === null || index.get(write.targetId) !== undefined)
        return dropped('not carried out');
      return record(write.targetId, 'deleted', link?.created ?? write.created);
    }
    return dropped('not carried out');
  });
}

/** The audit summary of a reconciliation ("Reconciled after an interrupted cycle: …"). */
export function reconciliationSummary(
  outcomes: readonly Reconciled<LinkRecord | GroupLinkRecord>[],
  noun: 'write' | 'group write' = 'write',
): string {
  const recorded = outcomes.filter(
    (o): o is Extract<Reconciled<LinkRecord | GroupLinkRecord>, { outcome: 'recorded' }> =>
      o.outcome === 'recorded',
  );
  const words: Record<PendingWriteRecord['action'], string> = {
    create: 'created',
    disable: 'suspended',
    reactivate: 'unsuspended',
    delete: 'deleted',
  };
  const parts = (['create', 'disable', 'reactivate', 'delete'] as const)
    .map((action) => {
      const names = recorded.filter((o) => o.write.action === action).map((o) => o.write.displayName);
      if (names.length === 0) return null;
      const shown = names.slice(0, 10).join(', ');
      return `${names.length} ${words[action]} by provisio (${shown}${names.length > 10 ? `, and ${names.length - 10} more` : ''})`;
    })
    .filter((part): part is string => part !== null);
  const redo = outcomes.filter((o) => o.outcome === 'dropped' && o.reason === 'not carried out').length;
  return `Reconciled after an interrupted cycle: ${outcomes.length} ${noun}${outcomes.length === 1 ? '' : 's'} the cycle had begun; ${
    parts.length > 0 ? `${parts.join('; ')} recorded as provisio's own` : 'none needed recording'
  }${redo > 0 ? `; ${redo} not carried out by the target, planned again` : ''}.`;
}
