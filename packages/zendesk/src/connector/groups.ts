import type {
  PreparedAttributes,
  TargetGroup,
  TargetGroupAction,
  TargetGroupActionResult,
  TargetUser,
} from '@provisio/engine';
import { toConnectorError } from '../client/errors.js';
import type { ZendeskHttp } from '../client/http.js';
import { collect, paginate } from '../client/paginate.js';
import { groupEnvelopeSchema, groupSchema, noContentSchema, type ZendeskGroup } from '../client/schemas.js';
import { type ZendeskConnectorError, ZendeskErrorCode } from '../errors.js';
import { parseZendeskId } from './attributes.js';
import type { Semaphore } from './concurrency.js';

/**
 * Groups (https://developer.zendesk.com/api-reference/ticketing/groups/groups/): `TargetGroup`s from API groups,
 * `prepareGroup` (mapped values → Zendesk group fields), who may join groups, and `applyGroups`. Groups are few, so each action is one
 * request (`POST /groups`, `PUT /groups/{id}`, `DELETE /groups/{id}`), a few at a time.
 */

/** The group fields a mapping may target; the others are read-only in Zendesk. */
export const groupFields: readonly string[] = ['name', 'description', 'is_public'];

const readOnlyGroupFields = new Set(['id', 'url', 'default', 'deleted', 'created_at', 'updated_at']);

export function toTargetGroup(group: ZendeskGroup): TargetGroup {
  const attributes: Record<string, unknown> = {
    name: group.name,
    description: group.description ?? '',
  };
  if (typeof group.is_public === 'boolean') attributes['is_public'] = group.is_public;
  if (typeof group.default === 'boolean') attributes['default'] = group.default;
  return {
    id: String(group.id),
    attributes,
    displayName: group.name,
    // The account's default group: every new agent joins it, and Zendesk refuses to delete it
    // (https://developer.zendesk.com/api-reference/ticketing/groups/groups/, `default`;
    // https://support.zendesk.com/hc/en-us/articles/4408821536794). provisio leaves it alone.
    ...(group.default === true ? { protection: defaultGroupProtection } : {}),
  };
}

/** Why the account's default group is protected (docs/provisioning.md, "Protected objects"). */
export const defaultGroupProtection =
  "the account's default group (Zendesk adds every new agent to it and does not let it be deleted)";

/** A deleted group as a result: Zendesk answers its 204 without a body. */
function deletedGroup(id: number): TargetGroup {
  return { id: String(id), attributes: { deleted: true }, displayName: `Zendesk group ${id}` };
}

function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}

/**
 * Mapped group values (Zendesk group field → value) → what Zendesk stores: `name` trimmed and
 * required (`MissingGroupName` without one), `description` as text (`''` for no value, as Zendesk
 * stores it), `is_public` as a boolean (`"true"`/`"false"` accepted; no value leaves it to
 * Zendesk). Read-only fields (`default`, `deleted`, `id`…) are refused as `InvalidValue`; other
 * names pass through for fields Zendesk may add.
 */
export function prepareGroupAttributes(mapped: Readonly<Record<string, unknown>>): PreparedAttributes {
  const attributes: Record<string, unknown> = {};
  const problems: { attribute: string; message: string; code: ZendeskErrorCode }[] = [];
  for (const [attribute, value] of Object.entries(mapped)) {
    if (attribute === 'name') {
      const name = scalarText(Array.isArray(value) && value.length === 1 ? value[0] : value);
      if (name !== null && name !== '') attributes['name'] = name;
    } else if (attribute === 'description') {
      if (value === null || value === undefined) attributes['description'] = '';
      else {
        const text = scalarText(value) ?? (typeof value === 'boolean' ? String(value) : null);
        if (text === null)
          problems.push({
            attribute,
            code: ZendeskErrorCode.InvalidValue,
            message: 'description must be text',
          });
        else attributes['description'] = text;
      }
    } else if (attribute === 'is_public') {
      if (value === null || value === undefined) continue;
      const flag =
        typeof value === 'boolean'
          ? value
          : typeof value === 'string' && /^(true|false)$/i.test(value.trim())
            ? value.trim().toLowerCase() === 'true'
            : null;
      if (flag === null)
        problems.push({
          attribute,
          code: ZendeskErrorCode.InvalidValue,
          message: `is_public must be true or false, not ${JSON.stringify(value)}`,
        });
      else attributes['is_public'] = flag;
    } else if (readOnlyGroupFields.has(attribute)) {
      problems.push({
        attribute,
        code: ZendeskErrorCode.InvalidValue,
        message: `${attribute} is read-only in Zendesk; map only ${groupFields.join(', ')}`,
      });
    } else {
      attributes[attribute] = value === undefined ? null : value;
    }
  }
  if (attributes['name'] === undefined) {
    problems.push({
      attribute: 'name',
      code: ZendeskErrorCode.MissingGroupName,
      message: 'A Zendesk group needs a name, and the name mapping gives no value for this group',
    });
  }
  return { attributes, problems };
}

/**
 * Zendesk allows "groups for users with Agent roles only": agents (custom roles, Light Agent
 * included, are agents) and admins, while they are not deleted.
 */
export function canJoinGroups(user: TargetUser): boolean {
  if (!user.active) return false;
  const role = user.attributes['role'];
  if (typeof role !== 'string') return false;
  const normalised = role.trim().toLowerCase();
  return normalised === 'agent' || normalised === 'admin';
}

/** A write body from prepared attributes or changes: `undefined` as null. */
export function toGroupBody(changes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) body[key] = value === undefined ? null : value;
  return body;
}

export interface GroupWriteContext {
  readonly http: ZendeskHttp;
  /** Limits single requests in parallel (shared with the users' single requests). */
  readonly singleRequests: Semaphore;
}

function failure(key: string, error: ZendeskConnectorError): TargetGroupActionResult {
  return { key, ok: false, error };
}

/**
 * The group a `POST /groups` for `name` may have created before its answer was lost (a 5xx, a
 * timeout, a reset): the account's groups that are not deleted, read in full (not the search API,
 * which indexes new groups late), matched by name as the engine matches groups (trimmed, any case).
 * Null when there is none, so the create can be repeated without making a duplicate.
 */
export async function findGroupByName(
  http: ZendeskHttp,
  name: unknown,
): Promise<{ group: ZendeskGroup } | null> {
  if (typeof name !== 'string' || name.trim() === '') return null;
  const wanted = name.trim().toLowerCase();
  const pages = await collect(
    paginate(http, {
      path: '/api/v2/groups',
      key: 'groups',
      item: groupSchema,
      style: { kind: 'cursor' },
      query: { exclude_deleted: true },
    }),
  );
  const found = pages.find((g) => g.deleted !== true && g.name.trim().toLowerCase() === wanted);
  return found === undefined ? null : { group: found };
}

async function applyOne(http: ZendeskHttp, action: TargetGroupAction): Promise<TargetGroupActionResult> {
  if (action.kind === 'create') {
    const label = 'POST /api/v2/groups';
    const body = toGroupBody(action.attributes);
    let recovered = false;
    try {
      // Not idempotent: after an ambiguous failure the group is looked up by name before any retry
      // (docs/provisioning.md#retries), so a lost answer never makes a second group.
      const answer = await http.request('POST', '/api/v2/groups', {
        body: { group: body },
        schema: groupEnvelopeSchema,
        subject: 'group',
        recover: async () => {
          const found = await findGroupByName(http, body['name']);
          recovered = found !== null;
          return found;
        },
      });
      const request = recovered
        ? `${label} (its answer was lost; the group it created was found by name)`
        : label;
      return { key: action.key, ok: true, group: toTargetGroup(answer.group), request };
    } catch (error) {
      return failure(action.key, toConnectorError(error, label));
    }
  }
  const id = parseZendeskId(action.targetId);
  if (id === null) {
    return failure(action.key, {
      code: ZendeskErrorCode.InvalidAnchor,
      message: `"${action.targetId}" is not a Zendesk group id`,
      retryable: false,
    });
  }
  const path = `/api/v2/groups/${id}`;
  if (action.kind === 'update') {
    const label = `PUT ${path}`;
    try {
      const answer = await http.request('PUT', path, {
        body: { group: toGroupBody(action.changes) },
        schema: groupEnvelopeSchema,
        subject: 'group',
      });
      return { key: action.key, ok: true, group: toTargetGroup(answer.group), request: label };
    } catch (error) {
      return failure(action.key, toConnectorError(error, label));
    }
  }
  const label = `DELETE ${path}`;
  try {
    // A soft delete: Zendesk keeps the group with `deleted: true` and drops its memberships.
    await http.request('DELETE', path, { schema: noContentSchema, subject: 'group' });
    return { key: action.key, ok: true, group: deletedGroup(id), request: label };
  } catch (error) {
    const detail = toConnectorError(error, label);
    // A group already deleted (404) is what a delete wants.
    if (detail.code === ZendeskErrorCode.InvalidAnchor)
      return { key: action.key, ok: true, group: deletedGroup(id), request: `${label} (already deleted)` };
    return failure(action.key, detail);
  }
}

/**
 * One request per action, a few at a time; deletes first, then updates, then creates (so that a
 * name freed by a delete or a rename is free if Zendesk enforces unique names). A failure never
 * stops the other actions; every action gets one result.
 */
export async function applyGroupActions(
  ctx: GroupWriteContext,
  actions: readonly TargetGroupAction[],
): Promise<TargetGroupActionResult[]> {
  const results: TargetGroupActionResult[] = [];
  for (const kind of ['delete', 'update', 'create'] as const) {
    const phase = actions.filter((a) => a.kind === kind);
    const done = await Promise.all(
      phase.map((action) => ctx.singleRequests.run(() => applyOne(ctx.http, action))),
    );
    results.push(...done);
  }
  return results;
}
