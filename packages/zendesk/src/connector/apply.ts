import type { TargetAction, TargetActionResult, TargetProgress, TargetUser } from '@provisio/engine';
import { toConnectorError, ZendeskHttpError } from '../client/errors.js';
import type { ZendeskHttp } from '../client/http.js';
import type { BulkJobs } from '../client/jobs.js';
import { collect, paginate } from '../client/paginate.js';
import {
  identitiesEnvelopeSchema,
  identityEnvelopeSchema,
  identitySchema,
  jobStatusEnvelopeSchema,
  userEnvelopeSchema,
  usersEnvelopeSchema,
  type ZendeskJobStatus,
  type ZendeskUser,
} from '../client/schemas.js';
import { type ZendeskConnectorError, ZendeskErrorCode } from '../errors.js';
import { parseZendeskId, toTargetUser, toUserBody } from './attributes.js';
import { chunk, mapConcurrent, type Semaphore } from './concurrency.js';
import { type ItemOutcome, type JobItem, mapJobResults } from './results.js';

/**
 * `apply`: actions → as few Zendesk requests as possible, one result per action.
 *
 * Order: deletes, then updates (disable and reactivate included), then creates, so that an email
 * or external_id freed by a delete or an update is free when a create needs it. Each phase works in
 * chunks of 100 users: one bulk job per chunk (at most ten jobs in flight, polled together), then
 * one `show_many` for the chunk's users as they are after the write. A chunk's failure (after the
 * client's retries) fails that chunk's actions only.
 *
 * - creates: `POST /users/create_or_update_many`, matched by email or external_id, so a retry after a
 *   crash updates the user created before instead of duplicating it. Without bulk import (403),
 *   `POST /users/create_or_update` per user, which is just as idempotent.
 * - updates: `PUT /users/update_many` with `{"users":[{id, …changes}]}`; at most one write per user
 *   per apply (Zendesk allows 5 Update User requests a minute per user), so several actions for one
 *   user are merged. 403 → `PUT /users/{id}`. An email change goes through identities (Zendesk's
 *   update would only add a secondary address): add the identity if missing, then make it primary.
 * - deletes: `DELETE /users/destroy_many?ids=` (soft delete); 403 → `DELETE /users/{id}`. A user
 *   already gone counts as deleted.
 */

export const maxUsersPerRequest = 100;

export interface WriteContext {
  readonly http: ZendeskHttp;
  readonly jobs: BulkJobs;
  /** Bulk endpoints that answered 403; single requests are used for them from then on. */
  readonly singles: { create: boolean; update: boolean; delete: boolean };
  /** Limits single-user requests in parallel. */
  readonly singleRequests: Semaphore;
  /** Bulk chunks in progress at once (each holds at most one job). */
  readonly chunkConcurrency: number;
}

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

function isForbidden(error: unknown): boolean {
  return error instanceof ZendeskHttpError && error.status === 403;
}

function isGone(error: ZendeskConnectorError | null): boolean {
  return error?.code === ZendeskErrorCode.InvalidAnchor;
}

export const parseUserId: (targetId: string) => number | null = parseZendeskId;

/** Outcomes of a finished job, one per item; a job that did not complete fails every item. */
function jobOutcomes(job: ZendeskJobStatus, items: readonly JobItem[], request: string): ItemOutcome[] {
  if (job.status !== 'completed') {
    const error: ZendeskConnectorError = {
      code: ZendeskErrorCode.ZendeskJobFailed,
      message: `Zendesk job ${job.id} ended "${job.status}"${job.message ? `: ${job.message}` : ''}`,
      retryable: true,
      request,
    };
    return items.map(() => ({ kind: 'failed', error }));
  }
  return mapJobResults(items, Array.isArray(job.results) ? job.results : [], request);
}

function missingResult(request: string): ZendeskConnectorError {
  return {
    code: ZendeskErrorCode.ZendeskJobFailed,
    message: 'The Zendesk job reported no result for this user',
    retryable: true,
    request,
  };
}

/** Submits a bulk request as a job and waits for it; answers the job and the request label. */
async function runJob(
  ctx: WriteContext,
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  options: { body?: unknown; query?: Record<string, readonly number[]> },
): Promise<{ job: ZendeskJobStatus; label: string }> {
  const job = await ctx.jobs.run(async () => {
    const answer = await ctx.http.request(method, path, {
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.query === undefined ? {} : { query: options.query }),
      schema: jobStatusEnvelopeSchema,
      // create_or_update_many, update_many and destroy_many can be repeated without harm.
      idempotent: true,
    });
    return answer.job_status;
  });
  return { job, label: `${method} ${path} (job ${job.id})` };
}

/** The users after the write: `show_many`, 100 ids a request. */
async function fetchUsers(
  ctx: WriteContext,
  ids: readonly number[],
  includeDeleted: boolean,
): Promise<{ users: Map<number, ZendeskUser>; errors: Map<number, ZendeskConnectorError> }> {
  const users = new Map<number, ZendeskUser>();
  const errors = new Map<number, ZendeskConnectorError>();
  await mapConcurrent(chunk([...new Set(ids)], maxUsersPerRequest), 2, async (part) => {
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

/** Results for a chunk's groups once their writes are done: the users as they are now. */
async function finish(
  ctx: WriteContext,
  groups: readonly {
    readonly userId: number | null;
    readonly actions: readonly TargetAction[];
    readonly step: Step;
  }[],
  kind: 'write' | 'delete',
): Promise<TargetActionResult[]> {
  const wanted = groups
    .filter((g) => g.userId !== null && g.step.error === null && g.step.user === null)
    .map((g) => g.userId as number);
  const fetched = wanted.length > 0 ? await fetchUsers(ctx, wanted, kind === 'delete') : null;
  const out: TargetActionResult[] = [];
  for (const group of groups) {
    const { step } = group;
    let user: TargetUser | null = null;
    let error = step.error;
    if (error === null && group.userId !== null) {
      const found = step.user ?? fetched?.users.get(group.userId);
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
          error: error ?? missingResult(step.requests.join('; ') || 'apply'),
        });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Deletes

interface DeleteGroup {
  readonly userId: number;
  readonly actions: TargetAction[];
  readonly step: Step;
}

async function deleteChunk(ctx: WriteContext, part: readonly DeleteGroup[]): Promise<TargetActionResult[]> {
  if (!ctx.singles.delete) {
    try {
      const { job, label } = await runJob(ctx, 'DELETE', '/api/v2/users/destroy_many', {
        query: { ids: part.map((g) => g.userId) },
      });
      const outcomes = jobOutcomes(
        job,
        part.map((g) => ({ userId: g.userId })),
        label,
      );
      part.forEach((group, i) => {
        const outcome = outcomes[i] ?? { kind: 'missing' };
        group.step.requests.push(label);
        // A user already deleted is what a delete wants.
        if (outcome.kind === 'failed' && !isGone(outcome.error)) fail(group.step, outcome.error);
        else if (outcome.kind === 'missing') fail(group.step, missingResult(label));
      });
      return await finish(ctx, part, 'delete');
    } catch (error) {
      if (!isForbidden(error)) {
        const detail = toConnectorError(error, 'DELETE /api/v2/users/destroy_many');
        for (const group of part) fail(group.step, detail);
        return await finish(ctx, part, 'delete');
      }
      ctx.singles.delete = true;
    }
  }
  await Promise.all(
    part.map((group) =>
      ctx.singleRequests.run(async () => {
        const label = `DELETE /api/v2/users/${group.userId}`;
        group.step.requests.push(label);
        try {
          const answer = await ctx.http.request('DELETE', `/api/v2/users/${group.userId}`, {
            schema: userEnvelopeSchema,
            subject: 'user',
          });
          group.step.user = answer.user;
        } catch (error) {
          const detail = toConnectorError(error, label);
          if (!isGone(detail)) fail(group.step, detail);
        }
      }),
    ),
  );
  return await finish(ctx, part, 'delete');
}

// ---------------------------------------------------------------------------------------------
// Updates, disables and reactivations

interface WriteGroup {
  readonly userId: number;
  readonly actions: TargetAction[];
  readonly body: Record<string, unknown>;
  email: string | null;
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

async function writeChunk(ctx: WriteContext, part: readonly WriteGroup[]): Promise<TargetActionResult[]> {
  const bulk = part.filter((g) => Object.keys(g.body).length > 0);
  let singles = bulk;
  if (bulk.length > 0 && !ctx.singles.update) {
    singles = [];
    try {
      const { job, label } = await runJob(ctx, 'PUT', '/api/v2/users/update_many', {
        body: { users: bulk.map((g) => ({ id: g.userId, ...g.body })) },
      });
      const outcomes = jobOutcomes(
        job,
        bulk.map((g) => ({ userId: g.userId })),
        label,
      );
      bulk.forEach((group, i) => {
        const outcome = outcomes[i] ?? { kind: 'missing' };
        group.step.requests.push(label);
        if (outcome.kind === 'failed') fail(group.step, outcome.error);
        else if (outcome.kind === 'missing') fail(group.step, missingResult(label));
      });
    } catch (error) {
      if (isForbidden(error)) {
        ctx.singles.update = true;
        singles = bulk;
      } else {
        const detail = toConnectorError(error, 'PUT /api/v2/users/update_many');
        for (const group of bulk) fail(group.step, detail);
      }
    }
  }
  await Promise.all(
    singles.map((group) =>
      ctx.singleRequests.run(async () => {
        const label = `PUT /api/v2/users/${group.userId}`;
        group.step.requests.push(label);
        try {
          const answer = await ctx.http.request('PUT', `/api/v2/users/${group.userId}`, {
            body: { user: group.body },
            schema: userEnvelopeSchema,
            subject: 'user',
          });
          if (group.email === null) group.step.user = answer.user;
        } catch (error) {
          fail(group.step, toConnectorError(error, label));
        }
      }),
    ),
  );
  await Promise.all(
    part
      .filter((g) => g.email !== null && g.step.error === null)
      .map((group) =>
        ctx.singleRequests.run(async () => {
          try {
            await makePrimaryEmail(ctx.http, group.userId, group.email as string, group.step.requests);
          } catch (error) {
            fail(group.step, toConnectorError(error, `/api/v2/users/${group.userId}/identities`));
          }
        }),
      ),
  );
  return await finish(ctx, part, 'write');
}

/**
 * Makes `email` the user's primary address (https://developer.zendesk.com/api-reference/ticketing/users/user_identities/): a user update would only add it as a
 * secondary identity. The old address stays as a secondary identity.
 */
export async function makePrimaryEmail(
  http: ZendeskHttp,
  userId: number,
  email: string,
  requests: string[],
): Promise<void> {
  const base = `/api/v2/users/${userId}/identities`;
  requests.push(`GET ${base}`);
  const identities = await collect(
    paginate(http, {
      path: base,
      key: 'identities',
      item: identitySchema,
      style: { kind: 'cursor' },
      subject: 'user',
    }),
  );
  const wanted = email.trim().toLowerCase();
  let identity = identities.find((i) => i.type === 'email' && i.value.trim().toLowerCase() === wanted);
  if (!identity) {
    requests.push(`POST ${base}`);
    const answer = await http.request('POST', base, {
      body: { identity: { type: 'email', value: email.trim(), verified: true } },
      schema: identityEnvelopeSchema,
      subject: 'user',
    });
    identity = answer.identity;
  }
  if (identity.primary !== true) {
    const path = `${base}/${identity.id}/make_primary`;
    requests.push(`PUT ${path}`);
    await http.request('PUT', path, { schema: identitiesEnvelopeSchema, subject: 'user' });
  }
}

// ---------------------------------------------------------------------------------------------
// Creates

interface CreateGroup {
  readonly userId: number | null;
  readonly actions: TargetAction[];
  readonly body: Record<string, unknown>;
  readonly step: Step;
}

async function createChunk(ctx: WriteContext, part: CreateGroup[]): Promise<TargetActionResult[]> {
  const ids = new Map<CreateGroup, number>();
  let singles: CreateGroup[] = part;
  if (!ctx.singles.create) {
    singles = [];
    try {
      const { job, label } = await runJob(ctx, 'POST', '/api/v2/users/create_or_update_many', {
        body: { users: part.map((g) => g.body) },
      });
      const outcomes = jobOutcomes(
        job,
        part.map((g) => ({
          email: stringOrNull(g.body['email']),
          externalId: stringOrNull(g.body['external_id']),
        })),
        label,
      );
      part.forEach((group, i) => {
        const outcome = outcomes[i] ?? { kind: 'missing' };
        group.step.requests.push(label);
        if (outcome.kind === 'ok') ids.set(group, outcome.userId);
        else fail(group.step, outcome.kind === 'failed' ? outcome.error : missingResult(label));
      });
    } catch (error) {
      if (isForbidden(error)) {
        // Bulk import is off for the account (the default): create one by one from now on.
        ctx.singles.create = true;
        singles = part;
      } else {
        const detail = toConnectorError(error, 'POST /api/v2/users/create_or_update_many');
        for (const group of part) fail(group.step, detail);
      }
    }
  }
  await Promise.all(
    singles.map((group) =>
      ctx.singleRequests.run(async () => {
        const label = 'POST /api/v2/users/create_or_update';
        group.step.requests.push(label);
        try {
          const answer = await ctx.http.request('POST', '/api/v2/users/create_or_update', {
            body: { user: group.body },
            schema: userEnvelopeSchema,
            idempotent: true,
          });
          ids.set(group, answer.user.id);
          group.step.user = answer.user;
        } catch (error) {
          fail(group.step, toConnectorError(error, label));
        }
      }),
    ),
  );
  return await finish(
    ctx,
    part.map((g) => ({ ...g, userId: ids.get(g) ?? null })),
    'write',
  );
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
      creates.push({ userId: null, actions: [action], body: toUserBody(action.attributes), step: newStep() });
      continue;
    }
    const userId = parseUserId(action.targetId);
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
    const group = writes.get(userId) ?? { userId, actions: [], body: {}, email: null, step: newStep() };
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

  const phase = async <G extends { readonly actions: readonly TargetAction[] }>(
    groups: readonly G[],
    run: (part: G[]) => Promise<TargetActionResult[]>,
  ) => {
    await mapConcurrent(chunk(groups, maxUsersPerRequest), ctx.chunkConcurrency, async (part) => {
      try {
        report(await run(part));
      } catch (error) {
        // A bug must not lose the other chunks' results: this chunk's actions fail, retryably.
        const detail = toConnectorError(error);
        report(
          part.flatMap((g) => g.actions.map((a) => ({ key: a.key, ok: false as const, error: detail }))),
        );
      }
    });
  };
  await phase([...deletes.values()], (part) => deleteChunk(ctx, part));
  await phase([...writes.values()], (part) => writeChunk(ctx, part));
  await phase(creates, (part) => createChunk(ctx, part));
  return results;
}
