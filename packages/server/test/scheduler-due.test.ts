import { describe, expect, it } from 'vitest';
import { cycleDue, type DueInputs, lostWorkerRetryMs } from '../src/scheduler/due.js';

const now = new Date('2026-03-01T12:00:00Z');
const minute = 60_000;
const base: DueInputs = {
  now,
  intervalMs: 40 * minute,
  idleIntervalMs: 40 * minute,
  quietStreak: 0,
  job: { status: 'Active', allowDeletes: false, quarantine: null },
  lastCycleEndedAt: new Date(now.getTime() - 10 * minute).toISOString(),
  lastAttemptAt: null,
  lease: null,
  leaseOwnerGone: false,
  runNow: false,
};
const ago = (minutes: number) => new Date(now.getTime() - minutes * minute).toISOString();

describe('when a queued job’s next cycle is due', () => {
  it('runs the first cycle at once, then every interval after the last one ended', () => {
    expect(cycleDue({ ...base, job: null, lastCycleEndedAt: null })).toEqual({
      due: true,
      reason: 'firstCycle',
    });
    expect(cycleDue(base)).toEqual({
      due: false,
      reason: 'interval',
      at: new Date(now.getTime() + 30 * minute),
    });
    expect(cycleDue({ ...base, lastCycleEndedAt: ago(40) })).toEqual({ due: true, reason: 'interval' });
  });

  it('backs off like the in-process loop once the last cycle record stands for a minute of quiet cycles', () => {
    const second = 1000;
    const fast = { ...base, intervalMs: 5 * second, idleIntervalMs: 15 * second };
    const ended = new Date(now.getTime() - 6 * second).toISOString();
    // Not quiet, or quiet for less than 12 cycles at 5 s: the interval.
    for (const quietStreak of [0, 1, 11])
      expect(cycleDue({ ...fast, lastCycleEndedAt: ended, quietStreak }), String(quietStreak)).toEqual({
        due: true,
        reason: 'interval',
      });
    // 12 quiet cycles: 10 s after the last ended; then 15 s, the idleInterval.
    expect(cycleDue({ ...fast, lastCycleEndedAt: ended, quietStreak: 12 })).toEqual({
      due: false,
      reason: 'interval',
      at: new Date(now.getTime() + 4 * second),
    });
    expect(cycleDue({ ...fast, lastCycleEndedAt: ended, quietStreak: 500 })).toEqual({
      due: false,
      reason: 'interval',
      at: new Date(now.getTime() + 9 * second),
    });
    // A request that ended without a cycle is retried after the interval, not the idle wait.
    const attempt = new Date(now.getTime() - 5 * second);
    expect(cycleDue({ ...fast, lastCycleEndedAt: ended, lastAttemptAt: attempt, quietStreak: 500 })).toEqual({
      due: true,
      reason: 'interval',
    });
  });

  it('counts a request that finished without a cycle (the job could not run) like a cycle', () => {
    const due = cycleDue({ ...base, lastCycleEndedAt: ago(60), lastAttemptAt: new Date(ago(5)) });
    expect(due).toEqual({ due: false, reason: 'interval', at: new Date(now.getTime() + 35 * minute) });
  });

  it('runs none while paused, even when asked to run now', () => {
    const paused = { ...base.job, status: 'Paused' } as DueInputs['job'];
    expect(cycleDue({ ...base, job: paused, runNow: true })).toMatchObject({ due: false, reason: 'paused' });
  });

  it('runs none while another process holds the job’s lease, unless that process is gone', () => {
    const lease = { owner: 'elsewhere:1:x', expiresAt: new Date(now.getTime() + minute).toISOString() };
    expect(cycleDue({ ...base, lease, runNow: true })).toMatchObject({ due: false, reason: 'leaseHeld' });
    expect(cycleDue({ ...base, lease, leaseOwnerGone: true, runNow: true })).toEqual({
      due: true,
      reason: 'runNow',
    });
    const expired = { ...lease, expiresAt: ago(1) };
    expect(cycleDue({ ...base, lease: expired, runNow: true })).toEqual({ due: true, reason: 'runNow' });
  });

  it('runs now for Graph start and for a pending allow-deletes', () => {
    expect(cycleDue({ ...base, runNow: true })).toEqual({ due: true, reason: 'runNow' });
    const allow = { ...base.job, allowDeletes: true } as DueInputs['job'];
    expect(cycleDue({ ...base, job: allow })).toEqual({ due: true, reason: 'allowDeletes' });
  });

  it('waits for a quarantine’s next attempt, then runs at once', () => {
    const waiting = {
      ...base.job,
      quarantine: { nextAttempt: new Date(now.getTime() + 5 * minute).toISOString() },
    };
    expect(cycleDue({ ...base, job: waiting as DueInputs['job'] })).toEqual({
      due: false,
      reason: 'quarantine',
      at: new Date(now.getTime() + 5 * minute),
    });
    const over = { ...base.job, quarantine: { nextAttempt: ago(1) } };
    expect(cycleDue({ ...base, job: over as DueInputs['job'] })).toEqual({
      due: true,
      reason: 'quarantineOver',
    });
  });
});

describe('the wait before a job whose worker was lost is queued again', () => {
  it('starts at 15 s and doubles per loss in a row', () => {
    expect([1, 2, 3, 4, 5].map(lostWorkerRetryMs)).toEqual([15_000, 30_000, 60_000, 120_000, 240_000]);
  });

  it('never passes 5 minutes, however many workers were lost (the queue’s own back-off would reach hours)', () => {
    expect(lostWorkerRetryMs(6)).toBe(5 * minute);
    expect(lostWorkerRetryMs(10)).toBe(5 * minute);
    expect(lostWorkerRetryMs(1000)).toBe(5 * minute);
  });
});
