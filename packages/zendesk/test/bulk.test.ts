import { describe, expect, it } from 'vitest';
import { ZendeskHttpError } from '../src/client/errors.js';
import type { ZendeskHttp } from '../src/client/http.js';
import type { BulkJobs } from '../src/client/jobs.js';
import type { ZendeskJobStatus } from '../src/client/schemas.js';
import { type BulkContext, type BulkEndpoint, forEachChunk, runBulk } from '../src/connector/bulk.js';
import { Semaphore } from '../src/connector/concurrency.js';
import type { JobItemOutcome } from '../src/connector/results.js';

interface Write {
  readonly id: number;
  outcome: JobItemOutcome | 'single' | null;
  readonly requests: string[];
}

const forbidden = (status: number) =>
  new ZendeskHttpError({ code: 'InsufficientRights', message: 'no', retryable: false, request: 'x', status });

/** A context whose submit answers `submit`, and whose job, once submitted, ends as `job` (or throws). */
function contextOf(submit: () => ZendeskJobStatus, job: (queued: ZendeskJobStatus) => ZendeskJobStatus) {
  const sent: string[] = [];
  const http = {
    request: async (method: string, path: string) => {
      sent.push(`${method} ${path}`);
      return { job_status: submit() };
    },
  } as unknown as ZendeskHttp;
  const jobs = {
    run: async (start: () => Promise<ZendeskJobStatus>) => job(await start()),
  } as unknown as BulkJobs;
  const ctx: BulkContext<'destroy'> = {
    http,
    jobs,
    singleRequests: new Semaphore(2),
    chunkConcurrency: 2,
    singles: { destroy: false },
  };
  return { ctx, sent };
}

const endpoint: BulkEndpoint<'destroy', Write> = {
  method: 'DELETE',
  path: '/api/v2/things/destroy_many',
  fallback: 'destroy',
  unavailable: [403, 404],
  subject: 'user',
  request: (part) => ({ query: { ids: part.map((w) => w.id) } }),
  item: (write) => ({ key: { id: write.id } }),
  settle: (write, outcome, label) => {
    write.requests.push(label);
    write.outcome = outcome;
  },
  fail: (write, error, request) => {
    write.requests.push(request);
    write.outcome = { kind: 'failed', error };
  },
  single: async (write) => {
    write.outcome = 'single';
  },
};

const writes = (n: number): Write[] =>
  Array.from({ length: n }, (_, i) => ({ id: i + 1, outcome: null, requests: [] }));
const queued: ZendeskJobStatus = { id: 'J1', status: 'queued' };

describe('runBulk', () => {
  it("places the job's results on the writes", async () => {
    const { ctx } = contextOf(
      () => queued,
      () => ({
        id: 'J1',
        status: 'completed',
        results: [
          { id: 2, status: 'Deleted' },
          { id: 1, error: 'RecordNotFound', details: 'gone' },
        ],
      }),
    );
    const part = writes(3);
    await runBulk(ctx, part, endpoint);
    expect(
      part.map((w) => (w.outcome === null || w.outcome === 'single' ? w.outcome : w.outcome.kind)),
    ).toEqual(['failed', 'ok', 'failed']);
    expect(part[0]?.outcome).toMatchObject({ error: { code: 'InvalidAnchor' } });
    expect(part[2]?.outcome).toMatchObject({ error: { code: 'ZendeskJobFailed', retryable: true } });
    expect(part[1]?.requests).toEqual(['DELETE /api/v2/things/destroy_many (job J1)']);
  });

  it('fails every write of a job that did not complete', async () => {
    const { ctx } = contextOf(
      () => queued,
      () => ({ id: 'J1', status: 'killed', message: 'stopped' }),
    );
    const part = writes(2);
    await runBulk(ctx, part, endpoint);
    for (const write of part)
      expect(write.outcome).toMatchObject({
        kind: 'failed',
        error: { code: 'ZendeskJobFailed', message: 'Zendesk job J1 ended "killed": stopped' },
      });
  });

  it('switches to single requests, from then on, when the submit says the endpoint is unavailable', async () => {
    const { ctx, sent } = contextOf(
      () => {
        throw forbidden(403);
      },
      (job) => job,
    );
    const part = writes(3);
    await runBulk(ctx, part, endpoint);
    expect(ctx.singles.destroy).toBe(true);
    expect(part.map((w) => w.outcome)).toEqual(['single', 'single', 'single']);
    const next = writes(1);
    await runBulk(ctx, next, endpoint);
    expect(next[0]?.outcome).toBe('single');
    expect(sent).toHaveLength(1);
  });

  it('fails the chunk, without switching, for other failures and for a refusal after the submit', async () => {
    const other = contextOf(
      () => {
        throw forbidden(400);
      },
      (job) => job,
    );
    const part = writes(2);
    await runBulk(other.ctx, part, endpoint);
    expect(other.ctx.singles.destroy).toBe(false);
    expect(part[0]?.outcome).toMatchObject({ kind: 'failed', error: { httpStatus: 400 } });
    expect(part[0]?.requests).toEqual(['DELETE /api/v2/things/destroy_many']);

    const poll = contextOf(
      () => queued,
      () => {
        throw forbidden(403);
      },
    );
    const polled = writes(1);
    await runBulk(poll.ctx, polled, endpoint);
    expect(poll.ctx.singles.destroy).toBe(false);
    expect(polled[0]?.outcome).toMatchObject({ kind: 'failed', error: { code: 'InsufficientRights' } });
  });
});

describe('forEachChunk', () => {
  it('runs chunks of 100 and fails only the chunk that throws, retryably', async () => {
    const sizes: number[] = [];
    const failed: number[] = [];
    await forEachChunk(
      { chunkConcurrency: 2 },
      Array.from({ length: 250 }, (_, i) => i),
      async (part) => {
        sizes.push(part.length);
        if (part[0] === 100) throw new Error('a bug');
      },
      (part, error) => {
        failed.push(...part);
        expect(error).toMatchObject({ retryable: true });
      },
    );
    expect(sizes.sort((a, b) => b - a)).toEqual([100, 100, 50]);
    expect(failed).toHaveLength(100);
    expect(failed[0]).toBe(100);
  });
});
