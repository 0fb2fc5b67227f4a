/**
 * Attribute-based scoping filters
 * (https://learn.microsoft.com/entra/identity/app-provisioning/define-conditional-rules-for-provisioning-user-accounts),
 * in Graph's `filter` shape (https://learn.microsoft.com/graph/api/resources/synchronization-filter):
 * `{ groups: [{ name, clauses: [{ operatorName, sourceOperandName, targetOperand: { values } }] }] }`.
 *
 * "If multiple clauses are created in a single scoping filter, they're evaluated together using AND
 * logic … If multiple scoping filters are present, they're evaluated together by using OR logic."
 * With no filter at all every object is in scope ("There are no scoping filters by default").
 *
 * A filter is compiled once per configuration: every problem in it is reported at once, naming the
 * filter, the clause and the field. Evaluation never throws and explains itself: each clause records
 * the value it saw and why it failed, so the provisioning log can say which filter decided.
 */
import { z } from 'zod';
import type { ExpressionError } from '../errors.js';
import { lookupAttribute } from './lookup.js';
import {
  type ClauseInput,
  type ClauseOutcome,
  type ClauseTest,
  isScopingOperatorName,
  type ScopingOperatorName,
  scopingOperatorNames,
  scopingOperators,
} from './operators.js';

export { type ScopingOperatorName, scopingOperatorNames } from './operators.js';

/** Whether an operator takes a value (`Binary`) or none (`Unary`), as Graph's filterOperators discovery says. */
export function scopingOperatorArity(name: ScopingOperatorName): 'Unary' | 'Binary' {
  return scopingOperators[name].arity;
}

/** A clause in Graph's `filterClause` shape, normalized (values always present). */
export interface ScopingClauseDefinition {
  readonly operatorName: ScopingOperatorName;
  readonly sourceOperandName: string;
  readonly targetOperand: { readonly values: readonly string[] };
}

/** One scoping filter (Graph `filterGroup`; the portal's "Scoping Filter Title" is `name`). */
export interface ScopingFilterGroupDefinition {
  readonly name: string;
  readonly clauses: readonly ScopingClauseDefinition[];
}

/** A validation problem; `path` locates the field, e.g. `groups[0].clauses[1].operatorName`. */
export interface ScopingFilterError extends ExpressionError {
  readonly code: 'InvalidScopingFilter';
  readonly path: string;
}

export interface ClauseResult {
  readonly attribute: string;
  readonly operator: ScopingOperatorName;
  readonly expected: readonly string[];
  /** The attribute's value as found (any letter case of its name), or null when absent. */
  readonly actual: unknown;
  readonly passed: boolean;
  /** Why the clause failed (null rule, multi-valued, not an integer, plain mismatch, …). */
  readonly reason?: string;
}

export interface GroupResult {
  readonly name: string;
  readonly passed: boolean;
  readonly clauses: readonly ClauseResult[];
}

export interface ScopeResult {
  readonly inScope: boolean;
  /** One sentence for the provisioning log. */
  readonly summary: string;
  /**
   * Indices (0-based) of what decided: the first filter that passed (no `clause`: all its clauses
   * passed), or, when every filter failed, the first failing clause of the first filter. Absent when
   * there are no scoping filters.
   */
  readonly decidedBy?: { readonly group: number; readonly clause?: number };
  readonly groups: readonly GroupResult[];
}

export interface CompiledScopingFilters {
  /** The validated filter in Graph's shape, for export and display. */
  readonly definition: { readonly groups: readonly ScopingFilterGroupDefinition[] };
  readonly evaluate: (attributes: Readonly<Record<string, unknown>>) => ScopeResult;
}

export type CompileScopingFiltersResult =
  | { readonly ok: true; readonly filters: CompiledScopingFilters }
  | { readonly ok: false; readonly errors: readonly ScopingFilterError[] };

export interface CompileScopingFiltersOptions {
  /**
   * Attribute names known to be multi-valued in the source schema. "Filtering is not supported for
   * multi-valued attributes", so a clause on one is refused at compile time; without a schema the
   * clause simply fails at evaluation when it meets an array.
   */
  readonly multiValuedAttributes?: Iterable<string>;
}

/**
 * Attributes Entra documents as unsupported in scoping filters
 * (https://learn.microsoft.com/entra/identity/app-provisioning/define-conditional-rules-for-provisioning-user-accounts
 * and https://learn.microsoft.com/entra/identity/app-provisioning/known-issues); keys are lower case because
 * names are.
 */
const unsupportedAttributes: ReadonlyMap<string, string> = new Map([
  ['appRoleAssignments'.toLowerCase(), 'app role assignments cannot be used in scoping filters'],
  ['userType'.toLowerCase(), 'Entra does not support userType in scoping filters'],
  ['manager', 'reference attributes such as manager cannot be used in scoping filters'],
  ['members', 'the group members attribute is not supported in scoping filters'],
  ['isMemberOf'.toLowerCase(), 'the IsMemberOf filter is not supported'],
]);

const filterSchema = z.object({
  groups: z.array(z.unknown()).nullish(),
  inputFilterGroups: z.array(z.unknown()).nullish(),
  categoryFilterGroups: z.array(z.unknown()).nullish(),
});

const groupSchema = z.object({
  name: z.string().optional(),
  clauses: z.array(z.unknown()),
});

const clauseSchema = z.object({
  operatorName: z.string(),
  sourceOperandName: z.string().trim().min(1, 'must name a source attribute'),
  // Unary operators (IS NULL, IS TRUE, …) may come without a target operand at all.
  targetOperand: z.object({ values: z.array(z.string()) }).nullish(),
});

function formatPath(base: string, path: readonly PropertyKey[]): string {
  let text = base;
  for (const key of path)
    text += typeof key === 'number' ? `[${key}]` : `${text === '' ? '' : '.'}${String(key)}`;
  return text;
}

function schemaErrors(error: z.ZodError, base: string, where: string): ScopingFilterError[] {
  return error.issues.map((issue) => {
    const path = formatPath(base, issue.path);
    return { code: 'InvalidScopingFilter', path, message: `${where}: ${path}: ${issue.message}` };
  });
}

/** Near misses such as `Equals`, `IS_NOT_NULL` or `greater_than` get a "did you mean". */
function suggestOperator(name: string): string | undefined {
  const normalize = (text: string) =>
    text
      .toLowerCase()
      .replace(/[\s_]+/g, ' ')
      .trim();
  const wanted = normalize(name);
  return scopingOperatorNames.find((candidate) => normalize(candidate) === wanted);
}

interface CompiledClause {
  readonly definition: ScopingClauseDefinition;
  readonly test: ClauseTest;
}

interface CompiledGroup {
  readonly name: string;
  readonly clauses: readonly CompiledClause[];
}

/**
 * Validates and compiles scoping filters. Accepts Graph's `filter` object (`{ groups, … }`), a bare
 * array of filter groups, or null/undefined (no filters: everything in scope, as an objectMapping
 * with `"scope": null`).
 */
export function compileScopingFilters(
  json: unknown,
  options: CompileScopingFiltersOptions = {},
): CompileScopingFiltersResult {
  const errors: ScopingFilterError[] = [];
  const multiValued = new Set([...(options.multiValuedAttributes ?? [])].map((name) => name.toLowerCase()));
  let rawGroups: readonly unknown[] = [];

  if (json === null || json === undefined) {
    rawGroups = [];
  } else if (Array.isArray(json)) {
    rawGroups = json;
  } else {
    const parsed = filterSchema.safeParse(json);
    if (!parsed.success) {
      return {
        ok: false,
        errors:
          typeof json === 'object'
            ? schemaErrors(parsed.error, '', 'Scoping filter')
            : [
                {
                  code: 'InvalidScopingFilter',
                  path: '',
                  message:
                    'Scoping filter: expected a Graph filter object { "groups": [...] }, an array of filter groups, or null',
                },
              ],
      };
    }
    rawGroups = parsed.data.groups ?? [];
    // The experimental early filters have different semantics (objects leaving them are *not* deprovisioned:
    // https://learn.microsoft.com/graph/api/resources/synchronization-filter); refusing them beats silently
    // treating them as ordinary groups.
    for (const key of ['inputFilterGroups', 'categoryFilterGroups'] as const) {
      if ((parsed.data[key]?.length ?? 0) > 0) {
        errors.push({
          code: 'InvalidScopingFilter',
          path: key,
          message: `Scoping filter: ${key} (experimental in Graph) is not supported; put the filters in "groups"`,
        });
      }
    }
  }

  const groups: CompiledGroup[] = [];
  rawGroups.forEach((rawGroup, groupIndex) => {
    const groupPath = `groups[${groupIndex}]`;
    const parsedGroup = groupSchema.safeParse(rawGroup);
    if (!parsedGroup.success) {
      errors.push(...schemaErrors(parsedGroup.error, groupPath, `Scoping filter ${groupIndex + 1}`));
      return;
    }
    const name = parsedGroup.data.name ?? `Scoping filter ${groupIndex + 1}`;
    const where = `Scoping filter ${groupIndex + 1} (${JSON.stringify(name)})`;
    if (parsedGroup.data.clauses.length === 0) {
      // An empty AND is true for everyone: almost certainly a filter saved half-way.
      errors.push({
        code: 'InvalidScopingFilter',
        path: `${groupPath}.clauses`,
        message: `${where}: has no clauses; add at least one or remove the filter`,
      });
    }
    const clauses: CompiledClause[] = [];
    parsedGroup.data.clauses.forEach((rawClause, clauseIndex) => {
      const clausePath = `${groupPath}.clauses[${clauseIndex}]`;
      const clauseWhere = `${where}, clause ${clauseIndex + 1}`;
      const parsedClause = clauseSchema.safeParse(rawClause);
      if (!parsedClause.success) {
        errors.push(...schemaErrors(parsedClause.error, clausePath, clauseWhere));
        return;
      }
      const { operatorName, sourceOperandName: attribute } = parsedClause.data;
      const values = parsedClause.data.targetOperand?.values ?? [];
      const problem = (field: string, message: string) =>
        errors.push({
          code: 'InvalidScopingFilter',
          path: `${clausePath}.${field}`,
          message: `${clauseWhere} (${attribute} ${operatorName}): ${message}`,
        });

      const unsupported = unsupportedAttributes.get(attribute.toLowerCase());
      if (unsupported !== undefined) {
        problem('sourceOperandName', unsupported);
      } else if (multiValued.has(attribute.toLowerCase())) {
        problem(
          'sourceOperandName',
          `"${attribute}" is multi-valued; filtering is not supported for multi-valued attributes`,
        );
      }

      if (!isScopingOperatorName(operatorName)) {
        const suggestion = suggestOperator(operatorName);
        problem(
          'operatorName',
          suggestion === undefined
            ? `unknown operator ${JSON.stringify(operatorName)}; use one of ${scopingOperatorNames.map((n) => JSON.stringify(n)).join(', ')}`
            : `unknown operator ${JSON.stringify(operatorName)}; did you mean ${JSON.stringify(suggestion)}? (operator names are exact)`,
        );
        return;
      }
      const operator = scopingOperators[operatorName];
      let value = '';
      if (operator.arity === 'Unary') {
        // A portal export may carry one empty value for a unary operator; anything else is a
        // misunderstanding such as `IS TRUE` with the value "false".
        if (values.some((v) => v !== '')) {
          problem(
            'targetOperand.values',
            `${operatorName} takes no value, but got ${JSON.stringify(values)}`,
          );
          return;
        }
      } else {
        const [only] = values;
        if (values.length !== 1 || only === undefined) {
          problem(
            'targetOperand.values',
            `${operatorName} takes exactly one value, but got ${values.length}`,
          );
          return;
        }
        if (only === '') {
          // With the null rule an empty value can never discriminate (EQUALS "" is always false,
          // Includes "" always true): the intent is IS NULL or IS NOT NULL.
          problem(
            'targetOperand.values',
            'the value is empty; use IS NULL or IS NOT NULL to test for empty attributes',
          );
          return;
        }
        value = only;
      }
      const compiledOperator = operator.compile(value);
      if (!compiledOperator.ok) {
        problem('targetOperand.values[0]', compiledOperator.message);
        return;
      }
      clauses.push({
        definition: {
          operatorName,
          sourceOperandName: attribute,
          targetOperand: { values: operator.arity === 'Unary' ? [] : [value] },
        },
        test: compiledOperator.test,
      });
    });
    groups.push({ name, clauses });
  });

  if (errors.length > 0) return { ok: false, errors };
  const definition = {
    groups: groups.map((g) => ({ name: g.name, clauses: g.clauses.map((c) => c.definition) })),
  };
  return { ok: true, filters: { definition, evaluate: (attributes) => evaluateGroups(groups, attributes) } };
}

type Classified = ClauseInput | { readonly kind: 'multi' } | { readonly kind: 'unsupported' };

function classify(value: unknown): Classified {
  if (value === null || value === undefined) return { kind: 'null' };
  switch (typeof value) {
    case 'string':
      return value === '' ? { kind: 'empty' } : { kind: 'value', raw: value, text: value };
    case 'number':
    case 'bigint':
      return { kind: 'value', raw: value, text: String(value) };
    case 'boolean':
      // .NET prints Booleans as True/False, which is what EQUALS compares against.
      return { kind: 'value', raw: value, text: value ? 'True' : 'False' };
    default:
      return Array.isArray(value) ? { kind: 'multi' } : { kind: 'unsupported' };
  }
}

function evaluateClause(clause: CompiledClause, attributes: Readonly<Record<string, unknown>>): ClauseResult {
  const { operatorName: operator, sourceOperandName: attribute, targetOperand } = clause.definition;
  const found = lookupAttribute(attributes, attribute);
  const actual = found.found ? (found.value ?? null) : null;
  const input = classify(actual);
  const outcome: ClauseOutcome =
    input.kind === 'multi'
      ? {
          passed: false,
          reason: 'the attribute is multi-valued; filtering is not supported for multi-valued attributes',
        }
      : input.kind === 'unsupported'
        ? { passed: false, reason: 'the attribute is a structured value; only single values can be filtered' }
        : clause.test(input);
  const result = { attribute, operator, expected: targetOperand.values, actual, passed: outcome.passed };
  return outcome.reason === undefined ? result : { ...result, reason: outcome.reason };
}

function describeClause(clause: ClauseResult): string {
  const value = clause.expected.length > 0 ? ` ${JSON.stringify(clause.expected[0])}` : '';
  return `${clause.attribute} ${clause.operator}${value}`;
}

function evaluateGroups(
  groups: readonly CompiledGroup[],
  attributes: Readonly<Record<string, unknown>>,
): ScopeResult {
  if (groups.length === 0) {
    return { inScope: true, summary: 'In scope: there are no scoping filters.', groups: [] };
  }
  // Every clause is evaluated, not just up to the first failure, so that the log shows the whole picture.
  const results: GroupResult[] = groups.map((group) => {
    const clauses = group.clauses.map((clause) => evaluateClause(clause, attributes));
    return { name: group.name, passed: clauses.every((c) => c.passed), clauses };
  });
  const passedIndex = results.findIndex((g) => g.passed);
  const passedGroup = results[passedIndex];
  if (passedGroup !== undefined) {
    return {
      inScope: true,
      summary: `In scope: scoping filter ${JSON.stringify(passedGroup.name)} passed (${passedGroup.clauses.map(describeClause).join(' AND ')}).`,
      decidedBy: { group: passedIndex },
      groups: results,
    };
  }
  const failures = results.map((group) => {
    const clause = group.clauses.find((c) => !c.passed);
    const why =
      clause === undefined
        ? ''
        : ` on ${describeClause(clause)}${clause.reason === undefined ? '' : `: ${clause.reason}`}`;
    return `${JSON.stringify(group.name)} failed${why}`;
  });
  const first = results[0];
  const firstFailing = first === undefined ? -1 : first.clauses.findIndex((c) => !c.passed);
  return {
    inScope: false,
    summary: `Out of scope: no scoping filter passed; ${failures.join('; ')}.`,
    decidedBy: firstFailing < 0 ? { group: 0 } : { group: 0, clause: firstFailing },
    groups: results,
  };
}
