export * from './ast.js';
export * from './errors.js';
export {
  type CompiledExpression,
  compileExpression,
  type EvaluationContext,
  type EvaluationResult,
  EvaluationScope,
  evaluateExpression,
  REDACTED_TEXT,
} from './evaluate/evaluator.js';
export type { AppRoleAssignment, OutputValue, Scalar } from './evaluate/values.js';
export * from './functions/signatures.js';
export * from './mappings/mappings.js';
export * from './scoping/scoping.js';
export * from './syntax/graph.js';
export { type SourcePosition, type Token, tokenize } from './syntax/lexer.js';
export {
  MAX_EXPRESSION_LENGTH,
  MAX_NESTING_DEPTH,
  type ParseOptions,
  type ParseResult,
  parseExpression,
} from './syntax/parser.js';
export { formatNumber, printExpression, quoteString } from './syntax/printer.js';
