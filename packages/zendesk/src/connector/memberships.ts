import type {
  TargetMembership,
  TargetMembershipAction,
  TargetMembershipActionResult,
} from '@provisio/engine';
import { describeErrorBody, toConnectorError, ZendeskHttpError } from '../client/errors.js';
import { collect, paginate } from '../client/paginate.js';
import { groupMembershipEnvelopeSchema, groupMembershipSchema, noContentSchema } from '../client/schemas.js';
import { type ZendeskConnectorError, ZendeskErrorCode } from '../errors.js';
import { parseZendeskId } from './attributes.js';
import { type BulkContext, type BulkEndpoint, forEachChunk, runBulk } from './bulk.js';
import { type JobItem, type JobItemOutcome, noResult, problemError } from './results.js';

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
 * - Both go through the bulk runner (`bulk.ts`): a bulk endpoint answering 403 or 404 is replaced
 *   by single requests (`POST /group_memberships`, `DELETE /group_memberships/{id}`) from then on.
 *   A batch's failure (after the client's retries, or a job that does not complete) fails that
 *   batch's actions only.
 */

/** The membership bulk endpoints that answered 403 or 404; single requests are used for them. */
export type MembershipFallback = 'add' | 'remove';

export type MembershipWriteContext = BulkContext<MembershipFallback>;

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

/** What was asked, for messages: `Zendesk did not add user 1 to group 2`. */
function askOf(item: MembershipItem): string {
  return item.kind === 'add'
    ? `Zendesk did not add user ${item.userId} to group ${item.groupId}`
    : `Zendesk did not remove group membership ${item.membershipId}`;
}

/** A bulk item for the job's results: removes are found by membership id, adds by index or position. */
export function membershipJobItem(item: MembershipItem): JobItem {
  return {
    key: item.kind === 'remove' ? { id: item.membershipId } : {},
    what: askOf(item),
  };
}

/**
 * What a write's outcome (a job result, or a refusal classified by `problemError`) means for a
 * membership: a membership already there counts as added (its id is looked up afterwards), one
 * already gone as removed.
 */
export function membershipOutcome(item: MembershipItem, outcome: JobItemOutcome): MembershipOutcome {
  if (outcome.kind === 'failed') {
    if (item.kind === 'remove' && outcome.error.code === ZendeskErrorCode.InvalidAnchor)
      return { kind: 'removed' };
    if (item.kind === 'add' && outcome.error.code === ZendeskErrorCode.ZendeskEntryConflict)
      return { kind: 'member' };
    return outcome;
  }
  if (item.kind === 'remove') return { kind: 'removed' };
  return outcome.id === null ? { kind: 'member' } : { kind: 'added', membershipId: outcome.id };
}

/**
 * The outcome of a refused item, from Zendesk's error name and problem text (a 422 body's `error`
 * and field descriptions).
 */
export function membershipProblem(
  item: MembershipItem,
  error: string | null,
  details: string,
  context: { readonly request: string; readonly response?: string; readonly httpStatus?: number },
): MembershipOutcome {
  const refusal = problemError('membership', { error, details }, { ...context, what: askOf(item) });
  return membershipOutcome(item, { kind: 'failed', error: refusal });
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

/** The actions that write one membership (duplicates in one call share the write). */
interface Write {
  readonly item: MembershipItem;
  readonly actions: TargetMembershipAction[];
  readonly requests: string[];
  outcome: MembershipOutcome | null;
}

/** `POST /group_memberships/create_many` with up to 100 `{user_id, group_id}`; then `POST /group_memberships`. */
const createMemberships: BulkEndpoint<MembershipFallback, Write> = {
  method: 'POST',
  path: '/api/v2/group_memberships/create_many',
  fallback: 'add',
  unavailable: [403, 404],
  subject: 'membership',
  request: (part) => ({
    body: {
      group_memberships: part.flatMap((w) =>
        w.item.kind === 'add' ? [{ user_id: w.item.userId, group_id: w.item.groupId }] : [],
      ),
    },
  }),
  item: (write) => membershipJobItem(write.item),
  settle: (write, outcome, label) => {
    write.requests.push(label);
    write.outcome = membershipOutcome(write.item, outcome);
  },
  fail: (write, error, request) => {
    write.requests.push(request);
    write.outcome = { kind: 'failed', error };
  },
  single: async (write, http) => {
    if (write.item.kind !== 'add') return;
    const label = 'POST /api/v2/group_memberships';
    write.requests.push(label);
    try {
      const { userId, groupId } = write.item;
      const answer = await http.request('POST', '/api/v2/group_memberships', {
        body: { group_membership: { user_id: userId, group_id: groupId } },
        schema: groupMembershipEnvelopeSchema,
        // Not idempotent: after an ambiguous failure, look for the membership before adding it again.
        recover: async () => {
          const memberships = await collect(
            paginate(http, {
              path: `/api/v2/users/${userId}/group_memberships`,
              key: 'group_memberships',
              item: groupMembershipSchema,
              style: { kind: 'cursor' },
              subject: 'user',
            }),
          );
          const found = memberships.find((m) => Number(m.group_id) === Number(groupId));
          return found === undefined ? null : { group_membership: found };
        },
      });
      write.outcome = { kind: 'added', membershipId: answer.group_membership.id };
    } catch (error) {
      write.outcome = singleFailure(write.item, error, label);
    }
  },
};

/** `DELETE /group_memberships/destroy_many?ids=` with up to 100 ids; then `DELETE /group_memberships/{id}`. */
const destroyMemberships: BulkEndpoint<MembershipFallback, Write> = {
  ...createMemberships,
  method: 'DELETE',
  path: '/api/v2/group_memberships/destroy_many',
  fallback: 'remove',
  request: (part) => ({
    query: { ids: part.flatMap((w) => (w.item.kind === 'remove' ? [w.item.membershipId] : [])) },
  }),
  single: async (write, http) => {
    if (write.item.kind !== 'remove') return;
    const path = `/api/v2/group_memberships/${write.item.membershipId}`;
    const label = `DELETE ${path}`;
    write.requests.push(label);
    try {
      await http.request('DELETE', path, { schema: noContentSchema, subject: 'membership' });
      write.outcome = { kind: 'removed' };
    } catch (error) {
      write.outcome = singleFailure(write.item, error, label);
    }
  },
};

async function addChunk(ctx: MembershipWriteContext, part: readonly Write[]): Promise<void> {
  await runBulk(ctx, part, createMemberships);
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

function results(write: Write): TargetMembershipActionResult[] {
  const request = write.requests.join('; ');
  const outcome = write.outcome ?? {
    kind: 'failed',
    error: noResult('membership', request || 'applyMemberships'),
  };
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

  const phase = (writes: readonly Write[], run: (part: Write[]) => Promise<void>) =>
    forEachChunk(
      ctx,
      writes,
      async (part) => {
        await run(part);
        for (const write of part) out.push(...results(write));
      },
      (part, error) => {
        for (const write of part) {
          write.outcome ??= { kind: 'failed', error };
          out.push(...results(write));
        }
      },
    );
  // Adds before removes: an agent moved between groups always keeps one.
  await phase([...adds.values()], (part) => addChunk(ctx, part));
  await phase([...removes.values()], (part) => runBulk(ctx, part, destroyMemberships));
  return out;
}
