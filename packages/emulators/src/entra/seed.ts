import { createGroup } from './model/groups.js';
import type { EntraStore } from './model/store.js';
import { zendeskAppId } from './model/tenant.js';
import type { DirectoryObject } from './model/types.js';
import { createUser } from './model/users.js';
import { demoTenantSeed, parseDemoSpec } from './seed/demo.js';
import {
  type EntraSeed,
  EntraSeedError,
  parseEntraSeed,
  type ResolvedEntraSeed,
  resolveEntraSeed,
} from './seed/format.js';

export class SeedError extends Error {
  override readonly name = 'SeedError';
}

/**
 * Applies a seed in the format of `seed/format.ts` (docs/emulators.md), or the text `demo:<N>`
 * (`demo:10k`, `demo:<N>:<seed>`) for the deterministic demo tenant. The whole seed is validated
 * first, against itself and then against the directory it is added to (a seed adds objects, it
 * never updates one), listing every problem by path, so a refused seed changes nothing.
 */
export function applySeed(store: EntraStore, raw: unknown): void {
  let resolved: ResolvedEntraSeed;
  try {
    resolved = resolveEntraSeed(toSeed(raw), { tenantId: store.tenant.tenantId });
  } catch (error) {
    if (error instanceof EntraSeedError) throw new SeedError(error.message);
    throw error;
  }
  const conflicts = directoryConflicts(store, resolved);
  if (conflicts.length > 0)
    throw new SeedError(`${new EntraSeedError(conflicts).message}; ${addsNotUpdates}`);
  apply(store, resolved);
}

/** How a problem names an object already in the directory. */
function described(object: DirectoryObject): string {
  const deleted = 'deletedDateTime' in object && object.deletedDateTime !== null ? ', deleted' : '';
  switch (object.kind) {
    case 'user':
      return `the user ${object.userPrincipalName}${deleted}`;
    case 'group':
      return `the group "${object.displayName}"${deleted}`;
    case 'application':
      return `the application "${object.displayName}"`;
    case 'servicePrincipal':
      return `the service principal "${object.displayName}"`;
  }
}

/** Ends the message of a seed refused for what the directory already holds. */
const addsNotUpdates =
  'a seed adds objects and never updates one: leave those out, or POST /__emulator/reset first';

/**
 * What in a resolved seed clashes with the directory it would be added to: an id any directory
 * object (deleted ones included) already has, a userPrincipalName a live user holds, an app role
 * id, value or display name the Zendesk application already has. Paths as {@link resolveEntraSeed}'s
 * problems.
 */
export function directoryConflicts(store: EntraStore, seed: ResolvedEntraSeed): string[] {
  const problems: string[] = [];
  const same = (a: string | null, b: string) => a !== null && a.toLowerCase() === b.toLowerCase();
  const existingRoles = store.applicationByAppId(zendeskAppId)?.appRoles ?? [];
  seed.appRoles.forEach((role, i) => {
    const taken =
      existingRoles.find((r) => r.id === role.id) ??
      existingRoles.find((r) => same(r.value, role.value) || same(r.displayName, role.displayName));
    if (taken)
      problems.push(
        `appRoles.${i}: the Zendesk application already has the app role "${taken.displayName}" (value ${taken.value ?? 'none'}, id ${taken.id})`,
      );
  });
  seed.users.forEach((user, i) => {
    const holder = store.userIdByUpn.get(user.userPrincipalName.toLowerCase());
    const existing = store.object(user.id) ?? (holder === undefined ? undefined : store.object(holder));
    if (existing === undefined) return;
    if (existing.kind === 'user' && same(existing.userPrincipalName, user.userPrincipalName))
      problems.push(
        `users.${i}.userPrincipalName: ${user.userPrincipalName} is already in the directory (id ${existing.id}${existing.deletedDateTime === null ? '' : ", in the directory's deleted items"})`,
      );
    else problems.push(`users.${i}.id: ${user.id} is already the id of ${described(existing)}`);
  });
  seed.groups.forEach((group, i) => {
    const existing = store.object(group.id);
    if (existing === undefined) return;
    if (existing.kind === 'group' && same(existing.displayName, group.displayName))
      problems.push(
        `groups.${i}.displayName: the group "${group.displayName}" is already in the directory (id ${existing.id}${existing.deletedDateTime === null ? '' : ", in the directory's deleted items"})`,
      );
    else problems.push(`groups.${i}.id: ${group.id} is already the id of ${described(existing)}`);
  });
  return problems;
}

function toSeed(raw: unknown): EntraSeed {
  if (typeof raw === 'string') {
    const spec = parseDemoSpec(raw);
    if (!spec)
      throw new SeedError(
        `"${raw}" is not a seed: use a seed object or demo:<N> (e.g. demo:1000, demo:10k:7)`,
      );
    // The generator's output is valid by construction; resolving still checks every reference.
    return demoTenantSeed(spec.users, { seed: spec.seed });
  }
  return parseEntraSeed(raw);
}

function apply(store: EntraStore, seed: ResolvedEntraSeed): void {
  const zendeskApp = store.applicationByAppId(zendeskAppId);
  if (zendeskApp) {
    // directoryConflicts refused a role the application already has.
    for (const role of seed.appRoles) zendeskApp.appRoles.push({ ...role, origin: 'Application' });
  }
  for (const user of seed.users) {
    const { id, password, managerId: _managerId, onPremisesExtensionAttributes, ...properties } = user;
    const record = createUser(
      store,
      { ...properties, ...(password === undefined ? {} : { passwordProfile: { password } }) },
      { id, requirePassword: false },
    );
    // Read-only in Graph (synced from on-premises): set directly, as a directory sync would.
    if (onPremisesExtensionAttributes !== undefined) {
      (record as unknown as Record<string, unknown>)['onPremisesExtensionAttributes'] =
        onPremisesExtensionAttributes;
    }
  }
  // Managers after all users: a seed may name a manager listed later. Checked by resolveEntraSeed.
  for (const user of seed.users) {
    const record = store.users.get(user.id);
    if (record && user.managerId !== null) record.managerId = user.managerId;
  }
  for (const group of seed.groups) {
    const { id, members: _members, mail, ...properties } = group;
    const record = createGroup(store, properties, id);
    // `mail` is read-only in Graph (Exchange assigns it): a seed sets it as the directory would.
    if (mail !== undefined) (record as unknown as Record<string, unknown>)['mail'] = mail;
  }
  for (const group of seed.groups) for (const member of group.members) store.addMember(group.id, member.id);
  const zendesk = store.servicePrincipalByAppId(zendeskAppId);
  if (!zendesk) throw new SeedError('the Zendesk service principal is missing');
  for (const assignment of seed.assignments) {
    store.addAssignment({
      kind: 'appRoleAssignment',
      id: store.newToken(32),
      seq: store.nextSeq(),
      appRoleId: assignment.appRoleId,
      principalId: assignment.principalId,
      principalType: assignment.principalType,
      resourceId: zendesk.id,
      createdDateTime: store.clock.iso(),
    });
  }
}
