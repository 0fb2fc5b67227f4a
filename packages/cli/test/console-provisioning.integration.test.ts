/**
 * The Provisioning page in Chromium (docs/console.md#provisioning): a new application configured from
 * scratch against the emulators as the tutorial does it. Test Connection fails with a wrong Secret
 * Token and says why, then succeeds; Save configures the job and the token only ever shows as its
 * last four characters; a new Scope shows the plan before it is saved; Provisioning Status On starts
 * the job and the assigned user arrives in Zendesk. A Reader finds every control disabled.
 */
import { systemClock } from '@provisio/engine';
import { saveLocalPassword } from '@provisio/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  describeInBrowser,
  expectAccessible,
  screenshot,
  startConsoleHarness,
} from './support/console.js';
import { appRoleId, assign, createEntraUser, zendeskUserByExternalId } from './support/provisioning.js';

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface Saved {
  key: string;
  configured: boolean;
  value: string | null;
  hint: string | null;
}

describeInBrowser('console: Provisioning', () => {
  let h: ConsoleHarness;
  let page: Page;
  let jobId: string;
  let base: string;
  let secrets: Record<string, string>;
  const url = () => `${h.serve.url}/applications/${h.spId}/jobs/${jobId}/provisioning`;

  const savedSecrets = async (): Promise<Saved[]> => {
    const response = await h.serve.call(`/provisio/v1/servicePrincipals/${h.spId}/secrets`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { value: Saved[] }).value;
  };
  const readJob = async () => {
    const response = await h.serve.call(`${base}/jobs/${jobId}`);
    expect(response.status).toBe(200);
    return (await response.json()) as { status: { code: string }; schedule: { state: string } };
  };
  const saveAndWait = async () => {
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('saved-message').waitFor();
  };

  beforeAll(async () => {
    h = await startConsoleHarness();
    base = `/v1.0/servicePrincipals/${h.spId}/synchronization`;
    secrets = Object.fromEntries(h.emulatorSecrets().map((pair) => [pair.key, pair.value]));
    // A new application: a job with no credentials (this harness's service principal has none).
    const created = await h.serve.call(`${base}/jobs`, {
      method: 'POST',
      json: { templateId: 'zendesk', schedule: { interval: 'PT2S' } },
    });
    expect(created.status).toBe(201);
    jobId = ((await created.json()) as { id: string }).id;
    page = await h.newPage();
    await h.signInAsAdmin(page);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('tests a wrong Secret Token (fails, says why), then the right one, and saves the credentials', async () => {
    await page.goto(url());
    const username = page.getByLabel('Admin Username');
    await username.waitFor();
    expect(await username.inputValue()).toBe('');
    expect((await readJob()).status.code).toBe('NotConfigured');
    expect(await page.getByLabel('Provisioning Mode').inputValue()).toBe('Automatic');
    expect(await page.getByLabel('Zendesk application (service principal object ID)').inputValue()).toBe(
      h.spId,
    );

    await username.fill(secrets['UserName'] ?? '');
    await page.getByLabel('Secret Token').fill('a-wrong-token-for-this-account');
    await page.getByLabel('Domain', { exact: true }).fill(secrets['Domain'] ?? '');
    await page.getByLabel('Tenant ID').fill(secrets['EntraTenantId'] ?? '');
    await page.getByLabel('Client ID').fill(secrets['EntraClientId'] ?? '');
    await page.getByLabel('Client secret').fill(secrets['EntraClientSecret'] ?? '');
    await page.getByLabel('Zendesk base URL').fill(secrets['BaseAddress'] ?? '');
    await page.getByLabel('Entra authority host').fill(secrets['EntraAuthorityHost'] ?? '');
    await page.getByLabel('Microsoft Graph base URL').fill(secrets['EntraGraphBaseUrl'] ?? '');
    await page.getByLabel('Entra CA certificate (PEM)').fill(secrets['EntraCaCertificate'] ?? '');

    await page.getByRole('button', { name: 'Test Connection' }).click();
    const result = page.getByTestId('test-connection-result');
    await result.filter({ hasText: 'Test Connection failed' }).waitFor();
    const failed = page.locator('[data-testid="connection-check"][data-status="failure"]');
    expect(await failed.count()).toBeGreaterThan(0);
    const failure = (await failed.first().textContent()) ?? '';
    expect(failure).toContain('✗');
    expect(failure).toContain('Zendesk');
    expect(failure).toContain('Fix:');
    // Entra's side passed, and says so.
    expect(
      await page
        .locator('[data-testid="connection-check"][data-status="success"]')
        .filter({ hasText: 'Microsoft Entra ID' })
        .count(),
    ).toBeGreaterThan(0);
    await expectAccessible(page, 'Provisioning, Test Connection failed');
    // Nothing was saved by testing.
    expect((await savedSecrets()).every((s) => !s.configured)).toBe(true);

    await page.getByLabel('Secret Token').fill(secrets['SecretToken'] ?? '');
    await page.getByRole('button', { name: 'Test Connection' }).click();
    await result
      .filter({ hasText: 'The supplied credentials are authorized to enable provisioning' })
      .waitFor();
    expect(await failed.count()).toBe(0);

    await saveAndWait();
    expect((await readJob()).status.code).not.toBe('NotConfigured');
    const token = secrets['SecretToken'] ?? '';
    const saved = await savedSecrets();
    expect(saved.find((s) => s.key === 'SecretToken')).toMatchObject({
      configured: true,
      value: null,
      hint: `…${token.slice(-4)}`,
    });
    expect(saved.find((s) => s.key === 'UserName')?.value).toBe(secrets['UserName']);
    // The page shows the hint, keeps the field empty, and never holds the token or the client secret.
    await page.reload();
    await page.getByText(`Saved: …${token.slice(-4)}. Leave empty to keep it.`).waitFor();
    expect(await page.getByLabel('Secret Token').inputValue()).toBe('');
    expect(await page.getByLabel('Admin Username').inputValue()).toBe(secrets['UserName']);
    const html = await page.content();
    expect(html).not.toContain(token);
    expect(html).not.toContain(secrets['EntraClientSecret']);
    expect(await page.getByTestId('job-status').textContent()).toBe('Paused');
    await expectAccessible(page, 'Provisioning');
    await screenshot(page, 'provisioning');
  }, 60_000);

  it('shows the plan before saving a new Scope, and saves it once confirmed', async () => {
    await createEntraUser(h.job, 'scope-all-nina');
    await page.getByLabel('Scope', { exact: true }).selectOption({ label: 'Sync all users and groups' });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('plan').waitFor();
    const users = (await dialog.getByTestId('plan-counts-users').textContent()) ?? '';
    expect(users).toMatch(/^Users\d+\d+\d+\d+$/);
    const created = Number(/^Users(\d+)/.exec(users)?.[1]);
    expect(created).toBeGreaterThan(0);
    await dialog.getByRole('cell', { name: 'User scope-all-nina' }).waitFor();
    await expectAccessible(page, 'the plan dialog');
    await screenshot(page, 'provisioning-plan');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('saved-message').waitFor();
    await dialog.waitFor({ state: 'hidden' });
    expect((await savedSecrets()).find((s) => s.key === 'SyncAll')?.value).toBe('True');
    expect(await page.getByLabel('Scope', { exact: true }).inputValue()).toBe('all');
  }, 45_000);

  it('turns Provisioning Status On: the job starts and the assigned user arrives in Zendesk', async () => {
    const entraUser = await createEntraUser(h.job, 'console-otto');
    await assign(h.job, entraUser, await appRoleId(h.job, 'Agent'));
    await page.getByRole('radio', { name: 'On', exact: true }).check();
    await saveAndWait();
    expect(await page.getByTestId('saved-message').textContent()).toContain('Provisioning Status is On');
    expect((await readJob()).schedule.state).toBe('Active');
    const zendeskUser = await until('the assigned user in Zendesk', async () => {
      const found = await zendeskUserByExternalId(h.job, entraUser);
      return found ?? undefined;
    });
    expect(zendeskUser.role).toBe('agent');
    await page.getByTestId('job-status').filter({ hasText: 'Active' }).waitFor({ timeout: 20_000 });
  }, 45_000);

  it('fits a phone-sized viewport', async () => {
    const phone = await h.newPage('phone');
    await h.signInAsAdmin(phone);
    await phone.goto(url());
    await phone.getByLabel('Admin Username').waitFor();
    // Run in the page (the test's own types have no DOM): how far the page is wider than the screen.
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await expectAccessible(phone, 'Provisioning on a phone');
  }, 45_000);

  it('lets a Reader see the page with every control disabled, and an Operator only Provisioning Status', async () => {
    const password = 'reader-test-Passw0rd!';
    await saveLocalPassword(h.serve.running.store, systemClock, 'reader', password, 'Reader');
    await saveLocalPassword(h.serve.running.store, systemClock, 'operator', password, 'Operator');
    for (const [username, role] of [
      ['reader', 'Reader'],
      ['operator', 'Operator'],
    ] as const) {
      const other = await h.newPage();
      await other.goto(h.serve.url);
      await other.getByLabel('Username').fill(username);
      await other.getByLabel('Password').fill(password);
      await other.getByRole('button', { name: 'Sign in', exact: true }).click();
      await other.getByTestId('signed-in-role').filter({ hasText: role }).waitFor();
      await other.goto(url());
      await other.getByLabel('Admin Username').waitFor();
      for (const label of [
        'Admin Username',
        'Secret Token',
        'Client secret',
        'Notification Email',
        'Accidental deletion threshold',
      ])
        expect(await other.getByLabel(label).isDisabled(), `${role}: ${label}`).toBe(true);
      expect(await other.getByLabel('Scope', { exact: true }).isDisabled()).toBe(true);
      expect(await other.getByRole('button', { name: 'Test Connection' }).isDisabled()).toBe(true);
      expect(await other.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
      expect(await other.getByRole('radio', { name: 'Off', exact: true }).isDisabled()).toBe(
        role === 'Reader',
      );
      expect(await other.content()).not.toContain(`…${(secrets['SecretToken'] ?? '').slice(-4)}`);
      if (role === 'Reader') await expectAccessible(other, 'Provisioning as a Reader');
    }
  }, 60_000);
});
