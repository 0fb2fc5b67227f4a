import { describe, expect, it } from 'vitest';
import { jobResultSchema } from '../src/client/schemas.js';
import {
  detailsText,
  fieldOfProblem,
  mapJobResults as mapResults,
  type PlacementKey,
  problemError,
} from '../src/connector/results.js';

const parse = (items: unknown[]) => items.map((i) => jobResultSchema.parse(i));
const request = 'POST /api/v2/users/create_or_update_many (job V3-abc)';

/** The users' bulk items, placed by user id (update, delete) or by email and external_id (create). */
const mapJobResults = (
  items: readonly { userId?: number; email?: string | null; externalId?: string | null }[],
  results: ReturnType<typeof parse>,
  label: string,
) =>
  mapResults(
    'user',
    items.map(({ userId, ...rest }): { key: PlacementKey } => ({
      key: { ...rest, ...(userId === undefined ? {} : { id: userId }) },
    })),
    results,
    label,
  );

describe('mapJobResults', () => {
  const creates = [
    { email: 'a@example.com', externalId: 'A' },
    { email: 'b@example.com', externalId: null },
    { email: 'c@example.com', externalId: 'C' },
  ];

  it('places documented create results ({id, index}) by index, in any order', () => {
    const out = mapJobResults(
      creates,
      parse([
        { id: 903, index: 2 },
        { id: 901, index: 0 },
        { id: 902, index: 1 },
      ]),
      request,
    );
    expect(out.map((o) => (o.kind === 'ok' ? o.id : o.kind))).toEqual([901, 902, 903]);
  });

  it('places observed create_or_update_many results by email when there is no index', () => {
    const out = mapJobResults(
      creates,
      parse([
        { id: 3, status: 'Created', email: 'C@example.com' },
        { id: 1, status: 'Updated', email: 'a@example.com' },
        // The observed failure shape: the request index in `id`, no email.
        {
          id: 1,
          error: 'UserUpdateError',
          details: 'Email: b@example.com_ is not properly formatted',
          status: 'Failed',
        },
      ]),
      request,
    );
    expect(out[0]).toEqual({ kind: 'ok', id: 1, status: 'Updated', action: null });
    expect(out[2]).toEqual({ kind: 'ok', id: 3, status: 'Created', action: null });
    expect(out[1]).toMatchObject({
      kind: 'failed',
      error: { code: 'ZendeskUnprocessableEntity', retryable: false, request },
    });
  });

  it('places by external_id, and by position when counts agree and nothing else matches', () => {
    const out = mapJobResults(
      creates,
      parse([{ id: 10, status: 'Created', external_id: 'c' }, { id: 11 }, { id: 12 }]),
      request,
    );
    expect(out.map((o) => (o.kind === 'ok' ? o.id : o.kind))).toEqual([11, 12, 10]);
  });

  it('places update and delete results by user id; failures carry stable codes', () => {
    const items = [{ userId: 501 }, { userId: 502 }, { userId: 503 }];
    const out = mapJobResults(
      items,
      parse([
        { id: 503, action: 'update', success: true, status: 'Updated' },
        {
          id: 502,
          index: 1,
          action: 'update',
          success: false,
          error: 'RecordNotFound',
          details: 'Not found',
          status: 'Failed',
        },
        {
          id: 501,
          action: 'update',
          success: false,
          error: 'UserUpdateError',
          details: 'Email: x@y.com is already being used by another user',
        },
      ]),
      'PUT /api/v2/users/update_many (job V3-x)',
    );
    expect(out[2]).toEqual({ kind: 'ok', id: 503, status: 'Updated', action: 'update' });
    expect(out[1]).toMatchObject({ kind: 'failed', error: { code: 'InvalidAnchor' } });
    expect(out[0]).toMatchObject({ kind: 'failed', error: { code: 'ZendeskEntryConflict' } });
  });

  it('fails an item no result names, retryably', () => {
    const out = mapJobResults([{ userId: 1 }, { userId: 2 }], parse([{ id: 2, status: 'Updated' }]), request);
    expect(out).toMatchObject([
      {
        kind: 'failed',
        error: {
          code: 'ZendeskJobFailed',
          retryable: true,
          message: 'The Zendesk job reported no result for this user',
        },
      },
      { kind: 'ok', id: 2, status: 'Updated' },
    ]);
  });
});

describe('failed result errors', () => {
  it('names the field from the details', () => {
    const [outcome] = mapJobResults(
      [{ email: 'a@example.com' }],
      parse([
        { index: 0, error: 'UserCreateError', details: 'Name: is too short (minimum is 1 characters)' },
      ]),
      request,
    );
    if (outcome?.kind !== 'failed') throw new Error('expected a failure');
    const { error } = outcome;
    expect(error).toMatchObject({ code: 'ZendeskUnprocessableEntity', retryable: false });
    expect(error.message).toContain('the value of name');
    expect(error.response).toContain('UserCreateError');
  });

  it('reads RecordInvalid-style details objects', () => {
    expect(
      detailsText({ email: [{ description: 'Email: a is not properly formatted', error: 'InvalidFormat' }] }),
    ).toBe('Email: a is not properly formatted');
    expect(fieldOfProblem('External: x has already been taken')).toBe('external_id');
    expect(fieldOfProblem('Time zone: Mars is not included in the list')).toBe('time_zone');
    expect(fieldOfProblem('no field here')).toBeNull();
  });

  it('classifies duplicates, rate limits and internal errors', () => {
    const of = (item: { error: string; details: string }) => problemError('user', item, { request }).code;
    expect(of({ error: 'UserUpdateError', details: 'External: A has already been taken' })).toBe(
      'ZendeskEntryConflict',
    );
    expect(of({ error: 'TooManyRequests', details: '' })).toBe('TooManyRequests');
    expect(of({ error: 'InternalError', details: 'boom' })).toBe('ZendeskInternalServerError');
  });
});

describe('problemError', () => {
  it('classifies a refusal once for users and memberships, each in its own words', () => {
    const what = 'Zendesk did not add user 1 to group 2';
    const gone = { error: 'RecordNotFound', details: 'Not found' };
    expect(problemError('user', gone, { request })).toMatchObject({
      code: 'InvalidAnchor',
      message: 'The Zendesk user does not exist any more (RecordNotFound: Not found)',
    });
    expect(problemError('membership', gone, { request, what })).toMatchObject({
      code: 'InvalidAnchor',
      message: `${what}: the user or group does not exist in Zendesk (any more) (Not found)`,
    });
    // Only a membership's problem text says that a record it needs is gone.
    const blank = { error: 'RecordInvalid', details: 'Group: cannot be blank' };
    expect(problemError('membership', blank, { request, what }).code).toBe('InvalidAnchor');
    expect(problemError('user', blank, { request }).code).toBe('ZendeskUnprocessableEntity');
    // Group rules are the memberships' own.
    const endUser = { error: 'RecordInvalid', details: 'User: Eve is not an agent' };
    expect(problemError('membership', endUser, { request, what }).code).toBe('ZendeskNotAnAgent');
    expect(problemError('user', endUser, { request }).code).toBe('ZendeskUnprocessableEntity');
  });

  it('keeps the HTTP context of a single request', () => {
    expect(
      problemError(
        'membership',
        { error: null, details: 'too many requests' },
        { request: 'POST /api/v2/group_memberships', httpStatus: 422, response: '{}' },
      ),
    ).toEqual({
      code: 'TooManyRequests',
      message: 'Zendesk did not write the group membership: too many requests',
      retryable: true,
      request: 'POST /api/v2/group_memberships',
      httpStatus: 422,
      response: '{}',
    });
  });
});
