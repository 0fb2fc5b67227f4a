import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { jwtVerify } from 'jose';
import type { AfterWriteDecision } from '../../common/faults.js';
import { acceptJsonBodies } from '../../common/json-body.js';
import { normaliseRoute } from '../../common/request-log.js';
import { IdentityError } from '../identity/errors.js';
import { GraphError, insufficientPrivileges, invalidToken, tooManyRequests } from '../model/errors.js';
import { graphAppId, graphResource } from '../model/tenant.js';
import type { EntraContext } from './context.js';

export type RouteModule = (app: FastifyInstance, ctx: EntraContext) => void;

const graphPrefix = '/v1.0/';
const controlPrefix = '/__emulator/';

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Identity-platform endpoints (`/{tenant}/oauth2/…`, discovery, keys): counted, never faulted. */
function isIdentityPath(path: string): boolean {
  return /^\/[^/]+\/(?:oauth2\/|v2\.0\/\.well-known\/|discovery\/)/.test(path);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The issuer of Graph access tokens: Graph's tokens are v1.0 tokens issued by sts.windows.net. */
export const graphTokenIssuer = (tenantId: string): string => `https://sts.windows.net/${tenantId}/`;

export function originOf(request: FastifyRequest): string {
  return `https://${request.headers.host ?? request.host}`;
}

/** Fails the request with 403 unless its token holds one of the permissions. */
export function requirePermission(request: FastifyRequest, anyOf: readonly string[]): void {
  if (!anyOf.some((p) => request.graph.roles.has(p))) throw insufficientPrivileges();
}

function faultError(status: 429 | 500 | 503, retryAfter: number): GraphError {
  switch (status) {
    case 429:
      return tooManyRequests(retryAfter);
    case 503:
      return new GraphError(
        503,
        'serviceNotAvailable',
        'The service is temporarily unavailable (fault injected by the emulator).',
        {
          'retry-after': String(retryAfter),
        },
      );
    case 500:
      return new GraphError(
        500,
        'UnknownError',
        'An internal server error occurred (fault injected by the emulator).',
      );
  }
}

/**
 * Builds the Fastify application over HTTPS. For `/v1.0/` routes the hooks run in this order: injected
 * faults, bearer-token verification, the calling app's request budget; every Graph and identity
 * request is counted in the request log.
 */
export function buildEntraApp(
  ctx: EntraContext,
  https: { key: string; cert: string },
  routeModules: readonly RouteModule[],
  logRequests = false,
): FastifyInstance {
  const app = Fastify({
    https,
    logger: logRequests ? { level: 'info' } : false,
    bodyLimit: 16 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  });

  app.decorateRequest('graph', null as unknown as FastifyRequest['graph']);
  // Writes whose answer an after-write fault replaces once the handler has applied them.
  const afterWrite = new WeakMap<FastifyRequest, AfterWriteDecision>();
  const lost = new WeakSet<FastifyRequest>();

  acceptJsonBodies(
    app,
    () =>
      new GraphError(
        400,
        'BadRequest',
        'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
      ),
  );
  // The token endpoint and the sign-in form post application/x-www-form-urlencoded bodies.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      done(null, Object.fromEntries(new URLSearchParams(text)));
    },
  );

  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    if (!path.startsWith(graphPrefix)) return;
    const { store } = ctx;
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

    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw invalidToken('Access token is empty.');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(match[1], ctx.signingKey.publicKey, {
        algorithms: ['RS256'],
        issuer: graphTokenIssuer(store.tenant.tenantId),
        audience: [graphResource, graphAppId],
        currentDate: new Date(store.clock.now()),
      }));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw invalidToken(
        code === 'ERR_JWT_EXPIRED'
          ? 'Lifetime validation failed, the token is expired.'
          : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED'
            ? 'Access token validation failure. Invalid audience.'
            : 'Access token validation failure.',
      );
    }
    const appId = typeof payload['appid'] === 'string' ? payload['appid'] : '';
    const roles = Array.isArray(payload['roles'])
      ? payload['roles'].filter((r): r is string => typeof r === 'string')
      : [];
    request.graph = { appId, roles: new Set(roles), origin: originOf(request) };

    if (store.settings.rateLimits) {
      const budget = ctx.throttles.take(appId, store.clock.now());
      if (!budget.allowed) throw tooManyRequests(budget.resetSeconds);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const path = pathOf(request.url);
    if (!path.startsWith(graphPrefix)) return payload;
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
      reply.code(503).type('application/json');
      for (const [name, value] of Object.entries(fault.headers)) reply.header(name, value);
      return JSON.stringify(graphErrorBody(fault, request, ctx.store.clock.iso()));
    }
    const requestId = randomUUID();
    reply.header('request-id', requestId);
    reply.header('client-request-id', request.headers['client-request-id'] ?? requestId);
    reply.header('odata-version', '4.0');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const path = pathOf(request.url);
    if ((!path.startsWith(graphPrefix) && !isIdentityPath(path)) || lost.has(request)) return;
    ctx.requestLog.record(request.method, routeOf(request), reply.statusCode);
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof IdentityError) {
      const correlation = request.headers['client-request-id'];
      return reply
        .code(error.status)
        .send(error.body(ctx.store.clock.now(), typeof correlation === 'string' ? correlation : undefined));
    }
    const graphError =
      error instanceof GraphError
        ? error
        : new GraphError(
            (error as { statusCode?: number }).statusCode ?? 500,
            ((error as { statusCode?: number }).statusCode ?? 500) < 500 ? 'BadRequest' : 'UnknownError',
            (error as Error).message,
          );
    reply.code(graphError.status);
    for (const [name, value] of Object.entries(graphError.headers)) reply.header(name, value);
    return reply.send(graphErrorBody(graphError, request, ctx.store.clock.iso()));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    if (path.startsWith(controlPrefix)) {
      return reply
        .code(404)
        .send({ error: 'NotFound', description: `No control-plane route ${request.method} ${path}` });
    }
    const error = new GraphError(
      400,
      'BadRequest',
      `Resource not found for the segment '${path.split('/').filter(Boolean).pop() ?? ''}'.`,
    );
    return reply.code(error.status).send(graphErrorBody(error, request, ctx.store.clock.iso()));
  });

  for (const register of routeModules) register(app, ctx);
  return app;
}

export function graphErrorBody(
  error: GraphError,
  request: FastifyRequest,
  date: string,
): Record<string, unknown> {
  const clientRequestId = request.headers['client-request-id'];
  const requestId = randomUUID();
  return {
    error: {
      code: error.code,
      message: error.message,
      innerError: {
        date,
        'request-id': requestId,
        'client-request-id': typeof clientRequestId === 'string' ? clientRequestId : requestId,
      },
    },
  };
}

function routeOf(request: FastifyRequest): string {
  const template = request.routeOptions.url;
  return template ? normaliseRoute(template) : pathOf(request.url);
}
