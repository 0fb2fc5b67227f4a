import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAccessRoleId, zendeskAppId, zendeskAppRoles } from '../src/index.js';
import { type EntraHarness, startEntraHarness } from './support/entra.js';

const domain = 'provisio-demo.onmicrosoft.com';
const newRoleId = '7d1b0c2e-5f3a-4b6c-8d9e-0a1b2c3d4e5f';
let h: EntraHarness;
let readOnly: EntraHarness;
let zendeskAppObjectId: string;
let zendeskSpId: string;

beforeAll(async () => {
  // The default permissions: Application.ReadWrite.OwnedBy and AppRoleAssignment.ReadWrite.All among them.
  h = await startEntraHarness({
    pageSize: 2,
    seed: {
      users: Array.from({ length: 3 }, (_, i) => ({
        userPrincipalName: `user${i}@${domain}`,
        displayName: `User ${i}`,
      })),
      groups: [{ displayName: 'Agents', members: [`user0@${domain}`] }],
    },
  });
  readOnly = await startEntraHarness({ permissions: ['Application.Read.All'] });
  const app = await h.graph.get(`/v1.0/applications(appId='${zendeskAppId}')`);
  zendeskAppObjectId = app.body.id;
  const sp = await h.graph.get(`/v1.0/servicePrincipals(appId='${zendeskAppId}')`);
  zendeskSpId = sp.body.id;
});
afterAll(async () => {
  await h.close();
  await readOnly.close();
});

const userId = async (n: number): Promise<string> =>
  (await h.graph.get(`/v1.0/users/user${n}@${domain}`)).body.id as string;
const groupId = async (): Promise<string> => {
  const groups = await h.graph.get(`/v1.0/groups?$filter=${encodeURIComponent("displayName eq 'Agents'")}`);
  return groups.body.value[0].id as string;
};
const roleIds = (roles: readonly { id: string }[]) => roles.map((r) => r.id);

describe('applications and service principals', () => {
  it('serves the seeded Zendesk application and its service principal with the same roles', async () => {
    const app = await h.graph.get(`/v1.0/applications/${zendeskAppObjectId}`);
    expect(app.status).toBe(200);
    expect(app.body).toMatchObject({ appId: zendeskAppId, displayName: 'Zendesk' });
    expect(app.body['@odata.context']).toBe(`${h.emulator.url}/v1.0/$metadata#applications/$entity`);
    expect(app.body.appRoles.map((r: { value: string }) => r.value)).toEqual(['end-user', 'agent', 'admin']);
    const sp = await h.graph.get(`/v1.0/servicePrincipals/${zendeskSpId}`);
    expect(sp.body).toMatchObject({ appId: zendeskAppId, displayName: 'Zendesk' });
    expect(sp.body.appRoles).toEqual(app.body.appRoles);
  });

  it('lists with $filter, $select and paging', async () => {
    const byAppId = await h.graph.get(
      `/v1.0/applications?$filter=${encodeURIComponent(`appId eq '${zendeskAppId}'`)}&$select=appId,displayName`,
    );
    expect(byAppId.body.value).toEqual([
      { appId: zendeskAppId, displayName: 'Zendesk', id: zendeskAppObjectId },
    ]);
    const starts = await h.graph.get(
      `/v1.0/servicePrincipals?$filter=${encodeURIComponent("startswith(displayName,'zen')")}`,
    );
    expect(starts.body.value.map((sp: { id: string }) => sp.id)).toEqual([zendeskSpId]);
    const names: string[] = [];
    let next: string | undefined = '/v1.0/servicePrincipals';
    while (next) {
      const page = await h.graph.get(next);
      expect(page.body.value.length).toBeLessThanOrEqual(2);
      names.push(...page.body.value.map((sp: { displayName: string }) => sp.displayName));
      next = page.body['@odata.nextLink'];
    }
    expect(names).toEqual(['Microsoft Graph', 'provisio', 'Zendesk', 'provisio emulator admin']);
    expect((await h.graph.get('/v1.0/applications/00000000-0000-0000-0000-00000000abcd')).status).toBe(404);
  });

  it('adds a role, refuses removing an enabled one, removes it once disabled, keeping ids stable', async () => {
    const path = `/v1.0/applications/${zendeskAppObjectId}`;
    const current = (await h.graph.get(path)).body.appRoles;
    const added = {
      id: newRoleId,
      allowedMemberTypes: ['User'],
      description: 'Zendesk light agent',
      displayName: 'Light Agent',
      isEnabled: true,
      value: 'light-agent',
    };
    expect((await h.graph.patch(path, { appRoles: [...current, added] })).status).toBe(204);
    const afterAdd = (await h.graph.get(path)).body.appRoles;
    expect(roleIds(afterAdd)).toEqual([...roleIds(current), newRoleId]);
    expect((await h.graph.get(`/v1.0/servicePrincipals/${zendeskSpId}`)).body.appRoles).toEqual(afterAdd);

    const refused = await h.graph.patch(path, { appRoles: current });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('CannotDeleteOrUpdateEnabledEntitlement');
    expect(refused.body.error.message).toBe(
      'Property value cannot be deleted or updated unless it is disabled first.',
    );

    const disabled = [...current, { ...added, isEnabled: false }];
    expect((await h.graph.patch(path, { appRoles: disabled, description: 'Help desk' })).status).toBe(204);
    const afterDisable = (await h.graph.get(path)).body;
    expect(afterDisable.description).toBe('Help desk');
    expect(afterDisable.appRoles.find((r: { id: string }) => r.id === newRoleId).isEnabled).toBe(false);
    expect((await h.graph.patch(path, { appRoles: current })).status).toBe(204);
    expect(roleIds((await h.graph.get(path)).body.appRoles)).toEqual(roleIds(zendeskAppRoles));
  });

  it('validates role ids, values and member types', async () => {
    const path = `/v1.0/applications/${zendeskAppObjectId}`;
    const current = (await h.graph.get(path)).body.appRoles;
    const role = (over: Record<string, unknown>) => ({
      id: newRoleId,
      allowedMemberTypes: ['User'],
      description: 'x',
      displayName: 'X',
      isEnabled: true,
      value: 'x',
      ...over,
    });
    for (const bad of [
      role({ id: 'not-a-guid' }),
      role({ value: 'has space' }),
      role({ value: 'agent' }),
      role({ allowedMemberTypes: ['Robot'] }),
      role({ allowedMemberTypes: [] }),
    ]) {
      const answer = await h.graph.patch(path, { appRoles: [...current, bad] });
      expect(answer.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await h.graph.patch(path, { signInAudience: 'AzureADMultipleOrgs' })).status).toBe(400);
    expect(roleIds((await h.graph.get(path)).body.appRoles)).toEqual(roleIds(current));
  });
});

// Creating assignments needs AppRoleAssignment.ReadWrite.All and Application.Read.All (or higher): the
// administration app creates them; the provisioning app (OwnedBy, not Read.All) reads and deletes them.
describe('app role assignments', () => {
  const assignedTo = () => `/v1.0/servicePrincipals/${zendeskSpId}/appRoleAssignedTo`;
  const agent = zendeskAppRoles[1]?.id ?? '';

  it('assigns a role to a user, lists and deletes the assignment', async () => {
    const principalId = await userId(1);
    const created = await h.admin.post(assignedTo(), {
      principalId,
      resourceId: zendeskSpId,
      appRoleId: agent,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      appRoleId: agent,
      principalId,
      principalType: 'User',
      principalDisplayName: 'User 1',
      resourceId: zendeskSpId,
      resourceDisplayName: 'Zendesk',
      deletedDateTime: null,
    });
    expect(typeof created.body.id).toBe('string');
    expect(typeof created.body.createdDateTime).toBe('string');

    const duplicate = await h.admin.post(assignedTo(), {
      principalId,
      resourceId: zendeskSpId,
      appRoleId: agent,
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error.message).toBe('Permission being assigned already exists on the object');

    const mine = await h.graph.get(`/v1.0/users/${principalId}/appRoleAssignments`);
    expect(mine.body.value).toEqual([expect.objectContaining({ id: created.body.id })]);
    const one = await h.graph.get(`${assignedTo()}/${created.body.id}`);
    expect(one.body.id).toBe(created.body.id);

    expect((await h.graph.delete(`${assignedTo()}/${created.body.id}`)).status).toBe(204);
    expect((await h.graph.get(`/v1.0/users/${principalId}/appRoleAssignments`)).body.value).toEqual([]);
    expect((await h.graph.delete(`${assignedTo()}/${created.body.id}`)).status).toBe(404);
  });

  it("reads a user's app role assignments with Directory.Read.All, not with User.Read.All", async () => {
    const user = await userId(1);
    // Another emulator's user: 404 once the permission lets the question be asked.
    for (const [permissions, status] of [
      [['User.Read.All', 'GroupMember.Read.All'], 403],
      [['Directory.Read.All'], 404],
    ] as const) {
      const limited = await startEntraHarness({ permissions: [...permissions] });
      try {
        expect((await limited.graph.get(`/v1.0/users/${user}/appRoleAssignments`)).status).toBe(status);
      } finally {
        await limited.close();
      }
    }
  });

  it('assigns to a group and Default Access, and pages the list', async () => {
    const group = await groupId();
    const user = await userId(2);
    const forGroup = await h.admin.post(assignedTo(), {
      principalId: group,
      resourceId: zendeskSpId,
      appRoleId: agent,
    });
    expect(forGroup.status).toBe(201);
    expect(forGroup.body).toMatchObject({ principalType: 'Group', principalDisplayName: 'Agents' });
    const defaultAccess = await h.admin.post(assignedTo(), {
      principalId: user,
      resourceId: zendeskSpId,
      appRoleId: defaultAccessRoleId,
    });
    expect(defaultAccess.status).toBe(201);
    const extra = await h.admin.post(assignedTo(), {
      principalId: user,
      resourceId: zendeskSpId,
      appRoleId: zendeskAppRoles[0]?.id,
    });
    expect(extra.status).toBe(201);
    expect((await h.graph.get(`/v1.0/groups/${group}/appRoleAssignments`)).body.value).toHaveLength(1);
    // A user's list holds the assignments of the groups it is a direct member of too (Graph's rule),
    // and `$filter=resourceId eq {id}` (a Guid: no quotes) narrows it to one application.
    const member = await userId(0);
    const inherited = await h.graph.get(
      `/v1.0/users/${member}/appRoleAssignments?$filter=${encodeURIComponent(`resourceId eq ${zendeskSpId}`)}`,
    );
    expect(inherited.status).toBe(200);
    expect(inherited.body.value).toEqual([
      expect.objectContaining({ id: forGroup.body.id, principalId: group, principalType: 'Group' }),
    ]);
    const elsewhere = encodeURIComponent('resourceId eq 00000000-0000-4000-8000-000000000000');
    expect(
      (await h.graph.get(`/v1.0/users/${member}/appRoleAssignments?$filter=${elsewhere}`)).body.value,
    ).toEqual([]);
    expect((await h.graph.get(`/v1.0/users/${newRoleId}/appRoleAssignments`)).status).toBe(404);

    const ids: string[] = [];
    let next: string | undefined = `${assignedTo()}?$top=2`;
    while (next) {
      const page = await h.graph.get(next);
      expect(page.status).toBe(200);
      expect(page.body.value.length).toBeLessThanOrEqual(2);
      ids.push(...page.body.value.map((a: { id: string }) => a.id));
      next = page.body['@odata.nextLink'];
    }
    expect(ids).toEqual([forGroup.body.id, defaultAccess.body.id, extra.body.id]);
  });

  it('refuses unknown, disabled or application-only roles and unknown principals', async () => {
    const principalId = await userId(0);
    const post = (body: Record<string, unknown>) =>
      h.admin.post(assignedTo(), { principalId, resourceId: zendeskSpId, appRoleId: agent, ...body });
    const unknownRole = await post({ appRoleId: newRoleId });
    expect(unknownRole.status).toBe(400);
    expect(unknownRole.body.error.message).toContain('Permission being assigned was not found');
    expect((await post({ principalId: '0f0f0f0f-0000-4000-8000-000000000000' })).status).toBe(404);
    expect((await post({ resourceId: '0f0f0f0f-0000-4000-8000-000000000000' })).status).toBe(400);
    expect((await post({ appRoleId: 'agent' })).status).toBe(400);

    const path = `/v1.0/applications/${zendeskAppObjectId}`;
    const current = (await h.graph.get(path)).body.appRoles;
    const disabled = { ...current[0], id: newRoleId, value: 'off', isEnabled: false };
    const appOnly = {
      ...current[0],
      id: '7d1b0c2e-5f3a-4b6c-8d9e-0a1b2c3d4e60',
      value: 'api',
      allowedMemberTypes: ['Application'],
    };
    expect((await h.graph.patch(path, { appRoles: [...current, disabled, appOnly] })).status).toBe(204);
    expect((await post({ appRoleId: newRoleId })).status).toBe(400);
    expect((await post({ appRoleId: appOnly.id })).status).toBe(400);
  });

  it('answers 403 without the permission', async () => {
    const g = readOnly.graph;
    const app = await g.get(`/v1.0/applications(appId='${zendeskAppId}')`);
    expect(app.status).toBe(200);
    const sp = (await g.get(`/v1.0/servicePrincipals(appId='${zendeskAppId}')`)).body.id as string;
    expect((await g.get(`/v1.0/servicePrincipals/${sp}/appRoleAssignedTo`)).status).toBe(200);
    const patch = await g.patch(`/v1.0/applications/${app.body.id}`, { description: 'x' });
    expect(patch.status).toBe(403);
    expect(patch.body.error.code).toBe('Authorization_RequestDenied');
    const post = await g.post(`/v1.0/servicePrincipals/${sp}/appRoleAssignedTo`, {
      principalId: sp,
      resourceId: sp,
      appRoleId: defaultAccessRoleId,
    });
    expect(post.status).toBe(403);
    // OwnedBy covers only owned applications: the provisioning app owns Zendesk, not its own registration.
    const provisio = await h.graph.get(
      `/v1.0/applications?$filter=${encodeURIComponent("displayName eq 'provisio'")}`,
    );
    expect(
      (await h.graph.patch(`/v1.0/applications/${provisio.body.value[0].id}`, { description: 'x' })).status,
    ).toBe(403);
  });
});
