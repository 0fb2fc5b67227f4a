/**
 * No read-back after bulk writes (docs/zendesk-limits.md): the users `apply` returns are computed
 * from what provisio knew and sent, and must equal what Zendesk stored, read back here with
 * `GET /api/v2/users` through a fresh connector (`toTargetUser` of the stored users), on every
 * attribute the engine compares. Odd names, addresses and tags come from fast-check.
 */
import type { TargetAction, TargetActionResult, TargetUser } from '@provisio/engine';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, requestCounts, startEmulator, targetFor } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startEmulator({
    plan: 'enterprise',
    jobStepMs: 2,
    seed: {
      customRoles: [{ name: 'Billing Agent' }],
      userFields: [
        { key: 'department', type: 'text', title: 'Department' },
        { key: 'remote', type: 'checkbox', title: 'Remote' },
      ],
    },
  });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('POST', 'reset');
  await h.admin.control('PUT', 'config', { bulkImport: true });
  await h.admin.control('DELETE', 'requests');
});

/**
 * Every attribute the engine compares: the default mappings' targets and the drift attributes.
 * `locale` is compared where it was sent (below): a new user without one gets the account's default,
 * which the engine never compares since the mapping left it out.
 */
const compared = [
  'name',
  'email',
  'external_id',
  'role',
  'custom_role_id',
  'suspended',
  'phone',
  'alias',
  'details',
  'notes',
  'tags',
  'verified',
  'ticket_restriction',
  'user_fields',
] as const;

/**
 * The compared attributes; a user field without a value counts as absent, as the engine compares
 * user fields (by the keys mapped: `same`), so a new user's unmapped fields need not be known.
 */
function view(user: TargetUser): Record<string, unknown> {
  const out: Record<string, unknown> = { id: user.id, active: user.active, disabled: user.disabled };
  for (const name of compared) out[name] = user.attributes[name] ?? null;
  const fields = out['user_fields'];
  if (typeof fields === 'object' && fields !== null)
    out['user_fields'] = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
  return out;
}

/** The users as Zendesk holds them, by id. */
async function storedUsers(): Promise<Map<string, TargetUser>> {
  const { target } = targetFor(h);
  return new Map((await target.loadUsers()).map((u) => [u.id, u]));
}

function okUsers(results: readonly TargetActionResult[]): TargetUser[] {
  const failed = results.filter((r) => !r.ok);
  expect(failed).toEqual([]);
  return results.flatMap((r) => (r.ok ? [r.user] : []));
}

const oddText = fc.oneof(
  fc.string({ minLength: 1, maxLength: 20 }),
  fc.constantFrom('  padded  ', 'Ünïcødé Ñame', 'Zoë O’Brien-Smith', '李 小龍', 'tab\tinside', 'emoji 🎉'),
);
const name = fc
  .tuple(fc.constantFrom('', ' ', '  '), oddText, fc.constantFrom('', ' ', '\t'))
  .map(([a, b, c]) => `${a}${b}${c}`)
  .filter((n) => n.trim() !== '');
const localPart = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._%+'-]{0,15}$/);
const domain = fc.constantFrom('example.com', 'Example.COM', 'mail.example.org', 'sub-d.Example.net');
const tags = fc.array(fc.constantFrom('VIP', 'vip', 'Tier-1', 'beta', 'Beta Tester', 'x,y'), {
  maxLength: 4,
});
const role = fc.constantFrom('end-user', 'agent', 'admin', 'billing', null);

interface Generated {
  name: string;
  local: string;
  domain: string;
  external: string;
  role: string | null;
  phone: string | null;
  alias: string | null;
  details: string;
  tags: string[];
  department: string | null;
  remote: boolean | null;
  locale: string | null;
}

const generated = fc.record<Generated>({
  name,
  local: localPart,
  domain,
  external: fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/),
  role,
  phone: fc.constantFrom(null, '', '+15550100', '+44 20 7946 0000'),
  alias: fc.option(oddText),
  details: fc.oneof(fc.constant(''), oddText),
  tags,
  department: fc.option(oddText),
  remote: fc.option(fc.boolean()),
  locale: fc.constantFrom(null, 'en-US', 'de', 'zh-cn', 'pt-BR'),
});

/** Prepared attributes as the engine hands them over (through the connector's own `prepare`). */
function createAction(target: ReturnType<typeof targetFor>['target'], g: Generated, i: number): TargetAction {
  const mapped: Record<string, unknown> = {
    name: g.name,
    email: `${g.local}.${i}@${g.domain}`,
    external_id: `${g.external}-${i}`,
    phone: g.phone,
    alias: g.alias,
    details: g.details,
    tags: g.tags,
    'user_fields.department': g.department,
    'user_fields.remote': g.remote,
  };
  // The default mapping leaves an empty locale out (IgnoreFlowIfNullOrEmpty): a new user gets the
  // account's own, which provisio cannot know (after-write.test.ts).
  if (g.locale !== null) mapped['locale'] = g.locale;
  if (g.role !== null) mapped['role'] = g.role === 'billing' ? 'Billing Agent' : g.role;
  const prepared = target.prepare(mapped);
  expect(prepared.problems).toEqual([]);
  return { kind: 'create', key: `src-${i}`, attributes: prepared.attributes };
}

describe('users after bulk writes, without show_many', () => {
  it('creates, updates, suspends, downgrades, reactivates and deletes odd users: what apply returns is what Zendesk stored', async () => {
    const { target } = targetFor(h);
    await target.loadUsers(); // the custom roles prepare needs
    const samples = fc.sample(generated, { numRuns: 250, seed: 4242 });
    await h.admin.control('DELETE', 'requests');

    // Creates: 250 users, three create_or_update_many jobs.
    const created = okUsers(await target.apply(samples.map((g, i) => createAction(target, g, i))));
    let stored = await storedUsers();
    expect(created).toHaveLength(250);
    for (const user of created) expect(view(user)).toEqual(view(stored.get(user.id) as TargetUser));
    samples.forEach((g, i) => {
      if (g.locale === null) return;
      const user = created[i] as TargetUser;
      expect(user.attributes['locale']).toBe(stored.get(user.id)?.attributes['locale']);
    });
    let counts = await requestCounts(h);
    expect(counts.by['POST /api/v2/users/create_or_update_many']).toBe(3);
    expect(counts.by['GET /api/v2/users/show_many'] ?? 0).toBe(0);

    // Every later write starts from the user as provisio knows it (`current`), as the plan gives it.
    await h.admin.control('DELETE', 'requests');
    const current = (id: string) => stored.get(id) as TargetUser;
    const billing = target.customRoles?.find((r) => r.name === 'Billing Agent')?.id;
    const actions: TargetAction[] = created.map((user, i): TargetAction => {
      const base = { key: `src-${i}`, targetId: user.id, current: current(user.id) };
      switch (i % 6) {
        case 0:
          return {
            ...base,
            kind: 'update',
            changes: {
              name: `  Renamed ${i} `,
              alias: null,
              phone: '',
              tags: ['New', 'new', 'Other'],
              'user_fields.department': i % 12 === 0 ? '' : 'Support',
            },
          };
        case 1:
          return { ...base, kind: 'disable', policy: 'suspend' };
        case 2:
          return { ...base, kind: 'disable', policy: 'downgrade-and-suspend' };
        case 3:
          return { ...base, kind: 'update', changes: { role: 'agent', custom_role_id: billing } };
        case 4:
          return { ...base, kind: 'update', changes: { role: 'end-user', details: null } };
        default:
          return { ...base, kind: 'delete' };
      }
    });
    const written = okUsers(await target.apply(actions));
    stored = await storedUsers();
    for (const user of written) {
      if (!user.active) {
        expect(stored.has(user.id)).toBe(false);
        continue;
      }
      expect(view(user)).toEqual(view(stored.get(user.id) as TargetUser));
    }
    counts = await requestCounts(h);
    expect(counts.by['PUT /api/v2/users/update_many']).toBe(3);
    expect(counts.by['DELETE /api/v2/users/destroy_many']).toBe(1);
    expect(counts.by['GET /api/v2/users/show_many'] ?? 0).toBe(0);

    // Reactivations lift the suspensions (and restore a role), again computed.
    await h.admin.control('DELETE', 'requests');
    const suspended = written.filter((u) => u.disabled);
    expect(suspended.length).toBeGreaterThan(50);
    const back = okUsers(
      await target.apply(
        suspended.map((user, i) => ({
          kind: 'reactivate' as const,
          key: `r-${i}`,
          targetId: user.id,
          current: current(user.id),
          changes: i % 2 === 0 ? { role: 'agent' } : {},
        })),
      ),
    );
    stored = await storedUsers();
    for (const user of back) expect(view(user)).toEqual(view(stored.get(user.id) as TargetUser));
    expect((await requestCounts(h)).by['GET /api/v2/users/show_many'] ?? 0).toBe(0);
  });

  it('reads back only what it cannot compute: a create Zendesk matched to a user provisio did not know, and an action without current', async () => {
    const [existing] = (
      await Promise.all([
        h.admin.post('/api/v2/users', {
          user: { name: 'Made By Hand', email: 'hand@example.com', role: 'agent', notes: 'by hand' },
        }),
      ])
    ).map((a) => a.body.user.id as number);
    const { target } = targetFor(h);
    const results = await target.apply([
      { kind: 'create', key: 'a', attributes: { name: 'Hand', email: 'HAND@example.com' } },
      { kind: 'create', key: 'b', attributes: { name: 'Fresh', email: 'fresh@example.com' } },
    ]);
    const [matched, fresh] = okUsers(results);
    expect(results[0]?.ok && results[0].matched).toBe(true);
    // The matched user keeps what provisio never sent: its role and notes.
    expect(matched?.id).toBe(String(existing));
    expect(matched?.attributes['role']).toBe('agent');
    expect(matched?.attributes['notes']).toBe('by hand');
    const stored = await storedUsers();
    expect(view(fresh as TargetUser)).toEqual(view(stored.get((fresh as TargetUser).id) as TargetUser));
    // One show_many for the one matched user.
    expect((await requestCounts(h)).by['GET /api/v2/users/show_many']).toBe(1);

    await h.admin.control('DELETE', 'requests');
    const [renamed] = okUsers(
      await target.apply([
        { kind: 'update', key: 'a', targetId: String(existing), changes: { alias: 'Handy' } },
      ]),
    );
    expect(renamed?.attributes['notes']).toBe('by hand');
    expect((await requestCounts(h)).by['GET /api/v2/users/show_many']).toBe(1);
  });
});
