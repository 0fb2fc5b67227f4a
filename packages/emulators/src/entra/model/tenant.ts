import { createHash } from 'node:crypto';
import type { EntraStore } from './store.js';
import type { ApplicationRecord, AppRole, ServicePrincipalRecord } from './types.js';

/** Microsoft Graph's application id, the same in every tenant. */
export const graphAppId = '00000003-0000-0000-c000-000000000000';
export const graphResource = 'https://graph.microsoft.com';

/** The implicit role of an assignment to an application without a specific role. */
export const defaultAccessRoleId = '00000000-0000-0000-0000-000000000000';

/** Graph application permissions the emulator knows, with Microsoft's published app-role ids. */
export const graphPermissions: Readonly<Record<string, string>> = {
  'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
  'User.ReadWrite.All': '741f803b-c850-494e-b5df-cde7c675a1ca',
  'Group.Read.All': '5b567255-7703-4780-807c-7be8301ae99b',
  'Group.ReadWrite.All': '62a82d76-70ea-41e2-9197-370581804d09',
  'Group.Create': 'bf7b1a76-6e77-406b-b258-bf5c7720e98f',
  'GroupMember.Read.All': '98830695-27a2-44f7-8c18-0c3ebc9698f6',
  'GroupMember.ReadWrite.All': 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695',
  'Directory.Read.All': '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
  'Directory.ReadWrite.All': '19dbc75e-c2e2-444c-a770-ec69d8559fc7',
  'Application.Read.All': '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
  'Application.ReadWrite.All': '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9',
  'Application.ReadWrite.OwnedBy': '18a4783c-866b-4cc7-a460-3d5e5662c884',
  'AppRoleAssignment.ReadWrite.All': '06b708a9-e830-4db3-a914-8e69da51d44f',
};

export function isGraphPermission(name: string): boolean {
  return Object.hasOwn(graphPermissions, name);
}

/**
 * The Zendesk enterprise application's roles. Ids are fixed so that seeds, demos and tests can name
 * them; "Default Access" is the implicit role {@link defaultAccessRoleId}, which Entra ID does not
 * list in appRoles but accepts in every assignment.
 */
export const zendeskAppRoles: readonly AppRole[] = [
  {
    id: 'b5c9e6f1-0a3d-4e7b-9c2f-1d8e4a6b3c01',
    value: 'end-user',
    displayName: 'End-user',
    description: 'Zendesk end-user',
  },
  {
    id: 'b5c9e6f1-0a3d-4e7b-9c2f-1d8e4a6b3c02',
    value: 'agent',
    displayName: 'Agent',
    description: 'Zendesk agent',
  },
  {
    id: 'b5c9e6f1-0a3d-4e7b-9c2f-1d8e4a6b3c03',
    value: 'admin',
    displayName: 'Admin',
    description: 'Zendesk administrator',
  },
].map((role) => ({ ...role, allowedMemberTypes: ['User'], isEnabled: true, origin: 'Application' }));

/** Ids of the built-in objects: fixed, so they do not depend on the id sequence. */
const builtinIds = {
  graphServicePrincipal: 'c0a1b2c3-0000-4000-8000-000000000001',
  provisioningApplication: 'c0a1b2c3-0000-4000-8000-000000000002',
  provisioningServicePrincipal: 'c0a1b2c3-0000-4000-8000-000000000003',
  zendeskApplication: 'c0a1b2c3-0000-4000-8000-000000000004',
  zendeskServicePrincipal: 'c0a1b2c3-0000-4000-8000-000000000005',
  zendeskAppId: 'c0a1b2c3-0000-4000-8000-000000000006',
  adminApplication: 'c0a1b2c3-0000-4000-8000-000000000007',
  adminServicePrincipal: 'c0a1b2c3-0000-4000-8000-000000000008',
};
export const zendeskAppId = builtinIds.zendeskAppId;

/** Display name of the built-in administration app registration (and its service principal). */
export const adminAppDisplayName = 'provisio emulator admin';

export interface TenantBootstrap {
  clientId: string;
  clientSecret: string;
  permissions: readonly string[];
  redirectUris: readonly string[];
  /** The administration app registration: its credentials and granted Graph permissions. */
  admin: { clientId: string; clientSecret: string; permissions: readonly string[] };
}

export function insertApplication(
  store: EntraStore,
  fields: Pick<ApplicationRecord, 'id' | 'appId' | 'displayName'> & Partial<ApplicationRecord>,
): ApplicationRecord {
  const app: ApplicationRecord = {
    kind: 'application',
    seq: store.nextSeq(),
    description: null,
    appRoles: [],
    ownerIds: [],
    redirectUris: [],
    identifierUris: [],
    signInAudience: 'AzureADMyOrg',
    secrets: [],
    createdDateTime: store.clock.iso(),
    deletedDateTime: null,
    ...fields,
  };
  store.applications.insert(app);
  store.applicationIdByAppId.set(app.appId.toLowerCase(), app.id);
  return app;
}

export function insertServicePrincipal(
  store: EntraStore,
  fields: Pick<ServicePrincipalRecord, 'id' | 'appId' | 'displayName'> & Partial<ServicePrincipalRecord>,
): ServicePrincipalRecord {
  const sp: ServicePrincipalRecord = {
    kind: 'servicePrincipal',
    seq: store.nextSeq(),
    appDisplayName: fields.displayName,
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    servicePrincipalType: 'Application',
    tags: [],
    ownAppRoles: null,
    createdDateTime: store.clock.iso(),
    deletedDateTime: null,
    ...fields,
  };
  store.servicePrincipals.insert(sp);
  store.servicePrincipalIdByAppId.set(sp.appId.toLowerCase(), sp.id);
  return sp;
}

/** The app roles a service principal exposes: its application's, or its own (Microsoft Graph's). */
export function appRolesOf(store: EntraStore, sp: ServicePrincipalRecord): AppRole[] {
  return sp.ownAppRoles ?? store.applicationByAppId(sp.appId)?.appRoles ?? [];
}

/**
 * Grants an application permission: an app role assignment of the client to Graph's principal. The
 * assignment id comes from the store's seeded sequence unless `id` is given.
 */
export function grantGraphPermission(
  store: EntraStore,
  clientSp: ServicePrincipalRecord,
  permission: string,
  id?: string,
): void {
  const roleId = graphPermissions[permission];
  if (roleId === undefined) throw new Error(`unknown Graph permission ${permission}`);
  store.addAssignment({
    kind: 'appRoleAssignment',
    id: id ?? store.newToken(32),
    seq: store.nextSeq(),
    appRoleId: roleId,
    principalId: clientSp.id,
    principalType: 'ServicePrincipal',
    resourceId: builtinIds.graphServicePrincipal,
    createdDateTime: store.clock.iso(),
  });
}

/** The Graph permissions (role values) granted to a client application. */
export function grantedPermissions(store: EntraStore, clientSp: ServicePrincipalRecord): string[] {
  const byId = new Map(Object.entries(graphPermissions).map(([name, id]) => [id, name]));
  return store
    .assignmentsOf(clientSp.id)
    .filter((a) => a.resourceId === builtinIds.graphServicePrincipal)
    .flatMap((a) => byId.get(a.appRoleId) ?? [])
    .sort();
}

/**
 * What every tenant holds before any seed: Microsoft Graph's service principal, the provisioning app
 * registration (with its secret and granted permissions), the Zendesk enterprise application and the
 * administration app registration.
 */
export function bootstrapTenant(store: EntraStore, setup: TenantBootstrap): void {
  insertServicePrincipal(store, {
    id: builtinIds.graphServicePrincipal,
    appId: graphAppId,
    displayName: 'Microsoft Graph',
    ownAppRoles: Object.entries(graphPermissions).map(([value, id]) => ({
      id,
      value,
      displayName: value,
      description: `Allows the app to use ${value} without a signed-in user.`,
      allowedMemberTypes: ['Application'],
      isEnabled: true,
      origin: 'Application',
    })),
  });
  insertApplication(store, {
    id: builtinIds.provisioningApplication,
    appId: setup.clientId.toLowerCase(),
    displayName: 'provisio',
    redirectUris: [...setup.redirectUris],
    secrets: [setup.clientSecret],
  });
  const provisio = insertServicePrincipal(store, {
    id: builtinIds.provisioningServicePrincipal,
    appId: setup.clientId.toLowerCase(),
    displayName: 'provisio',
  });
  for (const permission of setup.permissions) grantGraphPermission(store, provisio, permission);
  insertApplication(store, {
    id: builtinIds.zendeskApplication,
    appId: builtinIds.zendeskAppId,
    displayName: 'Zendesk',
    // The provisioning app owns the Zendesk app: Application.ReadWrite.OwnedBy lets it manage the roles.
    ownerIds: [provisio.id],
    appRoles: zendeskAppRoles.map((role) => ({ ...role, allowedMemberTypes: [...role.allowedMemberTypes] })),
  });
  insertServicePrincipal(store, {
    id: builtinIds.zendeskServicePrincipal,
    appId: builtinIds.zendeskAppId,
    displayName: 'Zendesk',
    tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
  });
  insertAdminApp(store, setup.admin);
}

/** Whether the store holds the built-in administration app (a `--data` file from before it may not). */
export function hasAdminApp(store: EntraStore): boolean {
  return store.applications.has(builtinIds.adminApplication);
}

/**
 * The administration app registration: an application and its service principal (no redirect URIs:
 * client credentials only), granted its Graph permissions as app role assignments to Graph's service
 * principal, as admin consent does. The assignment ids are derived from the principal and the role
 * rather than drawn from the store's sequence, so that adding the app does not shift the ids of
 * everything created after it.
 */
export function insertAdminApp(store: EntraStore, admin: TenantBootstrap['admin']): void {
  const appId = admin.clientId.toLowerCase();
  insertApplication(store, {
    id: builtinIds.adminApplication,
    appId,
    displayName: adminAppDisplayName,
    description: 'Administration app of the Entra ID emulator: changes the directory through Graph.',
    secrets: [admin.clientSecret],
  });
  const sp = insertServicePrincipal(store, {
    id: builtinIds.adminServicePrincipal,
    appId,
    displayName: adminAppDisplayName,
  });
  for (const permission of admin.permissions) {
    const id = createHash('sha256')
      .update(`${sp.id}:${graphPermissions[permission] ?? permission}`)
      .digest('base64url');
    grantGraphPermission(store, sp, permission, id);
  }
}
