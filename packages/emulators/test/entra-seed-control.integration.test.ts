import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EntraHarness, startEntraHarness } from './support/entra.js';

/**
 * POST /__emulator/seed adds to the directory: a seed naming what is already there is the seed's
 * fault (400 InvalidSeed, every clash by path), never a server error, and changes nothing.
 */
describe('Entra emulator: a seed that repeats what the directory holds', () => {
  let h: EntraHarness;
  beforeAll(async () => {
    h = await startEntraHarness();
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    expect((await h.graph.request('POST', '/__emulator/reset', { empty: true })).status).toBe(200);
  });

  const upn = 'ada@provisio-demo.onmicrosoft.com';
  const seed = {
    appRoles: [{ displayName: 'Light Agent', value: 'light-agent' }],
    users: [{ userPrincipalName: upn, displayName: 'Ada Lovelace' }],
    groups: [{ displayName: 'Support', members: [upn] }],
    assignments: [{ principal: upn, appRole: 'Light Agent' }],
  };
  const state = async () => (await h.graph.request('GET', '/__emulator/state')).body;

  it('answers 400 InvalidSeed naming each repeated user, group and app role, and changes nothing', async () => {
    const first = await h.graph.request('POST', '/__emulator/seed', seed);
    expect(first.status, first.text).toBe(200);
    const before = await state();

    const again = await h.graph.request('POST', '/__emulator/seed', seed);
    expect(again.status, again.text).toBe(400);
    expect(again.body.error).toBe('InvalidSeed');
    const description = again.body.description as string;
    expect(description).toContain(`users.0.userPrincipalName: ${upn} is already in the directory`);
    expect(description).toContain('groups.0.displayName: the group "Support" is already in the directory');
    expect(description).toContain(
      'appRoles.0: the Zendesk application already has the app role "Light Agent"',
    );
    expect(description).toContain('POST /__emulator/reset');
    expect(await state()).toEqual(before);
  });

  it('refuses a userPrincipalName a live user holds, in any case, and an id another object has', async () => {
    expect((await h.graph.request('POST', '/__emulator/seed', { users: seed.users })).status).toBe(200);
    const before = await state();
    const zendesk = h.emulator.zendeskServicePrincipalId;
    const answer = await h.graph.request('POST', '/__emulator/seed', {
      users: [
        { userPrincipalName: upn.toUpperCase(), displayName: 'Ada again' },
        { id: zendesk, userPrincipalName: 'grace@provisio-demo.onmicrosoft.com', displayName: 'Grace' },
      ],
    });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body.description).toContain(`users.0.userPrincipalName: ${upn.toUpperCase()} is already`);
    expect(answer.body.description).toContain(
      `users.1.id: ${zendesk} is already the id of the service principal "Zendesk"`,
    );
    expect(await state()).toEqual(before);
  });

  it("names a user in the directory's deleted items, and repeats of the demo tenant", async () => {
    expect((await h.graph.request('POST', '/__emulator/seed', { users: seed.users })).status).toBe(200);
    const user = (await h.admin.get(`/v1.0/users/${upn}`)).body as { id: string };
    expect((await h.admin.delete(`/v1.0/users/${user.id}`)).status).toBe(204);
    const deleted = await h.graph.request('POST', '/__emulator/seed', { users: seed.users });
    expect(deleted.status, deleted.text).toBe(400);
    expect(deleted.body.description).toContain("in the directory's deleted items");

    expect((await h.graph.request('POST', '/__emulator/seed', 'demo:5')).status).toBe(200);
    const demo = await h.graph.request('POST', '/__emulator/seed', 'demo:5');
    expect(demo.status, demo.text).toBe(400);
    expect(demo.body.error).toBe('InvalidSeed');
    expect(demo.body.description).toMatch(/users\.0\.userPrincipalName: \S+ is already in the directory/);
  });

  it('still adds a seed of new objects next to earlier ones', async () => {
    expect((await h.graph.request('POST', '/__emulator/seed', seed)).status).toBe(200);
    const more = await h.graph.request('POST', '/__emulator/seed', {
      appRoles: [{ displayName: 'Billing Agent', value: 'billing-agent' }],
      users: [{ userPrincipalName: 'grace@provisio-demo.onmicrosoft.com', displayName: 'Grace Hopper' }],
      groups: [{ displayName: 'Billing' }],
    });
    expect(more.status, more.text).toBe(200);
    expect(more.body).toMatchObject({ ok: true, groups: 2 });
  });
});
