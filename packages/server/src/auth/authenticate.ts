/**
 * How a caller proves who it is. Each scheme is an `Authenticator`; the server asks them in order
 * and the first that recognises the request's credential decides (docs/security.md#who-may-call).
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/errors.js';
import type { Principal } from './principal.js';

export interface Authenticator {
  /**
   * The caller, or null when the request carries no credential of this scheme. A credential of
   * this scheme that does not hold (unknown, revoked, expired) throws `unauthorized(...)`.
   */
  authenticate(request: FastifyRequest): Promise<Principal | null>;
}

/** A 401 in Graph's words, with the challenge Graph sends. */
export function unauthorized(message: string): ApiError {
  return new ApiError(401, message, { headers: { 'www-authenticate': 'Bearer realm="provisio"' } });
}

/** The bearer token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) throw unauthorized('The Authorization header must be "Bearer <token>".');
  return match[1] ?? null;
}
