import type { FastifyInstance } from 'fastify';
import { requireAgent } from '../http/auth.js';
import type { EmulatorContext } from '../http/context.js';
import { maxPageSize, pageUrl, single } from '../http/pagination.js';
import { listParam, query } from '../http/params.js';
import { badRequest, recordNotFound } from '../model/errors.js';
import { compareJobs, type JobSortKey } from '../model/jobs.js';
import type { JobRecord } from '../model/types.js';

/** The sort a list cursor belongs to; a cursor of another sort is refused. */
const cursorOrder = '-completed_at,-created_at';

/**
 * Job statuses (https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/): show,
 * show_many and the cursor-paginated list, all for agents. A job is visible for one day after it completes
 * (on the emulator clock); the `job404` fault hides a new job for its first polls.
 */
export function registerJobStatusRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/api/v2/job_statuses', async (request) => {
    requireAgent(request);
    const q = query(request);
    const sizeRaw = single(q, 'page[size]');
    const size = sizeRaw === undefined || sizeRaw === '' ? maxPageSize : Number(sizeRaw);
    if (!Number.isInteger(size) || size < 1 || size > maxPageSize) {
      throw badRequest(
        `page[size] must be an integer between 1 and ${maxPageSize}`,
        'InvalidPaginationParameter',
      );
    }
    const jobs = ctx.jobs.list();
    const afterRaw = single(q, 'page[after]');
    const beforeRaw = single(q, 'page[before]');
    let rows: JobRecord[];
    if (beforeRaw !== undefined) {
      const before = decodeJobCursor(beforeRaw, 'page[before]');
      const earlier = jobs.filter((j) => compareJobs(j, before) < 0);
      rows = earlier.slice(Math.max(0, earlier.length - size));
    } else {
      const after = afterRaw === undefined ? undefined : decodeJobCursor(afterRaw, 'page[after]');
      const start = after === undefined ? 0 : jobs.findIndex((j) => compareJobs(j, after) > 0);
      rows = start < 0 ? [] : jobs.slice(start, start + size);
    }
    // The list is cursor-only [spec]. Like every cursor list (observed in recorded traffic), a full
    // page says has_more even when nothing follows; the next request then answers an empty page.
    const hasMore = rows.length === size;
    const first = rows[0];
    const last = rows[rows.length - 1];
    const afterCursor = last === undefined ? null : encodeJobCursor(last);
    const beforeCursor = first === undefined ? null : encodeJobCursor(first);
    const { base, path } = request.zd.page;
    const sizeParam = sizeRaw ?? String(size);
    return {
      job_statuses: rows.map((j) => request.zd.render.job(j)),
      meta: { has_more: hasMore, after_cursor: afterCursor, before_cursor: beforeCursor },
      links: {
        prev:
          beforeCursor === null
            ? null
            : pageUrl(base, path, q, {
                'page[after]': undefined,
                'page[before]': beforeCursor,
                'page[size]': sizeParam,
              }),
        next:
          hasMore && afterCursor !== null
            ? pageUrl(base, path, q, {
                'page[before]': undefined,
                'page[after]': afterCursor,
                'page[size]': sizeParam,
              })
            : null,
      },
    };
  });

  app.get('/api/v2/job_statuses/show_many', async (request) => {
    requireAgent(request);
    const ids = listParam(request, 'ids');
    if (ids === undefined || ids.length === 0) throw badRequest('ids is required', 'InvalidParameter');
    // Unknown, expired and not-yet-visible jobs are left out, as show_many does for other records.
    // Each listed id counts as a poll of that job for the job404 fault.
    const found: JobRecord[] = [];
    for (const id of new Set(ids)) {
      const job = ctx.jobs.visible(id, true);
      if (job) found.push(job);
    }
    return { job_statuses: found.map((j) => request.zd.render.job(j)) };
  });

  app.get('/api/v2/job_statuses/:id', async (request) => {
    requireAgent(request);
    const id = (request.params as { id?: string }).id ?? '';
    const job = ctx.jobs.visible(id, true);
    // An unknown, expired or (job404 fault) not-yet-visible job: 404 RecordNotFound. node-zendesk's
    // job monitor tolerates such a 404 right after enqueueing (https://github.com/blakmatrix/node-zendesk,
    // src/clients/job-monitor.js).
    if (!job) throw recordNotFound();
    return { job_status: request.zd.render.job(job) };
  });
}

/** Opaque cursors, base64 JSON as Zendesk's own (observed), carrying the job's sort key. */
function encodeJobCursor(job: JobSortKey): string {
  return Buffer.from(
    JSON.stringify({ o: cursorOrder, v: [job.completedAt, job.createdAt, job.id] }),
  ).toString('base64');
}

function decodeJobCursor(cursor: string, name: string): JobSortKey {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { o?: unknown; v?: unknown };
    if (value.o === cursorOrder && Array.isArray(value.v)) {
      const [completedAt, createdAt, id] = value.v as unknown[];
      if (
        (completedAt === null || typeof completedAt === 'number') &&
        typeof createdAt === 'number' &&
        typeof id === 'string'
      ) {
        return { completedAt, createdAt, id };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest(`${name} is not a valid cursor`, 'InvalidPaginationParameter');
}
