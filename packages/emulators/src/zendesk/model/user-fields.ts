import type { ZendeskStore } from './store.js';
import type { UserFieldRecord } from './types.js';

/**
 * Validates `user_fields` values of a user against the account's user fields (GET /user_fields).
 * Keys are field keys; null clears a value. Returns the merged values or the problems found.
 */
export function validateUserFieldValues(
  store: ZendeskStore,
  raw: unknown,
  current: Record<string, unknown>,
): { values: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];
  const values: Record<string, unknown> = { ...current };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { values, problems: ['User fields: must be an object of field keys to values'] };
  }
  const byKey = new Map<string, UserFieldRecord>();
  for (const field of store.userFields.values()) byKey.set(field.key, field);
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const field = byKey.get(key);
    if (!field?.active) {
      problems.push(`User fields: ${key} is not a user field of this account`);
      continue;
    }
    if (value === null || value === '') {
      delete values[key];
      continue;
    }
    const problem = checkValue(field, value);
    if (problem) problems.push(`${field.title}: ${problem}`);
    else values[key] = normalise(field, value);
  }
  return { values, problems };
}

function checkValue(field: UserFieldRecord, value: unknown): string | null {
  switch (field.type) {
    case 'text':
    case 'textarea':
      return typeof value === 'string' ? null : 'must be text';
    case 'checkbox':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'integer':
      return (typeof value === 'number' && Number.isInteger(value)) ||
        (typeof value === 'string' && /^-?\d+$/.test(value))
        ? null
        : 'must be an integer';
    case 'decimal':
      return (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))
        ? null
        : 'must be a decimal number';
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))
        ? null
        : 'must be a date (YYYY-MM-DD)';
    case 'regexp': {
      if (typeof value !== 'string') return 'must be text';
      if (field.regexpForValidation === null) return null;
      return new RegExp(field.regexpForValidation).test(value) ? null : 'does not match the required format';
    }
    case 'dropdown':
      return typeof value === 'string' && field.options.some((o) => o.value === value)
        ? null
        : `${String(value)} is not a valid option`;
    case 'multiselect': {
      const list = Array.isArray(value) ? value : [value];
      return list.every((v) => typeof v === 'string' && field.options.some((o) => o.value === v))
        ? null
        : 'contains an invalid option';
    }
    case 'lookup':
      return typeof value === 'number' && Number.isInteger(value) ? null : 'must be a record id';
  }
}

function normalise(field: UserFieldRecord, value: unknown): unknown {
  if (field.type === 'date' && typeof value === 'string') return `${value.slice(0, 10)}T00:00:00+00:00`;
  if (field.type === 'integer' && typeof value === 'string') return Number(value);
  if (field.type === 'decimal' && typeof value === 'string') return Number(value);
  if (field.type === 'multiselect' && !Array.isArray(value)) return [value];
  return value;
}
