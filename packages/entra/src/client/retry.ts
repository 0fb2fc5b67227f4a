/**
 * Retry policy for Graph reads. Graph's throttling guidance: on 429 (and 503/504) wait the
 * `Retry-After` seconds, else back off exponentially. Bounded both in attempts and in the wait.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** First back-off without Retry-After; doubles each time. */
  readonly baseDelayMs: number;
  /** No single wait is longer than this, whatever Retry-After says. */
  readonly maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 120_000 };

/** Statuses worth retrying: throttled, service unavailable, gateway timeout. */
export const retryableStatuses: ReadonlySet<number> = new Set([429, 503, 504]);

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 1): `Retry-After` in
 * milliseconds (the engine's `parseRetryAfter`) when Graph sent one, else the back-off.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfterMs: number | null): number {
  const backoff = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(policy.maxDelayMs, retryAfterMs ?? backoff);
}
