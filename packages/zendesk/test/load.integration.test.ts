import { ConnectorFailure } from '@provisio/engine';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, requestCounts, startEmulator, targetFor } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startEmulator({
    plan: 'enterprise',
    seed: {
      customRoles: [{ name: 'Billing Agent' }],
      users: [
        { name: 'Deleted Dora', email: 'dora@example.com', active: false },
        { name: 'Grace Hopper', email: 'grace@example.com', custom_role: 'Light Agent' },
      ],
      // With the admin, Grace and 298 end users: 300 users, three full pages of 100.
      generate: { endUsers: 298 },
    },
  });
});
afterAll(() => h.close());
beforeEach(async () => {
  clockOffsetMs = 0;
  startedAt = Date.now();
  await h.admin.control('PUT', 'config', { clockOffsetMs: 0 });
  await h.admin.control('POST', 'reset');
  await h.admin.control('DELETE', 'requests');
});

/**
 * Where the emulator's clock stands against the machine's. The connector's `now` moves only with it
 * (from the test's start), so that its pace does not depend on how fast the test runs.
 */
let clockOffsetMs = 0;
let startedAt = Date.now();
const now = () => new Date(startedAt + clockOffsetMs);

/** Moves the emulator's clock (incremental export windows, rate-limit windows). */
async function setClock(offsetMs: number): Promise<void> {
  clockOffsetMs = offsetMs;
  expect((await h.admin.control('PUT', 'config', { clockOffsetMs: offsetMs })).status).toBe(200);
}

describe('loadUsers', () => {
  it('reads every live user over cursor pages of 100, including the trailing empty page', async () => {
    const { target } = targetFor(h);
    const progress: number[] = [];
    const users = await target.loadUsers((n) => progress.push(n));
    expect(users).toHaveLength(300);
    expect(new Set(users.map((u) => u.id)).size).toBe(300);
    expect(users.some((u) => u.displayName === 'Deleted Dora <dora@example.com>')).toBe(false);
    const grace = users.find((u) => u.attributes['email'] === 'grace@example.com');
    expect(grace).toMatchObject({
      active: true,
      disabled: false,
      displayName: 'Grace Hopper <grace@example.com>',
    });
    expect(grace?.attributes['role']).toBe('agent');
    expect(grace?.attributes['custom_role_id']).toEqual(expect.any(Number));
    expect(grace?.attributes).not.toHaveProperty('url');
    expect(grace?.attributes).not.toHaveProperty('updated_at');
    expect(progress).toEqual([100, 200, 300, 300]);

    const counts = await requestCounts(h);
    expect(counts.by['GET /api/v2/users']).toBe(4);
    expect(counts.by['GET /api/v2/custom_roles']).toBe(1);
    expect(target.requestCount).toBe(5);
  });

  it('loads the custom roles prepare needs; without them (plan below Enterprise, 403) a custom role is unknown', async () => {
    const { target } = targetFor(h);
    await target.loadUsers();
    expect(target.prepare({ role: 'Billing Agent' }).attributes).toMatchObject({ role: 'agent' });
    expect(target.prepare({ role: 'billing-agent' }).problems).toEqual([]);

    await h.admin.control('PUT', 'config', { plan: 'professional' });
    const { target: onTeam } = targetFor(h);
    await onTeam.loadUsers();
    expect(onTeam.customRoles).toEqual([]);
    const prepared = onTeam.prepare({ role: 'Billing Agent' });
    expect(prepared.problems).toHaveLength(1);
    expect(prepared.problems[0]).toMatchObject({ attribute: 'role', code: 'UnknownRole' });
    expect(prepared.problems[0]?.message).toMatch(/"Billing Agent".*End-user, Agent, Admin/);
    expect(onTeam.prepare({ role: 'Agent' }).attributes).toEqual({ role: 'agent' });
  });

  it('throws a ConnectorFailure with a stable code when the users cannot be read', async () => {
    const { target } = targetFor(h, { secretToken: 'revoked' });
    const error = await target.loadUsers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorFailure);
    expect((error as ConnectorFailure).detail).toMatchObject({
      code: 'InvalidCredentials',
      httpStatus: 401,
      retryable: false,
    });
    expect(JSON.stringify((error as ConnectorFailure).detail)).not.toContain('revoked');
  });
});

describe('loadChangedUsers', () => {
  it('returns the users changed in Zendesk since loadUsers, then only later changes', async () => {
    // The seed is written ten minutes ago, so only what changes after loadUsers is recent.
    await setClock(-10 * 60_000);
    await h.admin.control('POST', 'reset');
    await setClock(0);
    const { target } = targetFor(h, { now });
    const users = await target.loadUsers();
    const first = users.find((u) => u.attributes['email'] === 'user1@example.com');
    const second = users.find((u) => u.attributes['email'] === 'user2@example.com');
    expect(
      (await h.admin.put(`/api/v2/users/${first?.id}`, { user: { notes: 'edited in Zendesk' } })).status,
    ).toBe(200);

    // Zendesk does not export the last minute: look from two minutes later.
    await setClock(2 * 60_000);
    const changed = await target.loadChangedUsers();
    expect(changed.map((u) => u.id)).toEqual([first?.id]);
    expect(changed[0]?.attributes['notes']).toBe('edited in Zendesk');

    // The export's pace (30 s by default): nothing is asked sooner.
    expect(await target.loadChangedUsers()).toEqual([]);
    expect((await requestCounts(h)).by['GET /api/v2/incremental/users/cursor']).toBe(1);
    await setClock(2 * 60_000 + 30_000);
    expect(await target.loadChangedUsers()).toEqual([]);

    expect((await h.admin.delete(`/api/v2/users/${second?.id}`)).status).toBe(200);
    await setClock(4 * 60_000);
    const later = await target.loadChangedUsers();
    expect(later.map((u) => [u.id, u.active])).toEqual([[second?.id, false]]);

    const counts = await requestCounts(h);
    expect(counts.by['GET /api/v2/incremental/users/cursor']).toBe(3);
  });

  it('paces the export to one request per exportIntervalMs, also across saved state', async () => {
    const { target } = targetFor(h, { now, exportIntervalMs: 10_000 });
    await target.loadUsers();
    await target.loadChangedUsers();
    await setClock(9_999);
    expect(await target.loadChangedUsers()).toEqual([]);
    // Another process takes the state over: the last call's time comes with it.
    const { target: next } = targetFor(h, { now, exportIntervalMs: 10_000 });
    next.restoreState(target.saveState());
    expect(await next.loadChangedUsers()).toEqual([]);
    expect((await requestCounts(h)).by['GET /api/v2/incremental/users/cursor']).toBe(1);
    await setClock(10_000);
    await next.loadChangedUsers();
    expect((await requestCounts(h)).by['GET /api/v2/incremental/users/cursor']).toBe(2);
  });

  it('after a full read, starts the export where provisio’s own writes ended: they are never read back', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true });
    const { target } = targetFor(h, { now });
    const users = await target.loadUsers();
    // A Zendesk admin edits a user during the initial cycle, before provisio's writes.
    const early = users.find((u) => u.attributes['email'] === 'user3@example.com');
    await h.admin.put(`/api/v2/users/${early?.id}`, { user: { notes: 'edited before the writes' } });
    await setClock(5_000);
    const written = await target.apply(
      users
        .filter((u) => /^user\d+@/.test(String(u.attributes['email'])))
        .slice(0, 150)
        .map((u) => ({
          kind: 'update' as const,
          key: u.id,
          targetId: u.id,
          changes: { notes: 'by provisio' },
          current: u,
        })),
    );
    expect(written.every((r) => r.ok)).toBe(true);
    await h.admin.control('DELETE', 'requests');

    // The next cycle, 30 s later: the export would have to start less than a minute ago, which
    // Zendesk refuses; nothing is asked, and the start is kept for later, also across saved state.
    await setClock(35_000);
    expect(await target.loadChangedUsers()).toEqual([]);
    const { target: next } = targetFor(h, { now });
    next.restoreState(target.saveState());
    await setClock(65_000);
    expect(await next.loadChangedUsers()).toEqual([]);
    expect((await requestCounts(h)).total).toBe(0);

    // A minute after the writes: one request, and none of provisio's 150 writes in it. A change
    // made in Zendesk after the writes is there.
    const late = users.find((u) => u.attributes['email'] === 'user200@example.com');
    await h.admin.put(`/api/v2/users/${late?.id}`, { user: { notes: 'edited after the writes' } });
    await setClock(5_000 + 62_000 + 60_000);
    const changed = await next.loadChangedUsers();
    expect(changed.map((u) => u.attributes['notes'])).toEqual(['edited after the writes']);
    expect((await requestCounts(h)).by['GET /api/v2/incremental/users/cursor']).toBe(1);
  });

  it('waits out the export limit of 10 requests a minute (429 with Retry-After)', async () => {
    await h.admin.control('PUT', 'config', { rateLimits: true });
    let offset = 0;
    const waits: number[] = [];
    // Virtual time: a wait moves the emulator's clock instead of sleeping.
    const sleep = async (ms: number) => {
      waits.push(ms);
      if (ms >= 1000) {
        offset += ms;
        await setClock(offset);
      }
    };
    const { target } = targetFor(h, { sleep, exportIntervalMs: 0 });
    await target.loadUsers();
    for (let i = 0; i < 12; i += 1) await target.loadChangedUsers();
    const counts = await requestCounts(h);
    const throttled = (await h.admin.control('GET', 'requests')).body.byRoute.find(
      (r: { route: string; status: number }) =>
        r.route === '/api/v2/incremental/users/cursor' && r.status === 429,
    );
    expect(throttled?.count).toBeGreaterThanOrEqual(1);
    expect(counts.by['GET /api/v2/incremental/users/cursor']).toBe(12 + (throttled?.count ?? 0));
    expect(waits.some((ms) => ms >= 1000)).toBe(true);
  });
});
