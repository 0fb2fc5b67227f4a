import { createGroup } from './model/groups.js';
import type { EntraStore } from './model/store.js';
import { zendeskAppId } from './model/tenant.js';
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
 * first, listing every problem by path, so a refused seed changes nothing.
 */
export function applySeed(store: EntraStore, raw: unknown): void {
  let resolved: ResolvedEntraSeed;
  try {
    resolved = resolveEntraSeed(toSeed(raw), { tenantId: store.tenant.tenantId });
  } catch (error) {
    if (error instanceof EntraSeedError) throw new SeedError(error.message);
    throw error;
  }
  apply(store, resolved);
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
    for (const role of seed.appRoles) {
      if (!zendeskApp.appRoles.some((r) => r.id === role.id))
        zendeskApp.appRoles.push({ ...role, origin: 'Application' });
    }
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
