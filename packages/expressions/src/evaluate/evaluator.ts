/**
 * Evaluation of attribute-mapping expressions with Entra's semantics
 * (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data).
 *
 * `compileExpression` resolves every function once and builds a tree of closures; `evaluate` then
 * runs it against one source object. Problems that do not depend on the data (an unknown function,
 * a wrong argument count, an unknown bare name) are found at compile time and returned by every
 * evaluation, even when they sit in a branch that would not run. Nothing is thrown past `evaluate`:
 * expression errors, IgnoreFlowIfNullOrEmpty and unexpected exceptions all come back as results.
 *
 * Attribute names are looked up case-insensitively, as Entra's attribute names are
 * (`[UserPrincipalName]` and `[userPrincipalName]` are one attribute): an exact key wins, otherwise
 * the first key that matches ignoring case, in the bag's own key order.
 */
import { randomInt } from 'node:crypto';
import type { ExpressionNode } from '../ast.js';
import type { ExpressionError } from '../errors.js';
import { checkArity, isFunctionName, lookupFunction, suggestFunctionName } from '../functions/signatures.js';
import { type DateTimeValue, fromEpochMilliseconds } from './datetime.js';
import { compare } from './functions/logic.js';
import { functionImplementations } from './functions/registry.js';
import { type CompiledArg, type Env, EvaluationFailure, FlowDropped, fail, type Thunk } from './runtime.js';
import { fromAttribute, type OutputValue, toOutput, type Value } from './values.js';

export interface EvaluationContext {
  /**
   * The source object: attribute name → value (string, number, boolean, null, Date, arrays for
   * multi-valued attributes, and for `appRoleAssignments` an array of AppRoleAssignment). Lookup is
   * case-insensitive. An absent attribute, null, undefined and an empty array all read as NULL.
   */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Now(); default: the current time. */
  readonly now?: Date;
  /** SelectUniqueValue: does the candidate already exist in the target? Default: nothing exists. */
  readonly exists?: (candidate: string) => boolean;
  /** Guid and RandomString: a number in [0, 1). Default: a cryptographic source. */
  readonly random?: () => number;
}

export type EvaluationResult =
  | { readonly ok: true; readonly flow: true; readonly value: OutputValue; readonly redacted: boolean }
  /** IgnoreFlowIfNullOrEmpty dropped the attribute: it is neither sent nor cleared. */
  | { readonly ok: true; readonly flow: false }
  | { readonly ok: false; readonly error: ExpressionError };

export interface CompiledExpression {
  readonly ast: ExpressionNode;
  /** Evaluates against a source object, or a scope shared by several expressions (mapping sets). */
  evaluate(source: EvaluationContext | EvaluationScope): EvaluationResult;
}

/**
 * What provisioning logs show instead of a value produced through Redact
 * (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data#redact).
 */
export const REDACTED_TEXT = '[Redact]';

/** InStr's compareType constants, with VB's values. */
const CONSTANTS: Readonly<Record<string, number>> = { vbBinaryCompare: 0, vbTextCompare: 1 };

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function compileNode(node: ExpressionNode, isRoot: boolean, problems: ExpressionError[]): Thunk {
  switch (node.kind) {
    case 'Attribute': {
      const { name } = node;
      return (env) => env.attribute(name);
    }
    case 'String': {
      const { value } = node;
      return () => value;
    }
    case 'Number': {
      const { value } = node;
      if (!Number.isFinite(value)) {
        problems.push({
          code: 'InvalidArgument',
          message: `the number ${String(value)} is not a finite number`,
        });
      }
      return () => value;
    }
    case 'Identifier': {
      const value = Object.hasOwn(CONSTANTS, node.name) ? CONSTANTS[node.name] : undefined;
      if (value === undefined) {
        problems.push({
          code: 'InvalidArgument',
          message: `unknown name '${node.name}': the only bare names are vbTextCompare and vbBinaryCompare`,
        });
        return () => null;
      }
      return () => value;
    }
    case 'Missing':
      return () => null;
    case 'Comparison': {
      const { operator } = node;
      const left = compileNode(node.left, false, problems);
      const right = compileNode(node.right, false, problems);
      return (env) => compare(operator, left(env), right(env));
    }
    case 'Call':
      return compileCall(node.name, node.args, isRoot, problems);
  }
}

function compileCall(
  name: string,
  argNodes: readonly ExpressionNode[],
  isRoot: boolean,
  problems: ExpressionError[],
): Thunk {
  const signature = lookupFunction(name);
  if (signature === undefined || !isFunctionName(name)) {
    const suggestion = suggestFunctionName(name);
    problems.push({
      code: 'UnknownFunction',
      message: `unknown function '${name}'${suggestion === undefined ? '' : `; function names are case-sensitive: did you mean '${suggestion}'?`}`,
    });
    return () => null;
  }
  const arityProblem = checkArity(signature, argNodes.length);
  if (arityProblem !== undefined) {
    problems.push({ code: 'WrongArgumentCount', message: arityProblem });
    return () => null;
  }
  const args: CompiledArg[] = argNodes.map((argNode) => ({
    node: argNode,
    missing: argNode.kind === 'Missing',
    run: compileNode(argNode, false, problems),
  }));
  const thunk = functionImplementations[name](args, { name, isRoot });
  return (env) => {
    try {
      return thunk(env);
    } catch (error) {
      if (error instanceof EvaluationFailure || error instanceof FlowDropped) throw error;
      // An unexpected failure inside a function (a date out of range, a throwing callback…).
      throw new EvaluationFailure({
        code: 'FunctionEvaluationError',
        message: `${name}: ${describe(error)}`,
      });
    }
  };
}

function cryptoRandom(): number {
  return randomInt(2 ** 47) / 2 ** 47;
}

/**
 * One source object prepared for evaluation: attribute values converted once and cached, the
 * case-insensitive key index and the evaluation's "now". A mapping set evaluates all its
 * expressions against one scope, so a user costs one attribute lookup per attribute, not one per
 * expression. The attributes must not change while the scope is in use.
 */
export class EvaluationScope {
  readonly ctx: EvaluationContext;
  private readonly bag: Readonly<Record<string, unknown>>;
  private cache: Map<string, Value> | undefined;
  private lowerCaseKeys: Map<string, string> | undefined;
  private instant: DateTimeValue | undefined;

  constructor(ctx: EvaluationContext) {
    this.ctx = ctx;
    // Untyped callers may pass anything: a bag that is not an object reads as empty.
    this.bag = typeof ctx.attributes === 'object' && ctx.attributes !== null ? ctx.attributes : {};
  }

  attribute(name: string): Value {
    if (this.cache === undefined) this.cache = new Map();
    const cache = this.cache;
    const cached = cache.get(name);
    if (cached !== undefined || cache.has(name)) return cached ?? null;
    const bag = this.bag;
    let raw: unknown;
    if (Object.hasOwn(bag, name)) {
      raw = bag[name];
    } else {
      if (this.lowerCaseKeys === undefined) {
        this.lowerCaseKeys = new Map();
        for (const key of Object.keys(bag)) {
          const lower = key.toLowerCase();
          if (!this.lowerCaseKeys.has(lower)) this.lowerCaseKeys.set(lower, key);
        }
      }
      const key = this.lowerCaseKeys.get(name.toLowerCase());
      raw = key === undefined ? undefined : bag[key];
    }
    const value = fromAttribute(raw);
    cache.set(name, value);
    return value;
  }

  now(): DateTimeValue {
    if (this.instant === undefined) {
      const instant = this.ctx.now === undefined ? Date.now() : this.ctx.now.getTime();
      if (!Number.isFinite(instant))
        return fail('InvalidArgument', 'Now: the evaluation context has an invalid date');
      this.instant = fromEpochMilliseconds(instant, 'Utc');
    }
    return this.instant;
  }
}

/** The per-evaluation environment: the shared scope plus this evaluation's Redact flag. */
class EvaluationEnv implements Env {
  redacted = false;
  constructor(private readonly scope: EvaluationScope) {}

  get ctx(): EvaluationContext {
    return this.scope.ctx;
  }

  attribute(name: string): Value {
    return this.scope.attribute(name);
  }

  now(): DateTimeValue {
    return this.scope.now();
  }

  random(): number {
    return (this.scope.ctx.random ?? cryptoRandom)();
  }

  markRedacted(): void {
    this.redacted = true;
  }
}

function run(root: Thunk, source: EvaluationContext | EvaluationScope): EvaluationResult {
  let env: EvaluationEnv | undefined;
  try {
    env = new EvaluationEnv(source instanceof EvaluationScope ? source : new EvaluationScope(source));
    const value = root(env);
    return { ok: true, flow: true, value: toOutput(value), redacted: env.redacted };
  } catch (error) {
    if (error instanceof FlowDropped) return { ok: true, flow: false };
    const failure: ExpressionError =
      error instanceof EvaluationFailure
        ? error.error
        : {
            code: 'FunctionEvaluationError',
            message: `the expression could not be evaluated: ${describe(error)}`,
          };
    if (env?.redacted === true) {
      // The message could quote the redacted value: keep only the code.
      return {
        ok: false,
        error: {
          code: failure.code,
          message: `${failure.code} in an expression that uses Redact (details are hidden so the redacted value cannot leak)`,
        },
      };
    }
    return { ok: false, error: failure };
  }
}

/** Compiles an AST once; the result evaluates it against any number of source objects. */
export function compileExpression(ast: ExpressionNode): CompiledExpression {
  const problems: ExpressionError[] = [];
  let root: Thunk;
  try {
    root = compileNode(ast, true, problems);
  } catch (error) {
    // Only a hand-built AST nested deeper than the stack allows gets here (the parser caps nesting).
    problems.push({
      code: 'FunctionEvaluationError',
      message: `the expression cannot be compiled: ${describe(error)}`,
    });
    root = () => null;
  }
  const [problem] = problems;
  return Object.freeze({
    ast,
    evaluate(source: EvaluationContext | EvaluationScope): EvaluationResult {
      return problem === undefined ? run(root, source) : { ok: false, error: problem };
    },
  });
}

/** Compiles and evaluates in one step (compile once with compileExpression when evaluating many objects). */
export function evaluateExpression(ast: ExpressionNode, ctx: EvaluationContext): EvaluationResult {
  return compileExpression(ast).evaluate(ctx);
}
