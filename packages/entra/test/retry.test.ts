import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy, parseRetryAfter, retryDelay } from '../src/client/retry.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });
  it('answers null for nothing or nonsense', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-3', now)).toBeNull();
  });
});

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
