/**
 * String functions: Append, CStr, InStr, Left, Mid, StripSpaces, ToLower, ToUpper, Word, as Microsoft's
 * expression reference describes them
 * (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data;
 * "the doc" below). Positions are 1-based and count UTF-16 code units, as .NET strings do.
 */
import type { FunctionName } from '../../functions/signatures.js';
import { integer, mapText, quote, single, text, textOrEmpty } from '../coerce.js';
import { type FunctionBuilder, fail, strict } from '../runtime.js';
import { itemText, type Value } from '../values.js';

/**
 * Lower-casing as .NET's invariant culture does: one character to one character (simple case
 * mapping). JavaScript's toLowerCase uses the full, context-sensitive mapping, which differs for
 * U+0130 "İ" (JavaScript gives "i̇", two characters; .NET gives "i") and for a final capital sigma
 * (JavaScript gives "ς"; .NET always "σ"). Those two take the slow, per-character path.
 */
export function lowerInvariant(input: string): string {
  if (!/[\u0130\u03a3]/.test(input)) return input.toLowerCase();
  let out = '';
  for (const char of input) {
    if (char === '\u0130') {
      out += 'i';
      continue;
    }
    const mapped = char.toLowerCase();
    out += [...mapped].length === 1 ? mapped : char;
  }
  return out;
}

/**
 * Upper-casing as .NET's invariant culture does: characters without a one-character upper case
 * ("ß", "ŉ", ligatures) stay as they are, where JavaScript would expand them ("ß" → "SS").
 */
export function upperInvariant(input: string): string {
  const upper = input.toUpperCase();
  if (upper.length === input.length) return upper;
  let out = '';
  for (const char of input) {
    const mapped = char.toUpperCase();
    out += mapped.length === char.length ? mapped : char;
  }
  return out;
}

function withCulture(culture: string, input: string, lower: boolean): string {
  // Per character so that, as in .NET, the length never changes (Turkish "i" → "İ" is one character).
  let out = '';
  for (const char of input) {
    const mapped = lower ? char.toLocaleLowerCase(culture) : char.toLocaleUpperCase(culture);
    out += [...mapped].length === 1 ? mapped : char;
  }
  return out;
}

/** The culture argument of ToLower/ToUpper: an RFC 4646 name such as "en-US"; empty means invariant. */
function culture(value: Value, fn: string): string | undefined {
  const name = text(value, fn, 'culture');
  if (name === null || name.trim() === '') return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(name.trim());
    if (canonical !== undefined) return canonical;
  } catch {
    // Reported below.
  }
  return fail(
    'InvalidArgument',
    `${fn}: culture ${quote(name)} is not a culture name like "en-US" or "tr-TR"`,
  );
}

function caseFunction(fn: 'ToLower' | 'ToUpper'): FunctionBuilder {
  const lower = fn === 'ToLower';
  return strict(([source = null, cultureArg = null]) => {
    const name = culture(cultureArg, fn);
    return mapText(source, (input) => {
      if (name === undefined) return lower ? lowerInvariant(input) : upperInvariant(input);
      return withCulture(name, input, lower);
    });
  });
}

/** Per-unit case folding for vbTextCompare that keeps every index where it was. */
function foldCase(input: string): string {
  const lower = lowerInvariant(input);
  if (lower.length === input.length) return lower;
  let out = '';
  for (let index = 0; index < input.length; index += 1) {
    const unit = input.charAt(index);
    const folded = unit.toLowerCase();
    out += folded.length === 1 ? folded : unit;
  }
  return out;
}

/** InStr's compareType: vbBinaryCompare (0, the default, case-sensitive) or vbTextCompare (1). */
function textCompare(value: Value): boolean {
  const item = single(value, 'InStr', 'compareType');
  if (item === null) return false;
  const name = itemText(item).trim().toLowerCase();
  if (name === '0' || name === 'vbbinarycompare') return false;
  if (name === '1' || name === 'vbtextcompare') return true;
  return fail(
    'InvalidArgument',
    `InStr: compareType must be vbBinaryCompare or vbTextCompare, got ${quote(itemText(item))}`,
  );
}

export const stringFunctions = {
  /** "Takes a source string value and appends the suffix": an absent source stays absent. */
  Append: strict(([source = null, suffix = null]) => {
    const end = textOrEmpty(suffix, 'Append', 'suffix');
    return mapText(source, (input) => input + end);
  }),

  /** "Converts a value to a string data type": booleans give "True"/"False", dates M/d/yyyy h:mm:ss tt. */
  CStr: strict(([value = null]) => mapText(value, (input) => input)),

  /**
   * VB's InStr with Entra's parameter order (value1, value2, start, compareType): the 1-based
   * position of value2 in value1 from `start`, 0 when not found [derived: VB semantics]. As in VB:
   * an empty or absent value1 gives 0, an empty value2 gives `start`, start < 1 is an error.
   */
  InStr: strict(([value1 = null, value2 = null, startArg = null, compareArg = null]) => {
    const haystack = textOrEmpty(value1, 'InStr', 'value1');
    const needle = textOrEmpty(value2, 'InStr', 'value2');
    const start = startArg === null ? 1 : integer(startArg, 'InStr', 'start');
    if (start < 1)
      return fail('InvalidArgument', `InStr: start is 1-based and must be at least 1, got ${start}`);
    const ignoreCase = textCompare(compareArg);
    if (haystack.length === 0 || start - 1 > haystack.length) return 0;
    if (needle.length === 0) return start;
    const found = ignoreCase
      ? foldCase(haystack).indexOf(foldCase(needle), start - 1)
      : haystack.indexOf(needle, start - 1);
    return found + 1;
  }),

  /**
   * The doc's Left: NumChars = 0 → ""; NumChars < 0 → the input; a null string → "";
   * fewer characters than NumChars → the whole string.
   */
  Left: strict(([source = null, count = null]) => {
    const input = textOrEmpty(source, 'Left', 'String');
    const length = integer(count, 'Left', 'NumChars');
    if (length < 0) return input;
    return input.slice(0, length);
  }),

  /**
   * Mid(source, start, length): start is 1-based; a length past the end returns the rest. The doc
   * does not say what an absent source gives; like Left, it gives "". A start below 1 or a negative
   * length is an error (VB's Mid refuses them too), not a guess.
   */
  Mid: strict(([source = null, startArg = null, lengthArg = null]) => {
    const input = textOrEmpty(source, 'Mid', 'source');
    const start = integer(startArg, 'Mid', 'start');
    const length = integer(lengthArg, 'Mid', 'length');
    if (start < 1) {
      return fail('InvalidArgument', `Mid: start is 1-based (the first character is 1), got ${start}`);
    }
    if (length < 0) return fail('InvalidArgument', `Mid: length must not be negative, got ${length}`);
    return input.slice(start - 1, start - 1 + length);
  }),

  /** Removes every " " (space only, not tabs or other white space). */
  StripSpaces: strict(([source = null]) => mapText(source, (input) => input.replaceAll(' ', ''))),

  ToLower: caseFunction('ToLower'),
  ToUpper: caseFunction('ToUpper'),

  /**
   * Word(String, WordNumber, Delimiters): words are runs of characters separated by any character of
   * Delimiters. Runs of several delimiters separate two words (no empty words), since the doc says a
   * string "doesn't contain any words" rather than empty ones. Number < 1, a null string, or fewer
   * words → "".
   */
  Word: strict(([source = null, numberArg = null, delimitersArg = null]) => {
    const input = text(source, 'Word', 'String');
    const number = integer(numberArg, 'Word', 'WordNumber');
    const delimiters = new Set(textOrEmpty(delimitersArg, 'Word', 'Delimiters'));
    if (input === null || number < 1) return '';
    let count = 0;
    let word = '';
    for (const char of input) {
      if (delimiters.has(char)) {
        if (word !== '') {
          count += 1;
          if (count === number) return word;
          word = '';
        }
      } else {
        word += char;
      }
    }
    if (word !== '' && count + 1 === number) return word;
    return '';
  }),
} satisfies Partial<Record<FunctionName, FunctionBuilder>>;
