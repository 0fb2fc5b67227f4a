import { describe, expect, it } from 'vitest';
import {
  pendingGroupWritesFor,
  pendingWritesFor,
  reconcilePendingGroupWrites,
  reconcilePendingWrites,
  reconciliationSummary,
} from '../src/cycle/pending-writes.js';
import { type GroupPlan, TargetGroupIndex } from '../src/pipeline/group-plan.js';
import type { PlannedUser } from '../src/pipeline/plan.js';
import { TargetIndex } from '../src/pipeline/target-index.js';
import type { GroupLinkRecord, LinkRecord, PendingWriteRecord } from '../src/ports/state.js';
import type { TargetAction, TargetGroup, TargetGroupAction, TargetUser } from '../src/ports/target.js';
import { fakeTarget, targetUser } from './support/fakes.js';

const at = new Date('2026-03-01T10:00:00.000Z');
const later = new Date('2026-03-01T10:05:00.000Z');

function index(users: TargetUser[]): TargetIndex {
  const i = new TargetIndex(fakeTarget.matchableAttributes, fakeTarget.matchKey);
  i.put(users);
  return i;
}

/** The fields of a planned user the pending writes read. */
function planned(sourceId: string, action: TargetAction | null, link: LinkRecord | null = null): PlannedUser {
  return { sourceId, displayName: `User ${sourceId}`, action, link } as unknown as PlannedUser;
}

function link(sourceId: string, targetId: string, state: LinkRecord['state'], created = true): LinkRecord {
  return {
    jobId: 'j',
    sourceId,
    targetId,
    state,
    created,
    displayName: `User ${sourceId}`,
    updatedAt: at.toISOString(),
  };
}

function write(
  sourceId: string,
  action: PendingWriteRecord['action'],
  targetId: string | null,
  extra: Partial<PendingWriteRecord> = {},
): PendingWriteRecord {
  return {
    jobId: 'j',
    cycleId: 'c1',
    objectType: 'user',
    sourceId,
    targetId,
    action,
    matchValues: {},
    displayName: `User ${sourceId}`,
    created: true,
    createdAt: at.toISOString(),
    ...extra,
  };
}

describe('pendingWritesFor', () => {
  it('records creates (with their matching values), suspensions, lifted suspensions and deletions; not updates', () => {
    const records = pendingWritesFor(
      'j',
      'c1',
      [
        planned('a', {
          kind: 'create',
          key: 'a',
          attributes: { email: 'a@contoso.com', external_id: 'a', name: 'A' },
        }),
        planned(
          'b',
          { kind: 'disable', key: 'b', targetId: '20', policy: 'suspend' },
          link('b', '20', 'active', false),
        ),
        planned(
          'c',
          { kind: 'reactivate', key: 'c', targetId: '30', changes: {} },
          link('c', '30', 'disabled'),
        ),
        planned('d', { kind: 'delete', key: 'd', targetId: '40' }, link('d', '40', 'active')),
        planned('e', { kind: 'update', key: 'e', targetId: '50', changes: { name: 'E' } }),
        planned('f', null),
      ],
      ['external_id', 'email'],
      at,
    );
    expect(records.map((r) => [r.sourceId, r.action, r.targetId, r.created])).toEqual([
      ['a', 'create', null, false],
      ['b', 'disable', '20', false],
      ['c', 'reactivate', '30', true],
      ['d', 'delete', '40', true],
    ]);
    expect(records[0]?.matchValues).toEqual({ external_id: 'a', email: 'a@contoso.com' });
    expect(records[1]?.matchValues).toEqual({});
    expect(records.every((r) => r.cycleId === 'c1' && r.createdAt === at.toISOString())).toBe(true);
  });
});

describe('reconcilePendingWrites', () => {
  it('records a suspension the target carried out as provisio’s, keeping who created the user', () => {
    const [outcome] = reconcilePendingWrites(
      [write('b', 'disable', '20', { created: false })],
      new Map([['b', link('b', '20', 'active', false)]]),
      index([targetUser('20', { email: 'b@contoso.com' }, { disabled: true })]),
      later,
    );
    expect(outcome).toMatchObject({
      outcome: 'recorded',
      link: {
        sourceId: 'b',
        targetId: '20',
        state: 'disabled',
        created: false,
        updatedAt: later.toISOString(),
      },
    });
  });

  it('drops a suspension the target did not carry out (the plan sends it again)', () => {
    const [outcome] = reconcilePendingWrites(
      [write('b', 'disable', '20')],
      new Map([['b', link('b', '20', 'active')]]),
      index([targetUser('20', { email: 'b@contoso.com' })]),
      later,
    );
    expect(outcome).toMatchObject({ outcome: 'dropped', reason: 'not carried out' });
  });

  it('drops what the link already records (the crash came after the results were saved)', () => {
    const [outcome] = reconcilePendingWrites(
      [write('b', 'disable', '20')],
      new Map([['b', link('b', '20', 'disabled')]]),
      index([targetUser('20', {}, { disabled: true })]),
      later,
    );
    expect(outcome).toMatchObject({ outcome: 'dropped', reason: 'already recorded' });
  });

  it('records a lifted suspension, and a deletion once the target no longer holds the user', () => {
    const outcomes = reconcilePendingWrites(
      [write('c', 'reactivate', '30'), write('d', 'delete', '40'), write('e', 'delete', '50')],
      new Map([
        ['c', link('c', '30', 'disabled')],
        ['d', link('d', '40', 'active')],
        ['e', link('e', '50', 'active')],
      ]),
      index([targetUser('30', {}), targetUser('50', {})]),
      later,
    );
    expect(outcomes.map((o) => (o.outcome === 'recorded' ? o.link.state : o.reason))).toEqual([
      'active',
      'deleted',
      'not carried out',
    ]);
  });

  it('records a user the target created as created by provisio, found by its matching values', () => {
    const [created, notCreated, twice] = reconcilePendingWrites(
      [
        write('a', 'create', null, {
          matchValues: { external_id: 'A', email: 'a@contoso.com' },
          created: false,
        }),
        write('g', 'create', null, { matchValues: { email: 'g@contoso.com' } }),
        write('h', 'create', null, { matchValues: { external_id: 'h', email: 'h@contoso.com' } }),
      ],
      new Map(),
      index([
        targetUser('10', { external_id: 'a', email: 'A@contoso.com' }),
        targetUser('11', { external_id: 'h' }),
        targetUser('12', { email: 'h@contoso.com' }),
      ]),
      later,
    );
    expect(created).toMatchObject({
      outcome: 'recorded',
      link: { sourceId: 'a', targetId: '10', state: 'active', created: true },
    });
    expect(notCreated).toMatchObject({ outcome: 'dropped', reason: 'not carried out' });
    // Two different users match: the plan reports the duplicate, reconciliation guesses nothing.
    expect(twice).toMatchObject({ outcome: 'dropped', reason: 'ambiguous' });
  });

  it('never relinks an object an operator unlinked since', () => {
    const [outcome] = reconcilePendingWrites(
      [write('b', 'disable', '20')],
      new Map([['b', link('b', '20', 'unlinked')]]),
      index([targetUser('20', {}, { disabled: true })]),
      later,
    );
    expect(outcome).toMatchObject({ outcome: 'dropped', reason: 'unlinked' });
  });

  it('summarises what it recorded for the audit log', () => {
    const outcomes = reconcilePendingWrites(
      [write('b', 'disable', '20'), write('x', 'disable', '21')],
      new Map([
        ['b', link('b', '20', 'active')],
        ['x', link('x', '21', 'active')],
      ]),
      index([targetUser('20', {}, { disabled: true }), targetUser('21', {})]),
      later,
    );
    expect(reconciliationSummary(outcomes)).toBe(
      "Reconciled after an interrupted cycle: 2 writes the cycle had begun; 1 suspended by provisio (User b) recorded as provisio's own; 1 not carried out by the target, planned again.",
    );
  });
});

describe('group pending writes', () => {
  const group = (id: string, name: string): TargetGroup => ({
    id,
    attributes: { name },
    displayName: name,
  });
  const groupPlan = (sourceId: string, action: TargetGroupAction | null): GroupPlan =>
    ({ sourceId, displayName: `Group ${sourceId}`, action }) as unknown as GroupPlan;
  const groupLink = (
    sourceId: string,
    targetId: string,
    state: GroupLinkRecord['state'],
    created: boolean,
  ): GroupLinkRecord => ({
    jobId: 'j',
    sourceId,
    targetId,
    state,
    created,
    displayName: `Group ${sourceId}`,
    updatedAt: at.toISOString(),
  });
  const groupWrite = (
    sourceId: string,
    action: 'create' | 'delete',
    targetId: string | null,
    extra: Partial<PendingWriteRecord> = {},
  ): PendingWriteRecord =>
    write(sourceId, action, targetId, {
      objectType: 'group',
      displayName: `Group ${sourceId}`,
      ...extra,
    });

  it('records group creates with the matching value and deletions, not updates', () => {
    const links = new Map([['d', groupLink('d', 'zd', 'active', true)]]);
    const writes = pendingGroupWritesFor(
      'j',
      'c1',
      [
        groupPlan('a', { kind: 'create', key: 'a', attributes: { name: 'Sales', description: 'x' } }),
        groupPlan('u', { kind: 'update', key: 'u', targetId: 'zu', changes: { description: 'y' } }),
        groupPlan('d', { kind: 'delete', key: 'd', targetId: 'zd' }),
        groupPlan('n', null),
      ],
      'name',
      links,
      at,
    );
    expect(writes).toEqual([
      groupWrite('a', 'create', null, {
        matchValues: { name: 'Sales' },
        created: false,
        displayName: 'Group a',
      }),
      groupWrite('d', 'delete', 'zd', { created: true, displayName: 'Group d' }),
    ]);
  });

  it('a group create the target carried out is recorded as created by provisio, not adopted', () => {
    const groups = new TargetGroupIndex('name', [group('z1', 'Sales'), group('z2', 'Support')]);
    const outcomes = reconcilePendingGroupWrites(
      [
        groupWrite('a', 'create', null, { matchValues: { name: ' sales ' }, created: false }),
        groupWrite('b', 'create', null, { matchValues: { name: 'Marketing' }, created: false }),
      ],
      new Map(),
      groups,
      later,
    );
    expect(outcomes[0]).toMatchObject({
      outcome: 'recorded',
      link: { sourceId: 'a', targetId: 'z1', state: 'active', created: true, updatedAt: later.toISOString() },
    });
    expect(outcomes[1]).toMatchObject({ outcome: 'dropped', reason: 'not carried out' });
  });

  it('two groups with the name, a link already saying so, and an unlinked group are left alone', () => {
    const groups = new TargetGroupIndex('name', [
      group('z1', 'Sales'),
      group('z3', 'SALES'),
      group('z2', 'Ops'),
    ]);
    const links = new Map([
      ['b', groupLink('b', 'z2', 'active', true)],
      ['c', groupLink('c', 'z2', 'unlinked', false)],
    ]);
    const outcomes = reconcilePendingGroupWrites(
      [
        groupWrite('a', 'create', null, { matchValues: { name: 'Sales' } }),
        groupWrite('b', 'create', null, { matchValues: { name: 'Ops' } }),
        groupWrite('c', 'create', null, { matchValues: { name: 'Ops' } }),
      ],
      links,
      groups,
      later,
    );
    expect(outcomes.map((o) => (o.outcome === 'dropped' ? o.reason : o.outcome))).toEqual([
      'ambiguous',
      'already recorded',
      'unlinked',
    ]);
  });

  it('a group deletion is recorded when the group is gone, keeping who created it', () => {
    const groups = new TargetGroupIndex('name', [group('z2', 'Ops')]);
    const links = new Map([
      ['a', groupLink('a', 'z1', 'active', true)],
      ['b', groupLink('b', 'z2', 'active', true)],
    ]);
    const outcomes = reconcilePendingGroupWrites(
      [groupWrite('a', 'delete', 'z1', { created: true }), groupWrite('b', 'delete', 'z2')],
      links,
      groups,
      later,
    );
    expect(outcomes[0]).toMatchObject({
      outcome: 'recorded',
      link: { targetId: 'z1', state: 'deleted', created: true },
    });
    expect(outcomes[1]).toMatchObject({ outcome: 'dropped', reason: 'not carried out' });
    expect(reconciliationSummary(outcomes, 'group write')).toBe(
      "Reconciled after an interrupted cycle: 2 group writes the cycle had begun; 1 deleted by provisio (Group a) recorded as provisio's own; 1 not carried out by the target, planned again.",
    );
  });
});
