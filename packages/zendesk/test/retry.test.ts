import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  defaultMaxRetries,
  isAmbiguousFailure,
  isRetryableNetworkFailure,
  isRetryableStatus,
  maxTotalRetryWaitMs,
  retryDelay,
  withinRetryBudget,
} from '../src/client/retry.js';

describe('retryDelay', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  it('waits what Retry-After says, in seconds or as an HTTP date', () => {
    expect(retryDelay(0, '93', now)).toBe(93_000);
    expect(retryDelay(0, ' 0 ', now)).toBe(0);
    expect(retryDelay(0, 'Wed, 01 May 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(retryDelay(0, 'Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
  });

  it('caps Retry-After at ten minutes, and backs off without a readable one', () => {
    expect(retryDelay(0, '86400', now)).toBe(600_000);
    expect(retryDelay(2, null, now)).toBe(4000);
    expect(retryDelay(1, 'soon', now)).toBe(2000);
    expect(retryDelay(1, '-3', now)).toBe(2000);
  });

  it('backs off exponentially, up to 30 s', () => {
    expect([0, 1, 2, 5, 9].map(backoffMs)).toEqual([1000, 2000, 4000, 30_000, 30_000]);
  });
});

describe('isRetryableStatus', () => {
  it('retries 429 always, 5xx (503 included) only when the request can be repeated', () => {
    expect([429, 503, 500, 502].map((s) => isRetryableStatus(s, false))).toEqual([true, false, false, false]);
    expect(isRetryableStatus(503, true)).toBe(true);
    expect([500, 502, 504].map((s) => isRetryableStatus(s, true))).toEqual([true, true, true]);
    expect([400, 403, 404, 422].some((s) => isRetryableStatus(s, true))).toBe(false);
  });
});

describe('isAmbiguousFailure', () => {
  it('is a 5xx or a transient connection failure: the write may have been applied', () => {
    expect([500, 503, 504].every((status) => isAmbiguousFailure({ status }))).toBe(true);
    expect([429, 400, 422].some((status) => isAmbiguousFailure({ status }))).toBe(false);
    const reset = { kind: 'reset', code: 'ECONNRESET', retryable: true, description: '' } as const;
    const refused = { kind: 'refused', code: 'ECONNREFUSED', retryable: false, description: '' } as const;
    expect(isAmbiguousFailure(reset)).toBe(true);
    expect(isAmbiguousFailure(refused)).toBe(false);
  });
});

describe('the retry budget', () => {
  it('retries only transient connection failures, and only when the request can be repeated', () => {
    const reset = { kind: 'reset', code: 'ECONNRESET', retryable: true, description: '' } as const;
    const refused = { kind: 'refused', code: 'ECONNREFUSED', retryable: false, description: '' } as const;
    expect(isRetryableNetworkFailure(reset, true)).toBe(true);
    expect(isRetryableNetworkFailure(reset, false)).toBe(false);
    expect(isRetryableNetworkFailure(refused, true)).toBe(false);
  });

  it('allows 6 retries and 15 minutes of waiting, whichever ends first', () => {
    expect(withinRetryBudget(6, 0, 1000, defaultMaxRetries)).toBe(true);
    expect(withinRetryBudget(7, 0, 1000, defaultMaxRetries)).toBe(false);
    expect(withinRetryBudget(2, maxTotalRetryWaitMs - 1000, 1000, defaultMaxRetries)).toBe(true);
    expect(withinRetryBudget(2, maxTotalRetryWaitMs - 1000, 1001, defaultMaxRetries)).toBe(false);
  });
});
