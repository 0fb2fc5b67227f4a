import { rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { killChildren, spawnCli, writeCliJob } from './support/cli.js';
import { type JobHarness, startJobHarness, tenantDomain, zendeskUsers } from './support/provisioning.js';

/**
 * Targets are validated, and test-connection reports levels (docs/mappings.md#zendesk-attributes,
 * docs/provisioning.md#npx-provisio-test-connection), through `npx provisio` against the emulators: a misspelt
 * target refuses to load with the name meant, a mapping to a custom user field the account lacks
 * fails `plan`, `sync` and `test-connection` before anything is written, a missing role-import
 * permission or ownership is a warning (exit 0), and the mail server is checked (and a test e-mail
 * sent on request) when the job sends notifications.
 */
let h: JobHarness;
let dir: string;
let env: NodeJS.ProcessEnv;
let smtp: SMTPServer;
let smtpPort = 0;
const mails: { to: string; subject: string }[] = [];

const baseMappings = [
  { target: 'external_id', type: 'Direct', source: 'objectId', matching: 1 },
  { target: 'email', type: 'Direct', source: 'userPrincipalName', matching: 2 },
  { target: 'name', type: 'Direct', source: 'displayName' },
];

/** Writes a variant of the job file and returns its path. */
async function variant(
  name: string,
  change: { mappings?: unknown[]; settings?: Record<string, unknown>; smtp?: unknown },
): Promise<string> {
  const document = structuredClone(h.document) as Record<string, unknown>;
  (document['source'] as Record<string, unknown>)['caCertificateFile'] = join(dir, 'ca.pem');
  if (change.mappings) document['mappings'] = { users: { attributes: change.mappings } };
  if (change.settings) document['settings'] = { ...(document['settings'] as object), ...change.settings };
  if (change.smtp) document['smtp'] = change.smtp;
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, stringify(document));
  return path;
}

function cli(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return spawnCli(args, { cwd: dir, env: { ...env, ...extraEnv } }).finished;
}

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address).join(','),
            subject: parsed.subject ?? '',
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  h = await startJobHarness({
    zendesk: { seed: { userFields: [{ key: 'employee_number', type: 'text' }] } },
    entra: {
      // Least privilege: no Application.ReadWrite.*, so role import cannot write app roles.
      permissions: ['User.Read.All', 'Application.Read.All', 'GroupMember.Read.All', 'Group.Read.All'],
      seed: {
        users: [{ userPrincipalName: `valid1@${tenantDomain}`, displayName: 'Valid One', department: 'E-1' }],
        assignments: [{ principal: `valid1@${tenantDomain}`, appRole: 'Agent' }],
      },
    },
  });
  ({ dir, env } = await writeCliJob(h, 'provisio-validation-'));
});
afterEach(killChildren);
afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('targets are validated', () => {
  it('refuses a misspelt target when the file loads (exit 2), naming the mapping and the name meant', async () => {
    const file = await variant('misspelt', {
      mappings: [...baseMappings, { target: 'detials', type: 'Direct', source: 'department' }],
    });
    for (const command of [['sync', '--once'], ['test-connection'], ['plan']]) {
      const result = await cli([...command, '--config', file]);
      expect(result.code, command.join(' ')).toBe(2);
      expect(result.stderr).toContain(
        'mappings.users.attributes[3].target: "detials" is not a Zendesk user attribute: did you mean "details"?',
      );
    }
  });

  it('fails plan, sync and test-connection on a custom user field the account lacks, writing nothing', async () => {
    const file = await variant('missing-field', {
      mappings: [
        ...baseMappings,
        { target: 'user_fields.employe_number', type: 'Direct', source: 'department' },
      ],
    });
    const before = (await zendeskUsers(h)).length;
    const expected =
      /mappings\.users\.attributes\[3\]\.target: the Zendesk account has no custom user field with the key "employe_number"; its keys are "employee_number": did you mean "user_fields\.employee_number"\?/;

    const plan = await cli(['plan', '--config', file]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(2);
    expect(plan.stderr).toMatch(expected);

    expect(before).toBe(1); // the admin alone: valid1 is waiting to be created
    const sync = await cli(['sync', '--once', '--config', file]);
    expect(sync.code, sync.stdout + sync.stderr).not.toBe(0);
    expect(sync.stdout + sync.stderr).toMatch(expected);
    expect((await zendeskUsers(h)).length).toBe(before);
    const status = await cli(['status', '--config', file, '--format', 'json']);
    expect(status.stdout).toMatch(/InvalidConfiguration/);

    const tested = await cli(['test-connection', '--config', file]);
    expect(tested.code, tested.stdout + tested.stderr).toBe(1);
    expect(tested.stdout).toMatch(/✗ mapped user fields: .*did you mean "user_fields\.employee_number"\?/);

    // With the key right, the same job runs.
    const right = await variant('right-field', {
      mappings: [
        ...baseMappings,
        { target: 'user_fields.employee_number', type: 'Direct', source: 'department' },
      ],
    });
    const fixed = await cli(['test-connection', '--config', right]);
    expect(fixed.stdout).toMatch(/✓ mapped user fields: the account has every custom user field/);
    const synced = await cli(['sync', '--once', '--config', right]);
    expect(synced.code, synced.stdout + synced.stderr).toBe(0);
    const valid1 = (await zendeskUsers(h)).find((u) => u.email === `valid1@${tenantDomain}`);
    expect(valid1?.user_fields).toMatchObject({ employee_number: 'E-1' });
  });
});

describe('test-connection reports levels', () => {
  it('passes (exit 0) with a warning when role import cannot write app roles, saying what is lost', async () => {
    const result = await cli(['test-connection']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Entra ID .*: ok \(2 warnings\)/);
    expect(result.stdout).toMatch(/⚠ read user assignments \(optional\): .*needs Directory.Read.All/);
    expect(result.stdout).toMatch(/⚠ import roles \(optional\): Role import .* the app has neither/);
    expect(result.stdout).toMatch(/what is lost without it: .*maintain the app roles by hand/);
    expect(result.stdout).not.toMatch(/✗/);
  });

  it('checks the mail server when the job sends notifications, and sends a test e-mail on request', async () => {
    const smtpSection = {
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      from: 'provisio <provisio@example.com>',
    };
    const file = await variant('mail', {
      settings: { notificationEmail: 'ops@example.com' },
      smtp: smtpSection,
    });
    const checked = await cli(['test-connection', '--config', file]);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/Notification e-mails \(to ops@example.com\): ok/);
    expect(checked.stdout).toMatch(/✓ mail server \(optional\): signed in to 127\.0\.0\.1:/);
    expect(mails).toEqual([]);

    const sent = await cli(['test-connection', '--config', file, '--send-test-email']);
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/✓ test e-mail \(optional\): sent to ops@example.com/);
    expect(mails).toEqual([{ to: 'ops@example.com', subject: 'provisio: test e-mail' }]);

    // A mail server that is not there: a warning, not a failure.
    const closed = await variant('mail-down', {
      settings: { notificationEmail: 'ops@example.com' },
      smtp: { ...smtpSection, port: 1 },
    });
    const down = await cli(['test-connection', '--config', closed]);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect(down.stdout).toMatch(/⚠ mail server \(optional\): the mail server could not be reached/);
    expect(down.stdout).toMatch(/what is lost without it: notification e-mails are not delivered/);

    const refused = await cli(['test-connection', '--send-test-email']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--send-test-email needs settings.notificationEmail and an SMTP server/);
  });
});
