import type { FastifyRequest } from 'fastify';
import {
  decodeSkipToken,
  encodeSkipToken,
  type Predicate,
  parseFilter,
  parseSelect,
  parseTop,
  project,
  queryOf,
} from '../http/odata.js';
import type { EntraStore } from '../model/store.js';
import type { DirectoryTable, Row } from '../model/table.js';

export interface ResourceShape<T extends Row> {
  /** Name in error messages and `microsoft.graph.<name>` (e.g. `User`). */
  readonly resource: string;
  readonly properties: ReadonlySet<string>;
  readonly filterable: ReadonlySet<string>;
  readonly defaults: readonly string[];
  json(row: T): Record<string, unknown>;
}

export const contextUrl = (request: FastifyRequest, path: string, select: readonly string[] | null): string =>
  `${request.graph.origin}/v1.0/$metadata#${path}${select ? `(${select.filter((s) => s !== 'id' || select.length === 1).join(',')})` : ''}`;

/**
 * One page of a Graph collection: `$select`, `$filter`, `$top`, and `@odata.nextLink` with an
 * opaque `$skiptoken` that keeps the client's other query options.
 */
export function listPage<T extends Row>(
  store: EntraStore,
  request: FastifyRequest,
  table: DirectoryTable<T>,
  shape: ResourceShape<T>,
  contextPath: string,
  scope: (row: T) => boolean,
): Record<string, unknown> {
  const query = queryOf(request.query);
  const select = parseSelect(query['$select'], shape.resource, shape.properties);
  const top = parseTop(query['$top'], store.settings.pageSize);
  const filter: Predicate | null =
    query['$filter'] === undefined
      ? null
      : parseFilter(query['$filter'], shape.resource, shape.filterable, shape.properties);
  const after = decodeSkipToken(query['$skiptoken']);
  const page = table.page(after, top, (row) => scope(row) && (filter === null || filter(shape.json(row))));
  const body: Record<string, unknown> = { '@odata.context': contextUrl(request, contextPath, select) };
  const last = page.rows[page.rows.length - 1];
  if (page.more && last) {
    const url = new URL(`${request.graph.origin}${request.url}`);
    url.searchParams.set('$skiptoken', encodeSkipToken(last.seq));
    body['@odata.nextLink'] = url.toString();
  }
  body['value'] = page.rows.map((row) => project(shape.json(row), select, shape.defaults));
  return body;
}

/** Lists directory objects given by id (members, transitive members) page by page, in the given order. */
export function listIds(
  store: EntraStore,
  request: FastifyRequest,
  ids: readonly string[],
  render: (id: string, select: readonly string[] | null) => Record<string, unknown>,
  contextPath: string,
): Record<string, unknown> {
  const query = queryOf(request.query);
  const top = parseTop(query['$top'], store.settings.pageSize);
  const select = query['$select'] === undefined ? null : query['$select'].split(',').map((s) => s.trim());
  // Here the token is a position in the list: membership lists are small and built per request.
  const offset = decodeSkipToken(query['$skiptoken']);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(request, contextPath, null) };
  if (offset + top < ids.length) {
    const url = new URL(`${request.graph.origin}${request.url}`);
    url.searchParams.set('$skiptoken', encodeSkipToken(offset + top));
    body['@odata.nextLink'] = url.toString();
  }
  body['value'] = ids.slice(offset, offset + top).map((id) => render(id, select));
  return body;
}
