/**
 * Argument conversions shared by the functions, with errors that name the function and parameter.
 *
 * Entra's functions take .NET-typed parameters (String, Integer, Num, DateTime, Boolean); what the
 * expression passes is converted the way VB's CStr / CInt / CBool / CDate would, and a value that
 * cannot be converted is an InvalidArgument error rather than a silent guess.
 */
import { type DateTimeValue, makeDateTime, parseDateLenient } from './datetime.js';
import { fail } from './runtime.js';
import { type Item, isDateTime, isList, itemText, type Value } from './values.js';

/** Quotes a value for a message, shortened so that messages stay one line. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * The one item of a single-valued parameter: a one-element list is unwrapped, a list with several
 * values is refused (the parameter is not multi-valued), null stays null.
 */
export function single(value: Value, fn: string, param: string): Item | null {
  if (!isList(value)) return value;
  if (value.length === 0) return null;
  const [first] = value;
  if (value.length === 1 && first !== undefined) return first;
  return fail(
    'InvalidArgument',
    `${fn}: ${param} expects a single value, but it has ${value.length} values (use Join, Item or Count on multi-valued attributes)`,
  );
}

/** A String parameter: the item's text, or null when absent. */
export function text(value: Value, fn: string, param: string): string | null {
  const item = single(value, fn, param);
  return item === null ? null : itemText(item);
}

/** A String parameter where absent reads as "" (VB's Nothing in string context). */
export function textOrEmpty(value: Value, fn: string, param: string): string {
  return text(value, fn, param) ?? '';
}

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
const HEX_TEXT = /^\s*&H([0-9a-f]+)\s*$/i;

/** A whole number from a number or numeric text, else undefined. */
export function toInteger(item: Item | null): number | undefined {
  if (typeof item === 'number') return Number.isInteger(item) ? item : undefined;
  if (typeof item !== 'string') return undefined;
  if (INTEGER_TEXT.test(item)) return Number(item);
  const hex = HEX_TEXT.exec(item);
  return hex === null ? undefined : Number.parseInt(hex[1] ?? '', 16);
}

/** An Integer parameter: required, whole. */
export function integer(value: Value, fn: string, param: string): number {
  const item = single(value, fn, param);
  if (item === null) return fail('InvalidArgument', `${fn}: ${param} is required and must be a whole number`);
  const result = toInteger(item);
  if (result === undefined) {
    return fail('InvalidArgument', `${fn}: ${param} must be a whole number, got ${quote(itemText(item))}`);
  }
  return result;
}

const NUMERIC_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/** A number from a number or numeric text, else undefined (VB's Val-free CDbl). */
export function toNumber(item: Item | null): number | undefined {
  if (typeof item === 'number') return item;
  if (typeof item === 'string') {
    if (NUMERIC_TEXT.test(item)) return Number(item);
    return toInteger(item);
  }
  return undefined;
}

/**
 * CBool's rule ("If the expression evaluates to a non-zero value, then CBool returns True, else it returns
 * False":
 * https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data#cbool):
 * true for the boolean true, for the text "True" in any case and for a non-zero number or numeric text; false
 * for everything else, null included.
 */
export function truthy(value: Value): boolean {
  let item: Item | null | undefined;
  if (isList(value)) {
    if (value.length !== 1) return false;
    [item] = value;
  } else {
    item = value;
  }
  if (item === null || item === undefined) return false;
  if (typeof item === 'boolean') return item;
  if (typeof item === 'number') return item !== 0;
  if (typeof item === 'string') {
    const trimmed = item.trim().toLowerCase();
    if (trimmed === 'true') return true;
    if (trimmed === 'false') return false;
    const number = toNumber(item);
    return number !== undefined && number !== 0;
  }
  return false;
}

/**
 * Applies a string transform to each value: null stays null (an absent source gives an absent
 * result, so "Default value if null" and IgnoreFlowIfNullOrEmpty still see it), a multi-valued
 * source is transformed value by value.
 */
export function mapText(value: Value, transform: (input: string) => string): Value {
  if (value === null) return null;
  if (isList(value)) return Object.freeze(value.map((item) => transform(itemText(item))));
  return transform(itemText(value));
}

/**
 * A DateTime parameter: a DateTime value, or text read as CDate reads it (VB's DateAdd and DateDiff
 * call CDate on their arguments; Microsoft's expression reference recommends wrapping text in CDate but
 * does not require it).
 */
export function dateTime(value: Value, fn: string, param: string): DateTimeValue | null {
  const item = single(value, fn, param);
  if (item === null) return null;
  if (isDateTime(item)) return item;
  if (typeof item === 'string') {
    const ticks = parseDateLenient(item);
    if (ticks === undefined) {
      return fail(
        'FunctionEvaluationError',
        `${fn}: ${param} ${quote(item)} is not a date (expected e.g. "2021-08-31", "2021-08-31T10:00:00Z", "2020-03-16-07:00" or "8/25/2021 5:41:18 PM")`,
      );
    }
    return makeDateTime(ticks, 'Utc');
  }
  return fail('InvalidArgument', `${fn}: ${param} must be a date, got ${quote(itemText(item))}`);
}
