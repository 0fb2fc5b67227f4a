import { type NetworkFailureInfo, parseRetryAfter } from '@provisio/engine';

/**
 * Retry policy for Zendesk requests (https://developer.zendesk.com/api-reference/introduction/rate-limits/):
 * 429 and 503 are retried after `Retry-After` (Zendesk sends delta-seconds, e.g. `93`), other 5xx
 * answers and transient connection failures (timeouts, resets) only for requests that are safe to
 * repeat, with exponential back-off when there is no `Retry-After`. Any other 4xx, an unknown host,
 * a refused connection or an untrusted certificate fails at once. Bounded in retries, in each wait
 * and in the total wait of one request (docs/provisioning.md#retries).
 */

/** Retries after the first attempt before a request fails (`ZendeskHttpOptions.maxRetries`). */
export const defaultMaxRetries = 6;

/** The longest one request spends waiting between its attempts, all waits together (15 minutes). */
export const maxTotalRetryWaitMs = 15 * 60_000;

/** Whether a failed connection is worth another attempt: transient, and the request safe to repeat. */
export function isRetryableNetworkFailure(failure: NetworkFailureInfo, idempotent: boolean): boolean {
  return idempotent && failure.retryable;
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
 * Whether an answer is worth another attempt: 429 (throttled) and 503 (unavailable, Zendesk's
 * maintenance answer) always; any other 5xx only when repeating the request cannot do harm.
 */
export function isRetryableStatus(status: number, idempotent: boolean): boolean {
  return status === 429 || status === 503 || (status >= 500 && idempotent);
}

/**
 * How long to wait before retry `attempt + 1`: the answer's `Retry-After` (the engine's
 * `parseRetryAfter`), capped at ten minutes, else the back-off.
 */
export function retryDelay(attempt: number, retryAfter: string | null, now: number = Date.now()): number {
  const wait = parseRetryAfter(retryAfter, now);
  return wait === null ? backoffMs(attempt) : Math.min(maxRetryAfterMs, wait);
}
