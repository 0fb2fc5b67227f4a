import type { TargetAction, TargetActionResult } from '@provisio/engine';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, requestCounts, startEmulator, targetFor } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startEmulator({
    plan: 'enterprise',
    jobStepMs: 5,
    seed: { userFields: [{ key: 'department', type: 'text', title: 'Department' }] },
  });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('POST', 'reset');
  await h.admin.control('DELETE', 'requests');
});

function creates(n: number, from = 1): TargetAction[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'create' as const,
    key: `src-${from + i}`,
    attributes: {
      name: `New User ${from + i}`,
      email: `new${from + i}@example.com`,
      external_id: `ext-${from + i}`,
    },
  }));
}

function byKey(results: readonly TargetActionResult[]): Map<string, TargetActionResult> {
  return new Map(results.map((r) => [r.key, r]));
}

function okUser(result: TargetActionResult | undefined) {
  if (!result?.ok) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result.user;
}

async function seedUsers(users: Record<string, unknown>[]): Promise<number[]> {
  const ids: number[] = [];
  for (const user of users) {
    const answer = await h.admin.post('/api/v2/users', { user });
    expect(answer.status).toBe(201);
    ids.push(answer.body.user.id);
  }
  return ids;
}

describe('creates', () => {
  it('creates 250 users with create_or_update_many in 3 jobs and reports each, without reading them back', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true });
    const { target } = targetFor(h);
    const progress: number[] = [];
    const results = await target.apply(creates(250), (p) => progress.push(p.done));

    expect(results).toHaveLength(250);
    expect(results.every((r) => r.ok)).toBe(true);
    const first = okUser(byKey(results).get('src-1'));
    expect(first.attributes['email']).toBe('new1@example.com');
    expect(first.attributes['external_id']).toBe('ext-1');
    expect(first.active).toBe(true);
    expect(first.displayName).toBe('New User 1 <new1@example.com>');
    const stored = h.emulator.store.users.get(Number(first.id));
    expect(stored?.name).toBe('New User 1');
    expect(h.emulator.store.userByEmail('new250@example.com')?.externalId).toBe('ext-250');
    expect(progress.at(-1)).toBe(250);
    const request = byKey(results).get('src-1');
    expect(request?.ok && request.request).toMatch(/^POST \/api\/v2\/users\/create_or_update_many \(job V3-/);

    // 3 bulk requests + a few polls (all jobs polled together); the users come from the job results
    // and what was sent (after-write.integration.test.ts).
    const counts = await requestCounts(h);
    expect(counts.by['POST /api/v2/users/create_or_update_many']).toBe(3);
    expect(counts.by['GET /api/v2/users/show_many'] ?? 0).toBe(0);
    expect(counts.by['POST /api/v2/users'] ?? 0).toBe(0);
    expect(target.requestCount).toBe(counts.total);
    expect(counts.total).toBeLessThanOrEqual(3 + 12);
  });

  it('falls back to one create_or_update per user when bulk import is disabled (403), and remembers it', async () => {
    const { target } = targetFor(h);
    const results = await target.apply(creates(3));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(target.fallbacks.create).toBe(true);
    for (let i = 1; i <= 3; i += 1) expect(h.emulator.store.userByEmail(`new${i}@example.com`)).toBeDefined();

    const again = await target.apply(creates(2, 10));
    expect(again.every((r) => r.ok)).toBe(true);
    const counts = await requestCounts(h);
    // One 403 from the bulk endpoint, then never again.
    expect(counts.by['POST /api/v2/users/create_or_update_many']).toBe(1);
    expect(counts.by['POST /api/v2/users/create_or_update']).toBe(5);
    const sample = okUser(byKey(again).get('src-10'));
    expect(sample.attributes['name']).toBe('New User 10');
  });

  it('a bad user fails alone with a stable code; the others are created (bulk and single)', async () => {
    for (const bulkImport of [true, false]) {
      await h.admin.control('POST', 'reset');
      await h.admin.control('PUT', 'config', { bulkImport });
      await seedUsers([{ name: 'Holder', email: 'held@example.com', external_id: 'holder' }]);
      const { target } = targetFor(h);
      const actions: TargetAction[] = [
        ...creates(2),
        { kind: 'create', key: 'bad-email', attributes: { name: 'Bad', email: 'not-an-email@example.com_' } },
        // create_or_update finds Holder by external_id (any case), but the email belongs to Other:
        // Zendesk refuses it as a duplicate (docs/emulators.md, "Users, identities and deleted
        // users"), and so must we, for this user only.
        {
          kind: 'create',
          key: 'conflict',
          attributes: { name: 'Conflict', email: 'other@example.com', external_id: 'HOLDER' },
        },
      ];
      await seedUsers([{ name: 'Other', email: 'other@example.com', external_id: 'other-ext' }]);
      const results = byKey(await target.apply(actions));
      expect(results.get('src-1')?.ok, `bulkImport=${bulkImport}`).toBe(true);
      expect(results.get('src-2')?.ok).toBe(true);
      const bad = results.get('bad-email');
      expect(bad?.ok).toBe(false);
      if (bad && !bad.ok) {
        expect(bad.error.code).toBe('ZendeskUnprocessableEntity');
        expect(bad.error.message).toMatch(/email/i);
        expect(bad.error.retryable).toBe(false);
      }
      const conflict = results.get('conflict');
      expect(conflict?.ok).toBe(false);
      if (conflict && !conflict.ok) {
        expect(conflict.error.code).toBe('ZendeskEntryConflict');
        expect(conflict.error.message).toMatch(/already/);
      }
      expect(h.emulator.store.userByEmail('new2@example.com')).toBeDefined();
    }
  });

  it('is idempotent: applying the same creates again matches the users instead of duplicating them', async () => {
    await h.admin.control('PUT', 'config', { bulkImport: true });
    const { target } = targetFor(h);
    const first = await target.apply(creates(3));
    const second = await target.apply(creates(3));
    expect(second.every((r) => r.ok)).toBe(true);
    expect(okUser(byKey(second).get('src-2')).id).toBe(okUser(byKey(first).get('src-2')).id);
    const state = await h.admin.control('GET', 'state');
    expect(state.body.users.filter((u: { email: string }) => u.email?.startsWith('new'))).toHaveLength(3);
  });
});

describe('updates, disable, reactivate, delete', () => {
  it('sends only the changed fields, in one update_many job for many users', async () => {
    const ids = await seedUsers(
      Array.from({ length: 120 }, (_, i) => ({
        name: `U${i}`,
        email: `u${i}@example.com`,
        notes: 'keep me',
      })),
    );
    const { target } = targetFor(h);
    await h.admin.control('DELETE', 'requests');
    const actions: TargetAction[] = ids.map((id, i) => ({
      kind: 'update',
      key: `k${i}`,
      targetId: String(id),
      changes: { name: `Renamed ${i}`, 'user_fields.department': 'Support' },
    }));
    const results = await target.apply(actions);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const user = okUser(byKey(results).get('k5'));
    expect(user.attributes['name']).toBe('Renamed 5');
    expect(user.attributes['user_fields']).toEqual({ department: 'Support' });
    expect(user.attributes['notes']).toBe('keep me');
    expect(h.emulator.store.users.get(ids[119] as number)?.name).toBe('Renamed 119');
    const counts = await requestCounts(h);
    expect(counts.by['PUT /api/v2/users/update_many']).toBe(2);
    expect(counts.by['GET /api/v2/users/show_many']).toBe(2);
    expect(counts.by['PUT /api/v2/users/{id}'] ?? 0).toBe(0);
  });

  it('merges several actions for one user into one write (Zendesk: 5 updates a minute per user)', async () => {
    const [id] = await seedUsers([{ name: 'Merge Me', email: 'merge@example.com', role: 'agent' }]);
    const { target } = targetFor(h);
    await h.admin.control('DELETE', 'requests');
    const results = await target.apply([
      { kind: 'update', key: 'a', targetId: String(id), changes: { alias: 'Mergy' } },
      { kind: 'disable', key: 'a', targetId: String(id), policy: 'suspend' },
    ]);
    expect(results).toHaveLength(2);
    expect(results.every((r) => r.ok)).toBe(true);
    const stored = h.emulator.store.users.get(id as number);
    expect(stored?.alias).toBe('Mergy');
    expect(stored?.suspended).toBe(true);
    expect((await requestCounts(h)).by['PUT /api/v2/users/update_many']).toBe(1);
  });

  it('changes the primary email through identities, not as a secondary address', async () => {
    const [id] = await seedUsers([{ name: 'Mover', email: 'old@example.com', external_id: 'mover' }]);
    const { target } = targetFor(h);
    const results = await target.apply([
      {
        kind: 'update',
        key: 'm',
        targetId: String(id),
        changes: { email: 'New@Example.com', phone: '+15550001' },
      },
    ]);
    const user = okUser(results[0]);
    expect(user.attributes['email']).toBe('New@Example.com');
    expect(user.attributes['phone']).toBe('+15550001');
    expect(h.emulator.store.primaryEmail(id as number)).toBe('New@Example.com');
    expect(results[0]?.ok && results[0].request).toMatch(/make_primary/);

    // Applying it again finds the identity already primary: nothing to add.
    const again = await target.apply([
      { kind: 'update', key: 'm', targetId: String(id), changes: { email: 'new@example.com' } },
    ]);
    expect(again[0]?.ok).toBe(true);
    expect(again[0]?.ok && again[0].request).toBe(`GET /api/v2/users/${id}/identities`);
  });

  it('an email held by another user fails the update with ZendeskEntryConflict', async () => {
    const [id] = await seedUsers([
      { name: 'A', email: 'a@example.com' },
      { name: 'B', email: 'b@example.com' },
    ]);
    const { target } = targetFor(h);
    const [result] = await target.apply([
      { kind: 'update', key: 'x', targetId: String(id), changes: { email: 'b@example.com' } },
    ]);
    expect(result?.ok).toBe(false);
    if (result && !result.ok) expect(result.error.code).toBe('ZendeskEntryConflict');
    expect(h.emulator.store.primaryEmail(id as number)).toBe('a@example.com');
  });

  it('role → custom role (enterprise): prepare resolves the name, the write makes an agent with that role', async () => {
    const [id] = await seedUsers([{ name: 'Lighty', email: 'light@example.com' }]);
    const { target } = targetFor(h);
    const users = await target.loadUsers();
    const current = users.find((u) => u.id === String(id));
    const prepared = target.prepare({ role: 'light agent', name: 'Lighty' });
    expect(prepared.problems).toEqual([]);
    const lightAgent = target.customRoles?.find((r) => r.name === 'Light Agent');
    expect(prepared.attributes).toMatchObject({ role: 'agent', custom_role_id: lightAgent?.id });
    const changes = Object.fromEntries(
      Object.entries(prepared.attributes).filter(([k, v]) => !target.same(k, v, current?.attributes[k])),
    );
    expect(Object.keys(changes).sort()).toEqual(['custom_role_id', 'role']);
    const [result] = await target.apply([{ kind: 'update', key: 'l', targetId: String(id), changes }]);
    const user = okUser(result);
    expect(user.attributes['role']).toBe('agent');
    expect(user.attributes['custom_role_id']).toBe(lightAgent?.id);
    // Now nothing differs.
    for (const [k, v] of Object.entries(prepared.attributes))
      expect(target.same(k, v, user.attributes[k])).toBe(true);
  });

  it('suspend, downgrade-and-suspend, reactivate and delete', async () => {
    const [a, b, c, d] = await seedUsers([
      { name: 'Sus', email: 'sus@example.com', role: 'agent' },
      { name: 'Down', email: 'down@example.com', role: 'agent' },
      { name: 'Back', email: 'back@example.com', suspended: true },
      { name: 'Gone', email: 'gone@example.com' },
    ]);
    const { target } = targetFor(h);
    const results = byKey(
      await target.apply([
        { kind: 'disable', key: 'a', targetId: String(a), policy: 'suspend' },
        { kind: 'disable', key: 'b', targetId: String(b), policy: 'downgrade-and-suspend' },
        { kind: 'reactivate', key: 'c', targetId: String(c), changes: { notes: 'welcome back' } },
        { kind: 'delete', key: 'd', targetId: String(d) },
      ]),
    );
    const suspended = okUser(results.get('a'));
    expect(suspended.disabled).toBe(true);
    expect(suspended.attributes['role']).toBe('agent');
    const downgraded = okUser(results.get('b'));
    expect(downgraded.disabled).toBe(true);
    expect(downgraded.attributes['role']).toBe('end-user');
    const back = okUser(results.get('c'));
    expect(back.disabled).toBe(false);
    expect(back.attributes['notes']).toBe('welcome back');
    const gone = okUser(results.get('d'));
    expect(gone.active).toBe(false);
    expect(h.emulator.store.users.get(d as number)?.active).toBe(false);
    expect(h.emulator.store.users.get(a as number)?.suspended).toBe(true);

    // Deleting again (e.g. after a crash) still succeeds; updating a deleted user is InvalidAnchor.
    const again = byKey(
      await target.apply([
        { kind: 'delete', key: 'd', targetId: String(d) },
        { kind: 'update', key: 'x', targetId: String(d), changes: { name: 'Zombie' } },
        { kind: 'update', key: 'y', targetId: 'not-an-id', changes: { name: 'Nobody' } },
      ]),
    );
    expect(again.get('d')?.ok).toBe(true);
    const zombie = again.get('x');
    expect(zombie?.ok === false && zombie.error.code).toBe('InvalidAnchor');
    const nobody = again.get('y');
    expect(nobody?.ok === false && nobody.error.code).toBe('InvalidAnchor');
  });

  it('uses destroy_many for deletes: one job per 100 users', async () => {
    const ids = await seedUsers(
      Array.from({ length: 5 }, (_, i) => ({ name: `D${i}`, email: `d${i}@example.com` })),
    );
    const { target } = targetFor(h);
    await h.admin.control('DELETE', 'requests');
    const results = await target.apply(
      ids.map((id, i) => ({ kind: 'delete' as const, key: `d${i}`, targetId: String(id) })),
    );
    expect(results.every((r) => r.ok && !r.user.active)).toBe(true);
    const counts = await requestCounts(h);
    expect(counts.by['DELETE /api/v2/users/destroy_many']).toBe(1);
    expect(counts.by['DELETE /api/v2/users/{id}'] ?? 0).toBe(0);
  });
});
