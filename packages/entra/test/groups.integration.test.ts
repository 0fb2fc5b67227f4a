import type { MemberRef, SourceGroupChange } from '@provisio/engine';
import { ConnectorFailure } from '@provisio/engine';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EntraSource } from '../src/index.js';
import { type Harness, startHarness, writePermissions } from './support/emulator.js';

const domain = 'provisio-demo.onmicrosoft.com';
const upn = (i: number) => `user${i}@${domain}`;
const bigGroupSize = 25;

let h: Harness;
let source: EntraSource;
const users = new Map<number, string>();
const user = (i: number): MemberRef => ({ id: users.get(i) ?? 'missing', type: 'user' });

beforeAll(async () => {
  h = await startHarness({
    permissions: writePermissions,
    seed: {
      users: Array.from({ length: 30 }, (_, i) => ({ userPrincipalName: upn(i), displayName: `User ${i}` })),
      groups: [
        {
          displayName: 'Zendesk Agents',
          description: 'Agents in Zendesk',
          members: [upn(0), upn(1), 'group:Tier 2'],
        },
        { displayName: 'Tier 2', members: [upn(2)] },
        { displayName: 'Support', groupTypes: ['Unified'], members: [upn(3)] },
        { displayName: "O'Brien Team", members: [upn(4)] },
        { displayName: 'Obsolete', members: [upn(0)] },
        { displayName: 'Empty' },
        {
          displayName: 'Big',
          members: Array.from({ length: bigGroupSize }, (_, i) => upn(i + 5)),
        },
      ],
    },
  });
  source = h.source();
  for (let i = 0; i < 30; i += 1) users.set(i, await h.admin.userId(upn(i)));
});
afterAll(() => h.close());

async function groupId(name: string): Promise<string> {
  const answer = await h.admin.get(
    `/v1.0/groups?$filter=${encodeURIComponent(`displayName eq '${name.replaceAll("'", "''")}'`)}`,
  );
  const id = answer.body.value?.[0]?.id;
  if (typeof id !== 'string') throw new Error(`no group ${name}: ${JSON.stringify(answer.body)}`);
  return id;
}

const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
const byId = (refs: readonly MemberRef[]) => [...refs].sort((a, b) => a.id.localeCompare(b.id));

function index(changes: readonly SourceGroupChange[]) {
  const upserts = new Map<string, Extract<SourceGroupChange, { kind: 'upsert' }>>();
  const removed = new Map<string, 'soft' | 'hard'>();
  for (const change of changes)
    if (change.kind === 'upsert') upserts.set(change.group.id, change);
    else removed.set(change.id, change.removed);
  return { upserts, removed };
}

describe('readGroups', () => {
  beforeEach(() => h.admin.reset());

  it('reads every group in a full read, with its direct users and nested groups', async () => {
    // A service principal as member: Graph lists it, the port has no place for it.
    const agents = await groupId('Zendesk Agents');
    expect(
      (await h.admin.post(`/v1.0/groups/${agents}/members/$ref`, ref(h.servicePrincipalId))).status,
    ).toBe(204);
    const progress: number[] = [];
    const result = await source.readGroups({
      watermark: null,
      select: ['description'],
      onProgress: (n) => progress.push(n),
    });

    expect(result.fullRead).toBe(false);
    expect(result.watermark).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/groups\/delta\?\$deltatoken=/);
    expect(result.changes).toHaveLength(7);
    expect(progress.at(-1)).toBe(7);
    const { upserts, removed } = index(result.changes);
    expect(removed.size).toBe(0);

    const zendeskAgents = upserts.get(agents);
    expect(zendeskAgents?.group.attributes).toEqual({
      id: agents,
      displayName: 'Zendesk Agents',
      description: 'Agents in Zendesk',
    });
    expect(zendeskAgents?.members?.full).toBe(true);
    expect(zendeskAgents?.members?.removed).toEqual([]);
    expect(byId(zendeskAgents?.members?.added ?? [])).toEqual(
      byId([user(0), user(1), { id: await groupId('Tier 2'), type: 'group' }]),
    );
    // Nested members are not expanded: Tier 2 lists its own.
    expect(upserts.get(await groupId('Tier 2'))?.members?.added).toEqual([user(2)]);
    expect(upserts.get(await groupId('Big'))?.members?.added).toHaveLength(bigGroupSize);
    // An empty group still says so: a full read lists every member.
    expect(upserts.get(await groupId('Empty'))?.members).toEqual({ full: true, added: [], removed: [] });
  });

  it('returns membership changes, renames and deletions since the watermark', async () => {
    const initial = await source.readGroups({ watermark: null, select: [] });
    const { admin } = h;
    const [agents, tier2, support, obsolete, empty] = await Promise.all(
      ['Zendesk Agents', 'Tier 2', 'Support', 'Obsolete', 'Empty'].map(groupId),
    );
    if (!agents || !tier2 || !support || !obsolete || !empty) throw new Error('seed groups missing');

    expect((await admin.post(`/v1.0/groups/${agents}/members/$ref`, ref(user(5).id))).status).toBe(204);
    expect((await admin.post(`/v1.0/groups/${agents}/members/$ref`, ref(empty))).status).toBe(204);
    expect((await admin.delete(`/v1.0/groups/${agents}/members/${user(1).id}/$ref`)).status).toBe(204);
    expect((await admin.patch(`/v1.0/groups/${tier2}`, { displayName: 'Tier Two' })).status).toBe(204);
    // A Microsoft 365 group goes to deleted items (soft); a security group is deleted for good (hard).
    expect((await admin.delete(`/v1.0/groups/${support}`)).status).toBe(204);
    expect((await admin.delete(`/v1.0/groups/${obsolete}`)).status).toBe(204);

    const next = await source.readGroups({ watermark: initial.watermark, select: [] });
    expect(next.fullRead).toBe(false);
    expect(next.watermark).not.toBe(initial.watermark);
    const { upserts, removed } = index(next.changes);
    expect(Object.fromEntries(removed)).toEqual({ [support]: 'soft', [obsolete]: 'hard' });
    expect([...upserts.keys()].sort()).toEqual([agents, tier2].sort());

    const changed = upserts.get(agents);
    expect(changed?.group.attributes).toMatchObject({ id: agents, displayName: 'Zendesk Agents' });
    expect(changed?.members?.full).toBe(false);
    expect(byId(changed?.members?.added ?? [])).toEqual(byId([user(5), { id: empty, type: 'group' }]));
    expect(changed?.members?.removed).toEqual([user(1)]);

    const renamed = upserts.get(tier2);
    expect(renamed?.group.attributes).toEqual({ id: tier2, displayName: 'Tier Two' });
    expect(renamed?.members).toBeUndefined();

    const quiet = await source.readGroups({ watermark: next.watermark, select: [] });
    expect(quiet).toMatchObject({ changes: [], fullRead: false });
  });

  it('does a full read and says so when the delta link has expired or is not a groups delta link', async () => {
    const initial = await source.readGroups({ watermark: null, select: [] });
    await h.admin.reset();
    const after = await source.readGroups({ watermark: initial.watermark, select: [] });
    expect(after.fullRead).toBe(true);
    expect(after.changes).toHaveLength(7);
    expect(after.changes.every((c) => c.kind === 'upsert' && c.members?.full === true)).toBe(true);
    expect(await source.readGroups({ watermark: after.watermark, select: [] })).toMatchObject({
      changes: [],
      fullRead: false,
    });

    const users = await source.readUsers({ watermark: null, select: [] });
    const mixedUp = await source.readGroups({ watermark: users.watermark, select: [] });
    expect(mixedUp.fullRead).toBe(true);
    expect(mixedUp.changes).toHaveLength(7);
  });

  it('pages through a full read', async () => {
    await h.admin.clearRequests();
    const paged = h.source({ pageSize: 3 });
    const result = await paged.readGroups({ watermark: null, select: [] });
    expect(result.changes).toHaveLength(7);
    expect((await h.admin.requests()).get('GET /v1.0/groups/delta')).toBe(3);
  });

  it('names a group attribute Graph does not know', async () => {
    const error = await source.readGroups({ watermark: null, select: ['shoeSize'] }).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorFailure);
    expect(error.detail).toMatchObject({ code: 'InvalidSourceAttribute', httpStatus: 400 });
    expect(error.message).toContain("no group property named 'shoeSize'");
  });
});

describe('getGroup', () => {
  beforeAll(() => h.admin.reset());

  it('finds a group by object id and by display name, with the selected attributes', async () => {
    const id = await groupId('Zendesk Agents');
    const expected = {
      id,
      attributes: { id, displayName: 'Zendesk Agents', description: 'Agents in Zendesk' },
    };
    expect(await source.getGroup(id, ['description'])).toEqual(expected);
    expect(await source.getGroup(id.toUpperCase(), ['description'])).toEqual(expected);
    expect(await source.getGroup('Zendesk Agents', ['description'])).toEqual(expected);
    // Graph compares names without regard to case.
    expect(await source.getGroup('zendesk agents', ['description'])).toEqual(expected);
  });

  it('finds a name with an apostrophe', async () => {
    const id = await groupId("O'Brien Team");
    expect(await source.getGroup("O'Brien Team", [])).toEqual({
      id,
      attributes: { id, displayName: "O'Brien Team" },
    });
  });

  it('answers null for an unknown id or name, an empty key and a deleted group', async () => {
    expect(await source.getGroup('5f0c2a5e-0000-4000-8000-00000000abcd', [])).toBeNull();
    expect(await source.getGroup('No Such Group', [])).toBeNull();
    expect(await source.getGroup("Nobody's", [])).toBeNull();
    expect(await source.getGroup('  ', [])).toBeNull();
    const support = await groupId('Support');
    expect((await h.admin.delete(`/v1.0/groups/${support}`)).status).toBe(204);
    expect(await source.getGroup(support, [])).toBeNull();
    expect(await source.getGroup('Support', [])).toBeNull();
  });

  it('prefers the exact spelling, and refuses a name several groups share', async () => {
    const create = async (displayName: string) => {
      const answer = await h.admin.post('/v1.0/groups', {
        displayName,
        mailEnabled: false,
        mailNickname: displayName.replaceAll(' ', '').toLowerCase(),
        securityEnabled: true,
      });
      expect(answer.status).toBe(201);
      return answer.body.id as string;
    };
    const upper = await create('Billing');
    const lower = await create('billing');
    expect((await source.getGroup('billing', []))?.id).toBe(lower);
    expect((await source.getGroup('Billing', []))?.id).toBe(upper);

    const first = await create('Twins');
    const second = await create('Twins');
    const error = await source.getGroup('Twins', []).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorFailure);
    expect(error.detail).toMatchObject({ code: 'DuplicateSourceEntries', retryable: false });
    expect(error.message).toContain(first);
    expect(error.message).toContain(second);
    // BILLING matches both, neither exactly.
    expect((await source.getGroup('BILLING', []).catch((e) => e)).detail.code).toBe('DuplicateSourceEntries');
  });
});

describe('readGroupMembers', () => {
  beforeAll(() => h.admin.reset());

  it('lists direct users and nested groups, leaving other kinds out', async () => {
    const agents = await groupId('Zendesk Agents');
    expect(
      (await h.admin.post(`/v1.0/groups/${agents}/members/$ref`, ref(h.servicePrincipalId))).status,
    ).toBe(204);
    expect(byId(await source.readGroupMembers(agents))).toEqual(
      byId([user(0), user(1), { id: await groupId('Tier 2'), type: 'group' }]),
    );
    expect(await source.readGroupMembers(await groupId('Empty'))).toEqual([]);
    expect(await source.readGroupMembers('5f0c2a5e-0000-4000-8000-00000000abcd')).toEqual([]);
  });

  it('pages a large group', async () => {
    const big = await groupId('Big');
    await h.admin.clearRequests();
    const members = await h.source({ pageSize: 10 }).readGroupMembers(big);
    expect(byId(members)).toEqual(byId(Array.from({ length: bigGroupSize }, (_, i) => user(i + 5))));
    expect((await h.admin.requests()).get('GET /v1.0/groups/{id}/members')).toBe(3);
  });
});
