/**
 * Single sign-on to Zendesk through provisio, in Debian's Chromium (docs/single-sign-on.md): a person
 * opens the Zendesk emulator's /agent, Zendesk sends them to provisio's remote login URL, provisio
 * to the Entra emulator's sign-in page (the job's own app registration), and they land back in
 * Zendesk signed in as the user provisio provisioned: the same Zendesk id, no second account.
 * Refusals stop at provisio's page and leave no Zendesk session; a replayed token is refused by
 * Zendesk; a user assigned a moment ago is provisioned on demand first.
 */
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  describeInBrowser,
  screenshot,
  startConsoleHarness,
} from './support/console.js';
import {
  assign,
  createEntraUser,
  patchUser,
  roleIds,
  tenantDomain,
  zendeskUsers,
} from './support/provisioning.js';

const SECRET = 'browser-sso-shared-secret-0123456789abcdefghijklmn';
const PASSWORD = 'Browser-Sso-Passw0rd-1';

describeInBrowser('single sign-on to Zendesk through provisio (browser)', () => {
  let h: ConsoleHarness;
  let jobId: string;
  let zendeskUrl: string;
  let people = 0;

  beforeAll(async () => {
    h = await startConsoleHarness({ sso: true });
    jobId = await h.createJob();
    zendeskUrl = h.job.zendesk.emulator.url;
    const admin = await h.serve.token('Administrator');
    const on = await h.serve.call(`/provisio/v1/jobs/${jobId}/singleSignOn`, {
      method: 'PATCH',
      token: admin,
      json: { enabled: true, sharedSecret: SECRET },
    });
    expect(on.status, await on.clone().text()).toBe(200);
    // Zendesk Admin Center → Single sign-on: a JWT configuration for team members and end users.
    const configured = await h.job.zendesk.admin.control('PUT', 'sso', {
      configurations: [
        {
          name: 'provisio',
          sharedSecret: SECRET,
          remoteLoginUrl: `${h.serve.url}/sso/zendesk/${jobId}/login`,
          remoteLogoutUrl: `${h.serve.url}/sso/zendesk/${jobId}/logout`,
          teamMembers: true,
          endUsers: true,
          active: true,
        },
      ],
    });
    expect(configured.status, configured.text).toBe(200);
    // The API says the account points here now.
    const status = await h.serve.call(`/provisio/v1/jobs/${jobId}/singleSignOn`, { token: admin });
    expect(((await status.json()) as { zendesk: { status: string } }).zendesk.status).toBe('pointsHere');
  }, 90_000);

  afterAll(async () => {
    await h?.close();
  });

  async function person(role: keyof typeof roleIds | null) {
    people += 1;
    const nick = `browsersso${people}`;
    const id = await createEntraUser(h.job, nick, {
      displayName: `Browser Sso ${people}`,
      passwordProfile: { password: PASSWORD, forceChangePasswordNextSignIn: false },
    });
    if (role !== null) await assign(h.job, id, roleIds[role]);
    return { id, upn: `${nick}@${tenantDomain}` };
  }

  /** Opens Zendesk's /agent and signs in at the Entra emulator's page it is sent to. */
  async function signInThroughZendesk(page: Page, upn: string, path = '/agent'): Promise<void> {
    await page.goto(`${zendeskUrl}${path}`);
    await page.getByLabel('Email, phone, or Skype').fill(upn);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const sessions = async () =>
    (
      (await h.job.zendesk.admin.control('GET', 'sso/sessions')).body as {
        sessions: { userId: number; email: string }[];
      }
    ).sessions;

  it('an assigned agent lands in Zendesk signed in as the user provisio provisioned, with no second account', async () => {
    const agent = await person('Agent');
    // A provisioning cycle reaches them first.
    const ran = await h.serve.call(
      `/v1.0/servicePrincipals/${h.spId}/synchronization/jobs/${jobId}/provisionOnDemand`,
      {
        method: 'POST',
        token: await h.serve.token('Operator'),
        json: {
          parameters: [
            {
              ruleId: (
                (await (
                  await h.serve.call(
                    `/v1.0/servicePrincipals/${h.spId}/synchronization/jobs/${jobId}/schema`,
                    {
                      token: await h.serve.token('Reader'),
                    },
                  )
                ).json()) as { synchronizationRules: { id: string }[] }
              ).synchronizationRules[0]?.id,
              subjects: [{ objectId: agent.id, objectTypeName: 'User' }],
            },
          ],
        },
      },
    );
    expect(ran.status, await ran.clone().text()).toBe(200);
    const provisioned = (await zendeskUsers(h.job)).find((u) => u.external_id === agent.id);
    expect(provisioned).toMatchObject({ email: agent.upn, role: 'agent' });
    const count = (await zendeskUsers(h.job)).length;

    const page = await h.newPage();
    await page.goto(`${zendeskUrl}/agent/tickets/7`);
    // Zendesk → provisio → the Entra emulator's sign-in page.
    await page.getByLabel('Email, phone, or Skype').waitFor();
    expect(page.url()).toContain(`/${h.job.entra.emulator.tenantId}/oauth2/v2.0/authorize`);
    await page.getByLabel('Email, phone, or Skype').fill(agent.upn);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${zendeskUrl}/agent/tickets/7`);
    await expect(page.getByTestId('signed-in-email').textContent()).resolves.toBe(agent.upn);
    await expect(page.getByTestId('signed-in-user-id').textContent()).resolves.toBe(String(provisioned.id));
    await page.getByText(`Signed in as ${agent.upn}`).waitFor();
    await screenshot(page, 'sso-zendesk-signed-in');
    expect((await zendeskUsers(h.job)).length).toBe(count);
    // Signing out of Zendesk lands on provisio's remote logout URL.
    await page.goto(`${zendeskUrl}/access/logout`);
    await page.waitForURL(`${h.serve.url}/sso/zendesk/${jobId}/logout**`);
    await page.getByRole('heading', { name: 'Signed out of Zendesk' }).waitFor();
    expect((await sessions()).some((s) => s.email === agent.upn)).toBe(false);
  });

  it('a user assigned a moment ago signs in at once: provisioned on demand first', async () => {
    const newcomer = await person('Agent');
    const before = (await zendeskUsers(h.job)).length;
    const page = await h.newPage();
    await signInThroughZendesk(page, newcomer.upn);
    await page.getByTestId('signed-in-email').waitFor();
    const created = (await zendeskUsers(h.job)).find((u) => u.external_id === newcomer.id);
    expect(created).toMatchObject({ email: newcomer.upn, role: 'agent' });
    await expect(page.getByTestId('signed-in-user-id').textContent()).resolves.toBe(String(created.id));
    expect((await zendeskUsers(h.job)).length).toBe(before + 1);
  });

  it('a user whose e-mail changed in Entra signs in to the same Zendesk account', async () => {
    const mover = await person('Agent');
    const first = await h.newPage();
    await signInThroughZendesk(first, mover.upn);
    await first.getByTestId('signed-in-email').waitFor();
    const linked = (await zendeskUsers(h.job)).find((u) => u.external_id === mover.id);
    const count = (await zendeskUsers(h.job)).length;
    const renamed = `moved${people}@${tenantDomain}`;
    await patchUser(h.job, mover.id, { userPrincipalName: renamed });
    const page = await h.newPage();
    await signInThroughZendesk(page, renamed);
    await expect(page.getByTestId('signed-in-email').textContent()).resolves.toBe(renamed);
    await expect(page.getByTestId('signed-in-user-id').textContent()).resolves.toBe(String(linked.id));
    expect((await zendeskUsers(h.job)).length).toBe(count);
  });

  it('an unassigned user is refused by provisio and has no Zendesk session', async () => {
    const stranger = await person(null);
    const count = (await zendeskUsers(h.job)).length;
    const page = await h.newPage();
    await signInThroughZendesk(page, stranger.upn);
    await page.getByRole('heading', { name: 'Sign-in to Zendesk refused' }).waitFor();
    expect(await page.getByTestId('sso-message').textContent()).toMatch(/not assigned/i);
    expect(page.url().startsWith(h.serve.url)).toBe(true);
    await screenshot(page, 'sso-refused');
    expect((await sessions()).some((s) => s.email === stranger.upn)).toBe(false);
    expect((await zendeskUsers(h.job)).length).toBe(count);
    // Zendesk still sends them to sign in.
    const again = await page.context().newPage();
    await again.goto(`${zendeskUrl}/agent`);
    await again.getByLabel('Email, phone, or Skype').waitFor();
  });

  it('a replayed token is refused by Zendesk', async () => {
    const agent = await person('Agent');
    const page = await h.newPage();
    let posted: { body: string; headers: Record<string, string> } | null = null;
    page.on('request', (request: Request) => {
      if (request.method() === 'POST' && request.url() === `${zendeskUrl}/access/jwt`)
        posted = { body: request.postData() ?? '', headers: request.headers() };
    });
    await signInThroughZendesk(page, agent.upn);
    await page.getByTestId('signed-in-email').waitFor();
    expect(posted).not.toBeNull();
    const form = new URLSearchParams((posted as unknown as { body: string }).body);
    expect(form.get('jwt')?.split('.')).toHaveLength(3);
    // The same token again, from another browser: Zendesk refuses it.
    const other = await h.newPage();
    const replay = await other.request.post(`${zendeskUrl}/access/jwt`, {
      form: { jwt: form.get('jwt') ?? '' },
      maxRedirects: 0,
    });
    expect(replay.status()).toBeGreaterThanOrEqual(400);
    expect(await replay.text()).toMatch(/already been used/i);
    await other.goto(`${zendeskUrl}/agent`);
    await other.getByLabel('Email, phone, or Skype').waitFor();
  });
});
