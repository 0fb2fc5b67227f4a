import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  appRoleId,
  assign,
  createEntraGroup,
  createEntraUser,
  type JobHarness,
  patchUser,
  removeMember,
  startJobHarness,
  unassign,
  zendeskGroups,
  zendeskMemberIds,
  zendeskUserByExternalId,
} from './support/provisioning.js';

/**
 * Groups and memberships end to end: assigned groups appear in Zendesk, memberships follow Entra for
 * agents only (end-users skipped, added once promoted, removed on downgrade), renames and deletes,
 * nested groups flattened on request, and Zendesk groups provisio never created left alone.
 */
let h: JobHarness;

beforeAll(async () => {
  h = await startJobHarness();
});
afterAll(() => h?.close());

const idOf = async (sourceId: string) => (await zendeskUserByExternalId(h, sourceId)).id as number;

describe('groups and memberships', () => {
  it('creates assigned groups with their agent members; end-users are skipped, then added once promoted; a downgrade removes them', async () => {
    const group = await createEntraGroup(h, 'Tier 2');
    const alice = await createEntraUser(h, 'alice', { displayName: 'Alice Agent' });
    const bob = await createEntraUser(h, 'bob', { displayName: 'Bob Enduser' });
    for (const member of [alice, bob]) await addMember(h, group, member);
    // The group gives End-user; Alice is also an Agent directly.
    await assign(h, group, await appRoleId(h, 'End-user'));
    const aliceAgent = await assign(h, alice, await appRoleId(h, 'Agent'));
    const untouched = await h.zendesk.admin.post('/api/v2/groups.json', { group: { name: 'Hand made' } });
    expect(untouched.status).toBe(201);

    const first = await h.cycle();
    expect(first.groups?.counts).toMatchObject({
      groupsCreated: 1,
      membershipsAdded: 1,
      membershipsSkipped: 1,
    });
    expect((await zendeskGroups(h)).map((g) => g.name)).toEqual(
      expect.arrayContaining(['Tier 2', 'Hand made']),
    );
    expect(await zendeskMemberIds(h, 'Tier 2')).toEqual([await idOf(alice)]);
    const skipped = first.groups?.memberships.find((m) => m.groupName === 'Tier 2')?.skipped ?? [];
    expect(skipped).toEqual([
      expect.objectContaining({
        userName: 'Bob Enduser',
        reason: expect.stringMatching(/agents and admins only/),
      }),
    ]);
    const [entry] = await h.store.queryLogs({
      jobId: h.config.settings.jobId,
      identity: 'Tier 2',
      cycleId: first.cycleId,
    });
    expect(entry?.sourceIdentity.identityType).toBe('Group');
    expect(JSON.stringify(entry?.provisioningSteps)).toMatch(/Skipped Bob Enduser/);

    // Bob becomes an agent: added in the next cycle.
    await assign(h, bob, await appRoleId(h, 'Agent'));
    const promoted = await h.cycle();
    expect(promoted.groups?.counts.membershipsAdded).toBe(1);
    expect(await zendeskMemberIds(h, 'Tier 2')).toEqual([await idOf(alice), await idOf(bob)].sort());

    // Alice is downgraded to end-user: her membership goes.
    await unassign(h, aliceAgent);
    await h.cycle();
    expect((await zendeskUserByExternalId(h, alice)).role).toBe('end-user');
    expect(await zendeskMemberIds(h, 'Tier 2')).toEqual([await idOf(bob)]);

    // Removing Bob from the Entra group removes the membership (members@delta, no full re-read).
    await removeMember(h, group, bob);
    const removed = await h.cycle();
    expect(removed.kind).toBe('incremental');
    expect(removed.groups?.counts.membershipsRemoved).toBe(1);
    expect(await zendeskMemberIds(h, 'Tier 2')).toEqual([]);
    // The hand-made group was never touched.
    expect((await zendeskGroups(h)).find((g) => g.name === 'Hand made')).toMatchObject({
      id: untouched.body.group.id,
    });
  });

  it('a group that cannot be matched waits in escrow like a user, and leaves it once it is provisioned', async () => {
    // Two Zendesk groups already carry the name: matching is ambiguous (DuplicateTargetEntries).
    for (const name of ['Escrow Desk', 'escrow desk '])
      expect((await h.zendesk.admin.post('/api/v2/groups.json', { group: { name } })).status).toBe(201);
    const group = await createEntraGroup(h, 'Escrow Desk');
    await assign(h, group, await appRoleId(h, 'Agent'));
    await h.cycle({ forceInitial: true });
    const escrows = await h.store.listEscrows(h.config.settings.jobId);
    expect(escrows.find((e) => e.objectType === 'group' && e.objectId === group)).toMatchObject({
      errorCode: 'DuplicateTargetEntries',
      attempts: 1,
    });
    expect((await h.graph.patch(`/v1.0/groups/${group}`, { displayName: 'Escrow Desk 2' })).status).toBe(204);
    const next = await h.cycle();
    expect(next.groups?.counts.groupsCreated).toBe(1);
    const after = await h.store.listEscrows(h.config.settings.jobId);
    expect(after.some((e) => e.objectType === 'group' && e.objectId === group)).toBe(false);
  });

  it('renames and deletes a provisioned group', async () => {
    const group = await createEntraGroup(h, 'Billing Team', { description: 'Invoices' });
    await assign(h, group, await appRoleId(h, 'Agent'));
    await h.cycle();
    expect((await zendeskGroups(h)).find((g) => g.name === 'Billing Team')).toMatchObject({
      description: 'Invoices',
    });
    expect((await h.graph.patch(`/v1.0/groups/${group}`, { displayName: 'Billing & Refunds' })).status).toBe(
      204,
    );
    const renamed = await h.cycle();
    expect(renamed.groups?.counts.groupsUpdated).toBe(1);
    const names = (await zendeskGroups(h)).map((g) => g.name);
    expect(names).toContain('Billing & Refunds');
    expect(names).not.toContain('Billing Team');
    expect((await h.graph.delete(`/v1.0/groups/${group}`)).status).toBe(204);
    const deleted = await h.cycle();
    expect(
      deleted.groups?.counts.groupsDeleted,
      JSON.stringify(deleted.groups?.groups.filter((g) => g.sourceId === group)),
    ).toBe(1);
    expect(
      (await zendeskGroups(h)).map((g) => g.name),
      JSON.stringify([...(deleted.groups?.groupResults.values() ?? [])]),
    ).not.toContain('Billing & Refunds');
  });

  it('flattens nested groups when expandNestedGroups is on', async () => {
    const outer = await createEntraGroup(h, 'Support All');
    const inner = await createEntraGroup(h, 'Support Night');
    const nina = await createEntraUser(h, 'nina', { displayName: 'Nina Night' });
    await addMember(h, outer, inner);
    await addMember(h, inner, nina);
    await assign(h, outer, await appRoleId(h, 'Agent'));
    await assign(h, nina, await appRoleId(h, 'Agent'));
    await h.cycle();
    // Entra's behaviour: direct members only.
    expect(await zendeskMemberIds(h, 'Support All')).toEqual([]);
    await h.reconfigure({ settings: { expandNestedGroups: true } });
    try {
      const expanded = await h.cycle();
      expect(expanded.kind).toBe('initial');
      expect(await zendeskMemberIds(h, 'Support All')).toEqual([await idOf(nina)]);
    } finally {
      await h.reconfigure({ settings: { expandNestedGroups: false } });
    }
    await patchUser(h, nina, { jobTitle: 'Night lead' });
  });

  it('counts group deletions with user deprovisionings against the threshold: all are staged, then allowed', async () => {
    const groups = [await createEntraGroup(h, 'Old Team A'), await createEntraGroup(h, 'Old Team B')];
    for (const g of groups) await assign(h, g, await appRoleId(h, 'Agent'));
    const leaver = await createEntraUser(h, 'leaver', { displayName: 'Lee Leaver' });
    const leaverAssignment = await assign(h, leaver, await appRoleId(h, 'Agent'));
    await h.cycle();
    await h.reconfigure({ settings: { accidentalDeletionThreshold: 2 } });
    try {
      await h.cycle();
      for (const g of groups) expect((await h.graph.delete(`/v1.0/groups/${g}`)).status).toBe(204);
      await unassign(h, leaverAssignment);
      const held = await h.cycle();
      expect(held.staged).toBe(3);
      expect(held.quarantine?.reason).toBe('TooManyDeletes');
      expect(held.counts.disabled).toBe(0);
      expect(held.groups?.counts.groupsDeleted).toBe(0);
      expect((await zendeskGroups(h)).map((g) => g.name)).toEqual(
        expect.arrayContaining(['Old Team A', 'Old Team B']),
      );
      expect((await zendeskUserByExternalId(h, leaver)).suspended).toBe(false);
      const allowed = await h.cycle({ allowDeletes: true });
      expect(allowed.counts.disabled).toBe(1);
      expect(allowed.groups?.counts.groupsDeleted).toBe(2);
      expect((await zendeskGroups(h)).map((g) => g.name)).not.toContain('Old Team A');
    } finally {
      await h.reconfigure({ settings: { accidentalDeletionThreshold: 500 } });
    }
  });
});
