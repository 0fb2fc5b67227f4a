import { truncate } from '@provisio/engine';
import { isDuplicateProblem } from '../client/errors.js';
import type { ZendeskJobResult } from '../client/schemas.js';
import { type ZendeskConnectorError, ZendeskErrorCode } from '../errors.js';

/**
 * Maps a bulk job's `results` back to the items of the request (https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/). Zendesk does not
 * document that results come in request order, and their shapes differ by endpoint, so each result
 * is placed defensively: by `index`; by user id (update, delete); by email or external_id
 * (create_or_update_many reports them); by a failed create's `id`, which is the request index;
 * and last by position when there are exactly as many results as items.
 */

export interface JobItem {
  /** The user id the item writes (update, delete), when known. */
  readonly userId?: number;
  readonly email?: string | null;
  readonly externalId?: string | null;
}

export type ItemOutcome =
  | { readonly kind: 'ok'; readonly userId: number; readonly status: string | null }
  | { readonly kind: 'failed'; readonly error: ZendeskConnectorError }
  /** No result names the item (should not happen; reported as a retryable failure). */
  | { readonly kind: 'missing' };

function lower(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value).trim().toLowerCase();
  return text === '' ? null : text;
}

export function isFailure(result: ZendeskJobResult): boolean {
  return result.success === false || (result.status ?? '').toLowerCase() === 'failed' || !!result.error;
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

/** The ConnectorError for one failed job result item. */
export function failedResultError(result: ZendeskJobResult, request: string): ZendeskConnectorError {
  const details = detailsText(result.details);
  const error = result.error ?? 'Failed';
  const response = truncate(JSON.stringify(result));
  if (error === 'RecordNotFound') {
    return {
      code: ZendeskErrorCode.InvalidAnchor,
      message: `The Zendesk user does not exist any more (${error}${details ? `: ${details}` : ''})`,
      retryable: false,
      request,
      response,
      recommendedAction: 'The user was deleted in Zendesk; it will be matched or created again.',
    };
  }
  if (isDuplicateProblem(details) || isDuplicateProblem(error)) {
    const field = fieldOfProblem(details);
    return {
      code: ZendeskErrorCode.ZendeskEntryConflict,
      message: `${field ?? 'A value'} already belongs to another Zendesk user: ${details || error}`,
      retryable: false,
      request,
      response,
      recommendedAction:
        'Another Zendesk user holds this email or external_id: merge or remove the duplicate in Zendesk, or fix the source value.',
    };
  }
  if (/rate.?limit|too.?many/i.test(`${error} ${details}`)) {
    return {
      code: ZendeskErrorCode.TooManyRequests,
      message: `Zendesk rate-limited this user (${error}): ${details}`,
      retryable: true,
      request,
      response,
    };
  }
  if (/internal/i.test(error)) {
    return {
      code: ZendeskErrorCode.ZendeskInternalServerError,
      message: `Zendesk failed on this user (${error})${details ? `: ${details}` : ''}`,
      retryable: true,
      request,
      response,
    };
  }
  const field = fieldOfProblem(details);
  return {
    code: ZendeskErrorCode.ZendeskUnprocessableEntity,
    message: `Zendesk refused ${field ? `the value of ${field}` : 'the user'} (${error})${details ? `: ${details}` : ''}`,
    retryable: false,
    request,
    response,
    recommendedAction: 'Fix the attribute mapping or the source value named in the message.',
  };
}

/** What identifies a bulk item in its job's results (see `placeJobResults`). */
export interface PlacementKey {
  /** The id of the record the item writes (a user for update/delete, a membership for destroy). */
  readonly id?: number;
  readonly email?: string | null;
  readonly externalId?: string | null;
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

/** One outcome per item, in the items' order. */
export function mapJobResults(
  items: readonly JobItem[],
  results: readonly ZendeskJobResult[],
  request: string,
): ItemOutcome[] {
  const placed = placeJobResults(
    items.map((item) => ({
      ...(item.userId === undefined ? {} : { id: item.userId }),
      ...(item.email === undefined ? {} : { email: item.email }),
      ...(item.externalId === undefined ? {} : { externalId: item.externalId }),
    })),
    results,
  );
  return placed.map((result, index): ItemOutcome => {
    if (!result) return { kind: 'missing' };
    if (isFailure(result)) return { kind: 'failed', error: failedResultError(result, request) };
    const item = items[index];
    const id = typeof result.id === 'number' ? result.id : Number(result.id);
    const userId = Number.isSafeInteger(id) && id > 0 ? id : item?.userId;
    if (userId === undefined) return { kind: 'missing' };
    return { kind: 'ok', userId, status: result.status ?? null };
  });
}
