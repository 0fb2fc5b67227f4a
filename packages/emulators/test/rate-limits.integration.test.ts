import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Answer, type Harness, startHarness, TestClient } from './support/zendesk.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ plan: 'enterprise', rateLimits: true });
});
afterAll(() => h.close());
beforeEach(async () => {
  // A reset restores the start-up settings (enterprise, rate limits on) and empties every window;
  // it leaves the clock where it is, so the tests that move it move it back first.
  await h.admin.control('PUT', 'config', { clockOffsetMs: 0 });
  await h.admin.control('POST', 'reset');
  await h.admin.control('DELETE', 'requests');
});

async function config(body: Record<string, unknown>): Promise<void> {
  const answer = await h.admin.control('PUT', 'config', body);
  expect(answer.status, answer.text).toBe(200);
}

function limitHeaders(answer: Answer): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const name of [
    'x-rate-limit',
    'x-rate-limit-remaining',
    'ratelimit-limit',
    'ratelimit-remaining',
    'ratelimit-reset',
  ]) {
    out[name] = answer.headers.get(name);
  }
  return out;
}

function remaining(answer: Answer): number {
  return Number(answer.headers.get('x-rate-limit-remaining'));
}

function expectTooManyRequests(answer: Answer): void {
  expect(answer.status).toBe(429);
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  // Zendesk's 429 bodies are not JSON; clients must go by status and Retry-After.
  expect(answer.headers.get('content-type') ?? '').not.toContain('json');
  expect(() => JSON.parse(answer.text)).toThrow();
}

async function createUser(name: string): Promise<number> {
  const answer = await h.admin.post('/api/v2/users.json', {
    user: { name, email: `${name.toLowerCase()}@example.com` },
  });
  expect(answer.status).toBe(201);
  return answer.body.user.id;
}

describe('rate-limit headers', () => {
  it.each([
    ['team', 200],
    ['growth', 400],
    ['professional', 400],
    ['enterprise', 700],
    ['enterprise-plus', 2500],
  ] as const)('send the %s plan budget (%i a minute) in both spellings', async (plan, limit) => {
    await config({ plan });
    const answer = await h.admin.get('/api/v2/users/me.json');
    expect(answer.status).toBe(200);
    const headers = limitHeaders(answer);
    expect(headers['x-rate-limit']).toBe(String(limit));
    expect(headers['ratelimit-limit']).toBe(String(limit));
    expect(headers['x-rate-limit-remaining']).toBe(String(limit - 1));
    expect(headers['ratelimit-remaining']).toBe(String(limit - 1));
    const reset = Number(headers['ratelimit-reset']);
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);
    expect((await h.admin.control('GET', 'config')).body.requestsPerMinute).toBe(limit);
  });

  it('are on every API answer: success, 401, 404 record, 404 endpoint, 422, 400 and bad JSON', async () => {
    const answers = [
      await h.admin.get('/api/v2/users.json'),
      await h.admin.as(TestClient.basic('admin@example.com', 'wrong')).get('/api/v2/users.json'),
      await h.admin.as(null).get('/api/v2/users/me.json'),
      await h.admin.get('/api/v2/users/1.json'),
      await h.admin.get('/api/v2/no_such_endpoint.json'),
      await h.admin.post('/api/v2/users.json', { user: { name: 'X', email: 'not-an-email' } }),
      await h.admin.get('/api/v2/users/show_many.json'),
      await h.admin.request('POST', '/api/v2/users.json', undefined, { 'content-type': 'application/json' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 200, 404, 404, 422, 400, 400]);
    for (const answer of answers) {
      const headers = limitHeaders(answer);
      for (const [name, value] of Object.entries(headers)) expect(value, name).toMatch(/^\d+$/);
      expect(headers['x-rate-limit']).toBe('700');
      expect(headers['ratelimit-limit']).toBe('700');
      expect(headers['ratelimit-remaining']).toBe(headers['x-rate-limit-remaining']);
    }
  });

  it('count down remaining with each authenticated request', async () => {
    const seen: number[] = [];
    for (let i = 0; i < 4; i += 1) seen.push(remaining(await h.admin.get('/api/v2/users/me.json')));
    expect(seen).toEqual([699, 698, 697, 696]);
  });

  it('do not charge requests that fail authentication', async () => {
    expect(remaining(await h.admin.get('/api/v2/users/me.json'))).toBe(699);
    const bad = h.admin.as(TestClient.basic('admin@example.com', 'wrong'));
    const refused = await bad.get('/api/v2/users.json');
    expect(refused.status).toBe(401);
    expect(remaining(refused)).toBe(699);
    expect(remaining(await h.admin.get('/api/v2/users/me.json'))).toBe(698);
  });

  it('are not sent by the control plane', async () => {
    const answer = await h.admin.control('GET', 'config');
    expect(answer.headers.get('x-rate-limit')).toBeNull();
    expect(answer.headers.get('ratelimit-limit')).toBeNull();
  });
});

describe('the account budget', () => {
  it('answers 429 with Retry-After and a non-JSON body once the minute is used up', async () => {
    await config({ requestsPerMinute: 5 });
    const answers: Answer[] = [];
    for (let i = 0; i < 7; i += 1) answers.push(await h.admin.get('/api/v2/users/me.json'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(answers.map(remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
    const refused = answers[5];
    if (!refused) throw new Error('no sixth answer');
    expectTooManyRequests(refused);
    expect(refused.headers.get('x-rate-limit')).toBe('5');
    expect(Number(refused.headers.get('retry-after'))).toBe(Number(refused.headers.get('ratelimit-reset')));
  });

  it('limits every endpoint, whatever the method', async () => {
    await config({ requestsPerMinute: 2 });
    expect((await h.admin.get('/api/v2/users.json')).status).toBe(200);
    expect((await h.admin.get('/api/v2/groups.json')).status).toBe(200);
    expectTooManyRequests(
      await h.admin.post('/api/v2/users.json', { user: { name: 'Late', email: 'late@example.com' } }),
    );
    expectTooManyRequests(await h.admin.get('/api/v2/users/count.json'));
  });

  it('starts again when the window has passed (moving the clock, not sleeping)', async () => {
    await config({ requestsPerMinute: 3 });
    for (let i = 0; i < 3; i += 1) expect((await h.admin.get('/api/v2/users/me.json')).status).toBe(200);
    expectTooManyRequests(await h.admin.get('/api/v2/users/me.json'));
    await config({ clockOffsetMs: 61_000 });
    const again = await h.admin.get('/api/v2/users/me.json');
    expect(again.status).toBe(200);
    expect(remaining(again)).toBe(2);
    expect(Number(again.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(59);
  });

  it('follows a plan change at once, and requestsPerMinute null goes back to the plan', async () => {
    await config({ requestsPerMinute: 10 });
    expect((await h.admin.get('/api/v2/users/me.json')).headers.get('x-rate-limit')).toBe('10');
    await config({ requestsPerMinute: null, plan: 'team' });
    const answer = await h.admin.get('/api/v2/users/me.json');
    expect(answer.headers.get('x-rate-limit')).toBe('200');
    // The minute's budget is shared across the change: two requests so far.
    expect(remaining(answer)).toBe(198);
  });

  it('never answers 429 when rate limits are off', async () => {
    await config({ requestsPerMinute: 2, rateLimits: false });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await h.admin.get('/api/v2/users/me.json')).status);
    expect(statuses).toEqual(Array(10).fill(200));
    const id = await createUser('Unlimited');
    for (let i = 0; i < 8; i += 1) {
      expect((await h.admin.put(`/api/v2/users/${id}.json`, { user: { notes: `n${i}` } })).status).toBe(200);
    }
  });

  it('never limits or counts the control plane', async () => {
    await config({ requestsPerMinute: 2 });
    await h.admin.get('/api/v2/users/me.json');
    await h.admin.get('/api/v2/users/me.json');
    expectTooManyRequests(await h.admin.get('/api/v2/users/me.json'));
    for (let i = 0; i < 10; i += 1) {
      expect((await h.admin.control('GET', 'config')).status).toBe(200);
      expect((await h.admin.control('GET', 'health')).status).toBe(200);
    }
    const log = (await h.admin.control('GET', 'requests')).body;
    expect(log.total).toBe(3);
    expect(log.byRoute).toEqual([
      { method: 'GET', route: '/api/v2/users/me', status: 200, count: 2 },
      { method: 'GET', route: '/api/v2/users/me', status: 429, count: 1 },
    ]);
  });
});

describe('Update User: 5 requests a minute for each user', () => {
  it('answers the sixth update of one user within a minute with 429; other users are unaffected', async () => {
    const ada = await createUser('Ada');
    const bob = await createUser('Bob');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      statuses.push((await h.admin.put(`/api/v2/users/${ada}.json`, { user: { notes: `n${i}` } })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const sixth = await h.admin.put(`/api/v2/users/${ada}.json`, { user: { notes: 'six' } });
    expectTooManyRequests(sixth);
    expect(sixth.text).toContain('5 updates a minute');
    // The refused update changed nothing.
    expect((await h.admin.get(`/api/v2/users/${ada}.json`)).body.user.notes).toBe('n4');
    expect((await h.admin.put(`/api/v2/users/${bob}.json`, { user: { notes: 'b' } })).status).toBe(200);
    // Reads of the limited user are not affected.
    expect((await h.admin.get(`/api/v2/users/${ada}.json`)).status).toBe(200);
  });

  it('allows updates again after a minute', async () => {
    const ada = await createUser('Ada');
    for (let i = 0; i < 5; i += 1)
      await h.admin.put(`/api/v2/users/${ada}.json`, { user: { notes: `n${i}` } });
    expectTooManyRequests(await h.admin.put(`/api/v2/users/${ada}.json`, { user: { notes: 'x' } }));
    await config({ clockOffsetMs: 61_000 });
    expect((await h.admin.put(`/api/v2/users/${ada}.json`, { user: { notes: 'later' } })).status).toBe(200);
  });

  it('starts afresh after POST /__emulator/reset', async () => {
    const first = await createUser('Ada');
    for (let i = 0; i < 5; i += 1)
      await h.admin.put(`/api/v2/users/${first}.json`, { user: { notes: `n${i}` } });
    await h.admin.control('POST', 'reset');
    // Ids start over after a reset, so the new user has the same id as the limited one had.
    const again = await createUser('Ada');
    expect(again).toBe(first);
    expect((await h.admin.put(`/api/v2/users/${again}.json`, { user: { notes: 'fresh' } })).status).toBe(200);
  });
});
