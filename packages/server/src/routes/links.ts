/**
 * Unlinking one object (docs/operations.md, "Unlinking an object"; docs/api.md#unlink): provisio
 * stops managing the Zendesk user or group linked to an Entra object, and never adopts it again by
 * matching until a full restart. The same engine operation as `provisio unlink`; provisio's addition
 * to Graph's API. An Administrator may call it: it changes what the job manages.
 */
import { UnlinkRefused, unlinkObject } from '@provisio/engine';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { ApiError, graphErrorSchema } from '../http/errors.js';
import { initiator, requireJob } from './synchronization-schema.js';

const unlinkResultSchema = z
  .object({
    jobId: z.string(),
    objectType: z.enum(['user', 'group']),
    sourceId: z.string().describe('The Entra object id.'),
    targetId: z.string().describe('The Zendesk id of the object no longer managed.'),
    displayName: z.string(),
    created: z.boolean().describe('Whether provisio had created the Zendesk object (false: adopted).'),
    summary: z.string().describe('One sentence, as recorded in the directory audits ("Unlink object").'),
  })
  .meta({ id: 'UnlinkResult' });

export function linkRoutes(app: ApiApp, context: ServerContext): void {
  app.post(
    '/provisio/v1/jobs/:jobId/unlink',
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'unlinkObject',
        summary:
          "Stops managing one object: the link between an Entra user or group and its Zendesk object is marked unlinked (provisio's addition).",
        tags: ['operations'],
        params: z.object({ jobId: z.string().min(1) }),
        body: z
          .object({
            object: z
              .string()
              .trim()
              .min(
                1,
                'object must name the object to unlink: an object id, a UPN or mail, a group name or a Zendesk id',
              )
              .max(500)
              .describe("An Entra object id, a user's UPN or mail, a group's name, or the Zendesk id."),
          })
          .meta({ id: 'UnlinkRequest' }),
        response: { 200: unlinkResultSchema, 400: graphErrorSchema, 404: graphErrorSchema },
      },
    },
    async (request) => {
      const job = await requireJob(context, request.params.jobId);
      try {
        return await unlinkObject(context, job.jobId, request.body.object, initiator(request));
      } catch (error) {
        if (error instanceof UnlinkRefused)
          throw new ApiError(400, error.message, {
            details: [{ code: 'InvalidValue', target: 'object', message: error.message }],
          });
        throw error;
      }
    },
  );
}
