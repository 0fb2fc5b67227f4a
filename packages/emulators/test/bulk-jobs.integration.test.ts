import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadZendeskOas, type OasValidator } from './support/oas.js';
import { type Answer, type Harness, startHarness, TestClient, waitForJob } from './support/zendesk.js';

let h: Harness;
let oas: OasValidator | null = null;
beforeAll(async () => {
  h = await startHarness({ plan: 'enterprise' });
  const loaded = await loadZendeskOas();
  if (loaded.validator === null) console.warn(`[bulk-jobs] OpenAPI checks skipped: ${loaded.reason}`);
  else oas = loaded.validator;
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('POST', 'reset');
});
afterEach(async () => {
  // A reset cancels pending job steps and puts back the start-up settings a test changed
  // (bulkImport, faults, jobStepMs, clock offset, rate limits).
  await h.admin.control('POST', 'reset');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Response-schema errors of an exchange against Zendesk's OpenAPI document (none when absent). */
function oasErrors(method: string, path: string, answer: Answer): string[] {
  if (oas === null) return [];
  return oas.validateResponse(method, path, answer.status, answer.body).errors;
}

/**
 * Failed result items carry the recorded `status: "Failed"` (and `index`) beside the documented
 * FailedResult fields, so they also fit Update- and CreateResourceResult and break the document's
 * `oneOf` (see routes/bulk-users.ts). These must be the only schema errors, at exactly the failed
 * items' positions.
 */
function expectOnlyFailedItemDeviations(errors: string[], failedIndexes: number[]): void {
  if (oas === null) return;
  const expected = new Set([
    ...failedIndexes.map((i) => `/job_status/results/${i} must match exactly one schema in oneOf`),
    '/job_status/results must match exactly one schema in oneOf',
  ]);
  const rest = errors.filter(
    (e) => !expected.has(e) && !/^\/job_status\/results must be object \(got /.test(e),
  );
  expect(rest).toEqual([]);
  for (const i of failedIndexes)
    expect(errors).toContain(`/job_status/results/${i} must match exactly one schema in oneOf`);
}

async function createUser(
  user: Record<string, unknown>,
): Promise<{ id: number; external_id: string | null }> {
  const answer = await h.admin.post('/api/v2/users.json', { user });
  expect(answer.status).toBe(201);
  return answer.body.user;
}

async function showUsers(ids: number[]): Promise<Record<number, Record<string, unknown>>> {
  const answer = await h.admin.get(`/api/v2/users/show_many.json?include_deleted=true&ids=${ids.join(',')}`);
  expect(answer.status).toBe(200);
  return Object.fromEntries(answer.body.users.map((u: { id: number }) => [u.id, u]));
}

async function userCount(): Promise<number> {
  return (await h.admin.control('GET', 'state')).body.users.length;
}

describe('bulk user jobs: lifecycle and results', () => {
  it('create_many goes queued → working (partial progress) → completed with per-item results', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true, jobStepMs: 250 });
    await createUser({ name: 'Taken', email: 'taken@example.com' });
    const path = '/api/v2/users/create_many.json';
    const answer = await h.admin.post(path, {
      users: [
        { name: 'Ann One', email: 'ann@example.com', external_id: 'ext-ann' },
        { email: 'nameless@example.com' },
        { name: 'Dup', email: 'TAKEN@example.com' },
        { name: 'Bob Two', email: 'bob@example.com', role: 'agent' },
      ],
    });
    expect(answer.status).toBe(200);
    const job = answer.body.job_status;
    // The recorded queued status: no progress, message or results yet.
    expect(job).toMatchObject({
      id: expect.stringMatching(/^V3-[0-9a-f]{32}$/),
      total: 4,
      progress: null,
      status: 'queued',
      message: null,
      results: null,
    });
    expect(job.url).toBe(`${h.emulator.url}/api/v2/job_statuses/${job.id}.json`);

    const seen: string[] = [];
    let working: Record<string, unknown> | undefined;
    for (let i = 0; i < 300 && !seen.includes('completed'); i += 1) {
      const poll = await h.admin.get(`/api/v2/job_statuses/${job.id}.json`);
      expect(poll.status).toBe(200);
      const status = poll.body.job_status.status;
      if (seen[seen.length - 1] !== status) seen.push(status);
      if (status === 'working') working = poll.body.job_status;
      await sleep(10);
    }
    expect(seen).toEqual(['queued', 'working', 'completed']);
    // Half the items are applied when work starts: real, partial progress, results still null.
    expect(working).toMatchObject({ progress: 2, message: 'Creating user #2', results: null, total: 4 });
    // Checked after polling: compiling the schema the first time takes longer than a job step.
    expect(oasErrors('POST', path, answer)).toEqual([]);

    const done = await waitForJob(h.admin, job.id);
    expect(done.progress).toBe(4);
    expect(done.message).toMatch(/^Completed at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$/);
    const [ann, nameless, dup, bob] = done.results;
    expect(ann).toEqual({
      index: 0,
      id: expect.any(Number),
      status: 'Created',
      email: 'ann@example.com',
      external_id: 'ext-ann',
    });
    expect(bob).toEqual({ index: 3, id: expect.any(Number), status: 'Created', email: 'bob@example.com' });
    // A bad item fails alone, with every field problem in `details`; id is the request index.
    expect(nameless).toEqual({
      index: 1,
      id: 1,
      action: 'create',
      success: false,
      error: 'UserCreateError',
      details: 'Name: is too short (minimum is 1 characters)',
      status: 'Failed',
    });
    expect(dup).toMatchObject({
      index: 2,
      id: 2,
      success: false,
      status: 'Failed',
      error: 'UserCreateError',
    });
    expect(dup.details).toBe('Email: TAKEN@example.com is already being used by another user');

    const users = await showUsers([ann.id, bob.id]);
    expect(users[ann.id]).toMatchObject({ name: 'Ann One', external_id: 'ext-ann', role: 'end-user' });
    expect(users[bob.id]).toMatchObject({ name: 'Bob Two', role: 'agent' });
    expect(await userCount()).toBe(4); // admin, Taken, Ann, Bob
  });

  it('create_many answers 403 while bulk import is disabled, and nothing is created', async () => {
    const before = await userCount();
    for (const path of ['/api/v2/users/create_many.json', '/api/v2/users/create_or_update_many.json']) {
      const answer = await h.admin.post(path, { users: [{ name: 'X', email: 'x@example.com' }] });
      expect(answer.status).toBe(403);
      expect(answer.body.error).toBe('Forbidden');
      expect(answer.body.description).toMatch(/bulk user imports are not enabled/i);
    }
    await sleep(30);
    expect(await userCount()).toBe(before);
    expect((await h.admin.get('/api/v2/job_statuses.json')).body.job_statuses).toEqual([]);

    // Enabled at run time through the control plane, the same request is accepted.
    await h.admin.control('PUT', 'config', { bulkImport: true });
    const ok = await h.admin.post('/api/v2/users/create_many.json', {
      users: [{ name: 'X', email: 'x@example.com' }],
    });
    expect(ok.status).toBe(200);
    const done = await waitForJob(h.admin, ok.body.job_status.id);
    expect(done.results[0]).toMatchObject({ status: 'Created', email: 'x@example.com' });
  });

  it('a bulk import enabled by the seed or the start option works without the control plane', async () => {
    const seeded = await startHarness({ seed: { settings: { bulkImport: true } } });
    const option = await startHarness({ bulkImport: true });
    try {
      for (const other of [seeded, option]) {
        const answer = await other.admin.post('/api/v2/users/create_many.json', {
          users: [{ name: 'S', email: 's@example.com' }],
        });
        expect(answer.status).toBe(200);
        expect((await waitForJob(other.admin, answer.body.job_status.id)).results[0].status).toBe('Created');
      }
    } finally {
      await seeded.close();
      await option.close();
    }
  });

  it('create_or_update_many creates, updates by email or external_id, and fails one item alone', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true });
    const byEmail = await createUser({ name: 'Old Name', email: 'old@example.com' });
    const byExternal = await createUser({ name: 'Ext', email: 'ext@example.com', external_id: 'AbC-1' });
    const answer = await h.admin.post('/api/v2/users/create_or_update_many.json', {
      users: [
        { name: 'New Name', email: 'old@example.com' },
        { name: 'Brand New', email: 'new@example.com' },
        { name: 'bad', email: 'error.example.com' },
        { external_id: 'abc-1', notes: 'matched case-insensitively' },
      ],
    });
    expect(answer.status).toBe(200);
    const done = await waitForJob(h.admin, answer.body.job_status.id);
    const [updated, created, failed, external] = done.results;
    expect(updated).toEqual({ index: 0, id: byEmail.id, status: 'Updated', email: 'old@example.com' });
    expect(created).toMatchObject({ index: 1, status: 'Created', email: 'new@example.com' });
    expect(created.id).not.toBe(byEmail.id);
    // The observed failure of create_or_update_many: UserUpdateError, id = request index.
    expect(failed).toMatchObject({
      index: 2,
      id: 2,
      error: 'UserUpdateError',
      success: false,
      status: 'Failed',
      details: 'Email: error.example.com is not properly formatted',
    });
    expect(external).toMatchObject({ index: 3, id: byExternal.id, status: 'Updated', external_id: 'abc-1' });

    const users = await showUsers([byEmail.id, byExternal.id]);
    expect(users[byEmail.id]).toMatchObject({ name: 'New Name' });
    // The external_id takes the case that was sent (Users API reference, Create Or Update User,
    // "External ID Case Sensitivity").
    expect(users[byExternal.id]).toMatchObject({ notes: 'matched case-insensitively', external_id: 'abc-1' });
  });

  it('applies the role rule of the single endpoints per item for agents', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true });
    await createUser({ name: 'Agent', email: 'agent@example.com', role: 'agent', verified: true });
    const agent = h.admin.as(TestClient.basic('agent@example.com', h.emulator.apiToken));
    const answer = await agent.post('/api/v2/users/create_many.json', {
      users: [
        { name: 'End', email: 'end@example.com' },
        { name: 'Boss', email: 'boss@example.com', role: 'admin' },
      ],
    });
    expect(answer.status).toBe(200);
    const done = await waitForJob(agent, answer.body.job_status.id);
    expect(done.results[0]).toMatchObject({ status: 'Created' });
    expect(done.results[1]).toMatchObject({ status: 'Failed', error: 'UserCreateError', success: false });
    // destroy_many is for admins only.
    expect((await agent.delete('/api/v2/users/destroy_many.json?ids=1')).status).toBe(403);
  });
});

describe('bulk user jobs: limits of a request', () => {
  it('refuses more than 100 items and empty lists with 400 in the {error, description} shape', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true });
    const many = Array.from({ length: 101 }, (_, i) => ({ name: `U${i}`, email: `u${i}@example.com` }));
    for (const path of ['/api/v2/users/create_many.json', '/api/v2/users/create_or_update_many.json']) {
      const big = await h.admin.post(path, { users: many });
      expect(big.status).toBe(400);
      expect(big.body).toEqual({
        error: 'TooManyValues',
        description: expect.stringContaining('at most 100'),
      });
      const empty = await h.admin.post(path, { users: [] });
      expect(empty.status).toBe(400);
      expect(empty.body.error).toBe('InvalidParameter');
      expect((await h.admin.post(path, { user: { name: 'x' } })).status).toBe(400);
    }
    const ids = Array.from({ length: 101 }, (_, i) => i + 1).join(',');
    expect((await h.admin.delete(`/api/v2/users/destroy_many.json?ids=${ids}`)).status).toBe(400);
    expect(
      (await h.admin.put(`/api/v2/users/update_many.json?ids=${ids}`, { user: { notes: 'x' } })).status,
    ).toBe(400);
    const bigUpdate = await h.admin.put('/api/v2/users/update_many.json', {
      users: many.map((_, i) => ({ id: i + 1, notes: 'x' })),
    });
    expect(bigUpdate.status).toBe(400);
    expect(bigUpdate.body.error).toBe('TooManyValues');

    // Exactly 100 is accepted.
    const hundred = await h.admin.post('/api/v2/users/create_many.json', { users: many.slice(0, 100) });
    expect(hundred.status).toBe(200);
    expect(hundred.body.job_status.total).toBe(100);
    const done = await waitForJob(h.admin, hundred.body.job_status.id);
    expect(done.results.filter((r: { status: string }) => r.status === 'Created')).toHaveLength(100);
    expect(
      oasErrors('GET', `/api/v2/job_statuses/${done.id}.json`, { ...hundred, body: { job_status: done } }),
    ).toEqual([]);
  });

  it('enforces at most 30 queued or running jobs with 429 and Retry-After', async () => {
    await h.admin.control('PUT', 'config', { jobStepMs: 2000 });
    const ids: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      const answer = await h.admin.delete(`/api/v2/users/destroy_many.json?ids=${900 + i}`);
      expect(answer.status).toBe(200);
      ids.push(answer.body.job_status.id);
    }
    const refused = await h.admin.delete('/api/v2/users/destroy_many.json?ids=999');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body.error).toBe('TooManyJobs');
    // Other requests still work, and the refused request queued nothing.
    const listed = await h.admin.get('/api/v2/job_statuses.json');
    expect(listed.status).toBe(200);
    expect(listed.body.job_statuses).toHaveLength(30);
  });
});

describe('update_many and destroy_many', () => {
  it('update_many?ids= applies the same change to each user; unknown ids fail alone', async () => {
    const a = await createUser({ name: 'A', email: 'a@example.com' });
    const b = await createUser({ name: 'B', email: 'b@example.com' });
    // Not gated by the bulk import setting (only the import endpoints are).
    const path = `/api/v2/users/update_many.json?ids=${a.id},${b.id},12345`;
    const answer = await h.admin.put(path, { user: { notes: 'bulk', tags: ['x', 'y'] } });
    expect(answer.status).toBe(200);
    expect(answer.body.job_status).toMatchObject({ status: 'queued', total: 3 });
    expect(oasErrors('PUT', path, answer)).toEqual([]);
    const done = await waitForJob(h.admin, answer.body.job_status.id);
    expect(done.results).toEqual([
      { id: a.id, action: 'update', success: true, status: 'Updated' },
      { id: b.id, action: 'update', success: true, status: 'Updated' },
      {
        index: 2,
        id: 12345,
        action: 'update',
        success: false,
        error: 'RecordNotFound',
        details: 'Not found',
        status: 'Failed',
      },
    ]);
    const users = await showUsers([a.id, b.id]);
    for (const user of Object.values(users)) expect(user).toMatchObject({ notes: 'bulk', tags: ['x', 'y'] });
  });

  it('update_many?external_ids= finds users case-insensitively', async () => {
    const a = await createUser({ name: 'A', email: 'a@example.com', external_id: 'Ext-A' });
    const b = await createUser({ name: 'B', email: 'b@example.com', external_id: 'ext-b' });
    const answer = await h.admin.put('/api/v2/users/update_many.json?external_ids=ext-a,EXT-B', {
      user: { suspended: true },
    });
    expect(answer.status).toBe(200);
    const done = await waitForJob(h.admin, answer.body.job_status.id);
    expect(done.results.map((r: { id: number; status: string }) => [r.id, r.status])).toEqual([
      [a.id, 'Updated'],
      [b.id, 'Updated'],
    ]);
    const users = await showUsers([a.id, b.id]);
    expect(users[a.id]).toMatchObject({ suspended: true, external_id: 'Ext-A' });
    expect(users[b.id]).toMatchObject({ suspended: true });
  });

  it('update_many with {users:[…]} applies individual changes by id or external_id', async () => {
    const a = await createUser({ name: 'A', email: 'a@example.com' });
    const b = await createUser({ name: 'B', email: 'b@example.com', external_id: 'ext-b' });
    const c = await createUser({ name: 'C', email: 'c@example.com' });
    const answer = await h.admin.put('/api/v2/users/update_many.json', {
      users: [
        { id: a.id, name: 'A renamed' },
        { external_id: 'ext-b', phone: '+15550001111' },
        { id: c.id, name: '' },
        { external_id: 'nobody', name: 'Ghost' },
      ],
    });
    expect(answer.status).toBe(200);
    const done = await waitForJob(h.admin, answer.body.job_status.id);
    expect(done.results[0]).toEqual({ id: a.id, action: 'update', success: true, status: 'Updated' });
    expect(done.results[1]).toEqual({ id: b.id, action: 'update', success: true, status: 'Updated' });
    expect(done.results[2]).toEqual({
      index: 2,
      id: c.id,
      action: 'update',
      success: false,
      error: 'UserUpdateError',
      details: 'Name: is too short (minimum is 1 characters)',
      status: 'Failed',
    });
    expect(done.results[3]).toMatchObject({ index: 3, id: 3, error: 'RecordNotFound', status: 'Failed' });
    const users = await showUsers([a.id, b.id, c.id]);
    expect(users[a.id]).toMatchObject({ name: 'A renamed' });
    expect(users[b.id]).toMatchObject({ phone: '+15550001111', name: 'B' });
    expect(users[c.id]).toMatchObject({ name: 'C' });
  });

  it('update_many refuses a body of neither form, or both forms at once (400)', async () => {
    expect((await h.admin.put('/api/v2/users/update_many.json', { user: { notes: 'x' } })).status).toBe(400);
    expect((await h.admin.put('/api/v2/users/update_many.json?ids=1', { nothing: true })).status).toBe(400);
    expect((await h.admin.put('/api/v2/users/update_many.json?ids=1', { users: [{ id: 1 }] })).status).toBe(
      400,
    );
    expect((await h.admin.put('/api/v2/users/update_many.json?ids=1,x', { user: {} })).status).toBe(400);
  });

  it('destroy_many soft-deletes by ids or external_ids and reports each user', async () => {
    const a = await createUser({ name: 'A', email: 'a@example.com' });
    const b = await createUser({ name: 'B', email: 'b@example.com', external_id: 'ext-b' });
    const path = `/api/v2/users/destroy_many.json?ids=${a.id},777`;
    const answer = await h.admin.delete(path);
    expect(answer.status).toBe(200);
    expect(answer.body.job_status).toMatchObject({ status: 'queued', total: 2, results: null });
    const done = await waitForJob(h.admin, answer.body.job_status.id);
    expect(done.results).toEqual([
      { id: a.id, action: 'delete', success: true, status: 'Deleted' },
      {
        index: 1,
        id: 777,
        action: 'delete',
        success: false,
        error: 'RecordNotFound',
        details: 'Not found',
        status: 'Failed',
      },
    ]);
    // The failed item is where the emulator follows recorded traffic over the OpenAPI document.
    expectOnlyFailedItemDeviations(
      oasErrors('GET', `/api/v2/job_statuses/${done.id}.json`, { ...answer, body: { job_status: done } }),
      [1],
    );

    const byExternal = await h.admin.delete('/api/v2/users/destroy_many.json?external_ids=EXT-B');
    const second = await waitForJob(h.admin, byExternal.body.job_status.id);
    expect(second.results).toEqual([{ id: b.id, action: 'delete', success: true, status: 'Deleted' }]);

    const users = await showUsers([a.id, b.id]);
    expect(users[a.id]).toMatchObject({ active: false });
    expect(users[b.id]).toMatchObject({ active: false });
    // Deleting again: the users are gone (RecordNotFound per item).
    const again = await waitForJob(
      h.admin,
      (await h.admin.delete(`/api/v2/users/destroy_many.json?ids=${a.id}`)).body.job_status.id,
    );
    expect(again.results[0]).toMatchObject({ id: a.id, error: 'RecordNotFound', status: 'Failed' });
    expect((await h.admin.delete('/api/v2/users/destroy_many.json')).status).toBe(400);
  });
});

describe('job statuses', () => {
  it('shows one job, several with show_many, and answers 404 RecordNotFound to unknown ids', async () => {
    const first = (await h.admin.delete('/api/v2/users/destroy_many.json?ids=1')).body.job_status.id;
    const second = (await h.admin.delete('/api/v2/users/destroy_many.json?ids=2')).body.job_status.id;
    await waitForJob(h.admin, first);
    await waitForJob(h.admin, second);

    const shown = await h.admin.get(`/api/v2/job_statuses/${first}`);
    expect(shown.status).toBe(200);
    expect(shown.body.job_status).toMatchObject({ id: first, status: 'completed', total: 1, progress: 1 });

    const path = `/api/v2/job_statuses/show_many.json?ids=${second},V3-unknown,${first}`;
    const many = await h.admin.get(path);
    expect(many.status).toBe(200);
    expect(many.body.job_statuses.map((j: { id: string }) => j.id)).toEqual([second, first]);

    const missing = await h.admin.get('/api/v2/job_statuses/V3-00000000000000000000000000000000.json');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'RecordNotFound', description: 'Not found' });
    expect((await h.admin.get('/api/v2/job_statuses/show_many.json')).status).toBe(400);
  });

  it('lists jobs by completion then creation date, descending, with cursor pagination', async () => {
    const [u1, u2, u3] = await Promise.all(
      [1, 2, 3].map((i) => createUser({ name: `U${i}`, email: `u${i}@example.com` })),
    );
    const a = (await h.admin.delete(`/api/v2/users/destroy_many.json?ids=${u1?.id}`)).body.job_status.id;
    await waitForJob(h.admin, a);
    await sleep(5);
    const b = (await h.admin.delete(`/api/v2/users/destroy_many.json?ids=${u2?.id}`)).body.job_status.id;
    await waitForJob(h.admin, b);
    // A job still queued has no completion date: it comes after the completed ones.
    await h.admin.control('PUT', 'config', { jobStepMs: 2000 });
    const c = (await h.admin.delete(`/api/v2/users/destroy_many.json?ids=${u3?.id}`)).body.job_status.id;

    const all = await h.admin.get('/api/v2/job_statuses.json');
    expect(all.status).toBe(200);
    expect(all.body.job_statuses.map((j: { id: string }) => j.id)).toEqual([b, a, c]);
    expect(oasErrors('GET', '/api/v2/job_statuses.json', all)).toEqual([]);

    const page1 = await h.admin.get('/api/v2/job_statuses.json?page[size]=2');
    expect(page1.body.job_statuses.map((j: { id: string }) => j.id)).toEqual([b, a]);
    expect(page1.body.meta).toMatchObject({ has_more: true, after_cursor: expect.any(String) });
    expect(page1.body.links.next).toContain('page%5Bafter%5D=');
    const page2 = await h.admin.get(page1.body.links.next);
    expect(page2.status).toBe(200);
    expect(page2.body.job_statuses.map((j: { id: string }) => j.id)).toEqual([c]);
    expect(page2.body.meta.has_more).toBe(false);
    expect(page2.body.links.next).toBeNull();
    const back = await h.admin.get(page2.body.links.prev);
    expect(back.body.job_statuses.map((j: { id: string }) => j.id)).toEqual([b, a]);

    expect((await h.admin.get('/api/v2/job_statuses.json?page[after]=nonsense')).status).toBe(400);
    expect((await h.admin.get('/api/v2/job_statuses.json?page[size]=101')).status).toBe(400);
  });

  it('keeps a completed job for one day on the emulator clock, then answers 404', async () => {
    const id = (await h.admin.delete('/api/v2/users/destroy_many.json?ids=1')).body.job_status.id;
    await waitForJob(h.admin, id);
    const hour = 60 * 60 * 1000;

    await h.admin.control('PUT', 'config', { clockOffsetMs: 23 * hour });
    expect((await h.admin.get(`/api/v2/job_statuses/${id}.json`)).status).toBe(200);

    await h.admin.control('PUT', 'config', { clockOffsetMs: 24 * hour + 60_000 });
    const expired = await h.admin.get(`/api/v2/job_statuses/${id}.json`);
    expect(expired.status).toBe(404);
    expect(expired.body.error).toBe('RecordNotFound');
    expect((await h.admin.get(`/api/v2/job_statuses/show_many.json?ids=${id}`)).body.job_statuses).toEqual(
      [],
    );
    expect((await h.admin.get('/api/v2/job_statuses.json')).body.job_statuses).toEqual([]);
  });

  it('job404 fault: a new job answers 404 for its first N polls, then shows normally', async () => {
    await h.admin.control('PUT', 'config', { faults: 'job404=2' });
    const answer = await h.admin.delete('/api/v2/users/destroy_many.json?ids=1');
    expect(answer.status).toBe(200);
    const id = answer.body.job_status.id;
    await sleep(30);
    expect((await h.admin.get(`/api/v2/job_statuses/${id}.json`)).status).toBe(404);
    // Not listed while hidden; listing does not use up the hidden polls.
    expect((await h.admin.get('/api/v2/job_statuses.json')).body.job_statuses).toEqual([]);
    expect((await h.admin.get(`/api/v2/job_statuses/${id}.json`)).status).toBe(404);
    const third = await h.admin.get(`/api/v2/job_statuses/${id}.json`);
    expect(third.status).toBe(200);
    expect(third.body.job_status).toMatchObject({ id, status: 'completed' });
  });

  it('is readable by agents but not end users', async () => {
    await createUser({ name: 'Agent', email: 'agent@example.com', role: 'agent', verified: true });
    await createUser({ name: 'End', email: 'end@example.com', verified: true });
    const id = (await h.admin.delete('/api/v2/users/destroy_many.json?ids=1')).body.job_status.id;
    await waitForJob(h.admin, id);
    const agent = h.admin.as(TestClient.basic('agent@example.com', h.emulator.apiToken));
    const endUser = h.admin.as(TestClient.basic('end@example.com', h.emulator.apiToken));
    expect((await agent.get(`/api/v2/job_statuses/${id}.json`)).status).toBe(200);
    expect((await endUser.get(`/api/v2/job_statuses/${id}.json`)).status).toBe(403);
  });
});
