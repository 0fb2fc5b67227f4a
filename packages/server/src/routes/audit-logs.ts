/**
 * Graph's audit log lists (docs/api.md#provisioning-logs, docs/api.md#directory-audits):
 * `GET /v1.0/auditLogs/provisioning` (provisioningObjectSummary,
 * https://learn.microsoft.com/graph/api/provisioningobjectsummary-list) and
 * `GET /v1.0/auditLogs/directoryAudits` (directoryAudit,
 * https://learn.microsoft.com/graph/api/directoryaudit-list), across every job, newest first, with
 * `$filter`, `$top` and `@odata.nextLink` paging over keyset cursors.
 */
import { Readable } from 'node:stream';
import {
  type AuditField,
  type LogField,
  type ProvisioningLogCsvFile,
  provisioningLogCsv,
  provisioningLogCsvFiles,
  type RecordFilter,
} from '@provisio/engine';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { directoryAuditSchema, toDirectoryAudit } from '../graph/directory-audit.js';
import { directoryAuditFilter, provisioningLogFilter } from '../graph/log-filters.js';
import {
  compileFilter,
  FilterError,
  type FilterResource,
  MAX_FILTER_LENGTH,
  parseFilter,
} from '../graph/odata.js';
import {
  baseUrl,
  DEFAULT_PAGE_SIZE,
  decodeSkipToken,
  encodeSkipToken,
  linkTo,
  MAX_PAGE_SIZE,
} from '../graph/paging.js';
import { provisioningObjectSummarySchema } from '../graph/provisioning-summary.js';
import type { ApiApp } from '../http/app.js';
import { ApiError } from '../http/errors.js';

export const listQuerySchema = z.object({
  $filter: z
    .string()
    .max(MAX_FILTER_LENGTH)
    .optional()
    .describe('OData filter; see docs/api.md for the properties and operators supported.'),
  $top: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .describe(`Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`),
  $skiptoken: z
    .string()
    .max(1024)
    .optional()
    .describe('From @odata.nextLink: where the previous page ended.'),
  $orderby: z
    .string()
    .max(100)
    .optional()
    .describe('Only "activityDateTime desc" (the order of every page).'),
});

type ListQuery = z.output<typeof listQuerySchema>;

/** The most entries one export holds; more are left out and the answer says so (docs/api.md). */
export const MAX_EXPORT_ENTRIES = 50_000;
/** Entries read from the store at a time while an export is written. */
const EXPORT_PAGE = 500;
/** The response header that says an export was cut at MAX_EXPORT_ENTRIES. */
export const TRUNCATED_HEADER = 'provisio-export-truncated';

const exportQuerySchema = z.object({
  format: z
    .enum(['csv', 'json'])
    .default('csv')
    .describe("'csv' (one of Entra's three files, chosen by `file`) or 'json' (Graph's collection)."),
  file: z
    .enum(Object.keys(provisioningLogCsvFiles) as [ProvisioningLogCsvFile, ...ProvisioningLogCsvFile[]])
    .default('summary')
    .describe(
      "With format=csv: 'summary' (ProvisioningLogs.csv), 'steps' (ProvisioningLogs_ProvisioningSteps.csv) or 'modifiedProperties' (ProvisioningLogs_ModifiedProperties.csv).",
    ),
  $filter: listQuerySchema.shape.$filter,
});

const seqCursorSchema = z.object({
  at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
  seq: z.string().regex(/^\d{1,19}$/),
});

function pageBody<T>(itemSchema: z.ZodType<T>, id: string) {
  return z
    .object({
      '@odata.context': z.string(),
      '@odata.nextLink': z.string().optional(),
      value: z.array(itemSchema),
    })
    .meta({ id });
}

/** The store filter for `$filter`, or 400 naming what is wrong and what is supported. */
function filterOf<F extends string>(
  text: string | undefined,
  resource: FilterResource<F>,
): RecordFilter<F> | undefined {
  if (text === undefined) return undefined;
  try {
    return compileFilter(parseFilter(text), resource);
  } catch (error) {
    if (error instanceof FilterError)
      throw new ApiError(400, error.message, {
        details: [{ code: 'InvalidFilter', message: error.message, target: '$filter' }],
      });
    throw error;
  }
}

function checkOrder(orderby: string | undefined): void {
  if (orderby === undefined) return;
  if (orderby.trim().replace(/\s+/g, ' ') !== 'activityDateTime desc')
    throw new ApiError(
      400,
      `$orderby "${orderby}" is not supported: entries are always listed newest first ($orderby=activityDateTime desc).`,
    );
}

interface ListSpec<F extends string, T, R> {
  readonly list: string;
  readonly path: string;
  readonly resource: FilterResource<F>;
  readonly context: string;
  page(query: {
    filter?: RecordFilter<F>;
    after?: z.output<typeof seqCursorSchema>;
    limit: number;
  }): Promise<{ items: R[]; next: z.output<typeof seqCursorSchema> | null }>;
  item(record: R): T;
}

async function listPage<F extends string, T, R>(
  request: FastifyRequest,
  query: ListQuery,
  spec: ListSpec<F, T, R>,
) {
  checkOrder(query.$orderby);
  const filter = filterOf(query.$filter, spec.resource);
  const after =
    query.$skiptoken === undefined
      ? undefined
      : decodeSkipToken(query.$skiptoken, spec.list, query.$filter, seqCursorSchema);
  const limit = query.$top ?? DEFAULT_PAGE_SIZE;
  const page = await spec.page({
    ...(filter === undefined ? {} : { filter }),
    ...(after === undefined ? {} : { after }),
    limit,
  });
  return {
    '@odata.context': `${baseUrl(request)}/v1.0/$metadata#${spec.context}`,
    ...(page.next === null
      ? {}
      : {
          '@odata.nextLink': linkTo(request, spec.path, {
            $filter: query.$filter,
            $top: query.$top === undefined ? undefined : String(query.$top),
            $skiptoken: encodeSkipToken(spec.list, query.$filter, page.next),
          }),
        }),
    value: page.items.map(spec.item),
  };
}

export function auditLogRoutes(app: ApiApp, context: ServerContext): void {
  app.get(
    '/v1.0/auditLogs/provisioning',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'listProvisioningObjectSummary',
        summary: 'Provisioning logs of every job, newest first (Graph provisioningObjectSummary).',
        tags: ['auditLogs'],
        querystring: listQuerySchema,
        response: { 200: pageBody(provisioningObjectSummarySchema, 'provisioningObjectSummaryCollection') },
      },
    },
    async (request) =>
      listPage<
        LogField,
        z.input<typeof provisioningObjectSummarySchema>,
        Awaited<ReturnType<typeof context.store.pageLogs>>['items'][number]
      >(request, request.query, {
        list: 'provisioning',
        path: '/v1.0/auditLogs/provisioning',
        resource: provisioningLogFilter,
        context: 'auditLogs/provisioning',
        page: (q) => context.store.pageLogs(q),
        item: (entry) => ({
          ...entry,
          modifiedProperties: [...entry.modifiedProperties],
          provisioningSteps: [...entry.provisioningSteps],
        }),
      }),
  );

  app.get(
    '/provisio/v1/auditLogs/provisioning/export',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'exportProvisioningLogs',
        summary:
          "Downloads the provisioning log entries matching $filter (newest first, at most 50,000) as one of Entra's three CSV files or as Graph's JSON.",
        tags: ['auditLogs'],
        querystring: exportQuerySchema,
        produces: ['text/csv', 'application/json'],
        response: {
          200: z
            .string()
            .describe(
              `An attachment: CSV with a byte-order mark, or Graph's {"@odata.context", "value": [provisioningObjectSummary]}. When more than ${MAX_EXPORT_ENTRIES} entries match, the newest ${MAX_EXPORT_ENTRIES} are written and the ${TRUNCATED_HEADER} header says so.`,
            ),
        },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const filter = filterOf(query.$filter, provisioningLogFilter);
      // Counted first (bounded), so that the headers can say whether the file is cut.
      const matching = await context.store.countLogs(filter, MAX_EXPORT_ENTRIES + 1);
      const truncated = matching > MAX_EXPORT_ENTRIES;
      async function* entries() {
        let after: z.output<typeof seqCursorSchema> | undefined;
        let left = MAX_EXPORT_ENTRIES;
        while (left > 0) {
          const page = await context.store.pageLogs({
            ...(filter === undefined ? {} : { filter }),
            ...(after === undefined ? {} : { after }),
            limit: Math.min(EXPORT_PAGE, left),
          });
          left -= page.items.length;
          yield page.items;
          if (page.next === null) return;
          after = page.next;
        }
      }
      async function* csv(file: ProvisioningLogCsvFile) {
        yield provisioningLogCsv([], file);
        for await (const items of entries()) yield provisioningLogCsv(items, file, { header: false });
      }
      async function* json() {
        yield `{"@odata.context":${JSON.stringify(`${baseUrl(request)}/v1.0/$metadata#auditLogs/provisioning`)},"value":[`;
        let first = true;
        for await (const items of entries())
          for (const item of items) {
            yield `${first ? '' : ','}${JSON.stringify(item)}`;
            first = false;
          }
        yield ']}';
      }
      const name = query.format === 'json' ? 'ProvisioningLogs.json' : provisioningLogCsvFiles[query.file];
      reply
        .header(
          'content-type',
          query.format === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8',
        )
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store');
      if (truncated) reply.header(TRUNCATED_HEADER, String(MAX_EXPORT_ENTRIES));
      const body = Readable.from(query.format === 'json' ? json() : csv(query.file));
      // Streamed as it is read (Fastify pipes a stream as is); the schema documents the text it makes.
      return reply.send(body as unknown as string);
    },
  );

  app.get(
    '/v1.0/auditLogs/directoryAudits',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'listDirectoryAudits',
        summary: 'Configuration changes and operations on every job, newest first (Graph directoryAudit).',
        tags: ['auditLogs'],
        querystring: listQuerySchema,
        response: { 200: pageBody(directoryAuditSchema, 'directoryAuditCollection') },
      },
    },
    async (request) =>
      listPage<
        AuditField,
        z.input<typeof directoryAuditSchema>,
        Awaited<ReturnType<typeof context.store.pageAudit>>['items'][number]
      >(request, request.query, {
        list: 'directoryAudits',
        path: '/v1.0/auditLogs/directoryAudits',
        resource: directoryAuditFilter,
        context: 'auditLogs/directoryAudits',
        page: (q) => context.store.pageAudit(q),
        item: toDirectoryAudit,
      }),
  );
}
