/**
 * provisio's single sign-on bridge to Zendesk over real HTTP (docs/single-sign-on.md), the browser
 * played by fetch following each redirect by hand: Zendesk's remote login URL on provisio → the
 * Entra emulator's sign-in form (the job's own app registration) → provisio's callback → the page
 * that posts the token to Zendesk's /access/jwt. The token is checked with the shared secret as
 * Zendesk would; the browser tests (console-sso-signin) take it on to the Zendesk emulator.
 */
import { decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsCall } from '../../emulators/test/support/entra.js';
import {
  assign,
  createEntraUser,
  type JobHarness,
  patchUser,
  roleIds,
  startJobHarness,
  tenantDomain,
  unassign,
  zendeskUsers,
} from './support/provisioning.js';
import { freePort, type ServeHarness, startServeHarness } from './support/serve.js';

const SECRET = 'zendesk-shared-secret-0123456789abcdefghijklmnopqrstuv';
const NEXT_SECRET = 'Q7next-shared-secret-ZYXWVUTSRQPONMLKJIHGFEDCBA987654';
const PASSWORD = 'Sso-Passw0rd-123456';

let job: JobHarness;
let serve: ServeHarness;
let jobId: string;
let admin: string;
let people = 0;

beforeAll(async () => {
  job = await startJobHarness({
    // Entra ignores the port of a loopback redirect URI; the path must match.
    entra: { redirectUris: ['http://127.0.0.1/sso/zendesk/callback'] },
  });
  serve = await startServeHarness({ port: await freePort() });
  admin = await serve.token('Administrator');
  const base = `/v1.0/servicePrincipals/${job.servicePrincipalId}/synchronization`;
  const created = await serve.call(`${base}/jobs`, {
    method: 'POST',
    token: admin,
    json: { templateId: 'zendesk', schedule: { interval: 'PT1H' } },
  });
  expect(created.status).toBe(201);
  jobId = ((await created.json()) as { id: string }).id;
  const { entra, zendesk } = job;
  const saved = await serve.call(`${base}/secrets`, {
    method: 'PUT',
    token: admin,
    json: {
      value: [
        { key: 'UserName', value: zendesk.emulator.adminEmail },
        { key: 'SecretToken', value: zendesk.emulator.apiToken },
        { key: 'Domain', value: zendesk.emulator.settings.subdomain },
        { key: 'BaseAddress', value: zendesk.emulator.url },
        { key: 'EntraTenantId', value: entra.emulator.tenantId },
        { key: 'EntraClientId', value: entra.emulator.clientId },
        { key: 'EntraClientSecret', value: entra.emulator.clientSecret },
        { key: 'EntraAuthorityHost', value: entra.emulator.url },
        { key: 'EntraGraphBaseUrl', value: entra.emulator.url },
        { key: 'EntraCaCertificate', value: entra.emulator.certificatePem },
      ],
    },
  });
  expect(saved.status, await saved.clone().text()).toBe(204);
}, 60_000);

afterAll(async () => {
  await serve?.close();
  await job?.close();
});

const sso = (init: RequestInit & { json?: unknown; token?: string | null } = {}) =>
  serve.call(`/provisio/v1/jobs/${jobId}/singleSignOn`, { token: admin, ...init });

/** A new Entra user who can sign in, assigned `role` on the Zendesk application (or not). */
async function person(role: keyof typeof roleIds | null) {
  people += 1;
  const nick = `sso${people}`;
  const id = await createEntraUser(job, nick, {
    displayName: `Sso Person ${people}`,
    passwordProfile: { password: PASSWORD, forceChangePasswordNextSignIn: false },
  });
  const assignment = role === null ? null : await assign(job, id, roleIds[role]);
  return { id, upn: `${nick}@${tenantDomain}`, assignment };
}

interface HandOver {
  status: number;
  html: string;
  action: string | null;
  jwt: string | null;
  returnTo: string | null;
  csp: string | null;
}

/** Zendesk sends the person to the remote login URL; they sign in at Entra; provisio answers. */
async function signIn(upn: string, returnTo?: string): Promise<HandOver> {
  const login = `${serve.url}/sso/zendesk/${jobId}/login${returnTo === undefined ? '' : `?return_to=${encodeURIComponent(returnTo)}`}`;
  const start = await fetch(login, { redirect: 'manual' });
  expect(start.status, await start.clone().text()).toBe(302);
  const cookie = start.headers
    .getSetCookie()
    .find((line) => line.startsWith('provisio_sso='))
    ?.split(';')[0];
  expect(cookie).toBeDefined();
  const authorize = new URL(start.headers.get('location') ?? '');
  const params = new URLSearchParams(authorize.searchParams);
  params.set('username', upn);
  params.set('password', PASSWORD);
  const posted = await httpsCall(
    job.entra.emulator.certificatePem,
    'POST',
    `${authorize.origin}${authorize.pathname}`,
    { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: params.toString() },
  );
  expect(posted.status, posted.text).toBe(302);
  const back = await fetch(posted.headers['location'] ?? '', {
    redirect: 'manual',
    headers: { cookie: cookie ?? '' },
  });
  const html = await back.text();
  const field = (name: string) =>
    html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1]?.replace(/&amp;/g, '&') ?? null;
  return {
    status: back.status,
    html,
    action: html.match(/<form id="handover" method="post" action="([^"]+)"/)?.[1] ?? null,
    jwt: field('jwt'),
    returnTo: field('return_to'),
    csp: back.headers.get('content-security-policy'),
  };
}

const zendeskUserCount = async () => (await zendeskUsers(job)).length;

describe('single sign-on settings (admin API)', () => {
  it('shows the URLs to paste, refuses to turn on without a secret, saves it write-only', async () => {
    const before = await sso();
    expect(before.status).toBe(200);
    const off = (await before.json()) as { problems: string[] };
    expect(off).toMatchObject({
      enabled: false,
      ready: false,
      remoteLoginUrl: `${serve.url}/sso/zendesk/${jobId}/login`,
      remoteLogoutUrl: `${serve.url}/sso/zendesk/${jobId}/logout`,
      redirectUri: `${serve.url}/sso/zendesk/callback`,
      zendeskUrl: job.zendesk.emulator.url,
      sharedSecret: { saved: false, hint: null },
    });
    expect(off.problems.join(' ')).toMatch(/off.*SsoEnabled/);

    const refused = await sso({ method: 'PATCH', json: { enabled: true } });
    expect(refused.status).toBe(400);
    const { error } = (await refused.json()) as { error: { details: { target: string }[] } };
    expect(error.details[0]?.target).toBe('sharedSecret');

    const short = await sso({ method: 'PATCH', json: { enabled: true, sharedSecret: 'too-short' } });
    expect(short.status).toBe(400);
    expect(JSON.stringify(await short.json())).toMatch(/too short/);

    const on = await sso({ method: 'PATCH', json: { enabled: true, sharedSecret: SECRET } });
    expect(on.status, await on.clone().text()).toBe(200);
    const body = await on.text();
    expect(body).not.toContain(SECRET);
    expect(JSON.parse(body)).toMatchObject({
      enabled: true,
      ready: true,
      problems: [],
      sharedSecret: { saved: true, hint: `…${SECRET.slice(-4)}` },
      previousSharedSecret: { saved: false },
    });
    expect(serve.logs()).not.toContain(SECRET);
  });

  it('a Reader reads the settings but cannot change them', async () => {
    const reader = await serve.token('Reader');
    expect((await sso({ token: reader })).status).toBe(200);
    expect((await sso({ token: reader, method: 'PATCH', json: { enabled: false } })).status).toBe(403);
  });
});

describe('signing in through the bridge', () => {
  it('provisions an assigned user on demand first, then hands Zendesk a token for that user', async () => {
    const agent = await person('Agent');
    const before = await zendeskUserCount();
    const zendeskHome = job.zendesk.emulator.url;
    const result = await signIn(agent.upn, `${zendeskHome}/agent/tickets/1`);
    expect(result.status, result.html).toBe(200);
    expect(result.action).toBe(`${zendeskHome}/access/jwt`);
    expect(result.returnTo).toBe(`${zendeskHome}/agent/tickets/1`);
    expect(result.csp).toContain(`form-action ${zendeskHome}`);
    expect(result.csp).toMatch(/script-src 'sha256-/);
    // Zendesk checks the token with the shared secret (HS256).
    const { payload, protectedHeader } = await jwtVerify(result.jwt ?? '', new TextEncoder().encode(SECRET));
    expect(protectedHeader).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ email: agent.upn, name: 'Sso Person 1', external_id: agent.id });
    expect(typeof payload.jti).toBe('string');
    expect(Math.abs((payload.iat ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    // Provisioned on demand: one more Zendesk user, an agent, with the link as external_id.
    expect(await zendeskUserCount()).toBe(before + 1);
    const created = (await zendeskUsers(job)).find((u) => u.external_id === agent.id);
    expect(created).toMatchObject({ email: agent.upn, role: 'agent' });

    // Signing in again: the linked user, nothing written, a new jti.
    const again = await signIn(agent.upn);
    expect(again.status).toBe(200);
    expect(again.returnTo).toBeNull();
    const second = decodeJwt(again.jwt ?? '');
    expect(second).toMatchObject({ email: agent.upn, external_id: agent.id });
    expect(second.jti).not.toBe(payload.jti);
    expect(await zendeskUserCount()).toBe(before + 1);
  });

  it('signs a user whose e-mail changed in Entra in to the same Zendesk account', async () => {
    const moved = await person('Agent');
    expect((await signIn(moved.upn)).status).toBe(200);
    const linked = (await zendeskUsers(job)).find((u) => u.external_id === moved.id);
    const count = await zendeskUserCount();
    const renamed = `renamed${people}@${tenantDomain}`;
    await patchUser(job, moved.id, { userPrincipalName: renamed });
    const result = await signIn(renamed);
    expect(result.status, result.html).toBe(200);
    expect(decodeJwt(result.jwt ?? '')).toMatchObject({ email: renamed, external_id: moved.id });
    expect(await zendeskUserCount()).toBe(count);
    const after = (await zendeskUsers(job)).find((u) => u.external_id === moved.id);
    expect(after.id).toBe(linked.id);
    expect(after.email).toBe(renamed);
  });

  it('refuses an unassigned user, writes nothing to Zendesk, and logs the refusal', async () => {
    const stranger = await person(null);
    const count = await zendeskUserCount();
    const result = await signIn(stranger.upn);
    expect(result.status).toBe(403);
    expect(result.jwt).toBeNull();
    expect(result.html).toContain('Sign-in to Zendesk refused');
    expect(result.html).toMatch(/not assigned/i);
    expect(await zendeskUserCount()).toBe(count);
    const logs = await serve.call(
      `/v1.0/auditLogs/provisioning?$filter=${encodeURIComponent(`sourceIdentity/id eq '${stranger.id}'`)}`,
      { token: admin },
    );
    expect(logs.status).toBe(200);
    interface Entry {
      provisioningAction: string;
      initiatedBy: { displayName: string };
      provisioningSteps: { name: string; description: string }[];
    }
    const entries = ((await logs.json()) as { value: Entry[] }).value;
    const refusal = entries.find((e) =>
      e.provisioningSteps.some((s) => s.name === 'Single sign-on' && /refused/.test(s.description)),
    );
    expect(refusal).toBeDefined();
    expect(refusal?.provisioningAction).toBe('other');
    expect(refusal?.initiatedBy.displayName).toContain(stranger.upn);
  });

  it('refuses someone removed from the application at once, without waiting for a cycle', async () => {
    const leaver = await person('Agent');
    expect((await signIn(leaver.upn)).status).toBe(200);
    await unassign(job, leaver.assignment ?? '');
    const result = await signIn(leaver.upn);
    expect(result.status).toBe(403);
    expect(result.jwt).toBeNull();
  });

  it('refuses Default Access only', async () => {
    const defaultOnly = await person('Default Access');
    const result = await signIn(defaultOnly.upn);
    expect(result.status).toBe(403);
    expect(result.jwt).toBeNull();
  });

  it('never sends the person to another site: return_to off the Zendesk account is dropped', async () => {
    const agent = await person('Agent');
    const result = await signIn(agent.upn, 'https://evil.example.com/agent');
    expect(result.status).toBe(200);
    expect(result.returnTo).toBeNull();
  });

  it("says whether the Zendesk account's JWT configuration points at this job", async () => {
    const status = async () =>
      ((await (await sso()).json()) as { zendesk: { status: string; message: string } }).zendesk;
    const configure = async (configurations: Record<string, unknown>[]) => {
      const answer = await job.zendesk.admin.control('PUT', 'sso', { configurations });
      expect(answer.status, answer.text).toBe(200);
    };
    await configure([]);
    expect(await status()).toMatchObject({ status: 'notConfigured' });
    const ours = {
      name: 'provisio',
      sharedSecret: SECRET,
      remoteLoginUrl: `${serve.url}/sso/zendesk/${jobId}/login`,
      teamMembers: true,
      endUsers: false,
      active: true,
    };
    await configure([{ ...ours, remoteLoginUrl: 'https://idp.example.com/zendesk' }]);
    expect(await status()).toMatchObject({ status: 'pointsElsewhere' });
    // Test Connection says it too: an optional check, a warning that does not fail the test.
    const tested = async () => {
      const answer = await serve.call(`/provisio/v1/jobs/${jobId}/testConnection`, {
        method: 'POST',
        token: admin,
        json: {},
      });
      expect(answer.status, await answer.clone().text()).toBe(200);
      const body = (await answer.json()) as {
        succeeded: boolean;
        checks: { system: string; status: string; level: string; message: string }[];
      };
      return { succeeded: body.succeeded, sso: body.checks.find((c) => c.system === 'Single sign-on') };
    };
    expect(await tested()).toMatchObject({
      succeeded: true,
      sso: { status: 'warning', level: 'optional', message: expect.stringContaining('elsewhere') },
    });
    await configure([{ ...ours, active: false }]);
    expect(await status()).toMatchObject({ status: 'inactive' });
    await configure([{ ...ours, sharedSecret: 'a-secret-provisio-does-not-know-0123456789' }]);
    expect(await status()).toMatchObject({ status: 'secretMismatch' });
    await configure([ours]);
    expect(await status()).toMatchObject({
      status: 'pointsHere',
      message: expect.stringContaining('team members'),
    });
    expect(await tested()).toMatchObject({ succeeded: true, sso: { status: 'success' } });
  });

  it('keeps the replaced secret as the previous one when the shared secret changes', async () => {
    const rotated = await sso({ method: 'PATCH', json: { sharedSecret: NEXT_SECRET } });
    expect(rotated.status).toBe(200);
    expect(await rotated.json()).toMatchObject({
      sharedSecret: { saved: true, hint: `…${NEXT_SECRET.slice(-4)}` },
      previousSharedSecret: { saved: true, hint: `…${SECRET.slice(-4)}` },
    });
    const audit = await serve.call(
      `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Update single sign-on'")}`,
      { token: admin },
    );
    expect(audit.status).toBe(200);
    const text = await audit.text();
    expect(text).toContain('SsoSharedSecretPrevious');
    expect(text).not.toContain(NEXT_SECRET);
    expect(text).not.toContain(SECRET);
    // Zendesk still holds the old secret: provisio says so, and signs with it until Zendesk switches.
    const during = (await (await sso()).json()) as { zendesk: { status: string } };
    expect(during.zendesk.status).toBe('rotating');
    const agent = await person('Agent');
    const signed = await signIn(agent.upn);
    expect(signed.status).toBe(200);
    await expect(jwtVerify(signed.jwt ?? '', new TextEncoder().encode(SECRET))).resolves.toBeDefined();
    // Zendesk generates the new secret: provisio signs with it from then on.
    const switched = await job.zendesk.admin.control('PUT', 'sso', {
      configurations: [
        {
          name: 'provisio',
          sharedSecret: NEXT_SECRET,
          remoteLoginUrl: `${serve.url}/sso/zendesk/${jobId}/login`,
          teamMembers: true,
          endUsers: true,
          active: true,
        },
      ],
    });
    expect(switched.status).toBe(200);
    expect(((await (await sso()).json()) as { zendesk: { status: string } }).zendesk.status).toBe(
      'pointsHere',
    );
    const after = await signIn(agent.upn);
    await expect(jwtVerify(after.jwt ?? '', new TextEncoder().encode(NEXT_SECRET))).resolves.toBeDefined();
  });

  it('answers a page saying so when single sign-on is off for the job, and refuses a stale callback', async () => {
    expect((await sso({ method: 'PATCH', json: { enabled: false } })).status).toBe(200);
    const login = await fetch(`${serve.url}/sso/zendesk/${jobId}/login`, { redirect: 'manual' });
    expect(login.status).toBe(404);
    expect(login.headers.get('content-type')).toMatch(/text\/html/);
    expect(await login.text()).toMatch(/not turned on/);
    const unknown = await fetch(`${serve.url}/sso/zendesk/no-such-job/login`, { redirect: 'manual' });
    expect(unknown.status).toBe(404);
    const stale = await fetch(`${serve.url}/sso/zendesk/callback?code=x&state=y`, { redirect: 'manual' });
    expect(stale.status).toBe(400);
    expect(await stale.text()).toMatch(/expired or was started in another browser/);
    expect((await sso({ method: 'PATCH', json: { enabled: true } })).status).toBe(200);
  });
});

describe('unlinking (admin API)', () => {
  it('stops managing one user: sign-in is refused from then on, and the unlink is audited', async () => {
    const agent = await person('Agent');
    expect((await signIn(agent.upn)).status).toBe(200);
    const unlink = (object: string, token = admin) =>
      serve.call(`/provisio/v1/jobs/${jobId}/unlink`, { method: 'POST', token, json: { object } });
    expect((await unlink(agent.upn, await serve.token('Operator'))).status).toBe(403);
    const done = await unlink(agent.upn);
    expect(done.status, await done.clone().text()).toBe(200);
    const zendeskUser = (await zendeskUsers(job)).find((u) => u.external_id === agent.id);
    expect(await done.json()).toMatchObject({
      objectType: 'user',
      sourceId: agent.id,
      targetId: String(zendeskUser.id),
      created: true,
    });
    const again = await unlink(agent.upn);
    expect(again.status).toBe(400);
    expect(
      ((await again.json()) as { error: { details: { target: string }[] } }).error.details[0]?.target,
    ).toBe('object');
    expect((await unlink('nobody@example.com')).status).toBe(400);
    const refused = await signIn(agent.upn);
    expect(refused.status).toBe(403);
    expect(refused.html).toMatch(/unlinked/);
    const audit = await serve.call(
      `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Unlink object'")}`,
      { token: admin },
    );
    expect(await audit.text()).toContain(agent.id);
  });
});
