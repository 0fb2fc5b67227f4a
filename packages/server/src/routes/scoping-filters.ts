/**
 * provisio's addition for the console's Source Object Scope editor (docs/api.md#scoping-filter-test):
 * `POST /provisio/v1/jobs/{jobId}/scopingFilters/evaluate` tests scoping filters, saved or not, on
 * one Entra user or group, and says which filter and which clause passes or fails and the value it
 * saw. It runs the engine's own evaluator (`compileScopingFilters`, packages/expressions/src/scoping)
 * on the object as the job sees it (routes/source-objects.ts `readSourceObject`), exactly what a
 * cycle and provision on demand evaluate. Reader: nothing is written.
 */
import { computedAttributes } from '@provisio/engine';
import { compileScopingFilters } from '@provisio/expressions';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { ApiError, graphErrorSchema } from '../http/errors.js';
import { propertyText, readSourceObject } from './source-objects.js';
import { openConfigured, requireJob } from './synchronization-schema.js';

const evaluateInput = z
  .object({
    objectId: z.string().min(1).max(256).describe('The Entra object id of the user (or group) to test.'),
    objectTypeName: z
      .enum(['User', 'Group'])
      .default('User')
      .describe('"User" (default) or "Group": which mapping\'s filters these are.'),
    filter: z
      .unknown()
      .describe(
        "The scoping filters in Graph's filter shape (an objectMapping's scope: {groups:[{name, clauses:[{sourceOperandName, operatorName, targetOperand:{values}}]}]}), or null: none.",
      ),
  })
  .meta({ id: 'scopingFilterEvaluation' });

const propertyValue = z.union([z.string(), z.array(z.string()), z.null()]);

const clauseResultSchema = z.object({
  sourceOperandName: z.string(),
  operatorName: z.string(),
  values: z.array(z.string()).describe('The clause\'s value (none for a unary operator such as "IS NULL").'),
  actualValue: propertyValue.describe("The object's value of the attribute; null when it has none."),
  passed: z.boolean(),
  reason: z.string().nullable().describe('Why the clause failed, when more than a plain mismatch.'),
});

const evaluationSchema = z
  .object({
    objectId: z.string(),
    displayName: z.string(),
    inScope: z
      .boolean()
      .describe('Whether the filters let the object in: one filter (group) whose clauses all pass.'),
    summary: z.string().describe('One sentence, as the provisioning log words it.'),
    groups: z.array(
      z.object({
        name: z.string(),
        passed: z.boolean().describe('Every clause of this filter passed (clauses are ANDed).'),
        clauses: z.array(clauseResultSchema),
      }),
    ),
  })
  .meta({ id: 'scopingFilterResult' });

/** A Graph property name that may be added to `$select` (not one provisio computes). */
const SELECTABLE = /^[A-Za-z][A-Za-z0-9_]*$/;

export function scopingFilterRoutes(app: ApiApp, context: ServerContext): void {
  app.post(
    '/provisio/v1/jobs/:jobId/scopingFilters/evaluate',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'evaluateScopingFilters',
        summary:
          "Tests scoping filters (saved or not) on one Entra user or group: which filter and clause passes or fails, and the value seen (provisio's addition).",
        tags: ['provisio'],
        params: z.object({ jobId: z.string().min(1) }),
        body: evaluateInput,
        response: { 200: evaluationSchema, 400: graphErrorSchema, 404: graphErrorSchema },
      },
    },
    async (request) => {
      const job = await requireJob(context, request.params.jobId);
      const { objectId, objectTypeName, filter } = request.body;
      const compiled = compileScopingFilters(filter ?? null);
      if (!compiled.ok) {
        const count = compiled.errors.length;
        throw new ApiError(
          400,
          `filter: the scoping filters are not valid (${count} problem${count === 1 ? '' : 's'}): ${compiled.errors.map((e) => e.message).join('; ')}`,
          {
            details: compiled.errors.map((e) => ({
              code: e.code,
              target: e.path === '' ? 'filter' : `filter.${e.path}`,
              message: e.message,
            })),
          },
        );
      }
      const filters = compiled.filters;
      const opened = await openConfigured(context, job);
      try {
        const side = objectTypeName === 'User' ? opened.config.users : opened.config.groups;
        // The clauses' attributes are read too, as the job reads them once the filters are saved.
        const selected = new Set(side.select.map((name) => name.toLowerCase()));
        const extra = filters.definition.groups
          .flatMap((group) => group.clauses.map((clause) => clause.sourceOperandName))
          .filter(
            (name) =>
              SELECTABLE.test(name) && !computedAttributes.has(name) && !selected.has(name.toLowerCase()),
          );
        const object = await readSourceObject(opened, objectTypeName, objectId, extra);
        const result = filters.evaluate(object.attributes);
        return {
          objectId: object.id,
          displayName: object.displayName,
          inScope: result.inScope,
          summary: result.summary,
          groups: result.groups.map((group) => ({
            name: group.name,
            passed: group.passed,
            clauses: group.clauses.map((clause) => ({
              sourceOperandName: clause.attribute,
              operatorName: clause.operator,
              values: [...clause.expected],
              actualValue: propertyText(clause.attribute, clause.actual, object.redacted),
              passed: clause.passed,
              reason: clause.reason ?? null,
            })),
          })),
        };
      } finally {
        await opened.close();
      }
    },
  );
}
