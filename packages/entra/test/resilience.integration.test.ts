import { ConnectorFailure } from '@provisio/engine';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MsalTokenProvider } from '../src/auth/token-provider.js';
import { createTransport } from '../src/client/http.js';
import { type Harness, startHarness } from './support/emulator.js';

const domain = 'provisio-demo.onmicrosoft.com';
const users = 40;
const tokenRoute = 'POST /{tenant}/oauth2/v2.0/token';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    seed: {
      users: Array.from({ length: users }, (_, i) => ({
        userPrincipalName: `user${i}@${domain}`,
        displayName: `User ${i}`,
      })),
    },
  });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.configure({ faults: 'none', rateLimits: false, clockOffsetMs: 0 });
  await h.admin.clearRequests();
});

/** A sleep that records the waits and ends the injected storm after `stormWaits` of them. */
function stormSleep(stormWaits: number) {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    if (waits.length === stormWaits) await h.admin.configure({ faults: 'none' });
  };
  return { waits, sleep };
}

async function failureOf(promise: Promise<unknown>): Promise<ConnectorFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorFailure);
  return error as ConnectorFailure;
}

describe('retries', () => {
  it('rides out a 429 storm, waiting what Retry-After says', async () => {
    const { waits, sleep } = stormSleep(3);
    await h.admin.configure({ faults: '429=1,burst=3,retry-after=2,seed=1' });
    const result = await h.source({ sleep }).readUsers({ watermark: null, select: ['displayName'] });
    expect(result.changes).toHaveLength(users);
    expect(waits).toEqual([2000, 2000, 2000]);
    expect(await h.admin.count('GET /v1.0/users/delta', 429)).toBe(3);
  });

  it('stays within the per-app request budget across pages, waiting out each window', async () => {
    // Graph's throttling: 3 requests per 10 s here; the sleep moves the emulator's clock instead of waiting.
    await h.admin.configure({ rateLimits: true, requestsPerWindow: 3, windowSeconds: 10 });
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      h.emulator.store.clock.offsetMs += ms;
    };
    const result = await h.source({ sleep, pageSize: 5 }).readUsers({ watermark: null, select: [] });
    expect(result.changes).toHaveLength(users);
    expect(await h.admin.count('GET /v1.0/users/delta', 200)).toBe(users / 5);
    expect(waits.length).toBeGreaterThanOrEqual(2);
    for (const wait of waits) expect(wait).toBeGreaterThan(0);
    for (const wait of waits) expect(wait).toBeLessThanOrEqual(10_000);
  });

  it('gives up on an endless storm with TooManyRequests after a bounded number of attempts', async () => {
    const waits: number[] = [];
    await h.admin.configure({ faults: '429=1,burst=5,retry-after=1' });
    const source = h.source({ sleep: async (ms) => void waits.push(ms) });
    const failure = await failureOf(source.readUsers({ watermark: null, select: [] }));
    expect(failure.detail).toMatchObject({ code: 'TooManyRequests', retryable: true, httpStatus: 429 });
    expect(failure.message).toContain('after 10 attempts');
    expect(waits).toEqual(Array.from({ length: 9 }, () => 1000));
    expect(await h.admin.count('GET /v1.0/users/delta')).toBe(10);
  });

  it('retries 503 and connection resets, then reports SourceUnavailable if they last', async () => {
    const transient = stormSleep(2);
    await h.admin.configure({ faults: '503=1,retry-after=3' });
    const check = await h.source({ sleep: transient.sleep }).getUser(`user1@${domain}`, ['displayName']);
    expect(check?.attributes['displayName']).toBe('User 1');
    expect(transient.waits).toEqual([3000, 3000]);

    await h.admin.configure({ faults: 'reset=1' });
    const failure = await failureOf(h.source().readAssignments());
    expect(failure.detail).toMatchObject({ code: 'SourceUnavailable', retryable: true });
    expect(failure.message).toContain('after 10 attempts');

    const recovering = stormSleep(2);
    await h.admin.configure({ faults: 'reset=1' });
    const { roles } = await h.source({ sleep: recovering.sleep }).readAssignments();
    expect(roles.map((r) => r.displayName)).toContain('Agent');
    // Without Retry-After the waits back off exponentially.
    expect(recovering.waits).toEqual([1000, 2000]);
  });
});

describe('tokens', () => {
  it('asks for one token and reuses it across reads', async () => {
    const source = h.source();
    await source.readUsers({ watermark: null, select: [] });
    await source.readAssignments();
    await source.getUser(`user2@${domain}`, []);
    expect(await h.admin.count(tokenRoute)).toBe(1);
  });

  it('renews the token once when Graph refuses it with 401, and carries on', async () => {
    const source = h.source();
    const first = await source.readUsers({ watermark: null, select: [] });
    expect(await h.admin.count(tokenRoute)).toBe(1);
    // Two hours later on the emulator's clock the cached token has expired (as a revoked one would fail).
    await h.admin.configure({ clockOffsetMs: 2 * 3600_000 });
    const next = await source.readUsers({ watermark: first.watermark, select: [] });
    expect(next.changes).toEqual([]);
    expect(await h.admin.count('GET /v1.0/users/delta', 401)).toBe(1);
    expect(await h.admin.count(tokenRoute)).toBe(2);
  });

  it('renews a token five minutes before it expires, not earlier', async () => {
    const transport = createTransport({ ca: h.emulator.certificatePem });
    let skewMs = 0;
    const tokens = new MsalTokenProvider({
      authorityHost: h.emulator.url,
      tenantId: h.emulator.tenantId,
      clientId: h.emulator.clientId,
      clientSecret: h.emulator.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
      transport,
      now: () => Date.now() + skewMs,
    });
    try {
      const first = await tokens.get();
      expect(first.roles).toContain('User.Read.All');
      expect(first.expiresOn - Date.now()).toBeGreaterThan(3500_000);
      skewMs = first.expiresOn - Date.now() - 10 * 60_000;
      expect(await tokens.get()).toBe(first);
      skewMs = first.expiresOn - Date.now() - 4 * 60_000;
      const renewed = await tokens.get();
      expect(renewed).not.toBe(first);
      expect(await h.admin.count(tokenRoute)).toBe(2);
    } finally {
      await transport.close();
    }
  });
});
