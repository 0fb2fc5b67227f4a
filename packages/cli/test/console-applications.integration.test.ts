/**
 * The console's Applications page in Chromium: the empty state, "New application" creating a Zendesk
 * job for the emulators' enterprise application (the job exists through the API, the page lands on
 * Provisioning), and a started job's status badge and last cycle in the list.
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

interface GraphJob {
  id: string;
  schedule: { interval: string };
  status: { code: string; lastExecution: { state: string; countImported: number } | null };
}

describeInBrowser('console: applications', () => {
  let h: ConsoleHarness;
  let page: Page;

  beforeAll(async () => {
    h = await startConsoleHarness();
    page = await h.newPage();
    await h.signInAsAdmin(page);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const jobs = async () => {
    const response = await h.serve.call(`/v1.0/servicePrincipals/${h.spId}/synchronization/jobs`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { value: GraphJob[] }).value;
  };

  it('says what to do when there is no application yet', async () => {
    await page.getByRole('heading', { name: 'Applications' }).waitFor();
    await page.getByText('No applications yet').waitFor();
    expect(await page.getByRole('main').textContent()).toContain('Enterprise applications → Zendesk');
    await expectAccessible(page, 'Applications (empty)');
  });

  it('creates a Zendesk job with "New application" and opens its Provisioning page', async () => {
    await page.getByRole('button', { name: 'New application' }).click();
    const dialog = page.getByRole('dialog', { name: 'New application' });
    await dialog.waitFor();
    // Not a GUID: said before anything is sent.
    await dialog.getByLabel('Object ID').fill('zendesk');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Enter a GUID').waitFor();
    // An interval the server refuses: its message is shown.
    await dialog.getByLabel('Object ID').fill(h.spId);
    await dialog.getByLabel('Provisioning interval').fill('every hour');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'ISO-8601 duration' }).waitFor();
    expect(await jobs()).toEqual([]);
    await dialog.getByLabel('Provisioning interval').fill('PT5M');
    await expectAccessible(page, 'the New application dialog');
    await screenshot(page, 'applications-new');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL((url) => /\/applications\/[^/]+\/jobs\/[^/]+\/provisioning$/.test(url.pathname));
    const created = await jobs();
    expect(created).toHaveLength(1);
    expect(created[0]?.schedule.interval).toBe('PT5M');
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(
      `/applications/${h.spId}/jobs/${created[0]?.id}/provisioning`,
    );
  });

  it("lists a started job with its status badge and last cycle, linking to the job's overview", async () => {
    const jobId = await h.createJob({ start: true });
    // A cycle of the started job finishes (through the API), then the list shows it.
    await expect
      .poll(async () => (await jobs()).find((j) => j.id === jobId)?.status.lastExecution?.state ?? null, {
        timeout: 20_000,
      })
      .toBe('Succeeded');
    await page.goto(h.serve.url);
    const row = page.getByTestId('application-row').filter({ hasText: jobId });
    await row.getByTestId('last-cycle').filter({ hasText: 'Succeeded' }).waitFor();
    expect(await row.getByTestId('job-status').textContent()).toMatch(/^Active/);
    expect(await row.getByRole('link').textContent()).toBe(
      `Zendesk · ${h.job.zendesk.emulator.settings.subdomain}`,
    );
    expect(await row.textContent()).toContain(h.spId);
    // The job made through "New application" is configured by the same secrets: both are listed.
    expect(await page.getByTestId('application-row').count()).toBe(2);
    await expectAccessible(page, 'Applications');
    await screenshot(page, 'applications');
    await row.getByRole('link').click();
    await page.waitForURL((url) => url.pathname.endsWith(`/jobs/${jobId}/overview`));
  });

  it('works on a phone', async () => {
    const phone = await h.newPage('phone');
    await h.signInAsAdmin(phone);
    await phone.getByTestId('application-row').first().waitFor();
    await expectAccessible(phone, 'Applications on a phone');
  });

  it('lets a Reader see the applications but not create one', async () => {
    const reader = await h.newPage();
    await reader.goto(h.serve.url);
    const password = await addReader();
    await reader.getByLabel('Username').fill('reader');
    await reader.getByLabel('Password').fill(password);
    await reader.getByRole('button', { name: 'Sign in', exact: true }).click();
    await reader.getByTestId('application-row').first().waitFor();
    expect(await reader.getByRole('button', { name: 'New application' }).isDisabled()).toBe(true);
  });

  async function addReader(): Promise<string> {
    const response = await h.serve.call('/provisio/v1/accounts', {
      method: 'POST',
      json: { username: 'reader', role: 'Reader' },
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { password: string }).password;
  }
});
