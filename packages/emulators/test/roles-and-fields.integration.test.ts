import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, TestClient } from './support/zendesk.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ plan: 'enterprise' });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('POST', 'reset');
});
// Reset keeps the plan; the plan-gating tests change it.
afterEach(async () => {
  await h.admin.control('PUT', 'config', { plan: 'enterprise' });
});

interface Role {
  id: number;
  name: string;
  role_type: number;
  team_member_count: number;
}

async function createUser(user: Record<string, unknown>): Promise<number> {
  const answer = await h.admin.post('/api/v2/users.json', { user: { verified: true, ...user } });
  expect(answer.status).toBe(201);
  return answer.body.user.id;
}

async function roleNamed(name: string): Promise<Role> {
  const list = await h.admin.get('/api/v2/custom_roles.json');
  const role = list.body.custom_roles.find((r: Role) => r.name === name);
  expect(role).toBeDefined();
  return role;
}

const clientFor = (email: string) => h.admin.as(TestClient.basic(email, h.emulator.apiToken));

describe('custom roles', () => {
  it('lists the system roles, without pagination', async () => {
    const answer = await h.admin.get('/api/v2/custom_roles.json');
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body)).toEqual(['custom_roles']);
    expect(answer.body.custom_roles.map((r: Role) => [r.name, r.role_type])).toEqual([
      ['Light Agent', 1],
      ['Staff', 0],
      ['Team lead', 0],
      ['Advisor', 0],
    ]);
    expect(answer.body.custom_roles[0]).toEqual({
      id: expect.any(Number),
      name: 'Light Agent',
      description: expect.any(String),
      role_type: 1,
      team_member_count: 0,
      configuration: expect.objectContaining({ light_agent: true }),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
  });

  it('shows a role to admins; agents may list but not show; unknown ids are 404', async () => {
    const staff = await roleNamed('Staff');
    const shown = await h.admin.get(`/api/v2/custom_roles/${staff.id}.json`);
    expect(shown.status).toBe(200);
    expect(shown.body.custom_role).toMatchObject({ id: staff.id, name: 'Staff', role_type: 0 });
    expect((await h.admin.get('/api/v2/custom_roles/999.json')).status).toBe(404);

    await createUser({ name: 'Agent', email: 'agent@example.com', role: 'agent' });
    await createUser({ name: 'End', email: 'end@example.com' });
    const agent = clientFor('agent@example.com');
    expect((await agent.get('/api/v2/custom_roles.json')).status).toBe(200);
    expect((await agent.get(`/api/v2/custom_roles/${staff.id}.json`)).status).toBe(403);
    expect((await clientFor('end@example.com').get('/api/v2/custom_roles.json')).status).toBe(403);
  });

  it('answers 403 on plans without custom roles', async () => {
    const staff = await roleNamed('Staff');
    for (const plan of ['team', 'growth', 'professional']) {
      await h.admin.control('PUT', 'config', { plan });
      const list = await h.admin.get('/api/v2/custom_roles.json');
      expect(list.status).toBe(403);
      expect(list.body.error).toBe('Forbidden');
      expect(list.body.description).toContain('Enterprise');
      expect((await h.admin.get(`/api/v2/custom_roles/${staff.id}.json`)).status).toBe(403);
      expect((await h.admin.post('/api/v2/custom_roles.json', { custom_role: { name: 'X' } })).status).toBe(
        403,
      );
      expect(
        (await h.admin.put(`/api/v2/custom_roles/${staff.id}.json`, { custom_role: { name: 'Y' } })).status,
      ).toBe(403);
      expect((await h.admin.delete(`/api/v2/custom_roles/${staff.id}.json`)).status).toBe(403);
    }
    await h.admin.control('PUT', 'config', { plan: 'enterprise-plus' });
    expect((await h.admin.get('/api/v2/custom_roles.json')).status).toBe(200);
    // Nothing changed while the plan refused.
    expect((await h.admin.get(`/api/v2/custom_roles/${staff.id}.json`)).body.custom_role.name).toBe('Staff');
  });

  it('creates a role with 200 (not 201); names are required and unique ignoring case', async () => {
    const created = await h.admin.post('/api/v2/custom_roles.json', {
      custom_role: {
        name: 'Billing agent',
        description: 'Handles invoices',
        role_type: 4,
        configuration: { ticket_access: 'all', ticket_deletion: true, some_newer_flag: 'kept' },
      },
    });
    expect(created.status).toBe(200);
    expect(created.body.custom_role).toMatchObject({
      name: 'Billing agent',
      description: 'Handles invoices',
      role_type: 0,
      team_member_count: 0,
      configuration: {
        ticket_access: 'all',
        ticket_deletion: true,
        some_newer_flag: 'kept',
        light_agent: false,
      },
    });
    expect((await h.admin.get('/api/v2/custom_roles.json')).body.custom_roles).toHaveLength(5);

    const duplicate = await h.admin.post('/api/v2/custom_roles.json', {
      custom_role: { name: 'BILLING AGENT' },
    });
    expect(duplicate.status).toBe(422);
    expect(duplicate.body.error).toBe('RecordInvalid');
    expect(duplicate.body.details.name[0]).toEqual({
      description: 'Name: has already been taken',
      error: 'DuplicateValue',
    });
    const system = await h.admin.post('/api/v2/custom_roles.json', { custom_role: { name: 'light agent' } });
    expect(system.status).toBe(422);
    const blank = await h.admin.post('/api/v2/custom_roles.json', { custom_role: { description: 'x' } });
    expect(blank.status).toBe(422);
    expect(blank.body.details.name[0].error).toBe('BlankValue');
    const reserved = await h.admin.post('/api/v2/custom_roles.json', {
      custom_role: { name: 'Administrator' },
    });
    expect(reserved.status).toBe(422);
    const badConfig = await h.admin.post('/api/v2/custom_roles.json', {
      custom_role: { name: 'Odd', configuration: { ticket_access: 'everything', chat_access: 'yes' } },
    });
    expect(badConfig.status).toBe(422);
    expect(badConfig.body.details.configuration).toHaveLength(2);
    expect((await h.admin.get('/api/v2/custom_roles.json')).body.custom_roles).toHaveLength(5);

    await createUser({ name: 'Agent', email: 'agent@example.com', role: 'agent' });
    const byAgent = await clientFor('agent@example.com').post('/api/v2/custom_roles.json', {
      custom_role: { name: 'Mine' },
    });
    expect(byAgent.status).toBe(403);
  });

  it('updates a role, keeping names unique', async () => {
    const created = await h.admin.post('/api/v2/custom_roles.json', { custom_role: { name: 'Tier 1' } });
    const id = created.body.custom_role.id;
    const updated = await h.admin.put(`/api/v2/custom_roles/${id}.json`, {
      custom_role: { name: 'Tier One', configuration: { report_access: 'readonly' } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.custom_role).toMatchObject({
      id,
      name: 'Tier One',
      configuration: { report_access: 'readonly', ticket_access: 'within-groups' },
    });
    // Changing only the case of its own name is fine; taking another role's name is not.
    expect(
      (await h.admin.put(`/api/v2/custom_roles/${id}.json`, { custom_role: { name: 'TIER ONE' } })).status,
    ).toBe(200);
    const taken = await h.admin.put(`/api/v2/custom_roles/${id}.json`, { custom_role: { name: 'staff' } });
    expect(taken.status).toBe(422);
    expect(taken.body.details.name[0].error).toBe('DuplicateValue');
    expect((await h.admin.put('/api/v2/custom_roles/999.json', { custom_role: { name: 'Z' } })).status).toBe(
      404,
    );
  });

  it('deletes a role (204) unless team members hold it or it is a system role (422)', async () => {
    const created = await h.admin.post('/api/v2/custom_roles.json', { custom_role: { name: 'Temp' } });
    const id = created.body.custom_role.id;
    const agentId = await createUser({
      name: 'Agent',
      email: 'agent@example.com',
      role: 'agent',
      custom_role_id: id,
    });
    expect((await h.admin.get(`/api/v2/custom_roles/${id}.json`)).body.custom_role.team_member_count).toBe(1);

    const held = await h.admin.delete(`/api/v2/custom_roles/${id}.json`);
    expect(held.status).toBe(422);
    expect(held.body.error).toBe('RecordInvalid');
    expect(held.body.details.base[0].description).toContain('assigned to 1 team member');

    const lightAgent = await roleNamed('Light Agent');
    expect((await h.admin.delete(`/api/v2/custom_roles/${lightAgent.id}.json`)).status).toBe(422);

    await h.admin.put(`/api/v2/users/${agentId}.json`, { user: { role: 'end-user' } });
    const deleted = await h.admin.delete(`/api/v2/custom_roles/${id}.json`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await h.admin.get(`/api/v2/custom_roles/${id}.json`)).status).toBe(404);
    expect((await h.admin.delete(`/api/v2/custom_roles/${id}.json`)).status).toBe(404);
  });
});

describe('user fields', () => {
  async function createField(
    field: Record<string, unknown>,
  ): Promise<{ id: number; key: string; position: number }> {
    const answer = await h.admin.post('/api/v2/user_fields.json', { user_field: field });
    expect(answer.status).toBe(201);
    return answer.body.user_field;
  }

  const regionOptions = [
    { name: 'EMEA', value: 'emea' },
    { name: 'Americas', value: 'americas' },
  ];

  it('creates fields (201) in the UserFieldObject shape; type defaults to text', async () => {
    const answer = await h.admin.post('/api/v2/user_fields.json', {
      user_field: { key: 'department', title: 'Department', description: 'Where they work' },
    });
    expect(answer.status).toBe(201);
    const field = answer.body.user_field;
    expect(field).toMatchObject({
      key: 'department',
      type: 'text',
      title: 'Department',
      raw_title: 'Department',
      description: 'Where they work',
      active: true,
      system: false,
      regexp_for_validation: null,
    });
    expect(field.url).toBe(`${h.emulator.url}/api/v2/user_fields/${field.id}.json`);
    expect(field).not.toHaveProperty('custom_field_options');
    // `tag` is presented for checkbox fields only.
    expect(field).not.toHaveProperty('tag');
    const checkbox = await h.admin.post('/api/v2/user_fields.json', {
      user_field: { key: 'vip', type: 'checkbox', title: 'VIP', tag: 'vip_customer' },
    });
    expect(checkbox.body.user_field).toMatchObject({ type: 'checkbox', tag: 'vip_customer' });
    const taggedText = await h.admin.post('/api/v2/user_fields.json', {
      user_field: { key: 'notes', title: 'Notes', tag: 'x' },
    });
    expect(taggedText.status).toBe(422);
    expect(taggedText.body.details.tag[0].error).toBe('InvalidValue');

    const dropdown = await h.admin.post('/api/v2/user_fields.json', {
      user_field: { key: 'region', type: 'dropdown', title: 'Region', custom_field_options: regionOptions },
    });
    expect(dropdown.status).toBe(201);
    expect(dropdown.body.user_field.custom_field_options).toMatchObject([
      { id: expect.any(Number), name: 'EMEA', value: 'emea', position: 0 },
      { id: expect.any(Number), name: 'Americas', value: 'americas', position: 1 },
    ]);
    expect(dropdown.body.user_field.position).toBeGreaterThan(field.position);

    const shown = await h.admin.get(`/api/v2/user_fields/${field.id}.json`);
    expect(shown.body.user_field).toEqual(field);
    expect((await h.admin.get('/api/v2/user_fields/999.json')).status).toBe(404);
    // Users now carry every active field's key, null until set.
    const me = await h.admin.get('/api/v2/users/me.json');
    expect(me.body.user.user_fields).toEqual({ department: null, vip: null, region: null });
  });

  it('validates new fields with 422: key, uniqueness, type, title, options, pattern', async () => {
    await createField({ key: 'taken', title: 'Taken' });
    const cases: [Record<string, unknown>, string, string][] = [
      [{ title: 'No key' }, 'key', 'BlankValue'],
      [{ key: 'taken', title: 'Again' }, 'key', 'DuplicateValue'],
      [{ key: 'has space', title: 'Bad key' }, 'key', 'InvalidValue'],
      [{ key: '12345', title: 'Digits only' }, 'key', 'InvalidValue'],
      [{ key: 'kind', title: 'Kind', type: 'colour' }, 'type', 'InvalidValue'],
      [{ key: 'untitled' }, 'title', 'BlankValue'],
      [{ key: 'choice', title: 'Choice', type: 'dropdown' }, 'custom_field_options', 'BlankValue'],
      [
        {
          key: 'choice',
          title: 'Choice',
          type: 'dropdown',
          custom_field_options: [{ name: 'A', value: '' }],
        },
        'custom_field_options',
        'BlankValue',
      ],
      [
        {
          key: 'choice',
          title: 'Choice',
          type: 'multiselect',
          custom_field_options: [
            { name: 'A', value: 'a' },
            { name: 'B', value: 'a' },
          ],
        },
        'custom_field_options',
        'DuplicateValue',
      ],
      [{ key: 'code', title: 'Code', type: 'regexp' }, 'regexp_for_validation', 'BlankValue'],
      [
        { key: 'code', title: 'Code', type: 'regexp', regexp_for_validation: '([a-z' },
        'regexp_for_validation',
        'InvalidValue',
      ],
    ];
    for (const [field, detail, error] of cases) {
      const answer = await h.admin.post('/api/v2/user_fields.json', { user_field: field });
      expect(answer.status, JSON.stringify(field)).toBe(422);
      expect(answer.body.error).toBe('RecordInvalid');
      expect(answer.body.details[detail]?.[0]?.error, JSON.stringify(answer.body)).toBe(error);
    }
    const list = await h.admin.get('/api/v2/user_fields.json');
    expect(list.body.user_fields.map((f: { key: string }) => f.key)).toEqual(['taken']);

    await createUser({ name: 'Agent', email: 'agent@example.com', role: 'agent' });
    const agent = clientFor('agent@example.com');
    expect(
      (await agent.post('/api/v2/user_fields.json', { user_field: { key: 'k', title: 'K' } })).status,
    ).toBe(403);
    expect((await agent.get('/api/v2/user_fields.json')).status).toBe(200);
  });

  it('lists fields in position order with cursor and offset pagination', async () => {
    const a = await createField({ key: 'a_field', title: 'A' });
    await createField({ key: 'b_field', title: 'B' });
    await createField({ key: 'c_field', title: 'C' });
    await createField({ key: 'd_field', title: 'D' });
    // Moving A last changes the listing order, which is not the id order.
    const moved = await h.admin.put(`/api/v2/user_fields/${a.id}.json`, { user_field: { position: 99 } });
    expect(moved.status).toBe(200);

    const pages: string[][] = [];
    let url: string | null = '/api/v2/user_fields.json?page[size]=2';
    while (url) {
      const answer = await h.admin.get(url);
      expect(answer.status).toBe(200);
      pages.push(answer.body.user_fields.map((f: { key: string }) => f.key));
      url = answer.body.meta.has_more ? answer.body.links.next : null;
    }
    expect(pages).toEqual([['b_field', 'c_field'], ['d_field', 'a_field'], []]);

    const offset = await h.admin.get('/api/v2/user_fields.json?per_page=3');
    expect(offset.body.count).toBe(4);
    expect(offset.body.user_fields.map((f: { key: string }) => f.key)).toEqual([
      'b_field',
      'c_field',
      'd_field',
    ]);
    expect(offset.body.next_page).toContain('page=2');
  });

  it('updates fields: title and options replace; key and type cannot change', async () => {
    const region = await createField({
      key: 'region',
      type: 'dropdown',
      title: 'Region',
      custom_field_options: regionOptions,
    });
    const userId = await createUser({
      name: 'Alan',
      email: 'alan@example.com',
      user_fields: { region: 'emea' },
    });
    const other = await createUser({
      name: 'Ada',
      email: 'ada@example.com',
      user_fields: { region: 'americas' },
    });
    const before = (await h.admin.get(`/api/v2/user_fields/${region.id}.json`)).body.user_field;
    const americas = before.custom_field_options[1];

    const updated = await h.admin.put(`/api/v2/user_fields/${region.id}.json`, {
      user_field: {
        title: 'Sales region',
        custom_field_options: [
          { id: null, name: 'APAC', value: 'apac' },
          { id: americas.id, name: 'The Americas', value: 'americas' },
        ],
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.user_field.title).toBe('Sales region');
    expect(updated.body.user_field.custom_field_options).toMatchObject([
      { name: 'APAC', value: 'apac', position: 0 },
      { id: americas.id, name: 'The Americas', value: 'americas', position: 1 },
    ]);
    // The removed option's value is removed from the users holding it.
    expect((await h.admin.get(`/api/v2/users/${userId}.json`)).body.user.user_fields.region).toBeNull();
    expect((await h.admin.get(`/api/v2/users/${other}.json`)).body.user.user_fields.region).toBe('americas');

    const key = await h.admin.put(`/api/v2/user_fields/${region.id}.json`, { user_field: { key: 'area' } });
    expect(key.status).toBe(422);
    expect(key.body.details.key[0].error).toBe('InvalidValue');
    const type = await h.admin.put(`/api/v2/user_fields/${region.id}.json`, { user_field: { type: 'text' } });
    expect(type.status).toBe(422);
    const empty = await h.admin.put(`/api/v2/user_fields/${region.id}.json`, {
      user_field: { custom_field_options: [] },
    });
    expect(empty.status).toBe(422);
    expect((await h.admin.put('/api/v2/user_fields/999.json', { user_field: { title: 'x' } })).status).toBe(
      404,
    );
  });

  it('deletes a field (204) and its values on every user', async () => {
    const field = await createField({ key: 'nickname', title: 'Nickname' });
    const userId = await createUser({ name: 'N', email: 'n@example.com', user_fields: { nickname: 'Nico' } });
    expect((await h.admin.get(`/api/v2/users/${userId}.json`)).body.user.user_fields).toEqual({
      nickname: 'Nico',
    });

    const deleted = await h.admin.delete(`/api/v2/user_fields/${field.id}.json`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await h.admin.get(`/api/v2/user_fields/${field.id}.json`)).status).toBe(404);
    expect((await h.admin.get(`/api/v2/users/${userId}.json`)).body.user.user_fields).toEqual({});

    // Re-creating the key does not bring the old value back.
    await createField({ key: 'nickname', title: 'Nickname' });
    expect((await h.admin.get(`/api/v2/users/${userId}.json`)).body.user.user_fields).toEqual({
      nickname: null,
    });
  });

  it('validates user_fields values on users against the fields (PUT /users/:id)', async () => {
    await createField({
      key: 'region',
      type: 'dropdown',
      title: 'Region',
      custom_field_options: regionOptions,
    });
    await createField({ key: 'employee_number', type: 'integer', title: 'Employee number' });
    await createField({ key: 'contractor', type: 'checkbox', title: 'Contractor' });
    await createField({ key: 'start_date', type: 'date', title: 'Start date' });
    const retired = await createField({ key: 'retired', type: 'text', title: 'Retired' });
    await h.admin.put(`/api/v2/user_fields/${retired.id}.json`, { user_field: { active: false } });
    const userId = await createUser({ name: 'Val', email: 'val@example.com' });
    const put = (user_fields: Record<string, unknown>) =>
      h.admin.put(`/api/v2/users/${userId}.json`, { user: { user_fields } });

    const ok = await put({
      region: 'emea',
      employee_number: '42',
      contractor: true,
      start_date: '2024-03-01',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.user.user_fields).toEqual({
      region: 'emea',
      employee_number: 42,
      contractor: true,
      start_date: '2024-03-01T00:00:00+00:00',
    });

    const invalid: [Record<string, unknown>, string][] = [
      [{ region: 'mars' }, 'Region: mars is not a valid option'],
      [{ employee_number: 'forty-two' }, 'Employee number: must be an integer'],
      [{ employee_number: 4.2 }, 'Employee number: must be an integer'],
      [{ contractor: 'yes' }, 'Contractor: must be true or false'],
      [{ start_date: 'soon' }, 'Start date: must be a date (YYYY-MM-DD)'],
      [{ shoe_size: 44 }, 'User fields: shoe_size is not a user field of this account'],
      [{ retired: 'x' }, 'User fields: retired is not a user field of this account'],
    ];
    for (const [values, description] of invalid) {
      const answer = await put(values);
      expect(answer.status, JSON.stringify(values)).toBe(422);
      expect(answer.body.error).toBe('RecordInvalid');
      expect(answer.body.details.user_fields).toEqual([{ description, error: 'InvalidValue' }]);
    }
    // Nothing was applied by the refused updates; null clears a value.
    const cleared = await put({ region: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.user.user_fields).toEqual({
      region: null,
      employee_number: 42,
      contractor: true,
      start_date: '2024-03-01T00:00:00+00:00',
    });
  });
});
