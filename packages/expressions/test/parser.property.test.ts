import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ComparisonOperator, type ExpressionNode, node } from '../src/ast.js';
import { expressionErrorCodes } from '../src/errors.js';
import { type FunctionSignature, functionSignatures } from '../src/functions/signatures.js';
import { type AttributeMappingSource, fromGraphSource, toGraphSource } from '../src/syntax/graph.js';
import { MAX_EXPRESSION_LENGTH, type ParseResult, parseExpression } from '../src/syntax/parser.js';
import { printExpression } from '../src/syntax/printer.js';

// ---------------------------------------------------------------------------------------------
// Generators of ASTs the parser can produce: attribute names without ']' or line breaks, integer
// numbers (non-negative when hex), only the two documented identifiers, Missing only as a call
// argument and never as the only one, comparisons only as call arguments with plain operands, and
// calls with an argument count their signature accepts.
// ---------------------------------------------------------------------------------------------

const attributeName = fc.oneof(
  fc.constantFrom(
    'mail',
    'first name',
    'manager.displayName',
    'employee-id',
    'urn:ietf:params:scim:User:x',
    ' a ',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }).filter((name) => !/[\]\r\n]/.test(name)),
);

const stringValue = fc.oneof(
  fc.constantFrom('', ' ', '"', '\\', '\\"', '"\\', 'a\nb', '${x}', '\\d+'),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.string({ unit: fc.constantFrom('"', '\\', 'a', ' ', '\n', ','), maxLength: 12 }),
);

const noNegativeZero = (value: number): number => (value === 0 ? 0 : value);

const decimal = fc
  .oneof(
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double({ min: -1e300, max: 1e300, noNaN: true }).map(Math.trunc),
    fc.constant(129699324000000000),
  )
  .map((value) => node.number(noNegativeZero(value)));

const hex = fc
  .oneof(fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 80n }).map(Number))
  .map((value) => node.number(value, true));

const leaf: fc.Arbitrary<ExpressionNode> = fc.oneof(
  attributeName.map(node.attribute),
  stringValue.map(node.string),
  decimal,
  hex,
  fc.constantFrom('vbTextCompare', 'vbBinaryCompare').map(node.identifier),
);

const operators: readonly ComparisonOperator[] = ['=', '<>', '>', '>=', '<', '<='];
const signatures: readonly FunctionSignature[] = Object.values(functionSignatures);

/** An argument count the signature accepts (variadic ones up to 4 past the minimum). */
function argumentCount(signature: FunctionSignature): fc.Arbitrary<number> {
  const max = Math.min(signature.maxArgs, signature.minArgs + 4);
  return fc
    .integer({ min: signature.minArgs, max })
    .map((count) => (signature.evenArgs && count % 2 === 1 ? count + 1 : count));
}

// A type alias, not an interface: fc.letrec needs a type assignable to Record<string, unknown>.
type Trees = {
  operand: ExpressionNode;
  argument: ExpressionNode;
  call: ExpressionNode;
};

const trees = fc.letrec<Trees>((tie) => ({
  operand: fc.oneof({ maxDepth: 4, depthIdentifier: 'ast' }, leaf, tie('call')),
  argument: fc.oneof(
    { depthIdentifier: 'ast' },
    { arbitrary: tie('operand'), weight: 4 },
    { arbitrary: fc.constant(node.missing()), weight: 1 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...operators), tie('operand'), tie('operand'))
        .map(([operator, left, right]) => node.comparison(operator, left, right)),
      weight: 1,
    },
  ),
  call: fc.constantFrom(...signatures).chain((signature) =>
    argumentCount(signature).chain((count) =>
      fc
        .array(tie('argument'), { minLength: count, maxLength: count })
        // A lone empty argument has no spelling (`F()` has none): give it a value instead.
        .map((args) =>
          node.call(
            signature.name,
            args.length === 1 && args[0]?.kind === 'Missing' ? [node.string('')] : args,
          ),
        ),
    ),
  ),
}));

const expressionTree = trees.operand.filter((ast) => printExpression(ast).length <= MAX_EXPRESSION_LENGTH);

// ---------------------------------------------------------------------------------------------
// Checks on any parse result.
// ---------------------------------------------------------------------------------------------

/** The 0-based offset of a 1-based line:column, with the lexer's line breaks. */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let current = 1; current < line; current += 1) {
    const match = /\r\n|\r|\n/.exec(text.slice(offset));
    if (match === null) return Number.POSITIVE_INFINITY;
    offset += match.index + match[0].length;
  }
  return offset + column - 1;
}

/** A result is well-formed: an AST whose canonical text parses back to it, or a positioned error. */
function expectWellFormed(text: string, result: ParseResult): void {
  if (result.ok) {
    const printed = printExpression(result.ast);
    expect(parseExpression(printed)).toEqual({ ok: true, ast: result.ast });
    return;
  }
  const { error } = result;
  expect(expressionErrorCodes).toContain(error.code);
  expect(error.message.length).toBeGreaterThan(0);
  if (error.code === 'ExpressionTooLong') return;
  const { line, column } = error;
  if (line === undefined || column === undefined) throw new Error(`no position in ${error.message}`);
  expect(line).toBeGreaterThanOrEqual(1);
  expect(column).toBeGreaterThanOrEqual(1);
  // The position is inside the text or just past its end.
  expect(offsetOf(text, line, column)).toBeLessThanOrEqual(text.length);
  expect(
    error.message.endsWith(` at ${line}:${column}`) || error.message.includes(` at ${line}:${column};`),
  ).toBe(true);
}

// ---------------------------------------------------------------------------------------------
// Token soup: sequences of the grammar's tokens (and near-misses) with random white space.
// ---------------------------------------------------------------------------------------------

const tokenText = fc.oneof(
  fc.constantFrom(
    '(',
    ')',
    ',',
    '=',
    '<>',
    '>',
    '>=',
    '<',
    '<=',
    '==',
    '!=',
    '-',
    '&H',
    '&',
    '[',
    ']',
    '"',
    '\\',
    '.',
    "'",
    'vbTextCompare',
    'vbtextcompare',
    'True',
    'toString',
    '__proto__',
    'join',
    '[a]',
    '[first name]',
    '""',
    '"x"',
    '"\\""',
    '1',
    '-10',
    '&HF7',
    '1.5',
    '00',
  ),
  fc.constantFrom(...Object.keys(functionSignatures)),
  fc.constantFrom(...Object.keys(functionSignatures)).map((name) => `${name}(`),
  attributeName.map((name) => `[${name}]`),
);

const whitespace = fc.constantFrom('', '', ' ', '\n', '\r\n', '\r', '\t', '\u00a0');

const tokenSoup = fc
  .array(fc.tuple(whitespace, tokenText), { maxLength: 40 })
  .map((parts) => parts.map(([space, token]) => `${space}${token}`).join(''));

/** A valid expression with one character deleted, replaced or inserted. */
const mutated = fc
  .tuple(expressionTree, fc.nat(), fc.constantFrom('delete', 'replace', 'insert'), tokenText)
  .map(([ast, position, operation, token]) => {
    const text = printExpression(ast);
    const at = text.length === 0 ? 0 : position % text.length;
    if (operation === 'delete') return text.slice(0, at) + text.slice(at + 1);
    if (operation === 'replace') return text.slice(0, at) + token + text.slice(at + 1);
    return text.slice(0, at) + token + text.slice(at);
  });

// ---------------------------------------------------------------------------------------------

describe('print → parse', () => {
  it('gives back an equal AST for any AST the parser can produce', () => {
    fc.assert(
      fc.property(expressionTree, (ast) => {
        expect(parseExpression(printExpression(ast))).toEqual({ ok: true, ast });
      }),
      { numRuns: 500 },
    );
  });

  it('is a fixed point on canonical text', () => {
    fc.assert(
      fc.property(expressionTree, (ast) => {
        const printed = printExpression(ast);
        const again = parseExpression(printed);
        expect(again.ok && printExpression(again.ast)).toBe(printed);
      }),
    );
  });
});

describe('parseExpression never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string(), (text) => expectWellFormed(text, parseExpression(text))),
      { numRuns: 500 },
    );
  });

  it('on arbitrary Unicode (any code point, lone surrogates included) and graphemes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (text) =>
        expectWellFormed(text, parseExpression(text)),
      ),
      { numRuns: 500 },
    );
  });

  it('on token soup built from the grammar', () => {
    fc.assert(
      fc.property(tokenSoup, (text) => expectWellFormed(text, parseExpression(text))),
      { numRuns: 2000 },
    );
  });

  it('on valid expressions with one mutation', () => {
    fc.assert(
      fc.property(mutated, (text) => expectWellFormed(text, parseExpression(text))),
      { numRuns: 1000 },
    );
  });

  it('on long and deeply nested inputs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4000 }),
        fc.constantFrom('Not(', 'Join(",", ', 'IIF([a] = ', '(', '[', '"', ','),
        (depth, opener) => {
          const text = opener.repeat(depth);
          expectWellFormed(text, parseExpression(text));
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** Removes the `expression` of every Function node, leaving the structure to carry them. */
function withoutFunctionExpressions(source: AttributeMappingSource): unknown {
  return {
    ...source,
    expression: source.type === 'Function' ? null : source.expression,
    parameters: source.parameters.map(({ key, value }) => ({
      key,
      value: withoutFunctionExpressions(value),
    })),
  };
}

describe('Graph attributeMappingSource', () => {
  it('round-trips any AST, through JSON, and from the structure alone', () => {
    fc.assert(
      fc.property(expressionTree, (ast) => {
        const source = toGraphSource(ast);
        expect(fromGraphSource(source)).toEqual({ ok: true, ast });
        expect(fromGraphSource(JSON.parse(JSON.stringify(source)))).toEqual({ ok: true, ast });
        expect(fromGraphSource(withoutFunctionExpressions(source))).toEqual({ ok: true, ast });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary values', () => {
    const loose = fc.letrec<{ source: unknown }>((tie) => ({
      source: fc.oneof(
        { maxDepth: 4, depthIdentifier: 'json' },
        fc.anything(),
        fc.record(
          {
            expression: fc.oneof(fc.constant(null), fc.string(), tokenSoup),
            name: fc.oneof(
              fc.constant(null),
              fc.string(),
              fc.constantFrom(...Object.keys(functionSignatures), '='),
            ),
            type: fc.constantFrom('Attribute', 'Constant', 'Function', 'Other', null),
            parameters: fc.oneof(
              fc.array(fc.record({ key: fc.string(), value: tie('source') }), { maxLength: 8 }),
              fc.anything(),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
    }));
    fc.assert(
      fc.property(loose.source, (json) => {
        const result = fromGraphSource(json);
        if (result.ok) {
          expect(parseExpression(printExpression(result.ast))).toEqual({ ok: true, ast: result.ast });
        } else {
          expect(expressionErrorCodes).toContain(result.error.code);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
