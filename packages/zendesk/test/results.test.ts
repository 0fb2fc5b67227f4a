import { describe, expect, it } from 'vitest';
import { detailsText, failedResultError, fieldOfProblem } from '../src/connector/results.js';
import { jobResultSchema, mapJobResults } from '../src/index.js';

const parse = (items: unknown[]) => items.map((i) => jobResultSchema.parse(i));
const request = 'POST /api/v2/users/create_or_update_many (job V3-abc)';

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
    expect(out.map((o) => (o.kind === 'ok' ? o.userId : o.kind))).toEqual([901, 902, 903]);
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
    expect(out[0]).toEqual({ kind: 'ok', userId: 1, status: 'Updated' });
    expect(out[2]).toEqual({ kind: 'ok', userId: 3, status: 'Created' });
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
    expect(out.map((o) => (o.kind === 'ok' ? o.userId : o.kind))).toEqual([11, 12, 10]);
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
    expect(out[2]).toEqual({ kind: 'ok', userId: 503, status: 'Updated' });
    expect(out[1]).toMatchObject({ kind: 'failed', error: { code: 'InvalidAnchor' } });
    expect(out[0]).toMatchObject({ kind: 'failed', error: { code: 'ZendeskEntryConflict' } });
  });

  it('reports an item no result names as missing', () => {
    expect(
      mapJobResults([{ userId: 1 }, { userId: 2 }], parse([{ id: 2, status: 'Updated' }]), request),
    ).toEqual([{ kind: 'missing' }, { kind: 'ok', userId: 2, status: 'Updated' }]);
  });
});

describe('failed result errors', () => {
  it('names the field from the details', () => {
    const error = failedResultError(
      jobResultSchema.parse({
        index: 0,
        error: 'UserCreateError',
        details: 'Name: is too short (minimum is 1 characters)',
      }),
      request,
    );
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
    const of = (item: unknown) => failedResultError(jobResultSchema.parse(item), request).code;
    expect(of({ error: 'UserUpdateError', details: 'External: A has already been taken' })).toBe(
      'ZendeskEntryConflict',
    );
    expect(of({ error: 'TooManyRequests', details: '' })).toBe('TooManyRequests');
    expect(of({ error: 'InternalError', details: 'boom' })).toBe('ZendeskInternalServerError');
  });
});
