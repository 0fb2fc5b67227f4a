/**
 * One worker per job at a time (design §6): a process runs a job's cycles only while it holds the
 * job's lease in the state store, taken and renewed atomically before each cycle. A lease lasts
 * 30 minutes or three intervals, whichever is longer, and is renewed before each cycle and every
 * 5 minutes while a sync runs; a worker that died frees the job by itself when its lease expires, or
 * at once when it was a process of this machine (its pid is gone).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { StateStore } from '../ports/state.js';

export const leaseMinimumMs = 30 * 60_000;

export function leaseDurationMs(intervalMs: number): number {
  return Math.max(leaseMinimumMs, 3 * intervalMs);
}

/** This process's name in leases: host, pid and a random suffix. */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

export class JobLeaseHeld extends Error {
  readonly code = 'JobLeaseHeld';
  readonly holder: string;
  readonly expiresAt: string;
  constructor(jobId: string, holder: string, expiresAt: string) {
    super(
      `another provisio process (${holder}) runs the cycles of job ${jobId} (its lease lasts until ${expiresAt}); ` +
        'stop it first, or wait: a lease ends by itself when its process stops renewing it',
    );
    this.name = 'JobLeaseHeld';
    this.holder = holder;
    this.expiresAt = expiresAt;
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

/** Takes the job's lease for `owner`, or throws JobLeaseHeld naming who has it. */
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
