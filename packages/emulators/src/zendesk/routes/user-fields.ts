import type { FastifyInstance } from 'fastify';
import { requireAdmin, requireAgent } from '../http/auth.js';
import type { EmulatorContext } from '../http/context.js';
import { arraySource, paginate } from '../http/pagination.js';
import { envelope, idParam } from '../http/params.js';
import {
  createUserField,
  deleteUserField,
  findUserField,
  orderedUserFields,
  updateUserField,
} from '../model/user-field-definitions.js';

/**
 * Custom user fields [spec: ListUserFields … DeleteUserField]: list (cursor or offset, in the
 * account's field order), show, create (201), update and delete (204). Reading is for agents,
 * changing for admins.
 */
export function registerUserFieldRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  app.get('/api/v2/user_fields', async (request) => {
    requireAgent(request);
    // Fields come in `position` order, not id order, so the cursor carries the rank in that order
    // (cursors are opaque to clients: https://developer.zendesk.com/api-reference/introduction/pagination/).
    const ranked = orderedUserFields(store).map((field, i) => ({ field, rank: i + 1 }));
    return paginate(
      request.zd.page,
      'user_fields',
      arraySource(ranked, (r) => r.rank),
      (r) => request.zd.render.userField(r.field),
    );
  });

  app.get('/api/v2/user_fields/:id', async (request) => {
    requireAgent(request);
    return { user_field: request.zd.render.userField(findUserField(store, idParam(request))) };
  });

  app.post('/api/v2/user_fields', async (request, reply) => {
    requireAdmin(request);
    const field = createUserField(store, envelope(request, 'user_field'));
    ctx.changed();
    return reply.code(201).send({ user_field: request.zd.render.userField(field) });
  });

  app.put('/api/v2/user_fields/:id', async (request) => {
    requireAdmin(request);
    const field = updateUserField(
      store,
      findUserField(store, idParam(request)),
      envelope(request, 'user_field'),
    );
    ctx.changed();
    return { user_field: request.zd.render.userField(field) };
  });

  app.delete('/api/v2/user_fields/:id', async (request, reply) => {
    requireAdmin(request);
    deleteUserField(store, findUserField(store, idParam(request)));
    ctx.changed();
    return reply.code(204).send();
  });
}
