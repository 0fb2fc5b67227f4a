import { createEntraSource } from '@provisio/entra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobHarness, startJobHarness, tenantDomain, zendeskUsers } from './support/provisioning.js';

/**
 * A cycle rides out Graph's transient failures (docs/provisioning.md#retries): one 500, or seven 429s
 * in a row, no longer fail it. The source's sleep is injected: it records the waits and ends the
 * injected faults, so nothing waits for real.
 */
let h: JobHarness;
const seeded = 8;

beforeAll(async () => {
  h = await startJobHarness({
    entra: {
      seed: {
        users: Array.from({ length: seeded }, (_, i) => ({
          userPrincipalName: `faulty${i}@${tenantDomain}`,
          displayName: `Faulty ${i}`,
        })),
        assignments: Array.from({ length: seeded }, (_, i) => ({
          principal: `faulty${i}@${tenantDomain}`,
          appRole: 'Agent',
        })),
      },
    },
  });
});
afterAll(() => h?.close());

async function graphFaults(spec: string): Promise<void> {
  const answer = await h.entra.graph.request('PUT', '/__emulator/config', { faults: spec });
  expect(answer.status).toBe(200);
}

/** The harness's Entra source with a sleep that records waits and lifts the faults after `faultyWaits`. */
function useSourceLiftingFaultsAfter(faultyWaits: number): number[] {
  const waits: number[] = [];
  const emulator = h.entra.emulator;
  const source = createEntraSource({
    tenantId: emulator.tenantId,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    servicePrincipalId: h.servicePrincipalId,
    authorityHost: emulator.url,
    graphBaseUrl: emulator.url,
    ca: emulator.certificatePem,
    sleep: async (ms) => {
      waits.push(ms);
      if (waits.length === faultyWaits) await graphFaults('none');
    },
  });
  h.deps = { ...h.deps, source };
  return waits;
}

async function graphRequests(status: number): Promise<number> {
  const answer = await h.entra.graph.request('GET', '/__emulator/requests');
  const rows = (answer.body as { byRoute: { route: string; status: number; count: number }[] }).byRoute;
  return rows
    .filter((r) => r.route.startsWith('/v1.0/') && r.status === status)
    .reduce((n, r) => n + r.count, 0);
}

describe('Graph faults during a cycle', () => {
  it('one Graph 500 is retried and the initial cycle succeeds', async () => {
    const waits = useSourceLiftingFaultsAfter(1);
    const before = await graphRequests(500);
    await graphFaults('500=1');
    const report = await h.cycle();
    expect(report.state, report.error ?? '').toBe('succeeded');
    expect(report.counts.created).toBe(seeded);
    expect(waits).toEqual([1000]);
    expect((await graphRequests(500)) - before).toBe(1);
    expect((await zendeskUsers(h)).filter((u) => String(u['email']).startsWith('faulty'))).toHaveLength(
      seeded,
    );
  });

  it('seven 429s in a row with Retry-After are waited out within the budget, and the cycle succeeds', async () => {
    const waits = useSourceLiftingFaultsAfter(7);
    const before = await graphRequests(429);
    await graphFaults('429=1,burst=7,retry-after=20');
    const report = await h.cycle({ forceInitial: true });
    expect(report.state, report.error ?? '').toBe('succeeded');
    expect(waits).toEqual(Array.from({ length: 7 }, () => 20_000));
    expect((await graphRequests(429)) - before).toBe(7);
  });
});
