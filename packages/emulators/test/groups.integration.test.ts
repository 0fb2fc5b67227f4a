import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Answer, type Harness, startHarness, TestClient, waitForJob } from './support/zendesk.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ plan: 'enterprise' });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('POST', 'reset');
  // Reset keeps run-time settings; tests that slow jobs down put this back here.
  await h.admin.control('PUT', 'config', { jobStepMs: 5 });
});

interface Membership {
  id: number;
  user_id: number;
  group_id: number;
  default: boolean;
}

async function createUser(name: string, email: string, role = 'agent'): Promise<number> {
  const answer = await h.admin.post('/api/v2/users.json', { user: { name, email, role, verified: true } });
  expect(answer.status).toBe(201);
  return answer.body.user.id;
}

async function createGroup(name: string, extra: Record<string, unknown> = {}): Promise<number> {
  const answer = await h.admin.post('/api/v2/groups.json', { group: { name, ...extra } });
  expect(answer.status).toBe(201);
  return answer.body.group.id;
}

async function addMember(userId: number, groupId: number): Promise<Membership> {
  const answer = await h.admin.post('/api/v2/group_memberships.json', {
    group_membership: { user_id: userId, group_id: groupId },
  });
  expect(answer.status).toBe(201);
  return answer.body.group_membership;
}

async function defaultGroupId(): Promise<number> {
  const list = await h.admin.get('/api/v2/groups.json');
  const group = list.body.groups.find((g: { default: boolean }) => g.default);
  expect(group).toBeDefined();
  return group.id;
}

async function state(): Promise<{
  groups: { id: number; deleted: boolean }[];
  group_memberships: Membership[];
}> {
  return (await h.admin.control('GET', 'state')).body;
}

const clientFor = (email: string) => h.admin.as(TestClient.basic(email, h.emulator.apiToken));
const ids = (answer: Answer, key: string): number[] => answer.body[key].map((r: { id: number }) => r.id);

describe('groups', () => {
  it('starts with the default group "Support" in the GroupObject shape', async () => {
    const answer = await h.admin.get('/api/v2/groups.json');
    expect(answer.status).toBe(200);
    expect(answer.body.groups).toHaveLength(1);
    const group = answer.body.groups[0];
    expect(group).toEqual({
      id: expect.any(Number),
      url: `${h.emulator.url}/api/v2/groups/${group.id}.json`,
      name: 'Support',
      description: expect.any(String),
      default: true,
      deleted: false,
      is_public: true,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(answer.body).toMatchObject({ count: 1, next_page: null, previous_page: null });
  });

  it('creates a group (201) and shows it; name is required (422)', async () => {
    const created = await h.admin.post('/api/v2/groups.json', {
      group: { name: '  Tier 2 ', description: 'Escalations', is_public: false },
    });
    expect(created.status).toBe(201);
    expect(created.body.group).toMatchObject({
      name: 'Tier 2',
      description: 'Escalations',
      is_public: false,
      default: false,
      deleted: false,
    });
    const shown = await h.admin.get(`/api/v2/groups/${created.body.group.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.group).toEqual(created.body.group);

    for (const group of [{}, { name: '' }, { name: '   ' }, { name: 42 }]) {
      const invalid = await h.admin.post('/api/v2/groups.json', { group });
      expect(invalid.status).toBe(422);
      expect(invalid.body).toEqual({
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: { name: [{ description: 'Name: cannot be blank', error: 'BlankValue' }] },
      });
    }
    const noEnvelope = await h.admin.post('/api/v2/groups.json', { name: 'Flat' });
    expect(noEnvelope.status).toBe(400);
    expect((await h.admin.get('/api/v2/groups/count.json')).body.count.value).toBe(2);
  });

  it('accepts duplicate group names (uniqueness is unverified; see model/groups.ts)', async () => {
    const a = await createGroup('Billing');
    const b = await createGroup('Billing');
    expect(a).not.toBe(b);
    const list = await h.admin.get('/api/v2/groups.json');
    expect(list.body.groups.filter((g: { name: string }) => g.name === 'Billing')).toHaveLength(2);
  });

  it('answers 404 RecordNotFound for unknown or malformed group ids', async () => {
    for (const path of ['/api/v2/groups/999.json', '/api/v2/groups/abc.json']) {
      const answer = await h.admin.get(path);
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ error: 'RecordNotFound', description: 'Not found' });
    }
    expect((await h.admin.put('/api/v2/groups/999.json', { group: { name: 'x' } })).status).toBe(404);
    expect((await h.admin.delete('/api/v2/groups/999.json')).status).toBe(404);
  });

  it('lets only admins create, update and delete groups (403 for agents and end users)', async () => {
    await createUser('Agent', 'agent@example.com');
    await createUser('End', 'end@example.com', 'end-user');
    const groupId = await createGroup('Ops');
    for (const email of ['agent@example.com', 'end@example.com']) {
      const client = clientFor(email);
      const create = await client.post('/api/v2/groups.json', { group: { name: 'Nope' } });
      expect(create.status).toBe(403);
      expect(create.body.error).toBe('Forbidden');
      expect((await client.put(`/api/v2/groups/${groupId}.json`, { group: { name: 'x' } })).status).toBe(403);
      expect((await client.delete(`/api/v2/groups/${groupId}.json`)).status).toBe(403);
    }
    // Agents may read groups; end users may not.
    expect((await clientFor('agent@example.com').get('/api/v2/groups.json')).status).toBe(200);
    expect((await clientFor('end@example.com').get('/api/v2/groups.json')).status).toBe(403);
    expect((await h.admin.get('/api/v2/groups/count.json')).body.count.value).toBe(2);
  });

  it('updates a group; a private group cannot become public (422)', async () => {
    const publicId = await createGroup('Public');
    const renamed = await h.admin.put(`/api/v2/groups/${publicId}.json`, {
      group: { name: 'Renamed', description: 'New text', is_public: false },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.group).toMatchObject({ name: 'Renamed', description: 'New text', is_public: false });

    const back = await h.admin.put(`/api/v2/groups/${publicId}.json`, { group: { is_public: true } });
    expect(back.status).toBe(422);
    expect(back.body.error).toBe('RecordInvalid');
    expect(back.body.details.is_public[0]).toEqual({
      description: "Is public: You can't change a private group to a public group",
      error: 'InvalidValue',
    });
    expect((await h.admin.get(`/api/v2/groups/${publicId}.json`)).body.group.is_public).toBe(false);

    const blank = await h.admin.put(`/api/v2/groups/${publicId}.json`, { group: { name: '' } });
    expect(blank.status).toBe(422);
    expect(blank.body.details.name[0].error).toBe('BlankValue');
    // Read-only attributes are ignored.
    const readOnly = await h.admin.put(`/api/v2/groups/${publicId}.json`, { group: { default: true } });
    expect(readOnly.status).toBe(200);
    expect(readOnly.body.group.default).toBe(false);
  });

  it('soft-deletes (204): deleted:true, listed unless exclude_deleted, memberships removed', async () => {
    const agentId = await createUser('Agent', 'agent@example.com');
    const groupId = await createGroup('Temporary');
    const membership = await addMember(agentId, groupId);
    expect(membership.default).toBe(false);

    const deleted = await h.admin.delete(`/api/v2/groups/${groupId}.json`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');

    const shown = await h.admin.get(`/api/v2/groups/${groupId}.json`);
    expect(shown.status).toBe(200);
    expect(shown.body.group.deleted).toBe(true);

    const all = await h.admin.get('/api/v2/groups.json');
    expect(all.body.groups.find((g: { id: number }) => g.id === groupId)?.deleted).toBe(true);
    const live = await h.admin.get('/api/v2/groups.json?exclude_deleted=true');
    expect(ids(live, 'groups')).not.toContain(groupId);
    expect(live.body.count).toBe(1);
    const assignable = await h.admin.get('/api/v2/groups/assignable.json');
    expect(ids(assignable, 'groups')).not.toContain(groupId);
    expect((await h.admin.get('/api/v2/groups/count.json')).body.count.value).toBe(1);

    const after = await state();
    expect(after.group_memberships.some((m) => m.group_id === groupId)).toBe(false);
    expect(after.group_memberships.filter((m) => m.user_id === agentId)).toHaveLength(1);
    expect((await h.admin.get(`/api/v2/group_memberships/${membership.id}.json`)).status).toBe(404);

    // A deleted group cannot be changed, deleted again or joined.
    expect((await h.admin.delete(`/api/v2/groups/${groupId}.json`)).status).toBe(404);
    expect((await h.admin.put(`/api/v2/groups/${groupId}.json`, { group: { name: 'x' } })).status).toBe(404);
    const join = await h.admin.post('/api/v2/group_memberships.json', {
      group_membership: { user_id: agentId, group_id: groupId },
    });
    expect(join.status).toBe(422);
    expect(join.body.details.group_id[0].error).toBe('BlankValue');
  });

  it('refuses to delete the account default group or the default group of an agent (422)', async () => {
    const supportId = await defaultGroupId();
    const account = await h.admin.delete(`/api/v2/groups/${supportId}.json`);
    expect(account.status).toBe(422);
    expect(account.body.error).toBe('RecordInvalid');
    expect(account.body.details.base[0].error).toBe('InvalidValue');

    const agentId = await createUser('Agent', 'agent@example.com');
    const groupId = await createGroup('Home');
    const membership = await addMember(agentId, groupId);
    const made = await h.admin.put(
      `/api/v2/users/${agentId}/group_memberships/${membership.id}/make_default.json`,
    );
    expect(made.status).toBe(200);

    const refused = await h.admin.delete(`/api/v2/groups/${groupId}.json`);
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({
      error: 'RecordInvalid',
      description: 'Record validation errors',
      details: {
        base: [
          {
            description: 'This is the default group for one or more agents and cannot be deleted',
            error: 'InvalidValue',
          },
        ],
      },
    });
    expect((await h.admin.get(`/api/v2/groups/${groupId}.json`)).body.group.deleted).toBe(false);

    // Once the agent's default is elsewhere, the group can go.
    const supportMembership = (await state()).group_memberships.find(
      (m) => m.user_id === agentId && m.group_id === supportId,
    );
    expect(supportMembership).toBeDefined();
    await h.admin.put(
      `/api/v2/users/${agentId}/group_memberships/${supportMembership?.id}/make_default.json`,
    );
    expect((await h.admin.delete(`/api/v2/groups/${groupId}.json`)).status).toBe(204);
  });

  it('pages groups with cursors, ending with a trailing empty page', async () => {
    for (const name of ['A', 'B', 'C']) await createGroup(name);
    const pages: { names: string[]; hasMore: boolean }[] = [];
    let url: string | null = '/api/v2/groups.json?page[size]=2';
    while (url) {
      const answer = await h.admin.get(url);
      expect(answer.status).toBe(200);
      expect(answer.body).not.toHaveProperty('count');
      pages.push({
        names: answer.body.groups.map((g: { name: string }) => g.name),
        hasMore: answer.body.meta.has_more,
      });
      if (answer.body.meta.has_more) expect(answer.body.links.next).toContain('/api/v2/groups.json?');
      url = answer.body.meta.has_more ? answer.body.links.next : null;
    }
    expect(pages).toEqual([
      { names: ['Support', 'A'], hasMore: true },
      { names: ['B', 'C'], hasMore: true },
      { names: [], hasMore: false },
    ]);
    const descending = await h.admin.get('/api/v2/groups.json?page[size]=10&sort=-id');
    expect(descending.body.groups.map((g: { name: string }) => g.name)).toEqual(['C', 'B', 'A', 'Support']);
  });

  it('pages groups with offsets', async () => {
    for (const name of ['A', 'B', 'C', 'D']) await createGroup(name);
    const first = await h.admin.get('/api/v2/groups.json?per_page=2');
    expect(first.body.count).toBe(5);
    expect(first.body.groups).toHaveLength(2);
    expect(first.body.previous_page).toBeNull();
    const last = await h.admin.get('/api/v2/groups.json?per_page=2&page=3');
    expect(last.body.groups.map((g: { name: string }) => g.name)).toEqual(['D']);
    expect(last.body.next_page).toBeNull();
    expect(last.body.previous_page).toContain('page=2');
    expect((await h.admin.get('/api/v2/groups.json?per_page=101')).status).toBe(400);
  });

  it("lists and counts a user's groups, and a group's users", async () => {
    const supportId = await defaultGroupId();
    const agentId = await createUser('Agent', 'agent@example.com');
    const endUserId = await createUser('End', 'end@example.com', 'end-user');
    const groupId = await createGroup('Second');
    await addMember(agentId, groupId);

    const groups = await h.admin.get(`/api/v2/users/${agentId}/groups.json`);
    expect(groups.status).toBe(200);
    expect(ids(groups, 'groups')).toEqual([supportId, groupId]);
    const cursor = await h.admin.get(`/api/v2/users/${agentId}/groups.json?page[size]=1`);
    expect(cursor.body.groups).toHaveLength(1);
    expect(cursor.body.meta.has_more).toBe(true);
    const count = await h.admin.get(`/api/v2/users/${agentId}/groups/count.json`);
    expect(count.body.count).toEqual({ value: 2, refreshed_at: expect.any(String) });

    expect((await h.admin.get(`/api/v2/users/${endUserId}/groups.json`)).body.groups).toEqual([]);
    expect((await h.admin.get(`/api/v2/users/${endUserId}/groups/count.json`)).body.count.value).toBe(0);
    expect((await h.admin.get('/api/v2/users/999/groups.json')).status).toBe(404);

    const members = await h.admin.get(`/api/v2/groups/${groupId}/users.json`);
    expect(ids(members, 'users')).toEqual([agentId]);
    expect((await h.admin.get(`/api/v2/groups/${groupId}/users/count.json`)).body.count.value).toBe(1);
    // The admin and the agent both joined the default group.
    expect((await h.admin.get(`/api/v2/groups/${supportId}/users/count.json`)).body.count.value).toBe(2);
  });
});

describe('group memberships', () => {
  it('puts a new agent in the default group, as their default membership', async () => {
    const supportId = await defaultGroupId();
    const agentId = await createUser('Agent', 'agent@example.com');
    const list = await h.admin.get(`/api/v2/users/${agentId}/group_memberships.json`);
    expect(list.status).toBe(200);
    expect(list.body.group_memberships).toEqual([
      {
        id: expect.any(Number),
        url: expect.stringMatching(/\/api\/v2\/group_memberships\/\d+\.json$/),
        user_id: agentId,
        group_id: supportId,
        default: true,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    ]);
    expect((await h.admin.get(`/api/v2/users/${agentId}.json`)).body.user.default_group_id).toBe(supportId);

    // An end user has none until promoted to agent, which joins the default group too.
    const endUserId = await createUser('End', 'end@example.com', 'end-user');
    expect(
      (await h.admin.get(`/api/v2/users/${endUserId}/group_memberships.json`)).body.group_memberships,
    ).toEqual([]);
    const promoted = await h.admin.put(`/api/v2/users/${endUserId}.json`, { user: { role: 'agent' } });
    expect(promoted.status).toBe(200);
    const after = await h.admin.get(`/api/v2/users/${endUserId}/group_memberships.json`);
    expect(after.body.group_memberships.map((m: Membership) => [m.group_id, m.default])).toEqual([
      [supportId, true],
    ]);
  });

  it('creates memberships (201) through both paths and shows and lists them', async () => {
    const agentId = await createUser('Agent', 'agent@example.com');
    const g1 = await createGroup('One');
    const g2 = await createGroup('Two');
    const first = await h.admin.post('/api/v2/group_memberships.json', {
      group_membership: { user_id: agentId, group_id: g1 },
    });
    expect(first.status).toBe(201);
    expect(first.body.group_membership).toMatchObject({ user_id: agentId, group_id: g1, default: false });
    // String ids are accepted; the path's user wins over the body's.
    const second = await h.admin.post(`/api/v2/users/${agentId}/group_memberships.json`, {
      group_membership: { user_id: 1, group_id: String(g2) },
    });
    expect(second.status).toBe(201);
    expect(second.body.group_membership).toMatchObject({ user_id: agentId, group_id: g2 });

    const id = first.body.group_membership.id;
    const shown = await h.admin.get(`/api/v2/group_memberships/${id}.json`);
    expect(shown.body.group_membership).toEqual(first.body.group_membership);
    const shownForUser = await h.admin.get(`/api/v2/users/${agentId}/group_memberships/${id}.json`);
    expect(shownForUser.body.group_membership.id).toBe(id);
    const adminId = (await h.admin.get('/api/v2/users/me.json')).body.user.id;
    const otherUser = await h.admin.get(`/api/v2/users/${adminId}/group_memberships/${id}.json`);
    expect(otherUser.status).toBe(404);

    const all = await h.admin.get('/api/v2/group_memberships.json');
    expect(all.body.count).toBe(4); // admin and agent in Support, agent in One and Two
    const byUser = await h.admin.get(`/api/v2/users/${agentId}/group_memberships.json`);
    expect(byUser.body.group_memberships.map((m: Membership) => m.group_id)).toHaveLength(3);
    const byGroup = await h.admin.get(`/api/v2/groups/${g1}/memberships.json`);
    expect(byGroup.body.group_memberships.map((m: Membership) => m.id)).toEqual([id]);
    const assignable = await h.admin.get(`/api/v2/groups/${g2}/memberships/assignable.json`);
    expect(assignable.body.group_memberships.map((m: Membership) => m.user_id)).toEqual([agentId]);
    expect(
      (await h.admin.get('/api/v2/group_memberships/assignable.json')).body.group_memberships,
    ).toHaveLength(4);
    expect((await h.admin.get('/api/v2/groups/999/memberships.json')).status).toBe(404);

    const paged = await h.admin.get('/api/v2/group_memberships.json?page[size]=3');
    expect(paged.body.group_memberships).toHaveLength(3);
    const next = await h.admin.get(paged.body.links.next);
    expect(next.body.group_memberships).toHaveLength(1);
    expect(next.body.meta.has_more).toBe(false);
  });

  it('side-loads users and groups with include', async () => {
    const agentId = await createUser('Agent', 'agent@example.com');
    const answer = await h.admin.get(`/api/v2/users/${agentId}/group_memberships.json?include=users,groups`);
    expect(answer.body.users.map((u: { id: number }) => u.id)).toEqual([agentId]);
    expect(answer.body.groups.map((g: { name: string }) => g.name)).toEqual(['Support']);
    const plain = await h.admin.get(`/api/v2/users/${agentId}/group_memberships.json`);
    expect(plain.body).not.toHaveProperty('users');
  });

  it('rejects end users, unknown groups and duplicates with 422', async () => {
    const agentId = await createUser('Agent', 'agent@example.com');
    const endUserId = await createUser('End User', 'end@example.com', 'end-user');
    const groupId = await createGroup('G');

    const endUser = await h.admin.post('/api/v2/group_memberships.json', {
      group_membership: { user_id: endUserId, group_id: groupId },
    });
    expect(endUser.status).toBe(422);
    expect(endUser.body.error).toBe('RecordInvalid');
    expect(endUser.body.details.user_id[0]).toEqual({
      description: 'User: End User is not an agent',
      error: 'InvalidValue',
    });

    const unknownGroup = await h.admin.post('/api/v2/group_memberships.json', {
      group_membership: { user_id: agentId, group_id: 999 },
    });
    expect(unknownGroup.status).toBe(422);
    expect(unknownGroup.body.details.group_id[0].error).toBe('BlankValue');

    const missing = await h.admin.post('/api/v2/group_memberships.json', { group_membership: {} });
    expect(missing.status).toBe(422);
    expect(Object.keys(missing.body.details).sort()).toEqual(['group_id', 'user_id']);

    await addMember(agentId, groupId);
    const duplicate = await h.admin.post('/api/v2/group_memberships.json', {
      group_membership: { user_id: agentId, group_id: groupId },
    });
    expect(duplicate.status).toBe(422);
    expect(duplicate.body.details.user_id[0].error).toBe('DuplicateValue');

    expect(
      (
        await h.admin.post('/api/v2/users/999/group_memberships.json', {
          group_membership: { group_id: groupId },
        })
      ).status,
    ).toBe(404);
    const memberships = (await state()).group_memberships;
    expect(memberships.filter((m) => m.group_id === groupId)).toHaveLength(1);
    expect(memberships.some((m) => m.user_id === endUserId)).toBe(false);
  });

  it('lets agents read memberships but not change them; end users get 403', async () => {
    const agentId = await createUser('Agent', 'agent@example.com');
    await createUser('End', 'end@example.com', 'end-user');
    const groupId = await createGroup('G');
    const agent = clientFor('agent@example.com');
    expect((await agent.get('/api/v2/group_memberships.json')).status).toBe(200);
    const create = await agent.post('/api/v2/group_memberships.json', {
      group_membership: { user_id: agentId, group_id: groupId },
    });
    expect(create.status).toBe(403);
    const membership = (await state()).group_memberships.find((m) => m.user_id === agentId);
    expect((await agent.delete(`/api/v2/group_memberships/${membership?.id}.json`)).status).toBe(403);
    expect(
      (await agent.post('/api/v2/group_memberships/create_many.json', { group_memberships: [] })).status,
    ).toBe(403);
    expect((await clientFor('end@example.com').get('/api/v2/group_memberships.json')).status).toBe(403);
  });

  it("deletes memberships (204) through both paths, but never an agent's last one", async () => {
    const supportId = await defaultGroupId();
    const agentId = await createUser('Agent', 'agent@example.com');
    const g1 = await createGroup('One');
    const g2 = await createGroup('Two');
    const m1 = await addMember(agentId, g1);
    const m2 = await addMember(agentId, g2);
    const support = (await state()).group_memberships.find(
      (m) => m.user_id === agentId && m.group_id === supportId,
    );
    expect(support?.default).toBe(true);

    const gone = await h.admin.delete(`/api/v2/group_memberships/${m1.id}.json`);
    expect(gone.status).toBe(204);
    expect(gone.text).toBe('');
    expect((await h.admin.delete(`/api/v2/group_memberships/${m1.id}.json`)).status).toBe(404);
    // The user path checks that the membership is the user's.
    expect(
      (await h.admin.delete(`/api/v2/users/${agentId}/group_memberships/${support?.id}.json`)).status,
    ).toBe(204);
    // The default moved to the oldest remaining membership.
    const left = await h.admin.get(`/api/v2/users/${agentId}/group_memberships.json`);
    expect(left.body.group_memberships).toMatchObject([{ id: m2.id, default: true }]);
    expect((await h.admin.get(`/api/v2/users/${agentId}.json`)).body.user.default_group_id).toBe(g2);

    const last = await h.admin.delete(`/api/v2/users/${agentId}/group_memberships/${m2.id}.json`);
    expect(last.status).toBe(422);
    expect(last.body.error).toBe('RecordInvalid');
    expect(last.body.details.base[0].description).toContain('at least one group');
    expect((await state()).group_memberships.filter((m) => m.user_id === agentId)).toHaveLength(1);
  });

  it('make_default answers the whole list with one default membership', async () => {
    const agentId = await createUser('Agent', 'agent@example.com');
    const g1 = await createGroup('One');
    const m1 = await addMember(agentId, g1);
    const answer = await h.admin.put(`/api/v2/users/${agentId}/group_memberships/${m1.id}/make_default.json`);
    expect(answer.status).toBe(200);
    expect(answer.body.group_memberships).toHaveLength(2);
    expect(
      answer.body.group_memberships.filter((m: Membership) => m.default).map((m: Membership) => m.id),
    ).toEqual([m1.id]);
    expect((await h.admin.get(`/api/v2/users/${agentId}.json`)).body.user.default_group_id).toBe(g1);
    // Agents may do this too [spec]; an unknown membership or another user's is 404.
    const agent = clientFor('agent@example.com');
    expect(
      (await agent.put(`/api/v2/users/${agentId}/group_memberships/${m1.id}/make_default.json`)).status,
    ).toBe(200);
    expect(
      (await h.admin.put(`/api/v2/users/${agentId}/group_memberships/999/make_default.json`)).status,
    ).toBe(404);
  });

  it('removes every membership when an agent is downgraded to end user', async () => {
    const agentId = await createUser('Agent', 'agent@example.com');
    const groupId = await createGroup('G');
    await addMember(agentId, groupId);
    expect((await state()).group_memberships.filter((m) => m.user_id === agentId)).toHaveLength(2);

    const downgraded = await h.admin.put(`/api/v2/users/${agentId}.json`, { user: { role: 'end-user' } });
    expect(downgraded.status).toBe(200);
    expect(downgraded.body.user.role).toBe('end-user');
    expect((await state()).group_memberships.filter((m) => m.user_id === agentId)).toEqual([]);
    expect(
      (await h.admin.get(`/api/v2/users/${agentId}/group_memberships.json`)).body.group_memberships,
    ).toEqual([]);
    expect((await h.admin.get(`/api/v2/groups/${groupId}/memberships.json`)).body.group_memberships).toEqual(
      [],
    );
  });

  it('create_many runs as a job: queued, working, completed, one result per item', async () => {
    const agentA = await createUser('Agent A', 'a@example.com');
    const agentB = await createUser('Agent B', 'b@example.com');
    const endUserId = await createUser('End', 'end@example.com', 'end-user');
    const g1 = await createGroup('One');
    const g2 = await createGroup('Two');
    await addMember(agentB, g2);
    // Slow steps so that each stage can be observed.
    await h.admin.control('PUT', 'config', { jobStepMs: 150 });

    const answer = await h.admin.post('/api/v2/group_memberships/create_many.json', {
      group_memberships: [
        { user_id: agentA, group_id: g1 },
        { user_id: endUserId, group_id: g1 },
        { user_id: agentA, group_id: 999 },
        { user_id: agentB, group_id: g2 },
        { user_id: agentB, group_id: g1 },
      ],
    });
    expect(answer.status).toBe(200);
    const job = answer.body.job_status;
    expect(job).toMatchObject({
      id: expect.stringMatching(/^V3-[0-9a-f]{32}$/),
      total: 5,
      progress: null,
      status: 'queued',
      message: null,
      results: null,
    });
    expect(job.url).toBe(`${h.emulator.url}/api/v2/job_statuses/${job.id}.json`);
    expect(typeof job.job_type).toBe('string');

    const seen: string[] = [];
    for (let i = 0; i < 200 && !seen.includes('completed'); i += 1) {
      const poll = await h.admin.get(`/api/v2/job_statuses/${job.id}.json`);
      expect(poll.status).toBe(200);
      const status = poll.body.job_status.status;
      if (seen[seen.length - 1] !== status) seen.push(status);
      if (status === 'working') {
        expect(poll.body.job_status.progress).toBe(3);
        expect(poll.body.job_status.message).toBe('Creating group membership #3');
        expect(poll.body.job_status.results).toBeNull();
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen).toEqual(['queued', 'working', 'completed']);

    const done = await waitForJob(h.admin, job.id);
    expect(done.progress).toBe(5);
    expect(done.message).toMatch(/^Completed at /);
    expect(done.results).toHaveLength(5);
    const [ok1, endUser, unknownGroup, duplicate, ok2] = done.results;
    expect(ok1).toEqual({ id: expect.any(Number), index: 0, status: 'Created' });
    expect(ok2).toEqual({ id: expect.any(Number), index: 4, status: 'Created' });
    for (const [failed, index] of [
      [endUser, 1],
      [unknownGroup, 2],
      [duplicate, 3],
    ] as const) {
      expect(failed).toMatchObject({ index, success: false, status: 'Failed', error: 'RecordInvalid' });
      expect(typeof failed.details).toBe('string');
    }
    expect(endUser.details).toContain('is not an agent');
    expect(duplicate.details).toContain('already a member');

    const memberships = (await state()).group_memberships;
    expect(memberships.find((m) => m.id === ok1.id)).toMatchObject({ user_id: agentA, group_id: g1 });
    expect(memberships.find((m) => m.id === ok2.id)).toMatchObject({ user_id: agentB, group_id: g1 });
    expect(memberships.some((m) => m.user_id === endUserId)).toBe(false);
    expect(memberships.filter((m) => m.group_id === g1)).toHaveLength(2);
  });

  it('create_many refuses more than 100 items and a body without the array (400)', async () => {
    const tooMany = Array.from({ length: 101 }, () => ({ user_id: 1, group_id: 1 }));
    const big = await h.admin.post('/api/v2/group_memberships/create_many.json', {
      group_memberships: tooMany,
    });
    expect(big.status).toBe(400);
    const none = await h.admin.post('/api/v2/group_memberships/create_many.json', { group_membership: {} });
    expect(none.status).toBe(400);
    const empty = await h.admin.post('/api/v2/group_memberships/create_many.json', { group_memberships: [] });
    expect(empty.status).toBe(400);
    expect((await state()).group_memberships).toHaveLength(1);
  });

  it('destroy_many removes memberships at once and reports each id in its job', async () => {
    const agentId = await createUser('Agent', 'agent@example.com');
    const g1 = await createGroup('One');
    const g2 = await createGroup('Two');
    const g3 = await createGroup('Three');
    const m1 = await addMember(agentId, g1);
    const m2 = await addMember(agentId, g2);
    const m3 = await addMember(agentId, g3);
    await h.admin.control('PUT', 'config', { jobStepMs: 100 });

    const answer = await h.admin.delete(
      `/api/v2/group_memberships/destroy_many.json?ids=${m1.id},${m2.id},999`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.job_status).toMatchObject({ status: 'queued', total: 3, results: null });
    // Already gone while the job is still queued ("immediately removes" [spec]).
    const remaining = (await state()).group_memberships.filter((m) => m.user_id === agentId).map((m) => m.id);
    expect(remaining).not.toContain(m1.id);
    expect(remaining).not.toContain(m2.id);
    expect(remaining).toContain(m3.id);

    const done = await waitForJob(h.admin, answer.body.job_status.id);
    expect(done.results).toEqual([
      { id: m1.id, action: 'delete', success: true, status: 'Deleted' },
      { id: m2.id, action: 'delete', success: true, status: 'Deleted' },
      {
        id: 999,
        action: 'delete',
        success: false,
        status: 'Failed',
        error: 'RecordNotFound',
        details: 'Not found',
      },
    ]);
  });

  it('destroy_many needs ids (400), at most 100 of them (400), and keeps the last membership', async () => {
    expect((await h.admin.delete('/api/v2/group_memberships/destroy_many.json')).status).toBe(400);
    const hundredOne = Array.from({ length: 101 }, (_, i) => i + 1).join(',');
    expect(
      (await h.admin.delete(`/api/v2/group_memberships/destroy_many.json?ids=${hundredOne}`)).status,
    ).toBe(400);

    const agentId = await createUser('Agent', 'agent@example.com');
    const groupId = await createGroup('One');
    const extra = await addMember(agentId, groupId);
    const support = (await state()).group_memberships.find((m) => m.user_id === agentId && m.id !== extra.id);
    const answer = await h.admin.delete(
      `/api/v2/group_memberships/destroy_many.json?ids=${extra.id},${support?.id}`,
    );
    const done = await waitForJob(h.admin, answer.body.job_status.id);
    expect(done.results[0]).toMatchObject({ id: extra.id, success: true, status: 'Deleted' });
    expect(done.results[1]).toMatchObject({
      id: support?.id,
      success: false,
      status: 'Failed',
      error: 'RecordInvalid',
    });
    expect((await state()).group_memberships.filter((m) => m.user_id === agentId).map((m) => m.id)).toEqual([
      support?.id,
    ]);
  });
});
