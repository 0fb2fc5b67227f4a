/**
 * The queue of cycles between `provisio serve` (which decides when a job's cycle is due and puts it
 * in the queue) and `provisio worker` processes (which take cycles from it and run them): a port,
 * and its one implementation on pg-boss (https://github.com/timgit/pg-boss), which keeps the queue
 * in PostgreSQL tables of its own schema (`pgboss`) beside the state store (docs/operations.md#workers).
 *
 * One queue, `provisio-cycles`, with pg-boss's `short` policy and the job id as singleton key: at
 * most one cycle of a job waits in the queue; the scheduler puts none in while one runs
 * (queue-scheduler.ts), and the engine's job lease is the last guard against two at once.
 */
import PgBoss from 'pg-boss';

/** What a queued cycle carries: which job, and why it was queued. */
export interface CycleRequest {
  readonly jobId: string;
  readonly reason: 'schedule' | 'runNow';
}

export type QueuedCycleState = 'queued' | 'retry' | 'running' | 'completed' | 'cancelled' | 'failed';

export interface QueuedCycle {
  readonly id: string;
  readonly state: QueuedCycleState;
  /** When a worker took it (its latest attempt), if one did. */
  readonly startedAt: Date | null;
  /** When it left the queue (completed, failed or cancelled). */
  readonly finishedAt: Date | null;
}

export interface TakenCycle {
  readonly id: string;
  readonly request: CycleRequest;
}

export interface EnqueueOptions {
  /** How long a taken cycle may stay running before the queue gives it to another worker. */
  readonly expireInSeconds: number;
}

/** The outcome a worker records for a cycle it took: data only, no secret, no personal data. */
export type CycleOutcome = Readonly<Record<string, string | number | boolean | null>>;

export interface CycleQueue {
  /** Queues a cycle of the job; null when one is waiting already. */
  enqueue(request: CycleRequest, options: EnqueueOptions): Promise<string | null>;
  /** A queued cycle's state, or null when the queue no longer knows it. */
  inspect(id: string): Promise<QueuedCycle | null>;
  /** Takes the oldest waiting cycle, if any (it is then `running` until completed or failed). */
  take(): Promise<TakenCycle | null>;
  complete(id: string, outcome: CycleOutcome): Promise<void>;
  /** Fails the attempt: the queue retries it later (after a delay) while its retries last. */
  fail(id: string, outcome: CycleOutcome): Promise<void>;
  close(): Promise<void>;
}

export const CYCLE_QUEUE = 'provisio-cycles';

/** Attempts after the first for a cycle whose worker failed to run it (lease held, worker gone). */
const RETRY_LIMIT = 10;
/** Seconds before the first retry; pg-boss doubles it each time (retryBackoff). */
const RETRY_DELAY_SECONDS = 15;
/** pg-boss refuses expirations of 24 hours or more. */
export const MAX_EXPIRE_SECONDS = 23 * 3600;

export interface PgBossQueueOptions {
  /** The PostgreSQL URL (the state store's `DATABASE_URL`). */
  readonly databaseUrl: string;
  /** Connections in pg-boss's pool (default 4). */
  readonly poolSize?: number;
  /** Told of pg-boss's background errors (maintenance, lost connections). */
  readonly onError?: (error: Error) => void;
}

const states: Record<PgBoss.JobWithMetadata['state'], QueuedCycleState> = {
  created: 'queued',
  retry: 'retry',
  active: 'running',
  completed: 'completed',
  cancelled: 'cancelled',
  failed: 'failed',
};

function isCycleRequest(data: unknown): data is CycleRequest {
  if (typeof data !== 'object' || data === null) return false;
  const { jobId, reason } = data as Record<string, unknown>;
  return typeof jobId === 'string' && (reason === 'schedule' || reason === 'runNow');
}

/** Attempts at creating the queue before giving up (see ensureQueue). */
const CREATE_ATTEMPTS = 5;

/**
 * Creates the queue unless it exists. Processes that start together on a new database (`serve` and
 * its workers) may all find it missing; pg-boss's `create_queue` then deadlocks or conflicts in all
 * but one of them, after which the queue exists: a failed attempt looks again, after a short random
 * wait, up to CREATE_ATTEMPTS times.
 */
async function ensureQueue(boss: PgBoss): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      if ((await boss.getQueue(CYCLE_QUEUE)) === null)
        await boss.createQueue(CYCLE_QUEUE, {
          name: CYCLE_QUEUE,
          policy: 'short',
          retryLimit: RETRY_LIMIT,
          retryDelay: RETRY_DELAY_SECONDS,
          retryBackoff: true,
        });
      return;
    } catch (error) {
      if (attempt >= CREATE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 200));
    }
  }
}

/** Opens the queue: pg-boss creates or upgrades its schema (once, under its own advisory lock). */
export async function openPgBossCycleQueue(options: PgBossQueueOptions): Promise<CycleQueue> {
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 4,
    application_name: 'provisio',
    // No cron schedules: serve decides when cycles are due.
    schedule: false,
    // Completed and failed cycles stay inspectable for a day, then go to pg-boss's archive.
    archiveCompletedAfterSeconds: 86_400,
    retentionDays: 7,
  });
  boss.on('error', (error: Error) => options.onError?.(error));
  await boss.start();
  try {
    await ensureQueue(boss);
  } catch (error) {
    // Nothing of a failed start may keep the process alive (pg-boss's pool and timers).
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
    throw error;
  }
  return {
    enqueue: (request, enqueueOptions) =>
      boss.send(CYCLE_QUEUE, request, {
        singletonKey: request.jobId,
        expireInSeconds: Math.max(
          1,
          Math.min(MAX_EXPIRE_SECONDS, Math.round(enqueueOptions.expireInSeconds)),
        ),
        retryLimit: RETRY_LIMIT,
        retryDelay: RETRY_DELAY_SECONDS,
        retryBackoff: true,
      }),
    async inspect(id) {
      const job = await boss.getJobById(CYCLE_QUEUE, id, { includeArchive: true });
      if (job === null) return null;
      return {
        id,
        state: states[job.state],
        startedAt: job.startedOn ?? null,
        finishedAt: job.completedOn ?? null,
      };
    },
    async take() {
      const [job] = await boss.fetch<unknown>(CYCLE_QUEUE, { batchSize: 1 });
      if (job === undefined) return null;
      if (!isCycleRequest(job.data)) {
        // Not one of ours (written by hand, or by another version): leave it failed, say why.
        await boss.fail(CYCLE_QUEUE, job.id, { error: 'not a provisio cycle request' });
        return null;
      }
      return { id: job.id, request: { jobId: job.data.jobId, reason: job.data.reason } };
    },
    async complete(id, outcome) {
      await boss.complete(CYCLE_QUEUE, id, outcome);
    },
    async fail(id, outcome) {
      await boss.fail(CYCLE_QUEUE, id, outcome);
    },
    async close() {
      await boss.stop({ graceful: false, wait: true, close: true });
    },
  };
}
