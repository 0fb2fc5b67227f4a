import { createGroup } from './model/groups.js';
import type { EntraStore } from './model/store.js';
import { appRolesOf, defaultAccessRoleId, zendeskAppId } from './model/tenant.js';
import { createUser } from './model/users.js';

export class SeedError extends Error {
  override readonly name = 'SeedError';
}

function list(seed: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const value = seed[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => v && typeof v === 'object' && !Array.isArray(v)))
    throw new SeedError(`${key}: must be an array of objects`);
  return value as Record<string, unknown>[];
}

/**
 * Applies a seed: `{users, groups, assignments}` (docs/emulators.md). Users and groups take Graph's
 * property names; `password` is the sign-in password; a group's `members` name users by
 * userPrincipalName and groups by `mailNickname` or id; an assignment names its `principal` the same
 * way and its `appRole` by value ("agent"), display name ("Agent") or "Default Access".
 * It stops at the first problem, naming its place in the seed; what came before it stays applied.
 */
export function applySeed(store: EntraStore, raw: unknown): void {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new SeedError('the seed must be a JSON object');
  const seed = raw as Record<string, unknown>;
  const wrap = <T>(where: string, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof SeedError) throw error;
      throw new SeedError(`${where}: ${(error as Error).message}`);
    }
  };
  list(seed, 'users').forEach((u, i) => {
    const { password, id, ...rest } = u;
    wrap(`users[${i}]`, () =>
      createUser(
        store,
        {
          accountEnabled: true,
          mailNickname: String(rest['userPrincipalName'] ?? '').split('@')[0],
          ...rest,
          ...(typeof password === 'string' ? { passwordProfile: { password } } : {}),
        },
        { requirePassword: false, ...(typeof id === 'string' ? { id: id.toLowerCase() } : {}) },
      ),
    );
  });
  const byNickname = new Map<string, string>();
  const groupMembers: [string, unknown][] = [];
  list(seed, 'groups').forEach((g, i) => {
    const { members, id, ...rest } = g;
    const group = wrap(`groups[${i}]`, () =>
      createGroup(
        store,
        {
          mailEnabled: false,
          securityEnabled: true,
          mailNickname: String(rest['displayName'] ?? '').replace(/\W+/g, ''),
          ...rest,
        },
        typeof id === 'string' ? id.toLowerCase() : undefined,
      ),
    );
    byNickname.set(group.mailNickname.toLowerCase(), group.id);
    groupMembers.push([group.id, members]);
  });
  const principal = (name: unknown, where: string): string => {
    const text = typeof name === 'string' ? name.toLowerCase() : '';
    const id = store.liveUser(text)?.id ?? byNickname.get(text) ?? (store.liveGroup(text) ? text : undefined);
    if (id === undefined) throw new SeedError(`${where}: no user or group "${String(name)}"`);
    return id;
  };
  for (const [groupId, members] of groupMembers) {
    if (members === undefined) continue;
    if (!Array.isArray(members)) throw new SeedError('groups: members must be an array');
    members.forEach((m, i) => {
      store.addMember(groupId, principal(m, `group ${groupId} members[${i}]`));
    });
  }
  const zendesk = store.servicePrincipalByAppId(zendeskAppId);
  list(seed, 'assignments').forEach((a, i) => {
    const where = `assignments[${i}]`;
    if (!zendesk) throw new SeedError(`${where}: the Zendesk service principal is missing`);
    const principalId = principal(a['principal'], where);
    const roleName = String(a['appRole'] ?? 'Default Access').toLowerCase();
    const roleId =
      roleName === 'default access'
        ? defaultAccessRoleId
        : appRolesOf(store, zendesk).find(
            (r) => r.value?.toLowerCase() === roleName || r.displayName.toLowerCase() === roleName,
          )?.id;
    if (roleId === undefined)
      throw new SeedError(`${where}: no app role "${String(a['appRole'])}" on Zendesk`);
    store.addAssignment({
      kind: 'appRoleAssignment',
      id: store.newToken(32),
      seq: store.nextSeq(),
      appRoleId: roleId,
      principalId,
      principalType: store.users.has(principalId) ? 'User' : 'Group',
      resourceId: zendesk.id,
      createdDateTime: store.clock.iso(),
    });
  });
}
