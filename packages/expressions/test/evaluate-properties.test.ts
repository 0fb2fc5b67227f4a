/**
 * Properties: whatever the attribute bag and whatever the (well-formed) expression, evaluate()
 * returns a result and never throws, and a flowing value is plain JSON.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ExpressionNode, node } from '../src/ast.js';
import {
  compileExpression,
  type EvaluationContext,
  type EvaluationResult,
} from '../src/evaluate/evaluator.js';
import { functionSignatures } from '../src/functions/signatures.js';
import { parseExpression } from '../src/syntax/parser.js';
import { referenceExpressions } from './support/reference-expressions.js';

const names = [
  'a',
  'b',
  'A',
  'mail',
  'country',
  'StatusHireDate',
  'appRoleAssignments',
  'proxyAddresses',
] as const;

const scalar = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '',
    ' ',
    'True',
    'false',
    '0',
    '12',
    '&HFF',
    '2021-08-24',
    '2020-03-16-07:00',
    '8/25/2021 5:41:18 PM',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);

const attributeValue = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 4 }),
  fc.date(),
  fc.bigInt(),
  fc.record({ id: fc.string(), displayName: fc.string(), appRoleId: fc.string({ maxLength: 2 }) }),
  fc.array(fc.record({ id: fc.string(), displayName: fc.string() }), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);

const attributeBag = fc.dictionary(fc.constantFrom(...names), attributeValue);

const context = fc.record({
  attributes: attributeBag,
  now: fc.option(fc.date({ noInvalidDate: false }), { nil: undefined }),
  exists: fc.option(
    fc.func(fc.oneof(fc.boolean(), fc.constant('throw'))).map((decide) => (candidate: string): boolean => {
      const answer = decide(candidate);
      if (answer === 'throw') throw new Error('lookup failed');
      return answer;
    }),
    { nil: undefined },
  ),
  random: fc.option(
    fc.func(fc.oneof(fc.double({ min: 0, max: 1, maxExcluded: true }), fc.constantFrom(1, -1, Number.NaN))),
    { nil: undefined },
  ),
});

function contextOf(value: {
  attributes: Record<string, unknown>;
  now: Date | undefined;
  exists: ((candidate: string) => boolean) | undefined;
  random: (() => number) | undefined;
}): EvaluationContext {
  return {
    attributes: value.attributes,
    ...(value.now === undefined ? {} : { now: value.now }),
    ...(value.exists === undefined ? {} : { exists: value.exists }),
    ...(value.random === undefined ? {} : { random: value.random }),
  };
}

function isOutput(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  return (
    Array.isArray(value) && value.every((item) => item !== null && !Array.isArray(item) && isOutput(item))
  );
}

function wellFormed(result: EvaluationResult): boolean {
  if (!result.ok) return typeof result.error.code === 'string' && typeof result.error.message === 'string';
  if (!result.flow) return true;
  return isOutput(result.value) && typeof result.redacted === 'boolean';
}

const representative = [
  ...referenceExpressions,
  'Join(",", [a], [b], [proxyAddresses])',
  'IIF([a] > 5, ToUpper([b]), Left([b], [a]))',
  'Switch([a], [b], "x", CDate([b]), "y", DateAdd("d", [a], [StatusHireDate]))',
  'Replace([a], , [b], , "$1", , )',
  'FormatDateTime([a], [b], "yyyy-MM-dd", "o")',
  'RandomString([a], 1, 1, 1, 1, [b])',
  'SelectUniqueValue([a], [b], [mail])',
  'Redact(Coalesce([a], IgnoreFlowIfNullOrEmpty([b])))',
  'Item([proxyAddresses], [a])',
  'NumFromDate(DateFromNum([a]))',
  'BitAnd([a], [b])',
  'InStr([a], [b], [A], [country])',
  'PCase([a], [b])',
  'Word([a], [b], [mail])',
].map((text) => {
  const parsed = parseExpression(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error.message}`);
  return compileExpression(parsed.ast);
});

describe('evaluate never throws', () => {
  it('for representative expressions over arbitrary attribute bags', () => {
    fc.assert(
      fc.property(context, fc.constantFrom(...representative), (ctx, compiled) => {
        expect(wellFormed(compiled.evaluate(contextOf(ctx)))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('for arbitrary well-formed expressions over arbitrary attribute bags', () => {
    const signatures = Object.values(functionSignatures);
    const tree = fc.letrec<{ expression: ExpressionNode }>((tie) => ({
      expression: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(...names).map((name) => node.attribute(name)),
        scalar.filter((value) => typeof value === 'string').map((value) => node.string(String(value))),
        fc
          .oneof(fc.integer({ min: -10, max: 300 }), fc.constant(129699324000000000))
          .map((value) => node.number(value)),
        fc.constant(node.missing()),
        fc.constantFrom('vbTextCompare', 'vbBinaryCompare').map((name) => node.identifier(name)),
        fc
          .tuple(
            fc.constantFrom('=', '<>', '>', '>=', '<', '<=' as const),
            tie('expression'),
            tie('expression'),
          )
          .map(([operator, left, right]) => node.comparison(operator, left, right)),
        fc
          .tuple(fc.constantFrom(...signatures), fc.array(tie('expression'), { maxLength: 8 }))
          .map(([signature, pool]) => {
            let count = Math.min(
              Math.max(signature.minArgs, pool.length),
              Math.min(signature.maxArgs, signature.minArgs + 4),
            );
            if (signature.evenArgs && count % 2 === 1) count += 1;
            const args = Array.from(
              { length: count },
              (_, index) => pool[index] ?? node.string(String(index)),
            );
            return node.call(signature.name, args);
          }),
      ),
    }));
    fc.assert(
      fc.property(context, tree.expression, (ctx, expression) => {
        const result = compileExpression(expression).evaluate(contextOf(ctx));
        expect(wellFormed(result)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
