import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { openStateStore } from '@provisio/engine';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, spawnCli, writeCliJob } from './support/cli.js';
import {
  appRoleId,
  assign,
  createEntraUser,
  type JobHarness,
  patchUser,
  startJobHarness,
  tenantDomain,
  unassign,
  zendeskUsers,
} from './support/provisioning.js';

/**
 * provisio never touches its own credentials' owner (docs/provisioning.md, "The credentials'
 * owner"): the Zendesk admin behind `target.adminUsername` is also a user in Entra, assigned to the
 * application. When they are disabled there, `plan` shows the skip with the reason, `sync --once`
 * leaves their Zendesk user active with its role while another leaver of the same cycle is
 * suspended, the provisioning log says why, `status` warns, and an e-mail (read back from a real SMTP
 * server on loopback) asks to move the token. Everything through the command as a subprocess.
 */
interface Mail {
  to: string;
  subject: string;
  text: string;
}

const ownerEmail = `it.admin@${tenantDomain}`;
let h: JobHarness;
let smtp: SMTPServer;
const mails: Mail[] = [];
let dir: string;
let configFile: string;
let env: NodeJS.ProcessEnv;

const cli = (args: readonly string[]) =>
  spawnCli([...args, '--config', configFile], { cwd: dir, env }).finished;

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url))))
    throw new Error('packages/cli/dist is missing: run `npx tsc -b` (npm test builds first)');
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address).join(','),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  // The Zendesk admin whose API token provisio uses has an Entra account with the same e-mail.
  h = await startJobHarness({ zendesk: { adminEmail: ownerEmail, adminName: 'IT Admin' } });
  h.document['smtp'] = { host: '127.0.0.1', port, secure: false, from: 'provisio <provisio@example.com>' };
  await h.reconfigure({ settings: { notificationEmail: 'ops@example.com' } });
  ({ dir, configFile, env } = await writeCliJob(h, 'provisio-owner-'));
}, 60_000);
afterEach(killChildren);
afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: Zendesk JSON
const byEmail = async (email: string): Promise<any> =>
  (await zendeskUsers(h)).find((u) => u.email?.toLowerCase() === email.toLowerCase());

describe("the credentials' owner", () => {
  it('test-connection names the owner and says provisio never changes them', async () => {
    const done = await cli(['test-connection']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(
      new RegExp(
        `✓ credentials' owner: IT Admin <${ownerEmail.replace(/\./g, '\\.')}> \\(Zendesk user \\d+\\).*never suspends, downgrades, renames or deletes`,
      ),
    );
  });

  it('is skipped with the reason when they leave, while another leaver is deprovisioned, and the job warns', async () => {
    const adminRole = await appRoleId(h, 'Admin');
    const agentRole = await appRoleId(h, 'Agent');
    const ownerId = await createEntraUser(h, 'it.admin', { displayName: 'IT Admin' });
    await assign(h, ownerId, adminRole);
    const leaverId = await createEntraUser(h, 'leaver', { displayName: 'Lea Leaver' });
    const leaverAssignment = await assign(h, leaverId, agentRole);
    const stayerId = await createEntraUser(h, 'stayer', { displayName: 'Stay Er' });
    await assign(h, stayerId, agentRole);

    // First cycle: the owner is matched by e-mail and linked; nothing of theirs is changed.
    const ownerBefore = await byEmail(ownerEmail);
    expect(ownerBefore).toMatchObject({ role: 'admin', suspended: false, active: true });
    const first = await cli(['sync', '--once']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(await byEmail(`leaver@${tenantDomain}`)).toMatchObject({ role: 'agent', suspended: false });
    expect(await byEmail(ownerEmail)).toMatchObject({ role: 'admin', suspended: false, active: true });
    expect(mails).toHaveLength(0);

    // The admin who set provisio up leaves: disabled in Entra; another agent is unassigned the same day.
    await patchUser(h, ownerId, { accountEnabled: false });
    await unassign(h, leaverAssignment);

    const plan = await cli(['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/1 to disable/);
    expect(plan.stdout).toMatch(/! warning: the owner of provisio's target credentials left scope: IT Admin/);
    expect(plan.stdout).toMatch(
      /skip\s+IT Admin \(.*\)\s+Skipped: Zendesk user \d+ \(IT Admin <.*>\) owns the credentials provisio uses for Zendesk.*would suspend them because IT Admin left scope/,
    );
    expect(plan.stdout).toMatch(/- disable\s+Lea Leaver/);
    const planJson = JSON.parse((await cli(['plan', '--format', 'json'])).stdout);
    expect(planJson.warnings).toEqual([
      expect.objectContaining({
        code: 'CredentialOwnerProtected',
        sourceId: ownerId,
        targetId: String(ownerBefore.id),
      }),
    ]);

    const sync = await cli(['sync', '--once']);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(/1 disabled/);
    expect(sync.stdout).toMatch(/! warning: the owner of provisio's target credentials left scope: IT Admin/);
    // The owner keeps their account and role; the other leaver is suspended in the same cycle.
    expect(await byEmail(ownerEmail)).toMatchObject({
      role: 'admin',
      suspended: false,
      active: true,
      name: 'IT Admin',
    });
    expect(await byEmail(`leaver@${tenantDomain}`)).toMatchObject({ suspended: true });
    expect(await byEmail(`stayer@${tenantDomain}`)).toMatchObject({ suspended: false });

    // The provisioning log says why, with what to do.
    const store = await openStateStore(env['DATABASE_URL'] as string);
    try {
      const [entry] = await store.queryLogs({ jobId: h.config.settings.jobId, identity: ownerId, limit: 1 });
      expect(entry?.provisioningStatusInfo.status).toBe('warning');
      expect(entry?.provisioningAction).toBe('other');
      expect(entry?.provisioningStatusInfo.errorInformation).toMatchObject({
        errorCode: 'CredentialOwnerProtected',
        reason: expect.stringMatching(/owns the credentials provisio uses .*would suspend them/),
        recommendedAction: expect.stringMatching(/another Zendesk admin/),
      });
    } finally {
      await store.close();
    }

    // status warns, and one e-mail asked to move the token.
    const status = await cli(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      /WARNING \(the owner of provisio's target credentials left scope, .*\): IT Admin/,
    );
    expect(status.stdout).toMatch(/what to do: Give provisio the credentials of another Zendesk admin/);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.to).toBe('ops@example.com');
    expect(mails[0]?.subject).toMatch(/the owner of its target credentials left scope/);
    expect(mails[0]?.text).toMatch(/IT Admin/);
    expect(mails[0]?.text).toMatch(/another Zendesk admin/);

    // A forced initial cycle evaluates the owner again: still untouched, and no second e-mail.
    const restart = await cli(['restart']);
    expect(restart.code, restart.stderr).toBe(0);
    const again = await cli(['sync', '--once']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await byEmail(ownerEmail)).toMatchObject({ role: 'admin', suspended: false });
    expect(mails).toHaveLength(1);
  }, 120_000);
});
