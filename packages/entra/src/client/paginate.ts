import { describeIssues } from '@provisio/engine';
import type { z } from 'zod';
import type { GraphClient } from './client.js';
import type { GraphOperation } from './permissions.js';

/**
 * One paginator for Graph's two page styles, described as data
 * (https://learn.microsoft.com/graph/paging, https://learn.microsoft.com/graph/delta-query-overview):
 *
 * - `list`: a collection (`value`); follow `@odata.nextLink` until a page has none.
 * - `delta`: a delta round; follow `@odata.nextLink` the same way, and the last page carries the
 *   `@odata.deltaLink` to keep for the next round (a last page without one is an unexpected answer).
 *   A delta token whose state Graph no longer has (410, `syncStateNotFound`) throws
 *   `DeltaTokenExpired`: the caller starts a new round without a token.
 *
 * Every link is checked before it is followed: the bearer token goes with each request, so a link
 * off Graph's origin, or the same link twice (a loop), is an unexpected answer.
 */
export type PageStyle = { readonly kind: 'list' } | { readonly kind: 'delta' };

export interface PaginateRequest<T> {
  /** The first page: an absolute URL (`GraphClient.url`) or a stored deltaLink. */
  readonly url: string;
  /** Each item of `value` is checked with it. */
  readonly item: z.ZodType<T>;
  readonly style: PageStyle;
  /** What the read is for: names the permission in a 403 and the task in messages. */
  readonly operation: GraphOperation;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** On the last page of a delta round, its `@odata.deltaLink`; null on every other page. */
  readonly deltaLink: string | null;
}

export async function* paginate<T>(graph: GraphClient, request: PaginateRequest<T>): AsyncGenerator<Page<T>> {
  const { operation, style } = request;
  const options = {
    operation,
    ...(request.headers === undefined ? {} : { headers: request.headers }),
    ...(style.kind === 'delta' ? { deltaToken: true } : {}),
  };
  const seen = new Set<string>();
  let url: string | null = request.url;
  while (url !== null) {
    if (seen.has(url))
      throw graph.unexpected(`Microsoft Graph sent the same next link twice (${url}).`, url, operation);
    seen.add(url);
    const { page, request: line } = await graph.getPage(url, options);
    const items: T[] = [];
    for (const [index, raw] of page.value.entries()) {
      const parsed = request.item.safeParse(raw);
      if (!parsed.success)
        throw graph.unexpected(
          `Microsoft Graph sent an unexpected item at value.${index} (${describeIssues(parsed.error.issues)}).`,
          line,
          operation,
        );
      items.push(parsed.data);
    }
    const next = page['@odata.nextLink'];
    if (next !== undefined && !graph.isGraphUrl(next))
      // The token goes with every request: never follow a link off Graph's origin.
      throw graph.unexpected(`Microsoft Graph sent a next link to another host (${next}).`, url, operation);
    const deltaLink = next === undefined ? (page['@odata.deltaLink'] ?? null) : null;
    if (style.kind === 'delta' && next === undefined && deltaLink === null)
      throw graph.unexpected(
        'Microsoft Graph ended the delta round without an @odata.deltaLink.',
        url,
        operation,
      );
    yield { items, deltaLink };
    url = next ?? null;
  }
}
