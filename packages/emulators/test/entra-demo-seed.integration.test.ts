import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zendeskAppId } from '../src/index.js';
import { type EntraHarness, startEntraHarness } from './support/entra.js';

/** The emulator started with `demo:<N>` serves the generated tenant through Graph. */
describe('Entra emulator with the demo:<N> seed', () => {
  let h: EntraHarness;
  beforeAll(async () => {
    h = await startEntraHarness({ seed: 'demo:300' });
  });
  afterAll(() => h.close());

  it('serves every generated user through paged Graph reads', async () => {
    let url: string | undefined =
      '/v1.0/users?$select=id,userPrincipalName,displayName,accountEnabled&$top=100';
    const users: { userPrincipalName: string; displayName: string; accountEnabled: boolean }[] = [];
    while (url) {
      const page = await h.graph.get(url);
      expect(page.status).toBe(200);
      users.push(...page.body.value);
      url = page.body['@odata.nextLink'];
    }
    const generated = users.filter((u) => !u.userPrincipalName.startsWith('admin@'));
    expect(generated.length).toBeGreaterThanOrEqual(300);
    expect(users.some((u) => [...u.displayName].some((c) => c.charCodeAt(0) > 127))).toBe(true);
    expect(users.every((u) => [...u.userPrincipalName].every((c) => c.charCodeAt(0) < 128))).toBe(true);
    expect(users.some((u) => u.accountEnabled === false)).toBe(true);
  });

  it('assigns Zendesk roles, including the demo roles and Default Access', async () => {
    const sp = await h.graph.get(`/v1.0/servicePrincipals(appId='${zendeskAppId}')`);
    const roles = new Map<string, string>(
      sp.body.appRoles.map((r: { id: string; displayName: string }) => [r.id, r.displayName]),
    );
    expect([...roles.values()]).toEqual(
      expect.arrayContaining(['Agent', 'Admin', 'End-user', 'Light Agent', 'Billing Agent']),
    );
    let url: string | undefined = `/v1.0/servicePrincipals/${sp.body.id}/appRoleAssignedTo?$top=100`;
    const assigned = new Set<string>();
    let groups = 0;
    while (url) {
      const page = await h.graph.get(url);
      expect(page.status).toBe(200);
      for (const a of page.body.value) {
        assigned.add(
          roles.get(a.appRoleId) ??
            (a.appRoleId === '00000000-0000-0000-0000-000000000000' ? 'Default Access' : a.appRoleId),
        );
        if (a.principalType === 'Group') groups += 1;
      }
      url = page.body['@odata.nextLink'];
    }
    expect([...assigned]).toEqual(
      expect.arrayContaining([
        'Agent',
        'Admin',
        'End-user',
        'Light Agent',
        'Billing Agent',
        'Default Access',
      ]),
    );
    expect(groups).toBeGreaterThan(0);
  });

  it('refuses an invalid seed through the control plane, listing every problem, and changes nothing', async () => {
    const before = (await h.graph.get('/v1.0/users?$top=1&$select=id')).body;
    const answer = await h.graph.request('POST', '/__emulator/seed', {
      users: [{ displayName: 'No UPN' }, { userPrincipalName: 'x@example.com' }],
      assignments: [{ principal: 'nobody@example.com', appRole: 'Agent' }],
    });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('users.0.userPrincipalName');
    expect(answer.text).toContain('users.1.displayName');
    expect((await h.graph.get('/v1.0/users?$top=1&$select=id')).body).toEqual(before);
  });
});
