/**
 * provisio's own addition (docs/api.md#plan): `GET /provisio/v1/jobs/{jobId}/plan`, what the job's
 * next cycle would do, per user and group, as data. It runs the engine's dry-run cycle
 * (`planJob`, packages/engine/src/jobs/operations.ts): the job's connectors read Entra ID and Zendesk,
 * and nothing is written anywhere. A Reader may call it (docs/security.md#roles).
 */
import { planJob, planReportSchema } from '@provisio/engine';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { graphErrorSchema } from '../http/errors.js';
import { openConfigured, requireJob } from './synchronization-schema.js';

/**
 * The plan: the engine's plan contract (packages/engine/src/jobs/contracts.ts), which every plan is
 * parsed by before it leaves the engine, named for the OpenAPI document.
 */
export const planResponseSchema = planReportSchema.meta({
  id: 'Plan',
  description:
    "The next cycle's plan: its kind (initial or incremental), counts, and per user and group the action, the changed attributes and the reason. Nothing is written.",
});

export function planRoutes(app: ApiApp, context: ServerContext): void {
  app.get(
    '/provisio/v1/jobs/:jobId/plan',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'planJob',
        summary: "What the job's next cycle would do, nothing written (provisio's addition).",
        tags: ['provisio'],
        params: z.object({ jobId: z.string().min(1) }),
        querystring: z.object({
          all: z
            .enum(['true', 'false'])
            .optional()
            .describe('true: also list the users that are in sync or skipped.'),
        }),
        response: { 200: planResponseSchema, 400: graphErrorSchema, 404: graphErrorSchema },
      },
    },
    async (request) => {
      const job = await requireJob(context, request.params.jobId);
      const opened = await openConfigured(context, job);
      try {
        const { plan } = await planJob(opened.deps, opened.config, { all: request.query.all === 'true' });
        return plan;
      } finally {
        await opened.close();
      }
    },
  );
}
