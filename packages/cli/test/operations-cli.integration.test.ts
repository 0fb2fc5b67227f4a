import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  zendeskMemberIds,
  zendeskUsers,
} from './support/provisioning.js';

/**
 * Job operations as a person runs them: pause/resume, restart --full (re-match, no duplicates),
 * roles import (a colliding custom role left out, the others published), the audit log.
 */
let h: JobHarness;
let dir: string;
let configFile: string;
let env: NodeJS.ProcessEnv;

function cli(args: readonly string[]) {
  return spawnCli(args, { cwd: dir, env }).finished;
}

beforeAll(async () => {
  h = await startJobHarness({
    entra: {
      seed: {
        users: Array.from({ length: 8 }, (_, i) => ({
          userPrincipalName: `op${i}@${tenantDomain}`,
          displayName: `Op ${i}`,
        })),
        assignments: Array.from({ length: 8 }, (_, i) => ({
          principal: `op${i}@${tenantDomain}`,
          appRole: 'Agent',
        })),
      },
    },
    zendesk: { seed: { customRoles: [{ name: 'Billing Agent' }, { name: 'AGENT' }] } },
  });
  ({ dir, configFile, env } = await writeCliJob(h, 'provisio-ops-'));
});
afterEach(killChildren);
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('provision on demand', () => {
  it('provisions one in-scope user now and prints every step', async () => {
    const dry = await cli(['provision', `op7@${tenantDomain}`, '--dry-run', '--config', configFile]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dry run/);
    expect(dry.stdout).toMatch(/1\. ✓ Import: Retrieved User 'Op 7'/);
    expect(dry.stdout).toMatch(/Assigned to application: true/);
    expect(dry.stdout).toMatch(/User has required role: true \(Agent\)/);
    expect(dry.stdout).toMatch(/Match: No Zendesk user matches|Match: (Matched|Linked)/);
    const before = (await zendeskUsers(h)).length;
    const real = await cli(['provision', `op7@${tenantDomain}`, '--config', configFile]);
    expect(real.code, real.stdout + real.stderr).toBe(0);
    expect(real.stdout).toMatch(/Perform action: (created|updated|create|update)/i);
    expect((await zendeskUsers(h)).some((u) => u.email === `op7@${tenantDomain}`)).toBe(true);
    expect((await zendeskUsers(h)).length).toBeGreaterThanOrEqual(before);
    const logs = await cli(['logs', '--config', configFile, '--identity', 'Op 7', '--format', 'json']);
    const [entry] = JSON.parse(logs.stdout) as { initiatedBy: { initiatorType: string } }[];
    expect(entry?.initiatedBy.initiatorType).toBe('user');
  });

  it('explains an out-of-scope user without writing', async () => {
    const id = await createEntraUser(h, 'outsider', { displayName: 'Out Sider' });
    const result = await cli(['provision', id, '--config', configFile]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Determine if in scope: The user is not assigned/);
    expect(result.stdout).toMatch(/Assigned to application: false/);
    expect((await zendeskUsers(h)).some((u) => u.external_id === id)).toBe(false);
  });

  it('shows the failing step for a user Zendesk refuses, and a missing object', async () => {
    const id = await createEntraUser(h, 'refused', { preferredLanguage: 'xx-XX' });
    await assign(h, id, await appRoleId(h, 'Agent'));
    const result = await cli(['provision', `refused@${tenantDomain}`, '--config', configFile]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ Perform action: create failed: ZendeskUnprocessableEntity/);
    expect(result.stdout).toMatch(/FAILED/);
    const missing = await cli(['provision', `nobody@${tenantDomain}`, '--config', configFile]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/No user or group/);
    // Fixed, so that the job tests below start clean.
    await patchUser(h, id, { preferredLanguage: 'de-DE' });
  });

  it('provisions a group with its members', async () => {
    const group = await createEntraGroup(h, 'On Demand Team');
    const member = await createEntraUser(h, 'odmember', { displayName: 'OD Member' });
    await addMember(h, group, member);
    await assign(h, group, await appRoleId(h, 'Agent'));
    const result = await cli(['provision', 'On Demand Team', '--config', configFile]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/User OD Member/);
    expect(result.stdout).toMatch(/Group On Demand Team/);
    expect(result.stdout).toMatch(/OD Member: added/);
    expect(await zendeskMemberIds(h, 'On Demand Team')).toHaveLength(1);
  });
});

describe('job operations', () => {
  it('imports roles: the colliding custom role is named and left out, the others are published with stable ids', async () => {
    const first = await cli(['roles', 'import', '--config', configFile]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/left out: the custom role "AGENT" collides with the built-in role Agent/);
    const sp = await h.graph.get(`/v1.0/servicePrincipals/${h.servicePrincipalId}`);
    const roles = sp.body.appRoles as { id: string; displayName: string; isEnabled: boolean }[];
    const names = roles.map((r) => r.displayName);
    expect(names).toEqual(
      expect.arrayContaining(['End-user', 'Agent', 'Admin', 'Billing Agent', 'Light Agent']),
    );
    expect(names).not.toContain('AGENT');
    const again = await cli(['roles', 'import', '--config', configFile]);
    expect(again.code).toBe(0);
    const after = (await h.graph.get(`/v1.0/servicePrincipals/${h.servicePrincipalId}`)).body.appRoles as {
      id: string;
      displayName: string;
    }[];
    expect(after.map((r) => `${r.displayName}:${r.id}`).sort()).toEqual(
      roles.map((r) => `${r.displayName}:${r.id}`).sort(),
    );
    const audit = await cli(['audit', '--config', configFile, '--format', 'json']);
    const entries = JSON.parse(audit.stdout) as { activity: string; summary: string }[];
    expect(entries.filter((e) => e.activity === 'Import roles')).toHaveLength(2);
    expect(entries[0]?.summary).toMatch(/AGENT/);
  });

  // Eleven CLI processes in a row: the default 30 s is too tight for a loaded two-core machine.
  it('pauses (sync runs no cycle) and resumes', { timeout: 90_000 }, async () => {
    expect((await cli(['sync', '--once', '--config', configFile])).code).toBe(0);
    const paused = await cli(['pause', '--config', configFile]);
    expect(paused.code).toBe(0);
    let status = JSON.parse((await cli(['status', '--config', configFile, '--format', 'json'])).stdout) as {
      status: string;
    };
    expect(status.status).toBe('Paused');
    // Pause means pause, for cron's `sync --once` too: no cycle, said so, exit 0; --force runs one.
    const cyclesBefore = (
      JSON.parse(
        (await cli(['status', '--config', configFile, '--format', 'json', '--cycles', '1000'])).stdout,
      ) as {
        cycles: unknown[];
      }
    ).cycles.length;
    const once = await cli(['sync', '--once', '--config', configFile]);
    expect(once.code).toBe(0);
    expect(once.stdout).toMatch(/is paused: no cycle runs/);
    const cyclesOf = async () =>
      (
        JSON.parse(
          (await cli(['status', '--config', configFile, '--format', 'json', '--cycles', '1000'])).stdout,
        ) as {
          cycles: unknown[];
        }
      ).cycles.length;
    expect(await cyclesOf()).toBe(cyclesBefore);
    const forced = await cli(['sync', '--once', '--force', '--config', configFile]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/cycle .* \(incremental\) succeeded/);
    expect(await cyclesOf()).toBe(cyclesBefore + 1);
    const resumed = await cli(['resume', '--config', configFile]);
    expect(resumed.code).toBe(0);
    status = JSON.parse((await cli(['status', '--config', configFile, '--format', 'json'])).stdout) as {
      status: string;
    };
    expect(status.status).toBe('Active');
    const audit = await cli(['audit', '--config', configFile]);
    expect(audit.stdout).toMatch(/Disable\/pause provisioning configuration/);
    expect(audit.stdout).toMatch(/Enable\/start provisioning configuration/);
  });

  it('restart --full forgets the links and re-matches every user without duplicating any', async () => {
    const before = await zendeskUsers(h);
    const managed = (
      JSON.parse((await cli(['status', '--config', configFile, '--format', 'json'])).stdout) as {
        users: { active: number };
      }
    ).users.active;
    expect(managed).toBeGreaterThanOrEqual(8);
    const restarted = await cli(['restart', '--full', '--config', configFile]);
    expect(restarted.code, restarted.stderr).toBe(0);
    let status = JSON.parse((await cli(['status', '--config', configFile, '--format', 'json'])).stdout) as {
      users: { active: number };
    };
    expect(status.users.active).toBe(0);
    const synced = await cli(['sync', '--once', '--config', configFile]);
    expect(synced.code, synced.stdout).toBe(0);
    expect(synced.stdout).toMatch(/0 created/);
    const after = await zendeskUsers(h);
    expect(after.map((u) => u.id).sort()).toEqual(before.map((u) => u.id).sort());
    status = JSON.parse((await cli(['status', '--config', configFile, '--format', 'json'])).stdout) as {
      users: { active: number };
    };
    expect(status.users.active).toBe(managed);
    const audit = await cli(['audit', '--config', configFile]);
    expect(audit.stdout).toMatch(/Restarted in full/);
  });

  it('stages deprovisioning beyond the threshold, shows the quarantine in status, and allow-deletes carries it out', async () => {
    const document = structuredClone(h.document) as {
      source: Record<string, unknown>;
      settings: Record<string, unknown>;
    };
    document.source['caCertificateFile'] = join(dir, 'ca.pem');
    document.settings = { ...document.settings, accidentalDeletionThreshold: 2 };
    const strict = join(dir, 'strict.yaml');
    await writeFile(strict, stringify(document));
    expect((await cli(['sync', '--once', '--config', strict])).code).toBe(0);
    const assigned = await h.graph.get(
      `/v1.0/servicePrincipals/${h.servicePrincipalId}/appRoleAssignedTo?$top=999`,
    );
    const ops = (assigned.body.value as { id: string; principalDisplayName: string }[]).filter((a) =>
      /^Op [0-2]$/.test(a.principalDisplayName),
    );
    expect(ops).toHaveLength(3);
    for (const a of ops)
      await h.graph.delete(`/v1.0/servicePrincipals/${h.servicePrincipalId}/appRoleAssignedTo/${a.id}`);

    const plan = await cli(['plan', '--config', strict]);
    expect(plan.stdout).toMatch(
      /! 3 deprovisioning actions exceed settings.accidentalDeletionThreshold \(2\)/,
    );
    expect(plan.stdout).toMatch(/^Groups \(scope assigned\): \d+ in scope/m);
    const held = await cli(['sync', '--once', '--config', strict]);
    expect(held.stdout).toMatch(/0 disabled/);
    const status = await cli(['status', '--config', strict]);
    expect(status.stdout).toMatch(/QUARANTINE since .* \(TooManyDeletes/);
    expect(status.stdout).toMatch(
      /what to do: If the deprovisioning is intended, allow the staged deletions \((npx provisio )?allow-deletes\)/,
    );
    const staged = await cli(['logs', '--config', strict, '--action', 'stagedDelete', '--format', 'json']);
    expect((JSON.parse(staged.stdout) as unknown[]).length).toBeGreaterThanOrEqual(3);

    const allowed = await cli(['allow-deletes', '--config', strict]);
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/3 disabled/);
    const after = await cli(['status', '--config', strict, '--format', 'json']);
    expect(JSON.parse(after.stdout)).toMatchObject({ status: 'Active', quarantine: null });
    expect((await zendeskUsers(h)).filter((u) => /^Op [0-2]$/.test(u.name)).every((u) => u.suspended)).toBe(
      true,
    );
    const audit = await cli(['audit', '--config', strict]);
    expect(audit.stdout).toMatch(/Allow deletes/);
    expect(audit.stdout).toMatch(/Quarantine lifted/);
  });

  it('runs one worker per job: a second sync is refused while the first holds the job, and may run after it stops', async () => {
    const { child, finished } = spawnCli(['sync', '--config', configFile], { cwd: dir, env });
    let out = '';
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
    });
    for (let i = 0; i < 200 && !/next cycle in/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(/next cycle in/);
    const second = await cli(['sync', '--once', '--config', configFile]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      /another provisio worker \(.+\) runs the cycles of job zendesk\.provisio-demo/,
    );
    child.kill('SIGTERM');
    expect((await finished).code).toBe(0);
    // Stopped cleanly: the lease is released, the next sync runs at once.
    const third = await cli(['sync', '--once', '--config', configFile]);
    expect(third.code, third.stderr).toBe(0);
  });
});
