import { badRequest, type GraphError, unsupportedQuery } from '../model/errors.js';

/** A parsed `$filter` as a predicate over a record's properties. */
export type Predicate = (row: Readonly<Record<string, unknown>>) => boolean;

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'literal'; value: string | boolean | null }
  | { kind: 'punct'; text: '(' | ')' | ',' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punct', text: c });
      i += 1;
    } else if (c === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw invalidFilter(text);
        const d = text.charAt(i);
        // OData escapes a quote inside a string by doubling it.
        if (d === "'" && text.charAt(i + 1) === "'") {
          value += "'";
          i += 2;
        } else if (d === "'") {
          i += 1;
          break;
        } else {
          value += d;
          i += 1;
        }
      }
      tokens.push({ kind: 'literal', value });
    } else {
      const match = /^[A-Za-z0-9_./:-]+/.exec(text.slice(i));
      if (!match) throw invalidFilter(text);
      const word = match[0];
      i += word.length;
      if (word === 'true' || word === 'false') tokens.push({ kind: 'literal', value: word === 'true' });
      else if (word === 'null') tokens.push({ kind: 'literal', value: null });
      else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(word))
        tokens.push({ kind: 'literal', value: word });
      else tokens.push({ kind: 'ident', text: word });
    }
  }
  return tokens;
}

const invalidFilter = (text: string): GraphError =>
  badRequest(`Invalid filter clause: '${text}'.`, 'BadRequest');

/**
 * The `$filter` subset Graph answers without advanced query parameters on directory objects: `eq`,
 * `in` and `startswith` on filterable properties, joined with `and`/`or` and parentheses. Anything
 * else (ne, not, endswith, lambdas) needs `ConsistencyLevel: eventual` on Graph; here it answers 400.
 */
export function parseFilter(
  text: string,
  resource: string,
  filterable: ReadonlySet<string>,
  known: ReadonlySet<string>,
): Predicate {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const next = (): Token => {
    const token = tokens[pos];
    if (token === undefined) throw invalidFilter(text);
    pos += 1;
    return token;
  };
  const expect = (punct: '(' | ')' | ','): void => {
    const token = next();
    if (token.kind !== 'punct' || token.text !== punct) throw invalidFilter(text);
  };
  const literal = (): string | boolean | null => {
    const token = next();
    if (token.kind !== 'literal') throw invalidFilter(text);
    return token.value;
  };
  const property = (name: string): string => {
    if (!known.has(name))
      throw badRequest(
        `Could not find a property named '${name}' on type 'microsoft.graph.${resource.toLowerCase()}'.`,
        'BadRequest',
      );
    if (!filterable.has(name))
      throw unsupportedQuery(
        `Unsupported or invalid query filter clause specified for property '${name}' of resource '${resource}'.`,
      );
    return name;
  };
  const equals = (actual: unknown, expected: string | boolean | null): boolean => {
    if (typeof actual === 'string' && typeof expected === 'string')
      return actual.toLowerCase() === expected.toLowerCase();
    return (actual ?? null) === expected;
  };

  const primary = (): Predicate => {
    const token = next();
    if (token.kind === 'punct' && token.text === '(') {
      const inner = or();
      expect(')');
      return inner;
    }
    if (token.kind !== 'ident') throw invalidFilter(text);
    if (token.text === 'startswith') {
      expect('(');
      const nameToken = next();
      if (nameToken.kind !== 'ident') throw invalidFilter(text);
      const name = property(nameToken.text);
      expect(',');
      const prefix = literal();
      expect(')');
      if (typeof prefix !== 'string') throw invalidFilter(text);
      const lower = prefix.toLowerCase();
      return (row) => {
        const value = row[name];
        return typeof value === 'string' && value.toLowerCase().startsWith(lower);
      };
    }
    const after = peek();
    if (after?.kind === 'punct' && after.text === '(') throw unsupportedQuery();
    const name = property(token.text);
    const op = next();
    if (op.kind !== 'ident') throw invalidFilter(text);
    if (op.text === 'eq') {
      const value = literal();
      return (row) => equals(row[name], value);
    }
    if (op.text === 'in') {
      expect('(');
      const values = [literal()];
      for (let t = peek(); t?.kind === 'punct' && t.text === ','; t = peek()) {
        pos += 1;
        values.push(literal());
      }
      expect(')');
      return (row) => values.some((v) => equals(row[name], v));
    }
    throw unsupportedQuery();
  };
  const and = (): Predicate => {
    let left = primary();
    for (let t = peek(); t?.kind === 'ident' && t.text === 'and'; t = peek()) {
      pos += 1;
      const l = left;
      const r = primary();
      left = (row) => l(row) && r(row);
    }
    return left;
  };
  const or = (): Predicate => {
    let left = and();
    for (let t = peek(); t?.kind === 'ident' && t.text === 'or'; t = peek()) {
      pos += 1;
      const l = left;
      const r = and();
      left = (row) => l(row) || r(row);
    }
    return left;
  };
  if (tokens.length === 0) throw invalidFilter(text);
  const predicate = or();
  if (pos !== tokens.length) throw invalidFilter(text);
  return predicate;
}

/** `$select=a,b` checked against the resource's properties; null when absent. */
export function parseSelect(
  text: string | undefined,
  resource: string,
  known: ReadonlySet<string>,
): string[] | null {
  if (text === undefined || text.trim() === '') return null;
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!known.has(name))
      throw badRequest(
        `Could not find a property named '${name}' on type 'microsoft.graph.${resource.toLowerCase()}'.`,
        'BadRequest',
      );
  }
  return names.includes('id') ? names : [...names, 'id'];
}

/** `$top`: Graph accepts 1 to 999 on directory objects. */
export function parseTop(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 999)
    throw badRequest(
      `Invalid page size specified: '${text}'. Must be between 1 and 999 inclusive.`,
      'Request_BadRequest',
    );
  return n;
}

/**
 * The $skiptoken is opaque to clients (they follow @odata.nextLink); it carries the sequence number of
 * the last object of the previous page, so the next page starts right after it even when objects
 * were created or deleted in between.
 */
export function encodeSkipToken(seq: number): string {
  return Buffer.from(`v1:${seq}`).toString('base64url');
}

export function decodeSkipToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^v1:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw badRequest('Invalid $skiptoken.', 'Request_BadRequest');
  return Number(match[1]);
}

/** Picks the selected properties (or the default set) of a rendered object, `id` included. */
export function project(
  full: Record<string, unknown>,
  select: readonly string[] | null,
  defaults: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of select ?? defaults) out[name] = full[name] ?? null;
  return out;
}

/** The query as a plain record of strings (Fastify's parsed query may hold arrays for repeats). */
export function queryOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw && typeof raw === 'object')
    for (const [k, v] of Object.entries(raw)) {
      const value = Array.isArray(v) ? v[v.length - 1] : v;
      if (typeof value === 'string') out[k] = value;
    }
  return out;
}
