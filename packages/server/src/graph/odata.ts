/**
 * OData `$filter` as Microsoft Graph accepts it on its log lists
 * (https://learn.microsoft.com/graph/filter-query-parameter): comparisons (`eq`, `ne`, `gt`, `ge`,
 * `lt`, `le`) of a property path with a literal, `startswith`/`endswith`/`contains` calls, `and`,
 * `or`, `not`, parentheses, and `any` over a collection
 * (`targetResources/any(t: t/id eq '…')`). `parseFilter` turns the text into a syntax tree, knowing
 * nothing of any resource; `compileFilter` checks that tree against what one resource supports
 * (properties, their operators and value types) and turns it into the state store's typed filter
 * tree. Both throw `FilterError`, whose message names the problem and what is supported.
 */
import type { CompareOperator, RecordFilter } from '@provisio/engine';

export type FunctionName = 'startswith' | 'endswith' | 'contains';
export type FilterOperator = CompareOperator | FunctionName;

export type ODataLiteral =
  | { readonly type: 'string'; readonly value: string }
  /** A date or date-time written without quotes, as Graph's examples write them. */
  | { readonly type: 'dateTime'; readonly value: string }
  | { readonly type: 'guid'; readonly value: string }
  | { readonly type: 'number'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'null' };

export type ODataExpression =
  | { readonly type: 'and' | 'or'; readonly left: ODataExpression; readonly right: ODataExpression }
  | { readonly type: 'not'; readonly operand: ODataExpression }
  | {
      readonly type: 'compare';
      readonly op: CompareOperator;
      readonly property: string;
      readonly value: ODataLiteral;
    }
  | {
      readonly type: 'call';
      readonly name: FunctionName;
      readonly property: string;
      readonly value: ODataLiteral;
    }
  /** `collection/any(v: predicate)`; the predicate's paths are relative to the element (`v/` removed). */
  | { readonly type: 'any'; readonly collection: string; readonly predicate: ODataExpression };

/** A `$filter` that cannot be parsed or is not supported: the message is for the caller, as it is. */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

// ── parsing ──────────────────────────────────────────────────────────────────────────────────────

type Token =
  | { readonly kind: 'punct'; readonly text: '(' | ')' | ',' | ':'; readonly at: number }
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: 'literal'; readonly literal: ODataLiteral; readonly text: string; readonly at: number }
  | { readonly kind: 'end'; readonly text: ''; readonly at: number };

const COMPARE_OPERATORS: readonly CompareOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
const FUNCTIONS: readonly FunctionName[] = ['startswith', 'endswith', 'contains'];
/** Longest accepted `$filter`: far beyond anything a person writes, short of a denial of service. */
export const MAX_FILTER_LENGTH = 4096;
const MAX_NESTING = 32;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/;
const DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?(?:Z|[+-]\d{2}:\d{2})?)?(?![\w:.-])/;
const NUMBER = /^-?\d+(?:\.\d+)?(?![\w.-])/;
/** A property path (`provisioningStatusInfo/status`) or a keyword. */
const WORD = /^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === ':') {
      tokens.push({ kind: 'punct', text: c, at: i });
      i++;
      continue;
    }
    if (c === "'") {
      // A string literal; a quote inside is written twice.
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length)
          throw new FilterError(`The $filter has an unterminated string starting at position ${i + 1}.`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      tokens.push({ kind: 'literal', literal: { type: 'string', value }, text: text.slice(i, j + 1), at: i });
      i = j + 1;
      continue;
    }
    const rest = text.slice(i);
    const guid = GUID.exec(rest);
    if (guid !== null) {
      tokens.push({ kind: 'literal', literal: { type: 'guid', value: guid[0] }, text: guid[0], at: i });
      i += guid[0].length;
      continue;
    }
    const dateTime = DATE_TIME.exec(rest);
    if (dateTime !== null) {
      tokens.push({
        kind: 'literal',
        literal: { type: 'dateTime', value: dateTime[0] },
        text: dateTime[0],
        at: i,
      });
      i += dateTime[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number !== null) {
      tokens.push({ kind: 'literal', literal: { type: 'number', value: number[0] }, text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (word !== null) {
      const w = word[0];
      if (w === 'true' || w === 'false')
        tokens.push({ kind: 'literal', literal: { type: 'boolean', value: w === 'true' }, text: w, at: i });
      else if (w === 'null') tokens.push({ kind: 'literal', literal: { type: 'null' }, text: w, at: i });
      else tokens.push({ kind: 'word', text: w, at: i });
      i += w.length;
      continue;
    }
    throw new FilterError(`The $filter has an unexpected character '${c}' at position ${i + 1}.`);
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

class Parser {
  readonly #tokens: Token[];
  #index = 0;
  /** The lambda variables in scope, innermost last. */
  readonly #variables: string[] = [];
  #depth = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  parse(): ODataExpression {
    const expression = this.#or();
    const next = this.#peek();
    if (next.kind !== 'end') throw this.#unexpected(next, "'and', 'or' or the end of the filter");
    return expression;
  }

  #peek(): Token {
    return this.#tokens[this.#index] as Token;
  }

  #take(): Token {
    const token = this.#peek();
    if (token.kind !== 'end') this.#index++;
    return token;
  }

  #isWord(text: string): boolean {
    const token = this.#peek();
    return token.kind === 'word' && token.text === text;
  }

  #expectPunct(text: '(' | ')' | ',' | ':'): void {
    const token = this.#take();
    if (token.kind !== 'punct' || token.text !== text) throw this.#unexpected(token, `'${text}'`);
  }

  #unexpected(token: Token, expected: string): FilterError {
    const found = token.kind === 'end' ? 'the end of the filter' : `'${token.text}'`;
    return new FilterError(
      `The $filter is not valid: expected ${expected} at position ${token.at + 1}, found ${found}.`,
    );
  }

  #or(): ODataExpression {
    let left = this.#and();
    while (this.#isWord('or')) {
      this.#take();
      left = { type: 'or', left, right: this.#and() };
    }
    return left;
  }

  #and(): ODataExpression {
    let left = this.#unary();
    while (this.#isWord('and')) {
      this.#take();
      left = { type: 'and', left, right: this.#unary() };
    }
    return left;
  }

  #unary(): ODataExpression {
    if (++this.#depth > MAX_NESTING)
      throw new FilterError(`The $filter is nested more than ${MAX_NESTING} levels deep.`);
    try {
      if (this.#isWord('not')) {
        this.#take();
        return { type: 'not', operand: this.#unary() };
      }
      return this.#primary();
    } finally {
      this.#depth--;
    }
  }

  #primary(): ODataExpression {
    const token = this.#peek();
    if (token.kind === 'punct' && token.text === '(') {
      this.#take();
      const inner = this.#or();
      this.#expectPunct(')');
      return inner;
    }
    if (token.kind !== 'word') throw this.#unexpected(token, 'a property name, a function or (');
    this.#take();
    const next = this.#peek();
    const isCall = next.kind === 'punct' && next.text === '(';
    if (isCall && (FUNCTIONS as readonly string[]).includes(token.text))
      return this.#call(token.text as FunctionName);
    if (isCall && /\/(any|all)$/.test(token.text)) return this.#lambda(token);
    if (isCall)
      throw new FilterError(
        `The $filter calls '${token.text}', which is not supported: use ${FUNCTIONS.join(', ')} or collection/any(x: …).`,
      );
    const property = this.#property(token);
    const operator = this.#take();
    if (operator.kind !== 'word' || !(COMPARE_OPERATORS as readonly string[]).includes(operator.text))
      throw this.#unexpected(
        operator,
        `a comparison operator (${COMPARE_OPERATORS.join(', ')}) after '${token.text}'`,
      );
    return { type: 'compare', op: operator.text as CompareOperator, property, value: this.#literal() };
  }

  #call(name: FunctionName): ODataExpression {
    this.#expectPunct('(');
    const target = this.#take();
    if (target.kind !== 'word') throw this.#unexpected(target, `a property name as ${name}'s first argument`);
    const property = this.#property(target);
    this.#expectPunct(',');
    const value = this.#literal();
    this.#expectPunct(')');
    // `startswith(p, 'x') eq true` is the same condition; `eq false` its negation.
    if (this.#isWord('eq') || this.#isWord('ne')) {
      const op = this.#take().text;
      const literal = this.#literal();
      if (literal.type !== 'boolean')
        throw new FilterError(`The $filter compares ${name}(…) with something other than true or false.`);
      const call: ODataExpression = { type: 'call', name, property, value };
      return literal.value === (op === 'eq') ? call : { type: 'not', operand: call };
    }
    return { type: 'call', name, property, value };
  }

  #lambda(path: Token & { kind: 'word' }): ODataExpression {
    const collection = path.text.slice(0, path.text.lastIndexOf('/'));
    if (path.text.endsWith('/all'))
      throw new FilterError(`The $filter uses '${path.text}': only any(…) is supported over a collection.`);
    this.#expectPunct('(');
    const variable = this.#take();
    if (variable.kind !== 'word' || variable.text.includes('/'))
      throw this.#unexpected(variable, `a lambda variable name in ${path.text}(…)`);
    this.#expectPunct(':');
    const collectionPath = this.#property({ ...path, text: collection });
    this.#variables.push(variable.text);
    try {
      const predicate = this.#or();
      this.#expectPunct(')');
      return { type: 'any', collection: collectionPath, predicate };
    } finally {
      this.#variables.pop();
    }
  }

  /** The property path, relative to the innermost lambda's element when inside one. */
  #property(token: Token & { kind: 'word' }): string {
    const reserved = [...COMPARE_OPERATORS, 'and', 'or', 'not'];
    if (reserved.includes(token.text)) throw this.#unexpected(token, 'a property name');
    const variable = this.#variables.at(-1);
    if (variable === undefined) return token.text;
    if (!token.text.startsWith(`${variable}/`))
      throw new FilterError(
        `The $filter uses '${token.text}' inside an any(${variable}: …) lambda: write it as '${variable}/<property>'.`,
      );
    return token.text.slice(variable.length + 1);
  }

  #literal(): ODataLiteral {
    const token = this.#take();
    if (token.kind !== 'literal')
      throw this.#unexpected(
        token,
        "a value (a 'quoted string', a date-time such as 2025-01-31T00:00:00Z, a number, true, false or null)",
      );
    return token.literal;
  }
}

/** Parses a `$filter` value; throws `FilterError` naming the position of a syntax error. */
export function parseFilter(text: string): ODataExpression {
  if (text.length > MAX_FILTER_LENGTH)
    throw new FilterError(`The $filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  if (text.trim() === '') throw new FilterError('The $filter is empty: leave it out to list everything.');
  return new Parser(tokenize(text)).parse();
}

// ── checking against a resource ──────────────────────────────────────────────────────────────────

/** A filterable property of a resource: its operators, the type of its values, what it compiles to. */
export interface FilterProperty<F extends string> {
  readonly operators: readonly FilterOperator[];
  /** `enum` values compare without case and are given to `to` in their canonical spelling. */
  readonly type: 'string' | 'dateTime' | 'enum';
  readonly values?: readonly string[];
  /** The store condition for `op value` (`value` normalised: ISO-8601 for dates, canonical for enums). */
  to(op: FilterOperator, value: string): RecordFilter<F>;
}

export interface FilterResource<F extends string> {
  /** The properties, by path (`provisioningStatusInfo/status`). */
  readonly properties: Readonly<Record<string, FilterProperty<F>>>;
  /** Collections `any(…)` may range over, with their elements' properties (paths relative to an element). */
  readonly collections?: Readonly<Record<string, Readonly<Record<string, FilterProperty<F>>>>>;
}

/** A plain column condition: `eq` etc. compare, `startswith`/`contains` match text. */
export function columnCondition<F extends string>(field: F) {
  return (op: FilterOperator, value: string): RecordFilter<F> =>
    op === 'startswith' || op === 'contains'
      ? { kind: 'text', field, op, value }
      : op === 'endswith'
        ? { kind: 'constant', value: false }
        : { kind: 'compare', field, op, value };
}

/** "jobId (eq, contains), activityDateTime (eq, gt, lt), …": what a resource supports, for error messages and docs. */
export function describeSupported(resource: FilterResource<string>): string {
  const list = (properties: Readonly<Record<string, FilterProperty<string>>>, prefix = '') =>
    Object.entries(properties).map(([path, p]) => `${prefix}${path} (${p.operators.join(', ')})`);
  const collections = Object.entries(resource.collections ?? {}).flatMap(([name, properties]) =>
    list(properties, `${name}/any(x: x/`).map((text) => text.replace(' (', ') (')),
  );
  return [...list(resource.properties), ...collections].join(', ');
}

/** Checks `expression` against `resource` and compiles it; throws `FilterError` naming what is not supported. */
export function compileFilter<F extends string>(
  expression: ODataExpression,
  resource: FilterResource<F>,
): RecordFilter<F> {
  const supported = () => `Supported: ${describeSupported(resource)}.`;
  const visit = (
    node: ODataExpression,
    properties: Readonly<Record<string, FilterProperty<F>>>,
    where: string,
  ): RecordFilter<F> => {
    switch (node.type) {
      case 'and':
      case 'or':
        return {
          kind: node.type,
          operands: [visit(node.left, properties, where), visit(node.right, properties, where)],
        };
      case 'not':
        return { kind: 'not', operand: visit(node.operand, properties, where) };
      case 'any': {
        if (where !== '')
          throw new FilterError(`The $filter nests any(…) inside ${where}: that is not supported.`);
        const elements = resource.collections?.[node.collection];
        if (elements === undefined)
          throw new FilterError(
            `Filtering with any(…) over '${node.collection}' is not supported. ${supported()}`,
          );
        return visit(node.predicate, elements, `${node.collection}/any(…)`);
      }
      case 'compare':
      case 'call': {
        const op: FilterOperator = node.type === 'compare' ? node.op : node.name;
        const shown = where === '' ? node.property : `${where.replace('(…)', '(x: x/')}${node.property})`;
        const property = properties[node.property];
        if (property === undefined)
          throw new FilterError(`Filtering on '${shown}' is not supported. ${supported()}`);
        if (!property.operators.includes(op))
          throw new FilterError(
            `The operator '${op}' is not supported on '${shown}': use ${property.operators.join(' or ')}. ${supported()}`,
          );
        return property.to(op, literalValue(node.value, property, shown));
      }
    }
  };
  return visit(expression, resource.properties, '');
}

function literalValue(literal: ODataLiteral, property: FilterProperty<string>, shown: string): string {
  switch (property.type) {
    case 'dateTime': {
      const text = literal.type === 'dateTime' || literal.type === 'string' ? literal.value : null;
      const iso = text === null ? null : toIsoDateTime(text);
      if (iso === null)
        throw new FilterError(
          `'${shown}' compares with a date-time such as 2025-01-31T08:00:00Z (UTC when no offset is given).`,
        );
      return iso;
    }
    case 'enum': {
      const text = literal.type === 'string' ? literal.value : null;
      const canonical = property.values?.find((v) => v.toLowerCase() === text?.toLowerCase());
      if (canonical === undefined)
        throw new FilterError(
          `'${shown}' is one of ${(property.values ?? []).map((v) => `'${v}'`).join(', ')}.`,
        );
      return canonical;
    }
    case 'string':
      if (literal.type === 'string' || literal.type === 'guid') return literal.value;
      throw new FilterError(`'${shown}' compares with a 'quoted string'.`);
  }
}

/** A date (midnight UTC) or date-time (UTC when it has no offset) as `Date#toISOString`; null when invalid. */
export function toIsoDateTime(text: string): string | null {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(
      text.trim(),
    );
  if (match === null) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = match;
  const normalised = `${y}-${mo}-${d}T${h}:${mi}:${s}.${fraction.padEnd(3, '0').slice(0, 3)}${zone}`;
  const ms = Date.parse(normalised);
  if (Number.isNaN(ms)) return null;
  const date = new Date(ms);
  // Date.parse rolls 2025-02-30 over to March: refuse dates that do not exist.
  if (zone === 'Z' && date.toISOString().slice(0, 10) !== `${y}-${mo}-${d}`) return null;
  return date.toISOString();
}
