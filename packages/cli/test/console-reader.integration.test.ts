/**
 * A Reader in the console (issue: "sign in with Microsoft through the Entra emulator as a Reader and
 * find every write control disabled and every write route refused"): an Entra user granted provisio's
 * Reader app role signs in through the emulator, walks every page of a configured job, finds each
 * write control disabled, and every write route of the OpenAPI document, called from the page with
 * the session's cookie and CSRF token, answers 403.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  describeInBrowser,
  expectAccessible,
  startConsoleHarness,
} from './support/console.js';

interface OpenApi {
  paths: Record<string, Record<string, { 'x-provisio-access'?: string }>>;
}

describeInBrowser('console: a Reader', () => {
  let h: ConsoleHarness;
  let page: Page;
  let jobId: string;

  beforeAll(async () => {
    h = await startConsoleHarness({ microsoft: true });
    jobId = await h.createJob();
    page = await h.newPage();
    await h.signInWithMicrosoft(page, await h.microsoftUser('Reader'));
  }, 90_000);
  afterAll(async () => {
    await h?.close();
  });

  it('is refused every write route of the API, from the page, with its session', async () => {
    const document = (await (await h.serve.call('/openapi.json')).json()) as OpenApi;
    const writes: { method: string; path: string }[] = [];
    for (const [path, operations] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(operations))
        if (['Operator', 'Administrator'].includes(operation['x-provisio-access'] ?? ''))
          writes.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x') });
    expect(writes.length).toBeGreaterThan(10);
    const statuses = await page.evaluate(async (routes) => {
      const session = (await (await fetch('/provisio/v1/auth/session')).json()) as { csrfToken: string };
      const results: string[] = [];
      for (const route of routes) {
        const response = await fetch(route.path, {
          method: route.method,
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
          ...(route.method === 'GET' ? {} : { body: '{}' }),
        });
        results.push(`${route.method} ${route.path} ${response.status}`);
      }
      return results;
    }, writes);
    expect(statuses.filter((line) => !line.endsWith(' 403'))).toEqual([]);
  });

  it('sees the pages with their write controls disabled', async () => {
    const base = `${h.serve.url}/applications/${h.spId}/jobs/${jobId}`;
    const pages: { path: string; controls: string[] }[] = [
      { path: '/', controls: ['New application'] },
      { path: `${base.slice(h.serve.url.length)}/provisioning`, controls: ['Save', 'Test Connection'] },
      {
        path: `${base.slice(h.serve.url.length)}/provisioning/mappings/users`,
        controls: ['Add New Mapping'],
      },
      { path: `${base.slice(h.serve.url.length)}/overview`, controls: ['Restart provisioning'] },
      { path: `${base.slice(h.serve.url.length)}/single-sign-on`, controls: ['Save'] },
    ];
    for (const { path, controls } of pages) {
      await page.goto(`${h.serve.url}${path}`);
      for (const name of controls) {
        const control = page.getByRole('button', { name, exact: true }).first();
        await control.waitFor();
        expect(await control.isDisabled(), `${name} on ${path}`).toBe(true);
      }
      await expectAccessible(page, `${path} as a Reader`);
    }
  });
});
