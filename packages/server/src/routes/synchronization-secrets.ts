/**
 * `PUT /v1.0/servicePrincipals/{spId}/synchronization/secrets`: Graph's way to save a provisioning
 * job's credentials and settings (https://learn.microsoft.com/graph/api/synchronization-synchronization-secrets,
 * docs/api.md#secrets). Each value is sealed with the server's key (docs/security.md#secrets-at-rest)
 * and merged over what was saved before (Graph replaces per key); then every job of the service
 * principal whose keys now suffice becomes a whole job definition, and the scheduler looks again.
 * No route ever returns a secret.
 */
import { JobDefinitionConflict, recordAudit } from '@provisio/engine';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { ApiError } from '../http/errors.js';
import { planMaterialisation } from '../jobs/configure.js';
import {
  checkServicePrincipalId,
  loadSecretValues,
  parseSecretPairs,
  type SecretKey,
  saveSecretValues,
  withSecretRotation,
} from '../jobs/credentials.js';
import { secretPairsSchema, spParams } from '../jobs/graph-job.js';

export function synchronizationSecretsRoutes(app: ApiApp, context: ServerContext): void {
  app.put(
    '/v1.0/servicePrincipals/:spId/synchronization/secrets',
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'synchronization_putSecrets',
        summary:
          "Save the service principal's provisioning credentials and settings (sealed; never returned).",
        tags: ['synchronization'],
        params: spParams,
        body: z.object({ value: secretPairsSchema }),
        response: { 204: z.null().describe('Saved.') },
      },
    },
    async (request, reply) => {
      const { spId } = request.params;
      checkServicePrincipalId(spId);
      const parsed = parseSecretPairs(request.body.value, {
        allowCustomEndpoints: context.options.allowCustomEndpoints,
      });
      if (parsed.problems.length > 0)
        throw new ApiError(
          400,
          `The secrets were not saved: ${parsed.problems.map((p) => p.message).join('; ')}.`,
          {
            details: parsed.problems.map((p) => ({
              code: 'InvalidValue',
              target: p.key,
              message: p.message,
            })),
          },
        );
      const saved = await loadSecretValues(context.store, context.vault, spId);
      const change = withSecretRotation(saved, parsed);
      const merged: Partial<Record<SecretKey, string>> = { ...saved };
      for (const key of change.removed) delete merged[key];
      for (const [key, value] of change.set) merged[key] = value;
      // Everything is checked before anything is written.
      const plan = await planMaterialisation(context.store, spId, merged);
      const now = context.clock.now();
      await saveSecretValues(context.store, context.vault, spId, change, now);
      const initiatedBy = request.principal?.id ?? 'provisio';
      const keys = [...change.set.keys(), ...change.removed].sort();
      for (const { job, definition } of plan.jobs) {
        await context.store
          .saveJobDefinition(definition, { initiatedBy, at: now, ifRevision: job.record?.revision ?? 'none' })
          .catch((error: unknown) => {
            if (error instanceof JobDefinitionConflict)
              throw new ApiError(409, `Job ${job.jobId} changed meanwhile: save the secrets again.`);
            throw error;
          });
      }
      for (const { job } of plan.jobs)
        await recordAudit(context, job.jobId, {
          activity: 'Update provisioning credentials',
          initiatedBy,
          summary: `Secrets saved for service principal ${spId.toLowerCase()}: ${keys.join(', ')} (values sealed, never recorded).`,
          details: { servicePrincipalId: spId.toLowerCase(), keys, removed: [...change.removed] },
        });
      request.log.info(
        { servicePrincipalId: spId.toLowerCase(), keys, configured: plan.jobs.map((j) => j.job.jobId) },
        'synchronization secrets saved',
      );
      if (plan.jobs.length > 0) await context.scheduler.refresh();
      return reply.status(204).send(null);
    },
  );
}
