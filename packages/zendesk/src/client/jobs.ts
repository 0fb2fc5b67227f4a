import { ZendeskErrorCode } from '../errors.js';
import { ZendeskHttpError } from './errors.js';
import type { ZendeskHttp } from './http.js';
import { jobStatusEnvelopeSchema, jobStatusesEnvelopeSchema, type ZendeskJobStatus } from './schemas.js';

/**
 * Bulk jobs (https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/): a bulk endpoint answers a queued `job_status` at once and does the
 * work in the background. `BulkJobs.run` submits one job when one of its slots is free (Zendesk
 * allows 30 queued or running jobs per account; we keep at most 10 in flight so other clients of
 * the account still have room) and resolves when the job is terminal. Every outstanding job is
 * polled together: one `GET /job_statuses/{id}` for one job, one `GET /job_statuses/show_many?ids=`
 * for several.
 */

export const terminalJobStatuses: readonly string[] = ['completed', 'failed', 'killed'];

export function isTerminal(job: ZendeskJobStatus): boolean {
  return terminalJobStatuses.includes(job.status);
}

export interface BulkJobsOptions {
  /** Jobs submitted and not yet terminal, at most (default 10). */
  readonly maxInFlight?: number;
  /**
   * First poll after this long (default 200 ms), or after about as long as recent jobs took (up to
   * `maxFirstWaitMs`); the interval grows by half each round…
   */
  readonly initialIntervalMs?: number;
  /** The longest first wait learnt from slow jobs (default 10 s). */
  readonly maxFirstWaitMs?: number;
  /** …up to this (default 2 s). */
  readonly maxIntervalMs?: number;
  /** A job not found for this many polls in a row is given up (default 5; it may not be visible yet). */
  readonly notFoundPolls?: number;
  /** A job still not terminal after this much polling time is given up (default 10 minutes). */
  readonly timeoutMs?: number;
}

interface Waiter {
  readonly resolve: (job: ZendeskJobStatus) => void;
  readonly reject: (error: unknown) => void;
  misses: number;
  waitedMs: number;
  last: ZendeskJobStatus | null;
}

/** show_many takes up to 100 ids. */
const maxIdsPerPoll = 100;

export class BulkJobs {
  readonly #http: ZendeskHttp;
  readonly #maxInFlight: number;
  readonly #initialIntervalMs: number;
  readonly #maxIntervalMs: number;
  readonly #notFoundPolls: number;
  readonly #timeoutMs: number;
  readonly #waiters = new Map<string, Waiter>();
  readonly #queue: (() => void)[] = [];
  #inFlight = 0;
  #polling = false;
  #interval: number;
  #polls = 0;
  readonly #maxFirstWaitMs: number;
  /**
   * The first wait of a polling round trip: about how long recent jobs took. Jobs found finished at
   * the first poll shorten it by a quarter; a job that needed more polls moves it halfway to the
   * time it took. So a stream of 5-second jobs is polled about once each, not seven times.
   */
  #firstWaitMs: number;

  constructor(http: ZendeskHttp, options: BulkJobsOptions = {}) {
    this.#http = http;
    this.#maxInFlight = options.maxInFlight ?? 10;
    this.#initialIntervalMs = options.initialIntervalMs ?? 200;
    this.#maxIntervalMs = options.maxIntervalMs ?? 2000;
    this.#notFoundPolls = options.notFoundPolls ?? 5;
    this.#timeoutMs = options.timeoutMs ?? 10 * 60_000;
    this.#interval = this.#initialIntervalMs;
    this.#maxFirstWaitMs = Math.max(this.#initialIntervalMs, options.maxFirstWaitMs ?? 10_000);
    this.#firstWaitMs = this.#initialIntervalMs;
  }

  /** Poll requests made so far. */
  get polls(): number {
    return this.#polls;
  }

  /**
   * Submits a job (when a slot is free) and waits until it is terminal. Rejects with the submit's
   * error, or a `ZendeskHttpError` (`Timeout`, `ZendeskJobNotFound`, or the poll's own failure).
   */
  async run(submit: () => Promise<ZendeskJobStatus>): Promise<ZendeskJobStatus> {
    await this.#acquire();
    try {
      const job = await submit();
      return isTerminal(job) ? job : await this.wait(job.id);
    } finally {
      this.#release();
    }
  }

  /** Waits for a job already submitted. */
  wait(jobId: string): Promise<ZendeskJobStatus> {
    return new Promise((resolve, reject) => {
      this.#waiters.set(jobId, { resolve, reject, misses: 0, waitedMs: 0, last: null });
      // The first job after a pause is polled at the short interval; a job joining others already
      // polled waits for their next poll (the interval is not shortened again for it, or a steady
      // stream of jobs would be polled every 200 ms).
      if (!this.#polling) {
        this.#interval = this.#firstWaitMs;
        this.#polling = true;
        void this.#poll();
      }
    });
  }

  async #acquire(): Promise<void> {
    if (this.#inFlight < this.#maxInFlight) {
      this.#inFlight += 1;
      return;
    }
    await new Promise<void>((resolve) => this.#queue.push(resolve));
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next)
      next(); // the slot passes straight to the next job
    else this.#inFlight -= 1;
  }

  async #poll(): Promise<void> {
    try {
      let first = true;
      while (this.#waiters.size > 0) {
        const interval = this.#interval;
        await this.#http.sleep(interval);
        this.#interval = Math.min(this.#maxIntervalMs, Math.round(interval * 1.5));
        const ids = [...this.#waiters.keys()].slice(0, maxIdsPerPoll);
        const firstRound = first;
        first = false;
        let found: Map<string, ZendeskJobStatus>;
        try {
          found = await this.#fetch(ids);
        } catch (error) {
          for (const id of ids) this.#settle(id, (w) => w.reject(error));
          continue;
        }
        for (const id of ids) {
          const waiter = this.#waiters.get(id);
          if (!waiter) continue;
          waiter.waitedMs += interval;
          const job = found.get(id);
          if (job && isTerminal(job)) {
            if (!firstRound) this.#learn(waiter.waitedMs);
            this.#settle(id, (w) => w.resolve(job));
          } else if (!job && ++waiter.misses >= this.#notFoundPolls) {
            this.#settle(id, (w) =>
              w.reject(
                new ZendeskHttpError({
                  code: ZendeskErrorCode.ZendeskJobNotFound,
                  retryable: true,
                  request: `GET /api/v2/job_statuses/${id}`,
                  status: 404,
                  message: `Zendesk did not find job ${id} after ${waiter.misses} polls (expired or never visible)`,
                }),
              ),
            );
          } else if (waiter.waitedMs >= this.#timeoutMs) {
            const last = job ?? waiter.last;
            this.#settle(id, (w) =>
              w.reject(
                new ZendeskHttpError({
                  code: ZendeskErrorCode.Timeout,
                  retryable: true,
                  request: `GET /api/v2/job_statuses/${id}`,
                  message: `Zendesk job ${id} did not finish within ${Math.round(this.#timeoutMs / 1000)} s (last status: ${last?.status ?? 'unknown'}, progress ${last?.progress ?? 0}/${last?.total ?? '?'})`,
                  recommendedAction:
                    'Zendesk is slow to run bulk jobs; the next cycle checks the users again.',
                }),
              ),
            );
          } else if (job) {
            waiter.misses = 0;
            waiter.last = job;
          }
        }
        if (firstRound && ids.every((id) => !this.#waiters.has(id)))
          this.#firstWaitMs = Math.max(this.#initialIntervalMs, Math.round(this.#firstWaitMs * 0.75));
      }
    } finally {
      this.#polling = false;
    }
  }

  /** A job took `ms` of polling: the first wait moves halfway towards it. */
  #learn(ms: number): void {
    const next = Math.round((this.#firstWaitMs + ms) / 2);
    this.#firstWaitMs = Math.min(this.#maxFirstWaitMs, Math.max(this.#initialIntervalMs, next));
  }

  #settle(id: string, fn: (waiter: Waiter) => void): void {
    const waiter = this.#waiters.get(id);
    if (!waiter) return;
    this.#waiters.delete(id);
    fn(waiter);
  }

  async #fetch(ids: readonly string[]): Promise<Map<string, ZendeskJobStatus>> {
    this.#polls += 1;
    const out = new Map<string, ZendeskJobStatus>();
    const [only] = ids;
    if (ids.length === 1 && only !== undefined) {
      try {
        const body = await this.#http.request('GET', `/api/v2/job_statuses/${encodeURIComponent(only)}`, {
          schema: jobStatusEnvelopeSchema,
        });
        out.set(body.job_status.id, body.job_status);
      } catch (error) {
        // A job may not be visible right after it is queued (node-zendesk tolerates it too).
        if (!(error instanceof ZendeskHttpError && error.status === 404)) throw error;
      }
      return out;
    }
    const body = await this.#http.request('GET', '/api/v2/job_statuses/show_many', {
      query: { ids },
      schema: jobStatusesEnvelopeSchema,
    });
    for (const job of body.job_statuses) out.set(job.id, job);
    return out;
  }
}
