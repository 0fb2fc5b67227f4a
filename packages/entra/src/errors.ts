import {
  type ConnectorError,
  ConnectorFailure,
  defineErrorCatalogue,
  EngineErrorCode,
  truncate,
} from '@provisio/engine';

/**
 * The Entra connector's error catalogue: the codes it reports (in `ConnectorError.code` and
 * `ConnectionStep.code`) beside the engine's shared ones (`InvalidCredentials`, `InsufficientRights`,
 * `TooManyRequests`). Entra's own names where it has them (`DuplicateSourceEntries`,
 * https://learn.microsoft.com/entra/identity/monitoring-health/howto-analyze-provisioning-logs#error-codes);
 * the rest name the cause, not the HTTP status. Graph's errors:
 * https://learn.microsoft.com/graph/errors. docs/provisioning.md ("Error codes") lists them all.
 */
export const entraErrors = defineErrorCatalogue('@provisio/entra', {
  SourceUnavailable: {
    category: 'transient',
    retryable: true,
    httpStatus: 502,
    publicMessage:
      'Microsoft Graph or the identity platform could not be reached (an unknown host, a refused connection or an untrusted certificate, not retried), or kept timing out or failing (5xx) after the retries.',
    recommendedAction:
      'Do what the message says: check source.authorityHost, source.graphBaseUrl and source.caCertificateFile, and that this host reaches Microsoft Graph and login.microsoftonline.com (proxy, firewall, DNS); if it was temporary, provisio tries again. Check the Microsoft 365 service health if it persists.',
  },
  ServicePrincipalNotFound: {
    category: 'configuration',
    retryable: false,
    httpStatus: 422,
    publicMessage: 'No service principal has the configured id (source.servicePrincipalId).',
    recommendedAction:
      'Set source.servicePrincipalId to the Object ID of the Zendesk enterprise application (Enterprise applications → Zendesk → Overview), not its Application ID.',
  },
  InvalidSourceAttribute: {
    category: 'configuration',
    retryable: false,
    httpStatus: 422,
    publicMessage: 'A source attribute of the mappings or scoping filters is not a Microsoft Graph property.',
    recommendedAction:
      'Correct or remove the attribute the message names: source attributes are Microsoft Graph user or group property names, spelt as Graph spells them.',
  },
  ApplicationNotFound: {
    category: 'configuration',
    retryable: false,
    httpStatus: 422,
    publicMessage:
      "The Zendesk service principal's application is not registered in this tenant, so its app roles cannot be changed here.",
    recommendedAction:
      'Use a Zendesk enterprise application added from the gallery or registered in this tenant, or maintain the roles where the application is registered.',
  },
  DuplicateSourceEntries: {
    category: 'data',
    retryable: false,
    httpStatus: 409,
    publicMessage:
      'More than one Entra object answers to a name that must be unique (a group asked for by name).',
    recommendedAction: 'Ask for the object by its object id, or give the objects distinct names.',
  },
  InvalidAppRoles: {
    category: 'data',
    retryable: false,
    httpStatus: 422,
    publicMessage:
      'The app roles to publish have duplicate values or display names, or a value with characters Graph refuses.',
    recommendedAction:
      'Rename the Zendesk roles that clash (custom roles must not be named like the built-in ones: end-user, agent, admin), then import the roles again (roles-import).',
  },
  UnexpectedSourceResponse: {
    category: 'internal',
    retryable: false,
    httpStatus: 502,
    publicMessage:
      'Microsoft Graph answered something provisio does not understand (a 4xx, or an unexpected body).',
    recommendedAction:
      'Check the request and response in the log; report it if it looks like a provisio bug.',
  },
});

/** Every code this connector reports: its own, and the engine's shared ones it uses. */
export const EntraErrorCode = {
  ...entraErrors.codes,
  InvalidCredentials: EngineErrorCode.InvalidCredentials,
  InsufficientRights: EngineErrorCode.InsufficientRights,
  TooManyRequests: EngineErrorCode.TooManyRequests,
  InvalidConfiguration: EngineErrorCode.InvalidConfiguration,
} as const;
export type EntraErrorCode = (typeof EntraErrorCode)[keyof typeof EntraErrorCode];

/** A `ConnectorError` whose code is one of this connector's. */
export type EntraConnectorError = ConnectorError<EntraErrorCode>;

const jwtPattern = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const bearerPattern = /(Bearer\s+)[^\s"',]+/gi;

/**
 * Removes secrets from text meant for people: the given values (the client secret) wherever they
 * appear, anything shaped like a JWT (access tokens) and bearer credentials.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Very short values would blank out ordinary words; a real client secret is 40 characters.
  for (const secret of secrets) if (secret.length >= 6) out = out.split(secret).join('[redacted]');
  return out.replace(jwtPattern, '[redacted token]').replace(bearerPattern, '$1[redacted]');
}

/** Builds the `ConnectorFailure` to throw, with every text field cleaned of secrets. */
export function connectorFailure(
  detail: EntraConnectorError,
  secrets: readonly string[],
): ConnectorFailure<EntraErrorCode> {
  const clean = (s: string) => redact(s, secrets);
  const out: { -readonly [K in keyof EntraConnectorError]: EntraConnectorError[K] } = {
    code: detail.code,
    message: clean(detail.message),
    retryable: detail.retryable,
  };
  if (detail.httpStatus !== undefined) out.httpStatus = detail.httpStatus;
  if (detail.request !== undefined) out.request = clean(detail.request);
  if (detail.response !== undefined) out.response = truncate(clean(detail.response));
  if (detail.detail !== undefined) out.detail = clean(detail.detail);
  if (detail.recommendedAction !== undefined) out.recommendedAction = clean(detail.recommendedAction);
  return new ConnectorFailure(out);
}
