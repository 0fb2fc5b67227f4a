import { badRequest, invalidProperty, notFound } from './errors.js';
import type { EntraStore } from './store.js';
import type { GroupRecord } from './types.js';
import { checkValue, forgetObject } from './users.js';

const writable = {
  displayName: 'string',
  description: 'nullableString',
  mailEnabled: 'boolean',
  mailNickname: 'string',
  securityEnabled: 'boolean',
  groupTypes: 'stringArray',
  visibility: 'nullableString',
} as const;

function applyGroupProperties(group: GroupRecord, body: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(body)) {
    if (name === 'id' || name.startsWith('@odata.') || name.endsWith('@odata.bind')) continue;
    const type = (writable as Record<string, (typeof writable)[keyof typeof writable]>)[name];
    if (type === undefined)
      throw badRequest(`Property '${name}' does not exist as a declared property or extension property.`);
    checkValue('Group', name, type, value);
    (group as unknown as Record<string, unknown>)[name] = value;
  }
}

export const isUnified = (group: GroupRecord): boolean => group.groupTypes.includes('Unified');

export function createGroup(store: EntraStore, rawBody: unknown, id = store.newId()): GroupRecord {
  if (rawBody === null || typeof rawBody !== 'object' || Array.isArray(rawBody))
    throw badRequest('Empty Payload. JSON content expected.');
  const body = rawBody as Record<string, unknown>;
  for (const required of ['displayName', 'mailEnabled', 'mailNickname', 'securityEnabled']) {
    if (body[required] === undefined) throw invalidProperty(required, 'Group');
  }
  const group: GroupRecord = {
    kind: 'group',
    id,
    seq: store.nextSeq(),
    displayName: '',
    description: null,
    mailEnabled: false,
    mailNickname: '',
    securityEnabled: true,
    groupTypes: [],
    mail: null,
    visibility: null,
    createdDateTime: store.clock.iso(),
    deletedDateTime: null,
  };
  applyGroupProperties(group, body);
  // Graph creates only Microsoft 365 groups (mail-enabled, "Unified") and security groups; a
  // mail-enabled security group or distribution list cannot be created through it.
  if (group.mailEnabled && !isUnified(group))
    throw badRequest('A mail-enabled group must be a Microsoft 365 group (groupTypes ["Unified"]).');
  if (!group.mailEnabled && isUnified(group)) throw invalidProperty('mailEnabled', 'Group');
  if (isUnified(group)) {
    group.mail = `${group.mailNickname}@${store.tenant.domain}`;
    group.visibility ??= 'Public';
  }
  store.groups.insert(group);
  store.changes.record('group', group.id, 'upsert');
  return group;
}

export function updateGroup(store: EntraStore, group: GroupRecord, rawBody: unknown): void {
  if (rawBody === null || typeof rawBody !== 'object' || Array.isArray(rawBody))
    throw badRequest('Empty Payload. JSON content expected.');
  const body = rawBody as Record<string, unknown>;
  for (const fixed of ['mailEnabled', 'groupTypes'] as const) {
    if (fixed in body && JSON.stringify(body[fixed]) !== JSON.stringify(group[fixed]))
      throw invalidProperty(fixed, 'Group');
  }
  applyGroupProperties(group, body);
  store.changes.record('group', group.id, 'upsert');
}

/**
 * DELETE /groups/{id}: Microsoft 365 groups go to deleted items (restorable for 30 days); security
 * groups are deleted permanently, as in Entra ID.
 */
export function deleteGroup(store: EntraStore, group: GroupRecord): void {
  if (isUnified(group)) {
    group.deletedDateTime = store.clock.iso();
    store.changes.record('group', group.id, 'softDeleted');
    return;
  }
  purgeGroup(store, group);
}

export function purgeGroup(store: EntraStore, group: GroupRecord): void {
  store.groups.remove(group.id);
  forgetObject(store, group.id, 'group');
  store.changes.record('group', group.id, 'hardDeleted');
}

export function requireGroup(store: EntraStore, id: string): GroupRecord {
  const group = store.liveGroup(id);
  if (!group) throw notFound(id);
  return group;
}
