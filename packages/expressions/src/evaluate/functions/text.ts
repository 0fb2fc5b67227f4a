/**
 * Text functions: NormalizeDiacritics, PCase, RandomString, Guid, ConvertToBase64, ConvertToUTF8Hex, as
 * Microsoft's expression reference describes them
 * (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data;
 * "the doc" below).
 */
import { randomUUID } from 'node:crypto';
import type { FunctionName } from '../../functions/signatures.js';
import { integer, mapText, text } from '../coerce.js';
import { type Env, type FunctionBuilder, fail, strict } from '../runtime.js';
import type { Value } from '../values.js';
import { lowerInvariant } from './strings.js';

// ---------------------------------------------------------------------------------------------
// NormalizeDiacritics
// ---------------------------------------------------------------------------------------------

/**
 * The doc's full table (its NormalizeDiacritics section), lower case; each entry's upper-case
 * mirror maps to the upper-case replacement. Written with escapes because many entries are a letter
 * followed by combining marks ("ā́" is U+0101 U+0301).
 */
const DIACRITICS: readonly (readonly [replacement: string, characters: string])[] = [
  [
    'a',
    '\u00e4 \u00e0 \u00e2 \u00e3 \u00e5 \u00e1 \u0105 \u0103 \u0101 \u0101\u0301 \u0101\u0300 \u0101\u0302 \u0101\u0303 \u01df \u0101\u0308 \u01e1 a\u0331 \u00e5\u0304',
  ],
  ['ae', '\u00e6 \u01e3'],
  ['c', '\u00e7 \u010d \u0107 c\u0304 c\u0331'],
  ['d', '\u010f d\u0304 \u1e0f'],
  [
    'e',
    '\u00eb \u00e8 \u00e9 \u00ea \u0119 \u011b \u0117 \u0113 \u1e17 \u1e15 \u0113\u0302 \u0113\u0303 \u00ea\u0304 e\u0331 \u00eb\u0304 e\u030a\u0304',
  ],
  ['g', '\u011f \u1e21 g\u0331'],
  [
    'i',
    '\u00ef \u00ee \u00ec \u00ed \u0131 \u012b \u012b\u0301 \u012b\u0300 \u012b\u0302 \u012b\u0303 i\u0331',
  ],
  ['l', '\u013e \u0142 l\u0304 \u1e39 \u1e3b'],
  ['n', '\u00f1 \u0144 \u0148 n\u0304 \u1e49'],
  [
    'o',
    '\u00f6 \u00f2 \u0151 \u00f5 \u00f4 \u00f3 \u014d \u1e53 \u1e51 \u014d\u0302 \u014d\u0303 \u022b \u014d\u0308 \u01ed \u022d \u0231 o\u0331',
  ],
  // Plain "œ" (without macron) is not in the doc's table, so it is left as it is.
  ['oe', '\u00f8 \u00f8\u0304 \u0153\u0304'],
  ['r', '\u0159 r\u0304 \u1e5f \u1e5d'],
  ['s', '\u0161 \u015b \u0219 \u015f s\u0304 s\u0331'],
  ['t', '\u0165 \u021b t\u0304 \u1e6f'],
  [
    'u',
    '\u00fc \u00f9 \u00fb \u00fa \u016f \u0171 \u016b \u016b\u0301 \u016b\u0300 \u016b\u0302 \u016b\u0303 u\u0307\u0304 \u01d6 \u1e7b \u1e73\u0304 u\u0331',
  ],
  ['y', '\u00ff \u00fd \u0233 \u0233\u0301 \u0233\u0300 \u0233\u0303 y\u0331'],
  ['z', '\u017a \u017e \u017c z\u0304 \u1e95'],
];

/**
 * Character sequence → replacement. Every entry is registered as written, precomposed (NFC) and
 * decomposed (NFD), so "Zoë" is normalized whether the ë arrives as U+00EB or as e + U+0308; input
 * outside the table is copied unchanged (no normalization of the rest of the text).
 */
const DIACRITIC_MAP: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  const add = (sequence: string, replacement: string): void => {
    for (const form of new Set([sequence, sequence.normalize('NFC'), sequence.normalize('NFD')])) {
      if (!map.has(form)) map.set(form, replacement);
    }
  };
  for (const [replacement, characters] of DIACRITICS) {
    for (const sequence of characters.split(' ')) {
      add(sequence, replacement);
      // "ı" (dotless i) upper-cases to plain "I", which needs no mapping.
      if (sequence === '\u0131') continue;
      add(sequence.toUpperCase(), replacement.toUpperCase());
    }
  }
  // "ß" → "ss" has no upper-case pair; "İ" (dotted capital I) → "I" is listed in the doc's upper column.
  add('\u00df', 'ss');
  add('\u0130', 'I');
  return map;
})();

const LONGEST_DIACRITIC = Math.max(...[...DIACRITIC_MAP.keys()].map((key) => key.length));
const FIRST_UNITS: ReadonlySet<string> = new Set([...DIACRITIC_MAP.keys()].map((key) => key.charAt(0)));

function normalizeDiacritics(input: string): string {
  let out = '';
  let index = 0;
  while (index < input.length) {
    const unit = input.charAt(index);
    if (FIRST_UNITS.has(unit)) {
      let matched = false;
      for (let length = Math.min(LONGEST_DIACRITIC, input.length - index); length >= 1; length -= 1) {
        const replacement = DIACRITIC_MAP.get(input.slice(index, index + length));
        if (replacement !== undefined) {
          out += replacement;
          index += length;
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    out += unit;
    index += 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// PCase
// ---------------------------------------------------------------------------------------------

const LETTER = /^\p{L}$/u;
/**
 * .NET ToTitleCase's word separators (as the doc's PCase section lists them): space, line and paragraph
 * separators, Control, Format, Connector/Dash/Open/Close/InitialQuote/FinalQuote/Other punctuation, and Math,
 * Currency, Modifier and Other symbols. Letters, marks, numbers and the rest are part of a word.
 */
const SEPARATOR =
  /^[\p{Zs}\p{Zl}\p{Zp}\p{Cc}\p{Cf}\p{Pc}\p{Pd}\p{Ps}\p{Pe}\p{Pi}\p{Pf}\p{Po}\p{Sm}\p{Sc}\p{Sk}\p{So}]$/u;

/** .NET's title-case forms of the DŽ, LJ, NJ and DZ digraphs; other letters use their upper case. */
const TITLE_CASE: Readonly<Record<string, string>> = {
  '\u01c4': '\u01c5',
  '\u01c5': '\u01c5',
  '\u01c6': '\u01c5',
  '\u01c7': '\u01c8',
  '\u01c8': '\u01c8',
  '\u01c9': '\u01c8',
  '\u01ca': '\u01cb',
  '\u01cb': '\u01cb',
  '\u01cc': '\u01cb',
  '\u01f1': '\u01f2',
  '\u01f2': '\u01f2',
  '\u01f3': '\u01f2',
};

function titleCase(char: string): string {
  const special = TITLE_CASE[char];
  if (special !== undefined) return special;
  const upper = char.toUpperCase();
  // One character to one, as .NET's char-based ToUpper: "ß" stays "ß".
  return [...upper].length === 1 ? upper : char;
}

/**
 * TextInfo.ToTitleCase on the lower-cased text. .NET's algorithm: a letter starts a word and is
 * title-cased; the word then runs over letters, apostrophes and any non-separator (digits, marks),
 * so "o'neil" → "O'neil" and "x1y" → "X1y"; a non-letter outside a word is copied, so "1st" → "1St"
 * (.NET's own quirk). .NET leaves ALL-CAPS words as they are, which is why PCase lower-cases first
 * [derived: the doc's "PABLO GONSALVES (SECOND)" → "Pablo Gonsalves (Second)"].
 */
function toTitleCase(input: string): string {
  const chars = [...lowerInvariant(input)];
  let out = '';
  let index = 0;
  while (index < chars.length) {
    const char = chars[index] ?? '';
    if (!LETTER.test(char)) {
      out += char;
      index += 1;
      continue;
    }
    out += titleCase(char);
    index += 1;
    while (index < chars.length) {
      const next = chars[index] ?? '';
      if (next !== "'" && !LETTER.test(next) && SEPARATOR.test(next)) break;
      out += next;
      index += 1;
    }
  }
  return out;
}

/** With explicit separators "PCase only uses the characters specified as word separators". */
function titleCaseWith(input: string, separators: ReadonlySet<string>): string {
  let out = '';
  let wordStart = true;
  for (const char of lowerInvariant(input)) {
    if (separators.has(char)) {
      out += char;
      wordStart = true;
    } else {
      out += wordStart ? titleCase(char) : char;
      wordStart = false;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RandomString and Guid
// ---------------------------------------------------------------------------------------------

/** The Windows password-complexity character classes the doc points to. */
const CHARACTER_CLASSES = {
  numbers: '0123456789',
  special: '~!@#$%^&*_-+=`|\\(){}[]:;"\'<>,.?/',
  capital: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  lower: 'abcdefghijklmnopqrstuvwxyz',
} as const;

const MAX_RANDOM_STRING = 256;

/** A uniform index below `size` from env.random(), whatever that returns. */
function randomIndex(env: Env, size: number): number {
  const value = env.random();
  const unit = Number.isFinite(value) ? Math.min(Math.max(value, 0), 1 - Number.EPSILON) : 0;
  return Math.min(Math.floor(unit * size), size - 1);
}

function randomString(values: readonly Value[], env: Env): string {
  const [
    lengthArg = null,
    numbersArg = null,
    specialArg = null,
    capitalArg = null,
    lowerArg = null,
    avoidArg = null,
  ] = values;
  const length = integer(lengthArg, 'RandomString', 'Length');
  const minimums = {
    numbers: integer(numbersArg, 'RandomString', 'MinimumNumbers'),
    special: integer(specialArg, 'RandomString', 'MinimumSpecialCharacters'),
    capital: integer(capitalArg, 'RandomString', 'MinimumCapital'),
    lower: integer(lowerArg, 'RandomString', 'MinimumLowerCase'),
  };
  const avoid = new Set(text(avoidArg, 'RandomString', 'CharactersToAvoid') ?? '');
  if (length < 0 || length > MAX_RANDOM_STRING) {
    return fail(
      'InvalidArgument',
      `RandomString: Length must be between 0 and ${MAX_RANDOM_STRING}, got ${length}`,
    );
  }
  const required = minimums.numbers + minimums.special + minimums.capital + minimums.lower;
  if (Object.values(minimums).some((minimum) => minimum < 0)) {
    return fail('InvalidArgument', 'RandomString: the minimums must not be negative');
  }
  if (required > length) {
    return fail(
      'InvalidArgument',
      `RandomString: Length (${length}) must be at least the sum of the minimums (${required})`,
    );
  }
  const classes = Object.fromEntries(
    Object.entries(CHARACTER_CLASSES).map(([name, chars]) => [
      name,
      [...chars].filter((char) => !avoid.has(char)),
    ]),
  ) as Record<keyof typeof CHARACTER_CLASSES, string[]>;
  const chosen: string[] = [];
  let pool: string[] = [];
  for (const name of Object.keys(minimums) as (keyof typeof minimums)[]) {
    const members = classes[name];
    const minimum = minimums[name];
    if (minimum > 0 && members.length === 0) {
      return fail('InvalidArgument', `RandomString: CharactersToAvoid excludes every ${name} character`);
    }
    for (let count = 0; count < minimum; count += 1)
      chosen.push(members[randomIndex(env, members.length)] ?? '');
    if (minimum > 0) pool = pool.concat(members);
  }
  // The rest of the length comes from the classes asked for (a class with minimum 0 is one the
  // target may not accept); when every minimum is 0, from all four classes.
  if (pool.length === 0) pool = Object.values(classes).flat();
  if (chosen.length < length && pool.length === 0) {
    return fail('InvalidArgument', 'RandomString: CharactersToAvoid excludes every character');
  }
  while (chosen.length < length) chosen.push(pool[randomIndex(env, pool.length)] ?? '');
  // Fisher–Yates, so the required characters are not always first.
  for (let index = chosen.length - 1; index > 0; index -= 1) {
    const other = randomIndex(env, index + 1);
    const swap = chosen[index] ?? '';
    chosen[index] = chosen[other] ?? '';
    chosen[other] = swap;
  }
  return chosen.join('');
}

/** A version-4 GUID in lower case, from ctx.random when given (for reproducible tests). */
function guid(env: Env): string {
  if (env.ctx.random === undefined) return randomUUID();
  const bytes = Array.from({ length: 16 }, () => randomIndex(env, 256));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const textFunctions = {
  /** "Converts a string to a Unicode base64 string": the UTF-16LE bytes ("Hello world!" → "SABlAGwA…"). */
  ConvertToBase64: strict(([source = null]) =>
    mapText(source, (input) => Buffer.from(input, 'utf16le').toString('base64')),
  ),

  /** The UTF-8 bytes as upper-case hex ("Hello world!" → "48656C6C6F20776F726C6421"). */
  ConvertToUTF8Hex: strict(([source = null]) =>
    mapText(source, (input) => Buffer.from(input, 'utf8').toString('hex').toUpperCase()),
  ),

  Guid: (_args) => (env) => guid(env),

  NormalizeDiacritics: strict(([source = null]) => mapText(source, normalizeDiacritics)),

  /**
   * PCase(source, wordSeparators?): first character of each word upper case, every other character
   * lower case. Without wordSeparators (or with an empty one) .NET ToTitleCase's rules apply.
   */
  PCase: strict(([source = null, separatorsArg = null]) => {
    const separators = text(separatorsArg, 'PCase', 'wordSeparators');
    if (separators === null || separators === '') return mapText(source, toTitleCase);
    const set = new Set(separators);
    return mapText(source, (input) => titleCaseWith(input, set));
  }),

  /**
   * RandomString(Length, MinimumNumbers, MinimumSpecialCharacters, MinimumCapital, MinimumLowerCase,
   * CharactersToAvoid?): Length at most 256 and at least the sum of the minimums.
   */
  RandomString: strict(randomString),
} satisfies Partial<Record<FunctionName, FunctionBuilder>>;
