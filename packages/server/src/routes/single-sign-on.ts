/**
 * Single sign-on to Zendesk through provisio (docs/single-sign-on.md): per job, a remote login URL
 * for the Zendesk account's JWT single sign-on.
 *
 * - `GET /sso/zendesk/{jobId}/login` is where Zendesk sends a person who is not signed in. It sends
 *   them to Microsoft Entra ID (OpenID Connect, authorization code with PKCE, state and nonce)
 *   through the job's own app registration, with the sign-in's transaction in a short-lived sealed
 *   cookie of its own (not the console's).
 * - `GET /sso/zendesk/callback` (the redirect URI to register on that app) redeems the code, and
 *   decides with the job's own rules (engine `decideSignIn`): in scope and linked, a token for that
 *   linked Zendesk user; in scope and not yet provisioned, provisioned on demand first; anyone else
 *   refused, with a page that says why and an entry in the provisioning log. The token is posted to
 *   Zendesk's `/access/jwt` with `return_to` (only a page of the same Zendesk account).
 * - `GET /sso/zendesk/{jobId}/logout` is the remote logout URL: Zendesk sends people there after
 *   they sign out (or when it refused a token, with the reason).
 * - `GET|PATCH /provisio/v1/jobs/{jobId}/singleSignOn`: the settings (the job secrets `SsoEnabled`
 *   and `SsoSharedSecret`, as `PUT …/synchronization/secrets` saves them) and whether the Zendesk
 *   account's JWT configuration points at this job (`GET /api/v2/remote_authentications`).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type CompiledJob, decideSignIn, recordAudit, type SignOnConfiguration } from '@provisio/engine';
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as client from 'openid-client';
import { z } from 'zod';
import {
  finishSignIn,
  type IdentityPlatform,
  isNetworkFailure,
  openIdentityPlatform,
  startSignIn,
} from '../auth/oidc.js';
import type { OpenedJob, ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { ApiError, graphErrorSchema } from '../http/errors.js';
import { type CatalogJob, findJob } from '../jobs/catalog.js';
import {
  isCredentialKey,
  loadSecretValues,
  parseSecretPairs,
  type SecretValues,
  saveSecretValues,
  withSecretRotation,
} from '../jobs/credentials.js';
import { handOverPage, messagePage, type Page } from '../sso/pages.js';
import { remoteLoginUrlOf, SSO_PREFIX, zendeskSignOnStatus } from '../sso/status.js';
import { chooseSecret, claimsFor, safeReturnTo, signZendeskJwt } from '../sso/zendesk-jwt.js';
import { secretHint } from './provisioning.js';
import { initiator, openConfigured, requireJob } from './synchronization-schema.js';

export { SSO_PREFIX };
export const SSO_CALLBACK_PATH = `${SSO_PREFIX}/callback`;
/** The cookie that carries one sign-in's job, state, nonce, PKCE verifier and return_to. */
export const SSO_TRANSACTION_COOKIE = 'provisio_sso';
/** How long a sign-in at Entra may take (Entra's authorization codes live about ten minutes). */
const TRANSACTION_SECONDS = 10 * 60;
const PURPOSE = 'provisio.zendesk-sso';
/** How long the account's sign-on configurations are reused by sign-ins (one request per window). */
const CONFIGURATIONS_TTL_MS = 10_000;

const transactionSchema = z.object({
  purpose: z.literal(PURPOSE),
  jobId: z.string(),
  state: z.string(),
  nonce: z.string(),
  verifier: z.string(),
  returnTo: z.string().nullable(),
  expiresAt: z.number(),
});
type Transaction = z.output<typeof transactionSchema>;

const jobIdParams = z.object({ jobId: z.string().min(1).max(200).describe('The synchronization job id.') });

const configurationSchema = z.object({
  name: z.string(),
  protocol: z.enum(['jwt', 'saml', 'oidc', 'other']),
  active: z.boolean(),
  teamMembers: z.boolean().describe('Zendesk uses it for team members (agents and admins).'),
  endUsers: z.boolean().describe('Zendesk uses it for end users.'),
  remoteLoginUrl: z.string().nullable(),
  remoteLogoutUrl: z.string().nullable(),
  pointsHere: z.boolean().describe("Its remote login URL is this job's."),
  secret: z
    .enum(['current', 'previous', 'unknown'])
    .nullable()
    .describe(
      'Which saved shared secret Zendesk holds, by the first characters it shows; null for other protocols.',
    ),
});

const zendeskStatusSchema = z
  .object({
    status: z
      .enum([
        'pointsHere',
        'rotating',
        'secretMismatch',
        'inactive',
        'pointsElsewhere',
        'notConfigured',
        'unavailable',
      ])
      .describe(
        'pointsHere: an active JWT configuration sends people to this job; rotating: it does, still with the previous secret; secretMismatch: it does, with a secret provisio does not have; inactive: one names this job but is off or assigned to nobody; pointsElsewhere/notConfigured: none names this job; unavailable: Zendesk could not be asked.',
      ),
    message: z.string(),
    configurations: z.array(configurationSchema),
  })
  .meta({ id: 'ZendeskSignOnStatus' });

const singleSignOnSchema = z
  .object({
    jobId: z.string(),
    enabled: z.boolean().describe('SsoEnabled: the bridge signs people in for this job.'),
    ready: z.boolean().describe('Enabled, with a shared secret, on a configured job.'),
    problems: z.array(z.string()).describe('What stops sign-in, each with its fix.'),
    remoteLoginUrl: z
      .string()
      .describe('Paste into Zendesk Admin Center → Single sign-on → Remote login URL.'),
    remoteLogoutUrl: z.string().describe('Paste into Remote logout URL.'),
    redirectUri: z
      .string()
      .describe("Add to the job's Entra app registration as a Web redirect URI (Authentication)."),
    zendeskUrl: z
      .string()
      .nullable()
      .describe("The Zendesk account's address; `{zendeskUrl}/agent` tests sign-in."),
    sharedSecret: z.object({ saved: z.boolean(), hint: z.string().nullable() }),
    previousSharedSecret: z.object({ saved: z.boolean(), hint: z.string().nullable() }),
    zendesk: zendeskStatusSchema.nullable().describe('null when the job is not configured yet.'),
  })
  .meta({ id: 'SingleSignOn' });
type SingleSignOn = z.output<typeof singleSignOnSchema>;

const singleSignOnPatchSchema = z
  .object({
    enabled: z.boolean().optional().describe('Turn the bridge on or off (SsoEnabled).'),
    sharedSecret: z
      .string()
      .optional()
      .describe(
        'The shared secret of the Zendesk JWT configuration (SsoSharedSecret, write-only). The one it replaces is kept as the previous secret while Zendesk may still use it.',
      ),
  })
  .meta({ id: 'SingleSignOnUpdate' });

const isTrue = (value: string | undefined) => value?.trim().toLowerCase() === 'true';

/** The Zendesk account's address: the custom endpoint, or https://{domain}.zendesk.com. */
export function zendeskUrlOf(target: CompiledJob['target']): string {
  return (target.baseUrl ?? `https://${target.domain}.zendesk.com`).replace(/\/+$/, '');
}

export function singleSignOnRoutes(app: ApiApp, context: ServerContext): void {
  // Read per request: a server started on port 0 learns its public URL when it listens.
  const publicUrl = () => context.options.publicUrl.replace(/\/+$/, '');
  const callbackUrl = () => `${publicUrl()}${SSO_CALLBACK_PATH}`;
  const loginUrlOf = (jobId: string) => remoteLoginUrlOf(context.options.publicUrl, jobId);
  const logoutUrlOf = (jobId: string) => `${publicUrl()}${SSO_PREFIX}/${encodeURIComponent(jobId)}/logout`;
  const cookieOptions = () => ({
    path: SSO_PREFIX,
    httpOnly: true,
    // Lax: the browser sends it on Entra's top-level redirect back to the callback.
    sameSite: 'lax' as const,
    secure: publicUrl().startsWith('https:'),
  });

  // One identity platform per app registration (discovery and keys fetched once), closed with the server.
  const platforms = new Map<string, IdentityPlatform>();
  app.addHook('onClose', async () => {
    await Promise.all([...platforms.values()].map((p) => p.close().catch(() => {})));
  });
  const platformOf = async (config: CompiledJob): Promise<IdentityPlatform> => {
    const source = config.source;
    const cas = [source.caCertificate ?? ''];
    if (source.caCertificateFile !== undefined) cas.push(await readFile(source.caCertificateFile, 'utf8'));
    const ca = cas.join('\n').trim();
    const authorityHost = (source.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
    const key = JSON.stringify([source.tenantId, source.clientId, source.clientSecret, authorityHost, ca]);
    let platform = platforms.get(key);
    if (platform === undefined) {
      platform = openIdentityPlatform({
        tenantId: source.tenantId,
        clientId: source.clientId,
        clientSecret: source.clientSecret,
        authorityHost,
        ca: ca === '' ? undefined : ca,
      });
      platforms.set(key, platform);
    }
    return platform;
  };

  // The account's sign-on configurations, reused for a few seconds by sign-ins.
  const configurationCache = new Map<string, { at: number; value: readonly SignOnConfiguration[] | null }>();
  const configurationsFor = async (jobId: string, opened: OpenedJob, fresh: boolean) => {
    const now = context.clock.now().getTime();
    const cached = configurationCache.get(jobId);
    if (!fresh && cached !== undefined && now - cached.at < CONFIGURATIONS_TTL_MS) return cached.value;
    const read = opened.deps.target.signOnConfigurations;
    const value = read === undefined ? null : await read.call(opened.deps.target);
    configurationCache.set(jobId, { at: now, value });
    return value;
  };

  /** The page, as a browser gets it; never cached, never framed. */
  const sendPage = (reply: FastifyReply, status: number, page: Page): FastifyReply =>
    reply
      .status(status)
      .header('content-security-policy', page.contentSecurityPolicy)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .type('text/html; charset=utf-8')
      .send(page.html);

  const refusal = (reply: FastifyReply, status: number, message: string, retryLink?: string) =>
    sendPage(
      reply,
      status,
      messagePage(
        'Sign-in to Zendesk refused',
        message,
        retryLink === undefined ? undefined : { href: retryLink, text: 'Try again' },
      ),
    );

  /** The job, its saved SSO settings and its compiled definition, or the page saying why not. */
  const openSsoJob = async (
    jobId: string,
  ): Promise<
    | { ok: true; job: CatalogJob; values: SecretValues; opened: OpenedJob; secret: string }
    | { ok: false; status: number; message: string }
  > => {
    const job = await findJob(context.store, jobId);
    if (job === null)
      return {
        ok: false,
        status: 404,
        message: `There is no provisioning job "${jobId.slice(0, 120)}" on this server: check the remote login URL in Zendesk Admin Center.`,
      };
    const values = await loadSecretValues(context.store, context.vault, job.servicePrincipalId);
    const secret = values.SsoSharedSecret;
    if (!isTrue(values.SsoEnabled) || secret === undefined || job.record === null)
      return {
        ok: false,
        status: 404,
        message:
          "Single sign-on through provisio is not turned on for this Zendesk account: an administrator turns it on in provisio (the job's Single sign-on page), or signs in with Zendesk's own sign-in page.",
      };
    try {
      const opened = await openConfigured(context, job);
      return { ok: true, job, values, opened, secret };
    } catch (error) {
      if (error instanceof ApiError)
        return {
          ok: false,
          status: 503,
          message: `The provisioning job cannot run as configured, so nobody can be signed in through it: ${error.message}`,
        };
      throw error;
    }
  };

  app.get(
    `${SSO_PREFIX}/:jobId/login`,
    {
      config: { access: 'anonymous' },
      schema: {
        operationId: 'zendeskSsoLogin',
        summary:
          "Zendesk's remote login URL for the job: signs the person in with Entra ID, then hands them to Zendesk.",
        description:
          "Anonymous: Zendesk sends people here. Answers 302 to Entra ID's authorize endpoint (the job's app registration) with a short-lived HTTP-only cookie holding the sign-in's state, nonce, PKCE verifier and return_to; a page saying why when single sign-on is off for the job.",
        tags: ['single sign-on'],
        params: jobIdParams,
        querystring: z.looseObject({
          return_to: z
            .string()
            .max(4096)
            .optional()
            .describe('Where Zendesk wants the person to land: a page of the same Zendesk account.'),
        }),
        response: {
          302: z.null().describe("To Entra ID's authorize endpoint."),
          404: z.string().describe('A page: no such job, or single sign-on is off for it.'),
          503: z.string().describe('A page: Entra ID could not be reached, or the job cannot run.'),
        },
      },
    },
    async (request, reply) => {
      const found = await openSsoJob(request.params.jobId);
      if (!found.ok) return refusal(reply, found.status, found.message);
      const { opened, job } = found;
      try {
        const config = await (await platformOf(opened.config)).configuration();
        const challenge = await startSignIn(config, callbackUrl());
        const transaction: Transaction = {
          purpose: PURPOSE,
          jobId: job.jobId,
          state: challenge.state,
          nonce: challenge.nonce,
          verifier: challenge.verifier,
          returnTo: safeReturnTo(request.query.return_to, zendeskUrlOf(opened.config.target)),
          expiresAt: context.clock.now().getTime() + TRANSACTION_SECONDS * 1000,
        };
        const target = challenge.authorizationUrl;
        reply.setCookie(SSO_TRANSACTION_COOKIE, context.vault.seal(JSON.stringify(transaction)), {
          ...cookieOptions(),
          maxAge: TRANSACTION_SECONDS,
        });
        reply.header('cache-control', 'no-store');
        return reply.redirect(target.href, 302);
      } catch (error) {
        request.log.warn({ err: error, jobId: job.jobId }, 'single sign-on: Entra ID discovery failed');
        return refusal(
          reply,
          503,
          'Microsoft Entra ID could not be reached to sign you in. Try again in a minute; if it persists, tell your administrator.',
          loginUrlOf(job.jobId),
        );
      } finally {
        await opened.close();
      }
    },
  );

  app.get(
    SSO_CALLBACK_PATH,
    {
      config: { access: 'anonymous' },
      schema: {
        operationId: 'zendeskSsoCallback',
        summary: "Where Entra ID sends the person back (the redirect URI of the job's app registration).",
        description:
          "Redeems the code, checks the ID token (issuer, audience, nonce, signature, tenant), decides with the job's rules and answers a page that posts the Zendesk token to the account's /access/jwt; or a page saying why the sign-in was refused (also written to the provisioning log).",
        tags: ['single sign-on'],
        querystring: z.looseObject({
          code: z.string().optional(),
          state: z.string().optional(),
          error: z.string().optional(),
          error_description: z.string().optional(),
        }),
        response: {
          200: z.string().describe('A page that posts the token to Zendesk.'),
          400: z.string().describe('A page: the sign-in does not hold (state, nonce, code, expired).'),
          403: z.string().describe("A page: refused by the job's rules, or by Entra ID."),
          404: z.string().describe('A page: single sign-on is off for the job.'),
          503: z.string().describe('A page: Entra ID or Zendesk could not be reached.'),
        },
      },
    },
    async (request, reply) => {
      reply.clearCookie(SSO_TRANSACTION_COOKIE, cookieOptions());
      const transaction = openTransaction(request.cookies[SSO_TRANSACTION_COOKIE], context);
      if (transaction === null)
        return refusal(
          reply,
          400,
          'The sign-in expired or was started in another browser: open Zendesk again to sign in.',
        );
      const found = await openSsoJob(transaction.jobId);
      if (!found.ok) return refusal(reply, found.status, found.message);
      const { opened, job, values } = found;
      const retry =
        loginUrlOf(job.jobId) +
        (transaction.returnTo === null ? '' : `?return_to=${encodeURIComponent(transaction.returnTo)}`);
      try {
        const source = opened.config.source;
        let claims: client.IDToken;
        try {
          const config = await (await platformOf(opened.config)).configuration();
          const query = request.url.indexOf('?');
          const currentUrl = new URL(`${callbackUrl()}${query < 0 ? '' : request.url.slice(query)}`);
          claims = await finishSignIn(config, currentUrl, transaction);
        } catch (error) {
          if (error instanceof client.AuthorizationResponseError)
            return refusal(
              reply,
              error.error === 'access_denied' ? 403 : 400,
              `Microsoft Entra ID did not sign you in: ${error.error_description ?? error.error}`,
              retry,
            );
          if (isNetworkFailure(error)) {
            request.log.warn({ err: error, jobId: job.jobId }, 'single sign-on: Entra ID unreachable');
            return refusal(
              reply,
              503,
              'Microsoft Entra ID could not be reached to finish signing you in: try again in a minute.',
              retry,
            );
          }
          request.log.info({ err: error, jobId: job.jobId }, 'single sign-on: sign-in response refused');
          return refusal(
            reply,
            400,
            'The sign-in response from Microsoft Entra ID did not hold (it expired, or was replayed): try again.',
            retry,
          );
        }
        if (String(claims['tid'] ?? '').toLowerCase() !== source.tenantId.toLowerCase())
          return refusal(
            reply,
            403,
            `You signed in with an account of another organization (tenant ${String(claims['tid'])}): sign in with your work account.`,
            retry,
          );
        const objectId = typeof claims['oid'] === 'string' ? claims['oid'] : null;
        const who =
          (typeof claims['preferred_username'] === 'string' && claims['preferred_username']) ||
          (typeof claims['name'] === 'string' && claims['name']) ||
          objectId ||
          claims.sub;
        if (objectId === null)
          return refusal(
            reply,
            403,
            'Microsoft Entra ID did not say which user you are (no oid claim): ask your administrator.',
          );

        const decision = await decideSignIn(opened.deps, opened.config, objectId, {
          initiatedBy: `Single sign-on (${who})`,
        });
        if (!decision.allowed) {
          request.log.info(
            { jobId: job.jobId, objectId, refusal: decision.refusal },
            'single sign-on refused',
          );
          return refusal(reply, 403, decision.reason);
        }
        const made = claimsFor(decision.user, context.clock.now(), randomUUID());
        if ('problem' in made) {
          request.log.info(
            { jobId: job.jobId, objectId },
            'single sign-on refused: the Zendesk user has no e-mail',
          );
          return refusal(reply, 403, made.problem);
        }
        const zendeskUrl = zendeskUrlOf(opened.config.target);
        const configurations = await configurationsFor(job.jobId, opened, false).catch((error: unknown) => {
          request.log.warn(
            { err: error, jobId: job.jobId },
            'single sign-on: Zendesk sign-on configurations unreadable; signing with the current secret',
          );
          return null;
        });
        const secret = chooseSecret(
          configurations,
          loginUrlOf(job.jobId),
          found.secret,
          values.SsoSharedSecretPrevious,
        );
        const token = await signZendeskJwt(made.claims, secret);
        request.log.info(
          { jobId: job.jobId, objectId, zendeskUserId: decision.user.id, provisioned: decision.provisioned },
          'single sign-on: signed in',
        );
        return sendPage(
          reply,
          200,
          handOverPage(`${zendeskUrl}/access/jwt`, {
            jwt: token,
            ...(transaction.returnTo === null ? {} : { return_to: transaction.returnTo }),
          }),
        );
      } finally {
        await opened.close();
      }
    },
  );

  app.get(
    `${SSO_PREFIX}/:jobId/logout`,
    {
      config: { access: 'anonymous' },
      schema: {
        operationId: 'zendeskSsoLogout',
        summary: "Zendesk's remote logout URL for the job: where people land after signing out of Zendesk.",
        description:
          'Anonymous. Zendesk adds `kind` and `message` when it refused a sign-in: the page shows the message. Signing out of Zendesk does not sign the person out of Microsoft.',
        tags: ['single sign-on'],
        params: jobIdParams,
        querystring: z.looseObject({
          kind: z.string().max(64).optional(),
          message: z.string().max(2000).optional(),
        }),
        response: { 200: z.string().describe('A page.') },
      },
    },
    async (request, reply) => {
      reply.clearCookie(SSO_TRANSACTION_COOKIE, cookieOptions());
      const failed = request.query.kind === 'error';
      return sendPage(
        reply,
        200,
        messagePage(
          failed ? 'Zendesk could not sign you in' : 'Signed out of Zendesk',
          failed
            ? `Zendesk said: ${request.query.message ?? 'the sign-in failed'}. Tell your administrator.`
            : 'You have signed out of Zendesk.',
          { href: loginUrlOf(request.params.jobId), text: 'Sign in again' },
        ),
      );
    },
  );

  // ── the settings, in the admin API ─────────────────────────────────────────────────────────────

  const describe = async (
    job: CatalogJob,
    fresh: boolean,
    log: FastifyRequest['log'],
  ): Promise<SingleSignOn> => {
    const values = await loadSecretValues(context.store, context.vault, job.servicePrincipalId);
    const enabled = isTrue(values.SsoEnabled);
    const current = values.SsoSharedSecret;
    const previous = values.SsoSharedSecretPrevious;
    const loginUrl = loginUrlOf(job.jobId);
    const problems: string[] = [];
    if (job.record === null)
      problems.push('The job is not configured yet: save its Admin Credentials first (Provisioning).');
    if (!enabled) problems.push('Single sign-on is off: turn it on (SsoEnabled).');
    if (current === undefined)
      problems.push(
        'No shared secret is saved: copy it from the Zendesk JWT configuration (SsoSharedSecret).',
      );
    let zendesk: SingleSignOn['zendesk'] = null;
    let zendeskUrl: string | null = null;
    if (job.record !== null) {
      let opened: OpenedJob | null = null;
      try {
        opened = await openConfigured(context, job);
        zendeskUrl = zendeskUrlOf(opened.config.target);
        const configurations = await configurationsFor(job.jobId, opened, fresh);
        zendesk =
          configurations === null
            ? {
                status: 'unavailable',
                message: 'The target does not list its sign-on configurations.',
                configurations: [],
              }
            : zendeskSignOnStatus(configurations, loginUrl, current, previous);
      } catch (error) {
        log.info(
          { err: error, jobId: job.jobId },
          'single sign-on: Zendesk sign-on configurations unreadable',
        );
        zendesk = {
          status: 'unavailable',
          message: `Zendesk could not be asked for its sign-on configurations (GET /api/v2/remote_authentications, admins only): ${error instanceof Error ? error.message : String(error)}`,
          configurations: [],
        };
      } finally {
        await opened?.close();
      }
    }
    return {
      jobId: job.jobId,
      enabled,
      ready: problems.length === 0,
      problems,
      remoteLoginUrl: loginUrl,
      remoteLogoutUrl: logoutUrlOf(job.jobId),
      redirectUri: callbackUrl(),
      zendeskUrl,
      sharedSecret: {
        saved: current !== undefined,
        hint: current === undefined ? null : secretHint(current),
      },
      previousSharedSecret: {
        saved: previous !== undefined,
        hint: previous === undefined ? null : secretHint(previous),
      },
      zendesk,
    };
  };

  app.get(
    '/provisio/v1/jobs/:jobId/singleSignOn',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'getSingleSignOn',
        summary:
          "The job's single sign-on to Zendesk: whether it is on, the URLs to paste into Zendesk and Entra, and whether the Zendesk account's JWT configuration points here (provisio's addition).",
        tags: ['single sign-on'],
        params: jobIdParams,
        response: { 200: singleSignOnSchema, 404: graphErrorSchema },
      },
    },
    async (request) => describe(await requireJob(context, request.params.jobId), true, request.log),
  );

  app.patch(
    '/provisio/v1/jobs/:jobId/singleSignOn',
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'updateSingleSignOn',
        summary:
          "Turns the job's single sign-on on or off and saves its shared secret (the job secrets SsoEnabled and SsoSharedSecret; provisio's addition).",
        tags: ['single sign-on'],
        params: jobIdParams,
        body: singleSignOnPatchSchema,
        response: { 200: singleSignOnSchema, 400: graphErrorSchema, 404: graphErrorSchema },
      },
    },
    async (request) => {
      const job = await requireJob(context, request.params.jobId);
      const { enabled, sharedSecret } = request.body;
      const pairs = [
        ...(enabled === undefined ? [] : [{ key: 'SsoEnabled', value: enabled ? 'True' : 'False' }]),
        ...(sharedSecret === undefined ? [] : [{ key: 'SsoSharedSecret', value: sharedSecret }]),
      ];
      if (pairs.length === 0)
        throw new ApiError(400, 'Nothing to change: give enabled, sharedSecret or both.');
      const parsed = parseSecretPairs(pairs, { allowCustomEndpoints: context.options.allowCustomEndpoints });
      if (parsed.problems.length > 0)
        throw new ApiError(
          400,
          `Single sign-on was not saved: ${parsed.problems.map((p) => p.message).join('; ')}.`,
          {
            details: parsed.problems.map((p) => ({
              code: 'InvalidValue',
              target: p.key === 'SsoSharedSecret' ? 'sharedSecret' : 'enabled',
              message: p.message,
            })),
          },
        );
      const saved = await loadSecretValues(context.store, context.vault, job.servicePrincipalId);
      if (enabled === true && sharedSecret === undefined && saved.SsoSharedSecret === undefined)
        throw new ApiError(
          400,
          'sharedSecret is required to turn single sign-on on: copy the shared secret of the Zendesk JWT configuration (Admin Center → Account → Security → Single sign-on).',
          {
            details: [{ code: 'MissingValue', target: 'sharedSecret', message: 'sharedSecret is required' }],
          },
        );
      const change = withSecretRotation(saved, parsed);
      await saveSecretValues(
        context.store,
        context.vault,
        job.servicePrincipalId,
        change,
        context.clock.now(),
      );
      const keys = [...change.set.keys()].sort();
      await recordAudit(context, job.jobId, {
        activity: 'Update single sign-on',
        initiatedBy: initiator(request),
        summary: `Single sign-on ${enabled === undefined ? 'settings saved' : enabled ? 'turned on' : 'turned off'}: ${keys.map((k) => (isCredentialKey(k) ? `${k} (sealed, never recorded)` : k)).join(', ')}.`,
        details: { keys },
      });
      configurationCache.delete(job.jobId);
      return describe(job, true, request.log);
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
