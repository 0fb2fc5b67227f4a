import type { FastifyInstance } from 'fastify';
import { requirePermission } from '../http/app.js';
import type { EntraContext } from '../http/context.js';
import { parseSelect, project, queryOf } from '../http/odata.js';
import { badRequest, notFound } from '../model/errors.js';
import { userDefaults, userFilterable, userJson, userProperties } from '../model/render.js';
import type { UserRecord } from '../model/types.js';
import {
  createUser,
  directReportsOf,
  managerOf,
  purgeUser,
  requireUser,
  restoreUser,
  setManager,
  softDeleteUser,
  updateUser,
} from '../model/users.js';
import { referencedId } from './groups.js';
import { contextUrl, listIds, listPage, type ResourceShape } from './list.js';

export const userShape: ResourceShape<UserRecord> = {
  resource: 'User',
  properties: userProperties,
  filterable: userFilterable,
  defaults: userDefaults,
  json: userJson,
};

export const userRead = [
  'User.Read.All',
  'User.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];
/*
 * Writes, as Graph's reference pages list the application permissions (least privileged first):
 * - create and update a user, set or remove a manager: User.ReadWrite.All or Directory.ReadWrite.All
 *   (https://learn.microsoft.com/graph/api/user-post-users, …/user-update, …/user-post-manager);
 * - delete a user: User.ReadWrite.All only, no higher privileged permission
 *   (https://learn.microsoft.com/graph/api/user-delete): Directory.ReadWrite.All does not delete users.
 * - restore or permanently delete a deleted user: kept at User.ReadWrite.All or Directory.ReadWrite.All
 *   (Graph's User.DeleteRestore.All is not emulated).
 */
export const userWrite = ['User.ReadWrite.All', 'Directory.ReadWrite.All'];
export const userDelete = ['User.ReadWrite.All'];

export function userRoutes(app: FastifyInstance, ctx: EntraContext): void {
  const { store } = ctx;

  app.get('/v1.0/users', async (request) => {
    requirePermission(request, userRead);
    return listPage(store, request, store.users, userShape, 'users', (u) => u.deletedDateTime === null);
  });

  app.get<{ Params: { id: string } }>('/v1.0/users/:id', async (request) => {
    requirePermission(request, userRead);
    const user = requireUser(store, request.params.id);
    const select = parseSelect(queryOf(request.query)['$select'], 'User', userProperties);
    return {
      '@odata.context': `${contextUrl(request, 'users', select)}/$entity`,
      ...project(userJson(user), select, userDefaults),
    };
  });

  app.post('/v1.0/users', async (request, reply) => {
    requirePermission(request, userWrite);
    const user = createUser(store, request.body);
    ctx.changed();
    reply.code(201).header('location', `${request.graph.origin}/v1.0/users/${user.id}`);
    return {
      '@odata.context': `${contextUrl(request, 'users', null)}/$entity`,
      ...project(userJson(user), null, userDefaults),
    };
  });

  app.patch<{ Params: { id: string } }>('/v1.0/users/:id', async (request, reply) => {
    requirePermission(request, userWrite);
    updateUser(store, requireUser(store, request.params.id), request.body);
    ctx.changed();
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string } }>('/v1.0/users/:id', async (request, reply) => {
    requirePermission(request, userDelete);
    softDeleteUser(store, requireUser(store, request.params.id));
    ctx.changed();
    return reply.code(204).send();
  });

  // The manager relationship (a single-valued directoryObject reference) and its inverse, directReports.
  app.get<{ Params: { id: string } }>('/v1.0/users/:id/manager', async (request) => {
    requirePermission(request, userRead);
    const manager = managerOf(store, requireUser(store, request.params.id));
    // Graph's answer for a user without a manager.
    if (!manager) throw notFound('manager');
    const select = parseSelect(queryOf(request.query)['$select'], 'User', userProperties);
    return {
      '@odata.context': `${request.graph.origin}/v1.0/$metadata#directoryObjects/$entity`,
      '@odata.type': '#microsoft.graph.user',
      ...project(userJson(manager), select, userDefaults),
    };
  });

  app.put<{ Params: { id: string } }>('/v1.0/users/:id/manager/$ref', async (request, reply) => {
    requirePermission(request, userWrite);
    const user = requireUser(store, request.params.id);
    const managerId = referencedId(request.body);
    if (!store.liveUser(managerId)) throw notFound(managerId);
    setManager(store, user, managerId);
    ctx.changed();
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string } }>('/v1.0/users/:id/manager/$ref', async (request, reply) => {
    requirePermission(request, userWrite);
    const user = requireUser(store, request.params.id);
    if (user.managerId === null) throw notFound('manager');
    setManager(store, user, null);
    ctx.changed();
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/v1.0/users/:id/directReports', async (request) => {
    requirePermission(request, userRead);
    const ids = directReportsOf(store, requireUser(store, request.params.id).id).map((u) => u.id);
    return listIds(
      store,
      request,
      ids,
      (id, select) => {
        const report = store.users.get(id);
        return {
          '@odata.type': '#microsoft.graph.user',
          ...(report ? project(userJson(report), select, userDefaults) : { id }),
        };
      },
      'directoryObjects',
    );
  });

  // Deleted items: users wait here after DELETE until restored or deleted permanently.
  const deletedUser = (id: string): UserRecord => {
    const user = store.users.get(id.toLowerCase());
    if (!user || user.deletedDateTime === null) throw notFound(id);
    return user;
  };

  app.get('/v1.0/directory/deletedItems/microsoft.graph.user', async (request) => {
    requirePermission(request, userRead);
    return listPage(
      store,
      request,
      store.users,
      userShape,
      'directory/deletedItems/microsoft.graph.user',
      (u) => u.deletedDateTime !== null,
    );
  });

  app.get<{ Params: { id: string } }>('/v1.0/directory/deletedItems/:id', async (request) => {
    requirePermission(request, userRead);
    const user = deletedUser(request.params.id);
    return {
      '@odata.context': `${request.graph.origin}/v1.0/$metadata#directoryObjects/$entity`,
      '@odata.type': '#microsoft.graph.user',
      ...project(userJson(user), null, [...userDefaults, 'deletedDateTime']),
    };
  });

  app.post<{ Params: { id: string } }>('/v1.0/directory/deletedItems/:id/restore', async (request) => {
    requirePermission(request, userWrite);
    const user = deletedUser(request.params.id);
    restoreUser(store, user);
    ctx.changed();
    return {
      '@odata.context': `${request.graph.origin}/v1.0/$metadata#directoryObjects/$entity`,
      '@odata.type': '#microsoft.graph.user',
      ...project(userJson(user), null, userDefaults),
    };
  });

  app.delete<{ Params: { id: string } }>('/v1.0/directory/deletedItems/:id', async (request, reply) => {
    requirePermission(request, userWrite);
    purgeUser(store, deletedUser(request.params.id));
    ctx.changed();
    return reply.code(204).send();
  });

  app.get('/v1.0/directory/deletedItems', async () => {
    throw badRequest(
      "The request URI is not valid. Since the segment 'deletedItems' refers to a collection, this must be the last segment in the request URI or it must be followed by an function or action that can be bound to it otherwise all intermediate segments must refer to a single resource.",
      'BadRequest',
    );
  });
}
