import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requirePermission } from '../http/app.js';
import type { EntraContext } from '../http/context.js';
import { parseSelect, project, queryOf } from '../http/odata.js';
import { createAssignment, updateApplication } from '../model/applications.js';
import { badRequest, insufficientPrivileges, notFound } from '../model/errors.js';
import { applicationJson, assignmentJson, servicePrincipalJson } from '../model/render.js';
import type { EntraStore } from '../model/store.js';
import type { Row } from '../model/table.js';
import type { ApplicationRecord, AppRoleAssignmentRecord, ServicePrincipalRecord } from '../model/types.js';
import { contextUrl, listPage, type ResourceShape } from './list.js';

/*
 * Permissions (application permissions, as Graph's reference pages list them):
 * - applications and service principals are read with Application.Read.All or higher
 *   (Application.ReadWrite.All, Application.ReadWrite.OwnedBy, Directory.Read.All, Directory.ReadWrite.All);
 *   OwnedBy reads every application here (Graph narrows some lists to owned apps; provisio reads one app).
 * - PATCH /applications/{id} needs Application.ReadWrite.All, or Application.ReadWrite.OwnedBy when the
 *   calling app's service principal owns the application (the provisioning app owns "Zendesk").
 * - appRoleAssignedTo is read with the same permissions plus AppRoleAssignment.ReadWrite.All. Creating an
 *   assignment needs AppRoleAssignment.ReadWrite.All *and* a permission that reads the service principals
 *   (Application.Read.All or Directory.Read.All, or their ReadWrite forms; not Application.ReadWrite.OwnedBy):
 *   https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto. Deleting one needs
 *   AppRoleAssignment.ReadWrite.All alone: https://learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignedto.
 *   Directory.ReadWrite.All does not grant app roles.
 * - users/{id}/appRoleAssignments: Directory.Read.All or AppRoleAssignment.ReadWrite.All (or
 *   Directory.ReadWrite.All); User.Read.All is not enough
 *   (https://learn.microsoft.com/graph/api/user-list-approleassignments).
 * - groups/{id}/appRoleAssignments: the group read permissions, Directory.Read.All, or
 *   AppRoleAssignment.ReadWrite.All.
 */
const appRead = [
  'Application.Read.All',
  'Application.ReadWrite.All',
  'Application.ReadWrite.OwnedBy',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];
const assignmentRead = [...appRead, 'AppRoleAssignment.ReadWrite.All'];
const assignmentWrite = ['AppRoleAssignment.ReadWrite.All'];
/** The second half of what creating an assignment needs. */
const assignmentCreateRead = [
  'Application.Read.All',
  'Application.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];
const userAssignmentRead = [
  'Directory.Read.All',
  'Directory.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
];
const groupAssignmentRead = [
  'Group.Read.All',
  'Group.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
];

const applicationDefaults = [
  'id',
  'appId',
  'displayName',
  'description',
  'createdDateTime',
  'deletedDateTime',
  'signInAudience',
  'identifierUris',
  'appRoles',
  'web',
  'passwordCredentials',
] as const;
const servicePrincipalDefaults = [
  'id',
  'appId',
  'displayName',
  'appDisplayName',
  'accountEnabled',
  'appRoleAssignmentRequired',
  'servicePrincipalType',
  'tags',
  'createdDateTime',
  'deletedDateTime',
  'appRoles',
] as const;
const assignmentDefaults = [
  'id',
  'deletedDateTime',
  'appRoleId',
  'createdDateTime',
  'principalDisplayName',
  'principalId',
  'principalType',
  'resourceDisplayName',
  'resourceId',
] as const;

const applicationShape: ResourceShape<ApplicationRecord> = {
  resource: 'Application',
  properties: new Set(applicationDefaults),
  filterable: new Set(['id', 'appId', 'displayName']),
  defaults: applicationDefaults,
  json: applicationJson,
};

const servicePrincipalShape = (store: EntraStore): ResourceShape<ServicePrincipalRecord> => ({
  resource: 'ServicePrincipal',
  properties: new Set(servicePrincipalDefaults),
  filterable: new Set(['id', 'appId', 'displayName', 'accountEnabled', 'servicePrincipalType']),
  defaults: servicePrincipalDefaults,
  json: (sp) => servicePrincipalJson(store, sp),
});

const assignmentShape = (store: EntraStore): ResourceShape<AppRoleAssignmentRecord> => ({
  resource: 'AppRoleAssignment',
  properties: new Set(assignmentDefaults),
  filterable: new Set(['principalId', 'resourceId', 'appRoleId']),
  defaults: assignmentDefaults,
  json: (a) => assignmentJson(store, a),
});

/** `'…')` of `applications(appId='…')`: the route captures everything after `appId=`. */
function appIdOf(ref: string): string {
  const match = /^'([^']+)'\)$/.exec(ref);
  if (!match?.[1]) throw badRequest(`Bad Request - Error in query syntax.`, 'BadRequest');
  return match[1];
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export function applicationRoutes(app: FastifyInstance, ctx: EntraContext): void {
  const { store } = ctx;
  const spShape = servicePrincipalShape(store);
  const aShape = assignmentShape(store);

  const liveApplication = (id: string): ApplicationRecord => {
    const found = store.applications.get(id.toLowerCase());
    if (!found || found.deletedDateTime !== null) throw notFound(id);
    return found;
  };
  const liveServicePrincipal = (id: string): ServicePrincipalRecord => {
    const found = store.servicePrincipals.get(id.toLowerCase());
    if (!found || found.deletedDateTime !== null) throw notFound(id);
    return found;
  };
  const entity = <T extends Row>(
    request: FastifyRequest,
    row: T,
    shape: ResourceShape<T>,
    collection: string,
  ): Record<string, unknown> => {
    const select = parseSelect(queryOf(request.query)['$select'], shape.resource, shape.properties);
    return {
      '@odata.context': `${contextUrl(request, collection, select)}/$entity`,
      ...project(shape.json(row), select, shape.defaults),
    };
  };

  // --- applications ---------------------------------------------------------------------------------
  app.get('/v1.0/applications', async (request) => {
    requirePermission(request, appRead);
    return listPage(
      store,
      request,
      store.applications,
      applicationShape,
      'applications',
      (a) => a.deletedDateTime === null,
    );
  });

  app.get<{ Params: { ref: string } }>('/v1.0/applications(appId=:ref', async (request) => {
    requirePermission(request, appRead);
    const appId = appIdOf(request.params.ref);
    const found = store.applicationByAppId(appId);
    if (!found || found.deletedDateTime !== null) throw notFound(appId);
    return entity(request, found, applicationShape, 'applications');
  });

  app.get('/v1.0/applications/:id', async (request: IdRequest) => {
    requirePermission(request, appRead);
    return entity(request, liveApplication(request.params.id), applicationShape, 'applications');
  });

  // Owners as directoryObjects (https://learn.microsoft.com/graph/api/application-list-owners):
  // service principals and users, each with its @odata.type.
  app.get('/v1.0/applications/:id/owners', async (request: IdRequest) => {
    requirePermission(request, appRead);
    const target = liveApplication(request.params.id);
    const value = target.ownerIds.flatMap((id): Record<string, unknown>[] => {
      const sp = store.servicePrincipals.get(id);
      if (sp)
        return [
          {
            '@odata.type': '#microsoft.graph.servicePrincipal',
            id: sp.id,
            appId: sp.appId,
            displayName: sp.displayName,
          },
        ];
      const user = store.users.get(id);
      if (user)
        return [
          {
            '@odata.type': '#microsoft.graph.user',
            id: user.id,
            displayName: user.displayName,
            userPrincipalName: user.userPrincipalName,
          },
        ];
      return [];
    });
    return { '@odata.context': `${request.graph.origin}/v1.0/$metadata#directoryObjects`, value };
  });

  app.patch('/v1.0/applications/:id', async (request: IdRequest, reply) => {
    const target = liveApplication(request.params.id);
    const roles = request.graph.roles;
    if (!roles.has('Application.ReadWrite.All')) {
      const caller = store.servicePrincipalByAppId(request.graph.appId);
      const owns = caller !== undefined && target.ownerIds.includes(caller.id);
      if (!roles.has('Application.ReadWrite.OwnedBy') || !owns) throw insufficientPrivileges();
    }
    updateApplication(target, request.body);
    ctx.changed();
    return reply.code(204).send();
  });

  // --- service principals ---------------------------------------------------------------------------
  app.get('/v1.0/servicePrincipals', async (request) => {
    requirePermission(request, appRead);
    return listPage(
      store,
      request,
      store.servicePrincipals,
      spShape,
      'servicePrincipals',
      (sp) => sp.deletedDateTime === null,
    );
  });

  app.get<{ Params: { ref: string } }>('/v1.0/servicePrincipals(appId=:ref', async (request) => {
    requirePermission(request, appRead);
    const appId = appIdOf(request.params.ref);
    const found = store.servicePrincipalByAppId(appId);
    if (!found || found.deletedDateTime !== null) throw notFound(appId);
    return entity(request, found, spShape, 'servicePrincipals');
  });

  app.get('/v1.0/servicePrincipals/:id', async (request: IdRequest) => {
    requirePermission(request, appRead);
    return entity(request, liveServicePrincipal(request.params.id), spShape, 'servicePrincipals');
  });

  // --- app role assignments -------------------------------------------------------------------------
  app.get('/v1.0/servicePrincipals/:id/appRoleAssignedTo', async (request: IdRequest) => {
    requirePermission(request, assignmentRead);
    const sp = liveServicePrincipal(request.params.id);
    return listPage(
      store,
      request,
      store.appRoleAssignments,
      aShape,
      `servicePrincipals('${sp.id}')/appRoleAssignedTo`,
      // Assignments of soft-deleted users are hidden until the user is restored (or purged with them).
      (a) => a.resourceId === sp.id && store.object(a.principalId)?.deletedDateTime === null,
    );
  });

  app.get<{ Params: { id: string; assignmentId: string } }>(
    '/v1.0/servicePrincipals/:id/appRoleAssignedTo/:assignmentId',
    async (request) => {
      requirePermission(request, assignmentRead);
      const sp = liveServicePrincipal(request.params.id);
      const assignment = store.appRoleAssignments.get(request.params.assignmentId);
      if (!assignment || assignment.resourceId !== sp.id) throw notFound(request.params.assignmentId);
      return entity(request, assignment, aShape, `servicePrincipals('${sp.id}')/appRoleAssignedTo`);
    },
  );

  app.post('/v1.0/servicePrincipals/:id/appRoleAssignedTo', async (request: IdRequest, reply) => {
    requirePermission(request, assignmentWrite);
    requirePermission(request, assignmentCreateRead);
    const sp = liveServicePrincipal(request.params.id);
    const created = createAssignment(store, sp, request.body);
    ctx.changed();
    reply
      .code(201)
      .header(
        'location',
        `${request.graph.origin}/v1.0/servicePrincipals/${sp.id}/appRoleAssignedTo/${created.id}`,
      );
    return {
      '@odata.context': `${contextUrl(request, `servicePrincipals('${sp.id}')/appRoleAssignedTo`, null)}/$entity`,
      ...assignmentJson(store, created),
    };
  });

  app.delete<{ Params: { id: string; assignmentId: string } }>(
    '/v1.0/servicePrincipals/:id/appRoleAssignedTo/:assignmentId',
    async (request, reply) => {
      requirePermission(request, assignmentWrite);
      const sp = liveServicePrincipal(request.params.id);
      const assignment = store.appRoleAssignments.get(request.params.assignmentId);
      if (!assignment || assignment.resourceId !== sp.id) throw notFound(request.params.assignmentId);
      store.removeAssignment(assignment.id);
      ctx.changed();
      return reply.code(204).send();
    },
  );

  // The user's own assignments and, as Graph documents, those of the groups it is a direct member of
  // (each with the group as principal). `$filter=resourceId eq {id}` narrows them to one application.
  app.get('/v1.0/users/:id/appRoleAssignments', async (request: IdRequest) => {
    requirePermission(request, userAssignmentRead);
    const user = store.liveUser(request.params.id);
    if (!user) throw notFound(request.params.id);
    const groups = store.groupsOf.get(user.id) ?? new Set<string>();
    return listPage(
      store,
      request,
      store.appRoleAssignments,
      aShape,
      `users('${user.id}')/appRoleAssignments`,
      (a) =>
        a.principalId === user.id ||
        (a.principalType === 'Group' &&
          groups.has(a.principalId) &&
          store.liveGroup(a.principalId) !== undefined),
    );
  });

  app.get('/v1.0/groups/:id/appRoleAssignments', async (request: IdRequest) => {
    requirePermission(request, groupAssignmentRead);
    const group = store.liveGroup(request.params.id);
    if (!group) throw notFound(request.params.id);
    return listPage(
      store,
      request,
      store.appRoleAssignments,
      aShape,
      `groups('${group.id}')/appRoleAssignments`,
      (a) => a.principalId === group.id,
    );
  });
}
