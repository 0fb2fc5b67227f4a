import type { FastifyInstance } from 'fastify';
import { requireAdmin, requireAgent } from '../http/auth.js';
import type { EmulatorContext } from '../http/context.js';
import { paginate, tableSource } from '../http/pagination.js';
import { idParam } from '../http/params.js';
import { recordNotFound, tooManyRequests } from '../model/errors.js';
import type { UserRecord } from '../model/types.js';
import { permanentlyDeleteUser } from '../model/users.js';

/**
 * Deleted users (Users API reference, List Deleted Users and Permanently Delete User:
 * https://developer.zendesk.com/api-reference/ticketing/users/users/): soft-deleted users, permanently
 * deleted ones included (their email and phone null, name "Permanently Deleted User"). Permanent deletion
 * needs a soft delete first and is limited to 700 every 10 minutes.
 */
export function registerDeletedUserRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;
  const deleted = (u: UserRecord) => !u.active;

  const find = (id: number): UserRecord => {
    const user = store.users.get(id);
    if (!user || user.active) throw recordNotFound();
    return user;
  };

  app.get('/api/v2/deleted_users', async (request) => {
    requireAgent(request);
    return paginate(request.zd.page, 'deleted_users', tableSource(store.users, deleted), (u) =>
      request.zd.render.deletedUser(u),
    );
  });

  app.get('/api/v2/deleted_users/count', async (request) => {
    requireAgent(request);
    let value = 0;
    for (const user of store.users.values()) if (!user.active) value += 1;
    return { count: { value, refreshed_at: store.clock.iso() } };
  });

  app.get('/api/v2/deleted_users/:id', async (request) => {
    requireAgent(request);
    return { deleted_user: request.zd.render.deletedUser(find(idParam(request))) };
  });

  app.delete('/api/v2/deleted_users/:id', async (request) => {
    requireAdmin(request);
    const user = store.users.get(idParam(request));
    if (!user) throw recordNotFound();
    if (store.settings.rateLimits) {
      const budget = ctx.limits.permanentDeletes.take(store.clock.now());
      if (!budget.allowed) {
        throw tooManyRequests(
          budget.resetSeconds,
          'Too Many Requests: at most 700 permanent deletions every 10 minutes',
        );
      }
    }
    permanentlyDeleteUser(store, user);
    ctx.changed();
    return { deleted_user: request.zd.render.deletedUser(user) };
  });
}
