import { ConnectorFailure, type TargetAction } from '@provisio/engine';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startEmulator, targetFor } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startEmulator({ plan: 'enterprise', jobStepMs: 5, seed: { generate: { endUsers: 250 } } });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('PUT', 'config', { clockOffsetMs: 0 });
  await h.admin.control('POST', 'reset');
  await h.admin.control('DELETE', 'requests');
});

function creates(n: number): TargetAction[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'create' as const,
    key: `c${i}`,
    attributes: { name: `Storm ${i}`, email: `storm${i}@example.com`, external_id: `storm-${i}` },
  }));
}

async function statusCounts(): Promise<Record<number, number>> {
  const answer = await h.admin.control('GET', 'requests');
  const out: Record<number, number> = {};
  for (const row of answer.body.byRoute as { status: number; count: number }[])
    out[row.status] = (out[row.status] ?? 0) + row.count;
  return out;
}

async function faults(spec: string): Promise<void> {
  expect((await h.admin.control('PUT', 'config', { faults: spec })).status).toBe(200);
}

describe('retries', () => {
  it('rides out a 429 storm: loads and bulk creates succeed, honouring Retry-After', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true });
    await faults('429=0.25,burst=3,retry-after=2,seed=7');
    const { target, waits } = targetFor(h);
    const users = await target.loadUsers();
    expect(users).toHaveLength(251);
    const results = await target.apply(creates(150));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(h.emulator.store.userByEmail('storm149@example.com')).toBeDefined();
    const statuses = await statusCounts();
    expect(statuses[429]).toBeGreaterThan(3);
    expect(waits.filter((ms) => ms === 2000).length).toBe(statuses[429]);
    expect(target.requestCount).toBe((await h.admin.control('GET', 'requests')).body.total);
  });

  it('rides out a 503 storm with HTML bodies', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true });
    await faults('503=0.3,retry-after=1,seed=3');
    const { target, waits } = targetFor(h);
    expect(await target.loadUsers()).toHaveLength(251);
    const results = await target.apply(creates(120));
    expect(results.every((r) => r.ok)).toBe(true);
    const statuses = await statusCounts();
    expect(statuses[503]).toBeGreaterThan(3);
    expect(waits.filter((ms) => ms === 1000).length).toBeGreaterThanOrEqual(statuses[503] ?? 0);
  });

  it('retries reads, polls and idempotent writes after connection resets', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true });
    await faults('reset=0.3,seed=11');
    const { target } = targetFor(h);
    expect(await target.loadUsers()).toHaveLength(251);
    // Bulk writes are idempotent (create_or_update_many), so a reset one is sent again.
    const results = await target.apply(creates(120));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect((await statusCounts())[0]).toBeGreaterThan(0);
  });

  it('tolerates a job status that answers 404 for its first polls', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true });
    await faults('job404=3');
    const { target } = targetFor(h);
    const results = await target.apply(creates(5));
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('gives up on a job that never becomes visible, failing its actions as retryable', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true });
    await faults('job404=50');
    const { target } = targetFor(h);
    const results = await target.apply(creates(3));
    expect(results).toHaveLength(3);
    for (const result of results) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatchObject({ code: 'ZendeskJobNotFound', retryable: true });
    }
  });

  it('fails every action of a batch after the retries are spent (500), with a retryable code', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true });
    const { target } = targetFor(h, { maxRetries: 2 });
    const users = await target.loadUsers();
    await faults('500=1');
    const results = await target.apply([
      ...creates(2),
      { kind: 'update', key: 'u', targetId: users[1]?.id ?? '', changes: { name: 'X' } },
      { kind: 'delete', key: 'd', targetId: users[2]?.id ?? '' },
    ]);
    expect(results).toHaveLength(4);
    for (const result of results) {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error).toMatchObject({
          code: 'ZendeskInternalServerError',
          retryable: true,
          httpStatus: 500,
        });
        expect(result.error.message).toMatch(/gave up after 2 retries/);
        expect(result.error.response).toContain('500 Internal Server Error');
      }
    }
    const error = await target.loadUsers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorFailure);
    expect((error as ConnectorFailure).detail.code).toBe('ZendeskInternalServerError');
  });
});

describe('pacing', () => {
  it('pauses until the window resets when the budget is nearly spent, instead of running into 429', async () => {
    await h.admin.control('PUT', 'config', { rateLimits: true, requestsPerMinute: 3 });
    let offset = 0;
    const waits: number[] = [];
    // Virtual time: a long wait moves the emulator's clock (its rate-limit window) forward.
    const sleep = async (ms: number) => {
      waits.push(ms);
      if (ms >= 1000) {
        offset += ms;
        await h.admin.control('PUT', 'config', { clockOffsetMs: offset });
      }
    };
    const { target } = targetFor(h, { sleep });
    expect(await target.loadUsers()).toHaveLength(251);
    expect((await statusCounts())[429] ?? 0).toBe(0);
    expect(waits.filter((ms) => ms >= 1000).length).toBeGreaterThanOrEqual(1);
  });

  it('an exhausted account budget (429, remaining 0) holds every request, then continues', async () => {
    await h.admin.control('PUT', 'config', { rateLimits: true, requestsPerMinute: 2 });
    let offset = 0;
    const sleep = async (ms: number) => {
      if (ms >= 1000) {
        offset += ms;
        await h.admin.control('PUT', 'config', { clockOffsetMs: offset });
      }
    };
    // Another client spends the budget first.
    await h.admin.get('/api/v2/users/me');
    await h.admin.get('/api/v2/users/me');
    const { target } = targetFor(h, { sleep });
    expect(await target.loadUsers()).toHaveLength(251);
    expect((await statusCounts())[429]).toBeGreaterThanOrEqual(1);
  });
});
