import type { ConnectorFailure } from '@provisio/engine';
import { networkFix } from '../client/errors.js';
import { NetworkError } from '../client/http.js';
import { connectorFailure, EntraErrorCode } from '../errors.js';

export interface CredentialContext {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authorityHost: string;
  readonly scope: string;
}

/** What an AADSTS error means for this connector and what the administrator should do. */
export interface AadstsAdvice {
  readonly code: EntraErrorCode;
  readonly meaning: string;
  readonly fix: string;
}

const appRegistration = 'Microsoft Entra admin center → App registrations → the provisioning app';

/**
 * The identity platform's error numbers a client-credentials request meets, explained. Unknown
 * numbers are still credential problems when the answer was a 4xx (see {@link tokenFailure}).
 */
export function explainAadsts(errorNumber: number, ctx: CredentialContext): AadstsAdvice | null {
  switch (errorNumber) {
    case 7000215:
      return {
        code: EntraErrorCode.InvalidCredentials,
        meaning: `the client secret is not valid for the app ${ctx.clientId}`,
        fix:
          `Enter the client secret's Value, not its Secret ID. If the value is lost, create a new secret ` +
          `(${appRegistration} → Certificates & secrets → New client secret) and save its Value in provisio.`,
      };
    case 7000222:
      return {
        code: EntraErrorCode.InvalidCredentials,
        meaning: `the client secret of the app ${ctx.clientId} has expired`,
        fix: `Create a new client secret (${appRegistration} → Certificates & secrets → New client secret) and save its Value in provisio.`,
      };
    case 7000218:
      return {
        code: EntraErrorCode.InvalidCredentials,
        meaning: 'no client secret was sent',
        fix: 'Enter the client secret of the provisioning app in provisio.',
      };
    case 700016:
      return {
        code: EntraErrorCode.InvalidCredentials,
        meaning: `no application with client id ${ctx.clientId} exists in tenant ${ctx.tenantId}`,
        fix:
          `Check the Application (client) ID on the app registration's Overview page (${appRegistration} → ` +
          `Overview), and that the Directory (tenant) ID there is the tenant provisio is configured with.`,
      };
    case 90002:
    case 900023:
      return {
        code: EntraErrorCode.InvalidCredentials,
        meaning: `the tenant ${ctx.tenantId} was not found at ${ctx.authorityHost}`,
        fix:
          `Check the Directory (tenant) ID (${appRegistration} → Overview) and that the authority host ` +
          `names the tenant's cloud (${ctx.authorityHost}).`,
      };
    case 7000112:
      return {
        code: EntraErrorCode.InvalidCredentials,
        meaning: `the application ${ctx.clientId} is disabled`,
        fix: 'Enable the provisioning app: Enterprise applications → the app → Properties → "Enabled for users to sign-in?" → Yes.',
      };
    case 500011:
    case 1002012:
    case 70011:
      return {
        code: EntraErrorCode.InvalidCredentials,
        meaning: `the token scope ${ctx.scope} is not a resource of this tenant`,
        fix: "Check the Graph base URL in provisio: it must be the Microsoft Graph endpoint of the tenant's cloud (https://graph.microsoft.com for the public cloud).",
      };
    default:
      return null;
  }
}

/** `AADSTS7000215: Invalid client secret provided. … Trace ID: …` → the sentence without the ids. */
export function aadstsDescription(text: string): { errorNumber: number; description: string } | null {
  const match = /AADSTS(\d+):\s*(.*?)(?:\s+Trace ID:|\s+-\s+Correlation ID:|$)/s.exec(text);
  if (!match?.[1]) return null;
  return { errorNumber: Number(match[1]), description: (match[2] ?? '').trim() };
}

interface MsalErrorShape {
  readonly errorCode?: unknown;
  readonly errorMessage?: unknown;
  readonly errorNo?: unknown;
  readonly status?: unknown;
}

/**
 * Turns whatever msal-node threw into a `ConnectorFailure`: AADSTS answers are explained with a fix;
 * network failures and 5xx answers are `SourceUnavailable` (retryable). The secret never appears.
 */
export function tokenFailure(
  error: unknown,
  ctx: CredentialContext,
  lastNetworkError: NetworkError | null = null,
): ConnectorFailure {
  const request = `POST ${ctx.authorityHost.replace(/\/+$/, '')}/${ctx.tenantId}/oauth2/v2.0/token`;
  const secrets = [ctx.clientSecret];
  const shape = (error && typeof error === 'object' ? error : {}) as MsalErrorShape;
  const text =
    typeof shape.errorMessage === 'string' ? shape.errorMessage : error instanceof Error ? error.message : '';
  const status = typeof shape.status === 'number' ? shape.status : undefined;
  const parsed = aadstsDescription(text);
  const errorNumber =
    typeof shape.errorNo === 'number' ? shape.errorNo : Number(shape.errorNo ?? parsed?.errorNumber ?? NaN);

  if (error instanceof NetworkError || shape.errorCode === 'network_error' || (status ?? 0) >= 500) {
    const cause = error instanceof NetworkError ? error : lastNetworkError;
    // An unknown host, a refused port or an untrusted certificate will fail the same way again: say
    // what to fix and do not retry (docs/provisioning.md#retries); a timeout, a reset or a 5xx may pass.
    const failure = status === undefined ? (cause?.failure ?? null) : null;
    return connectorFailure(
      {
        code: EntraErrorCode.SourceUnavailable,
        message: `No access token: the identity platform could not be reached (${
          failure ? `${failure.description} (${failure.code}): ` : ''
        }${cause?.message ?? (status ? `HTTP ${status}` : 'network error')}).`,
        retryable: failure?.retryable ?? true,
        request,
        ...(status === undefined ? {} : { httpStatus: status }),
        recommendedAction:
          failure && !failure.retryable
            ? networkFix(failure, ctx.authorityHost, 'source.authorityHost')
            : `Check that ${ctx.authorityHost} is reachable from this host (proxy, firewall, DNS, trusted CA); provisio retries at the next cycle.`,
      },
      secrets,
    );
  }

  if (Number.isFinite(errorNumber) || parsed) {
    const advice = Number.isFinite(errorNumber) ? explainAadsts(errorNumber, ctx) : null;
    const description = parsed?.description ?? text;
    return connectorFailure(
      {
        code: advice?.code ?? EntraErrorCode.InvalidCredentials,
        message: `No access token: ${advice?.meaning ?? 'the identity platform refused the credentials'} (AADSTS${
          Number.isFinite(errorNumber) ? errorNumber : '?'
        }: ${description})`,
        retryable: false,
        request,
        ...(status === undefined ? {} : { httpStatus: status }),
        ...(typeof shape.errorCode === 'string' ? { response: `${shape.errorCode}: ${text}` } : {}),
        recommendedAction:
          advice?.fix ??
          'Check the tenant id, client id and client secret of the provisioning app in provisio against the app registration in Entra.',
      },
      secrets,
    );
  }

  return connectorFailure(
    {
      code: EntraErrorCode.InvalidCredentials,
      message: `No access token: ${text || 'the token request failed'}.`,
      retryable: false,
      request,
      recommendedAction:
        'Check the tenant id, client id, client secret and authority host configured for the provisioning app.',
    },
    secrets,
  );
}
