/**
 * The console's sign-in routes (docs/security.md#sessions-and-csrf):
 * - `POST /provisio/v1/auth/signin` (anyone): a local account's user name and password → the session
 *   cookie and the session's CSRF token. Rate-limited per client address and per user name; an
 *   unknown user name costs the same time as a wrong password.
 * - `GET /provisio/v1/auth/session` (any signed-in caller): who is signed in, and the CSRF token
 *   again; 401 when nobody is (the console then shows its sign-in page).
 * - `POST /provisio/v1/auth/signout`: ends the session and removes the cookie.
 * - `POST /provisio/v1/auth/password`: a signed-in local user changes their password; every other
 *   session of the account ends, and the caller gets a new one.
 * Sign-ins (good and bad), sign-outs and password changes go to the audit log, never a password.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditAccess } from '../auth/audit.js';
import {
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  needsRehash,
  passwordProblem,
  verifyAgainstNothing,
  verifyPassword,
} from '../auth/passwords.js';
import { roles } from '../auth/principal.js';
import {
  clearedSessionCookie,
  currentSession,
  secureCookies,
  setSessionCookie,
  startSession,
} from '../auth/sessions.js';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { ApiError } from '../http/errors.js';

/** Sign-in attempts allowed per client address, and per user name, in a minute. */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

const userSchema = z.object({
  name: z.string().describe('The user name (local account) or display name (single sign-on).'),
  role: z.enum(roles),
  method: z.enum(['local', 'oidc', 'token', 'entra-token']).describe('How the caller signed in.'),
});

const sessionSchema = z
  .object({
    user: userSchema,
    csrfToken: z
      .string()
      .optional()
      .describe('Send it as X-CSRF-Token with every POST, PUT, PATCH and DELETE of this session.'),
    expiresAt: z
      .string()
      .optional()
      .describe('When the session ends at the latest (12 hours after sign-in).'),
  })
  .meta({ id: 'ConsoleSession' });

const signInSchema = z.object({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
});

const changePasswordSchema = z.object({
  currentPassword: z.string().min(1).max(MAX_PASSWORD_LENGTH),
  newPassword: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters long`)
    .max(MAX_PASSWORD_LENGTH),
});

export function authRoutes(app: ApiApp, context: ServerContext): void {
  const secure = secureCookies(context.options.publicUrl);
  const { store, clock } = context;

  // The rate limiter lives in its own encapsulated scope, with no global limit: only the routes
  // below that call it are limited (docs/security.md#sessions-and-csrf).
  app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<ZodTypeProvider>();
    await scope.register(fastifyRateLimit, { global: false });
    const window = { max: SIGN_IN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000 };
    const byAddress = scope.createRateLimit({ ...window, keyGenerator: (request) => `ip:${request.ip}` });
    const byUser = scope.createRateLimit({
      ...window,
      keyGenerator: (request) =>
        `user:${((request.body as { username?: string }).username ?? '').toLowerCase()}`,
    });
    const byAccount = scope.createRateLimit({
      ...window,
      keyGenerator: (request) => `user:${request.principal?.id.replace(/^local:/, '').toLowerCase() ?? ''}`,
    });

    /** Counts the attempt against each limit; 429 in Graph's body with Retry-After when one is spent. */
    async function limit(request: FastifyRequest, limiters: readonly (typeof byAddress)[]): Promise<void> {
      let retryAfter = 0;
      for (const limiter of limiters) {
        const result = await limiter(request);
        if (!result.isAllowed && result.isExceeded) retryAfter = Math.max(retryAfter, result.ttlInSeconds, 1);
      }
      if (retryAfter > 0)
        throw new ApiError(
          429,
          `Too many sign-in attempts: at most ${SIGN_IN_ATTEMPTS_PER_MINUTE} a minute from one address and for one user name. Try again in ${retryAfter} seconds.`,
          { headers: { 'retry-after': String(retryAfter) } },
        );
    }

    scope.post(
      '/provisio/v1/auth/signin',
      {
        config: { access: 'anonymous' },
        preHandler: async (request) => limit(request, [byAddress, byUser]),
        schema: {
          operationId: 'signIn',
          summary:
            "Sign in to the console with a local account: sets the session cookie, returns the session's CSRF token.",
          tags: ['auth'],
          body: signInSchema,
          response: { 200: sessionSchema },
        },
      },
      async (request, reply) => {
        const { username, password } = request.body;
        const account = await store.getLocalAccount(username);
        const valid =
          account === null
            ? await verifyAgainstNothing(password)
            : await verifyPassword(password, account.passwordHash);
        if (account === null || !valid) {
          await auditAccess(store, clock, {
            activity: 'Sign in',
            initiatedBy: `local:${username}`,
            result: 'failure',
            summary: `Sign-in as "${username}" from ${request.ip} failed: ${account === null ? 'no such local account' : 'wrong password'}.`,
            details: { username, address: request.ip },
          });
          throw new ApiError(401, 'The user name or password is not right.');
        }
        if (needsRehash(account.passwordHash))
          await store.saveLocalAccount({ ...account, passwordHash: await hashPassword(password) });
        await store.deleteExpiredSessions(clock.now());
        const session = await startSession(store, clock, {
          subject: account.username,
          displayName: account.username,
          role: account.role,
          method: 'local',
        });
        setSessionCookie(reply, session.sessionId, secure);
        await auditAccess(store, clock, {
          activity: 'Sign in',
          initiatedBy: `local:${account.username}`,
          result: 'success',
          summary: `${account.username} signed in to the console from ${request.ip}.`,
          details: { username: account.username, address: request.ip, role: account.role },
        });
        return {
          user: { name: account.username, role: account.role, method: 'local' as const },
          csrfToken: session.csrfToken,
          expiresAt: session.record.expiresAt,
        };
      },
    );

    scope.post(
      '/provisio/v1/auth/password',
      {
        config: { access: 'Reader' },
        preHandler: async (request) => limit(request, [byAddress, byAccount]),
        schema: {
          operationId: 'changePassword',
          summary:
            "Change the signed-in local user's password: every other session of the account ends; the caller gets a new session.",
          tags: ['auth'],
          body: changePasswordSchema,
          response: { 200: sessionSchema },
        },
      },
      async (request, reply) => {
        const principal = request.principal;
        const session = await currentSession(store, request);
        if (principal === null || principal.method !== 'local' || session === null)
          throw new ApiError(
            403,
            'Only a local account signed in to the console changes its password here; API tokens and single sign-on users have none.',
          );
        const username = session.record.subject;
        const account = await store.getLocalAccount(username);
        const { currentPassword, newPassword } = request.body;
        if (account === null || !(await verifyPassword(currentPassword, account.passwordHash))) {
          await auditAccess(store, clock, {
            activity: 'Change password',
            initiatedBy: principal.id,
            result: 'failure',
            summary: `Changing the password of "${username}" failed: the current password was not right.`,
            details: { username, address: request.ip },
          });
          throw new ApiError(400, 'currentPassword: is not the current password of the account.', {
            details: [
              {
                code: 'InvalidValue',
                target: 'body.currentPassword',
                message: 'is not the current password',
              },
            ],
          });
        }
        const problem =
          passwordProblem(newPassword) ??
          (newPassword === currentPassword ? 'must differ from the current one' : null);
        if (problem !== null)
          throw new ApiError(400, `newPassword: ${problem}.`, {
            details: [{ code: 'InvalidValue', target: 'body.newPassword', message: problem }],
          });
        const now = clock.now().toISOString();
        await store.saveLocalAccount({
          ...account,
          passwordHash: await hashPassword(newPassword),
          updatedAt: now,
        });
        await store.deleteSession(session.record.idHash);
        const next = await startSession(store, clock, {
          subject: account.username,
          displayName: account.username,
          role: account.role,
          method: 'local',
        });
        setSessionCookie(reply, next.sessionId, secure);
        await auditAccess(store, clock, {
          activity: 'Change password',
          initiatedBy: principal.id,
          result: 'success',
          summary: `${account.username} changed their password; their other console sessions ended.`,
          details: { username, address: request.ip },
        });
        return {
          user: { name: account.username, role: account.role, method: 'local' as const },
          csrfToken: next.csrfToken,
          expiresAt: next.record.expiresAt,
        };
      },
    );
  });

  app.get(
    '/provisio/v1/auth/session',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'getSession',
        summary:
          "Who is signed in, and the session's CSRF token (after a reload). 401 when nobody is: the console then shows its sign-in page.",
        tags: ['auth'],
        response: { 200: sessionSchema },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (principal === null) throw new ApiError(401, 'Sign in.');
      const session = await currentSession(store, request);
      return {
        user: { name: principal.displayName, role: principal.role, method: principal.method },
        ...(session === null ? {} : { csrfToken: session.csrfToken, expiresAt: session.record.expiresAt }),
      };
    },
  );

  app.post(
    '/provisio/v1/auth/signout',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'signOut',
        summary: 'End the console session and remove its cookie (needs the session’s CSRF token).',
        tags: ['auth'],
        response: { 204: z.null().describe('Signed out.') },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal?.sessionIdHash !== undefined) {
        await store.deleteSession(principal.sessionIdHash);
        await auditAccess(store, clock, {
          activity: 'Sign out',
          initiatedBy: principal.id,
          result: 'success',
          summary: `${principal.displayName} signed out of the console.`,
          details: { address: request.ip },
        });
      }
      reply.header('set-cookie', clearedSessionCookie(secure));
      return reply.status(204).send(null);
    },
  );
}
