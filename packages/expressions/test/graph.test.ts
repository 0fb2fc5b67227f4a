import { describe, expect, it } from 'vitest';
import { type ExpressionNode, node } from '../src/ast.js';
import { type AttributeMappingSource, fromGraphSource, toGraphSource } from '../src/syntax/graph.js';
import { parseExpression } from '../src/syntax/parser.js';
import { referenceExpressions } from './support/reference-expressions.js';

function parsed(text: string): ExpressionNode {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${result.error.message}`);
  return result.ast;
}

/** Removes the `expression` of every Function node, so that only the structure carries them. */
function withoutFunctionExpressions(source: AttributeMappingSource): unknown {
  return {
    ...source,
    expression: source.type === 'Function' ? null : source.expression,
    parameters: source.parameters.map(({ key, value }) => ({
      key,
      value: withoutFunctionExpressions(value),
    })),
  };
}

// Graph's objectMapping example (attributeMappings[0] and [1];
// https://learn.microsoft.com/graph/api/resources/synchronization-objectmapping), verbatim.
const notExample = {
  expression: 'Not([IsSoftDeleted])',
  name: 'Not',
  type: 'Function',
  parameters: [
    {
      key: 'source',
      value: { expression: '[IsSoftDeleted]', name: 'IsSoftDeleted', parameters: [], type: 'Attribute' },
    },
  ],
};
const midExample = {
  expression: 'Mid([userPrincipalName], 1, 8)',
  name: 'Mid',
  type: 'Function',
  parameters: [
    {
      key: 'source',
      value: {
        expression: '[userPrincipalName]',
        name: 'userPrincipalName',
        parameters: [],
        type: 'Attribute',
      },
    },
    { key: 'start', value: { expression: '"1"', name: '1', parameters: [], type: 'Constant' } },
    { key: 'length', value: { expression: '"8"', name: '8', parameters: [], type: 'Constant' } },
  ],
};

describe('the Graph examples of the reference', () => {
  it('reads Not([IsSoftDeleted])', () => {
    expect(fromGraphSource(notExample)).toEqual({
      ok: true,
      ast: node.call('Not', [node.attribute('IsSoftDeleted')]),
    });
    expect(toGraphSource(parsed('Not([IsSoftDeleted])'))).toEqual(notExample);
  });

  it('reads Mid from its canonical expression, not from Graph lossy Constants', () => {
    const mid = node.call('Mid', [node.attribute('userPrincipalName'), node.number(1), node.number(8)]);
    expect(fromGraphSource(midExample)).toEqual({ ok: true, ast: mid });
    // Without the root expression, the structure is read: Graph's Constants are strings.
    expect(fromGraphSource({ ...midExample, expression: null })).toEqual({
      ok: true,
      ast: node.call('Mid', [node.attribute('userPrincipalName'), node.string('1'), node.string('8')]),
    });
    expect(toGraphSource(mid)).toMatchObject({
      expression: 'Mid([userPrincipalName], 1, 8)',
      parameters: [
        { key: 'source' },
        { key: 'start', value: { expression: '1', name: '1', type: 'Constant' } },
        { key: 'length', value: { expression: '8', name: '8', type: 'Constant' } },
      ],
    });
  });

  it("reads an attribute source and a default of type (Attribute, Graph's default)", () => {
    const upn = {
      expression: '[userPrincipalName]',
      name: 'userPrincipalName',
      parameters: [],
      type: 'Attribute',
    };
    expect(fromGraphSource(upn)).toEqual({ ok: true, ast: node.attribute('userPrincipalName') });
    expect(fromGraphSource({ name: 'mail' })).toEqual({ ok: true, ast: node.attribute('mail') });
  });

  it('reads a Graph-style Replace whose parameters leave out the empty positions', () => {
    const replace = {
      expression: 'Replace([preferredLanguage], "-", , , "_", ,  )',
      name: 'Replace',
      type: 'Function',
      parameters: [
        {
          key: 'source',
          value: {
            expression: '[preferredLanguage]',
            name: 'preferredLanguage',
            parameters: [],
            type: 'Attribute',
          },
        },
        { key: 'Find', value: { expression: '"-"', name: '-', parameters: [], type: 'Constant' } },
        { key: 'Replacement', value: { expression: '"_"', name: '_', parameters: [], type: 'Constant' } },
      ],
    };
    const m = node.missing();
    expect(fromGraphSource(replace)).toEqual({
      ok: true,
      ast: node.call('Replace', [
        node.attribute('preferredLanguage'),
        node.string('-'),
        m,
        m,
        node.string('_'),
        m,
        m,
      ]),
    });
  });
});

describe('round trip', () => {
  it.each(referenceExpressions)('%s', (text) => {
    const ast = parsed(text);
    const source = toGraphSource(ast);
    expect(fromGraphSource(source)).toEqual({ ok: true, ast });
    // Through real JSON, as read back from an exported configuration.
    expect(fromGraphSource(JSON.parse(JSON.stringify(source)))).toEqual({ ok: true, ast });
    // From the structure alone (leaves keep their expressions, Functions lose theirs).
    expect(fromGraphSource(withoutFunctionExpressions(source))).toEqual({ ok: true, ast });
  });

  it('writes Missing, Identifier, hex and comparisons in the chosen representation', () => {
    const source = toGraphSource(
      parsed('IIF(InStr([a], "x", 1, vbTextCompare) > &HF, Replace([x], , , , "_", , ), "")'),
    );
    const [condition, valueIfTrue, valueIfFalse] = source.parameters;
    expect(source).toMatchObject({ name: 'IIF', type: 'Function' });
    expect(condition).toMatchObject({
      key: 'condition',
      value: { expression: 'InStr([a], "x", 1, vbTextCompare) > &HF', name: '>', type: 'Function' },
    });
    const [left, right] = condition?.value.parameters ?? [];
    expect(left?.key).toBe('left');
    expect(left?.value.parameters[3]).toEqual({
      key: 'compareType',
      value: { expression: 'vbTextCompare', name: 'vbTextCompare', parameters: [], type: 'Constant' },
    });
    expect(right).toEqual({
      key: 'right',
      value: { expression: '&HF', name: '15', parameters: [], type: 'Constant' },
    });
    expect(valueIfTrue?.value.parameters[1]).toEqual({
      key: 'oldValue',
      value: { expression: '', name: null, parameters: [], type: 'Constant' },
    });
    expect(valueIfFalse).toEqual({
      key: 'valueIfFalse',
      value: { expression: '""', name: '', parameters: [], type: 'Constant' },
    });
  });
});

describe('errors', () => {
  it.each([
    [null, 'InvalidMapping', 'source: expected an attributeMappingSource object, found null'],
    [[], 'InvalidMapping', 'found an array'],
    ['Not([a])', 'InvalidMapping', 'found the string "Not([a])"'],
    [{ type: 'Attribute', name: '' }, 'InvalidMapping', 'source.name: an Attribute needs its attribute name'],
    [{ type: 'Attribute', name: 'a]b' }, 'InvalidMapping', "cannot contain ']'"],
    [{ type: 'Constant' }, 'InvalidMapping', 'empty Constant'],
    [{ type: 'Constant', name: 3 }, 'InvalidMapping', "source.name: expected the constant's text"],
    [
      { type: 'Lambda', name: 'x' },
      'InvalidMapping',
      'source.type: expected "Attribute", "Constant" or "Function"',
    ],
    [
      { type: 'Function', name: 'Not', parameters: {} },
      'InvalidMapping',
      'source.parameters: expected an array',
    ],
    [
      { type: 'Function', name: 'Not', parameters: [3] },
      'InvalidMapping',
      'source.parameters[0]: expected a {key, value}',
    ],
    [
      {
        type: 'Function',
        name: 'Not',
        parameters: [{ key: 'source', value: { type: 'Constant', name: null } }],
      },
      'InvalidMapping',
      'the only argument of Not cannot be empty',
    ],
    [
      { type: 'Function', name: 'not', parameters: [] },
      'UnknownFunction',
      "source.name: unknown function 'not'",
    ],
    [
      { type: 'Function', name: 'Not', parameters: [] },
      'WrongArgumentCount',
      'source.parameters: Not expects 1 argument',
    ],
    [
      { type: 'Function', name: '=', parameters: [] },
      'InvalidMapping',
      'only allowed as a function argument',
    ],
    [{ expression: 'Join(" ")', type: 'Function' }, 'WrongArgumentCount', 'source.expression: Join expects'],
    [{ expression: 'join(" ", [a])' }, 'UnknownFunction', "did you mean 'Join'?"],
    [{ expression: '[a] = [b]' }, 'ExpressionSyntaxError', 'only allowed as a function argument'],
    [{ expression: 3 }, 'InvalidMapping', 'source.expression: expected a string or null'],
  ])('%j → %s', (json, code, message) => {
    const result = fromGraphSource(json);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.message).toContain(message);
  });

  it('names nested positions with their JSON path', () => {
    const json = {
      type: 'Function',
      name: 'Append',
      parameters: [
        { key: 'source', value: { type: 'Attribute', name: 'a' } },
        {
          key: 'suffix',
          value: { type: 'Function', name: 'Left', parameters: [{ key: 'String', value: {} }] },
        },
      ],
    };
    const result = fromGraphSource(json, 'attributeMappings[3].source');
    expect(result).toMatchObject({ ok: false, error: { code: 'InvalidMapping' } });
    if (result.ok) return;
    expect(result.error.message).toContain(
      'attributeMappings[3].source.parameters[1].value.parameters[0].value.name',
    );
  });

  it('keeps line and column of an expression error', () => {
    const result = fromGraphSource({ expression: 'Join(" ",\n [a] [b])' });
    expect(result).toMatchObject({ ok: false, error: { code: 'ExpressionSyntaxError', line: 2, column: 6 } });
  });

  it('refuses cyclic and very deep structures without throwing', () => {
    const cyclic: { type: string; name: string; parameters: { key: string; value: unknown }[] } = {
      type: 'Function',
      name: 'Not',
      parameters: [],
    };
    cyclic.parameters.push({ key: 'source', value: cyclic });
    expect(fromGraphSource(cyclic)).toMatchObject({ ok: false, error: { code: 'InvalidMapping' } });

    let deep: unknown = { type: 'Attribute', name: 'a' };
    for (let level = 0; level < 300; level += 1) {
      deep = { type: 'Function', name: 'Not', parameters: [{ key: 'source', value: deep }] };
    }
    const result = fromGraphSource(deep);
    expect(result).toMatchObject({ ok: false, error: { code: 'ExpressionSyntaxError' } });
    if (result.ok) return;
    expect(result.error.message).toContain('nested too deeply');
  });

  it('refuses a structure whose expression would be over 10,000 characters', () => {
    const json = { type: 'Constant', name: 'x'.repeat(10_000) };
    expect(fromGraphSource(json)).toMatchObject({ ok: false, error: { code: 'ExpressionTooLong' } });
  });
});
