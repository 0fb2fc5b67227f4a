/**
 * Prometheus metrics (prom-client), on a registry of the server's own: no module-level singleton,
 * so two servers in one process (tests) keep their numbers apart. Names follow Prometheus's
 * conventions (https://prometheus.io/docs/practices/naming/); labels never carry a secret or a
 * person's name, only job ids, results, actions and systems. docs/operations.md#metrics lists them.
 */
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

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'provisio_process_' });
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
    }),
    escrows: new Gauge({
      name: 'provisio_job_escrows',
      help: 'Objects held in escrow for a retry.',
      labelNames: ['job'],
      registers,
    }),
    httpRequests: new Counter({
      name: 'provisio_http_requests_total',
      help: 'Admin API requests, by route, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
  };
}
