import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt, importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appToken,
  type EntraHarness,
  GraphClient,
  httpsCall,
  msalAppToken,
  startEntraHarness,
  tokenRequest,
} from './support/entra.js';

let h: EntraHarness;
beforeAll(async () => {
  h = await startEntraHarness({
    seed: {
      users: [
        {
          userPrincipalName: 'ada@provisio-demo.onmicrosoft.com',
          displayName: 'Ada Lovelace',
          mail: 'ada@example.com',
          password: 'Correct-Horse-1',
        },
      ],
      groups: [{ displayName: 'Zendesk Agents', members: ['ada@provisio-demo.onmicrosoft.com'] }],
      assignments: [{ principal: 'group:Zendesk Agents', appRole: 'Agent' }],
    },
  });
});
afterAll(() => h.close());

describe('identity platform', () => {
  it('serves the discovery document and the JWKS', async () => {
    const { emulator } = h;
    const doc = await httpsCall(
      emulator.certificatePem,
      'GET',
      `${emulator.url}/${emulator.tenantId}/v2.0/.well-known/openid-configuration`,
    );
    expect(doc.status).toBe(200);
    expect(doc.body.issuer).toBe(`${emulator.url}/${emulator.tenantId}/v2.0`);
    expect(doc.body.token_endpoint).toBe(`${emulator.url}/${emulator.tenantId}/oauth2/v2.0/token`);
    const keys = await httpsCall(emulator.certificatePem, 'GET', doc.body.jwks_uri);
    expect(keys.body.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
    const byDomain = await httpsCall(
      emulator.certificatePem,
      'GET',
      `${emulator.url}/${emulator.domain}/v2.0/.well-known/openid-configuration`,
    );
    expect(byDomain.status).toBe(200);
    const unknown = await httpsCall(
      emulator.certificatePem,
      'GET',
      `${emulator.url}/contoso.com/v2.0/.well-known/openid-configuration`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error_codes).toEqual([90002]);
  });

  it('issues Graph tokens to msal-node (client credentials)', async () => {
    const { emulator } = h;
    // msalAppToken (test support) configures ConfidentialClientApplication with knownAuthorities,
    // the authority metadata and cloud discovery metadata, and a network client trusting our CA.
    const accessToken = await msalAppToken(emulator);
    const claims = decodeJwt(accessToken);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      tid: emulator.tenantId,
      appid: emulator.clientId,
    });
    expect(claims['roles']).toContain('User.Read.All');
    const users = await new GraphClient(emulator, accessToken).get('/v1.0/users');
    expect(users.status).toBe(200);
  });

  it('answers bad credentials and requests in the identity platform shape', async () => {
    const { emulator } = h;
    const base = {
      grant_type: 'client_credentials',
      client_id: emulator.clientId,
      scope: 'https://graph.microsoft.com/.default',
    };
    const bad = await tokenRequest(emulator, { ...base, client_secret: 'wrong' });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(bad.body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided\./);
    expect(bad.body).toHaveProperty('trace_id');
    expect(bad.body).toHaveProperty('correlation_id');
    const unknownApp = await tokenRequest(emulator, {
      ...base,
      client_id: '11111111-1111-4111-8111-111111111111',
      client_secret: 'x',
    });
    expect(unknownApp.body.error_codes).toEqual([700016]);
    const scope = await tokenRequest(emulator, {
      ...base,
      client_secret: emulator.clientSecret,
      scope: 'User.Read',
    });
    expect(scope.body).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
    const grant = await tokenRequest(emulator, {
      ...base,
      client_secret: emulator.clientSecret,
      grant_type: 'password',
    });
    expect(grant.body).toMatchObject({ error: 'unsupported_grant_type', error_codes: [70003] });
    const basic = await tokenRequest(
      emulator,
      { grant_type: 'client_credentials', scope: base.scope },
      {
        authorization: `Basic ${Buffer.from(`${emulator.clientId}:${emulator.clientSecret}`).toString('base64')}`,
      },
    );
    expect(basic.status).toBe(200);
  });

  it('rejects Graph requests without a valid token (401) or without the permission (403)', async () => {
    const { emulator } = h;
    const none = await new GraphClient(emulator, null).get('/v1.0/users');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('InvalidAuthenticationToken');
    expect(none.body.error.innerError).toHaveProperty('request-id');
    const forged = await new GraphClient(emulator, 'a.b.c').get('/v1.0/users');
    expect(forged.status).toBe(401);
    const denied = await h.graph.post('/v1.0/groups', {
      displayName: 'x',
      mailEnabled: false,
      mailNickname: 'x',
      securityEnabled: true,
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
    });
  });

  it('signs a seeded user in with the authorization-code flow and PKCE', async () => {
    const { emulator } = h;
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    // Registered as http://localhost: Entra ID ignores the port of loopback redirect URIs.
    const redirectUri = 'http://localhost:5173/';
    const params = {
      client_id: emulator.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      state: 'st4te',
      nonce: 'n0nce',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const authorize = `${emulator.url}/${emulator.tenantId}/oauth2/v2.0/authorize`;
    const page = await httpsCall(
      emulator.certificatePem,
      'GET',
      `${authorize}?${new URLSearchParams(params)}`,
    );
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form method="post">');
    const form = (password: string) =>
      httpsCall(emulator.certificatePem, 'POST', authorize, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          ...params,
          username: 'ada@provisio-demo.onmicrosoft.com',
          password,
        }).toString(),
      });
    expect((await form('wrong')).text).toContain('AADSTS50126');
    const signedIn = await form('Correct-Horse-1');
    expect(signedIn.status).toBe(302);
    const location = new URL(signedIn.headers['location'] ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('st4te');
    const code = location.searchParams.get('code') ?? '';

    const redeem = (codeVerifier: string) =>
      tokenRequest(emulator, {
        grant_type: 'authorization_code',
        client_id: emulator.clientId,
        client_secret: emulator.clientSecret,
        code,
        redirect_uri: redirectUri,
        code_verifier: codeVerifier,
      });
    const tokens = await redeem(verifier);
    expect(tokens.status).toBe(200);
    // jose's remote JWKS uses fetch, which cannot be given the CA without undici: read the JWKS over
    // https and verify against its key.
    const keys = await httpsCall(
      emulator.certificatePem,
      'GET',
      `${emulator.url}/${emulator.tenantId}/discovery/v2.0/keys`,
    );
    const key = await importJWK(keys.body.keys[0], 'RS256');
    const { payload } = await jwtVerify(tokens.body.id_token, key, {
      issuer: `${emulator.url}/${emulator.tenantId}/v2.0`,
      audience: emulator.clientId,
    });
    const ada = emulator.store.liveUser('ada@provisio-demo.onmicrosoft.com');
    expect(payload).toMatchObject({
      oid: ada?.id,
      tid: emulator.tenantId,
      preferred_username: 'ada@provisio-demo.onmicrosoft.com',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      nonce: 'n0nce',
    });
    // The user holds no role on provisio itself (the Agent role is on Zendesk).
    expect(payload['roles']).toBeUndefined();
    const again = await redeem(verifier);
    expect(again.body.error_codes).toEqual([54005]);
  });

  it('refuses a code redeemed with the wrong PKCE verifier', async () => {
    const { emulator } = h;
    const params = {
      client_id: emulator.clientId,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:9999/',
      scope: 'openid',
      code_challenge: createHash('sha256').update('right').digest('base64url'),
      code_challenge_method: 'S256',
      username: 'ada@provisio-demo.onmicrosoft.com',
      password: 'Correct-Horse-1',
    };
    const signedIn = await httpsCall(
      emulator.certificatePem,
      'POST',
      `${emulator.url}/${emulator.tenantId}/oauth2/v2.0/authorize`,
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
      },
    );
    const code = new URL(signedIn.headers['location'] ?? '').searchParams.get('code') ?? '';
    const answer = await tokenRequest(emulator, {
      grant_type: 'authorization_code',
      client_id: emulator.clientId,
      client_secret: emulator.clientSecret,
      code,
      redirect_uri: params.redirect_uri,
      code_verifier: 'wrong',
    });
    expect(answer.body).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
  });

  it('limits each app to its request budget with 429 and Retry-After', async () => {
    const { emulator, graph } = h;
    await httpsCall(emulator.certificatePem, 'PUT', `${emulator.url}/__emulator/config`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rateLimits: true, requestsPerWindow: 2 }),
    });
    try {
      expect((await graph.get('/v1.0/users')).status).toBe(200);
      expect((await graph.get('/v1.0/users')).status).toBe(200);
      const limited = await graph.get('/v1.0/users');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.body.error.code).toBe('TooManyRequests');
    } finally {
      await httpsCall(emulator.certificatePem, 'POST', `${emulator.url}/__emulator/reset`, {
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      await httpsCall(emulator.certificatePem, 'PUT', `${emulator.url}/__emulator/config`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rateLimits: false }),
      });
    }
    expect(await appToken(emulator)).toBeTruthy();
  });
});
