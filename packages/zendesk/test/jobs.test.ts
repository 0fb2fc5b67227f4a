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

/** Jobs that take `durationMs` of virtual time; every wait of the client moves that time. */
function timedJobs(initialDurationMs: number) {
  let now = 0;
  let durationMs = initialDurationMs;
  const submitted = new Map<string, number>();
  let polls = 0;
  const job = (id: string): ZendeskJobStatus =>
    now - (submitted.get(id) ?? now) >= durationMs
      ? { id, status: 'completed', total: 1, progress: 1, message: null, results: [] }
      : { id, status: 'working', total: 1, progress: 0, message: null, results: null };
  const fetch = async (input: string | URL | Request): Promise<Response> => {
    const url = new URL(String(input));
    polls += 1;
    const ids =
      url.pathname === '/api/v2/job_statuses/show_many'
        ? (url.searchParams.get('ids') ?? '').split(',')
        : [url.pathname.split('/').pop() ?? ''];
    const body =
      ids.length === 1 && !url.pathname.endsWith('show_many')
        ? { job_status: job(ids[0] as string) }
        : { job_statuses: ids.map(job) };
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  const http = new ZendeskHttp({
    domain: 'acme',
    adminUsername: 'a@example.com',
    secretToken: 't',
    fetch: fetch as typeof globalThis.fetch,
    sleep: async (ms) => {
      now += ms;
    },
  });
  const submit = (id: string) => async () => {
    submitted.set(id, now);
    return queued(id);
  };
  return {
    http,
    submit,
    polls: () => polls,
    now: () => now,
    setDuration: (ms: number) => {
      durationMs = ms;
    },
  };
}

describe('BulkJobs poll schedule', () => {
  it('learns how long jobs take: batches of slow jobs are polled about once each, not once per back-off step', async () => {
    const service = timedJobs(5_000);
    const jobs = new BulkJobs(service.http);
    // 20 batches of 5 jobs, one batch after the other (as the engine applies a batch of 500 users).
    for (let batch = 0; batch < 20; batch += 1)
      await Promise.all(Array.from({ length: 5 }, (_, i) => jobs.run(service.submit(`b${batch}-${i}`))));
    // A fixed back-off from 200 ms would poll each batch 7 times (0.2, 0.5, 0.95, 1.6, 2.6, 4.1, 6.1 s): 140.
    expect(service.polls()).toBeLessThanOrEqual(7 + 19 * 2);
  });

  it('comes back to short waits when jobs become fast again', async () => {
    const service = timedJobs(5_000);
    const jobs = new BulkJobs(service.http);
    for (let batch = 0; batch < 3; batch += 1) await jobs.run(service.submit(`slow${batch}`));
    service.setDuration(0);
    const waited: number[] = [];
    for (let batch = 0; batch < 15; batch += 1) {
      const before = service.now();
      await jobs.run(service.submit(`fast${batch}`));
      waited.push(service.now() - before);
    }
    // Each fast job is found at the first poll, and the first wait shrinks back to 200 ms.
    expect(waited[0]).toBeGreaterThan(1_000);
    expect(waited.at(-1)).toBe(200);
  });
});
