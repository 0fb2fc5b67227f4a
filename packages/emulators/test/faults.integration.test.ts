import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultInjector, parseFaultSpec } from '../src/common/faults.js';
import { type Harness, startHarness, TestClient } from './support/zendesk.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('POST', 'reset');
  await h.admin.control('DELETE', 'requests');
});

async function setFaults(spec: string): Promise<void> {
  const answer = await h.admin.control('PUT', 'config', { faults: spec });
  expect(answer.status).toBe(200);
}

/** The status of a request, 0 when the connection was reset without an answer. */
async function statusOf(path = '/api/v2/users/me.json'): Promise<number> {
  try {
    return (await h.admin.get(path)).status;
  } catch {
    return 0;
  }
}

async function statuses(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) out.push(await statusOf());
  return out;
}

/** The statuses the emulator's injector should produce for `spec`, 200 standing for no fault. */
function predicted(spec: string, n: number): number[] {
  const injector = new FaultInjector(parseFaultSpec(spec));
  return Array.from({ length: n }, () => {
    const decision = injector.decide();
    return decision.kind === 'status' ? decision.status : decision.kind === 'reset' ? 0 : 200;
  });
}

function expectNotJson(text: string): void {
  expect(() => JSON.parse(text)).toThrow();
}

describe('injected status answers', () => {
  it('answers 500 with an HTML body', async () => {
    await setFaults('500=1,seed=1');
    const answer = await h.admin.get('/api/v2/users/me.json');
    expect(answer.status).toBe(500);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.text).toContain('500 Internal Server Error');
    expectNotJson(answer.text);
    expect(answer.headers.get('retry-after')).toBeNull();
  });

  it('answers 503 with Retry-After (1 s by default, or retry-after=S)', async () => {
    await setFaults('503=1,seed=1');
    const first = await h.admin.get('/api/v2/users/me.json');
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.headers.get('content-type')).toMatch(/^text\/html/);
    expect(first.text).toContain('503 Service Unavailable');

    await setFaults('503=1,retry-after=7,seed=1');
    const second = await h.admin.get('/api/v2/users/me.json');
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('7');
  });

  it('answers 429 in bursts of `burst` requests, with Retry-After and a body that is not JSON', async () => {
    const spec = '429=0.2,burst=4,retry-after=9,seed=11';
    await setFaults(spec);
    const seen = await statuses(60);
    expect(seen).toEqual(predicted(spec, 60));
    // The first 429 starts a burst: the next three requests answer 429 too.
    const start = seen.indexOf(429);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(start).toBeLessThan(56);
    expect(seen.slice(start, start + 4)).toEqual([429, 429, 429, 429]);

    await setFaults('429=1,retry-after=9,seed=11');
    const answer = await h.admin.get('/api/v2/users.json');
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('9');
    expect(answer.headers.get('content-type') ?? '').not.toContain('json');
    expectNotJson(answer.text);
    expect(answer.text).toContain('Too Many Requests');
  });

  it('injects faults into unauthenticated and unknown-route requests too, but never into the control plane', async () => {
    await setFaults('500=1,seed=1');
    expect((await h.admin.as(null).get('/api/v2/users.json')).status).toBe(500);
    expect((await h.admin.get('/api/v2/no_such_thing.json')).status).toBe(500);
    for (const path of ['config', 'state', 'requests', 'health']) {
      expect((await h.admin.control('GET', path)).status).toBe(200);
    }
    expect((await h.admin.control('POST', 'seed', { groups: [{ name: 'Faultless' }] })).status).toBe(200);
  });

  it('turns faults off with "none"', async () => {
    await setFaults('500=1');
    expect(await statusOf()).toBe(500);
    await setFaults('none');
    expect(await statuses(5)).toEqual([200, 200, 200, 200, 200]);
    expect((await h.admin.control('GET', 'config')).body.faults).toBe('none');
  });
});

describe('added latency', () => {
  it('delays API answers by at least the minimum latency', async () => {
    await setFaults('latency=100-120,seed=3');
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now();
      const answer = await h.admin.get('/api/v2/users/me.json');
      const elapsed = performance.now() - started;
      expect(answer.status).toBe(200);
      // Node's timers may fire up to a millisecond early; allow for it.
      expect(elapsed).toBeGreaterThanOrEqual(98);
    }
  });

  it('does not delay the control plane', async () => {
    await setFaults('latency=400');
    const started = performance.now();
    await h.admin.control('GET', 'config');
    expect(performance.now() - started).toBeLessThan(400);
  });
});

describe('connection resets', () => {
  it('destroys the connection without an answer: fetch rejects', async () => {
    await setFaults('reset=1,seed=1');
    await expect(fetch(`${h.emulator.url}/api/v2/users/me.json`)).rejects.toThrow();
    await expect(h.admin.get('/api/v2/users.json')).rejects.toThrow();
  });

  it('resets before the handler runs: a reset create does not create the user', async () => {
    await setFaults('reset=1,seed=1');
    await expect(
      h.admin.post('/api/v2/users.json', { user: { name: 'Ghost', email: 'ghost@example.com' } }),
    ).rejects.toThrow();
    await setFaults('none');
    const search = await h.admin.get('/api/v2/users/search.json?query=ghost@example.com');
    expect(search.status).toBe(200);
    expect(search.body.users).toEqual([]);
  });

  it('records reset requests in the request log with status 0, once each', async () => {
    await setFaults('reset=1,seed=1');
    await statuses(3);
    await setFaults('none');
    await statusOf();
    const log = (await h.admin.control('GET', 'requests')).body;
    expect(log.total).toBe(4);
    expect(log.byRoute).toEqual([
      { method: 'GET', route: '/api/v2/users/me', status: 0, count: 3 },
      { method: 'GET', route: '/api/v2/users/me', status: 200, count: 1 },
    ]);
  });
});

describe('answers lost after the write', () => {
  const groupNames = async () =>
    ((await h.admin.get('/api/v2/groups.json?exclude_deleted=true')).body.groups as { name: string }[])
      .map((g) => g.name)
      .sort();

  it('lost-after-write applies the create, then destroys the connection: the group exists', async () => {
    await setFaults('lost-after-write=1,seed=1');
    await expect(h.admin.post('/api/v2/groups.json', { group: { name: 'Applied' } })).rejects.toThrow();
    // Reads are never faulted by it.
    expect(await groupNames()).toContain('Applied');
    const log = (await h.admin.control('GET', 'requests')).body;
    expect(log.byRoute).toContainEqual({ method: 'POST', route: '/api/v2/groups', status: 0, count: 1 });
  });

  it('503-after-write applies the create, then answers 503 with Retry-After', async () => {
    await setFaults('503-after-write=1,retry-after=2,seed=1');
    const answer = await h.admin.post('/api/v2/groups.json', { group: { name: 'Also applied' } });
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('2');
    expectNotJson(answer.text);
    expect(await groupNames()).toContain('Also applied');
  });

  it('write-path limits them to one path prefix; a refused write is answered as it is', async () => {
    await setFaults('503-after-write=1,write-path=/api/v2/groups,seed=1');
    const user = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Kept', email: 'kept@example.com' },
    });
    expect(user.status).toBe(201);
    const invalid = await h.admin.post('/api/v2/groups.json', { group: {} });
    expect(invalid.status).toBe(422);
    expect((await h.admin.post('/api/v2/groups.json', { group: { name: 'G' } })).status).toBe(503);
    expect((await h.admin.control('GET', 'config')).body.faults).toBe(
      '503-after-write=1,write-path=/api/v2/groups,seed=1',
    );
  });

  it('refuses a write-path that is not a path', async () => {
    const answer = await h.admin.control('PUT', 'config', { faults: 'write-path=groups' });
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/write-path must be a path prefix starting with \//);
  });
});

describe('determinism', () => {
  const spec = '500=0.1,503=0.1,429=0.1,burst=2,reset=0.05,seed=42';

  it('gives the same status sequence for the same seed, the one the injector predicts', async () => {
    await setFaults(spec);
    const first = await statuses(50);
    await setFaults(spec);
    const second = await statuses(50);
    expect(second).toEqual(first);
    expect(first).toEqual(predicted(spec, 50));
    // The sample exercises every kind of fault, so the comparison means something.
    expect(new Set(first)).toEqual(new Set([0, 200, 429, 500, 503]));
  });

  it('gives a different sequence for another seed', async () => {
    await setFaults(spec);
    const first = await statuses(50);
    await setFaults(spec.replace('seed=42', 'seed=43'));
    expect(await statuses(50)).not.toEqual(first);
  });

  it('restarts the sequence at POST /__emulator/reset when the faults were given at start-up', async () => {
    const faulty = await startHarness({ faults: parseFaultSpec(spec) });
    try {
      const statusesOf = async (n: number) => {
        const out: number[] = [];
        for (let i = 0; i < n; i += 1) {
          try {
            out.push((await faulty.admin.get('/api/v2/users/me.json')).status);
          } catch {
            out.push(0);
          }
        }
        return out;
      };
      const first = await statusesOf(30);
      expect(first).toEqual(predicted(spec, 30));
      await faulty.admin.control('POST', 'reset');
      expect(await statusesOf(30)).toEqual(first);
    } finally {
      await faulty.close();
    }
  });

  it('counts every status of the sequence in the request log', async () => {
    await setFaults(spec);
    const seen = await statuses(50);
    const log = (await h.admin.control('GET', 'requests')).body;
    expect(log.total).toBe(50);
    const expected = new Map<number, number>();
    for (const status of seen) expected.set(status, (expected.get(status) ?? 0) + 1);
    const counted = new Map<number, number>();
    for (const entry of log.byRoute) {
      expect(entry).toMatchObject({ method: 'GET', route: '/api/v2/users/me' });
      counted.set(entry.status, entry.count);
    }
    expect(counted).toEqual(expected);
  });
});

describe('faults and authentication', () => {
  it('injects before authentication: a bad token still gets the injected status', async () => {
    await setFaults('503=1,seed=1');
    const bad = h.admin.as(TestClient.basic('admin@example.com', 'wrong'));
    expect((await bad.get('/api/v2/users.json')).status).toBe(503);
  });
});
