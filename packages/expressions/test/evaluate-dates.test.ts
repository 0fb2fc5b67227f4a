/**
 * The date functions: .NET parsing and formatting, VB DateAdd / DateDiff rules, FILETIME.
 */
import { describe, expect, it } from 'vitest';
import {
  DateTimeStyles,
  type DateTimeValue,
  displayDateTime,
  formatDateTime,
  makeDateTime,
  parseDateLenient,
  parseDateTimeStyles,
  parseExact,
  ticksFromFields,
} from '../src/evaluate/datetime.js';
import { errorOf, flowValue } from './support/evaluate.js';

function utc(iso: string): DateTimeValue {
  return makeDateTime(BigInt(Date.parse(iso)) * 10_000n + 621_355_968_000_000_000n, 'Utc');
}

describe('CDate', () => {
  it.each([
    ['2021-08-24', '8/24/2021 12:00:00 AM'],
    ['2021-08-24T10:00:00Z', '8/24/2021 10:00:00 AM'],
    ['2021-08-24T10:00', '8/24/2021 10:00:00 AM'],
    ['2021-08-24 23:59:59.9999999+02:00', '8/24/2021 9:59:59 PM'],
    ['2021-08-24T00:30:00-0530', '8/24/2021 6:00:00 AM'],
    ['2020-12-31 23:59:59-08:00', '1/1/2021 7:59:59 AM'],
    ['8/25/2021 5:41:18 PM', '8/25/2021 5:41:18 PM'],
    ['8/25/2021 12:05 AM', '8/25/2021 12:05:00 AM'],
    ['12/1/21', '12/1/2021 12:00:00 AM'],
    ['25 Aug 2021', '8/25/2021 12:00:00 AM'],
    ['August 25, 2021 17:41', '8/25/2021 5:41:00 PM'],
    ['Mon, 15 Jun 2009 01:45:30 GMT', '6/15/2009 1:45:30 AM'],
    ['  2021-08-24  ', '8/24/2021 12:00:00 AM'],
  ])('reads %j as UTC %j', (input, expected) => {
    expect(flowValue('CDate([d])', { d: input })).toBe(expected);
  });

  it('refuses text that is not a date, and impossible dates', () => {
    for (const input of [
      'not a date',
      '2021-02-30',
      '13/1/2021',
      '2021-08-24T25:00',
      'Tue, 15 Jun 2009',
      '5:41 PM',
    ]) {
      expect(errorOf('CDate([d])', { d: input }).code).toBe('FunctionEvaluationError');
    }
  });

  it('keeps absent absent and refuses numbers', () => {
    expect(flowValue('CDate([d])')).toBeNull();
    expect(errorOf('CDate(5)').code).toBe('InvalidArgument');
  });

  it('passes a DateTime through', () => {
    expect(flowValue('CDate(Now())', {}, { now: new Date('2021-07-02T15:33:38Z') })).toBe(
      '7/2/2021 3:33:38 PM',
    );
  });
});

describe('DateAdd (VB DateAdd)', () => {
  it('clamps to the end of the month for months and years', () => {
    expect(flowValue('DateAdd("m", 1, CDate("2021-01-31"))')).toBe('2/28/2021 12:00:00 AM');
    expect(flowValue('DateAdd("m", 1, CDate("2024-01-31"))')).toBe('2/29/2024 12:00:00 AM');
    expect(flowValue('DateAdd("yyyy", 1, CDate("2024-02-29"))')).toBe('2/28/2025 12:00:00 AM');
    expect(flowValue('DateAdd("m", -13, CDate("2021-03-31T10:00:00Z"))')).toBe('2/29/2020 10:00:00 AM');
  });

  it('adds hours, minutes, seconds and quarters', () => {
    expect(flowValue('DateAdd("h", 25, CDate("2021-08-24"))')).toBe('8/25/2021 1:00:00 AM');
    expect(flowValue('DateAdd("n", -1, CDate("2021-08-24"))')).toBe('8/23/2021 11:59:00 PM');
    expect(flowValue('DateAdd("s", 3600, CDate("2021-08-24"))')).toBe('8/24/2021 1:00:00 AM');
    expect(flowValue('DateAdd("q", 1, CDate("2021-11-30"))')).toBe('2/28/2022 12:00:00 AM');
  });

  it('reads the interval in any case, the value as text or a number (truncated), and a date as text', () => {
    expect(flowValue('DateAdd("D", "7", "2012-03-16-07:00")')).toBe('3/23/2012 7:00:00 AM');
    expect(flowValue('DateAdd("d", [n], CDate("2021-08-24"))', { n: 1.9 })).toBe('8/25/2021 12:00:00 AM');
    expect(flowValue('DateAdd("d", [n], CDate("2021-08-24"))', { n: -1.9 })).toBe('8/23/2021 12:00:00 AM');
  });

  it('keeps an absent date absent', () => {
    expect(flowValue('DateAdd("d", 1, CDate([missing]))')).toBeNull();
  });

  it('refuses an unknown interval, a non-number, and dates beyond year 9999', () => {
    expect(errorOf('DateAdd("days", 1, Now())').code).toBe('InvalidArgument');
    expect(errorOf('DateAdd("d", "x", Now())').code).toBe('InvalidArgument');
    expect(errorOf('DateAdd("yyyy", 1, CDate("9999-06-01"))').code).toBe('FunctionEvaluationError');
  });
});

describe('DateDiff (VB DateDiff)', () => {
  it('counts year, quarter and month boundaries', () => {
    expect(flowValue('DateDiff("yyyy", CDate("2021-12-31T23:59:59Z"), CDate("2022-01-01"))')).toBe(1);
    expect(flowValue('DateDiff("m", CDate("2021-01-31"), CDate("2021-02-01"))')).toBe(1);
    expect(flowValue('DateDiff("q", CDate("2021-03-31"), CDate("2021-04-01"))')).toBe(1);
    expect(flowValue('DateDiff("q", CDate("2021-01-01"), CDate("2021-03-31"))')).toBe(0);
  });

  it('counts whole elapsed days, hours, minutes and seconds, truncated toward zero', () => {
    // VB.NET: `Fix(tm.TotalDays)`: 23:00 to 01:00 the next day is 0 days (not a boundary count).
    expect(flowValue('DateDiff("d", CDate("2021-08-24T23:00:00Z"), CDate("2021-08-25T01:00:00Z"))')).toBe(0);
    expect(flowValue('DateDiff("d", CDate("2021-08-25T01:00:00Z"), CDate("2021-08-24T00:00:00Z"))')).toBe(-1);
    expect(flowValue('DateDiff("h", CDate("2021-08-24T10:59:59Z"), CDate("2021-08-24T12:59:58Z"))')).toBe(1);
    expect(flowValue('DateDiff("s", CDate("2021-08-24T00:00:01Z"), CDate("2021-08-24T00:00:00Z"))')).toBe(-1);
  });

  it('counts weeks from the start of each date\'s week (Sunday) for "ww", plain sevens for "w"', () => {
    // Saturday → the next day (Sunday) crosses a week boundary.
    expect(flowValue('DateDiff("ww", CDate("2021-08-28"), CDate("2021-08-29"))')).toBe(1);
    expect(flowValue('DateDiff("w", CDate("2021-08-28"), CDate("2021-08-29"))')).toBe(0);
    // Sunday → the next Saturday stays in the week.
    expect(flowValue('DateDiff("ww", CDate("2021-08-22"), CDate("2021-08-28"))')).toBe(0);
    expect(flowValue('DateDiff("w", CDate("2021-08-01"), CDate("2021-08-29"))')).toBe(4);
  });

  it('is positive when date2 is later, negative when earlier, 0 when equal', () => {
    expect(flowValue('DateDiff("n", Now(), Now())')).toBe(0);
    expect(flowValue('DateDiff("d", CDate("2021-01-01"), CDate("2021-01-11"))')).toBe(10);
    expect(flowValue('DateDiff("d", CDate("2021-01-11"), CDate("2021-01-01"))')).toBe(-10);
  });

  it('keeps absent absent', () => {
    expect(flowValue('DateDiff("d", Now(), CDate([missing]))')).toBeNull();
  });
});

describe('DateFromNum and NumFromDate (AD FILETIME)', () => {
  it('convert both ways exactly', () => {
    expect(flowValue('NumFromDate(DateFromNum("129699324000000000"))')).toBe(129699324000000000);
    expect(flowValue('NumFromDate("2021-01-01T07:59:59Z")')).toBe(132539615990000000);
    expect(flowValue('DateFromNum(0)')).toBe('1/1/1601 12:00:00 AM');
    expect(flowValue('DateFromNum([lastLogonTimestamp])', { lastLogonTimestamp: '132539615990000000' })).toBe(
      '1/1/2021 7:59:59 AM',
    );
  });

  it('refuse values outside AD dates and .NET DateTime', () => {
    expect(errorOf('DateFromNum(-1)').code).toBe('InvalidArgument');
    // accountExpires "never" (0x7FFFFFFFFFFFFFFF) is beyond DateTime.MaxValue, as in .NET.
    expect(errorOf('DateFromNum("9223372036854775807")').code).toBe('InvalidArgument');
    expect(errorOf('DateFromNum("soon")').code).toBe('InvalidArgument');
    expect(errorOf('NumFromDate("1600-12-31")').code).toBe('InvalidArgument');
  });

  it('keep absent absent', () => {
    expect(flowValue('DateFromNum([x])')).toBeNull();
    expect(flowValue('NumFromDate([x])')).toBeNull();
  });
});

describe('FormatDateTime', () => {
  it('takes the older 3-argument form too', () => {
    expect(
      flowValue('FormatDateTime([d], "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")', { d: '20150123105347.1Z' }),
    ).toBe('2015-01-23');
  });

  it('reads the SuccessFactors example format (M/d/yyyy hh:mm:ss tt)', () => {
    expect(
      flowValue('FormatDateTime([endDate], ,"M/d/yyyy hh:mm:ss tt","yyyy-MM-dd HH:mm")', {
        endDate: '1/5/2022 09:30:00 PM',
      }),
    ).toBe('2022-01-05 21:30');
  });

  it('writes names, 12-hour clocks, fractions and literals', () => {
    const read = 'FormatDateTime([d], , "yyyy-MM-ddTHH:mm:ss.fffffffK", [out])';
    const d = '2021-08-01T05:04:03.1200000Z';
    expect(flowValue(read, { d, out: 'dddd, MMMM d, yyyy' })).toBe('Sunday, August 1, 2021');
    expect(flowValue(read, { d, out: 'ddd dd MMM yy' })).toBe('Sun 01 Aug 21');
    expect(flowValue(read, { d, out: 'h:mm tt' })).toBe('5:04 AM');
    expect(flowValue(read, { d, out: 'HH:mm:ss.fff' })).toBe('05:04:03.120');
    expect(flowValue(read, { d, out: 'ss.FFFF' })).toBe('03.12');
    expect(flowValue(read, { d, out: "'Day' d \\o\\f M" })).toBe('Day 1 of 8');
    expect(flowValue(read, { d, out: 'o' })).toBe('2021-08-01T05:04:03.1200000Z');
    expect(flowValue(read, { d, out: 's' })).toBe('2021-08-01T05:04:03');
    expect(flowValue(read, { d, out: 'yyyyMMdd' })).toBe('20210801');
  });

  it("converts an input offset to UTC (the service's local time)", () => {
    expect(
      flowValue('FormatDateTime([d], , "yyyy-MM-ddTHH:mmzzz", "yyyy-MM-dd HH:mm")', {
        d: '2021-08-01T22:00-05:00',
      }),
    ).toBe('2021-08-02 03:00');
  });

  it('applies dateTimeStyles', () => {
    expect(flowValue('FormatDateTime([d], "None", "yyyy-MM-dd", "dd/MM/yyyy")', { d: '2021-08-01' })).toBe(
      '01/08/2021',
    );
    expect(errorOf('FormatDateTime([d], "None", "yyyy-MM-dd", "yyyy")', { d: ' 2021-08-01' }).code).toBe(
      'FunctionEvaluationError',
    );
    expect(
      flowValue('FormatDateTime([d], "AllowWhiteSpaces", "yyyy-MM-dd", "yyyy")', { d: ' 2021-08-01 ' }),
    ).toBe('2021');
    expect(errorOf('FormatDateTime([d], "Sideways", "yyyy", "yyyy")', { d: '2021' }).code).toBe(
      'InvalidArgument',
    );
  });

  it('fails on text that does not match the input format, and on invalid formats', () => {
    expect(errorOf('FormatDateTime([d], , "yyyy-MM-dd", "yyyy")', { d: '08/01/2021' }).code).toBe(
      'FunctionEvaluationError',
    );
    expect(errorOf('FormatDateTime([d], , "yyyy-MM-dd", "ffffffff")', { d: '2021-08-01' }).code).toBe(
      'InvalidArgument',
    );
    expect(errorOf('FormatDateTime([d], , "\'yyyy", "yyyy")', { d: '2021' }).code).toBe('InvalidArgument');
  });

  it('keeps absent absent and formats a DateTime source directly', () => {
    expect(flowValue('FormatDateTime([d], , "yyyy", "yyyy")')).toBeNull();
    expect(flowValue('FormatDateTime(CDate("2021-08-01"), , "ignored", "yyyy-MM-dd")')).toBe('2021-08-01');
  });
});

describe('the .NET DateTime model', () => {
  const today = utc('2024-05-10T12:00:00Z');

  it('prints M/d/yyyy h:mm:ss tt with 12 AM and 12 PM', () => {
    expect(displayDateTime(utc('2021-01-01T00:00:00Z'))).toBe('1/1/2021 12:00:00 AM');
    expect(displayDateTime(utc('2021-01-01T12:00:00Z'))).toBe('1/1/2021 12:00:00 PM');
  });

  it('handles years 1 and 9999 and refuses beyond', () => {
    const first = ticksFromFields({ year: 1, month: 1, day: 1 });
    expect(first).toBe(0n);
    expect(formatDateTime(makeDateTime(0n, 'Utc'), 'yyyy-MM-dd dddd')).toBe('0001-01-01 Monday');
    expect(ticksFromFields({ year: 10_000, month: 1, day: 1 })).toBeUndefined();
    expect(() => makeDateTime(-1n, 'Utc')).toThrow(RangeError);
  });

  it('prints K from the Kind', () => {
    // A one-letter format is a standard format in .NET; "%K" is the custom specifier alone.
    expect(formatDateTime(utc('2021-01-01T00:00:00Z'), '%K')).toBe('Z');
    expect(formatDateTime(makeDateTime(0n, 'Local'), '%K')).toBe('+00:00');
    expect(formatDateTime(makeDateTime(0n, 'Unspecified'), '%K')).toBe('');
    expect(() => formatDateTime(makeDateTime(0n, 'Utc'), 'K')).toThrow(/standard date format/);
  });

  it('parses with .NET ParseExact rules', () => {
    const styles = DateTimeStyles.None;
    expect(parseExact('2021-8-1', 'yyyy-M-d', styles, today)).toBeDefined();
    expect(parseExact('2021-8-1', 'yyyy-MM-dd', styles, today)).toBeUndefined();
    expect(parseExact('21', 'yy', styles, today)).toMatchObject({ dateKind: 'Unspecified' });
    expect(parseExact('10:30', 'HH:mm', styles, today)?.ticks).toBe(utc('2024-05-10T10:30:00Z').ticks);
    expect(parseExact('05', 'ss.FFF', styles, today)).toBeDefined();
    expect(parseExact('Monday 2021-08-02', 'dddd yyyy-MM-dd', styles, today)).toBeDefined();
    expect(parseExact('Tuesday 2021-08-02', 'dddd yyyy-MM-dd', styles, today)).toBeUndefined();
    expect(parseExact('2021-08-02Z', 'yyyy-MM-ddK', DateTimeStyles.RoundtripKind, today)).toMatchObject({
      dateKind: 'Utc',
    });
    expect(parseExact('2021-08-02+02:00', 'yyyy-MM-ddK', DateTimeStyles.None, today)).toMatchObject({
      dateKind: 'Local',
    });
    expect(
      parseExact(
        '2021-08-02',
        'yyyy-MM-dd',
        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
        today,
      ),
    ).toMatchObject({
      dateKind: 'Utc',
    });
    expect(parseExact('13 PM', 'h tt', styles, today)).toBeUndefined();
  });

  it('reads DateTimeStyles names and numbers', () => {
    expect(parseDateTimeStyles('')).toBe(
      DateTimeStyles.RoundtripKind | DateTimeStyles.AllowLeadingWhite | DateTimeStyles.AllowTrailingWhite,
    );
    expect(parseDateTimeStyles('AdjustToUniversal | assumeuniversal')).toBe(80);
    expect(parseDateTimeStyles('DateTimeStyles.None')).toBe(0);
    expect(parseDateTimeStyles('16')).toBe(16);
    expect(parseDateTimeStyles('Bogus')).toBeUndefined();
  });

  it('refuses over-long text in the lenient parser', () => {
    expect(parseDateLenient(`2021-01-01T00:00:00.${'0'.repeat(200)}`)).toBeUndefined();
  });
});
