/**
 * The job lease on the injected clock: a cycle longer than the lease keeps it (renewed while it
 * runs), another worker is refused meanwhile, and a worker that lost its lease is told before its
 * next write. The store is SQLite in memory: real SQL, no file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  holdLease,
  JobLeaseHeld,
  JobLeaseLost,
  leaseDurationMs,
  leaseRenewalMs,
  takeLease,
} from '../src/cycle/lease.js';
import type { StateStore } from '../src/ports/state.js';
import { openStateStore } from '../src/state/open.js';
import { FakeClock } from './support/fake-clock.js';

const intervalMs = 40 * 60_000;
const minute = 60_000;

describe('job lease', () => {
  let store: StateStore;
  let clock: FakeClock;

  beforeEach(async () => {
    store = await openStateStore('sqlite::memory:');
    await store.migrate();
    clock = new FakeClock('2026-01-05T08:00:00.000Z');
  });
  afterEach(async () => {
    await store.close();
  });

  it('lasts three intervals (at least 30 min) and is renewed every third of that, at most every 5 min', () => {
    expect(leaseDurationMs(intervalMs)).toBe(120 * minute);
    expect(leaseDurationMs(30_000)).toBe(30 * minute);
    expect(leaseRenewalMs(intervalMs)).toBe(5 * minute);
    expect(leaseRenewalMs(30_000)).toBe(5 * minute);
  });

  it('keeps the job through a cycle five times longer than the lease', async () => {
    const held = await holdLease({ store, clock }, 'job', 'worker-a', intervalMs);
    // Ten hours of cycle, against a two-hour lease.
    for (let elapsed = 0; elapsed < 10 * 60 * minute; elapsed += 15 * minute) {
      await clock.advance(15 * minute);
      held.check();
      await expect(takeLease(store, 'job', 'worker-b', clock.now(), intervalMs)).rejects.toBeInstanceOf(
        JobLeaseHeld,
      );
    }
    const holder = await store.acquireLease('job', 'probe', clock.now(), clock.now());
    expect(holder.owner).toBe('worker-a');
    expect(Date.parse(holder.expiresAt)).toBeGreaterThan(clock.now().getTime() + 100 * minute);
    await held.release(true);
    await takeLease(store, 'job', 'worker-b', clock.now(), intervalMs);
  });

  it('without renewal another worker takes the job once the lease expires', async () => {
    await takeLease(store, 'job', 'worker-a', clock.now(), intervalMs);
    await clock.advance(leaseDurationMs(intervalMs) + minute);
    await takeLease(store, 'job', 'worker-b', clock.now(), intervalMs);
  });

  it('tells a worker that lost its lease before its next write', async () => {
    const held = await holdLease({ store, clock }, 'job', 'worker-a', intervalMs);
    // Another worker took the job (here: its row was given up and taken).
    await store.releaseLease('job', 'worker-a');
    await takeLease(store, 'job', 'worker-b', clock.now(), intervalMs);
    await clock.advance(leaseRenewalMs(intervalMs));
    expect(() => held.check()).toThrow(JobLeaseLost);
    await held.release();
    expect(clock.pending).toBe(0);
  });

  it('stops renewing once released, and gives the lease up when asked', async () => {
    const held = await holdLease({ store, clock }, 'job', 'worker-a', intervalMs);
    await held.release();
    expect(clock.pending).toBe(0);
    // Kept until it expires…
    await expect(takeLease(store, 'job', 'worker-b', clock.now(), intervalMs)).rejects.toBeInstanceOf(
      JobLeaseHeld,
    );
    const again = await holdLease({ store, clock }, 'job', 'worker-a', intervalMs);
    await again.release(true);
    // …or given up.
    await takeLease(store, 'job', 'worker-b', clock.now(), intervalMs);
  });
});
