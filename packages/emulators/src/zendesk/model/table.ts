/**
 * A table of records keyed by increasing integer ids: O(1) lookups by id and O(log n) seeks for
 * cursor pagination, which is what lets the emulator page through a million users quickly.
 */
export class Table<T extends { readonly id: number }> {
  private readonly rows = new Map<number, T>();
  /** Ids in ascending order; may hold ids of removed rows until the next compaction. */
  private order: number[] = [];
  private removedSinceCompaction = 0;

  get size(): number {
    return this.rows.size;
  }

  get(id: number): T | undefined {
    return this.rows.get(id);
  }

  has(id: number): boolean {
    return this.rows.has(id);
  }

  insert(row: T): void {
    if (this.rows.has(row.id)) throw new Error(`duplicate id ${row.id}`);
    const last = this.order[this.order.length - 1];
    this.rows.set(row.id, row);
    if (last === undefined || row.id > last) {
      this.order.push(row.id);
    } else {
      // Out-of-order ids only come from seeds and persisted state; keep the order array sorted. The id
      // of a removed row may still be there (until compaction): it must not be listed twice.
      const at = this.lowerBound(row.id);
      if (this.order[at] !== row.id) this.order.splice(at, 0, row.id);
    }
  }

  remove(id: number): boolean {
    if (!this.rows.delete(id)) return false;
    this.removedSinceCompaction += 1;
    if (this.removedSinceCompaction > 1024 && this.removedSinceCompaction > this.order.length / 2) {
      this.order = this.order.filter((x) => this.rows.has(x));
      this.removedSinceCompaction = 0;
    }
    return true;
  }

  clear(): void {
    this.rows.clear();
    this.order = [];
    this.removedSinceCompaction = 0;
  }

  values(): IterableIterator<T> {
    return this.rows.values();
  }

  /** Rows in ascending id order. */
  *ascending(filter?: (row: T) => boolean): Generator<T> {
    for (const id of this.order) {
      const row = this.rows.get(id);
      if (row && (!filter || filter(row))) yield row;
    }
  }

  /**
   * Up to `limit` rows passing `filter`, after (or before) the given id, in the given direction.
   * `more` says whether at least one further row passes the filter.
   */
  slice(options: {
    after?: number | undefined;
    before?: number | undefined;
    descending?: boolean | undefined;
    limit: number;
    filter?: ((row: T) => boolean) | undefined;
  }): { rows: T[]; more: boolean } {
    const { limit, filter, descending = false } = options;
    const rows: T[] = [];
    const step = descending ? -1 : 1;
    let i: number;
    if (!descending) {
      i = options.after === undefined ? 0 : this.upperBound(options.after);
    } else {
      i = (options.before === undefined ? this.order.length : this.lowerBound(options.before)) - 1;
    }
    const stopBefore = descending ? options.after : options.before;
    for (; i >= 0 && i < this.order.length; i += step) {
      const id = this.order[i] as number;
      if (stopBefore !== undefined && (descending ? id <= stopBefore : id >= stopBefore)) break;
      const row = this.rows.get(id);
      if (!row || (filter && !filter(row))) continue;
      if (rows.length === limit) return { rows, more: true };
      rows.push(row);
    }
    return { rows, more: false };
  }

  private lowerBound(id: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.order[mid] as number) < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private upperBound(id: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.order[mid] as number) <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
