import type {
  MemberRef,
  ReadGroupsRequest,
  ReadGroupsResult,
  SourceGroup,
  SourceGroupChange,
} from '@provisio/engine';
import { ConnectorFailure } from '@provisio/engine';
import { DeltaTokenExpired, type GraphClient } from '../client/client.js';
import { paginate } from '../client/paginate.js';
import { type DeltaGroup, deltaGroup, directoryObject, group } from '../client/schemas.js';
import { connectorFailure, EntraErrorCode } from '../errors.js';

/** Always read: the engine matches groups by display name and keys them by id. */
export const alwaysSelectedGroup = ['id', 'displayName'] as const;

/**
 * The group properties to `$select`: `id`, `displayName`, then the requested ones, once each.
 * `members` is not a property here (groups/delta adds it to ask for `members@delta`).
 */
export function groupSelect(select: readonly string[]): string[] {
  const names = [
    ...alwaysSelectedGroup,
    ...select.map((s) => s.trim()).filter((s) => s !== '' && s !== 'members'),
  ];
  return [...new Set(names)];
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const memberTypes: Readonly<Record<string, MemberRef['type']>> = {
  '#microsoft.graph.user': 'user',
  '#microsoft.graph.group': 'group',
};

/**
 * A member as the port wants it, from its `@odata.type`: users and groups; anything else (devices,
 * service principals, org contacts) or an entry without a type gives null and is left out.
 */
export function memberRefOf(raw: {
  readonly id: string;
  readonly '@odata.type'?: string | undefined;
}): MemberRef | null {
  const type = raw['@odata.type'] === undefined ? undefined : memberTypes[raw['@odata.type']];
  return type === undefined ? null : { id: raw.id, type };
}

/** A group's properties without OData annotations (`@odata.type`, `members@delta`, …), `id` included. */
export function groupAttributesOf(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw))
    if (!key.includes('@') && key !== 'members') attributes[key] = value;
  return attributes;
}

export function toSourceGroup(raw: Readonly<Record<string, unknown>> & { id: string }): SourceGroup {
  return { id: raw.id, attributes: groupAttributesOf(raw) };
}

type Pending =
  | {
      readonly kind: 'upsert';
      readonly attributes: Record<string, unknown>;
      readonly added: Map<string, MemberRef>;
      readonly removed: Map<string, MemberRef>;
    }
  | { readonly kind: 'removed'; readonly removed: 'soft' | 'hard' };

/**
 * Gathers the items of one groups/delta round into one change per group. Graph may send a group more
 * than once in a round: its members split over several items (or pages), or the group again because
 * it changed while the round was read. Later items add properties and members to earlier ones; a
 * member's latest entry wins (added, then removed → removed); a removal replaces what came before, and
 * a group that comes back after a removal starts afresh. Each group keeps the place it was first read.
 *
 * On a full round (`full`) every upsert carries all its direct members (`full: true`, none removed);
 * on a change round only the members added and removed, and no `members` when none changed. Members
 * that are neither users nor groups are left out.
 */
export class GroupChangeCollector {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly full: boolean) {}

  /** How many groups have been read so far. */
  get size(): number {
    return this.pending.size;
  }

  add(item: DeltaGroup): void {
    const gone = item['@removed'];
    if (gone !== undefined) {
      this.pending.set(item.id, { kind: 'removed', removed: gone.reason === 'deleted' ? 'hard' : 'soft' });
      return;
    }
    const previous = this.pending.get(item.id);
    const entry =
      previous?.kind === 'upsert'
        ? previous
        : { kind: 'upsert' as const, attributes: {}, added: new Map(), removed: new Map() };
    Object.assign(entry.attributes, groupAttributesOf(item));
    for (const raw of item['members@delta'] ?? []) {
      const ref = memberRefOf(raw);
      if (ref === null) continue;
      if (raw['@removed'] === undefined) {
        entry.removed.delete(ref.id);
        entry.added.set(ref.id, ref);
      } else {
        entry.added.delete(ref.id);
        // A full round lists the current members: a removal there only undoes an earlier listing.
        if (!this.full) entry.removed.set(ref.id, ref);
      }
    }
    this.pending.set(item.id, entry);
  }

  changes(): SourceGroupChange[] {
    const out: SourceGroupChange[] = [];
    for (const [id, entry] of this.pending) {
      if (entry.kind === 'removed') {
        out.push({ kind: 'removed', id, removed: entry.removed });
        continue;
      }
      const group: SourceGroup = { id, attributes: { ...entry.attributes, id } };
      const added = [...entry.added.values()];
      const removed = [...entry.removed.values()];
      if (this.full) out.push({ kind: 'upsert', group, members: { full: true, added, removed: [] } });
      else if (added.length > 0 || removed.length > 0)
        out.push({ kind: 'upsert', group, members: { full: false, added, removed } });
      else out.push({ kind: 'upsert', group });
    }
    return out;
  }
}

/** One round's items as changes (see {@link GroupChangeCollector}). */
export function groupChanges(items: readonly DeltaGroup[], full: boolean): SourceGroupChange[] {
  const collector = new GroupChangeCollector(full);
  for (const item of items) collector.add(item);
  return collector.changes();
}

/** `'` doubled, as OData string literals want it. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export interface GroupReaderOptions {
  readonly graph: GraphClient;
  /** Page size asked for (`$top` and `Prefer: odata.maxpagesize`), 1 to 999. */
  readonly pageSize: number;
  /** Values never to show in errors (the client secret). */
  readonly secrets: readonly string[];
}

/** Groups through Graph: groups/delta with `members@delta`, lookups by id or name, direct members. */
export class GroupReader {
  constructor(private readonly options: GroupReaderOptions) {}

  async read(request: ReadGroupsRequest): Promise<ReadGroupsResult> {
    const { graph } = this.options;
    // As for users: a watermark that is not a groups delta link of this Graph is never followed.
    if (
      request.watermark !== null &&
      graph.isGraphUrl(request.watermark) &&
      isGroupsDelta(request.watermark)
    ) {
      try {
        return { ...(await this.round(request.watermark, request, false)), fullRead: false };
      } catch (error) {
        if (!(error instanceof DeltaTokenExpired)) throw error;
      }
    }
    const select = [...groupSelect(request.select), 'members'];
    const start = graph.url(
      `/v1.0/groups/delta?$select=${select.map(encodeURIComponent).join(',')}&$top=${this.options.pageSize}`,
    );
    const result = await this.round(start, request, true);
    return { ...result, fullRead: request.watermark !== null };
  }

  private async round(
    url: string,
    request: ReadGroupsRequest,
    full: boolean,
  ): Promise<{ changes: SourceGroupChange[]; watermark: string }> {
    const collector = new GroupChangeCollector(full);
    let watermark = ''; // the delta style ends on a page that carries the deltaLink
    for await (const page of paginate(this.options.graph, {
      url,
      item: deltaGroup,
      style: { kind: 'delta' },
      operation: 'readGroups',
      headers: { prefer: `odata.maxpagesize=${this.options.pageSize}` },
    })) {
      for (const item of page.items) collector.add(item);
      request.onProgress?.(collector.size);
      watermark = page.deltaLink ?? watermark;
    }
    return { changes: collector.changes(), watermark };
  }

  /**
   * One live group by object id or display name; null when there is none. Graph compares display
   * names without regard to case: of several such groups, the one spelled exactly as asked is taken;
   * several candidates otherwise is an error naming their ids.
   */
  /** Up to `top` groups for a picker: an object id, or a prefix of the display name. */
  async search(text: string, top: number, select: readonly string[]): Promise<SourceGroup[]> {
    const key = text.trim();
    const size = Math.max(1, Math.min(top, 100));
    if (guid.test(key)) {
      const found = await this.get(key, select);
      return found === null ? [] : [found];
    }
    const { graph } = this.options;
    const selected = groupSelect(select).map(encodeURIComponent).join(',');
    const filter =
      key === '' ? '' : `&$filter=${encodeURIComponent(`startswith(displayName,${odataString(key)})`)}`;
    const found: SourceGroup[] = [];
    for await (const page of paginate(graph, {
      url: graph.url(`/v1.0/groups?$select=${selected}&$top=${size}${filter}`),
      item: group,
      style: { kind: 'list' },
      operation: 'findGroup',
    })) {
      for (const item of page.items) found.push(toSourceGroup(item));
      if (found.length >= size) break;
    }
    return found.slice(0, size);
  }

  async get(idOrDisplayName: string, select: readonly string[]): Promise<SourceGroup | null> {
    const key = idOrDisplayName.trim();
    if (key === '') return null;
    const { graph } = this.options;
    const selected = groupSelect(select).map(encodeURIComponent).join(',');
    if (guid.test(key)) {
      const found = await graph.find(
        graph.url(`/v1.0/groups/${encodeURIComponent(key)}?$select=${selected}`),
        group,
        { operation: 'findGroup' },
      );
      return found === null ? null : toSourceGroup(found);
    }
    const filter = `displayName eq ${odataString(idOrDisplayName)}`;
    const found: SourceGroup[] = [];
    for await (const page of paginate(graph, {
      url: graph.url(
        `/v1.0/groups?$filter=${encodeURIComponent(filter)}&$select=${selected}&$top=${this.options.pageSize}`,
      ),
      item: group,
      style: { kind: 'list' },
      operation: 'findGroup',
    }))
      for (const item of page.items) found.push(toSourceGroup(item));
    const exact = found.filter((g) => g.attributes['displayName'] === idOrDisplayName);
    if (exact.length === 1) return exact[0] ?? null;
    if (found.length <= 1) return found[0] ?? null;
    throw connectorFailure(
      {
        code: EntraErrorCode.DuplicateSourceEntries,
        message: `${found.length} groups are named "${idOrDisplayName}" (ids ${found.map((g) => g.id).join(', ')}); a group asked for by name must be the only one with that name.`,
        retryable: false,
        request: `GET /v1.0/groups?$filter=${filter}`,
        recommendedAction:
          'Ask for the group by its object id (Microsoft Entra admin center → Groups → the group → Object ID), or give the groups distinct display names.',
      },
      this.options.secrets,
    );
  }

  /**
   * The direct members of a group that are users or groups, each once; a group that does not exist
   * (deleted meanwhile) has none.
   */
  async members(groupId: string): Promise<MemberRef[]> {
    if (groupId.trim() === '') return [];
    const { graph } = this.options;
    const members = new Map<string, MemberRef>();
    try {
      for await (const page of paginate(graph, {
        url: graph.url(
          `/v1.0/groups/${encodeURIComponent(groupId.trim())}/members?$select=id&$top=${this.options.pageSize}`,
        ),
        item: directoryObject,
        style: { kind: 'list' },
        operation: 'readGroupMembers',
      }))
        for (const item of page.items) {
          const ref = memberRefOf(item);
          if (ref !== null) members.set(ref.id, ref);
        }
    } catch (error) {
      if (error instanceof ConnectorFailure && error.detail.httpStatus === 404) return [];
      throw error;
    }
    return [...members.values()];
  }
}

export function isGroupsDelta(url: string): boolean {
  const path = new URL(url).pathname;
  return /\/groups\/(?:microsoft\.graph\.)?delta$/.test(path);
}
