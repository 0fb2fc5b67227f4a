// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${name}" here is .NET replacement syntax, not a template.
/**
 * Replace in its five modes, .NET regex substitutions on the linear-time engine, and its refusals.
 */
import { describe, expect, it } from 'vitest';
import { node } from '../src/ast.js';
import { evaluateExpression } from '../src/evaluate/evaluator.js';
import { errorOf, evaluate, flowValue } from './support/evaluate.js';

/** Replace with a regex pattern and a replacement (mode c) on [s]. */
const regex = (pattern: string, replacement: string): string =>
  `Replace([s], , ${JSON.stringify(pattern)}, , ${JSON.stringify(replacement)}, , )`;

describe('Replace mode (a): oldValue + replacementValue', () => {
  it('replaces every occurrence, case-sensitively and literally', () => {
    expect(flowValue('Replace([s], "a", , , "b", , )', { s: 'banana' })).toBe('bbnbnb');
    expect(flowValue('Replace([s], "A", , , "b", , )', { s: 'banana' })).toBe('banana');
    expect(flowValue('Replace([s], ".", , , "$&", , )', { s: 'a.b' })).toBe('a$&b');
  });

  it('keeps absent absent and maps multi-valued sources value by value', () => {
    expect(flowValue('Replace([s], "a", , , "b", , )')).toBeNull();
    expect(flowValue('Replace([s], "SMTP:", , , "smtp:", , )', { s: ['SMTP:a@x', 'SMTP:b@x'] })).toEqual([
      'smtp:a@x',
      'smtp:b@x',
    ]);
  });

  it('refuses an empty oldValue and a missing replacement', () => {
    expect(errorOf('Replace([s], "", , , "b", , )', { s: 'x' }).code).toBe('InvalidArgument');
    expect(errorOf('Replace([s], "a", , , , , )', { s: 'x' }).code).toBe('InvalidArgument');
  });
});

describe('Replace mode (b): oldValue + template', () => {
  it('puts the source into every occurrence in the template', () => {
    expect(flowValue('Replace([u], "<u>", , , , , "<u>.<u>@x")', { u: 'js' })).toBe('js.js@x');
  });
  it('gives null for an absent source', () => {
    expect(flowValue('Replace([u], "<u>", , , , , "<u>@x")')).toBeNull();
  });
});

describe('Replace mode (c): regexPattern + replacementValue with .NET substitutions', () => {
  it('numbers unnamed groups before named ones, as .NET does', () => {
    expect(flowValue(regex('(?<first>\\w+) (\\w+)', '$1|$2|${first}'), { s: 'John Smith' })).toBe(
      'Smith|John|John',
    );
  });

  it("expands $$, $&, $`, $', $+ and $_", () => {
    expect(flowValue(regex('b', '[$$]'), { s: 'abc' })).toBe('a[$]c');
    expect(flowValue(regex('b', '<$&>'), { s: 'abc' })).toBe('a<b>c');
    expect(flowValue(regex('b', '($`)'), { s: 'abc' })).toBe('a(a)c');
    expect(flowValue(regex('b', "($')"), { s: 'abc' })).toBe('a(c)c');
    expect(flowValue(regex('(a)(b)', '$+'), { s: 'abc' })).toBe('bc');
    expect(flowValue(regex('b', '$_'), { s: 'abc' })).toBe('aabcc');
  });

  it('leaves references to groups that do not exist as text', () => {
    expect(flowValue(regex('(b)', '$2'), { s: 'abc' })).toBe('a$2c');
    expect(flowValue(regex('(b)', '$12'), { s: 'abc' })).toBe('a$12c');
    expect(flowValue(regex('(b)', '${nope}'), { s: 'abc' })).toBe('a${nope}c');
    expect(flowValue(regex('(b)', '${1}x'), { s: 'abc' })).toBe('abxc');
    expect(flowValue(regex('(b)', 'cost: $'), { s: 'abc' })).toBe('acost: $c');
  });

  it("reads .NET's (?'name'…) groups", () => {
    expect(flowValue(regex("(?'user'[^@]+)@.*", '${user}'), { s: 'js@contoso.com' })).toBe('js');
  });

  it('inserts nothing for a group that did not take part', () => {
    expect(flowValue(regex('(x)?b', '[$1]'), { s: 'abc' })).toBe('a[]c');
  });

  it('moves on after empty matches as .NET does', () => {
    expect(flowValue(regex('x*', '-'), { s: 'abc' })).toBe('-a-b-c-');
    expect(flowValue(regex('a*', '-'), { s: 'aab' })).toBe('--b-');
    expect(flowValue(regex('x*', '-'), { s: 'a😀' })).toBe('-a-😀-');
  });

  it('keeps ^ anchored to the start of the text on later matches', () => {
    expect(flowValue(regex('^a', 'X'), { s: 'aaa' })).toBe('Xaa');
  });

  it('takes the pattern from an attribute too', () => {
    expect(flowValue('Replace([s], , [p], , "#", , )', { s: 'a1b22', p: '\\d+' })).toBe('a#b#');
  });
});

describe('Replace mode (d): regexPattern + regexGroupName + replacementValue', () => {
  it('replaces the group in every match and keeps the rest of the match', () => {
    expect(flowValue('Replace([s], , "(?<n>\\\\d+)px", "n", "0", , )', { s: '10px 20px' })).toBe('0px 0px');
  });

  it('takes the replacement literally', () => {
    expect(flowValue('Replace([s], , "(?<n>b)", "n", "$0", , )', { s: 'abc' })).toBe('a$0c');
  });

  it('leaves matches where the group did not take part', () => {
    expect(flowValue('Replace([s], , "a(?<n>x)?", "n", "Y", , )', { s: 'aax' })).toBe('aaY');
  });

  it('refuses a group name the pattern does not have', () => {
    expect(errorOf('Replace([s], , "(?<n>b)", "m", "Y", , )', { s: 'abc' }).code).toBe('InvalidArgument');
  });
});

describe('Replace mode (e): regexPattern + regexGroupName + replacementAttributeName', () => {
  const expression =
    'Replace([telephoneNumber], , "\\\\+(?<isd>\\\\d* )(?<phone>\\\\d{10})", "phone", , [mobile], )';

  it('returns the source when it has a value', () => {
    expect(flowValue(expression, { telephoneNumber: '555', mobile: '+91 8887779999' })).toBe('555');
  });
  it('extracts the group from the replacement attribute when the source is absent or empty', () => {
    expect(flowValue(expression, { mobile: '+91 8887779999' })).toBe('8887779999');
  });
  it('gives null when the replacement attribute is absent or does not match', () => {
    expect(flowValue(expression, {})).toBeNull();
    expect(flowValue(expression, { mobile: 'none' })).toBeNull();
  });
});

describe('Replace refusals', () => {
  it('needs oldValue or regexPattern', () => {
    expect(errorOf('Replace([s], , , , "x", , )', { s: 'a' }).code).toBe('InvalidArgument');
    expect(errorOf('Replace([s], , "a", , , , )', { s: 'a' }).code).toBe('InvalidArgument');
    expect(errorOf('Replace([s], , "(?<n>a)", "n", , , )', { s: 'a' }).code).toBe('InvalidArgument');
  });

  it('reports invalid patterns and constructs RE2 cannot run in linear time as InvalidRegex', () => {
    for (const pattern of ['(', '(?=a)', '(?<=a)b', '(a)\\1', '(?>a)', 'a++']) {
      const error = errorOf(regex(pattern, 'x'), { s: 'a' });
      expect(error.code).toBe('InvalidRegex');
      expect(error.message).toContain('regexPattern');
    }
  });

  it('reports an invalid pattern even when the source is absent', () => {
    // A configuration error should show on every object, not only on those with a value.
    expect(evaluate(regex('(', 'x'))).toMatchObject({ ok: false, error: { code: 'InvalidRegex' } });
  });
});

describe('Replace on the linear-time engine', () => {
  it('finishes on a catastrophic-backtracking pattern', () => {
    const input = `${'a'.repeat(50_000)}b`;
    const ast = node.call('Replace', [
      node.attribute('s'),
      node.missing(),
      node.string('(a+)+$'),
      node.missing(),
      node.string('x'),
      node.missing(),
      node.missing(),
    ]);
    const result = evaluateExpression(ast, { attributes: { s: input } });
    expect(result).toMatchObject({ ok: true, flow: true, value: input });
  });
});
