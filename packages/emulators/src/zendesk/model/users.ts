import { plans } from '../options.js';
import { forbidden, ProblemList, recordInvalid, recordNotFound, ZendeskApiError } from './errors.js';
import { joinDefaultGroup, removeAllMemberships } from './memberships.js';
import {
  canonicalLocale,
  canonicalTimeZone,
  defaultLocale,
  defaultTimeZone,
  localeById,
  localeIds,
} from './reference-data.js';
import type { ZendeskStore } from './store.js';
import type { IdentityRecord, IdentityType, Role, UserRecord } from './types.js';
import { roles } from './types.js';
import { validateUserFieldValues } from './user-fields.js';

/**
 * The rules of Zendesk's Users API (https://developer.zendesk.com/api-reference/ticketing/users/users/),
 * shared by the single-object endpoints and the bulk jobs. Each function either applies a whole change or
 * throws a ZendeskApiError and changes nothing.
 */

type Input = Record<string, unknown>;

/**
 * Zendesk refuses addresses such as `error@example.com_` as "not properly formatted" (observed in recorded
 * traffic; see docs/emulators.md, "Choices where Zendesk's behaviour is not documented"), so the domain must
 * end in a label of letters.
 */
export const emailPattern = /^[^\s@]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}$/;
export const identityTypes: readonly IdentityType[] = [
  'email',
  'twitter',
  'facebook',
  'google',
  'phone_number',
  'agent_forwarding',
  'any_channel',
  'foreign',
  'sdk',
  'messaging',
];
const ticketRestrictions = ['organization', 'groups', 'assigned', 'requested'];

export function asInput(value: unknown, key: string): Input {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Input;
  throw new ZendeskApiError(400, {
    error: 'InvalidParameter',
    description: `Expected a JSON object under "${key}"`,
  });
}

/** The email addresses a user input brings: `email` plus email identities. */
function inputEmails(input: Input): { value: string; primary: boolean }[] {
  const out: { value: string; primary: boolean }[] = [];
  if (typeof input['email'] === 'string' && input['email'] !== '')
    out.push({ value: input['email'], primary: true });
  if (Array.isArray(input['identities'])) {
    for (const raw of input['identities']) {
      if (raw && typeof raw === 'object' && (raw as Input)['type'] === 'email') {
        const value = (raw as Input)['value'];
        if (typeof value === 'string') out.push({ value, primary: (raw as Input)['primary'] === true });
      }
    }
  }
  return out;
}

interface Plan {
  user: Partial<Omit<UserRecord, 'id' | 'createdAt'>>;
  externalId?: string | null;
  newEmails: { value: string; primary: boolean }[];
  otherIdentities: { type: IdentityType; value: string; primary: boolean }[];
}

/**
 * Validates an input against the account and (on update) the existing user, listing every problem
 * at once as Zendesk's RecordInvalid does.
 */
function planChanges(store: ZendeskStore, input: Input, existing: UserRecord | null): Plan {
  const problems = new ProblemList();
  const user: Plan['user'] = {};
  const plan: Plan = { user, newEmails: [], otherIdentities: [] };

  if ('name' in input || !existing) {
    const name = input['name'];
    if (typeof name !== 'string' || name.trim() === '') {
      problems.add('name', 'Name: is too short (minimum is 1 characters)', 'BlankValue');
    } else {
      user.name = name.trim();
    }
  }

  for (const email of inputEmails(input)) {
    if (!emailPattern.test(email.value)) {
      problems.add('email', `Email: ${email.value} is not properly formatted`, 'InvalidFormat');
      continue;
    }
    const owner = store.userByEmail(email.value);
    if (owner && owner.id !== existing?.id) {
      problems.add('email', `Email: ${email.value} is already being used by another user`, 'DuplicateValue');
      continue;
    }
    if (!owner) plan.newEmails.push(email);
  }
  if (input['email'] !== undefined && input['email'] !== null && typeof input['email'] !== 'string') {
    problems.add('email', 'Email: is invalid', 'InvalidValue');
  }

  if (Array.isArray(input['identities'])) {
    for (const raw of input['identities']) {
      const identity = raw && typeof raw === 'object' ? (raw as Input) : {};
      const type = identity['type'];
      const value = identity['value'];
      if (
        typeof type !== 'string' ||
        !identityTypes.includes(type as IdentityType) ||
        typeof value !== 'string'
      ) {
        problems.add('identities', 'Identities: is invalid', 'InvalidValue');
      } else if (type !== 'email') {
        plan.otherIdentities.push({
          type: type as IdentityType,
          value,
          primary: identity['primary'] === true,
        });
      }
    }
  }

  if ('external_id' in input) {
    const raw = input['external_id'];
    const externalId = raw === null || raw === '' ? null : typeof raw === 'number' ? String(raw) : raw;
    if (externalId !== null && typeof externalId !== 'string') {
      problems.add('external_id', 'External: is invalid', 'InvalidValue');
    } else {
      const owner = externalId === null ? undefined : store.userByExternalId(externalId);
      if (owner && owner.id !== existing?.id) {
        problems.add('external_id', `External: ${externalId} has already been taken`, 'DuplicateValue');
      } else {
        plan.externalId = externalId;
      }
    }
  }

  let role: Role = existing?.role ?? 'end-user';
  if ('role' in input && input['role'] !== null) {
    const raw = input['role'];
    if (typeof raw !== 'string' || !roles.includes(raw as Role)) {
      problems.add('role', `Role: ${String(raw)} is not included in the list`, 'InvalidValue');
    } else {
      role = raw as Role;
      user.role = role;
    }
  }

  let customRoleId = role === 'agent' ? (existing?.customRoleId ?? null) : null;
  if ('custom_role_id' in input && input['custom_role_id'] !== null) {
    const raw = input['custom_role_id'];
    if (!plans[store.settings.plan].customRoles) {
      problems.add(
        'custom_role_id',
        'Custom role: is not available on your plan (custom roles need Enterprise)',
        'InvalidValue',
      );
    } else if (role !== 'agent') {
      problems.add('custom_role_id', 'Custom role: can only be set for agents', 'InvalidValue');
    } else if (typeof raw !== 'number' || !store.customRoles.has(raw)) {
      problems.add('custom_role_id', `Custom role: ${String(raw)} is invalid`, 'InvalidValue');
    } else {
      customRoleId = raw;
    }
  } else if ('custom_role_id' in input) {
    customRoleId = null;
  }
  if (!existing || customRoleId !== existing.customRoleId) user.customRoleId = customRoleId;

  for (const [key, field] of [
    ['alias', 'alias'],
    ['details', 'details'],
    ['notes', 'notes'],
    ['signature', 'signature'],
  ] as const) {
    if (!(key in input)) continue;
    const value = input[key];
    if (value === null) user[field] = '';
    else if (typeof value === 'string') user[field] = value;
    else problems.add(key, `${capitalise(key)}: is invalid`, 'InvalidValue');
  }

  if ('phone' in input) {
    const value = input['phone'];
    if (value === null || value === '') user.phone = null;
    else if (typeof value === 'string') user.phone = value;
    else problems.add('phone', 'Phone: is invalid', 'InvalidValue');
  }

  for (const [key, field] of [
    ['suspended', 'suspended'],
    ['moderator', 'moderator'],
    ['only_private_comments', 'onlyPrivateComments'],
    ['verified', 'verified'],
  ] as const) {
    if (!(key in input) || input[key] === null) continue;
    const value = input[key];
    if (typeof value === 'boolean') user[field] = value;
    else problems.add(key, `${capitalise(key)}: is invalid`, 'InvalidValue');
  }
  if ('shared_phone_number' in input) {
    const value = input['shared_phone_number'];
    if (value === null || typeof value === 'boolean') user.sharedPhoneNumber = value;
    else problems.add('shared_phone_number', 'Shared phone number: is invalid', 'InvalidValue');
  }

  const localeInput = input['locale'] ?? input['language'];
  if (localeInput !== undefined && localeInput !== null) {
    // Zendesk: "If both locale and locale_id are sent, locale_id is ignored."
    const locale = typeof localeInput === 'string' ? canonicalLocale(localeInput) : undefined;
    if (!locale)
      problems.add('locale', `Locale: ${String(localeInput)} is not a supported locale`, 'InvalidValue');
    else {
      user.locale = locale;
      user.localeId = localeIds[locale] ?? 1;
    }
  } else if (input['locale_id'] !== undefined && input['locale_id'] !== null) {
    const id = input['locale_id'];
    const locale = typeof id === 'number' ? localeById.get(id) : undefined;
    if (!locale)
      problems.add('locale_id', `Locale: ${String(id)} is not a supported locale id`, 'InvalidValue');
    else {
      user.locale = locale;
      user.localeId = id as number;
    }
  }

  if (input['time_zone'] !== undefined && input['time_zone'] !== null) {
    const tz = typeof input['time_zone'] === 'string' ? canonicalTimeZone(input['time_zone']) : undefined;
    if (!tz)
      problems.add(
        'time_zone',
        `Time zone: ${String(input['time_zone'])} is not included in the list`,
        'InvalidValue',
      );
    else user.timeZone = tz;
  }

  if ('organization_id' in input) {
    const value = input['organization_id'];
    if (value === null || (typeof value === 'number' && Number.isInteger(value))) user.organizationId = value;
    else problems.add('organization_id', 'Organization: is invalid', 'InvalidValue');
  }

  if ('tags' in input) {
    const value = input['tags'];
    const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : null;
    if (list === null && value !== null) problems.add('tags', 'Tags: is invalid', 'InvalidValue');
    else
      user.tags = [
        ...new Set((list ?? []).map((t) => String(t).trim().toLowerCase()).filter((t) => t !== '')),
      ];
  }

  if ('ticket_restriction' in input) {
    let value = input['ticket_restriction'];
    if (value !== null && (typeof value !== 'string' || !ticketRestrictions.includes(value))) {
      problems.add('ticket_restriction', 'Ticket restriction: is not included in the list', 'InvalidValue');
    } else {
      // `groups`/`assigned` are agent-only; an end user given one gets `requested` (Users API reference,
      // ticket_restriction).
      if (role === 'end-user' && (value === 'groups' || value === 'assigned')) value = 'requested';
      user.ticketRestriction = value as string | null;
    }
  }

  if ('remote_photo_url' in input) {
    const value = input['remote_photo_url'];
    if (value === null || typeof value === 'string') user.remotePhotoUrl = value;
  }

  if ('user_fields' in input && input['user_fields'] !== null) {
    const result = validateUserFieldValues(store, input['user_fields'], existing?.userFields ?? {});
    for (const problem of result.problems) problems.add('user_fields', problem, 'InvalidValue');
    if (result.problems.length === 0) user.userFields = result.values;
  }

  problems.throwIfAny();
  return plan;
}

function capitalise(key: string): string {
  const words = key.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function applyRoleSideEffects(store: ZendeskStore, user: UserRecord, previousRole: Role | null): void {
  const wasStaff = previousRole === 'agent' || previousRole === 'admin';
  const isStaff = user.role === 'agent' || user.role === 'admin';
  if (isStaff && !wasStaff) joinDefaultGroup(store, user);
  // Memberships link agents to groups: a downgrade to end-user removes them (unverified at Zendesk; a
  // choice listed in docs/emulators.md, "Choices where Zendesk's behaviour is not documented").
  if (!isStaff && wasStaff) removeAllMemberships(store, user.id);
  if (user.role !== 'agent') user.customRoleId = null;
}

function addEmails(
  store: ZendeskStore,
  user: UserRecord,
  emails: Plan['newEmails'],
  verified: boolean,
): void {
  const hasEmail = store.identitiesOf(user.id).some((i) => i.type === 'email');
  let primaryTaken = hasEmail;
  const now = store.clock.now();
  for (const email of emails) {
    if (store.userByEmail(email.value)) continue; // the same address twice in one input
    const primary = !primaryTaken;
    primaryTaken = true;
    store.addIdentity({
      id: store.nextId('identity'),
      userId: user.id,
      type: 'email',
      value: email.value,
      primary,
      verified,
      createdAt: now,
      updatedAt: now,
    });
  }
}

export function createUser(store: ZendeskStore, input: Input): UserRecord {
  const plan = planChanges(store, input, null);
  const now = store.clock.now();
  const base: UserRecord = {
    id: store.nextId('user'),
    name: '',
    role: 'end-user',
    customRoleId: null,
    externalId: null,
    alias: '',
    details: '',
    notes: '',
    signature: '',
    phone: null,
    sharedPhoneNumber: null,
    locale: defaultLocale,
    localeId: localeIds[defaultLocale] ?? 1,
    timeZone: defaultTimeZone,
    organizationId: null,
    tags: [],
    userFields: {},
    moderator: false,
    onlyPrivateComments: false,
    ticketRestriction: null,
    suspended: false,
    active: true,
    verified: false,
    shared: false,
    remotePhotoUrl: null,
    createdAt: now,
    updatedAt: now,
    lastLoginAt: null,
    deletedAt: null,
    permanentlyDeleted: false,
  };
  const user: UserRecord = { ...base, ...plan.user };
  if (user.role === 'end-user' && user.ticketRestriction === null) user.ticketRestriction = 'requested';
  store.insertUser(user);
  store.setExternalId(user, plan.externalId ?? null);
  addEmails(store, user, plan.newEmails, user.verified || input['skip_verify_email'] === true);
  addOtherIdentities(store, user, plan.otherIdentities);
  applyRoleSideEffects(store, user, null);
  return user;
}

function addOtherIdentities(store: ZendeskStore, user: UserRecord, list: Plan['otherIdentities']): void {
  const now = store.clock.now();
  for (const identity of list) {
    store.addIdentity({
      id: store.nextId('identity'),
      userId: user.id,
      type: identity.type,
      value: identity.value,
      primary: identity.primary || !store.primaryIdentityOfType(user.id, identity.type),
      verified: false,
      createdAt: now,
      updatedAt: now,
    });
  }
}

export function updateUser(store: ZendeskStore, user: UserRecord, input: Input): UserRecord {
  if (!user.active) throw recordNotFound();
  if (user.shared) throw forbidden('Shared users cannot be updated');
  const plan = planChanges(store, input, user);
  const previousRole = user.role;
  Object.assign(user, plan.user);
  if (plan.externalId !== undefined) store.setExternalId(user, plan.externalId);
  // On update, `email` does not replace the primary address: it adds a secondary identity.
  addEmails(store, user, plan.newEmails, false);
  addOtherIdentities(store, user, plan.otherIdentities);
  applyRoleSideEffects(store, user, previousRole);
  user.updatedAt = store.clock.now();
  return user;
}

/** create_or_update: matches by id, external_id (case-insensitive), then email. */
export function createOrUpdateUser(
  store: ZendeskStore,
  input: Input,
): { user: UserRecord; created: boolean } {
  const existing = findForUpsert(store, input);
  if (!existing) return { user: createUser(store, input), created: true };
  // A match by external_id rewrites the stored external_id to the case sent (Users API reference,
  // Create Or Update User, "External ID Case Sensitivity").
  return { user: updateUser(store, existing, input), created: false };
}

function findForUpsert(store: ZendeskStore, input: Input): UserRecord | undefined {
  if (typeof input['id'] === 'number') {
    const user = store.users.get(input['id']);
    if (user?.active) return user;
  }
  const externalId = input['external_id'];
  if (typeof externalId === 'string' && externalId !== '') {
    const user = store.userByExternalId(externalId);
    if (user) return user;
  }
  const email = input['email'];
  if (typeof email === 'string' && email !== '') return store.userByEmail(email);
  return undefined;
}

/** Soft delete (DELETE /users/{id}): `active:false`; memberships go, the email is freed. */
export function softDeleteUser(store: ZendeskStore, user: UserRecord): UserRecord {
  if (!user.active) throw recordNotFound();
  removeAllMemberships(store, user.id);
  store.markUserDeleted(user);
  return user;
}

/** DELETE /deleted_users/{id}: only after a soft delete; irreversible. */
export function permanentlyDeleteUser(store: ZendeskStore, user: UserRecord): UserRecord {
  if (user.active) {
    throw recordInvalid({
      base: [
        {
          description: 'User must be soft-deleted before it can be permanently deleted',
          error: 'InvalidValue',
        },
      ],
    });
  }
  if (user.permanentlyDeleted) throw recordNotFound();
  for (const identity of store.identitiesOf(user.id)) store.removeIdentity(identity);
  user.permanentlyDeleted = true;
  user.name = 'Permanently Deleted User';
  user.phone = null;
  user.organizationId = null;
  user.updatedAt = store.clock.now();
  return user;
}

export function activeUser(store: ZendeskStore, id: number): UserRecord {
  const user = store.users.get(id);
  if (!user?.active) throw recordNotFound();
  return user;
}

/**
 * PUT /users/{user_id}/identities/{id}/make_primary: the identity becomes the primary one of its type
 * (https://developer.zendesk.com/api-reference/ticketing/users/user_identities/#make-identity-primary).
 */
export function makeIdentityPrimary(store: ZendeskStore, user: UserRecord, identity: IdentityRecord): void {
  const now = store.clock.now();
  for (const other of store.identitiesOf(user.id)) {
    if (other.type === identity.type && other.primary) {
      other.primary = false;
      other.updatedAt = now;
    }
  }
  identity.primary = true;
  identity.updatedAt = now;
  user.updatedAt = now;
}
