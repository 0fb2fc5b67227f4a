/**
 * The admin console (docs/console.md): the single-page app built into packages/console/dist, served
 * at `/` to anyone (it holds no data: everything it shows comes from the API routes, which check who
 * is calling). Hashed files under `/assets/` are cached for a year; `index.html` is revalidated on
 * every load, and answers every other page path so that a deep link (`/applications/…`) opens the app.
 * API paths (`/v1.0/…`, `/provisio/…`) never fall back to the page: an unknown one stays a Graph 404.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { ApiError } from '../http/errors.js';

/**
 * The page may load its own scripts and images only, and talk to its own origin only; Fluent UI
 * (Griffel) inserts its styles at run time, hence 'unsafe-inline' for styles and nothing else.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const API_PREFIXES = ['/v1.0/', '/provisio/', '/openapi.json', '/metrics', '/healthz', '/readyz'];

export function consoleRoutes(app: ApiApp, context: ServerContext): void {
  const root = context.options.consoleRoot;
  if (root === undefined) return;
  if (!existsSync(join(root, 'index.html')))
    throw new Error(
      `The console is not built: ${join(root, 'index.html')} is missing. Run \`npm run build\` (npm install runs it).`,
    );
  // serve: false — only `reply.sendFile`; the routes below say who may call them, as every route does.
  app.register(fastifyStatic, { root, serve: false });

  const page = (reply: FastifyReply) =>
    reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .sendFile('index.html', { cacheControl: false });

  app.get('/', { config: { access: 'anonymous' }, schema: { hide: true } }, (_request, reply) => page(reply));
  app.get('/assets/*', { config: { access: 'anonymous' }, schema: { hide: true } }, (request, reply) => {
    const file = (request.params as { '*': string })['*'];
    return reply
      .header('x-content-type-options', 'nosniff')
      .sendFile(join('assets', file), { maxAge: 365 * 24 * 3600 * 1000, immutable: true });
  });
  app.get('/*', { config: { access: 'anonymous' }, schema: { hide: true } }, (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (API_PREFIXES.some((prefix) => path.startsWith(prefix)))
      throw new ApiError(404, `No route matches ${request.method} ${path}.`);
    return page(reply);
  });
}
