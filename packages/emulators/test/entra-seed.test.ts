import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultAccessRoleId, zendeskAppRoles } from '../src/entra/model/tenant.js';
import {
  demoAppRoles,
  demoGroupNames,
  demoPassword,
  demoTenantSeed,
  parseDemoSpec,
} from '../src/entra/seed/demo.js';
import {
  type EntraSeed,
  EntraSeedError,
  foldDiacritics,
  parseEntraSeed,
  resolveEntraSeed,
  stableGuid,
} from '../src/entra/seed/format.js';
import { locales } from '../src/entra/seed/names.js';

const tenantId = '8f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f';
const guidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The problems parseEntraSeed reports for a seed, or [] when it accepts it. */
function problemsOf(raw: unknown): readonly string[] {
  try {
    parseEntraSeed(raw);
    return [];
  } catch (error) {
    if (error instanceof EntraSeedError) return error.problems;
    throw error;
  }
}

const user = (alias: string, extra: Record<string, unknown> = {}) => ({
  userPrincipalName: `${alias}@contoso.example`,
  displayName: alias,
  ...extra,
});

describe('parseEntraSeed', () => {
  it('accepts an empty seed and a small complete one', () => {
    expect(parseEntraSeed({})).toEqual({});
    const seed = {
      tenant: { id: tenantId, displayName: 'Contoso', defaultDomain: 'contoso.example' },
      appRoles: [{ displayName: 'Light Agent', value: 'light-agent', allowedMemberTypes: ['User'] }],
      users: [
        user('zoe.muller', { displayName: 'Zoë Müller', givenName: 'Zoë', surname: 'Müller', password: 'x' }),
        user('jose.nunez', {
          managerUserPrincipalName: 'ZOE.MULLER@contoso.example',
          businessPhones: ['+34911234567'],
          onPremisesExtensionAttributes: { extensionAttribute1: 'CC-1' },
        }),
      ],
      groups: [
        { displayName: 'Agents', members: ['jose.nunez@contoso.example'] },
        { displayName: 'Everyone', members: ['zoe.muller@contoso.example', 'group:agents'] },
        { displayName: 'Team', groupTypes: ['Unified'], visibility: 'Private' },
      ],
      assignments: [
        { principal: 'group:Agents', appRole: 'agent' },
        { principal: 'zoe.muller@contoso.example', appRole: 'Admin' },
        { principal: 'jose.nunez@contoso.example', appRole: 'Light Agent' },
        { principal: 'group:Everyone', appRole: 'Default Access' },
      ],
    };
    expect(parseEntraSeed(seed)).toEqual(seed);
  });

  it('lists every structural problem with its path', () => {
    const problems = problemsOf({
      tenant: { id: 'not-a-guid' },
      users: [
        user('ok'),
        { userPrincipalName: 'zoë@contoso.example', displayName: 'Zoë' },
        { userPrincipalName: 'no-domain', displayName: '' },
        user('phones', { businessPhones: ['+1', '+2'], usageLocation: 'de', accountEnabled: 'yes' }),
        user('typo', { userPrincipleName: 'x' }),
        user('ext', { onPremisesExtensionAttributes: { extensionAttribute16: 'x' } }),
      ],
      groups: [{ displayName: 'M365', groupTypes: ['Unified'], mailEnabled: false }, { members: [] }],
      assignments: [{ principal: 'ok@contoso.example' }],
      extra: true,
    });
    const paths = problems.map((p) => p.slice(0, p.indexOf(':')));
    expect(paths).toEqual(
      expect.arrayContaining([
        'tenant.id',
        'users.1.userPrincipalName',
        'users.2.userPrincipalName',
        'users.2.displayName',
        'users.3.businessPhones',
        'users.3.usageLocation',
        'users.3.accountEnabled',
        'users.4',
        'users.5.onPremisesExtensionAttributes',
        'groups.0.mailEnabled',
        'groups.1.displayName',
        'assignments.0.appRole',
        '(root)',
      ]),
    );
    expect(problems.length).toBeGreaterThanOrEqual(13);
  });

  it('lists every reference problem with its path once the structure is valid', () => {
    const problems = problemsOf({
      appRoles: [{ displayName: 'Agent', value: 'agent' }],
      users: [
        user('a', { managerUserPrincipalName: 'b@contoso.example' }),
        user('b', { managerUserPrincipalName: 'a@contoso.example' }),
        user('c', { managerUserPrincipalName: 'nobody@contoso.example' }),
        user('A'),
      ],
      groups: [
        { displayName: 'One', members: ['group:Two', 'c@contoso.example', 'C@contoso.example'] },
        { displayName: 'Two', members: ['group:One', 'group:Missing', 'Three'] },
        { displayName: 'one' },
        { displayName: 'M365', groupTypes: ['Unified'], members: ['group:Two'] },
      ],
      assignments: [
        { principal: 'c@contoso.example', appRole: 'Agent' },
        { principal: 'c@contoso.example', appRole: 'agent' },
        { principal: 'group:Two', appRole: 'Superuser' },
        { principal: 'nobody@contoso.example', appRole: 'End-user' },
      ],
    });
    const has = (path: string, words: string) =>
      expect(
        problems.some((p) => p.startsWith(`${path}:`) && p.includes(words)),
        `${path} … ${words}`,
      ).toBe(true);
    has('appRoles.0.value', 'already names');
    has('appRoles.0.displayName', 'already names');
    has('users.3.userPrincipalName', 'is also users.0');
    has('users.2.managerUserPrincipalName', 'no user nobody@contoso.example');
    has('users.0.managerUserPrincipalName', 'loops');
    has('groups.0.members.2', 'already a member');
    has('groups.1.members.1', 'no group "Missing"');
    has('groups.1.members.2', 'group:<displayName>');
    has('groups.2.displayName', 'is also groups.0');
    has('groups.3.members.0', 'Unified');
    has('groups.0.members', 'nested groups loop');
    has('assignments.1', 'already has the app role "Agent"');
    has('assignments.2.appRole', 'no app role "Superuser"');
    has('assignments.3.principal', 'no user');
  });

  it('throws an EntraSeedError whose message lists the problems, and the rest as a count', () => {
    const users = Array.from({ length: 60 }, (_, i) => ({ userPrincipalName: `bad ${i}`, displayName: 'x' }));
    const error = (() => {
      try {
        parseEntraSeed({ users });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(EntraSeedError);
    if (!(error instanceof EntraSeedError)) return;
    expect(error.problems).toHaveLength(60);
    expect(error.message).toMatch(/^invalid seed: users\.0\.userPrincipalName: /);
    expect(error.message).toContain('(and 10 more)');
    expect(problemsOf(42)).toEqual(['(root): Invalid input: expected object, received number']);
  });
});

describe('stableGuid', () => {
  it('is RFC 4122 version 5 (the uuid package’s v5)', () => {
    // The DNS namespace and the example of most uuid libraries.
    expect(stableGuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('is deterministic, GUID-shaped and distinguishes keys and namespaces', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.string(), fc.string(), (namespace, a, b) => {
        const guid = stableGuid(namespace, a);
        expect(guid).toMatch(guidShape);
        expect(stableGuid(namespace.toUpperCase(), a)).toBe(guid);
        if (a !== b) expect(stableGuid(namespace, b)).not.toBe(guid);
      }),
    );
    expect(stableGuid(tenantId, 'user:a')).not.toBe(
      stableGuid('11111111-2222-3333-4444-555555555555', 'user:a'),
    );
    expect(() => stableGuid('tenant', 'x')).toThrow(TypeError);
  });
});

describe('foldDiacritics', () => {
  it('folds letters to ASCII like NormalizeDiacritics', () => {
    expect(
      foldDiacritics('Zoë José Søren Łukasz Ærin Müller Nuñez Çelik Đorđević Weiß İzmir Işıl Nguyễn'),
    ).toBe('Zoe Jose Soren Lukasz Aerin Muller Nunez Celik Dordevic Weiss Izmir Isil Nguyen');
  });
});

describe('resolveEntraSeed', () => {
  const seed: EntraSeed = {
    appRoles: [{ displayName: 'Billing Agent', value: 'billing-agent' }],
    users: [
      user('boss', { id: 'AAAAAAAA-0000-4000-8000-000000000001' }),
      user('staff', { managerUserPrincipalName: 'boss@contoso.example', accountEnabled: false }),
    ],
    groups: [
      { displayName: 'Inner', members: ['staff@contoso.example'] },
      { displayName: 'Outer Ünit', members: ['group:Inner', 'boss@contoso.example'] },
    ],
    assignments: [
      { principal: 'group:Outer Ünit', appRole: 'billing-agent' },
      { principal: 'staff@contoso.example', appRole: 'Default Access' },
      { principal: 'boss@contoso.example', appRole: 'End-user' },
    ],
  };

  it('derives stable ids from the tenant id, keeps explicit ones, and resolves references to ids', () => {
    const resolved = resolveEntraSeed(parseEntraSeed(seed), { tenantId });
    expect(resolveEntraSeed(seed, { tenantId })).toEqual(resolved);
    const [boss, staff] = resolved.users;
    const [inner, outer] = resolved.groups;
    const [role] = resolved.appRoles;
    expect(boss?.id).toBe('aaaaaaaa-0000-4000-8000-000000000001');
    expect(staff?.id).toBe(stableGuid(tenantId, 'user:staff@contoso.example'));
    expect(staff).toMatchObject({ accountEnabled: false, mailNickname: 'staff', managerId: boss?.id });
    expect(boss).toMatchObject({ accountEnabled: true, managerId: null });
    expect(inner).toMatchObject({ securityEnabled: true, mailEnabled: false, groupTypes: [] });
    expect(outer?.mailNickname).toBe('OuterUnit');
    expect(outer?.members).toEqual([
      { id: inner?.id, type: 'Group' },
      { id: boss?.id, type: 'User' },
    ]);
    expect(role).toMatchObject({ value: 'billing-agent', isEnabled: true, allowedMemberTypes: ['User'] });
    expect(role?.id).toMatch(guidShape);
    expect(resolved.assignments).toEqual([
      { principalId: outer?.id, principalType: 'Group', appRoleId: role?.id },
      { principalId: staff?.id, principalType: 'User', appRoleId: defaultAccessRoleId },
      {
        principalId: boss?.id,
        principalType: 'User',
        appRoleId: zendeskAppRoles.find((r) => r.value === 'end-user')?.id,
      },
    ]);
    expect(resolved.tenant).toEqual({ id: tenantId });
  });

  it('takes the namespace from the seed’s tenant id first', () => {
    const other = '11111111-2222-3333-4444-555555555555';
    const a = resolveEntraSeed(seed, { tenantId: other });
    const b = resolveEntraSeed({ ...seed, tenant: { id: other } }, { tenantId });
    expect(b.users.map((u) => u.id)).toEqual(a.users.map((u) => u.id));
    expect(a.users[1]?.id).not.toBe(resolveEntraSeed(seed, { tenantId }).users[1]?.id);
  });
});

describe('demoTenantSeed', () => {
  const demo = demoTenantSeed(10_000);
  const resolved = resolveEntraSeed(parseEntraSeed(demo), { tenantId });
  const users = demo.users ?? [];
  const groups = demo.groups ?? [];
  const assignments = demo.assignments ?? [];

  it('is deterministic for the same size and seed, and differs for another seed', () => {
    expect(demoTenantSeed(500, { seed: 7 })).toEqual(demoTenantSeed(500, { seed: 7 }));
    expect(demoTenantSeed(500)).toEqual(demoTenantSeed(500, { seed: 1 }));
    expect(demoTenantSeed(500, { seed: 8 }).users).not.toEqual(demoTenantSeed(500, { seed: 7 }).users);
  });

  it('builds exactly n users, valid for every n', () => {
    for (const n of [0, 1, 2, 3, 7, 11, 12, 50, 199]) {
      const seed = parseEntraSeed(demoTenantSeed(n, { seed: n }));
      expect(seed.users ?? []).toHaveLength(n);
    }
    expect(users).toHaveLength(10_000);
    expect(() => demoTenantSeed(-1)).toThrow(RangeError);
    expect(() => demoTenantSeed(1.5)).toThrow(RangeError);
  });

  it('has unique userPrincipalNames and ids, in ASCII, on the requested domain', () => {
    const upns = new Set(users.map((u) => u.userPrincipalName.toLowerCase()));
    expect(upns.size).toBe(users.length);
    const ids = new Set([...resolved.users, ...resolved.groups, ...resolved.appRoles].map((o) => o.id));
    expect(ids.size).toBe(resolved.users.length + resolved.groups.length + resolved.appRoles.length);
    for (const u of users)
      expect(u.userPrincipalName).toMatch(/^[a-z0-9]+\.[a-z0-9]+\d*@provisio-demo\.onmicrosoft\.com$/);
    expect(users.some((u) => /\.[a-z]+\d+@/.test(u.userPrincipalName))).toBe(true);
    const custom = demoTenantSeed(20, { domain: 'contoso.example' }).users ?? [];
    expect(custom.every((u) => u.userPrincipalName.endsWith('@contoso.example'))).toBe(true);
  });

  it('keeps diacritics in names and folds them in userPrincipalNames', () => {
    const accented = users.filter((u) => foldDiacritics(u.displayName) !== u.displayName);
    expect(accented.length).toBeGreaterThan(users.length / 5);
    for (const name of ['Zoë', 'José', 'Søren', 'Łukasz', 'Müller', 'Nuñez', 'Çelik', 'Đorđević'])
      expect(
        users.some((u) => u.givenName === name || u.surname === name),
        name,
      ).toBe(true);
    const sample = accented[0];
    expect(sample?.displayName).toBe(`${sample?.givenName} ${sample?.surname}`);
  });

  it('gives users consistent offices, languages and E.164 phone numbers', () => {
    const byCountry = new Map(locales.map((l) => [l.country, l]));
    const inconsistent = users.filter((u) => {
      const locale = byCountry.get(u.country ?? '');
      if (locale === undefined) return true;
      const phones = [u.mobilePhone, ...(u.businessPhones ?? [])].filter((p) => p !== undefined);
      return (
        u.usageLocation !== locale.usageLocation ||
        u.preferredLanguage !== locale.preferredLanguage ||
        !locale.cities.some((c) => c.name === u.city) ||
        !phones.every((p) => /^\+[1-9]\d{7,14}$/.test(p) && p.startsWith(`+${locale.callingCode}`)) ||
        u.password !== demoPassword
      );
    });
    expect(inconsistent).toEqual([]);
    expect(users.filter((u) => u.businessPhones !== undefined).length).toBeGreaterThan(users.length * 0.9);
    expect(users.filter((u) => u.mail === undefined).length).toBeGreaterThan(0);
    expect(users.filter((u) => u.mail === u.userPrincipalName).length).toBeGreaterThan(users.length * 0.9);
    expect(new Set(users.map((u) => u.employeeId).filter((id) => id !== undefined)).size).toBeGreaterThan(
      users.length * 0.9,
    );
  });

  it('has an org chart: one chief executive, department heads, and every other user a manager', () => {
    const roots = resolved.users.filter((u) => u.managerId === null);
    expect(roots.map((u) => u.jobTitle)).toEqual(['Chief Executive Officer']);
    const byId = new Map(resolved.users.map((u) => [u.id, u]));
    const depth = (id: string | null): number => {
      let d = 0;
      for (let at = id; at !== null; at = byId.get(at)?.managerId ?? null) d += 1;
      return d;
    };
    const depths = resolved.users.map((u) => depth(u.id));
    expect(Math.max(...depths)).toBeGreaterThanOrEqual(4);
    const heads = resolved.users.filter((u) => u.managerId === roots[0]?.id);
    expect(heads.map((u) => u.department)).toEqual(expect.arrayContaining(['Support', 'Engineering', 'IT']));
    for (const u of resolved.users)
      if (u.managerId !== null && depth(u.id) > 2)
        expect(byId.get(u.managerId)?.department).toBe(u.department);
  });

  it('disables about 3% of the accounts', () => {
    const disabled = users.filter((u) => u.accountEnabled === false).length / users.length;
    expect(disabled).toBeGreaterThan(0.02);
    expect(disabled).toBeLessThan(0.04);
  });

  it('has groups of several sizes, a nested group, and members that resolve', () => {
    const sizes = groups.map((g) => g.members?.length ?? 0);
    expect(Math.max(...sizes)).toBeGreaterThan(users.length * 0.9);
    expect(sizes.some((s) => s > 0 && s <= 25)).toBe(true);
    expect(sizes.some((s) => s > 100 && s < 5000)).toBe(true);
    const names = new Set(groups.map((g) => g.displayName));
    for (const name of Object.values(demoGroupNames)) expect(names.has(name), name).toBe(true);
    const escalations = resolved.groups.find((g) => g.displayName === demoGroupNames.supportEscalations);
    const tier2 = resolved.groups.find((g) => g.displayName === demoGroupNames.supportTier2);
    expect(escalations?.members).toContainEqual({ id: tier2?.id, type: 'Group' });
    const memberCount = groups.reduce((sum, g) => sum + (g.members?.length ?? 0), 0);
    expect(resolved.groups.reduce((sum, g) => sum + g.members.length, 0)).toBe(memberCount);
    expect(groups.some((g) => g.groupTypes?.includes('Unified'))).toBe(true);
  });

  it('assigns every Zendesk role, directly and through groups, and some Default Access', () => {
    for (const n of [200, 10_000]) {
      const seed = n === 10_000 ? demo : demoTenantSeed(n);
      const roles = new Set(seed.assignments?.map((a) => a.appRole));
      for (const role of ['Agent', 'Admin', 'End-user', 'Light Agent', 'Billing Agent', 'Default Access'])
        expect(roles.has(role), `${role} for n=${n}`).toBe(true);
    }
    expect(demo.appRoles).toEqual(demoAppRoles);
    expect(assignments).toContainEqual({
      principal: `group:${demoGroupNames.zendeskAgents}`,
      appRole: 'Agent',
    });
    expect(assignments).toContainEqual({
      principal: `group:${demoGroupNames.zendeskAdmins}`,
      appRole: 'Admin',
    });
    const share = (role: string) => assignments.filter((a) => a.appRole === role).length / users.length;
    expect(share('Default Access')).toBeGreaterThan(0.01);
    expect(share('Default Access')).toBeLessThan(0.03);
    expect(share('End-user')).toBeGreaterThan(0.3);
    const support = users.filter((u) => u.department === 'Support').map((u) => u.userPrincipalName);
    const agents = new Set([
      ...assignments.filter((a) => a.appRole === 'Agent').map((a) => a.principal),
      ...(groups.find((g) => g.displayName === demoGroupNames.zendeskAgents)?.members ?? []),
    ]);
    expect(support.filter((upn) => agents.has(upn)).length).toBeGreaterThan(support.length / 2);
    expect(assignments.filter((a) => a.appRole === 'Admin').length).toBeLessThanOrEqual(3);
  });

  it('builds 100,000 users that the seed format accepts', { timeout: 120_000 }, () => {
    const big = demoTenantSeed(100_000);
    expect(parseEntraSeed(big).users).toHaveLength(100_000);
  });
});

describe('parseDemoSpec', () => {
  it('reads demo:<N>, demo:<N>k and demo:<N>:<seed>', () => {
    expect(parseDemoSpec('demo:250')).toEqual({ users: 250, seed: 1 });
    expect(parseDemoSpec('demo:10k')).toEqual({ users: 10_000, seed: 1 });
    expect(parseDemoSpec('demo:100k:42')).toEqual({ users: 100_000, seed: 42 });
    expect(parseDemoSpec('seed.json')).toBeUndefined();
    expect(parseDemoSpec('demo:')).toBeUndefined();
    expect(() => parseDemoSpec('demo:2000k')).toThrow(RangeError);
  });
});
