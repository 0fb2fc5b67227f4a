/**
 * Microsoft Entra ID as provisio's identity provider (docs/security.md#sign-in-with-microsoft): the
 * installation's settings (`PROVISIO_OIDC_*` environment variables), the tenant's OpenID Connect
 * discovery document and signing keys, fetched over HTTPS that may trust one extra CA (the Entra
 * emulator, a TLS-inspecting proxy), and the mapping of Entra app roles to provisio's roles. The
 * sign-in routes (routes/oidc.ts) and the access-token authenticator (entra-tokens.ts) share it.
 */
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { ConfigError, type ConfigProblem } from '@provisio/engine';
import { createRemoteJWKSet, type JWTVerifyGetKey, customFetch as joseCustomFetch } from 'jose';
import * as client from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { z } from 'zod';
import { ApiError } from '../http/errors.js';
import { type Role, roles } from './principal.js';

/** Entra's public cloud: https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud */
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** The variables `oidcSettingsFromEnvironment` reads, for messages and documentation. */
export const oidcVariables = [
  'PROVISIO_OIDC_TENANT_ID',
  'PROVISIO_OIDC_CLIENT_ID',
  'PROVISIO_OIDC_CLIENT_SECRET',
  'PROVISIO_OIDC_AUTHORITY_HOST',
  'PROVISIO_OIDC_CA_FILE',
  'PROVISIO_OIDC_AUDIENCES',
  'PROVISIO_OIDC_ROLE_ADMINISTRATOR',
  'PROVISIO_OIDC_ROLE_OPERATOR',
  'PROVISIO_OIDC_ROLE_READER',
] as const;
type OidcVariable = (typeof oidcVariables)[number];

/** The app role values that make each provisio role, unless the installation says otherwise. */
export const defaultAppRoles: Readonly<Record<Role, readonly string[]>> = {
  Administrator: ['Provisio.Administrator'],
  Operator: ['Provisio.Operator'],
  Reader: ['Provisio.Reader'],
};

export interface OidcSettings {
  /** Directory (tenant) id: a GUID. */
  readonly tenantId: string;
  /** Application (client) id of provisio's app registration: the console signs in with it, and it is the API's audience. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Origin of the identity platform, without a trailing slash. */
  readonly authorityHost: string;
  /** A PEM file of one more CA to trust for the authority host, or null. */
  readonly caFile: string | null;
  /** The `aud` values an access token may carry: the client id, `api://<client id>` and any configured. */
  readonly audiences: readonly string[];
  /** Entra app role values (the `roles` claim) that make each provisio role. */
  readonly appRoles: Readonly<Record<Role, readonly string[]>>;
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const list = (text: string): string[] =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');

const appRoleList = z
  .string()
  .transform(list)
  .pipe(
    z
      .array(z.string().regex(/^\S+$/, 'app role values have no spaces'))
      .min(1, 'must list at least one app role value, e.g. Provisio.Reader'),
  );

const environmentSchema = z.object({
  PROVISIO_OIDC_TENANT_ID: z
    .string({ error: 'is required: the Directory (tenant) ID of the Entra tenant' })
    .regex(guid, 'must be the Directory (tenant) ID, a GUID (Entra admin center → Overview)')
    .transform((s) => s.toLowerCase()),
  PROVISIO_OIDC_CLIENT_ID: z
    .string({ error: "is required: the Application (client) ID of provisio's app registration" })
    .regex(guid, "must be the Application (client) ID of provisio's app registration, a GUID")
    .transform((s) => s.toLowerCase()),
  PROVISIO_OIDC_CLIENT_SECRET: z.string({
    error: "is required: a client secret of provisio's app registration (Certificates & secrets)",
  }),
  PROVISIO_OIDC_AUTHORITY_HOST: z
    .url({ protocol: /^https$/, error: 'must be an https:// URL, e.g. https://login.microsoftonline.com' })
    .default(DEFAULT_AUTHORITY_HOST)
    .transform((s) => new URL(s).origin),
  PROVISIO_OIDC_CA_FILE: z.string().optional(),
  PROVISIO_OIDC_AUDIENCES: z.string().transform(list).default([]),
  PROVISIO_OIDC_ROLE_ADMINISTRATOR: appRoleList.optional(),
  PROVISIO_OIDC_ROLE_OPERATOR: appRoleList.optional(),
  PROVISIO_OIDC_ROLE_READER: appRoleList.optional(),
});

/**
 * The installation's OpenID Connect settings from the environment; `settings` is null (sign-in with
 * Microsoft and Entra access tokens off) when no `PROVISIO_OIDC_*` variable is set. Every problem
 * names its variable.
 */
export function oidcSettingsFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly allowCustomEndpoints: boolean },
): { readonly settings: OidcSettings | null; readonly problems: readonly ConfigProblem[] } {
  const given: Partial<Record<OidcVariable, string>> = {};
  for (const name of oidcVariables) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') given[name] = value;
  }
  if (Object.keys(given).length === 0) return { settings: null, problems: [] };
  const parsed = environmentSchema.safeParse(given);
  const problems: ConfigProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: String(issue.path[0] ?? ''), message: issue.message }));
  const host = given.PROVISIO_OIDC_AUTHORITY_HOST;
  if (
    host !== undefined &&
    URL.canParse(host) &&
    new URL(host).origin !== DEFAULT_AUTHORITY_HOST &&
    !options.allowCustomEndpoints
  )
    problems.push({
      path: 'PROVISIO_OIDC_AUTHORITY_HOST',
      message: `${new URL(host).origin} is not ${DEFAULT_AUTHORITY_HOST}: start the server with --allow-custom-endpoints to use another identity platform (the Entra emulator, a national cloud)`,
    });
  if (!parsed.success) return { settings: null, problems };
  const e = parsed.data;
  const appRoles: Record<Role, readonly string[]> = {
    Administrator: e.PROVISIO_OIDC_ROLE_ADMINISTRATOR ?? defaultAppRoles.Administrator,
    Operator: e.PROVISIO_OIDC_ROLE_OPERATOR ?? defaultAppRoles.Operator,
    Reader: e.PROVISIO_OIDC_ROLE_READER ?? defaultAppRoles.Reader,
  };
  const seen = new Map<string, Role>();
  for (const role of roles)
    for (const value of appRoles[role]) {
      const other = seen.get(value);
      if (other !== undefined)
        problems.push({
          path: `PROVISIO_OIDC_ROLE_${role.toUpperCase()}`,
          message: `the app role ${value} already makes ${other}: one app role value maps to one provisio role`,
        });
      seen.set(value, role);
    }
  if (problems.length > 0) return { settings: null, problems };
  const clientId = e.PROVISIO_OIDC_CLIENT_ID;
  return {
    settings: {
      tenantId: e.PROVISIO_OIDC_TENANT_ID,
      clientId,
      clientSecret: e.PROVISIO_OIDC_CLIENT_SECRET,
      authorityHost: e.PROVISIO_OIDC_AUTHORITY_HOST,
      caFile: e.PROVISIO_OIDC_CA_FILE ?? null,
      audiences: [...new Set([clientId, `api://${clientId}`, ...e.PROVISIO_OIDC_AUDIENCES])],
      appRoles,
    },
    problems: [],
  };
}

/**
 * The provisio role that `claimed` (a token's `roles` claim) grants: the highest one any of its app
 * role values maps to, or null when none does.
 */
export function roleOfAppRoles(settings: OidcSettings, claimed: unknown): Role | null {
  if (!Array.isArray(claimed)) return null;
  for (const role of roles) if (settings.appRoles[role].some((value) => claimed.includes(value))) return role;
  return null;
}

/** The app role values an administrator may assign, for messages: `Provisio.Administrator, …`. */
export function appRoleNames(settings: OidcSettings): string {
  return roles.flatMap((role) => settings.appRoles[role]).join(', ');
}

/** What the sign-in routes and the access-token authenticator need from the tenant. */
export interface EntraOidc {
  readonly settings: OidcSettings;
  /** openid-client's configuration, from the discovery document (fetched once, again after a failure). */
  configuration(): Promise<client.Configuration>;
  /** The tenant's signing keys (jose caches them and refetches on an unknown `kid`). */
  signingKeys(): Promise<JWTVerifyGetKey>;
  /** The issuers an access token of the tenant may carry: the v2.0 one (discovery) and the v1.0 one. */
  issuers(): Promise<readonly string[]>;
  close(): Promise<void>;
}

/** The v1.0 issuer of Entra tokens: https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference */
export const v1Issuer = (tenantId: string): string => `https://sts.windows.net/${tenantId}/`;

const REQUEST_TIMEOUT_MS = 10_000;

/** Reads the settings and the CA file; throws `ConfigError` naming the variable that is wrong. */
export async function loadOidcSettings(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly allowCustomEndpoints: boolean },
): Promise<OidcSettings | null> {
  const { settings, problems } = oidcSettingsFromEnvironment(env, options);
  if (problems.length > 0) throw new ConfigError('Sign-in with Microsoft (PROVISIO_OIDC_*)', problems);
  return settings;
}

/**
 * The tenant's identity platform, over HTTPS that trusts the system's CAs plus `PROVISIO_OIDC_CA_FILE`.
 * Nothing is fetched until the first sign-in or access token: the server starts while Entra is down.
 */
export async function createEntraOidc(settings: OidcSettings): Promise<EntraOidc> {
  let ca: string | undefined;
  if (settings.caFile !== null)
    try {
      ca = await readFile(settings.caFile, 'utf8');
    } catch (error) {
      throw new ConfigError('Sign-in with Microsoft (PROVISIO_OIDC_*)', [
        {
          path: 'PROVISIO_OIDC_CA_FILE',
          message: `cannot read ${settings.caFile}: ${(error as Error).message}`,
        },
      ]);
    }
  const platform = openIdentityPlatform({ ...settings, ca });
  return {
    settings,
    configuration: platform.configuration,
    signingKeys: platform.signingKeys,
    issuers: async () => {
      const config = await platform.configuration();
      return [config.serverMetadata().issuer, v1Issuer(settings.tenantId)];
    },
    close: platform.close,
  };
}

/** What `openIdentityPlatform` needs: an app registration of a tenant, and whom to trust for TLS. */
export interface IdentityPlatformClient {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Origin of the identity platform, without a trailing slash. */
  readonly authorityHost: string;
  /** PEM certificates of extra CAs to trust (the Entra emulator, a TLS-inspecting proxy). */
  readonly ca?: string | undefined;
}

/** A tenant's OpenID Connect provider for one app registration: discovery, signing keys. */
export interface IdentityPlatform {
  /** openid-client's configuration, from the discovery document (fetched once, again after a failure). */
  configuration(): Promise<client.Configuration>;
  /** The tenant's signing keys (jose caches them and refetches on an unknown `kid`). */
  signingKeys(): Promise<JWTVerifyGetKey>;
  close(): Promise<void>;
}

/**
 * The tenant's identity platform for `app`, over HTTPS that trusts the system's CAs plus `app.ca`.
 * Nothing is fetched until first used: the server starts while Entra is down. Provisio's own sign-in
 * and the single sign-on bridge (with each job's app registration) both use it.
 */
export function openIdentityPlatform(app: IdentityPlatformClient): IdentityPlatform {
  const agent = new Agent({
    connect: app.ca === undefined ? {} : { ca: [...rootCertificates, app.ca] },
    keepAliveTimeout: 10_000,
  });
  // undici's fetch with our own agent: an extra CA for these requests only, not process-wide.
  const httpFetch = (url: string, init: object & { signal?: AbortSignal | null | undefined } = {}) =>
    undiciFetch(url, {
      ...init,
      dispatcher: agent,
      signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    }) as unknown as Promise<Response>;

  const server = new URL(`${app.authorityHost}/${app.tenantId}/v2.0`);
  let discovered: Promise<{ config: client.Configuration; keys: JWTVerifyGetKey }> | null = null;
  const discover = () => {
    discovered ??= (async () => {
      const config = await client.discovery(
        server,
        app.clientId,
        undefined,
        client.ClientSecretPost(app.clientSecret),
        { [client.customFetch]: httpFetch, timeout: REQUEST_TIMEOUT_MS / 1000 },
      );
      config[client.customFetch] = httpFetch;
      // Verify the ID token's signature too, not only TLS to the token endpoint (OpenID Connect Core §3.1.3.7).
      client.enableNonRepudiationChecks(config);
      const jwksUri = config.serverMetadata().jwks_uri;
      if (jwksUri === undefined) throw new Error(`${server.href}: the discovery document has no jwks_uri`);
      const keys = createRemoteJWKSet(new URL(jwksUri), {
        [joseCustomFetch]: httpFetch,
        timeoutDuration: REQUEST_TIMEOUT_MS,
      });
      return { config, keys };
    })();
    discovered.catch(() => {
      discovered = null;
    });
    return discovered;
  };
  return {
    configuration: async () => (await discover()).config,
    signingKeys: async () => (await discover()).keys,
    close: () => agent.close(),
  };
}

/** One sign-in's checks (state, nonce, PKCE verifier) and the authorize URL that carries them. */
export interface SignInChallenge {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly authorizationUrl: URL;
}

/**
 * Starts an authorization code sign-in with PKCE (S256), state and nonce
 * (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow): the caller keeps the
 * checks (sealed, in a cookie) and sends the browser to `authorizationUrl`. provisio's own sign-in and
 * the single sign-on bridge share it.
 */
export async function startSignIn(
  config: client.Configuration,
  redirectUri: string,
): Promise<SignInChallenge> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    response_type: 'code',
    response_mode: 'query',
    scope: 'openid profile email',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { state, nonce, verifier, authorizationUrl };
}

/**
 * Finishes it: redeems the code of `callbackUrl` (the redirect URI with Entra's query) and checks the
 * ID token (issuer, audience, signature, nonce) and the state. Throws openid-client's errors.
 */
export async function finishSignIn(
  config: client.Configuration,
  callbackUrl: URL,
  checks: Pick<SignInChallenge, 'state' | 'nonce' | 'verifier'>,
): Promise<client.IDToken> {
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    expectedState: checks.state,
    expectedNonce: checks.nonce,
    pkceCodeVerifier: checks.verifier,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  if (claims === undefined) throw new Error('no ID token');
  return claims;
}

/** Entra could not be reached (network, TLS, DNS, its discovery document): 503, naming what to check. */
export function identityPlatformUnavailable(
  settings: Pick<OidcSettings, 'authorityHost'>,
  error: unknown,
): ApiError {
  const cause = describeCause(error);
  return new ApiError(
    503,
    `Microsoft Entra ID (${settings.authorityHost}) could not be reached${cause === '' ? '' : ` (${cause})`}: check that this server reaches it (proxy, firewall, DNS, PROVISIO_OIDC_CA_FILE), then try again.`,
    { headers: { 'retry-after': '30' } },
  );
}

/** Node's and undici's codes of a failed connection, DNS lookup or TLS handshake. */
const networkCodes =
  /^(E[A-Z]{3,}|EAI_AGAIN|UND_ERR_\w+|ERR_TLS_\w+|UNABLE_TO_\w+|CERT_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/;

/** Whether `error` is a network failure rather than an answer that did not hold. */
export function isNetworkFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    if (
      current.message === 'fetch failed' ||
      current.name === 'TimeoutError' ||
      current.name === 'AbortError'
    )
      return true;
    if ('code' in current && typeof current.code === 'string' && networkCodes.test(current.code)) return true;
    current = current.cause;
  }
  return false;
}

function describeCause(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    if (current.name === 'TimeoutError' || current.name === 'AbortError') parts.push('timed out');
    else if (current.message && current.message !== 'fetch failed') parts.push(current.message);
    current = current.cause;
  }
  return parts.join(': ');
}
