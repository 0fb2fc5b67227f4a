/**
 * One worker per job at a time (docs/provisioning.md, "One worker per job"): a worker runs a job's
 * cycles only while it holds the job's lease in the state store, taken atomically before each cycle
 * and renewed on the injected clock while the cycle runs, so a cycle longer than the lease keeps it.
 * A lease lasts 30 minutes or three intervals, whichever is longer; a worker that died frees the job
 * when its lease expires, or at once when it was a process of this machine whose pid is gone.
 *
 * Owners are worker ids: `host:pid:random` names one loop of one process (a CLI `sync`, or one of
 * the many job loops of a server), so two loops in one process never share a lease.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../ports/clock.js';
import type { StateStore } from '../ports/state.js';

export const leaseMinimumMs = 30 * 60_000;

export function leaseDurationMs(intervalMs: number): number {
  return Math.max(leaseMinimumMs, 3 * intervalMs);
}

/** How often a held lease is renewed: a third of its duration, at most every 5 minutes. */
export function leaseRenewalMs(intervalMs: number): number {
  return Math.min(5 * 60_000, Math.floor(leaseDurationMs(intervalMs) / 3));
}

/** A new worker id: host, pid and a random suffix. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

export class JobLeaseHeld extends Error {
  readonly code = 'JobLeaseHeld';
  readonly holder: string;
  readonly expiresAt: string;
  constructor(jobId: string, holder: string, expiresAt: string) {
    super(
      `another provisio worker (${holder}) runs the cycles of job ${jobId} (its lease lasts until ${expiresAt}); ` +
        'stop it first, or wait: a lease ends by itself when its worker stops renewing it',
    );
    this.name = 'JobLeaseHeld';
    this.holder = holder;
    this.expiresAt = expiresAt;
  }
}

/** A worker lost its job's lease while a cycle ran (another worker took it): it stops writing. */
export class JobLeaseLost extends Error {
  readonly code = 'JobLeaseLost';
  constructor(jobId: string, reason: string) {
    super(
      `the lease of job ${jobId} was lost during the cycle (${reason}); the cycle stopped before its next write`,
    );
    this.name = 'JobLeaseLost';
  }
}

/**
 * Whether a lease owner is a process of this machine that no longer runs (killed, crashed): its
 * lease can be taken over at once instead of waiting for it to expire.
 */
export function isDeadLocalOwner(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Takes (or renews) the job's lease for `owner`, or throws JobLeaseHeld naming who has it. */
export async function takeLease(
  store: StateStore,
  jobId: string,
  owner: string,
  now: Date,
  intervalMs: number,
): Promise<void> {
  const until = new Date(now.getTime() + leaseDurationMs(intervalMs));
  let holder = await store.acquireLease(jobId, owner, now, until);
  if (holder.owner !== owner && isDeadLocalOwner(holder.owner)) {
    // Its process is gone: treat its lease as expired (atomically: if someone else took it
    // meanwhile, they keep it).
    holder = await store.acquireLease(jobId, owner, new Date(Date.parse(holder.expiresAt) + 1), until);
  }
  if (holder.owner !== owner) throw new JobLeaseHeld(jobId, holder.owner, holder.expiresAt);
}

/** A lease held for the length of a cycle, renewed on the clock until `release`. */
export interface HeldLease {
  /** Throws JobLeaseLost once a renewal failed (another worker holds the job now). */
  check(): void;
  /** Stops renewing; gives the lease up when `giveUp` (the worker stops), else keeps it until it expires. */
  release(giveUp?: boolean): Promise<void>;
}

/**
 * Takes the job's lease (throws JobLeaseHeld when another worker has it) and keeps renewing it every
 * `leaseRenewalMs` on `clock` until released.
 */
export async function holdLease(
  deps: { readonly store: StateStore; readonly clock: Clock },
  jobId: string,
  owner: string,
  intervalMs: number,
): Promise<HeldLease> {
  const { store, clock } = deps;
  await takeLease(store, jobId, owner, clock.now(), intervalMs);
  const stop = new AbortController();
  let lost: string | null = null;
  const renewing = (async () => {
    while (!stop.signal.aborted) {
      await clock.sleep(leaseRenewalMs(intervalMs), stop.signal);
      if (stop.signal.aborted) return;
      try {
        await takeLease(store, jobId, owner, clock.now(), intervalMs);
      } catch (error) {
        lost = error instanceof Error ? error.message : String(error);
        return;
      }
    }
  })();
  return {
    check() {
      if (lost !== null) throw new JobLeaseLost(jobId, lost);
    },
    async release(giveUp = false) {
      stop.abort();
      await renewing;
      if (giveUp) await store.releaseLease(jobId, owner).catch(() => {});
    },
  };
}
