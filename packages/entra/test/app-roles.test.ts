import { ConnectorFailure } from '@provisio/engine';
import { describe, expect, it } from 'vitest';
import type { GraphClient } from '../src/client/client.js';
import {
  type AppRoleBody,
  AppRolePublisher,
  appRoleProblems,
  isManagedAppRole,
  planAppRoles,
  planRemoval,
  sameAppRoles,
} from '../src/connector/app-roles.js';
import type { AssignmentReader } from '../src/connector/assignments.js';

const role = (id: string, value: string | null, displayName: string, extra: Partial<AppRoleBody> = {}) => ({
  id,
  allowedMemberTypes: ['User'],
  description: `${displayName} role`,
  displayName,
  isEnabled: true,
  value,
  ...extra,
});

const current: AppRoleBody[] = [
  role('r-agent', 'agent', 'Agent'),
  role('r-light', 'light', 'Light Agent'),
  role('r-old', 'old', 'Old'),
  role('r-msiam', null, 'msiam_access'),
  role('r-app', 'Sync.All', 'Sync', { allowedMemberTypes: ['Application'] }),
  role('r-off', 'billing', 'Billing', { isEnabled: false }),
];

let counter = 0;
const newId = () => {
  counter += 1;
  return `new-${counter}`;
};

describe('planAppRoles', () => {
  it('matches by value, then by display name ignoring case, keeping ids; adds the rest', () => {
    counter = 0;
    const plan = planAppRoles(
      current,
      [
        { displayName: 'Agent', value: 'agent', description: 'Agent role' },
        { displayName: 'LIGHT AGENT', value: 'light-agent', description: 'Light Agent role' },
        { displayName: 'Billing', value: 'BILLING', description: 'Billing role' },
        { displayName: 'Admin', value: 'admin', description: 'Administrator' },
      ],
      newId,
    );
    expect(plan.unchanged).toEqual(['r-agent']);
    // New display name and value; and a disabled role is enabled again.
    expect(plan.updated).toEqual(['r-light', 'r-off']);
    expect(plan.added).toEqual(['new-1']);
    expect(plan.unwanted.map((r) => r.id)).toEqual(['r-old']);
    expect(plan.roles.map((r) => r.id)).toEqual([
      'r-agent',
      'r-light',
      'r-old',
      'r-msiam',
      'r-app',
      'r-off',
      'new-1',
    ]);
    expect(plan.roles.find((r) => r.id === 'r-light')).toEqual(
      role('r-light', 'light-agent', 'LIGHT AGENT', { description: 'Light Agent role' }),
    );
    expect(plan.roles.find((r) => r.id === 'r-off')).toMatchObject({ value: 'BILLING', isEnabled: true });
    expect(plan.roles.find((r) => r.id === 'new-1')).toEqual({
      id: 'new-1',
      allowedMemberTypes: ['User'],
      description: 'Administrator',
      displayName: 'Admin',
      isEnabled: true,
      value: 'admin',
    });
    // Roles that are not provisio's are never matched, changed or removed.
    expect(plan.roles.find((r) => r.id === 'r-msiam')).toBe(current[3]);
    expect(plan.roles.find((r) => r.id === 'r-app')).toBe(current[4]);
  });

  it('takes a description change as an update, and a missing description as an empty one', () => {
    const plan = planAppRoles(
      [role('a', 'agent', 'Agent', { description: null }), role('b', 'admin', 'Admin')],
      [
        { displayName: 'Agent', value: 'agent', description: '' },
        { displayName: 'Admin', value: 'admin', description: 'New words' },
      ],
      newId,
    );
    expect(plan.unchanged).toEqual(['a']);
    expect(plan.updated).toEqual(['b']);
    expect(plan.roles[0]?.description).toBeNull();
  });

  it('never touches Default Access', () => {
    expect(isManagedAppRole(role('00000000-0000-0000-0000-000000000000', 'x', 'Default Access'))).toBe(false);
    expect(isManagedAppRole(role('a', '', 'Empty'))).toBe(false);
    expect(isManagedAppRole(role('a', 'x', 'X', { allowedMemberTypes: ['User', 'Application'] }))).toBe(true);
  });
});

describe('planRemoval', () => {
  it('disables then removes unassigned roles and keeps assigned ones untouched', () => {
    const plan = planAppRoles(
      [
        role('a', 'agent', 'Agent'),
        role('b', 'gone', 'Gone'),
        role('c', 'kept', 'Kept'),
        role('d', 'off', 'Off', { isEnabled: false }),
      ],
      [{ displayName: 'Agent', value: 'agent', description: 'Agent role' }],
      newId,
    );
    const removal = planRemoval(plan, new Map([['c', 3]]));
    expect(removal.removed.map((r) => r.id)).toEqual(['b', 'd']);
    expect(removal.keptAssigned).toEqual([{ displayName: 'Kept', assignments: 3 }]);
    expect(removal.disabled.map((r) => [r.id, r.isEnabled])).toEqual([
      ['a', true],
      ['b', false],
      ['c', true],
      ['d', false],
    ]);
    expect(removal.final.map((r) => r.id)).toEqual(['a', 'c']);
  });

  it('counts assignments whatever the case of the role id', () => {
    const plan = planAppRoles([role('ABC', 'x', 'X')], [], newId);
    expect(planRemoval(plan, new Map([['abc', 1]])).keptAssigned).toEqual([
      { displayName: 'X', assignments: 1 },
    ]);
  });
});

describe('appRoleProblems', () => {
  it('accepts unique roles with valid values', () => {
    expect(
      appRoleProblems([
        { displayName: 'Agent', value: 'agent', description: '' },
        { displayName: 'Light Agent', value: 'light_agent.v2-x', description: '' },
      ]),
    ).toEqual([]);
  });

  it('names duplicate values and names (ignoring case), invalid values and empty names', () => {
    const problems = appRoleProblems([
      { displayName: 'Agent', value: 'agent', description: '' },
      { displayName: 'agent', value: 'AGENT', description: '' },
      { displayName: 'Billing Agent', value: 'billing agent', description: '' },
      { displayName: ' ', value: 'blank', description: '' },
    ]);
    expect(problems).toEqual([
      '"Agent" and "agent" have the same value "AGENT"',
      '"Agent" and "agent" have the same display name',
      'the value "billing agent" of "Billing Agent" may hold only letters, digits and . _ -',
      'the role with value "blank" has no display name',
    ]);
  });
});

describe('sameAppRoles', () => {
  it('compares what is written, not the order of member types', () => {
    const a = [role('a', 'x', 'X', { allowedMemberTypes: ['User', 'Application'] })];
    expect(sameAppRoles(a, [role('A', 'x', 'X', { allowedMemberTypes: ['Application', 'User'] })])).toBe(
      true,
    );
    expect(
      sameAppRoles(a, [
        role('a', 'x', 'X', { allowedMemberTypes: ['User', 'Application'], isEnabled: false }),
      ]),
    ).toBe(false);
    expect(sameAppRoles(a, [])).toBe(false);
  });
});

describe('AppRolePublisher', () => {
  /** A Graph that knows one application and refuses the removing PATCH `refusals` times. */
  function fakeGraph(refusals: number) {
    const patches: unknown[] = [];
    let refused = 0;
    const roles = [role('a', 'agent', 'Agent'), role('b', 'gone', 'Gone')];
    const graph = {
      url: (path: string) => `https://graph.example${path}`,
      find: async () => ({ id: 'app-object', appId: 'app', appRoles: roles }),
      getPage: async () => ({ page: { value: [] }, request: 'GET /assignments' }),
      patch: async (_url: string, body: { appRoles: AppRoleBody[] }) => {
        const removing = body.appRoles.length < roles.length;
        if (removing && refused < refusals) {
          refused += 1;
          throw new ConnectorFailure({
            code: 'UnexpectedSourceResponse',
            message: 'Microsoft Graph refused.',
            retryable: false,
            httpStatus: 400,
            response: JSON.stringify({
              error: {
                code: 'CannotDeleteOrUpdateEnabledEntitlement',
                message: 'Property value cannot be deleted or updated unless it is disabled first.',
              },
            }),
          });
        }
        patches.push(body);
      },
    } as unknown as GraphClient;
    const assignments = {
      servicePrincipal: async () => ({ id: 'sp', appId: 'app', appRoles: [] }),
      assignmentsUrl: () => 'https://graph.example/assignments',
    } as unknown as AssignmentReader;
    const sleeps: number[] = [];
    const publisher = new AppRolePublisher({
      graph,
      assignments,
      servicePrincipalId: 'sp',
      clientId: 'client',
      pageSize: 999,
      secrets: [],
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    return { publisher, patches, sleeps };
  }
  const wanted = [{ displayName: 'Agent', value: 'agent', description: 'Agent role' }];

  it('tries the removal again while Graph still sees the role enabled', async () => {
    const { publisher, patches, sleeps } = fakeGraph(2);
    const result = await publisher.publish(wanted);
    expect(result.removed).toEqual(['b']);
    expect(sleeps).toEqual([1000, 2000]);
    expect(patches).toEqual([
      { appRoles: [role('a', 'agent', 'Agent'), role('b', 'gone', 'Gone', { isEnabled: false })] },
      { appRoles: [role('a', 'agent', 'Agent')] },
    ]);
  });

  it('gives up after a few attempts, saying the roles are left disabled', async () => {
    const { publisher } = fakeGraph(10);
    const error = await publisher.publish(wanted).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorFailure);
    expect(error.detail.retryable).toBe(true);
    expect(error.message).toContain('"Gone" are now disabled but still there');
  });

  it('refuses roles that cannot be published before any request', async () => {
    const { publisher, patches } = fakeGraph(0);
    const error = await publisher
      .publish([...wanted, { displayName: 'Agent 2', value: 'agent', description: '' }])
      .catch((e) => e);
    expect(error.detail).toMatchObject({ code: 'InvalidAppRoles', retryable: false });
    expect(patches).toEqual([]);
  });
});
