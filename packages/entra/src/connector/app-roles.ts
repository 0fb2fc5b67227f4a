import { randomUUID } from 'node:crypto';
import type { AppRoleDefinition, PublishAppRolesResult } from '@provisio/engine';
import { ConnectorFailure } from '@provisio/engine';
import type { GraphClient } from '../client/client.js';
import { graphErrorOf } from '../client/errors.js';
import { paginate } from '../client/paginate.js';
import { ownerFix } from '../client/permissions.js';
import { type ApplicationAppRole, application, appRoleAssignment } from '../client/schemas.js';
import { connectorFailure, EntraErrorCode } from '../errors.js';
import { type AssignmentReader, appRolesOf, defaultAccessRoleId } from './assignments.js';

/** An app role as it is written back in `PATCH /applications/{id}` (`origin` is read-only). */
export interface AppRoleBody {
  readonly id: string;
  readonly allowedMemberTypes: readonly string[];
  readonly description: string | null;
  readonly displayName: string | null;
  readonly isEnabled: boolean;
  readonly value: string | null;
}

export function appRoleBody(role: ApplicationAppRole): AppRoleBody {
  return {
    id: role.id,
    allowedMemberTypes: [...role.allowedMemberTypes],
    description: role.description ?? null,
    displayName: role.displayName ?? null,
    isEnabled: role.isEnabled,
    value: role.value ?? null,
  };
}

/**
 * Whether provisio may change or remove a role: one users can be assigned that has a value (the roles
 * it publishes always have one). Default Access, and roles without a value (`msiam_access` of gallery
 * applications, a plain "User" role) or only for applications, are never touched.
 */
export function isManagedAppRole(role: AppRoleBody): boolean {
  return (
    role.id !== defaultAccessRoleId &&
    role.value !== null &&
    role.value !== '' &&
    role.allowedMemberTypes.includes('User')
  );
}

/** The port's rule for a role's value: letters, digits and `. _ -`. */
const valuePattern = /^[A-Za-z0-9._-]+$/;

/** What is wrong with the roles asked for (empty when nothing): values and names must be unique. */
export function appRoleProblems(wanted: readonly AppRoleDefinition[]): string[] {
  const problems: string[] = [];
  const values = new Map<string, string>();
  const names = new Map<string, string>();
  for (const role of wanted) {
    if (role.displayName.trim() === '')
      problems.push(`the role with value "${role.value}" has no display name`);
    if (!valuePattern.test(role.value))
      problems.push(
        `the value "${role.value}" of "${role.displayName}" may hold only letters, digits and . _ -`,
      );
    const value = role.value.toLowerCase();
    const sameValue = values.get(value);
    if (sameValue !== undefined)
      problems.push(`"${sameValue}" and "${role.displayName}" have the same value "${role.value}"`);
    else values.set(value, role.displayName);
    const name = role.displayName.trim().toLowerCase();
    const sameName = names.get(name);
    if (sameName !== undefined && name !== '')
      problems.push(`"${sameName}" and "${role.displayName}" have the same display name`);
    else names.set(name, role.displayName);
  }
  return problems;
}

export interface AppRolePlan {
  /** Every role after the import, before any removal: existing ones in place (updated), new ones last. */
  readonly roles: readonly AppRoleBody[];
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly unchanged: readonly string[];
  /** Managed roles no longer wanted (still in `roles`, unchanged): to remove unless assigned. */
  readonly unwanted: readonly AppRoleBody[];
}

/**
 * Matches the wanted roles to the application's managed roles, by value (ignoring case) first, then
 * by display name (ignoring case), so ids stay stable and assignments keep their role. A matched role
 * takes the wanted display name, description and value and is enabled; a wanted role without a match
 * is added with a new id, for users. Unmanaged roles are left as they are.
 */
export function planAppRoles(
  current: readonly AppRoleBody[],
  wanted: readonly AppRoleDefinition[],
  newId: () => string = randomUUID,
): AppRolePlan {
  const managed = current.filter(isManagedAppRole);
  const matchOf = new Map<AppRoleDefinition, AppRoleBody>();
  const taken = new Set<string>();
  const match = (
    key: (role: AppRoleBody) => string | null,
    wantedKey: (role: AppRoleDefinition) => string,
  ) => {
    for (const role of wanted) {
      if (matchOf.has(role)) continue;
      const found = managed.find(
        (r) => !taken.has(r.id) && key(r)?.toLowerCase() === wantedKey(role).toLowerCase(),
      );
      if (found === undefined) continue;
      matchOf.set(role, found);
      taken.add(found.id);
    }
  };
  match(
    (r) => r.value,
    (w) => w.value,
  );
  match(
    (r) => r.displayName?.trim() ?? null,
    (w) => w.displayName.trim(),
  );

  const replaced = new Map<string, AppRoleBody>();
  const added: string[] = [];
  const updated: string[] = [];
  const unchanged: string[] = [];
  const fresh: AppRoleBody[] = [];
  for (const role of wanted) {
    const existing = matchOf.get(role);
    if (existing === undefined) {
      const id = newId();
      fresh.push({
        id,
        allowedMemberTypes: ['User'],
        description: role.description,
        displayName: role.displayName,
        isEnabled: true,
        value: role.value,
      });
      added.push(id);
      continue;
    }
    const same =
      existing.displayName === role.displayName &&
      (existing.description ?? '') === role.description &&
      existing.value === role.value &&
      existing.isEnabled;
    if (same) {
      unchanged.push(existing.id);
      continue;
    }
    replaced.set(existing.id, {
      ...existing,
      displayName: role.displayName,
      description: role.description,
      value: role.value,
      isEnabled: true,
    });
    updated.push(existing.id);
  }
  return {
    roles: [...current.map((r) => replaced.get(r.id) ?? r), ...fresh],
    added,
    updated,
    unchanged,
    unwanted: managed.filter((r) => !taken.has(r.id)),
  };
}

export interface AppRoleRemoval {
  /** The roles with those to remove disabled: the first PATCH (Graph removes only disabled roles). */
  readonly disabled: readonly AppRoleBody[];
  /** The roles without those removed: the second PATCH. */
  readonly final: readonly AppRoleBody[];
  readonly removed: readonly AppRoleBody[];
  readonly keptAssigned: readonly { readonly displayName: string; readonly assignments: number }[];
}

/** Splits the unwanted roles into those still assigned (kept, untouched) and those to remove. */
export function planRemoval(plan: AppRolePlan, assignments: ReadonlyMap<string, number>): AppRoleRemoval {
  const count = (role: AppRoleBody) => assignments.get(role.id.toLowerCase()) ?? 0;
  const removed = plan.unwanted.filter((r) => count(r) === 0);
  const removing = new Set(removed.map((r) => r.id));
  return {
    disabled: plan.roles.map((r) => (removing.has(r.id) && r.isEnabled ? { ...r, isEnabled: false } : r)),
    final: plan.roles.filter((r) => !removing.has(r.id)),
    removed,
    keptAssigned: plan.unwanted
      .filter((r) => count(r) > 0)
      .map((r) => ({ displayName: r.displayName ?? r.value ?? r.id, assignments: count(r) })),
  };
}

/** Whether two role lists would be the same `appRoles` (ignoring `allowedMemberTypes` order). */
export function sameAppRoles(a: readonly AppRoleBody[], b: readonly AppRoleBody[]): boolean {
  const key = (r: AppRoleBody) =>
    JSON.stringify([
      r.id.toLowerCase(),
      [...r.allowedMemberTypes].sort(),
      r.description ?? '',
      r.displayName,
      r.isEnabled,
      r.value,
    ]);
  return a.length === b.length && a.every((r, i) => b[i] !== undefined && key(r) === key(b[i]));
}

export interface AppRolePublisherOptions {
  readonly graph: GraphClient;
  readonly assignments: AssignmentReader;
  readonly servicePrincipalId: string;
  readonly clientId: string;
  readonly pageSize: number;
  readonly secrets: readonly string[];
  readonly sleep: (ms: number) => Promise<void>;
  readonly newId?: () => string;
}

/** Attempts of the removing PATCH while Graph still sees a just-disabled role as enabled. */
const removalAttempts = 4;

/**
 * Role import: makes the Zendesk application's app roles (on the application registration, which the
 * service principal copies) match the roles asked for.
 */
export class AppRolePublisher {
  constructor(private readonly options: AppRolePublisherOptions) {}

  async publish(wanted: readonly AppRoleDefinition[]): Promise<PublishAppRolesResult> {
    const { graph } = this.options;
    const problems = appRoleProblems(wanted);
    if (problems.length > 0)
      throw connectorFailure(
        {
          code: EntraErrorCode.InvalidAppRoles,
          message: `The app roles cannot be published: ${problems.join('; ')}.`,
          retryable: false,
          recommendedAction:
            'Entra ID needs app roles with unique values and display names. Rename the Zendesk roles that clash (custom roles must not be named like the built-in ones: agent, end-user, admin).',
        },
        this.options.secrets,
      );

    const sp = await this.options.assignments.servicePrincipal();
    const appId = sp.appId ?? null;
    if (appId === null)
      throw graph.unexpected(
        'the service principal has no appId.',
        graph.url(`/v1.0/servicePrincipals/${this.options.servicePrincipalId}`),
        'readServicePrincipal',
      );
    const appUrl = graph.url(
      `/v1.0/applications(appId='${encodeURIComponent(appId)}')?$select=id,appId,displayName,appRoles`,
    );
    const app = await graph.find(appUrl, application, { operation: 'readApplication' });
    if (app === null)
      throw connectorFailure(
        {
          code: EntraErrorCode.ApplicationNotFound,
          message: `The application of the Zendesk service principal (app id ${appId}) is not registered in this tenant, so its app roles cannot be changed here.`,
          retryable: false,
          request: `GET /v1.0/applications(appId='${appId}')`,
          recommendedAction:
            'Use a Zendesk enterprise application added from the gallery or registered in this tenant (App registrations → All applications must list it), or maintain the roles where the application is registered.',
        },
        this.options.secrets,
      );

    const current = app.appRoles.map(appRoleBody);
    const plan = planAppRoles(current, wanted, this.options.newId);
    const removal = planRemoval(plan, plan.unwanted.length > 0 ? await this.assignmentCounts() : new Map());
    const patchUrl = graph.url(`/v1.0/applications/${encodeURIComponent(app.id)}`);
    const patch = (roles: readonly AppRoleBody[]) =>
      this.withOwnerFix(app.id, graph.patch(patchUrl, { appRoles: roles }, { operation: 'writeAppRoles' }));

    if (!sameAppRoles(removal.disabled, current)) await patch(removal.disabled);
    if (removal.removed.length > 0) await this.remove(() => patch(removal.final), removal.removed);

    return {
      added: plan.added,
      updated: plan.updated,
      unchanged: plan.unchanged,
      removed: removal.removed.map((r) => r.id),
      keptAssigned: removal.keptAssigned,
      roles: appRolesOf({ appRoles: removal.final }),
    };
  }

  /** Assignments of the application by role id (lower case), users and groups alike. */
  private async assignmentCounts(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for await (const page of paginate(this.options.graph, {
      url: this.options.assignments.assignmentsUrl(this.options.pageSize),
      item: appRoleAssignment,
      style: { kind: 'list' },
      operation: 'readAssignments',
    }))
      for (const item of page.items) {
        const key = item.appRoleId.toLowerCase();
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    return counts;
  }

  /**
   * The removing PATCH. Graph replicates the directory: right after the disabling PATCH a replica may
   * still see the role enabled and refuse with `CannotDeleteOrUpdateEnabledEntitlement`; wait and
   * try again a few times.
   */
  private async remove(patch: () => Promise<void>, roles: readonly AppRoleBody[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await patch();
        return;
      } catch (error) {
        if (!(error instanceof ConnectorFailure) || !isEnabledEntitlementRefusal(error)) throw error;
        if (attempt < removalAttempts) {
          await this.options.sleep(1000 * 2 ** (attempt - 1));
          continue;
        }
        throw new ConnectorFailure({
          ...error.detail,
          message: `${error.message} The roles ${roles.map((r) => `"${r.displayName ?? r.id}"`).join(', ')} are now disabled but still there.`,
          retryable: true,
          recommendedAction: 'Run the role import again: disabled roles can be removed.',
        });
      }
    }
  }

  /** A 403 of the PATCH for want of ownership: name the application in the fix. */
  private async withOwnerFix(applicationId: string, request: Promise<void>): Promise<void> {
    try {
      await request;
    } catch (error) {
      if (
        error instanceof ConnectorFailure &&
        error.detail.code === EntraErrorCode.InsufficientRights &&
        error.detail.recommendedAction === ownerFix(this.options.clientId)
      )
        throw new ConnectorFailure({
          ...error.detail,
          recommendedAction: ownerFix(this.options.clientId, applicationId),
        });
      throw error;
    }
  }
}

function isEnabledEntitlementRefusal(error: ConnectorFailure): boolean {
  return (
    error.detail.httpStatus === 400 &&
    graphErrorOf(error.detail.response ?? '').code === 'CannotDeleteOrUpdateEnabledEntitlement'
  );
}
