/**
 * The `RequestBudget` port over the state store: one token bucket per account in the
 * `request_budgets` table, refilled and spent in one statement, so every process on the database
 * (serve, `provisio worker`s on other machines) draws from the same budget (docs/operations.md#workers).
 *
 * The bucket holds a tenth of the minute's limit and refills the rest evenly over the minute, so
 * that in ANY 60-second window at most `perMinute` requests start: a full bucket at the window's
 * start plus one minute of refill is exactly the limit. A waiting caller sleeps on the injected clock
 * for the time the bucket says, then tries again.
 */
import type { Clock } from '../ports/clock.js';
import type { RequestBudget } from '../ports/request-budget.js';
import type { StateStore } from '../ports/state.js';

/** The bucket that keeps every 60-second window within `perMinute` requests. */
export function bucketFor(perMinute: number): { readonly capacity: number; readonly perMs: number } {
  const limit = Math.max(2, Math.floor(perMinute));
  const capacity = Math.max(1, Math.floor(limit / 10));
  return { capacity, perMs: (limit - capacity) / 60_000 };
}

export function storeRequestBudget(
  store: Pick<StateStore, 'takeRequestTokens'>,
  clock: Clock,
): RequestBudget {
  return {
    async acquire(account, perMinute, signal) {
      const bucket = bucketFor(perMinute);
      while (!signal?.aborted) {
        const wait = await store.takeRequestTokens(account, 1, bucket, clock.now());
        if (wait === 0) return;
        await clock.sleep(wait, signal);
      }
    },
  };
}
