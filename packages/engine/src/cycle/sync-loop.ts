/**
 * `provisio sync`: cycles one after another, the first one initial (it rebuilds the target index and
 * re-reads the source), then incremental every `settings.interval`. A failed cycle does not stop the
 * loop: the next one retries from the same watermark. A paused job runs no cycle until it is resumed
 * (checked every interval); a quarantined job waits for its quarantine's next attempt.
 */
import type { Config } from '../config/load.js';
import { rolesImportDue } from '../roles/import-roles.js';
import { JobLeaseHeld, newLeaseOwner, takeLease } from './lease.js';
import {
  type CycleOptions,
  type CycleReport,
  type EngineDeps,
  type JobCache,
  quarantineOf,
  runCycle,
} from './run-cycle.js';

export interface SyncLoopOptions {
  /** Run one cycle and return (whatever the pause or quarantine state: it was asked for). */
  readonly once?: boolean;
  readonly signal?: AbortSignal;
  readonly onCycleStart?: (cycle: number) => void;
  readonly onCycle?: (report: CycleReport) => void;
  readonly onError?: (error: unknown) => void;
  /** Called when a cycle is not run now, with why and until when. */
  readonly onWait?: (reason: 'paused' | 'quarantine' | 'locked', until: Date, detail?: string) => void;
  /** This process's name in the job's lease (default: host, pid and a random suffix). */
  readonly leaseOwner?: string;
  readonly onProgress?: CycleOptions['onProgress'];
  readonly servicePrincipalName?: string;
  /** Runs before the first cycle when roles were never imported (see roles/import-roles.ts). */
  readonly importRoles?: () => Promise<void>;
}

export async function runSyncLoop(
  deps: EngineDeps,
  config: Config,
  options: SyncLoopOptions = {},
): Promise<CycleReport[]> {
  const cache: JobCache = { index: null };
  const reports: CycleReport[] = [];
  // Initial until one cycle has completed in this process (a failed first cycle reconciled nothing).
  let reconciled = false;
  let cycle = 0;
  const owner = options.leaseOwner ?? newLeaseOwner();
  const jobId = config.settings.jobId;
  // Renew the lease while a long cycle runs (only if this process holds it).
  let holding = false;
  const heartbeat = setInterval(() => {
    if (holding)
      takeLease(deps.store, jobId, owner, deps.clock.now(), config.settings.intervalMs).catch(() => {
        holding = false;
      });
  }, 5 * 60_000);
  heartbeat.unref();
  try {
    while (!options.signal?.aborted) {
      const job = await deps.store.getJob(config.settings.jobId);
      const now = deps.clock.now();
      if (!options.once && job?.status === 'Paused') {
        const until = new Date(now.getTime() + config.settings.intervalMs);
        options.onWait?.('paused', until);
        await deps.clock.sleep(config.settings.intervalMs, options.signal);
        continue;
      }
      const quarantine = job ? quarantineOf(job) : null;
      if (!options.once && quarantine && Date.parse(quarantine.nextAttempt) > now.getTime()) {
        const until = new Date(
          Math.min(Date.parse(quarantine.nextAttempt), now.getTime() + config.settings.intervalMs),
        );
        options.onWait?.('quarantine', new Date(quarantine.nextAttempt));
        // Wake at least every interval, so that resume/restart from another process are seen.
        await deps.clock.sleep(until.getTime() - now.getTime(), options.signal);
        continue;
      }
      // One worker per job: run only while holding the job's lease.
      try {
        await takeLease(deps.store, jobId, owner, now, config.settings.intervalMs);
      } catch (error) {
        if (!(error instanceof JobLeaseHeld) || options.once) throw error;
        options.onWait?.('locked', new Date(error.expiresAt), error.holder);
        await deps.clock.sleep(config.settings.intervalMs, options.signal);
        continue;
      }
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
          forceInitial: !reconciled,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          ...(options.servicePrincipalName ? { servicePrincipalName: options.servicePrincipalName } : {}),
        });
        reports.push(report);
        reconciled = true;
        options.onCycle?.(report);
      } catch (error) {
        // The cycle is recorded as failed in the store; the index may be stale: rebuild it next time.
        cache.index = null;
        if (options.once) throw error;
        options.onError?.(error);
      }
      if (options.once) break;
      await deps.clock.sleep(config.settings.intervalMs, options.signal);
    }
  } finally {
    clearInterval(heartbeat);
    await deps.store.releaseLease(jobId, owner).catch(() => {});
  }
  return reports;
}
