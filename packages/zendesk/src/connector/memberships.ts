import {
  type TargetMembership,
  type TargetMembershipAction,
  type TargetMembershipActionResult,
  truncate,
} from '@provisio/engine';
import {
  describeErrorBody,
  groupRuleViolation,
  isDuplicateProblem,
  toConnectorError,
  ZendeskHttpError,
} from '../client/errors.js';
import type { ZendeskHttp } from '../client/http.js';
import type { BulkJobs } from '../client/jobs.js';
import { collect, paginate } from '../client/paginate.js';
import {
  groupMembershipEnvelopeSchema,
  groupMembershipSchema,
  jobStatusEnvelopeSchema,
  noContentSchema,
  type ZendeskJobResult,
  type ZendeskJobStatus,
} from '../client/schemas.js';
import { type ZendeskConnectorError, ZendeskErrorCode } from '../errors.js';
import { parseZendeskId } from './attributes.js';
import { chunk, mapConcurrent, type Semaphore } from './concurrency.js';
import { detailsText, fieldOfProblem, isFailure, placeJobResults } from './results.js';

/**
 * `applyMemberships` (https://developer.zendesk.com/api-reference/ticketing/groups/group_memberships/, https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/): adds first, then removes, so that an agent moving from
 * one group to another is never left without a group (Zendesk keeps every agent in at least one).
 *
 * - adds: `POST /group_memberships/create_many` with up to 100 `{user_id, group_id}` per job; each
 *   job result is mapped back to its item by `index` (or position). A user already in the group
 *   (a retry, or a stale view) counts as added: the membership is looked up with
 *   `GET /users/{id}/group_memberships`, so the result still carries it.
 * - removes: `DELETE /group_memberships/destroy_many?ids=` with up to 100 ids per job, results mapped
 *   by membership id. A membership already gone counts as removed.
 * - A bulk endpoint answering 403 or 404 is replaced by single requests (`POST /group_memberships`,
 *   `DELETE /group_memberships/{id}`) from then on. A batch's failure (after the client's retries,
 *   or a job that does not complete) fails that batch's actions only.
 */

export const maxMembershipsPerRequest = 100;

export interface MembershipWriteContext {
  readonly http: ZendeskHttp;
  readonly jobs: BulkJobs;
  /** Limits single requests in parallel (shared with the users' single requests). */
  readonly singleRequests: Semaphore;
  /** Bulk batches in progress at once (each holds at most one job). */
  readonly chunkConcurrency: number;
  /** Bulk endpoints that answered 403 or 404; single requests are used for them from then on. */
  readonly singles: { add: boolean; remove: boolean };
}

/** One membership write, as sent to Zendesk. */
export type MembershipItem =
  | { readonly kind: 'add'; readonly userId: number; readonly groupId: number }
  | { readonly kind: 'remove'; readonly membershipId: number };

/** How one membership write ended. */
export type MembershipOutcome =
  | { readonly kind: 'added'; readonly membershipId: number }
  /** Zendesk says the user is already in the group; the membership id is not known yet. */
  | { readonly kind: 'member' }
  /** Removed now, or already gone. */
  | { readonly kind: 'removed' }
  | { readonly kind: 'failed'; readonly error: ZendeskConnectorError };

function describe(item: MembershipItem): string {
  return item.kind === 'add'
    ? `add user ${item.userId} to group ${item.groupId}`
    : `remove group membership ${item.membershipId}`;
}

/**
 * The outcome of a refused item, from Zendesk's error name and problem text (a job result's
 * `error`/`details`, or a 422 body's `error` and field descriptions).
 */
export function membershipProblem(
  item: MembershipItem,
  error: string | null,
  details: string,
  context: { readonly request: string; readonly response?: string; readonly httpStatus?: number },
): MembershipOutcome {
  const text = details.trim();
  const base = {
    request: context.request,
    ...(context.response === undefined ? {} : { response: context.response }),
    ...(context.httpStatus === undefined ? {} : { httpStatus: context.httpStatus }),
  };
  const what = `Zendesk did not ${describe(item)}`;
  if (item.kind === 'remove' && error === 'RecordNotFound') return { kind: 'removed' };
  if (item.kind === 'add' && (/already (a )?member/i.test(text) || isDuplicateProblem(text))) {
    return { kind: 'member' };
  }
  const rule = groupRuleViolation('membership', `${text} ${error ?? ''}`);
  if (rule) {
    return {
      kind: 'failed',
      error: {
        ...base,
        code: rule.code,
        message: `${what}: ${text || error}`,
        retryable: false,
        recommendedAction: rule.recommendedAction,
      },
    };
  }
  if (error === 'RecordNotFound' || /cannot be blank|not found|does not exist/i.test(text)) {
    const field = fieldOfProblem(text);
    const which = field === 'user' || field === 'group' ? field : 'user or group';
    return {
      kind: 'failed',
      error: {
        ...base,
        code: ZendeskErrorCode.InvalidAnchor,
        message: `${what}: the ${which} does not exist in Zendesk (any more)${text ? ` (${text})` : ''}`,
        retryable: false,
        recommendedAction:
          'The user or group was deleted in Zendesk; the next cycle creates or matches it again and compares memberships.',
      },
    };
  }
  if (/rate.?limit|too.?many/i.test(`${error ?? ''} ${text}`)) {
    return {
      kind: 'failed',
      error: {
        ...base,
        code: ZendeskErrorCode.TooManyRequests,
        message: `${what}: ${text}`,
        retryable: true,
      },
    };
  }
  if (/internal/i.test(error ?? '')) {
    return {
      kind: 'failed',
      error: {
        ...base,
        code: ZendeskErrorCode.ZendeskInternalServerError,
        message: `${what} (${error})${text ? `: ${text}` : ''}`,
        retryable: true,
      },
    };
  }
  return {
    kind: 'failed',
    error: {
      ...base,
      code: ZendeskErrorCode.ZendeskUnprocessableEntity,
      message: `${what} (${error ?? 'Failed'})${text ? `: ${text}` : ''}`,
      retryable: false,
      recommendedAction: 'Check the user and the group in Zendesk; the message says what Zendesk refused.',
    },
  };
}

function noResult(request: string): ZendeskConnectorError {
  return {
    code: ZendeskErrorCode.ZendeskJobFailed,
    message: 'The Zendesk job reported no result for this membership',
    retryable: true,
    request,
  };
}

/**
 * Maps a completed create_many or destroy_many job's results back to its items (all of one kind),
 * in the items' order: adds by `index` (or position), removes by membership id.
 */
export function mapMembershipResults(
  items: readonly MembershipItem[],
  results: readonly ZendeskJobResult[],
  request: string,
): MembershipOutcome[] {
  const placed = placeJobResults(
    items.map((item) => (item.kind === 'remove' ? { id: item.membershipId } : {})),
    results,
  );
  return items.map((item, index): MembershipOutcome => {
    const result = placed[index];
    if (!result) return { kind: 'failed', error: noResult(request) };
    if (isFailure(result)) {
      return membershipProblem(item, result.error ?? null, detailsText(result.details), {
        request,
        response: truncate(JSON.stringify(result)),
      });
    }
    if (item.kind === 'remove') return { kind: 'removed' };
    const id = typeof result.id === 'number' ? result.id : Number(result.id);
    return Number.isSafeInteger(id) && id > 0 ? { kind: 'added', membershipId: id } : { kind: 'member' };
  });
}

/** The outcome of a single request's failure. */
function singleFailure(item: MembershipItem, error: unknown, request: string): MembershipOutcome {
  if (error instanceof ZendeskHttpError && error.status === 422) {
    const body = describeErrorBody(error.response ?? '');
    const details = body.fields.map((f) => f.description).join(' ') || body.description || '';
    return membershipProblem(item, body.error, details, {
      request,
      httpStatus: 422,
      ...(error.response === undefined ? {} : { response: error.response }),
    });
  }
  const detail = toConnectorError(error, request);
  if (item.kind === 'remove' && detail.code === ZendeskErrorCode.InvalidAnchor) return { kind: 'removed' };
  return { kind: 'failed', error: detail };
}

function isUnavailable(error: unknown): boolean {
  return error instanceof ZendeskHttpError && (error.status === 403 || error.status === 404);
}

/** The actions that write one membership (duplicates in one call share the write). */
interface Write {
  readonly item: MembershipItem;
  readonly actions: TargetMembershipAction[];
  readonly requests: string[];
  outcome: MembershipOutcome | null;
}

function jobNotCompleted(job: ZendeskJobStatus, request: string): ZendeskConnectorError {
  return {
    code: ZendeskErrorCode.ZendeskJobFailed,
    message: `Zendesk job ${job.id} ended "${job.status}"${job.message ? `: ${job.message}` : ''}`,
    retryable: true,
    request,
  };
}

/**
 * One bulk job for a batch; answers false when the endpoint is not available (403, 404) so the
 * batch goes through single requests instead.
 */
async function bulk(
  ctx: MembershipWriteContext,
  part: readonly Write[],
  method: 'POST' | 'DELETE',
  path: string,
  options: { body?: unknown; query?: Record<string, readonly number[]> },
): Promise<boolean> {
  let submitted = false;
  try {
    const job = await ctx.jobs.run(async () => {
      const answer = await ctx.http.request(method, path, {
        ...options,
        schema: jobStatusEnvelopeSchema,
        // A repeated create_many finds the memberships made ("already a member": added); a repeated
        // destroy_many finds them gone (removed). Both can be retried.
        idempotent: true,
      });
      submitted = true;
      return answer.job_status;
    });
    const label = `${method} ${path} (job ${job.id})`;
    const outcomes: MembershipOutcome[] =
      job.status === 'completed'
        ? mapMembershipResults(
            part.map((w) => w.item),
            Array.isArray(job.results) ? job.results : [],
            label,
          )
        : part.map(() => ({ kind: 'failed', error: jobNotCompleted(job, label) }));
    part.forEach((write, i) => {
      write.requests.push(label);
      write.outcome = outcomes[i] ?? { kind: 'failed', error: noResult(label) };
    });
    return true;
  } catch (error) {
    if (!submitted && isUnavailable(error)) return false;
    const detail = toConnectorError(error, `${method} ${path}`);
    for (const write of part) {
      write.requests.push(`${method} ${path}`);
      write.outcome = { kind: 'failed', error: detail };
    }
    return true;
  }
}

async function addChunk(ctx: MembershipWriteContext, part: readonly Write[]): Promise<void> {
  const pairs = part.map((w) => w.item).filter((i) => i.kind === 'add');
  let singles = ctx.singles.add;
  if (!singles) {
    const done = await bulk(ctx, part, 'POST', '/api/v2/group_memberships/create_many', {
      body: { group_memberships: pairs.map((p) => ({ user_id: p.userId, group_id: p.groupId })) },
    });
    if (!done) {
      // The bulk endpoint is not available to this account or user: one by one from now on.
      ctx.singles.add = true;
      singles = true;
    }
  }
  if (singles) {
    await Promise.all(
      part.map((write) =>
        ctx.singleRequests.run(async () => {
          if (write.item.kind !== 'add') return;
          const label = 'POST /api/v2/group_memberships';
          write.requests.push(label);
          try {
            const answer = await ctx.http.request('POST', '/api/v2/group_memberships', {
              body: { group_membership: { user_id: write.item.userId, group_id: write.item.groupId } },
              schema: groupMembershipEnvelopeSchema,
            });
            write.outcome = { kind: 'added', membershipId: answer.group_membership.id };
          } catch (error) {
            write.outcome = singleFailure(write.item, error, label);
          }
        }),
      ),
    );
  }
  await findExisting(ctx, part);
}

/** Looks up the memberships Zendesk said exist already, one list request per user. */
async function findExisting(ctx: MembershipWriteContext, part: readonly Write[]): Promise<void> {
  const byUser = new Map<number, Write[]>();
  for (const write of part) {
    if (write.outcome?.kind !== 'member' || write.item.kind !== 'add') continue;
    const list = byUser.get(write.item.userId) ?? [];
    list.push(write);
    byUser.set(write.item.userId, list);
  }
  await Promise.all(
    [...byUser].map(([userId, writes]) =>
      ctx.singleRequests.run(async () => {
        const path = `/api/v2/users/${userId}/group_memberships`;
        for (const write of writes) write.requests.push(`GET ${path}`);
        try {
          const memberships = await collect(
            paginate(ctx.http, {
              path,
              key: 'group_memberships',
              item: groupMembershipSchema,
              style: { kind: 'cursor' },
              subject: 'user',
            }),
          );
          for (const write of writes) {
            if (write.item.kind !== 'add') continue;
            const { groupId } = write.item;
            const found = memberships.find((m) => m.group_id === groupId);
            if (found) write.outcome = { kind: 'added', membershipId: found.id };
          }
        } catch {
          // Zendesk said the user is in the group: that stands, without the membership's id.
        }
      }),
    ),
  );
}

async function removeChunk(ctx: MembershipWriteContext, part: readonly Write[]): Promise<void> {
  const ids = part.flatMap((w) => (w.item.kind === 'remove' ? [w.item.membershipId] : []));
  let singles = ctx.singles.remove;
  if (!singles) {
    const done = await bulk(ctx, part, 'DELETE', '/api/v2/group_memberships/destroy_many', {
      query: { ids },
    });
    if (!done) {
      ctx.singles.remove = true;
      singles = true;
    }
  }
  if (!singles) return;
  await Promise.all(
    part.map((write) =>
      ctx.singleRequests.run(async () => {
        if (write.item.kind !== 'remove') return;
        const path = `/api/v2/group_memberships/${write.item.membershipId}`;
        const label = `DELETE ${path}`;
        write.requests.push(label);
        try {
          await ctx.http.request('DELETE', path, { schema: noContentSchema, subject: 'membership' });
          write.outcome = { kind: 'removed' };
        } catch (error) {
          write.outcome = singleFailure(write.item, error, label);
        }
      }),
    ),
  );
}

function results(write: Write): TargetMembershipActionResult[] {
  const request = write.requests.join('; ');
  const outcome = write.outcome ?? { kind: 'failed', error: noResult(request || 'applyMemberships') };
  return write.actions.map((action): TargetMembershipActionResult => {
    if (outcome.kind === 'failed') return { key: action.key, ok: false, error: outcome.error };
    if (outcome.kind === 'added' && write.item.kind === 'add') {
      const membership: TargetMembership = {
        id: String(outcome.membershipId),
        userId: String(write.item.userId),
        groupId: String(write.item.groupId),
      };
      return { key: action.key, ok: true, membership, request };
    }
    return { key: action.key, ok: true, request };
  });
}

function invalidId(action: TargetMembershipAction): TargetMembershipActionResult {
  const text =
    action.kind === 'add'
      ? `user "${action.userId}" or group "${action.groupId}" is not a Zendesk id`
      : `"${action.membershipId}" is not a Zendesk group membership id`;
  return {
    key: action.key,
    ok: false,
    error: {
      code: ZendeskErrorCode.InvalidAnchor,
      message: `Cannot write the membership: ${text}`,
      retryable: false,
    },
  };
}

export async function applyMembershipActions(
  ctx: MembershipWriteContext,
  actions: readonly TargetMembershipAction[],
): Promise<TargetMembershipActionResult[]> {
  const out: TargetMembershipActionResult[] = [];
  const adds = new Map<string, Write>();
  const removes = new Map<number, Write>();
  for (const action of actions) {
    if (action.kind === 'add') {
      const userId = parseZendeskId(action.userId);
      const groupId = parseZendeskId(action.groupId);
      if (userId === null || groupId === null) {
        out.push(invalidId(action));
        continue;
      }
      const key = `${userId}:${groupId}`;
      const write = adds.get(key) ?? {
        item: { kind: 'add', userId, groupId },
        actions: [],
        requests: [],
        outcome: null,
      };
      write.actions.push(action);
      adds.set(key, write);
    } else {
      const membershipId = parseZendeskId(action.membershipId);
      if (membershipId === null) {
        out.push(invalidId(action));
        continue;
      }
      const write = removes.get(membershipId) ?? {
        item: { kind: 'remove', membershipId },
        actions: [],
        requests: [],
        outcome: null,
      };
      write.actions.push(action);
      removes.set(membershipId, write);
    }
  }

  const phase = async (writes: readonly Write[], run: (part: Write[]) => Promise<void>) => {
    await mapConcurrent(chunk(writes, maxMembershipsPerRequest), ctx.chunkConcurrency, async (part) => {
      try {
        await run(part);
      } catch (error) {
        // A bug must not lose the other batches' results: this batch's actions fail, retryably.
        const detail = toConnectorError(error);
        for (const write of part) write.outcome ??= { kind: 'failed', error: detail };
      }
      for (const write of part) out.push(...results(write));
    });
  };
  // Adds before removes: an agent moved between groups always keeps one.
  await phase([...adds.values()], (part) => addChunk(ctx, part));
  await phase([...removes.values()], (part) => removeChunk(ctx, part));
  return out;
}
