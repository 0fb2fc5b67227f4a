/**
 * When a job's next cycle is due, for the queue scheduler (queue-scheduler.ts), from what the state
 * store says rather than from a loop's memory: the same rules as the in-process loop
 * (engine cycle/sync-loop.ts, docs/operations.md#the-schedule), the idle back-off included (engine
 * cycle/quiet.ts: the quiet streak is the last cycle record's). Pure: every input is given.
 */
import { nextCycleWaitMs } from '@provisio/engine';

export interface DueInputs {
  readonly now: Date;
  readonly intervalMs: number;
  /** The idle back-off's longest wait (settings.idleInterval, defaulted). */
  readonly idleIntervalMs: number;
  /** Quiet cycles in a row ending with the job's last finished one (engine `quietStreak`). */
  readonly quietStreak: number;
  /** The job's state: paused, quarantined, allow-deletes pending (null: it never ran). */
  readonly job: {
    readonly status: string;
    readonly allowDeletes: boolean;
    readonly quarantine: { readonly nextAttempt: string } | null;
  } | null;
  /** When the job's last finished cycle ended (null: none finished yet). */
  readonly lastCycleEndedAt: string | null;
  /** When the queue last finished a cycle request of this job without a cycle (e.g. it could not run). */
  readonly lastAttemptAt: Date | null;
  /** The job's lease, if held: a cycle runs elsewhere until it is released or expires. */
  readonly lease: { readonly owner: string; readonly expiresAt: string } | null;
  /** Whether the lease's owner is known to be gone (a process of this machine that no longer runs). */
  readonly leaseOwnerGone: boolean;
  /** Graph `start` or Provisioning Status On asked for a cycle now. */
  readonly runNow: boolean;
}

export type Due =
  | {
      readonly due: true;
      readonly reason: 'runNow' | 'allowDeletes' | 'firstCycle' | 'interval' | 'quarantineOver';
    }
  | {
      readonly due: false;
      readonly reason: 'paused' | 'quarantine' | 'leaseHeld' | 'interval';
      readonly at: Date | null;
    };

export function cycleDue(input: DueInputs): Due {
  const now = input.now.getTime();
  const { job, lease } = input;
  if (job?.status === 'Paused') return { due: false, reason: 'paused', at: null };
  if (lease !== null && !input.leaseOwnerGone && Date.parse(lease.expiresAt) > now)
    return { due: false, reason: 'leaseHeld', at: new Date(lease.expiresAt) };
  if (input.runNow) return { due: true, reason: 'runNow' };
  if (job?.allowDeletes) return { due: true, reason: 'allowDeletes' };
  if (job?.quarantine) {
    const next = Date.parse(job.quarantine.nextAttempt);
    if (next > now) return { due: false, reason: 'quarantine', at: new Date(next) };
    return { due: true, reason: 'quarantineOver' };
  }
  const last = Math.max(
    input.lastCycleEndedAt === null ? Number.NEGATIVE_INFINITY : Date.parse(input.lastCycleEndedAt),
    input.lastAttemptAt?.getTime() ?? Number.NEGATIVE_INFINITY,
  );
  if (last === Number.NEGATIVE_INFINITY) return { due: true, reason: 'firstCycle' };
  // A request that ended without a cycle is retried after the interval; a cycle, after its wait.
  const wait =
    input.lastCycleEndedAt !== null && last === Date.parse(input.lastCycleEndedAt)
      ? nextCycleWaitMs(input.intervalMs, input.idleIntervalMs, input.quietStreak)
      : input.intervalMs;
  const at = last + wait;
  if (at <= now) return { due: true, reason: 'interval' };
  return { due: false, reason: 'interval', at: new Date(at) };
}

/** The wait before the first new request for a job whose worker was lost; it doubles per loss in a row. */
export const LOST_WORKER_RETRY_MS = 15_000;
/** The longest wait, however many workers in a row were lost on the job's cycles. */
export const LOST_WORKER_RETRY_MAX_MS = 5 * 60_000;

/**
 * How long the queue scheduler waits before it queues a job's cycle again after losing the worker of
 * its `losses`-th request in a row (1, 2, …): 15 s, doubling, at most 5 minutes. A worker killed in a
 * rolling restart is not the job's fault, so the wait stays short; a job whose cycle crashes every
 * worker that runs it (out of memory, say) still cannot take the workers over.
 */
export function lostWorkerRetryMs(losses: number): number {
  const doublings = Math.max(0, Math.min(30, losses - 1));
  return Math.min(LOST_WORKER_RETRY_MAX_MS, LOST_WORKER_RETRY_MS * 2 ** doublings);
}
