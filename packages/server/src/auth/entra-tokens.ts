/**
 * Entra access tokens for automation (docs/security.md#entra-access-tokens): `Authorization: Bearer
 * <JWT>` issued by the installation's tenant to a client application for provisio's API app
 * registration. Checked as Microsoft documents for a web API
 * (https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens): the signature
 * against the tenant's keys (from its discovery document), the issuer (the tenant's v2.0 issuer, or
 * `https://sts.windows.net/{tid}/` for v1.0 tokens, which Entra issues unless the API app asks for
 * v2.0), the audience (the API's client id or App ID URI), the lifetime and the tenant; then the
 * `roles` claim (application permissions of a client, or a user's app roles in a delegated token)
 * becomes a provisio role.
 */
import type { Clock } from '@provisio/engine';
import { decodeJwt, errors, jwtVerify } from 'jose';
import { ApiError } from '../http/errors.js';
import { API_TOKEN_PREFIX } from './api-tokens.js';
import { type Authenticator, bearerToken, unauthorized } from './authenticate.js';
import {
  appRoleNames,
  type EntraOidc,
  identityPlatformUnavailable,
  isNetworkFailure,
  roleOfAppRoles,
} from './oidc.js';
import type { Principal } from './principal.js';

/** Clock skew tolerated on `exp` and `nbf`, as Microsoft's own token middleware does (5 minutes). */
const CLOCK_TOLERANCE_SECONDS = 300;

const jwtShape = /^[\w-]+\.[\w-]+\.[\w-]+$/;

export function entraTokenAuthenticator(oidc: EntraOidc, clock: Clock): Authenticator {
  const { settings } = oidc;
  return {
    async authenticate(request): Promise<Principal | null> {
      const token = bearerToken(request);
      if (token === null || token.startsWith(API_TOKEN_PREFIX)) return null;
      if (!jwtShape.test(token))
        throw unauthorized(
          `The bearer token is neither a provisio API token (${API_TOKEN_PREFIX}…) nor an Entra access token (a JWT).`,
        );
      let keys: Awaited<ReturnType<EntraOidc['signingKeys']>>;
      let issuers: readonly string[];
      try {
        keys = await oidc.signingKeys();
        issuers = await oidc.issuers();
      } catch (error) {
        throw identityPlatformUnavailable(settings, error);
      }
      let claims: Record<string, unknown>;
      try {
        ({ payload: claims } = await jwtVerify(token, keys, {
          algorithms: ['RS256'],
          issuer: [...issuers],
          audience: [...settings.audiences],
          currentDate: clock.now(),
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp', 'tid'],
        }));
      } catch (error) {
        throw refusal(error, token, issuers, settings.audiences);
      }
      if (claims['tid'] !== settings.tenantId)
        throw unauthorized(
          `The access token is from tenant ${String(claims['tid'])}, not ${settings.tenantId}.`,
        );
      // Access tokens name the client (`appid` in v1.0, `azp` in v2.0); ID tokens do not.
      const clientId = stringClaim(claims, 'appid') ?? stringClaim(claims, 'azp');
      if (clientId === undefined)
        throw unauthorized(
          'The bearer token is not an access token (an ID token?): request an access token.',
        );
      // App-only: `idtyp` is `app`, or (without that optional claim) the token has no user scopes
      // and its subject is the client's service principal (`oid` = `sub`).
      const appOnly =
        claims['idtyp'] === 'app' ||
        (claims['idtyp'] === undefined && claims['scp'] === undefined && claims['oid'] === claims['sub']);
      const caller = appOnly
        ? { id: `app:${clientId}`, displayName: stringClaim(claims, 'app_displayname') ?? clientId }
        : {
            id: `oidc:${stringClaim(claims, 'oid') ?? stringClaim(claims, 'sub') ?? ''}`,
            displayName:
              stringClaim(claims, 'name') ??
              stringClaim(claims, 'upn') ??
              stringClaim(claims, 'preferred_username') ??
              String(claims['oid']),
          };
      const role = roleOfAppRoles(settings, claims['roles']);
      if (role === null) {
        const held = Array.isArray(claims['roles']) ? claims['roles'].join(', ') : 'none';
        throw new ApiError(
          403,
          appOnly
            ? `Insufficient privileges to complete the operation: the access token of ${caller.displayName} carries no provisio app role (it has: ${held}). In Entra, add one of ${appRoleNames(settings)} to the client application as an application permission of provisio's API and grant admin consent.`
            : `Insufficient privileges to complete the operation: ${caller.displayName} holds no provisio app role (roles: ${held}). In Entra, assign the user one of ${appRoleNames(settings)} on provisio's enterprise application.`,
        );
      }
      return { ...caller, role, method: 'entra-token' };
    },
  };
}

function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Why a JWT was refused, in words that say what to fix; never the token. */
function refusal(
  error: unknown,
  token: string,
  issuers: readonly string[],
  audiences: readonly string[],
): ApiError {
  if (isNetworkFailure(error) || error instanceof errors.JWKSTimeout)
    return new ApiError(503, 'The tenant’s signing keys could not be fetched: try again.');
  if (error instanceof errors.JWTExpired)
    return unauthorized(
      `The access token expired at ${expiry(token)}: request a new one (client credentials tokens last about an hour).`,
    );
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud')
      return unauthorized(
        `The access token is for audience ${JSON.stringify(error.payload.aud)}, not provisio's API: request it with scope "${audiences[1] ?? audiences[0]}/.default" (accepted audiences: ${audiences.join(', ')}).`,
      );
    if (error.claim === 'iss')
      return unauthorized(
        `The access token was issued by ${JSON.stringify(error.payload.iss)}, and provisio trusts ${issuers.join(' and ')}.`,
      );
    if (error.claim === 'nbf') return unauthorized('The access token is not valid yet: check the clocks.');
    return unauthorized(`The access token is not valid: its "${error.claim}" claim ${error.reason}.`);
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed)
    return unauthorized("The access token's signature does not verify against the tenant's signing keys.");
  if (error instanceof errors.JOSEAlgNotAllowed)
    return unauthorized('The access token is not signed with RS256, as Entra signs its tokens.');
  return unauthorized('The bearer token is not a valid Entra access token.');
}

function expiry(token: string): string {
  try {
    const exp = decodeJwt(token).exp;
    return exp === undefined ? 'an unknown time' : new Date(exp * 1000).toISOString();
  } catch {
    return 'an unknown time';
  }
}
