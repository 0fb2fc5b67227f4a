/**
 * The fourteen scoping-filter operators, with Entra's names exactly as its scoping filter page lists them
 * (https://learn.microsoft.com/entra/identity/app-provisioning/define-conditional-rules-for-provisioning-user-accounts;
 * "the doc" below). Each operator is compiled once per clause: its value is checked (integers for the
 * Greater_Than family, a valid RE2 pattern for the REGEX pair) so that a bad filter is refused before any
 * user is evaluated, and evaluation never throws.
 */
import { RE2JS, RE2JSException } from 're2js';

export const scopingOperatorNames = [
  '&',
  '!&',
  'ENDS_WITH',
  'EQUALS',
  'Greater_Than',
  'Greater_Than_OR_EQUALS',
  'Includes',
  'IS FALSE',
  'IS NOT NULL',
  'IS NULL',
  'IS TRUE',
  'NOT EQUALS',
  'NOT REGEX MATCH',
  'REGEX MATCH',
] as const;

export type ScopingOperatorName = (typeof scopingOperatorNames)[number];

export function isScopingOperatorName(name: string): name is ScopingOperatorName {
  return (scopingOperatorNames as readonly string[]).includes(name);
}

/** A single attribute value that is present and not empty, with its text form for comparisons. */
export interface PresentValue {
  readonly kind: 'value';
  readonly raw: string | number | boolean | bigint;
  /** The value as text: numbers in decimal, booleans as .NET prints them ("True"/"False"). */
  readonly text: string;
}

/**
 * What an operator sees. Multi-valued and structured values never reach an operator: the caller
 * turns them into a failed clause first ("Filtering is not supported for multi-valued attributes").
 */
export type ClauseInput = { readonly kind: 'null' } | { readonly kind: 'empty' } | PresentValue;

export interface ClauseOutcome {
  readonly passed: boolean;
  /** Why the clause failed, for the provisioning log. */
  readonly reason?: string;
}

export type ClauseTest = (input: ClauseInput) => ClauseOutcome;

export type CompiledOperator =
  | { readonly ok: true; readonly test: ClauseTest }
  | { readonly ok: false; readonly message: string };

export interface OperatorDefinition {
  /** As Graph's filterOperators discovery reports it: Unary operators take no value. */
  readonly arity: 'Unary' | 'Binary';
  readonly compile: (value: string) => CompiledOperator;
}

const pass: ClauseOutcome = Object.freeze({ passed: true });
const fail = (reason: string): ClauseOutcome => ({ passed: false, reason });
const quote = (text: string): string => JSON.stringify(text);

/**
 * Wraps a value-comparing test with Entra's null rule: "Scoping filters will return 'false' if the value is
 * null / empty." The rule as written contradicts IS NULL, so we resolve it (docs/expressions.md, section 8):
 * it applies to value-comparing operators only, negative ones included (NOT EQUALS, !&, and NOT REGEX MATCH,
 * which the doc says returns false on null/empty explicitly).
 */
function comparing(test: (actual: PresentValue) => ClauseOutcome): ClauseTest {
  return (input) => {
    if (input.kind === 'null') {
      return fail('the attribute is null or absent; scoping filters return false for null values');
    }
    if (input.kind === 'empty') {
      return fail('the attribute is empty; scoping filters return false for empty values');
    }
    return test(input);
  };
}

const compiled = (test: ClauseTest): CompiledOperator => ({ ok: true, test });

/**
 * Integers "[0,1,2,...]" (reference: Greater_Than). Like .NET's integer parsing we accept an optional
 * sign and surrounding white space; BigInt keeps long employee IDs exact beyond 2^53.
 */
const integerText = /^\s*[+-]?[0-9]+\s*$/;

function parseInteger(text: string): bigint | undefined {
  return integerText.test(text) ? BigInt(text.trim()) : undefined;
}

function integerOf(actual: PresentValue): bigint | undefined {
  if (typeof actual.raw === 'bigint') return actual.raw;
  if (typeof actual.raw === 'number') return Number.isInteger(actual.raw) ? BigInt(actual.raw) : undefined;
  if (typeof actual.raw === 'string') return parseInteger(actual.raw);
  return undefined;
}

function greaterThan(orEqual: boolean): OperatorDefinition {
  const symbol = orEqual ? '>=' : '>';
  return {
    arity: 'Binary',
    compile(value) {
      const limit = parseInteger(value);
      // Entra's troubleshooting guide: "avoid using the Greater_Than operator with a noninteger
      // value". We refuse it up front instead of silently scoping everyone out.
      if (limit === undefined) {
        return { ok: false, message: `value ${quote(value)} must be an integer (0, 1, 2, …)` };
      }
      return compiled(
        comparing((actual) => {
          const n = integerOf(actual);
          if (n === undefined) return fail(`the attribute value ${quote(actual.text)} is not an integer`);
          const passed = orEqual ? n >= limit : n > limit;
          return passed ? pass : fail(`${actual.text} is not ${symbol} ${limit}`);
        }),
      );
    },
  };
}

/**
 * REGEX MATCH / NOT REGEX MATCH. Entra runs .NET's Regex.IsMatch, which is unanchored and case
 * sensitive: `.*\@domain.com` matches "john@domain.com", and `([1-9][0-9])` also matches inside
 * "100". We keep those semantics (anchor with ^ and $ to match the whole value) but run the pattern
 * on RE2 (re2js), whose matching time is linear in the input, so a catastrophic pattern such as
 * `(a+)+$` cannot stall a provisioning cycle. RE2 refuses the backtracking-only constructs
 * (lookaround, backreferences, atomic groups), which become a validation error here.
 */
function regexMatch(negated: boolean): OperatorDefinition {
  return {
    arity: 'Binary',
    compile(pattern) {
      let regex: RE2JS;
      try {
        regex = RE2JS.compile(pattern);
      } catch (error) {
        const detail = error instanceof RE2JSException ? error.message : String(error);
        return {
          ok: false,
          message:
            `invalid regular expression ${quote(pattern)}: ${detail} (patterns run on RE2, ` +
            'which has no lookaround, backreferences or atomic groups)',
        };
      }
      return compiled(
        comparing((actual) => {
          const matched = regex.test(actual.text);
          if (matched !== negated) return pass;
          return fail(`${quote(actual.text)} ${matched ? 'matches' : 'does not match'} ${quote(pattern)}`);
        }),
      );
    },
  };
}

function binary(test: (actual: string, expected: string) => boolean, failure: string): OperatorDefinition {
  return {
    arity: 'Binary',
    compile: (expected) =>
      compiled(
        comparing((actual) =>
          test(actual.text, expected) ? pass : fail(`${quote(actual.text)} ${failure} ${quote(expected)}`),
        ),
      ),
  };
}

/**
 * .NET's Boolean.TryParse: case-insensitive "True"/"False" with surrounding white space, which is how
 * Graph serializes a Boolean extension attribute stored as text.
 */
function booleanOf(actual: PresentValue): boolean | undefined {
  if (typeof actual.raw === 'boolean') return actual.raw;
  if (typeof actual.raw !== 'string') return undefined;
  const text = actual.raw.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  return undefined;
}

function isBoolean(wanted: boolean): OperatorDefinition {
  return {
    arity: 'Unary',
    compile: () =>
      compiled((input) => {
        if (input.kind !== 'value') {
          return fail(
            `the attribute is ${input.kind === 'null' ? 'null or absent' : 'empty'}, not a Boolean`,
          );
        }
        const value = booleanOf(input);
        if (value === undefined) return fail(`the attribute value ${quote(input.text)} is not a Boolean`);
        return value === wanted ? pass : fail(`the attribute is ${value ? 'True' : 'False'}`);
      }),
  };
}

/** IS NULL / IS NOT NULL: "empty" covers both an absent (null) attribute and "". */
function isNull(wanted: boolean): OperatorDefinition {
  return {
    arity: 'Unary',
    compile: () =>
      compiled((input) => {
        if ((input.kind !== 'value') === wanted) return pass;
        if (input.kind === 'value') return fail(`the attribute has the value ${quote(input.text)}`);
        return fail(`the attribute is ${input.kind === 'null' ? 'null or absent' : 'empty'}`);
      }),
  };
}

export const scopingOperators: Readonly<Record<ScopingOperatorName, OperatorDefinition>> = {
  /**
   * `&`: true "if the evaluated attribute exists in the input string value" (the doc). We read
   * this literally: the attribute's value occurs (case-sensitive, like EQUALS and Includes) inside
   * the clause value, i.e. the mirror of Includes, so `department & "Sales,Marketing"` keeps Sales
   * and Marketing. The name suggests a bitwise AND, but the doc describes only string semantics and
   * requires integers only for Greater_Than, and Graph's documentation does not spell out the operator
   * names beyond EQUALS, so we follow the documented text.
   */
  '&': binary((actual, expected) => expected.includes(actual), 'does not occur in'),
  '!&': binary((actual, expected) => !expected.includes(actual), 'occurs in'),
  ENDS_WITH: binary((actual, expected) => actual.endsWith(expected), 'does not end with'),
  EQUALS: binary((actual, expected) => actual === expected, 'does not equal'),
  Greater_Than: greaterThan(false),
  Greater_Than_OR_EQUALS: greaterThan(true),
  Includes: binary((actual, expected) => actual.includes(expected), 'does not include'),
  'IS FALSE': isBoolean(false),
  'IS NOT NULL': isNull(false),
  'IS NULL': isNull(true),
  'IS TRUE': isBoolean(true),
  'NOT EQUALS': binary((actual, expected) => actual !== expected, 'equals'),
  'NOT REGEX MATCH': regexMatch(true),
  'REGEX MATCH': regexMatch(false),
};
