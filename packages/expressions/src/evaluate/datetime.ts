/**
 * A small model of .NET's `System.DateTime` for the date functions (CDate, DateAdd, DateDiff, DateFromNum,
 * FormatDateTime, Now, NumFromDate:
 * https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data).
 *
 * Entra is a .NET service: its dates are `DateTime` values (100-nanosecond ticks since 0001-01-01,
 * years 1 to 9999, with a Kind of Utc, Local or Unspecified), printed with the en-US general pattern
 * `M/d/yyyy h:mm:ss tt` (CDate, DateAdd and Now "return … the format M/d/yyyy h:mm:ss tt"), and
 * FormatDateTime takes .NET custom and standard format strings. Ticks are kept as a bigint so that
 * FILETIME conversions (DateFromNum / NumFromDate) are exact.
 *
 * Entra's servers run in UTC, so "local time" here is UTC: an offset in an input is converted to
 * UTC, and a date without an offset is taken as UTC (CDate's documented output is "always in UTC").
 * The Kind is kept only because it changes what the `K` format specifier prints.
 */

export type DateKind = 'Utc' | 'Local' | 'Unspecified';

/** A .NET DateTime: `ticks` of 100 ns since 0001-01-01T00:00:00. */
export interface DateTimeValue {
  readonly kind: 'DateTime';
  readonly ticks: bigint;
  readonly dateKind: DateKind;
}

export const TICKS_PER_MILLISECOND = 10_000n;
export const TICKS_PER_SECOND = 10_000_000n;
export const TICKS_PER_MINUTE = 600_000_000n;
export const TICKS_PER_HOUR = 36_000_000_000n;
export const TICKS_PER_DAY = 864_000_000_000n;
/** 1970-01-01T00:00:00Z in ticks (`DateTime.UnixEpoch.Ticks`). */
export const UNIX_EPOCH_TICKS = 621_355_968_000_000_000n;
/** 1601-01-01T00:00:00Z in ticks: the origin of Windows FILETIME / AD dates (`accountExpires`). */
export const FILETIME_EPOCH_TICKS = 504_911_232_000_000_000n;
/** `DateTime.MaxValue.Ticks`: 9999-12-31T23:59:59.9999999. */
export const MAX_TICKS = 3_155_378_975_999_999_999n;

/** Days from 0001-01-01 to 1970-01-01. */
const UNIX_EPOCH_DAYS = 719_162;

export class DateRangeError extends RangeError {}

/** Builds a DateTime, refusing ticks outside .NET's range (years 1 to 9999) as DateTime does. */
export function makeDateTime(ticks: bigint, dateKind: DateKind): DateTimeValue {
  if (ticks < 0n || ticks > MAX_TICKS) {
    throw new DateRangeError('the date is outside the range .NET supports (years 1 to 9999)');
  }
  return Object.freeze({ kind: 'DateTime', ticks, dateKind });
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The inverse of daysFromCivil. */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

export interface DateParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Ticks within the second, 0 to 9,999,999. */
  readonly fraction: number;
  /** 0 = Sunday … 6 = Saturday, as .NET's DayOfWeek. */
  readonly dayOfWeek: number;
}

export function dateParts(value: DateTimeValue): DateParts {
  const days = Number(value.ticks / TICKS_PER_DAY);
  let rest = Number(value.ticks % TICKS_PER_DAY);
  const { year, month, day } = civilFromDays(days - UNIX_EPOCH_DAYS);
  const fraction = rest % 10_000_000;
  rest = (rest - fraction) / 10_000_000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  // 0001-01-01 was a Monday.
  return { year, month, day, hour, minute, second, fraction, dayOfWeek: (days + 1) % 7 };
}

export interface DateFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour?: number;
  readonly minute?: number;
  readonly second?: number;
  readonly fraction?: number;
}

/** Ticks of a calendar date and time, or undefined when a field is out of range (Feb 30, 25:00…). */
export function ticksFromFields(fields: DateFields): bigint | undefined {
  const { year, month, day } = fields;
  const hour = fields.hour ?? 0;
  const minute = fields.minute ?? 0;
  const second = fields.second ?? 0;
  const fraction = fields.fraction ?? 0;
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  if (fraction < 0 || fraction > 9_999_999) return undefined;
  const days = daysFromCivil(year, month, day) + UNIX_EPOCH_DAYS;
  const seconds = hour * 3600 + minute * 60 + second;
  return BigInt(days) * TICKS_PER_DAY + BigInt(seconds) * TICKS_PER_SECOND + BigInt(fraction);
}

export function fromEpochMilliseconds(milliseconds: number, dateKind: DateKind): DateTimeValue {
  return makeDateTime(UNIX_EPOCH_TICKS + BigInt(Math.trunc(milliseconds)) * TICKS_PER_MILLISECOND, dateKind);
}

export function addTicks(value: DateTimeValue, ticks: bigint): DateTimeValue {
  return makeDateTime(value.ticks + ticks, value.dateKind);
}

/** `DateTime.AddMonths`: the day is clamped to the end of the target month (Jan 31 + 1 → Feb 28/29). */
export function addMonths(value: DateTimeValue, months: number): DateTimeValue {
  const parts = dateParts(value);
  const total = parts.year * 12 + (parts.month - 1) + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12 + 1;
  if (year < 1 || year > 9999) {
    throw new DateRangeError('the date is outside the range .NET supports (years 1 to 9999)');
  }
  const day = Math.min(parts.day, daysInMonth(year, month));
  const dateTicks = ticksFromFields({ year, month, day });
  if (dateTicks === undefined) throw new DateRangeError('the date is outside the range .NET supports');
  return makeDateTime(dateTicks + (value.ticks % TICKS_PER_DAY), value.dateKind);
}

// ---------------------------------------------------------------------------------------------
// Formatting (DateTime.ToString with en-US / invariant names: both cultures spell days, months and
// AM/PM the same way, and both use "/" and ":" as separators).
// ---------------------------------------------------------------------------------------------

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** The .NET FormatException: an invalid format string. */
export class DateFormatError extends Error {}

/** Standard (one-letter) format strings, expanded to en-US custom patterns as .NET does. */
const STANDARD_FORMATS: Readonly<Record<string, string>> = {
  d: 'M/d/yyyy',
  D: 'dddd, MMMM d, yyyy',
  f: 'dddd, MMMM d, yyyy h:mm tt',
  F: 'dddd, MMMM d, yyyy h:mm:ss tt',
  g: 'M/d/yyyy h:mm tt',
  G: 'M/d/yyyy h:mm:ss tt',
  m: 'MMMM d',
  M: 'MMMM d',
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  t: 'h:mm tt',
  T: 'h:mm:ss tt',
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  U: 'dddd, MMMM d, yyyy h:mm:ss tt',
  y: 'MMMM yyyy',
  Y: 'MMMM yyyy',
};

/** The pattern Entra prints dates with (CDate, DateAdd, Now): the en-US general "G" pattern. */
export const DEFAULT_DATE_PATTERN = 'M/d/yyyy h:mm:ss tt';

type FormatToken =
  | { readonly type: 'field'; readonly char: string; readonly count: number }
  | { readonly type: 'literal'; readonly text: string };

const FIELD_CHARS = new Set(['d', 'f', 'F', 'g', 'h', 'H', 'K', 'm', 'M', 's', 't', 'y', 'z']);

/** Splits a .NET custom format into fields and literals (quotes, `\` escapes and `%` as .NET reads them). */
function tokenizeFormat(format: string): FormatToken[] {
  const pattern =
    format.length === 1 ? STANDARD_FORMATS[format] : format === '' ? DEFAULT_DATE_PATTERN : format;
  if (pattern === undefined) {
    throw new DateFormatError(
      `'${format}' is not a .NET standard date format (d, D, f, F, g, G, M, O, R, s, t, T, u, U, Y)`,
    );
  }
  const tokens: FormatToken[] = [];
  const pushLiteral = (text: string): void => {
    const last = tokens[tokens.length - 1];
    if (last !== undefined && last.type === 'literal')
      tokens[tokens.length - 1] = { type: 'literal', text: last.text + text };
    else tokens.push({ type: 'literal', text });
  };
  let index = 0;
  while (index < pattern.length) {
    const char = pattern.charAt(index);
    if (FIELD_CHARS.has(char)) {
      let count = 1;
      while (pattern.charAt(index + count) === char) count += 1;
      if ((char === 'f' || char === 'F') && count > 7) {
        throw new DateFormatError(`'${char.repeat(count)}' has more than 7 fraction digits`);
      }
      tokens.push({ type: 'field', char, count });
      index += count;
    } else if (char === "'" || char === '"') {
      let text = '';
      let cursor = index + 1;
      let closed = false;
      while (cursor < pattern.length) {
        const inner = pattern.charAt(cursor);
        if (inner === char) {
          closed = true;
          break;
        }
        if (inner === '\\' && cursor + 1 < pattern.length) {
          text += pattern.charAt(cursor + 1);
          cursor += 2;
        } else {
          text += inner;
          cursor += 1;
        }
      }
      if (!closed)
        throw new DateFormatError(`the quote ${char} opened at position ${index + 1} is not closed`);
      pushLiteral(text);
      index = cursor + 1;
    } else if (char === '%') {
      const next = pattern.charAt(index + 1);
      if (!FIELD_CHARS.has(next)) throw new DateFormatError(`'%' must be followed by a format letter`);
      tokens.push({ type: 'field', char: next, count: 1 });
      index += 2;
    } else if (char === '\\') {
      if (index + 1 >= pattern.length) throw new DateFormatError('the format ends with a lone backslash');
      pushLiteral(pattern.charAt(index + 1));
      index += 2;
    } else {
      // "/" and ":" are the culture's date and time separators: "/" and ":" in en-US and invariant.
      pushLiteral(char);
      index += 1;
    }
  }
  return tokens;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** `DateTime.ToString(format, en-US)`. Throws DateFormatError for an invalid format. */
export function formatDateTime(value: DateTimeValue, format: string): string {
  const parts = dateParts(value);
  let out = '';
  for (const token of tokenizeFormat(format)) {
    if (token.type === 'literal') {
      out += token.text;
      continue;
    }
    const { char, count } = token;
    switch (char) {
      case 'd':
        out +=
          count === 1
            ? String(parts.day)
            : count === 2
              ? pad(parts.day, 2)
              : count === 3
                ? (DAY_NAMES[parts.dayOfWeek] ?? '').slice(0, 3)
                : (DAY_NAMES[parts.dayOfWeek] ?? '');
        break;
      case 'M':
        out +=
          count === 1
            ? String(parts.month)
            : count === 2
              ? pad(parts.month, 2)
              : count === 3
                ? (MONTH_NAMES[parts.month - 1] ?? '').slice(0, 3)
                : (MONTH_NAMES[parts.month - 1] ?? '');
        break;
      case 'y':
        out +=
          count === 1
            ? String(parts.year % 100)
            : count === 2
              ? pad(parts.year % 100, 2)
              : pad(parts.year, count);
        break;
      case 'h': {
        const hour12 = parts.hour % 12 === 0 ? 12 : parts.hour % 12;
        out += count === 1 ? String(hour12) : pad(hour12, 2);
        break;
      }
      case 'H':
        out += count === 1 ? String(parts.hour) : pad(parts.hour, 2);
        break;
      case 'm':
        out += count === 1 ? String(parts.minute) : pad(parts.minute, 2);
        break;
      case 's':
        out += count === 1 ? String(parts.second) : pad(parts.second, 2);
        break;
      case 'f':
        out += pad(Math.floor(parts.fraction / 10 ** (7 - count)), count);
        break;
      case 'F': {
        const digits = pad(Math.floor(parts.fraction / 10 ** (7 - count)), count).replace(/0+$/, '');
        // .NET drops the "." before an all-zero F field ("ss.FFF" prints "05", not "05.").
        if (digits === '' && out.endsWith('.')) out = out.slice(0, -1);
        out += digits;
        break;
      }
      case 't': {
        const designator = parts.hour < 12 ? 'AM' : 'PM';
        out += count === 1 ? designator.charAt(0) : designator;
        break;
      }
      case 'g':
        out += 'A.D.';
        break;
      case 'K':
        // Utc prints "Z", Local prints the local offset (UTC on Entra's servers), Unspecified nothing.
        out += value.dateKind === 'Utc' ? 'Z' : value.dateKind === 'Local' ? '+00:00' : '';
        break;
      case 'z':
        // The offset of the local zone (or zero for Utc values): zero either way on a UTC server.
        out += count === 1 ? '+0' : count === 2 ? '+00' : '+00:00';
        break;
      default:
        out += char.repeat(count);
    }
  }
  return out;
}

/** The string Entra shows for a DateTime: `M/d/yyyy h:mm:ss tt`, e.g. "7/2/2021 3:33:38 PM". */
export function displayDateTime(value: DateTimeValue): string {
  const parts = dateParts(value);
  const hour12 = parts.hour % 12 === 0 ? 12 : parts.hour % 12;
  return `${parts.month}/${parts.day}/${parts.year} ${hour12}:${pad(parts.minute, 2)}:${pad(parts.second, 2)} ${
    parts.hour < 12 ? 'AM' : 'PM'
  }`;
}

// ---------------------------------------------------------------------------------------------
// DateTimeStyles and ParseExact (FormatDateTime's input side).
// ---------------------------------------------------------------------------------------------

export const DateTimeStyles = {
  None: 0,
  AllowLeadingWhite: 1,
  AllowTrailingWhite: 2,
  AllowInnerWhite: 4,
  AllowWhiteSpaces: 7,
  NoCurrentDateDefault: 8,
  AdjustToUniversal: 16,
  AssumeLocal: 32,
  AssumeUniversal: 64,
  RoundtripKind: 128,
} as const;

/**
 * FormatDateTime's default when dateTimeStyles is left empty
 * (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data#formatdatetime).
 */
export const DEFAULT_DATE_TIME_STYLES =
  DateTimeStyles.RoundtripKind | DateTimeStyles.AllowLeadingWhite | DateTimeStyles.AllowTrailingWhite;

/**
 * Reads a dateTimeStyles argument: names of `System.Globalization.DateTimeStyles` members separated
 * by commas or `|` (as `Enum.Parse` reads flags), case-insensitively, or a number. Returns undefined
 * for an unknown name.
 */
export function parseDateTimeStyles(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return DEFAULT_DATE_TIME_STYLES;
  if (/^\d+$/.test(trimmed)) {
    const value = Number(trimmed);
    return value <= 255 ? value : undefined;
  }
  let flags = 0;
  for (const raw of trimmed.split(/[,|]/)) {
    const name = raw.trim().replace(/^DateTimeStyles\./i, '');
    const entry = Object.entries(DateTimeStyles).find(([key]) => key.toLowerCase() === name.toLowerCase());
    if (entry === undefined) return undefined;
    flags |= entry[1];
  }
  return flags;
}

const WHITESPACE = /\s/;

function matchName(text: string, position: number, names: readonly string[]): number | undefined {
  // Longest name first so that "June" is not read as "Jun" + "e".
  let best: { index: number; length: number } | undefined;
  names.forEach((name, index) => {
    if (text.slice(position, position + name.length).toLowerCase() === name.toLowerCase()) {
      if (best === undefined || name.length > best.length) best = { index, length: name.length };
    }
  });
  return best === undefined ? undefined : best.index;
}

/** .NET's two-digit year rule: with TwoDigitYearMax 2049 (the Windows default), 00–49 → 20xx, 50–99 → 19xx. */
export function fourDigitYear(twoDigit: number): number {
  return twoDigit <= 49 ? 2000 + twoDigit : 1900 + twoDigit;
}

interface ParsedFields {
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
  fraction?: number;
  dayOfWeek?: number;
  pm?: boolean;
  /** Minutes east of UTC, when the text carried an offset. */
  offset?: number;
  utc?: boolean;
}

/**
 * `DateTime.ParseExact(text, format, en-US, styles)` for custom and standard formats. Returns
 * undefined when the text does not match; throws DateFormatError for an invalid format.
 * `today` supplies the date when the format has no date fields (as .NET uses the current date).
 */
export function parseExact(
  text: string,
  format: string,
  styles: number,
  today: DateTimeValue,
): DateTimeValue | undefined {
  const tokens = tokenizeFormat(format);
  let input = text;
  if (styles & DateTimeStyles.AllowLeadingWhite) input = input.replace(/^\s+/, '');
  if (styles & DateTimeStyles.AllowTrailingWhite) input = input.replace(/\s+$/, '');
  const innerWhite = (styles & DateTimeStyles.AllowInnerWhite) !== 0;
  const fields: ParsedFields = {};
  let position = 0;

  const digits = (min: number, max: number): number | undefined => {
    let end = position;
    while (end < input.length && end - position < max && /[0-9]/.test(input.charAt(end))) end += 1;
    if (end - position < min) return undefined;
    const value = Number(input.slice(position, end));
    position = end;
    return value;
  };
  const set = (key: keyof ParsedFields, value: number | boolean): boolean => {
    const previous = fields[key];
    // .NET refuses a field given twice with different values ("yyyy … yyyy").
    if (previous !== undefined && previous !== value) return false;
    (fields as Record<string, number | boolean>)[key] = value;
    return true;
  };
  const offset = (allowZ: boolean): boolean => {
    const rest = input.slice(position);
    if (allowZ && /^z/i.test(rest)) {
      position += 1;
      return set('utc', true);
    }
    const match = /^([+-])(\d{1,2})(?::?(\d{2}))?/.exec(rest);
    if (match === null) return false;
    const hours = Number(match[2]);
    const minutes = match[3] === undefined ? 0 : Number(match[3]);
    if (hours > 14 || minutes > 59) return false;
    position += match[0].length;
    return set('offset', (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes));
  };

  for (let tokenIndex = 0; tokenIndex < tokens.length; tokenIndex += 1) {
    const token = tokens[tokenIndex];
    if (token === undefined) break;
    if (innerWhite) while (WHITESPACE.test(input.charAt(position))) position += 1;
    if (token.type === 'literal') {
      const next = tokens[tokenIndex + 1];
      for (let charIndex = 0; charIndex < token.text.length; charIndex += 1) {
        const char = token.text.charAt(charIndex);
        if (WHITESPACE.test(char) && innerWhite) {
          while (WHITESPACE.test(input.charAt(position))) position += 1;
          continue;
        }
        // .NET: a "." right before an F field is optional ("ss.FFF" also reads "05").
        const optionalDot =
          char === '.' && charIndex === token.text.length - 1 && next?.type === 'field' && next.char === 'F';
        if (optionalDot && input.charAt(position) !== '.') continue;
        if (input.charAt(position) !== char) return undefined;
        position += 1;
      }
      continue;
    }
    const { char, count } = token;
    let ok = true;
    switch (char) {
      case 'd':
        if (count <= 2) {
          const value = digits(count === 1 ? 1 : 2, 2);
          ok = value !== undefined && set('day', value);
        } else {
          const names = count === 3 ? DAY_NAMES.map((name) => name.slice(0, 3)) : DAY_NAMES;
          const index = matchName(input, position, names);
          ok = index !== undefined && set('dayOfWeek', index);
          if (index !== undefined) position += (names[index] ?? '').length;
        }
        break;
      case 'M':
        if (count <= 2) {
          const value = digits(count === 1 ? 1 : 2, 2);
          ok = value !== undefined && set('month', value);
        } else {
          const names = count === 3 ? MONTH_NAMES.map((name) => name.slice(0, 3)) : MONTH_NAMES;
          const index = matchName(input, position, names);
          ok = index !== undefined && set('month', index + 1);
          if (index !== undefined) position += (names[index] ?? '').length;
        }
        break;
      case 'y': {
        const value = count === 1 ? digits(1, 2) : count === 2 ? digits(2, 2) : digits(count, count);
        ok = value !== undefined && set('year', count <= 2 ? fourDigitYear(value) : value);
        break;
      }
      case 'h':
      case 'H':
      case 'm':
      case 's': {
        const value = digits(count === 1 ? 1 : 2, 2);
        const key = char === 'm' ? 'minute' : char === 's' ? 'second' : 'hour';
        ok = value !== undefined && set(key, value);
        break;
      }
      case 'f':
      case 'F': {
        const start = position;
        const value = char === 'f' ? digits(count, count) : digits(0, count);
        // Scale the digits read to ticks: "1" read by "f" is 1,000,000 ticks.
        const consumed = position - start;
        ok = value !== undefined && set('fraction', consumed === 0 ? 0 : value * 10 ** (7 - consumed));
        break;
      }
      case 't': {
        const rest = input.slice(position).toUpperCase();
        if (count === 1) {
          ok = rest.startsWith('A') || rest.startsWith('P');
          if (ok) {
            ok = set('pm', rest.startsWith('P'));
            position += 1;
          }
        } else {
          ok = rest.startsWith('AM') || rest.startsWith('PM');
          if (ok) {
            ok = set('pm', rest.startsWith('PM'));
            position += 2;
          }
        }
        break;
      }
      case 'z':
        ok = offset(false);
        break;
      case 'K':
        // K reads "Z", an offset, or nothing.
        if (/^[zZ+-]/.test(input.slice(position))) ok = offset(true);
        break;
      case 'g': {
        const match = /^(A\.D\.|AD)/i.exec(input.slice(position));
        ok = match !== null;
        if (match !== null) position += match[0].length;
        break;
      }
      default:
        ok = input.startsWith(char.repeat(count), position);
        position += count;
    }
    if (!ok) return undefined;
  }
  if (position !== input.length) return undefined;
  return assemble(fields, styles, today);
}

/** Builds the DateTime from parsed fields with .NET's defaults, offset handling and Kind rules. */
function assemble(fields: ParsedFields, styles: number, today: DateTimeValue): DateTimeValue | undefined {
  const noDate = fields.year === undefined && fields.month === undefined && fields.day === undefined;
  const now = dateParts(today);
  const year = fields.year ?? (noDate && styles & DateTimeStyles.NoCurrentDateDefault ? 1 : now.year);
  const month = fields.month ?? (noDate ? (styles & DateTimeStyles.NoCurrentDateDefault ? 1 : now.month) : 1);
  const day = fields.day ?? (noDate ? (styles & DateTimeStyles.NoCurrentDateDefault ? 1 : now.day) : 1);
  let hour = fields.hour ?? 0;
  if (fields.pm !== undefined) {
    if (hour > 12) return undefined;
    hour = (hour % 12) + (fields.pm ? 12 : 0);
  }
  const ticks = ticksFromFields({
    year,
    month,
    day,
    hour,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
    fraction: fields.fraction ?? 0,
  });
  if (ticks === undefined) return undefined;
  if (
    fields.dayOfWeek !== undefined &&
    dateParts(makeDateTime(ticks, 'Unspecified')).dayOfWeek !== fields.dayOfWeek
  ) {
    // .NET: "the day of week was incorrect".
    return undefined;
  }
  const adjustToUniversal = (styles & DateTimeStyles.AdjustToUniversal) !== 0;
  if (fields.offset !== undefined || fields.utc === true) {
    const utcTicks = ticks - BigInt(fields.offset ?? 0) * TICKS_PER_MINUTE;
    // An explicit "Z" keeps Kind=Utc under RoundtripKind; any other offset is converted to local
    // time (Kind=Local), unless AdjustToUniversal asks for UTC. Local time is UTC on Entra's servers.
    const roundtripUtc = fields.utc === true && (styles & DateTimeStyles.RoundtripKind) !== 0;
    return makeDateTime(utcTicks, adjustToUniversal || roundtripUtc ? 'Utc' : 'Local');
  }
  if (styles & DateTimeStyles.AssumeUniversal)
    return makeDateTime(ticks, adjustToUniversal ? 'Utc' : 'Local');
  if (styles & DateTimeStyles.AssumeLocal) return makeDateTime(ticks, adjustToUniversal ? 'Utc' : 'Local');
  return makeDateTime(ticks, 'Unspecified');
}

// ---------------------------------------------------------------------------------------------
// Lenient parsing (CDate, NumFromDate, and date strings given to DateAdd / DateDiff).
// ---------------------------------------------------------------------------------------------

const MONTH_PATTERN =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const DAY_PATTERN =
  'sun(?:day)?|mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?';
const TIME_PATTERN = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:\s*([ap])\.?m?\.?)?`;
const ZONE_PATTERN = String.raw`(z|utc|gmt|[+-]\d{1,2}(?::?\d{2})?)`;
const TAIL = String.raw`(?:(?:t|\s+)${TIME_PATTERN})?\s*${ZONE_PATTERN}?`;

// These patterns are ours (not user input), have no nested quantifiers, and only ever see strings of
// at most MAX_DATE_TEXT characters, so the built-in engine is safe here.
const ISO_DATE = new RegExp(String.raw`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})${TAIL}$`, 'i');
const US_DATE = new RegExp(String.raw`^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})${TAIL}$`, 'i');
const DAY_MONTH_YEAR = new RegExp(
  String.raw`^(?:(${DAY_PATTERN})\.?,?\s+)?(\d{1,2})[\s-]+(${MONTH_PATTERN})\.?,?[\s-]+(\d{4})${TAIL}$`,
  'i',
);
const MONTH_DAY_YEAR = new RegExp(
  String.raw`^(?:(${DAY_PATTERN})\.?,?\s+)?(${MONTH_PATTERN})\.?\s+(\d{1,2}),?\s+(\d{4})${TAIL}$`,
  'i',
);
const MAX_DATE_TEXT = 100;

/** The moment a lenient date string names, as UTC ticks; undefined when it is not a date. */
export function parseDateLenient(text: string): bigint | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_DATE_TEXT) return undefined;
  let match = ISO_DATE.exec(trimmed);
  if (match !== null) return build(Number(match[1]), Number(match[2]), Number(match[3]), undefined, match, 4);
  match = US_DATE.exec(trimmed);
  if (match !== null) {
    const yearText = match[3] ?? '';
    const year = yearText.length === 2 ? fourDigitYear(Number(yearText)) : Number(yearText);
    return build(year, Number(match[1]), Number(match[2]), undefined, match, 4);
  }
  match = DAY_MONTH_YEAR.exec(trimmed);
  if (match !== null) {
    return build(Number(match[4]), monthNumber(match[3]), Number(match[2]), match[1], match, 5);
  }
  match = MONTH_DAY_YEAR.exec(trimmed);
  if (match !== null) {
    return build(Number(match[4]), monthNumber(match[2]), Number(match[3]), match[1], match, 5);
  }
  return undefined;
}

function monthNumber(name: string | undefined): number {
  const prefix = (name ?? '').slice(0, 3).toLowerCase();
  return MONTH_NAMES.findIndex((month) => month.slice(0, 3).toLowerCase() === prefix) + 1;
}

/** Completes a lenient parse: `match[first…first+5]` are hour, minute, second, fraction, AM/PM, zone. */
function build(
  year: number,
  month: number,
  day: number,
  dayName: string | undefined,
  match: RegExpExecArray,
  first: number,
): bigint | undefined {
  const hourText = match[first];
  let hour = hourText === undefined ? 0 : Number(hourText);
  const minute = Number(match[first + 1] ?? 0);
  const second = Number(match[first + 2] ?? 0);
  const fractionText = match[first + 3];
  const fraction = fractionText === undefined ? 0 : Number(fractionText.slice(0, 7).padEnd(7, '0'));
  const designator = match[first + 4];
  if (designator !== undefined) {
    if (hour > 12) return undefined;
    hour = (hour % 12) + (designator.toLowerCase() === 'p' ? 12 : 0);
  }
  const ticks = ticksFromFields({ year, month, day, hour, minute, second, fraction });
  if (ticks === undefined) return undefined;
  if (dayName !== undefined) {
    const prefix = dayName.slice(0, 3).toLowerCase();
    const expected = DAY_NAMES.findIndex((name) => name.slice(0, 3).toLowerCase() === prefix);
    if (dateParts(makeDateTime(ticks, 'Unspecified')).dayOfWeek !== expected) return undefined;
  }
  const zone = match[first + 5];
  if (zone === undefined || /^(z|utc|gmt)$/i.test(zone)) return ticks;
  const zoneMatch = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(zone);
  if (zoneMatch === null) return undefined;
  const hours = Number(zoneMatch[2]);
  const minutes = zoneMatch[3] === undefined ? 0 : Number(zoneMatch[3]);
  if (hours > 14 || minutes > 59) return undefined;
  const offset = (zoneMatch[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
  const utc = ticks - BigInt(offset) * TICKS_PER_MINUTE;
  return utc < 0n || utc > MAX_TICKS ? undefined : utc;
}
