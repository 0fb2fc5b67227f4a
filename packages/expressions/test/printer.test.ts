import { describe, expect, it } from 'vitest';
import { type ExpressionNode, node } from '../src/ast.js';
import { parseExpression } from '../src/syntax/parser.js';
import { formatNumber, printExpression, quoteString } from '../src/syntax/printer.js';
import { referenceExpressions } from './support/reference-expressions.js';

function parsed(text: string): ExpressionNode {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${result.error.message}`);
  return result.ast;
}

const canonical = (text: string): string => printExpression(parsed(text));

describe('canonical form', () => {
  it.each([
    ['Join(" ",[givenName],[surname])', 'Join(" ", [givenName], [surname])'],
    ['Replace([x], , , , "_", , )', 'Replace([x], , , , "_", , )'],
    ['Replace([mail], "@contoso.com", , ,"", ,)', 'Replace([mail], "@contoso.com", , , "", , )'],
    ['BitAnd(&hf, &HF7)', 'BitAnd(&HF, &HF7)'],
    ['DateAdd("d", -10, Now( ))', 'DateAdd("d", -10, Now())'],
    ['IIF([country]="USA",[country],[department])', 'IIF([country] = "USA", [country], [department])'],
    ['CBool([a]<>[b])', 'CBool([a] <> [b])'],
    ['InStr("repEated","e",3,vbBinaryCompare)', 'InStr("repEated", "e", 3, vbBinaryCompare)'],
    ['Switch([Active], , "1", "x", "0", "y")', 'Switch([Active], , "1", "x", "0", "y")'],
    ['FormatDateTime([a], , "in", "out")', 'FormatDateTime([a], , "in", "out")'],
    ['DateFromNum(129699324000000000)', 'DateFromNum(129699324000000000)'],
    ['  [first name]  ', '[first name]'],
    ['Join(\n  ",",\n  [a]\n)', 'Join(",", [a])'],
    [String.raw`"Company name: \"Contoso\""`, String.raw`"Company name: \"Contoso\""`],
    // An unknown escape keeps its backslash; canonical text escapes that backslash.
    [String.raw`"\d+"`, String.raw`"\\d+"`],
    ['-0', '0'],
    ['007', '7'],
    ['&H00ff', '&HFF'],
  ])('%j prints as %j', (text, expected) => {
    expect(canonical(text)).toBe(expected);
  });
});

describe('round trip of the reference expressions', () => {
  it.each(referenceExpressions)('%s', (text) => {
    const ast = parsed(text);
    const printed = printExpression(ast);
    expect(parsed(printed)).toEqual(ast);
    // Canonical text is a fixed point.
    expect(printExpression(parsed(printed))).toBe(printed);
  });
});

describe('literals', () => {
  it('escapes only backslash and double quote', () => {
    expect(quoteString('a"b\\c\nd\u00e9')).toBe('"a\\"b\\\\c\nd\u00e9"');
    expect(quoteString('')).toBe('""');
  });

  it('prints large integers in full, never in exponent form', () => {
    expect(formatNumber(1e21, false)).toBe('1000000000000000000000');
    expect(parsed(formatNumber(1e21, false))).toEqual(node.number(1e21));
    expect(formatNumber(-42, false)).toBe('-42');
    expect(formatNumber(255, true)).toBe('&HFF');
    expect(formatNumber(2 ** 60, true)).toBe('&H1000000000000000');
    expect(parsed('&H1000000000000000')).toEqual(node.number(2 ** 60, true));
  });

  it('prints hand-built shapes that have no text as best it can', () => {
    expect(printExpression(node.call('Not', [node.missing()]))).toBe('Not()');
    expect(printExpression(node.number(-1, true))).toBe('-1');
    expect(printExpression(node.number(1.5))).toBe('1.5');
  });
});
