/**
 * The expression engine as mappings use it: the parser (text and Graph JSON) and the evaluator. One
 * seam, so that mappings depend on these few signatures rather than on the engine's internals.
 */
export {
  type CompiledExpression,
  compileExpression,
  type EvaluationContext,
  type EvaluationResult,
  EvaluationScope,
} from '../evaluate/evaluator.js';
export { fromGraphSource } from '../syntax/graph.js';
export { parseExpression } from '../syntax/parser.js';
