import { describe, expect, it } from 'vitest';
import { checkJobDefinition } from '../src/jobs/compile.js';
import { planMemberships } from '../src/pipeline/membership-plan.js';
import { type PlanInput, planSettingsFrom, planUser } from '../src/pipeline/plan.js';
import { namedProtection, protectNamedCreates, protectNamedUsers } from '../src/pipeline/protected-users.js';
import { TargetIndex } from '../src/pipeline/target-index.js';
import type { LinkRecord, SourceGroupRecord } from '../src/ports/state.js';
import type { TargetUser } from '../src/ports/target.js';
import { fakeTarget, targetUser } from './support/fakes.js';
import { exampleDefinition, testJob } from './support/jobs.js';

const now = new Date('2026-12-04T10:00:00Z');
const settings = (extra: Record<string, unknown> = {}) =>
  planSettingsFrom(testJob({ ...exampleDefinition, settings: extra, mappings: { users: {} } }));

/** The account owner, an admin nobody assigned in Entra yet. */
const ownerUser = targetUser('100', {
  name: 'Olga Owner',
  email: 'Olga@Contoso.com',
  external_id: null,
  role: 'admin',
});
const bob = targetUser('200', { name: 'Bob', email: 'bob@contoso.com', external_id: 'u2', role: 'agent' });

function index(entries: readonly string[], users: TargetUser[] = [ownerUser, bob]): TargetIndex {
  const i = new TargetIndex(fakeTarget.matchableAttributes, fakeTarget.matchKey);
  i.put(users);
  i.protectWith(protectNamedUsers(entries, fakeTarget));
  return i;
}

const olga = {
  userPrincipalName: 'olga@contoso.com',
  displayName: 'Olga Renamed',
  accountEnabled: true,
};
const agent = { id: 'as1', userId: 'u1', appRoleId: 'r', roleDisplayName: 'Agent', roleValue: 'agent' };
const input = (extra: Partial<PlanInput> = {}): PlanInput => ({
  sourceId: 'u1',
  attributes: olga,
  assignments: [agent],
  removed: null,
  link: null,
  change: 'Add',
  ...extra,
});
const link = (sourceId: string, targetId: string): LinkRecord => ({
  jobId: 'j',
  sourceId,
  targetId,
  state: 'active',
  created: false,
  displayName: sourceId,
  updatedAt: now.toISOString(),
});

describe('settings.protectedUsers', () => {
  it('marks the users it names, by id or by e-mail as the target compares e-mails', () => {
    for (const entries of [['100'], ['olga@contoso.com'], [' OLGA@contoso.COM ']]) {
      const i = index(entries);
      expect(i.get('100')?.protection, entries.join()).toBe(namedProtection);
      expect(i.find('email', 'olga@contoso.com')[0]?.protection).toBe(namedProtection);
      expect(i.get('200')?.protection).toBeUndefined();
    }
    expect(index([]).get('100')?.protection).toBeUndefined();
    // The connector's own reason is kept.
    const marked = protectNamedUsers(['100'], fakeTarget)({ ...ownerUser, protection: 'the default' });
    expect(marked.protection).toBe('the default');
  });

  it('marks users put later, and a new list replaces the marks of the previous one', () => {
    const i = index(['carol@contoso.com'], [bob]);
    i.put([targetUser('300', { name: 'Carol', email: 'carol@contoso.com' })]);
    expect(i.get('300')?.protection).toBe(namedProtection);
    i.protectWith(protectNamedUsers(['200'], fakeTarget));
    expect(i.get('300')?.protection).toBeUndefined();
    expect(i.get('200')?.protection).toBe(namedProtection);
  });

  it('skips an Entra user matching a named user with ProtectedObject: nothing sent, no link', () => {
    const matched = planUser(settings(), fakeTarget, index(['olga@contoso.com']), input(), now);
    expect(matched).toMatchObject({
      action: null,
      status: 'skipped',
      error: {
        code: 'ProtectedObject',
        reason: expect.stringContaining(
          'Zendesk user 100 (Olga Owner) is named in settings.protectedUsers (e.g. the account owner); provisio never matches, changes, suspends or deletes it',
        ),
      },
    });
    expect(matched.newLink).toBeUndefined();
    // Without the setting the same user is adopted and renamed.
    const adopted = planUser(settings(), fakeTarget, index([]), input(), now);
    expect(adopted.action).toMatchObject({ kind: 'update', targetId: '100' });
  });

  it('holds back a create carrying the e-mail of a named user the index does not hold yet', () => {
    const target = { ...fakeTarget, system: { displayName: 'Zendesk', id: 'acme', details: {} } };
    const create = planUser(settings(), fakeTarget, index(['OLGA@contoso.com'], [bob]), input(), now);
    expect(create.action?.kind).toBe('create');
    const held = protectNamedCreates(['OLGA@contoso.com'], target)(create);
    expect(held).toMatchObject({
      action: null,
      status: 'skipped',
      provisioningAction: 'other',
      error: {
        code: 'ProtectedObject',
        reason: expect.stringContaining(
          'Zendesk would update its user with the e-mail address olga@contoso.com instead, which is named in settings.protectedUsers',
        ),
      },
    });
    // Another e-mail, or ids only: the create goes ahead.
    expect(protectNamedCreates(['someone@contoso.com', '100'], target)(create)).toBe(create);
  });

  it('never deprovisions a linked named user, whatever the policy', () => {
    for (const deprovision of ['suspend', 'downgrade-and-suspend', 'delete']) {
      const leaving = planUser(
        settings({ deprovision }),
        fakeTarget,
        index(['100']),
        input({ link: link('u1', '100'), assignments: [], change: 'Update' }),
        now,
      );
      expect(leaving, deprovision).toMatchObject({ action: null, error: { code: 'ProtectedObject' } });
    }
  });

  it('neither adds a named user to a group nor removes it from one', () => {
    const i = index(['100']);
    const group = {
      jobId: 'j',
      sourceId: 'g1',
      attributes: { displayName: 'G' },
      members: [
        { id: 'u1', type: 'user' },
        { id: 'u2', type: 'user' },
      ],
      removed: null,
      updatedAt: now.toISOString(),
    } as unknown as SourceGroupRecord;
    const plan = (members: readonly { id: string; type: string }[], held: Map<string, string>) =>
      planMemberships(
        { canJoinGroups: () => true },
        {
          groups: [{ sourceId: 'g1', displayName: 'G', targetId: '7' }],
          mirror: new Map([['g1', { ...group, members } as unknown as SourceGroupRecord]]),
          expandNested: false,
          userLinks: new Map([
            ['u1', link('u1', '100')],
            ['u2', link('u2', '200')],
          ]),
          targetUser: (id) => i.get(id),
          memberships: new Map([['7', held]]),
          userNames: new Map([['u1', 'Olga']]),
          reportAll: false,
        },
      )[0];
    const joining = plan(group.members, new Map());
    expect(joining?.add.map((a) => a.targetUserId)).toEqual(['200']);
    expect(joining?.skipped).toEqual([
      expect.objectContaining({ userSourceId: 'u1', reason: expect.stringMatching(/ProtectedObject/) }),
    ]);
    // A member in Zendesk who left the Entra group keeps the membership; so does one still in it (reported once).
    const leaving = plan([{ id: 'u2', type: 'user' }], new Map([['100', 'm100']]));
    expect(leaving?.remove).toEqual([]);
    expect(leaving?.skipped).toHaveLength(1);
    expect(plan(group.members, new Map([['100', 'm100']]))?.skipped).toHaveLength(1);
  });

  it('accepts e-mail addresses and ids; refuses empty entries, other text and more than 100', () => {
    const withList = (protectedUsers: unknown) => ({ ...exampleDefinition, settings: { protectedUsers } });
    const ok = checkJobDefinition(withList(['owner@example.com', '360012345678']));
    expect(ok.ok && ok.job.settings.protectedUsers).toEqual(['owner@example.com', '360012345678']);
    const defaults = checkJobDefinition(exampleDefinition);
    expect(defaults.ok && defaults.job.settings.protectedUsers).toEqual([]);
    const problems = (value: unknown) => {
      const check = checkJobDefinition(withList(value));
      return check.ok ? [] : check.problems.map((p) => `${p.path}: ${p.message}`);
    };
    expect(problems([' '])).toEqual([
      expect.stringMatching(/^settings\.protectedUsers\[0\]: must not be empty/),
    ]);
    expect(problems(['the owner'])).toEqual([
      expect.stringMatching(/^settings\.protectedUsers\[0\]: "the owner" is neither an e-mail address nor/),
    ]);
    expect(problems(Array.from({ length: 101 }, (_, n) => `u${n}@example.com`))).toEqual([
      expect.stringMatching(/^settings\.protectedUsers: lists at most 100 users/),
    ]);
  });
});
