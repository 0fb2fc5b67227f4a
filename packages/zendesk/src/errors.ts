/**
 * The Zendesk connector's error catalogue: every code this package reports, in `ConnectorError.code`,
 * `PreparedAttributes` problems and `ConnectionStep.code`. Codes Entra's provisioning also uses
 * (`InvalidCredentials`, `InsufficientRights`, `TooManyRequests`, `InvalidAnchor`) are the engine's,
 * shared with the Entra connector; the others are Zendesk's own, most named `Zendesk…`.
 * docs/provisioning.md ("Error codes") lists them all. Zendesk's error answers ("Response format"):
 * https://developer.zendesk.com/api-reference/introduction/requests/
 */
import { type ConnectorError, defineErrorCatalogue, EngineErrorCode } from '@provisio/engine';

export const zendeskErrors = defineErrorCatalogue('@provisio/zendesk', {
  // Answers of the API (client/errors.ts, client/http.ts, client/jobs.ts).
  ZendeskBadRequest: {
    category: 'internal',
    retryable: false,
    httpStatus: 502,
    publicMessage: 'Zendesk refused the request itself (400 or another 4xx).',
    recommendedAction: "Report it: a provisio bug, or a change in Zendesk's API.",
  },
  ZendeskNotFound: {
    category: 'configuration',
    retryable: false,
    httpStatus: 422,
    publicMessage:
      'Zendesk answered 404 Not Found to a request that is not about a user, group or membership.',
    recommendedAction:
      'Check the Zendesk domain (target.domain): only the subdomain, "acme" for https://acme.zendesk.com.',
  },
  ZendeskEntryConflict: {
    category: 'data',
    retryable: false,
    httpStatus: 409,
    publicMessage: 'A value belongs to another Zendesk user or group (409, or 422 "already taken").',
    recommendedAction:
      'Merge or remove the duplicate in Zendesk, or fix the source value (for a group, rename the other group or change the name mapping).',
  },
  ZendeskUnprocessableEntity: {
    category: 'data',
    retryable: false,
    httpStatus: 422,
    publicMessage: 'Zendesk refused a value (422); the message names the field.',
    recommendedAction: 'Fix the attribute mapping or the source value the message names.',
  },
  ZendeskInternalServerError: {
    category: 'transient',
    retryable: true,
    httpStatus: 502,
    publicMessage: 'Zendesk kept failing (5xx) after the retries, or failed in an unexpected way.',
    recommendedAction: 'None: provisio tries again. If it recurs, see https://status.zendesk.com.',
  },
  ZendeskNetworkError: {
    category: 'transient',
    retryable: true,
    httpStatus: 502,
    publicMessage:
      'Zendesk could not be reached: an unknown host, a refused connection or an untrusted certificate (not retried), or timeouts and resets that outlasted the retries.',
    recommendedAction:
      'Do what the message says: check target.domain or target.baseUrl, and that this host can reach Zendesk over HTTPS (firewall, proxy, DNS, the CA of a TLS-inspecting proxy).',
  },
  ZendeskUnexpectedResponse: {
    category: 'internal',
    retryable: false,
    httpStatus: 502,
    publicMessage: "Zendesk's answer is not what its API documents.",
    recommendedAction:
      'Check that the domain (or the base URL) points at a Zendesk Support account; otherwise report it.',
  },
  Timeout: {
    category: 'transient',
    retryable: true,
    httpStatus: 504,
    publicMessage: 'A Zendesk bulk job did not finish within 10 minutes.',
    recommendedAction: 'None: the next cycle checks the users again.',
  },
  ZendeskJobNotFound: {
    category: 'transient',
    retryable: true,
    httpStatus: 502,
    publicMessage: 'The status of a Zendesk bulk job could not be found (expired, or never visible).',
    recommendedAction: 'None: the next cycle checks the users again.',
  },
  ZendeskJobFailed: {
    category: 'transient',
    retryable: true,
    httpStatus: 502,
    publicMessage: 'A Zendesk bulk job ended failed or killed, or reported no result for the object.',
    recommendedAction: 'None: the next cycle tries again.',
  },
  ZendeskNotAnAgent: {
    category: 'data',
    retryable: false,
    httpStatus: 422,
    publicMessage: 'Zendesk refused a group membership: the user is an end user.',
    recommendedAction:
      'Give the user an agent, admin or custom role (role mapping), or do not put end users in the group.',
  },
  ZendeskLastMembership: {
    category: 'data',
    retryable: false,
    httpStatus: 422,
    publicMessage:
      "Zendesk refused to remove an agent's last group membership: every agent stays in at least one group.",
    recommendedAction: 'Give the agent another group first, or downgrade the agent.',
  },
  ZendeskDefaultGroup: {
    category: 'data',
    retryable: false,
    httpStatus: 422,
    publicMessage: "Zendesk refused to delete a default group (the account's, or an agent's).",
    recommendedAction: 'Make another group the default in Zendesk first, or keep the group.',
  },

  // Values the connector cannot convert (connector/attributes.ts, connector/groups.ts).
  UnknownRole: {
    category: 'data',
    retryable: false,
    httpStatus: 422,
    publicMessage: "None of the user's role names is a Zendesk role or one of the account's custom roles.",
    recommendedAction:
      'Rename the app role in Entra ID, create the custom role in Zendesk, or fix the role mapping.',
  },
  InvalidValue: {
    category: 'data',
    retryable: false,
    httpStatus: 422,
    publicMessage: 'A Zendesk field cannot take the mapped value (wrong type, or a read-only field).',
    recommendedAction:
      'Map user_fields.<key> rather than user_fields; for groups, map only name, description and is_public.',
  },
  MissingGroupName: {
    category: 'data',
    retryable: false,
    httpStatus: 422,
    publicMessage: 'The name mapping gives no value for this group, and a Zendesk group needs a name.',
    recommendedAction: 'Fix the group mappings (mappings.groups.attributes).',
  },

  // The connection test (connector/test-connection.ts).
  UnknownSubdomain: {
    category: 'configuration',
    retryable: false,
    httpStatus: 422,
    publicMessage: 'There is no Zendesk account with this subdomain.',
    recommendedAction: 'Check the domain: only the subdomain, "acme" for https://acme.zendesk.com.',
  },
  HostNotFound: {
    category: 'configuration',
    retryable: false,
    httpStatus: 422,
    publicMessage: 'The Zendesk host name was not found (DNS).',
    recommendedAction:
      'Check the domain (only the subdomain, "acme" for https://acme.zendesk.com), and this host\'s DNS and proxy settings.',
  },
  NotAnAdmin: {
    category: 'permissions',
    retryable: false,
    httpStatus: 502,
    publicMessage: 'The Zendesk user provisio signs in as is not an admin.',
    recommendedAction: 'Use the e-mail address of a Zendesk admin as the admin username.',
  },
});

/** Every code this package reports: its own, and the engine's shared ones it uses. */
export const ZendeskErrorCode = {
  ...zendeskErrors.codes,
  InvalidCredentials: EngineErrorCode.InvalidCredentials,
  InsufficientRights: EngineErrorCode.InsufficientRights,
  TooManyRequests: EngineErrorCode.TooManyRequests,
  InvalidAnchor: EngineErrorCode.InvalidAnchor,
  InternalError: EngineErrorCode.InternalError,
  InvalidConfiguration: EngineErrorCode.InvalidConfiguration,
} as const;
export type ZendeskErrorCode = (typeof ZendeskErrorCode)[keyof typeof ZendeskErrorCode];

/** A `ConnectorError` whose code is one of this package's. */
export type ZendeskConnectorError = ConnectorError<ZendeskErrorCode>;
