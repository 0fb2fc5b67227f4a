import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, rawGet, startHarness, TestClient } from './support/zendesk.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ plan: 'enterprise' });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('POST', 'reset');
});

describe('authentication', () => {
  it('accepts the admin API token with and without .json', async () => {
    const a = await h.admin.get('/api/v2/users/me.json');
    const b = await h.admin.get('/api/v2/users/me');
    expect(a.status).toBe(200);
    expect(a.body.user.email).toBe('admin@example.com');
    expect(a.body.user.role).toBe('admin');
    expect(b.body.user.id).toBe(a.body.user.id);
  });

  it('answers 401 with Zendesk body to a bad token', async () => {
    const bad = h.admin.as(TestClient.basic('admin@example.com', 'wrong'));
    const answer = await bad.get('/api/v2/users.json');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: "Couldn't authenticate you" });
  });

  it('answers users/me with 200 and an anonymous user to bad or missing credentials', async () => {
    for (const client of [h.admin.as(TestClient.basic('admin@example.com', 'wrong')), h.admin.as(null)]) {
      const answer = await client.get('/api/v2/users/me.json');
      expect(answer.status).toBe(200);
      expect(answer.body.user.id).toBeNull();
      expect(answer.body.user.name).toBe('Anonymous user');
    }
  });

  it('answers 404 with an empty body for a wrong subdomain host', async () => {
    const auth = TestClient.basic(h.emulator.adminEmail, h.emulator.apiToken);
    const answer = await rawGet(h.emulator.port, '/api/v2/users/me.json', {
      host: `wrong.localhost:${h.emulator.port}`,
      authorization: auth,
    });
    expect(answer.status).toBe(404);
    expect(answer.text).toBe('');
    const right = await rawGet(h.emulator.port, '/api/v2/users/me.json', {
      host: `provisio-demo.localhost:${h.emulator.port}`,
      authorization: auth,
    });
    expect(right.status).toBe(200);
    expect(JSON.parse(right.text).user.url).toContain('provisio-demo.localhost');
  });

  it('refuses admin-only calls to agents with 403', async () => {
    const created = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Agent Smith', email: 'smith@example.com', role: 'agent', verified: true },
    });
    expect(created.status).toBe(201);
    const agent = h.admin.as(TestClient.basic('smith@example.com', h.emulator.apiToken));
    expect((await agent.get('/api/v2/users/me.json')).body.user.role).toBe('agent');
    const del = await agent.delete(`/api/v2/users/${created.body.user.id}.json`);
    expect(del.status).toBe(403);
  });

  it('lets agents manage end users but not edit, promote or demote staff', async () => {
    const smith = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Agent Smith', email: 'smith@example.com', role: 'agent', verified: true },
    });
    const jones = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Agent Jones', email: 'jones@example.com', role: 'agent' },
    });
    const customer = await h.admin.post('/api/v2/users.json', {
      user: { name: 'C', email: 'c@example.com' },
    });
    const agent = h.admin.as(TestClient.basic('smith@example.com', h.emulator.apiToken));
    const demote = await agent.put(`/api/v2/users/${jones.body.user.id}.json`, {
      user: { role: 'end-user' },
    });
    expect(demote.status).toBe(403);
    const promote = await agent.put(`/api/v2/users/${customer.body.user.id}.json`, {
      user: { role: 'agent' },
    });
    expect(promote.status).toBe(403);
    const edit = await agent.put(`/api/v2/users/${customer.body.user.id}.json`, { user: { notes: 'VIP' } });
    expect(edit.status).toBe(200);
    expect(smith.status).toBe(201);
  });

  it('answers malformed JSON with 400 InvalidJSON and accepts an empty JSON body', async () => {
    const headers = {
      authorization: TestClient.basic(h.emulator.adminEmail, h.emulator.apiToken),
      'content-type': 'application/json',
    };
    const bad = await fetch(`${h.emulator.url}/api/v2/users.json`, {
      method: 'POST',
      headers,
      body: '{"user":',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'InvalidJSON' });
    const created = await h.admin.post('/api/v2/users.json', {
      user: { name: 'E', email: 'empty@example.com' },
    });
    const emptyBody = await fetch(`${h.emulator.url}/api/v2/users/${created.body.user.id}.json`, {
      method: 'DELETE',
      headers,
      body: '',
    });
    expect(emptyBody.status).toBe(200);
  });

  it('answers unknown API routes with InvalidEndpoint', async () => {
    const answer = await h.admin.get('/api/v2/nothing_here.json');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: 'InvalidEndpoint', description: 'Not found' });
  });
});

describe('users', () => {
  it('creates a user (201) with the full UserForAdmin shape', async () => {
    const answer = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Jane Doe', email: 'jane@example.com', external_id: 'ext-1', phone: '+15551234567' },
    });
    expect(answer.status).toBe(201);
    const user = answer.body.user;
    expect(user).toMatchObject({
      name: 'Jane Doe',
      email: 'jane@example.com',
      external_id: 'ext-1',
      role: 'end-user',
      active: true,
      suspended: false,
      custom_role_id: null,
      role_type: null,
    });
    expect(Number.isInteger(user.id)).toBe(true);
    expect(user.url).toBe(`${h.emulator.url}/api/v2/users/${user.id}.json`);
    expect(user.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const key of [
      'locale',
      'time_zone',
      'iana_time_zone',
      'tags',
      'user_fields',
      'verified',
      'shared',
      'moderator',
    ]) {
      expect(user).toHaveProperty(key);
    }
  });

  it('validates with RecordInvalid: blank name, bad email, duplicate email and external_id, role', async () => {
    await h.admin.post('/api/v2/users.json', {
      user: { name: 'A', email: 'a@example.com', external_id: 'ABC' },
    });
    const answer = await h.admin.post('/api/v2/users.json', {
      user: { name: '', email: 'a@example.com', external_id: 'abc', role: 'boss' },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toBe('RecordInvalid');
    expect(answer.body.description).toBe('Record validation errors');
    expect(answer.body.details.name[0].description).toBe('Name: is too short (minimum is 1 characters)');
    expect(answer.body.details.email[0]).toEqual({
      description: 'Email: a@example.com is already being used by another user',
      error: 'DuplicateValue',
    });
    expect(answer.body.details.external_id[0].error).toBe('DuplicateValue');
    expect(answer.body.details.role[0].error).toBe('InvalidValue');
    const format = await h.admin.post('/api/v2/users.json', { user: { name: 'B', email: 'not-an-email' } });
    expect(format.status).toBe(422);
    expect(format.body.details.email[0].description).toBe('Email: not-an-email is not properly formatted');
  });

  it('allows custom_role_id only for agents and only on plans with custom roles', async () => {
    const lightAgent = (await h.admin.get('/__emulator/state')).body.custom_roles.find(
      (r: { name: string }) => r.name === 'Light Agent',
    );
    expect(lightAgent).toBeDefined();
    const endUser = await h.admin.post('/api/v2/users.json', {
      user: { name: 'E', email: 'e@example.com', custom_role_id: lightAgent.id },
    });
    expect(endUser.status).toBe(422);
    expect(endUser.body.details.custom_role_id[0].error).toBe('InvalidValue');
    const agent = await h.admin.post('/api/v2/users.json', {
      user: { name: 'L', email: 'l@example.com', role: 'agent', custom_role_id: lightAgent.id },
    });
    expect(agent.status).toBe(201);
    expect(agent.body.user.custom_role_id).toBe(lightAgent.id);
    expect(agent.body.user.role_type).toBe(1);

    await h.admin.control('PUT', 'config', { plan: 'professional' });
    const onProfessional = await h.admin.post('/api/v2/users.json', {
      user: { name: 'P', email: 'p@example.com', role: 'agent', custom_role_id: lightAgent.id },
    });
    expect(onProfessional.status).toBe(422);
    await h.admin.control('PUT', 'config', { plan: 'enterprise' });
  });

  it('create_or_update answers 201 then 200, matching external_id case-insensitively and rewriting its case', async () => {
    const first = await h.admin.post('/api/v2/users/create_or_update.json', {
      user: { name: 'Upsert', email: 'up@example.com', external_id: 'Ext-Up' },
    });
    expect(first.status).toBe(201);
    const second = await h.admin.post('/api/v2/users/create_or_update.json', {
      user: { name: 'Upsert Renamed', external_id: 'EXT-UP' },
    });
    expect(second.status).toBe(200);
    expect(second.body.user.id).toBe(first.body.user.id);
    expect(second.body.user.name).toBe('Upsert Renamed');
    expect(second.body.user.external_id).toBe('EXT-UP');
    const byEmail = await h.admin.post('/api/v2/users/create_or_update.json', {
      user: { name: 'By Email', email: 'UP@example.com' },
    });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.user.id).toBe(first.body.user.id);
  });

  it('adds a secondary identity when email changes on update; make_primary switches it', async () => {
    const created = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Id', email: 'old@example.com' },
    });
    const id = created.body.user.id;
    const updated = await h.admin.put(`/api/v2/users/${id}.json`, { user: { email: 'new@example.com' } });
    expect(updated.status).toBe(200);
    expect(updated.body.user.email).toBe('old@example.com');
    const identities = await h.admin.get(`/api/v2/users/${id}/identities.json`);
    expect(
      identities.body.identities.map((i: { value: string; primary: boolean }) => [i.value, i.primary]),
    ).toEqual([
      ['old@example.com', true],
      ['new@example.com', false],
    ]);
    const secondary = identities.body.identities[1].id;
    const made = await h.admin.put(`/api/v2/users/${id}/identities/${secondary}/make_primary.json`);
    expect(made.status).toBe(200);
    expect((await h.admin.get(`/api/v2/users/${id}.json`)).body.user.email).toBe('new@example.com');
  });

  it('refuses identities of unknown types', async () => {
    const created = await h.admin.post('/api/v2/users.json', { user: { name: 'T', email: 't@example.com' } });
    const answer = await h.admin.post(`/api/v2/users/${created.body.user.id}/identities.json`, {
      identity: { type: 'carrier_pigeon', value: 'coo' },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.details.type[0].error).toBe('InvalidValue');
  });

  it('soft-deletes with active:false, hides the user from lists, and frees the email', async () => {
    const created = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Gone', email: 'gone@example.com' },
    });
    const id = created.body.user.id;
    const deleted = await h.admin.delete(`/api/v2/users/${id}.json`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.user.active).toBe(false);
    const list = await h.admin.get('/api/v2/users.json?page[size]=100');
    expect(list.body.users.map((u: { id: number }) => u.id)).not.toContain(id);
    const many = await h.admin.get(`/api/v2/users/show_many.json?ids=${id}`);
    expect(many.body.users).toHaveLength(0);
    const withDeleted = await h.admin.get(`/api/v2/users/show_many.json?ids=${id}&include_deleted=true`);
    expect(withDeleted.body.users[0].active).toBe(false);
    const again = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Again', email: 'gone@example.com' },
    });
    expect(again.status).toBe(201);
    const shown = await h.admin.get(`/api/v2/deleted_users/${id}.json`);
    expect(shown.body.deleted_user).toMatchObject({ id, active: false, email: 'gone@example.com' });
  });

  it('permanently deletes only soft-deleted users', async () => {
    const created = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Perm', email: 'perm@example.com' },
    });
    const id = created.body.user.id;
    const early = await h.admin.delete(`/api/v2/deleted_users/${id}.json`);
    expect(early.status).toBe(422);
    await h.admin.delete(`/api/v2/users/${id}.json`);
    const perm = await h.admin.delete(`/api/v2/deleted_users/${id}.json`);
    expect(perm.status).toBe(200);
    expect(perm.body.deleted_user).toMatchObject({ id, email: null, name: 'Permanently Deleted User' });
    const count = await h.admin.get('/api/v2/deleted_users/count.json');
    expect(count.body.count.value).toBe(1);
  });

  it('suspends without deleting', async () => {
    const created = await h.admin.post('/api/v2/users.json', { user: { name: 'S', email: 's@example.com' } });
    const updated = await h.admin.put(`/api/v2/users/${created.body.user.id}.json`, {
      user: { suspended: true },
    });
    expect(updated.body.user).toMatchObject({ suspended: true, active: true });
  });

  it('shows many by ids and external_ids, searches by email and external_id, and counts', async () => {
    const a = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Alpha', email: 'alpha@example.com', external_id: 'X1' },
    });
    const b = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Beta', email: 'beta@example.com', external_id: 'X2' },
    });
    const byIds = await h.admin.get(`/api/v2/users/show_many.json?ids=${a.body.user.id},${b.body.user.id}`);
    expect(byIds.body.users.map((u: { name: string }) => u.name)).toEqual(['Alpha', 'Beta']);
    const byExt = await h.admin.get('/api/v2/users/show_many.json?external_ids=x2');
    expect(byExt.body.users.map((u: { name: string }) => u.name)).toEqual(['Beta']);
    const search = await h.admin.get('/api/v2/users/search.json?query=email:alpha@example.com');
    expect(search.body.users.map((u: { name: string }) => u.name)).toEqual(['Alpha']);
    expect(search.body).toMatchObject({ count: 1, next_page: null, previous_page: null });
    const searchExt = await h.admin.get('/api/v2/users/search.json?external_id=X2');
    expect(searchExt.body.users[0].id).toBe(b.body.user.id);
    const count = await h.admin.get('/api/v2/users/count.json');
    expect(count.body.count.value).toBe(3);
    const tooMany = await h.admin.get(
      `/api/v2/users/show_many.json?ids=${Array.from({ length: 101 }, (_, i) => i + 1).join(',')}`,
    );
    expect(tooMany.status).toBe(400);
  });
});

describe('pagination', () => {
  it('pages with cursors, ending with a trailing empty page, and links that work', async () => {
    await h.admin.control('POST', 'seed', { generate: { endUsers: 5 } });
    const seen: number[] = [];
    let url: string | null = `/api/v2/users.json?page[size]=2`;
    const pages: { count: number; hasMore: boolean }[] = [];
    while (url) {
      const answer = await h.admin.get(url);
      expect(answer.status).toBe(200);
      seen.push(...answer.body.users.map((u: { id: number }) => u.id));
      pages.push({ count: answer.body.users.length, hasMore: answer.body.meta.has_more });
      url = answer.body.meta.has_more ? answer.body.links.next : null;
    }
    // 6 users (admin + 5) in pages of 2: three full pages, each has_more:true, then an empty one.
    expect(pages).toEqual([
      { count: 2, hasMore: true },
      { count: 2, hasMore: true },
      { count: 2, hasMore: true },
      { count: 0, hasMore: false },
    ]);
    expect(new Set(seen).size).toBe(6);
    expect([...seen].sort()).toEqual(seen);
    const last = await h.admin.get(
      `/api/v2/users.json?page[size]=2&page[after]=${encodeURIComponent(
        Buffer.from(JSON.stringify({ o: 'id', v: seen[5] })).toString('base64'),
      )}`,
    );
    expect(last.body).toMatchObject({
      users: [],
      meta: { has_more: false, after_cursor: null, before_cursor: null },
      links: { prev: null, next: null },
    });
  });

  it('pages with offsets and refuses offsets beyond 10,000 records with 400', async () => {
    await h.admin.control('POST', 'seed', { generate: { endUsers: 4 } });
    const first = await h.admin.get('/api/v2/users.json?per_page=2');
    expect(first.body.count).toBe(5);
    expect(first.body.users).toHaveLength(2);
    expect(first.body.next_page).toContain('page=2');
    expect(first.body.previous_page).toBeNull();
    const third = await h.admin.get(first.body.next_page.replace('page=2', 'page=3'));
    expect(third.body.users).toHaveLength(1);
    expect(third.body.next_page).toBeNull();
    expect((await h.admin.get('/api/v2/users.json?per_page=100&page=100')).status).toBe(200);
    const beyond = await h.admin.get('/api/v2/users.json?per_page=100&page=101');
    expect(beyond.status).toBe(400);
  });
});
