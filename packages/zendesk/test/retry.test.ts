import { describe, expect, it } from 'vitest';
import { backoffMs, isRetryableStatus, parseRetryAfter } from '../src/client/retry.js';

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('93')).toBe(93_000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    expect(parseRetryAfter('1.5')).toBe(1500);
    const now = Date.parse('2024-05-01T12:00:00Z');
    expect(parseRetryAfter('Wed, 01 May 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
  });

  it('is null when absent or unreadable, and capped at ten minutes', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('')).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter('86400')).toBe(600_000);
  });

  it('backs off exponentially without it', () => {
    expect([0, 1, 2, 5, 9].map(backoffMs)).toEqual([1000, 2000, 4000, 30_000, 30_000]);
  });
});

describe('isRetryableStatus', () => {
  it('retries 429 and 503 always, other 5xx only when the request can be repeated', () => {
    expect([429, 503, 500, 502].map((s) => isRetryableStatus(s, false))).toEqual([true, true, false, false]);
    expect([500, 502, 504].map((s) => isRetryableStatus(s, true))).toEqual([true, true, true]);
    expect([400, 403, 404, 422].some((s) => isRetryableStatus(s, true))).toBe(false);
  });
});
