/**
 * The change log behind Graph's delta queries (`users/delta`, `groups/delta`).
 *
 * Every mutation takes the next number of one monotonically increasing sequence. The log keeps only the
 * latest entry per object (a later change supersedes an earlier one, so a delta round returns each
 * object once, in its current state) and, per group, the latest change of each membership pair. A delta
 * token is a sequence number: the changes after it are the entries with a greater number.
 *
 * Memory is bounded: entries of objects that were deleted for good and membership pairs that were
 * removed would otherwise accumulate, so when the log holds more than `capacity` items it forgets the
 * oldest quarter and raises `floor`. Tokens older than the floor can no longer be answered exactly and
 * get Graph's "start again" error (400 `syncStateNotFound`).
 */

export type ChangeKind = 'user' | 'group';
export type Change = 'upsert' | 'softDeleted' | 'hardDeleted';
export type MemberType = 'user' | 'group' | 'servicePrincipal';

/** The latest change of one member of a group. */
export interface MemberChange {
  readonly seq: number;
  readonly memberId: string;
  readonly memberType: MemberType;
  readonly added: boolean;
}

export interface ChangeEntry {
  readonly seq: number;
  readonly kind: ChangeKind;
  readonly id: string;
  readonly change: Change;
  /** Groups only: the latest change of each member pair, by member id. */
  readonly members: Map<string, MemberChange> | null;
}

/** The entries of one kind: latest per id, kept in ascending `seq` for binary-searched paging. */
class KindLog {
  readonly latest = new Map<string, ChangeEntry>();
  /** Ascending seq; may hold superseded entries until the next compaction. */
  private order: ChangeEntry[] = [];
  private stale = 0;

  put(entry: ChangeEntry): void {
    if (this.latest.has(entry.id)) this.stale += 1;
    this.latest.set(entry.id, entry);
    this.order.push(entry);
    if (this.stale > 1024 && this.stale > this.order.length / 2) this.compact();
  }

  drop(id: string): void {
    if (this.latest.delete(id)) this.stale += 1;
  }

  compact(): void {
    this.order = this.order.filter((e) => this.latest.get(e.id) === e);
    this.stale = 0;
  }

  clear(): void {
    this.latest.clear();
    this.order = [];
    this.stale = 0;
  }

  /**
   * Up to `limit` current entries with seq greater than `afterSeq` (those `only` accepts, when
   * given); `more` if any remain.
   */
  page(
    afterSeq: number,
    limit: number,
    only?: (id: string) => boolean,
  ): { entries: ChangeEntry[]; more: boolean } {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.order[mid]?.seq ?? 0) <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    const entries: ChangeEntry[] = [];
    for (let i = lo; i < this.order.length; i += 1) {
      const entry = this.order[i];
      if (entry === undefined || this.latest.get(entry.id) !== entry) continue;
      if (only !== undefined && !only(entry.id)) continue;
      if (entries.length === limit) return { entries, more: true };
      entries.push(entry);
    }
    return { entries, more: false };
  }
}

export class ChangeLog {
  /** The number of the latest change; a delta token taken now is this value. */
  private current = 0;
  /** Tokens below this may have missed forgotten changes. */
  private floorSeq = 0;
  /** Changes with every reset, so that tokens issued before a reset are refused. */
  private epochValue = 1;
  private readonly logs: Record<ChangeKind, KindLog> = { user: new KindLog(), group: new KindLog() };

  /** How many entries and membership pairs the log holds before it forgets the oldest. */
  constructor(public capacity = 100_000) {}

  get seq(): number {
    return this.current;
  }

  get floor(): number {
    return this.floorSeq;
  }

  get epoch(): number {
    return this.epochValue;
  }

  clear(): void {
    this.logs.user.clear();
    this.logs.group.clear();
    this.current = 0;
    this.floorSeq = 0;
    this.epochValue += 1;
  }

  /** Whether changes after `seq` can still be listed exactly. */
  covers(seq: number): boolean {
    return seq >= this.floorSeq && seq <= this.current;
  }

  record(kind: ChangeKind, id: string, change: Change): void {
    const previous = this.logs[kind].latest.get(id);
    // A group deleted for good has no members left to report: its @removed says it all.
    const members = kind === 'group' && change !== 'hardDeleted' ? (previous?.members ?? new Map()) : null;
    this.current += 1;
    this.logs[kind].put({ seq: this.current, kind, id, change, members });
    this.enforceCapacity();
  }

  /** A member added to or removed from a group: the group's entry moves to the end too. */
  recordMember(groupId: string, memberId: string, memberType: MemberType, added: boolean): void {
    const previous = this.logs.group.latest.get(groupId);
    const members = previous?.members ?? new Map<string, MemberChange>();
    this.current += 1;
    members.set(memberId, { seq: this.current, memberId, memberType, added });
    this.logs.group.put({
      seq: this.current,
      kind: 'group',
      id: groupId,
      change: previous?.change === 'softDeleted' ? 'softDeleted' : 'upsert',
      members,
    });
    this.enforceCapacity();
  }

  page(
    kind: ChangeKind,
    afterSeq: number,
    limit: number,
    only?: (id: string) => boolean,
  ): { entries: ChangeEntry[]; more: boolean } {
    return this.logs[kind].page(afterSeq, limit, only);
  }

  /** Membership changes of a group after `afterSeq`, oldest first. */
  memberChanges(groupId: string, afterSeq: number): MemberChange[] {
    const members = this.logs.group.latest.get(groupId)?.members;
    if (!members) return [];
    return [...members.values()].filter((m) => m.seq > afterSeq).sort((a, b) => a.seq - b.seq);
  }

  private size(): number {
    let pairs = 0;
    for (const entry of this.logs.group.latest.values()) pairs += entry.members?.size ?? 0;
    return this.logs.user.latest.size + this.logs.group.latest.size + pairs;
  }

  /**
   * Forgets the oldest quarter of what the log holds once it exceeds its capacity (checked every
   * `capacity / 4` changes, so the cost stays amortised). The live objects themselves are not lost:
   * an initial sync lists them from the tables, not from the log.
   */
  private sinceCheck = 0;
  private enforceCapacity(): void {
    this.sinceCheck += 1;
    if (this.sinceCheck < Math.max(1, Math.floor(this.capacity / 4))) return;
    this.sinceCheck = 0;
    const size = this.size();
    if (size <= this.capacity) return;
    const seqs: number[] = [];
    for (const log of Object.values(this.logs))
      for (const entry of log.latest.values()) {
        seqs.push(entry.seq);
        for (const m of entry.members?.values() ?? []) seqs.push(m.seq);
      }
    seqs.sort((a, b) => a - b);
    const forget = size - Math.floor((this.capacity * 3) / 4);
    const floor = seqs[Math.min(forget, seqs.length) - 1] ?? this.floorSeq;
    this.floorSeq = Math.max(this.floorSeq, floor);
    for (const log of Object.values(this.logs)) {
      for (const entry of [...log.latest.values()]) {
        if (entry.members)
          for (const [memberId, m] of entry.members) if (m.seq <= floor) entry.members.delete(memberId);
        if (entry.seq <= floor) log.drop(entry.id);
      }
      log.compact();
    }
  }
}
