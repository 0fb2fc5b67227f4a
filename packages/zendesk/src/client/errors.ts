import { type NetworkFailureInfo, truncate } from '@provisio/engine';
import { type ZendeskConnectorError, ZendeskErrorCode } from '../errors.js';
import { errorBodySchema } from './schemas.js';

/**
 * What a request is about, so that answers are worded for it: a 404 on a user, a group or a
 * membership means the record is gone (`InvalidAnchor`), and a 422 names the record's rules.
 */
export type ErrorSubject = 'user' | 'group' | 'membership' | 'other';

const nouns: Readonly<Record<ErrorSubject, string>> = {
  user: 'user',
  group: 'group',
  membership: 'group membership',
  other: 'record',
};

export interface ZendeskHttpErrorInit {
  readonly code: ZendeskErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  /** `METHOD /path`, never the query string's secrets (there are none) nor the credentials. */
  readonly request: string;
  readonly status?: number;
  /** The response body, already truncated. */
  readonly response?: string;
  readonly recommendedAction?: string;
  /** For connection failures: the system error code (`ECONNRESET`, `ENOTFOUND`…). */
  readonly networkCode?: string;
}

/**
 * A failed request to Zendesk: a non-2xx answer after the retries, a connection failure, or an
 * answer that does not validate. It never carries the API token: only `METHOD /path`, the status
 * and the (truncated) body.
 */
export class ZendeskHttpError extends Error {
  override readonly name = 'ZendeskHttpError';
  readonly code: ZendeskErrorCode;
  readonly retryable: boolean;
  readonly request: string;
  readonly status: number | undefined;
  readonly response: string | undefined;
  readonly recommendedAction: string | undefined;
  readonly networkCode: string | undefined;

  constructor(init: ZendeskHttpErrorInit) {
    super(init.message);
    this.code = init.code;
    this.retryable = init.retryable;
    this.request = init.request;
    this.status = init.status;
    this.response = init.response;
    this.recommendedAction = init.recommendedAction;
    this.networkCode = init.networkCode;
  }

  toConnectorError(): ZendeskConnectorError {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      request: this.request,
      ...(this.status === undefined ? {} : { httpStatus: this.status }),
      ...(this.response === undefined ? {} : { response: this.response }),
      ...(this.recommendedAction === undefined ? {} : { recommendedAction: this.recommendedAction }),
    };
  }
}

/**
 * Turns anything thrown while talking to Zendesk into a ConnectorError for the provisioning log. An
 * unexpected exception keeps its text in `detail`, out of the public message; it is provisio's own
 * failure (`InternalError`: a bug, or the state store behind the shared request budget failing),
 * not Zendesk's, which answers with an HTTP status (ZendeskHttpError).
 */
export function toConnectorError(error: unknown, request?: string): ZendeskConnectorError {
  if (error instanceof ZendeskHttpError) return error.toConnectorError();
  return {
    code: ZendeskErrorCode.InternalError,
    message: `Unexpected error${request ? ` during ${request}` : ''}.`,
    detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    retryable: true,
    ...(request === undefined ? {} : { request }),
  };
}

/**
 * What to do about a failed connection to `host`, by its kind: the host, port or certificate to
 * fix when trying again cannot help, the network path when it could (docs/provisioning.md#retries).
 */
export function networkFix(failure: NetworkFailureInfo, host: string): string {
  switch (failure.kind) {
    case 'host-not-found':
      return `Check target.domain (only the subdomain, "acme" for https://acme.zendesk.com) or target.baseUrl if you set one: ${host} does not resolve. Also check this server's DNS and proxy settings.`;
    case 'refused':
      return `Nothing accepts connections at ${host}: check the host and port of target.baseUrl (is the emulator running?), and that no firewall or proxy refuses them.`;
    case 'unreachable':
      return `Check this server's network route, firewall and proxy settings towards ${host}.`;
    case 'tls-untrusted':
      return `The certificate of ${host} is not signed by a trusted authority (${failure.code}). Zendesk's certificates are publicly trusted, so a TLS-inspecting proxy or a wrong target.baseUrl is likely: trust the proxy's CA for the whole process with NODE_EXTRA_CA_CERTS=<ca.pem> (source.caCertificateFile applies to Entra ID only), or correct target.baseUrl.`;
    case 'tls-hostname':
      return `The certificate of ${host} is for another host name: check target.domain and target.baseUrl; a TLS-inspecting proxy must issue certificates for ${host}.`;
    case 'tls-expired':
      return `The certificate of ${host} has expired or is not yet valid: check this server's clock; otherwise the certificate (or a TLS-inspecting proxy's) needs renewing.`;
    case 'tls-protocol':
      return `${host} did not complete a TLS handshake (${failure.code}): check that target.baseUrl uses https:// only for a port that speaks TLS (a local emulator is http://).`;
    default:
      return 'Check the network path to Zendesk (firewall, proxy); the next cycle retries.';
  }
}

/** The field problems of a 422 RecordInvalid body, as `field: description` lines. */
export function describeErrorBody(text: string): {
  error: string | null;
  description: string | null;
  fields: { field: string; description: string; error: string | null }[];
} {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: null, description: null, fields: [] };
  }
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) return { error: null, description: null, fields: [] };
  const body = parsed.data;
  const fields: { field: string; description: string; error: string | null }[] = [];
  for (const [field, problems] of Object.entries(body.details ?? {})) {
    for (const problem of problems) {
      fields.push({ field, description: problem.description ?? '', error: problem.error ?? null });
    }
  }
  const error = typeof body.error === 'string' ? body.error : (body.error?.title ?? null);
  const description =
    body.description ?? (typeof body.error === 'object' ? (body.error.message ?? null) : null);
  return { error, description, fields };
}

const duplicatePattern = /already being used|already been taken|DuplicateValue|already exists/i;

/** Whether a Zendesk problem text or code says a value belongs to another record. */
export function isDuplicateProblem(text: string | null | undefined): boolean {
  return text != null && duplicatePattern.test(text);
}

/** A refusal by one of Zendesk's group rules: its code and what the administrator can do. */
export interface GroupRuleViolation {
  readonly code: ZendeskErrorCode;
  readonly recommendedAction: string;
}

/**
 * Which group rule a 422 text names, if any (the emulator's texts, as Zendesk's API texts are
 * unverified; the rules: https://developer.zendesk.com/api-reference/ticketing/groups/groups/ and
 * https://developer.zendesk.com/api-reference/ticketing/groups/group_memberships/): a membership for
 * an end user ("… is not an agent"), the removal of an agent's last membership ("… at least one
 * group"), the deletion of a default group.
 */
export function groupRuleViolation(subject: ErrorSubject, text: string): GroupRuleViolation | null {
  if (subject === 'membership') {
    if (/not an agent|only agents|agents? only|end.?users? cannot/i.test(text)) {
      return {
        code: ZendeskErrorCode.ZendeskNotAnAgent,
        recommendedAction:
          'Zendesk only puts agents and admins in groups: give the user an agent, admin or custom role (role mapping), or do not assign the group to end users.',
      };
    }
    if (/at least one group|last (group|membership)/i.test(text)) {
      return {
        code: ZendeskErrorCode.ZendeskLastMembership,
        recommendedAction:
          'Every Zendesk agent must stay in a group: assign the agent another group first (provisio adds memberships before it removes them), or downgrade the agent.',
      };
    }
  }
  if (subject === 'group' && /default group/i.test(text)) {
    return {
      code: ZendeskErrorCode.ZendeskDefaultGroup,
      recommendedAction:
        "Zendesk does not delete a default group: make another group the account's default (and the agents' default group) in Zendesk first, or keep this group.",
    };
  }
  return null;
}

/**
 * The ZendeskHttpError for a non-2xx answer (after retries). `subject` says what the request was
 * about, so a 404 on a user, group or membership becomes `InvalidAnchor`.
 */
export function errorForStatus(
  status: number,
  request: string,
  bodyText: string,
  subject: ErrorSubject = 'other',
): ZendeskHttpError {
  const response = truncate(bodyText);
  const base = { request, status, response };
  const body = describeErrorBody(bodyText);
  const summary = body.description ?? body.error ?? (bodyText.trim() === '' ? 'empty body' : 'see response');
  if (status === 401) {
    return new ZendeskHttpError({
      ...base,
      code: ZendeskErrorCode.InvalidCredentials,
      retryable: false,
      message: `Zendesk did not accept the credentials (401) for ${request}: ${summary}`,
      recommendedAction:
        'Check that Admin Username is the email of an active, verified Zendesk admin and that Secret Token is an active API token with token access enabled (Admin Center > Apps and integrations > APIs > Zendesk API).',
    });
  }
  if (status === 403) {
    return new ZendeskHttpError({
      ...base,
      code: ZendeskErrorCode.InsufficientRights,
      retryable: false,
      message: `Zendesk refused ${request} (403 Forbidden): ${summary}`,
      recommendedAction: 'Use the credentials of a Zendesk admin; some endpoints also depend on the plan.',
    });
  }
  if (status === 404) {
    if (subject !== 'other') {
      return new ZendeskHttpError({
        ...base,
        code: ZendeskErrorCode.InvalidAnchor,
        retryable: false,
        message: `The Zendesk ${nouns[subject]} does not exist any more (404 on ${request})`,
        recommendedAction: goneAction[subject],
      });
    }
    return new ZendeskHttpError({
      ...base,
      code: ZendeskErrorCode.ZendeskNotFound,
      retryable: false,
      message: `Zendesk answered 404 Not Found to ${request}${bodyText.trim() === '' ? ' with an empty body (is the subdomain right?)' : `: ${summary}`}`,
    });
  }
  const problems = body.fields.map((f) => f.description).join(' ');
  const rule = status === 422 ? groupRuleViolation(subject, `${problems} ${summary}`) : null;
  if (rule) {
    return new ZendeskHttpError({
      ...base,
      code: rule.code,
      retryable: false,
      message: `Zendesk refused ${request}: ${problems || summary}`,
      recommendedAction: rule.recommendedAction,
    });
  }
  if (
    status === 409 ||
    (status === 422 &&
      body.fields.some((f) => isDuplicateProblem(f.error) || isDuplicateProblem(f.description)))
  ) {
    const fields = body.fields.map((f) => f.field);
    return new ZendeskHttpError({
      ...base,
      code: ZendeskErrorCode.ZendeskEntryConflict,
      retryable: false,
      message: `${fields.length > 0 ? `${unique(fields).join(', ')} already belongs to another Zendesk ${nouns[subject === 'other' ? 'user' : subject]}` : `Conflict with another Zendesk ${nouns[subject === 'other' ? 'user' : subject]}`}: ${problems || summary}`,
      recommendedAction:
        subject === 'group'
          ? 'Another Zendesk group has this name: rename or delete it in Zendesk, or change the group name mapping.'
          : 'Another Zendesk user holds this email or external_id: merge or remove the duplicate in Zendesk, or fix the source value.',
    });
  }
  if (status === 422) {
    // `base` problems are about the record as a whole, not one of its fields.
    const fields = unique(body.fields.map((f) => f.field).filter((f) => f !== 'base'));
    return new ZendeskHttpError({
      ...base,
      code: ZendeskErrorCode.ZendeskUnprocessableEntity,
      retryable: false,
      message:
        fields.length > 0
          ? `Zendesk refused the value of ${fields.join(', ')}: ${problems}`
          : `Zendesk refused ${request} (422): ${problems || summary}`,
      recommendedAction: 'Fix the attribute mapping or the source value named in the message.',
    });
  }
  if (status === 429) {
    return new ZendeskHttpError({
      ...base,
      code: ZendeskErrorCode.TooManyRequests,
      retryable: true,
      message: `Zendesk kept answering 429 Too Many Requests to ${request}`,
      recommendedAction: 'Zendesk rate limits were exhausted; the next cycle retries.',
    });
  }
  if (status >= 500) {
    return new ZendeskHttpError({
      ...base,
      code: ZendeskErrorCode.ZendeskInternalServerError,
      retryable: true,
      message: `Zendesk answered ${status} to ${request}`,
      recommendedAction: 'A temporary Zendesk failure; the next cycle retries.',
    });
  }
  return new ZendeskHttpError({
    ...base,
    code: ZendeskErrorCode.ZendeskBadRequest,
    retryable: false,
    message: `Zendesk refused ${request} (${status}): ${summary}`,
  });
}

const goneAction: Readonly<Record<Exclude<ErrorSubject, 'other'>, string>> = {
  user: 'The user was deleted in Zendesk; it will be matched or created again.',
  group: 'The group was deleted in Zendesk; it will be created again while it is in scope.',
  membership: 'The membership was removed in Zendesk; the next cycle compares memberships again.',
};

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
