import { randomUUID } from 'node:crypto';

/**
 * An error of the Microsoft identity platform: `{error, error_description: "AADSTS…: … Trace ID: …
 * Correlation ID: … Timestamp: …", error_codes, timestamp, trace_id, correlation_id, error_uri}`.
 */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly text: string,
  ) {
    super(`AADSTS${code}: ${text}`);
  }

  body(now: number, correlationId: string = randomUUID()): Record<string, unknown> {
    const timestamp = `${new Date(now).toISOString().slice(0, 19).replace('T', ' ')}Z`;
    const traceId = randomUUID();
    return {
      error: this.error,
      error_description: `AADSTS${this.code}: ${this.text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [this.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${this.code}`,
    };
  }
}

export const tenantNotFound = (tenant: string): IdentityError =>
  new IdentityError(
    400,
    'invalid_tenant',
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  );

export const missingParameter = (name: string): IdentityError =>
  new IdentityError(
    400,
    'invalid_request',
    900144,
    `The request body must contain the following parameter: '${name}'.`,
  );

export const unknownClient = (clientId: string, tenantId: string): IdentityError =>
  new IdentityError(
    400,
    'unauthorized_client',
    700016,
    `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );

export const badSecret = (clientId: string): IdentityError =>
  new IdentityError(
    401,
    'invalid_client',
    7000215,
    `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
  );

export const missingSecret = (): IdentityError =>
  new IdentityError(
    401,
    'invalid_client',
    7000218,
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  );

export const unsupportedGrant = (grant: string): IdentityError =>
  new IdentityError(
    400,
    'unsupported_grant_type',
    70003,
    `The app requested an unsupported grant type '${grant}'.`,
  );

export const invalidScope = (scope: string): IdentityError =>
  new IdentityError(
    400,
    'invalid_scope',
    1002012,
    `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  );

export const missingScope = (): IdentityError =>
  new IdentityError(
    400,
    'invalid_scope',
    70011,
    "The provided request must include a 'scope' input parameter.",
  );

export const unknownResource = (resource: string, tenant: string): IdentityError =>
  new IdentityError(
    400,
    'invalid_resource',
    500011,
    `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  );

export const redirectMismatch = (redirectUri: string, clientId: string): IdentityError =>
  new IdentityError(
    400,
    'invalid_request',
    50011,
    `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
  );

export const invalidGrant = (code: number, text: string): IdentityError =>
  new IdentityError(400, 'invalid_grant', code, text);
