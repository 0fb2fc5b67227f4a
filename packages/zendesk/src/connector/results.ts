import { truncate } from '@provisio/engine';
import { groupRuleViolation, isDuplicateProblem } from '../client/errors.js';
import type { ZendeskJobResult, ZendeskJobStatus } from '../client/schemas.js';
import { type ZendeskConnectorError, ZendeskErrorCode } from '../errors.js';

/**
 * Bulk job results back to the items of the request, and one classifier for a refused item, shared
 * by users and group memberships
 * (https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/).
 *
 * Zendesk does not document that results come in request order, and their shapes differ by
 * endpoint, so each result is placed defensively: by `index`; by record id (user update and delete,
 * membership destroy); by email or external_id (create_or_update_many reports them); by a failed
 * create's `id`, which is the request index; and last by position when there are exactly as many
 * results as items.
 */

/** What identifies a bulk item in its job's results (see `placeJobResults`). */
export interface PlacementKey {
  /** The id of the record the item writes (a user for update/delete, a membership for destroy). */
  readonly id?: number;
  readonly email?: string | null;
  readonly externalId?: string | null;
}

function lower(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value).trim().toLowerCase();
  return text === '' ? null : text;
}

export function isFailure(result: ZendeskJobResult): boolean {
  return result.success === false || (result.status ?? '').toLowerCase() === 'failed' || !!result.error;
}

function isFree(placed: readonly unknown[], index: number | undefined): index is number {
  return index !== undefined && index >= 0 && index < placed.length && placed[index] === undefined;
}

/**
 * Each item's result, in the items' order (undefined when no result names the item): by `index`;
 * by record id; by external_id or email; by a failed item's `id` when the items have no ids (a
 * failed create reports the request index there, observed); last by position, when there are as
 * many results as items.
 */
export function placeJobResults(
  items: readonly PlacementKey[],
  results: readonly ZendeskJobResult[],
): (ZendeskJobResult | undefined)[] {
  const placed: (ZendeskJobResult | undefined)[] = new Array(items.length).fill(undefined);
  const byId = new Map<number, number>();
  const byEmail = new Map<string, number>();
  const byExternalId = new Map<string, number>();
  items.forEach((item, index) => {
    if (item.id !== undefined) byId.set(item.id, index);
    const email = lower(item.email);
    if (email !== null) byEmail.set(email, index);
    const externalId = lower(item.externalId);
    if (externalId !== null) byExternalId.set(externalId, index);
  });
  const unplaced: ZendeskJobResult[] = [];

  for (const result of results) {
    const numericId = typeof result.id === 'number' ? result.id : Number.NaN;
    const candidates = [
      typeof result.index === 'number' ? result.index : undefined,
      Number.isNaN(numericId) ? undefined : byId.get(numericId),
      byExternalId.get(lower(result.external_id) ?? ''),
      byEmail.get(lower(result.email) ?? ''),
      // A failed create_or_update_many item reports the request index as `id` (observed).
      isFailure(result) && byId.size === 0 && Number.isInteger(numericId) ? numericId : undefined,
    ];
    const index = candidates.find((c) => isFree(placed, c));
    if (index === undefined) unplaced.push(result);
    else placed[index] = result;
  }
  if (results.length === items.length) {
    // As many results as items: the ones not placed otherwise fill the free places in order
    // (which is their own position when Zendesk keeps the request order).
    const open = placed.map((r, i) => (r === undefined ? i : -1)).filter((i) => i >= 0);
    unplaced.forEach((result, n) => {
      const index = open[n];
      if (index !== undefined) placed[index] = result;
    });
  }
  return placed;
}

/** Details as text: a string as sent, or the descriptions of a RecordInvalid-style object. */
export function detailsText(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details === 'string') return details;
  if (typeof details === 'object' && !Array.isArray(details)) {
    const parts: string[] = [];
    for (const [field, problems] of Object.entries(details as Record<string, unknown>)) {
      for (const problem of Array.isArray(problems) ? problems : [problems]) {
        const description =
          problem && typeof problem === 'object'
            ? (problem as { description?: unknown }).description
            : problem;
        parts.push(typeof description === 'string' ? description : `${field}: ${JSON.stringify(problem)}`);
      }
    }
    return parts.join(' ');
  }
  return JSON.stringify(details);
}

const fieldLabels: Readonly<Record<string, string>> = {
  external: 'external_id',
  custom_role: 'custom_role_id',
  organization: 'organization_id',
  locale: 'locale',
};

/** The user field a Zendesk problem text names ("Email: x is not properly formatted" → email). */
export function fieldOfProblem(text: string): string | null {
  const match = /^\s*([A-Za-z][A-Za-z _]{0,40}?):\s/.exec(text);
  if (!match?.[1]) return null;
  const label = match[1].trim().toLowerCase().replace(/\s+/g, '_');
  return fieldLabels[label] ?? label;
}

// ---------------------------------------------------------------------------------------------
// One classifier for a refused item

/** What a bulk item writes: a user, or a group membership. */
export type JobSubject = 'user' | 'membership';

/** A refusal of one item: Zendesk's error name and its problem text (a job result, or a 422 body). */
export interface ItemProblem {
  readonly error: string | null;
  readonly details: string;
}

export interface ProblemContext {
  readonly request: string;
  readonly response?: string;
  readonly httpStatus?: number;
  /** What was asked, for the message (memberships): `Zendesk did not add user 1 to group 2`. */
  readonly what?: string;
}

/** What a refusal says, for the wording: the error name (`Failed` without one), the text, the ask. */
interface Said {
  readonly error: string;
  readonly text: string;
  readonly what: string;
}

const withText = (text: string) => (text ? `: ${text}` : '');

/** How each subject words the kinds of refusal, and what else means the record is gone. */
interface Wording {
  /** Problem texts that also say the record (or one it needs) is gone; the error name RecordNotFound always does. */
  readonly goneText: RegExp | null;
  readonly gone: (said: Said) => string;
  readonly goneAction: string;
  readonly duplicate: (said: Said, field: string | null) => string;
  readonly duplicateAction?: string;
  readonly rule: (said: Said) => string;
  readonly throttled: (said: Said) => string;
  readonly internal: (said: Said) => string;
  readonly refused: (said: Said, field: string | null) => string;
  readonly refusedAction: string;
}

const wording: Readonly<Record<JobSubject, Wording>> = {
  user: {
    goneText: null,
    gone: (s) => `The Zendesk user does not exist any more (${s.error}${withText(s.text)})`,
    goneAction: 'The user was deleted in Zendesk; it will be matched or created again.',
    duplicate: (s, field) =>
      `${field ?? 'A value'} already belongs to another Zendesk user: ${s.text || s.error}`,
    duplicateAction:
      'Another Zendesk user holds this email or external_id: merge or remove the duplicate in Zendesk, or fix the source value.',
    rule: (s) => `Zendesk refused the user: ${s.text || s.error}`,
    throttled: (s) => `Zendesk rate-limited this user (${s.error}): ${s.text}`,
    internal: (s) => `Zendesk failed on this user (${s.error})${withText(s.text)}`,
    refused: (s, field) =>
      `Zendesk refused ${field ? `the value of ${field}` : 'the user'} (${s.error})${withText(s.text)}`,
    refusedAction: 'Fix the attribute mapping or the source value named in the message.',
  },
  membership: {
    // "Group: cannot be blank", "User not found": the user or the group is gone.
    goneText: /cannot be blank|not found|does not exist/i,
    gone: (s) => {
      const field = fieldOfProblem(s.text);
      const which = field === 'user' || field === 'group' ? field : 'user or group';
      return `${s.what}: the ${which} does not exist in Zendesk (any more)${s.text ? ` (${s.text})` : ''}`;
    },
    goneAction:
      'The user or group was deleted in Zendesk; the next cycle creates or matches it again and compares memberships.',
    duplicate: (s) => `${s.what}: ${s.text || s.error}`,
    rule: (s) => `${s.what}: ${s.text || s.error}`,
    throttled: (s) => `${s.what}: ${s.text}`,
    internal: (s) => `${s.what} (${s.error})${withText(s.text)}`,
    refused: (s) => `${s.what} (${s.error})${withText(s.text)}`,
    refusedAction: 'Check the user and the group in Zendesk; the message says what Zendesk refused.',
  },
};

/**
 * The ConnectorError for one refused item, users and memberships alike. In this order: the record
 * is gone (`RecordNotFound`) → `InvalidAnchor`; a value another record holds, or a membership that
 * exists already → `ZendeskEntryConflict`; one of Zendesk's group rules → its own code; a problem
 * text saying the record is gone (memberships) → `InvalidAnchor`; throttled → `TooManyRequests`
 * (retryable); an internal error → `ZendeskInternalServerError` (retryable); anything else →
 * `ZendeskUnprocessableEntity`. Callers decide what a code means for their write (a delete of a
 * user already gone succeeded; an add of a membership that exists succeeded).
 */
export function problemError(
  subject: JobSubject,
  problem: ItemProblem,
  context: ProblemContext,
): ZendeskConnectorError {
  const words = wording[subject];
  const said: Said = {
    error: problem.error ?? 'Failed',
    text: problem.details.trim(),
    what: context.what ?? `Zendesk did not write the ${subject === 'user' ? 'user' : 'group membership'}`,
  };
  const base = {
    request: context.request,
    ...(context.response === undefined ? {} : { response: context.response }),
    ...(context.httpStatus === undefined ? {} : { httpStatus: context.httpStatus }),
  };
  const field = fieldOfProblem(said.text);
  if (problem.error === 'RecordNotFound')
    return {
      ...base,
      code: ZendeskErrorCode.InvalidAnchor,
      message: words.gone(said),
      retryable: false,
      recommendedAction: words.goneAction,
    };
  if (
    isDuplicateProblem(said.text) ||
    isDuplicateProblem(problem.error) ||
    /already (a )?member/i.test(said.text)
  )
    return {
      ...base,
      code: ZendeskErrorCode.ZendeskEntryConflict,
      message: words.duplicate(said, field),
      retryable: false,
      ...(words.duplicateAction === undefined ? {} : { recommendedAction: words.duplicateAction }),
    };
  const rule = groupRuleViolation(subject, `${said.text} ${problem.error ?? ''}`);
  if (rule)
    return {
      ...base,
      code: rule.code,
      message: words.rule(said),
      retryable: false,
      recommendedAction: rule.recommendedAction,
    };
  if (words.goneText?.test(said.text))
    return {
      ...base,
      code: ZendeskErrorCode.InvalidAnchor,
      message: words.gone(said),
      retryable: false,
      recommendedAction: words.goneAction,
    };
  if (/rate.?limit|too.?many/i.test(`${problem.error ?? ''} ${said.text}`))
    return {
      ...base,
      code: ZendeskErrorCode.TooManyRequests,
      message: words.throttled(said),
      retryable: true,
    };
  if (/internal/i.test(problem.error ?? ''))
    return {
      ...base,
      code: ZendeskErrorCode.ZendeskInternalServerError,
      message: words.internal(said),
      retryable: true,
    };
  return {
    ...base,
    code: ZendeskErrorCode.ZendeskUnprocessableEntity,
    message: words.refused(said, field),
    retryable: false,
    recommendedAction: words.refusedAction,
  };
}

// ---------------------------------------------------------------------------------------------
// A job's results, one outcome per item

/** How one item of a bulk job ended. */
export type JobItemOutcome =
  /** `id`: the record's id when the result names one (a created user or membership). */
  | {
      readonly kind: 'ok';
      readonly id: number | null;
      readonly status: string | null;
      /** The result's `action` (e.g. `create`, `update`), when it names one. */
      readonly action: string | null;
    }
  | { readonly kind: 'failed'; readonly error: ZendeskConnectorError };

/** One bulk item: where its result is found, and what it asked (for messages). */
export interface JobItem {
  readonly key: PlacementKey;
  readonly what?: string;
}

/** The failure of an item no result names (should not happen): retryable. */
export function noResult(subject: JobSubject, request: string): ZendeskConnectorError {
  return {
    code: ZendeskErrorCode.ZendeskJobFailed,
    message: `The Zendesk job reported no result for this ${subject}`,
    retryable: true,
    request,
  };
}

/** One outcome per item, in the items' order, from a completed job's results. */
export function mapJobResults(
  subject: JobSubject,
  items: readonly JobItem[],
  results: readonly ZendeskJobResult[],
  request: string,
): JobItemOutcome[] {
  const placed = placeJobResults(
    items.map((item) => item.key),
    results,
  );
  return items.map((item, index): JobItemOutcome => {
    const result = placed[index];
    if (!result) return { kind: 'failed', error: noResult(subject, request) };
    if (isFailure(result)) {
      const error = problemError(
        subject,
        { error: result.error ?? null, details: detailsText(result.details) },
        {
          request,
          response: truncate(JSON.stringify(result)),
          ...(item.what === undefined ? {} : { what: item.what }),
        },
      );
      return { kind: 'failed', error };
    }
    const id = typeof result.id === 'number' ? result.id : Number(result.id);
    return {
      kind: 'ok',
      id: Number.isSafeInteger(id) && id > 0 ? id : null,
      status: result.status ?? null,
      action: typeof result.action === 'string' ? result.action : null,
    };
  });
}

/** One outcome per item of a finished job; a job that did not complete fails every item, retryably. */
export function jobOutcomes(
  subject: JobSubject,
  job: ZendeskJobStatus,
  items: readonly JobItem[],
  request: string,
): JobItemOutcome[] {
  if (job.status !== 'completed') {
    const error: ZendeskConnectorError = {
      code: ZendeskErrorCode.ZendeskJobFailed,
      message: `Zendesk job ${job.id} ended "${job.status}"${job.message ? `: ${job.message}` : ''}`,
      retryable: true,
      request,
    };
    return items.map(() => ({ kind: 'failed', error }));
  }
  return mapJobResults(subject, items, Array.isArray(job.results) ? job.results : [], request);
}
