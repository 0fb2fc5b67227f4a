/**
 * The console's Provisioning logs page, in Chromium, on a running job of the emulators: two Entra
 * users assigned arrive in Zendesk, one is changed; the page lists their entries with Graph's
 * columns, the filters narrow them, the details pane shows the steps and the modified properties'
 * old and new values, Download writes Graph's JSON and Entra's three CSV files (through the API's
 * export route), and the same page inside the job lists that job's entries only.
 */
import { readFile } from 'node:fs/promises';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  describeInBrowser,
  expectAccessible,
  screenshot,
  startConsoleHarness,
} from './support/console.js';
import { appRoleId, assign, createEntraUser, patchUser } from './support/provisioning.js';

interface Entry {
  id: string;
  jobId: string;
  changeId: string;
  provisioningAction: string;
  provisioningStatusInfo: { status: string };
  sourceIdentity: { id: string; displayName: string };
  modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[];
}

/** Polls `check` until it returns a value (not undefined), at most `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 25_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function downloaded(download: Download): Promise<string> {
  const path = await download.path();
  return readFile(path, 'utf8');
}

describeInBrowser('console: provisioning logs', () => {
  let h: ConsoleHarness;
  let page: Page;
  let jobId: string;
  let adele: string;
  let update: Entry;

  const logs = async (filter: string): Promise<Entry[]> => {
    const answer = await h.serve.call(`/v1.0/auditLogs/provisioning?$filter=${encodeURIComponent(filter)}`);
    expect(answer.status).toBe(200);
    return ((await answer.json()) as { value: Entry[] }).value;
  };
  const rows = () => page.getByTestId('log-row');

  beforeAll(async () => {
    h = await startConsoleHarness();
    const agent = await appRoleId(h.job, 'Agent');
    adele = await createEntraUser(h.job, 'adele', {
      displayName: 'Adele Vance',
      jobTitle: 'Engineer',
      department: 'Sales',
    });
    const bruno = await createEntraUser(h.job, 'bruno', { displayName: 'Bruno Diaz' });
    await assign(h.job, adele, agent);
    await assign(h.job, bruno, agent);
    jobId = await h.createJob({ start: true });
    await until('both users created, in the log', async () => {
      const created = await logs(`jobId eq '${jobId}' and provisioningAction eq 'create'`);
      const names = created.filter((e) => e.provisioningStatusInfo.status === 'success');
      return names.some((e) => e.sourceIdentity.id === adele) &&
        names.some((e) => e.sourceIdentity.id === bruno)
        ? true
        : undefined;
    });
    // A change to a mapped attribute: the next cycle updates Adele, with old and new values.
    await patchUser(h.job, adele, { jobTitle: 'Director' });
    update = await until('the update of Adele, in the log', async () =>
      (await logs(`jobId eq '${jobId}' and provisioningAction eq 'update'`)).find(
        (e) => e.sourceIdentity.id === adele,
      ),
    );
    page = await h.newPage('desktop');
    await h.signInAsAdmin(page);
  }, 90_000);
  afterAll(async () => {
    await h?.close();
  });

  it("lists the entries with Graph's columns, newest first", async () => {
    await page.goto(`${h.serve.url}/logs`);
    await page.getByRole('heading', { level: 1, name: 'Provisioning logs' }).waitFor();
    await rows().filter({ hasText: 'Bruno Diaz' }).first().waitFor();
    const headers = await page.getByRole('columnheader').allTextContents();
    expect(headers).toEqual([
      'Date',
      'Identity',
      'Action',
      'Source system',
      'Target system',
      'Status',
      'Job ID',
      'Cycle ID',
      'Change ID',
    ]);
    // The newest entry, Adele's update, on top.
    const first = await rows().first().textContent();
    expect(first).toContain('Adele Vance');
    expect(first).toContain('Update');
    expect(first).toContain('Microsoft Entra ID');
    expect(first).toContain(update.changeId);
    const texts = await rows().allTextContents();
    expect(texts.filter((t) => t.includes('Bruno Diaz') && t.includes('Create'))).toHaveLength(1);
    expect(texts.every((t) => t.includes(jobId))).toBe(true);
    await expectAccessible(page, 'Provisioning logs');
    await screenshot(page, 'logs-list');
  });

  it('narrows the rows by status, action and identity', async () => {
    const total = await rows().count();
    expect(total).toBeGreaterThanOrEqual(3);
    await page.getByLabel('Status').selectOption('failure');
    await page.getByText('No entries match these filters.').waitFor();
    expect(await rows().count()).toBe(0);
    await page.getByLabel('Status').selectOption('success');
    await rows().filter({ hasText: 'Bruno Diaz' }).first().waitFor();

    await page.getByLabel('Identity').fill('Adele');
    await rows().filter({ hasText: 'Bruno Diaz' }).first().waitFor({ state: 'detached' });
    const adeles = await rows().allTextContents();
    expect(adeles.length).toBeGreaterThanOrEqual(2);
    expect(adeles.every((t) => t.includes('Adele Vance'))).toBe(true);

    await page.getByLabel('Action').selectOption('update');
    await rows().filter({ hasText: 'Create' }).first().waitFor({ state: 'detached' });
    expect(await rows().count()).toBe(1);

    // The object id works as well as the name.
    await page.getByLabel('Identity').fill(adele);
    await page.getByLabel('Action').selectOption('');
    await rows().filter({ hasText: 'Create' }).first().waitFor();
    expect((await rows().allTextContents()).every((t) => t.includes('Adele Vance'))).toBe(true);
    await page.getByLabel('Identity').fill('Adele');
  });

  it('opens an entry: its steps, troubleshooting, modified properties (old and new) and summary', async () => {
    await page.getByRole('button', { name: 'Adele Vance' }).first().click();
    const pane = page.getByRole('dialog');
    await pane.getByRole('tab', { name: 'Steps' }).waitFor();
    expect(await pane.getByRole('tab').count()).toBe(4);
    for (const name of ['Steps', 'Troubleshooting & Recommendations', 'Modified properties', 'Summary'])
      await pane.getByRole('tab', { name, exact: true }).waitFor();
    const steps = await pane.getByTestId('log-step').allTextContents();
    expect(steps).toHaveLength(4);
    expect(steps[0]).toContain('Import user');
    expect(steps[0]).toContain('import');
    expect(steps[1]).toContain('Determine if user is in scope');
    expect(steps[2]).toContain('Match user between source and target system');
    expect(steps[3]).toContain('Perform action');
    // A step's details, key and value.
    expect(steps[0]).toContain(adele);
    await expectAccessible(page, 'the details pane');
    // The drawer's entrance animation finished, for the picture.
    await page.waitForFunction("document.getAnimations().every((a) => a.playState !== 'running')");
    await screenshot(page, 'logs-details');

    await pane.getByRole('tab', { name: 'Troubleshooting & Recommendations' }).click();
    await pane.getByText('No troubleshooting needed').waitFor();

    await pane.getByRole('tab', { name: 'Modified properties' }).click();
    const detailsChange = update.modifiedProperties.find((p) => p.displayName === 'details');
    expect(detailsChange).toEqual({
      displayName: 'details',
      oldValue: 'Engineer, Sales',
      newValue: 'Director, Sales',
    });
    const row = pane.getByRole('row').filter({ hasText: 'Director, Sales' });
    await row.waitFor();
    expect(await row.getByRole('cell').allTextContents()).toEqual([
      'details',
      'Engineer, Sales',
      'Director, Sales',
    ]);
    const columns = await pane.getByRole('columnheader').allTextContents();
    expect(columns).toEqual(['Display name', 'Old value', 'New value']);

    await pane.getByRole('tab', { name: 'Summary' }).click();
    await pane.getByText(update.changeId).waitFor();
    const summary = await pane.getByRole('tabpanel').textContent();
    expect(summary).toContain(jobId);
    expect(summary).toContain(adele);
    expect(summary).toContain('Update');

    await page.keyboard.press('Escape');
    await pane.waitFor({ state: 'detached' });
  });

  it("downloads the filtered entries as Graph's JSON and as Entra's three CSV files", async () => {
    // The identity filter ("Adele") is still set: the files hold her entries only.
    await page.getByRole('button', { name: 'Download' }).click();
    const dialog = page.getByRole('dialog', { name: 'Download' });
    await dialog.getByRole('radio', { name: 'JSON' }).waitFor();
    await expectAccessible(page, 'the Download dialog');

    await dialog.getByRole('radio', { name: 'JSON' }).check();
    const [json] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(json.suggestedFilename()).toBe('ProvisioningLogs.json');
    const body = JSON.parse(await downloaded(json)) as { value: Entry[] };
    expect(body.value.length).toBeGreaterThanOrEqual(2);
    expect(body.value.every((e) => e.sourceIdentity.displayName === 'Adele Vance')).toBe(true);
    expect(body.value.map((e) => e.id)).toContain(update.id);

    await dialog.getByRole('radio', { name: 'CSV' }).check();
    const files = new Map<string, string>();
    const collect = (download: Download) => {
      void downloaded(download).then((text) => files.set(download.suggestedFilename(), text));
    };
    page.on('download', collect);
    await dialog.getByRole('button', { name: 'Download' }).click();
    await until('three CSV files', async () => (files.size === 3 ? true : undefined), 15_000);
    page.off('download', collect);

    const summary = files.get('ProvisioningLogs.csv') ?? '';
    expect(summary.replace(/^\ufeff/, '').split('\n')[0]).toBe(
      'Date (UTC),Change ID,Cycle ID,Job ID,Action,Status,Source Identity ID,Source Identity Name,' +
        'Source Identity Type,Target Identity ID,Target Identity Name,Source System,Target System,' +
        'Error Code,Status Reason,Recommended Action,Duration (ms),Tenant ID,Service Principal ID,' +
        'Service Principal Name',
    );
    expect(summary).toContain('Adele Vance');
    expect(summary).not.toContain('Bruno Diaz');
    expect(summary).toContain(`${update.changeId},`);
    const steps = files.get('ProvisioningLogs_ProvisioningSteps.csv') ?? '';
    expect(steps.replace(/^\ufeff/, '').split('\n')[0]).toBe(
      'Change ID,Step Number,Name,Step Type,Status,Description,Details',
    );
    expect(steps).toContain(`${update.changeId},1,EntryImport,import,success`);
    const properties = files.get('ProvisioningLogs_ModifiedProperties.csv') ?? '';
    expect(properties).toContain(`${update.changeId},details,"Engineer, Sales","Director, Sales"`);

    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it("lists only the job's entries inside the job, and opens the details as a dialog on a phone", async () => {
    const phone = await h.newPage('phone');
    await h.signInAsAdmin(phone);
    await phone.goto(`${h.serve.url}/applications/${h.spId}/jobs/${encodeURIComponent(jobId)}/logs`);
    await phone.getByRole('heading', { level: 2, name: 'Provisioning logs' }).waitFor();
    const jobRows = phone.getByTestId('log-row');
    await jobRows.filter({ hasText: 'Bruno Diaz' }).first().waitFor();
    const texts = await jobRows.allTextContents();
    expect(texts.every((t) => t.includes(jobId))).toBe(true);
    // The page asked the API for this job's entries only.
    const [request] = await Promise.all([
      phone.waitForRequest((r) => r.url().includes('/v1.0/auditLogs/provisioning')),
      phone.getByRole('button', { name: 'Refresh' }).click(),
    ]);
    expect(new URL(request.url()).searchParams.get('$filter')).toBe(`jobId eq '${jobId}'`);

    await phone.getByRole('button', { name: 'Bruno Diaz' }).first().click();
    const dialog = phone.getByRole('dialog');
    await dialog.getByRole('tab', { name: 'Steps' }).waitFor();
    expect(await dialog.getByTestId('log-step').count()).toBeGreaterThanOrEqual(4);
    await expectAccessible(phone, 'the details on a phone');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });
});
