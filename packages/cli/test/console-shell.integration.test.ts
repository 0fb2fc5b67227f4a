/**
 * The console's frame, in Chromium: served at `/` with its caching and security headers, deep links
 * answered by the page while unknown API paths stay Graph 404s, the local administrator's sign-in
 * (a wrong password says so), the header with the user and role, sign-out, and axe on each.
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

describeInBrowser('console: shell and sign-in', () => {
  let h: ConsoleHarness;
  let page: Page;

  beforeAll(async () => {
    h = await startConsoleHarness();
    page = await h.newPage();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('serves the page with no-cache and a CSP, and hashed assets for a year', async () => {
    const index = await fetch(h.serve.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${h.serve.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // A deep link opens the page; an unknown API path stays an API 404 in Graph's body.
    const deep = await fetch(`${h.serve.url}/applications/x/jobs/y/overview`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="root">');
    const unknown = await fetch(`${h.serve.url}/v1.0/nothing/here`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe(
      'Request_ResourceNotFound',
    );
    const missing = await fetch(`${h.serve.url}/assets/missing.js`);
    expect(missing.status).toBe(404);
  });

  it('refuses a wrong password with the reason, then signs the administrator in', async () => {
    await page.goto(`${h.serve.url}/logs`);
    await page.waitForURL('**/signin?returnTo=%2Flogs');
    await page.getByLabel('Username').waitFor();
    await expectAccessible(page, 'Sign in');
    await screenshot(page, 'sign-in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Sign-in failed' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('The user name or password is not right');
    await page.getByLabel('Password').fill('console-test-Passw0rd!');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('signed-in-user').filter({ hasText: 'admin' }).waitFor();
    expect(await page.getByTestId('signed-in-role').textContent()).toBe('Administrator');
    expect(new URL(page.url()).pathname).toBe('/logs');
    await expectAccessible(page, 'the shell');
  });

  it('keeps the session across a reload and ends it on Sign out', async () => {
    await page.reload();
    await page.getByTestId('signed-in-user').filter({ hasText: 'admin' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/signin');
    await page.goto(`${h.serve.url}/access`);
    await page.waitForURL((url) => url.pathname === '/signin');
    await page.getByLabel('Username').waitFor();
  });

  it('works on a phone-sized viewport', async () => {
    const phone = await h.newPage('phone');
    await h.signInAsAdmin(phone);
    await phone.getByRole('navigation', { name: 'Console' }).waitFor();
    await expectAccessible(phone, 'the shell on a phone');
  });
});

describeInBrowser('console: sign in with Microsoft', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsoleHarness({ microsoft: true });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('signs an Entra user in through the Entra emulator with the role of their app role', async () => {
    const page = await h.newPage();
    await page.goto(h.serve.url);
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).waitFor();
    await expectAccessible(page, 'Sign in with Microsoft');
    const reader = await h.microsoftUser('Reader');
    await h.signInWithMicrosoft(page, reader);
    expect(await page.getByTestId('signed-in-user').textContent()).toBe('Console Reader 1');
    expect(await page.getByTestId('signed-in-role').textContent()).toBe('Reader');
    // Access is for administrators: not offered to a Reader.
    expect(await page.getByRole('link', { name: 'Access' }).count()).toBe(0);
  });
});
