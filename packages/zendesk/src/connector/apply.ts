import type { TargetAction, TargetActionResult, TargetProgress, TargetUser } from '@provisio/engine';
import { toConnectorError } from '../client/errors.js';
import type { ZendeskHttp } from '../client/http.js';
import { collect, paginate } from '../client/paginate.js';
import {
  identitiesEnvelopeSchema,
  identityEnvelopeSchema,
  identitySchema,
  userEnvelopeSchema,
  usersEnvelopeSchema,
  type ZendeskUser,
} from '../client/schemas.js';
import { type ZendeskConnectorError, ZendeskErrorCode } from '../errors.js';
import { storedAfterWrite, targetUserOf } from './after-write.js';
import { parseZendeskId, toTargetUser, toUserBody } from './attributes.js';
import { type BulkContext, type BulkEndpoint, forEachChunk, maxItemsPerRequest, runBulk } from './bulk.js';
import { chunk, mapConcurrent } from './concurrency.js';
import { noResult } from './results.js';

/**
 * `apply`: actions → as few Zendesk requests as possible, one result per action.
 *
 * Order: deletes, then updates (disable and reactivate included), then creates, so that an email
 * or external_id freed by a delete or an update is free when a create needs it. Each phase goes
 * through the bulk runner (`bulk.ts`: chunks of 100 users, one bulk job per chunk, single requests
 * once a bulk endpoint answers 403). The users after the write are computed from what provisio knew
 * (`TargetAction.current`) and sent (after-write.ts), ids from the job results; `show_many` reads
 * back only those it cannot compute (a create Zendesk matched to a user provisio did not know, an
 * action without `current`, a field whose stored form is not predictable).
 *
 * At most one write per user per apply (Zendesk allows 5 Update User requests a minute per user),
 * so several actions for one user are merged. An email change goes through identities (Zendesk's
 * update would only add a secondary address): add the identity if missing, then make it primary.
 * A user already gone counts as deleted.
 */

/** The users' bulk endpoints that answered 403; single requests are used for them from then on. */
export type UserFallback = 'create' | 'update' | 'delete';

export type WriteContext = BulkContext<UserFallback>;

type Report = (results: readonly TargetActionResult[]) => void;

interface Step {
  /** Set when the user's write failed; the other steps are skipped. */
  error: ZendeskConnectorError | null;
  readonly requests: string[];
  /** The user as a single request answered it, when no later step changes it. */
  user: ZendeskUser | null;
}

const newStep = (): Step => ({ error: null, requests: [], user: null });

function fail(step: Step, error: ZendeskConnectorError): void {
  step.error ??= error;
}

function isGone(error: ZendeskConnectorError | null): boolean {
  return error?.code === ZendeskErrorCode.InvalidAnchor;
}

/** The users after the write: `show_many`, 100 ids a request. */
async function fetchUsers(
  ctx: WriteContext,
  ids: readonly number[],
  includeDeleted: boolean,
): Promise<{ users: Map<number, ZendeskUser>; errors: Map<number, ZendeskConnectorError> }> {
  const users = new Map<number, ZendeskUser>();
  const errors = new Map<number, ZendeskConnectorError>();
  await mapConcurrent(chunk([...new Set(ids)], maxItemsPerRequest), 2, async (part) => {
    try {
      const answer = await ctx.http.request('GET', '/api/v2/users/show_many', {
        query: { ids: part, ...(includeDeleted ? { include_deleted: 'true' } : {}) },
        schema: usersEnvelopeSchema,
      });
      for (const user of answer.users) users.set(user.id, user);
    } catch (error) {
      const detail = toConnectorError(error, 'GET /api/v2/users/show_many');
      for (const id of part) errors.set(id, detail);
    }
  });
  return { users, errors };
}

/** What `finish` needs of a group of actions for one user. */
interface FinishGroup {
  readonly userId: number | null;
  readonly actions: readonly TargetAction[];
  readonly step: Step;
}

/**
 * Results for a chunk's groups once their writes are done: the users as they are now. A user a
 * single request answered with is taken from that answer; otherwise `computed` gives it from what
 * provisio knew and sent (after-write.ts), and only the users it cannot compute are read back with
 * `show_many`.
 */
async function finish<G extends FinishGroup>(
  ctx: WriteContext,
  groups: readonly G[],
  kind: 'write' | 'delete',
  computed: (group: G) => TargetUser | null,
): Promise<TargetActionResult[]> {
  const users = new Map<G, TargetUser>();
  const wanted: number[] = [];
  for (const group of groups) {
    if (group.userId === null || group.step.error !== null) continue;
    const answered = group.step.user;
    const user = answered ? toTargetUser(answered) : computed(group);
    if (user) users.set(group, kind === 'delete' ? { ...user, active: false } : user);
    else wanted.push(group.userId);
  }
  const fetched = wanted.length > 0 ? await fetchUsers(ctx, wanted, kind === 'delete') : null;
  const out: TargetActionResult[] = [];
  for (const group of groups) {
    const { step } = group;
    let user: TargetUser | null = users.get(group) ?? null;
    let error = step.error;
    if (user === null && error === null && group.userId !== null) {
      const found = fetched?.users.get(group.userId);
      if (found) user = toTargetUser(kind === 'delete' ? { ...found, active: false } : found);
      else if (kind === 'delete') {
        // Permanently deleted (or not readable): the delete itself went through.
        user = {
          id: String(group.userId),
          attributes: {},
          active: false,
          disabled: false,
          displayName: `Zendesk user ${group.userId}`,
        };
      } else {
        error = fetched?.errors.get(group.userId) ?? {
          code: ZendeskErrorCode.InvalidAnchor,
          message: `Zendesk user ${group.userId} was not found after the write (deleted meanwhile?)`,
          retryable: false,
          request: 'GET /api/v2/users/show_many',
        };
      }
    }
    for (const action of group.actions) {
      if (user) out.push({ key: action.key, ok: true, user, request: step.requests.join('; ') });
      else
        out.push({
          key: action.key,
          ok: false,
          error: error ?? noResult('user', step.requests.join('; ') || 'apply'),
        });
    }
  }
  return out;
}

/** The user as provisio knew it when it planned the first of these actions (absent for creates). */
function knownUser(actions: readonly TargetAction[]): TargetUser | null {
  for (const action of actions) if (action.kind !== 'create' && action.current) return action.current;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Deletes

interface DeleteGroup {
  readonly userId: number;
  readonly actions: TargetAction[];
  readonly step: Step;
}

/** `DELETE /users/destroy_many?ids=` (a soft delete); 403 → `DELETE /users/{id}`. */
const destroyUsers: BulkEndpoint<UserFallback, DeleteGroup> = {
  method: 'DELETE',
  path: '/api/v2/users/destroy_many',
  fallback: 'delete',
  unavailable: [403],
  subject: 'user',
  request: (part) => ({ query: { ids: part.map((g) => g.userId) } }),
  item: (group) => ({ key: { id: group.userId } }),
  settle: (group, outcome, label) => {
    group.step.requests.push(label);
    // A user already deleted is what a delete wants.
    if (outcome.kind === 'failed' && !isGone(outcome.error)) fail(group.step, outcome.error);
  },
  fail: (group, error) => fail(group.step, error),
  single: async (group, http) => {
    const label = `DELETE /api/v2/users/${group.userId}`;
    group.step.requests.push(label);
    try {
      const answer = await http.request('DELETE', `/api/v2/users/${group.userId}`, {
        schema: userEnvelopeSchema,
        subject: 'user',
      });
      group.step.user = answer.user;
    } catch (error) {
      const detail = toConnectorError(error, label);
      if (!isGone(detail)) fail(group.step, detail);
    }
  },
};

async function deleteChunk(ctx: WriteContext, part: readonly DeleteGroup[]): Promise<TargetActionResult[]> {
  await runBulk(ctx, part, destroyUsers);
  // A deleted user is the user as provisio knew it, inactive; one it did not know is read back.
  return await finish(ctx, part, 'delete', (group) => knownUser(group.actions));
}

// ---------------------------------------------------------------------------------------------
// Updates, disables and reactivations

interface WriteGroup {
  readonly userId: number;
  readonly actions: TargetAction[];
  readonly body: Record<string, unknown>;
  email: string | null;
  /** The primary address once `makePrimaryEmail` has set it, as Zendesk holds the identity. */
  primaryEmail: string | null;
  readonly step: Step;
}

/** The body an action adds to its user's write. */
export function actionBody(action: TargetAction): Record<string, unknown> {
  switch (action.kind) {
    case 'update':
      return toUserBody(action.changes);
    case 'disable':
      // Zendesk's advice for agents: downgrade to end-user, then suspend (docs/mappings.md, "Roles on update").
      return action.policy === 'downgrade-and-suspend'
        ? { role: 'end-user', custom_role_id: null, suspended: true }
        : { suspended: true };
    case 'reactivate':
      return { ...toUserBody(action.changes), suspended: false };
    case 'create':
    case 'delete':
      return {};
  }
}

/** Merges one action's body into the user's write (later actions win; user_fields merge by key). */
export function mergeBody(into: Record<string, unknown>, body: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(body)) {
    const existing = into[key];
    if (key === 'user_fields' && isRecord(existing) && isRecord(value)) into[key] = { ...existing, ...value };
    else into[key] = value;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `PUT /users/update_many` with `{"users":[{id, …changes}]}`; 403 → `PUT /users/{id}`. The email
 * goes through identities afterwards (`makePrimaryEmail`).
 */
const updateUsers: BulkEndpoint<UserFallback, WriteGroup> = {
  method: 'PUT',
  path: '/api/v2/users/update_many',
  fallback: 'update',
  unavailable: [403],
  subject: 'user',
  request: (part) => ({ body: { users: part.map((g) => ({ id: g.userId, ...g.body })) } }),
  item: (group) => ({ key: { id: group.userId } }),
  settle: (group, outcome, label) => {
    group.step.requests.push(label);
    if (outcome.kind === 'failed') fail(group.step, outcome.error);
  },
  fail: (group, error) => fail(group.step, error),
  single: async (group, http) => {
    const label = `PUT /api/v2/users/${group.userId}`;
    group.step.requests.push(label);
    try {
      const answer = await http.request('PUT', `/api/v2/users/${group.userId}`, {
        body: { user: group.body },
        schema: userEnvelopeSchema,
        subject: 'user',
      });
      if (group.email === null) group.step.user = answer.user;
    } catch (error) {
      fail(group.step, toConnectorError(error, label));
    }
  },
};

async function writeChunk(ctx: WriteContext, part: readonly WriteGroup[]): Promise<TargetActionResult[]> {
  await runBulk(
    ctx,
    part.filter((g) => Object.keys(g.body).length > 0),
    updateUsers,
  );
  await Promise.all(
    part
      .filter((g) => g.email !== null && g.step.error === null)
      .map((group) =>
        ctx.singleRequests.run(async () => {
          try {
            group.primaryEmail = await makePrimaryEmail(
              ctx.http,
              group.userId,
              group.email as string,
              group.step.requests,
            );
          } catch (error) {
            fail(group.step, toConnectorError(error, `/api/v2/users/${group.userId}/identities`));
          }
        }),
      ),
  );
  return await finish(ctx, part, 'write', writtenUser);
}

/** A user after an update, a suspension or its lifting, from the user provisio knew and the body sent. */
function writtenUser(group: WriteGroup): TargetUser | null {
  const known = knownUser(group.actions);
  if (known === null) return null;
  const attributes = storedAfterWrite(known.attributes, group.body);
  if (attributes === null) return null;
  if (group.primaryEmail !== null) attributes['email'] = group.primaryEmail;
  return targetUserOf(group.userId, attributes);
}

/**
 * Makes `email` the user's primary address (https://developer.zendesk.com/api-reference/ticketing/users/user_identities/): a user update would only add it as a
 * secondary identity. The old address stays as a secondary identity. Returns the address as the
 * primary identity holds it.
 */
export async function makePrimaryEmail(
  http: ZendeskHttp,
  userId: number,
  email: string,
  requests: string[],
): Promise<string> {
  const base = `/api/v2/users/${userId}/identities`;
  const wanted = email.trim().toLowerCase();
  const findIdentity = async () => {
    const identities = await collect(
      paginate(http, {
        path: base,
        key: 'identities',
        item: identitySchema,
        style: { kind: 'cursor' },
        subject: 'user',
      }),
    );
    return identities.find((i) => i.type === 'email' && i.value.trim().toLowerCase() === wanted);
  };
  requests.push(`GET ${base}`);
  let identity = await findIdentity();
  if (!identity) {
    requests.push(`POST ${base}`);
    const answer = await http.request('POST', base, {
      body: { identity: { type: 'email', value: email.trim(), verified: true } },
      schema: identityEnvelopeSchema,
      subject: 'user',
      // Not idempotent: after an ambiguous failure, look for the address before adding it again.
      recover: async () => {
        const found = await findIdentity();
        return found === undefined ? null : { identity: found };
      },
    });
    identity = answer.identity;
  }
  if (identity.primary !== true) {
    const path = `${base}/${identity.id}/make_primary`;
    requests.push(`PUT ${path}`);
    await http.request('PUT', path, { schema: identitiesEnvelopeSchema, subject: 'user' });
  }
  return identity.value;
}

// ---------------------------------------------------------------------------------------------
// Creates

interface CreateGroup {
  /** The user's id once Zendesk has created (or matched) it. */
  userId: number | null;
  /**
   * Zendesk found a user it already held (by email or external_id) and updated it: the job result
   * says `Updated` rather than `Created`, a single create_or_update answers 200 rather than 201.
   */
  matched: boolean;
  /** The job result said the user was created (`Created` / `create`): nothing but the body is in it. */
  created: boolean;
  readonly actions: TargetAction[];
  readonly body: Record<string, unknown>;
  readonly step: Step;
}

/**
 * `POST /users/create_or_update_many`, matched by email or external_id, so a retry after a crash
 * updates the user created before instead of duplicating it. Bulk import is off for an account by
 * default (403): `POST /users/create_or_update` per user then, which is just as idempotent.
 */
const createUsers: BulkEndpoint<UserFallback, CreateGroup> = {
  method: 'POST',
  path: '/api/v2/users/create_or_update_many',
  fallback: 'create',
  unavailable: [403],
  subject: 'user',
  request: (part) => ({ body: { users: part.map((g) => g.body) } }),
  item: (group) => ({
    key: { email: stringOrNull(group.body['email']), externalId: stringOrNull(group.body['external_id']) },
  }),
  settle: (group, outcome, label) => {
    group.step.requests.push(label);
    if (outcome.kind === 'failed') fail(group.step, outcome.error);
    else if (outcome.id === null) fail(group.step, noResult('user', label));
    else {
      group.userId = outcome.id;
      // Job results of create_or_update_many: `status: "Updated"` (observed) or `action: "update"`
      // for an existing user, `Created` / `create` for a new one
      // (https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/).
      group.matched = isUpdateOutcome(outcome.status, outcome.action);
      group.created = isCreateOutcome(outcome.status, outcome.action);
    }
  },
  fail: (group, error) => fail(group.step, error),
  single: async (group, http) => {
    const label = 'POST /api/v2/users/create_or_update';
    group.step.requests.push(label);
    try {
      const answer = await http.request('POST', '/api/v2/users/create_or_update', {
        body: { user: group.body },
        schema: userEnvelopeSchema,
        idempotent: true,
        // "201 Created" for a new user, "200 OK" when an existing one was updated
        // (https://developer.zendesk.com/api-reference/ticketing/users/users/#create-or-update-user).
        onSuccessStatus: (status) => {
          group.matched = status === 200;
        },
      });
      group.userId = answer.user.id;
      group.step.user = answer.user;
    } catch (error) {
      fail(group.step, toConnectorError(error, label));
    }
  },
};

async function createChunk(ctx: WriteContext, part: CreateGroup[]): Promise<TargetActionResult[]> {
  await runBulk(ctx, part, createUsers);
  // A created user is what was sent; a user Zendesk matched (or a result that does not say which)
  // held values provisio never saw, so it is read back.
  const results = await finish(ctx, part, 'write', (group) => {
    if (!group.created || group.matched || group.userId === null) return null;
    const attributes = storedAfterWrite(null, group.body);
    return attributes === null ? null : targetUserOf(group.userId, attributes);
  });
  const matched = new Set(part.filter((g) => g.matched).flatMap((g) => g.actions.map((a) => a.key)));
  return results.map((result) =>
    result.ok && matched.has(result.key) ? { ...result, matched: true } : result,
  );
}

/** Whether a create_or_update item's result says an existing user was updated. */
export function isUpdateOutcome(status: string | null, action: string | null): boolean {
  const said = `${status ?? ''} ${action ?? ''}`.toLowerCase();
  return /\bupdated?\b/.test(said) && !/\bcreated?\b/.test(said);
}

/** Whether a create_or_update item's result says the user was created. */
export function isCreateOutcome(status: string | null, action: string | null): boolean {
  const said = `${status ?? ''} ${action ?? ''}`.toLowerCase();
  return /\bcreated?\b/.test(said) && !/\bupdated?\b/.test(said);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

// ---------------------------------------------------------------------------------------------

function invalidTarget(action: TargetAction & { targetId: string }): TargetActionResult {
  return {
    key: action.key,
    ok: false,
    error: {
      code: ZendeskErrorCode.InvalidAnchor,
      message: `"${action.targetId}" is not a Zendesk user id`,
      retryable: false,
    },
  };
}

export async function applyActions(
  ctx: WriteContext,
  actions: readonly TargetAction[],
  onProgress?: (progress: TargetProgress) => void,
): Promise<TargetActionResult[]> {
  const results: TargetActionResult[] = [];
  const total = actions.length;
  const report: Report = (list) => {
    results.push(...list);
    onProgress?.({ done: results.length, total });
  };

  const deletes = new Map<number, DeleteGroup>();
  const writes = new Map<number, WriteGroup>();
  const creates: CreateGroup[] = [];
  const rejected: TargetActionResult[] = [];
  for (const action of actions) {
    if (action.kind === 'create') {
      creates.push({
        userId: null,
        matched: false,
        created: false,
        actions: [action],
        body: toUserBody(action.attributes),
        step: newStep(),
      });
      continue;
    }
    const userId = parseZendeskId(action.targetId);
    if (userId === null) {
      rejected.push(invalidTarget(action));
      continue;
    }
    if (action.kind === 'delete') {
      const group = deletes.get(userId) ?? { userId, actions: [], step: newStep() };
      group.actions.push(action);
      deletes.set(userId, group);
      continue;
    }
    // One write per user and apply: Zendesk allows 5 Update User requests a minute per user.
    const group = writes.get(userId) ?? {
      userId,
      actions: [],
      body: {},
      email: null,
      primaryEmail: null,
      step: newStep(),
    };
    group.actions.push(action);
    mergeBody(group.body, actionBody(action));
    writes.set(userId, group);
  }
  if (rejected.length > 0) report(rejected);
  for (const group of writes.values()) {
    // The primary email changes through identities, not through the user update.
    if ('email' in group.body) {
      const email = group.body['email'];
      delete group.body['email'];
      if (typeof email === 'string' && email.trim() !== '') group.email = email;
    }
  }

  const phase = <G extends { readonly actions: readonly TargetAction[] }>(
    groups: readonly G[],
    run: (part: G[]) => Promise<TargetActionResult[]>,
  ) =>
    forEachChunk(
      ctx,
      groups,
      async (part) => report(await run(part)),
      (part, error) =>
        report(part.flatMap((g) => g.actions.map((a) => ({ key: a.key, ok: false as const, error })))),
    );
  await phase([...deletes.values()], (part) => deleteChunk(ctx, part));
  await phase([...writes.values()], (part) => writeChunk(ctx, part));
  await phase(creates, (part) => createChunk(ctx, part));
  return results;
}
