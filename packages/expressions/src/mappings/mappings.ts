/**
 * Attribute mappings
 * (https://learn.microsoft.com/entra/identity/app-provisioning/customize-application-attributes): what flows
 * into each target attribute when an object is created or updated, and which attributes match source objects
 * to target objects.
 *
 * A mapping list is compiled once per configuration (every expression parsed and compiled once, every
 * problem reported at once, naming the target attribute). Evaluation is per object and never throws:
 * one failing attribute is reported in `errors` and never stops the others.
 *
 * Two input forms are accepted, in any mix:
 * - friendly (what people write in the configuration file):
 *   `{ target, type: Direct|Constant|Expression|None, source?, default?, apply?: Always|OnCreate, matching? }`
 * - Graph's `attributeMapping` (for import from an exported schema;
 *   https://learn.microsoft.com/graph/api/resources/synchronization-attributemapping):
 *   `{ targetAttributeName, source: attributeMappingSource | null, defaultValue, flowType, matchingPriority, … }`
 */
import { z } from 'zod';
import { type ExpressionNode, node } from '../ast.js';
import type { ExpressionError, ExpressionErrorCode } from '../errors.js';
import { type AttributeMappingSource, toGraphSource } from '../syntax/graph.js';
import { printExpression } from '../syntax/printer.js';
import {
  type CompiledExpression,
  compileExpression,
  EvaluationScope,
  fromGraphSource,
  parseExpression,
} from './engine-adapter.js';

export type MappingType = 'Direct' | 'Constant' | 'Expression' | 'None';

/** `OnCreate` is the portal's "Only during object creation" (Graph flowType `ObjectAddOnly`). */
export type MappingApply = 'Always' | 'OnCreate';

/** A validated mapping, in the friendly form whatever form it came in. */
export interface MappingDefinition {
  readonly target: string;
  readonly type: MappingType;
  /** Direct: the source attribute name; Constant: the text; Expression: the expression text; None: absent. */
  readonly source?: string;
  /** "Default value if null": provisioned only when an object is created. */
  readonly default: string | null;
  readonly apply: MappingApply;
  /** Matching precedence: 1 is tried first; 0 means the attribute is not used for matching. */
  readonly matching: number;
}

/** A value that flows to the target: a single value, or the values of a multi-valued attribute. */
export type MappingValue = string | number | boolean | readonly (string | number | boolean)[];

/** A compile-time problem (or warning), located by target attribute and field path. */
export interface MappingError extends ExpressionError {
  /** The target attribute, or "" when the entry has none. */
  readonly target: string;
  /** Where the problem is, e.g. `[3].source` or `[3].source.parameters[0].value` (Graph form). */
  readonly path: string;
}

/** Why a mapping sent nothing for this object. */
export type DropReason =
  /** IgnoreFlowIfNullOrEmpty saw a null or empty value. */
  | 'IgnoreFlow'
  /** An "Only during object creation" mapping, on update. */
  | 'OnCreateOnly'
  /** The value is null (Entra "doesn't support provisioning null values") and no default applies. */
  | 'Null';

export interface MappingResult {
  /** What flows, by target attribute, in mapping order. */
  readonly values: Readonly<Record<string, MappingValue>>;
  /** Targets that send nothing, in mapping order (see `dropReasons`). */
  readonly dropped: readonly string[];
  readonly dropReasons: Readonly<Record<string, DropReason>>;
  /** Targets whose value must appear as "[Redact]" in logs (the Redact function). */
  readonly redacted: readonly string[];
  /** Matching values in precedence order; only non-null, non-empty ones. */
  readonly matchingKeys: readonly {
    readonly target: string;
    readonly value: MappingValue;
    readonly precedence: number;
  }[];
  /** Per-attribute failures; the other attributes are still evaluated. */
  readonly errors: readonly { readonly target: string; readonly error: ExpressionError }[];
}

export interface MappingEvaluationInput {
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly operation: 'create' | 'update';
  /** The evaluation clock (Now(), DateAdd with Now()). */
  readonly now?: Date;
  /** Whether a value already exists in the target (SelectUniqueValue). */
  readonly exists?: (value: string) => boolean;
  /** Random source in [0, 1) (Guid, RandomString), for reproducible previews. */
  readonly random?: () => number;
}

/**
 * Graph's `attributeMapping`
 * (https://learn.microsoft.com/graph/api/resources/synchronization-attributemapping), as `toGraph` writes it.
 */
export interface GraphAttributeMapping {
  readonly targetAttributeName: string;
  readonly source: AttributeMappingSource | null;
  readonly defaultValue: string | null;
  readonly exportMissingReferences: false;
  readonly flowBehavior: 'FlowWhenChanged';
  readonly flowType: 'Always' | 'ObjectAddOnly';
  readonly matchingPriority: number;
}

export interface CompiledMappingSet {
  readonly mappings: readonly MappingDefinition[];
  /** The mappings in Graph's attributeMapping form, for export (a None mapping has `source: null`). */
  readonly toGraph: () => GraphAttributeMapping[];
  /** Matching targets in precedence order. */
  readonly matching: readonly { readonly target: string; readonly precedence: number }[];
  /** Problems that do not stop the configuration (e.g. SelectUniqueValue applied on update). */
  readonly warnings: readonly MappingError[];
  readonly evaluate: (input: MappingEvaluationInput) => MappingResult;
}

export type CompileMappingsResult =
  | { readonly ok: true; readonly mappings: CompiledMappingSet }
  | { readonly ok: false; readonly errors: readonly MappingError[] };

const friendlySchema = z.strictObject({
  target: z.string().trim().min(1, 'must name the target attribute'),
  type: z.enum(['Direct', 'Constant', 'Expression', 'None']),
  source: z.string().optional(),
  default: z.string().nullable().optional(),
  apply: z.enum(['Always', 'OnCreate']).optional(),
  matching: z.number().int().min(0).optional(),
});

// Graph objects carry more (exportMissingReferences, flowBehavior, @odata.type): accepted, ignored.
const graphSchema = z.object({
  targetAttributeName: z.string().trim().min(1, 'must name the target attribute'),
  source: z.unknown().optional(),
  defaultValue: z.string().nullable().optional(),
  flowType: z.string().optional(),
  matchingPriority: z.number().int().min(0).optional(),
});

/** Graph flowType → apply. The other flow types are for multi-valued targets we do not provision. */
const graphFlowTypes: Readonly<Record<string, MappingApply>> = {
  Always: 'Always',
  ObjectAddOnly: 'OnCreate',
};

interface CompiledMapping {
  readonly definition: MappingDefinition;
  /** Present for Expression and Direct mappings. */
  readonly expression?: CompiledExpression;
}

function toGraphMapping({ definition, expression }: CompiledMapping): GraphAttributeMapping {
  let source: AttributeMappingSource | null = null;
  if (expression !== undefined) {
    source = toGraphSource(expression.ast);
  } else if (definition.type === 'Direct' && definition.source !== undefined) {
    source = toGraphSource(node.attribute(definition.source));
  } else if (definition.type === 'Constant' && definition.source !== undefined) {
    source = toGraphSource(node.string(definition.source));
  }
  return {
    targetAttributeName: definition.target,
    source,
    defaultValue: definition.default,
    exportMissingReferences: false,
    // Graph's flowBehavior (FlowAlways) is not kept: it decides when to export, which is the
    // planner's business, not the value of the mapping.
    flowBehavior: 'FlowWhenChanged',
    flowType: definition.apply === 'OnCreate' ? 'ObjectAddOnly' : 'Always',
    matchingPriority: definition.matching,
  };
}

/** An entry read from either form, before the expression is compiled. */
interface ReadEntry {
  readonly definition: MappingDefinition;
  readonly ast?: ExpressionNode;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatPath(base: string, path: readonly PropertyKey[]): string {
  let text = base;
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return text;
}

function label(index: number, target: string): string {
  return target === '' ? `Mapping ${index + 1}` : `Mapping ${index + 1} (${JSON.stringify(target)})`;
}

/** Calls of `name` anywhere in the tree, with whether each is the root. */
function findCalls(ast: ExpressionNode, name: string, root = true): boolean[] {
  switch (ast.kind) {
    case 'Call':
      return [
        ...(ast.name === name ? [root] : []),
        ...ast.args.flatMap((arg) => findCalls(arg, name, false)),
      ];
    case 'Comparison':
      return [...findCalls(ast.left, name, false), ...findCalls(ast.right, name, false)];
    case 'Attribute':
    case 'String':
    case 'Number':
    case 'Identifier':
    case 'Missing':
      return [];
  }
}

/**
 * Validates and compiles attribute mappings: an array of entries (friendly or Graph form, mixed as
 * you like), or a Graph objectMapping `{ attributeMappings: [...] }`.
 */
export function compileMappings(list: unknown): CompileMappingsResult {
  const errors: MappingError[] = [];
  const warnings: MappingError[] = [];
  const rawList = Array.isArray(list)
    ? list
    : isRecord(list) && Array.isArray(list['attributeMappings'])
      ? list['attributeMappings']
      : undefined;
  if (rawList === undefined) {
    return {
      ok: false,
      errors: [
        {
          code: 'InvalidMapping',
          target: '',
          path: '',
          message:
            'Mappings: expected an array of attribute mappings (or a Graph objectMapping with "attributeMappings")',
        },
      ],
    };
  }

  const entries: { index: number; entry: ReadEntry }[] = [];
  rawList.forEach((raw: unknown, index) => {
    const entry = readEntry(raw, index, errors);
    if (entry !== undefined) entries.push({ index, entry });
  });

  // Cross-mapping rules, on the entries that read correctly.
  const byTarget = new Map<string, { index: number; target: string }>();
  const byPrecedence = new Map<number, string>();
  const compiled: CompiledMapping[] = [];
  for (const { index, entry } of entries) {
    const { definition, ast } = entry;
    const { target } = definition;
    const problem = (field: string, message: string, code: ExpressionErrorCode = 'InvalidMapping') =>
      errors.push({
        code,
        target,
        path: `[${index}]${field}`,
        message: `${label(index, target)}: ${message}`,
      });

    // Target names are compared ignoring case, as attribute names are throughout.
    const key = target.toLowerCase();
    const previous = byTarget.get(key);
    if (previous !== undefined) {
      problem(
        '.target',
        `duplicate target attribute: mapping ${previous.index + 1} already maps ${JSON.stringify(previous.target)}; a target can have one mapping`,
      );
    } else byTarget.set(key, { index, target });

    if (definition.matching > 0) {
      const other = byPrecedence.get(definition.matching);
      if (other !== undefined) {
        problem(
          '.matching',
          `matching precedence ${definition.matching} is already used by ${JSON.stringify(other)}; each matching attribute needs its own precedence`,
        );
      } else byPrecedence.set(definition.matching, target);
      // "every user needs at least one matching value" and "values should be unique": a None
      // mapping has no value and a Constant is the same for everyone.
      if (definition.type === 'None') problem('.matching', 'a None mapping has no value to match on');
      if (definition.type === 'Constant') {
        problem('.matching', 'a Constant cannot match: every object would have the same value');
      }
    }

    let expression: CompiledExpression | undefined;
    if (ast !== undefined) {
      const unique = findCalls(ast, 'SelectUniqueValue');
      // SelectUniqueValue "must be at the top-level and can't be nested", "can't be applied to attributes
      // that have a matching precedence" and is for "Only during object creation"
      // (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data#selectuniquevalue).
      if (unique.includes(false)) {
        problem(
          '.source',
          'SelectUniqueValue must be the whole expression, not nested in another function',
          'InvalidArgument',
        );
      }
      if (unique.length > 0 && definition.matching > 0) {
        problem('.matching', 'SelectUniqueValue is not allowed on a matching attribute', 'InvalidArgument');
      }
      if (unique.length > 0 && definition.apply === 'Always') {
        warnings.push({
          code: 'InvalidMapping',
          target,
          path: `[${index}].apply`,
          message: `${label(index, target)}: SelectUniqueValue should be applied only during object creation (apply: OnCreate), or each update may pick a new value`,
        });
      }
      expression = compileExpression(ast);
    } else if (definition.type === 'Direct' && definition.source !== undefined) {
      // A Direct mapping is the expression `[source]`: the same lookup (any letter case) and the
      // same value conversions (Dates, role assignments), so the expression tester and a real run
      // always agree.
      expression = compileExpression(node.attribute(definition.source));
    }
    compiled.push(expression === undefined ? { definition } : { definition, expression });
  }

  if (errors.length > 0) {
    return { ok: false, errors: errors.sort((a, b) => pathIndex(a.path) - pathIndex(b.path)) };
  }

  const matching = compiled
    .filter((m) => m.definition.matching > 0)
    .map((m) => ({ target: m.definition.target, precedence: m.definition.matching }))
    .sort((a, b) => a.precedence - b.precedence);
  return {
    ok: true,
    mappings: {
      mappings: compiled.map((m) => m.definition),
      toGraph: () => compiled.map(toGraphMapping),
      matching,
      warnings,
      evaluate: (input) => evaluateMappings(compiled, input),
    },
  };
}

/** Keeps the error list in mapping order (entry problems and cross-mapping ones interleave). */
function pathIndex(path: string): number {
  const match = /^\[(\d+)\]/.exec(path);
  return match?.[1] === undefined ? -1 : Number(match[1]);
}

function readEntry(raw: unknown, index: number, errors: MappingError[]): ReadEntry | undefined {
  const base = `[${index}]`;
  if (isRecord(raw) && 'targetAttributeName' in raw) return readGraphEntry(raw, index, errors);
  if (!isRecord(raw) || !('target' in raw)) {
    errors.push({
      code: 'InvalidMapping',
      target: '',
      path: base,
      message:
        `${label(index, '')}: expected { target, type, source?, default?, apply?, matching? } ` +
        'or a Graph attributeMapping { targetAttributeName, source, … }',
    });
    return undefined;
  }
  const rawTarget = typeof raw['target'] === 'string' ? raw['target'] : '';
  const parsed = friendlySchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = formatPath(base, issue.path);
      errors.push({
        code: 'InvalidMapping',
        target: rawTarget,
        path,
        message: `${label(index, rawTarget)}: ${path}: ${issue.message}`,
      });
    }
    return undefined;
  }
  const { target, type, source } = parsed.data;
  const where = label(index, target);
  const fail = (
    message: string,
    code: ExpressionErrorCode = 'InvalidMapping',
    at: Partial<Pick<ExpressionError, 'line' | 'column'>> = {},
  ) => {
    errors.push({ code, target, path: `${base}.source`, message: `${where}: ${message}`, ...at });
    return undefined;
  };
  const common = {
    target,
    default: parsed.data.default ?? null,
    apply: parsed.data.apply ?? 'Always',
    matching: parsed.data.matching ?? 0,
  } as const;

  switch (type) {
    case 'None':
      if (source !== undefined) return fail('a None mapping has no source; remove it or use another type');
      return { definition: { ...common, type } };
    case 'Constant':
      if (source === undefined || source === '') return fail('a Constant mapping needs its text in "source"');
      return { definition: { ...common, type, source } };
    case 'Direct': {
      // `[givenName]` is how attributes are written in expressions; accept it here too.
      const name = source
        ?.trim()
        .replace(/^\[(.*)\]$/s, '$1')
        .trim();
      if (name === undefined || name === '') {
        return fail('a Direct mapping needs the source attribute name in "source"');
      }
      return { definition: { ...common, type, source: name } };
    }
    case 'Expression': {
      if (source === undefined || source.trim() === '') {
        return fail('an Expression mapping needs the expression in "source"');
      }
      const result = parseExpression(source);
      if (!result.ok) {
        const at: { line?: number; column?: number } = {};
        if (result.error.line !== undefined) at.line = result.error.line;
        if (result.error.column !== undefined) at.column = result.error.column;
        return fail(result.error.message, result.error.code, at);
      }
      return { definition: { ...common, type, source }, ast: result.ast };
    }
  }
}

function readGraphEntry(
  raw: Readonly<Record<string, unknown>>,
  index: number,
  errors: MappingError[],
): ReadEntry | undefined {
  const base = `[${index}]`;
  const rawTarget = typeof raw['targetAttributeName'] === 'string' ? raw['targetAttributeName'] : '';
  const parsed = graphSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = formatPath(base, issue.path);
      errors.push({
        code: 'InvalidMapping',
        target: rawTarget,
        path,
        message: `${label(index, rawTarget)}: ${path}: ${issue.message}`,
      });
    }
    return undefined;
  }
  const { targetAttributeName: target, flowType = 'Always' } = parsed.data;
  const where = label(index, target);
  const apply = graphFlowTypes[flowType];
  if (apply === undefined) {
    errors.push({
      code: 'InvalidMapping',
      target,
      path: `${base}.flowType`,
      message: `${where}: flowType ${JSON.stringify(flowType)} is not supported; use "Always" or "ObjectAddOnly"`,
    });
    return undefined;
  }
  const common = {
    target,
    default: parsed.data.defaultValue ?? null,
    apply,
    matching: parsed.data.matchingPriority ?? 0,
  };
  // A mapping of type None with only a default is written `"source": null` with its `defaultValue` (as in
  // Graph's objectMapping example:
  // https://learn.microsoft.com/graph/api/resources/synchronization-objectmapping).
  if (parsed.data.source === null || parsed.data.source === undefined) {
    return { definition: { ...common, type: 'None' } };
  }

  const result = fromGraphSource(parsed.data.source, `${base}.source`);
  if (!result.ok) {
    errors.push({
      ...result.error,
      target,
      path: `${base}.source`,
      message: `${where}: ${result.error.message}`,
    });
    return undefined;
  }
  const { ast } = result;
  if (ast.kind === 'Attribute') return { definition: { ...common, type: 'Direct', source: ast.name } };
  if (ast.kind === 'String') return { definition: { ...common, type: 'Constant', source: ast.value } };
  const source = parsed.data.source;
  const text =
    isRecord(source) && typeof source['expression'] === 'string'
      ? source['expression']
      : printExpression(ast);
  return { definition: { ...common, type: 'Expression', source: text }, ast };
}

function evaluateMappings(
  mappings: readonly CompiledMapping[],
  input: MappingEvaluationInput,
): MappingResult {
  const values: [string, MappingValue][] = [];
  const dropped: string[] = [];
  const dropReasons: [string, DropReason][] = [];
  const redacted: string[] = [];
  const matchingKeys: { target: string; value: MappingValue; precedence: number }[] = [];
  const errors: { target: string; error: ExpressionError }[] = [];
  const context = {
    attributes: input.attributes,
    ...(input.now === undefined ? {} : { now: input.now }),
    ...(input.exists === undefined ? {} : { exists: input.exists }),
    ...(input.random === undefined ? {} : { random: input.random }),
  };
  // One scope for all the set's expressions: each attribute is read and converted once per object.
  const scope = new EvaluationScope(context);
  const drop = (target: string, reason: DropReason) => {
    dropped.push(target);
    dropReasons.push([target, reason]);
  };

  for (const { definition, expression } of mappings) {
    const { target } = definition;
    const createOnlyOnUpdate = definition.apply === 'OnCreate' && input.operation === 'update';
    // A create-only mapping is not even evaluated on update (no spurious errors, no SelectUniqueValue
    // lookups), unless it matches: matching happens before Entra knows whether it will create or
    // update, so matching values are computed whatever the operation.
    if (createOnlyOnUpdate && definition.matching === 0) {
      drop(target, 'OnCreateOnly');
      continue;
    }
    let value: MappingValue | null = null;
    if (definition.type === 'Constant') {
      value = definition.source ?? null;
    } else if (expression !== undefined) {
      // Expression and Direct mappings. A None mapping has no source value: "the target attribute
      // is left unmodified. However, if the target attribute is ever empty, it populates with the
      // default value", and on create the target is empty, so its default flows below.
      const result = expression.evaluate(scope);
      if (!result.ok) {
        errors.push({ target, error: result.error });
        continue;
      }
      if (!result.flow) {
        // IgnoreFlowIfNullOrEmpty: "the attribute is dropped from the flow: not sent, not cleared".
        drop(target, 'IgnoreFlow');
        continue;
      }
      if (result.redacted) redacted.push(target);
      value = result.value;
    }
    // Matching values never come from the default: a value shared by every object identifies none.
    if (definition.matching > 0 && value !== null && value !== '') {
      matchingKeys.push({ target, value, precedence: definition.matching });
    }
    if (createOnlyOnUpdate) {
      drop(target, 'OnCreateOnly');
      continue;
    }
    // "Default value if null … is only provisioned when a user is created. The 'default value when null'
    // isn't provisioned when updating an existing user."
    // (https://learn.microsoft.com/entra/identity/app-provisioning/customize-application-attributes). Only
    // null triggers it, per the doc's wording; an empty string is a value (IgnoreFlowIfNullOrEmpty exists to
    // drop those).
    if (value === null && input.operation === 'create' && definition.default !== null) {
      value = definition.default;
    }
    if (value === null) {
      // "The Microsoft Entra provisioning service doesn't support provisioning null values": a null
      // attribute "is skipped", never cleared in the target.
      drop(target, 'Null');
      continue;
    }
    values.push([target, value]);
  }

  matchingKeys.sort((a, b) => a.precedence - b.precedence);
  return {
    values: Object.fromEntries(values),
    dropped,
    dropReasons: Object.fromEntries(dropReasons),
    redacted,
    matchingKeys,
    errors,
  };
}
