import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SignJWT } from 'jose';
import { graphTokenIssuer, originOf } from '../http/app.js';
import type { EntraContext } from '../http/context.js';
import type { EntraStore } from '../model/store.js';
import {
  appRolesOf,
  defaultAccessRoleId,
  grantedPermissions,
  graphAppId,
  graphResource,
} from '../model/tenant.js';
import type { ApplicationRecord, ServicePrincipalRecord, UserRecord } from '../model/types.js';
import {
  badSecret,
  IdentityError,
  invalidGrant,
  invalidScope,
  missingParameter,
  missingScope,
  missingSecret,
  redirectMismatch,
  tenantNotFound,
  unknownClient,
  unknownResource,
  unsupportedGrant,
} from './errors.js';

type Params = Record<string, string>;

function paramsOf(body: unknown): Params {
  const out: Params = {};
  if (body && typeof body === 'object')
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** `{tenant}` in a path may be the tenant id or its domain, as with login.microsoftonline.com. */
function checkTenant(store: EntraStore, tenant: string): void {
  const t = tenant.toLowerCase();
  if (t !== store.tenant.tenantId && t !== store.tenant.domain.toLowerCase()) throw tenantNotFound(tenant);
}

const issuerOf = (origin: string, tenantId: string): string => `${origin}/${tenantId}/v2.0`;

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/** The client from the body (client_id, client_secret) or from HTTP Basic, its secret checked. */
function authenticateClient(store: EntraStore, request: FastifyRequest, params: Params): ApplicationRecord {
  let clientId = params['client_id'];
  let secret = params['client_secret'];
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      // RFC 6749 §2.3.1: both parts are form-url-encoded before Basic encoding.
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    }
  }
  if (clientId === undefined || clientId === '') throw missingParameter('client_id');
  const app = store.applicationByAppId(clientId);
  if (!app || app.deletedDateTime !== null) throw unknownClient(clientId, store.tenant.tenantId);
  if (secret === undefined || secret === '') throw missingSecret();
  if (!app.secrets.some((s) => sameSecret(s, secret))) throw badSecret(app.appId);
  return app;
}

/** Entra ID ignores the port of loopback redirect URIs (RFC 8252 §7.3); others must match exactly. */
function redirectAllowed(app: ApplicationRecord, redirectUri: string): boolean {
  let wanted: URL;
  try {
    wanted = new URL(redirectUri);
  } catch {
    return false;
  }
  return app.redirectUris.some((registered) => {
    if (registered === redirectUri) return true;
    try {
      const r = new URL(registered);
      const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(r.hostname);
      return (
        loopback &&
        r.protocol === wanted.protocol &&
        r.hostname === wanted.hostname &&
        r.pathname === wanted.pathname
      );
    } catch {
      return false;
    }
  });
}

/** The role values of the user on the application: direct assignments and through groups. */
function userRolesOn(store: EntraStore, user: UserRecord, app: ApplicationRecord): string[] {
  const sp = store.servicePrincipalByAppId(app.appId);
  if (!sp) return [];
  const roles = appRolesOf(store, sp);
  const principals = [user.id, ...store.transitiveGroupsOf(user.id)];
  const values = new Set<string>();
  for (const principal of principals)
    for (const a of store.assignmentsOf(principal)) {
      if (a.resourceId !== sp.id || a.appRoleId === defaultAccessRoleId) continue;
      const value = roles.find((r) => r.id === a.appRoleId)?.value;
      if (value) values.add(value);
    }
  return [...values].sort();
}

/**
 * The application a client-credentials `scope` names besides Graph: `{appId}/.default`, or
 * `{identifier URI}/.default` for one of the application's `identifierUris` (e.g. `api://{appId}`).
 */
function apiResourceOf(
  store: EntraStore,
  resource: string,
): { app: ApplicationRecord; sp: ServicePrincipalRecord } | null {
  const byAppId = store.applicationByAppId(resource);
  const wanted = resource.toLowerCase();
  const app =
    byAppId ??
    store.applications
      .ascending((a) => a.identifierUris.some((uri) => uri.toLowerCase().replace(/\/$/, '') === wanted))
      .next().value;
  if (!app || app.deletedDateTime !== null) return null;
  const sp = store.servicePrincipalByAppId(app.appId);
  if (!sp || sp.deletedDateTime !== null) return null;
  return { app, sp };
}

/**
 * An app-only access token for a web API registered in the tenant, as Entra ID issues one when the API
 * leaves `requestedAccessTokenVersion` at its default (v1.0 tokens): issuer `https://sts.windows.net/{tid}/`,
 * `aud` the resource as the client named it (the application id or its identifier URI), and in `roles`
 * the values of the API's app roles granted to the client (app role assignments of the client's service
 * principal to the API's): https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
 */
function apiAccessClaims(
  store: EntraStore,
  client: ApplicationRecord,
  clientSp: ServicePrincipalRecord,
  api: { app: ApplicationRecord; sp: ServicePrincipalRecord },
  resource: string,
): Record<string, unknown> {
  const tid = store.tenant.tenantId;
  const roles = appRolesOf(store, api.sp);
  const values = new Set<string>();
  for (const a of store.assignmentsOf(clientSp.id)) {
    if (a.resourceId !== api.sp.id) continue;
    const role = roles.find((r) => r.id === a.appRoleId);
    if (role?.isEnabled && role.value) values.add(role.value);
  }
  const claims: Record<string, unknown> = {
    aud: resource,
    iss: graphTokenIssuer(tid),
    app_displayname: client.displayName,
    appid: client.appId,
    appidacr: '1',
    idp: graphTokenIssuer(tid),
    idtyp: 'app',
    oid: clientSp.id,
    sub: clientSp.id,
    tid,
    uti: store.newToken(16),
    ver: '1.0',
  };
  if (values.size > 0) claims['roles'] = [...values].sort();
  return claims;
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const authorizeParams = [
  'client_id',
  'response_type',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'response_mode',
  'login_hint',
  'prompt',
];

function signInPage(params: Params, error: string | null): string {
  const hidden = authorizeParams
    .filter((name) => params[name] !== undefined && name !== 'login_hint')
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params[name] ?? '')}">`)
    .join('\n      ');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to your account</title></head>
<body>
  <main>
    <h1>Sign in</h1>
    <p>Microsoft Entra ID emulator: sign in as a user of the seed.</p>
    ${error ? `<p role="alert" id="error">${escapeHtml(error)}</p>` : ''}
    <form method="post">
      ${hidden}
      <label>Email, phone, or Skype <input name="username" type="email" autocomplete="username" value="${escapeHtml(params['login_hint'] ?? params['username'] ?? '')}" required></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit">Sign in</button>
    </form>
  </main>
</body>
</html>
`;
}

export function identityRoutes(app: FastifyInstance, ctx: EntraContext): void {
  const { store } = ctx;

  app.get<{ Params: { tenant: string } }>(
    '/:tenant/v2.0/.well-known/openid-configuration',
    async (request) => {
      checkTenant(store, request.params.tenant);
      const origin = originOf(request);
      const tid = store.tenant.tenantId;
      return {
        token_endpoint: `${origin}/${tid}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        jwks_uri: `${origin}/${tid}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: issuerOf(origin, tid),
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${origin}/oidc/userinfo`,
        authorization_endpoint: `${origin}/${tid}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${origin}/${tid}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${origin}/${tid}/oauth2/v2.0/logout`,
        claims_supported: [
          'sub',
          'iss',
          'aud',
          'exp',
          'iat',
          'auth_time',
          'acr',
          'nonce',
          'preferred_username',
          'name',
          'tid',
          'ver',
          'at_hash',
          'c_hash',
          'email',
          'oid',
          'roles',
        ],
        code_challenge_methods_supported: ['plain', 'S256'],
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: new URL(origin).host,
        rbac_url: 'https://pas.windows.net',
      };
    },
  );

  app.get<{ Params: { tenant: string } }>('/:tenant/discovery/v2.0/keys', async (request) => {
    checkTenant(store, request.params.tenant);
    return { keys: [{ ...ctx.signingKey.jwk, issuer: issuerOf(originOf(request), store.tenant.tenantId) }] };
  });

  const sign = (claims: Record<string, unknown>, nowSeconds: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: ctx.signingKey.kid })
      .setIssuedAt(nowSeconds)
      .setNotBefore(nowSeconds)
      .setExpirationTime(nowSeconds + store.settings.tokenLifetimeSeconds)
      .sign(ctx.signingKey.privateKey);

  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    checkTenant(store, request.params.tenant);
    const params = paramsOf(request.body);
    const grant = params['grant_type'];
    if (grant === undefined) throw missingParameter('grant_type');
    if (grant !== 'client_credentials' && grant !== 'authorization_code') throw unsupportedGrant(grant);
    const client = authenticateClient(store, request, params);
    const clientSp = store.servicePrincipalByAppId(client.appId);
    if (!clientSp) throw unknownClient(client.appId, store.tenant.tenantId);
    const now = Math.floor(store.clock.now() / 1000);
    const tid = store.tenant.tenantId;
    const expires = {
      expires_in: store.settings.tokenLifetimeSeconds,
      ext_expires_in: store.settings.tokenLifetimeSeconds,
    };
    reply.header('cache-control', 'no-store, no-cache');

    if (grant === 'client_credentials') {
      const scope = params['scope'];
      if (scope === undefined || scope.trim() === '') throw missingScope();
      if (!scope.endsWith('/.default') || scope.trim().includes(' ')) throw invalidScope(scope);
      const resource = scope.slice(0, -'/.default'.length).replace(/\/$/, '');
      if (resource !== graphResource && resource !== graphAppId) {
        const api = apiResourceOf(store, resource);
        if (api === null) throw unknownResource(resource, tid);
        return {
          token_type: 'Bearer',
          ...expires,
          access_token: await sign(apiAccessClaims(store, client, clientSp, api, resource), now),
        };
      }
      const roles = grantedPermissions(store, clientSp);
      const claims: Record<string, unknown> = {
        aud: graphResource,
        iss: graphTokenIssuer(tid),
        app_displayname: client.displayName,
        appid: client.appId,
        azp: client.appId,
        appidacr: '1',
        idp: graphTokenIssuer(tid),
        idtyp: 'app',
        oid: clientSp.id,
        sub: clientSp.id,
        tid,
        uti: store.newToken(16),
        ver: '1.0',
      };
      if (roles.length > 0) claims['roles'] = roles;
      return { token_type: 'Bearer', ...expires, access_token: await sign(claims, now) };
    }

    // authorization_code
    const code = params['code'];
    if (code === undefined) throw missingParameter('code');
    const pending = ctx.codes.get(code);
    ctx.codes.delete(code);
    if (!pending)
      throw invalidGrant(
        54005,
        'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
      );
    if (pending.expiresAt < store.clock.now())
      throw invalidGrant(
        70008,
        'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
      );
    if (pending.clientId !== client.appId)
      throw invalidGrant(70000, 'The provided authorization code was issued to a different client.');
    if (params['redirect_uri'] !== pending.redirectUri)
      throw redirectMismatch(params['redirect_uri'] ?? '', client.appId);
    if (pending.codeChallenge !== null) {
      const verifier = params['code_verifier'];
      if (verifier === undefined) throw missingParameter('code_verifier');
      const computed =
        pending.codeChallengeMethod === 'S256'
          ? createHash('sha256').update(verifier).digest('base64url')
          : verifier;
      if (computed !== pending.codeChallenge)
        throw invalidGrant(
          501481,
          'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
        );
    }
    const user = store.liveUser(pending.userId);
    if (!user?.accountEnabled) throw invalidGrant(50057, 'The user account is disabled.');
    const origin = originOf(request);
    const roles = userRolesOn(store, user, client);
    // Pairwise subject, as Entra ID issues it: stable per user and application.
    const sub = createHash('sha256').update(`${user.id}:${client.appId}`).digest('base64url').slice(0, 43);
    const idClaims: Record<string, unknown> = {
      aud: client.appId,
      iss: issuerOf(origin, tid),
      name: user.displayName,
      oid: user.id,
      preferred_username: user.userPrincipalName,
      sub,
      tid,
      ver: '2.0',
    };
    if (user.mail !== null) idClaims['email'] = user.mail;
    if (pending.nonce !== null) idClaims['nonce'] = pending.nonce;
    if (roles.length > 0) idClaims['roles'] = roles;
    const accessClaims: Record<string, unknown> = {
      aud: graphResource,
      iss: graphTokenIssuer(tid),
      appid: client.appId,
      azp: client.appId,
      idtyp: 'user',
      name: user.displayName,
      oid: user.id,
      scp: 'openid profile email User.Read',
      sub,
      tid,
      upn: user.userPrincipalName,
      ver: '1.0',
    };
    return {
      token_type: 'Bearer',
      scope: pending.scope,
      ...expires,
      access_token: await sign(accessClaims, now),
      id_token: await sign(idClaims, now),
    };
  });

  const authorize = async (
    request: FastifyRequest<{ Params: { tenant: string } }>,
    reply: FastifyReply,
    params: Params,
    submitted: boolean,
  ) => {
    checkTenant(store, request.params.tenant);
    const clientId = params['client_id'];
    if (clientId === undefined) throw missingParameter('client_id');
    const client = store.applicationByAppId(clientId);
    if (!client || client.deletedDateTime !== null) throw unknownClient(clientId, store.tenant.tenantId);
    const redirectUri = params['redirect_uri'];
    if (redirectUri === undefined) throw missingParameter('redirect_uri');
    if (!redirectAllowed(client, redirectUri)) throw redirectMismatch(redirectUri, client.appId);
    if (params['response_type'] !== 'code')
      throw new IdentityError(
        400,
        'unsupported_response_type',
        700054,
        "response_type 'id_token' is not enabled for the application.",
      );
    const method = params['code_challenge_method'] ?? (params['code_challenge'] ? 'plain' : undefined);
    if (method !== undefined && method !== 'S256' && method !== 'plain')
      throw new IdentityError(400, 'invalid_request', 50052, 'Invalid code_challenge_method.');

    if (!submitted) return reply.type('text/html; charset=utf-8').send(signInPage(params, null));
    const user = store.liveUser(params['username'] ?? '');
    if (!user || user.password === null || !sameSecret(user.password, params['password'] ?? ''))
      return reply
        .code(200)
        .type('text/html; charset=utf-8')
        .send(
          signInPage(
            params,
            'AADSTS50126: Error validating credentials due to invalid username or password.',
          ),
        );
    if (!user.accountEnabled)
      return reply
        .code(200)
        .type('text/html; charset=utf-8')
        .send(signInPage(params, 'AADSTS50057: The user account is disabled.'));
    const code = store.newToken(48);
    ctx.codes.set(code, {
      clientId: client.appId,
      redirectUri,
      userId: user.id,
      scope: params['scope'] ?? 'openid',
      nonce: params['nonce'] ?? null,
      codeChallenge: params['code_challenge'] ?? null,
      codeChallengeMethod: method ?? null,
      // Entra ID's authorization codes live about ten minutes.
      expiresAt: store.clock.now() + 10 * 60_000,
    });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (params['state'] !== undefined) target.searchParams.set('state', params['state']);
    target.searchParams.set('session_state', store.newId());
    return reply.redirect(target.toString(), 302);
  };

  app.get<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/authorize', (request, reply) =>
    authorize(request, reply, paramsOf(request.query), false),
  );
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/authorize', (request, reply) =>
    authorize(request, reply, paramsOf(request.body), true),
  );
}
