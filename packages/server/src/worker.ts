/**
 * `provisio worker`, assembled: the cycle worker (scheduler/cycle-worker.ts) with the same secret
 * schemes as the server (`store:` sealed with the installation's key, and the composition root's
 * others), so a job runs in a worker exactly as it would in `serve`. The composition root
 * (packages/cli, `worker`) opens the state store, the queue and the secret key.
 */
import type { Clock, CycleReport, SecretProvider, StateStore } from '@provisio/engine';
import type { FastifyBaseLogger } from 'fastify';
import type { JobRuntime, SecretVault } from './context.js';
import type { Metrics } from './metrics.js';
import type { CycleQueue } from './scheduler/cycle-queue.js';
import { type CycleWorker, createCycleWorker } from './scheduler/cycle-worker.js';
import { STORE_SCHEME, secretsByScheme, storeSecrets } from './secrets/store-secrets.js';

export interface WorkerParts {
  readonly store: StateStore;
  readonly clock: Clock;
  readonly logger: FastifyBaseLogger;
  readonly runtime: JobRuntime;
  readonly vault: SecretVault;
  /** Providers of the other secret schemes (`env:`), besides the store's own. */
  readonly secretProviders: Readonly<Record<string, SecretProvider>>;
  readonly queue: CycleQueue;
  readonly concurrency: number;
  readonly pollMs?: number;
  readonly workerId?: string;
  readonly onCycle?: (jobId: string, report: CycleReport) => void;
  /** Counts this worker's cycles and upstream requests (cycle-worker.ts). */
  readonly metrics?: Metrics;
}

export function createWorker(parts: WorkerParts): CycleWorker {
  const secrets = secretsByScheme({
    ...parts.secretProviders,
    [STORE_SCHEME]: storeSecrets(parts.store, parts.vault),
  });
  return createCycleWorker({
    store: parts.store,
    clock: parts.clock,
    logger: parts.logger.child({ component: 'worker' }),
    runtime: parts.runtime,
    secrets,
    queue: parts.queue,
    concurrency: parts.concurrency,
    ...(parts.pollMs === undefined ? {} : { pollMs: parts.pollMs }),
    ...(parts.workerId === undefined ? {} : { workerId: parts.workerId }),
    ...(parts.onCycle === undefined ? {} : { onCycle: parts.onCycle }),
    ...(parts.metrics === undefined ? {} : { metrics: parts.metrics }),
  });
}
