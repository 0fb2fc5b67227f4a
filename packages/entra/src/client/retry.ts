/**
 * Retry policy for Graph requests (https://learn.microsoft.com/graph/throttling and
 * https://learn.microsoft.com/graph/best-practices-concept#handling-expected-errors): a 429 and
 * any 5xx (500, 502, 503, 504) are retried after the `Retry-After` seconds, else with exponential
 * back-off, as are connection failures that may pass by themselves (timeouts, resets). Anything
 * else (a 4xx, an unknown host, a refused port, an untrusted certificate) fails at once. Bounded in
 * attempts, in each wait and in the total wait of one request (docs/provisioning.md#retries).
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** First back-off without Retry-After; doubles each time. */
  readonly baseDelayMs: number;
  /** No single wait is longer than this, whatever Retry-After says. */
  readonly maxDelayMs: number;
  /** All the waits of one request together are at most this; a wait that would pass it is not made. */
  readonly maxTotalWaitMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 10,
  baseDelayMs: 1000,
  maxDelayMs: 120_000,
  maxTotalWaitMs: 10 * 60_000,
};

/** Statuses worth retrying: throttled, and every server-side failure Graph documents as transient. */
export const retryableStatuses: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 1): `Retry-After` in
 * milliseconds (the engine's `parseRetryAfter`) when Graph sent one, else the back-off.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfterMs: number | null): number {
  const backoff = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(policy.maxDelayMs, retryAfterMs ?? backoff);
}

/**
 * Whether attempt `attempt + 1` may be made after waiting `nextWaitMs`, having waited `waitedMs`
 * already: within the attempts and the total wait.
 */
export function withinBudget(
  policy: RetryPolicy,
  attempt: number,
  waitedMs: number,
  nextWaitMs: number,
): boolean {
  return attempt < policy.maxAttempts && waitedMs + nextWaitMs <= policy.maxTotalWaitMs;
}
