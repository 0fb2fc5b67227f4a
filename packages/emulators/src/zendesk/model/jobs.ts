import { ZendeskApiError } from './errors.js';
import type { ZendeskStore } from './store.js';
import type { JobRecord } from './types.js';

/**
 * "Only a certain number of jobs can be queued or running at the same time" (every bulk endpoint of Zendesk's
 * reference, pointing to https://developer.zendesk.com/api-reference/introduction/rate-limits/#job-limit).
 */
export const maxActiveJobs = 30;
/**
 * Job statuses are kept for one day
 * (https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/; older
 * versions of the page said one hour).
 */
export const jobRetentionMs = 24 * 60 * 60 * 1000;

/** One unit of a bulk job's work: returns the result item Zendesk reports for it. */
export type JobItem = () => Record<string, unknown>;

export interface JobOptions {
  /**
   * The `message` while the job is working, given how many items are done. Recorded traffic shows
   * `"Creating organization #10"` with `progress: 10`; without it a neutral text is used.
   */
  progressMessage?: (done: number) => string;
}

/**
 * Order of `GET /job_statuses`: "sorted first by completion date and then by creation date in
 * descending order" [spec]. Jobs still queued or working have no completion date; they come last,
 * as NULLs do in a descending MySQL sort (an inference: Zendesk does not say). The id breaks
 * ties so that the order is total and cursors are stable.
 */
export function compareJobs(a: JobSortKey, b: JobSortKey): number {
  const ac = a.completedAt ?? Number.NEGATIVE_INFINITY;
  const bc = b.completedAt ?? Number.NEGATIVE_INFINITY;
  if (ac !== bc) return bc > ac ? 1 : -1;
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export type JobSortKey = Pick<JobRecord, 'id' | 'completedAt' | 'createdAt'>;

/**
 * Runs bulk jobs the way Zendesk reports them: `queued`, then `working` with progress, then
 * `completed` with per-item results. Each stage lasts `settings.jobStepMs`; the work itself is
 * applied when the job starts working, one item after another, so one failing item never stops
 * the others.
 */
export class JobRunner {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly store: ZendeskStore) {}

  activeCount(): number {
    let n = 0;
    for (const job of this.store.jobs.values())
      if (job.status === 'queued' || job.status === 'working') n += 1;
    return n;
  }

  /** Queues a job, or throws 429 when the account already has 30 queued or running jobs. */
  enqueue(jobType: string, items: JobItem[], options: JobOptions = {}): JobRecord {
    this.purgeExpired();
    if (this.activeCount() >= maxActiveJobs) {
      // Exact Zendesk answer unverified; status 429 with Retry-After as for rate limits.
      // A running job finishes within two steps, so that is when a place frees up.
      const retryAfter = Math.max(1, Math.ceil((2 * this.store.settings.jobStepMs) / 1000));
      throw new ZendeskApiError(
        429,
        {
          error: 'TooManyJobs',
          description: `Number of allowed jobs exceeded: at most ${maxActiveJobs} jobs can be queued or running at the same time.`,
        },
        { 'retry-after': String(retryAfter) },
      );
    }
    const job: JobRecord = {
      id: this.store.newJobId(),
      jobType,
      status: 'queued',
      total: items.length,
      progress: null,
      message: null,
      results: null,
      createdAt: this.store.clock.now(),
      completedAt: null,
      hiddenPolls: this.store.settings.faults.job404,
    };
    this.store.jobs.set(job.id, job);
    this.after(() => this.work(job, items, options));
    return job;
  }

  private work(job: JobRecord, items: JobItem[], options: JobOptions): void {
    if (job.status !== 'queued' || this.store.jobs.get(job.id) !== job) return;
    // The first half of the items is applied when the job starts working and the rest when it
    // completes, so a client polling in between sees real, partial progress (results stay null
    // until completion, as recorded).
    job.status = 'working';
    const results: Record<string, unknown>[] = [];
    const half = Math.ceil(items.length / 2);
    for (const item of items.slice(0, half)) results.push(runItem(item, results.length));
    job.progress = results.length;
    job.message =
      options.progressMessage?.(results.length) ?? `Working on item ${results.length} of ${job.total}`;
    this.after(() => {
      if (this.store.jobs.get(job.id) !== job) return; // the state was reset meanwhile
      for (const item of items.slice(half)) results.push(runItem(item, results.length));
      job.status = 'completed';
      job.progress = job.total;
      job.results = results;
      job.completedAt = this.store.clock.now();
      // Recorded: "Completed at 2023-10-08 17:22:35 +0000".
      job.message = `Completed at ${new Date(job.completedAt).toISOString().replace('T', ' ').slice(0, 19)} +0000`;
    });
  }

  /** Looks a job up as `GET /job_statuses/{id}` sees it (retention and the 404 fault applied). */
  visible(id: string, countPoll: boolean): JobRecord | undefined {
    this.purgeExpired();
    const job = this.store.jobs.get(id);
    if (!job) return undefined;
    if (job.hiddenPolls > 0) {
      if (countPoll) job.hiddenPolls -= 1;
      return undefined;
    }
    return job;
  }

  /** Every visible, unexpired job in `GET /job_statuses` order (see `compareJobs`). */
  list(): JobRecord[] {
    this.purgeExpired();
    const out: JobRecord[] = [];
    for (const job of this.store.jobs.values()) if (job.hiddenPolls === 0) out.push(job);
    return out.sort(compareJobs);
  }

  purgeExpired(): void {
    const now = this.store.clock.now();
    for (const [id, job] of this.store.jobs) {
      if (job.completedAt !== null && now - job.completedAt > jobRetentionMs) this.store.jobs.delete(id);
    }
  }

  /** Cancels pending stages (the emulator is stopping or resetting). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private after(fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, this.store.settings.jobStepMs);
    this.timers.add(timer);
  }
}

/**
 * Items catch the errors Zendesk reports per item themselves; anything else escaping one (a bug)
 * still must not stop the job, so it becomes a failed result too.
 */
function runItem(item: JobItem, index: number): Record<string, unknown> {
  try {
    return item();
  } catch (error) {
    return {
      index,
      id: index,
      action: 'unknown',
      success: false,
      error: 'InternalError',
      details: error instanceof Error ? error.message : String(error),
      status: 'Failed',
    };
  }
}
