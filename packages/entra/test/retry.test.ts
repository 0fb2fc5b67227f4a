import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy, retryDelay } from '../src/client/retry.js';

describe('retryDelay', () => {
  it('waits what Retry-After says, capped', () => {
    expect(retryDelay(defaultRetryPolicy, 1, 7000)).toBe(7000);
    expect(retryDelay(defaultRetryPolicy, 1, 3_600_000)).toBe(defaultRetryPolicy.maxDelayMs);
  });
  it('backs off exponentially without Retry-After', () => {
    expect([1, 2, 3, 4, 5].map((a) => retryDelay(defaultRetryPolicy, a, null))).toEqual([
      1000, 2000, 4000, 8000, 16_000,
    ]);
    expect(retryDelay({ maxAttempts: 20, baseDelayMs: 1000, maxDelayMs: 5000 }, 10, null)).toBe(5000);
  });
});
