import type { AssignmentChanges, ReadAssignmentChangesRequest } from '@provisio/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAssignmentWatermark } from '../src/connector/assignment-changes.js';
import type { EntraSource } from '../src/index.js';
import { type Harness, startHarness, writePermissions } from './support/emulator.js';

const domain = 'provisio-demo.onmicrosoft.com';
const upn = (name: string) => `${name}@${domain}`;
const people = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const minute = 60_000;
const interval = 5 * minute;

let h: Harness;
/** Page size 2: the 7 assignments take 4 pages, so this application is not a small one. */
let source: EntraSource;
const ids = new Map<string, string>();
const id = (name: string) => ids.get(name) ?? 'missing';
let agentsGroup = '';
let supportGroup = '';
let agentRole = '';
let adminRole = '';

/** Graph requests (`/v1.0/…`) the emulator counted since the last clear, by `METHOD route`. */
async function graphRequests(): Promise<{ total: number; byRoute: Map<string, number> }> {
  const counts = await h.admin.requests();
  const byRoute = new Map([...counts].filter(([route]) => route.includes(' /v1.0/')));
  return { total: [...byRoute.values()].reduce((a, b) => a + b, 0), byRoute };
}

/** Reads the changes and counts the Graph requests it made. */
async function read(
  request: Partial<ReadAssignmentChangesRequest> & { watermark: string | null; now: Date },
  from: EntraSource = source,
): Promise<{ changes: AssignmentChanges; requests: number; byRoute: Map<string, number> }> {
  await h.admin.clearRequests();
  // By the interval only unless a case sets the sweep budget: the cases step through minutes.
  const changes = await from.readAssignmentChanges({
    users: [],
    sweepIntervalMs: interval,
    sweepRequestsPerMinute: 0,
    ...request,
  });
  const { total, byRoute } = await graphRequests();
  return { changes, requests: total, byRoute };
}

const groupIdOf = async (name: string): Promise<string> =>
  (await h.admin.get(`/v1.0/groups?$filter=displayName eq '${name}'`)).body.value[0].id;

async function addMember(group: string, user: string): Promise<void> {
  const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user}` };
  expect((await h.admin.post(`/v1.0/groups/${group}/members/$ref`, ref)).status).toBe(204);
}

async function assign(principalId: string, appRoleId: string): Promise<string> {
  const answer = await h.admin.post(`/v1.0/servicePrincipals/${h.servicePrincipalId}/appRoleAssignedTo`, {
    principalId,
    resourceId: h.servicePrincipalId,
    appRoleId,
  });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

beforeAll(async () => {
  h = await startHarness({
    permissions: writePermissions,
    seed: {
      users: people.map((name) => ({
        userPrincipalName: upn(name),
        displayName: name[0]?.toUpperCase() + name.slice(1),
      })),
      groups: [
        { displayName: 'Zendesk Agents', members: [upn('carol'), upn('dave'), 'group:Tier 2'] },
        { displayName: 'Tier 2', members: [upn('erin')] },
        { displayName: 'Support', members: [] },
      ],
      assignments: [
        { principal: upn('alice'), appRole: 'Admin' },
        { principal: upn('bob'), appRole: 'Default Access' },
        { principal: upn('frank'), appRole: 'Agent' },
        { principal: upn('grace'), appRole: 'Agent' },
        { principal: upn('heidi'), appRole: 'Agent' },
        { principal: 'group:Zendesk Agents', appRole: 'Agent' },
        { principal: 'group:Support', appRole: 'Admin' },
      ],
    },
  });
  source = h.source({ pageSize: 2 });
  for (const name of people) ids.set(name, await h.admin.userId(upn(name)));
  agentsGroup = await groupIdOf('Zendesk Agents');
  supportGroup = await groupIdOf('Support');
  const roles = (await source.readAssignments()).roles;
  agentRole = roles.find((r) => r.displayName === 'Agent')?.id ?? '';
  adminRole = roles.find((r) => r.displayName === 'Admin')?.id ?? '';
});
afterAll(() => h.close());

describe('readAssignmentChanges', () => {
  const t0 = new Date('2026-01-01T08:00:00Z');
  const at = (minutes: number) => new Date(t0.getTime() + minutes * minute);
  let watermark = '';

  it('sweeps at first: every assigned user, the groups, in one pass over the members', async () => {
    const { changes, requests, byRoute } = await read({ watermark: null, now: t0 });
    expect(changes.complete).toBe(true);
    expect([...changes.byUser.keys()].sort()).toEqual(
      ['alice', 'bob', 'carol', 'dave', 'frank', 'grace', 'heidi'].map(id).sort(),
    );
    expect(changes.byUser.get(id('carol'))).toEqual([
      expect.objectContaining({
        roleDisplayName: 'Agent',
        viaGroupId: agentsGroup,
        viaGroupName: 'Zendesk Agents',
      }),
    ]);
    // erin is only in Tier 2, nested in Zendesk Agents: not assigned (Entra does not expand nesting).
    expect(changes.byUser.has(id('erin'))).toBe(false);
    expect(changes.groups.map((g) => g.groupName).sort()).toEqual(['Support', 'Zendesk Agents']);
    // The service principal, 4 pages of assignments, one groups/delta page for both groups; no
    // /groups/{id}/members read: the delta's first round gives the members.
    expect(byRoute.get('GET /v1.0/servicePrincipals/{id}')).toBe(1);
    expect(byRoute.get('GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo')).toBe(4);
    expect(byRoute.get('GET /v1.0/groups/delta')).toBe(1);
    expect(requests).toBe(6);
    const kept = parseAssignmentWatermark(changes.watermark);
    expect(kept).toMatchObject({ v: 1, sweptAt: t0.toISOString(), sweepRequests: 6, listPages: 4 });
    expect(kept?.deltaLinks).toHaveLength(1);
    watermark = changes.watermark;
  });

  it('costs one request when nothing changed, and keeps the roles and groups of the sweep', async () => {
    const { changes, requests, byRoute } = await read({ watermark, now: at(1) });
    expect(requests).toBe(1);
    expect(byRoute.get('GET /v1.0/groups/delta')).toBe(1);
    expect(changes.complete).toBe(false);
    expect(changes.byUser.size).toBe(0);
    expect(changes.groups.map((g) => g.groupName).sort()).toEqual(['Support', 'Zendesk Agents']);
    expect(changes.roles.map((r) => r.displayName)).toContain('Agent');
    watermark = changes.watermark;
  });

  it('reads a member who joined an assigned group: the delta, then its assignments and groups', async () => {
    await addMember(agentsGroup, id('ivan'));
    const { changes, requests, byRoute } = await read({ watermark, now: at(2) });
    expect(changes.complete).toBe(false);
    expect([...changes.byUser.keys()]).toEqual([id('ivan')]);
    expect(changes.byUser.get(id('ivan'))).toEqual([
      expect.objectContaining({ userId: id('ivan'), appRoleId: agentRole, viaGroupId: agentsGroup }),
    ]);
    expect(byRoute.get('GET /v1.0/users/{id}/appRoleAssignments')).toBe(1);
    expect(byRoute.get('GET /v1.0/users/{id}/memberOf')).toBe(1);
    expect(requests).toBe(3);
    watermark = changes.watermark;
  });

  it('reads a member who left: no assignment left, or its remaining direct ones', async () => {
    expect((await h.admin.delete(`/v1.0/groups/${agentsGroup}/members/${id('ivan')}/$ref`)).status).toBe(204);
    // frank is assigned directly and joins then leaves Support (Admin) within the same interval.
    await addMember(supportGroup, id('frank'));
    const joined = await read({ watermark, now: at(3) });
    expect(joined.changes.byUser.get(id('ivan'))).toEqual([]);
    expect(
      joined.changes.byUser
        .get(id('frank'))
        ?.map((a) => a.roleDisplayName)
        .sort(),
    ).toEqual(['Admin', 'Agent']);
    expect((await h.admin.delete(`/v1.0/groups/${supportGroup}/members/${id('frank')}/$ref`)).status).toBe(
      204,
    );
    const left = await read({ watermark: joined.changes.watermark, now: at(4) });
    expect(left.changes.byUser.get(id('frank'))).toEqual([
      expect.objectContaining({ userId: id('frank'), roleDisplayName: 'Agent' }),
    ]);
    expect(left.changes.byUser.get(id('frank'))?.[0]?.viaGroupId).toBeUndefined();
    watermark = left.changes.watermark;
  });

  it('reads the users it is asked for: a new user assigned directly is found at once', async () => {
    await assign(id('judy'), adminRole);
    const { changes, requests } = await read({ watermark, now: at(4), users: [id('judy')] });
    expect(changes.complete).toBe(false);
    expect(changes.byUser.get(id('judy'))).toEqual([
      expect.objectContaining({ userId: id('judy'), roleDisplayName: 'Admin', roleValue: 'admin' }),
    ]);
    // The delta link, then judy's assignments and groups.
    expect(requests).toBe(3);
    watermark = changes.watermark;
  });

  it('answers [] for a user asked for that no longer exists', async () => {
    const gone = '0f0f0f0f-0000-4000-8000-000000000001';
    const { changes } = await read({ watermark, now: at(4), users: [gone] });
    expect(changes.byUser.get(gone)).toEqual([]);
  });

  it('leaves a group role change to the next sweep, which finds it', async () => {
    const agents = (await source.readAssignments()).groups?.find((g) => g.groupId === agentsGroup);
    expect(
      (
        await h.admin.delete(
          `/v1.0/servicePrincipals/${h.servicePrincipalId}/appRoleAssignedTo/${agents?.id ?? ''}`,
        )
      ).status,
    ).toBe(204);
    await assign(agentsGroup, adminRole);
    // Between sweeps: nothing seen (no change feed for assignments); worst case one interval.
    const between = await read({ watermark, now: at(4.5) });
    expect(between.changes.complete).toBe(false);
    expect(between.changes.byUser.size).toBe(0);
    expect(between.changes.groups.find((g) => g.groupId === agentsGroup)?.roleDisplayName).toBe('Agent');
    // The interval has elapsed since the first sweep (t0): a sweep, which sees the new role.
    const swept = await read({ watermark: between.changes.watermark, now: at(5) });
    expect(swept.changes.complete).toBe(true);
    expect(swept.changes.groups.find((g) => g.groupId === agentsGroup)?.roleDisplayName).toBe('Admin');
    expect(swept.changes.byUser.get(id('carol'))).toEqual([
      expect.objectContaining({ roleDisplayName: 'Admin', viaGroupId: agentsGroup }),
    ]);
    expect(parseAssignmentWatermark(swept.changes.watermark)?.sweptAt).toBe(at(5).toISOString());
    watermark = swept.changes.watermark;
  });

  it('dates a settled sweep at the end of its cycle: the next sweep is an interval after that', async () => {
    // A sweep at t0 + 10 whose cycle (an initial cycle of a large tenant) ends 12 minutes later.
    const swept = await read({ watermark: null, now: at(10) });
    expect(swept.changes.complete).toBe(true);
    const settled = swept.changes.settleWatermark?.(at(22)) ?? '';
    expect(parseAssignmentWatermark(settled)).toMatchObject({
      ...parseAssignmentWatermark(swept.changes.watermark),
      sweptAt: at(22).toISOString(),
    });
    // Right after that cycle: the changes are followed (one request), no sweep.
    const next = await read({ watermark: settled, now: at(23) });
    expect(next.changes.complete).toBe(false);
    expect(next.requests).toBe(1);
    // Unsettled, the same read would have swept: the interval had elapsed since the read began.
    expect((await read({ watermark: swept.changes.watermark, now: at(23) })).changes.complete).toBe(true);
    // An interval after the cycle ended: a sweep.
    expect((await read({ watermark: next.changes.watermark, now: at(27) })).changes.complete).toBe(true);
    // A read between sweeps has nothing to settle.
    expect(next.changes.settleWatermark).toBeUndefined();
  });

  it('also sweeps once the time since the last sweep pays for one at 60 requests a minute', async () => {
    const t = (seconds: number) => new Date(t0.getTime() + 60 * minute + seconds * 1000);
    const budget = { sweepRequestsPerMinute: 60 };
    const swept = await read({ ...budget, watermark: null, now: t(0) });
    // The sweep cost 6 requests: at 60 a minute the next is paid for 6 s later.
    expect(parseAssignmentWatermark(swept.changes.watermark)?.sweepRequests).toBe(6);
    const before = await read({ ...budget, watermark: swept.changes.watermark, now: t(5.9) });
    expect(before.changes.complete).toBe(false);
    expect(before.requests).toBe(1);
    const paid = await read({ ...budget, watermark: before.changes.watermark, now: t(6) });
    expect(paid.changes.complete).toBe(true);
    expect(paid.requests).toBe(6);
    // 0 sweeps by the interval only.
    const unpaid = await read({ watermark: paid.changes.watermark, now: t(60), sweepRequestsPerMinute: 0 });
    expect(unpaid.changes.complete).toBe(false);
    // At 30 a minute, the 6 requests are paid for 12 s after the sweep.
    const halved = await read({
      watermark: unpaid.changes.watermark,
      now: t(6 + 11.9),
      sweepRequestsPerMinute: 30,
    });
    expect(halved.changes.complete).toBe(false);
    const due = await read({
      watermark: halved.changes.watermark,
      now: t(6 + 12),
      sweepRequestsPerMinute: 30,
    });
    expect(due.changes.complete).toBe(true);
  });

  it('sweeps when more users are asked for than a sweep costs', async () => {
    // The last sweep cost 6 requests; each user costs 2 (assignments and groups): at most 3 users.
    const three = await read({ watermark, now: at(6), users: ['alice', 'bob', 'carol'].map(id) });
    expect(three.changes.complete).toBe(false);
    const four = await read({ watermark, now: at(6), users: ['alice', 'bob', 'carol', 'dave'].map(id) });
    expect(four.changes.complete).toBe(true);
    expect(four.requests).toBe(6);
  });

  it('sweeps on a garbage watermark, another version, or an expired delta link', async () => {
    for (const bad of ['not json', '{"v":2}', JSON.stringify({ ...JSON.parse(watermark), v: 99 })]) {
      const { changes } = await read({ watermark: bad, now: at(6) });
      expect(changes.complete).toBe(true);
    }
    // A delta link whose state Graph no longer has (here: from another epoch) answers 400 syncStateNotFound.
    const kept = JSON.parse(watermark);
    const link = new URL(kept.deltaLinks[0]);
    const state = JSON.parse(Buffer.from(link.searchParams.get('$deltatoken') ?? '', 'base64url').toString());
    link.searchParams.set(
      '$deltatoken',
      Buffer.from(JSON.stringify({ ...state, e: 999 })).toString('base64url'),
    );
    const expired = await read({
      watermark: JSON.stringify({ ...kept, deltaLinks: [link.toString()] }),
      now: at(6),
    });
    expect(expired.changes.complete).toBe(true);
    expect(await h.admin.count('GET /v1.0/groups/delta', 400)).toBe(1);
    // A link to another host is never followed.
    const foreign = JSON.stringify({
      ...kept,
      deltaLinks: ['https://example.com/v1.0/groups/delta?$deltatoken=x'],
    });
    expect((await read({ watermark: foreign, now: at(6) })).changes.complete).toBe(true);
  });
});

describe('readAssignmentChanges of a small application', () => {
  it('sweeps every time: the assignment list fits in at most two pages', async () => {
    const small = h.source();
    const now = new Date('2026-01-01T08:00:00Z');
    const first = await read({ watermark: null, now }, small);
    expect(parseAssignmentWatermark(first.changes.watermark)?.listPages).toBe(1);
    const second = await read({ watermark: first.changes.watermark, now }, small);
    expect(second.changes.complete).toBe(true);
    // The service principal, one page of assignments, one groups/delta page.
    expect(second.requests).toBe(3);
  });
});

describe('readAssignmentChanges without the permission to read a user', () => {
  it('sweeps when a user must be read, and still costs one request when nothing changed', async () => {
    const other = await startHarness({
      permissions: ['User.Read.All', 'Application.Read.All', 'GroupMember.Read.All'],
      seed: {
        users: people.map((name) => ({ userPrincipalName: upn(name), displayName: name })),
        groups: [{ displayName: 'Zendesk Agents', members: [upn('carol')] }],
        assignments: [
          { principal: upn('alice'), appRole: 'Admin' },
          { principal: upn('bob'), appRole: 'Agent' },
          { principal: upn('dave'), appRole: 'Agent' },
          { principal: 'group:Zendesk Agents', appRole: 'Agent' },
        ],
      },
    });
    try {
      const limited = other.source({ pageSize: 1 });
      const now = new Date('2026-01-01T08:00:00Z');
      const first = await limited.readAssignmentChanges({
        watermark: null,
        users: [],
        sweepIntervalMs: interval,
        sweepRequestsPerMinute: 60,
        now,
      });
      const quiet = await limited.readAssignmentChanges({
        watermark: first.watermark,
        users: [],
        sweepIntervalMs: interval,
        sweepRequestsPerMinute: 60,
        now,
      });
      expect(quiet.complete).toBe(false);
      const alice = await other.admin.userId(upn('alice'));
      const asked = await limited.readAssignmentChanges({
        watermark: quiet.watermark,
        users: [alice],
        sweepIntervalMs: interval,
        sweepRequestsPerMinute: 60,
        now,
      });
      expect(asked.complete).toBe(true);
      expect(asked.byUser.get(alice)).toEqual([expect.objectContaining({ roleDisplayName: 'Admin' })]);
      // No refused request was made: the token's permissions told.
      expect(await other.admin.count('GET /v1.0/users/{id}/appRoleAssignments')).toBe(0);
    } finally {
      await other.close();
    }
  });
});

describe('readAssignmentChanges with more than 50 assigned groups', () => {
  it('keeps one groups delta per 50 groups: a quiet call costs one request each', async () => {
    const groupNames = Array.from({ length: 51 }, (_, i) => `Team ${i}`);
    const many = await startHarness({
      permissions: writePermissions,
      seed: {
        users: people.map((name) => ({ userPrincipalName: upn(name), displayName: name })),
        groups: groupNames.map((displayName, i) => ({
          displayName,
          members: [upn(people[i % people.length] ?? 'alice')],
        })),
        assignments: groupNames.map((name) => ({ principal: `group:${name}`, appRole: 'Agent' })),
      },
    });
    try {
      const from = many.source({ pageSize: 20 });
      const now = new Date('2026-01-01T08:00:00Z');
      const request = { users: [], sweepIntervalMs: interval, sweepRequestsPerMinute: 60, now };
      const first = await from.readAssignmentChanges({ ...request, watermark: null });
      expect(first.byUser.size).toBe(people.length);
      expect(parseAssignmentWatermark(first.watermark)?.deltaLinks).toHaveLength(2);
      await many.admin.clearRequests();
      const quiet = await from.readAssignmentChanges({ ...request, watermark: first.watermark });
      expect(quiet.complete).toBe(false);
      expect(await many.admin.count('GET /v1.0/groups/delta')).toBe(2);
      // A member joins the 51st group (the second delta) and is found.
      const last = (await many.admin.get(`/v1.0/groups?$filter=displayName eq 'Team 50'`)).body.value[0].id;
      const judy = await many.admin.userId(upn('judy'));
      const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${judy}` };
      expect((await many.admin.post(`/v1.0/groups/${last}/members/$ref`, ref)).status).toBe(204);
      const joined = await from.readAssignmentChanges({ ...request, watermark: quiet.watermark });
      expect(joined.complete).toBe(false);
      // judy was in Team 9, 19, 29, 39 and 49 already: her assignments are all six groups'.
      expect(joined.byUser.get(judy)?.map((a) => a.viaGroupId)).toHaveLength(6);
      expect(joined.byUser.get(judy)?.map((a) => a.viaGroupId)).toContain(last);
    } finally {
      await many.close();
    }
  });
});
