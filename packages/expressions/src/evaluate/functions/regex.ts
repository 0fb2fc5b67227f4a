/**
 * Replace(source, oldValue, regexPattern, regexGroupName, replacementValue, replacementAttributeName,
 * template) in its five modes
 * (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data#replace),
 * with .NET regular-expression semantics where the expression can see them, run on re2js.
 *
 * Safety: patterns come from configuration and are matched against directory data, so they run on
 * RE2 (re2js), whose matching time is linear in the input: `(a+)+$` cannot backtrack
 * catastrophically. The price is that constructs RE2 cannot run in linear time — lookarounds,
 * backreferences, atomic groups, possessive quantifiers, conditionals — are refused with InvalidRegex
 * instead of being evaluated. Other differences from .NET's engine: `\d`, `\w` and `\s` are ASCII
 * (.NET's are Unicode), `$` does not match before a final newline, and character-class subtraction
 * (`[a-z-[aeiou]]`) is not understood.
 *
 * What is .NET here: named groups `(?<name>…)` and `(?'name'…)`; group numbering (unnamed groups
 * first, then named groups, left to right); the replacement syntax (`$1`, `${name}`, `$$`, `$&`,
 * `` $` ``, `$'`, `$+`, `$_`, and an invalid reference stays literal text); and how matching moves
 * on after an empty match.
 */
import { RE2JS } from 're2js';
import type { ExpressionError } from '../../errors.js';
import type { FunctionName } from '../../functions/signatures.js';
import { mapText, quote, text } from '../coerce.js';
import { type CompiledArg, type Env, EvaluationFailure, type FunctionBuilder, fail } from '../runtime.js';
import { isNullOrEmpty } from '../values.js';

interface DotNetRegex {
  readonly pattern: RE2JS;
  /** .NET group number → re2js group index (index 0 is the whole match). */
  readonly numbers: readonly number[];
  /** Group name → re2js group index. */
  readonly names: ReadonlyMap<string, number>;
}

/** Rewrites .NET-only spellings RE2 lacks: `(?'name'…)` becomes `(?P<name>…)`. */
function translatePattern(pattern: string): string {
  let out = '';
  let index = 0;
  let inClass = false;
  while (index < pattern.length) {
    const char = pattern.charAt(index);
    if (char === '\\') {
      out += pattern.slice(index, index + 2);
      index += 2;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      out += char;
      index += 1;
      continue;
    }
    if (char === '[') {
      inClass = true;
      out += char;
      index += 1;
      // A "]" right after "[" or "[^" is a literal member.
      if (pattern.charAt(index) === '^') {
        out += '^';
        index += 1;
      }
      if (pattern.charAt(index) === ']') {
        out += ']';
        index += 1;
      }
      continue;
    }
    if (pattern.startsWith("(?'", index)) {
      const close = pattern.indexOf("'", index + 3);
      if (close > index + 3) {
        out += `(?P<${pattern.slice(index + 3, close)}>`;
        index = close + 1;
        continue;
      }
    }
    out += char;
    index += 1;
  }
  return out;
}

function compileDotNet(source: string): DotNetRegex | ExpressionError {
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(translatePattern(source));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      code: 'InvalidRegex',
      message: `Replace: regexPattern ${quote(source)} is not a regular expression the safe (linear-time) engine accepts: ${reason}. Lookarounds, backreferences and atomic groups are not supported.`,
    };
  }
  const named = pattern.namedGroups();
  const namedIndexes = new Set(Object.values(named));
  const unnamed: number[] = [];
  for (let index = 1; index <= pattern.groupCount(); index += 1) {
    if (!namedIndexes.has(index)) unnamed.push(index);
  }
  // .NET numbers unnamed groups first, then named groups, each left to right.
  const numbers = [0, ...unnamed, ...[...namedIndexes].sort((a, b) => a - b)];
  return { pattern, numbers, names: new Map(Object.entries(named)) };
}

/** The re2js index of a group given by name, or by .NET number as digits. */
function groupIndex(regex: DotNetRegex, name: string): number | undefined {
  const named = regex.names.get(name);
  if (named !== undefined) return named;
  return /^\d+$/.test(name) ? regex.numbers[Number(name)] : undefined;
}

interface Match {
  readonly start: number;
  readonly end: number;
  /** [start, end] of each re2js group, [-1, -1] when it did not take part. */
  readonly groups: readonly (readonly [number, number])[];
}

/** Every match, moving on after an empty match by one character, as .NET's Regex.Replace does. */
function matches(regex: DotNetRegex, input: string, limit = Number.POSITIVE_INFINITY): Match[] {
  const matcher = regex.pattern.matcher(input);
  const found: Match[] = [];
  const groupCount = regex.pattern.groupCount();
  let position = 0;
  while (position <= input.length && found.length < limit && matcher.find(position)) {
    const start = matcher.start();
    const end = matcher.end();
    const groups: (readonly [number, number])[] = [];
    for (let index = 0; index <= groupCount; index += 1)
      groups.push([matcher.start(index), matcher.end(index)]);
    found.push({ start, end, groups });
    if (end > start) {
      position = end;
    } else {
      const code = input.codePointAt(end);
      position = end + (code !== undefined && code > 0xffff ? 2 : 1);
    }
  }
  return found;
}

type ReplacementPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'group'; readonly index: number }
  | { readonly type: 'before' | 'after' | 'input' };

/** Parses a .NET replacement string (Regex.Replace's substitutions). */
function parseReplacement(replacement: string, regex: DotNetRegex): ReplacementPart[] {
  const parts: ReplacementPart[] = [];
  let literal = '';
  const group = (index: number | undefined): boolean => {
    if (index === undefined) return false;
    if (literal !== '') parts.push({ type: 'text', text: literal });
    literal = '';
    parts.push({ type: 'group', index });
    return true;
  };
  const special = (type: 'before' | 'after' | 'input'): void => {
    if (literal !== '') parts.push({ type: 'text', text: literal });
    literal = '';
    parts.push({ type });
  };
  let index = 0;
  while (index < replacement.length) {
    const char = replacement.charAt(index);
    const next = replacement.charAt(index + 1);
    if (char !== '$' || next === '') {
      literal += char;
      index += 1;
      continue;
    }
    if (next === '$') {
      literal += '$';
      index += 2;
      continue;
    }
    if (next === '{') {
      const close = replacement.indexOf('}', index + 2);
      const name = close < 0 ? '' : replacement.slice(index + 2, close);
      if (/^\w+$/.test(name) && group(groupIndex(regex, name))) {
        index = close + 1;
        continue;
      }
    } else if (/[0-9]/.test(next)) {
      // .NET reads every digit; if the whole number is not a group, the "$" is literal text.
      const digits = /^[0-9]+/.exec(replacement.slice(index + 1))?.[0] ?? '';
      if (group(regex.numbers[Number(digits)])) {
        index += 1 + digits.length;
        continue;
      }
    } else if (next === '&') {
      group(0);
      index += 2;
      continue;
    } else if (next === '+') {
      group(regex.numbers[regex.numbers.length - 1]);
      index += 2;
      continue;
    } else if (next === '`' || next === "'" || next === '_') {
      special(next === '`' ? 'before' : next === "'" ? 'after' : 'input');
      index += 2;
      continue;
    }
    literal += '$';
    index += 1;
  }
  if (literal !== '') parts.push({ type: 'text', text: literal });
  return parts;
}

function substitute(parts: readonly ReplacementPart[], match: Match, input: string): string {
  let out = '';
  for (const part of parts) {
    switch (part.type) {
      case 'text':
        out += part.text;
        break;
      case 'group': {
        const span = match.groups[part.index];
        if (span !== undefined && span[0] >= 0) out += input.slice(span[0], span[1]);
        break;
      }
      case 'before':
        out += input.slice(0, match.start);
        break;
      case 'after':
        out += input.slice(match.end);
        break;
      case 'input':
        out += input;
        break;
    }
  }
  return out;
}

/** Mode (c): every match replaced by the expanded replacement. */
function regexReplace(regex: DotNetRegex, input: string, replacement: string): string {
  const found = matches(regex, input);
  if (found.length === 0) return input;
  const parts = parseReplacement(replacement, regex);
  let out = '';
  let last = 0;
  for (const match of found) {
    out += input.slice(last, match.start) + substitute(parts, match, input);
    last = match.end;
  }
  return out + input.slice(last);
}

/**
 * Mode (d): in every match, the text of the named group is replaced by replacementValue, taken
 * literally; the rest of the match is kept ("replaces all values matching regexGroupName").
 */
function groupReplace(regex: DotNetRegex, group: number, input: string, replacement: string): string {
  let out = '';
  let last = 0;
  for (const match of matches(regex, input)) {
    const span = match.groups[group];
    if (span === undefined || span[0] < 0 || span[0] < last) continue;
    out += input.slice(last, span[0]) + replacement;
    last = span[1];
  }
  return out + input.slice(last);
}

/** Compiles regexPattern once when it is a literal, else per distinct pattern (a small cache). */
function regexCompiler(arg: CompiledArg | undefined): (env: Env) => DotNetRegex {
  const unwrap = (compiled: DotNetRegex | ExpressionError): DotNetRegex => {
    if ('pattern' in compiled) return compiled;
    throw new EvaluationFailure(compiled);
  };
  if (arg?.node.kind === 'String') {
    const compiled = compileDotNet(arg.node.value);
    return () => unwrap(compiled);
  }
  const cache = new Map<string, DotNetRegex | ExpressionError>();
  return (env) => {
    const source = text(arg?.run(env) ?? null, 'Replace', 'regexPattern') ?? '';
    let compiled = cache.get(source);
    if (compiled === undefined) {
      compiled = compileDotNet(source);
      if (cache.size >= 32) cache.clear();
      cache.set(source, compiled);
    }
    return unwrap(compiled);
  };
}

function namedGroup(regex: DotNetRegex, name: string): number {
  const index = groupIndex(regex, name);
  if (index === undefined) {
    const known = [...regex.names.keys()];
    return fail(
      'InvalidArgument',
      `Replace: regexGroupName ${quote(name)} is not a group of regexPattern${
        known.length > 0
          ? ` (its named groups: ${known.join(', ')})`
          : ' (it has no named groups; write (?<name>…))'
      }`,
    );
  }
  return index;
}

const replace: FunctionBuilder = (args) => {
  const [source, oldValue, regexPattern, groupName, replacementValue, replacementAttribute, template] = args;
  const given = (arg: CompiledArg | undefined): arg is CompiledArg => arg !== undefined && !arg.missing;
  const regexOf = regexCompiler(regexPattern);
  const read = (arg: CompiledArg, param: string, env: Env): string =>
    text(arg.run(env), 'Replace', param) ?? '';

  if (given(oldValue)) {
    const substituteIn = (input: string, find: string, by: string): string => {
      if (find === '') return fail('InvalidArgument', 'Replace: oldValue must not be empty');
      return input.split(find).join(by);
    };
    // (b) oldValue + template: "Replaces all occurrences of the oldValue in the template with the source value".
    if (given(template)) {
      return (env) => {
        const value = text(source?.run(env) ?? null, 'Replace', 'source');
        const find = read(oldValue, 'oldValue', env);
        const pattern = read(template, 'template', env);
        return value === null ? null : substituteIn(pattern, find, value);
      };
    }
    // (a) oldValue + replacementValue: every occurrence, case-sensitive.
    if (given(replacementValue)) {
      return (env) => {
        const value = source?.run(env) ?? null;
        const find = read(oldValue, 'oldValue', env);
        const by = read(replacementValue, 'replacementValue', env);
        return mapText(value, (input) => substituteIn(input, find, by));
      };
    }
    return () =>
      fail(
        'InvalidArgument',
        'Replace: with oldValue, also give replacementValue (position 5) or template (position 7)',
      );
  }

  if (given(regexPattern)) {
    if (given(groupName)) {
      // (d) regexPattern + regexGroupName + replacementValue.
      if (given(replacementValue)) {
        return (env) => {
          const value = source?.run(env) ?? null;
          const regex = regexOf(env);
          const group = namedGroup(regex, read(groupName, 'regexGroupName', env));
          const by = read(replacementValue, 'replacementValue', env);
          return mapText(value, (input) => groupReplace(regex, group, input, by));
        };
      }
      // (e) regexPattern + regexGroupName + replacementAttributeName: "If source has a value, source
      // is returned. If source has no value, the function applies the regexPattern to the
      // replacementAttributeName and returns the value matching regexGroupName" (null if no match).
      if (given(replacementAttribute)) {
        return (env) => {
          const value = source?.run(env) ?? null;
          if (!isNullOrEmpty(value)) return value;
          const regex = regexOf(env);
          const group = namedGroup(regex, read(groupName, 'regexGroupName', env));
          const fallback = text(replacementAttribute.run(env), 'Replace', 'replacementAttributeName');
          if (fallback === null) return null;
          const [match] = matches(regex, fallback, 1);
          const span = match?.groups[group];
          return span === undefined || span[0] < 0 ? null : fallback.slice(span[0], span[1]);
        };
      }
      return () =>
        fail(
          'InvalidArgument',
          'Replace: with regexPattern and regexGroupName, also give replacementValue (position 5) or replacementAttributeName (position 6)',
        );
    }
    // (c) regexPattern + replacementValue, which may use ${group} substitutions.
    if (given(replacementValue)) {
      return (env) => {
        const value = source?.run(env) ?? null;
        const regex = regexOf(env);
        const by = read(replacementValue, 'replacementValue', env);
        return mapText(value, (input) => regexReplace(regex, input, by));
      };
    }
    return () =>
      fail('InvalidArgument', 'Replace: with regexPattern, also give replacementValue (position 5)');
  }

  return () =>
    fail(
      'InvalidArgument',
      'Replace: give oldValue (position 2) or regexPattern (position 3), e.g. Replace([mail], "@contoso.com", , , "", , )',
    );
};

export const regexFunctions = {
  Replace: replace,
} satisfies Partial<Record<FunctionName, FunctionBuilder>>;
