import type { FastifyRequest } from 'fastify';
import { couldNotAuthenticate, forbidden, invalidOAuthToken, type ZendeskApiError } from '../model/errors.js';
import type { ZendeskStore } from '../model/store.js';
import type { UserRecord } from '../model/types.js';

/**
 * Zendesk authentication (https://developer.zendesk.com/api-reference/introduction/security-and-auth/): API
 * token basic auth `{email}/token:{token}` (any verified, active user's email with an active account token
 * authenticates as that user) and OAuth bearer tokens. Returns the user, or the error the API would answer
 * with.
 */
export function authenticate(store: ZendeskStore, header: string | undefined): UserRecord | ZendeskApiError {
  if (!header) return couldNotAuthenticate();
  const [scheme, credentials = ''] = header.split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') {
    const userId = store.oauthTokens.get(credentials);
    const user = userId === undefined ? undefined : store.users.get(userId);
    return user && usable(user) ? user : invalidOAuthToken();
  }
  if (scheme?.toLowerCase() !== 'basic') return couldNotAuthenticate();
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const separator = decoded.indexOf('/token:');
  if (separator < 0) return couldNotAuthenticate(); // email:password is not emulated
  const email = decoded.slice(0, separator);
  const token = decoded.slice(separator + '/token:'.length);
  if (!store.apiTokens.has(token)) return couldNotAuthenticate();
  const user = store.userByEmail(email);
  return user && usable(user) ? user : couldNotAuthenticate();
}

function usable(user: UserRecord): boolean {
  return user.active && !user.suspended && user.verified;
}

/** The authenticated user of a request whose hooks already refused anonymous access. */
export function currentUser(request: FastifyRequest): UserRecord {
  const user = request.zd.user;
  if (!user) throw couldNotAuthenticate();
  return user;
}

/** Agents and admins ("Allowed for: Agents" in Zendesk's API reference). */
export function requireAgent(request: FastifyRequest): UserRecord {
  const user = currentUser(request);
  if (user.role === 'end-user') throw forbidden();
  return user;
}

/** "Allowed for: Admins". */
export function requireAdmin(request: FastifyRequest): UserRecord {
  const user = currentUser(request);
  if (user.role !== 'admin') throw forbidden();
  return user;
}

/**
 * Only admins may create agents or admins, change roles or assign custom roles; agents manage end
 * users. Shared by the single-user endpoints and each item of the bulk jobs.
 */
export function assertMayAssignRole(
  actor: UserRecord,
  input: Readonly<Record<string, unknown>>,
  target?: UserRecord,
): void {
  if (actor.role === 'admin') return;
  if (
    (input['role'] !== undefined && input['role'] !== 'end-user') ||
    input['custom_role_id'] !== undefined
  ) {
    throw forbidden();
  }
  // Agents manage end users only: they may not edit (or demote) agents and admins.
  if (target && target.role !== 'end-user') throw forbidden();
}
