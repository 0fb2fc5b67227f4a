/**
 * The audit log's records (configuration changes, pause/start/restart, quarantine, role imports) in
 * Microsoft Graph's `directoryAudit` shape (https://learn.microsoft.com/graph/api/resources/directoryaudit),
 * so that scripts reading Entra's audit log read provisio's. A record's details become the target
 * resource's `modifiedProperties` (a configuration's before and after, path by path) and
 * `additionalDetails` (everything else). Secrets never leave: the store keeps references only, and
 * any value under a secret-looking key is shown as "[redacted]" whatever it holds.
 */
import type { AuditRecord } from '@provisio/engine';
import { z } from 'zod';
import { AUDIT_CATEGORY, AUDIT_LOGGED_BY, SERVICE_INITIATOR } from './log-filters.js';

export const REDACTED = '[redacted]';

/** Keys whose values are, or might be, credentials (`clientSecret`, `SecretToken`, `password`, `apiKey`…). */
const SECRET_KEY = /secret|passw(or)?d|token|api_?key|credential|private_?key|authorization|cookie/i;

/** A deep copy of `value` with every value under a secret-looking key replaced by "[redacted]". */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      SECRET_KEY.test(key) && item !== null && item !== undefined ? REDACTED : maskSecrets(item, depth + 1),
    ]),
  );
}

const modifiedPropertySchema = z.object({
  displayName: z.string(),
  oldValue: z.string().nullable(),
  newValue: z.string().nullable(),
});

export const directoryAuditSchema = z
  .object({
    id: z.string(),
    category: z.string(),
    correlationId: z.string(),
    result: z.enum(['success', 'failure', 'timeout', 'unknownFutureValue']),
    resultReason: z.string(),
    activityDisplayName: z.string(),
    activityDateTime: z.string(),
    loggedByService: z.string(),
    operationType: z.string(),
    initiatedBy: z.object({
      user: z
        .object({
          id: z.string().nullable(),
          displayName: z.string().nullable(),
          userPrincipalName: z.string().nullable(),
          ipAddress: z.string().nullable(),
        })
        .nullable(),
      app: z
        .object({
          appId: z.string().nullable(),
          displayName: z.string().nullable(),
          servicePrincipalId: z.string().nullable(),
          servicePrincipalName: z.string().nullable(),
        })
        .nullable(),
    }),
    targetResources: z.array(
      z.object({
        id: z.string(),
        displayName: z.string().nullable(),
        type: z.string(),
        userPrincipalName: z.string().nullable(),
        groupType: z.string().nullable(),
        modifiedProperties: z.array(modifiedPropertySchema),
      }),
    ),
    additionalDetails: z.array(z.object({ key: z.string(), value: z.string() })),
  })
  .meta({ id: 'directoryAudit' });

export type DirectoryAudit = z.output<typeof directoryAuditSchema>;

export function toDirectoryAudit(record: AuditRecord): DirectoryAudit {
  const details = maskSecrets(record.details ?? {}) as Record<string, unknown>;
  const { before, after, changed: _changed, ...rest } = details;
  const configuration = 'before' in details || 'after' in details;
  const activity = record.activity;
  const service = record.initiatedBy === SERVICE_INITIATOR;
  return {
    id: record.id,
    category: AUDIT_CATEGORY,
    correlationId: record.id,
    result: record.result,
    resultReason: record.summary,
    activityDisplayName: activity,
    activityDateTime: record.activityDateTime,
    loggedByService: AUDIT_LOGGED_BY,
    operationType: /^add\b/i.test(activity) ? 'Add' : /^delete\b/i.test(activity) ? 'Delete' : 'Update',
    initiatedBy: service
      ? {
          user: null,
          app: {
            appId: null,
            displayName: SERVICE_INITIATOR,
            servicePrincipalId: null,
            servicePrincipalName: null,
          },
        }
      : {
          user: {
            id: null,
            displayName: record.initiatedBy,
            userPrincipalName: record.initiatedBy.includes('@') ? record.initiatedBy : null,
            ipAddress: null,
          },
          app: null,
        },
    targetResources: [
      {
        id: record.jobId,
        displayName: record.jobId,
        type: 'Other',
        userPrincipalName: null,
        groupType: null,
        modifiedProperties: configuration ? modifiedProperties(before ?? null, after ?? null) : [],
      },
    ],
    additionalDetails: Object.entries(rest).map(([key, value]) => ({
      key,
      value: typeof value === 'string' ? value : JSON.stringify(value ?? null),
    })),
  };
}

/**
 * The paths (two levels deep: `settings.interval`, `mappings.users`) whose values differ between
 * `before` and `after`, each with both values as JSON text (null where absent).
 */
export function modifiedProperties(
  before: unknown,
  after: unknown,
): DirectoryAudit['targetResources'][number]['modifiedProperties'] {
  const out: { displayName: string; oldValue: string | null; newValue: string | null }[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  const walk = (b: unknown, a: unknown, path: string, depth: number) => {
    if (
      depth > 0 &&
      (isObject(b) || isObject(a)) &&
      (isObject(b) || b == null) &&
      (isObject(a) || a == null)
    ) {
      const keys = [
        ...new Set([...Object.keys(isObject(b) ? b : {}), ...Object.keys(isObject(a) ? a : {})]),
      ].sort();
      for (const key of keys)
        walk(
          isObject(b) ? b[key] : undefined,
          isObject(a) ? a[key] : undefined,
          path === '' ? key : `${path}.${key}`,
          depth - 1,
        );
      return;
    }
    const oldValue = b === undefined || b === null ? null : stableJson(b);
    const newValue = a === undefined || a === null ? null : stableJson(a);
    if (oldValue !== newValue) out.push({ displayName: path, oldValue, newValue });
  };
  walk(before, after, '', 2);
  return out;
}

/** JSON with object keys sorted, so that equal values give equal text. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : item,
  );
}
