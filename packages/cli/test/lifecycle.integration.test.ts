import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appRoleId,
  assign,
  createEntraUser,
  extraAppRoles,
  type JobHarness,
  patchUser,
  purge,
  restore,
  softDelete,
  startJobHarness,
  unassign,
  zendeskUserByExternalId,
  zendeskUsers,
} from './support/provisioning.js';

/**
 * The user lifecycle end to end: Graph changes in the Entra emulator, cycles through the real
 * connectors and the SQLite state store, outcomes read back from the Zendesk emulator's API.
 */
let h: JobHarness;
let billingRoleId: number;

beforeAll(async () => {
  h = await startJobHarness({
    entra: { seed: { appRoles: extraAppRoles } },
    zendesk: { seed: { customRoles: [{ name: 'Billing Agent' }] } },
  });
  const roles = await h.zendesk.admin.get('/api/v2/custom_roles.json');
  billingRoleId = roles.body.custom_roles.find((r: { name: string }) => r.name === 'Billing Agent').id;
});
afterAll(() => h?.close());

function logFor(report: Awaited<ReturnType<JobHarness['cycle']>>, sourceId: string) {
  const planned = report.planned.find((p) => p.sourceId === sourceId);
  if (!planned) throw new Error(`user ${sourceId} was not evaluated in cycle ${report.cycleId}`);
  return { planned, result: report.results.get(sourceId) };
}

describe('user lifecycle, Entra ID → Zendesk', () => {
  it('creates an assigned user with its role, then changes roles (agent, admin, custom, light agent, end-user)', async () => {
    const id = await createEntraUser(h, 'ravi', {
      displayName: 'Ravi Shankar',
      mobilePhone: '+14155550100',
      jobTitle: 'Support Engineer',
      department: 'Support',
    });
    const assignment = await assign(h, id, await appRoleId(h, 'Agent'));
    const first = await h.cycle();
    expect(first.kind).toBe('initial');
    expect(
      logFor(first, id).planned.action?.kind,
      JSON.stringify({ d: logFor(first, id).planned.description, v: logFor(first, id).planned.view }),
    ).toBe('create');
    let user = await zendeskUserByExternalId(h, id);
    expect(user).toMatchObject({
      name: 'Ravi Shankar',
      email: `ravi@provisio-demo.onmicrosoft.com`,
      role: 'agent',
      phone: '+14155550100',
      details: 'Support Engineer, Support',
    });

    let current = assignment;
    for (const [role, expected] of [
      ['Admin', { role: 'admin' }],
      ['Billing Agent', { role: 'agent', custom_role_id: billingRoleId }],
      ['Light Agent', { role: 'agent', role_type: 1 }],
      ['End-user', { role: 'end-user' }],
    ] as const) {
      await unassign(h, current);
      current = await assign(h, id, await appRoleId(h, role));
      const report = await h.cycle();
      expect(report.kind).toBe('incremental');
      const { planned, result } = logFor(report, id);
      expect(planned.action?.kind, `${role}: ${planned.description}`).toBe('update');
      expect(result?.ok, JSON.stringify(result)).toBe(true);
      user = await zendeskUserByExternalId(h, id);
      expect(user, role).toMatchObject(expected);
    }
  });

  it('never strips a custom role given in Zendesk when an unrelated attribute changes', async () => {
    const id = await createEntraUser(h, 'keeper', { jobTitle: 'Agent', department: 'Support' });
    await assign(h, id, await appRoleId(h, 'Agent'));
    await h.cycle();
    const created = await zendeskUserByExternalId(h, id);
    // A Zendesk admin gives the agent a custom role by hand.
    expect(
      (
        await h.zendesk.admin.put(`/api/v2/users/${created.id}.json`, {
          user: { custom_role_id: billingRoleId },
        })
      ).status,
    ).toBe(200);
    await patchUser(h, id, { jobTitle: 'Senior Agent' });
    const report = await h.cycle({ forceInitial: true });
    expect(logFor(report, id).planned.action).toMatchObject({
      kind: 'update',
      changes: { details: 'Senior Agent, Support' },
    });
    expect(Object.keys((logFor(report, id).planned.action as { changes: object }).changes)).toEqual([
      'details',
    ]);
    expect(await zendeskUserByExternalId(h, id)).toMatchObject({
      role: 'agent',
      custom_role_id: billingRoleId,
      details: 'Senior Agent, Support',
    });
  });

  it('updates only the attribute that changed, and changes the primary e-mail', async () => {
    const id = await createEntraUser(h, 'mei', {
      displayName: 'Mei Lin',
      jobTitle: 'Agent',
      department: 'Tier 1',
    });
    await assign(h, id, await appRoleId(h, 'Agent'));
    await h.cycle();
    await patchUser(h, id, { jobTitle: 'Senior Agent' });
    let report = await h.cycle();
    let planned = logFor(report, id).planned;
    expect(planned.action).toEqual({
      kind: 'update',
      key: id,
      targetId: expect.any(String),
      changes: { details: 'Senior Agent, Tier 1' },
      current: expect.objectContaining({ attributes: expect.objectContaining({ details: 'Agent, Tier 1' }) }),
    });
    expect(planned.modifiedProperties).toEqual([
      { displayName: 'details', oldValue: 'Agent, Tier 1', newValue: 'Senior Agent, Tier 1' },
    ]);

    await patchUser(h, id, { userPrincipalName: 'mei.lin@provisio-demo.onmicrosoft.com' });
    report = await h.cycle();
    planned = logFor(report, id).planned;
    expect(Object.keys((planned.action as { changes: object }).changes)).toEqual(['email']);
    expect(logFor(report, id).result?.ok).toBe(true);
    const user = await zendeskUserByExternalId(h, id);
    expect(user.email).toBe('mei.lin@provisio-demo.onmicrosoft.com');
    // Still one Zendesk user for Mei.
    expect((await zendeskUsers(h)).filter((u) => u.external_id === id)).toHaveLength(1);

    // A quiet cycle writes nothing.
    report = await h.cycle();
    expect(report.counts).toMatchObject({ created: 0, updated: 0, disabled: 0, deleted: 0, failed: 0 });
  });

  it('deprovisions on unassign, disable and soft delete, reactivates on reassign, re-enable and restore', async () => {
    const ids = await Promise.all(['una', 'dis', 'sof'].map((nick) => createEntraUser(h, nick)));
    const [una, dis, sof] = ids as [string, string, string];
    const assignments = await Promise.all(ids.map(async (id) => assign(h, id, await appRoleId(h, 'Agent'))));
    await h.cycle();
    for (const id of ids) expect((await zendeskUserByExternalId(h, id)).suspended).toBe(false);

    await unassign(h, assignments[0] as string);
    await patchUser(h, dis, { accountEnabled: false });
    await softDelete(h, sof);
    const down = await h.cycle();
    for (const id of ids) {
      expect(logFor(down, id).planned.action?.kind, id).toBe('disable');
      expect((await zendeskUserByExternalId(h, id)).suspended, id).toBe(true);
    }
    // The soft-deleted user's renamed UPN never reaches Zendesk.
    expect((await zendeskUserByExternalId(h, sof)).email).toBe('sof@provisio-demo.onmicrosoft.com');

    await assign(h, una, await appRoleId(h, 'Agent'));
    await patchUser(h, dis, { accountEnabled: true });
    await restore(h, sof);
    const up = await h.cycle();
    for (const id of ids) {
      expect(logFor(up, id).planned.action?.kind, id).toBe('reactivate');
      const user = await zendeskUserByExternalId(h, id);
      expect(user.suspended, id).toBe(false);
      expect(user.email, id).toMatch(/@provisio-demo\.onmicrosoft\.com$/);
    }
  });

  it('deletes the Zendesk user when the Entra user is permanently deleted', async () => {
    const id = await createEntraUser(h, 'gone');
    await assign(h, id, await appRoleId(h, 'Agent'));
    await h.cycle();
    await softDelete(h, id);
    await h.cycle();
    await purge(h, id);
    const report = await h.cycle();
    expect(logFor(report, id).planned.action?.kind).toBe('delete');
    expect(await zendeskUserByExternalId(h, id)).toBeNull();
    const links = await h.store.listLinks(h.config.settings.jobId);
    expect(links.find((l) => l.sourceId === id)?.state).toBe('deleted');
  });

  it('skips Default Access and users never provisioned; never touches unmanaged Zendesk users', async () => {
    const id = await createEntraUser(h, 'dflt');
    await assign(h, id, await appRoleId(h, 'Default Access'));
    const before = (await zendeskUsers(h)).length;
    const report = await h.cycle();
    // A user out of scope that provisio never touched is only logged (not kept in the cycle's plan).
    expect(report.planned.some((p) => p.sourceId === id)).toBe(false);
    expect(report.counts.skipped).toBeGreaterThanOrEqual(1);
    const [entry] = await h.store.queryLogs({ jobId: h.config.settings.jobId, identity: id, limit: 1 });
    expect(entry?.cycleId).toBe(report.cycleId);
    expect(entry?.provisioningStatusInfo.status).toBe('skipped');
    expect(JSON.stringify(entry?.provisioningSteps)).toMatch(/Default Access/);
    expect(await zendeskUserByExternalId(h, id)).toBeNull();
    // The emulator's admin was never in scope: still there and untouched.
    const admin = (await zendeskUsers(h)).find((u) => u.email === 'admin@example.com');
    expect(admin).toMatchObject({ role: 'admin', suspended: false });
    expect((await zendeskUsers(h)).length).toBe(before);
  });

  it('matches a pre-existing Zendesk user by e-mail instead of duplicating it', async () => {
    const created = await h.zendesk.admin.post('/api/v2/users.json', {
      user: { name: 'Old Name', email: 'pre@provisio-demo.onmicrosoft.com', role: 'end-user' },
    });
    expect(created.status).toBe(201);
    const id = await createEntraUser(h, 'pre', { displayName: 'Pre Existing' });
    await assign(h, id, await appRoleId(h, 'Agent'));
    // An initial cycle reads the whole account into the index and matches there.
    const report = await h.cycle({ forceInitial: true });
    const { planned } = logFor(report, id);
    expect(planned.match?.kind).toBe('matched');
    expect(planned.action?.kind).toBe('update');
    const user = await zendeskUserByExternalId(h, id);
    expect(user.id).toBe(created.body.user.id);
    expect(user).toMatchObject({ name: 'Pre Existing', role: 'agent' });
  });

  it('does not duplicate a Zendesk user created moments ago, which the incremental export cannot show yet', async () => {
    // Zendesk's incremental export omits the last minute, so an incremental cycle's index may miss a
    // user created just now; creates go through create_or_update_many, which matches by e-mail.
    await h.cycle();
    const created = await h.zendesk.admin.post('/api/v2/users.json', {
      user: { name: 'Fresh', email: 'fresh@provisio-demo.onmicrosoft.com' },
    });
    const id = await createEntraUser(h, 'fresh', { displayName: 'Fresh Person' });
    await assign(h, id, await appRoleId(h, 'Agent'));
    const report = await h.cycle();
    expect(report.kind).toBe('incremental');
    expect(logFor(report, id).result?.ok).toBe(true);
    const matching = (await zendeskUsers(h)).filter((u) => u.email === 'fresh@provisio-demo.onmicrosoft.com');
    expect(matching.map((u) => u.id)).toEqual([created.body.user.id]);
    expect(matching[0]).toMatchObject({ name: 'Fresh Person', external_id: id, role: 'agent' });
  });

  it('reports duplicate candidates (DuplicateTargetEntries) without writing', async () => {
    // Zendesk keeps e-mails and external ids unique, but not phones: match on the phone first.
    for (const name of ['Dup A', 'Dup B'])
      expect(
        (await h.zendesk.admin.post('/api/v2/users.json', { user: { name, phone: '+15555550123' } })).status,
      ).toBe(201);
    const id = await createEntraUser(h, 'dupl', { mobilePhone: '+15555550123' });
    await assign(h, id, await appRoleId(h, 'Agent'));
    await h.reconfigure({
      mappings: {
        users: {
          attributes: [
            { target: 'phone', type: 'Direct', source: 'mobilePhone', matching: 1 },
            { target: 'email', type: 'Direct', source: 'userPrincipalName', matching: 2 },
            { target: 'name', type: 'Direct', source: 'displayName' },
          ],
        },
      },
    });
    try {
      const report = await h.cycle();
      expect(report.kind).toBe('initial');
      const { planned, result } = logFor(report, id);
      expect(planned.status).toBe('failure');
      expect(planned.error?.code).toBe('DuplicateTargetEntries');
      expect(planned.match?.tried[0]?.candidates).toHaveLength(2);
      expect(result).toBeUndefined();
      expect(await zendeskUserByExternalId(h, id)).toBeNull();
      const [entry] = await h.store.queryLogs({
        jobId: h.config.settings.jobId,
        identity: id,
        cycleId: report.cycleId,
      });
      expect(entry?.provisioningStatusInfo).toMatchObject({
        status: 'failure',
        errorInformation: { errorCode: 'DuplicateTargetEntries' },
      });
    } finally {
      await h.reconfigure({ mappings: { users: {} } });
    }
  });
});
