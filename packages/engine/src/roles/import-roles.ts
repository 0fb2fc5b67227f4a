/**
 * Role import (docs/provisioning.md, "Roles: importing Zendesk's roles into Entra"): Zendesk's roles (end-user, agent, admin, and the account's custom
 * roles, Light Agent included) become app roles of the Entra application, so that admins assign them
 * there. Unlike Entra's import, a custom role whose name collides with a built-in role ("agent",
 * "end-user", "admin", ignoring case and punctuation) is reported by name and left out, and the
 * others still import. Role imports go to the audit log, not the provisioning log.
 */

import type { Config } from '../config/load.js';
import { toPublicError } from '../errors/public.js';
import { appendAuditEntry } from '../log/audit.js';
import type { Clock } from '../ports/clock.js';
import type { AppRoleDefinition, GroupSourceConnector, PublishAppRolesResult } from '../ports/source.js';
import type { JobRecord, StateStore } from '../ports/state.js';
import type { GroupTargetConnector, TargetRole } from '../ports/target.js';

export interface RoleCollision {
  /** The custom role's name as Zendesk shows it. */
  readonly name: string;
  /** What it collides with: a built-in role, or another custom role of the same normalised name. */
  readonly collidesWith: string;
}

export interface RoleImportPlan {
  readonly definitions: readonly AppRoleDefinition[];
  readonly collisions: readonly RoleCollision[];
}

export interface RoleImportReport extends RoleImportPlan {
  readonly published: PublishAppRolesResult;
}

const normalise = (name: string) =>
  name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

const builtIns: Readonly<Record<string, string>> = {
  enduser: 'End-user',
  agent: 'Agent',
  admin: 'Admin',
  administrator: 'Admin',
};

/** An app role `value`: letters, digits, `.`, `_` and `-` (Graph refuses others). */
export function roleValue(name: string): string {
  const value = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return value === '' ? 'role' : value;
}

/** Pure: the app roles to publish for the target's roles, and the colliding custom roles left out. */
export function planRoleImport(roles: readonly TargetRole[]): RoleImportPlan {
  const definitions: AppRoleDefinition[] = [];
  const collisions: RoleCollision[] = [];
  const taken = new Map<string, string>();
  for (const role of roles.filter((r) => r.kind !== 'custom')) {
    const value = role.kind;
    taken.set(normalise(role.name), role.name);
    definitions.push({
      displayName: role.name,
      value,
      description: role.description || `Zendesk ${role.name}`,
    });
  }
  for (const role of roles.filter((r) => r.kind === 'custom')) {
    const key = normalise(role.name);
    const builtIn = builtIns[key];
    if (builtIn !== undefined) {
      collisions.push({ name: role.name, collidesWith: `the built-in role ${builtIn}` });
      continue;
    }
    const other = taken.get(key);
    if (other !== undefined) {
      collisions.push({ name: role.name, collidesWith: `the custom role ${other}` });
      continue;
    }
    taken.set(key, role.name);
    definitions.push({
      displayName: role.name,
      value: roleValue(role.name),
      description: role.description || `Zendesk custom role ${role.name}`,
    });
  }
  return { definitions, collisions };
}

export function rolesImportDue(job: JobRecord): boolean {
  return job.rolesImportedAt === null;
}

export interface RoleImportDeps {
  readonly source: GroupSourceConnector;
  readonly target: GroupTargetConnector;
  readonly store: StateStore;
  readonly clock: Clock;
}

/** Reads Zendesk's roles, publishes them on the Entra application, and records it in the audit log. */
export async function importRoles(
  deps: RoleImportDeps,
  config: Config,
  initiatedBy: string,
): Promise<RoleImportReport> {
  const jobId = config.settings.jobId;
  const at = deps.clock.now();
  try {
    const plan = planRoleImport(await deps.target.listRoles());
    const published = await deps.source.publishAppRoles(plan.definitions);
    await deps.store.updateJob(jobId, { rolesImportedAt: at.toISOString() }, at);
    const parts = [
      `${plan.definitions.length} roles published`,
      published.added.length > 0 ? `added ${published.added.join(', ')}` : '',
      published.updated.length > 0 ? `updated ${published.updated.join(', ')}` : '',
      published.removed.length > 0 ? `removed ${published.removed.join(', ')}` : '',
      published.keptAssigned.length > 0
        ? `kept (still assigned) ${published.keptAssigned.map((k) => `${k.displayName} (${k.assignments})`).join(', ')}`
        : '',
      plan.collisions.length > 0
        ? `left out ${plan.collisions.map((c) => `"${c.name}" (collides with ${c.collidesWith})`).join(', ')}`
        : '',
    ].filter((part) => part !== '');
    await appendAuditEntry(deps.store, jobId, at, {
      activity: 'Import roles',
      initiatedBy,
      result: plan.collisions.length > 0 ? 'failure' : 'success',
      summary: `${parts.join('; ')}.`,
      details: { definitions: plan.definitions, collisions: plan.collisions, published },
    });
    return { ...plan, published };
  } catch (error) {
    const failure = toPublicError(error);
    await appendAuditEntry(deps.store, jobId, at, {
      activity: 'Import roles',
      initiatedBy,
      result: 'failure',
      summary: `Role import failed: ${failure.code}: ${failure.message}`,
    });
    throw error;
  }
}
