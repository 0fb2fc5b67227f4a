import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAdmin, requireAgent } from '../http/auth.js';
import type { EmulatorContext } from '../http/context.js';
import { arraySource, type PageSource, paginate, single, tableSource } from '../http/pagination.js';
import { envelope, idListParam, idParam, query } from '../http/params.js';
import { badRequest, recordNotFound, ZendeskApiError } from '../model/errors.js';
import { findGroup } from '../model/groups.js';
import type { JobItem } from '../model/jobs.js';
import { addMembership, idValue, leaveGroup, makeDefault } from '../model/memberships.js';
import type { MembershipRecord } from '../model/types.js';
import { activeUser } from '../model/users.js';

/** "Assigns up to 100 agents" (create_many) and `ids` of destroy_many [spec]. */
const maxBulkItems = 100;

/**
 * Job types of the bulk endpoints. Zendesk's `job_type` values for these jobs are not documented
 * (the Job Statuses reference only lists the field); these names describe the job and are stable.
 */
export const membershipJobTypes = {
  createMany: 'bulk_create_group_memberships',
  destroyMany: 'bulk_delete_group_memberships',
} as const;

/**
 * Group memberships (https://developer.zendesk.com/api-reference/ticketing/groups/group_memberships/): three
 * list forms and their assignable variants (cursor or offset, `include=users,groups`), show, create (201),
 * delete (204), make_default, and the bulk create_many / destroy_many jobs. Reading is for agents; changing
 * memberships is for admins (the custom role permission that also allows it [spec] is not emulated), except
 * make_default.
 */
export function registerMembershipRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;
  const inLiveGroup = (m: MembershipRecord) => store.groups.get(m.groupId)?.deleted === false;

  /** A page of memberships with the `users` and `groups` side-loads `include` asks for. */
  const list = (request: FastifyRequest, source: PageSource<MembershipRecord>) => {
    const rows: MembershipRecord[] = [];
    const body = paginate(request.zd.page, 'group_memberships', source, (m) => {
      rows.push(m);
      return request.zd.render.membership(m);
    });
    const include = (single(query(request), 'include') ?? '').split(',').map((s) => s.trim());
    if (include.includes('users')) {
      const ids = [...new Set(rows.map((m) => m.userId))];
      body['users'] = ids.flatMap((id) => {
        const user = store.users.get(id);
        return user ? [request.zd.render.user(user)] : [];
      });
    }
    if (include.includes('groups')) {
      const ids = [...new Set(rows.map((m) => m.groupId))];
      body['groups'] = ids.flatMap((id) => {
        const group = store.groups.get(id);
        return group ? [request.zd.render.group(group)] : [];
      });
    }
    return body;
  };

  const byId = (id: number, userId?: number): MembershipRecord => {
    const membership = store.memberships.get(id);
    if (!membership || (userId !== undefined && membership.userId !== userId)) throw recordNotFound();
    return membership;
  };

  const ofUser = (userId: number) =>
    arraySource(store.membershipsOfUser(userId), (m: MembershipRecord) => m.id);

  const ofGroup = (groupId: number) =>
    arraySource(store.membershipsOfGroup(groupId), (m: MembershipRecord) => m.id);

  // ---- lists --------------------------------------------------------------------------------

  app.get('/api/v2/group_memberships', async (request) => {
    requireAgent(request);
    return list(request, tableSource(store.memberships));
  });

  app.get('/api/v2/group_memberships/assignable', async (request) => {
    requireAgent(request);
    // Memberships of groups tickets can be assigned to: every group that is not deleted.
    return list(request, tableSource(store.memberships, inLiveGroup));
  });

  app.get('/api/v2/users/:user_id/group_memberships', async (request) => {
    requireAgent(request);
    return list(request, ofUser(activeUser(store, idParam(request, 'user_id')).id));
  });

  app.get('/api/v2/groups/:group_id/memberships', async (request) => {
    requireAgent(request);
    return list(request, ofGroup(findGroup(store, idParam(request, 'group_id')).id));
  });

  app.get('/api/v2/groups/:group_id/memberships/assignable', async (request) => {
    requireAgent(request);
    // A deleted group has no memberships left, so this equals the group's memberships.
    return list(request, ofGroup(findGroup(store, idParam(request, 'group_id')).id));
  });

  // ---- single memberships -------------------------------------------------------------------

  app.get('/api/v2/group_memberships/:id', async (request) => {
    requireAgent(request);
    return { group_membership: request.zd.render.membership(byId(idParam(request))) };
  });

  app.get('/api/v2/users/:user_id/group_memberships/:id', async (request) => {
    requireAgent(request);
    const user = activeUser(store, idParam(request, 'user_id'));
    return { group_membership: request.zd.render.membership(byId(idParam(request), user.id)) };
  });

  app.post('/api/v2/group_memberships', async (request, reply) => {
    requireAdmin(request);
    const input = envelope(request, 'group_membership');
    const membership = addMembership(
      store,
      idValue(input['user_id']),
      idValue(input['group_id']),
      input['default'] === true,
    );
    ctx.changed();
    return reply.code(201).send({ group_membership: request.zd.render.membership(membership) });
  });

  app.post('/api/v2/users/:user_id/group_memberships', async (request, reply) => {
    requireAdmin(request);
    // The user comes from the path; a `user_id` in the body is ignored.
    const user = activeUser(store, idParam(request, 'user_id'));
    const input = envelope(request, 'group_membership');
    const membership = addMembership(store, user.id, idValue(input['group_id']), input['default'] === true);
    ctx.changed();
    return reply.code(201).send({ group_membership: request.zd.render.membership(membership) });
  });

  // "Immediately removes a user from a group" [spec]: the removal is synchronous.
  app.delete('/api/v2/group_memberships/:id', async (request, reply) => {
    requireAdmin(request);
    leaveGroup(store, byId(idParam(request)));
    ctx.changed();
    return reply.code(204).send();
  });

  app.delete('/api/v2/users/:user_id/group_memberships/:id', async (request, reply) => {
    requireAdmin(request);
    const user = activeUser(store, idParam(request, 'user_id'));
    leaveGroup(store, byId(idParam(request), user.id));
    ctx.changed();
    return reply.code(204).send();
  });

  app.put('/api/v2/users/:user_id/group_memberships/:id/make_default', async (request) => {
    requireAgent(request);
    const user = activeUser(store, idParam(request, 'user_id'));
    const memberships = makeDefault(store, user.id, idParam(request));
    user.updatedAt = store.clock.now();
    ctx.changed();
    return { group_memberships: memberships.map((m) => request.zd.render.membership(m)) };
  });

  // ---- bulk jobs ----------------------------------------------------------------------------

  app.post('/api/v2/group_memberships/create_many', async (request) => {
    requireAdmin(request);
    const body = request.body as Record<string, unknown> | undefined;
    const items = body?.['group_memberships'];
    if (!Array.isArray(items)) {
      throw badRequest('The request body must be a JSON object with a "group_memberships" array');
    }
    if (items.length === 0) throw badRequest('group_memberships must hold at least one item');
    // The status beyond 100 items is undocumented: 400 chosen, as for the bulk user endpoints.
    if (items.length > maxBulkItems) {
      throw badRequest(`group_memberships accepts at most ${maxBulkItems} items`, 'TooManyValues');
    }
    // Each item is validated when the job works on it, so one bad item never blocks the others.
    const work: JobItem[] = items.map((raw, index) => () => {
      try {
        const input =
          raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
        const membership = addMembership(
          store,
          idValue(input['user_id']),
          idValue(input['group_id']),
          input['default'] === true,
        );
        ctx.changed();
        // Documented `{id, index}` (Job Statuses reference) plus the observed `status: "Created"`.
        return { id: membership.id, index, status: 'Created' };
      } catch (error) {
        return { index, action: 'create', ...failure(error) };
      }
    });
    // The working message follows the recorded "Creating organization #10".
    const job = ctx.jobs.enqueue(membershipJobTypes.createMany, work, {
      progressMessage: (done) => `Creating group membership #${done}`,
    });
    return { job_status: request.zd.render.job(job) };
  });

  app.delete('/api/v2/group_memberships/destroy_many', async (request) => {
    requireAdmin(request);
    const ids = idListParam(request, 'ids', maxBulkItems);
    if (ids === undefined || ids.length === 0) throw badRequest('ids is required', 'InvalidParameter');
    // The removals happen now ("immediately removes users from groups" [spec]); the job reports
    // them. Results are filled right after enqueue, before the job's first step can run, so a
    // refused enqueue (429, too many jobs) removes nothing.
    const results: Record<string, unknown>[] = [];
    const job = ctx.jobs.enqueue(
      membershipJobTypes.destroyMany,
      ids.map((_, i) => () => results[i] ?? {}),
      { progressMessage: (done) => `Deleting group membership #${done}` },
    );
    for (const id of ids) {
      try {
        leaveGroup(store, byId(id));
        results.push({ id, action: 'delete', success: true, status: 'Deleted' });
      } catch (error) {
        results.push({ id, action: 'delete', ...failure(error) });
      }
    }
    ctx.changed();
    return { job_status: request.zd.render.job(job) };
  });
}

/** A failed bulk item: `error` and `details` as in Zendesk's FailedResult [spec]. */
function failure(error: unknown): Record<string, unknown> {
  if (error instanceof ZendeskApiError) {
    const body = error.body;
    const code =
      body && typeof body === 'object' && typeof body['error'] === 'string' ? body['error'] : 'Error';
    return { success: false, error: code, details: error.detailsText, status: 'Failed' };
  }
  return {
    success: false,
    error: 'InternalError',
    details: error instanceof Error ? error.message : String(error),
    status: 'Failed',
  };
}
