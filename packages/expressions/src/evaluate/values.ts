/**
 * Values of the expression language, inside the evaluator and at its edges.
 *
 * Inside, a value is null (absent), one item, or a multi-valued list of items. Items are strings,
 * numbers, booleans, .NET DateTimes (CDate, DateAdd, Now…) and app role assignments. At the edge
 * (`OutputValue`) DateTimes become the text Entra shows ("M/d/yyyy h:mm:ss tt") and role
 * assignments become their display names, so what comes out is plain JSON.
 *
 * Null, empty and absent (IsNull and IsNullOrEmpty in
 * https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data):
 * "For an attribute, a Null is expressed by the absence of the attribute", so an absent attribute, an
 * attribute whose value is null or undefined, and a multi-valued attribute with no values all read as null.
 * An empty string is a value: it is not NULL (Coalesce skips only NULL) but it is "empty" (IsNullOrEmpty,
 * IsPresent, IgnoreFlowIfNullOrEmpty, Join).
 */
import { type DateTimeValue, displayDateTime, fromEpochMilliseconds } from './datetime.js';

export type Scalar = string | number | boolean;
export type OutputValue = Scalar | null | readonly Scalar[];

/** One entry of a user's `appRoleAssignments` for the application (Graph appRoleAssignment, trimmed). */
export interface AppRoleAssignment {
  readonly id: string;
  /** The app role's display name: what the role functions return. */
  readonly displayName: string;
  readonly value?: string | null;
  readonly appRoleId?: string;
}

export interface RoleValue {
  readonly kind: 'Role';
  readonly assignment: AppRoleAssignment;
}

export type Item = string | number | boolean | DateTimeValue | RoleValue;
export type Value = Item | null | readonly Item[];

export function isList(value: Value): value is readonly Item[] {
  return Array.isArray(value);
}

export function isDateTime(value: unknown): value is DateTimeValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'DateTime' &&
    typeof (value as { ticks?: unknown }).ticks === 'bigint'
  );
}

export function isRole(value: unknown): value is RoleValue {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Role';
}

/** Null, "" or a list without values: what IsNullOrEmpty and IgnoreFlowIfNullOrEmpty test. */
export function isNullOrEmpty(value: Value): boolean {
  if (value === null || value === '') return true;
  return isList(value) && value.length === 0;
}

/**
 * Numbers as .NET prints them: integers in full (a FILETIME like 132539615990000000 has no
 * exponent), "E" rather than "e" in exponent notation.
 */
export function formatNumber(value: number): string {
  if (Object.is(value, -0)) return '0';
  return String(value).replace('e', 'E');
}

/** The text of one item: booleans are "True"/"False" as .NET's Boolean.ToString() writes them. */
export function itemText(item: Item): string {
  switch (typeof item) {
    case 'string':
      return item;
    case 'number':
      return formatNumber(item);
    case 'boolean':
      return item ? 'True' : 'False';
    default:
      return isRole(item) ? item.assignment.displayName : displayDateTime(item);
  }
}

function roleFrom(raw: object): RoleValue | undefined {
  const record = raw as Record<string, unknown>;
  const displayName = record['displayName'];
  if (typeof displayName !== 'string') return undefined;
  const id = record['id'];
  const value = record['value'];
  const appRoleId = record['appRoleId'];
  const assignment: AppRoleAssignment = {
    id: typeof id === 'string' ? id : '',
    displayName,
    ...(typeof value === 'string' || value === null ? { value } : {}),
    ...(typeof appRoleId === 'string' ? { appRoleId } : {}),
  };
  return Object.freeze({ kind: 'Role', assignment: Object.freeze(assignment) });
}

/** One attribute item from untyped input; null when it carries no value. */
function itemFrom(raw: unknown): Item | null {
  switch (typeof raw) {
    case 'string':
    case 'boolean':
      return raw;
    case 'number':
      // NaN and infinities have no .NET string or JSON form: treat them as no value.
      return Number.isFinite(raw) ? raw : null;
    case 'bigint':
      return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw.toString();
    case 'object': {
      if (raw === null) return null;
      if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? null : safeDate(raw);
      const role = roleFrom(raw);
      if (role !== undefined) return role;
      return jsonText(raw);
    }
    default:
      // undefined, functions and symbols carry no attribute value.
      return null;
  }
}

function safeDate(date: Date): Item | null {
  try {
    return fromEpochMilliseconds(date.getTime(), 'Utc');
  } catch {
    return null;
  }
}

function jsonText(raw: object): string {
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    return Object.prototype.toString.call(raw);
  }
}

/**
 * Reads an attribute value from the caller's bag: strings, numbers, booleans, Dates, bigints,
 * arrays (multi-valued; nested arrays are flattened, null entries dropped), and objects with a
 * string `displayName` (app role assignments). Other objects are read as their JSON text.
 */
export function fromAttribute(raw: unknown): Value {
  if (!Array.isArray(raw)) return itemFrom(raw);
  const items: Item[] = [];
  const visit = (list: readonly unknown[], depth: number): void => {
    for (const entry of list) {
      if (Array.isArray(entry)) {
        if (depth < 8) visit(entry, depth + 1);
        continue;
      }
      const item = itemFrom(entry);
      if (item !== null) items.push(item);
    }
  };
  visit(raw, 0);
  // A multi-valued attribute without values is absent, as in Entra.
  return items.length === 0 ? null : Object.freeze(items);
}

function outputItem(item: Item): Scalar {
  return typeof item === 'object' ? itemText(item) : item;
}

/** The value as it leaves the evaluator: DateTimes and role assignments become text. */
export function toOutput(value: Value): OutputValue {
  if (value === null) return null;
  if (isList(value)) return Object.freeze(value.map(outputItem));
  return outputItem(value);
}
