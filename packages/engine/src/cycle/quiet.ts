/**
 * Quiet cycles and the idle back-off (docs/operations.md#the-schedule). A job runs its cycles every
 * `settings.interval` (5 s by default); a cycle that found nothing to do is "quiet". After a minute
 * of quiet cycles in a row, the wait doubles after each further quiet one, up to
 * `settings.idleInterval`; any cycle that did something brings the wait back to the interval at once.
 *
 * One definition of quiet serves the loop (cycle/sync-loop.ts), the queue scheduler (the server's
 * scheduler/due.ts, from the store) and the store's cycle list, where quiet cycles in a row fold into
 * one record (`counts.quietRepeats`): 17,000 quiet cycles a day make one row, not 17,000.
 */
import type { CycleCounts, CycleKind, CycleState } from '../ports/state.js';

/** What a cycle report and a cycle record both say, and all that quiet depends on. */
export interface CycleFacts {
  readonly kind: CycleKind;
  readonly state: CycleState;
  readonly counts: CycleCounts;
}

/**
 * Counts that say a cycle did something: a change imported, a user evaluated (whatever its outcome),
 * a write, a failure. Left out: `targetRequests` (a quiet cycle may read the target's change feed),
 * `membershipsSkipped` (members the target refuses are counted again at every cycle, changed or not)
 * and `quietRepeats` itself.
 */
const activityCounts = [
  'imported',
  'inScope',
  'created',
  'updated',
  'disabled',
  'deleted',
  'skipped',
  'unchanged',
  'failed',
  'groupsCreated',
  'groupsUpdated',
  'groupsDeleted',
  'membershipsAdded',
  'membershipsRemoved',
] as const satisfies readonly (keyof CycleCounts)[];

/**
 * Whether a finished cycle was quiet: an incremental cycle that succeeded and imported, evaluated,
 * wrote and failed nothing. An initial cycle is never quiet (it reads everything); nor is one that
 * failed, held actions back or had entry-level errors.
 */
export function isQuietCycle(cycle: CycleFacts): boolean {
  if (cycle.kind !== 'incremental' || cycle.state !== 'succeeded') return false;
  return activityCounts.every((name) => (cycle.counts[name] ?? 0) === 0);
}

/** How many quiet cycles in a row end with this one (0: it was not quiet). */
export function quietStreak(cycle: CycleFacts | null | undefined): number {
  if (cycle == null || !isQuietCycle(cycle)) return 0;
  return 1 + (cycle.counts.quietRepeats ?? 0);
}

/** How long the quiet streak must last before the wait grows: a minute. */
export const quietBeforeBackOffMs = 60_000;

/**
 * The wait before the next cycle, after `streak` quiet cycles in a row (0: the last cycle did
 * something, or failed). The back-off starts once the quiet cycles, at the interval, span a minute
 * (`ceil(60 s / interval)` of them: 12 at 5 s), then doubles the wait at each further quiet cycle, up
 * to `idleIntervalMs`. With `idleIntervalMs <= intervalMs` there is no back-off.
 */
export function nextCycleWaitMs(intervalMs: number, idleIntervalMs: number, streak: number): number {
  const idle = Math.max(intervalMs, idleIntervalMs);
  const before = Math.max(1, Math.ceil(quietBeforeBackOffMs / intervalMs));
  if (streak < before) return intervalMs;
  // 2^(streak - before + 1), capped early so that a long streak cannot overflow.
  const doublings = Math.min(streak - before + 1, 40);
  return Math.min(idle, intervalMs * 2 ** doublings);
}

/** `counts` of a quiet cycle that stands for itself and the `previous` quiet record it replaces. */
export function foldedCounts(counts: CycleCounts, previous: CycleCounts): CycleCounts {
  return { ...counts, quietRepeats: (previous.quietRepeats ?? 0) + 1 };
}
