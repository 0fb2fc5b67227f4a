/**
 * The admin API's OpenAPI document and docs/api-reference.md, produced from the routes themselves:
 * a server assembled on an in-memory state store, never listening, asked for its document.
 * `npm run docs:api` writes the reference; a test fails when the committed one is stale.
 */
import { randomBytes } from 'node:crypto';
import { openStateStore, systemClock } from '@provisio/engine';
import { createServer, createVault, type OpenApiDocument, renderApiReference } from '@provisio/server';
import pino from 'pino';

export async function openApiDocument(): Promise<OpenApiDocument> {
  const store = await openStateStore('sqlite::memory:');
  await store.migrate();
  try {
    const server = await createServer({
      store,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      runtime: {
        open: () => Promise.reject(new Error('the API reference is generated without running jobs')),
      },
      vault: createVault(randomBytes(32)),
      secretProviders: {},
      options: { allowCustomEndpoints: false, publicUrl: 'http://127.0.0.1:8080' },
      version: '0.1.0',
      schedule: false,
    });
    const document = server.app.swagger() as unknown as OpenApiDocument;
    await server.close(0);
    return document;
  } finally {
    await store.close();
  }
}

export async function apiReference(): Promise<string> {
  return renderApiReference(await openApiDocument());
}
