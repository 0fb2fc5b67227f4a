/**
 * provisio's addition for pickers (docs/api.md#source-objects): find Entra users and groups through a
 * job's own connection, and read one as the job's mappings and scoping filters see it (Graph
 * properties, plus `objectId`, `appRoleAssignments` as role names and `IsSoftDeleted`), the shape
 * `parseExpression`'s `testInputObject` takes. The console's expression builder, scoping filter
 * tester and provision on demand use them. Reader: nothing is written.
 */
import { sourceDisplayName, sourceView } from '@provisio/engine';
import { z } from 'zod';
import type { OpenedJob, ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { ApiError, graphErrorSchema } from '../http/errors.js';
import { openConfigured, requireJob } from './synchronization-schema.js';

/**
 * User properties read besides the job's own, so that an expression being written can use them:
 * Graph's default user properties and the common organisational ones
 * (https://learn.microsoft.com/graph/api/resources/user#properties).
 */
const COMMON_USER_PROPERTIES = [
  'accountEnabled',
  'displayName',
  'givenName',
  'surname',
  'userPrincipalName',
  'mail',
  'mailNickname',
  'jobTitle',
  'department',
  'companyName',
  'employeeId',
  'officeLocation',
  'preferredLanguage',
  'usageLocation',
  'mobilePhone',
  'businessPhones',
];
const COMMON_GROUP_PROPERTIES = ['displayName', 'description', 'mail', 'mailNickname'];

const typeSchema = z
  .enum(['User', 'Group'])
  .default('User')
  .describe('What to find: "User" (default) or "Group".');

const objectSummarySchema = z
  .object({
    id: z.string().describe('The Entra object id.'),
    objectTypeName: z.enum(['User', 'Group']),
    displayName: z.string(),
    userPrincipalName: z.string().nullable().describe('Users only; null for a group.'),
    mail: z.string().nullable(),
  })
  .meta({ id: 'sourceObjectSummary' });

const propertySchema = z.object({
  key: z.string(),
  value: z
    .union([z.string(), z.array(z.string()), z.null()])
    .describe('Text; a list for multi-valued properties (appRoleAssignments: role names); null when unset.'),
});

const sourceObjectSchema = objectSummarySchema
  .extend({
    properties: z
      .array(propertySchema)
      .describe(
        "Every property as the job's expressions see it, sorted by name; values produced only for Redact mappings read [Redact].",
      ),
  })
  .meta({ id: 'sourceObject' });

const params = z.object({ jobId: z.string().min(1) });

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function summary(
  objectTypeName: 'User' | 'Group',
  id: string,
  attributes: Readonly<Record<string, unknown>>,
): z.output<typeof objectSummarySchema> {
  const upn = attributes['userPrincipalName'];
  const mail = attributes['mail'];
  return {
    id,
    objectTypeName,
    displayName: sourceDisplayName(id, attributes),
    userPrincipalName: objectTypeName === 'User' && typeof upn === 'string' ? upn : null,
    mail: typeof mail === 'string' ? mail : null,
  };
}

/** One property's value as the console shows it: text, a list of texts, or null. */
export type SourcePropertyValue = string | string[] | null;

export interface ReadSourceObject {
  readonly id: string;
  readonly displayName: string;
  /** The view the job's mappings and scoping filters evaluate (engine's `sourceView` for users). */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Source attributes used only through Redact: their values never leave the server. */
  readonly redacted: ReadonlySet<string>;
  /** Every property as text, sorted by name (`[Redact]` for the redacted ones). */
  readonly properties: { key: string; value: SourcePropertyValue }[];
}

/** A property's value as text for the caller (role names for appRoleAssignments). */
export function propertyText(
  key: string,
  value: unknown,
  redacted: ReadonlySet<string>,
): SourcePropertyValue {
  if (redacted.has(key)) return '[Redact]';
  if (key === 'appRoleAssignments' && Array.isArray(value))
    return (value as { displayName: string }[]).map((role) => role.displayName);
  if (Array.isArray(value)) return value.map((item) => text(item) ?? '');
  return text(value);
}

/**
 * Reads one Entra user or group through an opened job as its mappings and scoping filters see it:
 * the job's properties, the common ones and `extra` (say a scoping clause's attribute); 404 when it
 * is not in Entra ID.
 */
export async function readSourceObject(
  opened: OpenedJob,
  type: 'User' | 'Group',
  objectId: string,
  extra: readonly string[] = [],
): Promise<ReadSourceObject> {
  const { deps, config } = opened;
  let attributes: Record<string, unknown>;
  let id: string;
  let redacted: ReadonlySet<string> = new Set();
  if (type === 'User') {
    const user = await deps.source.getUser(objectId, [
      ...new Set([...config.users.select, ...COMMON_USER_PROPERTIES, ...extra]),
    ]);
    if (user === null) throw new ApiError(404, `The user '${objectId}' was not found in Microsoft Entra ID.`);
    const { assignments } = await deps.source.readAssignments();
    id = user.id;
    attributes = sourceView(
      user.id,
      user.attributes,
      assignments.filter((assignment) => assignment.userId === user.id),
      false,
    );
    redacted = config.users.redactedSources;
  } else {
    const group = await deps.source.getGroup(objectId, [
      ...new Set([...config.groups.select, ...COMMON_GROUP_PROPERTIES, ...extra]),
    ]);
    if (group === null)
      throw new ApiError(404, `The group '${objectId}' was not found in Microsoft Entra ID.`);
    id = group.id;
    attributes = { ...group.attributes, objectId: group.id };
  }
  const properties = Object.entries(attributes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ key, value: propertyText(key, value, redacted) }));
  return { id, displayName: sourceDisplayName(id, attributes), attributes, redacted, properties };
}

export function sourceObjectRoutes(app: ApiApp, context: ServerContext): void {
  app.get(
    '/provisio/v1/jobs/:jobId/sourceObjects',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'searchSourceObjects',
        summary:
          "Finds Entra users or groups through the job's connection: an object id, or the start of a display name, userPrincipalName or mail (provisio's addition).",
        tags: ['provisio'],
        params,
        querystring: z.object({
          type: typeSchema,
          search: z
            .string()
            .max(256)
            .default('')
            .describe('An object id or the start of a name; empty: any.'),
          $top: z.coerce.number().int().min(1).max(50).default(10).describe('At most this many, 1 to 50.'),
        }),
        response: {
          200: z.object({ value: z.array(objectSummarySchema) }).meta({ id: 'sourceObjectCollection' }),
          400: graphErrorSchema,
          404: graphErrorSchema,
        },
      },
    },
    async (request) => {
      const job = await requireJob(context, request.params.jobId);
      const { type, search, $top } = request.query;
      const opened = await openConfigured(context, job);
      try {
        const { deps, config } = opened;
        if (type === 'User') {
          const users = await deps.source.searchUsers(search, $top, config.users.select);
          return { value: users.map((user) => summary('User', user.id, user.attributes)) };
        }
        const groups = await deps.source.searchGroups(search, $top, config.groups.select);
        return { value: groups.map((group) => summary('Group', group.id, group.attributes)) };
      } finally {
        await opened.close();
      }
    },
  );

  app.get(
    '/provisio/v1/jobs/:jobId/sourceObjects/:objectId',
    {
      config: { access: 'Reader' },
      schema: {
        operationId: 'getSourceObject',
        summary:
          "One Entra user or group as the job's mappings and scoping filters see it, for testing an expression or a filter against it (provisio's addition).",
        tags: ['provisio'],
        params: params.extend({ objectId: z.string().min(1).max(256) }),
        querystring: z.object({ type: typeSchema }),
        response: { 200: sourceObjectSchema, 400: graphErrorSchema, 404: graphErrorSchema },
      },
    },
    async (request) => {
      const job = await requireJob(context, request.params.jobId);
      const { objectId } = request.params;
      const { type } = request.query;
      const opened = await openConfigured(context, job);
      try {
        const read = await readSourceObject(opened, type, objectId);
        return { ...summary(type, read.id, read.attributes), properties: read.properties };
      } finally {
        await opened.close();
      }
    },
  );
}
