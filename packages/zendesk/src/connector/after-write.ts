import type { TargetUser } from '@provisio/engine';
import { normaliseTags } from './attributes.js';

/**
 * The user as Zendesk stores it after a write, computed from the user before it (as provisio knows
 * it) and the body sent, so that a bulk write needs no `users/show_many` to read its users back
 * (docs/zendesk-limits.md, "No read-back after bulk writes"). Pure.
 *
 * The rules are Zendesk's storage rules for the attributes a write body carries
 * (https://developer.zendesk.com/api-reference/ticketing/users/users/): a create without `role` makes
 * an end user; `custom_role_id` only stays on an agent; `alias`, `details`, `notes` and `signature`
 * store null as ""; an empty `phone` is null; tags are lower case without duplicates; names are
 * trimmed; `user_fields` merge into the user's values key by key, "" and null clearing one. A body
 * with a field whose stored form cannot be told from what was sent (identities, organisations by
 * name, a locale given only by id, …) gives null: the caller reads that user back instead.
 */

/** Text fields Zendesk stores as "" when given null. */
const blankableText = new Set(['alias', 'details', 'notes', 'signature']);
/** Fields stored as sent (booleans, ids, free text that keeps its value). */
const asSent = new Set([
  'suspended',
  'moderator',
  'only_private_comments',
  'verified',
  'shared_phone_number',
  'organization_id',
  'remote_photo_url',
]);
/** Write-only inputs that change nothing the user object shows. */
const writeOnly = new Set(['skip_verify_email']);

/** Attributes a create starts with when the body does not set them (Users API, "JSON format"). */
const createDefaults: Readonly<Record<string, unknown>> = {
  name: '',
  email: null,
  role: 'end-user',
  custom_role_id: null,
  external_id: null,
  alias: '',
  details: '',
  notes: '',
  signature: '',
  phone: null,
  shared_phone_number: null,
  organization_id: null,
  tags: [],
  user_fields: {},
  suspended: false,
  active: true,
  verified: false,
  moderator: false,
  only_private_comments: false,
  ticket_restriction: null,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The stored attributes after `body` is written over `before` (null: a create). Null when some field
 * of the body has a stored form provisio cannot compute.
 */
export function storedAfterWrite(
  before: Readonly<Record<string, unknown>> | null,
  body: Readonly<Record<string, unknown>>,
): Record<string, unknown> | null {
  const after: Record<string, unknown> = { ...(before ?? createDefaults) };
  const previousRole = typeof after['role'] === 'string' ? after['role'] : 'end-user';
  for (const [key, value] of Object.entries(body)) {
    if (writeOnly.has(key)) continue;
    if (blankableText.has(key)) {
      if (value !== null && typeof value !== 'string') return null;
      after[key] = value ?? '';
    } else if (asSent.has(key)) {
      // Null leaves a boolean as it was (Zendesk ignores it); ids and URLs take it.
      if (value === null && typeof after[key] === 'boolean') continue;
      after[key] = value;
    } else {
      switch (key) {
        case 'name':
          if (typeof value !== 'string') return null;
          after['name'] = value.trim();
          break;
        case 'email':
          // Only a create sets the primary address through `email` (an update adds a secondary one).
          if (before !== null) return null;
          after['email'] = typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
          break;
        case 'external_id':
          after['external_id'] =
            value === null || value === '' ? null : typeof value === 'number' ? String(value) : value;
          break;
        case 'phone':
          after['phone'] = value === '' ? null : value;
          break;
        case 'role':
          if (value !== null) after['role'] = value;
          break;
        case 'custom_role_id':
          after['custom_role_id'] = value;
          break;
        case 'tags':
          after['tags'] = normaliseTags(value);
          break;
        case 'locale':
          // Null is ignored: an existing user keeps its locale, a new one gets the account's, which
          // provisio does not know.
          if (value === null) {
            if (before === null) return null;
            break;
          }
          after['locale'] = value;
          // Zendesk derives the id from the locale; provisio does not know Zendesk's ids.
          delete after['locale_id'];
          break;
        case 'time_zone':
          if (value === null) {
            if (before === null) return null;
            break;
          }
          after['time_zone'] = value;
          delete after['iana_time_zone'];
          break;
        case 'ticket_restriction':
          after['ticket_restriction'] = value;
          break;
        case 'user_fields': {
          if (value === null) break;
          if (!isRecord(value)) return null;
          const fields: Record<string, unknown> = isRecord(after['user_fields'])
            ? { ...after['user_fields'] }
            : {};
          for (const [field, fieldValue] of Object.entries(value))
            fields[field] = fieldValue === '' || fieldValue === undefined ? null : fieldValue;
          after['user_fields'] = fields;
          break;
        }
        default:
          return null;
      }
    }
  }
  const role = after['role'];
  // A custom role belongs to an agent only; another role drops it (Custom Roles API).
  if (role !== 'agent') after['custom_role_id'] = null;
  else if (!('custom_role_id' in body) && previousRole !== 'agent') after['custom_role_id'] = null;
  if (after['custom_role_id'] === undefined) after['custom_role_id'] = null;
  // "groups" and "assigned" are agent restrictions: an end user given one gets "requested", and a
  // new end user starts with "requested" (Users API, ticket_restriction).
  if (role === 'end-user') {
    const restriction = after['ticket_restriction'];
    if (
      (before === null && (restriction === null || restriction === undefined)) ||
      restriction === 'groups' ||
      restriction === 'assigned'
    )
      after['ticket_restriction'] = 'requested';
  }
  // Only agents and admins have a default group.
  if (role !== 'agent' && role !== 'admin') delete after['default_group_id'];
  return after;
}

/** A `TargetUser` from stored attributes, as `toTargetUser` makes one from an API user. */
export function targetUserOf(id: number | string, attributes: Readonly<Record<string, unknown>>): TargetUser {
  const name = typeof attributes['name'] === 'string' ? attributes['name'] : '';
  const email = typeof attributes['email'] === 'string' ? attributes['email'] : null;
  return {
    id: String(id),
    attributes: { ...attributes, id: typeof id === 'number' ? id : Number(id) },
    active: attributes['active'] !== false,
    disabled: attributes['suspended'] === true,
    displayName: email ? `${name} <${email}>` : name || `Zendesk user ${id}`,
  };
}
