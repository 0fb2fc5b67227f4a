/**
 * The console's Applications list (docs/api.md#applications): every job of every service principal,
 * each with its Zendesk domain, in one call. `GET /provisio/v1/applications` (Reader). The jobs are
 * Graph's `synchronizationJob`, as `GET …/synchronization/jobs/{jobId}` gives them.
 *
 * The domain is the job definition's (a configured job), else the service principal's saved
 * `Domain` (a job whose credentials are not all saved yet): it is not a secret (docs/api.md#secrets).
 */
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { type CatalogJob, listJobs } from '../jobs/catalog.js';
import { graphJobInputs, synchronizationJobSchema, toGraphJob } from '../jobs/graph-job.js';
import { servicePrincipalScope } from '../secrets/store-secrets.js';

const applicationSchema = z
  .object({
    servicePrincipalId: z.string().describe('The object ID of the Zendesk enterprise application.'),
    domain: z
      .string()
      .nullable()
      .describe('The Zendesk subdomain (Domain), or null when it is not saved yet.'),
    job: synchronizationJobSchema,
  })
  .meta({ id: 'Application' });

/** The job definition's domain, else the service principal's saved `Domain`, else null. */
async function domainOf(context: ServerContext, job: CatalogJob): Promise<string | null> {
  const configured = job.record?.definition.target.domain;
  if (typeof configured === 'string' && configured !== '') return configured;
  const saved = (await context.store.listSecrets(servicePrincipalScope(job.servicePrincipalId))).find(
    (secret) => secret.name === 'Domain',
  );
  if (saved === undefined) return null;
  try {
    return context.vault.open(saved.sealed);
  } catch {
    // Sealed by another key: the list still shows the job.
    return null;
  }
}

export function applicationRoutes(app: ApiApp, context: ServerContext): void {
  app.get(
    '/provisio/v1/applications',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'listApplications',
        summary:
          "Every job of every service principal, with its Zendesk domain: the console's Applications list.",
        tags: ['applications'],
        response: { 200: z.object({ value: z.array(applicationSchema) }) },
      },
    },
    async () => {
      const jobs = await listJobs(context.store);
      const now = context.clock.now();
      const value = await Promise.all(
        jobs.map(async (job) => ({
          servicePrincipalId: job.servicePrincipalId,
          domain: await domainOf(context, job),
          job: toGraphJob(
            await graphJobInputs(context.store, job, context.scheduler.progress(job.jobId), now),
          ),
        })),
      );
      return { value };
    },
  );
}
