import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requirePermission } from '../http/app.js';
import type { EntraContext } from '../http/context.js';
import { parseSelect, parseTop, project, queryOf } from '../http/odata.js';
import type { ChangeKind, MemberType } from '../model/changes.js';
import { badRequest, GraphError, unsupportedQuery } from '../model/errors.js';
import {
  groupDefaults,
  groupJson,
  groupProperties,
  userDefaults,
  userJson,
  userProperties,
} from '../model/render.js';
import type { EntraStore } from '../model/store.js';
import { contextUrl } from './list.js';
import { userRead } from './users.js';

/**
 * Delta queries: `GET /v1.0/users/delta` and `GET /v1.0/groups/delta` (also under their qualified name
 * `microsoft.graph.delta`).
 *
 * A round starts without a token and lists the current objects page by page; its last page carries
 * `@odata.deltaLink` whose `$deltatoken` is the change-log sequence at the start of the round. A call
 * with that token lists the objects changed since, each once in its current state, then a new
 * deltaLink. Both tokens are opaque and carry the original `$select` and page size: Graph keeps the
 * initial request's query in its tokens, so query options on a nextLink or deltaLink call are ignored.
 *
 * groups/delta takes the one `$filter` Graph allows there, tracking given groups only:
 * `id eq '…' or id eq '…'`, at most 50 ids (https://learn.microsoft.com/graph/api/group-delta).
 * The ids go into the tokens too: the round and every later one list only those groups.
 */

const groupRead = [
  'GroupMember.Read.All',
  'GroupMember.ReadWrite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];

/** `members` may be selected on groups/delta: it asks for `members@delta`. */
const groupDeltaProperties: ReadonlySet<string> = new Set([...groupProperties, 'members']);

/** What a token carries: the round's query and where the log stood. */
interface DeltaState {
  /** Change-log epoch (changes with every reset). */
  readonly e: number;
  /** Initial round: the sequence at its start. Change round: the sequence the changes are after. */
  readonly s: number;
  readonly sel: string[] | null;
  readonly top: number;
  /** groups/delta with `$filter=id eq …`: the groups tracked (lower case); absent: every group. */
  readonly ids?: string[];
}

/** A nextLink's state: which kind of round and the position within it. */
interface PageState extends DeltaState {
  /** `i`: initial round (position = last row seq); `d`: change round (position = last change seq). */
  readonly m: 'i' | 'd';
  readonly p: number;
}

const encode = (state: DeltaState | PageState): string =>
  Buffer.from(JSON.stringify({ v: 1, ...state })).toString('base64url');

function decode(token: string, name: string): PageState {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    raw = null;
  }
  const r = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const sel = r['sel'];
  const ok =
    r['v'] === 1 &&
    Number.isInteger(r['e']) &&
    Number.isInteger(r['s']) &&
    Number.isInteger(r['top']) &&
    (sel === null || (Array.isArray(sel) && sel.every((s) => typeof s === 'string'))) &&
    (r['m'] === undefined || r['m'] === 'i' || r['m'] === 'd') &&
    (r['p'] === undefined || Number.isInteger(r['p'])) &&
    (r['ids'] === undefined || (Array.isArray(r['ids']) && r['ids'].every((i) => typeof i === 'string')));
  if (!ok) throw badRequest(`Invalid ${name}.`, 'Request_BadRequest');
  const s = Number(r['s']);
  return {
    e: Number(r['e']),
    s,
    sel: sel === null ? null : (sel as string[]),
    top: Number(r['top']),
    // A deltatoken starts a change round after its sequence.
    m: r['m'] === 'i' ? 'i' : 'd',
    p: r['p'] === undefined ? s : Number(r['p']),
    ...(r['ids'] === undefined ? {} : { ids: r['ids'] as string[] }),
  };
}

/** The most objects one delta `$filter` may name (Graph's documented limit). */
export const maxDeltaFilterIds = 50;

/**
 * The ids of a groups/delta `$filter`: `id eq '{id}'` clauses joined with `or` (parentheses around a
 * clause allowed), at most {@link maxDeltaFilterIds}. Anything else is the unsupported query it is
 * on Graph.
 */
export function parseDeltaIdFilter(text: string): string[] {
  const clauses = text.trim().split(/\s+or\s+/i);
  const ids: string[] = [];
  for (const clause of clauses) {
    const match = /^\(?\s*id\s+eq\s+'([0-9a-fA-F-]{36})'\s*\)?$/.exec(clause.trim());
    if (!match?.[1])
      throw unsupportedQuery(
        `Unsupported query filter for delta: '${text}'. Only 'id eq' clauses joined with 'or' are supported.`,
      );
    ids.push(match[1].toLowerCase());
  }
  if (ids.length > maxDeltaFilterIds)
    throw unsupportedQuery(
      `The delta filter names ${ids.length} objects; there is a limit of ${maxDeltaFilterIds} filtered objects.`,
    );
  return [...new Set(ids)];
}

/**
 * Graph answers a delta token it no longer has the state for (expired after 7 days there; here: issued
 * before a reset or older than what the bounded change log remembers) with 400 `syncStateNotFound`;
 * the client must start a full synchronisation again.
 */
const syncStateNotFound = (): GraphError =>
  new GraphError(
    400,
    'syncStateNotFound',
    'The sync state for this token is not found (expired, or issued before a reset): synchronise again without a token.',
  );

const odataType: Record<MemberType, string> = {
  user: '#microsoft.graph.user',
  group: '#microsoft.graph.group',
  servicePrincipal: '#microsoft.graph.servicePrincipal',
};

/** `@removed.reason`: `changed` while the object waits in deleted items (restorable), `deleted` once gone. */
function removed(id: string, reason: 'changed' | 'deleted'): Record<string, unknown> {
  return { id, '@removed': { reason } };
}

function renderUser(
  store: EntraStore,
  id: string,
  select: readonly string[] | null,
): Record<string, unknown> {
  const user = store.users.get(id);
  if (!user) return removed(id, 'deleted');
  if (user.deletedDateTime !== null) return removed(id, 'changed');
  // Graph may return only the changed properties of an updated user, or more; the emulator always
  // returns the whole selected (or default) set, which clients must accept either way.
  return project(userJson(user), select, userDefaults);
}

/**
 * A group with `members@delta` when members are wanted (no `$select`, or `members` selected). In the
 * initial round it lists all current direct members; in a change round, the members added
 * (`{"@odata.type", id}`) and removed (`…, "@removed": {"reason": "deleted"}`) since the token. Graph may
 * split a large group's members across several pages (the same group repeated); the emulator sends them
 * in one object.
 */
function renderGroup(
  store: EntraStore,
  id: string,
  select: readonly string[] | null,
  changesAfter: number | null,
): Record<string, unknown> {
  const group = store.groups.get(id);
  if (!group) return removed(id, 'deleted');
  if (group.deletedDateTime !== null) return removed(id, 'changed');
  const wantsMembers = select === null || select.includes('members');
  const properties = select?.filter((s) => s !== 'members') ?? null;
  const body = project(groupJson(group), properties, groupDefaults);
  if (!wantsMembers) return body;
  const members =
    changesAfter === null
      ? [...(store.membersOf.get(id) ?? [])]
          .filter((memberId) => {
            const object = store.object(memberId);
            return object !== undefined && object.deletedDateTime === null;
          })
          .map((memberId) => ({ '@odata.type': odataType[store.memberType(memberId)], id: memberId }))
      : store.changes
          .memberChanges(id, changesAfter)
          .map((m) =>
            m.added
              ? { '@odata.type': odataType[m.memberType], id: m.memberId }
              : { '@odata.type': odataType[m.memberType], id: m.memberId, '@removed': { reason: 'deleted' } },
          );
  if (members.length > 0) body['members@delta'] = members;
  return body;
}

function deltaPage(store: EntraStore, request: FastifyRequest, kind: ChangeKind): Record<string, unknown> {
  const query = queryOf(request.query);
  const path = kind === 'user' ? 'users' : 'groups';
  const link = (param: '$skiptoken' | '$deltatoken', token: string) =>
    `${request.graph.origin}/v1.0/${path}/delta?${param}=${token}`;
  const { changes } = store;

  let state: PageState;
  if (query['$skiptoken'] !== undefined) {
    state = decode(query['$skiptoken'], '$skiptoken');
  } else if (query['$deltatoken'] !== undefined && query['$deltatoken'] !== 'latest') {
    state = decode(query['$deltatoken'], '$deltatoken');
  } else {
    const filtered = kind === 'group' && query['$filter'] !== undefined;
    for (const option of [...(filtered ? [] : ['$filter']), '$orderby', '$search', '$expand'])
      if (query[option] !== undefined)
        throw unsupportedQuery(
          `The query option '${option}' is not supported by the emulator's delta query.`,
        );
    const select =
      kind === 'user'
        ? parseSelect(query['$select'], 'User', userProperties)
        : parseSelect(query['$select'], 'Group', groupDeltaProperties);
    const top = parseTop(query['$top'], store.settings.pageSize);
    const ids = filtered ? parseDeltaIdFilter(query['$filter'] ?? '') : undefined;
    const start: DeltaState = {
      e: changes.epoch,
      s: changes.seq,
      sel: select,
      top,
      ...(ids === undefined ? {} : { ids }),
    };
    // `$deltatoken=latest`: no objects, only a deltaLink from now on ("sync from now").
    if (query['$deltatoken'] === 'latest')
      return {
        '@odata.context': contextUrl(request, path, select),
        '@odata.deltaLink': link('$deltatoken', encode(start)),
        value: [],
      };
    state = { ...start, m: 'i', p: 0 };
  }
  if (state.e !== changes.epoch || (state.m === 'd' && !changes.covers(state.s)) || state.s > changes.seq)
    throw syncStateNotFound();

  const tracked = state.ids === undefined ? undefined : new Set(state.ids);
  const only = tracked === undefined ? undefined : (id: string) => tracked.has(id);
  const render = (id: string): Record<string, unknown> =>
    kind === 'user'
      ? renderUser(store, id, state.sel)
      : renderGroup(store, id, state.sel, state.m === 'i' ? null : state.s);
  let ids: string[];
  let more: boolean;
  let last: number | undefined;
  if (state.m === 'i') {
    const live = (row: { id: string; deletedDateTime: string | null }) =>
      row.deletedDateTime === null && (only === undefined || only(row.id));
    const page =
      kind === 'user'
        ? store.users.page(state.p, state.top, live)
        : store.groups.page(state.p, state.top, live);
    ids = page.rows.map((r) => r.id);
    more = page.more;
    last = page.rows[page.rows.length - 1]?.seq;
  } else {
    // The change round is not capped at a snapshot: an object changed again while the client pages
    // moves to the end of the log and comes again later in the same round (Graph, too, may return an
    // object more than once). The round ends when the client has caught up with the log.
    const page = changes.page(kind, state.p, state.top, only);
    ids = page.entries.map((e) => e.id);
    more = page.more;
    last = page.entries[page.entries.length - 1]?.seq;
  }

  const body: Record<string, unknown> = { '@odata.context': contextUrl(request, path, state.sel) };
  if (more && last !== undefined) body['@odata.nextLink'] = link('$skiptoken', encode({ ...state, p: last }));
  else {
    // An initial round's changes are those after its start; a change round has read the log up to now.
    const next: DeltaState = {
      e: state.e,
      s: state.m === 'i' ? state.s : changes.seq,
      sel: state.sel,
      top: state.top,
      ...(state.ids === undefined ? {} : { ids: state.ids }),
    };
    body['@odata.deltaLink'] = link('$deltatoken', encode(next));
  }
  body['value'] = ids.map(render);
  return body;
}

export function deltaRoutes(app: FastifyInstance, ctx: EntraContext): void {
  const { store } = ctx;
  for (const name of ['delta', 'microsoft.graph.delta']) {
    app.get(`/v1.0/users/${name}`, async (request) => {
      requirePermission(request, userRead);
      return deltaPage(store, request, 'user');
    });
    app.get(`/v1.0/groups/${name}`, async (request) => {
      requirePermission(request, groupRead);
      return deltaPage(store, request, 'group');
    });
  }
}
