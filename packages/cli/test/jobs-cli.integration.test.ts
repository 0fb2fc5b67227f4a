import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { killChildren, spawnCli, writeCliJob } from './support/cli.js';
import { type JobHarness, startJobHarness, tenantDomain, zendeskUsers } from './support/provisioning.js';

/**
 * Jobs as data, as a person runs them: `provisio jobs import|list|show|export|delete` against the
 * state store (SQLite through DATABASE_URL), and the job commands with `--job <id>` against both
 * emulators. The secrets stay in the environment: no output and no exported file ever holds them.
 */
let h: JobHarness;
let dir: string;
let configFile: string;
let env: NodeJS.ProcessEnv;
let secretValues: string[];
const users = 6;

function cli(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return spawnCli(args, { cwd: dir, env: { ...env, ...extraEnv } }).finished;
}

/** Neither the output nor anything written holds a secret's value. */
function expectNoSecret(text: string): void {
  for (const value of secretValues) expect(text).not.toContain(value);
}

beforeAll(async () => {
  h = await startJobHarness({
    entra: {
      seed: {
        users: Array.from({ length: users }, (_, i) => ({
          userPrincipalName: `jobs${i}@${tenantDomain}`,
          displayName: `Jobs ${i}`,
        })),
        assignments: Array.from({ length: users }, (_, i) => ({
          principal: `jobs${i}@${tenantDomain}`,
          appRole: 'Agent',
        })),
      },
    },
  });
  ({ dir, configFile, env } = await writeCliJob(h, 'provisio-jobs-'));
  secretValues = [h.env['ENTRA_CLIENT_SECRET'] as string, h.env['ZENDESK_TOKEN'] as string];
});
afterEach(killChildren);
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const domain = () => (h.document['target'] as { domain: string }).domain;

describe('provisio jobs', () => {
  it('imports a provisio.yaml as a job: secrets become references, the id is zendesk.<domain>', async () => {
    const empty = await cli(['jobs', 'list']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toMatch(/no jobs in the state store/);

    const imported = await cli(['jobs', 'import', configFile, '--display-name', 'Support desk']);
    expect(imported.code, imported.stderr).toBe(0);
    const id = `zendesk.${domain()}`;
    expect(imported.stdout).toMatch(new RegExp(`imported job ${id.replace('.', '\\.')} \\(revision 1\\)`));
    expect(imported.stdout).toMatch(
      /source\.clientSecret from env:ENTRA_CLIENT_SECRET, target\.secretToken from env:ZENDESK_TOKEN/,
    );
    expectNoSecret(imported.stdout + imported.stderr);

    const list = await cli(['jobs', 'list', '--format', 'json']);
    expect(JSON.parse(list.stdout)).toEqual([
      {
        id,
        displayName: 'Support desk',
        domain: domain(),
        status: 'NotRun',
        provisioningStatus: 'on',
        revision: 1,
        updatedAt: expect.any(String),
      },
    ]);
    const table = await cli(['jobs', 'list']);
    expect(table.stdout).toMatch(/^ID\s+DISPLAY NAME\s+ZENDESK DOMAIN\s+STATUS\s+REVISION\s+UPDATED$/m);
    expect(table.stdout).toMatch(
      new RegExp(`^${id.replace('.', '\\.')}\\s+Support desk\\s+${domain()}\\s+NotRun\\s+1\\s`, 'm'),
    );

    const shown = await cli(['jobs', 'show', id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^# job .*: revision 1/m);
    expect(shown.stdout).toMatch(/clientSecret:\n\s+secretRef: env:ENTRA_CLIENT_SECRET/);
    expect(shown.stdout).toMatch(/secretToken:\n\s+secretRef: env:ZENDESK_TOKEN/);
    expectNoSecret(shown.stdout);
    const json = JSON.parse((await cli(['jobs', 'show', id, '--format', 'json'])).stdout) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({
      id,
      displayName: 'Support desk',
      settings: { interval: 'PT1S', scope: 'assigned' },
    });

    const audit = await cli(['audit', '--job', id, '--format', 'json']);
    expect(audit.code, audit.stderr).toBe(0);
    const [added] = JSON.parse(audit.stdout) as {
      activity: string;
      initiatedBy: string;
      details: { after: unknown };
    }[];
    expect(added?.activity).toBe('Add provisioning configuration');
    expect(added?.details.after).toEqual(json);
    expectNoSecret(audit.stdout);
  });

  it('refuses to overwrite a job unless --replace, and reports a re-import of the same file as unchanged', async () => {
    const again = await cli(['jobs', 'import', configFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists \(revision 1\): pass --replace/);
    const same = await cli(['jobs', 'import', configFile, '--replace', '--display-name', 'Support desk']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/unchanged \(revision 1\)/);
  });

  it('lists every problem of a bad file at once, refuses literal secrets, and exits 2', async () => {
    const bad = join(dir, 'bad.yaml');
    const document = structuredClone(h.document) as Record<string, Record<string, unknown>>;
    document['source'] = { ...document['source'], clientSecret: 'a-literal-secret-value' };
    document['target'] = { ...document['target'], domain: 'x.zendesk.com' };
    document['settings'] = { interval: 'soon', deprovision: 'delete' };
    document['mappings'] = { users: { actions: ['create'] } };
    await writeFile(bad, stringify(document));
    const result = await cli(['jobs', 'import', bad, '--id', 'bad']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.yaml is not valid \(4 problems\)/);
    expect(result.stderr).toMatch(/source\.clientSecret: a stored job never holds a secret/);
    expect(result.stderr).toMatch(/target\.domain: must be the bare Zendesk subdomain/);
    expect(result.stderr).toMatch(/settings\.interval: "soon" is not an ISO-8601 duration/);
    expect(result.stderr).toMatch(
      /settings\.deprovision: is "delete" but mappings\.users\.actions does not include delete/,
    );
    expect(result.stderr).not.toContain('a-literal-secret-value');
    expect((await cli(['jobs', 'show', 'bad'])).code).toBe(1);
  });

  it('exports a job that imports unchanged, in YAML and JSON, never holding a secret value', async () => {
    const id = `zendesk.${domain()}`;
    const before = (await cli(['jobs', 'show', id, '--format', 'json'])).stdout;
    const yamlFile = join(dir, 'exported.yaml');
    const jsonFile = join(dir, 'exported.json');
    const toStdout = await cli(['jobs', 'export', id]);
    expect(toStdout.code, toStdout.stderr).toBe(0);
    expect((await cli(['jobs', 'export', id, '--output', yamlFile])).code).toBe(0);
    expect((await cli(['jobs', 'export', id, '--output', jsonFile])).code).toBe(0);
    const yamlText = await readFile(yamlFile, 'utf8');
    const jsonText = await readFile(jsonFile, 'utf8');
    expect(yamlText).toBe(toStdout.stdout);
    expect(JSON.parse(jsonText)).toEqual(parse(yamlText));
    for (const text of [yamlText, jsonText, toStdout.stdout, toStdout.stderr]) expectNoSecret(text);

    // Importing the export over the job changes nothing; under another id it is the same job.
    const replaced = await cli(['jobs', 'import', yamlFile, '--replace']);
    expect(replaced.stdout).toMatch(/unchanged \(revision 1\)/);
    const copy = await cli(['jobs', 'import', jsonFile, '--id', 'copy']);
    expect(copy.code, copy.stderr).toBe(0);
    const copied = JSON.parse((await cli(['jobs', 'show', 'copy', '--format', 'json'])).stdout) as Record<
      string,
      unknown
    >;
    expect({ ...copied, id }).toEqual(JSON.parse(before));
    const again = await cli(['jobs', 'export', 'copy', '--format', 'json']);
    expect(JSON.parse(again.stdout)).toEqual(copied);
    expect((await cli(['jobs', 'delete', 'copy', '--yes'])).code).toBe(0);
  });

  it('runs the stored job with --job: test-connection, sync --once, status, logs', async () => {
    const id = `zendesk.${domain()}`;
    const connection = await cli(['test-connection', '--job', id]);
    expect(connection.code, connection.stdout + connection.stderr).toBe(0);
    const synced = await cli(['sync', '--once', '--job', id]);
    expect(synced.code, synced.stdout + synced.stderr).toBe(0);
    expect(synced.stdout).toMatch(new RegExp(`${users} created`));
    expect((await zendeskUsers(h)).filter((u) => /^jobs\d@/.test(u.email ?? ''))).toHaveLength(users);
    expectNoSecret(synced.stdout + synced.stderr);

    // status needs no secret: the variables may be absent.
    const status = await cli(['status', '--job', id, '--format', 'json'], {
      ENTRA_CLIENT_SECRET: undefined,
      ZENDESK_TOKEN: undefined,
    });
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as {
      jobId: string;
      status: string;
      cycles: { counts: { created: number } }[];
    };
    expect(parsed).toMatchObject({ jobId: id, status: 'Active' });
    expect(parsed.cycles[0]?.counts.created).toBe(users);
    const logs = await cli(['logs', '--job', id, '--identity', 'Jobs 3']);
    expect(logs.stdout).toMatch(/create\s+success\s+Jobs 3/);
    const list = JSON.parse((await cli(['jobs', 'list', '--format', 'json'])).stdout) as { status: string }[];
    expect(list[0]?.status).toBe('Active');

    // The same job id from the file sees the same state.
    const fromFile = JSON.parse((await cli(['status', '--config', configFile, '--format', 'json'])).stdout);
    expect(fromFile.cycles).toEqual(parsed.cycles);
  });

  it('names a missing secret, a missing job, and --job given with --config', async () => {
    const id = `zendesk.${domain()}`;
    const missing = await cli(['plan', '--job', id], { ZENDESK_TOKEN: undefined });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /job .* is not valid \(1 problem\):\n {2}- target\.secretToken: environment variable ZENDESK_TOKEN is not set/,
    );
    const unknown = await cli(['status', '--job', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no job "nope" in the state store .*jobs list/);
    const both = await cli(['status', '--job', id, '--config', configFile]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/option '--job <id>' cannot be used with option '-c, --config <file>'/);
  });

  it('reads the SMTP server of a stored job from SMTP_*, and says so when it is missing', async () => {
    const file = join(dir, 'mail.yaml');
    // The file the CLI job uses (with the emulator's CA), plus a notification address and smtp.
    const document = parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    document['settings'] = { ...(document['settings'] as object), notificationEmail: 'ops@example.com' };
    document['smtp'] = { host: '127.0.0.1', from: 'provisio <p@example.com>' };
    await writeFile(file, stringify(document));
    const imported = await cli(['jobs', 'import', file, '--id', 'mail']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(
      /warning: the smtp section is an installation setting, not part of a job: it is not imported/,
    );
    const plan = await cli(['plan', '--job', 'mail']);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(
      /settings\.notificationEmail: needs an SMTP server .*SMTP_HOST and SMTP_FROM/,
    );
    const badSmtp = await cli(['plan', '--job', 'mail'], { SMTP_HOST: '127.0.0.1', SMTP_PORT: 'x' });
    expect(badSmtp.code).toBe(2);
    expect(badSmtp.stderr).toMatch(/SMTP_PORT: "x" is not a port number/);
    expect(badSmtp.stderr).toMatch(/SMTP_FROM: /);
    const withSmtp = await cli(['plan', '--job', 'mail', '--format', 'json'], {
      SMTP_HOST: '127.0.0.1',
      SMTP_FROM: 'provisio <p@example.com>',
    });
    expect(withSmtp.code, withSmtp.stderr).toBe(0);
    // Commands that send no e-mail do not need SMTP.
    expect((await cli(['status', '--job', 'mail'])).code).toBe(0);
  });

  it("deletes a definition only with --yes, and keeps the job's state", async () => {
    const id = `zendesk.${domain()}`;
    const unconfirmed = await cli(['jobs', 'delete', id]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/Pass --yes to confirm/);
    const deleted = await cli(['jobs', 'delete', id, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/Its state is kept/);
    const list = JSON.parse((await cli(['jobs', 'list', '--format', 'json'])).stdout) as { id: string }[];
    expect(list.map((j) => j.id)).toEqual(['mail']);
    expect((await cli(['status', '--job', id])).code).toBe(1);
    // The state is still there under the job id: the file's job finds it, and so does a new import.
    const status = JSON.parse((await cli(['status', '--config', configFile, '--format', 'json'])).stdout);
    expect(status.users.active).toBe(users);
    const audit = JSON.parse((await cli(['audit', '--config', configFile, '--format', 'json'])).stdout) as {
      activity: string;
    }[];
    expect(audit[0]?.activity).toBe('Delete provisioning configuration');
    expect((await cli(['jobs', 'import', configFile])).code).toBe(0);
    const after = JSON.parse((await cli(['status', '--job', id, '--format', 'json'])).stdout);
    expect(after.users.active).toBe(users);
  });

  it('documents --job on every job command and the jobs subcommands in --help', async () => {
    for (const command of [
      ['test-connection'],
      ['plan'],
      ['sync'],
      ['status'],
      ['pause'],
      ['resume'],
      ['restart'],
      ['allow-deletes'],
      ['audit'],
      ['roles', 'import'],
      ['provision'],
      ['logs'],
    ]) {
      const help = await cli([...command, '--help']);
      expect(help.stdout, command.join(' ')).toMatch(/--job <id>/);
    }
    const jobs = await cli(['jobs', '--help']);
    for (const sub of ['list', 'show', 'import', 'export', 'delete'])
      expect(jobs.stdout).toMatch(new RegExp(`\\n\\s+${sub}\\b`));
  });
});
