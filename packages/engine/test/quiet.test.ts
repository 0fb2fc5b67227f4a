import { describe, expect, it } from 'vitest';
import {
  type CycleFacts,
  foldedCounts,
  isQuietCycle,
  nextCycleWaitMs,
  quietStreak,
} from '../src/cycle/quiet.js';
import { emptyCycleCounts } from '../src/cycle/run-cycle.js';

const quiet: CycleFacts = {
  kind: 'incremental',
  state: 'succeeded',
  counts: { ...emptyCycleCounts, targetRequests: 1, membershipsSkipped: 3 },
};
const second = 1000;

describe('quiet cycles', () => {
  it('are incremental cycles that succeeded and imported, evaluated, wrote and failed nothing', () => {
    expect(isQuietCycle(quiet)).toBe(true);
    // Reading the target's change feed, or members the target refuses again, is not doing something.
    expect(isQuietCycle({ ...quiet, counts: { ...quiet.counts, targetRequests: 7 } })).toBe(true);
  });

  it.each([
    ['imported', { imported: 1 }],
    ['evaluated in scope', { inScope: 1 }],
    ['evaluated, unchanged', { unchanged: 1 }],
    ['evaluated, skipped', { skipped: 1 }],
    ['created', { created: 1 }],
    ['updated', { updated: 1 }],
    ['disabled', { disabled: 1 }],
    ['deleted', { deleted: 1 }],
    ['failed', { failed: 1 }],
    ['group created', { groupsCreated: 1 }],
    ['group updated', { groupsUpdated: 1 }],
    ['group deleted', { groupsDeleted: 1 }],
    ['member added', { membershipsAdded: 1 }],
    ['member removed', { membershipsRemoved: 1 }],
  ])('a cycle that %s something is not quiet', (_what, counts) => {
    expect(isQuietCycle({ ...quiet, counts: { ...quiet.counts, ...counts } })).toBe(false);
  });

  it('an initial cycle, a failed, held or partly failed one, or one still running is never quiet', () => {
    expect(isQuietCycle({ ...quiet, kind: 'initial' })).toBe(false);
    for (const state of ['failed', 'held', 'entryLevelErrors', 'running'] as const)
      expect(isQuietCycle({ ...quiet, state }), state).toBe(false);
  });

  it('count their streak from the record that folds them', () => {
    expect(quietStreak(null)).toBe(0);
    expect(quietStreak({ ...quiet, kind: 'initial' })).toBe(0);
    expect(quietStreak(quiet)).toBe(1);
    const folded = { ...quiet, counts: foldedCounts(quiet.counts, quiet.counts) };
    expect(folded.counts.quietRepeats).toBe(1);
    expect(quietStreak(folded)).toBe(2);
    const again = { ...quiet, counts: foldedCounts(quiet.counts, folded.counts) };
    expect(quietStreak(again)).toBe(3);
    // A failure ends the streak whatever the record carried.
    expect(quietStreak({ ...again, state: 'failed' })).toBe(0);
  });
});

describe('the idle back-off', () => {
  const waits = (intervalMs: number, idleMs: number, upTo: number) =>
    Array.from({ length: upTo + 1 }, (_, streak) => nextCycleWaitMs(intervalMs, idleMs, streak));

  it('keeps the interval for a minute of quiet cycles, then doubles up to idleInterval', () => {
    // At 5 s: 12 quiet cycles are a minute; then 10 s, then 15 s (the default idleInterval).
    const at5s = waits(5 * second, 15 * second, 16);
    expect(at5s.slice(0, 12)).toEqual(Array(12).fill(5 * second));
    expect(at5s.slice(12)).toEqual([10 * second, 15 * second, 15 * second, 15 * second, 15 * second]);
    // A longer idleInterval is reached by doubling: 10, 20, 40, 60 s.
    expect(waits(5 * second, 60 * second, 16).slice(12)).toEqual([
      10 * second,
      20 * second,
      40 * second,
      60 * second,
      60 * second,
    ]);
  });

  it('returns to the interval at once when a cycle did something (streak 0)', () => {
    expect(nextCycleWaitMs(5 * second, 15 * second, 0)).toBe(5 * second);
  });

  it('is off when idleInterval equals the interval, and for intervals of a minute or more starts after one', () => {
    expect(new Set(waits(30 * second, 30 * second, 50))).toEqual(new Set([30 * second]));
    const hourly = waits(40 * 60 * second, 40 * 60 * second, 10);
    expect(new Set(hourly)).toEqual(new Set([40 * 60 * second]));
    expect(waits(2 * 60 * second, 8 * 60 * second, 3)).toEqual([
      2 * 60 * second,
      4 * 60 * second,
      8 * 60 * second,
      8 * 60 * second,
    ]);
  });

  it('never overflows on a streak of a year', () => {
    expect(nextCycleWaitMs(1000, 15_000, 365 * 86_400)).toBe(15_000);
    expect(nextCycleWaitMs(5000, 3000, 10_000)).toBe(5000);
  });
});
