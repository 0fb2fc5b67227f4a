/**
 * Conditions, tests and flow control: comparisons, IIF, Switch, CBool, Not, Coalesce, IsNull, IsNullOrEmpty,
 * IsPresent, IsString, BitAnd, IgnoreFlowIfNullOrEmpty, Redact, SelectUniqueValue, as Microsoft's expression
 * reference describes them
 * (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data;
 * "the doc" below).
 *
 * Functions the doc types as Boolean (CBool, IsNull, IsNullOrEmpty, IsPresent, IsString, and a
 * comparison) give a boolean, which prints as True/False — the test vectors show them unquoted, like
 * numbers. Not is documented on "Boolean String" values and its vector shows "True" quoted, so it
 * gives the text "True"/"False". Where a boolean meets text (Switch keys, Join) it reads as
 * "True"/"False", .NET's Boolean.ToString().
 */
import type { ComparisonOperator } from '../../ast.js';
import type { FunctionName } from '../../functions/signatures.js';
import { dateTime, quote, single, text, textOrEmpty, toInteger, toNumber, truthy } from '../coerce.js';
import { attributeNames, FlowDropped, type FunctionBuilder, fail, strict } from '../runtime.js';
import { type Item, isDateTime, isList, isNullOrEmpty, itemText, type Value } from '../values.js';

function isNull(value: Value): boolean {
  return value === null || (isList(value) && value.length === 0);
}

function order(left: number | bigint | string, right: number | bigint | string): number {
  if (left < right) return -1;
  return left > right ? 1 : 0;
}

function holds(operator: ComparisonOperator, sign: number): boolean {
  switch (operator) {
    case '=':
      return sign === 0;
    case '<>':
      return sign !== 0;
    case '>':
      return sign > 0;
    case '>=':
      return sign >= 0;
    case '<':
      return sign < 0;
    case '<=':
      return sign <= 0;
  }
}

function compareItems(left: Item, right: Item): number {
  if (isDateTime(left) || isDateTime(right)) {
    try {
      const a = dateTime(left, 'comparison', 'left operand');
      const b = dateTime(right, 'comparison', 'right operand');
      if (a !== null && b !== null) return order(a.ticks, b.ticks);
    } catch {
      // Not both dates: compare as text below.
    }
  } else if (typeof left === 'number' || typeof right === 'number') {
    // VB compares a number with a numeric string numerically (`DateDiff(…) > 5`, `[count] >= 10`).
    const a = toNumber(left);
    const b = toNumber(right);
    if (a !== undefined && b !== undefined) return order(a, b);
  }
  // Text against text is an ordinal, case-sensitive comparison ("The syntax is case-sensitive").
  return order(itemText(left), itemText(right));
}

/**
 * `left op right`. A null operand makes every comparison false: the comparison cannot hold on a
 * value that is not there (this is also why "If the source attribute used within the IIF function
 * is empty or null, the condition check fails").
 */
export function compare(operator: ComparisonOperator, leftValue: Value, rightValue: Value): boolean {
  const left = single(leftValue, 'comparison', 'the left operand');
  const right = single(rightValue, 'comparison', 'the right operand');
  if (left === null || right === null) return false;
  return holds(operator, compareItems(left, right));
}

export const logicFunctions = {
  /** The bitwise AND of two whole numbers (Num): `BitAnd(&HF, &HF7)` is 7. */
  BitAnd: strict(([first = null, second = null]) => {
    const operand = (value: Value, param: string): bigint => {
      const item = single(value, 'BitAnd', param);
      const number = toInteger(item);
      if (number === undefined || !Number.isSafeInteger(number)) {
        return fail(
          'InvalidArgument',
          `BitAnd: ${param} must be a whole number, got ${item === null ? 'nothing' : quote(itemText(item))}`,
        );
      }
      return BigInt(number);
    };
    return Number(BigInt.asIntN(64, operand(first, 'value1') & operand(second, 'value2')));
  }),

  /** True when the expression "evaluates to a non-zero value" (or true, or "True"), else False. */
  CBool: strict(([value = null]) => truthy(value)),

  /**
   * "Returns the first source value that isn't NULL": an empty string is a value and is returned
   * [derived from the doc's Coalesce]. The optional default is simply the last argument, returned when
   * every source before it is NULL. Later arguments are not evaluated once a value is found.
   */
  Coalesce: (args) => (env) => {
    for (const arg of args) {
      const value = arg.run(env);
      if (!isNull(value)) return value;
    }
    return null;
  },

  /**
   * "Drop it from the flow if the enclosed function or attribute is NULL or empty": the attribute is
   * neither sent nor cleared. Nested anywhere, it drops the whole attribute the expression maps.
   */
  IgnoreFlowIfNullOrEmpty: (args) => (env) => {
    const value = args[0]?.run(env) ?? null;
    if (isNullOrEmpty(value)) throw new FlowDropped();
    return value;
  },

  /**
   * IIF(condition, valueIfTrue, valueIfFalse); only the branch taken is evaluated. Documented limitation (the
   * doc's IIF, "Known limitations"): "If the source attribute used within the IIF function is empty or null,
   * the condition check fails", so `IIF([country]="", …)`, `IIF(IsNullOrEmpty([country]), …)` and
   * `IIF(IsPresent([country]), …)` do not work as written. We reproduce it: when an attribute read by the
   * condition is null or empty, the condition is false and valueIfFalse is returned.
   */
  IIF: (args) => {
    const [condition, whenTrue, whenFalse] = args;
    const watched = condition === undefined ? [] : [...attributeNames(condition.node)];
    return (env) => {
      const failsCheck = watched.some((name) => isNullOrEmpty(env.attribute(name)));
      const holds = !failsCheck && truthy(condition?.run(env) ?? null);
      return (holds ? whenTrue : whenFalse)?.run(env) ?? null;
    };
  },

  /** "If the expression evaluates to Null": for an attribute, "the absence of the attribute". */
  IsNull: strict(([value = null]) => isNull(value)),

  /** Null, or an empty string. The inverse of IsPresent. */
  IsNullOrEmpty: strict(([value = null]) => isNullOrEmpty(value)),

  /** "Evaluates to a string that isn't Null and isn't empty". */
  IsPresent: strict(([value = null]) => !isNullOrEmpty(value)),

  /**
   * "If the expression can be evaluated to a string type": true for a single text value, false for
   * null, numbers, booleans, dates and multi-valued attributes (which are collections, not strings).
   */
  IsString: strict(([value = null]) => typeof value === 'string'),

  /**
   * "If source value is True, returns False. Otherwise, returns True." True is the boolean or the
   * text "True" in any case (as .NET's Boolean.Parse reads it); anything else, null included, gives
   * "True". The result is text, as the doc's "Boolean String" values are.
   */
  Not: strict(([value = null]) => {
    const item = single(value, 'Not', 'source');
    const isTrue = item === true || (typeof item === 'string' && item.trim().toLowerCase() === 'true');
    return isTrue ? 'False' : 'True';
  }),

  /** The value flows unchanged; the result is marked so that logs show "[Redact]" instead. */
  Redact: (args) => (env) => {
    // Marked before the argument runs, so that an error inside it is reported without its details.
    env.markRedacted();
    return args[0]?.run(env) ?? null;
  },

  /**
   * SelectUniqueValue(rule1, rule2, …): the first candidate not already present in the target
   * (ctx.exists); when every candidate exists, NoUniqueValue (Entra escrows the entry). Rules are
   * evaluated one at a time and only as far as needed. A rule giving null or "" is not a candidate;
   * when no rule gives one the result is null. "This function must be at the top-level and can't be
   * nested", so a nested call fails.
   */
  SelectUniqueValue: (args, site) => (env) => {
    if (!site.isRoot) {
      return fail(
        'FunctionEvaluationError',
        'SelectUniqueValue must be the whole expression: it "must be at the top-level and can\'t be nested"',
      );
    }
    const tried: string[] = [];
    for (const [index, arg] of args.entries()) {
      const candidate = text(arg.run(env), 'SelectUniqueValue', `uniqueValueRule${index + 1}`);
      if (candidate === null || candidate === '') continue;
      let exists: boolean;
      try {
        exists = env.ctx.exists?.(candidate) === true;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return fail(
          'FunctionEvaluationError',
          `SelectUniqueValue: checking whether ${quote(candidate)} exists in the target failed: ${reason}`,
        );
      }
      if (!exists) return candidate;
      tried.push(candidate);
    }
    if (tried.length === 0) return null;
    return fail(
      'NoUniqueValue',
      `SelectUniqueValue: every candidate already exists in the target (${tried.map(quote).join(', ')}); add another rule`,
    );
  },

  /**
   * Switch(source, defaultValue, key1, value1, …): the value of the first key equal to the source,
   * compared as text, case-sensitively; else defaultValue (null when that argument is left empty).
   * An absent source reads as "" so that a "" key catches both empty and absent, the doc's advice
   * ("use a literal empty string as one of the key values"). Keys are evaluated in order until one
   * matches; only the chosen value is evaluated.
   */
  Switch: (args) => {
    const [source, fallback, ...pairs] = args;
    return (env) => {
      const subject = textOrEmpty(source?.run(env) ?? null, 'Switch', 'source');
      for (let index = 0; index + 1 < pairs.length; index += 2) {
        const key = textOrEmpty(pairs[index]?.run(env) ?? null, 'Switch', `key${index / 2 + 1}`);
        if (key === subject) return pairs[index + 1]?.run(env) ?? null;
      }
      return fallback?.run(env) ?? null;
    };
  },
} satisfies Partial<Record<FunctionName, FunctionBuilder>>;
