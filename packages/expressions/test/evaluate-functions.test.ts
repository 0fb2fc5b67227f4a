/**
 * The rules Microsoft's expression reference
 * (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data)
 * states in prose, one or more cases each, and the decisions taken where it is silent: null versus empty
 * versus absent, bounds, case sensitivity, multi-valued attributes, result types.
 */
import { describe, expect, it } from 'vitest';
import { type ExpressionNode, node } from '../src/ast.js';
import { compileExpression, evaluateExpression } from '../src/evaluate/evaluator.js';
import { errorOf, evaluate, flowValue } from './support/evaluate.js';

describe('attributes', () => {
  it('are looked up case-insensitively, an exact key winning', () => {
    expect(flowValue('[UserPrincipalName]', { userPrincipalName: 'a@b.com' })).toBe('a@b.com');
    expect(flowValue('[mail]', { MAIL: 'upper', mail: 'exact' })).toBe('exact');
  });

  it('read absent, null, undefined and an empty list as NULL, and "" as empty', () => {
    for (const attributes of [{}, { x: null }, { x: undefined }, { x: [] }, { x: [null] }]) {
      expect(flowValue('IsNull([x])', attributes)).toBe(true);
      expect(flowValue('IsNullOrEmpty([x])', attributes)).toBe(true);
    }
    expect(flowValue('IsNull([x])', { x: '' })).toBe(false);
    expect(flowValue('IsNullOrEmpty([x])', { x: '' })).toBe(true);
    expect(flowValue('IsPresent([x])', { x: '' })).toBe(false);
    expect(flowValue('IsPresent([x])', { x: ' ' })).toBe(true);
  });

  it('flow multi-valued attributes as lists, flattening nested lists', () => {
    expect(flowValue('[proxyAddresses]', { proxyAddresses: ['a', ['b', null], 'c'] })).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('accept numbers, booleans, bigints and Dates; non-finite numbers are NULL', () => {
    expect(flowValue('[n]', { n: 42 })).toBe(42);
    expect(flowValue('[b]', { b: false })).toBe(false);
    expect(flowValue('[big]', { big: 12n })).toBe(12);
    expect(flowValue('[d]', { d: new Date('2021-07-02T15:33:38Z') })).toBe('7/2/2021 3:33:38 PM');
    expect(flowValue('IsNull([n])', { n: Number.NaN })).toBe(true);
    expect(flowValue('Join(",", [n], [b])', { n: 1.5, b: true })).toBe('1.5,True');
  });
});

describe('results', () => {
  it('are booleans for Boolean functions and comparisons, numbers for numeric ones, text for dates', () => {
    expect(flowValue('IsNull([x])')).toBe(true);
    expect(flowValue('CBool(1 = 1)')).toBe(true);
    expect(flowValue('Count([x])', { x: ['a', 'b'] })).toBe(2);
    expect(flowValue('CDate("2021-08-24")')).toBe('8/24/2021 12:00:00 AM');
    expect(flowValue('"text"')).toBe('text');
    expect(flowValue('42')).toBe(42);
  });

  it('a top-level attribute that is absent flows as null', () => {
    expect(evaluate('[missing]')).toEqual({ ok: true, flow: true, value: null, redacted: false });
  });
});

describe('Append', () => {
  it('appends; an absent source stays absent; an absent suffix appends nothing', () => {
    expect(flowValue('Append([a], "x")', { a: 'b' })).toBe('bx');
    expect(flowValue('Append([a], "x")')).toBeNull();
    expect(flowValue('Append([a], [b])', { a: 'b' })).toBe('b');
    expect(flowValue('Append([a], "@x")', { a: ['p', 'q'] })).toEqual(['p@x', 'q@x']);
  });
});

describe('BitAnd', () => {
  it('ANDs whole numbers given as numbers, decimal text or &H text', () => {
    expect(flowValue('BitAnd(12, 10)')).toBe(8);
    expect(flowValue('BitAnd([a], "&HFF")', { a: '514' })).toBe(2);
  });
  it('refuses what is not a whole number', () => {
    expect(errorOf('BitAnd("x", 1)').code).toBe('InvalidArgument');
    expect(errorOf('BitAnd([missing], 1)').code).toBe('InvalidArgument');
  });
});

describe('CBool and Not', () => {
  it('CBool is true for true, "True" in any case and non-zero numbers, else false', () => {
    expect(flowValue('CBool("true")')).toBe(true);
    expect(flowValue('CBool("TRUE")')).toBe(true);
    expect(flowValue('CBool("1")')).toBe(true);
    expect(flowValue('CBool(-3)')).toBe(true);
    expect(flowValue('CBool(0)')).toBe(false);
    expect(flowValue('CBool("False")')).toBe(false);
    expect(flowValue('CBool("abc")')).toBe(false);
    expect(flowValue('CBool([missing])')).toBe(false);
    expect(flowValue('CBool([a] = [b])', { a: 'x', b: 'y' })).toBe(false);
  });

  it('CBool of a comparison with a null side is false (the comparison cannot hold)', () => {
    expect(flowValue('CBool([a] = [b])')).toBe(false);
    expect(flowValue('CBool([a] <> "x")')).toBe(false);
  });

  it('Not flips "True"/"False" and gives text; anything but True gives "True"', () => {
    expect(flowValue('Not("True")')).toBe('False');
    expect(flowValue('Not("true")')).toBe('False');
    expect(flowValue('Not("False")')).toBe('True');
    expect(flowValue('Not([missing])')).toBe('True');
    expect(flowValue('Not(IsPresent([x]))', { x: 'y' })).toBe('False');
  });
});

describe('comparisons', () => {
  it('compare text ordinally and case-sensitively', () => {
    expect(flowValue('CBool([a] = "usa")', { a: 'USA' })).toBe(false);
    expect(flowValue('CBool([a] < [b])', { a: 'B', b: 'a' })).toBe(true);
    // Two texts compare as text, even when they look like numbers.
    expect(flowValue('CBool([a] > [b])', { a: '10', b: '5' })).toBe(false);
  });

  it('compare numerically when one side is a number', () => {
    expect(flowValue('CBool([a] > 5)', { a: '10' })).toBe(true);
    expect(flowValue('CBool([a] >= 10)', { a: 10 })).toBe(true);
    expect(flowValue('CBool(Count([a]) <= 1)', { a: ['x', 'y'] })).toBe(false);
  });

  it('compare dates as instants', () => {
    expect(flowValue('CBool(CDate("2021-01-02") > CDate("2021-01-01T23:00:00Z"))')).toBe(true);
    expect(flowValue('CBool(CDate("2021-01-01T08:00:00+08:00") = "2021-01-01")')).toBe(true);
  });

  it('refuse a multi-valued operand', () => {
    expect(errorOf('CBool([a] = "x")', { a: ['x', 'y'] }).code).toBe('InvalidArgument');
  });
});

describe('Coalesce', () => {
  it('skips only NULL: an empty string is a value [derived]', () => {
    expect(flowValue('Coalesce([a], [b])', { a: '', b: 'x' })).toBe('');
    expect(flowValue('Coalesce([a], [b], "default")')).toBe('default');
    expect(flowValue('Coalesce([a], [b], "")')).toBe('');
    expect(flowValue('Coalesce([a], [b])')).toBeNull();
    expect(flowValue('Coalesce([a], [b])', { a: [], b: ['x', 'y'] })).toEqual(['x', 'y']);
  });

  it('does not evaluate the arguments after the first value', () => {
    expect(flowValue('Coalesce([a], IgnoreFlowIfNullOrEmpty([b]))', { a: 'x' })).toBe('x');
  });
});

describe('Count, Item, Join, RemoveDuplicates, Split', () => {
  it('Count: 0 when absent, 1 for a single value', () => {
    expect(flowValue('Count([a])')).toBe(0);
    expect(flowValue('Count([a])', { a: 'x' })).toBe(1);
    expect(flowValue('Count([a])', { a: ['x', 'y', 'z'] })).toBe(3);
  });

  it('Item is 1-based; index 0 or past the end gives null', () => {
    const attributes = { a: ['x', 'y'] };
    expect(flowValue('Item([a], 2)', attributes)).toBe('y');
    expect(flowValue('Item([a], 0)', attributes)).toBeNull();
    expect(flowValue('Item([a], 3)', attributes)).toBeNull();
    expect(flowValue('Item([a], 1)', { a: 'single' })).toBe('single');
    expect(flowValue('Item([a], "2")', attributes)).toBe('y');
    expect(errorOf('Item([a], "two")', attributes).code).toBe('InvalidArgument');
  });

  it('Join contributes every value of a multi-valued source and skips empty and null ones', () => {
    expect(flowValue('Join(";", [a], [b], [c], "z")', { a: ['x', '', 'y'], c: '' })).toBe('x;y;z');
    expect(flowValue('Join(",", [a])')).toBe('');
    expect(flowValue('Join([sep], "a", "b")')).toBe('ab');
  });

  it('RemoveDuplicates keeps the first of each value, case-sensitively', () => {
    expect(flowValue('RemoveDuplicates([a])', { a: ['a', 'A', 'a', 'b'] })).toEqual(['a', 'A', 'b']);
    expect(flowValue('RemoveDuplicates([a])', { a: 'x' })).toBe('x');
    expect(flowValue('RemoveDuplicates([a])')).toBeNull();
  });

  it('Split splits on the delimiter text; absent stays absent', () => {
    expect(flowValue('Split([a], ";")', { a: 'x;;y' })).toEqual(['x', '', 'y']);
    expect(flowValue('Split([a], "--")', { a: 'x--y' })).toEqual(['x', 'y']);
    expect(flowValue('Split([a], "")', { a: 'x,y' })).toEqual(['x,y']);
    expect(flowValue('Split([a], ",")')).toBeNull();
    expect(flowValue('Count(Split([a], ","))', { a: 'a,b,c' })).toBe(3);
  });
});

describe('IgnoreFlowIfNullOrEmpty', () => {
  it('drops the attribute from anywhere in the expression', () => {
    expect(evaluate('Join(",", "a", IgnoreFlowIfNullOrEmpty([b]))')).toEqual({ ok: true, flow: false });
  });
  it('lets a value through, multi-valued ones included', () => {
    expect(flowValue('IgnoreFlowIfNullOrEmpty([b])', { b: ['x'] })).toEqual(['x']);
    expect(flowValue('IgnoreFlowIfNullOrEmpty([b])', { b: 0 })).toBe(0);
  });
  it('is not evaluated in a branch IIF does not take', () => {
    expect(flowValue('IIF("True", "yes", IgnoreFlowIfNullOrEmpty([b]))')).toBe('yes');
  });
});

describe('IIF', () => {
  it('"If the source attribute used within the IIF function is empty or null, the condition check fails"', () => {
    // The doc's three unsupported forms, which therefore do not do what they seem to.
    expect(flowValue('IIF([country]="","Other",[country])', { country: '' })).toBe('');
    expect(flowValue('IIF(IsNullOrEmpty([country]),"Other",[country])', {})).toBeNull();
    expect(flowValue('IIF(IsPresent([country]),[country],"Other")', {})).toBe('Other');
    // …and the recommended Switch workaround does.
    expect(flowValue('Switch([country],[country],"","Other")', {})).toBe('Other');
  });

  it('evaluates only the branch it takes', () => {
    expect(flowValue('IIF([a] = "x", "yes", IgnoreFlowIfNullOrEmpty([missing]))', { a: 'x' })).toBe('yes');
  });

  it("reads a non-comparison condition with CBool's rule", () => {
    expect(flowValue('IIF(IsPresent([a]), "yes", "no")', { a: 'x' })).toBe('yes');
    expect(flowValue('IIF([flag], "yes", "no")', { flag: 'TRUE' })).toBe('yes');
    expect(flowValue('IIF([flag], "yes", "no")', { flag: 'no' })).toBe('no');
  });

  it('has no AND/OR: nested IIFs implement them', () => {
    const and = 'IIF([country]="USA",IIF([state]="CA","True","False"),"False")';
    expect(flowValue(and, { country: 'UK', state: 'CA' })).toBe('False');
    const or = 'IIF([country]="USA","True",IIF([state]="CA","True","False"))';
    expect(flowValue(or, { country: 'UK', state: 'WA' })).toBe('False');
  });
});

describe('InStr', () => {
  it('returns 0 when not found and the 1-based position otherwise', () => {
    expect(flowValue('InStr("abc", "z")')).toBe(0);
    expect(flowValue('InStr("abcabc", "c", 4)')).toBe(6);
  });

  it('is case-sensitive by default and with vbBinaryCompare, not with vbTextCompare', () => {
    expect(flowValue('InStr("repEated", "E")')).toBe(4);
    expect(flowValue('InStr("repEated", "e", 3)')).toBe(7);
    expect(flowValue('InStr("repEated","e",3,vbTextCompare)')).toBe(4);
    expect(flowValue('InStr("Straße", "SSE", 1, vbTextCompare)')).toBe(0);
    expect(flowValue('InStr("İstanbul", "i", 1, vbTextCompare)')).toBe(1);
  });

  it('follows VB at the edges', () => {
    expect(flowValue('InStr([missing], "a")')).toBe(0);
    expect(flowValue('InStr("", "")')).toBe(0);
    expect(flowValue('InStr("abc", "", 2)')).toBe(2);
    expect(flowValue('InStr("abc", "a", 9)')).toBe(0);
    expect(errorOf('InStr("abc", "a", 0)').code).toBe('InvalidArgument');
    expect(errorOf('InStr("abc", "a", 1, "upper")').code).toBe('InvalidArgument');
  });
});

describe('IsString', () => {
  it('is true for a single text value only', () => {
    expect(flowValue('IsString([a])', { a: 'x' })).toBe(true);
    expect(flowValue('IsString([a])', { a: '' })).toBe(true);
    expect(flowValue('IsString([a])', { a: 5 })).toBe(false);
    expect(flowValue('IsString([a])', { a: ['x', 'y'] })).toBe(false);
    expect(flowValue('IsString([a])')).toBe(false);
    expect(flowValue('IsString(CStr([a]))', { a: 5 })).toBe(true);
  });
});

describe('Left, Mid, Word', () => {
  it('Left refuses a NumChars that is not a whole number', () => {
    expect(errorOf('Left("abc", "x")').code).toBe('InvalidArgument');
    expect(flowValue('Left("abc", "2")')).toBe('ab');
  });

  it('Mid is 1-based and stops at the end', () => {
    expect(flowValue('Mid("abcdef", 2, 3)')).toBe('bcd');
    expect(flowValue('Mid("abcdef", 5, 10)')).toBe('ef');
    expect(flowValue('Mid("abc", 4, 1)')).toBe('');
    expect(flowValue('Mid("abc", 1, 0)')).toBe('');
    expect(flowValue('Mid([missing], 1, 3)')).toBe('');
    expect(errorOf('Mid("abc", 0, 1)').code).toBe('InvalidArgument');
    expect(errorOf('Mid("abc", 1, -1)').code).toBe('InvalidArgument');
  });

  it('Word: runs of delimiters separate words; too few words, null or number < 1 give ""', () => {
    expect(flowValue('Word("a,,b", 2, ",")')).toBe('b');
    expect(flowValue('Word(",a", 1, ",")')).toBe('a');
    expect(flowValue('Word("a b", 3, " ")')).toBe('');
    expect(flowValue('Word([missing], 1, " ")')).toBe('');
    expect(flowValue('Word("a b", -1, " ")')).toBe('');
    expect(flowValue('Word("a b", 1, "")')).toBe('a b');
  });
});

describe('NormalizeDiacritics', () => {
  it('applies the table to upper and lower case, precomposed or decomposed', () => {
    expect(flowValue('NormalizeDiacritics([a])', { a: 'Zoe\u0308' })).toBe('Zoe');
    expect(flowValue('NormalizeDiacritics([a])', { a: 'ÄÖÜ äöü' })).toBe('AOU aou');
    expect(flowValue('NormalizeDiacritics([a])', { a: 'Ægir Ǣ straße' })).toBe('AEgir AE strasse');
    expect(flowValue('NormalizeDiacritics([a])', { a: 'Øystein ø' })).toBe('OEystein oe');
    expect(flowValue('NormalizeDiacritics([a])', { a: 'İstanbul ılık' })).toBe('Istanbul ilik');
    expect(flowValue('NormalizeDiacritics([a])', { a: 'Łódź Šťastný Çelik Ğ' })).toBe('Lodz Stastny Celik G');
  });

  it('handles the combining sequences of the table', () => {
    expect(
      flowValue('NormalizeDiacritics([a])', {
        a: '\u0101\u0301 \u0100\u0301 e\u030a\u0304 u\u0307\u0304 \u1e73\u0304',
      }),
    ).toBe('a A e u u');
    expect(flowValue('NormalizeDiacritics([a])', { a: 'a\u0331 S\u0331 Ḹ' })).toBe('a S L');
  });

  it('leaves what the table does not list, such as plain œ', () => {
    expect(flowValue('NormalizeDiacritics([a])', { a: 'œuvre Œ ĳ 東京' })).toBe('œuvre Œ ĳ 東京');
    expect(flowValue('NormalizeDiacritics([a])', { a: '\u0153\u0304' })).toBe('oe');
  });

  it('keeps absent absent and maps multi-valued attributes value by value', () => {
    expect(flowValue('NormalizeDiacritics([a])')).toBeNull();
    expect(flowValue('NormalizeDiacritics([a])', { a: ['é', 'ñ'] })).toEqual(['e', 'n']);
  });
});

describe('PCase', () => {
  it('follows .NET ToTitleCase after lower-casing', () => {
    expect(flowValue('PCase([a])', { a: 'jean-luc PICARD' })).toBe('Jean-Luc Picard');
    expect(flowValue('PCase([a])', { a: "O'NEIL" })).toBe("O'neil");
    expect(flowValue('PCase([a])', { a: '1ST STREET' })).toBe('1St Street');
    expect(flowValue('PCase([a])', { a: 'x1y z_w' })).toBe('X1y Z_W');
    expect(flowValue('PCase([a])', { a: 'émile ZOLA' })).toBe('Émile Zola');
    expect(flowValue('PCase([a])', { a: 'ǆungla' })).toBe('ǅungla');
  });

  it('uses only the given separators when there are some', () => {
    expect(flowValue('PCase([a], " ")', { a: 'JEAN-LUC PICARD' })).toBe('Jean-luc Picard');
    expect(flowValue('PCase([a], "-")', { a: 'ANNE MARIE-CLAIRE' })).toBe('Anne marie-Claire');
  });

  it('keeps absent absent', () => {
    expect(flowValue('PCase([a])')).toBeNull();
  });
});

describe('RandomString', () => {
  const sequence = (values: readonly number[]): (() => number) => {
    let index = 0;
    return () => values[index++ % values.length] ?? 0;
  };

  it('uses ctx.random, so a fixed source gives a fixed string', () => {
    const first = flowValue('RandomString(8, 2, 2, 2, 2)', {}, { random: sequence([0.1, 0.5, 0.9]) });
    const second = flowValue('RandomString(8, 2, 2, 2, 2)', {}, { random: sequence([0.1, 0.5, 0.9]) });
    expect(first).toBe(second);
    expect(String(first)).toHaveLength(8);
  });

  it('survives a random source that returns out-of-range numbers', () => {
    for (const bad of [1, -1, Number.NaN, 7]) {
      expect(String(flowValue('RandomString(5, 1, 1, 1, 1)', {}, { random: () => bad }))).toHaveLength(5);
    }
  });

  it('fills the rest only from the classes asked for', () => {
    for (let run = 0; run < 30; run += 1) {
      expect(String(flowValue('RandomString(20, 1, 0, 0, 1)'))).toMatch(/^[0-9a-z]{20}$/);
    }
  });

  it('refuses more than 256 characters, minimums above the length, and impossible exclusions', () => {
    expect(String(flowValue('RandomString(256, 0, 0, 0, 0)'))).toHaveLength(256);
    expect(errorOf('RandomString(257, 0, 0, 0, 0)').code).toBe('InvalidArgument');
    expect(errorOf('RandomString(3, 2, 2, 0, 0)').code).toBe('InvalidArgument');
    expect(errorOf('RandomString(3, -1, 0, 0, 0)').code).toBe('InvalidArgument');
    expect(errorOf('RandomString(3, 1, 0, 0, 0, "0123456789")').code).toBe('InvalidArgument');
  });
});

describe('Guid', () => {
  it('is a version-4 GUID, reproducible with ctx.random', () => {
    const random = (): number => 0.5;
    const value = flowValue('Guid()', {}, { random });
    expect(value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(flowValue('Guid()', {}, { random })).toBe(value);
  });
});

describe('ConvertToBase64 and ConvertToUTF8Hex', () => {
  it('encode UTF-16LE and upper-case UTF-8 hex, beyond ASCII too', () => {
    expect(flowValue('ConvertToBase64("é")')).toBe('6QA=');
    expect(flowValue('ConvertToUTF8Hex("é€")')).toBe('C3A9E282AC');
    expect(flowValue('ConvertToBase64([a])')).toBeNull();
  });
});

describe('CStr, StripSpaces, ToLower, ToUpper', () => {
  it('CStr writes booleans as True/False and numbers in full', () => {
    expect(flowValue('CStr([a])', { a: true })).toBe('True');
    expect(flowValue('CStr([a])', { a: 132539615990000000 })).toBe('132539615990000000');
    expect(flowValue('CStr([a])')).toBeNull();
  });

  it('StripSpaces removes spaces only', () => {
    expect(flowValue('StripSpaces([a])', { a: ' a\tb  c ' })).toBe('a\tbc');
  });

  it('ToLower/ToUpper use the invariant culture by default, one character to one', () => {
    expect(flowValue('ToUpper("straße")')).toBe('STRAßE');
    expect(flowValue('ToLower("İSTANBUL")')).toBe('istanbul');
    expect(flowValue('ToLower("ΟΔΟΣ")')).toBe('οδοσ');
    expect(flowValue('ToUpper([a])', { a: ['a', 'b'] })).toEqual(['A', 'B']);
    expect(flowValue('ToLower([a])')).toBeNull();
  });

  it('ToLower/ToUpper apply a given culture', () => {
    expect(flowValue('ToUpper("istanbul", "tr-TR")')).toBe('İSTANBUL');
    expect(flowValue('ToLower("TITLE", "tr-TR")')).toBe('tıtle');
    expect(flowValue('ToUpper("x", "")')).toBe('X');
    expect(errorOf('ToUpper("x", "not a culture!")').code).toBe('InvalidArgument');
  });
});

describe('Switch', () => {
  it('compares case-sensitively and evaluates only the chosen value', () => {
    expect(flowValue('Switch([a], "default", "x", "lower", "X", "upper")', { a: 'X' })).toBe('upper');
    expect(flowValue('Switch([a], "d", "x", IgnoreFlowIfNullOrEmpty([missing]), "y", "Y")', { a: 'y' })).toBe(
      'Y',
    );
  });

  it('treats an absent source as "", so a "" key catches empty and absent', () => {
    expect(flowValue('Switch([a], "d", "", "empty")')).toBe('empty');
  });

  it('gives null when the default is left empty and nothing matches', () => {
    expect(flowValue('Switch([a], , "1", "one")', { a: '2' })).toBeNull();
  });

  it('compares numbers and booleans through their text', () => {
    expect(flowValue('Switch(Count([a]), "many", 1, "one")', { a: ['x'] })).toBe('one');
    expect(flowValue('Switch(IsPresent([a]), "no", "True", "yes")', { a: 'x' })).toBe('yes');
  });
});

describe('Redact', () => {
  it('marks the result redacted wherever it is used', () => {
    const result = evaluate('Join("", Redact([secret]), "-x")', { secret: 's3cr3t' });
    expect(result).toEqual({ ok: true, flow: true, value: 's3cr3t-x', redacted: true });
  });

  it('hides error details that could quote the redacted value', () => {
    const error = errorOf('Redact(CDate([secret]))', { secret: 'hunter2' });
    expect(error.code).toBe('FunctionEvaluationError');
    expect(error.message).not.toContain('hunter2');
  });

  it('is not marked when the Redact branch is not taken', () => {
    expect(evaluate('IIF("True", "a", Redact("b"))')).toMatchObject({ redacted: false });
  });
});

describe('SelectUniqueValue', () => {
  it('must be the whole expression', () => {
    expect(errorOf('Join("", SelectUniqueValue("a", "b"))').code).toBe('FunctionEvaluationError');
  });

  it('skips rules that give nothing, and gives null when none gives a value', () => {
    expect(flowValue('SelectUniqueValue([missing], "b")')).toBe('b');
    expect(flowValue('SelectUniqueValue([missing], "")')).toBeNull();
  });

  it('evaluates rules lazily and reports a failing exists() as an error', () => {
    const asked: string[] = [];
    const exists = (candidate: string): boolean => {
      asked.push(candidate);
      return false;
    };
    expect(flowValue('SelectUniqueValue("a", "b")', {}, { exists })).toBe('a');
    expect(asked).toEqual(['a']);
    const error = errorOf(
      'SelectUniqueValue("a", "b")',
      {},
      {
        exists: () => {
          throw new Error('target unreachable');
        },
      },
    );
    expect(error.code).toBe('FunctionEvaluationError');
    expect(error.message).toContain('target unreachable');
  });
});

describe('role functions', () => {
  const admin = { id: 'a1', displayName: 'Admin', value: 'admin', appRoleId: 'r1' };
  const agent = { id: 'a2', displayName: 'Agent', value: 'agent', appRoleId: 'r2' };

  it('SingleAppRoleAssignment gives null for no role', () => {
    expect(flowValue('SingleAppRoleAssignment([appRoleAssignments])')).toBeNull();
    expect(flowValue('SingleAppRoleAssignment([appRoleAssignments])', { appRoleAssignments: [] })).toBeNull();
  });

  it('SingleAppRoleAssignment counts one app role reached twice as one', () => {
    const viaGroup = { ...admin, id: 'a3' };
    expect(
      flowValue('SingleAppRoleAssignment([appRoleAssignments])', { appRoleAssignments: [admin, viaGroup] }),
    ).toBe('Admin');
  });

  it('SingleAppRoleAssignment reports the number of roles found', () => {
    const third = { id: 'a4', displayName: 'Light agent', appRoleId: 'r3' };
    expect(
      errorOf('SingleAppRoleAssignment([appRoleAssignments])', { appRoleAssignments: [admin, agent, third] })
        .message,
    ).toContain('this many where found: 3');
  });

  it('the complex functions give every role name as a multi-valued value', () => {
    const attributes = { appRoleAssignments: [admin, agent, { ...admin, id: 'a5' }] };
    expect(flowValue('AppRoleAssignmentsComplex([appRoleAssignments])', attributes)).toEqual([
      'Admin',
      'Agent',
    ]);
    expect(flowValue('AssertiveAppRoleAssignmentsComplex([appRoleAssignments])', attributes)).toEqual([
      'Admin',
      'Agent',
    ]);
    expect(flowValue('AssertiveAppRoleAssignmentsComplex([appRoleAssignments])')).toEqual([]);
  });

  it('role assignments read as their display names elsewhere', () => {
    expect(flowValue('Join(",", [appRoleAssignments])', { appRoleAssignments: [admin, agent] })).toBe(
      'Admin,Agent',
    );
    expect(flowValue('[appRoleAssignments]', { appRoleAssignments: [admin] })).toEqual(['Admin']);
  });
});

describe('problems found before evaluation', () => {
  it('an unknown function, a wrong argument count or an unknown name fails every evaluation', () => {
    const unknown = node.call('IIF', [
      node.string('True'),
      node.string('a'),
      node.call('join', [node.string(',')]),
    ]);
    expect(evaluateExpression(unknown, { attributes: {} })).toMatchObject({
      ok: false,
      error: { code: 'UnknownFunction' },
    });
    const odd = node.call('Switch', [node.attribute('a'), node.string('d'), node.string('k')]);
    expect(evaluateExpression(odd, { attributes: {} })).toMatchObject({
      ok: false,
      error: { code: 'WrongArgumentCount' },
    });
    const name = node.call('InStr', [
      node.string('a'),
      node.string('b'),
      node.number(1),
      node.identifier('vbFoo'),
    ]);
    expect(evaluateExpression(name, { attributes: {} })).toMatchObject({
      ok: false,
      error: { code: 'InvalidArgument' },
    });
  });

  it('a compiled expression can be evaluated many times', () => {
    const compiled = compileExpression(node.call('ToUpper', [node.attribute('a')]));
    expect(compiled.evaluate({ attributes: { a: 'x' } })).toMatchObject({ value: 'X' });
    expect(compiled.evaluate({ attributes: { a: 'y' } })).toMatchObject({ value: 'Y' });
  });
});

describe('evaluate never throws', () => {
  it('turns a throwing attribute getter into FunctionEvaluationError', () => {
    const attributes = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter failed');
      },
    });
    expect(evaluateExpression(node.attribute('boom'), { attributes })).toMatchObject({
      ok: false,
      error: { code: 'FunctionEvaluationError' },
    });
  });

  it('survives a context that is not an object', () => {
    const ctx = { attributes: null } as unknown as Parameters<typeof evaluateExpression>[1];
    expect(evaluateExpression(node.attribute('a'), ctx)).toMatchObject({ ok: true, value: null });
    const none = undefined as unknown as Parameters<typeof evaluateExpression>[1];
    expect(evaluateExpression(node.attribute('a'), none)).toMatchObject({ ok: false });
  });

  it('survives a hand-built AST nested far deeper than the parser allows', () => {
    let deep: ExpressionNode = node.attribute('a');
    for (let level = 0; level < 20_000; level += 1) deep = node.call('ToLower', [deep]);
    expect(evaluateExpression(deep, { attributes: { a: 'X' } }).ok).toBeTypeOf('boolean');
  });
});
