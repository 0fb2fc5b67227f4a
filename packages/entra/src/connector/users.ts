import type { ReadUsersRequest, ReadUsersResult, SourceUser, SourceUserChange } from '@provisio/engine';
import { DeltaTokenExpired, type GraphClient } from '../client/client.js';
import { paginate } from '../client/paginate.js';
import { deltaUser, user } from '../client/schemas.js';
import { odataString } from './groups.js';

/** Always read: the engine needs them for scoping (disabled users) and matching, whatever is mapped. */
export const alwaysSelected = ['id', 'accountEnabled', 'userPrincipalName'] as const;

/** The `$select` list: `id`, `accountEnabled`, `userPrincipalName`, then the requested ones, once each. */
export function userSelect(select: readonly string[]): string[] {
  const names = [...alwaysSelected, ...select.map((s) => s.trim()).filter((s) => s !== '')];
  return [...new Set(names)];
}

/**
 * A Graph user as the port wants it: its properties without OData annotations (`@odata.type`,
 * `manager@delta`, …), `id` included.
 */
export function toSourceUser(raw: Readonly<Record<string, unknown>> & { id: string }): SourceUser {
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) if (!key.includes('@')) attributes[key] = value;
  return { id: raw.id, attributes };
}

/**
 * One delta item as a change. `@removed.reason` `changed` is a soft delete (deleted items, restorable),
 * `deleted` a permanent one. An unknown reason counts as soft: disabling is undone more easily than
 * deleting.
 */
export function toChange(raw: Readonly<Record<string, unknown>> & { id: string }): SourceUserChange {
  const removed = raw['@removed'];
  if (removed !== undefined && removed !== null) {
    const reason = typeof removed === 'object' ? (removed as Record<string, unknown>)['reason'] : undefined;
    return { kind: 'removed', id: raw.id, removed: reason === 'deleted' ? 'hard' : 'soft' };
  }
  return { kind: 'upsert', user: toSourceUser(raw) };
}

export interface UserReaderOptions {
  readonly graph: GraphClient;
  /** Page size asked for (`$top` and `Prefer: odata.maxpagesize`), 1 to 999. */
  readonly pageSize: number;
}

/** Users through Graph delta: a full round without a watermark, the changes since it otherwise. */
export class UserReader {
  constructor(private readonly options: UserReaderOptions) {}

  async read(request: ReadUsersRequest): Promise<ReadUsersResult> {
    const { graph } = this.options;
    // A watermark that is not a delta link of this Graph (another tenant's host, a corrupted value) is
    // never followed: the bearer token would go with it. A full read is always correct.
    if (
      request.watermark !== null &&
      graph.isGraphUrl(request.watermark) &&
      isUsersDelta(request.watermark)
    ) {
      try {
        return { ...(await this.round(request.watermark, request)), fullRead: false };
      } catch (error) {
        if (!(error instanceof DeltaTokenExpired)) throw error;
      }
    }
    const start = graph.url(
      `/v1.0/users/delta?$select=${userSelect(request.select).map(encodeURIComponent).join(',')}&$top=${this.options.pageSize}`,
    );
    const result = await this.round(start, request);
    return { ...result, fullRead: request.watermark !== null };
  }

  private async round(
    url: string,
    request: ReadUsersRequest,
  ): Promise<{ changes: SourceUserChange[]; watermark: string }> {
    const changes: SourceUserChange[] = [];
    let watermark = ''; // the delta style ends on a page that carries the deltaLink
    for await (const page of paginate(this.options.graph, {
      url,
      item: deltaUser,
      style: { kind: 'delta' },
      operation: 'readUsers',
      // Graph's documented page size control for directory delta; `$top` is what the emulator reads.
      headers: { prefer: `odata.maxpagesize=${this.options.pageSize}` },
    })) {
      for (const item of page.items) changes.push(toChange(item));
      request.onProgress?.(changes.length);
      watermark = page.deltaLink ?? watermark;
    }
    return { changes, watermark };
  }

  /** One user by object id or userPrincipalName; null when Graph has no such (live) user. */
  async get(idOrUserPrincipalName: string, select: readonly string[]): Promise<SourceUser | null> {
    if (idOrUserPrincipalName.trim() === '') return null;
    const { graph } = this.options;
    const found = await graph.find(
      graph.url(
        `/v1.0/users/${encodeURIComponent(idOrUserPrincipalName)}?$select=${userSelect(select).map(encodeURIComponent).join(',')}`,
      ),
      user,
      { operation: 'readUsers' },
    );
    return found === null ? null : toSourceUser(found);
  }

  /**
   * Up to `top` users for a picker: an object id, or a prefix of the display name, userPrincipalName
   * or mail (Graph's `startswith`, answered without advanced query parameters:
   * https://learn.microsoft.com/graph/aad-advanced-queries).
   */
  async search(text: string, top: number, select: readonly string[]): Promise<SourceUser[]> {
    const key = text.trim();
    const { graph } = this.options;
    const selected = userSelect(select).map(encodeURIComponent).join(',');
    const size = Math.max(1, Math.min(top, 100));
    if (guidPattern.test(key)) {
      const found = await this.get(key, select);
      return found === null ? [] : [found];
    }
    const filter =
      key === ''
        ? ''
        : `&$filter=${encodeURIComponent(['displayName', 'userPrincipalName', 'mail'].map((p) => `startswith(${p},${odataString(key)})`).join(' or '))}`;
    const found: SourceUser[] = [];
    for await (const page of paginate(graph, {
      url: graph.url(`/v1.0/users?$select=${selected}&$top=${size}${filter}`),
      item: user,
      style: { kind: 'list' },
      operation: 'readUsers',
    })) {
      for (const item of page.items) found.push(toSourceUser(item));
      if (found.length >= size) break;
    }
    return found.slice(0, size);
  }
}

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isUsersDelta(url: string): boolean {
  const path = new URL(url).pathname;
  return /\/users\/(?:microsoft\.graph\.)?delta$/.test(path);
}
