/**
 * Provision on demand (reference §2 "Provision on demand"): one user, or one group with its members,
 * now, showing Entra's steps: test connection (shown when it fails), import (source attributes),
 * scope (active, assigned, role, each scoping clause with its value and result), match (candidates
 * per matching attribute), action (attributes exported, or the error). `dryRun` shows the same steps
 * without writing. The deletion threshold does not apply: one object is not an accident.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/load.js';
import type { EngineDeps } from '../cycle/run-cycle.js';
import { buildLogEntry, type LogContext } from '../log/entry.js';
import { type PlannedUser, planSettingsFrom, planUser } from '../pipeline/plan.js';
import { TargetIndex } from '../pipeline/target-index.js';
import type { MemberRef, SourceAssignment } from '../ports/source.js';
import type { LinkRecord } from '../ports/state.js';
import type { TargetActionResult, TargetUser } from '../ports/target.js';

export interface OnDemandStep {
  readonly name: 'Test connection' | 'Import' | 'Determine if in scope' | 'Match' | 'Perform action';
  readonly status: 'success' | 'skipped' | 'failure';
  readonly description: string;
  readonly details: Readonly<Record<string, string>>;
}

export interface OnDemandObject {
  readonly type: 'User' | 'Group';
  readonly id: string;
  readonly displayName: string;
  readonly steps: readonly OnDemandStep[];
}

export interface OnDemandReport {
  readonly query: string;
  readonly dryRun: boolean;
  /** The objects provisioned, in order: the user, or the group's member users then the group. */
  readonly objects: readonly OnDemandObject[];
  /** true when nothing failed. */
  readonly ok: boolean;
  /** Why nothing could be done at all (object not found, connection failed). */
  readonly error?: string;
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export async function provisionOnDemand(
  deps: EngineDeps,
  config: Config,
  query: string,
  options: { readonly dryRun?: boolean; readonly initiatedBy?: string } = {},
): Promise<OnDemandReport> {
  const dryRun = options.dryRun ?? false;
  const { source, target, store, clock } = deps;
  const jobId = config.settings.jobId;

  // 1. Test connection: shown only when it fails.
  const [sourceCheck, targetCheck] = await Promise.all([source.testConnection(), target.testConnection()]);
  if (!sourceCheck.ok || !targetCheck.ok) {
    const failed = [...sourceCheck.steps, ...targetCheck.steps].filter((s) => !s.ok);
    return {
      query,
      dryRun,
      ok: false,
      error: 'The connection test failed.',
      objects: [
        {
          type: 'User',
          id: '',
          displayName: query,
          steps: [
            {
              name: 'Test connection',
              status: 'failure',
              description: failed.map((s) => `${s.name}: ${s.detail}`).join('; '),
              details: Object.fromEntries(
                failed.map((s) => [s.name, `${s.code ?? ''} ${s.fix ?? ''}`.trim()]),
              ),
            },
          ],
        },
      ],
    };
  }

  // Find the object: an object id or a UPN is a user (or a group id); anything else a group name.
  const user =
    guid.test(query) || query.includes('@') ? await source.getUser(query, config.users.select) : null;
  const group = user === null ? await source.getGroup(query, config.groups.select) : null;
  if (user === null && group === null)
    return {
      query,
      dryRun,
      ok: false,
      objects: [],
      error: `No user or group "${query}" in Entra ID (users in deleted items cannot be provisioned on demand).`,
    };

  const { assignments, groups: assignedGroups } = await source.readAssignments();
  const links = new Map((await store.listLinks(jobId)).map((l) => [l.sourceId, l]));
  const index = new TargetIndex(
    config.users.mappings.matching.map((m) => m.target),
    (a, v) => target.matchKey(a, v),
  );
  index.put(await target.loadUsers());
  const context: LogContext = {
    tenantId: config.source.tenantId,
    jobId,
    cycleId: `ondemand-${randomUUID()}`,
    servicePrincipalId: config.source.servicePrincipalId,
    servicePrincipalName: 'Zendesk',
    targetName: `${config.target.domain}.zendesk.com`,
    redactedSources: config.users.redactedSources,
    initiatedBy: { id: '', displayName: options.initiatedBy ?? 'provisio provision', initiatorType: 'user' },
  };

  const provisionUser = async (
    id: string,
    attributes: Readonly<Record<string, unknown>>,
  ): Promise<
    OnDemandObject & { link: LinkRecord | null; result?: TargetActionResult; planned: PlannedUser }
  > => {
    const mine: SourceAssignment[] = assignments.filter((a) => a.userId === id);
    const planned = planUser(
      planSettingsFrom(config),
      target,
      index,
      {
        sourceId: id,
        attributes,
        assignments: mine,
        removed: null,
        link: links.get(id) ?? null,
        change: 'Update',
      },
      clock.now(),
    );
    const steps: OnDemandStep[] = [];
    steps.push({
      name: 'Import',
      status: 'success',
      description: `Retrieved User '${planned.displayName}' from Microsoft Entra ID`,
      details: Object.fromEntries(
        Object.entries(planned.view).map(([k, v]) => [
          k,
          config.users.redactedSources.has(k)
            ? '[Redact]'
            : k === 'appRoleAssignments'
              ? (v as { displayName: string }[]).map((r) => r.displayName).join(', ')
              : text(v),
        ]),
      ),
    });
    const scope = planned.scope;
    const scopeDetails: Record<string, string> = {
      'Active in source system': String(scope.active),
      'Assigned to application': String(scope.assigned),
      'Scope sync all': String(config.settings.scope === 'all'),
      'User has required role': `${scope.hasRequiredRole}${mine.length > 0 ? ` (${[...new Set(mine.map((a) => a.roleDisplayName))].join(', ')})` : ''}`,
    };
    for (const g of scope.filters?.groups ?? [])
      for (const c of g.clauses)
        scopeDetails[`${g.name} ${c.attribute} ${c.operator} ${c.expected.join(',')}`] =
          `${c.passed ? 'passed' : 'failed'} (value: ${text(c.actual)})`;
    steps.push({
      name: 'Determine if in scope',
      status: scope.inScope ? 'success' : 'skipped',
      description: scope.summary,
      details: scopeDetails,
    });
    if (planned.match) {
      const m = planned.match;
      steps.push({
        name: 'Match',
        status: m.kind === 'duplicate' ? 'failure' : 'success',
        description:
          m.kind === 'linked'
            ? `Linked to Zendesk user ${m.target.id} (${m.target.displayName})`
            : m.kind === 'matched'
              ? `Matched Zendesk user ${m.target.id} (${m.target.displayName}) by ${m.attribute}`
              : m.kind === 'none'
                ? 'No Zendesk user matches'
                : m.kind === 'duplicate'
                  ? `More than one Zendesk user matches by ${m.attribute}`
                  : 'No value for any matching attribute',
        details: Object.fromEntries(
          m.tried.map((t) => [
            `${t.attribute} = ${t.value}`,
            t.candidates.length === 0
              ? 'no candidate'
              : t.candidates.map((c) => `${c.id} (${c.displayName})`).join('; '),
          ]),
        ),
      });
    }
    let result: TargetActionResult | undefined;
    if (planned.action && !dryRun) {
      [result] = await target.apply([planned.action]);
      if (result?.ok) {
        index.put([result.user]);
        const kind = planned.action.kind;
        const link: LinkRecord = {
          jobId,
          sourceId: id,
          targetId: result.user.id,
          state: kind === 'delete' ? 'deleted' : kind === 'disable' ? 'disabled' : 'active',
          created: kind === 'create' || (planned.link?.created ?? false),
          displayName: planned.displayName,
          updatedAt: clock.now().toISOString(),
        };
        await store.saveLinks([link]);
        links.set(id, link);
        await store.deleteEscrows(jobId, [{ objectType: 'user', objectId: id }]);
      }
    } else if (!planned.action && planned.newLink && !dryRun) {
      const link: LinkRecord = {
        jobId,
        sourceId: id,
        targetId: planned.newLink.targetId,
        state: planned.linkState ?? 'active',
        created: planned.link?.created ?? false,
        displayName: planned.displayName,
        updatedAt: clock.now().toISOString(),
      };
      await store.saveLinks([link]);
      links.set(id, link);
    }
    if (!dryRun) await store.appendLogs([buildLogEntry(context, planned, result, clock.now(), 0)]);
    const failed = (result && !result.ok) || planned.status === 'failure';
    steps.push({
      name: 'Perform action',
      status: failed ? 'failure' : planned.action ? 'success' : 'skipped',
      description:
        result && !result.ok
          ? `${planned.action?.kind ?? ''} failed: ${result.error.code}: ${result.error.message}`
          : planned.action
            ? `${dryRun ? 'Would ' : ''}${planned.action.kind}${dryRun ? '' : 'd'}: ${planned.description}`
                .replace('created', 'created')
                .replace('updated', 'updated')
            : planned.status === 'failure'
              ? `${planned.error?.code}: ${planned.error?.reason}`
              : planned.description,
      details: Object.fromEntries(
        planned.modifiedProperties.map((p) => [
          p.displayName,
          `${p.oldValue === null ? '' : `${p.oldValue} → `}${p.newValue ?? ''}`,
        ]),
      ),
    });
    return {
      type: 'User',
      id,
      displayName: planned.displayName,
      steps,
      link: links.get(id) ?? null,
      ...(result ? { result } : {}),
      planned,
    };
  };

  if (user !== null) {
    const one = await provisionUser(user.id, user.attributes);
    const ok = !one.steps.some((s) => s.status === 'failure');
    return {
      query,
      dryRun,
      ok,
      objects: [{ type: one.type, id: one.id, displayName: one.displayName, steps: one.steps }],
    };
  }

  // A group: its member users first, then the group and the memberships of its agents.
  const theGroup = group as NonNullable<typeof group>;
  const members: MemberRef[] = [...(await source.readGroupMembers(theGroup.id))];
  const objects: OnDemandObject[] = [];
  const memberResults: { id: string; link: LinkRecord | null; displayName: string }[] = [];
  for (const member of members.filter((m) => m.type === 'user')) {
    const found = await source.getUser(member.id, config.users.select);
    if (!found) continue;
    const one = await provisionUser(found.id, found.attributes);
    objects.push({ type: one.type, id: one.id, displayName: one.displayName, steps: one.steps });
    memberResults.push({ id: found.id, link: one.link, displayName: one.displayName });
  }
  const steps: OnDemandStep[] = [];
  const displayName = String(theGroup.attributes['displayName'] ?? theGroup.id);
  steps.push({
    name: 'Import',
    status: 'success',
    description: `Retrieved Group '${displayName}' with ${members.length} direct members`,
    details: Object.fromEntries(Object.entries(theGroup.attributes).map(([k, v]) => [k, text(v)])),
  });
  const assigned =
    (assignedGroups ?? []).some((g) => g.groupId === theGroup.id) ||
    assignments.some((a) => a.viaGroupId === theGroup.id);
  const filters = config.groups.scopingFilters.evaluate(theGroup.attributes);
  const inScope = config.groups.enabled && (config.settings.scope === 'all' || assigned) && filters.inScope;
  steps.push({
    name: 'Determine if in scope',
    status: inScope ? 'success' : 'skipped',
    description: !config.groups.enabled
      ? 'Group provisioning is disabled (mappings.groups.enabled)'
      : inScope
        ? `In scope. ${filters.summary}`
        : !assigned && config.settings.scope === 'assigned'
          ? 'The group is not assigned to the application'
          : filters.summary,
    details: {
      'Assigned to application': String(assigned),
      'Scope sync all': String(config.settings.scope === 'all'),
    },
  });
  if (inScope) {
    const mapped = config.groups.mappings.evaluate({
      attributes: { ...theGroup.attributes, objectId: theGroup.id },
      operation: 'create',
      now: clock.now(),
    });
    const prepared = target.prepareGroup(mapped.values);
    const groupLinks = new Map((await store.listGroupLinks(jobId)).map((l) => [l.sourceId, l]));
    const targetGroups = await target.loadGroups();
    const attribute = config.groups.mappings.matching[0]?.target ?? 'name';
    const linked = groupLinks.get(theGroup.id);
    const candidates =
      linked?.state === 'active'
        ? targetGroups.filter((g) => g.id === linked.targetId)
        : targetGroups.filter(
            (g) =>
              text(g.attributes[attribute]).toLowerCase() ===
              text(prepared.attributes[attribute]).toLowerCase(),
          );
    steps.push({
      name: 'Match',
      status: candidates.length > 1 ? 'failure' : 'success',
      description:
        candidates.length === 0
          ? 'No Zendesk group matches'
          : candidates.length === 1
            ? `Matched Zendesk group ${candidates[0]?.id}`
            : 'More than one Zendesk group matches',
      details: {
        [`${attribute} = ${text(prepared.attributes[attribute])}`]:
          candidates.map((c) => c.id).join(', ') || 'no candidate',
      },
    });
    if (candidates.length <= 1 && prepared.problems.length === 0) {
      let targetGroupId = candidates[0]?.id ?? null;
      const details: Record<string, string> = {};
      let failure: string | null = null;
      const existing = candidates[0];
      const changes = existing
        ? Object.fromEntries(
            Object.entries(prepared.attributes).filter(([k, v]) => text(v) !== text(existing.attributes[k])),
          )
        : prepared.attributes;
      // The group mapping's target object actions apply on demand too.
      const allowed = existing ? config.groups.actions.has('update') : config.groups.actions.has('create');
      const groupVerb = !existing ? 'create' : Object.keys(changes).length > 0 ? 'update' : null;
      if (groupVerb && !allowed) {
        details['Group'] =
          `not ${groupVerb}d: the ${groupVerb === 'create' ? 'Create' : 'Update'} action is not enabled for groups`;
        if (!existing) failure = details['Group'];
      }
      if (!dryRun && failure === null) {
        if (groupVerb && allowed) {
          const [result] = await target.applyGroups([
            existing
              ? { kind: 'update', key: theGroup.id, targetId: existing.id, changes }
              : { kind: 'create', key: theGroup.id, attributes: prepared.attributes },
          ]);
          if (result?.ok) targetGroupId = result.group.id;
          else failure = result ? `${result.error.code}: ${result.error.message}` : 'no result';
        }
        if (targetGroupId !== null) {
          await store.saveGroupLinks([
            {
              jobId,
              sourceId: theGroup.id,
              targetId: targetGroupId,
              state: 'active',
              created: linked?.created ?? !existing,
              displayName,
              updatedAt: clock.now().toISOString(),
            },
          ]);
          const current = new Set(
            (await target.loadMemberships()).filter((m) => m.groupId === targetGroupId).map((m) => m.userId),
          );
          const adds: { kind: 'add'; key: string; userId: string; groupId: string }[] = [];
          for (const member of memberResults) {
            const link = member.link;
            const targetUser: TargetUser | undefined =
              link?.state === 'active' ? index.get(link.targetId) : undefined;
            if (!targetUser) details[member.displayName] = 'not provisioned: not a member';
            else if (!target.canJoinGroups(targetUser))
              details[member.displayName] =
                'skipped: Zendesk allows group memberships for agents and admins only';
            else if (current.has(targetUser.id)) details[member.displayName] = 'already a member';
            else adds.push({ kind: 'add', key: member.id, userId: targetUser.id, groupId: targetGroupId });
          }
          for (const result of adds.length > 0 ? await target.applyMemberships(adds) : []) {
            const name = memberResults.find((m) => m.id === result.key)?.displayName ?? result.key;
            details[name] = result.ok ? 'added' : `failed: ${result.error.code}: ${result.error.message}`;
            if (!result.ok) failure = failure ?? 'a membership failed';
          }
        }
      }
      steps.push({
        name: 'Perform action',
        status: failure ? 'failure' : 'success',
        description:
          failure ??
          (dryRun
            ? `${groupVerb && allowed ? `Would ${groupVerb}` : 'Would leave'} Group '${displayName}'${groupVerb && allowed ? '' : ' as it is'} and add its agent members that are not yet`
            : `Group '${displayName}' is Zendesk group ${targetGroupId}`),
        details,
      });
    } else if (prepared.problems.length > 0)
      steps.push({
        name: 'Perform action',
        status: 'failure',
        description: prepared.problems.map((p) => `${p.attribute}: ${p.message}`).join('; '),
        details: {},
      });
  }
  objects.push({ type: 'Group', id: theGroup.id, displayName, steps });
  return { query, dryRun, ok: !objects.some((o) => o.steps.some((s) => s.status === 'failure')), objects };
}
