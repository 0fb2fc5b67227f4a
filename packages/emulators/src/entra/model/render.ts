import type { EntraStore } from './store.js';
import { appRolesOf } from './tenant.js';
import type {
  ApplicationRecord,
  AppRoleAssignmentRecord,
  GroupRecord,
  ServicePrincipalRecord,
  UserRecord,
} from './types.js';

/** Properties Graph v1.0 returns for a user without $select. */
export const userDefaults = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
] as const;

export const userProperties: ReadonlySet<string> = new Set([
  ...userDefaults,
  'accountEnabled',
  'mailNickname',
  'department',
  'employeeId',
  'companyName',
  'usageLocation',
  'otherMails',
  'userType',
  'createdDateTime',
  'deletedDateTime',
]);

export const userFilterable: ReadonlySet<string> = new Set([
  'id',
  'accountEnabled',
  'userPrincipalName',
  'mail',
  'mailNickname',
  'displayName',
  'givenName',
  'surname',
  'jobTitle',
  'department',
  'employeeId',
  'companyName',
  'usageLocation',
  'userType',
]);

export const groupDefaults = [
  'id',
  'createdDateTime',
  'deletedDateTime',
  'description',
  'displayName',
  'groupTypes',
  'mail',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
  'visibility',
] as const;
export const groupProperties: ReadonlySet<string> = new Set(groupDefaults);
export const groupFilterable: ReadonlySet<string> = new Set([
  'id',
  'displayName',
  'mail',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
]);

export function userJson(user: UserRecord): Record<string, unknown> {
  const { kind: _kind, seq: _seq, password: _password, managerId: _managerId, ...rest } = user;
  return { ...rest, businessPhones: [...user.businessPhones], otherMails: [...user.otherMails] };
}

export function groupJson(group: GroupRecord): Record<string, unknown> {
  const { kind: _kind, seq: _seq, ...rest } = group;
  return { ...rest, groupTypes: [...group.groupTypes] };
}

export function applicationJson(app: ApplicationRecord): Record<string, unknown> {
  return {
    id: app.id,
    appId: app.appId,
    displayName: app.displayName,
    description: app.description,
    createdDateTime: app.createdDateTime,
    deletedDateTime: app.deletedDateTime,
    signInAudience: app.signInAudience,
    identifierUris: [...app.identifierUris],
    appRoles: app.appRoles.map((r) => ({ ...r, allowedMemberTypes: [...r.allowedMemberTypes] })),
    web: { redirectUris: [...app.redirectUris] },
    // Graph shows only a hint of each secret, never its value.
    passwordCredentials: app.secrets.map((s, i) => ({ displayName: `secret ${i + 1}`, hint: s.slice(0, 3) })),
  };
}

export function servicePrincipalJson(store: EntraStore, sp: ServicePrincipalRecord): Record<string, unknown> {
  return {
    id: sp.id,
    appId: sp.appId,
    displayName: sp.displayName,
    appDisplayName: sp.appDisplayName,
    accountEnabled: sp.accountEnabled,
    appRoleAssignmentRequired: sp.appRoleAssignmentRequired,
    servicePrincipalType: sp.servicePrincipalType,
    tags: [...sp.tags],
    createdDateTime: sp.createdDateTime,
    deletedDateTime: sp.deletedDateTime,
    appRoles: appRolesOf(store, sp).map((r) => ({ ...r, allowedMemberTypes: [...r.allowedMemberTypes] })),
  };
}

export function assignmentJson(store: EntraStore, a: AppRoleAssignmentRecord): Record<string, unknown> {
  const principal = store.object(a.principalId);
  const resource = store.servicePrincipals.get(a.resourceId);
  return {
    id: a.id,
    deletedDateTime: null,
    appRoleId: a.appRoleId,
    createdDateTime: a.createdDateTime,
    principalDisplayName: principal?.displayName ?? null,
    principalId: a.principalId,
    principalType: a.principalType,
    resourceDisplayName: resource?.displayName ?? null,
    resourceId: a.resourceId,
  };
}
