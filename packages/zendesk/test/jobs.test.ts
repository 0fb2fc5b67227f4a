import { describe, expect, it } from 'vitest';
import { ZendeskHttp } from '../src/client/http.js';
import { BulkJobs } from '../src/client/jobs.js';
import type { ZendeskJobStatus } from '../src/client/schemas.js';

/** A fake Zendesk job service: each job completes after `pollsToFinish` polls. */
function fakeJobs(options: { pollsToFinish: number; hiddenPolls?: number }) {
  const polls = new Map<string, number>();
  const urls: string[] = [];
  const status = (id: string): ZendeskJobStatus | null => {
    const n = (polls.get(id) ?? 0) + 1;
    polls.set(id, n);
    if (n <= (options.hiddenPolls ?? 0)) return null;
    return n >= options.pollsToFinish
      ? {
          id,
          status: 'completed',
          total: 1,
          progress: 1,
          message: null,
          results: [{ id: 1, status: 'Updated' }],
        }
      : { id, status: 'working', total: 1, progress: 0, message: null, results: null };
  };
  const fetch = async (input: string | URL | Request): Promise<Response> => {
    const url = new URL(String(input));
    urls.push(url.pathname + url.search);
    const reply = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (url.pathname === '/api/v2/job_statuses/show_many') {
      const ids = (url.searchParams.get('ids') ?? '').split(',');
      return reply(200, { job_statuses: ids.map(status).filter((j) => j !== null) });
    }
    const id = url.pathname.split('/').pop() ?? '';
    const job = status(id);
    return job
      ? reply(200, { job_status: job })
      : reply(404, { error: 'RecordNotFound', description: 'Not found' });
  };
  const http = new ZendeskHttp({
    domain: 'acme',
    adminUsername: 'a@example.com',
    secretToken: 't',
    fetch: fetch as typeof globalThis.fetch,
    sleep: () => new Promise((resolve) => setTimeout(resolve, 1)),
  });
  return { http, urls };
}

const queued = (id: string): ZendeskJobStatus => ({
  id,
  status: 'queued',
  total: 1,
  progress: null,
  message: null,
  results: null,
});

describe('BulkJobs', () => {
  it('polls one job with GET /job_statuses/{id} until it is completed', async () => {
    const { http, urls } = fakeJobs({ pollsToFinish: 3 });
    const jobs = new BulkJobs(http);
    const job = await jobs.run(async () => queued('V3-one'));
    expect(job.status).toBe('completed');
    expect(urls).toEqual([
      '/api/v2/job_statuses/V3-one',
      '/api/v2/job_statuses/V3-one',
      '/api/v2/job_statuses/V3-one',
    ]);
  });

  it('polls several outstanding jobs together with show_many', async () => {
    const { http, urls } = fakeJobs({ pollsToFinish: 2 });
    const jobs = new BulkJobs(http);
    const done = await Promise.all(['a', 'b', 'c'].map((id) => jobs.run(async () => queued(id))));
    expect(done.map((j) => j.status)).toEqual(['completed', 'completed', 'completed']);
    expect(urls.every((u) => u.startsWith('/api/v2/job_statuses/show_many?ids='))).toBe(true);
    expect(urls.length).toBe(2);
  });

  it('tolerates a job that is not visible for its first polls', async () => {
    const { http } = fakeJobs({ pollsToFinish: 4, hiddenPolls: 3 });
    expect((await new BulkJobs(http).run(async () => queued('late'))).status).toBe('completed');
  });

  it('gives up after five polls without the job', async () => {
    const { http, urls } = fakeJobs({ pollsToFinish: 10, hiddenPolls: 10 });
    await expect(new BulkJobs(http).run(async () => queued('never'))).rejects.toMatchObject({
      code: 'ZendeskJobNotFound',
    });
    expect(urls).toHaveLength(5);
  });

  it('gives up on a job that does not finish in time', async () => {
    const { http } = fakeJobs({ pollsToFinish: 1000 });
    const jobs = new BulkJobs(http, { initialIntervalMs: 200, maxIntervalMs: 2000, timeoutMs: 5000 });
    await expect(jobs.run(async () => queued('slow'))).rejects.toMatchObject({
      code: 'Timeout',
      retryable: true,
    });
  });

  it('keeps at most maxInFlight jobs submitted and unfinished', async () => {
    const { http } = fakeJobs({ pollsToFinish: 2 });
    const jobs = new BulkJobs(http, { maxInFlight: 2 });
    let inFlight = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        jobs
          .run(async () => {
            inFlight += 1;
            most = Math.max(most, inFlight);
            return queued(`j${i}`);
          })
          .then(() => {
            inFlight -= 1;
          }),
      ),
    );
    expect(most).toBe(2);
  });
});
