/**
 * The credentials' owner rule (docs/provisioning.md, "The credentials' owner"): whatever the plan
 * stage decides for the target user behind the target credentials becomes a skip with the reason, a
 * warning when that user left scope; anyone else is planned as before.
 */
import { describe, expect, it } from 'vitest';
import { credentialOwnerWarnings, protectCredentialOwner } from '../src/pipeline/credential-owner.js';
import { planMemberships } from '../src/pipeline/membership-plan.js';
import { type PlanInput, planSettingsFrom, planUser } from '../src/pipeline/plan.js';
import { TargetIndex } from '../src/pipeline/target-index.js';
import type { SourceAssignment } from '../src/ports/source.js';
import type { LinkRecord, SourceGroupRecord } from '../src/ports/state.js';
import type { CredentialOwner, TargetUser } from '../src/ports/target.js';
import { fakeTarget, targetUser } from './support/fakes.js';
import { exampleDefinition, testJob } from './support/jobs.js';

const now = new Date('2026-11-24T10:00:00Z');
const target = { ...fakeTarget, system: { displayName: 'Zendesk', id: 'acme.zendesk.com', details: {} } };
const settings = (extra: Record<string, unknown> = {}) =>
  planSettingsFrom(testJob({ ...exampleDefinition, settings: extra, mappings: { users: {} } }));

const admin: SourceAssignment = {
  id: 'as1',
  userId: 'u1',
  appRoleId: 'r-admin',
  roleDisplayName: 'Admin',
  roleValue: 'admin',
};
const endUser: SourceAssignment = {
  ...admin,
  appRoleId: 'r-eu',
  roleDisplayName: 'End-user',
  roleValue: 'end-user',
};
const ada = {
  userPrincipalName: 'ada@contoso.com',
  displayName: 'Ada Admin',
  accountEnabled: true,
  department: 'IT',
};
/** The Zendesk admin behind the API token, in sync with Ada in Entra. */
const ownerUser = targetUser('100', {
  name: 'Ada Admin',
  email: 'ada@contoso.com',
  external_id: 'u1',
  role: 'admin',
  alias: null,
  details: 'IT',
});
const owner: CredentialOwner = {
  targetId: '100',
  displayName: 'Ada Admin <ada@contoso.com>',
  keys: { email: 'ada@contoso.com', external_id: 'u1' },
};
const bob = targetUser('200', {
  name: 'Bob',
  email: 'bob@contoso.com',
  external_id: 'u2',
  role: 'agent',
  alias: null,
  details: 'IT',
});

function index(users: TargetUser[] = [ownerUser, bob]): TargetIndex {
  const i = new TargetIndex(fakeTarget.matchableAttributes, fakeTarget.matchKey);
  i.put(users);
  return i;
}

const link = (sourceId: string, targetId: string, state: LinkRecord['state'] = 'active'): LinkRecord => ({
  jobId: 'j',
  sourceId,
  targetId,
  state,
  created: false,
  displayName: sourceId,
  updatedAt: '2026-01-01T00:00:00Z',
});

function input(extra: Partial<PlanInput> = {}): PlanInput {
  return {
    sourceId: 'u1',
    attributes: ada,
    assignments: [admin],
    removed: null,
    link: link('u1', '100'),
    change: 'Update',
    ...extra,
  };
}

const plan = (i: PlanInput, extra: Record<string, unknown> = {}, users?: TargetUser[]) =>
  protectCredentialOwner(planUser(settings(extra), fakeTarget, index(users), i, now), owner, target);

describe("the credentials' owner", () => {
  it.each([
    [
      'disabled in Entra',
      { attributes: { ...ada, accountEnabled: false } },
      /suspend them because Ada Admin left scope/,
    ],
    ['unassigned', { assignments: [] }, /suspend them because Ada Admin left scope/],
    ['soft-deleted', { removed: 'soft' as const }, /suspend them because/],
  ])('is never suspended when %s: a warning with the reason and what to do', (_name, extra, words) => {
    const planned = plan(input(extra));
    expect(planned.action).toBeNull();
    expect(planned.status).toBe('warning');
    expect(planned.provisioningAction).toBe('other');
    expect(planned.modifiedProperties).toEqual([]);
    expect(planned.error?.code).toBe('CredentialOwnerProtected');
    expect(planned.error?.reason).toMatch(words);
    expect(planned.error?.reason).toContain(
      'Zendesk user 100 (Ada Admin <ada@contoso.com>) owns the credentials',
    );
    expect(planned.error?.recommendedAction).toMatch(/another Zendesk admin/);
    expect(planned.description).toMatch(/^Skipped: /);
    expect(credentialOwnerWarnings([planned], owner)).toEqual([
      expect.objectContaining({ code: 'CredentialOwnerProtected', sourceId: 'u1', targetId: '100' }),
    ]);
  });

  it('is never downgraded, deleted, or permanently deleted, whatever the policy', () => {
    const gone = input({ attributes: { ...ada, accountEnabled: false } });
    expect(plan(gone, { deprovision: 'downgrade-and-suspend' }).error?.reason).toMatch(
      /downgrade them to end-user and suspend them/,
    );
    // The owner was matched (adopted): a delete would be a suspension (docs/provisioning.md, "Ownership").
    expect(plan(gone, { deprovision: 'delete' }).error?.reason).toMatch(/would suspend them/);
    const optedIn = { deprovision: 'delete', adoptedObjects: { delete: true } };
    expect(plan(gone, optedIn).error?.reason).toMatch(/delete them/);
    const purged = plan(input({ removed: 'hard' }), { adoptedObjects: { delete: true } });
    expect(purged.action).toBeNull();
    expect(purged.error?.reason).toMatch(/delete them/);
    expect(plan(input({ removed: 'hard' })).action).toBeNull();
  });

  it('warns when it left scope even if nothing would be sent (deprovision: none)', () => {
    const planned = plan(input({ assignments: [] }), { deprovision: 'none' });
    expect(planned.action).toBeNull();
    expect(planned.status).toBe('warning');
    expect(planned.error?.reason).toMatch(/left scope .*nothing is sent/);
  });

  it('is not downgraded by an End-user assignment nor renamed: a skip, not a job warning', () => {
    const planned = plan(input({ assignments: [endUser], attributes: { ...ada, displayName: 'Ada X' } }));
    expect(planned.action).toBeNull();
    expect(planned.status).toBe('skipped');
    expect(planned.error?.code).toBe('CredentialOwnerProtected');
    expect(planned.error?.reason).toMatch(/would update (role, name|name, role)/);
    expect(credentialOwnerWarnings([planned], owner)).toEqual([]);
  });

  it('is linked but not changed when first matched (by e-mail), so that leaving scope is noticed later', () => {
    const unlinkedOwner = targetUser('100', {
      ...ownerUser.attributes,
      external_id: null,
      name: 'Support Admin',
    });
    const planned = plan(input({ link: null, change: 'Add' }), {}, [unlinkedOwner, bob]);
    expect(planned.match?.kind).toBe('matched');
    expect(planned.action).toBeNull();
    expect(planned.newLink).toEqual({ targetId: '100' });
    expect(planned.status).toBe('skipped');
  });

  it('is not taken over by a create the target would match to it', () => {
    // Matched on external_id only, the index finds nobody; Zendesk's create-or-update would find the owner by e-mail.
    const planned = plan(input({ link: null, sourceId: 'u9', change: 'Add' }), {}, [bob]);
    expect(planned.action).toBeNull();
    expect(planned.error?.code).toBe('CredentialOwnerProtected');
    expect(planned.error?.reason).toMatch(/create a user the target would match to them/);
  });

  it('leaves everyone else as planned: in sync, or deprovisioned as usual', () => {
    expect(plan(input()).error?.code).toBe('RedundantExport');
    const bobLeaves = plan(
      input({
        sourceId: 'u2',
        attributes: { userPrincipalName: 'bob@contoso.com', displayName: 'Bob', accountEnabled: false },
        link: link('u2', '200'),
      }),
    );
    expect(bobLeaves.action).toMatchObject({ kind: 'disable', targetId: '200' });
    // Without an owner (credentials of nobody), nothing is held back.
    const gone = planUser(settings(), fakeTarget, index(), input({ assignments: [] }), now);
    expect(protectCredentialOwner(gone, null, target)).toBe(gone);
    expect(gone.action).toMatchObject({ kind: 'disable', targetId: '100' });
  });

  it('keeps its group memberships: additions are planned, removals skipped with the reason', () => {
    const group: SourceGroupRecord = {
      jobId: 'j',
      sourceId: 'g1',
      attributes: { displayName: 'G' },
      members: [{ id: 'u2', type: 'user' }],
      removed: null,
      updatedAt: now.toISOString(),
    } as unknown as SourceGroupRecord;
    const users = new Map([
      ['100', ownerUser],
      ['200', bob],
    ]);
    const planMembers = (credentialOwnerId: string | null) =>
      planMemberships(
        { canJoinGroups: () => true },
        {
          groups: [{ sourceId: 'g1', displayName: 'G', targetId: '7' }],
          mirror: new Map([['g1', group]]),
          expandNested: false,
          userLinks: new Map([
            ['u1', link('u1', '100')],
            ['u2', link('u2', '200')],
          ]),
          targetUser: (id) => users.get(id),
          memberships: new Map([['7', new Map([['100', 'm100']])]]),
          userNames: new Map([['u1', 'Ada Admin']]),
          reportAll: false,
          credentialOwnerId,
        },
      )[0];
    const protectedPlan = planMembers('100');
    expect(protectedPlan?.add.map((a) => a.targetUserId)).toEqual(['200']);
    expect(protectedPlan?.remove).toEqual([]);
    expect(protectedPlan?.skipped).toEqual([
      expect.objectContaining({ userSourceId: 'u1', reason: expect.stringMatching(/never removes them/) }),
    ]);
    // The same plan for anyone else removes the membership.
    expect(planMembers(null)?.remove.map((r) => r.membershipId)).toEqual(['m100']);
  });
});
