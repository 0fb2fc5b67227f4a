import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, spawnCli, writeCliJob } from './support/cli.js';
import {
  addMember,
  appRoleId,
  assign,
  createEntraGroup,
  createEntraUser,
  type JobHarness,
  removeMember,
  startJobHarness,
  unassign,
  zendeskGroups,
  zendeskMemberIds,
  zendeskUsers,
} from './support/provisioning.js';

/**
 * The guard counts what hurts and speaks (docs/provisioning.md, "The accidental-deletion
 * threshold"), through the command line against the emulators: a group's assignment switched from
 * Agent to End-user would downgrade every member at once; over settings.downgradeThreshold nothing
 * is downgraded (so no membership is lost, not even in a Zendesk group provisio does not manage),
 * `plan` lists each held user, `sync --once` says "held: …" and exits 3, the job is quarantined with
 * the reason, and `allow-deletes` carries the downgrades out. Mass membership removals are held
 * the same way by settings.membershipRemovalThreshold.
 */
let h: JobHarness;
let dir: string;
let configFile: string;
let env: NodeJS.ProcessEnv;
const people = 8;
const emails = Array.from({ length: people }, (_, i) => `guard${i}@provisio-demo.onmicrosoft.com`);
let userIds: string[] = [];
let teamId = '';
let teamAssignment = '';
let directAssignments: string[] = [];

function cli(args: readonly string[]) {
  return spawnCli(args, { cwd: dir, env }).finished;
}

async function roles(): Promise<string[]> {
  const users = await zendeskUsers(h);
  return emails.map((email) => users.find((u) => u.email === email)?.role ?? 'missing');
}

beforeAll(async () => {
  h = await startJobHarness();
  // Thresholds small enough for a small tenant; deprovisionings keep the default.
  await h.reconfigure({ settings: { downgradeThreshold: 5, membershipRemovalThreshold: 5 } });
  ({ dir, configFile, env } = await writeCliJob(h, 'provisio-guard-'));
  teamId = await createEntraGroup(h, 'Guard Team');
  userIds = [];
  for (let i = 0; i < people; i++) {
    const id = await createEntraUser(h, `guard${i}`, { displayName: `Guard ${i}` });
    userIds.push(id);
    await addMember(h, teamId, id);
  }
  teamAssignment = await assign(h, teamId, await appRoleId(h, 'Agent'));
}, 60_000);
afterEach(killChildren);
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('role downgrades', () => {
  it('holds a mass downgrade over the threshold, lists it, says held, exits 3, and allow-deletes carries it out', async () => {
    const first = await cli(['sync', '--once', '--config', configFile]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(await roles()).toEqual(Array(people).fill('agent'));
    expect(await zendeskMemberIds(h, 'Guard Team')).toHaveLength(people);

    // A Zendesk group provisio does not manage, holding the same agents.
    const created = await h.zendesk.admin.post('/api/v2/groups.json', { group: { name: 'Escalations' } });
    expect(created.status).toBe(201);
    const escalations = created.body.group.id as number;
    const agents = (await zendeskUsers(h)).filter((u) => emails.includes(u.email));
    for (const agent of agents)
      expect(
        (
          await h.zendesk.admin.post('/api/v2/group_memberships.json', {
            group_membership: { user_id: agent.id, group_id: escalations },
          })
        ).status,
      ).toBe(201);

    // The mistake: the group's assignment switched from Agent to End-user.
    await unassign(h, teamAssignment);
    await assign(h, teamId, await appRoleId(h, 'End-user'));

    const plan = await cli(['plan', '--config', configFile]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      /^! 8 role downgrades exceed settings\.downgradeThreshold \(5\): they would be held/m,
    );
    for (let i = 0; i < people; i++)
      expect(plan.stdout).toMatch(
        new RegExp(`^! held\\s+Guard ${i} \\(${userIds[i]}\\)\\s+Staged downgrade:`, 'm'),
      );
    expect(plan.stdout).not.toMatch(/Nothing to do\./);
    const json = JSON.parse((await cli(['plan', '--config', configFile, '--format', 'json'])).stdout) as {
      staged: number;
      held: unknown[];
      users: { provisioningAction: string }[];
    };
    expect(json.staged).toBe(people);
    expect(json.held).toEqual([{ kind: 'downgrade', count: people, threshold: 5 }]);
    expect(json.users.filter((u) => u.provisioningAction === 'stagedDelete')).toHaveLength(people);

    const held = await cli(['sync', '--once', '--config', configFile]);
    expect(held.code, held.stdout + held.stderr).toBe(3);
    expect(held.stdout).toMatch(
      /^cycle \S+ \(\w+\) held in .*; held: 8 role downgrades over the threshold of 5$/m,
    );
    expect(held.stdout).toMatch(/npx provisio allow-deletes carries them out/);
    // Nothing downgraded: every membership kept, also in the group provisio does not manage.
    expect(await roles()).toEqual(Array(people).fill('agent'));
    expect(await zendeskMemberIds(h, 'Escalations')).toHaveLength(people);
    expect(await zendeskMemberIds(h, 'Guard Team')).toHaveLength(people);

    const status = JSON.parse((await cli(['status', '--config', configFile, '--format', 'json'])).stdout) as {
      status: string;
      quarantine: { reason: string; error: { message: string; objects: number } } | null;
      cycles: { state: string; error: string | null }[];
    };
    expect(status.status).toBe('Quarantine');
    expect(status.quarantine?.reason).toBe('TooManyDeletes');
    expect(status.quarantine?.error.message).toMatch(
      /8 role downgrades over the threshold of 5 \(settings\.downgradeThreshold\)/,
    );
    expect(status.quarantine?.error.objects).toBe(people);
    expect(status.cycles[0]).toMatchObject({
      state: 'held',
      error: 'held: 8 role downgrades over the threshold of 5',
    });
    const staged = JSON.parse(
      (await cli(['logs', '--config', configFile, '--action', 'stagedDelete', '--format', 'json'])).stdout,
    ) as { provisioningStatusInfo: { errorInformation: { errorCode: string; reason: string } } }[];
    expect(staged.length).toBeGreaterThanOrEqual(people);
    expect(staged[0]?.provisioningStatusInfo.errorInformation.errorCode).toBe('TooManyDeletes');
    expect(staged[0]?.provisioningStatusInfo.errorInformation.reason).toMatch(/lose privileges/);

    const allowed = await cli(['allow-deletes', '--config', configFile]);
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/running that cycle now/);
    expect(allowed.stdout).toMatch(/ succeeded in .* 8 updated/);
    expect(await roles()).toEqual(Array(people).fill('end-user'));
    const after = JSON.parse((await cli(['status', '--config', configFile, '--format', 'json'])).stdout) as {
      status: string;
      quarantine: unknown;
    };
    expect(after).toMatchObject({ status: 'Active', quarantine: null });
    const calm = await cli(['sync', '--once', '--config', configFile]);
    expect(calm.code, calm.stdout).toBe(0);
    expect(calm.stdout).not.toMatch(/held/);
  }, 120_000);
});

describe('membership removals', () => {
  it('holds mass removals from a managed group over membershipRemovalThreshold, and allow-deletes makes them', async () => {
    // Each user assigned directly as an agent; a second assigned group holds them all.
    const agentRole = await appRoleId(h, 'Agent');
    directAssignments = [];
    for (const id of userIds) directAssignments.push(await assign(h, id, agentRole));
    const desk = await createEntraGroup(h, 'Guard Desk');
    for (const id of userIds) await addMember(h, desk, id);
    await assign(h, desk, await appRoleId(h, 'End-user'));
    const ready = await cli(['sync', '--once', '--config', configFile]);
    expect(ready.code, ready.stdout + ready.stderr).toBe(0);
    expect(await zendeskMemberIds(h, 'Guard Desk')).toHaveLength(people);

    for (const id of userIds.slice(0, 6)) await removeMember(h, desk, id);
    const plan = await cli(['plan', '--config', configFile]);
    expect(plan.stdout).toMatch(
      /^! 6 membership removals exceed settings\.membershipRemovalThreshold \(5\)/m,
    );
    expect(plan.stdout).toMatch(
      /members of Guard Desk: 0 to add, 0 to remove, \d+ skipped, 6 removals held \(Guard \d/,
    );
    expect(plan.stdout).not.toMatch(/Nothing to do\./);

    const held = await cli(['sync', '--once', '--config', configFile]);
    expect(held.code, held.stdout).toBe(3);
    expect(held.stdout).toMatch(/; held: 6 membership removals over the threshold of 5$/m);
    expect(await zendeskMemberIds(h, 'Guard Desk')).toHaveLength(people);

    const allowed = await cli(['allow-deletes', '--config', configFile]);
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
    expect(await zendeskMemberIds(h, 'Guard Desk')).toHaveLength(2);
    expect((await zendeskGroups(h)).some((g) => g.name === 'Escalations')).toBe(true);
  }, 120_000);
});

describe('allow-deletes beside a running sync', () => {
  it('says which worker holds the job and when it runs, and that sync runs the allowed cycle out of its quarantine wait', async () => {
    // Held again: the direct Agent assignments go, only the group's End-user stays.
    for (const id of directAssignments) await unassign(h, id);
    // A long-running sync holds the job's lease; its cycle holds the downgrades, then it waits out the quarantine.
    const { child } = spawnCli(['sync', '--config', configFile], { cwd: dir, env });
    let out = '';
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
    });
    for (let i = 0; i < 600 && !/job in quarantine: next attempt/.test(out); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(/held: 8 role downgrades over the threshold of 5/);
    expect(out).toMatch(/job in quarantine: next attempt/);
    const quarantine = JSON.parse((await cli(['status', '--config', configFile, '--format', 'json'])).stdout)
      .quarantine as { nextAttempt: string };
    // The back-off is at least a minute: without allow-deletes, the running sync would wait that long.
    expect(Date.parse(quarantine.nextAttempt) - Date.now()).toBeGreaterThan(30_000);

    const allowed = await cli(['allow-deletes', '--config', configFile]);
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(
      /not run here: another provisio worker \(\S+\) holds the job's lease.*looks for a pending allow-deletes every 1 s: it runs the allowed cycle within 1 s, quarantined or not/,
    );
    expect(allowed.stdout).not.toMatch(/running that cycle now/);
    // The running sync carries it out at once, long before the quarantine's next attempt.
    for (let i = 0; i < 400 && !/succeeded in .* 8 updated/.test(out); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(/succeeded in .* 8 updated/);
    expect(Date.now()).toBeLessThan(Date.parse(quarantine.nextAttempt));
    expect(await roles()).toEqual(Array(people).fill('end-user'));
    child.kill('SIGTERM');
  }, 90_000);
});
