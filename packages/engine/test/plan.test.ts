import { describe, expect, it } from 'vitest';
import { type PlanInput, type PlanSettings, planSettingsFrom, planUser } from '../src/pipeline/plan.js';
import { TargetIndex } from '../src/pipeline/target-index.js';
import type { SourceAssignment } from '../src/ports/source.js';
import type { LinkRecord } from '../src/ports/state.js';
import type { TargetUser } from '../src/ports/target.js';
import { fakeTarget, targetUser } from './support/fakes.js';
import { exampleDefinition, testJob } from './support/jobs.js';

const base = exampleDefinition;

function settingsFrom(
  extra: Record<string, unknown> = {},
  users: Record<string, unknown> = {},
): PlanSettings {
  return planSettingsFrom(testJob({ ...base, settings: extra, mappings: { users } }));
}

const agent: SourceAssignment = {
  id: 'as1',
  userId: 'u1',
  appRoleId: 'r-agent',
  roleDisplayName: 'Agent',
  roleValue: 'agent',
};
const defaultAccess: SourceAssignment = {
  id: 'as2',
  userId: 'u1',
  appRoleId: '00000000-0000-0000-0000-000000000000',
  roleDisplayName: 'Default Access',
  roleValue: null,
};
const adele = {
  userPrincipalName: 'adele@contoso.com',
  displayName: 'Adele Vance',
  accountEnabled: true,
  department: 'Support',
};

function index(users: TargetUser[] = []): TargetIndex {
  const i = new TargetIndex(fakeTarget.matchableAttributes, fakeTarget.matchKey);
  i.put(users);
  return i;
}

function input(extra: Partial<PlanInput> = {}): PlanInput {
  return {
    sourceId: 'u1',
    attributes: adele,
    assignments: [agent],
    removed: null,
    link: null,
    change: 'Add',
    ...extra,
  };
}

const link = (state: LinkRecord['state'] = 'active'): LinkRecord => ({
  jobId: 'j',
  sourceId: 'u1',
  targetId: '100',
  state,
  created: true,
  displayName: 'Adele Vance',
  updatedAt: '2026-01-01T00:00:00Z',
});
const now = new Date('2026-11-24T10:00:00Z');
const inSync = targetUser('100', {
  name: 'Adele Vance',
  email: 'adele@contoso.com',
  external_id: 'u1',
  role: 'agent',
  alias: null,
  details: 'Support',
});

describe('plan', () => {
  it('creates an assigned user with its role and logs every attribute', () => {
    const planned = planUser(settingsFrom(), fakeTarget, index(), input(), now);
    expect(planned.action).toEqual({
      kind: 'create',
      key: 'u1',
      attributes: expect.objectContaining({
        external_id: 'u1',
        email: 'adele@contoso.com',
        name: 'Adele Vance',
        role: 'agent',
        details: 'Support',
      }),
    });
    expect(planned.provisioningAction).toBe('create');
    expect(planned.modifiedProperties).toContainEqual({
      displayName: 'role',
      oldValue: null,
      newValue: 'agent',
    });
  });

  it('matches a pre-existing Zendesk user by e-mail instead of creating a duplicate', () => {
    const existing = targetUser('7', { name: 'Adele V.', email: 'ADELE@contoso.com', role: 'end-user' });
    const planned = planUser(settingsFrom(), fakeTarget, index([existing]), input(), now);
    expect(planned.match?.kind).toBe('matched');
    expect(planned.action).toMatchObject({ kind: 'update', targetId: '7' });
    // Only what differs.
    expect(Object.keys((planned.action as { changes: object }).changes).sort()).toEqual([
      'details',
      'external_id',
      'name',
      'role',
    ]);
  });

  it('reports duplicate candidates and does not write', () => {
    const a = targetUser('7', { email: 'x@y.z', external_id: 'u1' });
    const b = targetUser('8', { email: 'adele@contoso.com', external_id: 'U1' });
    const c = targetUser('9', { email: 'other@y.z', external_id: 'u1 ' });
    const planned = planUser(settingsFrom(), fakeTarget, index([a, b, c]), input(), now);
    expect(planned.action).toBeNull();
    expect(planned.status).toBe('failure');
    expect(planned.error?.code).toBe('DuplicateTargetEntries');
  });

  it('is a no-op when already in sync, and says so', () => {
    const planned = planUser(settingsFrom(), fakeTarget, index([inSync]), input({ link: link() }), now);
    expect(planned.action).toBeNull();
    expect(planned.error?.code).toBe('RedundantExport');
    expect(planned.status).toBe('skipped');
  });

  it('updates only the attribute that changed', () => {
    const planned = planUser(
      settingsFrom(),
      fakeTarget,
      index([inSync]),
      input({ link: link(), attributes: { ...adele, displayName: 'Adele Smith' } }),
      now,
    );
    // `current`: the target user as provisio knows it, from which the connector computes the user after the write.
    expect(planned.action).toEqual({
      kind: 'update',
      key: 'u1',
      targetId: '100',
      changes: { name: 'Adele Smith' },
      current: inSync,
    });
    expect(planned.modifiedProperties).toEqual([
      { displayName: 'name', oldValue: 'Adele Vance', newValue: 'Adele Smith' },
    ]);
  });

  it('skips Default Access only, unless configured to provision it', () => {
    const skipped = planUser(
      settingsFrom(),
      fakeTarget,
      index(),
      input({ assignments: [defaultAccess] }),
      now,
    );
    expect(skipped.action).toBeNull();
    expect(skipped.scope.reason).toBe('defaultAccessOnly');
    const provisioned = planUser(
      settingsFrom({ defaultAccess: 'provision' }),
      fakeTarget,
      index(),
      input({ assignments: [defaultAccess] }),
      now,
    );
    expect(provisioned.action?.kind).toBe('create');
    // Default Access is not a Zendesk role: nothing flows to role.
    expect(
      (provisioned.action as { attributes: Record<string, unknown> }).attributes['role'],
    ).toBeUndefined();
  });

  it('never creates a disabled user, and never touches an unlinked one', () => {
    const planned = planUser(
      settingsFrom(),
      fakeTarget,
      index([inSync]),
      input({ attributes: { ...adele, accountEnabled: false } }),
      now,
    );
    expect(planned.action).toBeNull();
    expect(planned.scope.reason).toBe('disabled');
  });

  it.each([
    ['unassigned', { assignments: [] }, 'disable'],
    ['disabled', { attributes: { ...adele, accountEnabled: false } }, 'disable'],
    ['soft-deleted', { removed: 'soft' as const }, 'disable'],
    ['hard-deleted', { removed: 'hard' as const }, 'delete'],
  ])('deprovisions a linked user that is %s', (_name, extra, kind) => {
    const planned = planUser(
      settingsFrom(),
      fakeTarget,
      index([inSync]),
      input({ link: link(), ...extra }),
      now,
    );
    expect(planned.action?.kind).toBe(kind);
  });

  it('follows the deprovisioning policy and skipOutOfScopeDeletions', () => {
    const unassigned = input({ link: link(), assignments: [] });
    expect(
      planUser(
        settingsFrom({ deprovision: 'downgrade-and-suspend' }),
        fakeTarget,
        index([inSync]),
        unassigned,
        now,
      ).action,
    ).toMatchObject({ kind: 'disable', policy: 'downgrade-and-suspend' });
    expect(
      planUser(settingsFrom({ deprovision: 'delete' }), fakeTarget, index([inSync]), unassigned, now).action
        ?.kind,
    ).toBe('delete');
    expect(
      planUser(settingsFrom({ deprovision: 'none' }), fakeTarget, index([inSync]), unassigned, now).action,
    ).toBeNull();
    expect(
      planUser(settingsFrom({ skipOutOfScopeDeletions: true }), fakeTarget, index([inSync]), unassigned, now)
        .action,
    ).toBeNull();
    // A disabled account is not "out of scope": it is still deprovisioned.
    expect(
      planUser(
        settingsFrom({ skipOutOfScopeDeletions: true }),
        fakeTarget,
        index([inSync]),
        input({ link: link(), attributes: { ...adele, accountEnabled: false } }),
        now,
      ).action?.kind,
    ).toBe('disable');
    // Without the Delete action, a hard delete changes nothing.
    expect(
      planUser(
        settingsFrom({}, { actions: ['create', 'update'] }),
        fakeTarget,
        index([inSync]),
        input({ link: link(), removed: 'hard' }),
        now,
      ).action,
    ).toBeNull();
  });

  it('reactivates a user it had deprovisioned when it comes back in scope', () => {
    const suspended = targetUser('100', { ...inSync.attributes, suspended: true }, { disabled: true });
    const planned = planUser(
      settingsFrom(),
      fakeTarget,
      index([suspended]),
      input({ link: link('disabled') }),
      now,
    );
    expect(planned.action).toEqual({
      kind: 'reactivate',
      key: 'u1',
      targetId: '100',
      changes: {},
      current: suspended,
    });
  });

  it('does not take over a suspension made by someone else when the user leaves scope', () => {
    const suspended = targetUser('100', { ...inSync.attributes, suspended: true }, { disabled: true });
    const planned = planUser(
      settingsFrom(),
      fakeTarget,
      index([suspended]),
      input({ link: link('active'), assignments: [] }),
      now,
    );
    expect(planned.action).toBeNull();
    expect(planned.linkState).toBeUndefined();
    expect(planned.description).toMatch(/already suspended/);
  });

  it('does not lift a suspension made by someone else', () => {
    const suspended = targetUser('100', { ...inSync.attributes, suspended: true }, { disabled: true });
    const planned = planUser(
      settingsFrom(),
      fakeTarget,
      index([suspended]),
      input({ link: link('active') }),
      now,
    );
    expect(planned.action).toBeNull();
    expect(planned.status).toBe('warning');
  });

  it('applies scoping filters with the deciding clause in the log data', () => {
    const settings = settingsFrom(
      {},
      {
        scopingFilters: [
          {
            name: 'Sales only',
            clauses: [
              {
                sourceOperandName: 'department',
                operatorName: 'EQUALS',
                targetOperand: { values: ['Sales'] },
              },
            ],
          },
        ],
      },
    );
    const planned = planUser(settings, fakeTarget, index(), input(), now);
    expect(planned.scope.reason).toBe('scopingFilter');
    expect(planned.scope.filters?.groups[0]?.clauses[0]).toMatchObject({
      attribute: 'department',
      passed: false,
      actual: 'Support',
    });
  });

  it('skips a user without any matching value (ImportSkipped)', () => {
    const settings = settingsFrom(
      {},
      {
        attributes: [
          { target: 'email', type: 'Direct', source: 'mail', matching: 1 },
          { target: 'name', type: 'Direct', source: 'displayName' },
        ],
      },
    );
    const planned = planUser(settings, fakeTarget, index(), input(), now);
    expect(planned.error?.code).toBe('ImportSkipped');
    expect(planned.action).toBeNull();
  });

  it('reports an unknown role from the target as a failure without writing', () => {
    const planned = planUser(
      settingsFrom(),
      fakeTarget,
      index(),
      input({ assignments: [{ ...agent, roleDisplayName: 'Wizard' }] }),
      now,
    );
    expect(planned.status).toBe('failure');
    expect(planned.error?.code).toBe('UnknownRole');
    expect(planned.action).toBeNull();
  });

  it('re-matches when the linked Zendesk user is gone', () => {
    const planned = planUser(settingsFrom(), fakeTarget, index(), input({ link: link() }), now);
    expect(planned.action?.kind).toBe('create');
  });

  describe('ownership (docs/provisioning.md, "Ownership")', () => {
    const adopted = (state: LinkRecord['state'] = 'active'): LinkRecord => ({
      ...link(state),
      created: false,
    });

    it('suspends an adopted user where the policy deletes it, unless settings.adoptedObjects.delete', () => {
      const leaving = input({ link: adopted(), assignments: [] });
      const kept = planUser(
        settingsFrom({ deprovision: 'delete' }),
        fakeTarget,
        index([inSync]),
        leaving,
        now,
      );
      expect(kept.action).toEqual({
        kind: 'disable',
        key: 'u1',
        targetId: '100',
        policy: 'suspend',
        current: inSync,
      });
      expect(kept.description).toMatch(/never deletes the users it adopted/);
      const hard = planUser(
        settingsFrom({ deprovision: 'suspend' }),
        fakeTarget,
        index([inSync]),
        input({ link: adopted(), removed: 'hard' }),
        now,
      );
      expect(hard.action?.kind).toBe('disable');
      const optedIn = settingsFrom({ deprovision: 'delete', adoptedObjects: { delete: true } });
      expect(planUser(optedIn, fakeTarget, index([inSync]), leaving, now).action?.kind).toBe('delete');
      // A user provisio created is deleted as the policy says.
      expect(
        planUser(
          settingsFrom({ deprovision: 'delete' }),
          fakeTarget,
          index([inSync]),
          input({ link: link(), assignments: [] }),
          now,
        ).action?.kind,
      ).toBe('delete');
    });

    it('never matches, changes or deprovisions a protected target user', () => {
      const owner = {
        ...inSync,
        attributes: { ...inSync.attributes, name: 'Someone else' },
        protection: 'the account owner',
      };
      const matched = planUser(settingsFrom(), fakeTarget, index([owner]), input(), now);
      expect(matched).toMatchObject({ action: null, status: 'skipped', error: { code: 'ProtectedObject' } });
      expect(matched.newLink).toBeUndefined();
      const leaving = planUser(
        settingsFrom({ deprovision: 'delete' }),
        fakeTarget,
        index([owner]),
        input({ link: link(), assignments: [] }),
        now,
      );
      expect(leaving).toMatchObject({ action: null, error: { code: 'ProtectedObject' } });
    });

    it('leaves an unlinked user alone and never matches its target user again', () => {
      const changed = { ...inSync, attributes: { ...inSync.attributes, name: 'Old name' } };
      const unlinked = planUser(
        settingsFrom(),
        fakeTarget,
        index([changed]),
        input({ link: link('unlinked') }),
        now,
      );
      expect(unlinked).toMatchObject({ action: null, status: 'skipped', error: { code: 'Unlinked' } });
      const other = planUser(
        settingsFrom(),
        fakeTarget,
        index([changed]),
        input({ unlinkedTargets: new Set(['100']) }),
        now,
      );
      expect(other).toMatchObject({ action: null, error: { code: 'Unlinked' } });
    });
  });
});
