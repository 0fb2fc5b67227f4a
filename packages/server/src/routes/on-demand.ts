/**
 * Provision on demand (docs/api.md#provision-on-demand), Graph's
 * `POST /v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/provisionOnDemand`
 * (https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-provisionondemand): one
 * user, or one group with its members, provisioned now by the engine's on-demand run
 * (packages/engine/src/ondemand/provision.ts), answered with Graph's `stringKeyStringValuePair`.
 * An Operator may call it (docs/security.md#roles). provisio's `?dryRun=true` shows the same steps
 * and writes nothing.
 */
import { type ProvisioningObjectSummary, provisionOnDemand } from '@provisio/engine';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { SOURCE_DIRECTORY_NAME, TARGET_DIRECTORY_NAME } from '../graph/directories.js';
import { onDemandAnswer } from '../graph/on-demand.js';
import { synchronizationRuleId } from '../graph/schema.js';
import type { ApiApp } from '../http/app.js';
import { ApiError, graphErrorSchema } from '../http/errors.js';
import { initiator, jobParams, openConfigured, requireJob } from './synchronization-schema.js';

const subjectSchema = z.looseObject({
  objectId: z.string().trim().min(1).describe('The object id of the Entra user or group.'),
  objectTypeName: z.string().describe('"User" or "Group".'),
  links: z
    .unknown()
    .optional()
    .describe("A group's members to provision with it: provisio provisions all of the group's members."),
});

const provisionOnDemandInput = z
  .object({
    parameters: z
      .array(
        z.object({
          ruleId: z.string().describe("The id of the job's synchronizationRule (GET …/schema)."),
          subjects: z.array(subjectSchema).min(1),
        }),
      )
      .min(1),
  })
  .meta({ id: 'provisionOnDemandBody' });

const stringKeyStringValuePairSchema = z
  .object({
    key: z
      .string()
      .describe(
        'JSON text: {"result": "Success"|"Skipped"|"Failure", "details": {errorCode, errorMessage}}.',
      ),
    value: z
      .string()
      .describe(
        'JSON text: the object’s action, modifiedProperties, provisioningSteps, identities and systems (a group adds its members).',
      ),
  })
  .meta({ id: 'stringKeyStringValuePair' });

export function onDemandRoutes(app: ApiApp, context: ServerContext): void {
  app.post(
    '/v1.0/servicePrincipals/:spId/synchronization/jobs/:jobId/provisionOnDemand',
    {
      config: { access: 'Operator' },
      schema: {
        operationId: 'provisionOnDemand',
        summary: 'Provisions one user, or one group with its members, now; the answer carries the steps.',
        tags: ['synchronization'],
        params: jobParams,
        querystring: z.object({
          dryRun: z
            .enum(['true', 'false'])
            .optional()
            .describe(
              "provisio's addition. true: show the steps and what would be written, and write nothing (no Zendesk write, no state change, no provisioning log entry).",
            ),
        }),
        body: provisionOnDemandInput,
        response: { 200: stringKeyStringValuePairSchema, 400: graphErrorSchema, 404: graphErrorSchema },
      },
    },
    async (request) => {
      const job = await requireJob(context, request.params.jobId, request.params.spId);
      const { parameters } = request.body;
      const [parameter] = parameters;
      if (parameter === undefined || parameters.length > 1 || parameter.subjects.length > 1)
        throw new ApiError(
          400,
          'provisionOnDemand provisions one object per request: send one parameter with one subject (a group brings its members).',
        );
      const ruleId = synchronizationRuleId(job.jobId);
      if (parameter.ruleId.toLowerCase() !== ruleId)
        throw new ApiError(
          400,
          `The synchronization rule '${parameter.ruleId}' is not part of the schema of the job '${job.jobId}': use '${ruleId}' (synchronizationRules[0].id of GET …/jobs/${job.jobId}/schema).`,
        );
      const [subject] = parameter.subjects;
      const type = subject?.objectTypeName.toLowerCase();
      if (subject === undefined || (type !== 'user' && type !== 'group'))
        throw new ApiError(
          400,
          `parameters[0].subjects[0].objectTypeName must be "User" or "Group", found "${subject?.objectTypeName ?? ''}".`,
        );
      const objectTypeName = type === 'user' ? 'User' : 'Group';

      const opened = await openConfigured(context, job);
      try {
        const { deps, config } = opened;
        // The object must exist as what the subject says it is (a user id sent as a Group is not one).
        // When Entra ID cannot be asked, the run's connection test says so in its steps.
        const exists = await (objectTypeName === 'User'
          ? deps.source.getUser(subject.objectId, config.users.select)
          : deps.source.getGroup(subject.objectId, config.groups.select)
        ).then(
          (found) => found !== null,
          () => true,
        );
        if (!exists)
          throw new ApiError(
            404,
            `The ${objectTypeName.toLowerCase()} '${subject.objectId}' was not found in Microsoft Entra ID (objects in deleted items cannot be provisioned on demand).`,
          );
        const startTime = context.clock.now().toISOString();
        const dryRun = request.query.dryRun === 'true';
        // The log entry of each user the run wrote (or, in a dry run, would have written).
        const entries: ProvisioningObjectSummary[] = [];
        const report = await provisionOnDemand(deps, config, subject.objectId, {
          initiatedBy: initiator(request),
          dryRun,
          onLogEntry: (entry) => entries.push(entry),
        });
        const endTime = context.clock.now().toISOString();
        if (report.objects.length === 0)
          throw new ApiError(
            404,
            report.error ?? `The object '${subject.objectId}' was not found in Microsoft Entra ID.`,
          );
        const entry =
          entries.find((e) => e.sourceIdentity.id.toLowerCase() === subject.objectId.toLowerCase()) ?? null;
        return onDemandAnswer({
          objectId: subject.objectId,
          objectTypeName,
          report,
          entry,
          startTime,
          endTime,
          dryRun,
          sourceSystemName: SOURCE_DIRECTORY_NAME,
          targetSystemName: TARGET_DIRECTORY_NAME,
        });
      } finally {
        await opened.close();
      }
    },
  );
}
