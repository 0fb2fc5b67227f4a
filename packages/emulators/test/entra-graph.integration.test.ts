import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appToken, type EntraHarness, httpsCall, startEntraHarness } from './support/entra.js';

let h: EntraHarness;
beforeAll(async () => {
  h = await startEntraHarness({
    pageSize: 3,
    permissions: ['User.ReadWrite.All', 'Group.ReadWrite.All', 'GroupMember.ReadWrite.All'],
    seed: {
      users: Array.from({ length: 7 }, (_, i) => ({
        userPrincipalName: `user${i}@provisio-demo.onmicrosoft.com`,
        displayName: `User ${i}`,
        department: i % 2 === 0 ? 'Support' : 'Sales',
      })),
    },
  });
});
afterAll(() => h.close());

describe('Graph users', () => {
  it('pages through users with @odata.nextLink to the end', async () => {
    const seen: string[] = [];
    let next: string | undefined = '/v1.0/users';
    while (next) {
      const page = await h.graph.get(next);
      expect(page.status).toBe(200);
      expect(page.body['@odata.context']).toBe(`${h.emulator.url}/v1.0/$metadata#users`);
      expect(page.body.value.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.value.map((u: { userPrincipalName: string }) => u.userPrincipalName));
      next = page.body['@odata.nextLink'];
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it('applies $select, $filter and $top', async () => {
    const selected = await h.graph.get('/v1.0/users?$select=displayName,accountEnabled&$top=1');
    expect(Object.keys(selected.body.value[0]).sort()).toEqual(['accountEnabled', 'displayName', 'id']);
    expect(selected.body['@odata.context']).toContain('#users(displayName,accountEnabled)');
    const sales = await h.graph.get(
      `/v1.0/users?$filter=${encodeURIComponent("department eq 'sales'")}&$top=10`,
    );
    expect(sales.body.value).toHaveLength(3);
    const starts = await h.graph.get(
      `/v1.0/users?$filter=${encodeURIComponent("startswith(displayName,'User 1') or userPrincipalName in ('user2@provisio-demo.onmicrosoft.com')")}`,
    );
    expect(starts.body.value.map((u: { displayName: string }) => u.displayName).sort()).toEqual([
      'User 1',
      'User 2',
    ]);
    const unsupported = await h.graph.get(`/v1.0/users?$filter=${encodeURIComponent("endswith(mail,'x')")}`);
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error.code).toBe('Request_UnsupportedQuery');
    expect((await h.graph.get('/v1.0/users?$top=1000')).status).toBe(400);
  });

  it('creates, updates, soft-deletes, restores and permanently deletes a user', async () => {
    const upn = 'grace@provisio-demo.onmicrosoft.com';
    const created = await h.graph.post('/v1.0/users', {
      accountEnabled: true,
      displayName: 'Grace Hopper',
      mailNickname: 'grace',
      userPrincipalName: upn,
      passwordProfile: { password: 'Cobol-1959' },
    });
    expect(created.status).toBe(201);
    expect(created.body['@odata.context']).toContain('#users/$entity');
    const id = created.body.id as string;
    expect(
      (
        await h.graph.post('/v1.0/users', {
          accountEnabled: true,
          displayName: 'x',
          mailNickname: 'x',
          userPrincipalName: upn,
          passwordProfile: { password: 'p' },
        })
      ).status,
    ).toBe(400);
    expect((await h.graph.post('/v1.0/users', { displayName: 'x' })).body.error.code).toBe(
      'Request_BadRequest',
    );
    expect(
      (await h.graph.patch(`/v1.0/users/${id}`, { accountEnabled: false, jobTitle: 'Admiral' })).status,
    ).toBe(204);
    const byUpn = await h.graph.get(`/v1.0/users/${upn}?$select=accountEnabled,jobTitle`);
    expect(byUpn.body).toMatchObject({ id, accountEnabled: false, jobTitle: 'Admiral' });
    expect((await h.graph.delete(`/v1.0/users/${id}`)).status).toBe(204);
    expect((await h.graph.get(`/v1.0/users/${id}`)).status).toBe(404);
    const deleted = await h.graph.get('/v1.0/directory/deletedItems/microsoft.graph.user');
    expect(deleted.body.value.map((u: { id: string }) => u.id)).toContain(id);
    const restored = await h.graph.post(`/v1.0/directory/deletedItems/${id}/restore`);
    expect(restored.status).toBe(200);
    expect((await h.graph.get(`/v1.0/users/${id}`)).status).toBe(200);
    await h.graph.delete(`/v1.0/users/${id}`);
    expect((await h.graph.delete(`/v1.0/directory/deletedItems/${id}`)).status).toBe(204);
    expect((await h.graph.get(`/v1.0/directory/deletedItems/${id}`)).status).toBe(404);
  });
});

describe('Graph groups', () => {
  it('creates groups, adds and removes members, lists transitive members', async () => {
    const outer = await h.graph.post('/v1.0/groups', {
      displayName: 'Outer',
      mailEnabled: false,
      mailNickname: 'outer',
      securityEnabled: true,
    });
    const inner = await h.graph.post('/v1.0/groups', {
      displayName: 'Team',
      mailEnabled: true,
      mailNickname: 'team',
      securityEnabled: false,
      groupTypes: ['Unified'],
    });
    expect(outer.status).toBe(201);
    expect(inner.body.mail).toBe('team@provisio-demo.onmicrosoft.com');
    const user = (await h.graph.get('/v1.0/users/user0@provisio-demo.onmicrosoft.com')).body.id as string;
    const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
    expect((await h.graph.post(`/v1.0/groups/${inner.body.id}/members/$ref`, ref(user))).status).toBe(204);
    expect((await h.graph.post(`/v1.0/groups/${inner.body.id}/members/$ref`, ref(user))).status).toBe(400);
    expect(
      (await h.graph.post(`/v1.0/groups/${outer.body.id}/members/$ref`, ref(inner.body.id))).status,
    ).toBe(204);
    const direct = await h.graph.get(`/v1.0/groups/${outer.body.id}/members`);
    expect(direct.body.value).toEqual([
      expect.objectContaining({ '@odata.type': '#microsoft.graph.group', id: inner.body.id }),
    ]);
    const transitive = await h.graph.get(`/v1.0/groups/${outer.body.id}/transitiveMembers`);
    expect(transitive.body.value.map((m: { id: string }) => m.id).sort()).toEqual(
      [inner.body.id, user].sort(),
    );
    expect((await h.graph.delete(`/v1.0/groups/${inner.body.id}/members/${user}/$ref`)).status).toBe(204);
    expect((await h.graph.get(`/v1.0/groups/${inner.body.id}/members`)).body.value).toEqual([]);
    expect((await h.graph.delete(`/v1.0/groups/${outer.body.id}`)).status).toBe(204);
    expect((await h.graph.get(`/v1.0/groups/${outer.body.id}`)).status).toBe(404);
  });

  it('counts requests in the same shape as the Zendesk emulator', async () => {
    const log = await h.graph.get(`${h.emulator.url}/__emulator/requests`);
    expect(log.body.total).toBeGreaterThan(0);
    expect(log.body.byRoute).toContainEqual(
      expect.objectContaining({ method: 'GET', route: '/v1.0/users', status: 200 }),
    );
  });

  it('counts Graph and token requests by normalised route and status, never the control plane', async () => {
    // What the provisioning benchmark reads per cycle (bench/lib/provisioning-bench.mjs).
    const control = (method: string, path: string) =>
      httpsCall(h.emulator.certificatePem, method, `${h.emulator.url}/__emulator/${path}`);
    expect((await control('DELETE', 'requests')).body).toEqual({ total: 0, byRoute: [] });
    await appToken(h.emulator);
    const first = await h.graph.get('/v1.0/users/delta?$top=3');
    expect(first.status).toBe(200);
    expect((await h.graph.get(first.body['@odata.nextLink'])).status).toBe(200);
    expect((await h.graph.get('/v1.0/users/no-such-user')).status).toBe(404);
    await control('GET', 'state');
    await control('GET', 'config');
    expect((await control('GET', 'requests')).body).toEqual({
      total: 4,
      byRoute: [
        { method: 'POST', route: '/{tenant}/oauth2/v2.0/token', status: 200, count: 1 },
        { method: 'GET', route: '/v1.0/users/{id}', status: 404, count: 1 },
        { method: 'GET', route: '/v1.0/users/delta', status: 200, count: 2 },
      ],
    });
  });
});
