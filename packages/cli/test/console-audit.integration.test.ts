/**
 * The console's Audit logs page in Chromium: a configuration change made through the API is listed,
 * its details show the old and new values, and no secret value is anywhere in the page; the filters
 * (status, activity, initiated by) narrow the list; inside a job only that job's entries are listed.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
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

describeInBrowser('console: audit logs', () => {
  let h: ConsoleHarness;
  let page: Page;
  let jobId: string;
  let secrets: string[];

  beforeAll(async () => {
    h = await startConsoleHarness();
    jobId = await h.createJob();
    // A configuration change through the API: Scope becomes "Sync all users and groups"; the
    // secret values are sent again with it.
    const changed = await h.serve.call(`/v1.0/servicePrincipals/${h.spId}/synchronization/secrets`, {
      method: 'PUT',
      json: { value: [...h.emulatorSecrets(), { key: 'SyncAll', value: 'True' }] },
    });
    expect(changed.status, await changed.clone().text()).toBe(204);
    // A failed sign-in, for the Status filter.
    await h.serve.call('/provisio/v1/auth/signin', {
      method: 'POST',
      token: null,
      json: { username: 'admin', password: 'not the password at all' },
    });
    secrets = [h.job.zendesk.emulator.apiToken, h.job.entra.emulator.clientSecret, ADMIN_PASSWORD];
    page = await h.newPage();
    await h.signInAsAdmin(page);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('lists the change; its details show old and new values and no secret', async () => {
    await page.goto(`${h.serve.url}/audit`);
    const row = page
      .getByTestId('audit-row')
      .filter({ hasText: 'Update provisioning configuration' })
      .filter({ hasText: jobId })
      .first();
    await row.waitFor();
    expect(await row.textContent()).toContain('Account Provisioning');
    expect(await row.textContent()).toContain('Success');
    await expectAccessible(page, 'Audit logs');
    await screenshot(page, 'audit');
    await row.getByRole('button', { name: 'Update provisioning configuration' }).click();
    const details = page.getByTestId('audit-details');
    await details.waitFor();
    const scope = page.getByTestId('modified-property').filter({ hasText: 'settings.scope' });
    await scope.waitFor();
    const cells = await scope.getByRole('cell').allTextContents();
    expect(cells).toEqual(['settings.scope', 'assigned', 'all']);
    expect(await details.textContent()).toContain('Initiated by');
    await expectAccessible(page, 'the audit details');
    await screenshot(page, 'audit-details');
    const text = await pageText(page);
    for (const secret of secrets) expect(text).not.toContain(secret);
    await page.getByRole('button', { name: 'Close' }).click();
    await details.waitFor({ state: 'detached' });
  });

  it('filters by status, activity and who', async () => {
    await page.getByLabel('Status').selectOption('failure');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('audit-row').filter({ hasText: 'Sign in' }).first().waitFor();
    const failures = await page.getByTestId('audit-row').allTextContents();
    expect(failures.length).toBeGreaterThan(0);
    for (const row of failures) expect(row).toContain('Failure');
    expect(failures.join('\n')).not.toContain('Update provisioning configuration');

    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Activity').fill('Sign');
    await page.getByLabel('Initiated by').fill('local:admin');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page
      .getByTestId('audit-row')
      .filter({ hasText: 'Success' })
      .filter({ hasText: 'Sign in' })
      .first()
      .waitFor();
    const signIns = await page.getByTestId('audit-row').allTextContents();
    for (const row of signIns) expect(row).toMatch(/Sign in.*local:admin/);

    // A date range that ends before today: nothing.
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('To').fill('2020-01-01');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No audit entries match these filters').waitFor();
  });

  it('pages with "Load more"', async () => {
    for (let i = 0; i < 52; i++) {
      const created = await h.serve.call('/provisio/v1/tokens', {
        method: 'POST',
        json: { name: `paging ${i}`, role: 'Reader' },
      });
      expect(created.status).toBe(201);
    }
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Activity').fill('Create API token');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('50 entries').waitFor();
    expect(await page.getByTestId('audit-row').count()).toBe(50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByText(/^5[2-9] entries$/).waitFor();
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  });

  it("lists only the job's entries inside the job, also on a phone", async () => {
    const phone = await h.newPage('phone');
    await h.signInAsAdmin(phone);
    await phone.goto(`${h.serve.url}/applications/${h.spId}/jobs/${jobId}/audit`);
    await phone.getByTestId('audit-row').first().waitFor();
    const rows = await phone.getByTestId('audit-row').allTextContents();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) expect(row).toContain(jobId);
    expect(rows.join('\n')).not.toContain('Sign in');
    await expectAccessible(phone, 'a job’s audit logs on a phone');
  });
});
