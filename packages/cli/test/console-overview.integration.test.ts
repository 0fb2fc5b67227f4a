/**
 * The Overview page (Synchronization Details) in Chromium, against a started job of the emulators:
 * users arrive in Zendesk and the page counts them, the cycles table grows as cycles run; the
 * accidental-deletion threshold holds deprovisioning back and the page explains the quarantine, and
 * "Allow deletes" lets the next cycle suspend the users in Zendesk; "Restart provisioning" with
 * "Full" makes the next cycle an initial one.
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
  appRoleId,
  assign,
  createEntraUser,
  unassign,
  zendeskUserByExternalId,
  zendeskUsers,
} from './support/provisioning.js';

// biome-ignore lint/suspicious/noExplicitAny: Graph JSON
type Json = any;

/** Waits (bounded) until `probe` gives something other than undefined. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describeInBrowser('console: Overview', () => {
  let h: ConsoleHarness;
  let page: Page;
  let jobId: string;
  let base: string;
  const users: { id: string; assignment: string }[] = [];

  const getJob = async (): Promise<Json> => (await h.serve.call(`${base}/jobs/${jobId}`)).json();
  const cycles = async (): Promise<Json[]> =>
    ((await (await h.serve.call(`/provisio/v1/jobs/${jobId}/cycles?$top=50`)).json()) as Json).value;
  const userCount = (job: Json) =>
    job.status.synchronizedEntryCountByType.find((e: Json) => e.key === 'User')?.value ?? 0;

  beforeAll(async () => {
    h = await startConsoleHarness();
    base = `/v1.0/servicePrincipals/${h.spId}/synchronization`;
    const agent = await appRoleId(h.job, 'Agent');
    for (const nick of ['amara', 'bruno', 'chen']) {
      const id = await createEntraUser(h.job, nick);
      users.push({ id, assignment: await assign(h.job, id, agent) });
    }
    jobId = await h.createJob({ start: true, interval: 'PT2S' });
    page = await h.newPage();
    await h.signInAsAdmin(page);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('shows the users provisioned and the cycles as they run', async () => {
    await page.goto(`${h.serve.url}/applications/${h.spId}/jobs/${jobId}/overview`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await until('the users in Zendesk', async () => {
      for (const { id } of users) if ((await zendeskUserByExternalId(h.job, id)) === null) return undefined;
      return true;
    });
    await until('the job to count them', async () => (userCount(await getJob()) === 3 ? true : undefined));
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByTestId('users-provisioned').filter({ hasText: /^3$/ }).waitFor();
    expect(await page.getByTestId('users-in-scope').textContent()).toMatch(/^\d+$/);
    // The cycle that created them is in the table with its counts.
    const creating = (await cycles()).find((c) => c.counts.created === 3);
    expect(creating).toBeDefined();
    const row = page.locator(`tr[data-cycle-id="${creating.id}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(4).textContent()).toBe('3');
    await page.getByTestId('cycle-chart').waitFor();

    // A new user: a later cycle creates it and the table shows that cycle without a reload.
    const dana = await createEntraUser(h.job, 'dana');
    users.push({ id: dana, assignment: await assign(h.job, dana, await appRoleId(h.job, 'Agent')) });
    await until('dana in Zendesk', async () =>
      (await zendeskUserByExternalId(h.job, dana)) ? true : undefined,
    );
    const next = await until('the cycle that created dana', async () =>
      (await cycles()).find((c) => c.counts.created === 1 && c.state !== 'running'),
    );
    await page.locator(`tr[data-cycle-id="${next.id}"]`).waitFor();
    await page.getByTestId('users-provisioned').filter({ hasText: /^4$/ }).waitFor({ timeout: 15_000 });
    const zendeskLinked = (await zendeskUsers(h.job)).filter((u) =>
      users.some((x) => x.id === u.external_id),
    );
    expect(zendeskLinked).toHaveLength(4);
    expect(await page.getByTestId('users-provisioned').textContent()).toBe(String(zendeskLinked.length));
    await expectAccessible(page, 'Overview');
    await screenshot(page, 'overview');
  }, 90_000);

  it('explains the deletion threshold quarantine, and Allow deletes suspends the users in Zendesk', async () => {
    const saved = await h.serve.call(`${base}/secrets`, {
      method: 'PUT',
      json: {
        value: [
          {
            key: 'SyncNotificationSettings',
            value: '{"Enabled":false,"DeleteThresholdEnabled":true,"DeleteThresholdValue":1}',
          },
        ],
      },
    });
    expect(saved.status, await saved.clone().text()).toBe(204);
    const leaving = users.slice(0, 2);
    for (const user of leaving) await unassign(h.job, user.assignment);
    const held = await until('the job in quarantine', async () => {
      const job = await getJob();
      return job.status.code === 'Quarantine' ? job : undefined;
    });
    expect(held.status.quarantine.reason).toBe('TooManyDeletes');
    for (const user of leaving) expect((await zendeskUserByExternalId(h.job, user.id)).suspended).toBe(false);

    await page.getByRole('button', { name: 'Refresh' }).click();
    const banner = page.getByTestId('quarantine-banner');
    await banner.waitFor();
    const text = await banner.textContent();
    expect(text).toContain('Accidental deletion threshold exceeded');
    expect(text).toContain('TooManyDeletes');
    expect(text).toContain('What to do');
    // The users held back, from the provisioning log (stagedDelete entries of that cycle).
    await banner.filter({ hasText: 'Held back:' }).waitFor();
    expect(await banner.textContent()).toMatch(/Held back:.*User (amara|bruno), User (amara|bruno)/);
    await expectAccessible(page, 'Overview in quarantine');
    await screenshot(page, 'overview-quarantine');

    await banner.getByRole('button', { name: 'Allow deletes' }).click();
    await banner.filter({ hasText: 'Deletes allowed' }).waitFor();
    // provisio's default deprovisioning suspends the Zendesk users (docs/provisioning.md).
    await until('the users suspended in Zendesk', async () => {
      for (const user of leaving)
        if ((await zendeskUserByExternalId(h.job, user.id))?.suspended !== true) return undefined;
      return true;
    });
    await until('the quarantine lifted', async () =>
      (await getJob()).status.quarantine === null ? true : undefined,
    );
    await page.getByRole('button', { name: 'Refresh' }).click();
    await banner.waitFor({ state: 'detached' });
    const still = users.slice(2);
    for (const user of still) expect((await zendeskUserByExternalId(h.job, user.id)).suspended).toBe(false);
  }, 90_000);

  it('restarts with Full: the next cycle is an initial one and nothing is duplicated', async () => {
    const before = (await zendeskUsers(h.job)).length;
    const restartedAt = new Date().toISOString();
    await page.getByRole('button', { name: 'Restart provisioning' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restart provisioning' });
    await dialog.waitFor();
    await dialog.getByRole('checkbox', { name: 'Full' }).check();
    expect(await dialog.getByRole('checkbox', { name: 'Allow deletes' }).isChecked()).toBe(false);
    await expectAccessible(page, 'the Restart provisioning dialog');
    await screenshot(page, 'restart');
    await dialog.getByRole('button', { name: 'Restart' }).click();
    await dialog.waitFor({ state: 'detached' });
    const initial = await until('an initial cycle after the restart', async () =>
      (await cycles()).find(
        (c) => c.startedAt >= restartedAt && c.kind === 'initial' && c.state !== 'running',
      ),
    );
    expect(initial.state).toBe('succeeded');
    expect((await zendeskUsers(h.job)).length).toBe(before);
    await page.locator(`tr[data-cycle-id="${initial.id}"]`).filter({ hasText: 'Initial' }).waitFor();
  }, 60_000);

  it('works on a phone-sized viewport', async () => {
    const phone = await h.newPage('phone');
    await h.signInAsAdmin(phone);
    await phone.goto(`${h.serve.url}/applications/${h.spId}/jobs/${jobId}/overview`);
    await phone.getByTestId('users-provisioned').waitFor();
    await phone.getByRole('button', { name: 'Restart provisioning' }).waitFor();
    await expectAccessible(phone, 'Overview on a phone');
  }, 60_000);
});
