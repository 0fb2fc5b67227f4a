/**
 * Conversion between the AST and Microsoft Graph's `attributeMappingSource` JSON tree
 * (https://learn.microsoft.com/graph/api/resources/synchronization-attributemappingsource):
 *
 *   { expression, name, parameters: [{ key, value: attributeMappingSource }], type: Attribute|Constant|Function }
 *
 * Graph describes `expression` as the "Equivalent expression representation of this
 * attributeMappingSource object", so we treat it as the canonical form, the one that round-trips, and
 * `parameters` as derived from it:
 * - `toGraphSource` writes every node's canonical text (`printExpression`) into its `expression`, and
 *   also the documented structure (`name`, `type`, `parameters` keyed by the function's parameter
 *   names in order) for readers that walk the tree.
 * - `fromGraphSource` parses a node's `expression` whenever it has one (for the root, that decides the
 *   whole tree: Graph's own `parameters` are lossy, e.g. `Mid([upn], 1, 8)` carries Constants `"1"`
 *   and `"8"`, and Replace's parameters are keyed `source`, `Find`, `Replacement` with the empty
 *   positions left out). Only a node without an `expression` is read from its structure, and then its
 *   parameters are positional, whatever their keys.
 *
 * How nodes Graph's documentation does not show are written (all undocumented; chosen so that the
 * `expression` round-trips exactly, and the structure alone stays readable):
 * - Number: a Constant whose `expression` is the literal (`1`, `&HF7`, unquoted, unlike Graph's own
 *   `"\"1\""`) and whose `name` is the decimal value. Without its expression it reads back as a string.
 * - Identifier (vbTextCompare): a Constant with the name as both `expression` and `name`.
 * - Missing (an empty argument): a Constant with `expression: ""` and `name: null`; structurally, a
 *   Constant with no name is read as Missing (a Constant with `name: ""` is the empty string).
 * - Comparison: a Function whose `name` is the operator (`=`, `<>`, …) with parameters `left` and
 *   `right`.
 */
import { type ComparisonOperator, type ExpressionNode, node } from '../ast.js';
import type { ExpressionError } from '../errors.js';
import { checkArity, lookupFunction, parameterName, suggestFunctionName } from '../functions/signatures.js';
import { abbreviate } from './lexer.js';
import { MAX_NESTING_DEPTH, type ParseResult, parseExpression } from './parser.js';
import { formatNumber, printExpression } from './printer.js';

export type AttributeMappingSourceType = 'Attribute' | 'Constant' | 'Function';

/** Graph's `stringKeyAttributeMappingSourceValuePair`. */
export interface AttributeMappingSourceParameter {
  readonly key: string;
  readonly value: AttributeMappingSource;
}

/** Graph's `attributeMappingSource`. */
export interface AttributeMappingSource {
  readonly expression: string | null;
  readonly name: string | null;
  readonly parameters: readonly AttributeMappingSourceParameter[];
  readonly type: AttributeMappingSourceType;
}

const COMPARISON_OPERATORS: readonly ComparisonOperator[] = ['=', '<>', '>', '>=', '<', '<='];

function isComparisonOperator(name: string): name is ComparisonOperator {
  return (COMPARISON_OPERATORS as readonly string[]).includes(name);
}

function leaf(
  expression: string,
  name: string | null,
  type: AttributeMappingSourceType,
): AttributeMappingSource {
  return { expression, name, parameters: [], type };
}

/** The Graph JSON of an AST (see the module comment for the representation). */
export function toGraphSource(ast: ExpressionNode): AttributeMappingSource {
  switch (ast.kind) {
    case 'Attribute':
      return leaf(printExpression(ast), ast.name, 'Attribute');
    case 'String':
      return leaf(printExpression(ast), ast.value, 'Constant');
    case 'Number':
      return leaf(printExpression(ast), formatNumber(ast.value, false), 'Constant');
    case 'Identifier':
      return leaf(ast.name, ast.name, 'Constant');
    case 'Missing':
      return leaf('', null, 'Constant');
    case 'Comparison':
      return {
        expression: printExpression(ast),
        name: ast.operator,
        parameters: [
          { key: 'left', value: toGraphSource(ast.left) },
          { key: 'right', value: toGraphSource(ast.right) },
        ],
        type: 'Function',
      };
    case 'Call': {
      const signature = lookupFunction(ast.name);
      const count = ast.args.length;
      return {
        expression: printExpression(ast),
        name: ast.name,
        parameters: ast.args.map((arg, index) => ({
          key: signature === undefined ? `arg${index + 1}` : parameterName(signature, index, count),
          value: toGraphSource(arg),
        })),
        type: 'Function',
      };
    }
  }
}

export type GraphSourceResult = ParseResult;

/** Thrown inside the decoder only; `fromGraphSource` returns it as a value. */
class DecodeFailure extends Error {
  constructor(readonly error: ExpressionError) {
    super(error.message);
  }
}

function invalid(path: string, message: string): DecodeFailure {
  return new DecodeFailure({ code: 'InvalidMapping', message: `${path}: ${message}` });
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string "${abbreviate(value)}"` : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON nodes per AST level: a call argument may be a comparison whose operands are calls, so each
 * level of call nesting is at most two JSON levels.
 */
const MAX_JSON_DEPTH = 2 * MAX_NESTING_DEPTH + 1;

function decode(value: unknown, path: string, depth: number, nested: boolean): ExpressionNode {
  if (depth > MAX_JSON_DEPTH) throw invalid(path, `nested too deeply (more than ${MAX_JSON_DEPTH} levels)`);
  if (!isRecord(value))
    throw invalid(path, `expected an attributeMappingSource object, found ${describeJson(value)}`);

  const expression = value['expression'];
  if (typeof expression === 'string' && expression.trim() !== '') {
    const parsed = parseExpression(expression, { allowComparison: nested });
    if (!parsed.ok) {
      throw new DecodeFailure({ ...parsed.error, message: `${path}.expression: ${parsed.error.message}` });
    }
    return parsed.ast;
  }
  if (expression !== undefined && expression !== null && typeof expression !== 'string') {
    throw invalid(`${path}.expression`, `expected a string or null, found ${describeJson(expression)}`);
  }

  // Graph: "type … Attribute (default)".
  const type = value['type'] ?? 'Attribute';
  const name = value['name'];
  switch (type) {
    case 'Attribute': {
      if (typeof name !== 'string' || name === '') {
        throw invalid(`${path}.name`, `an Attribute needs its attribute name, found ${describeJson(name)}`);
      }
      if (/[\]\r\n]/.test(name)) {
        throw invalid(
          `${path}.name`,
          `attribute name "${abbreviate(name)}" cannot contain ']' or a line break`,
        );
      }
      return node.attribute(name);
    }
    case 'Constant': {
      if (typeof name === 'string') return node.string(name);
      if (name !== undefined && name !== null) {
        throw invalid(`${path}.name`, `expected the constant's text, found ${describeJson(name)}`);
      }
      if (!nested) throw invalid(path, 'the mapping source is an empty Constant (no name and no expression)');
      return node.missing();
    }
    case 'Function':
      if (typeof name !== 'string' || name === '') {
        throw invalid(`${path}.name`, `a Function needs the function name, found ${describeJson(name)}`);
      }
      return decodeFunction(value, name, path, depth, nested);
    default:
      throw invalid(
        `${path}.type`,
        `expected "Attribute", "Constant" or "Function", found ${describeJson(type)}`,
      );
  }
}

function decodeFunction(
  value: Readonly<Record<string, unknown>>,
  name: string,
  path: string,
  depth: number,
  nested: boolean,
): ExpressionNode {
  const rawParameters = value['parameters'] ?? [];
  if (!Array.isArray(rawParameters)) {
    throw invalid(`${path}.parameters`, `expected an array, found ${describeJson(rawParameters)}`);
  }
  const parameters: readonly unknown[] = rawParameters;
  const args = parameters.map((parameter, index) => {
    const parameterPath = `${path}.parameters[${index}]`;
    if (!isRecord(parameter)) {
      throw invalid(parameterPath, `expected a {key, value} pair, found ${describeJson(parameter)}`);
    }
    return decode(parameter['value'], `${parameterPath}.value`, depth + 1, true);
  });

  if (isComparisonOperator(name)) {
    if (!nested) throw invalid(path, `a comparison ('${name}') is only allowed as a function argument`);
    const [left, right] = args;
    if (args.length !== 2 || left === undefined || right === undefined) {
      throw invalid(
        `${path}.parameters`,
        `a comparison ('${name}') needs 2 parameters, found ${args.length}`,
      );
    }
    for (const [operand, side] of [
      [left, 0],
      [right, 1],
    ] as const) {
      if (operand.kind === 'Missing' || operand.kind === 'Comparison') {
        throw invalid(
          `${path}.parameters[${side}].value`,
          `an operand of '${name}' cannot be ${operand.kind}`,
        );
      }
    }
    return node.comparison(name, left, right);
  }

  const signature = lookupFunction(name);
  if (signature === undefined) {
    const suggestion = suggestFunctionName(name);
    const hint =
      suggestion !== undefined ? `; function names are case-sensitive: did you mean '${suggestion}'?` : '';
    throw new DecodeFailure({
      code: 'UnknownFunction',
      message: `${path}.name: unknown function '${abbreviate(name)}'${hint}`,
    });
  }
  const arityProblem = checkArity(signature, args.length);
  if (arityProblem !== undefined) {
    throw new DecodeFailure({ code: 'WrongArgumentCount', message: `${path}.parameters: ${arityProblem}` });
  }
  // `F()` is the only spelling of a call with no arguments, so a lone empty argument has no text.
  if (args.length === 1 && args[0]?.kind === 'Missing') {
    throw invalid(`${path}.parameters[0].value`, `the only argument of ${name} cannot be empty`);
  }
  return node.call(name, args);
}

/**
 * Reads Graph's `attributeMappingSource` JSON (already `JSON.parse`d) into an AST. Never throws:
 * malformed JSON shapes give InvalidMapping, bad expression text gives the parser's errors, with the
 * JSON path in the message (`source.parameters[1].value.name: …`). `path` names the root in messages.
 */
export function fromGraphSource(json: unknown, path = 'source'): GraphSourceResult {
  try {
    const ast = decode(json, path, 0, false);
    // A tree read from its structure must obey the same rules as text (length, nesting depth): the
    // canonical text is checked by the parser. (When the root had an expression this re-checks it.)
    const printed = printExpression(ast);
    const reparsed = parseExpression(printed);
    if (!reparsed.ok) {
      return {
        ok: false,
        error: {
          code: reparsed.error.code,
          message: `${path}: the expression ${abbreviate(printed)} built from the parameters is refused: ${reparsed.error.message}`,
        },
      };
    }
    return { ok: true, ast };
  } catch (failure) {
    if (failure instanceof DecodeFailure) return { ok: false, error: failure.error };
    throw failure;
  }
}
