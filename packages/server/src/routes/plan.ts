/**
 * provisio's own addition (docs/api.md#plan): `GET /provisio/v1/jobs/{jobId}/plan`, what the job's
 * next cycle would do, per user and group, as data. It runs the engine's dry-run cycle
 * (`planJob`, packages/engine/src/jobs/operations.ts): the job's connectors read Entra ID and Zendesk,
 * and nothing is written anywhere. A Reader may call it (docs/security.md#roles).
 */
import {
  ConfigError,
  checkJobDefinition,
  type JobDefinition,
  planJob,
  planReportSchema,
} from '@provisio/engine';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { importSynchronizationSchema } from '../graph/schema.js';
import type { ApiApp } from '../http/app.js';
import { ApiError, graphErrorSchema } from '../http/errors.js';
import type { CatalogJob } from '../jobs/catalog.js';
import { parseSecretPairs, type SecretKey, type SecretValues, settingsFrom } from '../jobs/credentials.js';
import {
  discoverUserFields,
  openConfigured,
  requireJob,
  synchronizationSchemaInput,
} from './synchronization-schema.js';

/** The settings a proposal may change: Settings → Scope, out-of-scope deletions, notifications. */
const PROPOSABLE_KEYS: readonly SecretKey[] = [
  'SyncAll',
  'SkipOutOfScopeDeletions',
  'SyncNotificationSettings',
];

const proposalSchema = z
  .object({
    schema: synchronizationSchemaInput
      .optional()
      .describe('Mappings and scoping filters as PUT …/schema takes them; absent: the saved ones.'),
    secrets: z
      .array(z.object({ key: z.string(), value: z.string() }))
      .max(PROPOSABLE_KEYS.length)
      .optional()
      .describe(
        `Settings as PUT …/secrets takes them, only ${PROPOSABLE_KEYS.join(', ')}; absent: the saved ones.`,
      ),
  })
  .meta({ id: 'planProposal' });

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

  app.post(
    '/provisio/v1/jobs/:jobId/plan',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'planProposal',
        summary:
          "What the job's next cycle would do with unsaved changes (mappings, scoping filters, scope), nothing saved or written: the console shows it before Save (provisio's addition).",
        tags: ['provisio'],
        params: z.object({ jobId: z.string().min(1) }),
        querystring: z.object({
          all: z
            .enum(['true', 'false'])
            .optional()
            .describe('true: also list the users that are in sync or skipped.'),
        }),
        body: proposalSchema,
        response: { 200: planResponseSchema, 400: graphErrorSchema, 404: graphErrorSchema },
      },
    },
    async (request) => {
      const job = await requireJob(context, request.params.jobId);
      const definition = await proposedDefinition(context, job, request.body, request.log);
      let opened: Awaited<ReturnType<ServerContext['runtime']['open']>>;
      try {
        opened = await context.runtime.open(definition, context.secrets);
      } catch (error) {
        if (error instanceof ConfigError)
          throw new ApiError(
            400,
            `The proposed configuration cannot run: ${error.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
          );
        throw error;
      }
      try {
        const { plan } = await planJob(opened.deps, opened.config, { all: request.query.all === 'true' });
        return plan;
      } finally {
        await opened.close();
      }
    },
  );
}

/** The job's saved definition with the proposal applied and checked; 400 listing every problem. */
async function proposedDefinition(
  context: ServerContext,
  job: CatalogJob,
  proposal: z.output<typeof proposalSchema>,
  log: Parameters<typeof discoverUserFields>[2],
): Promise<JobDefinition> {
  if (job.record === null)
    throw new ApiError(
      400,
      `The synchronization job '${job.jobId}' is not configured yet: save its credentials first (PUT /v1.0/servicePrincipals/${job.servicePrincipalId}/synchronization/secrets).`,
      { code: 'NotConfigured' },
    );
  let definition: JobDefinition = job.record.definition;
  if (proposal.schema !== undefined) {
    const discovered = await discoverUserFields(context, job, log);
    const result = importSynchronizationSchema(proposal.schema, {
      jobId: job.jobId,
      sections: job.sections,
      configured: definition,
      userFields: discovered?.fields ?? null,
    });
    if (!result.ok) {
      const count = result.problems.length;
      throw new ApiError(
        400,
        `The synchronization schema is not valid (${count} problem${count === 1 ? '' : 's'}): ${result.problems.map((p) => p.message).join('; ')}`,
        { details: result.problems },
      );
    }
    if (result.definition !== null) definition = result.definition;
  }
  if (proposal.secrets !== undefined) {
    const refused = proposal.secrets.filter((pair) => !PROPOSABLE_KEYS.includes(pair.key as SecretKey));
    if (refused.length > 0)
      throw new ApiError(
        400,
        `secrets: a plan can try ${PROPOSABLE_KEYS.join(', ')} only; ${refused.map((pair) => pair.key.slice(0, 64)).join(', ')} must be saved (PUT …/secrets) before planning with them.`,
      );
    const parsed = parseSecretPairs(proposal.secrets, { allowCustomEndpoints: false });
    if (parsed.problems.length > 0)
      throw new ApiError(400, `secrets: ${parsed.problems.map((p) => p.message).join('; ')}`, {
        details: parsed.problems.map((p) => ({ code: 'InvalidValue', target: p.key, message: p.message })),
      });
    const values: SecretValues = Object.fromEntries(parsed.set);
    definition = {
      ...definition,
      settings: settingsFrom(definition.settings ?? {}, values) as JobDefinition['settings'],
    };
  }
  const check = checkJobDefinition(definition);
  if (!check.ok)
    throw new ApiError(
      400,
      `The proposed configuration is not valid: ${check.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
  return check.job.definition;
}
