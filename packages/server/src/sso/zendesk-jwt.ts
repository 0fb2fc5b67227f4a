/**
 * The token provisio's single sign-on bridge hands to Zendesk (docs/single-sign-on.md): a JSON Web
 * Token signed with HMAC-SHA256 and the account's shared secret, carrying `iat`, `exp`, a unique `jti`, the
 * user's `email` and `name`, and `external_id` when the Zendesk user has one, so that Zendesk finds
 * the linked user by it first
 * (https://support.zendesk.com/hc/en-us/articles/4408845838874, "Anatomy of a JWT request":
 * https://support.zendesk.com/hc/en-us/articles/4408881965722). Everything here is pure: the
 * routes (routes/single-sign-on.ts) give the time, the id and the secret.
 */
import type { SignOnConfiguration, TargetUser } from '@provisio/engine';
import { SignJWT } from 'jose';

/**
 * How long a token is good for. The browser posts it at once; three minutes is Zendesk's own allowed
 * clock skew for `iat`, so a token is never refused for its age when clocks agree.
 */
export const TOKEN_LIFETIME_SECONDS = 180;

/** The claims provisio sends: the ones Zendesk requires, and the link. */
export interface ZendeskJwtClaims {
  /** Issued at, seconds since the epoch: Zendesk refuses tokens issued minutes away from its clock. */
  readonly iat: number;
  /** Expires: {@link TOKEN_LIFETIME_SECONDS} after `iat`, so that a token caught in transit soon stops working. */
  readonly exp: number;
  /** Unique per token: Zendesk refuses a token it has seen (replay). */
  readonly jti: string;
  readonly email: string;
  readonly name: string;
  /** The Zendesk user's own external id, so that Zendesk matches that user before any e-mail. */
  readonly external_id?: string;
}

/**
 * The claims that sign `user` (the linked Zendesk user, as Zendesk has it) in as themselves, or why
 * that cannot be done. The values are Zendesk's own, never the source's: the sign-in never changes
 * the account (provisioning does that), and it never lands in another account.
 */
export function claimsFor(
  user: TargetUser,
  issuedAt: Date,
  jti: string,
): { readonly claims: ZendeskJwtClaims } | { readonly problem: string } {
  const text = (value: unknown): string | null =>
    typeof value === 'string' && value.trim() !== ''
      ? value.trim()
      : typeof value === 'number'
        ? String(value)
        : null;
  const email = text(user.attributes['email']);
  if (email === null)
    return {
      problem: `Your Zendesk account (${user.displayName}) has no e-mail address, which Zendesk's single sign-on needs: ask your administrator.`,
    };
  const name = text(user.attributes['name']) ?? email;
  const externalId = text(user.attributes['external_id']);
  const iat = Math.floor(issuedAt.getTime() / 1000);
  return {
    claims: {
      iat,
      exp: iat + TOKEN_LIFETIME_SECONDS,
      jti,
      email,
      name,
      ...(externalId === null ? {} : { external_id: externalId }),
    },
  };
}

/** Signs `claims` as Zendesk expects: header `{"alg":"HS256","typ":"JWT"}`. */
export async function signZendeskJwt(claims: ZendeskJwtClaims, sharedSecret: string): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(sharedSecret));
}

/** The same URL for comparing: no trailing slash, no query or fragment, lower-case origin. */
export function sameUrl(a: string | null, b: string): boolean {
  if (a === null || !URL.canParse(a) || !URL.canParse(b)) return false;
  const norm = (value: string) => {
    const url = new URL(value);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  };
  return norm(a) === norm(b);
}

export type SecretInUse = 'current' | 'previous' | 'unknown';

/**
 * Which saved secret the Zendesk configuration holds, by the first characters Zendesk shows of it
 * (`masked_secret`): a rotation keeps both secrets until Zendesk uses the new one.
 */
export function secretInUse(
  configuration: Pick<SignOnConfiguration, 'secretPrefix'>,
  current: string | undefined,
  previous: string | undefined,
): SecretInUse {
  const prefix = configuration.secretPrefix;
  if (prefix === null || prefix === '') return 'unknown';
  const matches = (secret: string | undefined) => secret?.startsWith(prefix) === true;
  if (matches(current) && !matches(previous)) return 'current';
  if (matches(previous) && !matches(current)) return 'previous';
  return 'unknown';
}

/**
 * The secret to sign with: the one the account's active JWT configuration pointing at this bridge
 * holds, else the current one (also when Zendesk cannot be asked).
 */
export function chooseSecret(
  configurations: readonly SignOnConfiguration[] | null,
  remoteLoginUrl: string,
  current: string,
  previous: string | undefined,
): string {
  const ours = (configurations ?? []).filter(
    (c) => c.protocol === 'jwt' && c.active && sameUrl(c.remoteLoginUrl, remoteLoginUrl),
  );
  for (const configuration of ours)
    if (secretInUse(configuration, current, previous) === 'previous' && previous !== undefined)
      return previous;
  return current;
}

/**
 * Where Zendesk may send the person after signing in: `return_to` when it is a page of the job's
 * own Zendesk account (its origin), else nothing (Zendesk then opens its default page). Never
 * another site: the bridge is no open redirect.
 */
export function safeReturnTo(returnTo: string | undefined, zendeskUrl: string): string | null {
  if (returnTo === undefined || returnTo === '' || returnTo.length > 2048) return null;
  if (!URL.canParse(returnTo) || !URL.canParse(zendeskUrl)) return null;
  const wanted = new URL(returnTo);
  const home = new URL(zendeskUrl);
  if (wanted.protocol !== 'https:' && wanted.protocol !== 'http:') return null;
  if (wanted.origin !== home.origin || wanted.username !== '' || wanted.password !== '') return null;
  return wanted.href;
}
