import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Table } from '../src/zendesk/model/table.js';

interface Row {
  readonly id: number;
  readonly even: boolean;
}

const row = (id: number): Row => ({ id, even: id % 2 === 0 });

function tableOf(ids: readonly number[]): Table<Row> {
  const table = new Table<Row>();
  for (const id of ids) table.insert(row(id));
  return table;
}

const ids = (rows: readonly Row[]) => rows.map((r) => r.id);

/** The length of the table's internal order array (ids of removed rows included until compaction). */
function orderLength(table: Table<Row>): number {
  return (table as unknown as { order: number[] }).order.length;
}

type SliceOptions = Parameters<Table<Row>['slice']>[0];

/** What `slice` should answer, computed the obvious way from the live ids. */
function expectedSlice(live: readonly number[], options: SliceOptions): { ids: number[]; more: boolean } {
  const { after, before, descending = false, limit, filter } = options;
  let matching = [...live]
    .sort((a, b) => a - b)
    .filter((id) => (after === undefined || id > after) && (before === undefined || id < before))
    .filter((id) => !filter || filter(row(id)));
  if (descending) matching = matching.reverse();
  return { ids: matching.slice(0, limit), more: matching.length > limit };
}

describe('Table', () => {
  it('looks rows up by id and counts them', () => {
    const table = tableOf([1, 2, 3]);
    expect(table.size).toBe(3);
    expect(table.get(2)).toEqual(row(2));
    expect(table.has(4)).toBe(false);
    expect(table.get(4)).toBeUndefined();
  });

  it('refuses a duplicate id', () => {
    const table = tableOf([1, 2]);
    expect(() => table.insert(row(2))).toThrow('duplicate id 2');
    expect(table.size).toBe(2);
  });

  it('keeps ascending order when ids are inserted out of order', () => {
    const table = tableOf([5, 1, 9, 3, 7, 2]);
    expect(ids([...table.ascending()])).toEqual([1, 2, 3, 5, 7, 9]);
    expect(ids(table.slice({ limit: 10 }).rows)).toEqual([1, 2, 3, 5, 7, 9]);
  });

  it('pages forwards with after, and says whether more rows follow', () => {
    const table = tableOf([10, 20, 30, 40, 50]);
    expect(table.slice({ limit: 2 })).toEqual({ rows: [row(10), row(20)], more: true });
    expect(table.slice({ after: 20, limit: 2 })).toEqual({ rows: [row(30), row(40)], more: true });
    expect(table.slice({ after: 40, limit: 2 })).toEqual({ rows: [row(50)], more: false });
    expect(table.slice({ after: 50, limit: 2 })).toEqual({ rows: [], more: false });
    // An exactly full last page: no further row, so more is false.
    expect(table.slice({ after: 30, limit: 2 })).toEqual({ rows: [row(40), row(50)], more: false });
    // after need not be an existing id.
    expect(ids(table.slice({ after: 25, limit: 2 }).rows)).toEqual([30, 40]);
  });

  it('pages backwards with before and descending', () => {
    const table = tableOf([10, 20, 30, 40, 50]);
    expect(table.slice({ descending: true, limit: 2 })).toEqual({ rows: [row(50), row(40)], more: true });
    expect(table.slice({ before: 30, descending: true, limit: 5 })).toEqual({
      rows: [row(20), row(10)],
      more: false,
    });
    expect(ids(table.slice({ before: 35, after: 10, descending: true, limit: 5 }).rows)).toEqual([30, 20]);
  });

  it('stops ascending slices at before (exclusive)', () => {
    const table = tableOf([10, 20, 30, 40, 50]);
    expect(table.slice({ after: 10, before: 40, limit: 5 })).toEqual({
      rows: [row(20), row(30)],
      more: false,
    });
    expect(table.slice({ after: 10, before: 40, limit: 1 })).toEqual({ rows: [row(20)], more: true });
  });

  it('filters rows, counting only those that pass towards limit and more', () => {
    const table = tableOf([1, 2, 3, 4, 5, 6, 7]);
    const even = (r: Row) => r.even;
    expect(table.slice({ limit: 2, filter: even })).toEqual({ rows: [row(2), row(4)], more: true });
    expect(table.slice({ after: 4, limit: 2, filter: even })).toEqual({ rows: [row(6)], more: false });
    expect(ids([...table.ascending(even)])).toEqual([2, 4, 6]);
  });

  it('skips removed rows and reports removal', () => {
    const table = tableOf([1, 2, 3, 4]);
    expect(table.remove(2)).toBe(true);
    expect(table.remove(2)).toBe(false);
    expect(table.remove(99)).toBe(false);
    expect(table.size).toBe(3);
    expect(ids([...table.ascending()])).toEqual([1, 3, 4]);
    expect(table.slice({ after: 1, limit: 1 })).toEqual({ rows: [row(3)], more: true });
  });

  it('compacts its order after many removals without changing what it answers', () => {
    const table = tableOf(Array.from({ length: 3_000 }, (_, i) => i + 1));
    // Remove 2,000 rows: well past the threshold (more than 1,024 and more than half the order).
    for (let id = 1; id <= 3_000; id += 1) if (id % 3 !== 0) table.remove(id);
    expect(table.size).toBe(1_000);
    expect(orderLength(table)).toBeLessThan(3_000);
    expect(ids([...table.ascending()])).toEqual(Array.from({ length: 1_000 }, (_, i) => (i + 1) * 3));
    expect(ids(table.slice({ after: 2_990, limit: 5 }).rows)).toEqual([2_991, 2_994, 2_997, 3_000]);
    expect(ids(table.slice({ before: 10, descending: true, limit: 5 }).rows)).toEqual([9, 6, 3]);
  });

  it('does not compact after a few removals (the order keeps their ids until then)', () => {
    const table = tableOf([1, 2, 3, 4]);
    table.remove(2);
    expect(orderLength(table)).toBe(4);
    expect(ids([...table.ascending()])).toEqual([1, 3, 4]);
  });

  it('lists a row once when a removed id is inserted again before compaction', () => {
    const table = tableOf([1, 2, 3]);
    table.remove(2);
    table.insert(row(2));
    table.remove(3);
    table.insert(row(3));
    expect(ids([...table.ascending()])).toEqual([1, 2, 3]);
    expect(table.slice({ limit: 10 })).toEqual({ rows: [row(1), row(2), row(3)], more: false });
    expect(table.slice({ descending: true, limit: 10 }).rows).toHaveLength(3);
  });

  it('starts empty again after clear', () => {
    const table = tableOf([3, 1, 2]);
    table.clear();
    expect(table.size).toBe(0);
    expect([...table.ascending()]).toEqual([]);
    table.insert(row(1));
    expect(ids([...table.ascending()])).toEqual([1]);
  });

  it('answers every slice like a sorted list of its live rows (property)', () => {
    const operation = fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 60 }).map((id) => ({ op: 'insert' as const, id })), weight: 3 },
      { arbitrary: fc.integer({ min: 1, max: 60 }).map((id) => ({ op: 'remove' as const, id })), weight: 2 },
    );
    const bound = fc.option(fc.integer({ min: 0, max: 61 }), { nil: undefined });
    const slice = fc.record({
      after: bound,
      before: bound,
      descending: fc.boolean(),
      limit: fc.integer({ min: 0, max: 20 }),
      evenOnly: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(operation, { maxLength: 200 }),
        fc.array(slice, { maxLength: 10 }),
        (ops, slices) => {
          const table = new Table<Row>();
          const live = new Set<number>();
          for (const { op, id } of ops) {
            if (op === 'insert') {
              if (live.has(id)) expect(() => table.insert(row(id))).toThrow();
              else table.insert(row(id));
              live.add(id);
            } else {
              expect(table.remove(id)).toBe(live.delete(id));
            }
          }
          expect(table.size).toBe(live.size);
          expect(ids([...table.ascending()])).toEqual([...live].sort((a, b) => a - b));
          for (const { evenOnly, ...rest } of slices) {
            const options: SliceOptions = evenOnly ? { ...rest, filter: (r) => r.even } : rest;
            const answer = table.slice(options);
            expect({ ids: ids(answer.rows), more: answer.more }).toEqual(expectedSlice([...live], options));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
