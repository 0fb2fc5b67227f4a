/**
 * Provision on demand in Chromium against the emulators: find a user, a dry run shows Entra's steps
 * and writes nothing (Zendesk still has no such user), then a real run creates the user and shows
 * "Perform action" succeeded with the modified properties; a group shows its own steps and each
 * member's.
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
import {
  addMember,
  appRoleId,
  assign,
  createEntraGroup,
  createEntraUser,
  zendeskGroups,
  zendeskUserByExternalId,
} from './support/provisioning.js';

describeInBrowser('console: Provision on demand', () => {
  let h: ConsoleHarness;
  let page: Page;
  let jobId: string;
  let olivia: string;

  beforeAll(async () => {
    h = await startConsoleHarness();
    olivia = await createEntraUser(h.job, 'olivia', {
      displayName: 'Olivia Ondemand',
      department: 'Support',
    });
    await assign(h.job, olivia, await appRoleId(h.job, 'Agent'));
    jobId = await h.createJob();
    page = await h.newPage();
    await h.signInAsAdmin(page);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const steps = () => page.getByTestId('ondemand-result').getByTestId('step');
  const step = (label: string) =>
    page.getByTestId('ondemand-result').locator(`[data-step="${label}"]`).first();

  it('a dry run shows the steps and writes nothing', async () => {
    await page.goto(`${h.serve.url}/applications/${h.spId}/jobs/${jobId}/on-demand`);
    await page.getByRole('heading', { name: 'Provision on demand' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('Olivia');
    await page.getByRole('radio', { name: /Olivia Ondemand/ }).check();
    await page.getByTestId('selected-object').filter({ hasText: olivia }).waitFor();
    await page.getByRole('switch', { name: 'Dry run' }).check();
    await page.getByRole('button', { name: 'Provision', exact: true }).click();
    await page.getByRole('heading', { name: /Dry run result: Olivia Ondemand/ }).waitFor();
    expect(await steps().evaluateAll((items) => items.map((i) => i.getAttribute('data-step')))).toEqual([
      'Import user',
      'Determine if user is in scope',
      'Match user between source and target system',
      'Perform action',
    ]);
    expect(await steps().evaluateAll((items) => items.map((i) => i.getAttribute('data-status')))).toEqual([
      'Success',
      'Success',
      'Success',
      'Success',
    ]);
    expect(await step('Perform action').textContent()).toContain('Would create');
    expect(await page.getByTestId('ondemand-result').textContent()).toContain('nothing was written');
    // Nothing in Zendesk, nothing in the provisioning log.
    expect(await zendeskUserByExternalId(h.job, olivia)).toBeNull();
    const log = await h.serve.call(
      `/v1.0/auditLogs/provisioning?$filter=${encodeURIComponent(`sourceIdentity/id eq '${olivia}'`)}`,
    );
    expect(((await log.json()) as { value: unknown[] }).value).toEqual([]);
    // The details of a step open below it.
    await step('Determine if user is in scope').getByRole('button', { name: 'View details' }).click();
    await step('Determine if user is in scope')
      .getByRole('cell', { name: 'Assigned to application' })
      .waitFor();
    await expectAccessible(page, 'Provision on demand (dry run)');
  }, 60_000);

  it('a real run creates the user in Zendesk and shows the action and modified properties', async () => {
    await page.getByRole('switch', { name: 'Dry run' }).uncheck();
    await page.getByRole('button', { name: 'Provision', exact: true }).click();
    await page.getByRole('heading', { name: /^Result: Olivia Ondemand/ }).waitFor();
    const created = await zendeskUserByExternalId(h.job, olivia);
    expect(created).not.toBeNull();
    expect(created.role).toBe('agent');
    expect(await step('Perform action').getAttribute('data-status')).toBe('Success');
    expect(await page.getByTestId('ondemand-status').textContent()).toBe('Success');
    expect(await page.getByTestId('ondemand-result').textContent()).toContain(`Zendesk id ${created.id}`);
    const properties = page.getByTestId('modified-properties');
    await properties.getByRole('row', { name: /external_id/ }).waitFor();
    expect(await properties.getByRole('row', { name: /external_id/ }).textContent()).toContain(olivia);
    expect(await properties.textContent()).toContain('olivia@');
    await step('Perform action').getByRole('button', { name: 'View details' }).click();
    await expectAccessible(page, 'Provision on demand (result)');
    await screenshot(page, 'ondemand');
  }, 60_000);

  it('a group: its own steps and each member', async () => {
    const pat = await createEntraUser(h.job, 'pat', { displayName: 'Pat Member' });
    const group = await createEntraGroup(h.job, 'On-demand Tier 2');
    await addMember(h.job, group, pat);
    await assign(h.job, group, await appRoleId(h.job, 'Agent'));
    await page.getByRole('radio', { name: 'Group', exact: true }).check();
    await page.getByRole('searchbox', { name: 'Search' }).fill('On-demand');
    await page.getByRole('radio', { name: /On-demand Tier 2/ }).check();
    await page.getByRole('button', { name: 'Provision', exact: true }).click();
    await page.getByRole('heading', { name: /^Result: On-demand Tier 2/ }).waitFor();
    await step('Import group').waitFor();
    await step('Determine if group is in scope').waitFor();
    await page.getByRole('heading', { name: 'Member: Pat Member' }).waitFor();
    expect(await zendeskUserByExternalId(h.job, pat)).not.toBeNull();
    expect((await zendeskGroups(h.job)).some((g) => g.name === 'On-demand Tier 2')).toBe(true);
  }, 60_000);

  it('works on a phone-sized viewport', async () => {
    const phone = await h.newPage('phone');
    await h.signInAsAdmin(phone);
    await phone.goto(`${h.serve.url}/applications/${h.spId}/jobs/${jobId}/on-demand`);
    await phone.getByRole('searchbox', { name: 'Search' }).fill('Olivia');
    await phone.getByRole('radio', { name: /Olivia Ondemand/ }).check();
    await phone.getByRole('switch', { name: 'Dry run' }).check();
    await phone.getByRole('button', { name: 'Provision', exact: true }).click();
    await phone.getByRole('heading', { name: /Dry run result/ }).waitFor();
    await expectAccessible(phone, 'Provision on demand on a phone');
  }, 60_000);
});
