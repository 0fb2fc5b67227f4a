import { describe, expect, it } from 'vitest';
import type { OasValidator } from './support/oas.js';
import { loadZendeskOas } from './support/oas.js';

// Unit test of the OpenAPI harness itself: it must match paths the way Zendesk routes them, accept a
// well-formed body and, above all, be able to fail. Skipped when the OpenAPI document is not present.
const loaded = await loadZendeskOas();
const skipReason = loaded.validator === null ? loaded.reason : undefined;
if (skipReason !== undefined)
  console.warn(`[oas-support.test] skipping the OpenAPI harness tests: ${skipReason}`);

function oas(): OasValidator {
  if (loaded.validator === null) throw new Error(loaded.reason);
  return loaded.validator;
}

/** A user as Zendesk answers it to an admin (fields per the OAS `UserForAdmin` schema). */
function adminViewOfUser(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 35436,
    url: 'https://acme.zendesk.com/api/v2/users/35436.json',
    name: 'Johnny Agent',
    email: 'johnny@example.com',
    created_at: '2024-01-05T10:38:52Z',
    updated_at: '2024-02-01T08:00:00Z',
    time_zone: 'Copenhagen',
    iana_time_zone: 'Europe/Copenhagen',
    phone: '+15551234567',
    shared_phone_number: false,
    photo: null,
    locale_id: 1,
    locale: 'en-US',
    organization_id: 57542,
    role: 'end-user',
    verified: true,
    external_id: 'entra-0001',
    tags: ['enterprise'],
    alias: '',
    active: true,
    shared: false,
    shared_agent: false,
    last_login_at: '2024-02-01T08:00:00Z',
    two_factor_auth_enabled: null,
    signature: '',
    details: '',
    notes: '',
    role_type: null,
    custom_role_id: 7,
    moderator: false,
    ticket_restriction: 'requested',
    only_private_comments: false,
    restricted_agent: true,
    suspended: false,
    default_group_id: 1,
    report_csv: false,
    user_fields: {},
    ...overrides,
  };
}

describe.skipIf(skipReason !== undefined)('Zendesk OpenAPI harness', () => {
  it('matches literal templates before parameterised ones', () => {
    expect(oas().matchPath('GET', '/api/v2/users/show_many.json')).toBe('/api/v2/users/show_many');
    expect(oas().matchPath('GET', '/api/v2/users/show_many.json?ids=1,2')).toBe('/api/v2/users/show_many');
    expect(oas().matchPath('GET', '/api/v2/users/123')).toBe('/api/v2/users/{user_id}');
    expect(oas().matchPath('get', '/api/v2/users/123.json?page[size]=2')).toBe('/api/v2/users/{user_id}');
    expect(oas().matchPath('GET', '/api/v2/users/123/identities.json')).toBe(
      '/api/v2/users/{user_id}/identities',
    );
  });

  it('requires the method to exist on the matched path item', () => {
    // /api/v2/users/show_many only documents GET; a PUT falls through to /api/v2/users/{user_id}.
    expect(oas().matchPath('PUT', '/api/v2/users/show_many')).toBe('/api/v2/users/{user_id}');
    expect(oas().matchPath('PATCH', '/api/v2/users/123')).toBeUndefined();
    expect(oas().matchPath('GET', '/api/v2/no_such_resource/1')).toBeUndefined();
    const check = oas().validateResponse('GET', '/api/v2/no_such_resource/1', 200, {});
    expect(check.valid).toBe(false);
    expect(check.template).toBeUndefined();
  });

  it('accepts a well-formed ShowUser body', () => {
    const check = oas().validateResponse('GET', '/api/v2/users/35436.json', 200, { user: adminViewOfUser() });
    expect(check).toEqual({
      valid: true,
      operationId: 'ShowUser',
      template: '/api/v2/users/{user_id}',
      errors: [],
    });
    const list = oas().validateResponse('GET', '/api/v2/users.json?page[size]=2', 200, {
      users: [adminViewOfUser(), adminViewOfUser({ id: 2, name: 'Second' })],
    });
    expect(list.operationId).toBe('ListUsers');
    expect(list.errors).toEqual([]);
    expect(list.valid).toBe(true);
  });

  it('rejects wrongly typed fields and names their paths', () => {
    const check = oas().validateResponse('GET', '/api/v2/users/1', 200, {
      user: { id: 'not-a-number', name: 5 },
    });
    expect(check.valid).toBe(false);
    expect(check.operationId).toBe('ShowUser');
    expect(check.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/user\/id must be integer/),
        expect.stringMatching(/^\/user\/name must be string/),
      ]),
    );
    const joined = check.errors.join('\n');
    expect(joined).toContain('"not-a-number"');

    const notAnObject = oas().validateResponse('GET', '/api/v2/users/1', 200, { user: 'x' });
    expect(notAnObject.valid).toBe(false);
    expect(notAnObject.errors.join('\n')).toContain('/user must be object');

    const badDate = oas().validateResponse('GET', '/api/v2/users/1', 200, {
      user: adminViewOfUser({ created_at: 'yesterday' }),
    });
    expect(badDate.valid).toBe(false);
    expect(badDate.errors.join('\n')).toContain('/user/created_at must match format "date-time"');
  });

  it('honours nullable: true and rejects null where it is not allowed', () => {
    const nullableRole = oas().validateResponse('GET', '/api/v2/users/1', 200, {
      user: adminViewOfUser({ custom_role_id: null }),
    });
    expect(nullableRole.errors).toEqual([]);
    expect(nullableRole.valid).toBe(true);

    // organization_id/phone are nullable only in UserForAdmin (integer/string in UserForEndUser), so
    // this body passes only if `nullable` is understood.
    const nullableOnlyForAdmin = oas().validateResponse('GET', '/api/v2/users/1', 200, {
      user: adminViewOfUser({
        organization_id: null,
        phone: null,
        external_id: null,
        ticket_restriction: null,
      }),
    });
    expect(nullableOnlyForAdmin.errors).toEqual([]);
    expect(nullableOnlyForAdmin.valid).toBe(true);

    const nullId = oas().validateResponse('GET', '/api/v2/users/1', 200, {
      user: adminViewOfUser({ id: null }),
    });
    expect(nullId.valid).toBe(false);
    expect(nullId.errors.join('\n')).toContain('/user/id must be integer');
  });

  it('rejects statuses the operation does not document', () => {
    const check = oas().validateResponse('GET', '/api/v2/users/1', 404, {
      error: 'RecordNotFound',
      description: 'Not found',
    });
    expect(check.valid).toBe(false);
    expect(check.operationId).toBe('ShowUser');
    expect(check.errors).toEqual([expect.stringMatching(/status 404 is not documented/)]);
  });

  it('treats a documented 204 as valid only with an empty body', () => {
    const path = '/api/v2/users/1/identities/2';
    expect(oas().validateResponse('DELETE', path, 204, undefined)).toMatchObject({
      valid: true,
      operationId: 'DeleteUserIdentity',
    });
    expect(oas().validateResponse('DELETE', path, 204, '').valid).toBe(true);
    expect(oas().validateResponse('DELETE', path, 204, { identity: {} }).valid).toBe(false);
    // DeleteUser answers 200 with the user, not 204.
    expect(oas().validateResponse('DELETE', '/api/v2/users/1', 204, undefined).valid).toBe(false);
  });
});
