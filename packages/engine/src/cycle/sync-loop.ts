/**
 * `provisio sync`: a job's cycles one after another, every `settings.interval`, or longer while the
 * job is idle (the back-off of cycle/quiet.ts, up to `settings.idleInterval`; a quiet cycle after a
 * quiet one replaces its record in the store rather than adding one). Whether a cycle is
 * initial or incremental is the job's state in the store (see `nextCycleKind`), not this process's
 * history. A failed cycle does not stop the loop: the next one retries from the same watermark. A
 * paused job runs no cycle until it is resumed (checked every interval), also with `once` unless
 * `force`; a quarantined job waits for its quarantine's next attempt. Each cycle runs under the job's
 * lease, renewed while it runs. While it waits (the interval, or a quarantine's back-off), the loop
 * looks for a pending `allow-deletes` every `allowDeletesPollMs` and then runs its cycle at once,
 * quarantined or not (docs/provisioning.md, "npx provisio allow-deletes").
 */
import type { Config } from '../config/load.js';
import type { EngineDeps } from '../ports/engine.js';
import type { StateStore } from '../ports/state.js';
import { rolesImportDue } from '../roles/import-roles.js';
import { holdLease, JobLeaseHeld, newWorkerId } from './lease.js';
import { foldedCounts, isQuietCycle, nextCycleWaitMs, quietStreak } from './quiet.js';
import { type CycleOptions, type CycleReport, runCycle } from './run-cycle.js';
import { type MirrorCache, newMirrorCache } from './target-mirror.js';

/** How often a waiting loop looks for a pending allow-deletes. */
export const allowDeletesPollMs = 60_000;

/**
 * Sleeps `ms` in steps of at most `allowDeletesPollMs`, returning early when allow-deletes is pending
 * or `signal` aborts. Counts its steps rather than reading the clock, so an injected clock whose
 * time does not move still ends.
 */
async function waitUnlessAllowed(
  deps: EngineDeps,
  jobId: string,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const steps = Math.max(1, Math.ceil(ms / allowDeletesPollMs));
  for (let step = 0; step < steps && !signal?.aborted; step++) {
    await deps.clock.sleep(Math.min(allowDeletesPollMs, ms - step * allowDeletesPollMs), signal);
    if (signal?.aborted || (await deps.store.getJob(jobId))?.allowDeletes) return;
  }
}

export interface SyncLoopOptions {
  /** Run one cycle and return. A paused job runs none (see `force`); a quarantine is not waited for. */
  readonly once?: boolean;
  /** With `once`: run the cycle even when the job is paused. */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  readonly onCycleStart?: (cycle: number) => void;
  /** A cycle finished; `next` says how long the loop waits now and why (cycle/quiet.ts). */
  readonly onCycle?: (report: CycleReport, next: NextCycle) => void;
  readonly onError?: (error: unknown) => void;
  /** Called when a cycle is not run now, with why and until when. */
  readonly onWait?: (reason: 'paused' | 'quarantine' | 'locked', until: Date, detail?: string) => void;
  /** This loop's worker id in the job's lease (default: host, pid and a random suffix). */
  readonly workerId?: string;
  readonly onProgress?: CycleOptions['onProgress'];
  readonly servicePrincipalName?: string;
  /**
   * The target mirror kept in memory between cycles (default: a new one for this loop). A worker
   * that runs one cycle per loop passes the one it kept for the job, so that its next cycle of the
   * same job does not read the mirror from the store again while no one else wrote it.
   */
  readonly cache?: MirrorCache;
  /** Runs before the first cycle when roles were never imported (see roles/import-roles.ts). */
  readonly importRoles?: () => Promise<void>;
}

/** What the loop does after a cycle. */
export interface NextCycle {
  /** The wait before the next cycle: the interval, or longer when the job is idle. */
  readonly waitMs: number;
  /** Quiet cycles in a row, this one included (0: this cycle did something). */
  readonly quietStreak: number;
}

/**
 * Folds the job's finished cycle `cycleId` into the record before it when both were quiet
 * (cycle/quiet.ts): one record stands for the streak, with the last cycle's times and id and
 * `counts.quietRepeats`. Returns the quiet streak that ends with this cycle (0: it was not quiet).
 */
export async function foldQuietCycle(store: StateStore, jobId: string, cycleId: string): Promise<number> {
  const [latest, previous] = await store.listCycles(jobId, 2);
  if (latest?.cycleId !== cycleId || !isQuietCycle(latest)) return 0;
  if (previous === undefined || !isQuietCycle(previous)) return quietStreak(latest);
  const folded = { ...latest, counts: foldedCounts(latest.counts, previous.counts) };
  await store.replaceCycle(previous.cycleId, folded);
  return quietStreak(folded);
}

export async function runSyncLoop(
  deps: EngineDeps,
  config: Config,
  options: SyncLoopOptions = {},
): Promise<CycleReport[]> {
  const reports: CycleReport[] = [];
  // The target mirror between this loop's cycles: an optimisation, checked against the store.
  const cache = options.cache ?? newMirrorCache();
  let cycle = 0;
  const owner = options.workerId ?? newWorkerId();
  const jobId = config.settings.jobId;
  const intervalMs = config.settings.intervalMs;
  const idleIntervalMs = config.settings.idleIntervalMs;
  try {
    while (!options.signal?.aborted) {
      const job = await deps.store.getJob(jobId);
      const now = deps.clock.now();
      if (job?.status === 'Paused' && !(options.once && options.force)) {
        options.onWait?.('paused', new Date(now.getTime() + intervalMs));
        if (options.once) break;
        await deps.clock.sleep(intervalMs, options.signal);
        continue;
      }
      const quarantine = job?.quarantine ?? null;
      if (
        !options.once &&
        quarantine &&
        !job?.allowDeletes &&
        Date.parse(quarantine.nextAttempt) > now.getTime()
      ) {
        const until = Math.min(Date.parse(quarantine.nextAttempt), now.getTime() + intervalMs);
        options.onWait?.('quarantine', new Date(quarantine.nextAttempt));
        // Wake at least every interval, so that resume/restart from another process are seen.
        await waitUnlessAllowed(deps, jobId, until - now.getTime(), options.signal);
        continue;
      }
      // One worker per job: run only while holding the job's lease.
      let lease: Awaited<ReturnType<typeof holdLease>>;
      try {
        lease = await holdLease(deps, jobId, owner, intervalMs);
      } catch (error) {
        if (!(error instanceof JobLeaseHeld) || options.once) throw error;
        options.onWait?.('locked', new Date(error.expiresAt), error.holder);
        await deps.clock.sleep(intervalMs, options.signal);
        continue;
      }
      let waitMs = intervalMs;
      try {
        cycle++;
        if (cycle === 1 && options.importRoles && (job === null || rolesImportDue(job))) {
          try {
            await options.importRoles();
          } catch (error) {
            options.onError?.(error);
          }
        }
        options.onCycleStart?.(cycle);
        try {
          const report = await runCycle(deps, config, {
            cache,
            checkLease: () => lease.check(),
            ...(options.onProgress ? { onProgress: options.onProgress } : {}),
            ...(options.servicePrincipalName ? { servicePrincipalName: options.servicePrincipalName } : {}),
          });
          reports.push(report);
          let streak = 0;
          if (isQuietCycle(report))
            try {
              streak = await foldQuietCycle(deps.store, jobId, report.cycleId);
            } catch (error) {
              // The record stays as the cycle saved it; the wait starts again at the interval.
              options.onError?.(error);
            }
          waitMs = nextCycleWaitMs(intervalMs, idleIntervalMs, streak);
          options.onCycle?.(report, { waitMs, quietStreak: streak });
        } catch (error) {
          // The cycle is recorded as failed in the store; the next one starts from the same watermark.
          if (options.once) throw error;
          options.onError?.(error);
        }
      } finally {
        await lease.release();
      }
      if (options.once) break;
      await waitUnlessAllowed(deps, jobId, waitMs, options.signal);
    }
  } finally {
    await deps.store.releaseLease(jobId, owner).catch(() => {});
  }
  return reports;
}
