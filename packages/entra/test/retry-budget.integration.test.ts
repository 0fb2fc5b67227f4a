import { createServer } from 'node:net';
import { ConnectorFailure } from '@provisio/engine';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultRetryPolicy } from '../src/client/retry.js';
import type { EntraSourceOptions } from '../src/index.js';
import { type Harness, startHarness } from './support/emulator.js';

/**
 * What the Graph client retries and what it does not (docs/provisioning.md#retries), against the
 * Entra emulator with injected faults. Sleeps are injected: nothing here waits for real.
 */

const domain = 'provisio-demo.onmicrosoft.com';
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    seed: {
      users: Array.from({ length: 6 }, (_, i) => ({
        userPrincipalName: `user${i}@${domain}`,
        displayName: `User ${i}`,
      })),
      groups: [{ displayName: 'Support', members: [`user1@${domain}`] }],
    },
  });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.configure({ faults: 'none', rateLimits: false, clockOffsetMs: 0 });
  await h.admin.clearRequests();
});

/** A sleep that records the waits and ends the injected faults after `faultyWaits` of them. */
function stormSleep(faultyWaits: number) {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    if (waits.length === faultyWaits) await h.admin.configure({ faults: 'none' });
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

/** A loopback port nothing listens on. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('a single Graph 500 no longer fails the read', () => {
  const reads = [
    [
      'users delta',
      'GET /v1.0/users/delta',
      (sleep: (ms: number) => Promise<void>) =>
        h.source({ sleep }).readUsers({ watermark: null, select: ['displayName'] }),
    ],
    [
      'groups delta',
      'GET /v1.0/groups/delta',
      (sleep: (ms: number) => Promise<void>) =>
        h.source({ sleep }).readGroups({ watermark: null, select: [] }),
    ],
    [
      'app role assignments',
      'GET /v1.0/servicePrincipals/{id}',
      (sleep: (ms: number) => Promise<void>) => h.source({ sleep }).readAssignments(),
    ],
  ] as const;

  for (const [name, route, read] of reads)
    it(`retries a 500 on ${name} once, after a second`, async () => {
      // Once the token is cached, every next Graph request answers 500 until the first wait ends.
      const { waits, sleep } = stormSleep(1);
      await h.admin.configure({ faults: '500=1' });
      const result = await read(sleep);
      expect(result).toBeTruthy();
      expect(waits).toEqual([1000]);
      expect(await h.admin.count(route, 500)).toBe(1);
    });
});

describe('throttling', () => {
  it('rides out seven 429s in a row, waiting what Retry-After says, within the budget', async () => {
    const { waits, sleep } = stormSleep(7);
    await h.admin.configure({ faults: '429=1,burst=7,retry-after=30' });
    const result = await h.source({ sleep }).readUsers({ watermark: null, select: [] });
    expect(result.changes).toHaveLength(6);
    expect(waits).toEqual(Array.from({ length: 7 }, () => 30_000));
    expect(await h.admin.count('GET /v1.0/users/delta', 429)).toBe(7);
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(defaultRetryPolicy.maxTotalWaitMs);
  });

  it('gives up before a wait that would pass the total budget, without making it', async () => {
    const waits: number[] = [];
    // 2 minutes each (the per-wait cap): 5 waits are 10 minutes, the budget; a sixth is not made.
    await h.admin.configure({ faults: '429=1,burst=100,retry-after=300' });
    const failure = await failureOf(
      h.source({ sleep: async (ms) => void waits.push(ms) }).readUsers({ watermark: null, select: [] }),
    );
    expect(failure.detail).toMatchObject({ code: 'TooManyRequests', retryable: true, httpStatus: 429 });
    expect(waits).toEqual(Array.from({ length: 5 }, () => 120_000));
    expect(await h.admin.count('GET /v1.0/users/delta')).toBe(6);
  });
});

describe('what cannot succeed fails at once, with the fix', () => {
  it('a refused port for the token (authorityHost): no wait, no second attempt', async () => {
    const port = await refusedPort();
    const waits: number[] = [];
    const started = performance.now();
    const failure = await failureOf(
      h
        .source({ authorityHost: `https://127.0.0.1:${port}`, sleep: async (ms) => void waits.push(ms) })
        .readUsers({ watermark: null, select: [] }),
    );
    expect(performance.now() - started).toBeLessThan(5000);
    expect(waits).toEqual([]);
    expect(failure.detail).toMatchObject({ code: 'SourceUnavailable', retryable: false });
    expect(failure.message).toContain('ECONNREFUSED');
    expect(failure.detail.recommendedAction).toContain(`Nothing accepts connections at 127.0.0.1:${port}`);
    expect(failure.detail.recommendedAction).toContain('source.authorityHost');
    expect(JSON.stringify(failure.detail)).not.toContain(h.emulator.clientSecret);
  });

  it('a refused port for Graph (graphBaseUrl): one attempt, the fix names source.graphBaseUrl', async () => {
    const port = await refusedPort();
    const waits: number[] = [];
    const failure = await failureOf(
      h
        .source({ graphBaseUrl: `https://127.0.0.1:${port}`, sleep: async (ms) => void waits.push(ms) })
        .readUsers({ watermark: null, select: [] }),
    );
    expect(waits).toEqual([]);
    expect(failure.detail).toMatchObject({ code: 'SourceUnavailable', retryable: false });
    expect(failure.detail.recommendedAction).toContain('source.graphBaseUrl');
  });

  it('an unknown host fails at once and says which setting names it', async () => {
    const waits: number[] = [];
    const failure = await failureOf(
      h
        .source({
          authorityHost: 'https://login.provisio-test.invalid',
          sleep: async (ms) => void waits.push(ms),
        })
        .readUsers({ watermark: null, select: [] }),
    );
    expect(waits).toEqual([]);
    expect(failure.detail).toMatchObject({ code: 'SourceUnavailable', retryable: false });
    expect(failure.message).toMatch(/host name was not found \(DNS\) \((ENOTFOUND|EAI_NONAME)\)/);
    expect(failure.detail.recommendedAction).toMatch(
      /Check source\.authorityHost: the host login\.provisio-test\.invalid does not resolve/,
    );
  });

  it("an untrusted certificate (the emulator's, without its CA) fails at once naming the CA options", async () => {
    const waits: number[] = [];
    // The harness trusts the emulator's CA; this source does not.
    const untrusting = { ca: undefined, sleep: async (ms: number) => void waits.push(ms) };
    const failure = await failureOf(
      h.source(untrusting as unknown as Partial<EntraSourceOptions>).readAssignments(),
    );
    expect(waits).toEqual([]);
    expect(await h.admin.count('POST /{tenant}/oauth2/v2.0/token')).toBe(0);
    expect(failure.detail).toMatchObject({ code: 'SourceUnavailable', retryable: false });
    expect(failure.detail.recommendedAction).toMatch(/not signed by a trusted authority/);
    expect(failure.detail.recommendedAction).toContain('source.caCertificateFile');
    expect(failure.detail.recommendedAction).toContain('source.caCertificate');
  });
});
