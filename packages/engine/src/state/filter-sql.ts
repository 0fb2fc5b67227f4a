/**
 * Compiles a `RecordFilter` (ports/log-queries.ts) to a SQL condition with Kysely's `sql` tag:
 * every value is a bound parameter, every column comes from the caller's field → column map, so no
 * text from a request ever becomes SQL. Text conditions are case-sensitive on both databases (as
 * Graph's log filters are: https://learn.microsoft.com/graph/api/provisioningobjectsummary-list).
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { CompareOperator, RecordFilter } from '../ports/log-queries.js';
import type { SqlDialect } from './migrations.js';

/** How a field is stored: its column, and whether its values are timestamps to normalise. */
export interface FieldColumn {
  readonly column: string;
  readonly time?: boolean;
}

const COMPARE_SQL: Record<CompareOperator, string> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  ge: '>=',
  lt: '<',
  le: '<=',
};

/** Deeper trees than this are refused: a filter is written by a person, not generated without bound. */
const MAX_DEPTH = 64;

export function compileFilter<F extends string>(
  filter: RecordFilter<F>,
  columns: Readonly<Record<F, FieldColumn>>,
  dialect: SqlDialect,
  depth = 0,
): RawBuilder<SqlBool> {
  if (depth > MAX_DEPTH) throw new RangeError(`filter is nested more than ${MAX_DEPTH} levels deep`);
  switch (filter.kind) {
    case 'constant':
      return filter.value ? sql<SqlBool>`1 = 1` : sql<SqlBool>`1 = 0`;
    case 'not':
      return sql<SqlBool>`not (${compileFilter(filter.operand, columns, dialect, depth + 1)})`;
    case 'and':
    case 'or': {
      if (filter.operands.length === 0) return filter.kind === 'and' ? sql`1 = 1` : sql`1 = 0`;
      const parts = filter.operands.map(
        (operand) => sql`(${compileFilter(operand, columns, dialect, depth + 1)})`,
      );
      return sql<SqlBool>`${sql.join(parts, sql.raw(` ${filter.kind} `))}`;
    }
    case 'compare': {
      const field = fieldOf(columns, filter.field);
      const value = field.time === true ? normaliseTime(filter.value) : filter.value;
      return sql<SqlBool>`${sql.ref(field.column)} ${sql.raw(COMPARE_SQL[filter.op])} ${value}`;
    }
    case 'text': {
      const column = sql.ref(fieldOf(columns, filter.field).column);
      if (filter.op === 'startswith') {
        // substr counts characters on both databases; the length is a literal integer.
        return sql<SqlBool>`substr(${column}, 1, ${sql.lit(Array.from(filter.value).length)}) = ${filter.value}`;
      }
      // instr/strpos: a plain substring test, no LIKE wildcards to escape, case-sensitive.
      return dialect === 'postgres'
        ? sql<SqlBool>`strpos(${column}, ${filter.value}) > 0`
        : sql<SqlBool>`instr(${column}, ${filter.value}) > 0`;
    }
  }
}

function fieldOf<F extends string>(columns: Readonly<Record<F, FieldColumn>>, field: F): FieldColumn {
  const column = columns[field];
  if (column === undefined) throw new RangeError(`unknown filter field "${field}"`);
  return column;
}

/** `Date#toISOString` form, as the store writes activity times, so that text order is time order. */
export function normaliseTime(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`"${value}" is not an ISO-8601 date-time`);
  return new Date(ms).toISOString();
}
