/**
 * API tokens for automation, over the API (docs/security.md#api-tokens): list, create (the token is
 * in the response once, and nowhere else ever), revoke. Administrators only. The same as
 * `npx provisio tokens list|create|revoke`, which works on the state store directly.
 */
import type { ApiTokenRecord } from '@provisio/engine';
import { z } from 'zod';
import { issueApiToken } from '../auth/api-tokens.js';
import { auditAccess } from '../auth/audit.js';
import { roles } from '../auth/principal.js';
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { ApiError } from '../http/errors.js';

/** What may be shown of a token: never the token, never its hash. */
const apiTokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(roles),
    createdDateTime: z.string(),
    createdBy: z.string(),
    lastUsedDateTime: z.string().nullable(),
    revokedDateTime: z.string().nullable(),
  })
  .meta({ id: 'ApiToken' });

const createdTokenSchema = apiTokenSchema
  .extend({
    token: z.string().describe('The bearer token. Shown in this response only: it is not stored.'),
  })
  .meta({ id: 'CreatedApiToken' });

export function presentToken(record: ApiTokenRecord): z.output<typeof apiTokenSchema> {
  return {
    id: record.id,
    name: record.name,
    role: record.role,
    createdDateTime: record.createdAt,
    createdBy: record.createdBy,
    lastUsedDateTime: record.lastUsedAt,
    revokedDateTime: record.revokedAt,
  };
}

export function tokenRoutes(app: ApiApp, context: ServerContext): void {
  const { store, clock } = context;

  app.get(
    '/provisio/v1/tokens',
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'listApiTokens',
        summary: 'List the API tokens (never the tokens themselves), newest first.',
        tags: ['tokens'],
        response: { 200: z.object({ value: z.array(apiTokenSchema) }) },
      },
    },
    async () => {
      const records = await store.listApiTokens();
      const sorted = [...records].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return { value: sorted.map(presentToken) };
    },
  );

  app.post(
    '/provisio/v1/tokens',
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'createApiToken',
        summary: 'Create an API token: the response carries the bearer token, once.',
        tags: ['tokens'],
        body: z.object({
          name: z.string().trim().min(1).max(200).describe('What the token is for, e.g. "terraform".'),
          role: z.enum(roles),
        }),
        response: { 201: createdTokenSchema },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      const createdBy = principal?.id ?? 'unknown';
      const issued = await issueApiToken(store, {
        name: request.body.name,
        role: request.body.role,
        createdBy,
        now: clock.now(),
      });
      await auditAccess(store, clock, {
        activity: 'Create API token',
        initiatedBy: createdBy,
        result: 'success',
        summary: `API token "${issued.record.name}" (${issued.record.role}) was created.`,
        details: { tokenId: issued.record.id, name: issued.record.name, role: issued.record.role },
      });
      return reply.status(201).send({ ...presentToken(issued.record), token: issued.token });
    },
  );

  app.delete(
    '/provisio/v1/tokens/:id',
    {
      config: { access: 'Administrator' },
      schema: {
        operationId: 'revokeApiToken',
        summary: 'Revoke an API token: calls with it are refused (401) from now on.',
        tags: ['tokens'],
        params: z.object({ id: z.string() }),
        response: { 204: z.null().describe('Revoked.') },
      },
    },
    async (request, reply) => {
      const revoked = await store.revokeApiToken(request.params.id, clock.now());
      if (!revoked)
        throw new ApiError(
          404,
          `No API token "${request.params.id}" to revoke: it does not exist or was revoked already (GET /provisio/v1/tokens lists them).`,
        );
      await auditAccess(store, clock, {
        activity: 'Revoke API token',
        initiatedBy: request.principal?.id ?? 'unknown',
        result: 'success',
        summary: `API token ${request.params.id} was revoked.`,
        details: { tokenId: request.params.id },
      });
      return reply.status(204).send(null);
    },
  );
}
