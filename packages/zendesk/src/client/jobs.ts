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
  /** First poll after this long (default 200 ms); the interval grows by half each round… */
  readonly initialIntervalMs?: number;
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

  constructor(http: ZendeskHttp, options: BulkJobsOptions = {}) {
    this.#http = http;
    this.#maxInFlight = options.maxInFlight ?? 10;
    this.#initialIntervalMs = options.initialIntervalMs ?? 200;
    this.#maxIntervalMs = options.maxIntervalMs ?? 2000;
    this.#notFoundPolls = options.notFoundPolls ?? 5;
    this.#timeoutMs = options.timeoutMs ?? 10 * 60_000;
    this.#interval = this.#initialIntervalMs;
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
      // A new job is likely to finish soon: poll at the short interval again.
      this.#interval = this.#initialIntervalMs;
      if (!this.#polling) {
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
      while (this.#waiters.size > 0) {
        const interval = this.#interval;
        await this.#http.sleep(interval);
        this.#interval = Math.min(this.#maxIntervalMs, Math.round(interval * 1.5));
        const ids = [...this.#waiters.keys()].slice(0, maxIdsPerPoll);
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
      }
    } finally {
      this.#polling = false;
    }
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
