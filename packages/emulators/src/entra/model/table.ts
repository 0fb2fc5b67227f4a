/** A directory object as the store keeps it: a GUID plus a creation sequence number for ordering. */
export interface Row {
  readonly id: string;
  /** Increases with every created object; lists are in this order, so paging is stable. */
  readonly seq: number;
}

/**
 * Objects of one kind keyed by id (GUIDs in lower case; callers normalise) (O(1) lookups) and kept in creation order, so that a page token
 * can carry the last sequence number and the next page starts with a binary search, not a scan.
 */
export class DirectoryTable<T extends Row> {
  private readonly rows = new Map<string, T>();
  /** In ascending seq; may hold removed rows until the next compaction. */
  private order: T[] = [];
  private removedSinceCompaction = 0;

  get size(): number {
    return this.rows.size;
  }

  get(id: string): T | undefined {
    return this.rows.get(id);
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  insert(row: T): void {
    if (this.rows.has(row.id)) throw new Error(`duplicate id ${row.id}`);
    this.rows.set(row.id, row);
    const last = this.order[this.order.length - 1];
    if (last === undefined || row.seq > last.seq) this.order.push(row);
    else this.order.splice(this.lowerBound(row.seq), 0, row);
  }

  remove(id: string): boolean {
    if (!this.rows.delete(id)) return false;
    this.removedSinceCompaction += 1;
    if (this.removedSinceCompaction > 1024 && this.removedSinceCompaction > this.order.length / 2) {
      this.order = this.order.filter((row) => this.rows.get(row.id) === row);
      this.removedSinceCompaction = 0;
    }
    return true;
  }

  clear(): void {
    this.rows.clear();
    this.order = [];
    this.removedSinceCompaction = 0;
  }

  /** Live rows in creation order. */
  *ascending(filter?: (row: T) => boolean): Generator<T> {
    for (const row of this.order) if (this.rows.get(row.id) === row && (!filter || filter(row))) yield row;
  }

  /** Up to `limit` rows passing `filter` whose seq is greater than `afterSeq`; `more` if any remain. */
  page(afterSeq: number, limit: number, filter?: (row: T) => boolean): { rows: T[]; more: boolean } {
    const rows: T[] = [];
    for (let i = this.upperBound(afterSeq); i < this.order.length; i += 1) {
      const row = this.order[i];
      if (row === undefined || this.rows.get(row.id) !== row || (filter && !filter(row))) continue;
      if (rows.length === limit) return { rows, more: true };
      rows.push(row);
    }
    return { rows, more: false };
  }

  private lowerBound(seq: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.order[mid]?.seq ?? 0) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private upperBound(seq: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.order[mid]?.seq ?? 0) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
