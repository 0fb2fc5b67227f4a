/**
 * The Attribute Mapping page, in Chromium against both emulators: the users mapping's table, the
 * custom user fields of the Zendesk account among the target attributes, an Expression tested on a
 * chosen Entra user (and a broken one explained), a scoping filter with each clause's result for a
 * chosen user, Save through the plan (a user outside the filter is not created) to the API's schema,
 * a refused schema's problem next to its mapping, Discard, and a phone.
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
import { appRoleId, assign, createEntraUser } from './support/provisioning.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read loosely in tests
type Json = any;

const EXPRESSION = 'Join(" - ", [department], [givenName])';

describeInBrowser('console: attribute mappings', () => {
  let h: ConsoleHarness;
  let page: Page;
  let jobId: string;
  let url: string;

  beforeAll(async () => {
    h = await startConsoleHarness();
    jobId = await h.createJob();
    const field = await h.job.zendesk.admin.post('/api/v2/user_fields', {
      user_field: { key: 'cost_center', type: 'text', title: 'Cost center' },
    });
    expect(field.status, field.text).toBe(201);
    const agent = await appRoleId(h.job, 'Agent');
    const mara = await createEntraUser(h.job, 'mara', {
      displayName: 'Mara Salesperson',
      givenName: 'Mara',
      department: 'Sales',
    });
    const olek = await createEntraUser(h.job, 'olek', {
      displayName: 'Olek Supporter',
      givenName: 'Olek',
      department: 'Support',
    });
    await assign(h.job, mara, agent);
    await assign(h.job, olek, agent);
    url = `${h.serve.url}/applications/${h.spId}/jobs/${jobId}/provisioning/mappings/users`;
    page = await h.newPage();
    await h.signInAsAdmin(page);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const schemaPath = () => `/v1.0/servicePrincipals/${h.spId}/synchronization/jobs/${jobId}/schema`;
  const dialog = () => page.getByRole('dialog');

  async function pickUser(label: string, search: string, name: RegExp): Promise<void> {
    const box = page.getByRole('combobox', { name: label });
    await box.click();
    await box.fill('');
    await box.pressSequentially(search);
    await page.getByRole('option', { name }).click();
  }

  it('shows the users mapping: name, actions, the table; users cannot be disabled', async () => {
    await page.goto(url);
    await page.getByRole('heading', { name: 'Synchronize Microsoft Entra users to Zendesk' }).waitFor();
    await page.getByTestId('mapping-alias').waitFor();
    expect(await page.getByTestId('mapping-alias').textContent()).toContain('givenName');
    expect(await page.getByTestId('mapping-external_id').textContent()).toMatch(/objectId\s*1/);
    for (const action of ['Create', 'Update', 'Delete'])
      expect(await page.getByRole('checkbox', { name: action }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: 'Yes' }).isDisabled()).toBe(true);
    await page.getByText('Users cannot be disabled').waitFor();
    // Nothing changed yet: nothing to save.
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await expectAccessible(page, 'Attribute Mapping');
    await screenshot(page, 'mappings-users');
  });

  it('edits alias into an Expression and tests it on a chosen user, and explains a broken one', async () => {
    await page.getByRole('button', { name: 'Edit alias' }).click();
    await dialog().getByRole('heading', { name: 'Edit Attribute' }).waitFor();
    // The account's custom user fields are among the target attributes.
    const targets = await dialog().getByLabel('Target attribute').locator('option').allTextContents();
    expect(targets).toContain('user_fields.cost_center (custom user field)');
    expect(targets).toContain('alias');
    expect(await dialog().getByLabel('Source attribute').inputValue()).toBe('givenName');
    await expectAccessible(page, 'Edit Attribute');
    await screenshot(page, 'mappings-edit');

    await dialog().getByLabel('Mapping type').selectOption('Expression');
    await dialog().getByLabel('Expression', { exact: true }).fill(EXPRESSION);
    await pickUser('Select a user', 'Mara', /Mara Salesperson/);
    await dialog().getByRole('button', { name: 'Test expression' }).click();
    const value = page.getByTestId('expression-value');
    await value.waitFor();
    expect(await value.textContent()).toBe('Sales - Mara');
    await expectAccessible(page, 'the Expression builder');
    await screenshot(page, 'mappings-expression');

    await dialog().getByLabel('Expression', { exact: true }).fill('Join(" - ", [department]');
    await dialog().getByRole('button', { name: 'Test expression' }).click();
    const result = page.getByTestId('expression-result').filter({ hasText: 'does not parse' });
    await result.waitFor();
    expect(await result.textContent()).toMatch(/line 1, column/);

    // A function from the list is inserted where the cursor is.
    await dialog().getByLabel('Expression', { exact: true }).fill('');
    await dialog().getByLabel('Function').selectOption('Coalesce');
    await dialog().getByRole('button', { name: 'Insert function' }).click();
    expect(await dialog().getByLabel('Expression', { exact: true }).inputValue()).toBe('Coalesce(source)');

    await dialog().getByLabel('Expression', { exact: true }).fill(EXPRESSION);
    await dialog().getByRole('button', { name: 'OK' }).click();
    await dialog().waitFor({ state: 'detached' });
    expect(await page.getByTestId('mapping-alias').textContent()).toContain(EXPRESSION);
  });

  it('adds a scoping filter department EQUALS Sales and shows which clause a user passes or fails', async () => {
    await page.getByRole('button', { name: 'Add scoping filter' }).click();
    expect(await page.getByLabel('Source Attribute (filter 1, clause 1)').inputValue()).toBe('department');
    const operators = await page
      .getByLabel('Operator (filter 1, clause 1)')
      .locator('option')
      .allTextContents();
    expect(operators).toHaveLength(14);
    await page.getByLabel('Operator (filter 1, clause 1)').selectOption('EQUALS');
    await page.getByLabel('Value (filter 1, clause 1)').fill('Sales');

    await pickUser('User to test', 'Mara', /Mara Salesperson/);
    const clause = page.getByTestId('clause-result-0-0');
    await clause.filter({ hasText: '✓ passes' }).waitFor();
    expect(await clause.textContent()).toContain('"Sales"');
    await page.getByTestId('scope-result').filter({ hasText: 'Mara Salesperson is in scope' }).waitFor();
    await expectAccessible(page, 'Source Object Scope');
    await screenshot(page, 'mappings-scope');

    await pickUser('User to test', 'Olek', /Olek Supporter/);
    await clause.filter({ hasText: '✗ fails' }).waitFor();
    expect(await clause.textContent()).toContain('"Support"');
    await page.getByTestId('scope-result').filter({ hasText: 'Olek Supporter is out of scope' }).waitFor();

    // A unary operator takes no value.
    await page.getByLabel('Operator (filter 1, clause 1)').selectOption('IS NOT NULL');
    expect(await page.getByLabel('Value (filter 1, clause 1)').count()).toBe(0);
    await page.getByLabel('Operator (filter 1, clause 1)').selectOption('EQUALS');
    await page.getByLabel('Value (filter 1, clause 1)').fill('Sales');
  });

  it('shows the plan before saving, then saves the expression and the filter', async () => {
    await page.getByRole('button', { name: 'Save' }).click();
    // The plan asks for a decision: an alert dialog (a click outside does not dismiss it).
    const confirm = () => page.getByRole('alertdialog');
    await confirm().getByRole('heading', { name: 'Review the changes before saving' }).waitFor();
    const changes = confirm().getByRole('table', { name: 'Changes of the next cycle' });
    await changes.waitFor();
    const mara = changes.getByRole('row').filter({ hasText: 'Mara Salesperson' });
    expect(await mara.textContent()).toContain('Create');
    // Olek is outside the filter: not created.
    expect(await changes.getByRole('row').filter({ hasText: 'Olek Supporter' }).count()).toBe(0);
    expect(await confirm().getByTestId('plan-users').textContent()).toMatch(/^Users[1-9]/);
    await expectAccessible(page, 'the plan');
    await screenshot(page, 'mappings-plan');

    await confirm().getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);

    const schema = (await (await h.serve.call(schemaPath())).json()) as Json;
    const users = schema.synchronizationRules[0].objectMappings[0];
    const alias = users.attributeMappings.find((m: Json) => m.targetAttributeName === 'alias');
    expect(alias.source.expression).toBe(EXPRESSION);
    expect(users.scope.groups).toEqual([
      {
        name: 'Scoping filter 1',
        clauses: [
          { sourceOperandName: 'department', operatorName: 'EQUALS', targetOperand: { values: ['Sales'] } },
        ],
      },
    ]);
  });

  it('shows a refused mapping next to it, and Discard restores the saved mappings', async () => {
    await page.getByRole('button', { name: 'Edit alias' }).click();
    await dialog().getByLabel('Expression', { exact: true }).fill('Joint([givenName])');
    await dialog().getByRole('button', { name: 'OK' }).click();
    await dialog().waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Delete phone' }).click();
    await page.getByRole('checkbox', { name: 'Delete' }).uncheck();
    expect(await page.getByTestId('mapping-phone').count()).toBe(0);

    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').filter({ hasText: 'The changes were not saved' }).waitFor();
    // The problem is shown on the mapping's row, and in its dialog.
    expect(await page.getByTestId('mapping-alias').textContent()).toContain("unknown function 'Joint'");
    await page.getByRole('button', { name: 'Edit alias' }).click();
    await dialog().getByText("unknown function 'Joint'").waitFor();
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    await dialog().waitFor({ state: 'detached' });
    expect(await page.getByRole('alertdialog').count()).toBe(0);

    await page.getByRole('button', { name: 'Discard' }).click();
    await page.getByTestId('mapping-phone').waitFor();
    expect(await page.getByTestId('mapping-alias').textContent()).toContain(EXPRESSION);
    expect(await page.getByRole('checkbox', { name: 'Delete' }).isChecked()).toBe(true);
    expect(await page.getByRole('alert').filter({ hasText: 'The changes were not saved' }).count()).toBe(0);
    const schema = (await (await h.serve.call(schemaPath())).json()) as Json;
    expect(schema.synchronizationRules[0].objectMappings[0].flowTypes).toBe('Add, Update, Delete');
  });

  it('opens the groups mapping, and scrolls the table on a phone', async () => {
    await page.goto(url.replace(/users$/, 'groups'));
    await page.getByRole('heading', { name: 'Synchronize Microsoft Entra groups to Zendesk' }).waitFor();
    await page.getByTestId('mapping-name').waitFor();
    expect(await page.getByRole('radio', { name: 'No' }).isDisabled()).toBe(false);

    const phone = await h.newPage('phone');
    await h.signInAsAdmin(phone);
    await phone.goto(url);
    await phone.getByTestId('mapping-alias').waitFor();
    const table = phone.getByRole('table', { name: 'Attribute Mappings' });
    // The table scrolls in its own container; the page itself does not scroll sideways.
    const container = table.locator('xpath=..');
    // (The tests are compiled without the DOM's types: the browser's globals are reached by name.)
    type Styles = { getComputedStyle(element: unknown): { overflowX: string } };
    const widths = async (what: string) => Number(await phone.evaluate(what));
    expect(
      await container.evaluate((c) => (globalThis as unknown as Styles).getComputedStyle(c).overflowX),
    ).toBe('auto');
    expect(await container.evaluate((c) => c.scrollWidth > c.clientWidth)).toBe(true);
    expect(await widths('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      await widths('window.innerWidth'),
    );
    await expectAccessible(phone, 'Attribute Mapping on a phone');
  });
});
