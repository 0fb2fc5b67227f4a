import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAdmin, requireAgent } from '../http/auth.js';
import type { EmulatorContext } from '../http/context.js';
import { arraySource, paginate, tableSource } from '../http/pagination.js';
import { boolParam, envelope, idParam } from '../http/params.js';
import {
  createGroup,
  deleteGroup,
  findGroup,
  groupsOfUser,
  liveGroup,
  updateGroup,
} from '../model/groups.js';
import type { GroupRecord, UserRecord } from '../model/types.js';
import { activeUser } from '../model/users.js';

/**
 * Groups (https://developer.zendesk.com/api-reference/ticketing/groups/groups/): list (cursor or offset,
 * `exclude_deleted`), show, count, assignable, create, update, soft delete, a group's users and a user's
 * groups.
 */
export function registerGroupRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;
  const live = (g: GroupRecord) => !g.deleted;
  const count = (value: number) => ({ count: { value, refreshed_at: store.clock.iso() } });
  const renderGroup = (request: FastifyRequest) => (g: GroupRecord) => request.zd.render.group(g);

  app.get('/api/v2/groups', async (request) => {
    requireAgent(request);
    // Deleted groups are listed with `deleted: true` unless `exclude_deleted=true` [spec].
    const filter = boolParam(request, 'exclude_deleted') ? live : undefined;
    return paginate(request.zd.page, 'groups', tableSource(store.groups, filter), renderGroup(request));
  });

  app.get('/api/v2/groups/count', async (request) => {
    requireAgent(request);
    // Counts the groups in use; whether Zendesk counts soft-deleted groups too is unverified.
    let value = 0;
    for (const group of store.groups.values()) if (live(group)) value += 1;
    return count(value);
  });

  app.get('/api/v2/groups/assignable', async (request) => {
    requireAgent(request);
    // Tickets can be assigned to any group that is not deleted: the emulator has no ticket access
    // restrictions that would narrow this for an agent.
    return paginate(request.zd.page, 'groups', tableSource(store.groups, live), renderGroup(request));
  });

  app.get('/api/v2/groups/:id', async (request) => {
    requireAgent(request);
    return { group: request.zd.render.group(findGroup(store, idParam(request))) };
  });

  app.post('/api/v2/groups', async (request, reply) => {
    // Agents in a custom role with "manage groups" may too [spec]; custom role permissions are not
    // emulated, so only admins can.
    requireAdmin(request);
    const group = createGroup(store, envelope(request, 'group'));
    ctx.changed();
    return reply.code(201).send({ group: request.zd.render.group(group) });
  });

  app.put('/api/v2/groups/:id', async (request) => {
    requireAdmin(request);
    const group = updateGroup(store, liveGroup(store, idParam(request)), envelope(request, 'group'));
    ctx.changed();
    return { group: request.zd.render.group(group) };
  });

  app.delete('/api/v2/groups/:id', async (request, reply) => {
    requireAdmin(request);
    deleteGroup(store, liveGroup(store, idParam(request)));
    ctx.changed();
    return reply.code(204).send();
  });

  const membersOf = (group: GroupRecord): UserRecord[] => {
    const out: UserRecord[] = [];
    for (const membership of store.membershipsOfGroup(group.id)) {
      const user = store.users.get(membership.userId);
      if (user?.active) out.push(user);
    }
    return out.sort((a, b) => a.id - b.id);
  };

  app.get('/api/v2/groups/:group_id/users', async (request) => {
    requireAgent(request);
    const users = membersOf(findGroup(store, idParam(request, 'group_id')));
    return paginate(
      request.zd.page,
      'users',
      arraySource(users, (u) => u.id),
      (u) => request.zd.render.user(u),
    );
  });

  app.get('/api/v2/groups/:group_id/users/count', async (request) => {
    requireAgent(request);
    return count(membersOf(findGroup(store, idParam(request, 'group_id'))).length);
  });

  app.get('/api/v2/users/:user_id/groups', async (request) => {
    requireAgent(request);
    const user = activeUser(store, idParam(request, 'user_id'));
    // Deleting a group removes its memberships, so a user's groups are never deleted ones and
    // `exclude_deleted` [spec] changes nothing here.
    return paginate(
      request.zd.page,
      'groups',
      arraySource(groupsOfUser(store, user.id), (g) => g.id),
      renderGroup(request),
    );
  });

  app.get('/api/v2/users/:user_id/groups/count', async (request) => {
    requireAgent(request);
    const user = activeUser(store, idParam(request, 'user_id'));
    return count(groupsOfUser(store, user.id).length);
  });
}
