/**
 * `provisio worker`: the composition root of a cycle worker (docs/operations.md#workers). It opens
 * what `serve` opens (service.ts: the state store, the secret key, the job runtime), the queue of
 * cycles in the same PostgreSQL database, and starts taking cycles (packages/server, worker.ts).
 * Its inputs are explicit (options, env, cwd), so tests start it in-process as the command does.
 */
import { type Clock, type StateStore, systemClock } from '@provisio/engine';
import { type CycleQueue, type CycleWorker, createMetrics, createWorker } from '@provisio/server';
import type { Logger } from 'pino';
import { databaseUrlOf } from './installation.js';
import { listenForMetrics, type MetricsListener } from './metrics-listener.js';
import { environmentSecrets } from './secrets.js';
import { createLogger } from './serve.js';
import { isPostgresUrl, openCycleQueue, openService, type ServiceContext } from './service.js';

export interface WorkerOptions {
  /** Cycles this process runs at once (jobs in parallel). */
  readonly concurrency: number;
  /** The key file used when PROVISIO_SECRET_KEY is not set; default ./data/provisio.key. */
  readonly keyFile?: string;
  readonly logLevel?: string;
  readonly logDestination?: NodeJS.WritableStream;
  /** How long an idle slot waits before asking the queue again (default 2 s). */
  readonly pollMs?: number;
  readonly clock?: Clock;
  /** Serve Prometheus metrics on this port (0: any free one); absent: no listener. */
  readonly metricsPort?: number;
  /** The metrics listener's address (default 127.0.0.1: loopback only). */
  readonly metricsHost?: string;
}

export interface RunningWorker {
  readonly worker: CycleWorker;
  readonly store: StateStore;
  readonly logger: Logger;
  /** Where `GET /metrics` answers, when --metrics-port was given. */
  readonly metricsUrl?: string;
  /** Stops taking cycles, gives running ones `deadlineMs`, then closes the queue and the store. */
  close(deadlineMs?: number): Promise<{ abandoned: string[] }>;
}

export async function startWorker(options: WorkerOptions, context: ServiceContext): Promise<RunningWorker> {
  const clock = options.clock ?? systemClock;
  // Refused before anything is opened: without PostgreSQL there is no queue to take cycles from.
  if (!isPostgresUrl(databaseUrlOf(context.env, context.cwd)))
    throw new Error(
      'provisio worker needs the state store in PostgreSQL (DATABASE_URL=postgres://…): the queue of cycles lives there. With SQLite, run serve alone (its cycles run in-process).',
    );
  const logger = createLogger(options);
  const service = await openService(
    { clock, logger, ...(options.keyFile === undefined ? {} : { keyFile: options.keyFile }) },
    context,
  );
  const metrics = createMetrics();
  let queue: CycleQueue;
  let listener: MetricsListener | undefined;
  try {
    // Before the queue: a port already taken stops the worker before it takes any cycle.
    if (options.metricsPort !== undefined)
      listener = await listenForMetrics(metrics, options.metricsHost ?? '127.0.0.1', options.metricsPort);
    queue = await openCycleQueue(service.databaseUrl, logger, 'provisio worker');
  } catch (error) {
    await listener?.close();
    await service.store.close();
    throw error;
  }
  const worker = createWorker({
    store: service.store,
    clock,
    logger,
    runtime: service.runtime,
    vault: service.vault,
    secretProviders: { env: environmentSecrets(context.env) },
    queue,
    concurrency: options.concurrency,
    metrics,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  worker.start();
  let closed: Promise<{ abandoned: string[] }> | null = null;
  return {
    worker,
    store: service.store,
    logger,
    ...(listener === undefined ? {} : { metricsUrl: listener.url }),
    close(deadlineMs = 30_000) {
      closed ??= (async () => {
        const abandoned = await worker.stop(deadlineMs);
        await listener?.close();
        await queue
          .close()
          .catch((error: unknown) => logger.warn({ err: error }, 'closing the queue failed'));
        // A cycle abandoned at the deadline still holds the store: leave it to the process exit.
        if (abandoned.length === 0) await service.store.close();
        return { abandoned };
      })();
      return closed;
    },
  };
}
