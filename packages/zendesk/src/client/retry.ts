import { type NetworkFailureInfo, parseRetryAfter } from '@provisio/engine';

/**
 * Retry policy for Zendesk requests (https://developer.zendesk.com/api-reference/introduction/rate-limits/):
 * 429 is retried after `Retry-After` (Zendesk sends delta-seconds, e.g. `93`): Zendesk refuses the
 * request before doing anything. 5xx answers (503 included) and transient connection failures
 * (timeouts, resets) are retried for requests that are safe to repeat, with exponential back-off
 * when there is no `Retry-After`. After such an ambiguous failure a write that is not safe to repeat
 * (`POST /groups`) may have been applied all the same: it is retried only once a look-up has shown
 * that it was not, and fails at once when there is no way to look. Any other 4xx, an unknown host, a
 * refused connection or an untrusted certificate fails at once. Bounded in retries, in each wait and
 * in the total wait of one request (docs/provisioning.md#retries).
 */

/** Retries after the first attempt before a request fails (`ZendeskHttpOptions.maxRetries`). */
export const defaultMaxRetries = 6;

/** The longest one request spends waiting between its attempts, all waits together (15 minutes). */
export const maxTotalRetryWaitMs = 15 * 60_000;

/**
 * Whether a failed connection is worth another attempt: transient, and the request safe to repeat
 * (or, for a write that is not, `checked`: a look-up showed it was not applied).
 */
export function isRetryableNetworkFailure(failure: NetworkFailureInfo, idempotent: boolean): boolean {
  return idempotent && failure.retryable;
}

/**
 * Whether a failure leaves it unknown if Zendesk applied the request: any 5xx (the request reached
 * Zendesk, which may have written before failing) and a transient connection failure (a timeout or a
 * reset after the request was sent). A 429 and every other 4xx are refusals: nothing was written.
 */
export function isAmbiguousFailure(failure: { status: number } | NetworkFailureInfo): boolean {
  return 'status' in failure ? failure.status >= 500 : failure.retryable;
}

/**
 * Whether another attempt fits the budget: `retry` (from 1) is within `maxRetries` and the wait
 * before it keeps the request's total wait within `maxTotalWaitMs`.
 */
export function withinRetryBudget(
  retry: number,
  waitedMs: number,
  nextWaitMs: number,
  maxRetries: number,
  maxTotalWaitMs: number = maxTotalRetryWaitMs,
): boolean {
  return retry <= maxRetries && waitedMs + nextWaitMs <= maxTotalWaitMs;
}

/** Longest wait a Retry-After may impose before we give up waiting politely (10 minutes). */
export const maxRetryAfterMs = 10 * 60_000;

/** Exponential backoff without Retry-After: 1 s, 2 s, 4 s … up to 30 s (`attempt` counts from 0). */
export function backoffMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** attempt);
}

/**
 * Whether an answer is worth another attempt: 429 (throttled: nothing was done) always; a 5xx (503,
 * Zendesk's maintenance answer, included) only when repeating the request cannot do harm.
 */
export function isRetryableStatus(status: number, idempotent: boolean): boolean {
  return status === 429 || (status >= 500 && idempotent);
}

/**
 * How long to wait before retry `attempt + 1`: the answer's `Retry-After` (the engine's
 * `parseRetryAfter`), capped at ten minutes, else the back-off.
 */
export function retryDelay(attempt: number, retryAfter: string | null, now: number = Date.now()): number {
  const wait = parseRetryAfter(retryAfter, now);
  return wait === null ? backoffMs(attempt) : Math.min(maxRetryAfterMs, wait);
}
