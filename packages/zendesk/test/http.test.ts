import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ZendeskHttpError } from '../src/client/errors.js';
import { lowWaterMark, parseRateLimitHeaders, ZendeskHttp } from '../src/client/http.js';

const token = 'super-secret-token-value';

interface Call {
  url: string;
  method: string;
  authorization: string | null;
  body: string | null;
}

type Reply = Response | Error;

/** A fetch that answers from a script and records the calls. */
function scriptedFetch(replies: (call: Call, index: number) => Reply) {
  const calls: Call[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const call = {
      url: String(input),
      method: init?.method ?? 'GET',
      authorization: headers.get('authorization'),
      body: typeof init?.body === 'string' ? init.body : null,
    };
    calls.push(call);
    const reply = replies(call, calls.length - 1);
    if (reply instanceof Error) throw reply;
    return reply;
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { 'content-type': 'text/html', ...headers } });

function client(
  replies: (call: Call, index: number) => Reply,
  extra: { maxRetries?: number; baseUrl?: string } = {},
) {
  const waits: number[] = [];
  const scripted = scriptedFetch(replies);
  const http = new ZendeskHttp({
    domain: 'acme',
    adminUsername: 'admin@example.com',
    secretToken: token,
    fetch: scripted.fetch,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...extra,
  });
  return { http, waits, calls: scripted.calls };
}

const anything = z.unknown();
const reset = () =>
  Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
  });

describe('rate-limit headers', () => {
  it('reads the documented spellings', () => {
    expect(
      parseRateLimitHeaders(
        new Headers({ 'x-rate-limit': '700', 'x-rate-limit-remaining': '699', 'ratelimit-reset': '41' }),
      ),
    ).toEqual({ limit: 700, remaining: 699, resetSeconds: 41 });
    expect(
      parseRateLimitHeaders(
        new Headers({ 'ratelimit-limit': '200', 'ratelimit-remaining': '3', 'ratelimit-reset': '9' }),
      ),
    ).toEqual({ limit: 200, remaining: 3, resetSeconds: 9 });
  });

  it('reads the hyphenated spelling of 2023 traffic, and tolerates absence and garbage', () => {
    expect(
      parseRateLimitHeaders(
        new Headers({ 'rate-limit': '700', 'rate-limit-remaining': '676', 'rate-limit-reset': '41' }),
      ),
    ).toEqual({ limit: 700, remaining: 676, resetSeconds: 41 });
    expect(parseRateLimitHeaders(new Headers({ 'x-rate-limit-remaining': 'lots' }))).toEqual({
      limit: null,
      remaining: null,
      resetSeconds: null,
    });
  });

  it('treats a few percent of the budget (2 to 10 requests) as low', () => {
    expect(lowWaterMark(700)).toBe(10);
    expect(lowWaterMark(200)).toBe(10);
    expect(lowWaterMark(20)).toBe(1);
    expect(lowWaterMark(null)).toBe(2);
  });
});

describe('ZendeskHttp', () => {
  it('authenticates with {email}/token:{token}, builds https://{domain}.zendesk.com URLs and counts requests', async () => {
    const { http, calls } = client(() => json(200, { ok: true }));
    await http.request('GET', '/api/v2/users', {
      query: { 'page[size]': 100, ids: [1, 2] },
      schema: anything,
    });
    expect(calls[0]?.url).toBe('https://acme.zendesk.com/api/v2/users?page%5Bsize%5D=100&ids=1%2C2');
    expect(calls[0]?.authorization).toBe(
      `Basic ${Buffer.from(`admin@example.com/token:${token}`).toString('base64')}`,
    );
    expect(http.requests).toBe(1);
  });

  it('rebases links onto the configured host, so credentials never go elsewhere', () => {
    const { http } = client(() => json(200, {}), { baseUrl: 'http://127.0.0.1:4010' });
    expect(http.url('https://evil.example.com/api/v2/users.json?page%5Bafter%5D=x').toString()).toBe(
      'http://127.0.0.1:4010/api/v2/users.json?page%5Bafter%5D=x',
    );
  });

  it('retries 429 and 503 after Retry-After, with non-JSON bodies', async () => {
    const { http, waits, calls } = client((_, i) =>
      i === 0
        ? text(429, 'Rate limit for ticket updates exceeded', { 'retry-after': '93' })
        : i === 1
          ? text(503, '<html>down</html>', { 'retry-after': '2' })
          : json(200, { done: true }),
    );
    expect(
      await http.request('POST', '/api/v2/users/create_or_update', {
        body: { user: {} },
        schema: anything,
        idempotent: true,
      }),
    ).toEqual({ done: true });
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([93_000, 2000]);
  });

  it('never repeats a write that is not idempotent after a 503 when it cannot look it up', async () => {
    const { http, calls } = client(() => text(503, '<html>down</html>', { 'retry-after': '2' }));
    const error = (await http
      .request('POST', '/api/v2/groups', { body: { group: { name: 'G' } }, schema: anything })
      .catch((e: unknown) => e)) as ZendeskHttpError;
    expect(calls).toHaveLength(1);
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(error.message).toMatch(/not repeated: Zendesk may have applied it/);
  });

  it('after an ambiguous failure of a write, looks it up first: found, it is the answer; not found, the write is repeated', async () => {
    // 503, then a reset: both may have been applied.
    for (const failure of [() => text(503, 'down', { 'retry-after': '1' }), reset]) {
      const found = client(() => failure());
      let lookups = 0;
      const answer = await found.http.request('POST', '/api/v2/groups', {
        schema: anything,
        recover: async () => {
          lookups += 1;
          return { group: { id: 7 } };
        },
      });
      expect(answer).toEqual({ group: { id: 7 } });
      expect(found.calls).toHaveLength(1);
      expect(lookups).toBe(1);
    }

    const notFound = client((_, i) => (i === 0 ? text(500, 'oops') : json(201, { group: { id: 8 } })));
    const order: string[] = [];
    const created = await notFound.http.request('POST', '/api/v2/groups', {
      schema: anything,
      recover: async () => {
        order.push(`looked up after ${notFound.calls.length} call`);
        return null;
      },
    });
    expect(created).toEqual({ group: { id: 8 } });
    expect(notFound.calls).toHaveLength(2);
    expect(order).toEqual(['looked up after 1 call']);

    // A 4xx (and a 429) is a refusal: nothing to look up.
    const refused = client((_, i) => (i === 0 ? text(429, 'slow', { 'retry-after': '1' }) : text(422, '{}')));
    let asked = 0;
    await refused.http
      .request('POST', '/api/v2/groups', {
        schema: anything,
        recover: async () => {
          asked += 1;
          return null;
        },
      })
      .catch(() => undefined);
    expect(refused.calls).toHaveLength(2);
    expect(asked).toBe(0);
  });

  it('fails without repeating the write when the look-up itself fails', async () => {
    const { http, calls } = client(() => text(502, 'bad gateway'));
    const error = (await http
      .request('POST', '/api/v2/groups', {
        schema: anything,
        recover: async () => {
          throw new Error('lookup refused');
        },
      })
      .catch((e: unknown) => e)) as ZendeskHttpError;
    expect(calls).toHaveLength(1);
    expect(error).toBeInstanceOf(ZendeskHttpError);
    expect(error.message).toMatch(/could not be checked \(lookup refused\), so it was not repeated/);
  });

  it('gives up after the retries with a clear error that never contains the token', async () => {
    const { http, calls } = client(() => text(429, 'slow down', { 'retry-after': '1' }), { maxRetries: 3 });
    const error = await http.request('GET', '/api/v2/users', { schema: anything }).catch((e: unknown) => e);
    expect(calls).toHaveLength(4);
    expect(error).toBeInstanceOf(ZendeskHttpError);
    const e = error as ZendeskHttpError;
    expect(e).toMatchObject({
      code: 'TooManyRequests',
      retryable: true,
      status: 429,
      request: 'GET /api/v2/users',
    });
    expect(e.message).toMatch(/gave up after 3 retries/);
    expect(JSON.stringify({ ...e, message: e.message, stack: e.stack })).not.toContain(token);
    expect(JSON.stringify(e.toConnectorError())).not.toContain(token);
  });

  it('truncates response bodies to 2,000 characters', async () => {
    const { http } = client(() => text(400, 'x'.repeat(5000)));
    const error = (await http
      .request('GET', '/api/v2/users', { schema: anything })
      .catch((e: unknown) => e)) as ZendeskHttpError;
    expect(error.code).toBe('ZendeskBadRequest');
    expect(error.response?.length).toBeLessThan(2100);
  });

  it('retries 500 and connection resets for idempotent requests only', async () => {
    const get = client((_, i) => (i === 0 ? reset() : i === 1 ? text(500, 'oops') : json(200, {})));
    await get.http.request('GET', '/api/v2/users', { schema: anything });
    expect(get.calls).toHaveLength(3);

    const post = client(() => text(500, 'oops'));
    const error = (await post.http
      .request('POST', '/api/v2/users/1/identities', { schema: anything })
      .catch((e: unknown) => e)) as ZendeskHttpError;
    expect(post.calls).toHaveLength(1);
    expect(error).toMatchObject({ code: 'ZendeskInternalServerError', retryable: true, status: 500 });

    const postReset = client(() => reset());
    const networkError = (await postReset.http
      .request('POST', '/api/v2/users', { schema: anything })
      .catch((e: unknown) => e)) as ZendeskHttpError;
    expect(postReset.calls).toHaveLength(1);
    expect(networkError).toMatchObject({
      code: 'ZendeskNetworkError',
      networkCode: 'ECONNRESET',
      retryable: true,
    });

    const idempotentPost = client((_, i) => (i === 0 ? reset() : json(200, {})));
    await idempotentPost.http.request('POST', '/api/v2/users/create_or_update_many', {
      schema: anything,
      idempotent: true,
    });
    expect(idempotentPost.calls).toHaveLength(2);
  });

  it('maps statuses to stable codes (401, 403, 404 on a user, 422 duplicate and invalid)', async () => {
    const codeOf = async (reply: Response, subject: 'user' | 'other' = 'other') => {
      const { http } = client(() => reply.clone());
      const error = (await http
        .request('PUT', '/api/v2/users/1', { schema: anything, subject })
        .catch((e: unknown) => e)) as ZendeskHttpError;
      return [error.code, error.message] as const;
    };
    expect((await codeOf(json(401, { error: "Couldn't authenticate you" })))[0]).toBe('InvalidCredentials');
    expect((await codeOf(json(403, { error: 'Forbidden' })))[0]).toBe('InsufficientRights');
    expect((await codeOf(json(404, { error: 'RecordNotFound' }), 'user'))[0]).toBe('InvalidAnchor');
    expect((await codeOf(new Response('', { status: 404 })))[0]).toBe('ZendeskNotFound');
    const duplicate = await codeOf(
      json(422, {
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: {
          email: [
            { description: 'Email: a@b.co is already being used by another user', error: 'DuplicateValue' },
          ],
        },
      }),
    );
    expect(duplicate[0]).toBe('ZendeskEntryConflict');
    expect(duplicate[1]).toContain('email already belongs to another Zendesk user');
    const invalid = await codeOf(
      json(422, {
        error: 'RecordInvalid',
        details: {
          time_zone: [{ description: 'Time zone: Mars is not included in the list', error: 'InvalidValue' }],
        },
      }),
    );
    expect(invalid).toEqual([
      'ZendeskUnprocessableEntity',
      'Zendesk refused the value of time_zone: Time zone: Mars is not included in the list',
    ]);
  });

  it('validates 2xx bodies and names what does not fit', async () => {
    const { http } = client(() => json(200, { users: [{ id: 'x' }] }));
    const error = (await http
      .request('GET', '/api/v2/users', { schema: z.object({ users: z.array(z.object({ id: z.number() })) }) })
      .catch((e: unknown) => e)) as ZendeskHttpError;
    expect(error.code).toBe('ZendeskUnexpectedResponse');
    expect(error.message).toContain('users.0.id');
  });

  it('pauses every request until the reset when the remaining budget is low', async () => {
    let remaining = 12;
    const { http, waits } = client(() => {
      remaining -= 1;
      return json(
        200,
        {},
        { 'x-rate-limit': '200', 'x-rate-limit-remaining': String(remaining), 'ratelimit-reset': '7' },
      );
    });
    await http.request('GET', '/a', { schema: anything }); // 11 left
    await http.request('GET', '/b', { schema: anything }); // 10 left: low → pause
    expect(waits).toEqual([7000]);
    await http.request('GET', '/c', { schema: anything });
    expect(http.pacingPauses).toBeGreaterThanOrEqual(1);
  });

  it('holds every request while the account budget is spent (429 with remaining 0)', async () => {
    let first = true;
    const { http, waits, calls } = client(() => {
      if (first) {
        first = false;
        return text(429, 'Too Many Requests', {
          'retry-after': '5',
          'x-rate-limit-remaining': '0',
          'x-rate-limit': '700',
        });
      }
      return json(200, {});
    });
    await Promise.all([
      http.request('GET', '/a', { schema: anything }),
      http.request('GET', '/b', { schema: anything }),
    ]);
    expect(waits).toContain(5000);
    expect(calls.length).toBe(3);
  });
});

describe('what is retried (docs/provisioning.md#retries)', () => {
  const failed = (code: string, message = `connect ${code}`) =>
    Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(message), { code }) });

  it('fails at once, with the fix, on an unknown host, a refused port and untrusted certificates', async () => {
    const cases: [string, RegExp][] = [
      ['ENOTFOUND', /target\.domain.*does not resolve/],
      ['ECONNREFUSED', /Nothing accepts connections at acme\.zendesk\.com.*target\.baseUrl/],
      ['SELF_SIGNED_CERT_IN_CHAIN', /NODE_EXTRA_CA_CERTS/],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /not signed by a trusted authority/],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', /not signed by a trusted authority/],
      ['ERR_TLS_CERT_ALTNAME_INVALID', /for another host name/],
      ['CERT_HAS_EXPIRED', /clock/],
    ];
    for (const [code, fix] of cases) {
      const { http, calls, waits } = client(() => failed(code));
      const error = (await http
        .request('GET', '/api/v2/users/me', { schema: anything })
        .catch((e: unknown) => e)) as ZendeskHttpError;
      expect(calls, code).toHaveLength(1);
      expect(waits, code).toEqual([]);
      expect(error, code).toMatchObject({ code: 'ZendeskNetworkError', networkCode: code, retryable: false });
      expect(error.recommendedAction, code).toMatch(fix);
      expect(error.message, code).not.toContain(token);
    }
  });

  it('retries timeouts, resets and EAI_AGAIN on reads, with back-off', async () => {
    const replies = [
      failed('UND_ERR_HEADERS_TIMEOUT'),
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      failed('EAI_AGAIN'),
      failed('ECONNRESET'),
    ];
    const { http, calls, waits } = client((_, i) => replies[i] ?? json(200, { ok: 1 }));
    expect(await http.request('GET', '/api/v2/users', { schema: anything })).toEqual({ ok: 1 });
    expect(calls).toHaveLength(5);
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it('fails at once on 401, 403, 404 and 422; retries 502 and 504 on reads', async () => {
    for (const status of [400, 401, 403, 404, 422]) {
      const { http, calls } = client(() => json(status, { error: 'no' }));
      await http.request('GET', '/api/v2/users', { schema: anything }).catch(() => undefined);
      expect(calls, String(status)).toHaveLength(1);
    }
    const { http, calls } = client((_, i) =>
      i === 0 ? text(502, 'bad gateway') : i === 1 ? text(504, '') : json(200, {}),
    );
    await http.request('GET', '/api/v2/users', { schema: anything });
    expect(calls).toHaveLength(3);
  });

  it('stops when the next wait would pass the total budget, without waiting for nothing', async () => {
    const { http, calls, waits } = client(() => text(429, 'slow down', { 'retry-after': '400' }));
    const error = (await http
      .request('GET', '/api/v2/users', { schema: anything })
      .catch((e: unknown) => e)) as ZendeskHttpError;
    // 400 s twice fits in 15 minutes; a third would not.
    expect(waits).toEqual([400_000, 400_000]);
    expect(calls).toHaveLength(3);
    expect(error).toMatchObject({ code: 'TooManyRequests', retryable: true });
    expect(error.message).toMatch(
      /gave up after 2 retries: waiting 400 s more would pass the retry budget of 900 s/,
    );

    const small = new ZendeskHttp({
      domain: 'acme',
      adminUsername: 'a@example.com',
      secretToken: token,
      maxTotalRetryWaitMs: 2500,
      fetch: scriptedFetch(() => failed('ECONNRESET')).fetch,
      sleep: async (ms) => void waits.push(ms),
    });
    waits.length = 0;
    await small.request('GET', '/x', { schema: anything }).catch(() => undefined);
    expect(waits).toEqual([1000]);
  });
});

describe('a shared request budget', () => {
  it('is asked before every attempt, for the account, at the limit Zendesk last reported', async () => {
    const asked: { account: string; perMinute: number }[] = [];
    let sent = 0;
    const scripted = scriptedFetch((_call, index) => {
      sent += 1;
      // Every request was granted by the budget before it was sent.
      expect(asked.length).toBe(sent);
      return index === 1
        ? json(503, {}, { 'x-rate-limit': '700' })
        : json(200, { ok: true }, { 'x-rate-limit': '700' });
    });
    const http = new ZendeskHttp({
      domain: 'acme',
      adminUsername: 'admin@example.com',
      secretToken: token,
      fetch: scripted.fetch,
      sleep: async () => {},
      requestBudget: {
        acquire: async (account, perMinute) => {
          asked.push({ account, perMinute });
        },
      },
    });
    await http.request('GET', '/api/v2/users/me.json', { schema: anything });
    await http.request('GET', '/api/v2/users/me.json', { schema: anything });
    expect(asked).toEqual([
      // Before any answer: the lowest plan's limit.
      { account: 'https://acme.zendesk.com', perMinute: 200 },
      { account: 'https://acme.zendesk.com', perMinute: 700 },
      // The retry after the 503 asks again.
      { account: 'https://acme.zendesk.com', perMinute: 700 },
    ]);
  });
});
