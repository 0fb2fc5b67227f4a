import { badRequest, GraphError, invalidProperty, notFound } from './errors.js';
import type { EntraStore } from './store.js';
import { appRolesOf, defaultAccessRoleId } from './tenant.js';
import type { ApplicationRecord, AppRole, AppRoleAssignmentRecord, ServicePrincipalRecord } from './types.js';

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (text: string): boolean => guidPattern.test(text);

const memberTypes: ReadonlySet<string> = new Set(['User', 'Application']);
const roleProperties: ReadonlySet<string> = new Set([
  'id',
  'allowedMemberTypes',
  'description',
  'displayName',
  'isEnabled',
  'origin',
  'value',
]);

function objectBody(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw badRequest('Empty Payload. JSON content expected.');
  return raw as Record<string, unknown>;
}

const undeclared = (name: string): GraphError =>
  badRequest(`Property '${name}' does not exist as a declared property or extension property.`);

/** Graph's answer when a PATCH drops an app role that is still enabled. */
export const enabledRoleRemoved = (): GraphError =>
  new GraphError(
    400,
    'CannotDeleteOrUpdateEnabledEntitlement',
    'Property value cannot be deleted or updated unless it is disabled first.',
  );

function parseRole(raw: unknown): AppRole {
  const body = objectBody(raw);
  for (const name of Object.keys(body)) if (!roleProperties.has(name)) throw undeclared(name);
  const { id, allowedMemberTypes, description, displayName, isEnabled, value } = body;
  if (typeof id !== 'string' || !isGuid(id)) throw invalidProperty('id', 'AppRole');
  if (
    !Array.isArray(allowedMemberTypes) ||
    allowedMemberTypes.length === 0 ||
    !allowedMemberTypes.every((t): t is string => typeof t === 'string' && memberTypes.has(t)) ||
    new Set(allowedMemberTypes).size !== allowedMemberTypes.length
  )
    throw invalidProperty('allowedMemberTypes', 'AppRole');
  if (typeof displayName !== 'string' || displayName.trim() === '')
    throw invalidProperty('displayName', 'AppRole');
  if (description !== undefined && description !== null && typeof description !== 'string')
    throw invalidProperty('description', 'AppRole');
  if (isEnabled !== undefined && typeof isEnabled !== 'boolean')
    throw invalidProperty('isEnabled', 'AppRole');
  // The value becomes the `roles` claim: no whitespace, and it may be absent (null).
  if (
    value !== undefined &&
    value !== null &&
    (typeof value !== 'string' || value === '' || /\s/.test(value))
  )
    throw invalidProperty('value', 'AppRole');
  return {
    id: id.toLowerCase(),
    allowedMemberTypes: [...allowedMemberTypes],
    description: typeof description === 'string' ? description : '',
    displayName,
    isEnabled: isEnabled ?? true,
    origin: 'Application',
    value: typeof value === 'string' ? value : null,
  };
}

/**
 * The new `appRoles` of an application under Graph's rules: roles are matched by id, so an id missing
 * from the new list removes that role, which Graph allows only when the role was already disabled
 * (`isEnabled: false`) before this request; ids and values are unique.
 */
function replaceRoles(current: readonly AppRole[], raw: unknown): AppRole[] {
  if (!Array.isArray(raw)) throw invalidProperty('appRoles', 'Application');
  const roles = raw.map(parseRole);
  const ids = new Set<string>();
  const values = new Set<string>();
  for (const role of roles) {
    if (ids.has(role.id)) throw badRequest('Request contains a property with duplicate values.');
    ids.add(role.id);
    if (role.value !== null) {
      const key = role.value.toLowerCase();
      if (values.has(key)) throw badRequest('Request contains a property with duplicate values.');
      values.add(key);
    }
  }
  for (const old of current) if (!ids.has(old.id) && old.isEnabled) throw enabledRoleRemoved();
  return roles;
}

/**
 * `identifierUris` (Application ID URIs, e.g. `api://{appId}`): absolute URIs, unique. Entra ID also
 * restricts their hosts to the tenant's verified domains
 * (https://learn.microsoft.com/entra/identity-platform/reference-app-manifest#identifieruris-attribute);
 * the emulator does not.
 */
function parseIdentifierUris(raw: unknown): string[] {
  if (!Array.isArray(raw) || !raw.every((u): u is string => typeof u === 'string' && URL.canParse(u)))
    throw invalidProperty('identifierUris', 'Application');
  if (new Set(raw.map((u) => u.toLowerCase())).size !== raw.length)
    throw badRequest('Request contains a property with duplicate values.');
  return [...raw];
}

/** PATCH /applications/{id}: `displayName`, `description`, `identifierUris` and `appRoles`. */
export function updateApplication(app: ApplicationRecord, rawBody: unknown): void {
  const body = objectBody(rawBody);
  let roles: AppRole[] | null = null;
  let identifierUris: string[] | null = null;
  for (const [name, value] of Object.entries(body)) {
    if (name === 'id' || name.startsWith('@odata.')) continue;
    if (name === 'appRoles') roles = replaceRoles(app.appRoles, value);
    else if (name === 'identifierUris') identifierUris = parseIdentifierUris(value);
    else if (name === 'displayName') {
      if (typeof value !== 'string' || value.trim() === '') throw invalidProperty(name, 'Application');
    } else if (name === 'description') {
      if (value !== null && typeof value !== 'string') throw invalidProperty(name, 'Application');
    } else throw undeclared(name);
  }
  // Validate everything first, then apply: a refused PATCH changes nothing.
  if (roles !== null) app.appRoles = roles;
  if (identifierUris !== null) app.identifierUris = identifierUris;
  if (typeof body['displayName'] === 'string') app.displayName = body['displayName'];
  if ('description' in body)
    app.description = typeof body['description'] === 'string' ? body['description'] : null;
}

/** Graph's answer when an assignment names a role the resource does not offer the principal. */
const roleNotFound = (sp: ServicePrincipalRecord): GraphError =>
  badRequest(`Permission being assigned was not found on application '${sp.appId}'.`);

/**
 * POST /servicePrincipals/{id}/appRoleAssignedTo: assigns one of the resource's enabled roles (or
 * Default Access) to a live user, group or client service principal.
 */
export function createAssignment(
  store: EntraStore,
  resource: ServicePrincipalRecord,
  rawBody: unknown,
): AppRoleAssignmentRecord {
  const body = objectBody(rawBody);
  const field = (name: string): string => {
    const value = body[name];
    if (typeof value !== 'string' || !isGuid(value)) throw invalidProperty(name, 'AppRoleAssignment');
    return value.toLowerCase();
  };
  const principalId = field('principalId');
  const resourceId = field('resourceId');
  const appRoleId = field('appRoleId');
  if (resourceId !== resource.id) throw invalidProperty('resourceId', 'AppRoleAssignment');

  const user = store.users.get(principalId);
  const group = store.groups.get(principalId);
  const sp = store.servicePrincipals.get(principalId);
  const principal = user ?? group ?? sp;
  if (!principal || principal.deletedDateTime !== null) throw notFound(principalId);
  const principalType = user ? 'User' : group ? 'Group' : 'ServicePrincipal';

  if (appRoleId !== defaultAccessRoleId) {
    const role = appRolesOf(store, resource).find((r) => r.id === appRoleId);
    const memberType = principalType === 'ServicePrincipal' ? 'Application' : 'User';
    if (!role?.isEnabled || !role.allowedMemberTypes.includes(memberType)) throw roleNotFound(resource);
  }
  const duplicate = store
    .assignmentsOf(principalId)
    .some((a) => a.resourceId === resource.id && a.appRoleId === appRoleId);
  if (duplicate) throw badRequest('Permission being assigned already exists on the object');

  const assignment: AppRoleAssignmentRecord = {
    kind: 'appRoleAssignment',
    id: store.newToken(32),
    seq: store.nextSeq(),
    appRoleId,
    principalId,
    principalType,
    resourceId: resource.id,
    createdDateTime: store.clock.iso(),
  };
  store.addAssignment(assignment);
  return assignment;
}
