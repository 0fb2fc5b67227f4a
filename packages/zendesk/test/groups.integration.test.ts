import {
  ConnectorFailure,
  type TargetGroupActionResult,
  type TargetMembershipAction,
  type TargetMembershipActionResult,
} from '@provisio/engine';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultGroupProtection } from '../src/connector/groups.js';
import { type Harness, requestCounts, startEmulator, targetFor } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startEmulator({
    plan: 'enterprise',
    jobStepMs: 5,
    seed: {
      groups: [
        { name: 'Tier 1', description: 'First line' },
        { name: 'Secret', isPublic: false },
        { name: 'Old', deleted: true },
      ],
      users: [
        { name: 'Ada Lovelace', email: 'ada@example.com', role: 'agent', groups: ['Tier 1'] },
        { name: 'Eve Enduser', email: 'eve@example.com' },
        { name: 'Grace Hopper', email: 'grace@example.com', custom_role: 'Light Agent' },
      ],
      // 260 agents, each in the default group "Support": with Ada, Grace and the admin, 264
      // memberships of the default group, three pages of 100.
      generate: { agents: 260 },
    },
  });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('POST', 'reset');
  await h.admin.control('DELETE', 'requests');
});

function groupId(name: string): number {
  const group = [...h.emulator.store.groups.values()].find((g) => g.name === name && !g.deleted);
  if (!group) throw new Error(`no group ${name}`);
  return group.id;
}

function userId(email: string): number {
  const user = h.emulator.store.userByEmail(email);
  if (!user) throw new Error(`no user ${email}`);
  return user.id;
}

function byKey<R extends { key: string }>(results: readonly R[]): Map<string, R> {
  return new Map(results.map((r) => [r.key, r]));
}

function okGroup(result: TargetGroupActionResult | undefined) {
  if (!result?.ok) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result;
}

function failed(result: TargetGroupActionResult | TargetMembershipActionResult | undefined) {
  if (!result || result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result.error;
}

/** Adds of the generated agents `from`…`from + n - 1` to a group. */
function adds(n: number, group: number, from = 1): TargetMembershipAction[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'add' as const,
    key: `add-${from + i}`,
    userId: String(userId(`agent${from + i}@example.com`)),
    groupId: String(group),
  }));
}

async function statusCounts(): Promise<Record<number, number>> {
  const answer = await h.admin.control('GET', 'requests');
  const out: Record<number, number> = {};
  for (const row of answer.body.byRoute as { status: number; count: number }[])
    out[row.status] = (out[row.status] ?? 0) + row.count;
  return out;
}

describe('loadGroups and loadMemberships', () => {
  it('reads every live group over cursor pages, without deleted ones', async () => {
    await h.admin.control('POST', 'seed', {
      groups: Array.from({ length: 150 }, (_, i) => ({
        name: `Team ${i + 1}`,
        description: `Team #${i + 1}`,
      })),
    });
    const { target } = targetFor(h);
    const groups = await target.loadGroups();
    // Support, Tier 1, Secret and 150 teams; "Old" is deleted.
    expect(groups).toHaveLength(153);
    expect(groups.some((g) => g.displayName === 'Old')).toBe(false);
    const support = groups.find((g) => g.displayName === 'Support');
    expect(support).toEqual({
      id: String(groupId('Support')),
      displayName: 'Support',
      attributes: { name: 'Support', description: 'The default group', is_public: true, default: true },
      protection: defaultGroupProtection,
    });
    expect(groups.find((g) => g.displayName === 'Secret')?.attributes).toMatchObject({
      is_public: false,
      description: '',
      default: false,
    });
    expect(groups.find((g) => g.displayName === 'Team 150')?.attributes['description']).toBe('Team #150');
    const counts = await requestCounts(h);
    expect(counts.by['GET /api/v2/groups']).toBe(2);
    expect(target.requestCount).toBe(counts.total);
  });

  it('reads every membership over cursor pages of 100, ids as text', async () => {
    const { target } = targetFor(h);
    const memberships = await target.loadMemberships();
    expect(memberships).toHaveLength(h.emulator.store.memberships.size);
    expect(memberships.length).toBe(264);
    expect(new Set(memberships.map((m) => m.id)).size).toBe(264);
    const ada = userId('ada@example.com');
    const adas = memberships.filter((m) => m.userId === String(ada)).map((m) => m.groupId);
    expect(adas.sort()).toEqual([String(groupId('Support')), String(groupId('Tier 1'))].sort());
    for (const m of memberships) {
      expect(m.id).toMatch(/^\d+$/);
      expect(h.emulator.store.memberships.get(Number(m.id))?.userId).toBe(Number(m.userId));
    }
    const counts = await requestCounts(h);
    // 100 + 100 + 64: the last page is partial, so no trailing empty page.
    expect(counts.by['GET /api/v2/group_memberships']).toBe(3);
    expect(target.requestCount).toBe(3);
  });

  it('a read that fails after the retries throws ConnectorFailure with a stable code', async () => {
    await h.admin.control('PUT', 'config', { faults: '500=1' });
    const { target } = targetFor(h, { maxRetries: 1 });
    for (const load of [() => target.loadGroups(), () => target.loadMemberships()]) {
      const error = await load().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectorFailure);
      expect((error as ConnectorFailure).detail).toMatchObject({
        code: 'ZendeskInternalServerError',
        retryable: true,
      });
    }
    await h.admin.control('PUT', 'config', { faults: '' });
  });
});

describe('applyGroups', () => {
  it('creates, updates and deletes groups, one request each, and answers the group after the write', async () => {
    const { target } = targetFor(h);
    const created = okGroup(
      (
        await target.applyGroups([
          {
            kind: 'create',
            key: 'esc',
            attributes: { name: 'Escalations', description: 'Hard cases', is_public: false },
          },
        ])
      )[0],
    );
    expect(created.request).toBe('POST /api/v2/groups');
    expect(created.group.displayName).toBe('Escalations');
    expect(created.group.attributes).toEqual({
      name: 'Escalations',
      description: 'Hard cases',
      is_public: false,
      default: false,
    });
    const stored = h.emulator.store.groups.get(Number(created.group.id));
    expect(stored).toMatchObject({ name: 'Escalations', isPublic: false, deleted: false });

    const tier1 = String(groupId('Tier 1'));
    const results = byKey(
      await target.applyGroups([
        { kind: 'update', key: 'rename', targetId: created.group.id, changes: { name: 'Escalations 2' } },
        { kind: 'update', key: 'describe', targetId: tier1, changes: { description: 'Level one' } },
        { kind: 'delete', key: 'drop', targetId: String(groupId('Secret')) },
      ]),
    );
    const renamed = okGroup(results.get('rename'));
    expect(renamed.group.attributes['name']).toBe('Escalations 2');
    expect(renamed.group.attributes['description']).toBe('Hard cases');
    expect(renamed.request).toBe(`PUT /api/v2/groups/${created.group.id}`);
    expect(okGroup(results.get('describe')).group.attributes['description']).toBe('Level one');
    const dropped = okGroup(results.get('drop'));
    expect(dropped.group.attributes['deleted']).toBe(true);
    expect([...h.emulator.store.groups.values()].find((g) => g.name === 'Secret')?.deleted).toBe(true);

    const counts = await requestCounts(h);
    expect(counts.by['POST /api/v2/groups']).toBe(1);
    expect(counts.by['PUT /api/v2/groups/{id}']).toBe(2);
    expect(counts.by['DELETE /api/v2/groups/{id}']).toBe(1);
    expect(target.requestCount).toBe(4);
  });

  it('never duplicates a group when the answer to its create is lost or a 503 after Zendesk made it', async () => {
    for (const fault of ['lost-after-write=1', '503-after-write=1']) {
      await h.admin.control('POST', 'reset');
      await h.admin.control('DELETE', 'requests');
      const faults = await h.admin.control('PUT', 'config', {
        faults: `${fault},write-path=/api/v2/groups,seed=5`,
      });
      expect(faults.status).toBe(200);
      const { target } = targetFor(h);
      const names = Array.from({ length: 30 }, (_, i) => `Team ${i + 1}`);
      const results = await target.applyGroups(
        names.map((name) => ({ kind: 'create' as const, key: name, attributes: { name } })),
      );
      await h.admin.control('PUT', 'config', { faults: 'none' });
      for (const result of results) {
        const ok = okGroup(result);
        expect(ok.request, fault).toMatch(/answer was lost; the group it created was found by name/);
        expect(h.emulator.store.groups.get(Number(ok.group.id))?.name).toBe(result.key);
      }
      const live = [...h.emulator.store.groups.values()].filter(
        (g) => !g.deleted && g.name.startsWith('Team '),
      );
      expect(live.map((g) => g.name).sort(), fault).toEqual([...names].sort());
      // One create each: every group was found instead of being made again.
      expect((await requestCounts(h)).by['POST /api/v2/groups'], fault).toBe(30);
    }
  });

  it('a single membership add whose answer is lost is found, not added twice', async () => {
    const fetch: typeof globalThis.fetch = (input, init) =>
      String(input).includes('/group_memberships/create_many')
        ? Promise.resolve(
            new Response(JSON.stringify({ error: 'InvalidEndpoint', description: 'Not found' }), {
              status: 404,
              headers: { 'content-type': 'application/json' },
            }),
          )
        : globalThis.fetch(input, init);
    await h.admin.control('PUT', 'config', {
      faults: 'lost-after-write=1,write-path=/api/v2/group_memberships,seed=5',
    });
    const { target } = targetFor(h, { fetch });
    const tier1 = groupId('Tier 1');
    const results = await target.applyMemberships(adds(3, tier1));
    await h.admin.control('PUT', 'config', { faults: 'none' });
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect((await requestCounts(h)).by['POST /api/v2/group_memberships']).toBe(3);
    for (const i of [1, 2, 3])
      expect(h.emulator.store.membership(userId(`agent${i}@example.com`), tier1)).toBeDefined();
  });

  it('a group already deleted counts as deleted; a missing group to update is InvalidAnchor', async () => {
    const { target } = targetFor(h);
    const old = [...h.emulator.store.groups.values()].find((g) => g.name === 'Old');
    const results = byKey(
      await target.applyGroups([
        { kind: 'delete', key: 'again', targetId: String(old?.id) },
        { kind: 'update', key: 'gone', targetId: String(old?.id), changes: { name: 'Revived' } },
        { kind: 'update', key: 'bad-id', targetId: 'abc', changes: { name: 'X' } },
      ]),
    );
    expect(okGroup(results.get('again')).request).toMatch(/already deleted/);
    expect(failed(results.get('gone'))).toMatchObject({
      code: 'InvalidAnchor',
      retryable: false,
      httpStatus: 404,
    });
    expect(failed(results.get('gone')).message).toMatch(/group does not exist any more/);
    expect(failed(results.get('bad-id')).code).toBe('InvalidAnchor');
  });

  it('refuses to delete the default group (ZendeskDefaultGroup), while the other actions succeed', async () => {
    const { target } = targetFor(h);
    const results = byKey(
      await target.applyGroups([
        { kind: 'delete', key: 'support', targetId: String(groupId('Support')) },
        { kind: 'create', key: 'new', attributes: { name: 'Night shift' } },
      ]),
    );
    const error = failed(results.get('support'));
    expect(error).toMatchObject({ code: 'ZendeskDefaultGroup', retryable: false, httpStatus: 422 });
    expect(error.message).toMatch(/default group/);
    expect(error.request).toBe(`DELETE /api/v2/groups/${groupId('Support')}`);
    expect(error.recommendedAction).toMatch(/default/);
    expect(h.emulator.store.groups.get(groupId('Support'))?.deleted).toBe(false);
    expect(results.get('new')?.ok).toBe(true);
  });

  it('maps Zendesk refusals of values to ZendeskUnprocessableEntity naming the field', async () => {
    const { target } = targetFor(h);
    const results = byKey(
      await target.applyGroups([
        // "You can't change a private group to a public group" (GroupObject.is_public,
        // https://developer.zendesk.com/api-reference/ticketing/groups/groups/).
        { kind: 'update', key: 'public', targetId: String(groupId('Secret')), changes: { is_public: true } },
        { kind: 'create', key: 'nameless', attributes: { name: '  ' } },
      ]),
    );
    const pub = failed(results.get('public'));
    expect(pub.code).toBe('ZendeskUnprocessableEntity');
    expect(pub.message).toMatch(/is_public.*private group to a public group/);
    expect(failed(results.get('nameless')).message).toMatch(/name: Name: cannot be blank/);
  });
});

describe('applyMemberships', () => {
  it('adds 250 memberships in 3 create_many jobs and removes them in 3 destroy_many jobs', async () => {
    const { target } = targetFor(h);
    const tier1 = groupId('Tier 1');
    const results = await target.applyMemberships(adds(250, tier1));
    expect(results).toHaveLength(250);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const first = byKey(results).get('add-1');
    if (!first?.ok) throw new Error('expected success');
    expect(first.request).toMatch(/^POST \/api\/v2\/group_memberships\/create_many \(job V3-/);
    const agent1 = userId('agent1@example.com');
    expect(first.membership).toEqual({
      id: String(h.emulator.store.membership(agent1, tier1)?.id),
      userId: String(agent1),
      groupId: String(tier1),
    });
    for (const result of results) {
      if (!result.ok || !result.membership) throw new Error('expected a membership');
      const stored = h.emulator.store.memberships.get(Number(result.membership.id));
      expect(stored?.groupId).toBe(tier1);
      expect(String(stored?.userId)).toBe(result.membership.userId);
    }
    expect(h.emulator.store.membershipsOfGroup(tier1)).toHaveLength(251); // Ada too

    let counts = await requestCounts(h);
    expect(counts.by['POST /api/v2/group_memberships/create_many']).toBe(3);
    expect(counts.by['POST /api/v2/group_memberships'] ?? 0).toBe(0);
    const polls =
      (counts.by['GET /api/v2/job_statuses/{id}'] ?? 0) +
      (counts.by['GET /api/v2/job_statuses/show_many'] ?? 0);
    expect(polls).toBeGreaterThanOrEqual(1);
    expect(counts.total).toBe(3 + polls);
    expect(counts.total).toBeLessThanOrEqual(3 + 12);
    expect(target.requestCount).toBe(counts.total);

    await h.admin.control('DELETE', 'requests');
    const before = target.requestCount;
    const removes: TargetMembershipAction[] = results.flatMap((r) =>
      r.ok && r.membership
        ? [{ kind: 'remove' as const, key: `rm-${r.key}`, membershipId: r.membership.id }]
        : [],
    );
    const removed = await target.applyMemberships(removes);
    expect(removed).toHaveLength(250);
    expect(removed.filter((r) => !r.ok)).toEqual([]);
    const one = removed[0];
    expect(one?.ok && one.membership).toBeUndefined();
    expect(one?.ok && one.request).toMatch(/^DELETE \/api\/v2\/group_memberships\/destroy_many \(job V3-/);
    expect(h.emulator.store.membershipsOfGroup(tier1)).toHaveLength(1);
    counts = await requestCounts(h);
    expect(counts.by['DELETE /api/v2/group_memberships/destroy_many']).toBe(3);
    expect(counts.total).toBeLessThanOrEqual(3 + 12);
    expect(target.requestCount - before).toBe(counts.total);
  });

  it('an end user fails alone with ZendeskNotAnAgent; the agents are added (bulk and single requests)', async () => {
    for (const mode of ['bulk', 'single'] as const) {
      await h.admin.control('POST', 'reset');
      await h.admin.control('DELETE', 'requests');
      // Without the bulk endpoint (404), the connector falls back to one request per membership.
      const fetch: typeof globalThis.fetch = (input, init) =>
        mode === 'single' && String(input).includes('/group_memberships/create_many')
          ? Promise.resolve(
              new Response(JSON.stringify({ error: 'InvalidEndpoint', description: 'Not found' }), {
                status: 404,
                headers: { 'content-type': 'application/json' },
              }),
            )
          : globalThis.fetch(input, init);
      const { target } = targetFor(h, { fetch });
      const tier1 = groupId('Tier 1');
      const eve = userId('eve@example.com');
      const results = byKey(
        await target.applyMemberships([
          ...adds(3, tier1),
          { kind: 'add', key: 'eve', userId: String(eve), groupId: String(tier1) },
          { kind: 'add', key: 'grace', userId: String(userId('grace@example.com')), groupId: String(tier1) },
        ]),
      );
      const error = failed(results.get('eve'));
      expect(error.code, mode).toBe('ZendeskNotAnAgent');
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(
        `Zendesk did not add user ${eve} to group ${tier1}: User: Eve Enduser is not an agent`,
      );
      expect(error.recommendedAction).toMatch(/agents and admins/);
      for (const key of ['add-1', 'add-2', 'add-3', 'grace']) expect(results.get(key)?.ok, key).toBe(true);
      expect(h.emulator.store.membership(eve, tier1)).toBeUndefined();
      expect(h.emulator.store.membership(userId('agent3@example.com'), tier1)).toBeDefined();
      expect(target.membershipFallbacks.add).toBe(mode === 'single');
      const counts = await requestCounts(h);
      if (mode === 'single') {
        expect(counts.by['POST /api/v2/group_memberships']).toBe(5);
        expect(error.httpStatus).toBe(422);
        // The fallback is remembered: no second try of the bulk endpoint.
        await target.applyMemberships(adds(1, tier1, 10));
        expect((await requestCounts(h)).by['POST /api/v2/group_memberships']).toBe(6);
      } else {
        expect(counts.by['POST /api/v2/group_memberships/create_many']).toBe(1);
        expect(error.request).toMatch(/create_many \(job V3-/);
      }
    }
  });

  it('adds before it removes, so an agent moves from one group to another; an existing membership counts as added', async () => {
    const { target } = targetFor(h);
    const agent = userId('agent7@example.com');
    const support = h.emulator.store.membership(agent, groupId('Support'));
    const results = byKey(
      await target.applyMemberships([
        { kind: 'remove', key: 'leave', membershipId: String(support?.id) },
        { kind: 'add', key: 'join', userId: String(agent), groupId: String(groupId('Tier 1')) },
        // Already in Support (the default group): looked up, not an error.
        {
          kind: 'add',
          key: 'ada-again',
          userId: String(userId('ada@example.com')),
          groupId: String(groupId('Tier 1')),
        },
      ]),
    );
    expect(results.get('leave')?.ok).toBe(true);
    expect(results.get('join')?.ok).toBe(true);
    const again = results.get('ada-again');
    if (!again?.ok) throw new Error(`expected success, got ${JSON.stringify(again)}`);
    expect(again.membership?.id).toBe(
      String(h.emulator.store.membership(userId('ada@example.com'), groupId('Tier 1'))?.id),
    );
    expect(again.request).toMatch(/GET \/api\/v2\/users\/\d+\/group_memberships/);
    expect(h.emulator.store.membershipsOfUser(agent).map((m) => m.groupId)).toEqual([groupId('Tier 1')]);
  });

  it('refuses to remove an agent’s last membership (ZendeskLastMembership); a membership already gone counts as removed', async () => {
    const { target } = targetFor(h);
    const agent = userId('agent8@example.com');
    const only = h.emulator.store.membershipsOfUser(agent)[0];
    const results = byKey(
      await target.applyMemberships([
        { kind: 'remove', key: 'last', membershipId: String(only?.id) },
        { kind: 'remove', key: 'gone', membershipId: '99999999' },
        { kind: 'remove', key: 'bad', membershipId: 'x' },
      ]),
    );
    const error = failed(results.get('last'));
    expect(error).toMatchObject({ code: 'ZendeskLastMembership', retryable: false });
    expect(error.message).toMatch(/at least one group/);
    expect(results.get('gone')?.ok).toBe(true);
    expect(failed(results.get('bad')).code).toBe('InvalidAnchor');
    expect(h.emulator.store.membershipsOfUser(agent)).toHaveLength(1);
  });

  it('a batch that fails after the retries fails each of its actions, retryably', async () => {
    await h.admin.control('PUT', 'config', { faults: '500=1' });
    const { target } = targetFor(h, { maxRetries: 1 });
    const results = await target.applyMemberships(adds(5, groupId('Tier 1')));
    expect(results).toHaveLength(5);
    for (const result of results) {
      expect(failed(result)).toMatchObject({
        code: 'ZendeskInternalServerError',
        retryable: true,
        httpStatus: 500,
        request: 'POST /api/v2/group_memberships/create_many',
      });
    }
    await h.admin.control('PUT', 'config', { faults: '' });
  });

  it('rides out a 429 and 503 storm during membership bulk writes', async () => {
    for (const spec of ['429=0.25,burst=3,retry-after=2,seed=7', '503=0.3,retry-after=1,seed=3']) {
      await h.admin.control('POST', 'reset');
      await h.admin.control('DELETE', 'requests');
      await h.admin.control('PUT', 'config', { faults: spec });
      const { target, waits } = targetFor(h);
      const tier1 = groupId('Tier 1');
      const results = await target.applyMemberships(adds(250, tier1));
      expect(
        results.filter((r) => !r.ok),
        spec,
      ).toEqual([]);
      expect(h.emulator.store.membershipsOfGroup(tier1)).toHaveLength(251);
      const removes = results.flatMap((r) =>
        r.ok && r.membership ? [{ kind: 'remove' as const, key: r.key, membershipId: r.membership.id }] : [],
      );
      const removed = await target.applyMemberships(removes);
      expect(
        removed.filter((r) => !r.ok),
        spec,
      ).toEqual([]);
      expect(h.emulator.store.membershipsOfGroup(tier1)).toHaveLength(1);
      const statuses = await statusCounts();
      const status = spec.startsWith('429') ? 429 : 503;
      expect(statuses[status]).toBeGreaterThan(2);
      expect(waits.filter((ms) => ms === (status === 429 ? 2000 : 1000)).length).toBeGreaterThanOrEqual(
        statuses[status] ?? 0,
      );
      expect(target.requestCount).toBe((await h.admin.control('GET', 'requests')).body.total);
      await h.admin.control('PUT', 'config', { faults: '' });
    }
  });
});

describe('listRoles', () => {
  it('on Enterprise: the built-in roles and the custom roles, Light Agent included', async () => {
    await h.admin.control('POST', 'seed', {
      customRoles: [{ name: 'Billing Agent', description: 'Handles billing tickets' }],
    });
    const { target } = targetFor(h);
    const roles = await target.listRoles();
    expect(roles.slice(0, 3).map((r) => [r.name, r.kind])).toEqual([
      ['End-user', 'end-user'],
      ['Agent', 'agent'],
      ['Admin', 'admin'],
    ]);
    for (const role of roles.slice(0, 3)) {
      expect(role.id).toBeUndefined();
      expect(role.description.length).toBeGreaterThan(20);
    }
    const custom = roles.slice(3);
    expect(custom.map((r) => r.name)).toEqual([
      'Light Agent',
      'Staff',
      'Team lead',
      'Advisor',
      'Billing Agent',
    ]);
    const light = [...h.emulator.store.customRoles.values()].find((r) => r.name === 'Light Agent');
    expect(custom[0]).toEqual({
      name: 'Light Agent',
      kind: 'custom',
      id: String(light?.id),
      description: 'Can view and add private comments to tickets',
    });
    expect(custom.every((r) => r.kind === 'custom' && /^\d+$/.test(r.id ?? ''))).toBe(true);
    expect(custom.at(-1)?.description).toBe('Handles billing tickets');
    // prepare now knows the custom roles too.
    expect(target.prepare({ role: 'Billing Agent' }).attributes['custom_role_id']).toBe(
      Number(custom.at(-1)?.id),
    );
    expect(target.requestCount).toBe(1);
  });

  it('below Enterprise (403 on custom roles): the built-in roles only', async () => {
    await h.admin.control('PUT', 'config', { plan: 'professional' });
    const { target } = targetFor(h);
    const roles = await target.listRoles();
    expect(roles.map((r) => r.kind)).toEqual(['end-user', 'agent', 'admin']);
    expect(target.requestCount).toBe(1);
    const statuses = await statusCounts();
    expect(statuses[403]).toBe(1);
  });

  it('another failure throws ConnectorFailure', async () => {
    await h.admin.control('PUT', 'config', { faults: '500=1' });
    const { target } = targetFor(h, { maxRetries: 0 });
    const error = await target.listRoles().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorFailure);
    expect((error as ConnectorFailure).detail.code).toBe('ZendeskInternalServerError');
    await h.admin.control('PUT', 'config', { faults: '' });
  });
});
