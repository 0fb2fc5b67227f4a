import { toConnectorError, ZendeskHttpError } from '../client/errors.js';
import type { Query, ZendeskHttp } from '../client/http.js';
import type { BulkJobs } from '../client/jobs.js';
import { jobStatusEnvelopeSchema } from '../client/schemas.js';
import type { ZendeskConnectorError } from '../errors.js';
import { chunk, mapConcurrent, type Semaphore } from './concurrency.js';
import { type JobItem, type JobItemOutcome, type JobSubject, jobOutcomes } from './results.js';

/**
 * The one runner of Zendesk's bulk writes, for users and group memberships alike: the writes go in
 * chunks of 100 (the most a bulk endpoint takes), one bulk job per chunk (at most as many chunks at
 * once as jobs may be in flight; `BulkJobs` polls them together), each job's results placed back on
 * the chunk's writes. A bulk endpoint the account cannot use (its submit answers 403, or 404 where
 * the endpoint may not exist) is replaced by one single request per write, from then on; the switch
 * is kept in the connector's state between cycles. A chunk's failure (after the client's retries)
 * fails that chunk's writes only.
 * https://developer.zendesk.com/api-reference/ticketing/users/users/,
 * https://developer.zendesk.com/api-reference/ticketing/groups/group_memberships/,
 * https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/
 */

/** Items per bulk request (`create_or_update_many`, `update_many`, `destroy_many`, `create_many`, `show_many`). */
export const maxItemsPerRequest = 100;

/** What the bulk writes of one connector share. `F` names its bulk endpoints' fallback switches. */
export interface BulkContext<F extends string> {
  readonly http: ZendeskHttp;
  readonly jobs: BulkJobs;
  /** Limits single requests in parallel (shared by users, groups and memberships). */
  readonly singleRequests: Semaphore;
  /** Bulk chunks in progress at once (each holds at most one job). */
  readonly chunkConcurrency: number;
  /** The bulk endpoints that turned out unavailable: single requests are used for them. */
  readonly singles: Record<F, boolean>;
}

/** A bulk endpoint, its single-request fallback, and what its answers mean for a write `W`. */
export interface BulkEndpoint<F extends string, W> {
  readonly method: 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  /** The fallback switch of this endpoint in `BulkContext.singles`. */
  readonly fallback: F;
  /** Submit answers meaning the endpoint is not available to this account (403: bulk import off). */
  readonly unavailable: readonly number[];
  /** What the job's results are about: the classifier words refusals for it. */
  readonly subject: JobSubject;
  /** The request for a chunk: its body or query. */
  readonly request: (part: readonly W[]) => { readonly body?: unknown; readonly query?: Query };
  /** Where a write's result is found in the job's results, and what it asked. */
  readonly item: (write: W) => JobItem;
  /** A write's outcome in the job (`label`: `METHOD /path (job id)`). */
  readonly settle: (write: W, outcome: JobItemOutcome, label: string) => void;
  /** The bulk request failed as a whole (after the client's retries, or a poll that failed). */
  readonly fail: (write: W, error: ZendeskConnectorError, request: string) => void;
  /** The write as a single request; it records its own outcome. */
  readonly single: (write: W, http: ZendeskHttp) => Promise<void>;
}

/** One chunk of writes through the endpoint: a bulk job, or single requests once it is unavailable. */
export async function runBulk<F extends string, W>(
  ctx: BulkContext<F>,
  part: readonly W[],
  endpoint: BulkEndpoint<F, W>,
): Promise<void> {
  if (part.length === 0) return;
  if (!ctx.singles[endpoint.fallback]) {
    const request = `${endpoint.method} ${endpoint.path}`;
    let submitted = false;
    try {
      const job = await ctx.jobs.run(async () => {
        const answer = await ctx.http.request(endpoint.method, endpoint.path, {
          ...endpoint.request(part),
          schema: jobStatusEnvelopeSchema,
          // Every bulk write here can be repeated without harm: create_or_update_many matches the
          // users created before, update_many writes the same values, a repeated create_many finds
          // the memberships made ("already a member") and destroy_many finds the records gone.
          idempotent: true,
        });
        submitted = true;
        return answer.job_status;
      });
      const label = `${request} (job ${job.id})`;
      const outcomes = jobOutcomes(endpoint.subject, job, part.map(endpoint.item), label);
      part.forEach((write, i) => {
        const outcome = outcomes[i];
        if (outcome !== undefined) endpoint.settle(write, outcome, label);
      });
      return;
    } catch (error) {
      if (submitted || !isStatus(error, endpoint.unavailable)) {
        const detail = toConnectorError(error, request);
        for (const write of part) endpoint.fail(write, detail, request);
        return;
      }
      // The bulk endpoint is not available to this account or user: one by one from now on.
      ctx.singles[endpoint.fallback] = true;
    }
  }
  await Promise.all(part.map((write) => ctx.singleRequests.run(() => endpoint.single(write, ctx.http))));
}

/**
 * Runs `run` over `items` in chunks of {@link maxItemsPerRequest}, `chunkConcurrency` chunks at
 * once. A chunk that throws (a bug: the runner turns Zendesk's failures into outcomes) must not lose
 * the other chunks' results: `failed` gets that chunk with a retryable error.
 */
export async function forEachChunk<T>(
  ctx: { readonly chunkConcurrency: number },
  items: readonly T[],
  run: (part: T[]) => Promise<void>,
  failed: (part: T[], error: ZendeskConnectorError) => void,
): Promise<void> {
  await mapConcurrent(chunk(items, maxItemsPerRequest), ctx.chunkConcurrency, async (part) => {
    try {
      await run(part);
    } catch (error) {
      failed(part, toConnectorError(error));
    }
  });
}

function isStatus(error: unknown, statuses: readonly number[]): boolean {
  return error instanceof ZendeskHttpError && error.status !== undefined && statuses.includes(error.status);
}
