/**
 * `provisio worker` without its wiring (docs/operations.md#workers): `concurrency` slots, each taking
 * one cycle request at a time from the queue (cycle-queue.ts), running ONE cycle of the job with the
 * engine's `runSyncLoop({ once: true })` (under the job's lease, the first role import included;
 * a paused job runs none), and completing the request. Any number of workers on any number of
 * machines share one queue.
 *
 * - The job's lease is held by another worker (`JobLeaseHeld`): the request is failed, and the queue
 *   retries it after a delay (its previous worker may be gone: its lease runs out).
 * - The cycle failed: it is recorded as failed in the store, and the request completes (the next
 *   scheduled cycle retries from the same watermark, as in-process).
 * - The job was deleted or turned off meanwhile: the request completes without a cycle.
 *
 * `stop` stops taking requests and gives the running cycles a deadline; a cycle still running then
 * is abandoned as a crash would be: its request is retried once its lease has run out.
 */
import {
  type Clock,
  type CycleReport,
  importRoles,
  JobLeaseHeld,
  type MirrorCache,
  newMirrorCache,
  newWorkerId,
  runSyncLoop,
  type SecretProvider,
  type StateStore,
} from '@provisio/engine';
import type { FastifyBaseLogger } from 'fastify';
import type { JobRuntime } from '../context.js';
import { countCycle, countUpstream, type Metrics } from '../metrics.js';
import type { CycleOutcome, CycleQueue, TakenCycle } from './cycle-queue.js';

export interface CycleWorkerDeps {
  readonly store: StateStore;
  readonly clock: Clock;
  readonly logger: FastifyBaseLogger;
  readonly runtime: JobRuntime;
  readonly secrets: SecretProvider;
  readonly queue: CycleQueue;
  /** Cycles run at once by this process (default 1). */
  readonly concurrency?: number;
  /** How long an idle slot waits before asking the queue again (default 2 s). */
  readonly pollMs?: number;
  /** This process's worker id prefix in job leases (default host:pid:random). */
  readonly workerId?: string;
  /** Jobs whose target mirror this process keeps in memory between their cycles (default 32). */
  readonly cachedJobs?: number;
  /** Told of every cycle this worker finished. */
  readonly onCycle?: (jobId: string, report: CycleReport) => void;
  /**
   * Counts the cycles this worker runs and their upstream requests (`provisio worker --metrics-port`).
   * The job-state gauges are left to `serve`, which reads them from the store.
   */
  readonly metrics?: Metrics;
}

export interface CycleWorker {
  start(): void;
  /** Stops taking cycles; waits at most `deadlineMs` for running ones. Resolves to the jobs abandoned. */
  stop(deadlineMs: number): Promise<string[]>;
  /** Jobs whose cycle runs in this process now. */
  running(): string[];
}

export function createCycleWorker(deps: CycleWorkerDeps): CycleWorker {
  const concurrency = Math.max(1, deps.concurrency ?? 1);
  const base = deps.workerId ?? newWorkerId();
  const stopping = new AbortController();
  const running = new Map<number, string>();
  // The target mirrors of the jobs this worker ran last, newest last (an optimisation: a cycle uses
  // one only while the job's mirror version in the store is still the one it left, engine
  // cycle/target-mirror.ts); the oldest is dropped beyond `cachedJobs`.
  const caches = new Map<string, MirrorCache>();
  const cacheFor = (jobId: string): MirrorCache => {
    const cache = caches.get(jobId) ?? newMirrorCache();
    caches.delete(jobId);
    caches.set(jobId, cache);
    for (const oldest of caches.keys()) {
      if (caches.size <= Math.max(1, deps.cachedJobs ?? 32)) break;
      caches.delete(oldest);
    }
    return cache;
  };
  let slots: Promise<void>[] = [];

  async function run(slot: number, taken: TakenCycle): Promise<CycleOutcome> {
    const { jobId } = taken.request;
    const log = deps.logger.child({ jobId, request: taken.id });
    const record = await deps.store.getJobDefinition(jobId);
    if (record === null || record.definition.settings.provisioningStatus !== 'on') {
      log.info('job deleted or turned off since the cycle was queued: no cycle');
      return { cycle: 'none', reason: record === null ? 'deleted' : 'off' };
    }
    const opened = await deps.runtime.open(
      record.definition,
      deps.secrets,
      deps.metrics === undefined ? {} : { onUpstreamResponse: countUpstream(deps.metrics) },
    );
    try {
      const { config, deps: engine } = opened;
      const reports = await runSyncLoop(engine, config, {
        once: true,
        cache: cacheFor(jobId),
        // One lease owner per slot: two slots of a process never share a job's lease.
        workerId: `${base}-${slot}`,
        importRoles: async () => {
          const roles = await importRoles(engine, config, 'provisio');
          log.info(
            { roles: roles.definitions.length, collisions: roles.collisions.length },
            'roles imported',
          );
        },
      });
      const [report] = reports;
      if (report === undefined) {
        log.info('job paused: no cycle');
        return { cycle: 'none', reason: 'paused' };
      }
      if (deps.metrics !== undefined) countCycle(deps.metrics, jobId, report);
      deps.onCycle?.(jobId, report);
      log.info(
        {
          cycleId: report.cycleId,
          kind: report.kind,
          state: report.state,
          durationMs: report.durationMs,
          counts: report.counts,
        },
        'cycle finished',
      );
      return { cycle: report.cycleId, kind: report.kind, state: report.state };
    } finally {
      await opened.close().catch((error: unknown) => log.warn({ err: error }, 'closing the job failed'));
    }
  }

  async function handle(slot: number, taken: TakenCycle): Promise<void> {
    const { jobId } = taken.request;
    const log = deps.logger.child({ jobId, request: taken.id });
    running.set(slot, jobId);
    try {
      const outcome = await run(slot, taken);
      await deps.queue.complete(taken.id, outcome);
    } catch (error) {
      if (error instanceof JobLeaseHeld) {
        log.info(
          { holder: error.holder, until: error.expiresAt },
          'another worker holds the job: the queue retries this cycle later',
        );
        await deps.queue.fail(taken.id, {
          error: 'JobLeaseHeld',
          holder: error.holder,
          until: error.expiresAt,
        });
        return;
      }
      // The cycle is recorded as failed in the store; the next scheduled one starts from the same watermark.
      log.warn({ err: error }, 'cycle failed; the next one retries from the same watermark');
      deps.metrics?.cycles.inc({ job: jobId, result: 'failed' });
      const code = (error as { code?: unknown }).code;
      await deps.queue.complete(taken.id, {
        cycle: 'failed',
        error: typeof code === 'string' ? code : error instanceof Error ? error.name : 'Error',
      });
    } finally {
      running.delete(slot);
    }
  }

  async function slotLoop(slot: number): Promise<void> {
    while (!stopping.signal.aborted) {
      let taken: TakenCycle | null = null;
      try {
        taken = await deps.queue.take();
      } catch (error) {
        deps.logger.warn({ err: error }, 'taking a cycle from the queue failed');
      }
      if (taken === null) {
        await deps.clock.sleep(deps.pollMs ?? 2000, stopping.signal);
        continue;
      }
      await handle(slot, taken).catch((error: unknown) =>
        deps.logger.error({ err: error, request: taken.id }, 'recording the cycle in the queue failed'),
      );
    }
  }

  return {
    start() {
      deps.logger.info({ concurrency, workerId: base }, 'worker started: taking cycles from the queue');
      slots = Array.from({ length: concurrency }, (_, slot) => slotLoop(slot));
    },
    running: () => [...running.values()].sort(),
    async stop(deadlineMs) {
      stopping.abort();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      });
      const finished = await Promise.race([Promise.all(slots).then(() => 'done' as const), deadline]);
      clearTimeout(timer);
      return finished === 'done' ? [] : [...running.values()].sort();
    },
  };
}
