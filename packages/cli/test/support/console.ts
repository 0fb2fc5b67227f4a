/**
 * The admin console in a real browser (docs/console.md#tests): Debian's Chromium driven by
 * playwright-core, against `provisio serve` (in-process, as the command starts it, serving the built
 * console) and both emulators. Tests sign in as people do, through the pages; `expectAccessible`
 * runs axe-core on the page; `screenshot` writes docs/console/<name>.png when PROVISIO_SCREENSHOTS=1
 * (`npm run docs:screenshots`), else a temporary file, so that the same code runs every time.
 *
 * Without Chromium (a laptop without `apt-get install chromium`) the browser tests skip with a
 * message; under CI (env CI set) they fail instead, as the PostgreSQL tests do.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createEntraUser, type JobHarness, startJobHarness } from './provisioning.js';
import { freePort, type ServeHarness, startServeHarness } from './serve.js';

export const chromiumPath = process.env['PROVISIO_CHROMIUM'] ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(chromiumPath);

/** `describe` for browser tests: skipped (with the reason) without Chromium, failing under CI. */
export function describeInBrowser(name: string, body: () => void): void {
  if (chromiumAvailable) {
    describe(name, body);
    return;
  }
  if (process.env['CI']) {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(
          `Chromium is not at ${chromiumPath}: install Debian's chromium package (.ci/run does).`,
        );
      });
    });
    return;
  }
  console.warn(`[${name}] skipped: Chromium is not at ${chromiumPath} (apt-get install chromium)`);
  describe.skip(name, body);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** The viewports the console must work at (issue: 1280×800 and a phone). */
export const viewports = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

export const ADMIN_PASSWORD = 'console-test-Passw0rd!';

export interface ConsoleHarness {
  readonly serve: ServeHarness;
  readonly job: JobHarness;
  readonly browser: Browser;
  /** The Zendesk enterprise application's service principal id in the Entra emulator. */
  readonly spId: string;
  /** A new browser context (its own cookies) and page at `viewport`. */
  newPage(viewport?: keyof typeof viewports): Promise<Page>;
  /** Opens the console and signs in as the local administrator through the sign-in page. */
  signInAsAdmin(page: Page): Promise<void>;
  /** The secrets that make a job of the emulators, as `PUT …/synchronization/secrets` takes them. */
  emulatorSecrets(): { key: string; value: string }[];
  /** Creates a configured (stopped) job through the API, as the console would; its id. */
  createJob(options?: { start?: boolean; interval?: string }): Promise<string>;
  /**
   * With `microsoft: true`: a new Entra user (in the emulator) granted provisio's app role `role`,
   * who can "Sign in with Microsoft".
   */
  microsoftUser(role: 'Administrator' | 'Operator' | 'Reader'): Promise<{ upn: string; password: string }>;
  /** Signs `user` in through "Sign in with Microsoft" and the Entra emulator's sign-in form. */
  signInWithMicrosoft(page: Page, user: { upn: string; password: string }): Promise<void>;
  close(): Promise<void>;
}

/** provisio's app roles on its app registration, as docs/security.md#sign-in-with-microsoft sets them up. */
const provisioAppRoles = {
  Administrator: '7a1e0c9d-2b3f-4d5e-8f60-000000000001',
  Operator: '7a1e0c9d-2b3f-4d5e-8f60-000000000002',
  Reader: '7a1e0c9d-2b3f-4d5e-8f60-000000000003',
} as const;

export async function startConsoleHarness(
  options: {
    serveEnv?: Record<string, string>;
    job?: Parameters<typeof startJobHarness>[0];
    /** Sign in with Microsoft through the Entra emulator (provisio's app registration = the emulator's client). */
    microsoft?: boolean;
    /** Single sign-on to Zendesk: the job's app registration accepts the bridge's redirect URI. */
    sso?: boolean;
  } = {},
): Promise<ConsoleHarness> {
  // Entra ignores the port of a loopback redirect URI; the path must match.
  const redirectUris = [
    ...(options.microsoft ? ['http://127.0.0.1/provisio/v1/auth/oidc/callback'] : []),
    ...(options.sso ? ['http://127.0.0.1/sso/zendesk/callback'] : []),
  ];
  const job = await startJobHarness({
    ...options.job,
    ...(redirectUris.length > 0 ? { entra: { redirectUris, ...options.job?.entra } } : {}),
  });
  let oidcEnv: Record<string, string> = {};
  let caDir: string | undefined;
  let provisioSpId = '';
  if (options.microsoft) {
    const { emulator } = job.entra;
    const application = await job.entra.admin.get(`/v1.0/applications(appId='${emulator.clientId}')`);
    const patched = await job.entra.admin.patch(`/v1.0/applications/${application.body.id}`, {
      identifierUris: [`api://${emulator.clientId}`],
      appRoles: Object.entries(provisioAppRoles).map(([role, id]) => ({
        id,
        value: `Provisio.${role}`,
        displayName: `provisio ${role}`,
        description: `provisio's ${role} role`,
        allowedMemberTypes: ['User', 'Application'],
        isEnabled: true,
      })),
    });
    expect(patched.status).toBe(204);
    provisioSpId = (await job.entra.admin.get(`/v1.0/servicePrincipals(appId='${emulator.clientId}')`)).body
      .id;
    caDir = await mkdtemp(join(tmpdir(), 'provisio-console-ca-'));
    const caFile = join(caDir, 'entra-ca.pem');
    await writeFile(caFile, emulator.certificatePem);
    oidcEnv = {
      PROVISIO_OIDC_TENANT_ID: emulator.tenantId,
      PROVISIO_OIDC_CLIENT_ID: emulator.clientId,
      PROVISIO_OIDC_CLIENT_SECRET: emulator.clientSecret,
      PROVISIO_OIDC_AUTHORITY_HOST: emulator.url,
      PROVISIO_OIDC_CA_FILE: caFile,
    };
  }
  const serve = await startServeHarness({
    allowCustomEndpoints: true,
    // The sign-in redirect URIs are the public URL's: a fixed port, known before start.
    ...(redirectUris.length > 0 ? { port: await freePort() } : {}),
    env: { PROVISIO_ADMIN_PASSWORD: ADMIN_PASSWORD, ...oidcEnv, ...options.serveEnv },
  });
  let people = 0;
  const browser = await launchBrowser();
  const contexts: BrowserContext[] = [];
  const spId = job.servicePrincipalId;
  const base = `/v1.0/servicePrincipals/${spId}/synchronization`;
  const emulatorSecrets = () => [
    { key: 'UserName', value: job.zendesk.emulator.adminEmail },
    { key: 'SecretToken', value: job.zendesk.emulator.apiToken },
    { key: 'Domain', value: job.zendesk.emulator.settings.subdomain },
    { key: 'BaseAddress', value: job.zendesk.emulator.url },
    { key: 'EntraTenantId', value: job.entra.emulator.tenantId },
    { key: 'EntraClientId', value: job.entra.emulator.clientId },
    { key: 'EntraClientSecret', value: job.entra.emulator.clientSecret },
    { key: 'EntraAuthorityHost', value: job.entra.emulator.url },
    { key: 'EntraGraphBaseUrl', value: job.entra.emulator.url },
    { key: 'EntraCaCertificate', value: job.entra.emulator.certificatePem },
  ];
  return {
    serve,
    job,
    browser,
    spId,
    async newPage(viewport = 'desktop') {
      // The Entra emulator's certificate is its own (loopback only).
      const context = await browser.newContext({
        viewport: viewports[viewport],
        acceptDownloads: true,
        ignoreHTTPSErrors: true,
      });
      contexts.push(context);
      // Waits (locators, navigations) give up after 15 s, inside the tests' own 30 s.
      context.setDefaultTimeout(15_000);
      return context.newPage();
    },
    async signInAsAdmin(page) {
      await page.goto(serve.url);
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByTestId('signed-in-user').filter({ hasText: 'admin' }).waitFor();
    },
    emulatorSecrets,
    async createJob(jobOptions = {}) {
      const created = await serve.call(`${base}/jobs`, {
        method: 'POST',
        json: { templateId: 'zendesk', schedule: { interval: jobOptions.interval ?? 'PT2S' } },
      });
      expect(created.status, await created.clone().text()).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const saved = await serve.call(`${base}/secrets`, {
        method: 'PUT',
        json: { value: emulatorSecrets() },
      });
      expect(saved.status, await saved.clone().text()).toBe(204);
      if (jobOptions.start === true) {
        const started = await serve.call(`${base}/jobs/${id}/start`, { method: 'POST' });
        expect(started.status).toBe(204);
      }
      return id;
    },
    async microsoftUser(role) {
      if (!options.microsoft) throw new Error('startConsoleHarness({ microsoft: true }) first');
      people += 1;
      const nick = `console${role.toLowerCase()}${people}`;
      const password = `Console-${role}-Passw0rd-${people}`;
      const id = await createEntraUser(job, nick, {
        displayName: `Console ${role} ${people}`,
        passwordProfile: { password, forceChangePasswordNextSignIn: false },
      });
      const granted = await job.entra.admin.post(
        `/v1.0/servicePrincipals/${provisioSpId}/appRoleAssignedTo`,
        {
          principalId: id,
          resourceId: provisioSpId,
          appRoleId: provisioAppRoles[role],
        },
      );
      expect(granted.status).toBe(201);
      return { upn: `${nick}@provisio-demo.onmicrosoft.com`, password };
    },
    async signInWithMicrosoft(page, user) {
      await page.goto(`${serve.url}/signin`);
      await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
      await page.getByLabel('Email, phone, or Skype').fill(user.upn);
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${serve.url}/**`);
      await page.getByTestId('signed-in-user').waitFor();
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close().catch(() => {});
      await serve.close();
      await job.close();
      if (caDir !== undefined) await rm(caDir, { recursive: true, force: true });
    },
  };
}

/**
 * axe-core on the page as it is now: no serious or critical violation (docs/console.md#accessibility).
 * Fluent's focus management (Tabster) puts `<i data-tabster-dummy aria-hidden tabindex=0 role=none>`
 * sentinels at the edges of the body and of dialogs once a Dialog or Drawer is used: they pass focus
 * on at once and hold no content, so they are left out of the check (a known false positive of
 * aria-hidden-focus: https://github.com/microsoft/tabster/issues/288).
 */
/** What `expectAccessible` reads of the page's document (the tests are type-checked without the DOM library). */
interface PageDocument {
  getAnimations(): { playState: string; effect: { getComputedTiming(): { iterations?: number } } | null }[];
  querySelector(selector: string): unknown;
  getElementById(id: string): { hasAttribute(name: string): boolean } | null;
}

export async function expectAccessible(page: Page, where: string): Promise<void> {
  // A modal that just closed gives the page back (removes aria-hidden from #root) once its exit
  // animation (Fluent's motion runs on the Web Animations API) has ended: check the page when no
  // animation runs any more and, unless a modal is open, the page is back.
  await page.waitForFunction(() => {
    const document = (globalThis as unknown as { document: PageDocument }).document;
    const settled = document
      .getAnimations()
      .every(
        (a) =>
          a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Number.POSITIVE_INFINITY,
      );
    const modalOpen = document.querySelector('[role="dialog"], [role="alertdialog"]') !== null;
    return settled && (modalOpen || !document.getElementById('root')?.hasAttribute('aria-hidden'));
  });
  const results = await new AxeBuilder({ page }).exclude('[data-tabster-dummy]').analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const described = serious.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`,
  );
  expect(described, `accessibility violations on ${where}`).toEqual([]);
}

const docsDir = fileURLToPath(new URL('../../../../docs/console/', import.meta.url));
let scratch: string | undefined;

/**
 * A screenshot of the page: docs/console/<name>.png with PROVISIO_SCREENSHOTS=1 (the pictures in
 * docs/console.md are these), else a temporary file. Returns the file written.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  let dir: string;
  if (process.env['PROVISIO_SCREENSHOTS'] === '1') {
    dir = docsDir;
    await mkdir(dir, { recursive: true });
  } else {
    scratch ??= await mkdtemp(join(tmpdir(), 'provisio-screens-'));
    dir = scratch;
  }
  const file = join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
