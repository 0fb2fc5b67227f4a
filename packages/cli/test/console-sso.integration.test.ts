/**
 * The Single sign-on page in Chromium (docs/console.md#single-sign-on): a configured job's page
 * shows the URLs to paste into Zendesk and Entra, what stops sign-in and the Zendesk check as the API
 * reads it; turning single sign-on on without a shared secret is refused on the Shared secret field;
 * a saved secret shows only as its last four characters, and a new one keeps the old as the previous
 * secret; a Reader sees it all read-only; a phone gets no sideways scroll.
 */
import { randomBytes } from 'node:crypto';
import { systemClock } from '@provisio/engine';
import { saveLocalPassword } from '@provisio/server';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  describeInBrowser,
  expectAccessible,
  screenshot,
  startConsoleHarness,
} from './support/console.js';

interface SingleSignOn {
  enabled: boolean;
  ready: boolean;
  problems: string[];
  remoteLoginUrl: string;
  zendeskUrl: string | null;
  sharedSecret: { saved: boolean; hint: string | null };
  previousSharedSecret: { saved: boolean; hint: string | null };
  zendesk: { status: string; message: string; configurations: { name: string }[] } | null;
}

/** A secret as Zendesk makes them: 48 characters. */
const newSecret = () => randomBytes(24).toString('hex');

/** The texts that describe a control (its Field's hint and validation message), read in the page. */
async function descriptionOf(control: Locator): Promise<string> {
  return control.evaluate((element) => {
    const el = element as unknown as {
      getAttribute(name: string): string | null;
      ownerDocument: { getElementById(id: string): { textContent: string | null } | null };
    };
    return (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .map((id) => el.ownerDocument.getElementById(id)?.textContent ?? '')
      .join(' ');
  });
}

describeInBrowser('console: Single sign-on', () => {
  let h: ConsoleHarness;
  let page: Page;
  let jobId: string;
  const url = () => `${h.serve.url}/applications/${h.spId}/jobs/${jobId}/single-sign-on`;
  const readSso = async (): Promise<SingleSignOn> => {
    const response = await h.serve.call(`/provisio/v1/jobs/${jobId}/singleSignOn`);
    expect(response.status).toBe(200);
    return (await response.json()) as SingleSignOn;
  };
  const save = () => page.getByRole('button', { name: 'Save', exact: true }).click();

  beforeAll(async () => {
    h = await startConsoleHarness({ sso: true });
    jobId = await h.createJob();
    // Zendesk Admin Center: a JWT configuration that sends team members to this job.
    const configured = await h.job.zendesk.admin.control('PUT', 'sso', {
      configurations: [
        {
          name: 'provisio',
          sharedSecret: 'console-sso-zendesk-secret-0123456789abcdef',
          remoteLoginUrl: `${h.serve.url}/sso/zendesk/${jobId}/login`,
          remoteLogoutUrl: `${h.serve.url}/sso/zendesk/${jobId}/logout`,
          teamMembers: true,
          endUsers: false,
          active: true,
        },
      ],
    });
    expect(configured.status, configured.text).toBe(200);
    page = await h.newPage();
    await h.signInAsAdmin(page);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('shows the URLs to paste into Zendesk and Entra, what stops sign-in, and the Zendesk check', async () => {
    await page.goto(`${h.serve.url}/applications/${h.spId}/jobs/${jobId}/overview`);
    await page.getByRole('tab', { name: 'Single sign-on' }).click();
    await page.waitForURL(url());
    const login = page.getByRole('textbox', { name: 'Remote login URL' });
    await login.waitFor();
    expect(await login.inputValue()).toBe(`${h.serve.url}/sso/zendesk/${jobId}/login`);
    expect(await page.getByRole('textbox', { name: 'Remote logout URL' }).inputValue()).toBe(
      `${h.serve.url}/sso/zendesk/${jobId}/logout`,
    );
    expect(await page.getByRole('textbox', { name: 'Redirect URI' }).inputValue()).toBe(
      `${h.serve.url}/sso/zendesk/callback`,
    );
    for (const name of ['Copy Remote login URL', 'Copy Remote logout URL', 'Copy Redirect URI'])
      expect(await page.getByRole('button', { name }).isEnabled()).toBe(true);

    const sso = await readSso();
    expect(sso.enabled).toBe(false);
    expect(await page.getByRole('switch', { name: 'Single sign-on through provisio' }).isChecked()).toBe(
      false,
    );
    // What stops sign-in, as the API says it.
    expect(sso.problems.length).toBeGreaterThan(0);
    const problems = (await page.getByTestId('sso-problems').textContent()) ?? '';
    for (const problem of sso.problems) expect(problems).toContain(problem);

    // The Zendesk check as the API reads it (whatever the emulator answers).
    expect(sso.zendesk).not.toBeNull();
    const status = page.getByTestId('zendesk-status');
    expect(await status.getAttribute('data-status')).toBe(sso.zendesk?.status);
    expect(await status.textContent()).toContain(sso.zendesk?.message);
    expect(await page.getByTestId('sign-on-configuration').count()).toBe(sso.zendesk?.configurations.length);

    const test = page.getByRole('link', { name: /^Sign in to .*\/agent/ });
    expect(await test.getAttribute('href')).toBe(`${sso.zendeskUrl}/agent`);
    expect(await test.getAttribute('target')).toBe('_blank');
    expect(await test.getAttribute('rel')).toContain('noopener');
    await expectAccessible(page, 'Single sign-on');
  }, 45_000);

  it('refuses turning it on without a shared secret, and a short one, on the Shared secret field', async () => {
    const secretField = page.getByRole('textbox', { name: 'Shared secret' });
    await page.getByRole('switch', { name: 'Single sign-on through provisio' }).check();
    await save();
    await page.getByRole('alert', { name: 'The changes were not saved' }).waitFor();
    expect(await secretField.getAttribute('aria-invalid')).toBe('true');
    expect(await descriptionOf(secretField)).toContain('sharedSecret is required');
    expect((await readSso()).enabled).toBe(false);
    await expectAccessible(page, 'Single sign-on refused');

    await secretField.fill('too-short');
    await save();
    await page
      .getByRole('alert', { name: 'The changes were not saved' })
      .filter({ hasText: /too short/ })
      .waitFor();
    expect(await descriptionOf(secretField)).toContain('too short');
    expect((await readSso()).sharedSecret.saved).toBe(false);

    // Discard forgets the draft and the refusal.
    await page.getByRole('button', { name: 'Discard' }).click();
    expect(await secretField.inputValue()).toBe('');
    expect(await secretField.getAttribute('aria-invalid')).not.toBe('true');
    expect(await page.getByRole('switch', { name: 'Single sign-on through provisio' }).isChecked()).toBe(
      false,
    );
  }, 45_000);

  it('saves a shared secret, shows only its last four, and keeps the previous one after a new one', async () => {
    const first = newSecret();
    await page.getByRole('switch', { name: 'Single sign-on through provisio' }).check();
    await page.getByRole('textbox', { name: 'Shared secret' }).fill(first);
    await save();
    await page
      .getByTestId('saved-message')
      .filter({ hasText: 'Single sign-on through provisio is on' })
      .waitFor();
    const saved = await readSso();
    expect(saved).toMatchObject({
      enabled: true,
      ready: true,
      problems: [],
      sharedSecret: { saved: true, hint: `…${first.slice(-4)}` },
    });

    await page.reload();
    const secretField = page.getByRole('textbox', { name: 'Shared secret' });
    await secretField.waitFor();
    expect(await secretField.inputValue()).toBe('');
    expect(await descriptionOf(secretField)).toContain(`Saved: …${first.slice(-4)}. Leave empty to keep it`);
    expect(await page.getByRole('switch', { name: 'Single sign-on through provisio' }).isChecked()).toBe(
      true,
    );
    await page.getByTestId('sso-ready').waitFor();
    expect(await page.content()).not.toContain(first);

    const second = newSecret();
    await secretField.fill(second);
    await save();
    await page
      .getByTestId('saved-message')
      .filter({ hasText: `…${second.slice(-4)}` })
      .waitFor();
    const rotated = await readSso();
    expect(rotated.sharedSecret.hint).toBe(`…${second.slice(-4)}`);
    expect(rotated.previousSharedSecret).toEqual({ saved: true, hint: `…${first.slice(-4)}` });
    expect(await page.getByTestId('previous-secret').textContent()).toContain(
      `Previous shared secret: …${first.slice(-4)} is kept while Zendesk may still use it`,
    );
    const html = await page.content();
    expect(html).not.toContain(first);
    expect(html).not.toContain(second);
    await expectAccessible(page, 'Single sign-on saved');
    await screenshot(page, 'sso');
  }, 45_000);

  it('checks Zendesk again on Check again', async () => {
    const [response] = await Promise.all([
      page.waitForResponse(
        (r) => r.request().method() === 'GET' && r.url().endsWith(`/provisio/v1/jobs/${jobId}/singleSignOn`),
      ),
      page.getByRole('button', { name: 'Check again' }).click(),
    ]);
    expect(response.status()).toBe(200);
    const body = (await response.json()) as SingleSignOn;
    await page
      .getByTestId('zendesk-status')
      .filter({ hasText: body.zendesk?.message ?? '' })
      .waitFor();
    expect(await page.getByRole('button', { name: 'Check again' }).isEnabled()).toBe(true);
  }, 30_000);

  it("shows the account's sign-on configurations, and each status with its intent", async () => {
    // Zendesk's answer as the API would pass it on, put in the page's way (the emulator may not
    // list sign-on configurations): the page shows whatever the API says.
    const real = await readSso();
    const configurations = [
      {
        name: 'Entra ID through provisio',
        protocol: 'jwt',
        active: true,
        teamMembers: true,
        endUsers: false,
        remoteLoginUrl: real.remoteLoginUrl,
        remoteLogoutUrl: null,
        pointsHere: true,
        secret: 'previous',
      },
      {
        name: 'Okta',
        protocol: 'saml',
        active: false,
        teamMembers: false,
        endUsers: true,
        remoteLoginUrl: 'https://contoso.okta.example/app/zendesk/sso/saml',
        remoteLogoutUrl: null,
        pointsHere: false,
        secret: null,
      },
    ];
    const other = await h.newPage();
    await h.signInAsAdmin(other);
    let status = 'rotating';
    await other.route(`**/provisio/v1/jobs/${jobId}/singleSignOn`, async (route) => {
      if (route.request().method() !== 'GET') return route.fallback();
      await route.fulfill({
        json: { ...real, zendesk: { status, message: `The check says ${status}.`, configurations } },
      });
    });
    await other.goto(url());
    const banner = other.getByTestId('zendesk-status');
    await banner.filter({ hasText: 'The check says rotating.' }).waitFor();
    expect(await banner.getAttribute('data-intent')).toBe('warning');
    expect(await banner.textContent()).toContain('Zendesk still uses the previous shared secret');
    const rows = other.getByTestId('sign-on-configuration');
    expect(await rows.count()).toBe(2);
    const cells = async (row: number) =>
      (await rows.nth(row).getByRole('cell').allTextContents()).map((text) => text.trim());
    expect(await cells(0)).toEqual([
      'Entra ID through provisio',
      'JSON Web Token',
      'Yes',
      'Yes',
      'No',
      real.remoteLoginUrl,
      'Yes',
      'Previous',
    ]);
    expect(await cells(1)).toEqual([
      'Okta',
      'SAML',
      'No',
      'No',
      'Yes',
      'https://contoso.okta.example/app/zendesk/sso/saml',
      'No',
      '—',
    ]);
    await expectAccessible(other, 'Single sign-on with configurations');

    for (const [next, intent] of [
      ['pointsHere', 'success'],
      ['unavailable', 'error'],
    ] as const) {
      status = next;
      await other.getByRole('button', { name: 'Check again' }).click();
      await banner.filter({ hasText: `The check says ${next}.` }).waitFor();
      expect(await banner.getAttribute('data-intent')).toBe(intent);
    }
  }, 45_000);

  it('fits a phone-sized viewport', async () => {
    const phone = await h.newPage('phone');
    await h.signInAsAdmin(phone);
    await phone.goto(url());
    await phone.getByRole('textbox', { name: 'Remote login URL' }).waitFor();
    await phone.getByTestId('zendesk-status').waitFor();
    // Run in the page (the test's own types have no DOM): how far the page is wider than the screen.
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await expectAccessible(phone, 'Single sign-on on a phone');
  }, 45_000);

  it('lets a Reader see everything read-only', async () => {
    const password = 'reader-sso-Passw0rd!';
    await saveLocalPassword(h.serve.running.store, systemClock, 'reader', password, 'Reader');
    const reader = await h.newPage();
    await reader.goto(h.serve.url);
    await reader.getByLabel('Username').fill('reader');
    await reader.getByLabel('Password').fill(password);
    await reader.getByRole('button', { name: 'Sign in', exact: true }).click();
    await reader.getByTestId('signed-in-role').filter({ hasText: 'Reader' }).waitFor();
    await reader.goto(url());
    const secretField = reader.getByRole('textbox', { name: 'Shared secret' });
    await secretField.waitFor();
    const sso = await readSso();
    expect(await secretField.isDisabled()).toBe(true);
    expect(await descriptionOf(secretField)).toContain(`Saved: ${sso.sharedSecret.hint}`);
    const toggle = reader.getByRole('switch', { name: 'Single sign-on through provisio' });
    expect(await toggle.isDisabled()).toBe(true);
    expect(await toggle.isChecked()).toBe(true);
    expect(await reader.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
    expect(await reader.getByRole('button', { name: 'Discard' }).isDisabled()).toBe(true);
    // What only reads stays usable.
    expect(await reader.getByRole('textbox', { name: 'Remote login URL' }).inputValue()).toBe(
      sso.remoteLoginUrl,
    );
    expect(await reader.getByRole('button', { name: 'Copy Remote login URL' }).isEnabled()).toBe(true);
    expect(await reader.getByRole('button', { name: 'Check again' }).isEnabled()).toBe(true);
    await expectAccessible(reader, 'Single sign-on as a Reader');
  }, 45_000);
});
