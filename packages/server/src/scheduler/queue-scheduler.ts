/**
 * The scheduler of `provisio serve --workers external` (docs/operations.md#workers): it runs no
 * cycle itself. Every `pollMs` at most, sooner when a job is due sooner (and on `refresh`, after an
 * API change) it looks at each enabled job
 * and, when its next cycle is due (due.ts: its interval since the last cycle ended, a quarantine's
 * next attempt, a pending allow-deletes, or `runNow`), puts one cycle request in the queue
 * (cycle-queue.ts) for a `provisio worker` to run. A job has at most one request waiting or running:
 * the queue refuses a second waiting one, and this scheduler puts none in while one runs.
 *
 * It also watches the cycles it queued: a request still `running` after `orphanGraceMs` whose job
 * lease is free, expired, or held by a process of this machine that is gone, lost its worker (killed,
 * crashed); it is completed as lost, and a new request for the job is queued after a short wait that
 * doubles per loss in a row, at most 5 minutes (due.ts `lostWorkerRetryMs`: the queue's own retry
 * back-off would keep doubling to hours, a penalty for workers' deaths rather than the job's). The
 * new worker's cycle finds the interrupted one `running` in the store, records it as interrupted and
 * runs an initial cycle that matches what already exists in the target (engine cycle/run-cycle.ts).
 * A request queued by an earlier `serve` is not watched: the queue's own expiry (the job's lease
 * duration) frees it.
 *
 * `progress(jobId)` comes from the store: the job's cycle recorded `running`, with its start time
 * (a worker's counters are not shared live; they reach the store when the cycle ends).
 */
import {
  type Clock,
  DEFAULT_INTERVAL,
  idleIntervalMs,
  isDeadLocalOwner,
  leaseDurationMs,
  parseDuration,
  quietStreak,
  type StateStore,
} from '@provisio/engine';
import type { FastifyBaseLogger } from 'fastify';
import type { JobProgress } from '../context.js';
import type { CycleQueue, QueuedCycle } from './cycle-queue.js';
import { cycleDue, lostWorkerRetryMs } from './due.js';
import type { Scheduler } from './scheduler.js';

export interface QueueSchedulerDeps {
  readonly store: StateStore;
  readonly clock: Clock;
  readonly logger: FastifyBaseLogger;
  readonly queue: CycleQueue;
  /**
   * The longest wait between two looks at the jobs (default 5 s). The scheduler looks sooner when a
   * job's next cycle is due sooner (its interval may be 5 s) and every `followMs` while a request of
   * its waits or runs, so that the next one is queued as soon as it is due.
   */
  readonly pollMs?: number;
  /** How often a queued or running request is looked at (default 1 s). */
  readonly followMs?: number;
  /** How long a taken cycle may run without its worker holding the job's lease (default 60 s). */
  readonly orphanGraceMs?: number;
}

interface Tracked {
  /** The queued request this scheduler put in, while it has not finished. */
  pending: string | null;
  /** When a request of this job last finished (any outcome). */
  lastFinishedAt: Date | null;
  runNow: boolean;
  progress: JobProgress | null;
  /** Requests of this job in a row whose worker was lost (reset when one ends otherwise). */
  lost: number;
  /** After a lost worker: when the job's cycle is queued again, whatever its interval says. */
  resumeAt: Date | null;
}

const activeStates = new Set<QueuedCycle['state']>(['queued', 'retry', 'running']);

export function createQueueScheduler(deps: QueueSchedulerDeps): Scheduler {
  const jobs = new Map<string, Tracked>();
  const poll = new AbortController();
  const orphanGraceMs = deps.orphanGraceMs ?? 60_000;
  let polling: Promise<void> | null = null;
  let stopping = false;
  let ticking: Promise<void> = Promise.resolve();
  const followMs = deps.followMs ?? 1000;
  /** When a job next needs a look (epoch ms), from the last tick. */
  let nextLook = Number.POSITIVE_INFINITY;
  const lookAt = (at: number) => {
    nextLook = Math.min(nextLook, at);
  };

  const tracked = (jobId: string): Tracked => {
    let entry = jobs.get(jobId);
    if (entry === undefined) {
      entry = { pending: null, lastFinishedAt: null, runNow: false, progress: null, lost: 0, resumeAt: null };
      jobs.set(jobId, entry);
    }
    return entry;
  };

  /** Follows the job's queued request; true while it waits or runs. */
  async function follow(jobId: string, entry: Tracked): Promise<boolean> {
    if (entry.pending === null) return false;
    const queued = await deps.queue.inspect(entry.pending);
    if (queued !== null && activeStates.has(queued.state)) {
      if (queued.state === 'running') return !(await watchOrphan(jobId, entry, queued));
      return true;
    }
    entry.pending = null;
    entry.lastFinishedAt = queued?.finishedAt ?? deps.clock.now();
    entry.lost = 0;
    return false;
  }

  /** True when the request lost its worker: it is then completed as lost and the job's retry set. */
  async function watchOrphan(jobId: string, entry: Tracked, queued: QueuedCycle): Promise<boolean> {
    const now = deps.clock.now().getTime();
    if (queued.startedAt === null || now - queued.startedAt.getTime() < orphanGraceMs) return false;
    const lease = await deps.store.getLease(jobId);
    const held = lease !== null && Date.parse(lease.expiresAt) > now && !isDeadLocalOwner(lease.owner);
    if (held) return false;
    // Read again: a worker that just finished releases the lease before it completes the request.
    const again = await deps.queue.inspect(queued.id);
    if (again?.state !== 'running') return false;
    const waitMs = lostWorkerRetryMs(entry.lost + 1);
    deps.logger.warn(
      { jobId, request: queued.id, leaseOwner: lease?.owner ?? null, retryInSeconds: waitMs / 1000 },
      'the worker running this cycle is gone: the cycle goes to another worker',
    );
    await deps.queue.complete(queued.id, { error: 'worker gone', leaseOwner: lease?.owner ?? null });
    entry.pending = null;
    entry.lost += 1;
    entry.resumeAt = new Date(now + waitMs);
    return true;
  }

  async function considerJob(jobId: string, intervalMs: number, idleMs: number): Promise<void> {
    const entry = tracked(jobId);
    const cycles = await deps.store.listCycles(jobId, 5);
    const running = cycles.find((cycle) => cycle.state === 'running');
    entry.progress =
      running === undefined
        ? null
        : { cycleId: running.cycleId, startedAt: running.startedAt, phase: 'running', done: 0, total: null };
    if (await follow(jobId, entry)) {
      lookAt(deps.clock.now().getTime() + followMs);
      return;
    }
    // A lost worker's job waits its retry delay, then is due whatever its interval says.
    const resuming = entry.resumeAt !== null;
    if (resuming && !entry.runNow && deps.clock.now() < (entry.resumeAt as Date)) {
      lookAt((entry.resumeAt as Date).getTime());
      return;
    }
    const [job, lease] = await Promise.all([deps.store.getJob(jobId), deps.store.getLease(jobId)]);
    const last = cycles.find((cycle) => cycle.endedAt !== null);
    const due = cycleDue({
      now: deps.clock.now(),
      intervalMs,
      idleIntervalMs: idleMs,
      // The worker folds quiet cycles into one record (engine cycle/sync-loop.ts): its count is the streak.
      quietStreak: quietStreak(last),
      job,
      lastCycleEndedAt: last?.endedAt ?? null,
      lastAttemptAt: entry.lastFinishedAt,
      lease,
      leaseOwnerGone: lease !== null && isDeadLocalOwner(lease.owner),
      runNow: entry.runNow || resuming,
    });
    if (!due.due) {
      if (due.at !== null) lookAt(due.at.getTime());
      return;
    }
    const id = await deps.queue.enqueue(
      { jobId, reason: entry.runNow ? 'runNow' : 'schedule' },
      // A request that outlives the job's lease lost its worker: the queue hands it out again.
      { expireInSeconds: leaseDurationMs(intervalMs) / 1000 },
    );
    entry.runNow = false;
    entry.resumeAt = null;
    if (id !== null) {
      entry.pending = id;
      lookAt(deps.clock.now().getTime() + followMs);
      deps.logger.debug({ jobId, request: id, reason: due.reason }, 'cycle queued');
    }
  }

  async function tick(): Promise<void> {
    if (stopping) return;
    nextLook = Number.POSITIVE_INFINITY;
    const records = await deps.store.listJobDefinitions();
    const wanted = records.filter((record) => record.definition.settings.provisioningStatus === 'on');
    const wantedIds = new Set(wanted.map((record) => record.jobId));
    for (const [jobId, entry] of jobs)
      if (!wantedIds.has(jobId)) {
        // Stopped or deleted: wait (a while) for a running cycle, as the in-process scheduler does.
        await settle(jobId, entry);
        jobs.delete(jobId);
      }
    for (const record of wanted) {
      if (stopping) return;
      const settings = record.definition.settings;
      const intervalMs = parseDuration(settings.interval) ?? parseDuration(DEFAULT_INTERVAL) ?? 5000;
      await considerJob(record.jobId, intervalMs, Math.max(intervalMs, idleIntervalMs(settings))).catch(
        (error: unknown) =>
          deps.logger.warn({ err: error, jobId: record.jobId }, 'queuing the next cycle failed'),
      );
    }
  }

  /** Waits up to a minute for the job's request to leave the queue (its worker sees the job is off). */
  async function settle(jobId: string, entry: Tracked): Promise<void> {
    const until = deps.clock.now().getTime() + 60_000;
    while ((await follow(jobId, entry).catch(() => false)) && deps.clock.now().getTime() < until)
      await deps.clock.sleep(500);
  }

  function refresh(): Promise<void> {
    ticking = ticking.then(tick, tick);
    return ticking;
  }

  return {
    async start() {
      await refresh();
      const pollMs = deps.pollMs ?? 5000;
      polling = (async () => {
        while (!poll.signal.aborted) {
          // Soon enough for the job due first, never busier than every 100 ms.
          const wait = Math.min(pollMs, Math.max(100, nextLook - deps.clock.now().getTime()));
          await deps.clock.sleep(wait, poll.signal);
          if (poll.signal.aborted) break;
          await refresh().catch((error: unknown) =>
            deps.logger.warn({ err: error }, 'looking at the stored jobs failed'),
          );
        }
      })();
    },
    refresh,
    async runNow(jobId) {
      tracked(jobId).runNow = true;
      await refresh();
    },
    progress: (jobId) => jobs.get(jobId)?.progress ?? null,
    running: () =>
      [...jobs.entries()]
        .filter(([, entry]) => entry.pending !== null)
        .map(([jobId]) => jobId)
        .sort(),
    async stop() {
      // The cycles run in the workers: nothing here to wait for or abandon.
      stopping = true;
      poll.abort();
      await polling;
      await ticking.catch(() => {});
      await deps.queue.close();
      return [];
    },
  };
}
