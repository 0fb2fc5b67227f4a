import { describe, expect, it } from 'vitest';
import { userSchema } from '../src/client/schemas.js';
import {
  matchKeyOf,
  normaliseTags,
  prepareAttributes,
  sameValue,
  toTargetUser,
  toUserBody,
} from '../src/connector/attributes.js';
import { isRoleDowngrade, normaliseRoleName, resolveRole } from '../src/connector/roles.js';

const roles = [
  { id: 11, name: 'Light Agent' },
  { id: 12, name: 'Billing Agent' },
  { id: 13, name: 'Team lead' },
];

describe('prepare: roles', () => {
  it.each([
    ['End-user', { role: 'end-user', custom_role_id: null }],
    ['end user', { role: 'end-user', custom_role_id: null }],
    ['enduser', { role: 'end-user', custom_role_id: null }],
    ['END_USER', { role: 'end-user', custom_role_id: null }],
    ['Agent', { role: 'agent' }],
    ['agent', { role: 'agent' }],
    ['Admin', { role: 'admin' }],
    ['Administrator', { role: 'admin' }],
    ['Light Agent', { role: 'agent', custom_role_id: 11 }],
    ['light-agent', { role: 'agent', custom_role_id: 11 }],
    ['BILLING AGENT', { role: 'agent', custom_role_id: 12 }],
    ['team_lead', { role: 'agent', custom_role_id: 13 }],
  ])('%j → %j', (value, expected) => {
    const prepared = prepareAttributes({ role: value }, roles);
    expect(prepared.problems).toEqual([]);
    expect(prepared.attributes).toEqual(expected);
  });

  it('a custom role implies agent even when mapped as custom_role_id', () => {
    expect(prepareAttributes({ custom_role_id: '12' }, roles).attributes).toEqual({
      role: 'agent',
      custom_role_id: 12,
    });
  });

  it('keeps the role that allows the most among several', () => {
    expect(prepareAttributes({ role: ['Billing Agent', 'Admin'] }, roles).attributes).toEqual({
      role: 'admin',
    });
    expect(prepareAttributes({ role: ['Agent', 'Billing Agent', 'End-user'] }, roles).attributes).toEqual({
      role: 'agent',
      custom_role_id: 12,
    });
    expect(prepareAttributes({ role: ['End-user', 'Agent'] }, roles).attributes).toEqual({ role: 'agent' });
    // Unknown names are ignored when another one resolves; alone, they are a problem.
    expect(prepareAttributes({ role: ['Wizard', 'End-user'] }, roles).attributes).toEqual({
      role: 'end-user',
      custom_role_id: null,
    });
    expect(prepareAttributes({ role: ['Wizard'] }, roles).problems[0]?.code).toBe('UnknownRole');
  });

  it('leaves the role out when it is empty, rather than clearing it', () => {
    for (const value of [null, undefined, '', [], '  ']) {
      const prepared = prepareAttributes({ role: value, name: 'X' }, roles);
      expect(prepared.attributes).toEqual({ name: 'X' });
      expect(prepared.problems).toEqual([]);
    }
  });

  it('an unknown role is a problem naming it and the known roles; the rest still prepares', () => {
    const prepared = prepareAttributes({ role: 'Supervisor', name: 'Ann' }, roles);
    expect(prepared.attributes).toEqual({ name: 'Ann' });
    expect(prepared.problems).toEqual([
      {
        attribute: 'role',
        code: 'UnknownRole',
        message:
          'Role "Supervisor" is not a Zendesk role. Known roles: End-user, Agent, Admin, Light Agent, Billing Agent, Team lead.',
      },
    ]);
    expect(prepareAttributes({ role: 'Light Agent' }, null).problems[0]?.message).toMatch(/no custom roles/);
  });

  it('normalises names ignoring case, spaces, punctuation and accents', () => {
    expect(normaliseRoleName(' Éditeur-Agent ')).toBe('editeuragent');
    expect(resolveRole('13', roles)).toEqual({ ok: true, attributes: { role: 'agent', custom_role_id: 13 } });
  });
});

describe('prepare: other attributes', () => {
  it('nests user_fields.<key>, normalises tags, converts text booleans and ids', () => {
    const prepared = prepareAttributes(
      {
        name: 'Ann',
        email: ' Ann@Example.com ',
        external_id: 42,
        'user_fields.department': 'Support',
        'user_fields.employee_number': '123',
        tags: 'VIP  emea,vip',
        suspended: 'false',
        organization_id: '901',
        locale: 'de',
        phone: undefined,
      },
      roles,
    );
    expect(prepared.problems).toEqual([]);
    expect(prepared.attributes).toEqual({
      name: 'Ann',
      email: 'Ann@Example.com',
      external_id: '42',
      user_fields: { department: 'Support', employee_number: '123' },
      tags: ['vip', 'emea'],
      suspended: false,
      organization_id: 901,
      locale: 'de',
      phone: null,
    });
  });

  it('refuses a user_fields value that is not an object', () => {
    expect(prepareAttributes({ user_fields: 'x' }, roles).problems[0]).toMatchObject({
      attribute: 'user_fields',
    });
  });
});

describe('same', () => {
  it.each([
    ['email', 'Ann@Example.com', 'ann@example.com', true],
    ['email', 'ann@example.com', 'bob@example.com', false],
    ['external_id', 'ABC-1', 'abc-1', true],
    ['name', null, '', true],
    ['name', undefined, null, true],
    ['name', '', undefined, true],
    ['name', 'Ann ', 'Ann', true],
    ['name', 'ann', 'Ann', false],
    ['phone', null, '+1555', false],
    ['tags', ['b', 'a'], ['a', 'b'], true],
    ['tags', ['VIP'], ['vip'], true],
    ['tags', [], null, true],
    ['tags', ['a'], ['a', 'b'], false],
    ['organization_id', '901', 901, true],
    ['custom_role_id', 12, '12', true],
    ['custom_role_id', 12, 13, false],
    ['custom_role_id', null, null, true],
    ['suspended', 'true', true, true],
    ['suspended', false, true, false],
    ['locale', 'EN-us', 'en-US', true],
  ])('%s: %j vs %j → %s', (attribute, desired, current, expected) => {
    expect(sameValue(attribute, desired, current)).toBe(expected);
  });

  it('compares user_fields by the keys desired', () => {
    const current = {
      department: 'Support',
      region: 'emea',
      employee_number: 123,
      started: '2024-01-31T00:00:00+00:00',
    };
    expect(sameValue('user_fields', { department: 'Support' }, current)).toBe(true);
    expect(sameValue('user_fields', { employee_number: '123', started: '2024-01-31' }, current)).toBe(true);
    expect(sameValue('user_fields', { region: 'apac' }, current)).toBe(false);
    expect(sameValue('user_fields', { missing: null }, current)).toBe(true);
    expect(sameValue('user_fields', { department: 'Support' }, null)).toBe(false);
    expect(sameValue('user_fields', { multi: ['b', 'a'] }, { multi: ['a', 'b'] })).toBe(true);
  });
});

describe('matchKey', () => {
  it('trims and lower-cases; empty is null', () => {
    expect(matchKeyOf('email', ' Ann@Example.COM ')).toBe('ann@example.com');
    expect(matchKeyOf('external_id', 42)).toBe('42');
    expect(matchKeyOf('external_id', '   ')).toBeNull();
    expect(matchKeyOf('email', null)).toBeNull();
    expect(matchKeyOf('email', undefined)).toBeNull();
    expect(matchKeyOf('email', { a: 1 })).toBeNull();
  });
});

describe('toUserBody and toTargetUser', () => {
  it('nests dotted user fields and makes a custom role an agent', () => {
    expect(
      toUserBody({ 'user_fields.a': 1, 'user_fields.b': undefined, custom_role_id: 5, name: undefined }),
    ).toEqual({
      user_fields: { a: 1, b: null },
      custom_role_id: 5,
      role: 'agent',
      name: null,
    });
  });

  it('normalises tags like Zendesk', () => {
    expect(normaliseTags(' A, b  a ')).toEqual(['a', 'b']);
  });

  it('builds a TargetUser from an API user', () => {
    const user = userSchema.parse({
      id: 19856122753300,
      url: 'https://x.zendesk.com/api/v2/users/19856122753300.json',
      name: 'Ann',
      email: 'ann@example.com',
      role: 'agent',
      active: true,
      suspended: true,
      created_at: '2023-10-08T17:22:34Z',
      updated_at: '2023-10-08T17:22:34Z',
      photo: null,
      some_new_field: 'kept',
    });
    const target = toTargetUser(user);
    expect(target).toMatchObject({
      id: '19856122753300',
      active: true,
      disabled: true,
      displayName: 'Ann <ann@example.com>',
    });
    expect(target.attributes).toMatchObject({ name: 'Ann', role: 'agent', some_new_field: 'kept' });
    expect(target.attributes).not.toHaveProperty('url');
    expect(target.attributes).not.toHaveProperty('created_at');
    expect(target.attributes).not.toHaveProperty('photo');
  });
});

describe('isRoleDowngrade', () => {
  it('is a downgrade from admin or agent to a lesser built-in role only', () => {
    expect(isRoleDowngrade('agent', 'end-user')).toBe(true);
    expect(isRoleDowngrade('admin', 'agent')).toBe(true);
    expect(isRoleDowngrade('admin', 'end-user')).toBe(true);
    expect(isRoleDowngrade('end-user', 'agent')).toBe(false);
    expect(isRoleDowngrade('agent', 'admin')).toBe(false);
    expect(isRoleDowngrade('agent', 'agent')).toBe(false);
    // No role change (a custom role among agents keeps `role: agent`), or nothing known.
    expect(isRoleDowngrade('agent', undefined)).toBe(false);
    expect(isRoleDowngrade(undefined, 'end-user')).toBe(false);
    expect(isRoleDowngrade('agent', 'owner')).toBe(false);
  });
});
