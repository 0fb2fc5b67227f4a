import type { TargetUser } from '@provisio/engine';
import { describe, expect, it } from 'vitest';
import { errorForStatus } from '../src/client/errors.js';
import { groupSchema, jobResultSchema } from '../src/client/schemas.js';
import {
  canJoinGroups,
  defaultGroupProtection,
  prepareGroupAttributes,
  toTargetGroup,
} from '../src/connector/groups.js';
import {
  type MembershipItem,
  membershipJobItem,
  membershipOutcome,
  membershipProblem,
} from '../src/connector/memberships.js';
import { mapJobResults } from '../src/connector/results.js';
import { builtInRoles, toTargetRoles } from '../src/connector/roles.js';

const parse = (items: unknown[]) => items.map((i) => jobResultSchema.parse(i));

/** What a create_many or destroy_many job's results mean for each membership write. */
const mapMembershipResults = (
  items: readonly MembershipItem[],
  results: ReturnType<typeof parse>,
  request: string,
) =>
  mapJobResults('membership', items.map(membershipJobItem), results, request).map((outcome, i) =>
    membershipOutcome(items[i] as MembershipItem, outcome),
  );

describe('prepareGroupAttributes', () => {
  it('trims the name, keeps description and is_public, and reports no problem', () => {
    expect(
      prepareGroupAttributes({ name: '  Tier 1 ', description: 'First line', is_public: 'FALSE' }),
    ).toEqual({ attributes: { name: 'Tier 1', description: 'First line', is_public: false }, problems: [] });
    expect(prepareGroupAttributes({ name: 42, is_public: true }).attributes).toEqual({
      name: '42',
      is_public: true,
    });
  });

  it('stores no description as "" (as Zendesk does) and leaves a missing is_public to Zendesk', () => {
    const prepared = prepareGroupAttributes({ name: 'Billing', description: null, is_public: undefined });
    expect(prepared).toEqual({ attributes: { name: 'Billing', description: '' }, problems: [] });
  });

  it('requires a non-empty name: MissingGroupName', () => {
    for (const mapped of [{ name: '   ' }, { name: null }, { description: 'x' }, { name: ['a', 'b'] }]) {
      const prepared = prepareGroupAttributes(mapped);
      expect(prepared.problems).toEqual([
        { attribute: 'name', code: 'MissingGroupName', message: expect.stringMatching(/needs a name/) },
      ]);
      expect(prepared.attributes).not.toHaveProperty('name');
    }
  });

  it('refuses read-only fields and values of the wrong type as InvalidValue', () => {
    const prepared = prepareGroupAttributes({
      name: 'Ops',
      default: true,
      is_public: 'yes',
      description: { text: 'x' },
    });
    expect(prepared.problems.map((p) => [p.attribute, p.code])).toEqual([
      ['default', 'InvalidValue'],
      ['is_public', 'InvalidValue'],
      ['description', 'InvalidValue'],
    ]);
    expect(prepared.problems[0]?.message).toMatch(/read-only/);
    expect(prepared.attributes).toEqual({ name: 'Ops' });
  });
});

describe('canJoinGroups', () => {
  const user = (role: unknown, active = true): TargetUser => ({
    id: '1',
    attributes: { role, custom_role_id: role === 'agent' ? 7 : null },
    active,
    disabled: false,
    displayName: 'x',
  });

  it('agents (custom roles included) and admins may join groups; end users and deleted users may not', () => {
    expect(canJoinGroups(user('agent'))).toBe(true);
    expect(canJoinGroups(user('admin'))).toBe(true);
    expect(canJoinGroups(user('Agent'))).toBe(true);
    expect(canJoinGroups(user('end-user'))).toBe(false);
    expect(canJoinGroups(user(undefined))).toBe(false);
    expect(canJoinGroups(user('agent', false))).toBe(false);
  });
});

describe('toTargetGroup', () => {
  it('keeps name, description, is_public and default; the name is the display name', () => {
    const group = groupSchema.parse({
      id: 360,
      url: 'https://x.zendesk.com/api/v2/groups/360.json',
      name: 'Support',
      description: null,
      default: true,
      deleted: false,
      is_public: true,
      created_at: '2024-01-01T00:00:00Z',
    });
    expect(toTargetGroup(group)).toEqual({
      id: '360',
      displayName: 'Support',
      attributes: { name: 'Support', description: '', is_public: true, default: true },
      protection: defaultGroupProtection,
    });
  });
});

describe('mapMembershipResults', () => {
  const addsOf = (n: number): MembershipItem[] =>
    Array.from({ length: n }, (_, i) => ({ kind: 'add' as const, userId: 100 + i, groupId: 9 }));
  const request = 'POST /api/v2/group_memberships/create_many (job V3-abc)';

  it('places create_many results by index, in any order; a result without index by position', () => {
    const out = mapMembershipResults(
      addsOf(3),
      parse([
        { id: 503, index: 2, status: 'Created' },
        { id: 501, index: 0, status: 'Created' },
        { id: 502, index: 1, status: 'Created' },
      ]),
      request,
    );
    expect(out).toEqual([
      { kind: 'added', membershipId: 501 },
      { kind: 'added', membershipId: 502 },
      { kind: 'added', membershipId: 503 },
    ]);
    expect(mapMembershipResults(addsOf(2), parse([{ id: 7 }, { id: 8 }]), request)).toEqual([
      { kind: 'added', membershipId: 7 },
      { kind: 'added', membershipId: 8 },
    ]);
  });

  it('an end user fails alone with ZendeskNotAnAgent; "already a member" counts as a member', () => {
    const out = mapMembershipResults(
      addsOf(3),
      parse([
        { id: 501, index: 0, status: 'Created' },
        {
          index: 1,
          action: 'create',
          success: false,
          error: 'RecordInvalid',
          details: 'User: Eve is not an agent',
          status: 'Failed',
        },
        {
          index: 2,
          action: 'create',
          success: false,
          error: 'RecordInvalid',
          details: 'User: is already a member of this group',
          status: 'Failed',
        },
      ]),
      request,
    );
    expect(out[0]).toEqual({ kind: 'added', membershipId: 501 });
    expect(out[1]).toMatchObject({
      kind: 'failed',
      error: {
        code: 'ZendeskNotAnAgent',
        retryable: false,
        request,
        message: 'Zendesk did not add user 101 to group 9: User: Eve is not an agent',
      },
    });
    expect(out[2]).toEqual({ kind: 'member' });
  });

  it('a missing user or group is InvalidAnchor; other refusals ZendeskUnprocessableEntity; no result ZendeskJobFailed', () => {
    const out = mapMembershipResults(
      addsOf(4),
      parse([
        {
          index: 0,
          success: false,
          error: 'RecordInvalid',
          details: 'Group: cannot be blank',
          status: 'Failed',
        },
        { index: 1, success: false, error: 'RecordInvalid', details: 'Something else', status: 'Failed' },
        { index: 2, success: false, error: 'InternalError', details: 'boom', status: 'Failed' },
      ]),
      request,
    );
    expect(out[0]).toMatchObject({ kind: 'failed', error: { code: 'InvalidAnchor' } });
    expect(out[0]?.kind === 'failed' && out[0].error.message).toMatch(/the group does not exist/);
    expect(out[1]).toMatchObject({ kind: 'failed', error: { code: 'ZendeskUnprocessableEntity' } });
    expect(out[2]).toMatchObject({
      kind: 'failed',
      error: { code: 'ZendeskInternalServerError', retryable: true },
    });
    expect(out[3]).toMatchObject({ kind: 'failed', error: { code: 'ZendeskJobFailed', retryable: true } });
  });

  it('places destroy_many results by membership id; gone counts as removed; the last membership is refused', () => {
    const removes: MembershipItem[] = [
      { kind: 'remove', membershipId: 11 },
      { kind: 'remove', membershipId: 12 },
      { kind: 'remove', membershipId: 13 },
    ];
    const out = mapMembershipResults(
      removes,
      parse([
        {
          id: 13,
          action: 'delete',
          success: false,
          error: 'RecordInvalid',
          details: 'An agent must belong to at least one group: add another group before removing this one',
          status: 'Failed',
        },
        {
          id: 12,
          action: 'delete',
          success: false,
          error: 'RecordNotFound',
          details: 'Not found',
          status: 'Failed',
        },
        { id: 11, action: 'delete', success: true, status: 'Deleted' },
      ]),
      'DELETE /api/v2/group_memberships/destroy_many (job V3-x)',
    );
    expect(out[0]).toEqual({ kind: 'removed' });
    expect(out[1]).toEqual({ kind: 'removed' });
    expect(out[2]).toMatchObject({
      kind: 'failed',
      error: { code: 'ZendeskLastMembership', retryable: false },
    });
  });

  it('membershipProblem keeps the HTTP context of a single request', () => {
    const outcome = membershipProblem(
      { kind: 'add', userId: 1, groupId: 2 },
      'RecordInvalid',
      'User: X is not an agent',
      {
        request: 'POST /api/v2/group_memberships',
        httpStatus: 422,
        response: '{}',
      },
    );
    expect(outcome).toMatchObject({
      kind: 'failed',
      error: {
        code: 'ZendeskNotAnAgent',
        httpStatus: 422,
        request: 'POST /api/v2/group_memberships',
        response: '{}',
      },
    });
  });
});

describe('group errors', () => {
  const body = (details: Record<string, { description: string; error: string }[]>) =>
    JSON.stringify({ error: 'RecordInvalid', description: 'Record validation errors', details });

  it('a duplicate group name is ZendeskEntryConflict, worded for groups', () => {
    const error = errorForStatus(
      422,
      'POST /api/v2/groups',
      body({ name: [{ description: 'Name: has already been taken', error: 'DuplicateValue' }] }),
      'group',
    );
    expect(error.code).toBe('ZendeskEntryConflict');
    expect(error.message).toBe('name already belongs to another Zendesk group: Name: has already been taken');
    expect(error.recommendedAction).toMatch(/group/);
  });

  it('deleting a default group is ZendeskDefaultGroup; a 404 on a group or membership is InvalidAnchor', () => {
    const error = errorForStatus(
      422,
      'DELETE /api/v2/groups/5',
      body({
        base: [
          {
            description: 'This is the default group for one or more agents and cannot be deleted',
            error: 'InvalidValue',
          },
        ],
      }),
      'group',
    );
    expect(error.code).toBe('ZendeskDefaultGroup');
    expect(error.message).toBe(
      'Zendesk refused DELETE /api/v2/groups/5: This is the default group for one or more agents and cannot be deleted',
    );
    expect(errorForStatus(404, 'PUT /api/v2/groups/5', '{"error":"RecordNotFound"}', 'group').code).toBe(
      'InvalidAnchor',
    );
    const membership = errorForStatus(404, 'DELETE /api/v2/group_memberships/5', '', 'membership');
    expect([membership.code, membership.message]).toEqual([
      'InvalidAnchor',
      'The Zendesk group membership does not exist any more (404 on DELETE /api/v2/group_memberships/5)',
    ]);
  });

  it('a base problem on another record is not named as a field', () => {
    const error = errorForStatus(
      422,
      'PUT /api/v2/users/1',
      body({ base: [{ description: 'Something is wrong', error: 'InvalidValue' }] }),
      'user',
    );
    expect([error.code, error.message]).toEqual([
      'ZendeskUnprocessableEntity',
      'Zendesk refused PUT /api/v2/users/1 (422): Something is wrong',
    ]);
  });
});

describe('toTargetRoles', () => {
  it('the built-in roles first, then each custom role with its id and description', () => {
    const roles = toTargetRoles([
      { id: 5, name: 'Light Agent', description: 'Private comments only', role_type: 1 },
      { id: 6, name: 'Billing', description: null },
    ]);
    expect(roles.slice(0, 3)).toEqual(builtInRoles);
    expect(roles.slice(3)).toEqual([
      { name: 'Light Agent', kind: 'custom', description: 'Private comments only', id: '5' },
      { name: 'Billing', kind: 'custom', description: '', id: '6' },
    ]);
    expect(toTargetRoles(null).map((r) => r.name)).toEqual(['End-user', 'Agent', 'Admin']);
  });
});
