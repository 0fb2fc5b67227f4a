import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zendeskAppId } from '../src/index.js';
import { type EntraHarness, GraphClient, msalAppToken, startEntraHarness } from './support/entra.js';

/**
 * The round a provisioning source connector makes, end to end with the real client library: a
 * token from msal-node, an initial users/groups delta sync paged to its deltaLink, the Zendesk app's
 * role assignments; then a batch of directory changes, and the next round returns exactly them.
 */
const domain = 'provisio-demo.onmicrosoft.com';
let h: EntraHarness;
let graph: GraphClient;

beforeAll(async () => {
  h = await startEntraHarness({
    pageSize: 3,
    permissions: [
      'User.ReadWrite.All',
      'Group.ReadWrite.All',
      'GroupMember.ReadWrite.All',
      'Application.ReadWrite.All',
      'AppRoleAssignment.ReadWrite.All',
    ],
    seed: {
      users: Array.from({ length: 7 }, (_, i) => ({
        userPrincipalName: `user${i}@${domain}`,
        displayName: `User ${i}`,
        department: i < 4 ? 'Support' : 'Sales',
      })),
      groups: [{ displayName: 'Zendesk Agents', members: [`user0@${domain}`, `user1@${domain}`] }],
      assignments: [
        { principal: 'group:Zendesk Agents', appRole: 'Agent' },
        { principal: `user2@${domain}`, appRole: 'End-user' },
      ],
    },
  });
  graph = new GraphClient(h.emulator, await msalAppToken(h.emulator));
});
afterAll(() => h.close());

// biome-ignore lint/suspicious/noExplicitAny: Graph JSON
async function readAll(start: string): Promise<{ items: any[]; last: any }> {
  // biome-ignore lint/suspicious/noExplicitAny: Graph JSON
  const items: any[] = [];
  let url: string | undefined = start;
  // biome-ignore lint/suspicious/noExplicitAny: Graph JSON
  let last: any;
  while (url !== undefined) {
    const page = await graph.get(url);
    expect(page.status, page.text).toBe(200);
    items.push(...page.body.value);
    last = page.body;
    url = page.body['@odata.nextLink'];
  }
  return { items, last };
}

describe('a source connector round against the Entra emulator', () => {
  it('syncs, then sees exactly the changes: users, memberships and assignments', async () => {
    // 1. initial round
    const users0 = await readAll('/v1.0/users/delta?$select=displayName,department,accountEnabled');
    expect(users0.items).toHaveLength(7);
    const groups0 = await readAll('/v1.0/groups/delta?$select=displayName,members');
    expect(groups0.items).toHaveLength(1);
    expect(groups0.items[0]['members@delta']).toHaveLength(2);
    const sp = (await graph.get(`/v1.0/servicePrincipals(appId='${zendeskAppId}')`)).body;
    const assignments0 = await readAll(`/v1.0/servicePrincipals/${sp.id}/appRoleAssignedTo`);
    expect(assignments0.items.map((a: { principalType: string }) => a.principalType).sort()).toEqual([
      'Group',
      'User',
    ]);
    const usersLink: string = users0.last['@odata.deltaLink'];
    const groupsLink: string = groups0.last['@odata.deltaLink'];
    expect(usersLink).toContain('$deltatoken=');

    // 2. changes: create, update, disable, soft delete, soft delete + restore, permanent delete,
    //    membership add and remove, assignment add and remove
    const id = async (upn: string) => (await graph.get(`/v1.0/users/${upn}`)).body.id as string;
    const created = await graph.post('/v1.0/users', {
      accountEnabled: true,
      displayName: 'New Hire',
      mailNickname: 'newhire',
      userPrincipalName: `newhire@${domain}`,
      passwordProfile: { password: 'Secret-123' },
    });
    expect(created.status).toBe(201);
    expect(
      (await graph.patch(`/v1.0/users/${await id(`user3@${domain}`)}`, { department: 'Billing' })).status,
    ).toBe(204);
    expect(
      (await graph.patch(`/v1.0/users/${await id(`user4@${domain}`)}`, { accountEnabled: false })).status,
    ).toBe(204);
    const softDeleted = await id(`user5@${domain}`);
    expect((await graph.delete(`/v1.0/users/${softDeleted}`)).status).toBe(204);
    const restored = await id(`user6@${domain}`);
    expect((await graph.delete(`/v1.0/users/${restored}`)).status).toBe(204);
    expect((await graph.post(`/v1.0/directory/deletedItems/${restored}/restore`)).status).toBe(200);
    const purged = await id(`user2@${domain}`);
    expect((await graph.delete(`/v1.0/users/${purged}`)).status).toBe(204);
    expect((await graph.delete(`/v1.0/directory/deletedItems/${purged}`)).status).toBe(204);
    const group = groups0.items[0].id as string;
    const user1 = await id(`user1@${domain}`);
    const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${created.body.id}` };
    expect((await graph.post(`/v1.0/groups/${group}/members/$ref`, ref)).status).toBe(204);
    expect((await graph.delete(`/v1.0/groups/${group}/members/${user1}/$ref`)).status).toBe(204);
    const agentRole = sp.appRoles.find((r: { value: string }) => r.value?.toLowerCase() === 'agent').id;
    const added = await graph.post(`/v1.0/servicePrincipals/${sp.id}/appRoleAssignedTo`, {
      principalId: created.body.id,
      resourceId: sp.id,
      appRoleId: agentRole,
    });
    expect(added.status).toBe(201);
    const groupAssignment = assignments0.items.find(
      (a: { principalType: string }) => a.principalType === 'Group',
    );
    expect(
      (await graph.delete(`/v1.0/servicePrincipals/${sp.id}/appRoleAssignedTo/${groupAssignment.id}`)).status,
    ).toBe(204);

    // 3. the next round returns exactly those changes
    const users1 = await readAll(usersLink);
    const byId = new Map(users1.items.map((u: { id: string }) => [u.id, u]));
    expect(byId.size).toBe(users1.items.length);
    expect([...byId.keys()].sort()).toEqual(
      [
        created.body.id,
        await id(`user3@${domain}`),
        await id(`user4@${domain}`),
        softDeleted,
        restored,
        purged,
      ].sort(),
    );
    expect(byId.get(created.body.id)).toMatchObject({ displayName: 'New Hire', accountEnabled: true });
    expect(byId.get(await id(`user3@${domain}`))).toMatchObject({ department: 'Billing' });
    expect(byId.get(await id(`user4@${domain}`))).toMatchObject({ accountEnabled: false });
    expect(byId.get(softDeleted)).toEqual({ id: softDeleted, '@removed': { reason: 'changed' } });
    expect(byId.get(restored)).toMatchObject({ displayName: 'User 6' });
    expect(byId.get(purged)).toEqual({ id: purged, '@removed': { reason: 'deleted' } });

    const groups1 = await readAll(groupsLink);
    expect(groups1.items).toHaveLength(1);
    const members = groups1.items[0]['members@delta'] as { id: string; '@removed'?: unknown }[];
    expect(members.find((m) => m.id === created.body.id)?.['@removed']).toBeUndefined();
    expect(members.find((m) => m.id === user1)?.['@removed']).toEqual({ reason: 'deleted' });

    const assignments1 = await readAll(`/v1.0/servicePrincipals/${sp.id}/appRoleAssignedTo`);
    expect(assignments1.items.map((a: { principalId: string }) => a.principalId)).toEqual([created.body.id]);

    // 4. and a quiet round returns nothing, with a fresh deltaLink
    const quiet = await readAll(users1.last['@odata.deltaLink']);
    expect(quiet.items).toEqual([]);
    expect(quiet.last['@odata.deltaLink']).toContain('$deltatoken=');
  });
});
