import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAccessRoleId } from '../src/connector/assignments.js';
import type { EntraSource } from '../src/index.js';
import { type Harness, startHarness, writePermissions } from './support/emulator.js';

const domain = 'provisio-demo.onmicrosoft.com';
const upn = (name: string) => `${name}@${domain}`;
const people = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];

let h: Harness;
let source: EntraSource;
const ids = new Map<string, string>();
const id = (name: string) => ids.get(name) ?? 'missing';

beforeAll(async () => {
  h = await startHarness({
    permissions: writePermissions,
    seed: {
      appRoles: [{ displayName: 'Light Agent', value: 'light-agent' }],
      users: people.map((name) => ({
        userPrincipalName: upn(name),
        displayName: name[0]?.toUpperCase() + name.slice(1),
        ...(name === 'erin' ? { accountEnabled: false } : {}),
      })),
      groups: [
        { displayName: 'Zendesk Agents', members: [upn('carol'), upn('erin'), 'group:Tier 2'] },
        { displayName: 'Tier 2', members: [upn('dave')] },
      ],
      assignments: [
        { principal: upn('alice'), appRole: 'Admin' },
        { principal: upn('bob'), appRole: 'Default Access' },
        { principal: 'group:Zendesk Agents', appRole: 'Agent' },
      ],
    },
  });
  source = h.source();
  for (const name of people) ids.set(name, await h.admin.userId(upn(name)));
});
afterAll(() => h.close());

describe('readAssignments', () => {
  it("lists the application's roles, Default Access included", async () => {
    const { roles } = await source.readAssignments();
    expect(roles.map((r) => r.displayName)).toEqual([
      'End-user',
      'Agent',
      'Admin',
      'Light Agent',
      'Default Access',
    ]);
    expect(roles.find((r) => r.displayName === 'Agent')).toMatchObject({ value: 'agent', isEnabled: true });
    expect(roles.find((r) => r.id === defaultAccessRoleId)).toEqual({
      id: defaultAccessRoleId,
      displayName: 'Default Access',
      value: null,
      isEnabled: true,
    });
  });

  it('gives direct assignments with their role, and expands a group to its direct user members only', async () => {
    const { assignments } = await source.readAssignments();
    const byUser = new Map(assignments.map((a) => [a.userId, a]));
    expect([...byUser.keys()].sort()).toEqual([id('alice'), id('bob'), id('carol'), id('erin')].sort());
    expect(assignments).toHaveLength(4);

    const alice = byUser.get(id('alice'));
    expect(alice).toMatchObject({ roleDisplayName: 'Admin', roleValue: 'admin' });
    expect(alice?.viaGroupId).toBeUndefined();
    expect(byUser.get(id('bob'))).toMatchObject({
      appRoleId: defaultAccessRoleId,
      roleDisplayName: 'Default Access',
      roleValue: null,
    });

    const groupId = (await h.admin.get(`/v1.0/groups?$filter=displayName eq 'Zendesk Agents'`)).body.value[0]
      .id;
    const carol = byUser.get(id('carol'));
    expect(carol).toMatchObject({
      roleDisplayName: 'Agent',
      roleValue: 'agent',
      viaGroupId: groupId,
      viaGroupName: 'Zendesk Agents',
    });
    // A disabled member is still assigned (scoping decides what to do with it); both members share the
    // group's assignment id.
    expect(byUser.get(id('erin'))).toMatchObject({ viaGroupId: groupId, id: carol?.id });
    // dave is only in Tier 2, nested in Zendesk Agents: Entra does not expand nested groups.
    expect(byUser.has(id('dave'))).toBe(false);
    expect(byUser.has(id('frank'))).toBe(false);
  });

  it('sees membership and assignment changes at the next read', async () => {
    const group = (await h.admin.get(`/v1.0/groups?$filter=displayName eq 'Zendesk Agents'`)).body.value[0]
      .id;
    const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id('frank')}` };
    expect((await h.admin.post(`/v1.0/groups/${group}/members/$ref`, ref)).status).toBe(204);
    const lightAgent = (await source.readAssignments()).roles.find((r) => r.value === 'light-agent')?.id;
    const added = await h.admin.post(`/v1.0/servicePrincipals/${h.servicePrincipalId}/appRoleAssignedTo`, {
      principalId: id('dave'),
      resourceId: h.servicePrincipalId,
      appRoleId: lightAgent,
    });
    expect(added.status).toBe(201);

    const { assignments } = await source.readAssignments();
    expect(assignments.find((a) => a.userId === id('frank'))).toMatchObject({
      viaGroupName: 'Zendesk Agents',
    });
    expect(assignments.find((a) => a.userId === id('dave'))).toMatchObject({
      id: added.body.id,
      roleDisplayName: 'Light Agent',
      roleValue: 'light-agent',
    });
  });
});
