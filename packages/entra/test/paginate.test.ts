import { ConnectorFailure } from '@provisio/engine';
import { Response } from 'undici';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DeltaTokenExpired, GraphClient } from '../src/client/client.js';
import type { HttpTransport } from '../src/client/http.js';
import { type Page, paginate } from '../src/client/paginate.js';

const base = 'https://graph.example';
const item = z.looseObject({ id: z.string() });

/** A Graph that answers each URL from `pages` (a status and body), and records the URLs asked for. */
function graphOf(pages: Record<string, { status?: number; body: unknown }>) {
  const asked: string[] = [];
  const transport: HttpTransport = {
    request: async (url) => {
      asked.push(url);
      const answer = pages[url];
      if (answer === undefined) return new Response('{}', { status: 404 });
      return new Response(JSON.stringify(answer.body), {
        status: answer.status ?? 200,
        headers: { 'content-type': 'application/json' },
      });
    },
    close: async () => undefined,
  };
  const graph = new GraphClient({
    baseUrl: base,
    transport,
    tokens: {
      get: async () => ({ value: 'token', expiresOn: Date.now() + 3_600_000, roles: [] }),
      invalidate: () => undefined,
    },
    clientId: 'client',
    secrets: [],
    sleep: async () => undefined,
  });
  return { graph, asked };
}

async function all<T>(pages: AsyncIterable<Page<T>>): Promise<Page<T>[]> {
  const out: Page<T>[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe('paginate (Graph)', () => {
  it('follows @odata.nextLink and gives the deltaLink of the last page of a delta round', async () => {
    const { graph, asked } = graphOf({
      [`${base}/v1.0/users/delta`]: {
        body: { value: [{ id: 'a' }], '@odata.nextLink': `${base}/v1.0/users/delta?$skiptoken=1` },
      },
      [`${base}/v1.0/users/delta?$skiptoken=1`]: {
        body: { value: [{ id: 'b' }], '@odata.deltaLink': `${base}/v1.0/users/delta?$deltatoken=2` },
      },
    });
    const pages = await all(
      paginate(graph, {
        url: `${base}/v1.0/users/delta`,
        item,
        style: { kind: 'delta' },
        operation: 'readUsers',
      }),
    );
    expect(pages).toEqual([
      { items: [{ id: 'a' }], deltaLink: null },
      { items: [{ id: 'b' }], deltaLink: `${base}/v1.0/users/delta?$deltatoken=2` },
    ]);
    expect(asked).toHaveLength(2);
  });

  it('stops a list at the first page without a next link', async () => {
    const { graph } = graphOf({ [`${base}/v1.0/groups`]: { body: { value: [{ id: 'g' }] } } });
    const pages = await all(
      paginate(graph, { url: `${base}/v1.0/groups`, item, style: { kind: 'list' }, operation: 'findGroup' }),
    );
    expect(pages).toEqual([{ items: [{ id: 'g' }], deltaLink: null }]);
  });

  it('refuses a delta round that ends without a deltaLink, a link off Graph and a link loop', async () => {
    const noDelta = graphOf({ [`${base}/d`]: { body: { value: [] } } });
    await expect(
      all(
        paginate(noDelta.graph, { url: `${base}/d`, item, style: { kind: 'delta' }, operation: 'readUsers' }),
      ),
    ).rejects.toMatchObject({ detail: { code: 'UnexpectedSourceResponse' } });

    const offHost = graphOf({
      [`${base}/l`]: { body: { value: [], '@odata.nextLink': 'https://elsewhere.example/l?page=2' } },
    });
    await expect(
      all(
        paginate(offHost.graph, { url: `${base}/l`, item, style: { kind: 'list' }, operation: 'readUsers' }),
      ),
    ).rejects.toThrow(/another host/);
    expect(offHost.asked).toEqual([`${base}/l`]);

    const loop = graphOf({ [`${base}/l`]: { body: { value: [], '@odata.nextLink': `${base}/l` } } });
    await expect(
      all(paginate(loop.graph, { url: `${base}/l`, item, style: { kind: 'list' }, operation: 'readUsers' })),
    ).rejects.toThrow(/same next link twice/);
  });

  it('checks every item', async () => {
    const { graph } = graphOf({ [`${base}/l`]: { body: { value: [{ id: 'a' }, { name: 'no id' }] } } });
    const error = await all(
      paginate(graph, { url: `${base}/l`, item, style: { kind: 'list' }, operation: 'readUsers' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorFailure);
    expect((error as ConnectorFailure).message).toMatch(/unexpected item at value\.1/);
  });

  it('throws DeltaTokenExpired for a delta round whose token state is gone, a failure for a list', async () => {
    const gone = { status: 410, body: { error: { code: 'syncStateNotFound', message: 'gone' } } };
    const delta = graphOf({ [`${base}/d`]: gone });
    await expect(
      all(
        paginate(delta.graph, { url: `${base}/d`, item, style: { kind: 'delta' }, operation: 'readUsers' }),
      ),
    ).rejects.toBeInstanceOf(DeltaTokenExpired);
    const list = graphOf({ [`${base}/d`]: gone });
    await expect(
      all(paginate(list.graph, { url: `${base}/d`, item, style: { kind: 'list' }, operation: 'readUsers' })),
    ).rejects.toBeInstanceOf(ConnectorFailure);
  });
});
