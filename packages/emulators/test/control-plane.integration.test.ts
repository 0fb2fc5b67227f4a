import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startZendeskEmulator } from '../src/index.js';
import { type Harness, rawGet, startHarness, TestClient } from './support/zendesk.js';

/** A seed with something of every kind, given at start-up. */
const startSeed = {
  settings: { plan: 'enterprise-plus', bulkImport: true },
  customRoles: [{ name: 'Billing agent', description: 'Handles invoices' }],
  groups: [{ name: 'Tier 1' }, { name: 'Billing' }],
  userFields: [{ key: 'department', type: 'text', title: 'Department' }],
  users: [
    {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      custom_role: 'Billing agent',
      groups: ['Tier 1', 'Billing'],
      verified: true,
      user_fields: { department: 'Engines' },
    },
  ],
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ plan: 'enterprise', seed: startSeed });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('POST', 'reset');
  await h.admin.control('DELETE', 'requests');
});

// biome-ignore lint/suspicious/noExplicitAny: control-plane JSON
async function state(): Promise<any> {
  const answer = await h.admin.control('GET', 'state');
  expect(answer.status).toBe(200);
  return answer.body;
}

const names = (list: { name: string }[]) => list.map((x) => x.name);
const systemRoles = ['Light Agent', 'Staff', 'Team lead', 'Advisor'];

describe('POST /__emulator/reset', () => {
  it('goes back to the start-up state: built-in account plus the start-up seed', async () => {
    const created = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Temp', email: 'temp@example.com' },
    });
    expect(created.status).toBe(201);
    await h.admin.control('POST', 'seed', { groups: [{ name: 'Extra' }] });
    const reset = await h.admin.control('POST', 'reset');
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ ok: true });

    const s = await state();
    expect(names(s.users)).toEqual(['Emulator Admin', 'Ada Lovelace']);
    expect(names(s.groups)).toEqual(['Support', 'Tier 1', 'Billing']);
    expect(names(s.custom_roles)).toEqual([...systemRoles, 'Billing agent']);
    expect(s.user_fields.map((f: { key: string }) => f.key)).toEqual(['department']);
    // Agents join the default group too: admin in Support; Ada in Support, Tier 1 and Billing.
    expect(s.group_memberships).toHaveLength(4);
    // Ids start over: the same records get the same ids after every reset.
    expect(s.users[0].id).toBe(10_000_000_000_001);
    expect((await h.admin.get('/api/v2/users/me.json')).status).toBe(200);
  });

  it('restores the start-up settings, the seed settings included', async () => {
    const changed = await h.admin.control('PUT', 'config', {
      plan: 'team',
      bulkImport: false,
      rateLimits: true,
      requestsPerMinute: 3,
      faults: '500=0.5,seed=1',
      jobStepMs: 500,
      clockOffsetMs: 86_400_000,
      subdomain: 'other',
    });
    expect(changed.status).toBe(200);
    await h.admin.control('POST', 'reset');
    expect((await h.admin.control('GET', 'config')).body).toEqual({
      plan: 'enterprise-plus',
      subdomain: 'provisio-demo',
      bulkImport: true,
      rateLimits: false,
      requestsPerMinute: 2500,
      faults: 'none',
      jobStepMs: 5,
      // The clock is not a setting: it stays where it was moved, so a reset can happen "at" a time.
      clockOffsetMs: 86_400_000,
    });
    const created = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Later', email: 'later@example.com' },
    });
    expect(Date.parse(created.body.user.created_at)).toBeGreaterThan(Date.now() + 86_400_000 - 60_000);
    await h.admin.control('PUT', 'config', { clockOffsetMs: 0 });
  });

  it('creates the start-up records at the clock of the reset', async () => {
    await h.admin.control('PUT', 'config', { clockOffsetMs: -3_600_000 });
    await h.admin.control('POST', 'reset');
    await h.admin.control('PUT', 'config', { clockOffsetMs: 0 });
    const admin = (await state()).users[0];
    expect(Date.parse(admin.created_at)).toBeLessThan(Date.now() - 3_600_000 + 60_000);
  });

  it('with {"empty": true} leaves the start-up seed out, its settings included', async () => {
    const answer = await h.admin.control('POST', 'reset', { empty: true });
    expect(answer.status).toBe(200);
    const s = await state();
    expect(names(s.users)).toEqual(['Emulator Admin']);
    expect(names(s.groups)).toEqual(['Support']);
    expect(names(s.custom_roles)).toEqual(systemRoles);
    expect(s.user_fields).toEqual([]);
    expect(s.group_memberships).toHaveLength(1);
    expect(s.config.plan).toBe('enterprise');
    expect(s.config.bulkImport).toBe(false);
    // The next plain reset brings the seed back.
    await h.admin.control('POST', 'reset');
    expect(names((await state()).users)).toEqual(['Emulator Admin', 'Ada Lovelace']);
  });

  it('does not clear the request counts (DELETE /__emulator/requests does)', async () => {
    await h.admin.get('/api/v2/users/me.json');
    await h.admin.control('POST', 'reset');
    expect((await h.admin.control('GET', 'requests')).body.total).toBe(1);
  });
});

describe('POST /__emulator/seed', () => {
  it('adds users with custom_role and groups, groups, user fields and custom roles', async () => {
    const answer = await h.admin.control('POST', 'seed', {
      customRoles: [{ name: 'Auditor', roleType: 0 }],
      groups: [{ name: 'Escalations', isPublic: false }],
      userFields: [{ key: 'region', type: 'dropdown', options: [{ name: 'EMEA', value: 'emea' }] }],
      users: [
        {
          name: 'Grace Hopper',
          email: 'grace@example.com',
          custom_role: 'auditor',
          groups: ['Escalations', 'Tier 1'],
          user_fields: { region: 'emea' },
        },
        { name: 'Old Timer', email: 'old@example.com', active: false },
      ],
      generate: { endUsers: 3, domain: 'gen.example' },
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ ok: true, users: 7, groups: 4 });

    const s = await state();
    const auditor = s.custom_roles.find((r: { name: string }) => r.name === 'Auditor');
    expect(auditor).toBeDefined();
    const grace = s.users.find((u: { email: string }) => u.email === 'grace@example.com');
    expect(grace).toMatchObject({
      role: 'agent',
      custom_role_id: auditor.id,
      user_fields: { region: 'emea' },
    });
    const groupIds = s.group_memberships
      .filter((m: { user_id: number }) => m.user_id === grace.id)
      .map((m: { group_id: number }) => m.group_id)
      .sort();
    const idOf = (name: string) => s.groups.find((g: { name: string }) => g.name === name).id;
    // The seed's groups, plus the default group every new agent joins.
    expect(groupIds).toEqual([idOf('Support'), idOf('Escalations'), idOf('Tier 1')].sort());
    expect(s.groups.find((g: { name: string }) => g.name === 'Escalations').is_public).toBe(false);
    expect(s.user_fields.map((f: { key: string }) => f.key)).toEqual(['department', 'region']);
    expect(s.users.find((u: { name: string }) => u.name === 'Old Timer').active).toBe(false);
    expect(s.users.filter((u: { email: string }) => u.email.endsWith('@gen.example'))).toHaveLength(3);
    // Seeded users are real users of the API.
    const search = await h.admin.get('/api/v2/users/search.json?query=grace@example.com');
    expect(search.body.users.map((u: { id: number }) => u.id)).toEqual([grace.id]);
  });

  it('applies the seed settings', async () => {
    const answer = await h.admin.control('POST', 'seed', { settings: { plan: 'team', subdomain: 'Acme' } });
    expect(answer.status).toBe(200);
    const config = (await h.admin.control('GET', 'config')).body;
    expect(config).toMatchObject({ plan: 'team', subdomain: 'acme', requestsPerMinute: 200 });
  });

  it('creates seeded user fields through the API rules: a duplicate key is reported', async () => {
    const answer = await h.admin.control('POST', 'seed', {
      userFields: [
        { key: 'dept', type: 'text' },
        { key: 'dept', type: 'text' },
        { key: 'tier', type: 'dropdown' },
      ],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.description).toContain('userFields[1] (dept)');
    expect(answer.body.description).toContain('userFields[2] (tier)');
    const keys = (await state()).user_fields.map((f: { key: string }) => f.key);
    expect(keys.filter((k: string) => k === 'dept')).toHaveLength(1);
  });

  it('refuses an invalid seed with 400, listing every problem with its path, and applies nothing', async () => {
    const before = await state();
    const answer = await h.admin.control('POST', 'seed', {
      bogus: true,
      settings: { plan: 'gold' },
      groups: [{ name: 'Fine' }, { description: 'no name' }],
      userFields: [{ key: 'bad key', type: 'colour' }],
      users: [{ email: 'nameless@example.com' }],
      generate: { endUsers: -1 },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('InvalidSeed');
    const description: string = answer.body.description;
    for (const fragment of [
      '(root): Unrecognized key: "bogus"',
      'settings.plan: plan must be one of team, growth, professional, enterprise, enterprise-plus',
      'groups.1.name',
      'userFields.0.key',
      'userFields.0.type',
      'users.0.name',
      'generate.endUsers',
    ]) {
      expect(description).toContain(fragment);
    }
    expect(description.split('; ')).toHaveLength(7);
    const after = await state();
    expect(after).toEqual(before);
  });

  it('reports every user it could not create, naming each one (the others are created)', async () => {
    const answer = await h.admin.control('POST', 'seed', {
      users: [
        { name: 'No Role', email: 'norole@example.com', custom_role: 'Nonexistent' },
        { name: 'Fine', email: 'fine@example.com' },
        { name: 'Dup', email: 'ada@example.com' },
        { name: 'No Group', email: 'nogroup@example.com', groups: ['Nowhere'] },
      ],
    });
    expect(answer.status).toBe(400);
    const description: string = answer.body.description;
    expect(description).toMatch(/^seed not fully applied: /);
    expect(description).toContain('users[0] (No Role): custom role "Nonexistent" does not exist');
    expect(description).toContain('users[2] (Dup): ');
    expect(description).toContain('ada@example.com');
    expect(description).toContain('users[3] (No Group): group "Nowhere" does not exist');
    expect(description).not.toContain('users[1]');
    // Not atomic: what could be applied was (docs/emulators.md, "Seed format").
    const emails = (await state()).users.map((u: { email: string }) => u.email);
    expect(emails).toContain('fine@example.com');
    expect(emails).not.toContain('norole@example.com');
  });
});

describe('GET /__emulator/state', () => {
  it('returns the config and every collection in the API shapes', async () => {
    const s = await state();
    expect(Object.keys(s).sort()).toEqual(
      [
        'config',
        'users',
        'identities',
        'groups',
        'group_memberships',
        'custom_roles',
        'user_fields',
        'job_statuses',
      ].sort(),
    );
    expect(s.config.plan).toBe('enterprise-plus');
    const ada = s.users.find((u: { name: string }) => u.name === 'Ada Lovelace');
    expect(ada).toMatchObject({ email: 'ada@example.com', role: 'agent', active: true });
    expect(ada.url).toMatch(/\/api\/v2\/users\/\d+\.json$/);
    expect(s.identities).toContainEqual(
      expect.objectContaining({ user_id: ada.id, type: 'email', value: 'ada@example.com', primary: true }),
    );
    const tier1 = s.groups.find((g: { name: string }) => g.name === 'Tier 1');
    expect(s.group_memberships).toContainEqual(
      expect.objectContaining({ user_id: ada.id, group_id: tier1.id, default: false }),
    );
    expect(s.user_fields[0]).toMatchObject({ key: 'department', type: 'text', title: 'Department' });
    expect(s.job_statuses).toEqual([]);
  });

  it('includes soft-deleted users', async () => {
    const s0 = await state();
    const ada = s0.users.find((u: { name: string }) => u.name === 'Ada Lovelace');
    expect((await h.admin.delete(`/api/v2/users/${ada.id}.json`)).status).toBe(200);
    const after = (await state()).users.find((u: { id: number }) => u.id === ada.id);
    expect(after.active).toBe(false);
  });
});

describe('GET and PUT /__emulator/config', () => {
  it('returns the settings, and PUT changes and returns them', async () => {
    const current = await h.admin.control('GET', 'config');
    expect(current.status).toBe(200);
    expect(Object.keys(current.body).sort()).toEqual(
      [
        'plan',
        'subdomain',
        'bulkImport',
        'rateLimits',
        'requestsPerMinute',
        'faults',
        'jobStepMs',
        'clockOffsetMs',
      ].sort(),
    );
    const changed = await h.admin.control('PUT', 'config', {
      plan: 'growth',
      subdomain: 'Acme-Corp',
      bulkImport: false,
      faults: '503=0.25,retry-after=4,seed=9',
      jobStepMs: 40,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      plan: 'growth',
      subdomain: 'acme-corp',
      bulkImport: false,
      requestsPerMinute: 400,
      faults: '503=0.25,retry-after=4,seed=9',
      jobStepMs: 40,
    });
    expect((await h.admin.control('GET', 'config')).body).toEqual(changed.body);
  });

  it('accepts an empty body and changes nothing', async () => {
    const before = (await h.admin.control('GET', 'config')).body;
    const answer = await h.admin.control('PUT', 'config');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(before);
  });

  it('refuses invalid settings with 400 naming every field, and changes nothing', async () => {
    const before = (await h.admin.control('GET', 'config')).body;
    const answer = await h.admin.control('PUT', 'config', {
      plan: 'gold',
      subdomain: 'not a subdomain',
      bulkImport: 'yes',
      requestsPerMinute: 0,
      jobStepMs: -1,
      clockOffsetMs: 1.5,
      faults: '500=2',
      colour: 'blue',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('InvalidConfig');
    const description: string = answer.body.description;
    for (const field of [
      'plan: must be one of',
      'subdomain: ',
      'bulkImport: ',
      'requestsPerMinute: ',
      'jobStepMs: ',
      'clockOffsetMs: ',
      'faults: "500=2": 500 must be a probability between 0 and 1',
      'colour',
    ]) {
      expect(description).toContain(field);
    }
    expect((await h.admin.control('GET', 'config')).body).toEqual(before);
  });

  it('refuses a body that is not an object', async () => {
    const answer = await h.admin.control('PUT', 'config', ['plan', 'team']);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('InvalidConfig');
  });

  it('refuses malformed JSON with 400', async () => {
    const response = await fetch(`${h.emulator.url}/__emulator/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"plan":',
    });
    expect(response.status).toBe(400);
  });

  it('moves the clock with clockOffsetMs', async () => {
    const day = 86_400_000;
    await h.admin.control('PUT', 'config', { clockOffsetMs: day });
    const created = await h.admin.post('/api/v2/users.json', {
      user: { name: 'Tomorrow', email: 'tomorrow@example.com' },
    });
    const createdAt = Date.parse(created.body.user.created_at);
    expect(createdAt).toBeGreaterThan(Date.now() + day - 60_000);
    expect(createdAt).toBeLessThan(Date.now() + day + 60_000);
  });

  it('checks host names against a subdomain changed at run time', async () => {
    await h.admin.control('PUT', 'config', { subdomain: 'acme' });
    const headers = (host: string) => ({
      host: `${host}.localhost:${h.emulator.port}`,
      authorization: TestClient.basic(h.emulator.adminEmail, h.emulator.apiToken),
    });
    expect((await rawGet(h.emulator.port, '/api/v2/users/me.json', headers('acme'))).status).toBe(200);
    expect((await rawGet(h.emulator.port, '/api/v2/users/me.json', headers('provisio-demo'))).status).toBe(
      404,
    );
  });

  it('answers unknown control-plane routes with 404 naming the route', async () => {
    const answer = await h.admin.control('GET', 'nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      error: 'NotFound',
      description: 'No control-plane route GET /__emulator/nothing-here',
    });
  });
});

describe('GET and DELETE /__emulator/requests', () => {
  it('counts API requests by method, normalised route and status', async () => {
    const s = await state();
    const [admin, ada] = s.users as { id: number }[];
    if (!admin || !ada) throw new Error('expected two users');
    await h.admin.get(`/api/v2/users/${admin.id}.json`);
    await h.admin.get(`/api/v2/users/${ada.id}`);
    await h.admin.get('/api/v2/users/123.json');
    await h.admin.get('/api/v2/users.json?page[size]=1');
    await h.admin.post('/api/v2/users.json', { user: { name: 'New', email: 'new@example.com' } });
    await h.admin.post('/api/v2/users.json', { user: { name: 'Again', email: 'new@example.com' } });
    await h.admin.get(`/api/v2/users/${ada.id}/identities.json`);
    await h.admin.as(null).get('/api/v2/users.json');

    const answer = await h.admin.control('GET', 'requests');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      total: 8,
      byRoute: [
        { method: 'GET', route: '/api/v2/users', status: 200, count: 1 },
        { method: 'GET', route: '/api/v2/users', status: 401, count: 1 },
        { method: 'POST', route: '/api/v2/users', status: 201, count: 1 },
        { method: 'POST', route: '/api/v2/users', status: 422, count: 1 },
        { method: 'GET', route: '/api/v2/users/{id}', status: 200, count: 2 },
        { method: 'GET', route: '/api/v2/users/{id}', status: 404, count: 1 },
        { method: 'GET', route: '/api/v2/users/{user_id}/identities', status: 200, count: 1 },
      ],
    });
  });

  it('records unknown API paths as they were requested, without .json', async () => {
    await h.admin.get('/api/v2/no_such_thing.json?x=1');
    const { byRoute } = (await h.admin.control('GET', 'requests')).body;
    expect(byRoute).toEqual([{ method: 'GET', route: '/api/v2/no_such_thing', status: 404, count: 1 }]);
  });

  it('does not count the control plane or paths outside /api/', async () => {
    await h.admin.control('GET', 'state');
    await h.admin.control('GET', 'config');
    await h.admin.control('PUT', 'config', {});
    await h.admin.get('/favicon.ico');
    expect((await h.admin.control('GET', 'requests')).body).toEqual({ total: 0, byRoute: [] });
  });

  it('DELETE resets the counts and answers the empty counts', async () => {
    await h.admin.get('/api/v2/users/me.json');
    expect((await h.admin.control('GET', 'requests')).body.total).toBe(1);
    const cleared = await h.admin.control('DELETE', 'requests');
    expect(cleared.status).toBe(200);
    expect(cleared.body).toEqual({ total: 0, byRoute: [] });
    await h.admin.get('/api/v2/users/me.json');
    expect((await h.admin.control('GET', 'requests')).body).toEqual({
      total: 1,
      byRoute: [{ method: 'GET', route: '/api/v2/users/me', status: 200, count: 1 }],
    });
  });
});

describe('persistence with dataFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provisio-data-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps users, settings and id counters across a restart', async () => {
    const dataFile = join(dir, 'zendesk.json');
    const first = await startHarness({ dataFile });
    let savedId: number;
    try {
      const created = await first.admin.post('/api/v2/users.json', {
        user: { name: 'Persisted', email: 'persisted@example.com', external_id: 'p-1' },
      });
      expect(created.status).toBe(201);
      savedId = created.body.user.id;
      await first.admin.control('PUT', 'config', { plan: 'team' });
    } finally {
      await first.close();
    }
    const saved = JSON.parse(await readFile(dataFile, 'utf8'));
    expect(saved.version).toBe(1);
    expect(saved.settings.plan).toBe('team');

    const second = await startHarness({ dataFile });
    try {
      const shown = await second.admin.get(`/api/v2/users/${savedId}.json`);
      expect(shown.status).toBe(200);
      expect(shown.body.user).toMatchObject({
        name: 'Persisted',
        email: 'persisted@example.com',
        external_id: 'p-1',
      });
      expect((await second.admin.control('GET', 'config')).body.plan).toBe('team');
      const next = await second.admin.post('/api/v2/users.json', {
        user: { name: 'Next', email: 'next@example.com' },
      });
      expect(next.body.user.id).toBeGreaterThan(savedId);
      // The unique indices were rebuilt: the persisted email is still taken.
      const dup = await second.admin.post('/api/v2/users.json', {
        user: { name: 'Dup', email: 'persisted@example.com' },
      });
      expect(dup.status).toBe(422);
    } finally {
      await second.close();
    }
  });

  it('writes the file shortly after a change, without waiting for close', async () => {
    const dataFile = join(dir, 'zendesk.json');
    const emulator = await startHarness({ dataFile });
    try {
      await emulator.admin.post('/api/v2/users.json', { user: { name: 'Soon', email: 'soon@example.com' } });
      const deadline = Date.now() + 3_000;
      let text = '';
      while (!text.includes('soon@example.com') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        text = await readFile(dataFile, 'utf8');
      }
      expect(text).toContain('soon@example.com');
    } finally {
      await emulator.close();
    }
  });

  it('ignores the seed when the data file exists', async () => {
    const dataFile = join(dir, 'zendesk.json');
    const first = await startHarness({ dataFile });
    await first.close();
    const second = await startHarness({ dataFile, seed: { groups: [{ name: 'From seed' }] } });
    try {
      const groups = (await second.admin.control('GET', 'state')).body.groups;
      expect(names(groups)).toEqual(['Support']);
    } finally {
      await second.close();
    }
  });

  it('refuses to start from a corrupt data file, naming the file', async () => {
    const dataFile = join(dir, 'broken.json');
    await writeFile(dataFile, '{"version":');
    await expect(startZendeskEmulator({ port: 0, dataFile })).rejects.toThrow(dataFile);
  });

  it('survives a failed background save and reports the failure at close', async () => {
    const sub = join(dir, 'sub');
    await mkdir(sub);
    const dataFile = join(sub, 'zendesk.json');
    const emulator = await startHarness({ dataFile });
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await rm(sub, { recursive: true });
      await emulator.admin.post('/api/v2/users.json', { user: { name: 'Lost', email: 'lost@example.com' } });
      // The background save (250 ms after the change) fails; the emulator keeps serving.
      const deadline = Date.now() + 3_000;
      while (!errors.some((e) => e.includes('could not save')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      expect(errors.join('')).toContain(`could not save ${dataFile}`);
      expect((await emulator.admin.get('/api/v2/users/me.json')).status).toBe(200);
    } finally {
      process.stderr.write = write;
    }
    // The last save at close fails too, and says so.
    await expect(emulator.close()).rejects.toThrow(/ENOENT/);
  });

  it('refuses to start when the data file cannot be written', async () => {
    const dataFile = join(dir, 'missing-dir', 'zendesk.json');
    await expect(startZendeskEmulator({ port: 0, dataFile })).rejects.toThrow(/ENOENT/);
  });
});
