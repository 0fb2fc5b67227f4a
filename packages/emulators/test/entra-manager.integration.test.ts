import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EntraHarness, startEntraHarness } from './support/entra.js';

const domain = 'provisio-demo.onmicrosoft.com';
let h: EntraHarness;
beforeAll(async () => {
  h = await startEntraHarness({
    permissions: ['User.ReadWrite.All'],
    seed: {
      users: [
        { userPrincipalName: `ada@${domain}`, displayName: 'Ada', managerUserPrincipalName: `zoe@${domain}` },
        { userPrincipalName: `bob@${domain}`, displayName: 'Bob', managerUserPrincipalName: `zoe@${domain}` },
        { userPrincipalName: `zoe@${domain}`, displayName: 'Zoe' },
        { userPrincipalName: `max@${domain}`, displayName: 'Max' },
      ],
    },
  });
});
afterAll(() => h.close());

const idOf = async (name: string): Promise<string> =>
  (await h.graph.get(`/v1.0/users/${name}@${domain}`)).body.id as string;
const reportNames = async (name: string): Promise<string[]> =>
  (await h.graph.get(`/v1.0/users/${name}@${domain}/directReports`)).body.value.map(
    (u: { displayName: string }) => u.displayName,
  );

describe('Graph manager and directReports', () => {
  it('serves the seeded manager as a directoryObject and hides it from the user itself', async () => {
    const manager = await h.graph.get(`/v1.0/users/ada@${domain}/manager`);
    expect(manager.status).toBe(200);
    expect(manager.body['@odata.context']).toBe(`${h.emulator.url}/v1.0/$metadata#directoryObjects/$entity`);
    expect(manager.body['@odata.type']).toBe('#microsoft.graph.user');
    expect(manager.body.displayName).toBe('Zoe');
    expect(manager.body.id).toBe(await idOf('zoe'));
    const selected = await h.graph.get(`/v1.0/users/ada@${domain}/manager?$select=displayName`);
    expect(selected.body.displayName).toBe('Zoe');
    expect(selected.body.userPrincipalName).toBeUndefined();
    const ada = await h.graph.get(`/v1.0/users/ada@${domain}?$select=displayName,accountEnabled`);
    expect(ada.body.managerId).toBeUndefined();
  });

  it('answers 404 Request_ResourceNotFound for a user without a manager', async () => {
    const none = await h.graph.get(`/v1.0/users/zoe@${domain}/manager`);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('Request_ResourceNotFound');
    expect(none.body.error.message).toContain("'manager'");
    expect(none.body.error.innerError['request-id']).toBeTruthy();
    expect((await h.graph.get('/v1.0/users/nobody@x.example/manager')).status).toBe(404);
  });

  it('lists direct reports', async () => {
    const page = await h.graph.get(`/v1.0/users/zoe@${domain}/directReports`);
    expect(page.status).toBe(200);
    expect(page.body['@odata.context']).toBe(`${h.emulator.url}/v1.0/$metadata#directoryObjects`);
    expect(page.body.value[0]['@odata.type']).toBe('#microsoft.graph.user');
    expect(await reportNames('zoe')).toEqual(['Ada', 'Bob']);
    expect(await reportNames('max')).toEqual([]);
  });

  it('sets the manager with $ref (Graph URL or the emulator URL) and removes it', async () => {
    const maxId = await idOf('max');
    const zoeId = await idOf('zoe');
    const set = await h.graph.request('PUT', `/v1.0/users/bob@${domain}/manager/$ref`, {
      '@odata.id': `https://graph.microsoft.com/v1.0/users/${maxId}`,
    });
    expect(set.status).toBe(204);
    expect((await h.graph.get(`/v1.0/users/bob@${domain}/manager`)).body.displayName).toBe('Max');
    expect(await reportNames('zoe')).toEqual(['Ada']);
    expect(await reportNames('max')).toEqual(['Bob']);

    const own = await h.graph.request('PUT', `/v1.0/users/max@${domain}/manager/$ref`, {
      '@odata.id': `${h.emulator.url}/v1.0/directoryObjects/${zoeId}`,
    });
    expect(own.status).toBe(204);
    expect((await h.graph.get(`/v1.0/users/max@${domain}/manager`)).body.id).toBe(zoeId);

    const removed = await h.graph.delete(`/v1.0/users/bob@${domain}/manager/$ref`);
    expect(removed.status).toBe(204);
    expect((await h.graph.get(`/v1.0/users/bob@${domain}/manager`)).status).toBe(404);
    expect((await h.graph.delete(`/v1.0/users/bob@${domain}/manager/$ref`)).status).toBe(404);
    expect(await reportNames('max')).toEqual([]);
  });

  it('refuses unknown managers, bad references and the user itself', async () => {
    const unknown = await h.graph.request('PUT', `/v1.0/users/bob@${domain}/manager/$ref`, {
      '@odata.id': 'https://graph.microsoft.com/v1.0/users/00000000-0000-4000-8000-000000000001',
    });
    expect(unknown.status).toBe(404);
    const bad = await h.graph.request('PUT', `/v1.0/users/bob@${domain}/manager/$ref`, { '@odata.id': 'x' });
    expect(bad.status).toBe(400);
    const self = await h.graph.request('PUT', `/v1.0/users/bob@${domain}/manager/$ref`, {
      '@odata.id': `https://graph.microsoft.com/v1.0/users/${await idOf('bob')}`,
    });
    expect(self.status).toBe(400);
  });

  it('reports a manager change in users/delta', async () => {
    const latest = await h.graph.get('/v1.0/users/delta?$deltatoken=latest');
    const deltaLink = latest.body['@odata.deltaLink'] as string;
    await h.graph.request('PUT', `/v1.0/users/bob@${domain}/manager/$ref`, {
      '@odata.id': `https://graph.microsoft.com/v1.0/users/${await idOf('zoe')}`,
    });
    const changes = await h.graph.get(deltaLink);
    expect(changes.body.value.map((u: { displayName: string }) => u.displayName)).toEqual(['Bob']);
  });

  it('needs User.Read.All to read and User.ReadWrite.All to write', async () => {
    const readOnly = await startEntraHarness({
      permissions: ['User.Read.All'],
      seed: { users: [{ userPrincipalName: `amy@${domain}`, displayName: 'Amy' }] },
    });
    try {
      expect((await readOnly.graph.get(`/v1.0/users/amy@${domain}/directReports`)).status).toBe(200);
      expect((await readOnly.graph.get(`/v1.0/users/amy@${domain}/manager`)).status).toBe(404);
      expect((await readOnly.graph.delete(`/v1.0/users/amy@${domain}/manager/$ref`)).status).toBe(403);
    } finally {
      await readOnly.close();
    }
  });
});
