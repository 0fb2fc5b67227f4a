import { describe, expect, it } from 'vitest';
import { createZendeskTarget } from '../src/index.js';

/** A connector whose every request gets the same answer (or failure). */
function answering(reply: () => Response | Error) {
  const fetch = async (): Promise<Response> => {
    const r = reply();
    if (r instanceof Error) throw r;
    return r;
  };
  return createZendeskTarget({
    domain: 'acme',
    adminUsername: 'admin@example.com',
    secretToken: 'the-secret-token',
    fetch: fetch as typeof globalThis.fetch,
    sleep: async () => {},
    maxRetries: 1,
  });
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('testConnection explains each failure with a code and a fix, and never throws', () => {
  it('401 "Couldn\'t authenticate you" (token access disabled, revoked token)', async () => {
    const check = await answering(() => json(401, { error: "Couldn't authenticate you" })).testConnection();
    expect(check.ok).toBe(false);
    expect(check.steps.map((s) => [s.name, s.ok, s.code])).toEqual([
      ['account', true, undefined],
      ['credentials', false, 'InvalidCredentials'],
    ]);
    expect(check.steps[1]?.fix).toMatch(/Token access/);
  });

  it('5xx and 429 after retries', async () => {
    const down = await answering(() => new Response('<html>503</html>', { status: 503 })).testConnection();
    expect(down.steps.at(-1)).toMatchObject({ ok: false, code: 'ZendeskInternalServerError' });
    const busy = await answering(
      () => new Response('slow down', { status: 429, headers: { 'retry-after': '1' } }),
    ).testConnection();
    expect(busy.steps.at(-1)).toMatchObject({ ok: false, code: 'TooManyRequests' });
  });

  it('an answer that is not Zendesk (e.g. a login page) and a fetch that throws', async () => {
    const html = await answering(() => new Response('<html>login</html>', { status: 200 })).testConnection();
    expect(html.steps[0]).toMatchObject({ ok: false, code: 'ZendeskUnexpectedResponse' });
    const weird = await answering(() => new Error('boom')).testConnection();
    expect(weird.ok).toBe(false);
    expect(weird.steps[0]).toMatchObject({ ok: false, code: 'ZendeskNetworkError' });
    expect(JSON.stringify(weird)).not.toContain('the-secret-token');
  });
});
