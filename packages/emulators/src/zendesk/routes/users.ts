import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertMayAssignRole, requireAdmin, requireAgent } from '../http/auth.js';
import type { EmulatorContext } from '../http/context.js';
import { arraySource, paginate, single, tableSource } from '../http/pagination.js';
import { boolParam, envelope, idListParam, idParam, listParam, query } from '../http/params.js';
import { badRequest, recordNotFound, tooManyRequests } from '../model/errors.js';
import type { ZendeskStore } from '../model/store.js';
import type { UserRecord } from '../model/types.js';
import { activeUser, createOrUpdateUser, createUser, softDeleteUser, updateUser } from '../model/users.js';

/**
 * Users API (https://developer.zendesk.com/api-reference/ticketing/users/users/): list, show, show_many,
 * search, count, me, create, update, delete.
 */
export function registerUserRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  app.get('/api/v2/users', async (request) => {
    requireAgent(request);
    const filter = userListFilter(store, request);
    return paginate(request.zd.page, 'users', tableSource(store.users, filter), (u) =>
      request.zd.render.user(u),
    );
  });

  app.get('/api/v2/users/me', async (request) => {
    const user = request.zd.user;
    if (!user) return { user: request.zd.render.anonymousUser() };
    return { user: { ...request.zd.render.user(user), authenticity_token: 'emulator-authenticity-token' } };
  });

  app.get('/api/v2/users/count', async (request) => {
    requireAgent(request);
    const filter = userListFilter(store, request);
    let value = 0;
    for (const user of store.users.values()) if (filter(user)) value += 1;
    return { count: { value, refreshed_at: store.clock.iso() } };
  });

  app.get('/api/v2/users/show_many', async (request) => {
    requireAgent(request);
    const includeDeleted = boolParam(request, 'include_deleted');
    const ids = idListParam(request, 'ids');
    const externalIds = listParam(request, 'external_ids');
    if (ids === undefined && externalIds === undefined) {
      throw badRequest('Either ids or external_ids is required', 'InvalidParameter');
    }
    const found: UserRecord[] = [];
    const seen = new Set<number>();
    const add = (user: UserRecord | undefined) => {
      if (!user || seen.has(user.id) || user.permanentlyDeleted) return;
      if (!user.active && !includeDeleted) return;
      seen.add(user.id);
      found.push(user);
    };
    for (const id of ids ?? []) add(store.users.get(id));
    for (const externalId of externalIds ?? []) {
      add(store.userByExternalId(externalId));
      if (includeDeleted) {
        for (const id of store.deletedUserIdsByExternalId.get(externalId.toLowerCase()) ?? [])
          add(store.users.get(id));
      }
    }
    return {
      users: found.map((u) => request.zd.render.user(u)),
      next_page: null,
      previous_page: null,
      count: found.length,
    };
  });

  app.get('/api/v2/users/search', async (request) => {
    requireAgent(request);
    const q = query(request);
    const externalId = single(q, 'external_id');
    const text = single(q, 'query');
    let matches: UserRecord[];
    if (externalId !== undefined) {
      const user = store.userByExternalId(externalId);
      matches = user ? [user] : [];
    } else if (text !== undefined) {
      matches = searchUsers(store, text);
    } else {
      throw badRequest('Either query or external_id is required', 'InvalidParameter');
    }
    // users/search is offset-only and capped at 10,000 records (Users API reference, Search Users).
    const source = arraySource(matches, (u) => u.id);
    return paginate(request.zd.page, 'users', source, (u) => request.zd.render.user(u), { offsetOnly: true });
  });

  app.get('/api/v2/users/:id', async (request) => {
    requireAgent(request);
    // A soft-deleted user still answers 200 with active:false (undocumented; docs/emulators.md, "Choices
    // where Zendesk's behaviour is not documented").
    const user = store.users.get(idParam(request));
    if (!user || user.permanentlyDeleted) throw recordNotFound();
    return { user: request.zd.render.user(user) };
  });

  app.post('/api/v2/users', async (request, reply) => {
    const actor = requireAgent(request);
    const input = envelope(request, 'user');
    assertMayAssignRole(actor, input);
    const user = createUser(store, input);
    ctx.changed();
    return reply.code(201).send({ user: request.zd.render.user(user) });
  });

  app.post('/api/v2/users/create_or_update', async (request, reply) => {
    const actor = requireAgent(request);
    const input = envelope(request, 'user');
    assertMayAssignRole(actor, input);
    const { user, created } = createOrUpdateUser(store, input);
    ctx.changed();
    return reply.code(created ? 201 : 200).send({ user: request.zd.render.user(user) });
  });

  app.put('/api/v2/users/:id', async (request) => {
    const actor = requireAgent(request);
    const user = activeUser(store, idParam(request));
    const input = envelope(request, 'user');
    assertMayAssignRole(actor, input, user);
    if (store.settings.rateLimits) {
      // Update User: 5 requests a minute for each user, Zendesk's per-user limit on updates
      // (docs/emulators.md, "What it emulates", Rate limits).
      const budget = ctx.limits.userUpdates.take(String(user.id), store.clock.now());
      if (!budget.allowed) {
        throw tooManyRequests(
          budget.resetSeconds,
          'Too Many Requests: at most 5 updates a minute for each user',
        );
      }
    }
    updateUser(store, user, input);
    ctx.changed();
    return { user: request.zd.render.user(user) };
  });

  app.delete('/api/v2/users/:id', async (request) => {
    requireAdmin(request);
    const user = softDeleteUser(store, activeUser(store, idParam(request)));
    ctx.changed();
    return { user: request.zd.render.user(user) };
  });
}

/** Filters of `GET /users` and `/users/count`: role, role[], permission_set, external_id. */
function userListFilter(store: ZendeskStore, request: FastifyRequest): (user: UserRecord) => boolean {
  const q = query(request);
  const roleValues = [q['role'], q['role[]']].flat().filter((v): v is string => typeof v === 'string');
  const permissionSet = single(q, 'permission_set');
  const externalId = single(q, 'external_id')?.toLowerCase();
  const customRoleIds = new Set<number>();
  const plainRoles = new Set<string>();
  for (const value of roleValues) {
    if (value === 'end-user' || value === 'agent' || value === 'admin') plainRoles.add(value);
    else {
      // A custom role name filters by that role (Users API reference, List Users: `role`).
      for (const role of store.customRoles.values())
        if (role.name.toLowerCase() === value.toLowerCase()) customRoleIds.add(role.id);
      if (customRoleIds.size === 0) customRoleIds.add(-1);
    }
  }
  if (permissionSet !== undefined) customRoleIds.add(Number(permissionSet));
  return (user) => {
    if (!user.active) return false;
    if (externalId !== undefined && user.externalId?.toLowerCase() !== externalId) return false;
    if (plainRoles.size > 0 || customRoleIds.size > 0) {
      const byRole = plainRoles.has(user.role);
      const byCustom = user.customRoleId !== null && customRoleIds.has(user.customRoleId);
      if (!byRole && !byCustom) return false;
    }
    return true;
  };
}

/**
 * A subset of Zendesk's search syntax for users: `email:`, `external_id:`, `name:`, `role:`,
 * `phone:`, `tags:` terms (quoted values allowed) and free words matched against name and email.
 * All terms must match. Results are in id order.
 */
export function searchUsers(store: ZendeskStore, text: string): UserRecord[] {
  const terms = [...text.matchAll(/(\w+):(?:"([^"]*)"|(\S+))|"([^"]*)"|(\S+)/g)].map((m) => ({
    field: m[1]?.toLowerCase(),
    value: (m[2] ?? m[3] ?? m[4] ?? m[5] ?? '').toLowerCase(),
  }));
  const emailTerm = terms.find((t) => t.field === 'email');
  let candidates: Iterable<UserRecord>;
  if (emailTerm && !emailTerm.value.includes('*')) {
    const user = store.userByEmail(emailTerm.value);
    candidates = user ? [user] : [];
  } else {
    candidates = store.users.ascending((u) => u.active);
  }
  const out: UserRecord[] = [];
  for (const user of candidates) {
    if (!user.active) continue;
    const email = store.primaryEmail(user.id)?.toLowerCase() ?? '';
    const ok = terms.every(({ field, value }) => {
      switch (field) {
        case undefined:
          return user.name.toLowerCase().includes(value) || email.includes(value);
        case 'email':
          return wildcard(email, value);
        case 'external_id':
          return user.externalId?.toLowerCase() === value;
        case 'name':
          return wildcard(user.name.toLowerCase(), value);
        case 'role':
          return user.role === value;
        case 'phone':
          return (user.phone ?? '').includes(value);
        case 'tags':
          return user.tags.includes(value);
        default:
          return false;
      }
    });
    if (ok) out.push(user);
  }
  return out;
}

function wildcard(haystack: string, pattern: string): boolean {
  if (!pattern.includes('*')) return haystack === pattern || haystack.split(/\s+/).includes(pattern);
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(haystack);
}
