import { badRequest } from '../model/errors.js';
import type { Table } from '../model/table.js';

/**
 * Zendesk's two pagination styles (https://developer.zendesk.com/api-reference/introduction/pagination/).
 * Cursor pagination starts when any `page[...]` parameter is sent; otherwise offset pagination (`page`,
 * `per_page`) applies, limited to the first 10,000 records. Cursors are opaque base64 JSON
 * (`{"o":"id","v":<last id>}`), as observed in recorded traffic.
 */

export type Query = Record<string, string | string[] | undefined>;

export interface PageSource<T> {
  /** Up to `limit` rows after/before an id, ascending unless `descending`. */
  slice(options: { after?: number; before?: number; descending?: boolean; limit: number }): {
    rows: T[];
    more: boolean;
  };
  /** Total number of rows (offset pagination's `count`). */
  count(): number;
  /** Rows at an offset (offset pagination). */
  range(offset: number, limit: number): T[];
  idOf(row: T): number;
}

/** A page source over an array already in ascending id order. */
export function arraySource<T>(rows: readonly T[], idOf: (row: T) => number): PageSource<T> {
  return {
    idOf,
    count: () => rows.length,
    range: (offset, limit) => rows.slice(offset, offset + limit),
    slice: ({ after, before, descending = false, limit }) => {
      const filtered = rows.filter(
        (r) => (after === undefined || idOf(r) > after) && (before === undefined || idOf(r) < before),
      );
      const ordered = descending ? filtered.reverse() : filtered;
      return { rows: ordered.slice(0, limit), more: ordered.length > limit };
    },
  };
}

export const maxPageSize = 100;
export const offsetRecordLimit = 10_000;

export function single(query: Query, key: string): string | undefined {
  const value = query[key];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

export function usesCursor(query: Query): boolean {
  return Object.keys(query).some((k) => k.startsWith('page['));
}

export function encodeCursor(id: number): string {
  return Buffer.from(JSON.stringify({ o: 'id', v: id })).toString('base64');
}

export function decodeCursor(cursor: string, name: string): number {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { v?: unknown };
    if (typeof value.v === 'number') return value.v;
  } catch {
    // fall through to the error below
  }
  throw badRequest(`${name} is not a valid cursor`, 'InvalidPaginationParameter');
}

function parsePositiveInt(raw: string | undefined, name: string, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw badRequest(`${name} must be an integer between 1 and ${max}`, 'InvalidPaginationParameter');
  }
  return n;
}

/** Builds the URL of another page: the request's own path with some query parameters replaced. */
export function pageUrl(
  base: string,
  path: string,
  query: Query,
  replace: Record<string, string | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (key in replace || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  for (const [key, value] of Object.entries(replace)) if (value !== undefined) params.append(key, value);
  return `${base}${path}?${params.toString()}`;
}

export interface PageRequest {
  base: string;
  /** The request path as the client sent it, without the query (keeps a `.json` suffix). */
  path: string;
  query: Query;
}

/** Answers a list request with either pagination style; `key` is the envelope key (`users`). */
export function paginate<T>(
  req: PageRequest,
  key: string,
  source: PageSource<T>,
  render: (row: T) => unknown,
  options: { cursorOnly?: boolean; offsetOnly?: boolean } = {},
): Record<string, unknown> {
  const { query } = req;
  if ((usesCursor(query) && !options.offsetOnly) || options.cursorOnly) {
    const size = parsePositiveInt(single(query, 'page[size]'), 'page[size]', maxPageSize, maxPageSize);
    const afterRaw = single(query, 'page[after]');
    const beforeRaw = single(query, 'page[before]');
    const descending = single(query, 'sort') === '-id';
    let rows: T[];
    if (beforeRaw !== undefined) {
      // Paging backwards: take the rows just before the cursor, then present them in order.
      const before = decodeCursor(beforeRaw, 'page[before]');
      const slice = descending
        ? source.slice({ after: before, limit: size })
        : source.slice({ before, descending: true, limit: size });
      rows = slice.rows.reverse();
    } else {
      const after = afterRaw === undefined ? undefined : decodeCursor(afterRaw, 'page[after]');
      rows = (
        descending
          ? source.slice({ ...(after === undefined ? {} : { before: after }), descending: true, limit: size })
          : source.slice({ ...(after === undefined ? {} : { after }), limit: size })
      ).rows;
    }
    // Observed in recorded traffic: a full page says has_more:true even when it is the last one with
    // data; the next request then returns an empty page with has_more:false and null links.
    const hasMore = rows.length === size;
    const first = rows[0];
    const last = rows[rows.length - 1];
    const afterCursor = last === undefined ? null : encodeCursor(source.idOf(last));
    const beforeCursor = first === undefined ? null : encodeCursor(source.idOf(first));
    const sizeParam = single(query, 'page[size]') ?? String(size);
    return {
      [key]: rows.map(render),
      meta: { has_more: hasMore, after_cursor: afterCursor, before_cursor: beforeCursor },
      links: {
        prev:
          beforeCursor === null
            ? null
            : pageUrl(req.base, req.path, query, {
                'page[after]': undefined,
                'page[before]': beforeCursor,
                'page[size]': sizeParam,
              }),
        next:
          hasMore && afterCursor !== null
            ? pageUrl(req.base, req.path, query, {
                'page[before]': undefined,
                'page[after]': afterCursor,
                'page[size]': sizeParam,
              })
            : null,
      },
    };
  }
  const perPage = parsePositiveInt(single(query, 'per_page'), 'per_page', maxPageSize, maxPageSize);
  const page = parsePositiveInt(single(query, 'page'), 'page', 1, Number.MAX_SAFE_INTEGER);
  const offset = (page - 1) * perPage;
  if (offset + perPage > offsetRecordLimit) {
    // Since 2024, offset requests beyond the first 10,000 records answer 400
    // (https://support.zendesk.com/hc/en-us/articles/5591904358938). The body text is not
    // documented; the status is what clients must handle.
    throw badRequest(
      `Offset pagination is limited to the first ${offsetRecordLimit} records; use cursor pagination (page[size]) instead`,
      'InvalidPaginationParameter',
    );
  }
  const count = source.count();
  const rows = source.range(offset, perPage);
  return {
    [key]: rows.map(render),
    next_page:
      offset + perPage < count
        ? pageUrl(req.base, req.path, query, { page: String(page + 1), per_page: single(query, 'per_page') })
        : null,
    previous_page:
      page > 1
        ? pageUrl(req.base, req.path, query, { page: String(page - 1), per_page: single(query, 'per_page') })
        : null,
    count,
  };
}

/** A page source over a table, optionally filtered. */
export function tableSource<T extends { readonly id: number }>(
  table: Table<T>,
  filter?: (row: T) => boolean,
): PageSource<T> {
  return {
    idOf: (row) => row.id,
    slice: (options) => table.slice({ ...options, filter }),
    count: () => {
      if (!filter) return table.size;
      let n = 0;
      for (const row of table.values()) if (filter(row)) n += 1;
      return n;
    },
    range: (offset, limit) => {
      const out: T[] = [];
      let skipped = 0;
      for (const row of table.ascending(filter)) {
        if (skipped < offset) {
          skipped += 1;
          continue;
        }
        out.push(row);
        if (out.length === limit) break;
      }
      return out;
    },
  };
}
