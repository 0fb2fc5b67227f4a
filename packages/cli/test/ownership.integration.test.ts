import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { openStateStore, type StateStore } from '@provisio/engine';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { killChildren, spawnCli, writeCliJob } from './support/cli.js';
import {
  addMember,
  appRoleId,
  assign,
  createEntraGroup,
  createEntraUser,
  type JobHarness,
  patchUser,
  startJobHarness,
  tenantDomain,
  unassign,
  zendeskGroups,
  zendeskUsers,
} from './support/provisioning.js';

/**
 * Ownership (docs/provisioning.md, "Ownership" and "Protected objects"), through the command as a
 * subprocess against both emulators: Zendesk's default group is never adopted, changed or deleted
 * (with `scope: all`, then back to `assigned`), and every cycle succeeds; a Zendesk end user made by
 * hand a moment before, which provisio looks up before creating, is logged as a match with its real
 * earlier values and recorded as adopted, and is suspended rather than deleted when it leaves; `unlink` stops management; the users
 * named in `settings.protectedUsers` (the account owner, a break-glass admin adopted earlier) are
 * never adopted, renamed, suspended or deleted; provisioning on demand looks up a hand-made user too.
 */
let h: JobHarness;
let dir: string;
let configFile: string;
let caFile: string;
let env: NodeJS.ProcessEnv;

const cli = (args: readonly string[]) =>
  spawnCli([...args, '--config', configFile], { cwd: dir, env }).finished;

/** Writes the harness's configuration, with `settings` merged in, where the CLI reads it. */
async function configure(settings: Record<string, unknown>): Promise<void> {
  await h.reconfigure({ settings });
  const document = structuredClone(h.document) as { source: Record<string, unknown> };
  document.source['caCertificateFile'] = caFile;
  await writeFile(configFile, stringify(document));
}

async function withStore<T>(work: (store: StateStore) => Promise<T>): Promise<T> {
  const store = await openStateStore(String(env['DATABASE_URL']));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: Zendesk JSON
const byEmail = async (email: string): Promise<any> =>
  (await zendeskUsers(h)).find((u) => u.email?.toLowerCase() === email.toLowerCase());

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url))))
    throw new Error('packages/cli/dist is missing: run `npx tsc -b` (npm test builds first)');
  h = await startJobHarness();
  ({ dir, configFile, caFile, env } = await writeCliJob(h, 'provisio-ownership-'));
}, 60_000);
afterEach(killChildren);
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ownership', () => {
  it("never adopts, changes or deletes Zendesk's default group, with scope all and back to assigned", async () => {
    const before = (await zendeskGroups(h)).find((g) => g.default === true);
    expect(before).toMatchObject({ name: 'Support', description: 'The default group' });
    const support = await createEntraGroup(h, 'Support', { description: 'Entra support team' });
    const alice = await createEntraUser(h, 'alice', { displayName: 'Alice Agent' });
    await addMember(h, support, alice);
    await assign(h, alice, await appRoleId(h, 'Agent'));

    await configure({ scope: 'all' });
    const all = await cli(['sync', '--once']);
    expect(all.code, all.stdout + all.stderr).toBe(0);
    const afterAll = (await zendeskGroups(h)).find((g) => g.id === before.id);
    expect(afterAll).toMatchObject({ name: 'Support', description: 'The default group', default: true });
    const [entry] = await withStore((store) =>
      store.queryLogs({ jobId: h.config.settings.jobId, identity: support, limit: 1 }),
    );
    expect(entry?.provisioningStatusInfo.status).toBe('skipped');
    expect(entry?.provisioningStatusInfo.errorInformation?.errorCode).toBe('ProtectedObject');
    expect(JSON.stringify(entry)).toMatch(/the account's default group/);
    expect(
      (await withStore((s) => s.listGroupLinks(h.config.settings.jobId))).map((l) => l.targetId),
    ).not.toContain(String(before.id));

    // Back to assigned: the Entra group leaves scope; the default group stays, and the cycles succeed.
    await configure({ scope: 'assigned' });
    for (let cycle = 0; cycle < 2; cycle++) {
      const assigned = await cli(['sync', '--once']);
      expect(assigned.code, assigned.stdout + assigned.stderr).toBe(0);
    }
    expect((await zendeskGroups(h)).find((g) => g.id === before.id)).toMatchObject({
      name: 'Support',
      description: 'The default group',
    });
    const cycles = await withStore((s) => s.listCycles(h.config.settings.jobId, 3));
    expect(cycles.map((c) => c.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  }, 120_000);

  it('logs a user Zendesk matched for a create as a match, records it as adopted, and suspends rather than deletes it', async () => {
    // An end user made by hand in Zendesk a moment ago: the change export does not show it yet, so
    // provisio looks it up before creating (docs/provisioning.md, "Ownership").
    const email = `bob@${tenantDomain}`;
    const made = await h.zendesk.admin.post('/api/v2/users.json', {
      user: { name: 'Bob by hand', email, role: 'end-user' },
    });
    expect(made.status).toBe(201);
    const bob = await createEntraUser(h, 'bob', { displayName: 'Bob Builder', mail: email });
    const assignment = await assign(h, bob, await appRoleId(h, 'Agent'));

    const sync = await cli(['sync', '--once']);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(await byEmail(email)).toMatchObject({ id: made.body.user.id, role: 'agent', active: true });
    const jobId = h.config.settings.jobId;
    const [entry] = await withStore((store) => store.queryLogs({ jobId, identity: bob, limit: 1 }));
    expect(entry?.provisioningAction).toBe('update');
    expect(entry?.provisioningStatusInfo.status).toBe('success');
    // provisio looked the user up before sending the create: a match with the real earlier values.
    expect(entry?.modifiedProperties).toEqual(
      expect.arrayContaining([
        { displayName: 'name', oldValue: 'Bob by hand', newValue: 'Bob Builder' },
        { displayName: 'role', oldValue: 'end-user', newValue: 'agent' },
      ]),
    );
    const steps = JSON.stringify(entry?.provisioningSteps);
    expect(steps).toContain(`User 'Bob Builder' matched Zendesk user ${made.body.user.id} by email`);
    expect(steps).toContain(`(Bob by hand <${email}>)`);
    expect(steps).not.toMatch(/no matching User was found|earlier values were not known/);
    const link = (await withStore((s) => s.listLinks(jobId))).find((l) => l.sourceId === bob);
    expect(link).toMatchObject({ targetId: String(made.body.user.id), created: false, state: 'active' });

    // Bob leaves while the job deletes leavers: an adopted user is suspended, never deleted.
    await configure({ deprovision: 'delete' });
    await unassign(h, assignment);
    const plan = await cli(['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      /disable\s+Bob Builder.*never deletes the users it adopted.*suspended instead/,
    );
    const leave = await cli(['sync', '--once']);
    expect(leave.code, leave.stdout + leave.stderr).toBe(0);
    expect(await byEmail(email)).toMatchObject({ id: made.body.user.id, active: true, suspended: true });
    const [left] = await withStore((store) => store.queryLogs({ jobId, identity: bob, limit: 1 }));
    expect(left?.provisioningAction).toBe('disable');
    expect(left?.modifiedProperties).toEqual([
      { displayName: 'suspended', oldValue: 'false', newValue: 'true' },
    ]);
  }, 120_000);

  it('unlink stops managing a user: the audit says so and the next cycles leave its Zendesk user alone', async () => {
    const jobId = h.config.settings.jobId;
    const upn = `alice@${tenantDomain}`;
    const aliceBefore = await byEmail(upn);
    expect(aliceBefore).toMatchObject({ name: 'Alice Agent', active: true });
    const unlinked = await cli(['unlink', upn]);
    expect(unlinked.code, unlinked.stdout + unlinked.stderr).toBe(0);
    expect(unlinked.stdout).toMatch(
      new RegExp(`Unlinked user Alice Agent \\(.+\\) from Zendesk user ${aliceBefore.id}`),
    );
    const again = await cli(['unlink', upn]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already unlinked/);
    const unknown = await cli(['unlink', 'nobody@example.com']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No user or group linked by job .* matches "nobody@example.com"/);
    const audit = await withStore((s) => s.listAudit(jobId, 5));
    expect(audit.find((a) => a.activity === 'Unlink object')).toMatchObject({
      result: 'success',
      details: expect.objectContaining({ objectType: 'user', targetId: String(aliceBefore.id) }),
    });

    // Renamed in Entra, then disabled: the Zendesk user keeps its name and stays active.
    const alice = (await withStore((s) => s.listLinks(jobId))).find(
      (l) => l.targetId === String(aliceBefore.id),
    );
    await patchUser(h, String(alice?.sourceId), { displayName: 'Alice Renamed' });
    const renamed = await cli(['sync', '--once']);
    expect(renamed.code, renamed.stdout + renamed.stderr).toBe(0);
    await patchUser(h, String(alice?.sourceId), { accountEnabled: false });
    const disabled = await cli(['sync', '--once']);
    expect(disabled.code, disabled.stdout + disabled.stderr).toBe(0);
    expect(await byEmail(upn)).toMatchObject({ id: aliceBefore.id, name: 'Alice Agent', suspended: false });
    const [entry] = await withStore((store) =>
      store.queryLogs({ jobId, identity: String(alice?.sourceId), limit: 1 }),
    );
    expect(entry?.provisioningStatusInfo.errorInformation?.errorCode).toBe('Unlinked');
    expect(
      (await withStore((s) => s.listLinks(jobId))).find((l) => l.sourceId === alice?.sourceId)?.state,
    ).toBe('unlinked');
  }, 120_000);

  it('never adopts, renames, suspends or deletes the users named in settings.protectedUsers', async () => {
    const jobId = h.config.settings.jobId;
    const madeByHand = async (name: string, email: string) => {
      const made = await h.zendesk.admin.post('/api/v2/users.json', { user: { name, email, role: 'admin' } });
      expect(made.status).toBe(201);
      return String(made.body.user.id);
    };
    // A break-glass admin provisio adopted before anyone listed her.
    const beaEmail = `bea@${tenantDomain}`;
    const beaId = await madeByHand('Bea Breakglass', beaEmail);
    const bea = await createEntraUser(h, 'bea', { displayName: 'Bea Breakglass', mail: beaEmail });
    const beaAssignment = await assign(h, bea, await appRoleId(h, 'Admin'));
    const adopt = await cli(['sync', '--once']);
    expect(adopt.code, adopt.stdout + adopt.stderr).toBe(0);
    const beaLink = () => withStore(async (s) => (await s.listLinks(jobId)).find((l) => l.sourceId === bea));
    expect(await beaLink()).toMatchObject({ targetId: beaId, created: false, state: 'active' });

    // The account owner, made a moment ago (the change export does not show her yet), listed by e-mail
    // in another case, and Bea by id; the job deletes leavers.
    const ownerEmail = `owner@${tenantDomain}`;
    const ownerId = await madeByHand('Olga Owner', ownerEmail);
    await configure({ protectedUsers: [ownerEmail.toUpperCase(), beaId], deprovision: 'delete' });
    const olga = await createEntraUser(h, 'owner', { displayName: 'Olga Entra', mail: ownerEmail });
    const olgaAssignment = await assign(h, olga, await appRoleId(h, 'Agent'));
    const lastEntry = async (id: string) =>
      (await withStore((store) => store.queryLogs({ jobId, identity: id, limit: 1 })))[0];
    const untouched = async () => {
      expect(await byEmail(ownerEmail)).toMatchObject({
        id: Number(ownerId),
        name: 'Olga Owner',
        role: 'admin',
        active: true,
        suspended: false,
      });
      expect(await byEmail(beaEmail)).toMatchObject({
        id: Number(beaId),
        name: 'Bea Breakglass',
        role: 'admin',
        active: true,
        suspended: false,
      });
    };

    const assigned = await cli(['sync', '--once']);
    expect(assigned.code, assigned.stdout + assigned.stderr).toBe(0);
    await untouched();
    const first = await lastEntry(olga);
    expect(first?.provisioningStatusInfo.status).toBe('skipped');
    expect(first?.provisioningStatusInfo.errorInformation?.errorCode).toBe('ProtectedObject');
    expect(first?.provisioningStatusInfo.errorInformation?.reason).toMatch(
      /named in settings\.protectedUsers \(e\.g\. the account owner\)/,
    );
    expect((await withStore((s) => s.listLinks(jobId))).find((l) => l.sourceId === olga)).toBeUndefined();

    // Renamed in Entra: neither is renamed in Zendesk.
    await patchUser(h, olga, { displayName: 'Olga Renamed' });
    await patchUser(h, bea, { displayName: 'Bea Renamed' });
    const renamed = await cli(['sync', '--once']);
    expect(renamed.code, renamed.stdout + renamed.stderr).toBe(0);
    await untouched();
    for (const id of [olga, bea])
      expect((await lastEntry(id))?.provisioningStatusInfo.errorInformation?.errorCode, id).toBe(
        'ProtectedObject',
      );

    // Unassigned with settings.deprovision: delete: neither is suspended nor deleted; Bea's link stays.
    await unassign(h, olgaAssignment);
    await unassign(h, beaAssignment);
    const plan = await cli(['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).not.toMatch(/(disable|delete)\s+Bea/);
    const left = await cli(['sync', '--once']);
    expect(left.code, left.stdout + left.stderr).toBe(0);
    await untouched();
    const beaLeft = await lastEntry(bea);
    expect(beaLeft?.provisioningAction).toBe('other');
    expect(beaLeft?.provisioningStatusInfo.errorInformation?.errorCode).toBe('ProtectedObject');
    expect(await beaLink()).toMatchObject({ targetId: beaId, state: 'active' });
    const cycles = await withStore((s) => s.listCycles(jobId, 4));
    expect(cycles.map((c) => c.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  }, 180_000);

  it('provisioning on demand looks up a user made in Zendesk a moment ago too: a match with its earlier values', async () => {
    const jobId = h.config.settings.jobId;
    const email = `carl@${tenantDomain}`;
    const made = await h.zendesk.admin.post('/api/v2/users.json', {
      user: { name: 'Carl by hand', email, role: 'end-user' },
    });
    expect(made.status).toBe(201);
    const carl = await createEntraUser(h, 'carl', { displayName: 'Carl Clerk', mail: email });
    await assign(h, carl, await appRoleId(h, 'Agent'));

    const result = await cli(['provision', email]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await byEmail(email)).toMatchObject({ id: made.body.user.id, name: 'Carl Clerk', role: 'agent' });
    const [entry] = await withStore((store) => store.queryLogs({ jobId, identity: carl, limit: 1 }));
    expect(entry?.provisioningAction).toBe('update');
    expect(entry?.modifiedProperties).toEqual(
      expect.arrayContaining([
        { displayName: 'name', oldValue: 'Carl by hand', newValue: 'Carl Clerk' },
        { displayName: 'role', oldValue: 'end-user', newValue: 'agent' },
      ]),
    );
    const link = (await withStore((s) => s.listLinks(jobId))).find((l) => l.sourceId === carl);
    expect(link).toMatchObject({ targetId: String(made.body.user.id), created: false, state: 'active' });
  }, 120_000);
});
