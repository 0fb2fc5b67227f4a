import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requirePermission } from '../http/app.js';
import type { EntraContext } from '../http/context.js';
import { parseSelect, project, queryOf } from '../http/odata.js';
import { badRequest, notFound } from '../model/errors.js';
import { createGroup, deleteGroup, requireGroup, updateGroup } from '../model/groups.js';
import {
  groupDefaults,
  groupFilterable,
  groupJson,
  groupProperties,
  userDefaults,
  userJson,
} from '../model/render.js';
import type { EntraStore } from '../model/store.js';
import type { GroupRecord } from '../model/types.js';
import { contextUrl, listIds, listPage, type ResourceShape } from './list.js';

export const groupShape: ResourceShape<GroupRecord> = {
  resource: 'Group',
  properties: groupProperties,
  filterable: groupFilterable,
  defaults: groupDefaults,
  json: groupJson,
};

/*
 * Application permissions, as Graph's reference pages list them (least privileged first):
 * - create a group: Group.Create, Group.ReadWrite.All or Directory.ReadWrite.All
 *   (https://learn.microsoft.com/graph/api/group-post-groups);
 * - update a group: Group.ReadWrite.All or Directory.ReadWrite.All (https://learn.microsoft.com/graph/api/group-update);
 * - delete a group: Group.ReadWrite.All only (https://learn.microsoft.com/graph/api/group-delete);
 * - add or remove a member: GroupMember.ReadWrite.All, Group.ReadWrite.All or Directory.ReadWrite.All
 *   (https://learn.microsoft.com/graph/api/group-post-members, …/group-delete-members).
 */
const groupRead = ['Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const groupWrite = ['Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const groupCreate = ['Group.Create', ...groupWrite];
const groupDelete = ['Group.ReadWrite.All'];
const memberRead = [...groupRead, 'GroupMember.Read.All', 'GroupMember.ReadWrite.All'];
const memberWrite = ['GroupMember.ReadWrite.All', ...groupWrite];

/** A member as Graph lists directoryObjects: `@odata.type` then the type's default properties. */
function memberJson(
  store: EntraStore,
  id: string,
  select: readonly string[] | null,
): Record<string, unknown> {
  const user = store.users.get(id);
  if (user)
    return { '@odata.type': '#microsoft.graph.user', ...project(userJson(user), select, userDefaults) };
  const group = store.groups.get(id);
  if (group)
    return { '@odata.type': '#microsoft.graph.group', ...project(groupJson(group), select, groupDefaults) };
  const sp = store.servicePrincipals.get(id);
  return { '@odata.type': '#microsoft.graph.servicePrincipal', id, displayName: sp?.displayName ?? null };
}

function isLive(store: EntraStore, id: string): boolean {
  const object = store.object(id);
  return object !== undefined && object.deletedDateTime === null;
}

/** `{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}` (any host; users/ and groups/ too). */
export function referencedId(body: unknown): string {
  const ref = body && typeof body === 'object' ? (body as Record<string, unknown>)['@odata.id'] : undefined;
  const match =
    typeof ref === 'string'
      ? /\/(?:directoryObjects|users|groups|servicePrincipals)\/([0-9a-fA-F-]{36})$/.exec(ref)
      : null;
  if (!match?.[1])
    throw badRequest(
      "Invalid URL format specified in @odata.id. Expected something like 'https://graph.microsoft.com/v1.0/directoryObjects/{id}'.",
      'Request_BadRequest',
    );
  return match[1].toLowerCase();
}

export function groupRoutes(app: FastifyInstance, ctx: EntraContext): void {
  const { store } = ctx;
  const group = (request: FastifyRequest<{ Params: { id: string } }>) =>
    requireGroup(store, request.params.id.toLowerCase());

  app.get('/v1.0/groups', async (request) => {
    requirePermission(request, groupRead);
    return listPage(store, request, store.groups, groupShape, 'groups', (g) => g.deletedDateTime === null);
  });

  app.get<{ Params: { id: string } }>('/v1.0/groups/:id', async (request) => {
    requirePermission(request, groupRead);
    const select = parseSelect(queryOf(request.query)['$select'], 'Group', groupProperties);
    return {
      '@odata.context': `${contextUrl(request, 'groups', select)}/$entity`,
      ...project(groupJson(group(request)), select, groupDefaults),
    };
  });

  app.post('/v1.0/groups', async (request, reply) => {
    requirePermission(request, groupCreate);
    const created = createGroup(store, request.body);
    ctx.changed();
    reply.code(201).header('location', `${request.graph.origin}/v1.0/groups/${created.id}`);
    return { '@odata.context': `${contextUrl(request, 'groups', null)}/$entity`, ...groupJson(created) };
  });

  app.patch<{ Params: { id: string } }>('/v1.0/groups/:id', async (request, reply) => {
    requirePermission(request, groupWrite);
    updateGroup(store, group(request), request.body);
    ctx.changed();
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string } }>('/v1.0/groups/:id', async (request, reply) => {
    requirePermission(request, groupDelete);
    deleteGroup(store, group(request));
    ctx.changed();
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/v1.0/groups/:id/members', async (request) => {
    requirePermission(request, memberRead);
    const ids = [...(store.membersOf.get(group(request).id) ?? [])].filter((id) => isLive(store, id));
    return listIds(store, request, ids, (id, select) => memberJson(store, id, select), 'directoryObjects');
  });

  app.get<{ Params: { id: string } }>('/v1.0/groups/:id/transitiveMembers', async (request) => {
    requirePermission(request, memberRead);
    const ids = store.transitiveMembersOf(group(request).id).filter((id) => isLive(store, id));
    return listIds(store, request, ids, (id, select) => memberJson(store, id, select), 'directoryObjects');
  });

  app.post<{ Params: { id: string } }>('/v1.0/groups/:id/members/$ref', async (request, reply) => {
    requirePermission(request, memberWrite);
    const target = group(request);
    const memberId = referencedId(request.body);
    if (!isLive(store, memberId) || store.applications.has(memberId)) throw notFound(memberId);
    if (memberId === target.id)
      throw badRequest('A group cannot be a member of itself.', 'Request_BadRequest');
    if (!store.addMember(target.id, memberId))
      throw badRequest(
        "One or more added object references already exist for the following modified properties: 'members'.",
        'Request_BadRequest',
      );
    ctx.changed();
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string; memberId: string } }>(
    '/v1.0/groups/:id/members/:memberId/$ref',
    async (request, reply) => {
      requirePermission(request, memberWrite);
      const target = group(request);
      if (!store.removeMember(target.id, request.params.memberId.toLowerCase()))
        throw notFound(request.params.memberId);
      ctx.changed();
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string } }>('/v1.0/users/:id/memberOf', async (request) => {
    requirePermission(request, memberRead);
    const user = store.liveUser(request.params.id);
    if (!user) throw notFound(request.params.id);
    const ids = [...(store.groupsOf.get(user.id) ?? [])].filter((id) => isLive(store, id));
    return listIds(store, request, ids, (id, select) => memberJson(store, id, select), 'directoryObjects');
  });
}
