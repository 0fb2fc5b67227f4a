/**
 * Prometheus metrics (prom-client), on a registry of the server's own: no module-level singleton,
 * so two servers in one process (tests) keep their numbers apart. Names follow Prometheus's
 * conventions (https://prometheus.io/docs/practices/naming/); labels never carry a secret or a
 * person's name, only job ids, results, actions and systems. docs/operations.md#metrics lists them.
 */
import type { CycleReport, StateStore } from '@provisio/engine';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** Cycles finished, by job and result (`succeeded`, `failed`, `quarantined`, `abandoned`). */
  readonly cycles: Counter<'job' | 'result'>;
  readonly cycleDuration: Histogram<'job'>;
  /** Objects a cycle acted on, by action (create, update, …) and status (success, failure, skipped). */
  readonly objects: Counter<'job' | 'action' | 'status'>;
  /** Requests to the source and target systems, by system (`entra`, `zendesk`) and status class. */
  readonly upstreamRequests: Counter<'system' | 'status'>;
  /** Of those, the ones answered 429 (throttled). */
  readonly upstreamThrottled: Counter<'system'>;
  /** 1 while the job is in quarantine. */
  readonly quarantined: Gauge<'job'>;
  /** Objects waiting in escrow for a retry. */
  readonly escrows: Gauge<'job'>;
  /** Admin API requests, by route pattern, method and status. */
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
}

export interface MetricsOptions {
  /**
   * Where the job-state gauges come from at each scrape (jobStateFromStore). Absent: they are set by
   * whoever runs cycles in this process (the in-process scheduler), after each cycle.
   */
  readonly jobState?: () => Promise<JobStateSample[]>;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const collectors = options.jobState === undefined ? undefined : jobStateCollectors(options.jobState);
  // prom-client's names start with process_ or nodejs_: provisio_process_cpu_user_seconds_total, …
  collectDefaultMetrics({ register: registry, prefix: 'provisio_' });
  const registers = [registry];
  return {
    registry,
    cycles: new Counter({
      name: 'provisio_cycles_total',
      help: 'Provisioning cycles finished, by job and result.',
      labelNames: ['job', 'result'],
      registers,
    }),
    cycleDuration: new Histogram({
      name: 'provisio_cycle_duration_seconds',
      help: 'How long provisioning cycles took.',
      labelNames: ['job'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    }),
    objects: new Counter({
      name: 'provisio_objects_total',
      help: 'Objects acted on by cycles, by action and status.',
      labelNames: ['job', 'action', 'status'],
      registers,
    }),
    upstreamRequests: new Counter({
      name: 'provisio_upstream_requests_total',
      help: 'Requests to Microsoft Graph and the Zendesk API, by system and HTTP status class.',
      labelNames: ['system', 'status'],
      registers,
    }),
    upstreamThrottled: new Counter({
      name: 'provisio_upstream_throttled_total',
      help: 'Requests to Microsoft Graph and the Zendesk API answered 429 Too Many Requests.',
      labelNames: ['system'],
      registers,
    }),
    quarantined: new Gauge({
      name: 'provisio_job_quarantined',
      help: '1 while the job is in quarantine, else 0.',
      labelNames: ['job'],
      registers,
      ...(collectors === undefined ? {} : { collect: collectors.quarantined }),
    }),
    escrows: new Gauge({
      name: 'provisio_job_escrows',
      help: 'Objects held in escrow for a retry.',
      labelNames: ['job'],
      registers,
      ...(collectors === undefined ? {} : { collect: collectors.escrows }),
    }),
    httpRequests: new Counter({
      name: 'provisio_http_requests_total',
      help: 'Admin API requests, by route, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
  };
}

/**
 * Counts a finished cycle: its result, duration and the objects it acted on. Whichever process ran
 * the cycle counts it (`serve` in-process, or the `provisio worker` that took it from the queue), so
 * summing the series over every scraped process gives each cycle once.
 */
export function countCycle(metrics: Metrics, jobId: string, report: CycleReport): void {
  metrics.cycles.inc({ job: jobId, result: report.quarantine ? 'quarantined' : report.state });
  metrics.cycleDuration.observe({ job: jobId }, report.durationMs / 1000);
  const c = report.counts;
  const counts: Record<string, number> = {
    create: c.created,
    update: c.updated,
    disable: c.disabled,
    delete: c.deleted,
    skip: c.skipped,
    'group-create': c.groupsCreated ?? 0,
    'group-update': c.groupsUpdated ?? 0,
    'group-delete': c.groupsDeleted ?? 0,
    'membership-add': c.membershipsAdded ?? 0,
    'membership-remove': c.membershipsRemoved ?? 0,
  };
  for (const [action, n] of Object.entries(counts))
    if (n > 0) metrics.objects.inc({ job: jobId, action, status: 'success' }, n);
  if (c.failed > 0) metrics.objects.inc({ job: jobId, action: 'any', status: 'failure' }, c.failed);
}

/** The job hook (context.ts `JobHooks`) that counts upstream responses and 429s. */
export function countUpstream(metrics: Metrics): (system: 'entra' | 'zendesk', status: number) => void {
  return (system, status) => {
    metrics.upstreamRequests.inc({ system, status: `${Math.floor(status / 100)}xx` });
    if (status === 429) metrics.upstreamThrottled.inc({ system });
  };
}

/** A job's state as the job-state gauges show it. */
export interface JobStateSample {
  readonly jobId: string;
  readonly quarantined: boolean;
  readonly escrows: number;
}

/**
 * Every job's state read from the state store, for the job-state gauges at scrape time. `serve
 * --workers external` uses it: the cycles that change a job's state run in workers, any of which may
 * run its next cycle, so no process's memory of the last cycle it ran is the job's state; the store is.
 */
export function jobStateFromStore(store: StateStore): () => Promise<JobStateSample[]> {
  return async () => {
    const definitions = await store.listJobDefinitions();
    return Promise.all(
      definitions.map(async ({ jobId }) => ({
        jobId,
        quarantined: ((await store.getJob(jobId))?.quarantine ?? null) !== null,
        escrows: (await store.listEscrows(jobId)).length,
      })),
    );
  };
}

/**
 * The gauges' `collect` (prom-client calls it before each scrape, https://github.com/siimon/prom-client#usage):
 * both gauges share one read of the store per scrape.
 */
function jobStateCollectors(
  read: () => Promise<JobStateSample[]>,
): Record<'quarantined' | 'escrows', (this: Gauge<'job'>) => Promise<void>> {
  let pending: Promise<JobStateSample[]> | null = null;
  const current = () => {
    pending ??= read().finally(() =>
      setImmediate(() => {
        pending = null;
      }),
    );
    return pending;
  };
  const collector = (value: (sample: JobStateSample) => number) =>
    async function (this: Gauge<'job'>) {
      const samples = await current();
      this.reset();
      for (const sample of samples) this.set({ job: sample.jobId }, value(sample));
    };
  return {
    quarantined: collector((sample) => (sample.quarantined ? 1 : 0)),
    escrows: collector((sample) => sample.escrows),
  };
}
