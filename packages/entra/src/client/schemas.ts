import { z } from 'zod';

/**
 * Schemas of the Graph answers the connector reads. Objects are loose: Graph adds properties over
 * time and a user carries whatever `$select` asked for; only what the connector relies on is checked.
 */

/** One page of a collection (lists, delta rounds, members). */
export const collectionPage = z.looseObject({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
});
export type CollectionPage = z.infer<typeof collectionPage>;

/** One page with its items checked (for a single-page read). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.looseObject({
    value: z.array(item),
    '@odata.nextLink': z.string().optional(),
    '@odata.deltaLink': z.string().optional(),
  });
}

/** A user in a delta round: a user, or `{id, "@removed": {reason}}`. */
export const deltaUser = z.looseObject({
  id: z.string().min(1),
  '@removed': z.looseObject({ reason: z.string() }).optional(),
});

export const user = z.looseObject({ id: z.string().min(1) });

export const appRole = z.looseObject({
  id: z.string().min(1),
  displayName: z.string().nullable().optional(),
  value: z.string().nullable().optional(),
  isEnabled: z.boolean().optional(),
});

export const servicePrincipal = z.looseObject({
  id: z.string().min(1),
  appId: z.string().nullable().optional(),
  displayName: z.string().nullable().optional(),
  appRoles: z.array(appRole).default([]),
});
export type ServicePrincipal = z.infer<typeof servicePrincipal>;

export const appRoleAssignment = z.looseObject({
  id: z.string().min(1),
  appRoleId: z.string().min(1),
  principalId: z.string().min(1),
  principalType: z.string().nullable().optional(),
  principalDisplayName: z.string().nullable().optional(),
});
export type AppRoleAssignment = z.infer<typeof appRoleAssignment>;

/** A directoryObject in `members`: its `@odata.type` says whether it is a user. */
export const directoryObject = z.looseObject({
  id: z.string().min(1),
  '@odata.type': z.string().optional(),
});

/** A member in a group's `members@delta`: `{"@odata.type", id}`, with `@removed` when it left. */
export const deltaMember = z.looseObject({
  id: z.string().min(1),
  '@odata.type': z.string().optional(),
  '@removed': z.looseObject({ reason: z.string().optional() }).optional(),
});

/** A group in a groups/delta round: a group (maybe only some of its members), or `{id, "@removed"}`. */
export const deltaGroup = z.looseObject({
  id: z.string().min(1),
  '@removed': z.looseObject({ reason: z.string() }).optional(),
  'members@delta': z.array(deltaMember).optional(),
});
export type DeltaGroup = z.infer<typeof deltaGroup>;

export const group = z.looseObject({ id: z.string().min(1) });

/** An app role as the application registration holds it: every property, to write it back. */
export const applicationAppRole = z.looseObject({
  id: z.string().min(1),
  allowedMemberTypes: z.array(z.string()).default([]),
  description: z.string().nullable().optional(),
  displayName: z.string().nullable().optional(),
  isEnabled: z.boolean().default(true),
  value: z.string().nullable().optional(),
});
export type ApplicationAppRole = z.infer<typeof applicationAppRole>;

/** The application registration (not the service principal): where app roles are edited. */
export const application = z.looseObject({
  id: z.string().min(1),
  appId: z.string().nullable().optional(),
  displayName: z.string().nullable().optional(),
  appRoles: z.array(applicationAppRole).default([]),
});

/** Graph's error body: `{"error": {"code", "message", "innerError": {...}}}`. */
export const graphErrorBody = z.looseObject({
  error: z.looseObject({
    code: z.string().optional(),
    message: z.string().optional(),
    innerError: z.looseObject({ 'request-id': z.string().optional() }).optional(),
  }),
});
