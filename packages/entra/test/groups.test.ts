import { describe, expect, it } from 'vitest';
import { graphFailure, unknownPropertyTypeOf } from '../src/client/errors.js';
import {
  GroupChangeCollector,
  groupAttributesOf,
  groupChanges,
  groupSelect,
  memberRefOf,
  odataString,
} from '../src/connector/groups.js';

const user = (id: string) => ({ '@odata.type': '#microsoft.graph.user', id });
const group = (id: string) => ({ '@odata.type': '#microsoft.graph.group', id });
const gone = <T extends object>(member: T) => ({ ...member, '@removed': { reason: 'deleted' } });

describe('group mapping', () => {
  it('selects id and displayName first, then the asked ones once, never members', () => {
    expect(groupSelect([])).toEqual(['id', 'displayName']);
    expect(groupSelect([' description ', 'displayName', 'members', '', 'mail', 'description'])).toEqual([
      'id',
      'displayName',
      'description',
      'mail',
    ]);
  });

  it('keeps users and groups as members and leaves other kinds out', () => {
    expect(memberRefOf(user('u1'))).toEqual({ id: 'u1', type: 'user' });
    expect(memberRefOf(group('g1'))).toEqual({ id: 'g1', type: 'group' });
    expect(memberRefOf({ '@odata.type': '#microsoft.graph.servicePrincipal', id: 's' })).toBeNull();
    expect(memberRefOf({ '@odata.type': '#microsoft.graph.device', id: 'd' })).toBeNull();
    expect(memberRefOf({ id: 'x' })).toBeNull();
  });

  it('strips OData annotations and members from the attributes', () => {
    expect(
      groupAttributesOf({
        id: 'g',
        displayName: 'G',
        '@odata.type': '#microsoft.graph.group',
        'members@delta': [],
        members: [],
        description: null,
      }),
    ).toEqual({ id: 'g', displayName: 'G', description: null });
  });

  it('escapes quotes in OData string literals', () => {
    expect(odataString("O'Brien's")).toBe("'O''Brien''s'");
    expect(odataString('plain')).toBe("'plain'");
  });
});

describe('groups/delta changes', () => {
  it('gives every member of a full round, merging a group split over several items', () => {
    const changes = groupChanges(
      [
        { id: 'g1', displayName: 'One', 'members@delta': [user('u1'), user('u2')] },
        { id: 'g2', displayName: 'Two' },
        // Graph repeats a large group with more of its members (maybe on a later page).
        { id: 'g1', 'members@delta': [group('g2'), { '@odata.type': '#microsoft.graph.device', id: 'd1' }] },
      ],
      true,
    );
    expect(changes).toEqual([
      {
        kind: 'upsert',
        group: { id: 'g1', attributes: { id: 'g1', displayName: 'One' } },
        members: {
          full: true,
          added: [
            { id: 'u1', type: 'user' },
            { id: 'u2', type: 'user' },
            { id: 'g2', type: 'group' },
          ],
          removed: [],
        },
      },
      {
        kind: 'upsert',
        group: { id: 'g2', attributes: { id: 'g2', displayName: 'Two' } },
        members: { full: true, added: [], removed: [] },
      },
    ]);
  });

  it('gives added and removed members of a change round, the latest entry of a member winning', () => {
    const changes = groupChanges(
      [
        { id: 'g1', displayName: 'One', 'members@delta': [user('u1'), gone(user('u2')), user('u3')] },
        { id: 'g1', 'members@delta': [gone(user('u3')), user('u2'), gone(group('g9'))] },
      ],
      false,
    );
    expect(changes).toEqual([
      {
        kind: 'upsert',
        group: { id: 'g1', attributes: { id: 'g1', displayName: 'One' } },
        members: {
          full: false,
          added: [
            { id: 'u1', type: 'user' },
            { id: 'u2', type: 'user' },
          ],
          removed: [
            { id: 'u3', type: 'user' },
            { id: 'g9', type: 'group' },
          ],
        },
      },
    ]);
  });

  it('leaves members out of a change without member changes, and reads removals', () => {
    const changes = groupChanges(
      [
        { id: 'g1', displayName: 'Renamed' },
        { id: 'g2', 'members@delta': [{ '@odata.type': '#microsoft.graph.device', id: 'd1' }] },
        { id: 'g3', '@removed': { reason: 'changed' } },
        { id: 'g4', '@removed': { reason: 'deleted' } },
        { id: 'g5', '@removed': { reason: 'something new' } },
      ],
      false,
    );
    expect(changes).toEqual([
      { kind: 'upsert', group: { id: 'g1', attributes: { id: 'g1', displayName: 'Renamed' } } },
      { kind: 'upsert', group: { id: 'g2', attributes: { id: 'g2' } } },
      { kind: 'removed', id: 'g3', removed: 'soft' },
      { kind: 'removed', id: 'g4', removed: 'hard' },
      { kind: 'removed', id: 'g5', removed: 'soft' },
    ]);
  });

  it('lets a later item of the same group win: removed after changed, back after removed', () => {
    const collector = new GroupChangeCollector(false);
    collector.add({ id: 'g1', displayName: 'One', 'members@delta': [user('u1')] });
    collector.add({ id: 'g2', displayName: 'Two' });
    collector.add({ id: 'g1', '@removed': { reason: 'changed' } });
    collector.add({ id: 'g2', '@removed': { reason: 'changed' } });
    collector.add({ id: 'g2', displayName: 'Two again', description: 'restored' });
    expect(collector.size).toBe(2);
    expect(collector.changes()).toEqual([
      { kind: 'removed', id: 'g1', removed: 'soft' },
      {
        kind: 'upsert',
        group: { id: 'g2', attributes: { id: 'g2', displayName: 'Two again', description: 'restored' } },
      },
    ]);
  });

  it('merges properties of repeated items, later values winning', () => {
    expect(
      groupChanges(
        [
          { id: 'g1', displayName: 'Old', description: 'kept' },
          { id: 'g1', displayName: 'New' },
        ],
        false,
      ),
    ).toEqual([
      {
        kind: 'upsert',
        group: { id: 'g1', attributes: { id: 'g1', displayName: 'New', description: 'kept' } },
      },
    ]);
  });
});

describe('group errors', () => {
  const context = { clientId: 'client', roles: ['User.Read.All'], secrets: [] };

  it('names the group property Graph does not know', () => {
    const body = JSON.stringify({
      error: {
        code: 'BadRequest',
        message: "Could not find a property named 'shoeSize' on type 'microsoft.graph.group'.",
      },
    });
    const failure = graphFailure(
      { status: 400, body, request: 'GET /v1.0/groups/delta', attempts: 1 },
      { ...context, operation: 'readGroups' },
    );
    expect(failure.detail.code).toBe('InvalidSourceAttribute');
    expect(failure.message).toContain("no group property named 'shoeSize'");
    expect(failure.detail.recommendedAction).toContain('group attribute mappings');
    expect(unknownPropertyTypeOf("… on type 'microsoft.graph.user'.")).toBe('user');
    expect(unknownPropertyTypeOf('other')).toBeNull();
  });

  it.each([
    ['readGroups', 'GroupMember.Read.All'],
    ['findGroup', 'Group.Read.All'],
    ['readApplication', 'Application.Read.All'],
    ['writeAppRoles', 'Application.ReadWrite.OwnedBy'],
  ] as const)('names %s → %s in a 403', (operation, permission) => {
    const failure = graphFailure(
      { status: 403, body: '', request: 'GET /v1.0/x', attempts: 1 },
      { ...context, operation },
    );
    expect(failure.detail.code).toBe('InsufficientRights');
    expect(failure.message).toContain(`permission ${permission}`);
    expect(failure.detail.recommendedAction).toContain(`Application permissions → ${permission}`);
  });

  it('explains a refused app role update when the app has OwnedBy but does not own the application', () => {
    const failure = graphFailure(
      { status: 403, body: '', request: 'PATCH /v1.0/applications/a', attempts: 1 },
      { ...context, roles: ['Application.ReadWrite.OwnedBy'], operation: 'writeAppRoles' },
    );
    expect(failure.detail.code).toBe('InsufficientRights');
    expect(failure.message).toContain('not an owner of the Zendesk application');
    expect(failure.detail.recommendedAction).toContain('/owners/$ref');
    expect(failure.detail.recommendedAction).toContain('client id client');
  });
});
