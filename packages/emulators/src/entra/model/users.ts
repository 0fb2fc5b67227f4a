import type { MemberType } from './changes.js';
import { badRequest, conflictingObject, invalidProperty, notFound } from './errors.js';
import type { EntraStore } from './store.js';
import type { UserRecord } from './types.js';

type PropertyType = 'string' | 'nullableString' | 'boolean' | 'stringArray';

/** The user properties clients may write, with their Graph types. */
const writable: Record<string, PropertyType> = {
  accountEnabled: 'boolean',
  displayName: 'string',
  givenName: 'nullableString',
  surname: 'nullableString',
  userPrincipalName: 'string',
  mail: 'nullableString',
  mailNickname: 'string',
  jobTitle: 'nullableString',
  department: 'nullableString',
  officeLocation: 'nullableString',
  mobilePhone: 'nullableString',
  preferredLanguage: 'nullableString',
  employeeId: 'nullableString',
  companyName: 'nullableString',
  usageLocation: 'nullableString',
  businessPhones: 'stringArray',
  otherMails: 'stringArray',
  userType: 'string',
  city: 'nullableString',
  country: 'nullableString',
  state: 'nullableString',
  streetAddress: 'nullableString',
  postalCode: 'nullableString',
  employeeType: 'nullableString',
  onPremisesImmutableId: 'nullableString',
};

export function checkValue(resource: string, name: string, type: PropertyType, value: unknown): void {
  const ok =
    type === 'boolean'
      ? typeof value === 'boolean'
      : type === 'string'
        ? typeof value === 'string' && value.trim() !== ''
        : type === 'nullableString'
          ? value === null || typeof value === 'string'
          : Array.isArray(value) && value.every((v) => typeof v === 'string');
  if (!ok) throw invalidProperty(name, resource);
}

function checkBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badRequest('Empty Payload. JSON content expected.');
  return body as Record<string, unknown>;
}

const upnPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function applyUserProperties(store: EntraStore, user: UserRecord, body: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(body)) {
    if (name === 'passwordProfile') {
      const password = (value as { password?: unknown } | null)?.password;
      if (typeof password !== 'string' || password === '') throw invalidProperty('passwordProfile', 'User');
      user.password = password;
      continue;
    }
    if (name === 'id' || name.startsWith('@odata.')) continue;
    const type = writable[name];
    // Graph rejects properties that do not exist on the resource type.
    if (type === undefined)
      throw badRequest(`Property '${name}' does not exist as a declared property or extension property.`);
    checkValue('User', name, type, value);
    if (name === 'userPrincipalName') {
      const upn = String(value);
      if (!upnPattern.test(upn)) throw invalidProperty('userPrincipalName', 'User');
      const holder = store.userIdByUpn.get(upn.toLowerCase());
      if (holder !== undefined && holder !== user.id) throw conflictingObject('userPrincipalName');
    }
    (user as unknown as Record<string, unknown>)[name] = value;
  }
}

/** POST /users: the required properties of Graph's create-user operation, then any others. */
export function createUser(
  store: EntraStore,
  rawBody: unknown,
  options: { id?: string; requirePassword?: boolean } = {},
): UserRecord {
  const body = checkBody(rawBody);
  for (const required of ['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName']) {
    if (body[required] === undefined) throw invalidProperty(required, 'User');
  }
  const user: UserRecord = {
    kind: 'user',
    id: options.id ?? store.newId(),
    seq: store.nextSeq(),
    accountEnabled: true,
    displayName: '',
    givenName: null,
    surname: null,
    userPrincipalName: '',
    mail: null,
    mailNickname: '',
    jobTitle: null,
    department: null,
    officeLocation: null,
    mobilePhone: null,
    preferredLanguage: null,
    employeeId: null,
    companyName: null,
    usageLocation: null,
    businessPhones: [],
    otherMails: [],
    userType: 'Member',
    createdDateTime: store.clock.iso(),
    deletedDateTime: null,
    password: null,
    managerId: null,
  };
  applyUserProperties(store, user, body);
  if ((options.requirePassword ?? true) && user.password === null)
    throw invalidProperty('passwordProfile', 'User');
  store.users.insert(user);
  store.userIdByUpn.set(user.userPrincipalName.toLowerCase(), user.id);
  store.changes.record('user', user.id, 'upsert');
  return user;
}

export function updateUser(store: EntraStore, user: UserRecord, rawBody: unknown): void {
  const body = checkBody(rawBody);
  const before = user.userPrincipalName.toLowerCase();
  applyUserProperties(store, user, body);
  const after = user.userPrincipalName.toLowerCase();
  if (after !== before) {
    store.userIdByUpn.delete(before);
    store.userIdByUpn.set(after, user.id);
  }
  store.changes.record('user', user.id, 'upsert');
}

/** DELETE /users/{id}: a soft delete; the user waits in directory/deletedItems for 30 days. */
export function softDeleteUser(store: EntraStore, user: UserRecord): void {
  user.deletedDateTime = store.clock.iso();
  store.userIdByUpn.delete(user.userPrincipalName.toLowerCase());
  store.changes.record('user', user.id, 'softDeleted');
}

export function restoreUser(store: EntraStore, user: UserRecord): void {
  const holder = store.userIdByUpn.get(user.userPrincipalName.toLowerCase());
  if (holder !== undefined && holder !== user.id) throw conflictingObject('userPrincipalName');
  user.deletedDateTime = null;
  store.userIdByUpn.set(user.userPrincipalName.toLowerCase(), user.id);
  store.changes.record('user', user.id, 'upsert');
}

/** Removes the user for good, with its memberships and app role assignments. */
export function purgeUser(store: EntraStore, user: UserRecord): void {
  store.users.remove(user.id);
  store.userIdByUpn.delete(user.userPrincipalName.toLowerCase());
  forgetObject(store, user.id, 'user');
  // Its reports lose their manager (the reference goes with the object, as in Entra ID).
  for (const report of [...store.users.ascending((u) => u.managerId === user.id)])
    setManager(store, report, null);
  store.changes.record('user', user.id, 'hardDeleted');
}

/**
 * Drops every reference to an object that no longer exists. Its removal from the groups it belonged to
 * is recorded for groups/delta (`memberType`: what the object was, now that it left its table).
 */
export function forgetObject(
  store: EntraStore,
  id: string,
  memberType: MemberType = store.memberType(id),
): void {
  for (const groupId of store.groupsOf.get(id) ?? []) {
    if (store.membersOf.get(groupId)?.delete(id)) store.changes.recordMember(groupId, id, memberType, false);
  }
  store.groupsOf.delete(id);
  for (const memberId of store.membersOf.get(id) ?? []) store.groupsOf.get(memberId)?.delete(id);
  store.membersOf.delete(id);
  for (const assignment of store.assignmentsOf(id)) store.removeAssignment(assignment.id);
  for (const assignmentId of [...(store.assignmentsByResource.get(id) ?? [])])
    store.removeAssignment(assignmentId);
}

export function requireUser(store: EntraStore, idOrUpn: string): UserRecord {
  const user = store.liveUser(idOrUpn);
  if (!user) throw notFound(idOrUpn);
  return user;
}

/** The user's manager when it is a live user; a soft-deleted manager is not served until restored. */
export function managerOf(store: EntraStore, user: UserRecord): UserRecord | undefined {
  if (user.managerId === null) return undefined;
  const manager = store.users.get(user.managerId);
  return manager && manager.deletedDateTime === null ? manager : undefined;
}

/** Sets (or with null removes) the user's manager; a change is recorded for users/delta. */
export function setManager(store: EntraStore, user: UserRecord, managerId: string | null): void {
  if (managerId === user.id) throw badRequest('A user cannot be their own manager.');
  if (user.managerId === managerId) return;
  user.managerId = managerId;
  store.changes.record('user', user.id, 'upsert');
}

/** The live users whose manager is the given user, in creation order. */
export function directReportsOf(store: EntraStore, managerId: string): UserRecord[] {
  return [...store.users.ascending((u) => u.managerId === managerId && u.deletedDateTime === null)];
}
