/**
 * The service's own routes: liveness, readiness, Prometheus metrics and the OpenAPI document.
 * `/healthz` and `/readyz` answer anyone (load balancers and orchestrators call them); metrics and
 * the API description need a Reader (docs/security.md#roles).
 */
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';

const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.string()),
});

export function serviceRoutes(app: ApiApp, deps: ServerContext): void {
  app.get(
    '/healthz',
    {
      config: { access: 'anonymous' },
      schema: {
        operationId: 'healthz',
        summary: 'Liveness: the process is up and serving HTTP.',
        tags: ['service'],
        response: { 200: healthSchema },
      },
    },
    async () => ({ status: 'ok' as const, checks: {} }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'anonymous' },
      schema: {
        operationId: 'readyz',
        summary: 'Readiness: the state store answers and its migrations are applied.',
        tags: ['service'],
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const checks: Record<string, string> = {};
      let ready = deps.accepting();
      checks['shutdown'] = ready ? 'not requested' : 'in progress';
      try {
        const pending = await deps.store.pendingMigrations();
        checks['stateStore'] = 'reachable';
        checks['migrations'] = pending.length === 0 ? 'applied' : `pending: ${pending.join(', ')}`;
        if (pending.length > 0) ready = false;
      } catch {
        checks['stateStore'] = 'unreachable';
        ready = false;
      }
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks });
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format).',
        tags: ['service'],
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => {
      reply.header('content-type', deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    },
  );

  app.get(
    '/openapi.json',
    {
      config: { access: 'Reader' },
      schema: { operationId: 'openapi', summary: 'This API, described in OpenAPI 3.1.', tags: ['service'] },
    },
    async () => app.swagger(),
  );
}
