/**
 * Helpers for the evaluator tests: parse the expression text as Microsoft's expression reference writes
 * it, then evaluate.
 */
import type { ExpressionError } from '../../src/errors.js';
import {
  compileExpression,
  type EvaluationContext,
  type EvaluationResult,
} from '../../src/evaluate/evaluator.js';
import type { OutputValue } from '../../src/evaluate/values.js';
import { parseExpression } from '../../src/syntax/parser.js';

export type Options = Omit<EvaluationContext, 'attributes'>;

export function evaluate(
  text: string,
  attributes: Record<string, unknown> = {},
  options: Options = {},
): EvaluationResult {
  const parsed = parseExpression(text);
  if (!parsed.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${parsed.error.message}`);
  return compileExpression(parsed.ast).evaluate({ attributes, ...options });
}

/** The value that flows; fails the test when the evaluation errs or drops the attribute. */
export function flowValue(
  text: string,
  attributes: Record<string, unknown> = {},
  options: Options = {},
): OutputValue {
  const result = evaluate(text, attributes, options);
  if (!result.ok)
    throw new Error(`expected a value from ${text}, got ${result.error.code}: ${result.error.message}`);
  if (!result.flow)
    throw new Error(`expected a value from ${text}, but the attribute was dropped from the flow`);
  return result.value;
}

export function errorOf(
  text: string,
  attributes: Record<string, unknown> = {},
  options: Options = {},
): ExpressionError {
  const result = evaluate(text, attributes, options);
  if (result.ok) throw new Error(`expected ${text} to fail, got ${JSON.stringify(result)}`);
  return result.error;
}
