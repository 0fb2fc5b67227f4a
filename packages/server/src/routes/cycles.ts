/**
 * provisio's cycle history for charts (docs/api.md#cycle-history):
 * `GET /provisio/v1/jobs/{jobId}/cycles?$top=&$skiptoken=`, newest first, keyset-paged with the same
 * `@odata.nextLink` convention as Graph's lists.
 */
import { type CycleRecord, cycleCountsSchema } from '@provisio/engine';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import {
  DEFAULT_PAGE_SIZE,
  decodeSkipToken,
  encodeSkipToken,
  linkTo,
  MAX_PAGE_SIZE,
} from '../graph/paging.js';
import type { ApiApp } from '../http/app.js';
import { notFound } from '../http/errors.js';
import { findJob } from '../jobs/catalog.js';

export const cycleSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['initial', 'incremental']),
    state: z.enum(['running', 'succeeded', 'entryLevelErrors', 'held', 'failed']),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    /** null while running. */
    durationMs: z.number().nullable(),
    counts: cycleCountsSchema,
    errorCode: z.string().nullable(),
    /** Why the cycle failed as a whole: a public sentence. */
    error: z.string().nullable(),
  })
  .meta({ id: 'cycleSummary' });

const cycleCursorSchema = z.object({ startedAt: z.string(), cycleId: z.string() });

function toCycle(record: CycleRecord): z.input<typeof cycleSchema> {
  const started = Date.parse(record.startedAt);
  const ended = record.endedAt === null ? Number.NaN : Date.parse(record.endedAt);
  return {
    id: record.cycleId,
    kind: record.kind,
    state: record.state,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    durationMs: Number.isNaN(started) || Number.isNaN(ended) ? null : Math.max(0, ended - started),
    counts: record.counts,
    errorCode: record.errorCode,
    error: record.error,
  };
}

export function cycleRoutes(app: ApiApp, context: ServerContext): void {
  app.get(
    '/provisio/v1/jobs/:jobId/cycles',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'listJobCycles',
        summary: "A job's cycles, newest first: kind, state, duration and counts (for charts).",
        tags: ['provisio'],
        params: z.object({ jobId: z.string().min(1).max(200) }),
        querystring: z.object({
          $top: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
          $skiptoken: z.string().max(1024).optional(),
        }),
        response: {
          200: z
            .object({ '@odata.nextLink': z.string().optional(), value: z.array(cycleSchema) })
            .meta({ id: 'cycleSummaryCollection' }),
        },
      },
    },
    async (request) => {
      const { jobId } = request.params;
      const { $top, $skiptoken } = request.query;
      const list = `cycles:${jobId}`;
      const after =
        $skiptoken === undefined
          ? undefined
          : decodeSkipToken($skiptoken, list, undefined, cycleCursorSchema);
      const page = await context.store.pageCycles(jobId, {
        limit: $top ?? DEFAULT_PAGE_SIZE,
        ...(after === undefined ? {} : { after }),
      });
      // A job that has run keeps its history after its definition is deleted; one that never existed is 404.
      if (page.items.length === 0 && after === undefined) {
        const [job, record] = await Promise.all([findJob(context.store, jobId), context.store.getJob(jobId)]);
        if (job === null && record === null) throw notFound(`Job ${jobId}`);
      }
      return {
        ...(page.next === null
          ? {}
          : {
              '@odata.nextLink': linkTo(request, `/provisio/v1/jobs/${encodeURIComponent(jobId)}/cycles`, {
                $top: $top === undefined ? undefined : String($top),
                $skiptoken: encodeSkipToken(list, undefined, page.next),
              }),
            }),
        value: page.items.map(toCycle),
      };
    },
  );
}
