import { createHmac, timingSafeEqual } from 'node:crypto';
import { emailPattern } from '../model/users.js';
import type { SsoConfiguration } from './config.js';

/**
 * Checks a JWT single sign-on request as Zendesk documents it ("Anatomy of a JWT request",
 * https://support.zendesk.com/hc/en-us/articles/4408881965722, and "Enabling JWT single sign-on",
 * https://support.zendesk.com/hc/en-us/articles/4408845838874): an HS256 token signed with the shared
 * secret of an active JWT configuration, with the required claims `iat`, `jti`, `email` and `name`.
 * Pure: the clock and the replay memory are given.
 */

/** Zendesk's allowed clock skew for `iat`, either side of its own clock. */
export const iatSkewMs = 3 * 60_000;

export interface JwtClaims {
  iat: number;
  exp: number | null;
  jti: string;
  email: string;
  name: string;
  /** `external_id` as a string (Zendesk accepts numbers too), or null when absent or empty. */
  externalId: string | null;
}

export interface Refusal {
  readonly ok: false;
  readonly status: 400 | 401 | 403;
  readonly reason: string;
}

export interface Accepted {
  readonly ok: true;
  readonly configuration: SsoConfiguration;
  readonly claims: JwtClaims;
}

export const refuse = (status: Refusal['status'], reason: string): Refusal => ({ ok: false, status, reason });

export const notEnabled = (): Refusal => refuse(403, 'JWT single sign-on is not enabled for this account');

function decodeSegment(segment: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) throw new Error('not base64url');
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** HMAC-SHA256 of `header.payload` compared in constant time with the token's signature. */
function signedWith(secret: string, signingInput: string, signature: Buffer): boolean {
  const expected = createHmac('sha256', secret).update(signingInput).digest();
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}

function stringClaim(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * Verifies the token against the active configurations and checks its claims. `seen(jti)` tells whether a
 * token id was already used; the caller remembers accepted ones.
 */
export function verifyJwt(
  token: string | undefined,
  configurations: readonly SsoConfiguration[],
  nowMs: number,
  seen: (jti: string) => boolean,
): Accepted | Refusal {
  const active = configurations.filter((c) => c.active);
  if (active.length === 0) return notEnabled();
  if (token === undefined || token.trim() === '')
    return refuse(400, 'Missing JWT: send the token in the jwt parameter');

  const parts = token.trim().split('.');
  if (parts.length !== 3) return refuse(400, 'Invalid JWT: the token is malformed');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  let header: unknown;
  let payload: unknown;
  try {
    header = decodeSegment(headerPart);
    payload = decodeSegment(payloadPart);
  } catch {
    return refuse(400, 'Invalid JWT: the token is malformed');
  }
  if (!isObject(header) || !isObject(payload)) return refuse(400, 'Invalid JWT: the token is malformed');
  const alg = header['alg'];
  if (alg !== 'HS256') {
    return refuse(
      400,
      `Invalid JWT: algorithm ${typeof alg === 'string' ? alg : 'missing'} is not supported (use HS256)`,
    );
  }
  if (!/^[A-Za-z0-9_-]*$/.test(signaturePart)) return refuse(400, 'Invalid JWT: the token is malformed');
  const signature = Buffer.from(signaturePart, 'base64url');
  const signingInput = `${headerPart}.${payloadPart}`;
  const configuration = active.find((c) => signedWith(c.sharedSecret, signingInput, signature));
  if (!configuration) return refuse(401, 'Invalid JWT: signature verification failed');

  const iat = payload['iat'];
  if (iat === undefined || iat === null) return refuse(400, 'Missing required claim: iat');
  if (typeof iat !== 'number' || !Number.isFinite(iat))
    return refuse(400, 'Invalid claim: iat must be a number of seconds since the epoch');
  if (Math.abs(nowMs - iat * 1000) > iatSkewMs)
    return refuse(401, 'Please use a JWT timestamp within 3 minutes of the current time (iat)');
  const exp = payload['exp'];
  if (exp !== undefined && exp !== null) {
    if (typeof exp !== 'number' || !Number.isFinite(exp))
      return refuse(400, 'Invalid claim: exp must be a number of seconds since the epoch');
    if (nowMs >= exp * 1000) return refuse(401, 'Invalid JWT: the token has expired (exp)');
  }
  const jti = stringClaim(payload['jti']);
  if (jti === null) return refuse(400, 'Missing required claim: jti');
  const email = stringClaim(payload['email']);
  if (email === null) return refuse(400, 'Missing required claim: email');
  if (!emailPattern.test(email))
    return refuse(400, `Invalid claim: email ${email} is not properly formatted`);
  const name = stringClaim(payload['name']);
  if (name === null) return refuse(400, 'Missing required claim: name');
  if (seen(jti)) return refuse(401, 'Token has already been used (jti)');

  return {
    ok: true,
    configuration,
    claims: {
      iat,
      exp: typeof exp === 'number' ? exp : null,
      jti,
      email,
      name,
      externalId: stringClaim(payload['external_id']),
    },
  };
}
