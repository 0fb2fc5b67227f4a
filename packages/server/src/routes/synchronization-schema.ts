/**
 * A job's synchronization schema (docs/api.md#synchronization-schema), as Graph serves it
 * (https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationschema):
 * `GET|PUT|DELETE /v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/schema` and its
 * discovery calls `schema/functions`, `schema/filterOperators` and `schema/parseExpression`. The
 * conversions are pure (graph/schema.ts, graph/expressions.ts); this module reads, checks access and
 * saves. Reading needs a Reader, changing an Administrator (docs/security.md#roles).
 */
import {
  ConfigError,
  checkJobDefinition,
  JobDefinitionConflict,
  mappingsSchema,
  type TargetUserField,
} from '@provisio/engine';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { OpenedJob, ServerContext } from '../context.js';
import { graphFilterOperators, graphFunctions, parseAndEvaluate } from '../graph/expressions.js';
import { compileSections, importSynchronizationSchema, toSynchronizationSchema } from '../graph/schema.js';
import type { ApiApp } from '../http/app.js';
import { ApiError, graphErrorSchema, notFound } from '../http/errors.js';
import { type CatalogJob, findJob, saveSections } from '../jobs/catalog.js';
import { jobParams } from '../jobs/graph-job.js';
import { jobUnder } from './synchronization-jobs.js';

// ── shared by the job routes of this part (on-demand.ts, plan.ts) ─────────────────────────────────

export { jobParams };

/**
 * The job: of the service principal when one is named (Graph's routes: synchronization-jobs.ts's
 * `jobUnder`), else any (provisio's own routes); 404 otherwise.
 */
export async function requireJob(
  context: ServerContext,
  jobId: string,
  servicePrincipalId?: string,
): Promise<CatalogJob> {
  if (servicePrincipalId !== undefined) return jobUnder(context, servicePrincipalId, jobId);
  const job = await findJob(context.store, jobId);
  if (job === null) throw notFound(`Synchronization job ${jobId.slice(0, 120)}`);
  return job;
}

/**
 * Opens a configured job's connectors (runtime.open: its secrets resolved). A draft, or a job whose
 * definition cannot run, answers 400 naming what to do.
 */
export async function openConfigured(context: ServerContext, job: CatalogJob): Promise<OpenedJob> {
  if (job.record === null)
    throw new ApiError(
      400,
      `The synchronization job '${job.jobId}' is not configured yet: save its credentials first (PUT /v1.0/servicePrincipals/${job.servicePrincipalId}/synchronization/secrets).`,
      { code: 'NotConfigured' },
    );
  try {
    return await context.runtime.open(job.record.definition, context.secrets);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ApiError(
        400,
        `The synchronization job '${job.jobId}' cannot run as configured (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}): ${error.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        {
          code: 'InvalidConfiguration',
          details: error.problems.map((p) => ({
            code: 'InvalidValue',
            ...(p.path === '' ? {} : { target: p.path }),
            message: `${p.path}: ${p.message}`,
          })),
        },
      );
    throw error;
  }
}

/** Who made a change, for the definition's audit record. */
export function initiator(request: FastifyRequest): string {
  const principal = request.principal;
  return principal === null ? 'provisio' : `${principal.displayName} (${principal.id})`;
}

/**
 * The Zendesk account's custom user fields, or null (a draft, or an account that cannot be reached:
 * the schema then lists the built-in attributes only, and says so in the log).
 */
export async function discoverUserFields(
  context: ServerContext,
  job: CatalogJob,
  log: FastifyBaseLogger,
): Promise<{ fields: readonly TargetUserField[]; at: string } | null> {
  if (job.record === null) return null;
  try {
    const opened = await context.runtime.open(job.record.definition, context.secrets);
    try {
      const fields = await opened.deps.target.describeUserFields();
      return { fields, at: context.clock.now().toISOString() };
    } finally {
      await opened.close();
    }
  } catch (error) {
    log.warn(
      {
        jobId: job.jobId,
        err: error instanceof Error ? { message: error.message, name: error.name } : undefined,
      },
      'the Zendesk custom user fields could not be read: the schema lists the built-in attributes only',
    );
    return null;
  }
}

// ── Graph's shapes ──────────────────────────────────────────────────────────────────────────────

const keyValue = z.object({ key: z.string(), value: z.string() });

const attributeMappingSourceSchema = z
  .object({
    expression: z.string().nullable(),
    name: z.string().nullable(),
    get parameters() {
      return z.array(z.object({ key: z.string(), value: attributeMappingSourceSchema }));
    },
    type: z.enum(['Attribute', 'Constant', 'Function']),
  })
  .meta({
    id: 'attributeMappingSource',
    description:
      'Graph attributeMappingSource: `expression` is the canonical text; `parameters` are derived from it.',
  });

const attributeMappingSchema = z
  .object({
    targetAttributeName: z.string(),
    source: attributeMappingSourceSchema.nullable(),
    defaultValue: z.string().nullable(),
    exportMissingReferences: z.boolean(),
    flowBehavior: z.string(),
    flowType: z.enum(['Always', 'ObjectAddOnly']),
    matchingPriority: z.number().int(),
  })
  .meta({ id: 'attributeMapping' });

const filterSchema = z
  .object({
    groups: z.array(
      z.object({
        name: z.string(),
        clauses: z.array(
          z.object({
            operatorName: z.string(),
            sourceOperandName: z.string(),
            targetOperand: z.object({ values: z.array(z.string()) }),
          }),
        ),
      }),
    ),
    inputFilterGroups: z.array(z.never()),
    categoryFilterGroups: z.array(z.never()),
  })
  .meta({ id: 'filter' });

const objectMappingSchema = z
  .object({
    name: z.string(),
    enabled: z.boolean(),
    flowTypes: z.string(),
    sourceObjectName: z.enum(['User', 'Group']),
    targetObjectName: z.enum(['User', 'Group']),
    metadata: z.array(keyValue),
    scope: filterSchema.nullable(),
    attributeMappings: z.array(attributeMappingSchema),
  })
  .meta({ id: 'objectMapping' });

const attributeDefinitionSchema = z.object({
  name: z.string(),
  type: z.enum(['String', 'Integer', 'Reference', 'Binary', 'Boolean', 'DateTime']),
  anchor: z.boolean(),
  caseExact: z.boolean(),
  defaultValue: z.string().nullable(),
  flowNullValues: z.boolean(),
  multivalued: z.boolean(),
  mutability: z.enum(['ReadWrite', 'ReadOnly', 'Immutable', 'WriteOnly']),
  required: z.boolean(),
  referencedObjects: z.array(z.object({ referencedObjectName: z.string() })),
  metadata: z.array(keyValue),
});

const directoryDefinitionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    discoverabilities: z.string(),
    discoveryDateTime: z.string().nullable(),
    objects: z.array(
      z.object({
        name: z.string(),
        attributes: z.array(attributeDefinitionSchema),
        metadata: z.array(keyValue),
        supportedApis: z.array(z.string()),
      }),
    ),
    readOnly: z.boolean(),
    version: z.string().nullable(),
  })
  .meta({ id: 'directoryDefinition' });

export const synchronizationSchemaSchema = z
  .object({
    id: z.string(),
    version: z.string(),
    synchronizationRules: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        editable: z.boolean(),
        priority: z.number().int(),
        sourceDirectoryName: z.string(),
        targetDirectoryName: z.string(),
        metadata: z.array(keyValue),
        objectMappings: z.array(objectMappingSchema),
      }),
    ),
    directories: z.array(directoryDefinitionSchema),
  })
  .meta({
    id: 'synchronizationSchema',
    description:
      "A job's mappings and scoping filters as Graph's synchronizationSchema; `directories` lists the attributes of both sides, the Zendesk account's custom user fields included.",
  });

// The PUT body is read by the converter, which reports every problem at once (a schema validator
// would stop at the first level that is wrong): only "a JSON object" is checked here.
export const synchronizationSchemaInput = z
  .looseObject({
    synchronizationRules: z
      .unknown()
      .describe('One synchronizationRule with the user and group objectMappings, as GET returns it.'),
    directories: z.unknown().optional().describe('Ignored: the Zendesk attributes come from the account.'),
  })
  .meta({
    id: 'synchronizationSchemaBody',
    description: 'A synchronizationSchema, as GET …/schema returns it or as exported from Entra ID.',
  });

const functionsSchema = z.object({
  value: z.array(
    z.object({
      name: z.string(),
      parameters: z.array(
        z.object({
          name: z.string(),
          required: z.boolean(),
          allowMultipleOccurrences: z.boolean(),
          type: z.string(),
        }),
      ),
    }),
  ),
});

const filterOperatorsSchema = z.object({
  value: z.array(
    z.object({
      name: z.string(),
      arity: z.enum(['Unary', 'Binary']),
      multivaluedComparisonType: z.enum(['All', 'Any']),
      supportedAttributeTypes: z.array(z.string()),
    }),
  ),
});

const parseExpressionInput = z.object({
  expression: z.string().describe('The expression, e.g. Join(" ", [givenName], [surname]).'),
  targetAttributeDefinition: z.unknown().optional(),
  testInputObject: z
    .object({
      definition: z.unknown().optional(),
      properties: z
        .array(z.looseObject({ key: z.string(), value: z.unknown().optional() }))
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
});

const parseExpressionResponseSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), target: z.string().nullable() }).nullable(),
    evaluationSucceeded: z.boolean(),
    evaluationResult: z.array(z.string()).nullable(),
    parsedExpression: attributeMappingSourceSchema.nullable(),
    parsingSucceeded: z.boolean(),
  })
  .meta({ id: 'parseExpressionResponse' });

const errors = { 400: graphErrorSchema, 404: graphErrorSchema, 409: graphErrorSchema };

// ── routes ──────────────────────────────────────────────────────────────────────────────────────

const schemaPath = '/v1.0/servicePrincipals/:spId/synchronization/jobs/:jobId/schema';

export function synchronizationSchemaRoutes(app: ApiApp, context: ServerContext): void {
  app.get(
    schemaPath,
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'getSynchronizationSchema',
        summary: "The job's mappings and scoping filters, and the attributes of both directories.",
        tags: ['synchronization schema'],
        params: jobParams,
        response: { 200: synchronizationSchemaSchema, ...errors },
      },
    },
    async (request) => {
      const job = await requireJob(context, request.params.jobId, request.params.spId);
      const compiled = compileSections(job.jobId, job.sections, job.record?.definition ?? null);
      const discovered = await discoverUserFields(context, job, request.log);
      return toSynchronizationSchema({
        jobId: job.jobId,
        version: job.record === null ? `draft:${compiled.hash}` : `revision:${job.record.revision}`,
        job: compiled,
        userFields: discovered?.fields ?? null,
        discoveredAt: discovered?.at ?? null,
      }) as z.input<typeof synchronizationSchemaSchema>;
    },
  );

  app.put(
    schemaPath,
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'putSynchronizationSchema',
        summary:
          "Replaces the job's mappings and scoping filters; every problem is listed in the error's details. The next cycle is an initial one.",
        tags: ['synchronization schema'],
        params: jobParams,
        body: synchronizationSchemaInput,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const job = await requireJob(context, request.params.jobId, request.params.spId);
      const discovered = await discoverUserFields(context, job, request.log);
      const result = importSynchronizationSchema(request.body, {
        jobId: job.jobId,
        sections: job.sections,
        configured: job.record?.definition ?? null,
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
      await save(context, job, result.mappings, result.definition, request);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    schemaPath,
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'resetSynchronizationSchema',
        summary: "Resets the job's mappings and scoping filters to provisio's defaults (docs/mappings.md).",
        tags: ['synchronization schema'],
        params: jobParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const job = await requireJob(context, request.params.jobId, request.params.spId);
      const defaults = mappingsSchema.parse({});
      let definition = null;
      if (job.record !== null) {
        const check = checkJobDefinition({ ...job.record.definition, mappings: defaults });
        if (!check.ok)
          throw new ApiError(
            400,
            `The default mappings do not fit the job's settings: ${check.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
          );
        definition = check.job.definition;
      }
      await save(context, job, defaults, definition, request);
      return reply.status(204).send(null);
    },
  );

  app.get(
    `${schemaPath}/functions`,
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'listSynchronizationSchemaFunctions',
        summary: 'Every function of the expression language (docs/expressions.md#5-functions).',
        tags: ['synchronization schema'],
        params: jobParams,
        response: { 200: functionsSchema, ...errors },
      },
    },
    async (request) => {
      await requireJob(context, request.params.jobId, request.params.spId);
      return { value: graphFunctions().map((f) => ({ ...f, parameters: [...f.parameters] })) };
    },
  );

  app.get(
    `${schemaPath}/filterOperators`,
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'listSynchronizationSchemaFilterOperators',
        summary: 'Every scoping filter operator.',
        tags: ['synchronization schema'],
        params: jobParams,
        response: { 200: filterOperatorsSchema, ...errors },
      },
    },
    async (request) => {
      await requireJob(context, request.params.jobId, request.params.spId);
      return {
        value: graphFilterOperators().map((o) => ({
          ...o,
          supportedAttributeTypes: [...o.supportedAttributeTypes],
        })),
      };
    },
  );

  app.post(
    `${schemaPath}/parseExpression`,
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'parseSynchronizationSchemaExpression',
        summary:
          'Parses an expression into an attributeMappingSource and evaluates it against a test object.',
        tags: ['synchronization schema'],
        params: jobParams,
        body: parseExpressionInput,
        response: { 200: parseExpressionResponseSchema, ...errors },
      },
    },
    async (request) => {
      await requireJob(context, request.params.jobId, request.params.spId);
      const properties = request.body.testInputObject?.properties ?? undefined;
      return parseAndEvaluate({
        expression: request.body.expression,
        properties: properties?.map((p) => ({ key: p.key, value: p.value })),
        now: context.clock.now(),
      }) as z.input<typeof parseExpressionResponseSchema>;
    },
  );
}

async function save(
  context: ServerContext,
  job: CatalogJob,
  mappings: Readonly<Record<string, unknown>>,
  definition: Parameters<typeof saveSections>[4] | null,
  request: FastifyRequest,
): Promise<void> {
  try {
    await saveSections(
      context.store,
      job,
      { ...job.sections, mappings },
      { initiatedBy: initiator(request), at: context.clock.now() },
      definition ?? undefined,
    );
  } catch (error) {
    if (error instanceof JobDefinitionConflict)
      throw new ApiError(
        409,
        `The job '${job.jobId}' changed while the schema was saved: read it again and retry.`,
      );
    throw error;
  }
  // The scheduler restarts the job's loop on the new revision; its next cycle is an initial one
  // (the configuration hash changed: docs/configuration.md#what-forces-an-initial-cycle).
  await context.scheduler.refresh();
}
