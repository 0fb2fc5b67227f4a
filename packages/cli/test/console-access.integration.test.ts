/**
 * The console's Access page in Chromium: an API token created (shown once), used against the API as
 * a Bearer token, revoked (then refused); a local account added as Reader, signed in with in its
 * own page (the header says Reader, Access says it needs an Administrator), promoted and demoted
 * (its session ends), removed.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  describeInBrowser,
  expectAccessible,
  screenshot,
  startConsoleHarness,
} from './support/console.js';

/** Everything the page holds as text, form fields' values included. */
async function pageText(page: Page): Promise<string> {
  const values = await page
    .locator('input, textarea')
    .evaluateAll((fields) => fields.map((field) => (field as unknown as { value: string }).value));
  return `${await page.locator('body').textContent()}\n${values.join('\n')}`;
}

describeInBrowser('console: access', () => {
  let h: ConsoleHarness;
  let page: Page;
  let password: string;
  let rita: Page;

  beforeAll(async () => {
    h = await startConsoleHarness();
    page = await h.newPage();
    await h.signInAsAdmin(page);
    await page.goto(`${h.serve.url}/access`);
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('creates an API token shown once, which works as a Bearer token until revoked', async () => {
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New token' });
    await dialog.getByLabel('Name').fill('ci pipeline');
    await dialog.getByLabel('Role').selectOption('Operator');
    await expectAccessible(page, 'the New token dialog');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const shown = page.getByRole('dialog', { name: 'Token "ci pipeline" created' });
    const token = await shown.getByLabel('API token').inputValue();
    expect(token.length).toBeGreaterThan(20);
    expect(await shown.textContent()).toContain('shown this once');
    await expectAccessible(page, 'the created token');
    await screenshot(page, 'access-token-created');
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    // Shown once: nowhere on the page any more.
    expect(await pageText(page)).not.toContain(token);
    const row = page.getByTestId('token-row').filter({ hasText: 'ci pipeline' });
    expect(await row.textContent()).toContain('Operator');

    const withToken = await h.serve.call('/provisio/v1/applications', { token });
    expect(withToken.status).toBe(200);
    // An Operator's token: Administrator routes refused.
    expect((await h.serve.call('/provisio/v1/tokens', { token })).status).toBe(403);

    await row.getByRole('button', { name: 'Revoke ci pipeline' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Revoke token "ci pipeline"?' });
    await expectAccessible(page, 'the Revoke confirmation');
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('Revoked').waitFor();
    expect((await h.serve.call('/provisio/v1/applications', { token })).status).toBe(401);
  });

  it('adds a local account as Reader with a one-time password that signs in', async () => {
    await page.getByRole('button', { name: 'Add account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add account' });
    // A user name the API refuses: its reason is shown.
    await dialog.getByLabel('Username').fill('rita reader');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.getByRole('alert').filter({ hasText: 'username' }).waitFor();
    await dialog.getByLabel('Username').fill('rita');
    await dialog.getByLabel('Role').selectOption('Reader');
    await expectAccessible(page, 'the Add account dialog');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    const shown = page.getByRole('dialog', { name: 'Account "rita" added' });
    password = await shown.getByLabel('One-time password').inputValue();
    expect(password.length).toBeGreaterThanOrEqual(12);
    await shown.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await pageText(page)).not.toContain(password);
    await page.getByTestId('account-row').filter({ hasText: 'rita' }).waitFor();
    await expectAccessible(page, 'Access');
    await screenshot(page, 'access');
  });

  it('signs the new account in as a Reader: the header says so, and Access needs an Administrator', async () => {
    rita = await h.newPage();
    await rita.goto(h.serve.url);
    await rita.getByLabel('Username').fill('rita');
    await rita.getByLabel('Password').fill(password);
    await rita.getByRole('button', { name: 'Sign in', exact: true }).click();
    await rita.getByTestId('signed-in-user').filter({ hasText: 'rita' }).waitFor();
    expect(await rita.getByTestId('signed-in-role').textContent()).toBe('Reader');
    await rita.goto(`${h.serve.url}/access`);
    await rita.getByText('This page needs the Administrator role').waitFor();
    await expectAccessible(rita, 'Access for a Reader');
    await screenshot(rita, 'access-reader');
  });

  it("changes the account's role: a promotion applies at once, a demotion ends its session", async () => {
    await page.getByLabel('Role of rita').selectOption('Operator');
    await expect
      .poll(async () => {
        const response = await h.serve.call('/provisio/v1/accounts');
        const { value } = (await response.json()) as { value: { username: string; role: string }[] };
        return value.find((a) => a.username === 'rita')?.role;
      })
      .toBe('Operator');
    await rita.goto(h.serve.url);
    await rita.getByTestId('signed-in-role').filter({ hasText: 'Operator' }).waitFor();
    await page.getByLabel('Role of rita').selectOption('Reader');
    await expect
      .poll(async () => (await h.serve.call('/provisio/v1/accounts')).text())
      .toContain('"username":"rita","role":"Reader"');
    await rita.reload();
    await rita.waitForURL((url) => url.pathname === '/signin');
  });

  it("keeps the administrator's own role and account, and removes another account", async () => {
    expect(await page.getByLabel('Role of admin').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Remove admin' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Remove rita' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Remove account "rita"?' });
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await page.getByTestId('account-row').filter({ hasText: 'rita' }).waitFor({ state: 'detached' });
    expect((await h.serve.call('/provisio/v1/accounts/rita', { method: 'DELETE' })).status).toBe(404);
  });

  it('works on a phone', async () => {
    const phone = await h.newPage('phone');
    await h.signInAsAdmin(phone);
    await phone.goto(`${h.serve.url}/access`);
    await phone.getByTestId('account-row').first().waitFor();
    await expectAccessible(phone, 'Access on a phone');
  });
});
