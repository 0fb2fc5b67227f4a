import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertMayAssignRole, requireAdmin, requireAgent } from '../http/auth.js';
import type { EmulatorContext } from '../http/context.js';
import { idListParam, listParam } from '../http/params.js';
import { badRequest, forbidden, recordNotFound, ZendeskApiError } from '../model/errors.js';
import type { JobItem } from '../model/jobs.js';
import type { ZendeskStore } from '../model/store.js';
import type { UserRecord } from '../model/types.js';
import { asInput, createOrUpdateUser, createUser, softDeleteUser, updateUser } from '../model/users.js';

/** "Accepts an array of up to 100 user objects" / "up to 100 user ids" [spec]. */
export const maxBulkUsers = 100;

/**
 * `job_type` of the user bulk jobs. Zendesk's values for these jobs are not documented (the Job
 * Statuses reference only lists the field, and the recorded job statuses do not carry it); these
 * names are stable (docs/emulators.md, "Choices where Zendesk's behaviour is not documented").
 */
export const userJobTypes = {
  createMany: 'bulk_create_users',
  createOrUpdateMany: 'bulk_create_or_update_users',
  updateMany: 'bulk_update_users',
  destroyMany: 'bulk_delete_users',
} as const;

type Input = Record<string, unknown>;
type Result = Record<string, unknown>;

/**
 * Bulk user endpoints (https://developer.zendesk.com/api-reference/ticketing/users/users/; their jobs:
 * https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/): create_many,
 * create_or_update_many, update_many and destroy_many each answer `200 {job_status}` at once and apply their
 * items in a background job, one by one, through the same model functions as the single-user endpoints, so
 * validation is identical and one bad item never blocks the others.
 *
 * Result items follow recorded traffic and the OpenAPI document where they agree:
 * - created: `{index, id, status: "Created", email?, external_id?}`: the documented
 *   CreateResourceResult `{id, index}` plus the observed `status` (and `email` of
 *   create_or_update_many);
 * - updated: `{id, action: "update", success: true, status: "Updated"}` (UpdateResourceResult,
 *   recorded); create_or_update_many reports an update as `{index, id, status: "Updated", email?}`
 *   (observed shape);
 * - deleted: `{id, action: "delete", success: true, status: "Deleted"}` (recorded);
 * - failed: `{index, id, action, success: false, error, details, status: "Failed"}`. The documented
 *   FailedResult has `id, action, success, error, details`; the observed failures of
 *   create_or_update_many also carry `status: "Failed"` and put the request index in `id`. Both
 *   are sent. This does not satisfy the document's `oneOf` (an item with `status` and `index` also
 *   fits Update- and CreateResourceResult): the observed traffic wins there.
 */
export function registerBulkUserRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  /** Runs one item's change and turns what Zendesk would refuse into a failed result. */
  const attempt = (failure: { code: string; base: Result }, change: () => Result): Result => {
    try {
      const result = change();
      ctx.changed();
      return result;
    } catch (error) {
      if (!(error instanceof ZendeskApiError)) throw error;
      return {
        ...failure.base,
        success: false,
        error: error.status === 404 ? 'RecordNotFound' : failure.code,
        details: error.detailsText,
        status: 'Failed',
      };
    }
  };

  app.post('/api/v2/users/create_many', async (request) => {
    const actor = requireAgent(request);
    requireBulkImport(store);
    const items = bodyItems(request, 'users');
    const work: JobItem[] = items.map(
      (raw, index) => () =>
        // Error code by analogy with the observed "UserUpdateError" [unverified].
        attempt({ code: 'UserCreateError', base: { index, id: index, action: 'create' } }, () => {
          const input = asInput(raw, `users[${index}]`);
          assertMayAssignRole(actor, input);
          return upserted(store, index, createUser(store, input), 'Created');
        }),
    );
    const job = ctx.jobs.enqueue(userJobTypes.createMany, work, {
      progressMessage: (n) => `Creating user #${n}`,
    });
    return { job_status: request.zd.render.job(job) };
  });

  app.post('/api/v2/users/create_or_update_many', async (request) => {
    const actor = requireAgent(request);
    requireBulkImport(store);
    const items = bodyItems(request, 'users');
    const work: JobItem[] = items.map(
      (raw, index) => () =>
        // Observed in recorded traffic: a failed item reports "UserUpdateError", also for an address
        // matching nobody, and its `id` is the request index.
        attempt({ code: 'UserUpdateError', base: { index, id: index, action: 'create_or_update' } }, () => {
          const input = asInput(raw, `users[${index}]`);
          assertMayAssignRole(actor, input);
          const { user, created } = createOrUpdateUser(store, input);
          return upserted(store, index, user, created ? 'Created' : 'Updated');
        }),
    );
    const job = ctx.jobs.enqueue(userJobTypes.createOrUpdateMany, work, {
      progressMessage: (n) => `Creating or updating user #${n}`,
    });
    return { job_status: request.zd.render.job(job) };
  });

  // Not gated by the bulk import setting: the OpenAPI document and the Users API reference name the
  // 403 only for create_many and create_or_update_many.
  app.put('/api/v2/users/update_many', async (request) => {
    const actor = requireAgent(request);
    const targets = updateTargets(request);
    const work: JobItem[] = targets.map((target, index) => () => {
      const user = findTarget(store, target);
      // FailedResult's `id` is "the id of the resource the job attempted to update" [spec]: the
      // user's id when known, else (an unknown external_id) the request index, as observed.
      const id = user?.id ?? (typeof target.id === 'number' ? target.id : index);
      return attempt({ code: 'UserUpdateError', base: { index, id, action: 'update' } }, () => {
        if (!user) throw recordNotFound();
        assertMayAssignRole(actor, target.input, user);
        // Each user gets its own copy: the model may keep references to arrays of the input.
        updateUser(store, user, structuredClone(target.input));
        return { id: user.id, action: 'update', success: true, status: 'Updated' };
      });
    });
    const job = ctx.jobs.enqueue(userJobTypes.updateMany, work, {
      progressMessage: (n) => `Updating user #${n}`,
    });
    return { job_status: request.zd.render.job(job) };
  });

  app.delete('/api/v2/users/destroy_many', async (request) => {
    requireAdmin(request);
    const targets = queryTargets(request, 'destroy_many');
    const work: JobItem[] = targets.map((target, index) => () => {
      const user = findTarget(store, { ...target, input: {} });
      const id = user?.id ?? (typeof target.id === 'number' ? target.id : index);
      // Error code by analogy with the observed "UserUpdateError" [unverified].
      return attempt({ code: 'UserDeleteError', base: { index, id, action: 'delete' } }, () => {
        if (!user) throw recordNotFound();
        softDeleteUser(store, user);
        return { id: user.id, action: 'delete', success: true, status: 'Deleted' };
      });
    });
    const job = ctx.jobs.enqueue(userJobTypes.destroyMany, work, {
      progressMessage: (n) => `Deleting user #${n}`,
    });
    return { job_status: request.zd.render.job(job) };
  });
}

/** create_many and create_or_update_many answer 403 until Zendesk enables bulk imports [spec]. */
function requireBulkImport(store: ZendeskStore): void {
  if (!store.settings.bulkImport) {
    // The 403 is documented (Users API reference, Create Many Users); its body text is not:
    // Zendesk's usual Forbidden shape.
    throw forbidden(
      'Bulk user imports are not enabled for this account. The account owner must ask Zendesk Customer Support to enable them.',
    );
  }
}

/** A created or upserted user's result item. */
function upserted(
  store: ZendeskStore,
  index: number,
  user: UserRecord,
  status: 'Created' | 'Updated',
): Result {
  const result: Result = { index, id: user.id, status };
  const email = store.primaryEmail(user.id);
  if (email !== null) result['email'] = email;
  if (user.externalId !== null) result['external_id'] = user.externalId;
  return result;
}

/**
 * The array under `key`: 1 to 100 items. The status beyond 100 is not documented (400 or 422 are both
 * plausible); 400 in Zendesk's `{error, description}` shape is chosen (docs/emulators.md, "Choices where
 * Zendesk's behaviour is not documented").
 */
function bodyItems(request: FastifyRequest, key: string): unknown[] {
  const body = request.body;
  const items = body && typeof body === 'object' && !Array.isArray(body) ? (body as Input)[key] : undefined;
  if (!Array.isArray(items)) {
    throw badRequest(`The request body must be a JSON object with a "${key}" array`, 'InvalidParameter');
  }
  checkCount(items.length, key);
  return items;
}

function checkCount(count: number, name: string): void {
  if (count === 0) throw badRequest(`${name} must list at least one user`, 'InvalidParameter');
  if (count > maxBulkUsers) {
    throw badRequest(`${name} accepts at most ${maxBulkUsers} users, got ${count}`, 'TooManyValues');
  }
}

interface Target {
  id?: number;
  externalId?: string;
  input: Input;
}

/** `?ids=` or `?external_ids=` (one of them, 1 to 100 entries). */
function queryTargets(request: FastifyRequest, endpoint: string): Omit<Target, 'input'>[] {
  // Lists longer than 100 answer 400 TooManyValues from listParam.
  const ids = idListParam(request, 'ids', maxBulkUsers);
  const externalIds = listParam(request, 'external_ids', maxBulkUsers);
  if (ids !== undefined && externalIds !== undefined) {
    // Zendesk documents the two as alternatives; what it does with both is unverified.
    throw badRequest(`${endpoint} takes either ids or external_ids, not both`, 'InvalidParameter');
  }
  if (ids !== undefined) {
    checkCount(ids.length, 'ids');
    return ids.map((id) => ({ id }));
  }
  if (externalIds !== undefined) {
    checkCount(externalIds.length, 'external_ids');
    return externalIds.map((externalId) => ({ externalId }));
  }
  throw badRequest(`${endpoint} needs ids or external_ids`, 'InvalidParameter');
}

/**
 * update_many's two forms [spec; Users API reference, Update Many Users]: `?ids=`/`?external_ids=` with
 * `{"user": {...}}` (the same change for all), or `{"users": [{"id"|"external_id": ..., ...}]}` (one change
 * each).
 */
function updateTargets(request: FastifyRequest): Target[] {
  const body = request.body;
  const envelope = body && typeof body === 'object' && !Array.isArray(body) ? (body as Input) : {};
  const hasQuery =
    listParam(request, 'ids') !== undefined || listParam(request, 'external_ids') !== undefined;
  if (Array.isArray(envelope['users'])) {
    if (hasQuery) {
      throw badRequest(
        'update_many takes either ids or external_ids with a "user" object, or a "users" array identifying each user, not both',
        'InvalidParameter',
      );
    }
    const items = envelope['users'];
    checkCount(items.length, 'users');
    return items.map((raw) => {
      const input = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Input) : {};
      const { id, ...changes } = input;
      const target: Target = { input: changes };
      if (typeof id === 'number') target.id = id;
      else if (typeof input['external_id'] === 'string' || typeof input['external_id'] === 'number') {
        // Identified by external_id: it stays in the changes, so a case difference is written, as
        // create_or_update does (Users API reference, Create Or Update User).
        target.externalId = String(input['external_id']);
      }
      return target;
    });
  }
  const user = envelope['user'];
  if (!user || typeof user !== 'object' || Array.isArray(user)) {
    throw badRequest(
      'The request body must be a JSON object with a "user" object (with ids or external_ids) or a "users" array',
      'InvalidParameter',
    );
  }
  return queryTargets(request, 'update_many').map((t) => ({ ...t, input: user as Input }));
}

/** The live user a bulk item names; soft-deleted users are not found. */
function findTarget(store: ZendeskStore, target: Target): UserRecord | undefined {
  const user =
    target.id !== undefined
      ? store.users.get(target.id)
      : target.externalId !== undefined
        ? store.userByExternalId(target.externalId)
        : undefined;
  return user?.active ? user : undefined;
}
