import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EntraHarness, startEntraHarness } from './support/entra.js';

const domain = 'provisio-demo.onmicrosoft.com';
let h: EntraHarness;

beforeAll(async () => {
  h = await startEntraHarness({
    pageSize: 2,
    permissions: ['User.ReadWrite.All', 'Group.ReadWrite.All', 'GroupMember.ReadWrite.All'],
    seed: {
      users: Array.from({ length: 5 }, (_, i) => ({
        userPrincipalName: `user${i}@${domain}`,
        displayName: `User ${i}`,
      })),
      groups: [
        { displayName: 'Support', members: [`user0@${domain}`, `user1@${domain}`] },
        { displayName: 'Sales', members: [`user2@${domain}`] },
        { displayName: 'Empty' },
      ],
    },
  });
});
afterAll(() => h.close());

interface Round {
  pages: number;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions navigate arbitrary JSON bodies
  items: any[];
  deltaLink: string;
  contexts: string[];
}

/** Follows nextLinks from `start` to the deltaLink, collecting every item. */
async function round(start: string): Promise<Round> {
  const result: Round = { pages: 0, items: [], deltaLink: '', contexts: [] };
  let next: string | undefined = start;
  while (next !== undefined) {
    const page = await h.graph.get(next);
    expect(page.status, page.text).toBe(200);
    result.pages += 1;
    result.contexts.push(page.body['@odata.context']);
    result.items.push(...page.body.value);
    next = page.body['@odata.nextLink'];
    if (next === undefined) {
      expect(page.body['@odata.deltaLink']).toMatch(/\/delta\?\$deltatoken=/);
      result.deltaLink = page.body['@odata.deltaLink'];
    } else {
      expect(next).toMatch(/\/delta\?\$skiptoken=/);
      expect(page.body['@odata.deltaLink']).toBeUndefined();
    }
  }
  return result;
}

const userId = async (upn: string): Promise<string> => (await h.graph.get(`/v1.0/users/${upn}`)).body.id;
const groupId = async (name: string): Promise<string> =>
  (await h.graph.get(`/v1.0/groups?$filter=${encodeURIComponent(`displayName eq '${name}'`)}`)).body.value[0]
    .id;
const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });

describe('users/delta', () => {
  it('syncs in pages, then returns exactly the changes of a round with $select kept', async () => {
    const initial = await round('/v1.0/users/delta?$select=displayName,accountEnabled');
    expect(initial.pages).toBeGreaterThanOrEqual(3);
    expect(initial.contexts[0]).toBe(`${h.emulator.url}/v1.0/$metadata#users(displayName,accountEnabled)`);
    expect(initial.items).toHaveLength(5);
    for (const item of initial.items)
      expect(Object.keys(item).sort()).toEqual(['accountEnabled', 'displayName', 'id']);

    // The changes of a round.
    const created = await h.graph.post('/v1.0/users', {
      accountEnabled: true,
      displayName: 'New Person',
      mailNickname: 'new',
      userPrincipalName: `new@${domain}`,
      passwordProfile: { password: 'Secret-123' },
    });
    expect(created.status).toBe(201);
    const [u1, u2, u3, u4, u0] = await Promise.all([1, 2, 3, 4, 0].map((i) => userId(`user${i}@${domain}`)));
    expect((await h.graph.patch(`/v1.0/users/${u1}`, { displayName: 'User One' })).status).toBe(204);
    expect((await h.graph.patch(`/v1.0/users/${u2}`, { accountEnabled: false })).status).toBe(204);
    expect((await h.graph.delete(`/v1.0/users/${u3}`)).status).toBe(204);
    // u4: soft-deleted then restored: it comes back as a whole object.
    await h.graph.delete(`/v1.0/users/${u4}`);
    expect((await h.graph.post(`/v1.0/directory/deletedItems/${u4}/restore`)).status).toBe(200);
    // u0: deleted for good.
    await h.graph.delete(`/v1.0/users/${u0}`);
    expect((await h.graph.delete(`/v1.0/directory/deletedItems/${u0}`)).status).toBe(204);

    // $select on the deltaLink call is ignored: the token keeps the original query.
    const changes = await round(`${initial.deltaLink}&$select=jobTitle`);
    expect(changes.pages).toBeGreaterThanOrEqual(3);
    expect(changes.items).toEqual(
      expect.arrayContaining([
        { id: created.body.id, displayName: 'New Person', accountEnabled: true },
        { id: u1, displayName: 'User One', accountEnabled: true },
        { id: u2, displayName: 'User 2', accountEnabled: false },
        { id: u3, '@removed': { reason: 'changed' } },
        { id: u4, displayName: 'User 4', accountEnabled: true },
        { id: u0, '@removed': { reason: 'deleted' } },
      ]),
    );
    expect(changes.items).toHaveLength(6);

    const empty = await round(changes.deltaLink);
    expect(empty).toMatchObject({ pages: 1, items: [] });
    expect(empty.deltaLink).not.toBe('');
    // The new deltaLink keeps working.
    expect((await round(empty.deltaLink)).items).toEqual([]);
  });

  it('returns the default properties without $select, and nothing for $deltatoken=latest', async () => {
    const initial = await h.graph.get('/v1.0/users/delta?$top=50');
    expect(initial.body['@odata.context']).toBe(`${h.emulator.url}/v1.0/$metadata#users`);
    expect(initial.body.value[0]).toHaveProperty('userPrincipalName');
    expect(initial.body.value[0]).not.toHaveProperty('accountEnabled');
    const latest = await h.graph.get('/v1.0/users/delta?$deltatoken=latest');
    expect(latest.body.value).toEqual([]);
    await h.graph.patch(`/v1.0/users/new@${domain}`, { jobTitle: 'Pilot' });
    const after = await round(latest.body['@odata.deltaLink']);
    expect(after.items).toEqual([
      expect.objectContaining({ displayName: 'New Person', userPrincipalName: `new@${domain}` }),
    ]);
  });

  it('refuses unknown tokens and tokens from before a reset with syncStateNotFound', async () => {
    const bad = await h.graph.get('/v1.0/users/delta?$deltatoken=garbage');
    expect(bad.status).toBe(400);
    const latest = await h.graph.get('/v1.0/users/delta?$deltatoken=latest');
    const stale = latest.body['@odata.deltaLink'] as string;
    // The change log is bounded: a token older than what it remembers must start again.
    const changes = h.emulator.store.changes;
    const capacity = changes.capacity;
    changes.capacity = 4;
    try {
      for (let i = 0; i < 12; i += 1)
        await h.graph.patch(`/v1.0/users/new@${domain}`, { jobTitle: `Job ${i}` });
      for (let i = 0; i < 3; i += 1) {
        await h.graph.post('/v1.0/users', {
          accountEnabled: true,
          displayName: `Churn ${i}`,
          mailNickname: `churn${i}`,
          userPrincipalName: `churn${i}@${domain}`,
          passwordProfile: { password: 'Secret-123' },
        });
      }
      const expired = await h.graph.get(stale);
      expect(expired.status).toBe(400);
      expect(expired.body.error.code).toBe('syncStateNotFound');
    } finally {
      changes.capacity = capacity;
    }
    const forbidden = await h.graph.get('/v1.0/users/delta?$filter=displayName%20eq%20%27x%27');
    expect(forbidden.body.error.code).toBe('Request_UnsupportedQuery');
  });
});

describe('groups/delta', () => {
  it('lists members@delta in the initial round and membership changes afterwards', async () => {
    const [support, sales, emptyGroup] = await Promise.all(['Support', 'Sales', 'Empty'].map(groupId));
    const initial = await round('/v1.0/groups/delta');
    expect(initial.pages).toBeGreaterThanOrEqual(2);
    expect(initial.contexts[0]).toBe(`${h.emulator.url}/v1.0/$metadata#groups`);
    const byId = new Map(initial.items.map((g) => [g.id, g]));
    expect(byId.get(support)).toMatchObject({ displayName: 'Support', securityEnabled: true });
    expect(byId.get(support)['members@delta']).toHaveLength(1); // user0 was deleted for good above
    expect(byId.get(support)['members@delta'][0]).toEqual({
      '@odata.type': '#microsoft.graph.user',
      id: await userId(`user1@${domain}`),
    });
    expect(byId.get(emptyGroup)).not.toHaveProperty('members@delta');

    const user1 = await userId(`user1@${domain}`);
    const user4 = await userId(`user4@${domain}`);
    expect((await h.graph.post(`/v1.0/groups/${sales}/members/$ref`, ref(user4))).status).toBe(204);
    expect((await h.graph.delete(`/v1.0/groups/${support}/members/${user1}/$ref`)).status).toBe(204);
    expect((await h.graph.patch(`/v1.0/groups/${emptyGroup}`, { description: 'Nobody here' })).status).toBe(
      204,
    );
    const team = await h.graph.post('/v1.0/groups', {
      displayName: 'Team',
      mailEnabled: true,
      mailNickname: 'team',
      securityEnabled: false,
      groupTypes: ['Unified'],
    });
    const security = await h.graph.post('/v1.0/groups', {
      displayName: 'Short-lived',
      mailEnabled: false,
      mailNickname: 'shortlived',
      securityEnabled: true,
    });
    expect((await h.graph.delete(`/v1.0/groups/${team.body.id}`)).status).toBe(204);
    expect((await h.graph.delete(`/v1.0/groups/${security.body.id}`)).status).toBe(204);

    const changes = await round(initial.deltaLink);
    expect(changes.items).toHaveLength(5);
    const changed = new Map(changes.items.map((g) => [g.id, g]));
    expect(changed.get(sales)['members@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: user4 },
    ]);
    expect(changed.get(support)['members@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: user1, '@removed': { reason: 'deleted' } },
    ]);
    expect(changed.get(emptyGroup)).toMatchObject({ description: 'Nobody here' });
    expect(changed.get(emptyGroup)).not.toHaveProperty('members@delta');
    // A Microsoft 365 group waits in deleted items ("changed"); a security group is gone ("deleted").
    expect(changed.get(team.body.id)).toEqual({ id: team.body.id, '@removed': { reason: 'changed' } });
    expect(changed.get(security.body.id)).toEqual({
      id: security.body.id,
      '@removed': { reason: 'deleted' },
    });

    expect((await round(changes.deltaLink)).items).toEqual([]);
  });

  it('honours $select, with members only when selected', async () => {
    const withoutMembers = await round('/v1.0/groups/delta?$select=displayName');
    for (const g of withoutMembers.items) expect(Object.keys(g).sort()).toEqual(['displayName', 'id']);
    const withMembers = await round('/v1.0/groups/delta?$select=displayName,members');
    expect(withMembers.contexts[0]).toBe(`${h.emulator.url}/v1.0/$metadata#groups(displayName,members)`);
    expect(withMembers.items.some((g) => Array.isArray(g['members@delta']))).toBe(true);
    expect((await h.graph.get('/v1.0/groups/delta?$select=nope')).status).toBe(400);
  });

  it('tracks only the groups of an `id eq` $filter, in the first round and the later ones', async () => {
    const [support, sales, empty] = await Promise.all(['Support', 'Sales', 'Empty'].map(groupId));
    const u4 = await userId(`user4@${domain}`);
    await h.graph.post(`/v1.0/groups/${support}/members/$ref`, ref(u4)); // 400 if already a member
    const filter = encodeURIComponent(`id eq '${support}' or (id eq '${empty}')`);
    const initial = await round(`/v1.0/groups/delta?$filter=${filter}&$select=id,members`);
    expect(initial.items.map((g) => g.id).sort()).toEqual([support, empty].sort());
    const u1 = await userId(`user1@${domain}`);
    // Each tracked group with its current direct members (earlier tests changed them).
    for (const group of [support, empty]) {
      const members = (await h.graph.get(`/v1.0/groups/${group}/members?$select=id`)).body.value.map(
        (m: { id: string }) => m.id,
      );
      const item = initial.items.find((g) => g.id === group);
      expect((item['members@delta'] ?? []).map((m: { id: string }) => m.id).sort()).toEqual(members.sort());
    }
    expect(initial.items.find((g) => g.id === support)['members@delta']).toContainEqual({
      '@odata.type': '#microsoft.graph.user',
      id: u4,
    });

    // Changes to a group outside the filter are not reported; those of a tracked group are.
    expect((await h.graph.post(`/v1.0/groups/${sales}/members/$ref`, ref(u1))).status).toBe(204);
    expect((await h.graph.post(`/v1.0/groups/${empty}/members/$ref`, ref(u1))).status).toBe(204);
    const changes = await round(initial.deltaLink);
    expect(changes.items).toEqual([
      { id: empty, 'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: u1 }] },
    ]);
    expect((await h.graph.delete(`/v1.0/groups/${empty}/members/${u1}/$ref`)).status).toBe(204);
    expect((await h.graph.delete(`/v1.0/groups/${sales}/members/${u1}/$ref`)).status).toBe(204);
    expect((await round(changes.deltaLink)).items).toEqual([
      {
        id: empty,
        'members@delta': [
          { '@odata.type': '#microsoft.graph.user', id: u1, '@removed': { reason: 'deleted' } },
        ],
      },
    ]);
  });

  it('refuses other $filters on groups/delta, and more than 50 ids', async () => {
    const support = await groupId('Support');
    const byName = encodeURIComponent("displayName eq 'Support'");
    expect((await h.graph.get(`/v1.0/groups/delta?$filter=${byName}`)).status).toBe(400);
    const both = encodeURIComponent(`id eq '${support}' and id eq '${support}'`);
    expect((await h.graph.get(`/v1.0/groups/delta?$filter=${both}`)).status).toBe(400);
    const ids = Array.from(
      { length: 51 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const many = encodeURIComponent(ids.map((id) => `id eq '${id}'`).join(' or '));
    const refused = await h.graph.get(`/v1.0/groups/delta?$filter=${many}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('Request_UnsupportedQuery');
    const fifty = encodeURIComponent(
      ids
        .slice(0, 50)
        .map((id) => `id eq '${id}'`)
        .join(' or '),
    );
    expect((await h.graph.get(`/v1.0/groups/delta?$filter=${fifty}`)).status).toBe(200);
  });

  it('requires a group read permission', async () => {
    const limited = await startEntraHarness({ permissions: ['User.Read.All'] });
    try {
      expect((await limited.graph.get('/v1.0/groups/delta')).status).toBe(403);
      expect((await limited.graph.get('/v1.0/users/delta')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
