import { describe, expect, it } from 'vitest';
import { rolesOf } from '../src/auth/token-provider.js';
import { appRolesOf, defaultAccessRoleId, effectiveAssignments } from '../src/connector/assignments.js';
import { toChange, toSourceUser, userSelect } from '../src/connector/users.js';

describe('users', () => {
  it('always selects id, accountEnabled and userPrincipalName, once each', () => {
    expect(userSelect(['displayName', 'id', ' mail ', '', 'displayName'])).toEqual([
      'id',
      'accountEnabled',
      'userPrincipalName',
      'displayName',
      'mail',
    ]);
  });

  it('keeps properties and drops OData annotations', () => {
    expect(
      toSourceUser({
        id: 'u1',
        '@odata.type': '#microsoft.graph.user',
        displayName: 'A',
        'manager@delta': [],
      }),
    ).toEqual({ id: 'u1', attributes: { id: 'u1', displayName: 'A' } });
  });

  it('maps @removed reasons to soft and hard removals', () => {
    expect(toChange({ id: 'u1', '@removed': { reason: 'changed' } })).toEqual({
      kind: 'removed',
      id: 'u1',
      removed: 'soft',
    });
    expect(toChange({ id: 'u2', '@removed': { reason: 'deleted' } })).toEqual({
      kind: 'removed',
      id: 'u2',
      removed: 'hard',
    });
    // Unknown reasons disable rather than delete.
    expect(toChange({ id: 'u3', '@removed': {} })).toMatchObject({ removed: 'soft' });
    expect(toChange({ id: 'u4', displayName: 'D' })).toEqual({
      kind: 'upsert',
      user: { id: 'u4', attributes: { id: 'u4', displayName: 'D' } },
    });
  });
});

describe('assignments', () => {
  const sp = {
    id: 'sp',
    appRoles: [
      { id: 'r-agent', displayName: 'Agent', value: 'agent', isEnabled: true },
      { id: 'r-old', displayName: 'Old', value: 'old', isEnabled: false },
    ],
  };

  it('adds Default Access unless the application lists it', () => {
    const roles = appRolesOf(sp);
    expect(roles.map((r) => [r.displayName, r.isEnabled])).toEqual([
      ['Agent', true],
      ['Old', false],
      ['Default Access', true],
    ]);
    const listed = appRolesOf({
      ...sp,
      appRoles: [{ id: defaultAccessRoleId, displayName: 'Default Access' }],
    });
    expect(listed).toHaveLength(1);
  });

  it('expands groups with the members given, names roles, and leaves out other principals', () => {
    const roles = appRolesOf(sp);
    const result = effectiveAssignments(
      [
        { id: 'a1', appRoleId: 'r-agent', principalId: 'u1', principalType: 'User' },
        {
          id: 'a2',
          appRoleId: 'R-AGENT',
          principalId: 'g1',
          principalType: 'Group',
          principalDisplayName: 'Agents',
        },
        { id: 'a3', appRoleId: defaultAccessRoleId, principalId: 'sp2', principalType: 'ServicePrincipal' },
        { id: 'a4', appRoleId: 'r-gone', principalId: 'u3', principalType: 'User' },
        { id: 'a5', appRoleId: defaultAccessRoleId, principalId: 'g2', principalType: 'Group' },
      ],
      roles,
      new Map([
        ['g1', ['u1', 'u2']],
        ['g2', []],
      ]),
    );
    expect(result).toEqual([
      { id: 'a1', userId: 'u1', appRoleId: 'r-agent', roleDisplayName: 'Agent', roleValue: 'agent' },
      {
        id: 'a2',
        userId: 'u1',
        appRoleId: 'R-AGENT',
        roleDisplayName: 'Agent',
        roleValue: 'agent',
        viaGroupId: 'g1',
        viaGroupName: 'Agents',
      },
      {
        id: 'a2',
        userId: 'u2',
        appRoleId: 'R-AGENT',
        roleDisplayName: 'Agent',
        roleValue: 'agent',
        viaGroupId: 'g1',
        viaGroupName: 'Agents',
      },
      {
        id: 'a4',
        userId: 'u3',
        appRoleId: 'r-gone',
        roleDisplayName: 'Unknown role r-gone',
        roleValue: null,
      },
    ]);
  });
});

describe('rolesOf', () => {
  it("reads a token's roles claim without verifying it", () => {
    const payload = Buffer.from(
      JSON.stringify({ roles: ['User.Read.All', 'Application.Read.All', 3] }),
    ).toString('base64url');
    expect(rolesOf(`e30.${payload}.sig`)).toEqual(['Application.Read.All', 'User.Read.All']);
    expect(rolesOf('not-a-jwt')).toEqual([]);
    expect(rolesOf('a.%%%.c')).toEqual([]);
  });
});
