import { ConnectorFailure } from '@provisio/engine';
import { Response } from 'undici';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GraphClient } from '../src/client/client.js';
import type { HttpTransport } from '../src/client/http.js';
import { defaultRetryPolicy, retryableStatuses, retryDelay, withinBudget } from '../src/client/retry.js';

describe('retryDelay', () => {
  it('waits what Retry-After says, capped', () => {
    expect(retryDelay(defaultRetryPolicy, 1, 7000)).toBe(7000);
    expect(retryDelay(defaultRetryPolicy, 1, 3_600_000)).toBe(defaultRetryPolicy.maxDelayMs);
  });
  it('backs off exponentially without Retry-After', () => {
    expect([1, 2, 3, 4, 5].map((a) => retryDelay(defaultRetryPolicy, a, null))).toEqual([
      1000, 2000, 4000, 8000, 16_000,
    ]);
    expect(retryDelay({ ...defaultRetryPolicy, maxAttempts: 20, maxDelayMs: 5000 }, 10, null)).toBe(5000);
  });
});

describe('the budget', () => {
  it('retries 429 and every 5xx, nothing else', () => {
    expect([429, 500, 502, 503, 504].every((s) => retryableStatuses.has(s))).toBe(true);
    expect([400, 401, 403, 404, 409, 410, 422].some((s) => retryableStatuses.has(s))).toBe(false);
  });
  it('allows 10 attempts and 10 minutes of waiting, whichever ends first', () => {
    expect(withinBudget(defaultRetryPolicy, 9, 0, 1000)).toBe(true);
    expect(withinBudget(defaultRetryPolicy, 10, 0, 1000)).toBe(false);
    expect(withinBudget(defaultRetryPolicy, 3, 540_000, 60_000)).toBe(true);
    expect(withinBudget(defaultRetryPolicy, 3, 540_000, 60_001)).toBe(false);
  });
});

/** A GraphClient over a scripted transport, counting requests and waits. */
function scripted(replies: (index: number) => Response | Error) {
  let calls = 0;
  const waits: number[] = [];
  const transport: HttpTransport = {
    request: async () => {
      const reply = replies(calls);
      calls += 1;
      if (reply instanceof Error) throw reply;
      return reply;
    },
    close: async () => {},
  };
  const client = new GraphClient({
    baseUrl: 'https://graph.example.test',
    transport,
    tokens: {
      get: async () => ({ value: 'token', expiresOn: Date.now() + 3600_000, roles: [] }),
      invalidate: () => {},
    },
    clientId: '00000000-0000-0000-0000-000000000001',
    secrets: ['a-client-secret-value'],
    sleep: async (ms) => void waits.push(ms),
  });
  return { client, waits, calls: () => calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const failed = (code: string) =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`x ${code}`), { code }) });
const read = { operation: 'readUsers' } as const;

describe('GraphClient retries only what can succeed', () => {
  it('rides out 502 and 504 on a read', async () => {
    const { client, calls, waits } = scripted((i) =>
      i === 0 ? json(502, {}) : i === 1 ? json(504, {}) : json(200, { id: 'x' }),
    );
    expect(
      await client.get('https://graph.example.test/v1.0/users/x', z.object({ id: z.string() }), read),
    ).toEqual({ id: 'x' });
    expect(calls()).toBe(3);
    expect(waits).toEqual([1000, 2000]);
  });

  it('fails at once on 400 and on refused, unknown or untrusted endpoints', async () => {
    const cases: [Response | Error, RegExp][] = [
      [json(400, { error: { code: 'BadRequest', message: 'nope' } }), /provisio bug/],
      [failed('ECONNREFUSED'), /Nothing accepts connections at graph\.example\.test.*source\.graphBaseUrl/],
      [failed('ENOTFOUND'), /Check source\.graphBaseUrl: the host graph\.example\.test does not resolve/],
      [failed('SELF_SIGNED_CERT_IN_CHAIN'), /source\.caCertificateFile.*source\.caCertificate/],
      [failed('ERR_TLS_CERT_ALTNAME_INVALID'), /for another host name/],
      [failed('CERT_HAS_EXPIRED'), /clock/],
    ];
    for (const [reply, fix] of cases) {
      const { client, calls, waits } = scripted(() => reply);
      const error = await client
        .get('https://graph.example.test/v1.0/users/x', z.unknown(), read)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectorFailure);
      const detail = (error as ConnectorFailure).detail;
      expect(calls(), fix.source).toBe(1);
      expect(waits).toEqual([]);
      expect(detail.retryable).toBe(false);
      expect(detail.recommendedAction).toMatch(fix);
    }
  });

  it('retries timeouts and resets, and says how many attempts it made', async () => {
    const { client, calls } = scripted(() => failed('ECONNRESET'));
    const error = (await client
      .get('https://graph.example.test/v1.0/users/x', z.unknown(), read)
      .catch((e: unknown) => e)) as ConnectorFailure;
    expect(calls()).toBe(defaultRetryPolicy.maxAttempts);
    expect(error.detail).toMatchObject({ code: 'SourceUnavailable', retryable: true });
    expect(error.message).toContain(`after ${defaultRetryPolicy.maxAttempts} attempts`);
  });
});
