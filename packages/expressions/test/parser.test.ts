import { describe, expect, it } from 'vitest';
import { type ExpressionNode, node } from '../src/ast.js';
import type { ExpressionError } from '../src/errors.js';
import {
  checkArity,
  functionSignatures,
  lookupFunction,
  parameterName,
  suggestFunctionName,
} from '../src/functions/signatures.js';
import { tokenize } from '../src/syntax/lexer.js';
import { MAX_EXPRESSION_LENGTH, MAX_NESTING_DEPTH, parseExpression } from '../src/syntax/parser.js';
import { referenceExpressions } from './support/reference-expressions.js';

function parsed(text: string): ExpressionNode {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${result.error.message}`);
  return result.ast;
}

function failure(text: string): ExpressionError {
  const result = parseExpression(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to fail`);
  return result.error;
}

const a = node.attribute;
const s = node.string;
const n = node.number;
const call = node.call;
const missing = node.missing();

describe('reference expressions', () => {
  it.each(referenceExpressions)('parses %s', (text) => {
    const result = parseExpression(text);
    expect(result.ok ? 'ok' : result.error.message).toBe('ok');
  });
});

describe('the AST of documented syntax', () => {
  it('reads attributes, strings and nested calls', () => {
    expect(parsed('Join(" ", [givenName], [surname])')).toEqual(
      call('Join', [s(' '), a('givenName'), a('surname')]),
    );
    expect(parsed('Append(Mid([givenName], 1, 3), Mid([surname], 1, 5))')).toEqual(
      call('Append', [call('Mid', [a('givenName'), n(1), n(3)]), call('Mid', [a('surname'), n(1), n(5)])]),
    );
  });

  it('keeps attribute names verbatim: spaces, dots, hyphens, colons', () => {
    expect(parsed('[first name]')).toEqual(a('first name'));
    expect(parsed('[manager.displayName]')).toEqual(a('manager.displayName'));
    expect(parsed('[employee-id]')).toEqual(a('employee-id'));
    expect(parsed('[urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department]')).toEqual(
      a('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'),
    );
    expect(parsed('[ padded ]')).toEqual(a(' padded '));
  });

  it('unescapes \\" and \\\\ and keeps other backslashes literally', () => {
    expect(parsed(String.raw`"Company name: \"Contoso\""`)).toEqual(s('Company name: "Contoso"'));
    expect(parsed(String.raw`"a\\b"`)).toEqual(s(String.raw`a\b`));
    expect(parsed(String.raw`"\d+\s"`)).toEqual(s(String.raw`\d+\s`));
    expect(parsed('"line1\nline2"')).toEqual(s('line1\nline2'));
    expect(parsed('""')).toEqual(s(''));
  });

  it('reads the doc regexes with their doubled backslashes as single ones', () => {
    const ast = parsed(
      String.raw`Replace([telephoneNumber], , "\\+(?<isdCode>\\d* )(?<phoneNumber>\\d{10})", , "${'$'}{phoneNumber}", , )`,
    );
    expect(ast).toEqual(
      call('Replace', [
        a('telephoneNumber'),
        missing,
        s(String.raw`\+(?<isdCode>\d* )(?<phoneNumber>\d{10})`),
        missing,
        s('${phoneNumber}'),
        missing,
        missing,
      ]),
    );
  });

  it('reads integers, negative integers and VB hex literals', () => {
    expect(parsed('DateAdd("d", -10, Now())')).toEqual(call('DateAdd', [s('d'), n(-10), call('Now', [])]));
    expect(parsed('BitAnd(&HF, &hF7)')).toEqual(call('BitAnd', [n(15, true), n(247, true)]));
    expect(parsed('DateFromNum(129699324000000000)')).toEqual(call('DateFromNum', [n(129699324000000000)]));
    expect(parsed('-0')).toEqual(n(0));
    expect(Object.is((parsed('-0') as { value: number }).value, 0)).toBe(true);
  });

  it('reads vbTextCompare and vbBinaryCompare as identifiers', () => {
    expect(parsed('InStr("repEated","e",3,vbBinaryCompare)')).toEqual(
      call('InStr', [s('repEated'), s('e'), n(3), node.identifier('vbBinaryCompare')]),
    );
    expect(parsed('InStr("a", "A", 1, vbTextCompare)')).toEqual(
      call('InStr', [s('a'), s('A'), n(1), node.identifier('vbTextCompare')]),
    );
  });

  it('reads empty positional arguments, trailing ones included', () => {
    expect(parsed('Replace([x], , , , "_", , )')).toEqual(
      call('Replace', [a('x'), missing, missing, missing, s('_'), missing, missing]),
    );
    expect(parsed('Replace([mail], "@contoso.com", , ,"", ,)')).toEqual(
      call('Replace', [a('mail'), s('@contoso.com'), missing, missing, s(''), missing, missing]),
    );
    expect(parsed('FormatDateTime([a], , "in", "out")')).toEqual(
      call('FormatDateTime', [a('a'), missing, s('in'), s('out')]),
    );
    expect(parsed('Guid()')).toEqual(call('Guid', []));
    expect(parsed('Guid( \n )')).toEqual(call('Guid', []));
  });

  it('reads every comparison operator inside arguments', () => {
    for (const operator of ['=', '<>', '>', '>=', '<', '<='] as const) {
      expect(parsed(`IIF([a]${operator}"x", 1, 0)`)).toEqual(
        call('IIF', [node.comparison(operator, a('a'), s('x')), n(1), n(0)]),
      );
      expect(parsed(`CBool([a] ${operator} [b])`)).toEqual(
        call('CBool', [node.comparison(operator, a('a'), a('b'))]),
      );
    }
    expect(parsed('IIF(DateDiff("d", Now(), CDate([h])) > 5, "False", "True")')).toEqual(
      call('IIF', [
        node.comparison('>', call('DateDiff', [s('d'), call('Now', []), call('CDate', [a('h')])]), n(5)),
        s('False'),
        s('True'),
      ]),
    );
  });

  it('accepts whitespace and line breaks between any tokens', () => {
    const spaced = parsed('\n\t Join (\r\n" " ,\n[a]\r,[b] \u00a0)\n');
    expect(spaced).toEqual(call('Join', [s(' '), a('a'), a('b')]));
    expect(parsed('IIF( [a]\n=\n"x" ,1,0)')).toEqual(
      call('IIF', [node.comparison('=', a('a'), s('x')), n(1), n(0)]),
    );
  });

  it('accepts a top-level comparison only when asked (one argument on its own)', () => {
    const result = parseExpression('[a] = [b]', { allowComparison: true });
    expect(result).toEqual({ ok: true, ast: node.comparison('=', a('a'), a('b')) });
  });

  it('accepts both forms of FormatDateTime and the documented ranges', () => {
    expect(parseExpression('FormatDateTime([a], "in", "out")').ok).toBe(true);
    expect(parseExpression('FormatDateTime([a], "s", "in", "out")').ok).toBe(true);
    expect(parseExpression('InStr("a", "b")').ok).toBe(true);
    expect(parseExpression('PCase([a])').ok).toBe(true);
    expect(parseExpression('ToUpper([a], "en-US")').ok).toBe(true);
    expect(parseExpression('RandomString(6,3,0,0,3)').ok).toBe(true);
    expect(parseExpression('Coalesce([a])').ok).toBe(true);
    expect(parseExpression('Join(",", [a], [b], [c], [d], [e])').ok).toBe(true);
    expect(parseExpression('Switch([a], , "1", "x", "2", "y", "3", "z")').ok).toBe(true);
  });
});

describe('syntax errors', () => {
  it.each([
    [
      'Join(" ", [a] [b])',
      1,
      15,
      "expected ')' or ',' after argument 2 of Join, found attribute [b] at 1:15",
    ],
    ['Join(" ", [a]', 1, 14, "expected ')' or ',' after argument 2 of Join, found end of expression at 1:14"],
    ['Join(" ",', 1, 10, "expected argument 2 of Join or ')', found end of expression at 1:10"],
    ['', 1, 1, 'expected an attribute like [mail], a string like "text", a number or a function call'],
    ['   \n  ', 2, 3, 'found end of expression at 2:3'],
    ['[a] [b]', 1, 5, 'expected end of expression, found attribute [b] at 1:5'],
    ['[a], [b]', 1, 4, 'several values must be combined by a function'],
    ['Join(" ", [a]))', 1, 15, "expected end of expression, found ')' at 1:15"],
    ['[a] = [b]', 1, 5, "a comparison ('=') is only allowed as a function argument"],
    ['IIF([a] = [b] = [c], 1, 2)', 1, 15, 'comparisons cannot be chained'],
    ['IIF(= [b], 1, 2)', 1, 5, "expected a value before '=' in argument 1 of IIF at 1:5"],
    ['IIF([a] = , 1, 2)', 1, 11, "expected a value after '=' in argument 1 of IIF, found ',' at 1:11"],
    ['IIF([a] == [b], 1, 2)', 1, 9, "the equality operator is '='"],
    ['IIF([a] != [b], 1, 2)', 1, 9, "the inequality operator is '<>'"],
    ['Append([a], ("x"))', 1, 13, "unexpected '(' in argument 2 of Append"],
    ['[a', 1, 1, "unterminated attribute name: expected ']'"],
    ['[a\n]', 1, 1, 'unterminated attribute name'],
    ['[]', 1, 1, 'empty attribute name'],
    ['Append([a], "x)', 1, 13, 'unterminated string'],
    [String.raw`"abc\"`, 1, 1, 'unterminated string'],
    ["Append([a], 'x')", 1, 13, 'text constants use double quotes'],
    ['Append([a], \u201cx\u201d)', 1, 13, 'not typographic ones'],
    ['Mid([a], 1.5, 2)', 1, 11, 'numbers are integers'],
    ['Mid([a], - 1, 2)', 1, 10, "'-' must be followed directly by digits"],
    ['Mid([a], 1x, 2)', 1, 11, "unexpected character 'x'"],
    ['BitAnd(&HG, 1)', 1, 10, 'expected hexadecimal digits after &H'],
    ['BitAnd(&F, 1)', 1, 8, 'there is no & operator'],
    ['Append([a] + "x")', 1, 12, 'there is no arithmetic'],
    ['InStr("a", "b", 1, vbtextcompare)', 1, 20, 'did you mean vbTextCompare?'],
    [
      'Append(givenName, "x")',
      1,
      8,
      "unknown name 'givenName'; attributes are written in brackets ([givenName])",
    ],
    ['Append([a], True)', 1, 13, "unknown name 'True'"],
    ['Append([a], Now)', 1, 13, "expected '(' after function name Now"],
    [
      'Append([a],\n  "x" "y")',
      2,
      7,
      "expected ')' or ',' after argument 2 of Append, found string \"y\" at 2:7",
    ],
    ['Append([a],\r\n  "x" "y")', 2, 7, 'at 2:7'],
    ['Append([a],\r  "x" "y")', 2, 7, 'at 2:7'],
    [`Mid([a], 1${'0'.repeat(400)}, 2)`, 1, 10, 'is too large'],
    ['Append([a], "x") \u0001', 1, 18, 'unexpected character U+0001'],
  ])('%j fails at %i:%i with %j', (text, line, column, message) => {
    const error = failure(text);
    expect(error.code).toBe('ExpressionSyntaxError');
    expect({ line: error.line, column: error.column }).toEqual({ line, column });
    expect(error.message).toContain(message);
    expect(error.message).toMatch(/ at \d+:\d+/);
  });

  it('reports the first problem in reading order, lexical or not', () => {
    expect(failure('Join(" " [a] \u00a7').column).toBe(10);
    expect(failure('Join(" ", \u00a7 [a] [b]').column).toBe(11);
  });
});

describe('unknown functions', () => {
  it('are case-sensitive and suggest the right spelling', () => {
    const error = failure('join(" ", [a])');
    expect(error).toMatchObject({ code: 'UnknownFunction', line: 1, column: 1 });
    expect(error.message).toBe(
      "unknown function 'join'; function names are case-sensitive: did you mean 'Join'? at 1:1",
    );
    expect(failure('Append(toupper([a]), "x")')).toMatchObject({ code: 'UnknownFunction', column: 8 });
    expect(failure('Append(toupper([a]), "x")').message).toContain("did you mean 'ToUpper'?");
  });

  it('do not find Object.prototype members or undocumented Graph functions', () => {
    for (const name of [
      'toString',
      'constructor',
      'hasOwnProperty',
      '__proto__',
      'DefaultDomain',
      'AppRoleAssignments',
    ]) {
      expect(failure(`${name}()`)).toMatchObject({ code: 'UnknownFunction' });
      expect(lookupFunction(name)).toBeUndefined();
    }
  });

  it('are reported before their arguments are read', () => {
    expect(failure('Foo([a] [b])')).toMatchObject({ code: 'UnknownFunction', column: 1 });
  });
});

describe('argument counts', () => {
  it.each([
    ['Join(" ")', 'Join expects at least 2 arguments, got 1: Join(separator, source, …) at 1:1'],
    ['Word("a b", 1)', 'Word expects 3 arguments, got 2: Word(String, WordNumber, Delimiters) at 1:1'],
    ['Now(1)', 'Now expects no arguments, got 1: Now() at 1:1'],
    ['Guid(,)', 'Guid expects no arguments, got 2'],
    ['InStr("a")', 'InStr expects 2 to 4 arguments, got 1: InStr(value1, value2, start?, compareType?)'],
    ['Replace([a], "x", "y")', 'Replace expects 7 arguments, got 3'],
    ['Replace([a], "x", , , "y")', 'leave unused positions empty'],
    ['Switch([a], "d", "k")', 'Switch expects an even number of arguments, at least 4, got 3'],
    ['Switch([a], "d")', 'Switch expects an even number of arguments, at least 4, got 2'],
    ['Switch([a], "d", "k", "v", "k2")', 'got 5'],
    ['FormatDateTime([a], "x")', 'FormatDateTime expects 3 or 4 arguments, got 2'],
    ['FormatDateTime([a], , , , )', 'got 5'],
    ['SelectUniqueValue([a])', 'SelectUniqueValue expects at least 2 arguments, got 1'],
    ['RandomString(6,3,0,0)', 'RandomString expects 5 to 6 arguments, got 4'],
    ['Coalesce()', 'Coalesce expects at least 1 argument, got 0'],
    ['Not()', 'Not expects 1 argument, got 0'],
  ])('%s', (text, message) => {
    const error = failure(text);
    expect(error.code).toBe('WrongArgumentCount');
    expect(error.message).toContain(message);
  });

  it('point at the function name, even when nested', () => {
    expect(failure('Append([a],\n   Left("x"))')).toMatchObject({
      code: 'WrongArgumentCount',
      line: 2,
      column: 4,
    });
  });
});

describe('limits', () => {
  it(`refuses text over ${MAX_EXPRESSION_LENGTH} characters`, () => {
    const ok = `"${'x'.repeat(MAX_EXPRESSION_LENGTH - 2)}"`;
    expect(parseExpression(ok).ok).toBe(true);
    const error = failure(`"${'x'.repeat(MAX_EXPRESSION_LENGTH - 1)}"`);
    expect(error).toMatchObject({ code: 'ExpressionTooLong', line: 1, column: MAX_EXPRESSION_LENGTH + 1 });
    expect(error.message).toContain('10001 characters long');
  });

  it(`accepts ${MAX_NESTING_DEPTH} nested calls and refuses deeper ones without throwing`, () => {
    const nest = (depth: number): string => `${'Not('.repeat(depth)}[a]${')'.repeat(depth)}`;
    expect(parseExpression(nest(MAX_NESTING_DEPTH)).ok).toBe(true);
    const error = failure(nest(MAX_NESTING_DEPTH + 1));
    expect(error).toMatchObject({
      code: 'ExpressionSyntaxError',
      line: 1,
      column: MAX_NESTING_DEPTH * 4 + 1,
    });
    expect(error.message).toContain('nested too deeply');
    expect(failure(nest(1600)).message).toContain('nested too deeply');
    expect(failure('Not('.repeat(2500)).message).toContain('nested too deeply');
  });

  it('never throws on non-string input from untyped callers', () => {
    const untyped = parseExpression as (text: unknown) => ReturnType<typeof parseExpression>;
    expect(untyped(undefined)).toMatchObject({ ok: false, error: { code: 'ExpressionSyntaxError' } });
    expect(untyped(42)).toMatchObject({ ok: false });
  });
});

describe('tokenize', () => {
  it('lists tokens with positions', () => {
    const result = tokenize('IIF([a] >= -1,\n&HF, "x")');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(
      result.tokens.map((token) => `${token.kind}@${token.position.line}:${token.position.column}`),
    ).toEqual([
      'Identifier@1:1',
      'LParen@1:4',
      'Attribute@1:5',
      'Operator@1:9',
      'Number@1:12',
      'Comma@1:14',
      'Number@2:1',
      'Comma@2:4',
      'String@2:6',
      'RParen@2:9',
      'End@2:10',
    ]);
  });

  it('returns lexical errors as values', () => {
    expect(tokenize('[a')).toMatchObject({ ok: false, error: { code: 'ExpressionSyntaxError', column: 1 } });
  });
});

describe('function signatures', () => {
  it('cover the 44 functions, with min <= max', () => {
    const names = Object.keys(functionSignatures);
    expect(names).toHaveLength(44);
    for (const [name, signature] of Object.entries(functionSignatures)) {
      expect(signature.name).toBe(name);
      expect(signature.minArgs).toBeLessThanOrEqual(signature.maxArgs);
      expect(Object.isFrozen(signature)).toBe(true);
    }
  });

  it('name parameters for Graph keys, cycling the repeating ones', () => {
    const names = (name: string, count: number): string[] => {
      const signature = lookupFunction(name);
      if (signature === undefined) throw new Error(name);
      return Array.from({ length: count }, (_, index) => parameterName(signature, index, count));
    };
    expect(names('Mid', 3)).toEqual(['source', 'start', 'length']);
    expect(names('Join', 4)).toEqual(['separator', 'source', 'source', 'source']);
    expect(names('Switch', 6)).toEqual(['source', 'defaultValue', 'key', 'value', 'key', 'value']);
    expect(names('FormatDateTime', 3)).toEqual(['source', 'inputFormat', 'outputFormat']);
    expect(names('FormatDateTime', 4)).toEqual(['source', 'dateTimeStyles', 'inputFormat', 'outputFormat']);
    expect(names('Not', 1)).toEqual(['source']);
  });

  it('suggest by case and check arity', () => {
    expect(suggestFunctionName('IIf')).toBe('IIF');
    expect(suggestFunctionName('Nope')).toBeUndefined();
    expect(checkArity(functionSignatures.Switch, 4)).toBeUndefined();
    expect(checkArity(functionSignatures.Switch, 5)).toContain('even');
  });
});
