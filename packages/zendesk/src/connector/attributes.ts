import type { PreparedAttributes, TargetUser } from '@provisio/engine';
import type { ZendeskUser } from '../client/schemas.js';
import { ZendeskErrorCode } from '../errors.js';
import { type CustomRole, resolveRole } from './roles.js';

/**
 * Pure conversions between Zendesk users and the engine's view of them: `TargetUser`s from API
 * users, `prepare` (mapped values → what Zendesk stores), `same` (Zendesk's notion of equality)
 * and `matchKey`. Target attribute names are Zendesk's user field names; `user_fields.<key>`
 * addresses one custom user field.
 */

/** Fields of the API user that are not user attributes the connector manages or compares. */
const unmanagedFields = new Set([
  'url',
  'created_at',
  'updated_at',
  'last_login_at',
  'photo',
  'authenticity_token',
]);

export function toTargetUser(user: ZendeskUser): TargetUser {
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user)) {
    if (!unmanagedFields.has(key)) attributes[key] = value;
  }
  const name = user.name ?? '';
  const email = user.email ?? null;
  return {
    id: String(user.id),
    attributes,
    active: user.active !== false,
    disabled: user.suspended === true,
    displayName: email ? `${name} <${email}>` : name || `Zendesk user ${user.id}`,
  };
}

const booleanFields = new Set([
  'suspended',
  'moderator',
  'only_private_comments',
  'verified',
  'shared_phone_number',
  'skip_verify_email',
]);
const integerFields = new Set(['organization_id', 'custom_role_id', 'default_group_id', 'locale_id']);
const userFieldsPrefix = 'user_fields.';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Tags as Zendesk stores them: lower case, no blanks, no duplicates; a string splits on spaces and commas. */
export function normaliseTags(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  const out = new Set<string>();
  for (const item of list) {
    if (item === null || item === undefined) continue;
    const tag = String(item).trim().toLowerCase();
    if (tag !== '') out.add(tag);
  }
  return [...out];
}

function coerce(attribute: string, value: unknown): unknown {
  if (value === undefined) return null;
  if (booleanFields.has(attribute) && typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  if (integerFields.has(attribute) && typeof value === 'string' && /^\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  if (attribute === 'external_id' && typeof value === 'number') return String(value);
  if ((attribute === 'email' || attribute === 'external_id') && typeof value === 'string')
    return value.trim();
  return value;
}

/**
 * Mapped values (target attribute → value) → the attributes Zendesk stores. `role` takes a role
 * name (see roles.ts); `user_fields.<key>` values are gathered into one `user_fields` object;
 * `tags` are normalised; booleans and ids given as text are converted.
 */
export function prepareAttributes(
  mapped: Readonly<Record<string, unknown>>,
  customRoles: readonly CustomRole[] | null,
): PreparedAttributes {
  const attributes: Record<string, unknown> = {};
  const problems: { attribute: string; message: string; code: ZendeskErrorCode }[] = [];
  const userFields: Record<string, unknown> = {};
  let hasUserFields = false;
  let roleAttributes: Readonly<Record<string, unknown>> | null = null;

  for (const [attribute, value] of Object.entries(mapped)) {
    if (attribute === 'role') {
      const resolved = resolveRole(value, customRoles);
      if (resolved === null) continue;
      if (resolved.ok) roleAttributes = resolved.attributes;
      else
        problems.push({ attribute: 'role', code: ZendeskErrorCode.UnknownRole, message: resolved.message });
    } else if (attribute.startsWith(userFieldsPrefix)) {
      userFields[attribute.slice(userFieldsPrefix.length)] = value === undefined ? null : value;
      hasUserFields = true;
    } else if (attribute === 'user_fields') {
      if (isPlainObject(value)) {
        Object.assign(userFields, value);
        hasUserFields = true;
      } else if (value !== null && value !== undefined) {
        problems.push({
          attribute,
          code: ZendeskErrorCode.InvalidValue,
          message:
            'user_fields must be an object of user field keys and values; map user_fields.<key> instead',
        });
      }
    } else if (attribute === 'tags') {
      attributes['tags'] = normaliseTags(value);
    } else {
      attributes[attribute] = coerce(attribute, value);
    }
  }
  if (roleAttributes) Object.assign(attributes, roleAttributes);
  // A custom role implies agent (https://developer.zendesk.com/api-reference/ticketing/account-configuration/custom_roles/), also when custom_role_id is mapped directly.
  if (typeof attributes['custom_role_id'] === 'number' && attributes['role'] === undefined) {
    attributes['role'] = 'agent';
  }
  if (hasUserFields) attributes['user_fields'] = userFields;
  return { attributes, problems };
}

function isEmpty(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

const dateOnly = /^\d{4}-\d{2}-\d{2}$/;

function sameScalar(desired: unknown, current: unknown): boolean {
  if (isEmpty(desired) || isEmpty(current)) return isEmpty(desired) && isEmpty(current);
  if (Array.isArray(desired) || Array.isArray(current)) {
    const a = Array.isArray(desired) ? desired : [desired];
    const b = Array.isArray(current) ? current : [current];
    return a.length === b.length && a.every((x) => b.some((y) => sameScalar(x, y)));
  }
  if (isPlainObject(desired) && isPlainObject(current)) {
    return Object.keys(desired).every((key) => sameScalar(desired[key], current[key]));
  }
  if (typeof desired === 'number' || typeof current === 'number') {
    // Ids and numbers Zendesk returns as numbers may be mapped as text ("123").
    const a = Number(typeof desired === 'string' ? desired.trim() : desired);
    const b = Number(typeof current === 'string' ? current.trim() : current);
    return Number.isFinite(a) && a === b;
  }
  if (typeof desired === 'boolean' || typeof current === 'boolean') {
    return String(desired).trim().toLowerCase() === String(current).trim().toLowerCase();
  }
  if (typeof desired === 'string' && typeof current === 'string') {
    const a = desired.trim();
    const b = current.trim();
    if (a === b) return true;
    // Zendesk stores date user fields as `YYYY-MM-DDT00:00:00+00:00`.
    if (dateOnly.test(a) && b.startsWith(`${a}T00:00:00`)) return true;
    if (dateOnly.test(b) && a.startsWith(`${b}T00:00:00`)) return true;
    return false;
  }
  return JSON.stringify(desired) === JSON.stringify(current);
}

const caseInsensitive = new Set(['email', 'external_id', 'locale', 'role']);

/**
 * Zendesk's equality: emails, external ids and locales ignore case; empty values (null, undefined,
 * "", []) are equal; tags are sets; ids equal their text; `user_fields` compares the keys desired.
 */
export function sameValue(attribute: string, desired: unknown, current: unknown): boolean {
  if (isEmpty(desired) && isEmpty(current)) return true;
  if (caseInsensitive.has(attribute)) {
    if (isEmpty(desired) || isEmpty(current)) return false;
    return String(desired).trim().toLowerCase() === String(current).trim().toLowerCase();
  }
  if (attribute === 'tags') {
    const a = normaliseTags(desired);
    const b = new Set(normaliseTags(current));
    return a.length === b.size && a.every((tag) => b.has(tag));
  }
  if (attribute === 'user_fields') {
    if (!isPlainObject(desired)) return sameScalar(desired, current);
    const now = isPlainObject(current) ? current : {};
    return Object.keys(desired).every((key) => sameScalar(desired[key], now[key]));
  }
  return sameScalar(desired, current);
}

/** Lookup key for the matching attributes: trimmed, lower case; null when empty. */
export function matchKeyOf(_attribute: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') return null;
  const key = String(value).trim().toLowerCase();
  return key === '' ? null : key;
}

/**
 * A write body from prepared attributes or changes: `user_fields.<key>` nested, a custom role
 * with `role: agent` (a custom role implies agent), and `undefined` as null.
 */
export function toUserBody(changes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  let userFields: Record<string, unknown> | null = null;
  for (const [key, value] of Object.entries(changes)) {
    if (key.startsWith(userFieldsPrefix)) {
      userFields ??= {};
      userFields[key.slice(userFieldsPrefix.length)] = value ?? null;
    } else if (key === 'user_fields' && isPlainObject(value)) {
      userFields = { ...(userFields ?? {}), ...value };
    } else {
      body[key] = value === undefined ? null : value;
    }
  }
  if (userFields) body['user_fields'] = userFields;
  if (typeof body['custom_role_id'] === 'number' && body['role'] === undefined) body['role'] = 'agent';
  return body;
}

/** A Zendesk id (users, groups, memberships) from a target id ("123"); null when it is not one. */
export function parseZendeskId(targetId: string): number | null {
  const text = targetId.trim();
  if (!/^\d{1,16}$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}
