import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpNotifier } from '../src/notify/smtp.js';
import {
  appRoleId,
  assign,
  createEntraUser,
  type JobHarness,
  patchUser,
  startJobHarness,
  tenantDomain,
  zendeskUsers,
} from './support/provisioning.js';

/**
 * The safety net: the accidental-deletion threshold (600 unassignments against 500: nothing
 * deprovisioned, staged, quarantined, e-mailed, then allowed), quarantine on refused credentials and
 * recovery, with the e-mails read back from a real SMTP server on loopback.
 */
interface Mail {
  to: string;
  subject: string;
  text: string;
}

let h: JobHarness;
let smtp: SMTPServer;
const mails: Mail[] = [];
const users = 600;

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
            text: parsed.text ?? '',
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  h = await startJobHarness({
    entra: {
      seed: {
        users: Array.from({ length: users }, (_, i) => ({
          userPrincipalName: `bulk${i}@${tenantDomain}`,
          displayName: `Bulk ${i}`,
        })),
        assignments: Array.from({ length: users }, (_, i) => ({
          principal: `bulk${i}@${tenantDomain}`,
          appRole: 'Agent',
        })),
      },
    },
  });
  h.document['smtp'] = { host: '127.0.0.1', port, secure: false, from: 'provisio <provisio@example.com>' };
  await h.reconfigure({ settings: { notificationEmail: 'ops@example.com', sendEmailOnFailure: true } });
  h.deps = {
    ...h.deps,
    notifier: createSmtpNotifier(h.smtp as NonNullable<typeof h.smtp>, 'ops@example.com'),
  };
}, 60_000);
afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe('accidental deletions', () => {
  it('stages 600 unassignments beyond the threshold of 500, quarantines, e-mails, and allow-deletes carries them out', async () => {
    const first = await h.cycle();
    expect(first.counts.created).toBe(users);

    // Unassign everyone at once (a wrong group removed, a bad script…).
    const assigned = await h.graph.get(
      `/v1.0/servicePrincipals/${h.servicePrincipalId}/appRoleAssignedTo?$top=999`,
    );
    for (const a of assigned.body.value as { id: string }[])
      expect(
        (await h.graph.delete(`/v1.0/servicePrincipals/${h.servicePrincipalId}/appRoleAssignedTo/${a.id}`))
          .status,
      ).toBe(204);

    const held = await h.cycle();
    expect(held.staged).toBe(users);
    expect(held.counts.disabled).toBe(0);
    expect(held.quarantine).toMatchObject({ reason: 'TooManyDeletes', error: { objects: users } });
    expect((await zendeskUsers(h)).filter((u) => u.suspended)).toHaveLength(0);
    const staged = await h.store.queryLogs({
      jobId: h.config.settings.jobId,
      action: 'stagedDelete',
      cycleId: held.cycleId,
      limit: 1000,
    });
    expect(staged).toHaveLength(users);
    expect(staged[0]?.provisioningStatusInfo.errorInformation?.errorCode).toBe('TooManyDeletes');
    const job = await h.store.getJob(h.config.settings.jobId);
    expect(job?.status).toBe('Quarantine');
    const mail = mails.find((m) => /quarantined: TooManyDeletes/.test(m.subject));
    expect(mail?.to).toBe('ops@example.com');
    expect(mail?.text).toMatch(/Objects involved: 600/);
    // The engine names operations in neutral words; a front end may turn them into its commands.
    expect(mail?.text).toMatch(/allow the staged deletions \((npx provisio )?allow-deletes\)/);
    const audit = await h.store.listAudit(h.config.settings.jobId, 10);
    expect(audit.some((a) => a.activity === 'Quarantine' && /TooManyDeletes/.test(a.summary))).toBe(true);

    // Still held in the next cycle, and no second e-mail for the same reason.
    const mailsBefore = mails.length;
    const again = await h.cycle();
    expect(again.staged).toBe(users);
    expect(mails.length).toBe(mailsBefore);

    // Allowed: carried out, and the quarantine lifts.
    const allowed = await h.cycle({ allowDeletes: true });
    expect(allowed.counts.disabled).toBe(users);
    expect(allowed.quarantine).toBeNull();
    expect((await zendeskUsers(h)).filter((u) => u.suspended)).toHaveLength(users);
    expect((await h.store.getJob(h.config.settings.jobId))?.status).toBe('Active');
  }, 120_000);
});

describe('quarantine on refused credentials', () => {
  it('quarantines with the cause, e-mails once, and recovers when the token works again', async () => {
    await h.zendesk.admin.control('PUT', 'config', { faults: 'none' });
    // A revoked API token: Zendesk answers 401 to everything.
    const badTarget = (await import('@provisio/zendesk')).createZendeskTarget({
      domain: h.zendesk.emulator.settings.subdomain,
      adminUsername: h.zendesk.emulator.adminEmail,
      secretToken: 'revoked-token',
      baseUrl: h.zendesk.emulator.url,
    });
    const good = h.deps;
    h.deps = { ...good, target: badTarget };
    const mailsBefore = mails.length;
    await expect(h.cycle({ forceInitial: true })).rejects.toThrow();
    const job = await h.store.getJob(h.config.settings.jobId);
    expect(job?.status).toBe('Quarantine');
    expect(job?.quarantine).toMatchObject({ reason: 'EncounteredQuarantineException' });
    expect(mails.length).toBe(mailsBefore + 1);
    expect(mails.at(-1)?.text).toMatch(/credentials were refused/);
    expect(mails.at(-1)?.text).not.toContain('revoked-token');

    // Credentials fixed, but most writes now fail: the reason changes, and a second e-mail says so.
    h.deps = good;
    const failing: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await createEntraUser(h, `broken${i}`, { preferredLanguage: 'xx-XX' });
      await assign(h, id, await appRoleId(h, 'Agent'));
      failing.push(id);
    }
    const mostlyFailing = await h.cycle({ forceInitial: true });
    expect(mostlyFailing.counts.failed).toBe(6);
    expect(mostlyFailing.quarantine).toMatchObject({
      reason: 'EncounteredEscrowProportionThreshold',
      seriesCount: 1,
    });
    expect(mostlyFailing.quarantine?.error.failingRequests[0]).toMatch(
      /^POST \/api\/v2\/users\/create_or_update/,
    );
    const changed = mails.find((m) =>
      /quarantine reason changed: EncounteredEscrowProportionThreshold/.test(m.subject),
    );
    expect(changed?.text).toMatch(
      /changed from EncounteredQuarantineException to EncounteredEscrowProportionThreshold/,
    );
    expect(changed?.text).toMatch(/Objects involved: 6/);
    for (const id of failing) await patchUser(h, id, { preferredLanguage: 'de-DE' });

    // Fixed: the next cycle succeeds and lifts the quarantine.
    const recovered = await h.cycle({ forceInitial: true });
    expect(recovered.quarantine).toBeNull();
    expect((await h.store.getJob(h.config.settings.jobId))?.status).toBe('Active');
    const audit = await h.store.listAudit(h.config.settings.jobId, 5);
    expect(audit[0]?.summary).toMatch(/Quarantine lifted/);
  });

  it('sends a failure e-mail when new failures appear (sendEmailOnFailure)', async () => {
    const id = await createEntraUser(h, 'mailfail', { preferredLanguage: 'xx-XX' });
    await assign(h, id, await appRoleId(h, 'Agent'));
    const before = mails.length;
    const report = await h.cycle();
    expect(report.counts.failed).toBe(1);
    const mail = mails.slice(before).find((m) => /provisioning failure/.test(m.subject));
    expect(mail?.text).toMatch(/could not provision 1 object/);
    expect(mail?.text).toMatch(/ZendeskUnprocessableEntity/);
  });
});
