/**
 * provisio's additions for the console's Provisioning page (docs/api.md#provisioning-page):
 *
 * - `GET /provisio/v1/servicePrincipals/{spId}/secrets`: which keys are saved, the plain ones with
 *   their values and the credentials (SecretToken, EntraClientSecret) only as a hint of their last
 *   four characters, as Zendesk shows its API tokens. Graph has no such read: its secrets are
 *   write-only.
 * - `POST /provisio/v1/jobs/{jobId}/testConnection`: Test Connection with every check explained
 *   (what was checked, what was found, what to do), where Graph's validateCredentials answers only
 *   204 or 400.
 * - `GET /provisio/v1/server`: the server's version and whether it accepts custom endpoints.
 *
 * No answer ever holds a credential's value (docs/security.md#secrets-at-rest).
 */
import { type JobOperation, presentOperations } from '@provisio/engine';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { graphErrorSchema } from '../http/errors.js';
import {
  checkServicePrincipalId,
  isCredentialKey,
  loadSecretValues,
  secretKeys,
} from '../jobs/credentials.js';
import { secretPairsSchema } from '../jobs/graph-job.js';
import { testCredentials, withoutSecrets } from '../jobs/test-connection.js';
import { requireJob } from './synchronization-schema.js';

const tags = ['provisio'];

const savedSecretSchema = z
  .object({
    key: z.enum(secretKeys as [string, ...string[]]),
    configured: z.boolean().describe('Whether a value is saved.'),
    value: z.string().nullable().describe('The saved value of a plain key; null for a credential.'),
    hint: z
      .string()
      .nullable()
      .describe(
        'A saved credential\'s last four characters after "…" ("…" alone when it is shorter than 12).',
      ),
  })
  .meta({ id: 'SavedSecret' });

const connectionCheckSchema = z
  .object({
    system: z.enum(['Microsoft Entra ID', 'Zendesk', 'Notification e-mails', 'Single sign-on']),
    name: z.string().describe('What was checked, e.g. "token", "credentials", "admin rights".'),
    level: z
      .enum(['required', 'optional'])
      .describe(
        'required: provisioning cannot run without it, and its failure fails the test; optional: a capability provisio can do without (role import, the mail server), whose failure is a warning.',
      ),
    status: z
      .enum(['success', 'failure', 'warning', 'skipped'])
      .describe('warning: an optional check that did not pass (`lost` says what goes without it).'),
    message: z.string().describe('What was found, or what went wrong.'),
    code: z
      .string()
      .nullable()
      .describe('The error code when the check failed (docs/provisioning.md#error-codes).'),
    fix: z.string().nullable().describe('What to do about a failure.'),
    lost: z.string().nullable().describe('For a warning: what is lost without the optional capability.'),
  })
  .meta({ id: 'ConnectionCheck' });

const connectionTestSchema = z
  .object({
    succeeded: z
      .boolean()
      .describe(
        'Every required check passed: the credentials are authorized to enable provisioning (optional checks may have warnings).',
      ),
    checks: z.array(connectionCheckSchema),
  })
  .meta({ id: 'ConnectionTest' });

const serverInfoSchema = z
  .object({
    version: z.string(),
    allowCustomEndpoints: z
      .boolean()
      .describe('BaseAddress, EntraAuthorityHost, EntraGraphBaseUrl and EntraCaCertificate are accepted.'),
    publicUrl: z.string(),
  })
  .meta({ id: 'ServerInfo' });

/** How the console names each operation the engine's texts point to. */
const consoleWords: Readonly<Record<JobOperation, string>> = {
  'test-connection': 'Provisioning → Test Connection',
  pause: 'Provisioning Status Off',
  resume: 'Provisioning Status On',
  restart: 'Overview → Restart provisioning',
  'allow-deletes': 'Overview → Restart provisioning with Allow deletes',
  status: 'Overview',
  logs: 'Provisioning logs',
  'logs-failures': 'Provisioning logs, Status: Failure',
  'logs-staged': 'Provisioning logs, Action: Staged delete',
  'roles-import': 'npx provisio roles import',
  'expr-eval': 'Expression builder → Test expression',
};

/** A credential's hint: "…" and its last four characters, only when those are a small part of it. */
export function secretHint(value: string): string {
  return value.length >= 12 ? `…${value.slice(-4)}` : '…';
}

export function provisioningRoutes(app: ApiApp, context: ServerContext): void {
  app.get(
    '/provisio/v1/servicePrincipals/:spId/secrets',
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'listSavedSecrets',
        summary:
          "What is saved for the service principal, without secrets: plain keys with their values, credentials as their last four characters (provisio's addition).",
        tags,
        params: z.object({
          spId: z
            .string()
            .describe('The object id of the Zendesk enterprise application (service principal).'),
        }),
        response: { 200: z.object({ value: z.array(savedSecretSchema) }), 400: graphErrorSchema },
      },
    },
    async (request) => {
      const { spId } = request.params;
      checkServicePrincipalId(spId);
      const saved = await loadSecretValues(context.store, context.vault, spId);
      return {
        value: secretKeys.map((key) => {
          const value = saved[key];
          const configured = value !== undefined && value !== '';
          if (isCredentialKey(key))
            return { key, configured, value: null, hint: configured ? secretHint(value) : null };
          return { key, configured, value: configured ? value : null, hint: null };
        }),
      };
    },
  );

  app.post(
    '/provisio/v1/jobs/:jobId/testConnection',
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'testConnection',
        summary:
          "Test Connection, explained: every check of Entra ID and Zendesk with its result and fix, with the saved credentials or given ones over them (nothing saved; provisio's addition).",
        tags,
        params: z.object({ jobId: z.string().min(1) }),
        body: z
          .object({
            credentials: secretPairsSchema
              .optional()
              .describe(
                'Values as PUT …/secrets takes them, tested over the saved ones; none: the saved ones.',
              ),
          })
          .nullish(),
        response: { 200: connectionTestSchema, 400: graphErrorSchema, 404: graphErrorSchema },
      },
    },
    async (request) => {
      const job = await requireJob(context, request.params.jobId);
      const { result, secretValues, singleSignOn } = await testCredentials(
        context,
        job,
        request.body?.credentials ?? [],
      );
      const clean = (text: string) =>
        withoutSecrets(
          presentOperations(text, (op) => consoleWords[op]),
          secretValues,
        );
      const sides = [
        ['Microsoft Entra ID', result.source],
        ['Zendesk', result.target],
        ...(result.notifications ? ([['Notification e-mails', result.notifications]] as const) : []),
        ...(singleSignOn
          ? ([['Single sign-on', { ok: singleSignOn.ok, steps: [singleSignOn] }]] as const)
          : []),
      ] as const;
      const checks = sides.flatMap(([system, check]) =>
        check.steps.map((step) => ({
          system,
          name: step.name,
          level: step.level ?? 'required',
          status: step.ok
            ? ('success' as const)
            : step.level === 'optional'
              ? ('warning' as const)
              : ('failure' as const),
          message: clean(step.detail),
          code: step.ok ? null : (step.code ?? 'CredentialValidationFailed'),
          fix: step.ok || step.fix === undefined ? null : clean(step.fix),
          lost: step.ok || step.lost === undefined ? null : clean(step.lost),
        })),
      );
      request.log.info({ jobId: job.jobId, succeeded: result.ok }, 'connection tested');
      return { succeeded: result.ok, checks };
    },
  );

  app.get(
    '/provisio/v1/server',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'serverInfo',
        summary:
          "The server's version, public URL and whether it accepts custom endpoints (the console offers them then; provisio's addition).",
        tags,
        response: { 200: serverInfoSchema },
      },
    },
    async () => ({
      version: context.version,
      allowCustomEndpoints: context.options.allowCustomEndpoints,
      publicUrl: context.options.publicUrl,
    }),
  );
}
