import { describe, expect, it } from 'vitest';
import { describeIssues, issueLines, maxResponseChars, parseRetryAfter, truncate } from '../src/index.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('93', now)).toBe(93_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('86400', now)).toBe(86_400_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });

  it('answers null for nothing or nonsense', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    // Date.parse would read these as years.
    expect(parseRetryAfter('-3', now)).toBeNull();
    expect(parseRetryAfter('2024-', now)).toBeNull();
  });

  it('measures a date from now by default', () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const wait = parseRetryAfter(inAMinute);
    expect(wait).toBeGreaterThan(58_000);
    expect(wait).toBeLessThanOrEqual(60_000);
  });
});

describe('truncate', () => {
  it('leaves a text within the limit as it is', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('x'.repeat(maxResponseChars))).toHaveLength(maxResponseChars);
  });

  it('cuts to the limit exactly and says how much is missing', () => {
    const text = 'x'.repeat(5000);
    const cut = truncate(text);
    expect(cut).toHaveLength(maxResponseChars);
    const left = Number(/… \((\d+) more characters\)$/.exec(cut)?.[1]);
    expect(cut.indexOf('…') + left).toBe(text.length);
    expect(truncate('abcdefghijklmnopqrstuvwxyz0123456789', 30)).toBe('abcdefgh… (28 more characters)');
  });

  it('keeps the count right where its digits change the length', () => {
    for (const length of [1021, 1022, 1023, 1024, 1025, 10_030, 100_000]) {
      const cut = truncate('y'.repeat(length), 1000);
      expect(cut.length).toBeLessThanOrEqual(1000);
      const left = Number(/\((\d+) more characters\)$/.exec(cut)?.[1]);
      expect(cut.indexOf('…') + left).toBe(length);
    }
  });

  it('falls back to an ellipsis when the limit is too small for the note', () => {
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
    expect(truncate('abcdefghij', 1)).toBe('…');
  });
});

describe('issueLines and describeIssues', () => {
  const issues = [
    { path: ['users', 0, 'id'], message: 'expected number' },
    { path: [], message: 'expected object' },
  ];

  it('names where each problem is, the whole value by a root label', () => {
    expect(issueLines(issues)).toEqual(['users.0.id: expected number', '(body): expected object']);
    expect(issueLines(issues, '(options)')[1]).toBe('(options): expected object');
  });

  it('puts the first few on one line', () => {
    const many = Array.from({ length: 8 }, (_, i) => ({ path: [`f${i}`], message: 'bad' }));
    expect(describeIssues(many)).toBe('f0: bad; f1: bad; f2: bad; f3: bad; f4: bad');
    expect(describeIssues(many, 2)).toBe('f0: bad; f1: bad');
  });
});
