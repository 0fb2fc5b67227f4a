/**
 * Sign in with Microsoft and Entra access tokens, over real HTTP against the Entra emulator
 * (docs/security.md#sign-in-with-microsoft, #entra-access-tokens). The browser is played by fetch
 * following each redirect by hand: provisio's signin → Entra's authorize (its sign-in form) →
 * provisio's callback → a console session. The emulator's provisioning app registration doubles as
 * provisio's own (app roles Provisio.Administrator/Operator/Reader, App ID URI api://<client id>),
 * and its administration app is the automation client granted Provisio.Operator.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@provisio/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminCredentials,
  appToken,
  type EntraHarness,
  httpsCall,
  startEntraHarness,
  tokenRequest,
} from '../../emulators/test/support/entra.js';
// The role checks of Operator and Administrator routes run on an app built from the server's sources,
// with two routes of its own: the same hook and authenticator as `serve`.
import { entraTokenAuthenticator as entraTokensFromSource } from '../../server/src/auth/entra-tokens.js';
import {
  createEntraOidc as createEntraOidcFromSource,
  type EntraOidc,
  loadOidcSettings as loadOidcSettingsFromSource,
} from '../../server/src/auth/oidc.js';
import { type ApiApp, createApp } from '../../server/src/http/app.js';
import { createMetrics } from '../../server/src/metrics.js';
import { freePort, type ServeHarness, startServeHarness } from './support/serve.js';

const roleIds = {
  Administrator: '7a1e0c9d-2b3f-4d5e-8f60-000000000001',
  Operator: '7a1e0c9d-2b3f-4d5e-8f60-000000000002',
  Reader: '7a1e0c9d-2b3f-4d5e-8f60-000000000003',
};
const ada = { upn: 'ada@provisio-demo.onmicrosoft.com', password: 'Correct-Horse-1' };
const bob = { upn: 'bob@provisio-demo.onmicrosoft.com', password: 'Correct-Horse-2' };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let entra: EntraHarness;
let serve: ServeHarness;
let dir: string;
let oidcEnv: Record<string, string>;

beforeAll(async () => {
  entra = await startEntraHarness({
    // Entra ignores the port of a loopback redirect URI; the path must match.
    redirectUris: ['http://127.0.0.1/provisio/v1/auth/oidc/callback'],
    seed: {
      users: [
        { userPrincipalName: ada.upn, displayName: 'Ada Lovelace', password: ada.password },
        { userPrincipalName: bob.upn, displayName: 'Bob Nobody', password: bob.password },
      ],
    },
  });
  const { emulator } = entra;
  // provisio's app registration, as docs/security.md tells an Entra administrator to set it up.
  const application = await entra.admin.get(`/v1.0/applications(appId='${emulator.clientId}')`);
  const patched = await entra.admin.patch(`/v1.0/applications/${application.body.id}`, {
    identifierUris: [`api://${emulator.clientId}`],
    appRoles: Object.entries(roleIds).map(([role, id]) => ({
      id,
      value: `Provisio.${role}`,
      displayName: `provisio ${role}`,
      description: `provisio's ${role} role`,
      allowedMemberTypes: ['User', 'Application'],
      isEnabled: true,
    })),
  });
  expect(patched.status).toBe(204);
  const sp = (await entra.admin.get(`/v1.0/servicePrincipals(appId='${emulator.clientId}')`)).body;
  const grant = async (principalId: string, appRoleId: string) => {
    const answer = await entra.admin.post(`/v1.0/servicePrincipals/${sp.id}/appRoleAssignedTo`, {
      principalId,
      resourceId: sp.id,
      appRoleId,
    });
    expect(answer.status).toBe(201);
  };
  await grant(emulator.store.liveUser(ada.upn)?.id ?? '', roleIds.Reader);
  const automation = await entra.admin.get(`/v1.0/servicePrincipals(appId='${emulator.adminClientId}')`);
  await grant(automation.body.id, roleIds.Operator);

  dir = await mkdtemp(join(tmpdir(), 'provisio-oidc-'));
  const caFile = join(dir, 'entra-ca.pem');
  await writeFile(caFile, emulator.certificatePem);
  oidcEnv = {
    PROVISIO_OIDC_TENANT_ID: emulator.tenantId,
    PROVISIO_OIDC_CLIENT_ID: emulator.clientId,
    PROVISIO_OIDC_CLIENT_SECRET: emulator.clientSecret,
    PROVISIO_OIDC_AUTHORITY_HOST: emulator.url,
    PROVISIO_OIDC_CA_FILE: caFile,
  };
  serve = await startServeHarness({
    port: await freePort(),
    env: oidcEnv,
  });
});
afterAll(async () => {
  await serve?.close();
  await entra?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** One Set-Cookie of a response, as `name=value`, with its attributes. */
function cookieOf(response: Response, name: string): { pair: string; attributes: string } | null {
  for (const line of response.headers.getSetCookie()) {
    if (!line.startsWith(`${name}=`)) continue;
    const [pair = '', ...attributes] = line.split(';');
    return { pair, attributes: attributes.join(';') };
  }
  return null;
}

interface SignIn {
  /** The callback URL Entra sent the browser to, and the transaction cookie to send with it. */
  callback: URL;
  cookie: string;
}

/**
 * Signs `user` in at Entra through provisio's signin: the emulator's sign-in form is filled with the
 * authorize request's own parameters (what a browser posts), after `tamper` may change them.
 */
async function signInAtEntra(
  user: { upn: string; password: string },
  tamper: (params: URLSearchParams) => void = () => {},
): Promise<SignIn> {
  const start = await fetch(`${serve.url}/provisio/v1/auth/oidc/signin?returnTo=/metrics`, {
    redirect: 'manual',
  });
  expect(start.status).toBe(302);
  const transaction = cookieOf(start, 'provisio_oidc');
  expect(transaction).not.toBeNull();
  const authorize = new URL(start.headers.get('location') ?? '');
  const { emulator } = entra;
  const page = await httpsCall(emulator.certificatePem, 'GET', authorize.href);
  expect(page.status).toBe(200);
  expect(page.text).toContain('<form method="post">');
  const params = new URLSearchParams(authorize.searchParams);
  tamper(params);
  params.set('username', user.upn);
  params.set('password', user.password);
  const posted = await httpsCall(
    emulator.certificatePem,
    'POST',
    `${authorize.origin}${authorize.pathname}`,
    {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: params.toString(),
    },
  );
  expect(posted.status).toBe(302);
  return { callback: new URL(posted.headers['location'] ?? ''), cookie: transaction?.pair ?? '' };
}

const callback = (signIn: SignIn, headers: Record<string, string> = {}) =>
  fetch(signIn.callback, { redirect: 'manual', headers: { cookie: signIn.cookie, ...headers } });

const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; message: string } }).error;

describe('sign in with Microsoft', () => {
  it('sends the browser to Entra with PKCE, state and nonce, and keeps them in an HTTP-only cookie', async () => {
    const start = await fetch(`${serve.url}/provisio/v1/auth/oidc/signin`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const location = new URL(start.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(
      `${entra.emulator.url}/${entra.emulator.tenantId}/oauth2/v2.0/authorize`,
    );
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      client_id: entra.emulator.clientId,
      response_type: 'code',
      redirect_uri: `${serve.url}/provisio/v1/auth/oidc/callback`,
      code_challenge_method: 'S256',
    });
    for (const name of ['state', 'nonce', 'code_challenge'])
      expect(location.searchParams.get(name)?.length ?? 0).toBeGreaterThanOrEqual(43);
    const cookie = cookieOf(start, 'provisio_oidc');
    expect(cookie?.attributes).toMatch(/HttpOnly/i);
    expect(cookie?.attributes).toMatch(/SameSite=Lax/i);
    expect(cookie?.attributes).toMatch(/Path=\/provisio\/v1\/auth\/oidc/);
    // The cookie is sealed: the PKCE verifier and the nonce do not show.
    expect(cookie?.pair).not.toContain(location.searchParams.get('nonce') ?? 'x');
  });

  it('signs a user with an app role in: a console session that reads Reader routes', async () => {
    const signIn = await signInAtEntra(ada);
    expect(`${signIn.callback.origin}${signIn.callback.pathname}`).toBe(
      `${serve.url}/provisio/v1/auth/oidc/callback`,
    );
    const done = await callback(signIn);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/metrics');
    const session = cookieOf(done, 'provisio_session');
    expect(session).not.toBeNull();
    // The transaction cookie is spent.
    expect(cookieOf(done, 'provisio_oidc')?.attributes).toMatch(/Expires=Thu, 01 Jan 1970/i);

    const metrics = await fetch(`${serve.url}/metrics`, { headers: { cookie: session?.pair ?? '' } });
    expect(metrics.status).toBe(200);
    const id = session?.pair.split('=')[1] ?? '';
    const stored = await serve.running.store.getSession(sha256(id));
    expect(stored).toMatchObject({
      subject: entra.emulator.store.liveUser(ada.upn)?.id,
      displayName: 'Ada Lovelace',
      role: 'Reader',
      method: 'oidc',
    });
    // The same code cannot be redeemed twice.
    const replay = await callback(signIn);
    expect(replay.status).toBe(400);
    // No credential reaches a log line: the client secret, the session id, the sealed transaction,
    // the authorization code (the callback's URL is logged with its code and state redacted).
    const logs = serve.logs();
    expect(logs).toContain('signed in with Microsoft');
    expect(logs).toContain('/provisio/v1/auth/oidc/callback?');
    const code = signIn.callback.searchParams.get('code') ?? 'x';
    for (const secret of [entra.emulator.clientSecret, id, signIn.cookie.split('=')[1] ?? 'x', code])
      expect(logs).not.toContain(secret);
  });

  it('refuses a user without a provisio app role, saying which roles to assign', async () => {
    const signIn = await signInAtEntra(bob);
    const refused = await callback(signIn);
    expect(refused.status).toBe(403);
    expect(cookieOf(refused, 'provisio_session')).toBeNull();
    const error = await errorOf(refused);
    expect(error.code).toBe('Authorization_RequestDenied');
    expect(error.message).toContain('Bob Nobody');
    expect(error.message).toContain('Provisio.Reader');
    // A browser gets a page saying the same, with a way to try again.
    const page = await callback(await signInAtEntra(bob), { accept: 'text/html' });
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('holds no provisio app role');
    expect(html).toContain('href="/provisio/v1/auth/oidc/signin"');
  });

  it('refuses a tampered state, a tampered nonce and a callback without its cookie', async () => {
    const signIn = await signInAtEntra(ada);
    const tamperedState = new URL(signIn.callback);
    tamperedState.searchParams.set('state', 'forged-state');
    const state = await callback({ ...signIn, callback: tamperedState });
    expect(state.status).toBe(400);
    expect((await errorOf(state)).message).toMatch(/state/i);
    expect(cookieOf(state, 'provisio_session')).toBeNull();

    // The nonce Entra puts in the ID token is not the one provisio sent.
    const nonce = await callback(await signInAtEntra(ada, (params) => params.set('nonce', 'forged-nonce')));
    expect(nonce.status).toBe(400);
    expect((await errorOf(nonce)).message).toMatch(/nonce/i);
    expect(cookieOf(nonce, 'provisio_session')).toBeNull();

    const noCookie = await fetch((await signInAtEntra(ada)).callback, { redirect: 'manual' });
    expect(noCookie.status).toBe(400);
    expect((await errorOf(noCookie)).message).toContain('sign in again');
  });

  it('answers Entra’s own refusal on the callback with its description', async () => {
    const signIn = await signInAtEntra(ada);
    const denied = new URL(signIn.callback);
    denied.search = new URLSearchParams({
      error: 'access_denied',
      error_description: 'AADSTS50105: The signed in user is not assigned to a role for the application.',
      state: signIn.callback.searchParams.get('state') ?? '',
    }).toString();
    const answer = await callback({ ...signIn, callback: denied });
    expect(answer.status).toBe(403);
    expect((await errorOf(answer)).message).toContain('AADSTS50105');
  });
});

/** An ID token for provisio, from Entra's code flow driven directly (no provisio in between). */
async function idTokenOf(user: { upn: string; password: string }): Promise<string> {
  const { emulator } = entra;
  const redirectUri = `${serve.url}/provisio/v1/auth/oidc/callback`;
  const signedIn = await httpsCall(
    emulator.certificatePem,
    'POST',
    `${emulator.url}/${emulator.tenantId}/oauth2/v2.0/authorize`,
    {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: emulator.clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: 'openid',
        username: user.upn,
        password: user.password,
      }).toString(),
    },
  );
  const code = new URL(signedIn.headers['location'] ?? '').searchParams.get('code') ?? '';
  const tokens = await tokenRequest(emulator, {
    grant_type: 'authorization_code',
    client_id: emulator.clientId,
    client_secret: emulator.clientSecret,
    code,
    redirect_uri: redirectUri,
  });
  expect(tokens.status).toBe(200);
  return tokens.body.id_token as string;
}

const operatorToken = async (scope = `api://${entra.emulator.clientId}/.default`) => {
  const answer = await tokenRequest(entra.emulator, {
    grant_type: 'client_credentials',
    client_id: adminCredentials(entra.emulator).clientId,
    client_secret: adminCredentials(entra.emulator).clientSecret,
    scope,
  });
  expect(answer.status).toBe(200);
  return answer.body.access_token as string;
};

describe('Entra access tokens', () => {
  let app: ApiApp;
  let appUrl: string;
  let oidc: EntraOidc;
  beforeAll(async () => {
    const settings = await loadOidcSettingsFromSource(oidcEnv, { allowCustomEndpoints: true });
    if (settings === null) throw new Error('OIDC settings expected');
    oidc = await createEntraOidcFromSource(settings);
    const metrics = createMetrics();
    app = await createApp({
      logger: serve.running.logger,
      clock: systemClock,
      metrics,
      version: 'test',
      authenticators: [entraTokensFromSource(oidc, systemClock)],
    });
    app.get('/operator', { config: { access: 'Operator' } }, async () => ({ ok: true }));
    app.get('/administrator', { config: { access: 'Administrator' } }, async () => ({ ok: true }));
    appUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await oidc?.close();
  });

  it('lets a client granted Provisio.Operator call Operator routes, and not Administrator ones', async () => {
    const token = await operatorToken();
    const metrics = await serve.call('/metrics', { token });
    expect(metrics.status).toBe(200);
    const asOperator = await fetch(`${appUrl}/operator`, { headers: { authorization: `Bearer ${token}` } });
    expect(asOperator.status).toBe(200);
    const asAdministrator = await fetch(`${appUrl}/administrator`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(asAdministrator.status).toBe(403);
    expect((await errorOf(asAdministrator)).message).toContain('needs the Administrator role');
    // The application id as the audience works too (v1.0 tokens name the resource as requested).
    const byAppId = await serve.call('/metrics', {
      token: await operatorToken(`${entra.emulator.clientId}/.default`),
    });
    expect(byAppId.status).toBe(200);
    expect(serve.logs()).toContain(`"principal":"app:${entra.emulator.adminClientId}"`);
  });

  it('refuses a client without a provisio app role (403)', async () => {
    const answer = await tokenRequest(entra.emulator, {
      grant_type: 'client_credentials',
      client_id: entra.emulator.clientId,
      client_secret: entra.emulator.clientSecret,
      scope: `api://${entra.emulator.clientId}/.default`,
    });
    const refused = await serve.call('/metrics', { token: answer.body.access_token });
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).message).toContain('Provisio.Operator');
  });

  it('refuses a token for another audience (401)', async () => {
    const graphToken = await appToken(entra.emulator, adminCredentials(entra.emulator));
    const refused = await serve.call('/metrics', { token: graphToken });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('Bearer');
    const error = await errorOf(refused);
    expect(error.code).toBe('InvalidAuthenticationToken');
    expect(error.message).toContain('https://graph.microsoft.com');
  });

  it('refuses an expired token (401), an ID token (401) and a token signed by someone else (401)', async () => {
    // The emulator's clock two hours back: the token it issues expired an hour ago.
    const config = await httpsCall(
      entra.emulator.certificatePem,
      'PUT',
      `${entra.emulator.url}/__emulator/config`,
      {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clockOffsetMs: -2 * 3600_000 }),
      },
    );
    expect(config.status).toBe(200);
    let expired: string;
    try {
      expired = await operatorToken();
    } finally {
      await httpsCall(entra.emulator.certificatePem, 'PUT', `${entra.emulator.url}/__emulator/config`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clockOffsetMs: 0 }),
      });
    }
    const refused = await serve.call('/metrics', { token: expired });
    expect(refused.status).toBe(401);
    expect((await errorOf(refused)).message).toContain('expired');

    // An ID token has provisio's audience and issuer, but it is not an access token.
    const idToken = await idTokenOf(ada);
    const notAccess = await serve.call('/metrics', { token: idToken });
    expect(notAccess.status).toBe(401);
    expect((await errorOf(notAccess)).message).toContain('not an access token');

    const [header, payload] = (await operatorToken()).split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    const forgedAnswer = await serve.call('/metrics', { token: forged });
    expect(forgedAnswer.status).toBe(401);
    expect((await errorOf(forgedAnswer)).message).toContain('signature');
  });
});

describe('sign in with Microsoft, not configured', () => {
  it('answers its routes with 404 saying how to enable it, and JWTs with 401', async () => {
    const plain = await startServeHarness();
    try {
      const answer = await fetch(`${plain.url}/provisio/v1/auth/oidc/signin`, { redirect: 'manual' });
      expect(answer.status).toBe(404);
      expect((await errorOf(answer)).message).toContain('PROVISIO_OIDC_TENANT_ID');
      const jwt = await plain.call('/metrics', { token: await operatorToken() });
      expect(jwt.status).toBe(401);
    } finally {
      await plain.close();
    }
  });

  it('fails start-up naming each wrong variable', async () => {
    await expect(
      startServeHarness({
        env: {
          PROVISIO_OIDC_TENANT_ID: 'contoso',
          PROVISIO_OIDC_AUTHORITY_HOST: 'https://login.example.com',
        },
        allowCustomEndpoints: false,
      }),
    ).rejects.toThrow(
      /PROVISIO_OIDC_TENANT_ID: must be the Directory \(tenant\) ID[\s\S]*PROVISIO_OIDC_CLIENT_ID: is required/,
    );
  });
});
