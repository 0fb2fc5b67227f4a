/**
 * Console sessions (docs/security.md#sessions-and-csrf). Signing in gives a random 32-byte session
 * id in an HTTP-only, SameSite=Strict cookie (`Secure` when the server's public URL is https); the
 * store keeps only its SHA-256. A session ends after 30 minutes without a request (sliding) or 12
 * hours after sign-in, whichever comes first, and at sign-out.
 *
 * CSRF: every unsafe request (POST, PUT, PATCH, DELETE) made with the cookie must carry the session's
 * CSRF token in `X-CSRF-Token` (the synchronizer-token pattern,
 * https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html).
 * The token is derived from the session id (HMAC-SHA256 keyed by it), so the console can ask for it
 * again after a reload (`GET /provisio/v1/auth/session`), and the store keeps only its SHA-256. A
 * request with an `Authorization` header is not a session's: bearer calls need no CSRF token.
 */

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock, Role, SessionRecord, StateStore } from '@provisio/engine';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../http/errors.js';
import { type Authenticator, unauthorized } from './authenticate.js';
import type { Principal } from './principal.js';
import type { SessionIssuer } from './session-port.js';

export const SESSION_COOKIE = 'provisio_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionTimeouts {
  /** A session ends after this long without a request (sliding). */
  readonly idleMs: number;
  /** A session ends this long after sign-in, however active. */
  readonly absoluteMs: number;
}

export const defaultSessionTimeouts: SessionTimeouts = { idleMs: 30 * 60_000, absoluteMs: 12 * 60 * 60_000 };

/** The last-seen time is written at most this often (a console polls; the store need not hear each). */
const TOUCH_INTERVAL_MS = 60_000;

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
const sessionIdPattern = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** The CSRF token of a session: HMAC-SHA256 keyed by the session id (only its holder can make it). */
export function csrfTokenOf(sessionId: string): string {
  return createHmac('sha256', sessionId).update('provisio csrf token', 'utf8').digest('base64url');
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** Who a new session is for. */
export interface SessionSubject {
  /** The local user name or the OpenID Connect subject. */
  readonly subject: string;
  readonly displayName: string;
  readonly role: Role;
  readonly method: SessionRecord['method'];
}

export interface StartedSession {
  /** The cookie's value: give it to the browser only. */
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly record: SessionRecord;
}

export async function startSession(
  store: StateStore,
  clock: Clock,
  subject: SessionSubject,
  timeouts: SessionTimeouts = defaultSessionTimeouts,
): Promise<StartedSession> {
  const now = clock.now();
  const sessionId = randomBytes(32).toString('base64url');
  const csrfToken = csrfTokenOf(sessionId);
  const record: SessionRecord = {
    idHash: sha256(sessionId),
    subject: subject.subject,
    displayName: subject.displayName,
    role: subject.role,
    method: subject.method,
    csrfHash: sha256(csrfToken),
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + timeouts.absoluteMs).toISOString(),
  };
  await store.saveSession(record);
  return { sessionId, csrfToken, record };
}

/** Whether cookies must be `Secure`: the server is reached over https. */
export function secureCookies(publicUrl: string): boolean {
  return publicUrl.toLowerCase().startsWith('https:');
}

export function setSessionCookie(reply: FastifyReply, sessionId: string, secure: boolean): void {
  // A browser-session cookie (no Max-Age): the server's timeouts decide how long it is good for.
  reply.setCookie(SESSION_COOKIE, sessionId, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
}

/** A `Set-Cookie` value that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The session id the request's cookie carries, or null. */
export function sessionIdOf(request: FastifyRequest): string | null {
  const value = request.cookies[SESSION_COOKIE];
  return value === undefined || value === '' ? null : value;
}

export interface SessionAuthenticatorOptions {
  readonly secure: boolean;
  readonly timeouts?: SessionTimeouts;
}

/** The principal of a console session; `id` is `local:<user name>` or `oidc:<subject>`. */
function principalOf(record: SessionRecord, role: Role): Principal {
  return {
    id: `${record.method}:${record.subject}`,
    displayName: record.displayName,
    role,
    method: record.method,
    sessionIdHash: record.idHash,
  };
}

export function sessionAuthenticator(
  store: StateStore,
  clock: Clock,
  options: SessionAuthenticatorOptions,
): Authenticator {
  const timeouts = options.timeouts ?? defaultSessionTimeouts;
  const ended = (why: string) => {
    const error = unauthorized(`${why} Sign in again.`);
    return new ApiError(401, error.message, {
      headers: { ...error.headers, 'set-cookie': clearedSessionCookie(options.secure) },
    });
  };
  return {
    async authenticate(request): Promise<Principal | null> {
      // A bearer call is not a session's, whatever cookies the client also sends.
      if (request.headers.authorization !== undefined) return null;
      const sessionId = sessionIdOf(request);
      if (sessionId === null) return null;
      if (!sessionIdPattern.test(sessionId)) throw ended('The session cookie is not valid.');
      const idHash = sha256(sessionId);
      const record = await store.getSession(idHash);
      if (record === null) throw ended('The session ended.');
      const now = clock.now();
      if (now.getTime() >= Date.parse(record.expiresAt)) {
        await store.deleteSession(idHash);
        throw ended(`The session ended ${Math.round(timeouts.absoluteMs / 3_600_000)} hours after sign-in.`);
      }
      const idle = now.getTime() - Date.parse(record.lastSeenAt);
      if (idle >= timeouts.idleMs) {
        await store.deleteSession(idHash);
        throw ended(
          `The session ended after ${Math.round(timeouts.idleMs / 60_000)} minutes without activity.`,
        );
      }
      let role = record.role;
      if (record.method === 'local') {
        // A local session lasts only as long as its account is unchanged (a new password ends it).
        const account = await store.getLocalAccount(record.subject);
        if (account === null || account.updatedAt > record.createdAt) {
          await store.deleteSession(idHash);
          throw ended("The session ended: the account's password changed.");
        }
        role = account.role;
      }
      if (!safeMethods.has(request.method)) {
        const given = request.headers[CSRF_HEADER];
        if (typeof given !== 'string' || given === '' || !sameHash(sha256(given), record.csrfHash))
          throw new ApiError(
            403,
            `A console session's ${request.method} must carry its CSRF token in the X-CSRF-Token header (the csrfToken of POST /provisio/v1/auth/signin or GET /provisio/v1/auth/session). Scripts should use an API token instead.`,
          );
      }
      if (idle >= TOUCH_INTERVAL_MS) await store.touchSession(idHash, now);
      return principalOf(record, role);
    },
  };
}

/** The session of a request signed in by cookie: its record and CSRF token, or null. */
export async function currentSession(
  store: StateStore,
  request: FastifyRequest,
): Promise<{ record: SessionRecord; csrfToken: string } | null> {
  if (request.principal?.sessionIdHash === undefined) return null;
  const sessionId = sessionIdOf(request);
  if (sessionId === null || sha256(sessionId) !== request.principal.sessionIdHash) return null;
  const record = await store.getSession(request.principal.sessionIdHash);
  return record === null ? null : { record, csrfToken: csrfTokenOf(sessionId) };
}

/**
 * The sessions as sign-in with Microsoft opens them (auth/session-port.ts): a session for the
 * person Entra vouched for, and its cookie on the reply.
 */
export function sessionIssuer(
  store: StateStore,
  clock: Clock,
  options: { secure: boolean; timeouts?: SessionTimeouts },
): SessionIssuer {
  return {
    async issue(reply, principal) {
      const started = await startSession(store, clock, principal, options.timeouts);
      setSessionCookie(reply, started.sessionId, options.secure);
    },
  };
}
