/**
 * Escrow: an object whose action failed is tried again in later cycles, less and less often, until it
 * succeeds (Entra: "The errors are continually retried, gradually scaling back the frequency of
 * retries"). provisio's schedule, after the n-th consecutive failure: 1 min, 5 min, 15 min, 1 h, 6 h,
 * then every 24 h. A change to the object in the source is evaluated at once whatever the schedule;
 * `restart` clears every escrow.
 */
import type { EscrowRecord } from '../ports/state.js';

const scheduleMs = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000, 6 * 60 * 60_000, 24 * 60 * 60_000];

/** Milliseconds from the n-th consecutive failure (1-based) to the next attempt. */
export function escrowDelayMs(attempts: number): number {
  return scheduleMs[Math.min(Math.max(attempts, 1), scheduleMs.length) - 1] as number;
}

export function escrowAfterFailure(
  previous: EscrowRecord | undefined,
  object: Pick<EscrowRecord, 'jobId' | 'objectType' | 'objectId' | 'displayName'>,
  error: { readonly code: string; readonly message: string },
  now: Date,
): EscrowRecord {
  const attempts = (previous?.attempts ?? 0) + 1;
  return {
    ...object,
    attempts,
    firstFailedAt: previous?.firstFailedAt ?? now.toISOString(),
    lastFailedAt: now.toISOString(),
    nextAttemptAt: new Date(now.getTime() + escrowDelayMs(attempts)).toISOString(),
    errorCode: error.code,
    errorMessage: error.message,
  };
}

export function escrowIsDue(escrow: EscrowRecord, now: Date): boolean {
  return Date.parse(escrow.nextAttemptAt) <= now.getTime();
}

/** One object's outcome in a cycle, for its escrow: a failure (re)schedules it, a success clears it. */
export interface EscrowOutcome {
  readonly objectType: EscrowRecord['objectType'];
  readonly objectId: string;
  readonly displayName: string;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/**
 * The escrow changes of a cycle's outcomes, for users, groups and memberships alike: the records to
 * save (failures, with their next attempt) and the keys to clear (successes of escrowed objects).
 */
export function settleEscrows(
  jobId: string,
  outcomes: readonly EscrowOutcome[],
  existing: ReadonlyMap<string, EscrowRecord>,
  now: Date,
): {
  readonly save: EscrowRecord[];
  readonly clear: { objectType: EscrowRecord['objectType']; objectId: string }[];
} {
  const save: EscrowRecord[] = [];
  const clear: { objectType: EscrowRecord['objectType']; objectId: string }[] = [];
  for (const outcome of outcomes) {
    const previous = existing.get(escrowKey(outcome.objectType, outcome.objectId));
    if (outcome.error)
      save.push(
        escrowAfterFailure(
          previous,
          {
            jobId,
            objectType: outcome.objectType,
            objectId: outcome.objectId,
            displayName: outcome.displayName,
          },
          outcome.error,
          now,
        ),
      );
    else if (previous) clear.push({ objectType: outcome.objectType, objectId: outcome.objectId });
  }
  return { save, clear };
}

/** The key of an escrow in `settleEscrows`'s map. */
export function escrowKey(objectType: EscrowRecord['objectType'], objectId: string): string {
  return `${objectType}:${objectId}`;
}
