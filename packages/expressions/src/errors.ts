/**
 * Stable error codes of the expression module. Nothing throws past the module boundary: parse,
 * evaluation, scoping and mapping problems come back as values carrying one of these codes. Their
 * category, public sentence and recommended action are in the engine's error catalogue
 * (`expressionErrors`, packages/engine/src/errors/engine.ts), which must describe each of them;
 * docs/provisioning.md ("Error codes") lists them.
 */
export const expressionErrorCodes = [
  /** The text is not a valid expression (the message says what was expected, with line:column). */
  'ExpressionSyntaxError',
  /** Over 10,000 characters: refused as Entra does. */
  'ExpressionTooLong',
  /** A function name that Entra does not have (names are case-sensitive). */
  'UnknownFunction',
  /** Too few or too many arguments for the function. */
  'WrongArgumentCount',
  /** An argument has a value the function cannot use (e.g. Greater_Than on a non-integer). */
  'InvalidArgument',
  /** A runtime failure inside a function (e.g. SingleAppRoleAssignment with two roles). */
  'FunctionEvaluationError',
  /** A user-supplied regular expression is invalid or uses a construct the safe engine refuses. */
  'InvalidRegex',
  /** SelectUniqueValue found every candidate already present in the target. */
  'NoUniqueValue',
  /** A scoping filter clause is invalid (unknown operator, wrong value count or type). */
  'InvalidScopingFilter',
  /** An attribute mapping is invalid (e.g. missing source for a Direct mapping). */
  'InvalidMapping',
] as const;

export type ExpressionErrorCode = (typeof expressionErrorCodes)[number];

export interface ExpressionError {
  readonly code: ExpressionErrorCode;
  /** A sentence for people: what is wrong and how to fix it. */
  readonly message: string;
  /** For syntax errors: 1-based line and column of the problem. */
  readonly line?: number;
  readonly column?: number;
}
