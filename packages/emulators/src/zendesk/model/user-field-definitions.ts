import { ProblemList, recordNotFound } from './errors.js';
import type { ZendeskStore } from './store.js';
import { type UserFieldOption, type UserFieldRecord, type UserFieldType, userFieldTypes } from './types.js';

/**
 * Custom user field definitions (`/user_fields`; OpenAPI CreateUserField / UpdateUserField). The
 * values users hold are checked against these by `user-fields.ts`.
 */

type Input = Record<string, unknown>;

export { userFieldTypes } from './types.js';

const hasOptions = (type: UserFieldType) => type === 'dropdown' || type === 'multiselect';

export function findUserField(store: ZendeskStore, id: number): UserFieldRecord {
  const field = store.userFields.get(id);
  if (!field) throw recordNotFound();
  return field;
}

/** Fields in the account's order: by `position`, then id [spec: ListUserFields]. */
export function orderedUserFields(store: ZendeskStore): UserFieldRecord[] {
  return [...store.userFields.values()].sort((a, b) => a.position - b.position || a.id - b.id);
}

/**
 * `custom_field_options` as Zendesk updates them [spec: UpdateUserField]: the list sent replaces
 * the field's options in the order sent; an entry with the id of an existing option updates it, an
 * entry without one creates an option, and options left out are removed.
 */
function readOptions(
  store: ZendeskStore,
  raw: unknown,
  existing: readonly UserFieldOption[],
  problems: ProblemList,
): UserFieldOption[] | undefined {
  if (!Array.isArray(raw)) {
    problems.add('custom_field_options', 'Custom field options: must be a list', 'InvalidValue');
    return undefined;
  }
  const out: UserFieldOption[] = [];
  const values = new Set<string>();
  raw.forEach((entry, position) => {
    const option = entry && typeof entry === 'object' ? (entry as Input) : {};
    const name = option['name'];
    const value = option['value'];
    if (typeof name !== 'string' || name.trim() === '') {
      problems.add('custom_field_options', 'Custom field options: name cannot be blank', 'BlankValue');
      return;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      problems.add('custom_field_options', 'Custom field options: value cannot be blank', 'BlankValue');
      return;
    }
    if (values.has(value)) {
      problems.add('custom_field_options', `Custom field options: ${value} is used twice`, 'DuplicateValue');
      return;
    }
    values.add(value);
    const id = option['id'];
    const known = typeof id === 'number' ? existing.find((o) => o.id === id) : undefined;
    out.push({ id: known?.id ?? store.nextId('fieldOption'), name: name.trim(), value, position });
  });
  return out;
}

function readAttributes(
  store: ZendeskStore,
  input: Input,
  existing: UserFieldRecord | null,
): Partial<UserFieldRecord> {
  const problems = new ProblemList();
  const changes: Partial<UserFieldRecord> = {};

  const key = input['key'];
  if (!existing) {
    // "Only letters, numbers, and underscores. It can't be only numbers" [spec: CustomFieldObject].
    if (typeof key !== 'string' || key === '') problems.add('key', 'Key: cannot be blank', 'BlankValue');
    else if (!/^[A-Za-z0-9_]+$/.test(key) || /^\d+$/.test(key))
      problems.add('key', `Key: ${key} is invalid: use letters, numbers and underscores`, 'InvalidValue');
    else if ([...store.userFields.values()].some((f) => f.key === key))
      problems.add('key', 'Key: has already been taken', 'DuplicateValue');
    else changes.key = key;
  } else if (key !== undefined && key !== existing.key) {
    // Zendesk's admin UI says a field key cannot be changed once created; the API answer is
    // unverified: 422 chosen so that a client that tries notices.
    problems.add('key', 'Key: cannot be changed', 'InvalidValue');
  }

  const type = input['type'];
  if (!existing) {
    // "text (default when no type is specified)" [spec: CreateUserField].
    if (type === undefined || type === null) changes.type = 'text';
    else if (typeof type !== 'string' || !userFieldTypes.includes(type as UserFieldType))
      problems.add('type', `Type: ${String(type)} is not included in the list`, 'InvalidValue');
    else changes.type = type as UserFieldType;
  } else if (type !== undefined && type !== existing.type) {
    problems.add('type', 'Type: cannot be changed', 'InvalidValue');
  }

  if ('title' in input || !existing) {
    const title = input['title'];
    if (typeof title !== 'string' || title.trim() === '')
      problems.add('title', 'Title: cannot be blank', 'BlankValue');
    else changes.title = title.trim();
  }

  if ('description' in input) {
    const value = input['description'];
    if (value === null) changes.description = '';
    else if (typeof value === 'string') changes.description = value;
    else problems.add('description', 'Description: is invalid', 'InvalidValue');
  }

  if ('position' in input && input['position'] !== null) {
    const position = input['position'];
    if (typeof position === 'number' && Number.isInteger(position) && position >= 0)
      changes.position = position;
    else problems.add('position', 'Position: must be a whole number', 'InvalidValue');
  }

  if ('active' in input && input['active'] !== null) {
    const active = input['active'];
    if (typeof active === 'boolean') changes.active = active;
    else problems.add('active', 'Active: must be true or false', 'InvalidValue');
  }

  const finalType = changes.type ?? existing?.type;
  if ('tag' in input) {
    // "Optional for custom field of type checkbox; not presented otherwise" [spec].
    const tag = input['tag'];
    if (tag === null || tag === '') changes.tag = null;
    else if (typeof tag === 'string' && finalType === 'checkbox') changes.tag = tag;
    else if (typeof tag === 'string')
      problems.add('tag', 'Tag: only checkbox fields have a tag', 'InvalidValue');
    else problems.add('tag', 'Tag: is invalid', 'InvalidValue');
  }

  if (finalType === 'regexp') {
    const raw =
      'regexp_for_validation' in input ? input['regexp_for_validation'] : existing?.regexpForValidation;
    if (typeof raw !== 'string' || raw === '') {
      problems.add('regexp_for_validation', 'Regexp for validation: cannot be blank', 'BlankValue');
    } else {
      try {
        new RegExp(raw);
        changes.regexpForValidation = raw;
      } catch {
        problems.add(
          'regexp_for_validation',
          'Regexp for validation: is not a valid pattern',
          'InvalidValue',
        );
      }
    }
  }

  if (finalType !== undefined && hasOptions(finalType)) {
    // "Required and presented for a custom field of type dropdown" [spec: custom_field_options].
    if ('custom_field_options' in input || !existing) {
      const options = readOptions(
        store,
        input['custom_field_options'] ?? [],
        existing?.options ?? [],
        problems,
      );
      if (options && options.length === 0)
        problems.add('custom_field_options', 'Custom field options: cannot be blank', 'BlankValue');
      else if (options) changes.options = options;
    }
  }

  problems.throwIfAny();
  return changes;
}

export function createUserField(store: ZendeskStore, input: Input): UserFieldRecord {
  const changes = readAttributes(store, input, null);
  const now = store.clock.now();
  let last = -1;
  for (const field of store.userFields.values()) last = Math.max(last, field.position);
  const field: UserFieldRecord = {
    id: store.nextId('userField'),
    key: changes.key ?? '',
    type: changes.type ?? 'text',
    title: changes.title ?? '',
    description: changes.description ?? '',
    // New fields go last unless a position is given.
    position: changes.position ?? last + 1,
    active: changes.active ?? true,
    regexpForValidation: changes.regexpForValidation ?? null,
    tag: changes.tag ?? null,
    options: changes.options ?? [],
    createdAt: now,
    updatedAt: now,
  };
  store.userFields.insert(field);
  return field;
}

export function updateUserField(store: ZendeskStore, field: UserFieldRecord, input: Input): UserFieldRecord {
  const changes = readAttributes(store, input, field);
  Object.assign(field, changes);
  field.updatedAt = store.clock.now();
  if (changes.options) {
    // "Options that are not passed will be removed. As a result, these values will be removed"
    // from the records holding them [spec: UpdateUserField].
    const values = new Set(changes.options.map((o) => o.value));
    for (const user of store.users.values()) {
      const current = user.userFields[field.key];
      if (current === undefined) continue;
      if (Array.isArray(current)) {
        const kept = current.filter((v) => typeof v === 'string' && values.has(v));
        if (kept.length > 0) user.userFields[field.key] = kept;
        else delete user.userFields[field.key];
      } else if (typeof current !== 'string' || !values.has(current)) {
        delete user.userFields[field.key];
      }
    }
  }
  return field;
}

/** DELETE /user_fields/{id}: the field and every user's value for it go. */
export function deleteUserField(store: ZendeskStore, field: UserFieldRecord): void {
  store.userFields.remove(field.id);
  for (const user of store.users.values()) {
    if (field.key in user.userFields) delete user.userFields[field.key];
  }
}
