import { zendeskAppId } from '@provisio/emulators';
import type { AppRoleDefinition } from '@provisio/engine';
import { ConnectorFailure } from '@provisio/engine';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultAccessRoleId } from '../src/connector/assignments.js';
import type { EntraSource } from '../src/index.js';
import { type Harness, startHarness } from './support/emulator.js';

const domain = 'provisio-demo.onmicrosoft.com';
const msiamAccess = '7f3b1c2d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const patchRoute = 'PATCH /v1.0/applications/{id}';

const seed = {
  appRoles: [
    { displayName: 'Light Agent', value: 'light-agent' },
    { displayName: 'Old Role', value: 'old-role' },
    { displayName: 'Legacy', value: 'legacy' },
  ],
  users: [{ userPrincipalName: `alice@${domain}`, displayName: 'Alice' }],
  groups: [{ displayName: 'Veterans', members: [`alice@${domain}`] }],
  assignments: [
    { principal: `alice@${domain}`, appRole: 'legacy' },
    { principal: 'group:Veterans', appRole: 'legacy' },
  ],
};

const wanted: AppRoleDefinition[] = [
  { displayName: 'End-user', value: 'end-user', description: 'Zendesk end-user' },
  { displayName: 'Agent', value: 'agent', description: 'Zendesk agent, answers tickets' },
  { displayName: 'Admin', value: 'admin', description: 'Zendesk administrator' },
  { displayName: 'Light agent', value: 'light_agent', description: 'Zendesk light agent' },
  { displayName: 'Billing Agent', value: 'billing-agent', description: 'Custom Zendesk role' },
];

// biome-ignore lint/suspicious/noExplicitAny: Graph's JSON
type Role = any;

let h: Harness;
let source: EntraSource;

/** The Zendesk application's roles as Graph serves them now. */
async function appRoles(): Promise<Role[]> {
  const answer = await h.admin.get(`/v1.0/applications(appId='${zendeskAppId}')?$select=id,appRoles`);
  expect(answer.status).toBe(200);
  return answer.body.appRoles;
}

const byValue = (roles: Role[], value: string | null) => roles.find((r) => r.value === value);

beforeAll(async () => {
  // The emulator's default permissions: Application.ReadWrite.OwnedBy, on the Zendesk app it owns.
  h = await startHarness({ seed });
  source = h.source();
});
afterAll(() => h.close());

beforeEach(async () => {
  await h.admin.reset();
  // A gallery app's role without a value: not provisio's, never touched.
  const app = await h.admin.get(`/v1.0/applications(appId='${zendeskAppId}')?$select=id,appRoles`);
  const roles = app.body.appRoles.map(({ origin: _origin, ...role }: Role) => role);
  const patched = await h.admin.patch(`/v1.0/applications/${app.body.id}`, {
    appRoles: [
      ...roles,
      {
        id: msiamAccess,
        allowedMemberTypes: ['User'],
        description: 'msiam_access',
        displayName: 'msiam_access',
        isEnabled: true,
        value: null,
      },
    ],
  });
  expect(patched.status).toBe(204);
  await h.admin.clearRequests();
});

describe('publishAppRoles', () => {
  it('adds, updates and removes roles, keeping ids, assigned roles and roles that are not its own', async () => {
    const before = await appRoles();
    const id = (value: string) => byValue(before, value)?.id as string;

    const result = await source.publishAppRoles(wanted);

    expect(result.unchanged).toEqual([id('end-user'), id('admin')]);
    // Agent: new description; Light Agent matched by its display name, whatever the case: id kept.
    expect(result.updated).toEqual([id('agent'), id('light-agent')]);
    expect(result.added).toHaveLength(1);
    expect(result.removed).toEqual([id('old-role')]);
    expect(result.keptAssigned).toEqual([{ displayName: 'Legacy', assignments: 2 }]);
    // Disabled first, then removed: Graph refuses to remove an enabled role.
    expect(await h.admin.count(patchRoute, 204)).toBe(2);

    const after = await appRoles();
    expect(after.map((r: Role) => r.value)).toEqual([
      'end-user',
      'agent',
      'admin',
      'light_agent',
      'legacy',
      null,
      'billing-agent',
    ]);
    expect(byValue(after, 'agent')).toMatchObject({
      id: id('agent'),
      description: 'Zendesk agent, answers tickets',
      isEnabled: true,
    });
    expect(byValue(after, 'light_agent')).toMatchObject({
      id: id('light-agent'),
      displayName: 'Light agent',
      description: 'Zendesk light agent',
    });
    expect(byValue(after, 'billing-agent')).toMatchObject({
      id: result.added[0],
      displayName: 'Billing Agent',
      description: 'Custom Zendesk role',
      allowedMemberTypes: ['User'],
      isEnabled: true,
    });
    expect(byValue(after, 'legacy')).toEqual(byValue(before, 'legacy'));
    expect(byValue(after, null)).toMatchObject({
      id: msiamAccess,
      displayName: 'msiam_access',
      isEnabled: true,
    });

    expect(result.roles.map((r) => r.displayName)).toEqual([
      'End-user',
      'Agent',
      'Admin',
      'Light agent',
      'Legacy',
      'msiam_access',
      'Billing Agent',
      'Default Access',
    ]);
    expect(result.roles.find((r) => r.id === defaultAccessRoleId)).toMatchObject({ value: null });
    // The service principal shows the application's roles, so assignments can use the new one.
    const { roles } = await source.readAssignments();
    expect(roles.find((r) => r.value === 'billing-agent')?.id).toBe(result.added[0]);
  });

  it('changes nothing the second time', async () => {
    const first = await source.publishAppRoles(wanted);
    await h.admin.clearRequests();
    const second = await source.publishAppRoles(wanted);
    expect(second).toMatchObject({ added: [], updated: [], removed: [] });
    expect([...second.unchanged].sort()).toEqual(
      [...first.unchanged, ...first.updated, ...first.added].sort(),
    );
    expect(second.keptAssigned).toEqual([{ displayName: 'Legacy', assignments: 2 }]);
    expect(second.roles).toEqual(first.roles);
    expect(await h.admin.count(patchRoute)).toBe(0);
  });

  it('removes a role once its last assignment is gone', async () => {
    await source.publishAppRoles(wanted);
    const assignments = await h.admin.get(
      `/v1.0/servicePrincipals/${h.servicePrincipalId}/appRoleAssignedTo`,
    );
    for (const assignment of assignments.body.value)
      expect(
        (
          await h.admin.delete(
            `/v1.0/servicePrincipals/${h.servicePrincipalId}/appRoleAssignedTo/${assignment.id}`,
          )
        ).status,
      ).toBe(204);
    const legacy = byValue(await appRoles(), 'legacy')?.id;

    const result = await source.publishAppRoles(wanted);
    expect(result.removed).toEqual([legacy]);
    expect(result.keptAssigned).toEqual([]);
    expect(byValue(await appRoles(), 'legacy')).toBeUndefined();
  });

  it('removes a role left disabled by an earlier import without a disabling request', async () => {
    const app = await h.admin.get(`/v1.0/applications(appId='${zendeskAppId}')?$select=id,appRoles`);
    const roles = app.body.appRoles.map(({ origin: _origin, ...role }: Role) =>
      role.value === 'old-role' ? { ...role, isEnabled: false } : role,
    );
    expect((await h.admin.patch(`/v1.0/applications/${app.body.id}`, { appRoles: roles })).status).toBe(204);
    await h.admin.clearRequests();

    // Exactly the roles there are, but Old Role and Legacy.
    const same = roles
      .filter((r: Role) => ['end-user', 'agent', 'admin', 'light-agent'].includes(r.value))
      .map((r: Role) => ({ displayName: r.displayName, value: r.value, description: r.description }));
    const result = await source.publishAppRoles(same);
    expect(result).toMatchObject({ added: [], updated: [], keptAssigned: [{ displayName: 'Legacy' }] });
    expect(result.removed).toHaveLength(1);
    expect(await h.admin.count(patchRoute)).toBe(1);
    expect(byValue(await appRoles(), 'old-role')).toBeUndefined();
  });

  it('explains a refusal for want of ownership, naming the application', async () => {
    const app = [...h.emulator.store.applications.ascending()].find((a) => a.appId === zendeskAppId);
    if (app === undefined) throw new Error('no Zendesk application');
    const owners = app.ownerIds;
    app.ownerIds = [];
    try {
      const error = await source.publishAppRoles(wanted).catch((e) => e);
      expect(error).toBeInstanceOf(ConnectorFailure);
      expect(error.detail).toMatchObject({ code: 'InsufficientRights', httpStatus: 403, retryable: false });
      expect(error.message).toContain('not an owner of the Zendesk application');
      expect(error.detail.request).toMatch(/^PATCH \/v1\.0\/applications\//);
      expect(error.detail.recommendedAction).toContain(`/v1.0/applications/${app.id}/owners/$ref`);
      expect(error.detail.recommendedAction).toContain('Application.ReadWrite.All');
    } finally {
      app.ownerIds = owners;
    }
  });
});

describe('publishAppRoles without the permission to write applications', () => {
  let readOnly: Harness;
  beforeAll(async () => {
    readOnly = await startHarness({
      permissions: ['Application.Read.All', 'AppRoleAssignment.ReadWrite.All', 'User.Read.All'],
      seed,
    });
  });
  afterAll(() => readOnly.close());

  it('names Application.ReadWrite.OwnedBy and how to grant it, and changes nothing', async () => {
    const error = await readOnly
      .source()
      .publishAppRoles(wanted)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorFailure);
    expect(error.detail).toMatchObject({ code: 'InsufficientRights', httpStatus: 403, retryable: false });
    expect(error.message).toContain('Application.ReadWrite.OwnedBy');
    expect(error.message).toContain('Application.ReadWrite.All');
    expect(error.detail.recommendedAction).toContain('Grant admin consent');
    const roles = await readOnly.admin.get(`/v1.0/applications(appId='${zendeskAppId}')?$select=appRoles`);
    expect(roles.body.appRoles.map((r: Role) => r.value)).toEqual([
      'end-user',
      'agent',
      'admin',
      'light-agent',
      'old-role',
      'legacy',
    ]);
  });
});
