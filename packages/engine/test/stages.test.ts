/** The cycle's pure stages beside `planUser`: import, group plan, membership plan, guard. */
import { compileMappings, compileScopingFilters } from '@provisio/expressions';
import { describe, expect, it } from 'vitest';
import { defaultGroupMappings } from '../src/config/defaults.js';
import {
  type GroupPlan,
  type GroupPlanSettings,
  planGroup,
  TargetGroupIndex,
} from '../src/pipeline/group-plan.js';
import { describeHeld, downgradeOf, guardDeletions, guardMembershipRemovals } from '../src/pipeline/guard.js';
import { assignmentSignature, importUsers } from '../src/pipeline/import.js';
import { type MembershipPlan, planMemberships } from '../src/pipeline/membership-plan.js';
import type { PlannedUser } from '../src/pipeline/plan.js';
import type { SourceAssignment } from '../src/ports/source.js';
import type { LinkRecord, SourceGroupRecord, SourceUserRecord } from '../src/ports/state.js';
import type { TargetGroup, TargetUser } from '../src/ports/target.js';
import { targetUser } from './support/fakes.js';

const now = new Date('2026-01-05T08:00:00.000Z');
const T = now.toISOString();

function compiled<T>(result: { ok: true; mappings: T } | { ok: false }): T {
  if (!result.ok) throw new Error('mappings do not compile');
  return result.mappings;
}

const groupSettings = (extra: Partial<GroupPlanSettings> = {}): GroupPlanSettings => {
  const filters = compileScopingFilters(null);
  if (!filters.ok) throw new Error('filters');
  return {
    scope: 'assigned',
    mappings: compiled(compileMappings(defaultGroupMappings)),
    scopingFilters: filters.filters,
    actions: new Set(['create', 'update', 'delete']),
    deleteAdopted: false,
    ...extra,
  };
};

const prepareGroup = (mapped: Readonly<Record<string, unknown>>) => ({
  attributes: Object.fromEntries(Object.entries(mapped).filter(([, v]) => v !== null && v !== undefined)),
  problems: [],
});

const group = (id: string, name: string, extra: Partial<SourceGroupRecord> = {}): SourceGroupRecord => ({
  jobId: 'j',
  sourceId: id,
  attributes: { displayName: name, description: `${name} team` },
  members: [],
  removed: null,
  updatedAt: T,
  ...extra,
});

const targetGroup = (id: string, name: string, description = `${name} team`): TargetGroup => ({
  id,
  attributes: { name, description },
  displayName: name,
});

const link = (sourceId: string, targetId: string, extra: Partial<LinkRecord> = {}): LinkRecord => ({
  jobId: 'j',
  sourceId,
  targetId,
  state: 'active',
  created: true,
  displayName: sourceId,
  updatedAt: T,
  ...extra,
});

const mirrored = (id: string, extra: Partial<SourceUserRecord> = {}): SourceUserRecord => ({
  jobId: 'j',
  sourceId: id,
  attributes: { displayName: id },
  removed: null,
  assignmentSignature: '',
  assignments: [],
  staged: false,
  updatedAt: T,
  ...extra,
});

const assignment = (userId: string, appRoleId: string, viaGroupId?: string): SourceAssignment => ({
  id: `${userId}-${appRoleId}`,
  userId,
  appRoleId,
  roleDisplayName: 'Agent',
  roleValue: 'agent',
  ...(viaGroupId ? { viaGroupId } : {}),
});

describe('import', () => {
  it('merges an incremental change into the mirror and says why each user is evaluated', () => {
    const mirror = new Map([
      ['u1', mirrored('u1', { attributes: { displayName: 'One', department: 'Sales' } })],
      ['u2', mirrored('u2', { assignmentSignature: assignmentSignature([assignment('u2', 'r1')]) })],
      ['u3', mirrored('u3', { staged: true })],
    ]);
    const { changed, evaluate } = importUsers({
      jobId: 'j',
      full: false,
      changes: [
        { kind: 'upsert', user: { id: 'u1', attributes: { department: 'Support' } } },
        { kind: 'upsert', user: { id: 'u4', attributes: { displayName: 'Four' } } },
        { kind: 'removed', id: 'u5', removed: 'hard' },
      ],
      assignments: { byUser: new Map([['u2', [assignment('u2', 'r2')]]]), complete: false },
      mirror,
      links: new Map(),
      escrows: new Map(),
      now,
    });
    expect(changed.get('u1')?.attributes).toEqual({ displayName: 'One', department: 'Support' });
    expect(Object.fromEntries(evaluate)).toEqual({
      u1: 'Update',
      u4: 'Add',
      u5: 'Delete',
      u2: 'Update',
      u3: 'None',
    });
    // The new assignment signature is kept in its own column, not in the attributes.
    expect(changed.get('u2')?.assignmentSignature).toBe('r2|');
    expect(changed.get('u2')?.attributes).toEqual({ displayName: 'u2' });
    expect(mirror.get('u1')?.attributes['department']).toBe('Sales');
  });

  it('on a full read, deprovisions linked users the read no longer lists', () => {
    const { evaluate, changed } = importUsers({
      jobId: 'j',
      full: true,
      changes: [{ kind: 'upsert', user: { id: 'u1', attributes: { displayName: 'One' } } }],
      assignments: { byUser: new Map(), complete: true },
      mirror: new Map([['u2', mirrored('u2')]]),
      links: new Map([['u3', link('u3', '30')]]),
      escrows: new Map(),
      now,
    });
    expect(evaluate.get('u2')).toBe('Delete');
    expect(evaluate.get('u3')).toBe('Delete');
    expect(changed.get('u3')?.removed).toBe('soft');
  });

  const assigned = (id: string, ...roles: string[]) => {
    const list = roles.map((role) => assignment(id, role));
    return mirrored(id, { assignmentSignature: assignmentSignature(list), assignments: list });
  };
  const importWith = (
    mirror: Map<string, SourceUserRecord>,
    byUser: Map<string, SourceAssignment[]>,
    complete: boolean,
  ) =>
    importUsers({
      jobId: 'j',
      full: false,
      changes: [],
      assignments: { byUser, complete },
      mirror,
      links: new Map(),
      escrows: new Map(),
      now,
    });

  it('between sweeps, only the users whose assignments were read are compared; the others keep theirs', () => {
    const mirror = new Map([
      ['u1', assigned('u1', 'r1')],
      ['u2', assigned('u2', 'r1')],
    ]);
    const { changed, evaluate } = importWith(mirror, new Map([['u2', []]]), false);
    expect(Object.fromEntries(evaluate)).toEqual({ u2: 'Update' });
    expect(changed.get('u2')).toMatchObject({ assignmentSignature: '', assignments: [] });
    expect(changed.has('u1')).toBe(false);
  });

  it('a sweep is complete: a user it does not list has no assignment left', () => {
    const mirror = new Map([
      ['u1', assigned('u1', 'r1')],
      ['u2', assigned('u2', 'r1')],
    ]);
    const { changed, evaluate } = importWith(mirror, new Map([['u2', [assignment('u2', 'r1')]]]), true);
    expect(Object.fromEntries(evaluate)).toEqual({ u1: 'Update' });
    expect(changed.get('u1')?.assignments).toEqual([]);
  });

  it('remembers renamed roles and assignments first read without evaluating anyone', () => {
    const renamed = { ...assignment('u1', 'r1'), roleDisplayName: 'Support agent' };
    const legacy = mirrored('u2', { assignmentSignature: assignmentSignature([assignment('u2', 'r1')]) });
    const { changed, evaluate } = importWith(
      new Map([
        ['u1', assigned('u1', 'r1')],
        ['u2', legacy],
      ]),
      new Map([
        ['u1', [renamed]],
        ['u2', [assignment('u2', 'r1')]],
      ]),
      true,
    );
    expect(evaluate.size).toBe(0);
    expect(changed.get('u1')?.assignments).toEqual([renamed]);
    expect(changed.get('u2')?.assignments).toEqual([assignment('u2', 'r1')]);
  });

  it('staged users are evaluated again whether or not their assignments were read', () => {
    const { evaluate } = importWith(new Map([['u3', mirrored('u3', { staged: true })]]), new Map(), false);
    expect(Object.fromEntries(evaluate)).toEqual({ u3: 'None' });
  });
});

describe('group plan', () => {
  const index = (...groups: TargetGroup[]) => new TargetGroupIndex('name', groups);
  const plan = (
    record: SourceGroupRecord,
    idx: TargetGroupIndex,
    extra: Partial<Parameters<typeof planGroup>[3]> = {},
  ) =>
    planGroup(
      groupSettings(),
      { prepareGroup },
      idx,
      { record, link: null, assigned: true, reportUnlinked: true, ...extra },
      now,
    );

  it('matches an existing group by name, ignoring case and surrounding spaces', () => {
    const result = plan(
      group('g1', '  support tier 2 '),
      index(targetGroup('7', 'Support Tier 2', '  support tier 2  team')),
    );
    expect(result?.targetId).toBe('7');
    expect(result?.action?.kind).toBe('update');
  });

  it('creates a group nobody holds, and reports two holders as duplicates', () => {
    expect(plan(group('g1', 'New'), index())?.action).toEqual({
      kind: 'create',
      key: 'g1',
      attributes: { name: 'New', description: 'New team' },
    });
    const duplicate = plan(
      group('g1', 'Twice'),
      index(targetGroup('1', 'Twice'), targetGroup('2', 'twice ')),
    );
    expect(duplicate?.error?.code).toBe('DuplicateTargetEntries');
  });

  it('deletes a linked group that left the scope, and leaves an unlinked one out of incremental plans', () => {
    const idx = index(targetGroup('7', 'Old'));
    const linked = {
      jobId: 'j',
      sourceId: 'g1',
      targetId: '7',
      state: 'active' as const,
      created: true,
      displayName: 'Old',
      updatedAt: T,
    };
    expect(plan(group('g1', 'Old'), idx, { assigned: false, link: linked })?.action).toEqual({
      kind: 'delete',
      key: 'g1',
      targetId: '7',
    });
    expect(plan(group('g2', 'Other'), idx, { assigned: false, reportUnlinked: false })).toBeNull();
  });

  it('evaluates a linked group in update mode (an OnCreate mapping is not sent again)', () => {
    const settings = groupSettings({
      mappings: compiled(
        compileMappings([
          { target: 'name', type: 'Direct', source: 'displayName', matching: 1 },
          { target: 'description', type: 'Constant', source: 'set once', apply: 'OnCreate' },
        ]),
      ),
    });
    const linked = {
      jobId: 'j',
      sourceId: 'g1',
      targetId: '7',
      state: 'active' as const,
      created: true,
      displayName: 'Ops',
      updatedAt: T,
    };
    const result = planGroup(
      settings,
      { prepareGroup },
      index(targetGroup('7', 'Ops', 'changed in Zendesk')),
      { record: group('g1', 'Ops'), link: linked, assigned: true, reportUnlinked: true },
      now,
    );
    expect(result?.action).toBeNull();
    expect(result?.reason).toMatch(/already in sync/);
  });

  describe('ownership', () => {
    const groupLink = (created: boolean, state: 'active' | 'unlinked' = 'active') => ({
      jobId: 'j',
      sourceId: 'g1',
      targetId: '7',
      state,
      created,
      displayName: 'Support',
      updatedAt: T,
    });
    const defaultGroup: TargetGroup = {
      ...targetGroup('7', 'Support', 'The default group'),
      protection: "the account's default group",
    };

    it('never matches, updates or deletes a protected group', () => {
      const matched = plan(group('g1', 'Support'), index(defaultGroup));
      expect(matched).toMatchObject({
        action: null,
        targetId: null,
        status: 'skipped',
        error: { code: 'ProtectedObject' },
      });
      const leaving = plan(group('g1', 'Support', { removed: 'soft' }), index(defaultGroup), {
        link: groupLink(false),
      });
      expect(leaving).toMatchObject({ action: null, error: { code: 'ProtectedObject' } });
    });

    it('keeps an adopted group that leaves scope unless settings.adoptedObjects.delete; deletes a created one', () => {
      const ops = targetGroup('7', 'Ops');
      const leaving = group('g1', 'Ops', { removed: 'soft' });
      expect(plan(leaving, index(ops), { link: groupLink(false) })).toMatchObject({
        action: null,
        targetId: '7',
        error: { code: 'AdoptedObjectKept' },
      });
      expect(plan(leaving, index(ops), { link: groupLink(true) })?.action?.kind).toBe('delete');
      const optedIn = planGroup(
        groupSettings({ deleteAdopted: true }),
        { prepareGroup },
        index(ops),
        { record: leaving, link: groupLink(false), assigned: true, reportUnlinked: true },
        now,
      );
      expect(optedIn?.action?.kind).toBe('delete');
    });

    it('leaves an unlinked group alone and never matches its target group again', () => {
      const ops = targetGroup('7', 'Ops', 'changed');
      expect(plan(group('g1', 'Ops'), index(ops), { link: groupLink(true, 'unlinked') })).toMatchObject({
        action: null,
        error: { code: 'Unlinked' },
      });
      // Another source group of that name: the unlinked Zendesk group is not adopted; a new one is created.
      expect(plan(group('g2', 'Ops'), index(ops), { unlinkedTargets: new Set(['7']) })?.action?.kind).toBe(
        'create',
      );
    });
  });
});

describe('membership plan', () => {
  const agentUser = (id: string) => targetUser(id, { name: id, role: 'agent' });
  const canJoinGroups = (user: TargetUser) => user.attributes['role'] !== 'end-user';

  it('adds members, removes managed users who left, skips end-users with the reason, keeps foreign members', () => {
    const users = new Map<string, TargetUser>([
      ['10', agentUser('10')],
      ['11', targetUser('11', { name: 'eu', role: 'end-user' })],
      ['12', agentUser('12')],
      ['99', agentUser('99')],
    ]);
    const [planned] = planMemberships(
      { canJoinGroups },
      {
        groups: [{ sourceId: 'g1', displayName: 'G', targetId: '7' }],
        mirror: new Map([
          [
            'g1',
            group('g1', 'G', {
              members: [
                { id: 'u1', type: 'user' },
                { id: 'u2', type: 'user' },
                { id: 'u4', type: 'user' },
              ],
            }),
          ],
        ]),
        expandNested: false,
        userLinks: new Map([
          ['u1', link('u1', '10')],
          ['u2', link('u2', '11')],
          ['u3', link('u3', '12')],
        ]),
        targetUser: (id) => users.get(id),
        // 12 (u3, managed, no longer a member) and 99 (not managed by provisio) are members now.
        memberships: new Map([
          [
            '7',
            new Map([
              ['12', 'm12'],
              ['99', 'm99'],
            ]),
          ],
        ]),
        userNames: new Map(),
        reportAll: false,
      },
    );
    expect(planned?.add.map((a) => a.targetUserId)).toEqual(['10']);
    expect(planned?.remove.map((r) => r.membershipId)).toEqual(['m12']);
    expect(planned?.skipped.map((s) => [s.userSourceId, s.refusedByTarget])).toEqual([
      ['u2', true],
      ['u4', false],
    ]);
  });
});

describe('guard', () => {
  const user = (id: string, kind: 'disable' | 'update'): PlannedUser =>
    ({
      sourceId: id,
      displayName: id,
      action:
        kind === 'disable'
          ? { kind, key: id, targetId: id, policy: 'suspend' }
          : { kind, key: id, targetId: id, changes: {} },
      provisioningAction: kind,
      status: 'success',
      modifiedProperties: [],
      description: `${id} changes.`,
    }) as unknown as PlannedUser;
  const deleteGroup: GroupPlan = {
    sourceId: 'g',
    displayName: 'g',
    inScope: false,
    reason: 'unassigned',
    action: { kind: 'delete', key: 'g', targetId: '7' },
    targetId: '7',
    modifiedProperties: [],
    status: 'success',
  };

  it('stages every deprovisioning beyond the threshold, users and groups counted together, without changing its input', () => {
    const users = [user('a', 'disable'), user('b', 'disable'), user('c', 'update')];
    const result = guardDeletions({ users, groups: [deleteGroup], threshold: 2, allow: false });
    expect(result.staged).toBe(3);
    expect(result.users.map((u) => u.provisioningAction)).toEqual(['stagedDelete', 'stagedDelete', 'update']);
    expect(result.users[0]?.action).toBeNull();
    expect(result.groups[0]?.action).toBeNull();
    expect(result.groups[0]?.error?.code).toBe('TooManyDeletes');
    expect(users[0]?.action?.kind).toBe('disable');
    expect(deleteGroup.action?.kind).toBe('delete');
  });

  it('lets them through at or under the threshold, when allowed, or when the threshold is off', () => {
    const users = [user('a', 'disable'), user('b', 'disable')];
    expect(guardDeletions({ users, groups: [], threshold: 2, allow: false }).staged).toBe(0);
    expect(guardDeletions({ users, groups: [deleteGroup], threshold: 2, allow: true }).staged).toBe(0);
    expect(guardDeletions({ users, groups: [deleteGroup], threshold: 0, allow: false }).staged).toBe(0);
  });
});

describe('guard: what hurts, each kind against its own threshold', () => {
  const agent = (id: string, role: string) => targetUser(id, { name: id, role });
  /** A planned update of the role (and the name) of a target user. */
  const roleChange = (id: string, from: string, to: string): PlannedUser =>
    ({
      sourceId: id,
      displayName: id,
      target: agent(id, from),
      action: { kind: 'update', key: id, targetId: id, changes: { role: to, name: `${id}!` } },
      provisioningAction: 'update',
      status: 'success',
      modifiedProperties: [{ displayName: 'role', oldValue: from, newValue: to }],
      description: `${id}: role will be updated.`,
    }) as unknown as PlannedUser;
  const disable = (id: string): PlannedUser =>
    ({
      sourceId: id,
      displayName: id,
      target: agent(id, 'agent'),
      action: { kind: 'disable', key: id, targetId: id, policy: 'suspend' },
      provisioningAction: 'disable',
      status: 'success',
      modifiedProperties: [],
      description: `${id} is disabled in Entra ID.`,
    }) as unknown as PlannedUser;
  // A target that ranks roles, as a connector would (Zendesk: end-user < agent < admin).
  const rank: Record<string, number> = { 'end-user': 0, agent: 1, admin: 2 };
  const isDowngrade = downgradeOf({
    reducesPrivileges: (current, changes) =>
      typeof changes['role'] === 'string' &&
      (rank[changes['role']] ?? 0) < (rank[String(current.attributes['role'])] ?? 0),
  });

  it('counts role downgrades (admin or agent to a lesser role) against downgradeThreshold and stages them whole', () => {
    const users = [
      roleChange('a', 'agent', 'end-user'),
      roleChange('b', 'admin', 'agent'),
      roleChange('c', 'admin', 'end-user'),
      roleChange('d', 'end-user', 'agent'),
    ];
    const result = guardDeletions({
      users,
      groups: [],
      threshold: 500,
      downgradeThreshold: 2,
      isDowngrade,
      allow: false,
    });
    expect(result.held).toEqual([{ kind: 'downgrade', count: 3, threshold: 2 }]);
    expect(result.staged).toBe(3);
    expect(result.users.map((u) => u.provisioningAction)).toEqual([
      'stagedDelete',
      'stagedDelete',
      'stagedDelete',
      'update',
    ]);
    const held = result.users[0] as PlannedUser;
    expect(held.action).toBeNull();
    expect(held.status).toBe('skipped');
    expect(held.error?.code).toBe('TooManyDeletes');
    expect(held.error?.reason).toMatch(/3 users would lose privileges .* the threshold is 2/);
    expect(held.description).toMatch(
      /^Staged downgrade: a: role will be updated\. .*settings\.downgradeThreshold \(2\)/,
    );
    // The upgrade goes ahead; the input is unchanged.
    expect(result.users[3]?.action?.kind).toBe('update');
    expect(users[0]?.action?.kind).toBe('update');
    expect(describeHeld(result.held)).toBe('3 role downgrades over the threshold of 2');
  });

  it('keeps the kinds apart: downgrades over theirs do not hold deprovisionings within theirs, and the other way round', () => {
    const users = [roleChange('a', 'agent', 'end-user'), roleChange('b', 'agent', 'end-user'), disable('x')];
    const downgradesHeld = guardDeletions({
      users,
      groups: [],
      threshold: 5,
      downgradeThreshold: 1,
      isDowngrade,
      allow: false,
    });
    expect(downgradesHeld.users.map((u) => u.provisioningAction)).toEqual([
      'stagedDelete',
      'stagedDelete',
      'disable',
    ]);
    const disablesHeld = guardDeletions({
      users: [...users, disable('y')],
      groups: [],
      threshold: 1,
      downgradeThreshold: 5,
      isDowngrade,
      allow: false,
    });
    expect(disablesHeld.users.map((u) => u.provisioningAction)).toEqual([
      'update',
      'update',
      'stagedDelete',
      'stagedDelete',
    ]);
    expect(describeHeld(disablesHeld.held)).toBe('2 deprovisionings over the threshold of 1');
    const both = guardDeletions({
      users: [...users, disable('y')],
      groups: [],
      threshold: 1,
      downgradeThreshold: 1,
      isDowngrade,
      allow: false,
    });
    expect(both.staged).toBe(4);
    expect(describeHeld(both.held)).toBe(
      '2 deprovisionings over the threshold of 1; 2 role downgrades over the threshold of 1',
    );
  });

  it('lets downgrades through at the threshold, when allowed, when 0 (off), and when the target sees no privilege lost', () => {
    const users = [roleChange('a', 'agent', 'end-user'), roleChange('b', 'admin', 'agent')];
    const run = (downgradeThreshold: number, allow = false, check = isDowngrade) =>
      guardDeletions({ users, groups: [], threshold: 500, downgradeThreshold, isDowngrade: check, allow })
        .staged;
    expect(run(2)).toBe(0);
    expect(run(1)).toBe(2);
    expect(run(1, true)).toBe(0);
    expect(run(0)).toBe(0);
    expect(run(1, false, downgradeOf({ reducesPrivileges: () => false }))).toBe(0);
  });

  const removal = (user: string) => ({
    userSourceId: user,
    userName: user,
    targetUserId: `t-${user}`,
    membershipId: `m-${user}`,
  });
  const membershipPlan = (group: string, removals: string[]): MembershipPlan => ({
    groupSourceId: group,
    groupName: group,
    targetGroupId: `t-${group}`,
    add: [{ userSourceId: 'new', userName: 'new', targetUserId: 't-new' }],
    remove: removals.map(removal),
    skipped: [],
  });

  it('holds every membership removal when they exceed membershipRemovalThreshold; adds go ahead', () => {
    const plans = [membershipPlan('g1', ['a', 'b']), membershipPlan('g2', ['c'])];
    const result = guardMembershipRemovals(plans, 2, false);
    expect(result.held).toEqual({ kind: 'membershipRemoval', count: 3, threshold: 2 });
    expect(result.plans.map((m) => [m.remove.length, m.held?.map((r) => r.userName), m.add.length])).toEqual([
      [0, ['a', 'b'], 1],
      [0, ['c'], 1],
    ]);
    expect(plans[0]?.remove).toHaveLength(2);
    expect(describeHeld([result.held ?? { kind: 'membershipRemoval', count: 0, threshold: 0 }])).toBe(
      '3 membership removals over the threshold of 2',
    );
    expect(guardMembershipRemovals(plans, 3, false).held).toBeNull();
    expect(guardMembershipRemovals(plans, 2, true).held).toBeNull();
    expect(guardMembershipRemovals(plans, 0, false).plans).toBe(plans);
  });

  it('never removes (nor counts) memberships in groups provisio does not manage', () => {
    const canJoinGroups = (user: TargetUser) => user.attributes['role'] !== 'end-user';
    const users = new Map([
      ['10', agent('10', 'agent')],
      ['11', agent('11', 'agent')],
    ]);
    const plans = planMemberships(
      { canJoinGroups },
      {
        // Only group 7 is linked; group 8 is Zendesk's own (no group link).
        groups: [{ sourceId: 'g1', displayName: 'Managed', targetId: '7' }],
        mirror: new Map([['g1', group('g1', 'Managed', { members: [] })]]),
        expandNested: false,
        userLinks: new Map([
          ['u1', link('u1', '10')],
          ['u2', link('u2', '11')],
        ]),
        targetUser: (id) => users.get(id),
        memberships: new Map([
          ['7', new Map([['10', 'm1']])],
          [
            '8',
            new Map([
              ['10', 'm2'],
              ['11', 'm3'],
            ]),
          ],
        ]),
        userNames: new Map(),
        reportAll: false,
      },
    );
    expect(plans.map((m) => [m.targetGroupId, m.remove.map((r) => r.membershipId)])).toEqual([['7', ['m1']]]);
    const guarded = guardMembershipRemovals(plans, 0, false);
    expect(guarded.plans.flatMap((m) => m.remove.map((r) => r.membershipId))).toEqual(['m1']);
    expect(guardMembershipRemovals(plans, 1, false).held).toBeNull();
  });
});
