/**
 * Microsoft Graph's synchronization jobs, served for provisio's jobs (docs/api.md#synchronization-jobs):
 * `/v1.0/servicePrincipals/{spId}/synchronization/templates` and `.../jobs`, `.../jobs/{jobId}`,
 * `start`, `pause`, `restart` and `validateCredentials`, with Graph's shapes
 * (https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationjob).
 *
 * Who may call: reading (templates, jobs) needs a Reader; start, pause and restart an Operator;
 * creating and deleting jobs and testing credentials an Administrator (docs/security.md#roles).
 */
import {
  JobDefinitionConflict,
  type JobRecord,
  newJobRecord,
  pauseJob,
  recordAudit,
  restartJob,
  resumeJob,
  settingsSchema,
} from '@provisio/engine';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { ApiError, notFound } from '../http/errors.js';
import { type CatalogJob, findJob, listJobs, ZENDESK_TEMPLATE_ID } from '../jobs/catalog.js';
import { buildDefinition } from '../jobs/configure.js';
import { checkServicePrincipalId, loadSecretValues } from '../jobs/credentials.js';
import {
  graphJobInputs,
  jobParams,
  newJobId,
  type SynchronizationJob,
  secretPairsSchema,
  spParams,
  synchronizationJobSchema,
  synchronizationTemplateSchema,
  toGraphJob,
} from '../jobs/graph-job.js';
import { testCredentials, withoutSecrets } from '../jobs/test-connection.js';

const base = '/v1.0/servicePrincipals/:spId/synchronization';
const tags = ['synchronization'];
const noContent = { 204: z.null().describe('Done.') };

export const zendeskTemplate = {
  id: ZENDESK_TEMPLATE_ID,
  applicationId: null,
  default: true,
  description:
    'Provision users and groups from Microsoft Entra ID to Zendesk Support (provisio). Credentials: UserName, SecretToken, Domain, EntraTenantId, EntraClientId, EntraClientSecret.',
  discoverable: true,
  factoryTag: 'zendesk',
  metadata: [],
};

/** The job `jobId` of service principal `spId`, or 404. */
export async function jobUnder(context: ServerContext, spId: string, jobId: string): Promise<CatalogJob> {
  const job = await findJob(context.store, jobId);
  if (job === null || job.servicePrincipalId.toLowerCase() !== spId.toLowerCase())
    throw notFound(`Synchronization job ${jobId.slice(0, 120)} of service principal ${spId.slice(0, 64)}`);
  return job;
}

async function graphJob(context: ServerContext, job: CatalogJob): Promise<SynchronizationJob> {
  return toGraphJob(
    await graphJobInputs(context.store, job, context.scheduler.progress(job.jobId), context.clock.now()),
  );
}

const conflict = (error: unknown): never => {
  if (error instanceof JobDefinitionConflict)
    throw new ApiError(409, `The job changed meanwhile (${error.message}): read it again and retry.`);
  throw error;
};

/** Runs the job's next cycle now, without holding the request: a running cycle finishes first. */
function runSoon(context: ServerContext, jobId: string): void {
  void context.scheduler
    .runNow(jobId)
    .catch((error: unknown) => context.logger.warn({ err: error, jobId }, 'running the job now failed'));
}

/** Graph's restart scopes (https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationjobrestartcriteria). */
const resetScopes = [
  'None',
  'ConnectorDataStore',
  'Escrows',
  'Watermark',
  'QuarantineState',
  'Full',
  'ForceDeletes',
] as const;
type ResetScope = (typeof resetScopes)[number];

function parseResetScope(text: string | null | undefined): Set<ResetScope> {
  const parts = (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const unknown = parts.filter((part) => !(resetScopes as readonly string[]).includes(part));
  if (unknown.length > 0)
    throw new ApiError(
      400,
      `criteria.resetScope: ${unknown.map((u) => `"${u.slice(0, 40)}"`).join(', ')} is not a reset scope: use a comma-separated list of ${resetScopes.join(', ')} (e.g. "Watermark, Escrows, QuarantineState", "Full" or "ForceDeletes").`,
    );
  return new Set(parts as ResetScope[]);
}

const credentialKeysOf = {
  source: 'EntraTenantId, EntraClientId, EntraClientSecret',
  target: 'UserName, SecretToken, Domain',
} as const;

export function synchronizationJobRoutes(app: ApiApp, context: ServerContext): void {
  app.get(
    `${base}/templates`,
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'synchronization_listTemplates',
        summary: 'The synchronization templates: zendesk.',
        tags,
        params: spParams,
        response: { 200: z.object({ value: z.array(synchronizationTemplateSchema) }) },
      },
    },
    async () => ({ value: [zendeskTemplate] }),
  );

  app.get(
    `${base}/jobs`,
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'synchronization_listJobs',
        summary: "The service principal's synchronization jobs.",
        tags,
        params: spParams,
        response: { 200: z.object({ value: z.array(synchronizationJobSchema) }) },
      },
    },
    async (request) => {
      const jobs = await listJobs(context.store, request.params.spId);
      return { value: await Promise.all(jobs.map((job) => graphJob(context, job))) };
    },
  );

  app.post(
    `${base}/jobs`,
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'synchronization_createJob',
        summary: 'Create a synchronization job from a template ({"templateId":"zendesk"}).',
        tags,
        params: spParams,
        body: z.object({
          templateId: z.string(),
          /** provisio: the interval between cycles, as Graph's job shows it (default PT5S; Entra's is PT40M). */
          schedule: z.object({ interval: z.string().optional() }).optional(),
        }),
        response: { 201: synchronizationJobSchema },
      },
    },
    async (request, reply) => {
      const { spId } = request.params;
      checkServicePrincipalId(spId);
      const { templateId, schedule } = request.body;
      const interval = schedule?.interval;
      if (interval !== undefined && !settingsSchema.shape.interval.safeParse(interval).success)
        throw new ApiError(
          400,
          `schedule.interval "${interval.slice(0, 40)}" is not an ISO-8601 duration from 1 s to 24 days, e.g. PT5S (the default), PT40M (as in Entra) or PT1H.`,
        );
      if (templateId !== ZENDESK_TEMPLATE_ID)
        throw new ApiError(
          400,
          `templateId "${templateId.slice(0, 64)}" is not a template of this server: use "${ZENDESK_TEMPLATE_ID}" (GET ${base.replace(':spId', spId)}/templates lists them).`,
        );
      const sp = spId.toLowerCase();
      const jobId = newJobId(templateId, sp);
      const now = context.clock.now();
      const initiatedBy = request.principal?.id ?? 'provisio';
      // Created stopped, as in Entra: `start` turns provisioning on.
      await context.store.saveSynchronizationJob({
        jobId,
        servicePrincipalId: sp,
        templateId,
        draft: { settings: { provisioningStatus: 'off', ...(interval === undefined ? {} : { interval }) } },
        createdAt: now.toISOString(),
      });
      await recordAudit(context, jobId, {
        activity: 'Add provisioning configuration',
        initiatedBy,
        summary: `Synchronization job created from template ${templateId} for service principal ${sp}.`,
        details: { servicePrincipalId: sp, templateId },
      });
      let job = await jobUnder(context, sp, jobId);
      // Secrets saved before the job existed configure it now.
      const built = buildDefinition(job, await loadSecretValues(context.store, context.vault, sp));
      if (built.kind === 'ok') {
        await context.store.saveJobDefinition(built.definition, { initiatedBy, at: now, ifRevision: 'none' });
        job = await jobUnder(context, sp, jobId);
      }
      request.log.info({ jobId, servicePrincipalId: sp }, 'synchronization job created');
      return reply.status(201).send(await graphJob(context, job));
    },
  );

  app.get(
    `${base}/jobs/:jobId`,
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'synchronization_getJob',
        summary: 'A synchronization job: its schedule and status.',
        tags,
        params: jobParams,
        response: { 200: synchronizationJobSchema },
      },
    },
    async (request) => graphJob(context, await jobUnder(context, request.params.spId, request.params.jobId)),
  );

  app.delete(
    `${base}/jobs/:jobId`,
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'synchronization_deleteJob',
        summary: 'Stop the job and delete it with its state (links, mirrors, escrows); logs and audit stay.',
        tags,
        params: jobParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      const job = await jobUnder(context, request.params.spId, request.params.jobId);
      const { jobId } = job;
      const initiatedBy = request.principal?.id ?? 'provisio';
      if (job.record !== null)
        await context.store
          .deleteJobDefinition(jobId, {
            initiatedBy,
            at: context.clock.now(),
            ifRevision: job.record.revision,
          })
          .catch(conflict);
      // The loop stops (its running cycle ends first) before the state goes.
      await context.scheduler.refresh();
      const { store } = context;
      await store.clearEscrows(jobId);
      await store.clearTargetObjects(jobId);
      await store.clearLinks(jobId);
      await store.clearGroupLinks(jobId);
      await store.clearSourceUsers(jobId);
      await store.clearSourceGroups(jobId);
      if ((await store.getJob(jobId)) !== null)
        await store.updateJob(jobId, clearedJob(context.clock.now()), context.clock.now());
      await store.deleteSynchronizationJob(jobId);
      if (job.record === null)
        await recordAudit(context, jobId, {
          activity: 'Delete provisioning configuration',
          initiatedBy,
          summary: 'Synchronization job deleted with its state.',
        });
      request.log.info({ jobId }, 'synchronization job deleted');
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${base}/jobs/:jobId/start`,
    {
      config: { access: 'Operator' },
      schema: {
        operationId: 'synchronization_startJob',
        summary:
          'Provisioning Status On: a paused job continues, a quarantine is cleared, and the next cycle runs now.',
        tags,
        params: jobParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      const job = await jobUnder(context, request.params.spId, request.params.jobId);
      if (job.record === null)
        throw new ApiError(
          400,
          `Job ${job.jobId} is not configured yet: save its credentials first with PUT /v1.0/servicePrincipals/${job.servicePrincipalId}/synchronization/secrets (UserName, SecretToken, Domain, EntraTenantId, EntraClientId, EntraClientSecret).`,
          { code: 'NotConfigured' },
        );
      const initiatedBy = request.principal?.id ?? 'provisio';
      const { definition } = job.record;
      await resumeJob(context, job.jobId, initiatedBy);
      if (definition.settings.provisioningStatus !== 'on')
        await context.store
          .saveJobDefinition(
            { ...definition, settings: { ...definition.settings, provisioningStatus: 'on' } },
            { initiatedBy, at: context.clock.now(), ifRevision: job.record.revision },
          )
          .catch(conflict);
      runSoon(context, job.jobId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${base}/jobs/:jobId/pause`,
    {
      config: { access: 'Operator' },
      schema: {
        operationId: 'synchronization_pauseJob',
        summary: 'Provisioning Status Off: no cycle runs until start; a running cycle finishes.',
        tags,
        params: jobParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      const job = await jobUnder(context, request.params.spId, request.params.jobId);
      await pauseJob(context, job.jobId, request.principal?.id ?? 'provisio');
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${base}/jobs/:jobId/restart`,
    {
      config: { access: 'Operator' },
      schema: {
        operationId: 'synchronization_restartJob',
        summary:
          'Restart: "Watermark, Escrows, QuarantineState" (the portal\'s Restart), "Full" (also forget links and mirrors: everything is matched again) or "ForceDeletes" (allow the deletions the threshold held back).',
        tags,
        params: jobParams,
        body: z
          .object({
            criteria: z
              .object({ resetScope: z.string().max(500).nullable().optional() })
              .nullable()
              .optional(),
          })
          .optional(),
        response: noContent,
      },
    },
    async (request, reply) => {
      const job = await jobUnder(context, request.params.spId, request.params.jobId);
      const scopes = parseResetScope(request.body?.criteria?.resetScope);
      const initiatedBy = request.principal?.id ?? 'provisio';
      const forceDeletes = scopes.delete('ForceDeletes');
      const onlyNone = scopes.size === 1 && scopes.has('None');
      if (onlyNone) await resumeJob(context, job.jobId, initiatedBy);
      else if (scopes.size > 0 || !forceDeletes)
        await restartJob(
          context,
          job.jobId,
          { full: scopes.has('Full') || scopes.has('ConnectorDataStore') },
          initiatedBy,
        );
      if (forceDeletes) {
        // The engine's allow-deletes, carried out by the job's next cycle under its lease.
        await context.store.updateJob(job.jobId, { allowDeletes: true }, context.clock.now());
        await recordAudit(context, job.jobId, {
          activity: 'Allow deletes',
          initiatedBy,
          summary: 'Deprovisioning beyond the accidental-deletion threshold allowed for the next cycle.',
        });
      }
      if (job.record !== null) runSoon(context, job.jobId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${base}/jobs/:jobId/validateCredentials`,
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'synchronization_validateCredentials',
        summary:
          'Test Connection: the saved credentials (useSavedCredentials) or the given ones over them, nothing saved; 400 names what failed and the fix.',
        tags,
        params: jobParams,
        body: z
          .object({
            useSavedCredentials: z.boolean().optional(),
            credentials: secretPairsSchema.nullable().optional(),
            applicationIdentifier: z.string().optional(),
            templateId: z.string().optional(),
          })
          .optional(),
        response: noContent,
      },
    },
    async (request, reply) => {
      const job = await jobUnder(context, request.params.spId, request.params.jobId);
      const given = request.body?.useSavedCredentials === true ? [] : (request.body?.credentials ?? []);
      const { result, secretValues } = await testCredentials(context, job, given);
      if (result.ok) return reply.status(204).send(null);
      const failures = (['target', 'source'] as const).flatMap((side) =>
        result[side].steps
          .filter((step) => !step.ok)
          .map((step) => ({
            code: step.code ?? 'CredentialValidationFailed',
            target: credentialKeysOf[side],
            message: withoutSecrets(
              `${side === 'target' ? 'Zendesk' : 'Entra ID'} ${step.name}: ${step.detail}${step.fix === undefined ? '' : ` Fix: ${step.fix}`} (keys: ${credentialKeysOf[side]})`,
              secretValues,
            ),
          })),
      );
      throw new ApiError(400, `Test connection failed. ${failures.map((f) => f.message).join(' ')}`, {
        code: failures[0]?.code ?? 'CredentialValidationFailed',
        details: failures,
      });
    },
  );
}

/** A deleted job's record: nothing of its progress is kept (its cycles, logs and audit stay). */
function clearedJob(now: Date): Partial<Omit<JobRecord, 'jobId'>> {
  const { jobId: _jobId, updatedAt: _updatedAt, ...cleared } = newJobRecord('', now);
  return cleared;
}
