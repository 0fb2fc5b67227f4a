/**
 * Runs every enabled job's cycles in this process: one `runSyncLoop` per job whose definition says
 * Provisioning Status On, each under the job's lease (so that two servers on one PostgreSQL database
 * never run a job twice). It looks at the stored definitions when asked (`refresh`, after an API
 * change) and every `pollMs` (changes made by `provisio jobs import` or another server), restarting a
 * job's loop when its definition's revision changes.
 *
 * Shutdown (`stop`) asks each loop to end after its current cycle and waits up to a deadline; a
 * cycle still running then is abandoned: its lease runs out, and the next start finds the cycle
 * `running`, marks it interrupted and resumes from the job's last watermark (engine
 * cycle/run-cycle.ts), so nothing is lost and nothing is done twice (docs/operations.md#shutdown).
 */
import {
  type Clock,
  type CycleProgress,
  type CycleReport,
  importRoles,
  newWorkerId,
  runSyncLoop,
  type SecretProvider,
  type StateStore,
} from '@provisio/engine';
import type { FastifyBaseLogger } from 'fastify';
import type { JobProgress, JobRuntime, SchedulerControl } from '../context.js';
import { countCycle, countUpstream, type Metrics } from '../metrics.js';

export interface SchedulerDeps {
  readonly store: StateStore;
  readonly clock: Clock;
  readonly logger: FastifyBaseLogger;
  readonly metrics: Metrics;
  readonly runtime: JobRuntime;
  readonly secrets: SecretProvider;
  /** How often stored definitions are looked at again (default 5 s). */
  readonly pollMs?: number;
  readonly workerId?: string;
}

export interface Scheduler extends SchedulerControl {
  start(): Promise<void>;
  /** Ends every loop; waits at most `deadlineMs` for running cycles. Resolves to the jobs abandoned. */
  stop(deadlineMs: number): Promise<string[]>;
  /** Jobs with a loop in this process. */
  running(): string[];
}

interface Loop {
  readonly revision: number;
  readonly controller: AbortController;
  readonly done: Promise<void>;
  progress: JobProgress | null;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const loops = new Map<string, Loop>();
  const workerId = deps.workerId ?? newWorkerId();
  const poll = new AbortController();
  let polling: Promise<void> | null = null;
  let stopping = false;
  // One refresh at a time: an API change and the poll must not start a job twice.
  let refreshing: Promise<void> = Promise.resolve();

  function launch(jobId: string, revision: number, definition: Parameters<JobRuntime['open']>[0]): void {
    const controller = new AbortController();
    const log = deps.logger.child({ jobId });
    const loop: Loop = { revision, controller, done: Promise.resolve(), progress: null };
    loops.set(jobId, loop);
    (loop as { done: Promise<void> }).done = (async () => {
      let opened: Awaited<ReturnType<JobRuntime['open']>> | undefined;
      try {
        opened = await deps.runtime.open(definition, deps.secrets, {
          onUpstreamResponse: countUpstream(deps.metrics),
        });
        const { config, deps: engine } = opened;
        log.info({ revision, interval: config.settings.interval }, 'job started');
        await runSyncLoop(engine, config, {
          signal: controller.signal,
          workerId,
          onCycleStart: () => {
            loop.progress = {
              cycleId: null,
              startedAt: deps.clock.now().toISOString(),
              phase: 'starting',
              done: 0,
              total: null,
            };
          },
          onProgress: (progress: CycleProgress) => {
            if (loop.progress !== null)
              loop.progress = {
                ...loop.progress,
                phase: progress.phase,
                done: progress.done,
                total: progress.total,
              };
          },
          onCycle: (report) => {
            loop.progress = null;
            recordCycle(jobId, report);
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
          },
          onError: (error) => {
            loop.progress = null;
            deps.metrics.cycles.inc({ job: jobId, result: 'failed' });
            log.warn({ err: error }, 'cycle failed; the next one retries from the same watermark');
          },
          onWait: (reason, until, detail) =>
            log.debug({ reason, until: until.toISOString(), detail }, 'no cycle now'),
          importRoles: async () => {
            const report = await importRoles(engine, config, 'provisio');
            log.info(
              { roles: report.definitions.length, collisions: report.collisions.length },
              'roles imported',
            );
          },
        });
      } catch (error) {
        log.error({ err: error }, 'job cannot run');
      } finally {
        loop.progress = null;
        await opened?.close().catch((error: unknown) => log.warn({ err: error }, 'closing the job failed'));
        if (loops.get(jobId) === loop) loops.delete(jobId);
      }
    })();
  }

  function recordCycle(jobId: string, report: CycleReport): void {
    const m = deps.metrics;
    countCycle(m, jobId, report);
    m.quarantined.set({ job: jobId }, report.quarantine ? 1 : 0);
    void deps.store
      .listEscrows(jobId)
      .then((escrows) => m.escrows.set({ job: jobId }, escrows.length))
      .catch(() => {});
  }

  async function halt(jobId: string): Promise<void> {
    const loop = loops.get(jobId);
    if (loop === undefined) return;
    loop.controller.abort();
    await loop.done;
  }

  async function reconcile(): Promise<void> {
    if (stopping) return;
    const records = await deps.store.listJobDefinitions();
    const wanted = new Map(
      records
        .filter((r) => r.definition.settings.provisioningStatus === 'on')
        .map((r) => [r.jobId, r] as const),
    );
    for (const [jobId, loop] of loops)
      if (wanted.get(jobId)?.revision !== loop.revision) {
        deps.logger.info({ jobId }, wanted.has(jobId) ? 'job definition changed: restarting' : 'job stopped');
        await halt(jobId);
      }
    for (const [jobId, record] of wanted)
      if (!loops.has(jobId) && !stopping) launch(jobId, record.revision, record.definition);
  }

  function refresh(): Promise<void> {
    refreshing = refreshing.then(reconcile, reconcile);
    return refreshing;
  }

  return {
    async start() {
      await refresh();
      const pollMs = deps.pollMs ?? 5000;
      polling = (async () => {
        while (!poll.signal.aborted) {
          await deps.clock.sleep(pollMs, poll.signal);
          if (poll.signal.aborted) break;
          await refresh().catch((error: unknown) =>
            deps.logger.warn({ err: error }, 'looking at the stored jobs failed'),
          );
        }
      })();
    },
    refresh,
    async runNow(jobId) {
      // The loop runs a cycle as soon as it starts: ending it and starting it again runs one now.
      refreshing = refreshing.then(() => halt(jobId));
      await refresh();
    },
    progress: (jobId) => loops.get(jobId)?.progress ?? null,
    running: () => [...loops.keys()].sort(),
    async stop(deadlineMs) {
      stopping = true;
      poll.abort();
      await polling;
      await refreshing.catch(() => {});
      for (const loop of loops.values()) loop.controller.abort();
      const pending = [...loops.entries()];
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      });
      const abandoned: string[] = [];
      await Promise.all(
        pending.map(async ([jobId, loop]) => {
          if ((await Promise.race([loop.done.then(() => 'done' as const), deadline])) === 'deadline')
            abandoned.push(jobId);
        }),
      );
      clearTimeout(timer);
      return abandoned.sort();
    },
  };
}
