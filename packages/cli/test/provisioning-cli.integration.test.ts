import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { killChildren, spawnCli as spawnChild, writeCliJob } from './support/cli.js';
import {
  appRoleId,
  assign,
  createEntraUser,
  type JobHarness,
  startJobHarness,
  tenantDomain,
  zendeskUsers,
} from './support/provisioning.js';

/**
 * The provisioning commands as a person runs them: `npx provisio …` in a subprocess, with a YAML file,
 * secrets in the environment and SQLite through DATABASE_URL, against both emulators on loopback.
 */
let h: JobHarness;
let dir: string;
let configFile: string;
let env: NodeJS.ProcessEnv;
const seededUsers = 30;

function spawnCli(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return spawnChild(args, { cwd: dir, env: { ...env, ...extraEnv } });
}

const cli = (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) => spawnCli(args, extraEnv).finished;

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url))))
    throw new Error('packages/cli/dist is missing: run `npx tsc -b` (npm test builds first)');
  h = await startJobHarness({
    entra: {
      seed: {
        users: Array.from({ length: seededUsers }, (_, i) => ({
          userPrincipalName: `person${i}@${tenantDomain}`,
          displayName: `Person ${i}`,
          department: i % 2 === 0 ? 'Support' : 'Sales',
        })),
        assignments: Array.from({ length: seededUsers }, (_, i) => ({
          principal: `person${i}@${tenantDomain}`,
          appRole: i % 3 === 0 ? 'Admin' : 'Agent',
        })),
      },
    },
  });
  ({ dir, configFile, env } = await writeCliJob(h, 'provisio-cli-job-'));
});
afterEach(killChildren);
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('provisio init and configuration errors', () => {
  it('writes a commented starter file, and refuses to overwrite it without --force', async () => {
    const path = join(dir, 'starter.yaml');
    const first = await cli(['init', '--config', path]);
    expect(first.code, first.stderr).toBe(0);
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/secretToken: \$\{ZENDESK_TOKEN\}/);
    expect(text).toMatch(/^# /m);
    const again = await cli(['init', '--config', path]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists: pass --force/);
    expect((await cli(['init', '--config', path, '--force'])).code).toBe(0);
  });

  it('lists every problem of a bad configuration at once and exits 2', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(
      path,
      stringify({
        ...h.document,
        target: { ...(h.document['target'] as object), domain: 'x.zendesk.com' },
        settings: { scope: 'everyone', interval: 'soon' },
      }),
    );
    const result = await cli(['plan', '--config', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/target\.domain: must be the bare Zendesk subdomain/);
    expect(result.stderr).toMatch(/settings\.scope/);
    expect(result.stderr).not.toContain(h.env['ZENDESK_TOKEN'] as string);
  });

  it('names a missing file and how to create one', async () => {
    const result = await cli(['status', '--config', join(dir, 'nope.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no such file: run "npx provisio init"/);
  });
});

describe('provisio test-connection', () => {
  it('checks both sides', async () => {
    const result = await cli(['test-connection', '--config', configFile]);
    expect(result.stdout).toMatch(/Entra ID .*: ok/);
    expect(result.stdout).toMatch(/Zendesk .*: ok/);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('explains a bad Zendesk token without printing it', async () => {
    const result = await cli(['test-connection', '--config', configFile], {
      ZENDESK_TOKEN: 'wrong-token-123',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Zendesk .*: FAILED/);
    expect(result.stdout).toMatch(/fix: /);
    expect(result.stdout + result.stderr).not.toContain('wrong-token-123');
  });

  it('explains a bad Entra client secret without printing it', async () => {
    const result = await cli(['test-connection', '--config', configFile], {
      ENTRA_CLIENT_SECRET: 'not-the-secret-456',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Entra ID .*: FAILED/);
    expect(result.stdout).toMatch(/InvalidCredentials|7000215/);
    expect(result.stdout + result.stderr).not.toContain('not-the-secret-456');
  });
});

describe('plan, sync, status and logs', () => {
  it('plans without writing, and the next sync does exactly what the plan said', async () => {
    const before = (await zendeskUsers(h)).length;
    const planned = await cli(['plan', '--config', configFile, '--format', 'json']);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as {
      kind: string;
      counts: { created: number };
      users: { sourceId: string; action: string | null }[];
    };
    expect(plan.kind).toBe('initial');
    expect(plan.counts.created).toBe(seededUsers);
    expect((await zendeskUsers(h)).length).toBe(before);

    const text = await cli(['plan', '--config', configFile]);
    expect(text.stdout).toMatch(/^\+ create\s+Person 0 /m);
    expect(text.stdout).toMatch(/role: "admin"/);

    const synced = await cli(['sync', '--once', '--config', configFile]);
    expect(synced.code, synced.stdout + synced.stderr).toBe(0);
    expect(synced.stdout).toMatch(new RegExp(`\\(initial\\) succeeded .*${seededUsers} created`));
    const logs = await cli([
      'logs',
      '--config',
      configFile,
      '--format',
      'json',
      '--action',
      'create',
      '--limit',
      '1000',
    ]);
    const entries = JSON.parse(logs.stdout) as {
      sourceIdentity: { id: string };
      provisioningAction: string;
    }[];
    expect(entries.map((e) => e.sourceIdentity.id).sort()).toEqual(
      plan.users
        .filter((u) => u.action === 'create')
        .map((u) => u.sourceId)
        .sort(),
    );
    expect((await zendeskUsers(h)).length).toBe(before + seededUsers);
  });

  it('shows status with the last cycle, and a quiet second cycle', async () => {
    const second = await cli(['sync', '--once', '--config', configFile]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/0 created, 0 updated/);
    const status = await cli(['status', '--config', configFile, '--format', 'json']);
    const parsed = JSON.parse(status.stdout) as {
      status: string;
      users: { active: number };
      cycles: { kind: string; state: string }[];
      watermarkAgeMs: number;
    };
    expect(parsed.status).toBe('Active');
    expect(parsed.users.active).toBe(seededUsers);
    expect(parsed.cycles.length).toBeGreaterThanOrEqual(2);
    expect(parsed.watermarkAgeMs).toBeGreaterThanOrEqual(0);
    const text = await cli(['status', '--config', configFile]);
    expect(text.stdout).toMatch(/last cycles:/);
    expect(text.stdout).toMatch(/initial\s+succeeded/);
  });

  it("filters logs and downloads them as Entra's three CSV files joined by change id", async () => {
    const table = await cli(['logs', '--config', configFile, '--identity', 'Person 7']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/create\s+success\s+Person 7 /);
    const failures = await cli(['logs', '--config', configFile, '--status', 'failure']);
    expect(failures.stdout).toMatch(/no log entries match/);
    const out = join(dir, 'csv');
    const csv = await cli([
      'logs',
      '--config',
      configFile,
      '--action',
      'create',
      '--format',
      'csv',
      '--output',
      out,
    ]);
    expect(csv.code, csv.stderr).toBe(0);
    const main = await readFile(join(out, 'ProvisioningLogs.csv'), 'utf8');
    const steps = await readFile(join(out, 'ProvisioningLogs_ProvisioningSteps.csv'), 'utf8');
    const props = await readFile(join(out, 'ProvisioningLogs_ModifiedProperties.csv'), 'utf8');
    const changeIds = [...main.matchAll(/^[^,\n]+,([0-9a-f-]{36}),/gm)].map((m) => m[1]);
    expect(changeIds).toHaveLength(seededUsers);
    for (const id of changeIds.slice(0, 3)) {
      expect(steps).toContain(`${id},1,EntryImport`);
      expect(props).toContain(`${id},email,`);
    }
    expect(main + steps + props).not.toContain(h.env['ZENDESK_TOKEN'] as string);
  });
});

describe('a crash mid-cycle', () => {
  it('resumes after kill -9 with no duplicate and no lost user', async () => {
    // New users to create, and slow Zendesk jobs so that the kill lands while they run.
    const ids = [];
    for (let i = 0; i < 150; i++) ids.push(await createEntraUser(h, `crash${i}`));
    const agent = await appRoleId(h, 'Agent');
    for (const id of ids) await assign(h, id, agent);
    await h.zendesk.admin.control('PUT', 'config', { jobStepMs: 400 });
    await h.zendesk.admin.control('DELETE', 'requests');
    const { child, finished } = spawnCli(['sync', '--config', configFile]);
    for (let i = 0; i < 200; i++) {
      const log = (await h.zendesk.admin.control('GET', 'requests')).body as {
        byRoute: { route: string; method: string }[];
      };
      if (
        log.byRoute.some(
          (r) =>
            (r.method === 'POST' && r.route.includes('create_or_update_many')) ||
            (r.method === 'POST' && r.route === '/api/v2/users'),
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    expect((await finished).signal).toBe('SIGKILL');
    await h.zendesk.admin.control('PUT', 'config', { jobStepMs: 5 });

    const resumed = await cli(['sync', '--once', '--config', configFile]);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const users = await zendeskUsers(h);
    for (const id of ids)
      expect(
        users.filter((u) => u.external_id === id),
        id,
      ).toHaveLength(1);
    const status = JSON.parse((await cli(['status', '--config', configFile, '--format', 'json'])).stdout) as {
      users: { active: number };
    };
    expect(status.users.active).toBe(seededUsers + ids.length);
  });
});
