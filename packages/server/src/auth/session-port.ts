/**
 * What a sign-in scheme asks of the console's sessions: open one for a principal who just proved who
 * they are, and set its cookie on the reply (docs/security.md#sign-in-with-microsoft). The session
 * module implements it; sign-in with Microsoft (routes/oidc.ts) only depends on this port.
 */
import type { FastifyReply } from 'fastify';
import type { Role } from './principal.js';

export interface SessionPrincipal {
  /** Stable id of the person: for OpenID Connect, the Entra object id (`oid`) of the user. */
  readonly subject: string;
  readonly displayName: string;
  readonly role: Role;
  readonly method: 'oidc';
}

export interface SessionIssuer {
  /** Stores a new session for `principal` and sets its cookie (and CSRF token) on `reply`. */
  issue(reply: FastifyReply, principal: SessionPrincipal): Promise<void>;
}
