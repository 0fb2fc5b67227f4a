/**
 * Graph's server-driven paging (https://learn.microsoft.com/graph/paging): a page carries
 * `@odata.nextLink`, the full URL of the next page, with the same `$filter` and `$top` and an
 * opaque `$skiptoken`. provisio's token is a keyset cursor (where the page ended), tagged with the
 * list it belongs to and a fingerprint of the filter, so that a token is refused (400) when sent to
 * another list or with another filter rather than silently giving a wrong page.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ApiError } from '../http/errors.js';

/** Graph's largest page on its log lists; provisio's default when `$top` is absent (docs/api.md). */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

function fingerprint(filter: string | undefined): string {
  return createHash('sha256')
    .update(filter ?? '')
    .digest('base64url')
    .slice(0, 12);
}

export function encodeSkipToken(list: string, filter: string | undefined, cursor: object): string {
  return Buffer.from(JSON.stringify({ l: list, f: fingerprint(filter), c: cursor }), 'utf8').toString(
    'base64url',
  );
}

/** The cursor in `token`, checked with `schema`; 400 when the token is not one of this list's, for this filter. */
export function decodeSkipToken<C>(
  token: string,
  list: string,
  filter: string | undefined,
  schema: z.ZodType<C>,
): C {
  const invalid = (why: string) =>
    new ApiError(
      400,
      `The $skiptoken ${why}: follow @odata.nextLink as given, or start again without $skiptoken.`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is not valid');
  }
  const envelope = parsed as { l?: unknown; f?: unknown; c?: unknown } | null;
  if (envelope === null || typeof envelope !== 'object' || envelope.l !== list)
    throw invalid('is not valid here');
  if (envelope.f !== fingerprint(filter)) throw invalid('was issued for another $filter');
  const cursor = schema.safeParse(envelope.c);
  if (!cursor.success) throw invalid('is not valid');
  return cursor.data;
}

/** The URL the caller reached the server at (`X-Forwarded-*` honoured only with trustProxy). */
export function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** `path` on this server with the OData parameters given (undefined ones left out), `$` kept literal as Graph writes them. */
export function linkTo(
  request: FastifyRequest,
  path: string,
  parameters: Record<string, string | undefined>,
): string {
  const query = Object.entries(parameters)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  return `${baseUrl(request)}${path}${query === '' ? '' : `?${query}`}`;
}
