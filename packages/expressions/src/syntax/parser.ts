/**
 * The recursive-descent parser of attribute-mapping expressions ("Syntax overview" of Microsoft's expression
 * reference,
 * https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data;
 * "the doc" below).
 *
 *   expression := argument End                       (not a comparison, see below)
 *   argument   := operand [ op operand ]             op ∈ = <> > >= < <=
 *   operand    := [attribute] | "string" | integer | &Hhex | vbTextCompare | vbBinaryCompare | call
 *   call       := Name "(" [ arg { "," arg } ] ")"   an arg may be empty (a Missing node)
 *
 * Decisions on what the doc leaves open:
 * - Comparisons appear in the doc only as function arguments (IIF, CBool, Switch, "IIF function
 *   currently doesn't support AND and OR"), so a top-level comparison (`[a] = [b]` as a whole mapping)
 *   is a syntax error pointing at the operator; inside any function's arguments it is accepted, and
 *   the evaluator decides what a comparison means there. Comparisons do not chain (`a = b = c`).
 * - `F()` has no arguments; `F(,)` has two empty ones; `F(a, )` ends with an empty one. An empty
 *   argument list is therefore never read as one Missing argument.
 * - Bare names other than vbTextCompare / vbBinaryCompare are syntax errors (the doc has no other
 *   constants or variables); a name followed by "(" that is not a function is UnknownFunction.
 * - Function names are case-sensitive ("The syntax is case-sensitive"); `join(` is UnknownFunction
 *   with "did you mean 'Join'".
 * - Arity is checked at parse time (WrongArgumentCount, at the function name), as Graph's
 *   parseExpression reports parse failures before evaluation.
 * - Calls nest at most MAX_NESTING_DEPTH deep, so no input can exhaust the stack.
 */
import { type ComparisonOperator, type ExpressionNode, node } from '../ast.js';
import type { ExpressionError } from '../errors.js';
import { checkArity, lookupFunction, suggestFunctionName } from '../functions/signatures.js';
import {
  abbreviate,
  describeToken,
  ExpressionFailure,
  Lexer,
  type SourcePosition,
  syntaxError,
  type Token,
} from './lexer.js';

/**
 * Entra refuses expressions over 10,000 characters
 * (https://learn.microsoft.com/entra/identity/app-provisioning/known-issues).
 */
export const MAX_EXPRESSION_LENGTH = 10_000;

/** The deepest nesting of function calls accepted; far beyond any real mapping. */
export const MAX_NESTING_DEPTH = 256;

export interface ParseOptions {
  /**
   * Accept a comparison as the whole text (`[a] = [b]`), as when parsing one argument on its own (the
   * Graph converter does, for the `expression` of a nested parameter). Off by default: a mapping's
   * expression is never a bare comparison.
   */
  readonly allowComparison?: boolean;
}

export type ParseResult =
  | { readonly ok: true; readonly ast: ExpressionNode }
  | { readonly ok: false; readonly error: ExpressionError };

/** The bare identifiers the doc uses, as InStr's compareType. */
const CONSTANT_NAMES: ReadonlySet<string> = new Set(['vbTextCompare', 'vbBinaryCompare']);

const EXPECTED_OPERAND = 'an attribute like [mail], a string like "text", a number or a function call';

/** What is being parsed, for messages: "argument 2 of Join" or "the expression". */
interface ArgumentContext {
  readonly functionName: string;
  /** 1-based. */
  readonly index: number;
}

function where(context: ArgumentContext | undefined): string {
  return context === undefined ? 'the expression' : `argument ${context.index} of ${context.functionName}`;
}

class Parser {
  private readonly lexer: Lexer;
  private current: Token;

  constructor(text: string) {
    this.lexer = new Lexer(text);
    this.current = this.lexer.next();
  }

  private advance(): Token {
    const token = this.current;
    this.current = this.lexer.next();
    return token;
  }

  private fail(message: string, position: SourcePosition): ExpressionFailure {
    return new ExpressionFailure(syntaxError(message, position));
  }

  parseTop(allowComparison: boolean): ExpressionNode {
    const token = this.current;
    if (token.kind === 'End' || token.kind === 'Comma' || token.kind === 'RParen') {
      throw this.fail(`expected ${EXPECTED_OPERAND}, found ${describeToken(token)}`, token.position);
    }
    if (token.kind === 'Operator') {
      throw this.fail(`expected a value before '${token.operator}'`, token.position);
    }
    if (allowComparison) {
      const ast = this.parseArgument(0, undefined);
      this.expectEnd();
      return ast;
    }
    const ast = this.parseOperand(0, undefined);
    const after = this.current;
    if (after.kind === 'Operator') {
      throw this.fail(
        `a comparison ('${after.operator}') is only allowed as a function argument, e.g. IIF([country] = "US", "yes", "no") or CBool([a] = [b])`,
        after.position,
      );
    }
    this.expectEnd();
    return ast;
  }

  private expectEnd(): void {
    const after = this.current;
    if (after.kind !== 'End') {
      const hint =
        after.kind === 'Comma' ? ' (several values must be combined by a function, e.g. Join(" ", …))' : '';
      throw this.fail(`expected end of expression, found ${describeToken(after)}${hint}`, after.position);
    }
  }

  /**
   * One argument of a call: empty (Missing), an operand, or `operand op operand`. Also the whole text
   * when a top-level comparison is allowed; parseTop has then already refused an empty start.
   */
  private parseArgument(depth: number, context: ArgumentContext | undefined): ExpressionNode {
    const first = this.current;
    if (first.kind === 'Comma' || first.kind === 'RParen') return node.missing();
    if (first.kind === 'End') {
      throw this.fail(`expected ${where(context)} or ')', found end of expression`, first.position);
    }
    if (first.kind === 'Operator') {
      throw this.fail(`expected a value before '${first.operator}' in ${where(context)}`, first.position);
    }
    const left = this.parseOperand(depth, context);
    const operatorToken = this.current;
    if (operatorToken.kind !== 'Operator') return left;
    this.advance();
    const operator: ComparisonOperator = operatorToken.operator;
    const rightToken = this.current;
    if (
      rightToken.kind === 'Comma' ||
      rightToken.kind === 'RParen' ||
      rightToken.kind === 'End' ||
      rightToken.kind === 'Operator'
    ) {
      throw this.fail(
        `expected a value after '${operator}' in ${where(context)}, found ${describeToken(rightToken)}`,
        rightToken.position,
      );
    }
    const right = this.parseOperand(depth, context);
    const extra = this.current;
    if (extra.kind === 'Operator') {
      throw this.fail(
        `comparisons cannot be chained (found '${extra.operator}' after a comparison in ${where(context)}); there are no AND/OR operators: nest IIF calls instead`,
        extra.position,
      );
    }
    return node.comparison(operator, left, right);
  }

  private parseOperand(depth: number, context: ArgumentContext | undefined): ExpressionNode {
    const token = this.advance();
    switch (token.kind) {
      case 'Attribute':
        return node.attribute(token.name);
      case 'String':
        return node.string(token.value);
      case 'Number':
        return node.number(token.value, token.hex);
      case 'Identifier':
        if (this.current.kind === 'LParen') return this.parseCall(token.name, token.position, depth + 1);
        return this.bareName(token.name, token.position);
      case 'LParen':
        throw this.fail(
          `unexpected '(' in ${where(context)}: parentheses are only used after a function name`,
          token.position,
        );
      default:
        throw this.fail(`expected ${EXPECTED_OPERAND}, found ${describeToken(token)}`, token.position);
    }
  }

  private bareName(name: string, position: SourcePosition): ExpressionNode {
    if (CONSTANT_NAMES.has(name)) return node.identifier(name);
    if (lookupFunction(name) !== undefined) {
      throw this.fail(`expected '(' after function name ${name}, e.g. ${name}(…)`, position);
    }
    const constant = [...CONSTANT_NAMES].find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    const suggestion =
      constant !== undefined
        ? `; names are case-sensitive: did you mean ${constant}?`
        : `; attributes are written in brackets ([${abbreviate(name)}]) and text in double quotes ("${abbreviate(name)}")`;
    throw this.fail(`unknown name '${abbreviate(name)}'${suggestion}`, position);
  }

  private parseCall(name: string, position: SourcePosition, depth: number): ExpressionNode {
    if (depth > MAX_NESTING_DEPTH) {
      throw this.fail(
        `expression is nested too deeply (more than ${MAX_NESTING_DEPTH} function calls)`,
        position,
      );
    }
    const signature = lookupFunction(name);
    if (signature === undefined) {
      const suggestion = suggestFunctionName(name);
      const hint =
        suggestion !== undefined ? `; function names are case-sensitive: did you mean '${suggestion}'?` : '';
      throw new ExpressionFailure({
        code: 'UnknownFunction',
        message: `unknown function '${abbreviate(name)}'${hint} at ${position.line}:${position.column}`,
        line: position.line,
        column: position.column,
      });
    }
    this.advance(); // '('
    const args: ExpressionNode[] = [];
    if (this.current.kind === 'RParen') {
      this.advance();
    } else {
      for (;;) {
        const context: ArgumentContext = { functionName: name, index: args.length + 1 };
        args.push(this.parseArgument(depth, context));
        const next = this.current;
        if (next.kind === 'Comma') {
          this.advance();
          continue;
        }
        if (next.kind === 'RParen') {
          this.advance();
          break;
        }
        throw this.fail(
          `expected ')' or ',' after ${where(context)}, found ${describeToken(next)}`,
          next.position,
        );
      }
    }
    const arityProblem = checkArity(signature, args.length);
    if (arityProblem !== undefined) {
      throw new ExpressionFailure({
        code: 'WrongArgumentCount',
        message: `${arityProblem} at ${position.line}:${position.column}`,
        line: position.line,
        column: position.column,
      });
    }
    return node.call(name, args);
  }
}

/** The line:column just past the first MAX_EXPRESSION_LENGTH characters, for the too-long error. */
function positionOf(text: string, offset: number): SourcePosition {
  let line = 1;
  let column = 1;
  for (let index = 0; index < offset && index < text.length; index += 1) {
    const char = text[index];
    if (char === '\n' || (char === '\r' && text[index + 1] !== '\n')) {
      line += 1;
      column = 1;
    } else if (char !== '\r') {
      column += 1;
    }
  }
  return { offset, line, column };
}

/**
 * Parses an expression. Never throws: any input, including non-strings from untyped callers, gives
 * either the AST or an ExpressionError (ExpressionSyntaxError, UnknownFunction, WrongArgumentCount,
 * ExpressionTooLong) with a 1-based line and column.
 */
export function parseExpression(text: string, options: ParseOptions = {}): ParseResult {
  if (typeof text !== 'string') {
    return {
      ok: false,
      error: {
        code: 'ExpressionSyntaxError',
        message: `expected the expression as text, got ${typeof text}`,
      },
    };
  }
  if (text.length > MAX_EXPRESSION_LENGTH) {
    const position = positionOf(text, MAX_EXPRESSION_LENGTH);
    return {
      ok: false,
      error: {
        code: 'ExpressionTooLong',
        message: `the expression is ${text.length} characters long; Entra accepts at most ${MAX_EXPRESSION_LENGTH} (the excess starts at ${position.line}:${position.column})`,
        line: position.line,
        column: position.column,
      },
    };
  }
  try {
    return { ok: true, ast: new Parser(text).parseTop(options.allowComparison ?? false) };
  } catch (failure) {
    if (failure instanceof ExpressionFailure) return { ok: false, error: failure.error };
    throw failure;
  }
}
