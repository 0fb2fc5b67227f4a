import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadZendeskOas, type OasValidator } from './support/oas.js';
import { type Answer, type Harness, startHarness, TestClient } from './support/zendesk.js';

let h: Harness;
let oas: OasValidator | null = null;
beforeAll(async () => {
  h = await startHarness({ plan: 'enterprise' });
  const loaded = await loadZendeskOas();
  if (loaded.validator === null) console.warn(`[incremental] OpenAPI checks skipped: ${loaded.reason}`);
  else oas = loaded.validator;
});
afterAll(() => h.close());
beforeEach(async () => {
  // A reset also puts the clock offset back to its start-up value.
  await h.admin.control('POST', 'reset');
  await setClock(0);
});
afterEach(async () => {
  await h.admin.control('PUT', 'config', { clockOffsetMs: 0, rateLimits: false });
});

const minute = 60_000;
/**
 * The tests' time 0 is half an hour after the reset that created the account's own admin, so that
 * the admin is out of every export window the tests look at.
 */
const base = 30 * minute;
let offsetMs = 0;

/** Moves the emulator clock to `offset` ms from the tests' time 0. */
async function setClock(offset: number): Promise<void> {
  offsetMs = base + offset;
  expect((await h.admin.control('PUT', 'config', { clockOffsetMs: offsetMs })).status).toBe(200);
}

/** The emulator's clock in Unix seconds. */
function emulatorSeconds(): number {
  return Math.floor((Date.now() + offsetMs) / 1000);
}

/** Creates a user with the emulator clock at `atOffset`, so that each gets a distinct updated_at. */
async function createUserAt(atOffset: number, name: string): Promise<number> {
  await setClock(atOffset);
  const answer = await h.admin.post('/api/v2/users.json', {
    user: { name, email: `${name.toLowerCase()}@example.com`, external_id: `ext-${name}` },
  });
  expect(answer.status).toBe(201);
  return answer.body.user.id;
}

function ids(answer: Answer): number[] {
  return answer.body.users.map((u: { id: number }) => u.id);
}

/**
 * Schema errors of an incremental export page, less one known deviation. Its users are UserObject,
 * an anyOf of the admin and the end-user view. A user who never signed in has `last_login_at: null`,
 * which the admin view types as a non-nullable date-time (the deviation the other OAS checks allow,
 * see oas-recorder.ts); the admin branch failing, Ajv also reports why the end-user branch does not
 * fit (null `photo`, `shared_phone_number`, …, which only that branch types as non-nullable).
 */
const knownUserDeviation =
  /last_login_at must be (string|null)|must match a schema in anyOf|organization_id must be integer|phone must be string|\/users\/\d+\/(photo must be object|shared_phone_number must be boolean) \(got null\)/;

function oasErrors(path: string, answer: Answer): string[] {
  if (oas === null) return [];
  return oas
    .validateResponse('GET', path, answer.status, answer.body)
    .errors.filter((e) => !knownUserDeviation.test(e));
}

describe('incremental user export, cursor-based', () => {
  it('exports users in updated_at order, page by page, then yields later changes from a kept cursor', async () => {
    const ten = 10_000;
    const a = await createUserAt(-10 * minute, 'Alice');
    const b = await createUserAt(-10 * minute + ten, 'Bob');
    const c = await createUserAt(-10 * minute + 2 * ten, 'Carol');
    const d = await createUserAt(-10 * minute + 3 * ten, 'Dave');
    await setClock(0);

    const start = emulatorSeconds() - 11 * 60; // before the four users, after the account's admin
    const path = `/api/v2/incremental/users/cursor.json?start_time=${start}&per_page=3`;
    const first = await h.admin.get(path);
    expect(first.status).toBe(200);
    expect(ids(first)).toEqual([a, b, c]);
    expect(first.body).toMatchObject({
      before_cursor: null,
      before_url: null,
      end_of_stream: false,
      after_cursor: expect.any(String),
    });
    expect(first.body.after_url).toBe(
      `${h.emulator.url}/api/v2/incremental/users/cursor.json?per_page=3&cursor=${encodeURIComponent(first.body.after_cursor)}`,
    );
    expect(oasErrors(path, first)).toEqual([]);
    expect(first.body.users[0]).toMatchObject({ name: 'Alice', email: 'alice@example.com', active: true });

    const second = await h.admin.get(first.body.after_url);
    expect(second.status).toBe(200);
    expect(ids(second)).toEqual([d]);
    expect(second.body.end_of_stream).toBe(true);
    const kept = second.body.after_cursor;

    // Polling the kept cursor with nothing new: an empty page that keeps its place.
    const idle = await h.admin.get(
      `/api/v2/incremental/users/cursor.json?cursor=${encodeURIComponent(kept)}`,
    );
    expect(ids(idle)).toEqual([]);
    expect(idle.body).toMatchObject({ end_of_stream: true, after_cursor: kept });

    // Changes now: an update and a soft delete. Not exported during their first minute…
    expect((await h.admin.put(`/api/v2/users/${b}.json`, { user: { notes: 'changed' } })).status).toBe(200);
    expect((await h.admin.delete(`/api/v2/users/${a}.json`)).status).toBe(200);
    const tooSoon = await h.admin.get(
      `/api/v2/incremental/users/cursor.json?cursor=${encodeURIComponent(kept)}`,
    );
    expect(ids(tooSoon)).toEqual([]);
    expect(tooSoon.body.end_of_stream).toBe(true);

    // …but once a minute has passed, the kept cursor yields exactly them, in change order, the
    // deleted user with active:false.
    await setClock(2 * minute);
    const later = await h.admin.get(
      `/api/v2/incremental/users/cursor.json?cursor=${encodeURIComponent(kept)}`,
    );
    expect(later.status).toBe(200);
    expect(ids(later)).toEqual([b, a]);
    expect(later.body.users[0]).toMatchObject({ notes: 'changed', active: true });
    expect(later.body.users[1]).toMatchObject({ active: false });
    expect(later.body.end_of_stream).toBe(true);
    expect(later.body.after_cursor).not.toBe(kept);
  });

  it('walks 2,500 users in full pages of 1,000, each exactly once, in updated_at order', async () => {
    await setClock(-5 * minute);
    expect((await h.admin.control('POST', 'seed', { generate: { endUsers: 2500 } })).status).toBe(200);
    await setClock(0);
    let url = `/api/v2/incremental/users/cursor.json?start_time=${emulatorSeconds() - 6 * 60}`;
    const sizes: number[] = [];
    const streamEnds: boolean[] = [];
    const seen: { id: number; updated: number }[] = [];
    for (let page = 0; page < 10; page += 1) {
      const answer = await h.admin.get(url);
      expect(answer.status).toBe(200);
      sizes.push(answer.body.users.length);
      streamEnds.push(answer.body.end_of_stream);
      for (const u of answer.body.users) seen.push({ id: u.id, updated: Date.parse(u.updated_at) });
      if (answer.body.end_of_stream) break;
      url = answer.body.after_url;
    }
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(streamEnds).toEqual([false, false, true]);
    expect(new Set(seen.map((u) => u.id)).size).toBe(2500);
    for (let i = 1; i < seen.length; i += 1) {
      const [prev, cur] = [seen[i - 1], seen[i]];
      expect(
        prev && cur && (prev.updated < cur.updated || (prev.updated === cur.updated && prev.id < cur.id)),
      ).toBe(true);
    }
  });

  it('leaves out the most recent minute: users created now appear once the clock moves on', async () => {
    const start = emulatorSeconds() - 5 * 60;
    const u1 = await createUserAt(0, 'Recent');
    const path = `/api/v2/incremental/users/cursor.json?start_time=${start}`;
    const now = await h.admin.get(path);
    expect(now.status).toBe(200);
    expect(ids(now)).not.toContain(u1);
    expect(now.body.end_of_stream).toBe(true);

    await setClock(2 * minute);
    const later = await h.admin.get(path);
    expect(ids(later)).toContain(u1);
    // Default page size is 1000: everything in one page.
    expect(later.body.end_of_stream).toBe(true);
  });

  it('needs start_time on the first request, at least one minute in the past', async () => {
    const missing = await h.admin.get('/api/v2/incremental/users/cursor.json');
    expect(missing.status).toBe(400);
    expect(missing.body.description).toMatch(/start_time is required/);

    const recent = await h.admin.get(
      `/api/v2/incremental/users/cursor.json?start_time=${emulatorSeconds() - 30}`,
    );
    expect(recent.status).toBe(422);
    expect(recent.body).toEqual({
      error: 'InvalidValue',
      description: expect.stringMatching(/^Too recent start_time\. .*one minute/),
    });
    const future = await h.admin.get(`/api/v2/incremental/users?start_time=${emulatorSeconds() + 3600}`);
    expect(future.status).toBe(422);

    const old = await h.admin.get(
      `/api/v2/incremental/users/cursor.json?start_time=${emulatorSeconds() - 61}`,
    );
    expect(old.status).toBe(200);

    // The same start_time becomes valid once the emulator clock has moved on 2 minutes.
    const now = emulatorSeconds();
    expect((await h.admin.get(`/api/v2/incremental/users/cursor.json?start_time=${now}`)).status).toBe(422);
    await setClock(2 * minute);
    expect((await h.admin.get(`/api/v2/incremental/users/cursor.json?start_time=${now}`)).status).toBe(200);
  });

  it('refuses bad parameters (400) and non-admins (403)', async () => {
    const start = emulatorSeconds() - 3600;
    for (const bad of [
      `cursor.json?start_time=${start}&per_page=1001`,
      `cursor.json?start_time=${start}&per_page=0`,
      'cursor.json?cursor=bm90LWEtY3Vyc29y',
      'cursor.json?start_time=yesterday',
    ]) {
      const answer = await h.admin.get(`/api/v2/incremental/users/${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error).toBe('InvalidValue');
    }
    expect(
      (await h.admin.get(`/api/v2/incremental/users/cursor.json?start_time=${start}&per_page=1000`)).status,
    ).toBe(200);

    await h.admin.post('/api/v2/users.json', {
      user: { name: 'Agent', email: 'agent@example.com', role: 'agent', verified: true },
    });
    const agent = h.admin.as(TestClient.basic('agent@example.com', h.emulator.apiToken));
    expect((await agent.get(`/api/v2/incremental/users/cursor.json?start_time=${start}`)).status).toBe(403);
    expect((await agent.get(`/api/v2/incremental/users.json?start_time=${start}`)).status).toBe(403);
  });
});

describe('incremental user export, time-based', () => {
  it('answers users, count, end_time and next_page; end_time is the next start_time', async () => {
    const ten = 10_000;
    const a = await createUserAt(-10 * minute, 'Alice');
    const b = await createUserAt(-10 * minute + ten, 'Bob');
    const c = await createUserAt(-10 * minute + 2 * ten, 'Carol');
    await setClock(0);
    const start = emulatorSeconds() - 11 * 60;

    const path = `/api/v2/incremental/users.json?start_time=${start}&per_page=2`;
    const first = await h.admin.get(path);
    expect(first.status).toBe(200);
    expect(ids(first)).toEqual([a, b]);
    const bobSeconds = Math.floor(Date.parse(first.body.users[1].updated_at) / 1000);
    expect(first.body).toMatchObject({ count: 2, end_time: bobSeconds, end_of_stream: false });
    expect(first.body.next_page).toBe(
      `${h.emulator.url}/api/v2/incremental/users.json?per_page=2&start_time=${bobSeconds}`,
    );
    expect(oasErrors(path, first)).toEqual([]);

    // The next page starts at end_time: the user of that second comes again (documented duplicates).
    const second = await h.admin.get(first.body.next_page);
    expect(ids(second)).toEqual([b, c]);
    expect(second.body.end_of_stream).toBe(true);
    const carolSeconds = Math.floor(Date.parse(second.body.users[1].updated_at) / 1000);
    expect(second.body.end_time).toBe(carolSeconds);
    expect(second.body.next_page).toContain(`start_time=${carolSeconds}`);
  });

  it('sends a whole second when a full page falls within it, so end_time always moves on', async () => {
    // Put the emulator clock 100 ms into a fresh second, ten minutes back, and seed five users at
    // once: they share that second (900 ms of margin).
    const target = Math.floor((Date.now() + base - 10 * minute) / 1000) * 1000 + 1100;
    offsetMs = target - Date.now();
    await h.admin.control('PUT', 'config', { clockOffsetMs: offsetMs });
    const names = ['Ann', 'Ben', 'Cat', 'Dan', 'Eve'];
    const seeded = await h.admin.control('POST', 'seed', {
      users: names.map((name) => ({ name, email: `${name.toLowerCase()}@example.com` })),
    });
    expect(seeded.status).toBe(200);
    const second = (target - 100) / 1000;
    await setClock(0);

    const first = await h.admin.get(`/api/v2/incremental/users.json?start_time=${second - 60}&per_page=2`);
    expect(first.status).toBe(200);
    expect(first.body.users.map((u: { name: string }) => u.name)).toEqual(names);
    for (const user of first.body.users) expect(Date.parse(user.updated_at) / 1000).toBe(second);
    expect(first.body).toMatchObject({ count: 5, end_time: second + 1, end_of_stream: true });
    const next = await h.admin.get(first.body.next_page);
    expect(next.body).toMatchObject({ users: [], count: 0, end_of_stream: true });
  });

  it('needs start_time (400), at least one minute in the past (422)', async () => {
    expect((await h.admin.get('/api/v2/incremental/users.json')).status).toBe(400);
    expect((await h.admin.get(`/api/v2/incremental/users.json?start_time=${emulatorSeconds()}`)).status).toBe(
      422,
    );
    const start = emulatorSeconds() - 120;
    const empty = await h.admin.get(`/api/v2/incremental/users.json?start_time=${start}`);
    expect(empty.status).toBe(200);
    // Nothing changed in that window: end_time stays at start_time, so nothing is skipped later.
    expect(empty.body).toMatchObject({ users: [], count: 0, end_time: start, end_of_stream: true });
  });
});

describe('incremental export rate limit', () => {
  it('allows 10 requests a minute, then answers 429 with Retry-After; other endpoints are unaffected', async () => {
    await h.admin.control('PUT', 'config', { rateLimits: true });
    const path = `/api/v2/incremental/users/cursor.json?start_time=${emulatorSeconds() - 3600}`;
    for (let i = 0; i < 10; i += 1) expect((await h.admin.get(path)).status).toBe(200);
    const limited = await h.admin.get(path);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body).toEqual({
      error: 'APIRateLimitExceeded',
      description: 'Number of allowed incremental export API requests per minute exceeded',
    });
    // The time-based form shares the budget.
    expect(
      (await h.admin.get(`/api/v2/incremental/users.json?start_time=${emulatorSeconds() - 3600}`)).status,
    ).toBe(429);
    expect((await h.admin.get('/api/v2/users/me.json')).status).toBe(200);

    // A minute later (emulator clock) the budget is back.
    await setClock(61_000);
    expect((await h.admin.get(path)).status).toBe(200);
  });

  it('is not limited while rate limits are off', async () => {
    const path = `/api/v2/incremental/users/cursor.json?start_time=${emulatorSeconds() - 3600}`;
    for (let i = 0; i < 12; i += 1) expect((await h.admin.get(path)).status).toBe(200);
  });
});
