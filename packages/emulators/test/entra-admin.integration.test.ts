import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminAppDisplayName,
  adminPermissions,
  defaultPermissions,
  entraDefaults,
  startEntraEmulator,
  zendeskAppId,
  zendeskAppRoles,
} from '../src/index.js';
import {
  adminCredentials,
  appToken,
  type EntraHarness,
  GraphClient,
  type HttpsAnswer,
  msalAppToken,
  startEntraHarness,
  tokenRequest,
} from './support/entra.js';

// The administration app registration (docs/emulators.md): scripts, demos and tests change the
// directory through Graph with its token, as an Entra administrator would; the provisioning app keeps
// its least-privilege permissions and is refused the same writes.

const domain = 'provisio-demo.onmicrosoft.com';
const agentRoleId = zendeskAppRoles[1]?.id ?? '';
const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
const newUser = (alias: string) => ({
  accountEnabled: true,
  displayName: alias,
  mailNickname: alias,
  userPrincipalName: `${alias}@${domain}`,
  passwordProfile: { password: 'Secret-123' },
});

function expectDenied(answer: HttpsAnswer): void {
  expect(answer.status, answer.text).toBe(403);
  expect(answer.body.error).toMatchObject({
    code: 'Authorization_RequestDenied',
    message: 'Insufficient privileges to complete the operation.',
  });
}

/** Follows nextLinks from `start` to the deltaLink, collecting every item. */
async function deltaRound(
  graph: GraphClient,
  start: string,
): Promise<{ items: Record<string, unknown>[]; deltaLink: string }> {
  const items: Record<string, unknown>[] = [];
  let next: string | undefined = start;
  for (;;) {
    const page: HttpsAnswer = await graph.get(next);
    expect(page.status, page.text).toBe(200);
    items.push(...page.body.value);
    next = page.body['@odata.nextLink'];
    if (next === undefined) return { items, deltaLink: page.body['@odata.deltaLink'] };
  }
}

describe('the administration app', () => {
  let h: EntraHarness;
  let msalAdmin: GraphClient;
  let zendeskSpId: string;
  let supportId: string;
  beforeAll(async () => {
    h = await startEntraHarness({
      seed: {
        users: [{ userPrincipalName: `zoe@${domain}`, displayName: 'Zoe' }],
        groups: [{ displayName: 'Support', members: [`zoe@${domain}`] }],
      },
    });
    // As a script would get it: msal-node, client credentials with the admin app's id and secret.
    msalAdmin = new GraphClient(h.emulator, await msalAppToken(h.emulator, adminCredentials(h.emulator)));
    zendeskSpId = (await h.graph.get(`/v1.0/servicePrincipals(appId='${zendeskAppId}')`)).body.id;
    const groups = await h.graph.get(
      `/v1.0/groups?$filter=${encodeURIComponent("displayName eq 'Support'")}`,
    );
    supportId = groups.body.value[0].id;
  });
  afterAll(() => h.close());

  it('has the documented default credentials, and tokens carrying its five permissions', async () => {
    expect(h.emulator.adminClientId).toBe('3c9e5d7a-1b2f-4e48-9a6c-d0e1f2a3b4c5');
    expect(h.emulator.adminClientSecret).toBe('emulator-admin-secret');
    expect(entraDefaults).toMatchObject({
      adminClientId: h.emulator.adminClientId,
      adminClientSecret: h.emulator.adminClientSecret,
    });
    const claims = decodeJwt(await msalAppToken(h.emulator, adminCredentials(h.emulator)));
    expect(claims).toMatchObject({ appid: h.emulator.adminClientId, tid: h.emulator.tenantId });
    expect(claims['roles']).toEqual([
      'AppRoleAssignment.ReadWrite.All',
      'Application.ReadWrite.All',
      'Directory.ReadWrite.All',
      'Group.ReadWrite.All',
      'User.ReadWrite.All',
    ]);
    expect([...(claims['roles'] as string[])].sort()).toEqual([...adminPermissions].sort());
    // The provisioning app keeps its own, least-privilege grants.
    const provisioning = decodeJwt(await appToken(h.emulator));
    expect(provisioning['roles']).toEqual([...defaultPermissions].sort());
  });

  it('is a registered application with a service principal and real grants to Microsoft Graph', async () => {
    const app = await h.admin.get(`/v1.0/applications(appId='${h.emulator.adminClientId}')`);
    expect(app.status).toBe(200);
    expect(app.body).toMatchObject({ appId: h.emulator.adminClientId, displayName: adminAppDisplayName });
    const sp = await h.admin.get(`/v1.0/servicePrincipals(appId='${h.emulator.adminClientId}')`);
    expect(sp.status).toBe(200);
    const graphSp = await h.admin.get(
      "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')",
    );
    const grants = await h.admin.get(
      `/v1.0/servicePrincipals/${graphSp.body.id}/appRoleAssignedTo?$filter=${encodeURIComponent(`principalId eq '${sp.body.id}'`)}`,
    );
    const roleValue = new Map(
      (graphSp.body.appRoles as { id: string; value: string }[]).map((r) => [r.id, r.value]),
    );
    expect(grants.body.value.map((a: { appRoleId: string }) => roleValue.get(a.appRoleId)).sort()).toEqual(
      [...adminPermissions].sort(),
    );
    for (const grant of grants.body.value)
      expect(grant).toMatchObject({
        principalType: 'ServicePrincipal',
        principalDisplayName: adminAppDisplayName,
      });
  });

  it('creates, updates, groups, assigns, unassigns and deletes a user; users/delta and groups/delta see it', async () => {
    // The provisioning app's view, as provisio reads it: a delta round up to now.
    const users = await deltaRound(h.graph, '/v1.0/users/delta?$select=displayName,jobTitle');
    const groups = await deltaRound(h.graph, '/v1.0/groups/delta?$select=displayName,members');

    const created = await msalAdmin.post('/v1.0/users', newUser('grace'));
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    expect((await msalAdmin.patch(`/v1.0/users/${id}`, { jobTitle: 'Rear Admiral' })).status).toBe(204);
    expect((await msalAdmin.post(`/v1.0/groups/${supportId}/members/$ref`, ref(id))).status).toBe(204);
    const assignedTo = `/v1.0/servicePrincipals/${zendeskSpId}/appRoleAssignedTo`;
    const assigned = await msalAdmin.post(assignedTo, {
      principalId: id,
      resourceId: zendeskSpId,
      appRoleId: agentRoleId,
    });
    expect(assigned.status, assigned.text).toBe(201);
    expect(assigned.body).toMatchObject({ principalId: id, principalType: 'User', appRoleId: agentRoleId });

    // What provisio reads now: the user with its change, its membership and its assignment.
    const changed = await deltaRound(h.graph, users.deltaLink);
    expect(changed.items).toEqual([{ id, displayName: 'grace', jobTitle: 'Rear Admiral' }]);
    const changedGroups = await deltaRound(h.graph, groups.deltaLink);
    expect(changedGroups.items).toEqual([
      expect.objectContaining({
        id: supportId,
        'members@delta': [{ '@odata.type': '#microsoft.graph.user', id }],
      }),
    ]);
    const assignments = await h.graph.get(`/v1.0/users/${id}/appRoleAssignments`);
    expect(assignments.body.value).toEqual([expect.objectContaining({ id: assigned.body.id })]);

    expect((await msalAdmin.delete(`${assignedTo}/${assigned.body.id}`)).status).toBe(204);
    expect((await h.graph.get(`/v1.0/users/${id}/appRoleAssignments`)).body.value).toEqual([]);
    expect((await msalAdmin.delete(`/v1.0/users/${id}`)).status).toBe(204);
    const removed = await deltaRound(h.graph, changed.deltaLink);
    expect(removed.items).toEqual([{ id, '@removed': { reason: 'changed' } }]);
    expect((await h.graph.get(`/v1.0/users/${id}`)).status).toBe(404);
  });

  it('changes any application (Application.ReadWrite.All), not only those it owns', async () => {
    const provisio = await h.admin.get(`/v1.0/applications(appId='${h.emulator.clientId}')`);
    const path = `/v1.0/applications/${provisio.body.id}`;
    expect((await h.admin.patch(path, { description: 'changed by the admin app' })).status).toBe(204);
    expect((await h.graph.get(path)).body.description).toBe('changed by the admin app');
    // The provisioning app (Application.ReadWrite.OwnedBy) owns Zendesk, not its own registration.
    expectDenied(await h.graph.patch(path, { description: 'x' }));
  });

  it('is the only one of the two allowed the writes: the provisioning app gets 403 and nothing changes', async () => {
    const zoe = (await h.graph.get(`/v1.0/users/zoe@${domain}`)).body.id as string;
    const before = await h.graph.get(`${h.emulator.url}/__emulator/state`);
    const denied = [
      await h.graph.post('/v1.0/users', newUser('mallory')),
      await h.graph.patch(`/v1.0/users/${zoe}`, { jobTitle: 'Intruder' }),
      await h.graph.delete(`/v1.0/users/${zoe}`),
      await h.graph.post('/v1.0/groups', {
        displayName: 'Mallory',
        mailEnabled: false,
        mailNickname: 'mallory',
        securityEnabled: true,
      }),
      await h.graph.delete(`/v1.0/groups/${supportId}`),
      await h.graph.delete(`/v1.0/groups/${supportId}/members/${zoe}/$ref`),
      await h.graph.post(`/v1.0/groups/${supportId}/members/$ref`, ref(zendeskSpId)),
      // AppRoleAssignment.ReadWrite.All alone: creating also needs Application.Read.All (or higher).
      await h.graph.post(`/v1.0/servicePrincipals/${zendeskSpId}/appRoleAssignedTo`, {
        principalId: zoe,
        resourceId: zendeskSpId,
        appRoleId: agentRoleId,
      }),
    ];
    for (const answer of denied) expectDenied(answer);
    const after = await h.graph.get(`${h.emulator.url}/__emulator/state`);
    expect(after.body).toEqual(before.body);
    // What it keeps: reading users, groups, assignments and deltas, and editing the app roles of Zendesk.
    for (const path of [
      '/v1.0/users',
      '/v1.0/groups',
      `/v1.0/groups/${supportId}/members`,
      `/v1.0/servicePrincipals/${zendeskSpId}/appRoleAssignedTo`,
      '/v1.0/users/delta',
      '/v1.0/groups/delta',
    ])
      expect((await h.graph.get(path)).status, path).toBe(200);
    const zendeskApp = await h.graph.get(`/v1.0/applications(appId='${zendeskAppId}')`);
    expect(
      (
        await h.graph.patch(`/v1.0/applications/${zendeskApp.body.id}`, {
          appRoles: zendeskApp.body.appRoles,
        })
      ).status,
    ).toBe(204);
  });

  it('survives a reset of the emulator', async () => {
    const reset = await h.graph.post(`${h.emulator.url}/__emulator/reset`, { empty: true });
    expect(reset.status).toBe(200);
    const token = await appToken(h.emulator, adminCredentials(h.emulator));
    const created = await new GraphClient(h.emulator, token).post('/v1.0/users', newUser('ada'));
    expect(created.status).toBe(201);
  });
});

describe('which permission each write needs (Graph application permissions)', () => {
  /** A provisioning app granted exactly `permissions`, and an admin client for the setup. */
  async function withPermissions(permissions: string[]): Promise<EntraHarness> {
    return startEntraHarness({
      permissions,
      seed: {
        users: [
          { userPrincipalName: `zoe@${domain}`, displayName: 'Zoe' },
          { userPrincipalName: `max@${domain}`, displayName: 'Max' },
        ],
        groups: [{ displayName: 'Support', members: [`zoe@${domain}`] }],
      },
    });
  }
  const ids = async (h: EntraHarness) => {
    const zoe = (await h.admin.get(`/v1.0/users/zoe@${domain}`)).body.id as string;
    const max = (await h.admin.get(`/v1.0/users/max@${domain}`)).body.id as string;
    const group = (await h.admin.get('/v1.0/groups')).body.value[0].id as string;
    const sp = (await h.admin.get(`/v1.0/servicePrincipals(appId='${zendeskAppId}')`)).body.id as string;
    return { zoe, max, group, sp };
  };

  it('Directory.ReadWrite.All creates and updates users and groups, but deletes neither', async () => {
    const h = await withPermissions(['Directory.ReadWrite.All']);
    try {
      const { zoe, max, group, sp } = await ids(h);
      expect((await h.graph.post('/v1.0/users', newUser('ada'))).status).toBe(201);
      expect((await h.graph.patch(`/v1.0/users/${zoe}`, { jobTitle: 'Lead' })).status).toBe(204);
      expect((await h.graph.post(`/v1.0/groups/${group}/members/$ref`, ref(max))).status).toBe(204);
      expect((await h.graph.patch(`/v1.0/groups/${group}`, { description: 'Help' })).status).toBe(204);
      expectDenied(await h.graph.delete(`/v1.0/users/${zoe}`));
      expectDenied(await h.graph.delete(`/v1.0/groups/${group}`));
      // It does not grant app roles either.
      expectDenied(
        await h.graph.post(`/v1.0/servicePrincipals/${sp}/appRoleAssignedTo`, {
          principalId: zoe,
          resourceId: sp,
          appRoleId: agentRoleId,
        }),
      );
    } finally {
      await h.close();
    }
  });

  it('Group.Create creates groups only; GroupMember.ReadWrite.All changes members only', async () => {
    const creator = await withPermissions(['Group.Create']);
    const members = await withPermissions(['GroupMember.ReadWrite.All']);
    try {
      const group = { displayName: 'New', mailEnabled: false, mailNickname: 'new', securityEnabled: true };
      const created = await creator.graph.post('/v1.0/groups', group);
      expect(created.status).toBe(201);
      expectDenied(await creator.graph.patch(`/v1.0/groups/${created.body.id}`, { description: 'x' }));
      expectDenied(await creator.graph.delete(`/v1.0/groups/${created.body.id}`));

      const { zoe, max, group: support } = await ids(members);
      expect((await members.graph.post(`/v1.0/groups/${support}/members/$ref`, ref(max))).status).toBe(204);
      expect((await members.graph.delete(`/v1.0/groups/${support}/members/${zoe}/$ref`)).status).toBe(204);
      expectDenied(await members.graph.post('/v1.0/groups', group));
      expectDenied(await members.graph.patch(`/v1.0/groups/${support}`, { description: 'x' }));
    } finally {
      await creator.close();
      await members.close();
    }
  });

  it('creating an assignment needs AppRoleAssignment.ReadWrite.All and Application.Read.All; deleting, the first alone', async () => {
    const both = await withPermissions(['AppRoleAssignment.ReadWrite.All', 'Application.Read.All']);
    const alone = await withPermissions(['AppRoleAssignment.ReadWrite.All']);
    try {
      const { zoe, sp } = await ids(both);
      const body = { principalId: zoe, resourceId: sp, appRoleId: agentRoleId };
      const created = await both.graph.post(`/v1.0/servicePrincipals/${sp}/appRoleAssignedTo`, body);
      expect(created.status, created.text).toBe(201);

      expectDenied(await alone.graph.post(`/v1.0/servicePrincipals/${sp}/appRoleAssignedTo`, body));
      const byAdmin = await alone.admin.post(`/v1.0/servicePrincipals/${sp}/appRoleAssignedTo`, body);
      expect(byAdmin.status).toBe(201);
      expect(
        (await alone.graph.delete(`/v1.0/servicePrincipals/${sp}/appRoleAssignedTo/${byAdmin.body.id}`))
          .status,
      ).toBe(204);
    } finally {
      await both.close();
      await alone.close();
    }
  });
});

describe('custom administration credentials', () => {
  const custom = { adminClientId: 'A1B2C3D4-E5F6-4a7b-8c9d-0e1f2a3b4c5d', adminClientSecret: 's3cret admin' };

  it('work, and the defaults are refused then', async () => {
    const h = await startEntraHarness(custom);
    try {
      expect(h.emulator.adminClientId).toBe(custom.adminClientId.toLowerCase());
      expect(h.emulator.adminClientSecret).toBe(custom.adminClientSecret);
      const token = await msalAppToken(h.emulator, {
        clientId: custom.adminClientId,
        clientSecret: custom.adminClientSecret,
      });
      expect(decodeJwt(token)['roles']).toHaveLength(adminPermissions.length);
      expect((await new GraphClient(h.emulator, token).post('/v1.0/users', newUser('ada'))).status).toBe(201);

      const base = { grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' };
      const defaultId = await tokenRequest(h.emulator, {
        ...base,
        client_id: entraDefaults.adminClientId,
        client_secret: entraDefaults.adminClientSecret,
      });
      expect(defaultId.status).toBe(400);
      expect(defaultId.body).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
      const defaultSecret = await tokenRequest(h.emulator, {
        ...base,
        client_id: custom.adminClientId,
        client_secret: entraDefaults.adminClientSecret,
      });
      expect(defaultSecret.status).toBe(401);
      expect(defaultSecret.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    } finally {
      await h.close();
    }
  });

  it.each([
    [{ adminClientId: 'not-a-guid' }, /adminClientId must be a GUID, got "not-a-guid"/],
    [{ adminClientSecret: '' }, /adminClientSecret must not be empty/],
    [{ adminClientId: entraDefaults.clientId }, /adminClientId must differ from clientId/],
    [{ clientId: entraDefaults.adminClientId }, /adminClientId must differ from clientId/],
    [{ adminClientId: zendeskAppId }, /adminClientId must differ from the Zendesk application's id/],
  ])('refuses %j at start-up', async (options, message) => {
    await expect(startEntraEmulator({ port: 0, ...options })).rejects.toThrow(message);
  });
});

describe('a --data file from before the administration app', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provisio-entra-admin-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gets the administration app added at start-up, and saved', async () => {
    const dataFile = join(dir, 'entra.json');
    const first = await startEntraEmulator({ port: 0, dataFile });
    await first.close();
    // Remove the admin app, its service principal and its grants, as a file written before them.
    const saved = JSON.parse(await readFile(dataFile, 'utf8'));
    const adminSp = saved.servicePrincipals.find((sp: { appId: string }) => sp.appId === first.adminClientId);
    saved.applications = saved.applications.filter((a: { appId: string }) => a.appId !== first.adminClientId);
    saved.servicePrincipals = saved.servicePrincipals.filter((sp: { id: string }) => sp.id !== adminSp.id);
    saved.appRoleAssignments = saved.appRoleAssignments.filter(
      (a: { principalId: string }) => a.principalId !== adminSp.id,
    );
    await writeFile(dataFile, JSON.stringify(saved));

    const second = await startEntraEmulator({ port: 0, dataFile, rateLimits: false });
    try {
      const token = await appToken(second, adminCredentials(second));
      expect(decodeJwt(token)['roles']).toHaveLength(adminPermissions.length);
      const rewritten = JSON.parse(await readFile(dataFile, 'utf8'));
      expect(rewritten.applications.map((a: { appId: string }) => a.appId)).toContain(second.adminClientId);
    } finally {
      await second.close();
    }
  });
});
