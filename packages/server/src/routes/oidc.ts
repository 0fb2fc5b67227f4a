/**
 * Sign in with Microsoft (docs/security.md#sign-in-with-microsoft): OpenID Connect's authorization
 * code flow with PKCE, state and nonce against the installation's Entra tenant
 * (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc). `signin` sends the browser
 * to Entra with the transaction (state, nonce, PKCE verifier) in a short-lived HTTP-only cookie sealed
 * with the server's key; `callback` redeems the code, checks the ID token (issuer = the tenant,
 * audience = provisio's client id, nonce, signature), maps its `roles` claim to a provisio role and
 * opens a console session. Both routes are anonymous: they are how one stops being anonymous.
 */
import { ConfigError } from '@provisio/engine';
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as client from 'openid-client';
import { z } from 'zod';
import {
  appRoleNames,
  type EntraOidc,
  finishSignIn,
  identityPlatformUnavailable,
  isNetworkFailure,
  roleOfAppRoles,
  startSignIn,
} from '../auth/oidc.js';
import type { SessionIssuer } from '../auth/session-port.js';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { ApiError, graphErrorSchema } from '../http/errors.js';

/** What the composition root gives the sign-in routes: the tenant, and where sessions come from. */
export interface OidcRoutesConfig {
  readonly oidc: EntraOidc;
  readonly sessions: SessionIssuer;
}

export const OIDC_PREFIX = '/provisio/v1/auth/oidc';
export const OIDC_CALLBACK_PATH = `${OIDC_PREFIX}/callback`;
/** The cookie that carries one sign-in's state, nonce and PKCE verifier between signin and callback. */
export const OIDC_TRANSACTION_COOKIE = 'provisio_oidc';
/** How long a sign-in at Entra may take (Entra's own authorization codes live about ten minutes). */
const TRANSACTION_SECONDS = 10 * 60;
const PURPOSE = 'provisio.oidc-signin';

const transactionSchema = z.object({
  purpose: z.literal(PURPOSE),
  state: z.string(),
  nonce: z.string(),
  verifier: z.string(),
  returnTo: z.string(),
  expiresAt: z.number(),
});
type Transaction = z.output<typeof transactionSchema>;

/** Where to land after signing in: a path on this server (never another origin: no open redirect). */
const returnToSchema = z
  .string()
  .max(2048)
  .regex(/^\/(?![/\\])[^\s]*$/, 'must be a path on this server starting with a single "/", e.g. /jobs')
  .optional()
  .describe('Where the browser lands after signing in: a path on this server. Default `/`.');

/** A redirect has no body; the `Location` header says where. */
const redirectSchema = z.null();

const notEnabled = () =>
  new ApiError(
    404,
    'Sign-in with Microsoft is not enabled on this server: set PROVISIO_OIDC_TENANT_ID, PROVISIO_OIDC_CLIENT_ID and PROVISIO_OIDC_CLIENT_SECRET and restart it (docs/security.md#sign-in-with-microsoft).',
  );

export function oidcRoutes(app: ApiApp, context: ServerContext): void {
  const configured = context.oidc;
  // Read per request: a server started on port 0 learns its public URL when it listens.
  const redirectUri = () => `${context.options.publicUrl.replace(/\/+$/, '')}${OIDC_CALLBACK_PATH}`;
  const cookieOptions = () => ({
    path: OIDC_PREFIX,
    httpOnly: true,
    // Lax: the browser sends it on Entra's top-level redirect back to the callback.
    sameSite: 'lax' as const,
    secure: context.options.publicUrl.startsWith('https:'),
  });

  app.get(
    '/provisio/v1/auth/methods',
    {
      config: { access: 'anonymous' },
      schema: {
        operationId: 'getSignInMethods',
        summary: "How one may sign in to this server: the console's sign-in page shows what is offered.",
        tags: ['auth'],
        response: {
          200: z
            .object({
              local: z.literal(true).describe('The local administrator form (username and password).'),
              microsoft: z
                .boolean()
                .describe('Sign in with Microsoft (OpenID Connect with Entra ID) is configured.'),
            })
            .meta({ id: 'SignInMethods' }),
        },
      },
    },
    async () => ({ local: true as const, microsoft: configured !== undefined }),
  );

  app.get(
    `${OIDC_PREFIX}/signin`,
    {
      config: { access: 'anonymous' },
      schema: {
        operationId: 'oidcSignIn',
        summary: 'Sign in with Microsoft: redirects to Entra ID (authorization code flow with PKCE).',
        description:
          'Answers 302 to the tenant’s authorize endpoint and sets a short-lived HTTP-only cookie holding the sign-in’s state, nonce and PKCE verifier. 404 when sign-in with Microsoft is not configured.',
        tags: ['auth'],
        querystring: z.object({ returnTo: returnToSchema }),
        response: {
          302: redirectSchema.describe('To Entra ID’s authorize endpoint.'),
          404: graphErrorSchema.describe('Sign-in with Microsoft is not configured.'),
          503: graphErrorSchema.describe('Entra ID could not be reached.'),
        },
      },
    },
    async (request, reply) => {
      if (configured === undefined) return signInError(request, reply, notEnabled());
      const { oidc } = configured;
      let config: client.Configuration;
      try {
        config = await oidc.configuration();
      } catch (error) {
        request.log.warn({ err: error }, 'OpenID Connect discovery failed');
        return signInError(request, reply, identityPlatformUnavailable(oidc.settings, error));
      }
      const challenge = await startSignIn(config, redirectUri());
      const transaction: Transaction = {
        purpose: PURPOSE,
        state: challenge.state,
        nonce: challenge.nonce,
        verifier: challenge.verifier,
        returnTo: request.query.returnTo ?? '/',
        expiresAt: context.clock.now().getTime() + TRANSACTION_SECONDS * 1000,
      };
      const target = challenge.authorizationUrl;
      reply.setCookie(OIDC_TRANSACTION_COOKIE, context.vault.seal(JSON.stringify(transaction)), {
        ...cookieOptions(),
        maxAge: TRANSACTION_SECONDS,
      });
      reply.header('cache-control', 'no-store');
      return reply.redirect(target.href, 302);
    },
  );

  app.get(
    OIDC_CALLBACK_PATH,
    {
      config: { access: 'anonymous' },
      schema: {
        operationId: 'oidcCallback',
        summary: 'Sign in with Microsoft: where Entra ID sends the browser back (the redirect URI).',
        description:
          'Redeems the authorization code, checks the ID token and its app roles, opens a console session (cookie) and answers 302 to where the sign-in started. 400 when the sign-in does not hold (state, nonce, expired), 403 when the user holds no provisio app role.',
        tags: ['auth'],
        querystring: z.looseObject({
          code: z.string().optional(),
          state: z.string().optional(),
          error: z.string().optional(),
          error_description: z.string().optional(),
        }),
        response: {
          302: redirectSchema.describe('Signed in: to `returnTo`, with the session cookie.'),
          400: graphErrorSchema.describe('The sign-in does not hold (state, nonce, code, expired).'),
          403: graphErrorSchema.describe('Entra refused, or the user holds no provisio app role.'),
          404: graphErrorSchema.describe('Sign-in with Microsoft is not configured.'),
          503: graphErrorSchema.describe('Entra ID could not be reached.'),
        },
      },
    },
    async (request, reply) => {
      if (configured === undefined) return signInError(request, reply, notEnabled());
      const { oidc, sessions } = configured;
      const settings = oidc.settings;
      reply.clearCookie(OIDC_TRANSACTION_COOKIE, cookieOptions());
      reply.header('cache-control', 'no-store');
      const transaction = openTransaction(request.cookies[OIDC_TRANSACTION_COOKIE], context);
      if (transaction === null)
        return signInError(
          request,
          reply,
          new ApiError(
            400,
            `The sign-in expired or was started in another browser: sign in again at ${OIDC_PREFIX}/signin.`,
          ),
        );
      const query = request.url.indexOf('?');
      const currentUrl = new URL(`${redirectUri()}${query < 0 ? '' : request.url.slice(query)}`);
      let claims: client.IDToken;
      try {
        const config = await oidc.configuration();
        claims = await finishSignIn(config, currentUrl, transaction);
      } catch (error) {
        return signInError(request, reply, callbackRefusal(error, settings, request));
      }
      if (claims['tid'] !== settings.tenantId)
        return signInError(
          request,
          reply,
          new ApiError(403, `The account is from tenant ${String(claims['tid'])}, not ${settings.tenantId}.`),
        );
      const subject = typeof claims['oid'] === 'string' ? claims['oid'] : claims.sub;
      const displayName =
        (typeof claims['name'] === 'string' && claims['name']) ||
        (typeof claims['preferred_username'] === 'string' && claims['preferred_username']) ||
        subject;
      const role = roleOfAppRoles(settings, claims['roles']);
      if (role === null) {
        request.log.info({ subject }, 'sign-in refused: no provisio app role');
        return signInError(
          request,
          reply,
          new ApiError(
            403,
            `${displayName} signed in, but holds no provisio app role: ask an Entra administrator to assign you one of ${appRoleNames(settings)} on provisio's enterprise application (Users and groups), then sign in again.`,
          ),
        );
      }
      await sessions.issue(reply, { subject, displayName, role, method: 'oidc' });
      request.log.info({ subject, role }, 'signed in with Microsoft');
      return reply.redirect(transaction.returnTo, 302);
    },
  );
}

function openTransaction(sealed: string | undefined, context: ServerContext): Transaction | null {
  if (sealed === undefined || sealed === '') return null;
  try {
    const transaction = transactionSchema.parse(JSON.parse(context.vault.open(sealed)));
    return transaction.expiresAt > context.clock.now().getTime() ? transaction : null;
  } catch {
    return null;
  }
}

/** Why the callback did not sign anyone in, in words that say what to do; never a token or code. */
function callbackRefusal(error: unknown, settings: EntraOidc['settings'], request: FastifyRequest): ApiError {
  if (error instanceof client.AuthorizationResponseError) {
    // Entra answered the authorize request with an error (the user cancelled, is not assigned, …).
    const description = error.error_description ?? error.error;
    return new ApiError(
      error.error === 'access_denied' ? 403 : 400,
      `Microsoft Entra ID did not sign you in: ${description}`,
    );
  }
  if (error instanceof client.ResponseBodyError)
    return new ApiError(
      400,
      `Microsoft Entra ID refused the sign-in's code (${error.error_description ?? error.error}): sign in again at ${OIDC_PREFIX}/signin.`,
    );
  if (isNetworkFailure(error)) {
    request.log.warn({ err: error }, 'Entra ID unreachable during sign-in');
    return identityPlatformUnavailable(settings, error);
  }
  if (error instanceof ConfigError) throw error;
  request.log.info({ err: error }, 'sign-in response refused');
  // openid-client wraps oauth4webapi's error ("invalid response encountered"): the cause says what.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const reason = cause instanceof Error ? cause.message : 'it does not hold';
  return new ApiError(
    400,
    `The sign-in response was refused (${reason}): sign in again at ${OIDC_PREFIX}/signin.`,
  );
}

/**
 * A browser (it asks for HTML) gets a small page with the message and a link to try again; a script
 * gets Graph's error body as from every other route.
 */
function signInError(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  if (!(request.headers.accept ?? '').includes('text/html')) throw error;
  const escapeHtml = (s: string) =>
    s.replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
    );
  return reply
    .status(error.status)
    .headers(error.headers)
    .header('content-security-policy', "default-src 'none'")
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>provisio: sign-in failed</title></head>
<body>
  <main>
    <h1>Sign-in failed</h1>
    <p role="alert">${escapeHtml(error.message)}</p>
    <p><a href="${OIDC_PREFIX}/signin">Sign in again</a></p>
  </main>
</body>
</html>
`,
    );
}
