import { type ConnectorError, ConnectorFailure } from '@provisio/engine';

/**
 * The stable error codes this connector reports (in `ConnectorError.code` and `ConnectionStep.code`).
 * Entra's own names where it has them (`TooManyRequests`); the rest name the cause, not the HTTP status.
 */
export const EntraErrorCode = {
  /** The identity platform refused the app's credentials (wrong secret, app id or tenant). */
  InvalidCredentials: 'InvalidCredentials',
  /** Graph answered 403: the app lacks an application permission (or its admin consent). */
  InsufficientRights: 'InsufficientRights',
  /** Graph kept answering 429 after the bounded retries. */
  TooManyRequests: 'TooManyRequests',
  /** Graph or the identity platform could not be reached, or kept answering 5xx. */
  SourceUnavailable: 'SourceUnavailable',
  /** The configured servicePrincipalId names no service principal. */
  ServicePrincipalNotFound: 'ServicePrincipalNotFound',
  /** Graph refused a `$select`ed attribute (not a property of microsoft.graph.user). */
  InvalidSourceAttribute: 'InvalidSourceAttribute',
  /** The Zendesk service principal's application is not registered in this tenant (its roles cannot be edited). */
  ApplicationNotFound: 'ApplicationNotFound',
  /** More than one source object answers to a name that must be unique (a group's display name). */
  DuplicateSourceEntries: 'DuplicateSourceEntries',
  /** The app roles asked to be published cannot be: duplicate values or names, or an invalid value. */
  InvalidAppRoles: 'InvalidAppRoles',
  /** Graph answered something this connector does not understand (4xx or an unexpected body). */
  UnexpectedSourceResponse: 'UnexpectedSourceResponse',
} as const;
export type EntraErrorCode = (typeof EntraErrorCode)[keyof typeof EntraErrorCode];

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

/** Bodies in errors are truncated to this many characters (the port's contract). */
export const maxResponseChars = 2000;

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Builds the `ConnectorFailure` to throw, with every text field cleaned of secrets. */
export function connectorFailure(detail: ConnectorError, secrets: readonly string[]): ConnectorFailure {
  const clean = (s: string) => redact(s, secrets);
  const out: { -readonly [K in keyof ConnectorError]: ConnectorError[K] } = {
    code: detail.code,
    message: clean(detail.message),
    retryable: detail.retryable,
  };
  if (detail.httpStatus !== undefined) out.httpStatus = detail.httpStatus;
  if (detail.request !== undefined) out.request = clean(detail.request);
  if (detail.response !== undefined) out.response = truncate(clean(detail.response), maxResponseChars);
  if (detail.recommendedAction !== undefined) out.recommendedAction = clean(detail.recommendedAction);
  return new ConnectorFailure(out);
}
