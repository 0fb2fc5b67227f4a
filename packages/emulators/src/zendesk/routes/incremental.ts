import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAdmin } from '../http/auth.js';
import type { EmulatorContext } from '../http/context.js';
import { pageUrl, single } from '../http/pagination.js';
import { query } from '../http/params.js';
import { badRequest, ZendeskApiError } from '../model/errors.js';
import type { ZendeskStore } from '../model/store.js';
import type { UserRecord } from '../model/types.js';

/**
 * per_page: up to 1000, default 1000, as Zendesk documents it for the ticket export
 * (https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/); users
 * assumed alike.
 */
export const maxIncrementalPageSize = 1000;
/** "Data isn't provided for the most recent minute" [spec IncrementalUnixTime]. */
export const incrementalLagMs = 60_000;

/** A place in the export's order: users sorted by `updated_at`, then id. */
interface Position {
  readonly ms: number;
  readonly id: number;
}

/**
 * Incremental user export
 * (https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/), admins
 * only, 10 requests a minute:
 *
 * - cursor-based `GET /incremental/users/cursor?start_time=` then `?cursor=<after_cursor>`:
 *   `{users, after_cursor, after_url, before_cursor: null, before_url: null, end_of_stream}`;
 * - time-based `GET /incremental/users?start_time=`: `{users, count, end_time, next_page,
 *   end_of_stream}`; the next request uses `end_time` as its `start_time`.
 *
 * Users come in `updated_at` order (ties by id), soft-deleted ones included with `active: false`.
 * Only changes older than one minute are exported: the window ends at `now - 60 s` on the emulator
 * clock. `end_of_stream` is true when a page holds every change up to that point; keeping the
 * cursor and asking again later yields the changes made since.
 *
 * Cost: each request scans every user once and keeps the next page in a bounded heap, O(n log k)
 * for n users and a page of k (about 50 ms for a million users and k = 1000). No index has to be
 * kept in step with every place that touches `updatedAt`, and the request rate is limited anyway.
 */
export function registerIncrementalRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  /** Admins only, then the endpoint's own budget of 10 requests a minute (Incremental Exports reference). */
  const admit = (request: FastifyRequest): void => {
    requireAdmin(request);
    if (!store.settings.rateLimits) return;
    const budget = ctx.limits.incremental.take(store.clock.now());
    if (!budget.allowed) {
      // Recorded on an incremental endpoint (airbytehq/airbyte#11899, ticket_events): a JSON body.
      throw new ZendeskApiError(
        429,
        {
          error: 'APIRateLimitExceeded',
          description: 'Number of allowed incremental export API requests per minute exceeded',
        },
        { 'retry-after': String(budget.resetSeconds) },
      );
    }
  };

  app.get('/api/v2/incremental/users/cursor', async (request) => {
    admit(request);
    const q = query(request);
    const perPage = perPageParam(request);
    const cursorRaw = single(q, 'cursor');
    const now = store.clock.now();
    // The cursor, when sent, replaces start_time [spec OptionalIncrementalUnixTime].
    const from =
      cursorRaw !== undefined && cursorRaw !== ''
        ? decodeCursor(cursorRaw)
        : startPosition(startTimeParam(request, now));
    const cutoff = now - incrementalLagMs;
    const { rows, more } = nextUsers(store, from, cutoff, perPage);
    const last = rows[rows.length - 1];
    // An empty page keeps the position it was asked from, so polling it later loses nothing.
    const afterCursor = encodeCursor(last ? positionOf(last) : from);
    const { base, path } = request.zd.page;
    return {
      users: rows.map((u) => request.zd.render.user(u)),
      after_cursor: afterCursor,
      after_url: pageUrl(base, path, q, { start_time: undefined, cursor: afterCursor }),
      // The export only moves forward [spec example]: there is never a before cursor.
      before_cursor: null,
      before_url: null,
      end_of_stream: !more,
    };
  });

  app.get('/api/v2/incremental/users', async (request) => {
    admit(request);
    const q = query(request);
    const perPage = perPageParam(request);
    const now = store.clock.now();
    const startTime = startTimeParam(request, now);
    const cutoff = now - incrementalLagMs;
    let { rows, more } = nextUsers(store, startPosition(startTime), cutoff, perPage);
    const first = rows[0];
    const last = rows[rows.length - 1];
    let endTime = last ? seconds(last.updatedAt) : startTime;
    if (more && first && last && seconds(first.updatedAt) === endTime) {
      // A full page within a single second: the next start_time (= end_time) would return this same page
      // forever. The whole second is sent, even beyond per_page, and end_time moves past it. Zendesk's
      // handling of this case is not documented; this keeps the export moving, which is what a client relies
      // on.
      const secondEnd = (endTime + 1) * 1000;
      const rest = nextUsers(store, positionOf(last), Math.min(cutoff, secondEnd), Number.POSITIVE_INFINITY);
      rows = [...rows, ...rest.rows];
      if (secondEnd <= cutoff) {
        endTime += 1;
        more = nextUsers(store, startPosition(endTime), cutoff, 1).rows.length > 0;
      } else {
        // The second ends within the last minute, so later changes may still join it: everything
        // up to the cutoff was sent, and the next request starts at this second again.
        more = false;
      }
    }
    // Otherwise the next page starts at end_time, the second of the last user sent, so the users of that
    // second come again: time-based pages overlap and clients drop duplicates (Zendesk's incremental export
    // guide says time-based exports can hold duplicates:
    // https://developer.zendesk.com/documentation/ticketing/managing-tickets/using-the-incremental-export-api).
    // `next_page` is always given, as in the documented example with `end_of_stream: true`: it is where to
    // poll later.
    return {
      users: rows.map((u) => request.zd.render.user(u)),
      count: rows.length,
      end_time: endTime,
      next_page: pageUrl(request.zd.page.base, request.zd.page.path, q, { start_time: String(endTime) }),
      end_of_stream: !more,
    };
  });
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function positionOf(user: UserRecord): Position {
  return { ms: user.updatedAt, id: user.id };
}

/** Just before every user updated at or after `startTime` (ids are positive). */
function startPosition(startTime: number): Position {
  return { ms: startTime * 1000, id: 0 };
}

/**
 * `start_time` (Unix seconds): required on an initial request and at least one minute in the past.
 * Missing or malformed answers 400 (the body is unverified). A too recent one answers what clients
 * have recorded for incremental exports: 422 `{"error":"InvalidValue","description":"Too recent
 * start_time. …"}` (embulk-input-zendesk and other clients match that text; then "5 minutes", now
 * one minute [spec]). Zendesk's reference does not give this body.
 */
function startTimeParam(request: FastifyRequest, now: number): number {
  const raw = single(query(request), 'start_time');
  if (raw === undefined || raw === '') {
    throw badRequest(
      'start_time is required on the initial request (later requests send cursor)',
      'InvalidValue',
    );
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) {
    throw badRequest('start_time must be a Unix time in seconds', 'InvalidValue');
  }
  if (value * 1000 > now - incrementalLagMs) {
    throw new ZendeskApiError(422, {
      error: 'InvalidValue',
      description: 'Too recent start_time. Use a start_time at least one minute in the past',
    });
  }
  return value;
}

function perPageParam(request: FastifyRequest): number {
  const raw = single(query(request), 'per_page');
  if (raw === undefined || raw === '') return maxIncrementalPageSize;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > maxIncrementalPageSize) {
    throw badRequest(`per_page must be an integer between 1 and ${maxIncrementalPageSize}`, 'InvalidValue');
  }
  return value;
}

/**
 * Cursors are opaque [spec]; Zendesk's example decodes to `1576613539.0||467|` (time, then id), and
 * these follow that pattern with millisecond precision: `<seconds.millis>||<user id>|`.
 */
function encodeCursor(position: Position): string {
  return Buffer.from(`${(position.ms / 1000).toFixed(3)}||${position.id}|`).toString('base64');
}

function decodeCursor(cursor: string): Position {
  const match = /^(\d+)\.(\d{3})\|\|(\d+)\|$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  const ms = Number(match?.[1]) * 1000 + Number(match?.[2]);
  const id = Number(match?.[3]);
  if (!match || !Number.isSafeInteger(ms) || !Number.isSafeInteger(id)) {
    throw badRequest('cursor is not a valid incremental export cursor', 'InvalidValue');
  }
  return { ms, id };
}

/**
 * The first `limit` users after `from` and updated before `cutoff`, in export order, and whether
 * more follow. One pass over the users with a max-heap of `limit + 1` entries: O(n log limit).
 */
function nextUsers(
  store: ZendeskStore,
  from: Position,
  cutoff: number,
  limit: number,
): { rows: UserRecord[]; more: boolean } {
  const capacity = limit + 1;
  const heap: UserRecord[] = [];
  // Compared field by field rather than through positionOf: this runs for every user.
  const later = (a: UserRecord, b: UserRecord) =>
    a.updatedAt > b.updatedAt || (a.updatedAt === b.updatedAt && a.id > b.id);
  for (const user of store.users.values()) {
    if (user.updatedAt >= cutoff) continue;
    if (user.updatedAt < from.ms || (user.updatedAt === from.ms && user.id <= from.id)) continue;
    if (heap.length < capacity) {
      heap.push(user);
      siftUp(heap, heap.length - 1, later);
    } else if (heap[0] !== undefined && later(heap[0], user)) {
      heap[0] = user;
      siftDown(heap, 0, later);
    }
  }
  heap.sort((a, b) => a.updatedAt - b.updatedAt || a.id - b.id);
  const more = heap.length > limit;
  return { rows: more ? heap.slice(0, limit) : heap, more };
}

/** Max-heap helpers: `later(a, b)` orders the heap with the latest position at the root. */
function siftUp<T>(heap: T[], index: number, later: (a: T, b: T) => boolean): void {
  let i = index;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const child = heap[i] as T;
    const up = heap[parent] as T;
    if (!later(child, up)) return;
    heap[i] = up;
    heap[parent] = child;
    i = parent;
  }
}

function siftDown<T>(heap: T[], index: number, later: (a: T, b: T) => boolean): void {
  let i = index;
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let top = i;
    if (left < heap.length && later(heap[left] as T, heap[top] as T)) top = left;
    if (right < heap.length && later(heap[right] as T, heap[top] as T)) top = right;
    if (top === i) return;
    const a = heap[i] as T;
    heap[i] = heap[top] as T;
    heap[top] = a;
    i = top;
  }
}
