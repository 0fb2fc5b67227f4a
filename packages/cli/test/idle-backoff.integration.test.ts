import { type Clock, type CycleReport, type NextCycle, runSyncLoop, systemClock } from '@provisio/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appRoleId,
  assign,
  createEntraUser,
  type JobHarness,
  patchUser,
  startJobHarness,
} from './support/provisioning.js';

/**
 * The idle back-off of the loop (`serve`'s in-process jobs and `sync`; docs/operations.md#the-schedule)
 * against the emulators: quiet cycles fold into one record, the wait grows after a minute of them up
 * to settings.idleInterval, and a change brings it back to the interval at once. The loop's waits run
 * on a clock of their own that records them and returns at once; the rest (lease renewal, the
 * connectors) keeps the system clock.
 */
let h: JobHarness;

beforeAll(async () => {
  // 30 s: two quiet cycles are a minute; then 60 s, then 120 s (the idleInterval).
  h = await startJobHarness({ settings: { interval: 'PT30S', idleInterval: 'PT2M' } });
});
afterAll(() => h?.close());

/** How far the loops' clock is ahead of the system clock: it only moves forward, as time does. */
let offset = 0;

/** Runs the loop for `cycles` cycles, returning each cycle's `next` and the time it waited after it. */
async function loop(
  cycles: number,
): Promise<{ next: NextCycle[]; waited: number[]; reports: CycleReport[] }> {
  const controller = new AbortController();
  const next: NextCycle[] = [];
  const waited: number[] = [];
  const clock: Clock = {
    now: () => new Date(systemClock.now().getTime() + offset),
    sleep: async (ms, signal) => {
      if (signal !== controller.signal) return systemClock.sleep(ms, signal);
      offset += ms;
      waited[waited.length - 1] = (waited.at(-1) ?? 0) + ms;
    },
  };
  const reports = await runSyncLoop({ ...h.deps, clock }, h.config, {
    signal: controller.signal,
    onCycle: (_report, after) => {
      next.push(after);
      if (next.length === cycles) controller.abort();
      else waited.push(0);
    },
  });
  return { next, waited, reports };
}

describe('the idle back-off', () => {
  it('folds quiet cycles into one record and waits longer, back to the interval after a change', async () => {
    const agent = await appRoleId(h, 'Agent');
    const user = await createEntraUser(h, 'idle1');
    await assign(h, user, agent);
    const jobId = h.config.settings.jobId;
    // The initial cycle, then incremental ones until one is quiet.
    expect((await h.cycle()).counts.created).toBe(1);
    const before = (await h.store.listCycles(jobId, 100)).length;
    const written = async () => ({
      logs: (await h.store.queryLogs({ jobId, limit: 1000 })).length,
      audit: (await h.store.listAudit(jobId, 1000)).length,
    });
    const writtenBefore = await written();

    const quiet = await loop(5);
    expect(quiet.next.map((n) => n.quietStreak)).toEqual([1, 2, 3, 4, 5]);
    expect(quiet.next.map((n) => n.waitMs / 1000)).toEqual([30, 60, 120, 120, 120]);
    // What the loop waited is what it said (the last wait is cut short by the test's abort).
    expect(quiet.waited.map((ms) => ms / 1000)).toEqual([30, 60, 120, 120]);
    // Five quiet cycles, one record: the last one's, standing for four more.
    const cycles = await h.store.listCycles(jobId, 100);
    expect(cycles).toHaveLength(before + 1);
    expect(cycles[0]).toMatchObject({ kind: 'incremental', state: 'succeeded' });
    expect(cycles[0]?.counts.quietRepeats).toBe(4);
    // Nor does a quiet cycle write a provisioning-log or audit entry.
    expect(await written()).toEqual(writtenBefore);

    // A change: that cycle did something, and the wait is the interval again.
    await patchUser(h, user, { jobTitle: 'Night shift' });
    const busy = await loop(2);
    expect(busy.next).toEqual([
      { quietStreak: 0, waitMs: 30_000 },
      { quietStreak: 1, waitMs: 30_000 },
    ]);
    expect((await h.store.listCycles(jobId, 100)).length).toBe(before + 3);
    expect(busy.reports[0]?.counts).toMatchObject({ imported: 1, updated: 1 });
  });
});
