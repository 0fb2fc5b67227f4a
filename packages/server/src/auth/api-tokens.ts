/**
 * API tokens for automation (`provisio tokens create`): random bearer tokens, shown once; the store
 * keeps only their SHA-256 (docs/security.md#api-tokens). A token is long and random, so a fast
 * hash is enough: there is nothing to brute-force as there is with a password.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiTokenRecord, Clock, Role, StateStore } from '@provisio/engine';
import { type Authenticator, bearerToken, unauthorized } from './authenticate.js';
import type { Principal } from './principal.js';

/** Every token starts so, which tells it from an Entra access token (a JWT) and helps secret scanners. */
export const API_TOKEN_PREFIX = 'pvo_';

/** How stale a token's "last used" time may be. */
const LAST_USED_PRECISION_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface IssuedToken {
  /** The bearer token: give it to the caller once; it is not kept. */
  readonly token: string;
  readonly record: ApiTokenRecord;
}

export async function issueApiToken(
  store: StateStore,
  request: { name: string; role: Role; createdBy: string; now: Date },
): Promise<IssuedToken> {
  const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const record: ApiTokenRecord = {
    id: randomUUID(),
    name: request.name,
    role: request.role,
    tokenHash: hashToken(token),
    createdAt: request.now.toISOString(),
    createdBy: request.createdBy,
    lastUsedAt: null,
    revokedAt: null,
  };
  await store.saveApiToken(record);
  return { token, record };
}

export function apiTokenAuthenticator(store: StateStore, clock: Clock): Authenticator {
  return {
    async authenticate(request): Promise<Principal | null> {
      const token = bearerToken(request);
      if (token === null || !token.startsWith(API_TOKEN_PREFIX)) return null;
      const record = await store.findApiTokenByHash(hashToken(token));
      if (record === null) throw unauthorized('The API token is not valid.');
      if (record.revokedAt !== null) throw unauthorized('The API token was revoked.');
      // "Last used" to the minute: a write per request would put every API call on the store's
      // write path (Prometheus scraping every 15 s, scripts polling a job's status).
      const now = clock.now();
      if (
        record.lastUsedAt === null ||
        now.getTime() - Date.parse(record.lastUsedAt) >= LAST_USED_PRECISION_MS
      )
        await store.touchApiToken(record.id, now);
      return { id: `token:${record.id}`, displayName: record.name, role: record.role, method: 'token' };
    },
  };
}
