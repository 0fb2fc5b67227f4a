import type { ConnectorError } from '@provisio/engine';
import { errorBodySchema } from './schemas.js';

/**
 * The error codes this package reports (ConnectorError.code), one catalogue. Entra's names where
 * Entra has one for the same situation (`TooManyRequests`, `InvalidAnchor`, `Unauthorized`,
 * `InsufficientRights`); otherwise `Zendesk…`.
 */
export const zendeskErrorCodes = {
  /** 400: Zendesk refused the request itself (a bug here, or an API change). */
  badRequest: 'ZendeskBadRequest',
  /** 401: bad admin username or API token, or token access disabled. */
  unauthorized: 'Unauthorized',
  /** 403: the account or the user may not do this (not an admin, plan, shared user). */
  insufficientRights: 'InsufficientRights',
  /** 404 on a user: the target user is gone (deleted in Zendesk). */
  invalidAnchor: 'InvalidAnchor',
  /** 404 anywhere else (an unknown subdomain answers 404 with an empty body). */
  notFound: 'ZendeskNotFound',
  /** 409, or 422 DuplicateValue: the email or external_id belongs to another user. */
  entryConflict: 'ZendeskEntryConflict',
  /** 422 RecordInvalid: a value Zendesk does not accept. */
  unprocessableEntity: 'ZendeskUnprocessableEntity',
  /** 429 after every retry. */
  tooManyRequests: 'TooManyRequests',
  /** 5xx after every retry. */
  internalServerError: 'ZendeskInternalServerError',
  /** The connection failed (reset, refused, DNS, timeout) after every retry. */
  network: 'ZendeskNetworkError',
  /** A 2xx answer whose body is not what the API documents. */
  unexpectedResponse: 'ZendeskUnexpectedResponse',
  /** A bulk job did not finish in time. */
  timeout: 'Timeout',
  /** A bulk job's status was not found (expired, or never became visible). */
  jobNotFound: 'ZendeskJobNotFound',
  /** A bulk job ended `failed` or `killed`. */
  jobFailed: 'ZendeskJobFailed',
  /** 422 on a group membership: the user is an end user, and only agents and admins join groups. */
  notAnAgent: 'ZendeskNotAnAgent',
  /** 422 on removing a membership: it is the agent's last one (every agent is in a group). */
  lastMembership: 'ZendeskLastMembership',
  /** 422 on deleting a group: it is the account's default group, or the default group of agents. */
  defaultGroup: 'ZendeskDefaultGroup',
} as const;

export type ZendeskErrorCode = (typeof zendeskErrorCodes)[keyof typeof zendeskErrorCodes];

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

/** Response bodies in errors are cut to this many characters (the port's limit). */
export const maxResponseChars = 2_000;

export function truncate(text: string, max = maxResponseChars): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

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

  toConnectorError(): ConnectorError {
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

/** Turns anything thrown while talking to Zendesk into a ConnectorError for the provisioning log. */
export function toConnectorError(error: unknown, request?: string): ConnectorError {
  if (error instanceof ZendeskHttpError) return error.toConnectorError();
  return {
    code: zendeskErrorCodes.internalServerError,
    message: `Unexpected error${request ? ` during ${request}` : ''}: ${error instanceof Error ? error.message : String(error)}`,
    retryable: true,
    ...(request === undefined ? {} : { request }),
  };
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
 * Which group rule a 422 text names, if any (digest §3.1, §3.2; the emulator's texts, as Zendesk's
 * API texts are unverified): a membership for an end user ("… is not an agent"), the removal of an
 * agent's last membership ("… at least one group"), the deletion of a default group.
 */
export function groupRuleViolation(subject: ErrorSubject, text: string): GroupRuleViolation | null {
  if (subject === 'membership') {
    if (/not an agent|only agents|agents? only|end.?users? cannot/i.test(text)) {
      return {
        code: zendeskErrorCodes.notAnAgent,
        recommendedAction:
          'Zendesk only puts agents and admins in groups: give the user an agent, admin or custom role (role mapping), or do not assign the group to end users.',
      };
    }
    if (/at least one group|last (group|membership)/i.test(text)) {
      return {
        code: zendeskErrorCodes.lastMembership,
        recommendedAction:
          'Every Zendesk agent must stay in a group: assign the agent another group first (provisio adds memberships before it removes them), or downgrade the agent.',
      };
    }
  }
  if (subject === 'group' && /default group/i.test(text)) {
    return {
      code: zendeskErrorCodes.defaultGroup,
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
      code: zendeskErrorCodes.unauthorized,
      retryable: false,
      message: `Zendesk did not accept the credentials (401) for ${request}: ${summary}`,
      recommendedAction:
        'Check that Admin Username is the email of an active, verified Zendesk admin and that Secret Token is an active API token with token access enabled (Admin Center > Apps and integrations > APIs > Zendesk API).',
    });
  }
  if (status === 403) {
    return new ZendeskHttpError({
      ...base,
      code: zendeskErrorCodes.insufficientRights,
      retryable: false,
      message: `Zendesk refused ${request} (403 Forbidden): ${summary}`,
      recommendedAction: 'Use the credentials of a Zendesk admin; some endpoints also depend on the plan.',
    });
  }
  if (status === 404) {
    if (subject !== 'other') {
      return new ZendeskHttpError({
        ...base,
        code: zendeskErrorCodes.invalidAnchor,
        retryable: false,
        message: `The Zendesk ${nouns[subject]} does not exist any more (404 on ${request})`,
        recommendedAction: goneAction[subject],
      });
    }
    return new ZendeskHttpError({
      ...base,
      code: zendeskErrorCodes.notFound,
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
      code: zendeskErrorCodes.entryConflict,
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
      code: zendeskErrorCodes.unprocessableEntity,
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
      code: zendeskErrorCodes.tooManyRequests,
      retryable: true,
      message: `Zendesk kept answering 429 Too Many Requests to ${request}`,
      recommendedAction: 'Zendesk rate limits were exhausted; the next cycle retries.',
    });
  }
  if (status >= 500) {
    return new ZendeskHttpError({
      ...base,
      code: zendeskErrorCodes.internalServerError,
      retryable: true,
      message: `Zendesk answered ${status} to ${request}`,
      recommendedAction: 'A temporary Zendesk failure; the next cycle retries.',
    });
  }
  return new ZendeskHttpError({
    ...base,
    code: zendeskErrorCodes.badRequest,
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
