/**
 * Date functions: CDate, DateAdd, DateDiff, DateFromNum, FormatDateTime, Now, NumFromDate
 * (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data;
 * "the doc" below). DateAdd and DateDiff follow Microsoft.VisualBasic's `DateAndTime.DateAdd` / `DateDiff`
 * (dotnet/runtime, DateAndTime.vb), whose interval letters and results the doc's examples match; see
 * datetime.ts for the DateTime model.
 */
import type { FunctionName } from '../../functions/signatures.js';
import { dateTime, quote, single, text, toNumber } from '../coerce.js';
import {
  addMonths,
  addTicks,
  DateFormatError,
  type DateTimeValue,
  DEFAULT_DATE_TIME_STYLES,
  dateParts,
  FILETIME_EPOCH_TICKS,
  formatDateTime,
  MAX_TICKS,
  makeDateTime,
  parseDateTimeStyles,
  parseExact,
  TICKS_PER_DAY,
  TICKS_PER_HOUR,
  TICKS_PER_MINUTE,
  TICKS_PER_SECOND,
} from '../datetime.js';
import { type FunctionBuilder, fail, strict } from '../runtime.js';
import { isDateTime, itemText, type Value } from '../values.js';

type Interval =
  | 'Year'
  | 'Quarter'
  | 'Month'
  | 'DayOfYear'
  | 'Day'
  | 'WeekOfYear'
  | 'Weekday'
  | 'Hour'
  | 'Minute'
  | 'Second';

/**
 * VB's `DateIntervalFromString` (upper-cased, so "D" works like "d"). The doc lists yyyy, m, d, ww,
 * h, n, s; VB also accepts q (quarter), y (day of year) and w (weekday), kept for the same reason.
 */
const INTERVALS: Readonly<Record<string, Interval>> = {
  YYYY: 'Year',
  Q: 'Quarter',
  M: 'Month',
  Y: 'DayOfYear',
  D: 'Day',
  WW: 'WeekOfYear',
  W: 'Weekday',
  H: 'Hour',
  N: 'Minute',
  S: 'Second',
};

function interval(value: Value, fn: string): Interval {
  const name = text(value, fn, 'interval');
  const found = name === null ? undefined : INTERVALS[name.trim().toUpperCase()];
  if (found === undefined) {
    return fail(
      'InvalidArgument',
      `${fn}: interval must be one of "yyyy" (year), "m" (month), "d" (day), "ww" (week), "h" (hour), "n" (minute), "s" (second); got ${
        name === null ? 'nothing' : quote(name)
      }`,
    );
  }
  return found;
}

const INT32_MAX = 2_147_483_647;

/** DateAdd's value: VB takes a Double and truncates it (`CInt(Fix(Number))`). */
function addend(value: Value): number {
  const item = single(value, 'DateAdd', 'value');
  const number = toNumber(item);
  if (number === undefined || !Number.isFinite(number)) {
    return fail(
      'InvalidArgument',
      `DateAdd: value must be a number, got ${item === null ? 'nothing' : quote(itemText(item))}`,
    );
  }
  const whole = Math.trunc(number);
  if (Math.abs(whole) > INT32_MAX) return fail('InvalidArgument', `DateAdd: value ${whole} is too large`);
  return whole;
}

/** VB's GetDayOfWeek with Sunday first: Sunday → 1 … Saturday → 7. */
function vbDayOfWeek(value: DateTimeValue): number {
  return dateParts(value).dayOfWeek + 1;
}

function dateAdd(unit: Interval, amount: number, date: DateTimeValue): DateTimeValue {
  const days = (count: number): DateTimeValue => addTicks(date, BigInt(count) * TICKS_PER_DAY);
  switch (unit) {
    case 'Year':
      // Calendar.AddYears clamps Feb 29 to Feb 28, as AddMonths(12 × n) does.
      return addMonths(date, amount * 12);
    case 'Quarter':
      return addMonths(date, amount * 3);
    case 'Month':
      return addMonths(date, amount);
    case 'Day':
    case 'DayOfYear':
    case 'Weekday':
      return days(amount);
    case 'WeekOfYear':
      return days(amount * 7);
    case 'Hour':
      return addTicks(date, BigInt(amount) * TICKS_PER_HOUR);
    case 'Minute':
      return addTicks(date, BigInt(amount) * TICKS_PER_MINUTE);
    case 'Second':
      return addTicks(date, BigInt(amount) * TICKS_PER_SECOND);
  }
}

/**
 * VB's DateDiff. Years, quarters and months count calendar boundaries; days, hours, minutes and
 * seconds are the elapsed time truncated toward zero (`Fix(tm.TotalDays)`); "ww" moves both dates
 * back to the start of their week (Sunday) and then counts whole weeks, which is why the doc's
 * 8/25/2021 5:41:18 PM → 2012-03-16-07:00 gives −493 where plain week truncation gives −492.
 */
function dateDiff(unit: Interval, first: DateTimeValue, second: DateTimeValue): number {
  const whole = (ticks: bigint, per: bigint): number => Number(ticks / per);
  const elapsed = second.ticks - first.ticks;
  switch (unit) {
    case 'Year':
      return dateParts(second).year - dateParts(first).year;
    case 'Quarter': {
      const a = dateParts(first);
      const b = dateParts(second);
      return (b.year - a.year) * 4 + Math.trunc((b.month - 1) / 3) - Math.trunc((a.month - 1) / 3);
    }
    case 'Month': {
      const a = dateParts(first);
      const b = dateParts(second);
      return (b.year - a.year) * 12 + b.month - a.month;
    }
    case 'Day':
    case 'DayOfYear':
      return whole(elapsed, TICKS_PER_DAY);
    case 'Hour':
      return whole(elapsed, TICKS_PER_HOUR);
    case 'Minute':
      return whole(elapsed, TICKS_PER_MINUTE);
    case 'Second':
      return whole(elapsed, TICKS_PER_SECOND);
    case 'Weekday':
      return Math.trunc(whole(elapsed, TICKS_PER_DAY) / 7);
    case 'WeekOfYear': {
      const start1 = first.ticks - BigInt(vbDayOfWeek(first)) * TICKS_PER_DAY;
      const start2 = second.ticks - BigInt(vbDayOfWeek(second)) * TICKS_PER_DAY;
      return Math.trunc(whole(start2 - start1, TICKS_PER_DAY) / 7);
    }
  }
}

/** A FILETIME (AD date) from a number or numeric text; exact for values beyond 2^53 given as text. */
function fileTime(value: Value): bigint | null {
  const item = single(value, 'DateFromNum', 'value');
  if (item === null) return null;
  if (typeof item === 'number' && Number.isInteger(item)) return BigInt(item);
  if (typeof item === 'string' && /^\s*[+-]?\d+\s*$/.test(item)) return BigInt(item.trim());
  return fail(
    'InvalidArgument',
    `DateFromNum: value must be a whole number (an AD date), got ${quote(itemText(item))}`,
  );
}

function formatOrFail(date: DateTimeValue, format: string): string {
  try {
    return formatDateTime(date, format);
  } catch (error) {
    if (error instanceof DateFormatError) {
      return fail(
        'InvalidArgument',
        `FormatDateTime: outputFormat ${quote(format)} is not valid: ${error.message}`,
      );
    }
    throw error;
  }
}

export const dateFunctions = {
  /**
   * "Returns a UTC DateTime from a string": an offset in the text is applied ("2020-03-16-07:00" →
   * 3/16/2020 7:00:00 AM) and text without one is taken as UTC. Prints as M/d/yyyy h:mm:ss tt.
   */
  CDate: strict(([value = null]) => {
    const date = dateTime(value, 'CDate', 'expression');
    return date === null ? null : makeDateTime(date.ticks, 'Utc');
  }),

  /** DateAdd(interval, value, dateTime): the date moved by value intervals; null when the date is absent. */
  DateAdd: strict(([intervalArg = null, valueArg = null, dateArg = null]) => {
    const unit = interval(intervalArg, 'DateAdd');
    const amount = addend(valueArg);
    const date = dateTime(dateArg, 'DateAdd', 'dateTime');
    return date === null ? null : dateAdd(unit, amount, date);
  }),

  /** DateDiff(interval, date1, date2): positive when date2 is later; null when a date is absent. */
  DateDiff: strict(([intervalArg = null, firstArg = null, secondArg = null]) => {
    const unit = interval(intervalArg, 'DateDiff');
    const first = dateTime(firstArg, 'DateDiff', 'date1');
    const second = dateTime(secondArg, 'DateDiff', 'date2');
    return first === null || second === null ? null : dateDiff(unit, first, second);
  }),

  /** An AD date (FILETIME: 100-ns intervals since 1601-01-01 UTC) to a DateTime, as DateTime.FromFileTimeUtc. */
  DateFromNum: strict(([value = null]) => {
    const ticks = fileTime(value);
    if (ticks === null) return null;
    const total = ticks + FILETIME_EPOCH_TICKS;
    if (ticks < 0n || total > MAX_TICKS) {
      return fail('InvalidArgument', `DateFromNum: ${ticks} is not an AD date between 1601 and 9999`);
    }
    return makeDateTime(total, 'Utc');
  }),

  /**
   * FormatDateTime(source, dateTimeStyles?, inputFormat, outputFormat), or the older 3-argument form
   * (source, inputFormat, outputFormat) that Graph still lists. The source is read with .NET
   * ParseExact and the input format, then written with the output format. An empty dateTimeStyles
   * means RoundtripKind, AllowLeadingWhite, AllowTrailingWhite. A DateTime source (CDate, Now…) is
   * used as it is, without the input format.
   */
  FormatDateTime: (args) => {
    const fourArguments = args.length >= 4;
    const [sourceArg, stylesArg, inputArg, outputArg] = fourArguments
      ? args
      : [args[0], undefined, args[1], args[2]];
    return (env) => {
      const source = single(sourceArg?.run(env) ?? null, 'FormatDateTime', 'source');
      const stylesText =
        stylesArg === undefined ? null : text(stylesArg.run(env), 'FormatDateTime', 'dateTimeStyles');
      const inputFormat = text(inputArg?.run(env) ?? null, 'FormatDateTime', 'inputFormat');
      const outputFormat = text(outputArg?.run(env) ?? null, 'FormatDateTime', 'outputFormat');
      const styles = stylesText === null ? DEFAULT_DATE_TIME_STYLES : parseDateTimeStyles(stylesText);
      if (styles === undefined) {
        return fail(
          'InvalidArgument',
          `FormatDateTime: dateTimeStyles ${quote(stylesText ?? '')} is not a list of DateTimeStyles names such as "AdjustToUniversal, AllowWhiteSpaces"`,
        );
      }
      if (outputFormat === null) return fail('InvalidArgument', 'FormatDateTime: outputFormat is required');
      if (source === null) return null;
      if (isDateTime(source)) return formatOrFail(source, outputFormat);
      if (inputFormat === null || inputFormat === '') {
        return fail('InvalidArgument', 'FormatDateTime: inputFormat is required, e.g. "yyyyMMddHHmmss.fZ"');
      }
      const sourceText = itemText(source);
      let parsed: DateTimeValue | undefined;
      try {
        parsed = parseExact(sourceText, inputFormat, styles, env.now());
      } catch (error) {
        if (error instanceof DateFormatError) {
          return fail(
            'InvalidArgument',
            `FormatDateTime: inputFormat ${quote(inputFormat)} is not valid: ${error.message}`,
          );
        }
        throw error;
      }
      if (parsed === undefined) {
        return fail(
          'FunctionEvaluationError',
          `FormatDateTime: ${quote(sourceText)} does not match the input format ${quote(inputFormat)}`,
        );
      }
      return formatOrFail(parsed, outputFormat);
    };
  },

  /** "The current UTC DateTime", printed M/d/yyyy h:mm:ss tt; ctx.now when given. */
  Now: (_args) => (env) => env.now(),

  /**
   * A date (ISO 8601 text, or a DateTime) to an AD date (FILETIME), as DateTime.ToFileTimeUtc: for
   * accountExpires. A JSON number: FILETIMEs exceed 2^53, but whole seconds (multiples of 10^7
   * ticks) stay exact as doubles until about the year 5200.
   */
  NumFromDate: strict(([value = null]) => {
    const date = dateTime(value, 'NumFromDate', 'value');
    if (date === null) return null;
    const fileTicks = date.ticks - FILETIME_EPOCH_TICKS;
    if (fileTicks < 0n) return fail('InvalidArgument', 'NumFromDate: AD dates start on 1/1/1601');
    return Number(fileTicks);
  }),
} satisfies Partial<Record<FunctionName, FunctionBuilder>>;
