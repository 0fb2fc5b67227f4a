import { z } from 'zod';
import type { ErrorSubject } from './errors.js';
import type { Query, ZendeskHttp } from './http.js';
import { cursorPageSchema, incrementalPageSchema } from './schemas.js';

/**
 * One paginator for Zendesk's two forward-only page styles (https://developer.zendesk.com/api-reference/introduction/pagination/,
 * https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/), described as data:
 *
 * - `cursor`: list endpoints with `page[size]=100`; follow `links.next` while `meta.has_more`. A
 *   full last page still says `has_more: true`, and the next answer is an empty page with
 *   `has_more: false` (observed); that trailing page is requested and yields nothing.
 * - `incremental`: the cursor-based incremental export, `?start_time=` then `?cursor=`, until
 *   `end_of_stream`. Each page carries the `after_cursor` to keep for the next export.
 */
export type PageStyle =
  | { readonly kind: 'cursor'; readonly pageSize?: number }
  | { readonly kind: 'incremental'; readonly startTime: number; readonly perPage?: number }
  | { readonly kind: 'incremental'; readonly cursor: string; readonly perPage?: number };

export interface PaginateRequest<T> {
  readonly path: string;
  /** The list's key in the body (`users`, `identities`). */
  readonly key: string;
  readonly item: z.ZodType<T>;
  readonly style: PageStyle;
  readonly query?: Query;
  /** What a 404 means (see `RequestOptions.subject`). */
  readonly subject?: ErrorSubject;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** The cursor after this page (incremental: keep it for the next export). */
  readonly afterCursor: string | null;
}

/** Pages above this count mean a server that never says "no more": stop rather than loop forever. */
const maxPages = 1_000_000;

export async function* paginate<T>(http: ZendeskHttp, request: PaginateRequest<T>): AsyncGenerator<Page<T>> {
  const { style } = request;
  const listSchema = z.object({ [request.key]: z.array(request.item) });
  let next: { path: string; query?: Query } | null;
  if (style.kind === 'cursor') {
    next = { path: request.path, query: { ...request.query, 'page[size]': style.pageSize ?? 100 } };
  } else {
    const start = 'cursor' in style ? { cursor: style.cursor } : { start_time: style.startTime };
    next = {
      path: request.path,
      query: {
        ...request.query,
        ...start,
        ...(style.perPage === undefined ? {} : { per_page: style.perPage }),
      },
    };
  }

  for (let pages = 0; next !== null && pages < maxPages; pages += 1) {
    const current: { path: string; query?: Query } = next;
    if (style.kind === 'cursor') {
      const body = await http.request('GET', current.path, {
        ...(current.query === undefined ? {} : { query: current.query }),
        ...(request.subject === undefined ? {} : { subject: request.subject }),
        schema: cursorPageSchema.and(listSchema),
      });
      const items = (body as Record<string, unknown>)[request.key] as T[];
      const link = body.links.next ?? null;
      yield { items, afterCursor: body.meta.after_cursor ?? null };
      next = body.meta.has_more && link !== null && items.length > 0 ? { path: link } : null;
    } else {
      const body = await http.request('GET', current.path, {
        ...(current.query === undefined ? {} : { query: current.query }),
        schema: incrementalPageSchema.and(listSchema),
      });
      const items = (body as Record<string, unknown>)[request.key] as T[];
      const afterCursor = body.after_cursor ?? null;
      yield { items, afterCursor };
      const stuck = items.length === 0 && afterCursor === current.query?.['cursor'];
      if (body.end_of_stream || afterCursor === null || stuck) next = null;
      else next = { path: request.path, query: { ...request.query, cursor: afterCursor } };
    }
  }
}

/** Every item of a cursor list, in order. */
export async function collect<T>(pages: AsyncIterable<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page.items);
  return out;
}
