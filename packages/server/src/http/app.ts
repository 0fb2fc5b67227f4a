/**
 * The admin API's Fastify instance: zod validates every request and shapes every response (a
 * response schema lists what may leave; anything else, a secret included, is dropped), the OpenAPI
 * 3.1 document is generated from the same schemas (`/openapi.json`), errors leave in Graph's body,
 * and every route declares who may call it: a route without `config.access` fails start-up.
 */
import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import type { Clock } from '@provisio/engine';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Authenticator } from '../auth/authenticate.js';
import { type Access, type Principal, roleAllows } from '../auth/principal.js';
import type { Metrics } from '../metrics.js';
import { ApiError, type ErrorDetail, graphCodes, graphErrorBody } from './errors.js';

export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (docs/security.md#roles). Required on every route. */
    access?: Access;
  }
  interface FastifyRequest {
    /** The authenticated caller; null on anonymous routes. */
    principal: Principal | null;
  }
}

export interface AppOptions {
  readonly logger: FastifyBaseLogger;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly authenticators: readonly Authenticator[];
  /** Trust `X-Forwarded-*` from a reverse proxy (docs/deployment.md). */
  readonly trustProxy?: boolean | string;
  /** The server's version, for the OpenAPI document. */
  readonly version: string;
  /** Serve HTTPS with this certificate and key (PEM) instead of plain HTTP (docs/operations.md). */
  readonly https?: { readonly cert: string; readonly key: string };
}

/** Largest request body: a synchronization schema with every mapping fits many times over. */
const BODY_LIMIT = 2 * 1024 * 1024;

export async function createApp(options: AppOptions): Promise<ApiApp> {
  const common = {
    loggerInstance: options.logger,
    bodyLimit: BODY_LIMIT,
    trustProxy: options.trustProxy ?? false,
    // Graph's `client-request-id` is echoed; the server's own id is always new.
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
  };
  // Over HTTPS the raw server is an https.Server; routes, hooks and replies are the same, so the
  // instance is used through the one type.
  const base: FastifyInstance =
    options.https === undefined
      ? Fastify(common)
      : (Fastify({
          ...common,
          https: { cert: options.https.cert, key: options.https.key },
        }) as unknown as FastifyInstance);
  const app = base.withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('principal', null);
  // Graph's action calls (start, pause) carry no body, yet SDKs and PowerShell send them as
  // `Content-Type: application/json`: an empty JSON body is no body, not a syntax error.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') done(null, undefined);
    else jsonParser(request, body.toString(), done);
  });

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'provisio admin API',
        version: options.version,
        description:
          "Microsoft Graph's synchronization API (`/v1.0`) for provisio's jobs, and provisio's own additions (`/provisio/v1`). docs/api.md",
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API token (`provisio tokens create`) or an Entra access token for the provisio API app.',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'provisio_session',
            description: 'A console session.',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  // Every route says who may call it, and the OpenAPI document says so too.
  app.addHook('onRoute', (route) => {
    if (route.url === '*' || route.method === 'HEAD') return;
    const access = route.config?.access;
    if (access === undefined)
      throw new Error(`route ${String(route.method)} ${route.url} does not declare config.access`);
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    route.schema = {
      ...schema,
      security: access === 'anonymous' ? [] : [{ bearer: [] }, { session: [] }],
      'x-provisio-access': access,
    } as NonNullable<typeof route.schema>;
  });

  app.addHook('onRequest', async (request, reply) => {
    const clientRequestId = request.headers['client-request-id'];
    reply.header('request-id', request.id);
    if (typeof clientRequestId === 'string') reply.header('client-request-id', clientRequestId);
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'anonymous') return;
    let principal: Principal | null = null;
    for (const authenticator of options.authenticators) {
      principal = await authenticator.authenticate(request);
      if (principal !== null) break;
    }
    if (principal === null)
      throw new ApiError(401, 'Sign in, or send an API token as "Authorization: Bearer <token>".', {
        headers: { 'www-authenticate': 'Bearer realm="provisio"' },
      });
    request.principal = principal;
    request.log = request.log.child({ principal: principal.id });
    if (!roleAllows(principal.role, access))
      throw new ApiError(
        403,
        `Insufficient privileges to complete the operation: it needs the ${access} role, and ${principal.displayName} has ${principal.role}.`,
      );
  });

  app.addHook('onResponse', async (request, reply) => {
    options.metrics.httpRequests.inc({
      route: request.routeOptions.url ?? 'unmatched',
      method: request.method,
      status: String(reply.statusCode),
    });
  });

  app.setNotFoundHandler({}, (request, reply) =>
    sendError(
      request,
      reply,
      options.clock,
      new ApiError(404, `No route matches ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );
  app.setErrorHandler((error, request, reply) => sendError(request, reply, options.clock, error));
  return app;
}

function sendError(request: FastifyRequest, reply: FastifyReply, clock: Clock, error: unknown): FastifyReply {
  const { status, code, message, details, headers } = describeError(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ status, code }, message);
  const clientRequestId = request.headers['client-request-id'];
  return reply
    .status(status)
    .headers(headers)
    .header('content-type', 'application/json; charset=utf-8')
    .send(
      graphErrorBody(
        code,
        message,
        request.id,
        clock.now(),
        details,
        typeof clientRequestId === 'string' ? clientRequestId : undefined,
      ),
    );
}

interface DescribedError {
  status: number;
  code: string;
  message: string;
  details: readonly ErrorDetail[];
  headers: Readonly<Record<string, string>>;
}

function describeError(error: unknown): DescribedError {
  if (error instanceof ApiError)
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      details: error.details,
      headers: error.headers,
    };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((issue) => {
      const where = `${error.validationContext ?? 'body'}${issue.instancePath.replaceAll('/', '.')}`;
      return { code: 'InvalidValue', target: where, message: `${where}: ${issue.message ?? 'is not valid'}` };
    });
    return {
      status: 400,
      code: graphCodes[400],
      message: `The request is not valid: ${details.map((d) => d.message).join('; ')}.`,
      details,
      headers: {},
    };
  }
  if (isResponseSerializationError(error))
    return {
      status: 500,
      code: graphCodes[500],
      message: 'The server could not form its response.',
      details: [],
      headers: {},
    };
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own 4xx (malformed JSON, unsupported media type, body too large): its message is public.
    const code = graphCodes[status as keyof typeof graphCodes] ?? graphCodes[400];
    return {
      status,
      code,
      message: fastifyError.message ?? 'The request is not valid.',
      details: [],
      headers: {},
    };
  }
  return {
    status: 500,
    code: graphCodes[500],
    message: 'The server failed to process the request.',
    details: [],
    headers: {},
  };
}
