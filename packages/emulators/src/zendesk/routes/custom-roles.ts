import type { FastifyInstance } from 'fastify';
import { requireAdmin, requireAgent } from '../http/auth.js';
import type { EmulatorContext } from '../http/context.js';
import { envelope, idParam } from '../http/params.js';
import {
  createCustomRole,
  deleteCustomRole,
  findCustomRole,
  requireCustomRoles,
  updateCustomRole,
} from '../model/custom-roles.js';

/**
 * Custom roles (https://developer.zendesk.com/api-reference/ticketing/account-configuration/custom_roles/),
 * on Enterprise plans and above only: list (no pagination), show, create (200, not 201 [spec]), update and
 * delete (204). Listing is for agents; the rest is for admins (agents with `manage_roles` may too [spec];
 * custom role permissions are not emulated).
 */
export function registerCustomRoleRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  app.get('/api/v2/custom_roles', async (request) => {
    requireAgent(request);
    requireCustomRoles(store);
    return { custom_roles: [...store.customRoles.ascending()].map((r) => request.zd.render.customRole(r)) };
  });

  app.get('/api/v2/custom_roles/:id', async (request) => {
    requireAdmin(request);
    requireCustomRoles(store);
    return { custom_role: request.zd.render.customRole(findCustomRole(store, idParam(request))) };
  });

  app.post('/api/v2/custom_roles', async (request) => {
    requireAdmin(request);
    requireCustomRoles(store);
    const role = createCustomRole(store, envelope(request, 'custom_role'));
    ctx.changed();
    return { custom_role: request.zd.render.customRole(role) };
  });

  app.put('/api/v2/custom_roles/:id', async (request) => {
    requireAdmin(request);
    requireCustomRoles(store);
    const role = findCustomRole(store, idParam(request));
    updateCustomRole(store, role, envelope(request, 'custom_role'));
    ctx.changed();
    return { custom_role: request.zd.render.customRole(role) };
  });

  app.delete('/api/v2/custom_roles/:id', async (request, reply) => {
    requireAdmin(request);
    requireCustomRoles(store);
    deleteCustomRole(store, findCustomRole(store, idParam(request)));
    ctx.changed();
    return reply.code(204).send();
  });
}
