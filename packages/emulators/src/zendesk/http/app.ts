import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { AfterWriteDecision } from '../../common/faults.js';
import { acceptJsonBodies } from '../../common/json-body.js';
import { normaliseRoute } from '../../common/request-log.js';
import { invalidEndpoint, tooManyRequests, ZendeskApiError } from '../model/errors.js';
import { Renderer } from '../model/render.js';
import { requestsPerMinute } from '../options.js';
import { authenticate } from './auth.js';
import type { EmulatorContext } from './context.js';
import type { Query } from './pagination.js';

export type RouteModule = (app: FastifyInstance, ctx: EmulatorContext) => void;

const apiPrefix = '/api/';
const controlPrefix = '/__emulator/';

/**
 * Paths work with and without `.json`, as on Zendesk (its reference writes paths without it; its
 * curl examples and recorded client traffic use it): strip it before routing.
 */
function stripJsonSuffix(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!path.startsWith(apiPrefix) || !path.endsWith('.json')) return url;
  return path.slice(0, -'.json'.length) + (q < 0 ? '' : url.slice(q));
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** `x.localhost` or `x.zendesk.com` host names carry a subdomain; a wrong one answers 404. */
function subdomainOf(host: string | undefined): string | null {
  const match = /^([a-z0-9-]+)\.(?:localhost|zendesk\.com)(?::\d+)?$/i.exec(host ?? '');
  return match?.[1]?.toLowerCase() ?? null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function faultError(status: 429 | 500 | 503, retryAfter: number): ZendeskApiError {
  switch (status) {
    case 429:
      return tooManyRequests(retryAfter, 'Too Many Requests (fault injected by the emulator)');
    case 503:
      return new ZendeskApiError(503, '<html><body><h1>503 Service Unavailable</h1></body></html>\n', {
        'retry-after': String(retryAfter),
        'content-type': 'text/html; charset=utf-8',
      });
    case 500:
      return new ZendeskApiError(500, '<html><body><h1>500 Internal Server Error</h1></body></html>\n', {
        'content-type': 'text/html; charset=utf-8',
      });
  }
}

/**
 * Builds the Fastify application: `.json` suffixes, subdomain check, injected faults,
 * authentication and the account's rate limit run as hooks before every API route, in that order.
 */
export function buildZendeskApp(
  ctx: EmulatorContext,
  routeModules: readonly RouteModule[],
  logRequests = false,
): FastifyInstance {
  const app = Fastify({
    logger: logRequests ? { level: 'info' } : false,
    bodyLimit: 16 * 1024 * 1024,
    rewriteUrl: (req) => stripJsonSuffix(req.url ?? '/'),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  });

  app.decorateRequest('zd', null as unknown as FastifyRequest['zd']);
  // Writes whose answer an after-write fault replaces once the handler has applied them.
  const afterWrite = new WeakMap<FastifyRequest, AfterWriteDecision>();
  const lost = new WeakSet<FastifyRequest>();

  acceptJsonBodies(
    app,
    () =>
      new ZendeskApiError(400, { error: 'InvalidJSON', description: 'The request body is not valid JSON' }),
  );

  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    if (!path.startsWith(apiPrefix)) return;
    const { store } = ctx;
    const sub = subdomainOf(request.headers.host);
    if (sub !== null && sub !== store.settings.subdomain) {
      // A wrong subdomain answers 404 with an empty body (recorded traffic).
      throw new ZendeskApiError(404, null);
    }
    const decision = ctx.faults.decide();
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    if (decision.kind === 'reset') {
      ctx.requestLog.record(request.method, routeOf(request), 0);
      request.raw.socket.destroy();
      reply.hijack();
      return;
    }
    if (decision.kind === 'status') throw faultError(decision.status, store.settings.faults.retryAfter);
    const after = ctx.faults.afterWrite(request.method, path);
    if (after !== 'answer') afterWrite.set(request, after);

    const base = `${request.protocol}://${request.headers.host ?? request.host}`;
    const auth = authenticate(store, request.headers.authorization);
    request.zd = {
      user: auth instanceof ZendeskApiError ? null : auth,
      render: new Renderer(store, base),
      page: { base, path: pathOf(request.originalUrl), query: request.query as Query },
    };
    // GET /users/me answers 200 with an anonymous user to bad credentials (recorded traffic; Show Self
    // is "Allowed For: Anonymous users" in the Users API reference).
    if (
      auth instanceof ZendeskApiError &&
      !(request.method === 'GET' && request.routeOptions.url === '/api/v2/users/me')
    ) {
      throw auth;
    }
    if (store.settings.rateLimits && auth instanceof ZendeskApiError === false) {
      ctx.limits.account.limit = requestsPerMinute(store.settings);
      const budget = ctx.limits.account.take(store.clock.now());
      if (!budget.allowed) {
        throw tooManyRequests(
          budget.resetSeconds,
          'Too Many Requests: the account has used its API requests for this minute',
        );
      }
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (!pathOf(request.url).startsWith(apiPrefix)) return payload;
    // The emulator's clock, not the machine's: clients read Zendesk's time from this header (the
    // incremental export's start after provisio's own writes), and tests move that clock.
    reply.header('date', new Date(ctx.store.clock.now()).toUTCString());
    const after = afterWrite.get(request);
    if (after !== undefined && reply.statusCode < 300) {
      // The write is applied; its answer is what gets lost.
      if (after === 'lose') {
        lost.add(request);
        ctx.requestLog.record(request.method, routeOf(request), 0);
        request.raw.socket.destroy();
        return payload;
      }
      const fault = faultError(503, ctx.store.settings.faults.retryAfter);
      reply.code(503);
      for (const [name, value] of Object.entries(fault.headers)) reply.header(name, value);
      return fault.body;
    }
    const limit = requestsPerMinute(ctx.store.settings);
    ctx.limits.account.limit = limit;
    const { remaining, resetSeconds } = ctx.limits.account.peek(ctx.store.clock.now());
    // Both spellings Zendesk documents
    // (https://developer.zendesk.com/api-reference/introduction/rate-limits/); clients should accept either.
    reply.header('x-rate-limit', String(limit));
    reply.header('x-rate-limit-remaining', String(remaining));
    reply.header('ratelimit-limit', String(limit));
    reply.header('ratelimit-remaining', String(remaining));
    reply.header('ratelimit-reset', String(resetSeconds));
    reply.header('x-zendesk-api-version', 'v2');
    reply.header('x-request-id', randomUUID());
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    if (!pathOf(request.url).startsWith(apiPrefix) || lost.has(request)) return;
    ctx.requestLog.record(request.method, routeOf(request), reply.statusCode);
  });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ZendeskApiError) {
      reply.code(error.status);
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      if (error.body === null) return reply.send();
      if (typeof error.body === 'string') {
        if (!error.headers['content-type']) reply.type('text/plain; charset=utf-8');
        return reply.send(error.body);
      }
      return reply.send(error.body);
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return reply.code(status).send({ error: 'InvalidParameter', description: (error as Error).message });
    }
    return reply.code(500).send({ error: 'InternalServerError', description: (error as Error).message });
  });

  app.setNotFoundHandler((request, reply) => {
    if (pathOf(request.url).startsWith(controlPrefix)) {
      return reply.code(404).send({
        error: 'NotFound',
        description: `No control-plane route ${request.method} ${pathOf(request.url)}`,
      });
    }
    const error = invalidEndpoint();
    return reply.code(error.status).send(error.body);
  });

  // The API routes as registered (`GET /api/v2/users/{id}`), for coverage checks and docs.
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(apiPrefix)) return;
    for (const method of [route.method].flat())
      if (method !== 'HEAD') routes.push(`${method} ${normaliseRoute(route.url)}`);
  });
  app.decorate('zendeskApiRoutes', routes);
  for (const register of routeModules) register(app, ctx);
  return app;
}

function routeOf(request: FastifyRequest): string {
  const template = request.routeOptions.url;
  return template ? normaliseRoute(template) : pathOf(request.url);
}
