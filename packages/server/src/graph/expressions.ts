/**
 * The expression language as Graph's schema discovery describes it:
 * - `functions`: Graph's `attributeMappingFunctionSchema`
 *   (https://learn.microsoft.com/graph/api/synchronization-synchronizationschema-functions), one per
 *   function of provisio's expression language, derived from its signature table
 *   (packages/expressions/src/functions/signatures.ts, docs/expressions.md#5-functions);
 * - `filterOperators`: Graph's `filterOperatorSchema`
 *   (https://learn.microsoft.com/graph/api/synchronization-synchronizationschema-filteroperators), one per
 *   scoping operator (docs/expressions.md#6-scoping-filters);
 * - `parseExpression`: Graph's test-expression call
 *   (https://learn.microsoft.com/graph/api/synchronization-synchronizationschema-parseexpression): the
 *   expression parsed into an `attributeMappingSource` and evaluated against a test object.
 */
import {
  type AttributeMappingSource,
  evaluateExpression,
  type FunctionSignature,
  functionSignatures,
  type OutputValue,
  parseExpression,
  REDACTED_TEXT,
  type ScopingOperatorName,
  scopingOperatorArity,
  scopingOperatorNames,
  toGraphSource,
} from '@provisio/expressions';

/** Graph's `attributeMappingParameterSchema`. */
export interface GraphFunctionParameter {
  readonly name: string;
  readonly required: boolean;
  readonly allowMultipleOccurrences: boolean;
  /** provisio's functions take text (numbers and dates are written as text), so every parameter is a String. */
  readonly type: 'String';
}

/** Graph's `attributeMappingFunctionSchema`. */
export interface GraphFunction {
  readonly name: string;
  readonly parameters: readonly GraphFunctionParameter[];
}

function describeFunction(signature: FunctionSignature): GraphFunction {
  const firstRepeating = signature.params.length - signature.repeat;
  return {
    name: signature.name,
    parameters: signature.params.map((name, index) => ({
      name,
      required: index < signature.minArgs,
      allowMultipleOccurrences: signature.repeat > 0 && index >= firstRepeating,
      type: 'String',
    })),
  };
}

/** Every function of the expression language, in alphabetical order. */
export function graphFunctions(): GraphFunction[] {
  return Object.values(functionSignatures)
    .map((signature) => describeFunction(signature))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Graph's `filterOperatorSchema`. */
export interface GraphFilterOperator {
  readonly name: string;
  readonly arity: 'Unary' | 'Binary';
  /** Filtering is not supported on multi-valued attributes (docs/expressions.md#6-scoping-filters): All. */
  readonly multivaluedComparisonType: 'All' | 'Any';
  readonly supportedAttributeTypes: readonly string[];
}

/** The attribute types each operator compares (its value rules in docs/expressions.md#6-scoping-filters). */
const operatorTypes: Readonly<Record<ScopingOperatorName, readonly string[]>> = {
  '&': ['String'],
  '!&': ['String'],
  ENDS_WITH: ['String'],
  EQUALS: ['String', 'Integer', 'Boolean'],
  Greater_Than: ['Integer'],
  Greater_Than_OR_EQUALS: ['Integer'],
  Includes: ['String'],
  'IS FALSE': ['Boolean'],
  'IS NOT NULL': ['String', 'Integer', 'Boolean', 'DateTime'],
  'IS NULL': ['String', 'Integer', 'Boolean', 'DateTime'],
  'IS TRUE': ['Boolean'],
  'NOT EQUALS': ['String', 'Integer', 'Boolean'],
  'NOT REGEX MATCH': ['String'],
  'REGEX MATCH': ['String'],
};

export function graphFilterOperators(): GraphFilterOperator[] {
  return scopingOperatorNames.map((name) => ({
    name,
    arity: scopingOperatorArity(name),
    multivaluedComparisonType: 'All',
    supportedAttributeTypes: operatorTypes[name],
  }));
}

/** Graph's `publicError` as parseExpression reports it. */
export interface GraphPublicError {
  readonly code: string;
  readonly message: string;
  readonly target: string | null;
}

/** Graph's `parseExpressionResponse`. */
export interface ParseExpressionResponse {
  readonly error: GraphPublicError | null;
  readonly evaluationSucceeded: boolean;
  readonly evaluationResult: string[] | null;
  readonly parsedExpression: AttributeMappingSource | null;
  readonly parsingSucceeded: boolean;
}

export interface ParseExpressionRequest {
  readonly expression: string;
  /** Properties of the test object (`testInputObject.properties`); absent: parse only. */
  readonly properties?: readonly { readonly key: string; readonly value?: unknown }[] | undefined;
  /** Now() during the evaluation. */
  readonly now: Date;
}

/** A value as Graph's `evaluationResult` shows it: text, .NET's spelling for Booleans. */
function asText(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

function resultValues(value: OutputValue): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value.map((item: string | number | boolean) => asText(item));
  return [asText(value as string | number | boolean)];
}

export function parseAndEvaluate(request: ParseExpressionRequest): ParseExpressionResponse {
  const parsed = parseExpression(request.expression);
  if (!parsed.ok) {
    const where =
      parsed.error.line === undefined
        ? ''
        : ` (line ${parsed.error.line}, column ${parsed.error.column ?? 1})`;
    return {
      error: { code: parsed.error.code, message: `${parsed.error.message}${where}`, target: 'expression' },
      evaluationSucceeded: false,
      evaluationResult: null,
      parsedExpression: null,
      parsingSucceeded: false,
    };
  }
  const parsedExpression = toGraphSource(parsed.ast);
  if (request.properties === undefined)
    return {
      error: null,
      evaluationSucceeded: false,
      evaluationResult: null,
      parsedExpression,
      parsingSucceeded: true,
    };
  const attributes: Record<string, unknown> = {};
  for (const property of request.properties) attributes[property.key] = property.value ?? null;
  const result = evaluateExpression(parsed.ast, { attributes, now: request.now });
  if (!result.ok)
    return {
      error: { code: result.error.code, message: result.error.message, target: 'testInputObject' },
      evaluationSucceeded: false,
      evaluationResult: null,
      parsedExpression,
      parsingSucceeded: true,
    };
  return {
    error: null,
    evaluationSucceeded: true,
    // IgnoreFlowIfNullOrEmpty dropped the value: nothing flows.
    evaluationResult: !result.flow ? [] : result.redacted ? [REDACTED_TEXT] : resultValues(result.value),
    parsedExpression,
    parsingSucceeded: true,
  };
}
