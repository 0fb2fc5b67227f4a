/**
 * The protocol between the evaluator and the function implementations.
 *
 * An expression is compiled once into a tree of closures (`Thunk`s). Each function gets its compiled
 * arguments and returns a thunk, so a function decides which arguments it evaluates and when (IIF
 * and Switch evaluate only the branch they take, Coalesce stops at the first value) and can prepare
 * work once (Replace compiles a literal regex once). Failures travel as exceptions inside the tree —
 * `EvaluationFailure` for an expression error, `FlowDropped` for IgnoreFlowIfNullOrEmpty — and the
 * evaluator turns them into a result value: nothing is thrown past `evaluate()`.
 */
import type { ExpressionNode } from '../ast.js';
import type { ExpressionError, ExpressionErrorCode } from '../errors.js';
import type { DateTimeValue } from './datetime.js';
import type { EvaluationContext } from './evaluator.js';
import type { Value } from './values.js';

/** An expression error raised inside the closure tree. */
export class EvaluationFailure extends Error {
  readonly error: ExpressionError;
  constructor(error: ExpressionError) {
    super(error.message);
    this.error = error;
  }
}

/** IgnoreFlowIfNullOrEmpty saw null or empty: the whole attribute is dropped from the flow. */
export class FlowDropped extends Error {}

export function fail(code: ExpressionErrorCode, message: string): never {
  throw new EvaluationFailure({ code, message });
}

/** What one evaluation can see. Created per `evaluate()` call. */
export interface Env {
  readonly ctx: EvaluationContext;
  /** Attribute by name (case-insensitive), already converted to a Value; null when absent. */
  attribute(name: string): Value;
  /** The evaluation's "now" (the same instant for every Now() in one evaluation). */
  now(): DateTimeValue;
  /** A number in [0, 1): ctx.random or a cryptographic source. */
  random(): number;
  /** Redact was evaluated: the result must be logged as "[Redact]". */
  markRedacted(): void;
}

export type Thunk = (env: Env) => Value;

export interface CompiledArg {
  readonly node: ExpressionNode;
  /** True for an empty positional argument (`Replace([x], , , , "_", , )`): it evaluates to null. */
  readonly missing: boolean;
  readonly run: Thunk;
}

export interface CallSite {
  readonly name: string;
  /** The call is the whole expression (SelectUniqueValue must be: "can't be nested"). */
  readonly isRoot: boolean;
}

export type FunctionBuilder = (args: readonly CompiledArg[], site: CallSite) => Thunk;

/** A function that needs every argument evaluated, left to right, before it runs. */
export function strict(fn: (values: readonly Value[], env: Env) => Value): FunctionBuilder {
  return (args) => (env) => {
    const values: Value[] = new Array(args.length);
    for (let index = 0; index < args.length; index += 1) {
      const arg = args[index];
      values[index] = arg === undefined ? null : arg.run(env);
    }
    return fn(values, env);
  };
}

/** The attribute names an expression reads, in order of first appearance. */
export function attributeNames(node: ExpressionNode, into: Set<string> = new Set()): Set<string> {
  switch (node.kind) {
    case 'Attribute':
      into.add(node.name);
      break;
    case 'Comparison':
      attributeNames(node.left, into);
      attributeNames(node.right, into);
      break;
    case 'Call':
      for (const arg of node.args) attributeNames(arg, into);
      break;
    default:
      break;
  }
  return into;
}
