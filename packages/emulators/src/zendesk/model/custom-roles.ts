import { plans } from '../options.js';
import { forbidden, ProblemList, recordInvalid, recordNotFound } from './errors.js';
import type { ZendeskStore } from './store.js';
import type { CustomRoleRecord } from './types.js';

/**
 * Custom agent roles
 * (https://developer.zendesk.com/api-reference/ticketing/account-configuration/custom_roles/): available on
 * Enterprise plans and above; names unique; the `configuration` flags typed as the OpenAPI document lists
 * them.
 */

type Input = Record<string, unknown>;

/**
 * "You can create a maximum of 197 custom roles for your account"
 * (https://support.zendesk.com/hc/en-us/articles/4408882153882).
 */
export const maxCustomRoles = 197;

const booleanFlags = new Set([
  'assign_tickets_to_any_group',
  'chat_access',
  'export_views',
  'forum_access_restricted_content',
  'group_access',
  'light_agent',
  'manage_business_rules',
  'manage_contextual_workspaces',
  'manage_dynamic_content',
  'manage_extensions_and_channels',
  'manage_facebook',
  'manage_organization_fields',
  'manage_ticket_fields',
  'manage_ticket_forms',
  'manage_user_fields',
  'moderate_forums',
  'organization_editing',
  'organization_notes_editing',
  'side_conversation_create',
  'ticket_deletion',
  'ticket_editing',
  'ticket_merge',
  'ticket_tag_editing',
  'twitter_search_access',
  'view_access_logs',
  'view_audit_logs',
  'view_deleted_tickets',
  'view_filter_tickets',
  'voice_access',
  'voice_dashboard_access',
]);

const enumFlags: Readonly<Record<string, readonly string[]>> = {
  end_user_list_access: ['full', 'none'],
  end_user_profile_access: ['edit', 'edit-within-org', 'full', 'readonly'],
  explore_access: ['edit', 'full', 'none', 'readonly'],
  forum_access: ['edit-topics', 'full', 'readonly'],
  macro_access: ['full', 'manage-group', 'manage-personal', 'readonly'],
  report_access: ['full', 'none', 'readonly'],
  ticket_access: [
    'all',
    'assigned-only',
    'within-groups',
    'within-groups-and-public-groups',
    'within-organization',
  ],
  ticket_comment_access: ['public', 'none'],
  user_view_access: ['full', 'manage-group', 'manage-personal', 'none', 'readonly'],
  view_access: ['full', 'manage-group', 'manage-personal', 'playonly', 'readonly'],
};

/**
 * The configuration a new role starts with when the request does not say: a restrictive agent
 * (Zendesk's defaults for a new role are not documented; these follow the OpenAPI document's example
 * role).
 */
function defaultConfiguration(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const flag of booleanFlags) out[flag] = false;
  Object.assign(out, {
    chat_access: true,
    group_access: true,
    ticket_editing: true,
    ticket_tag_editing: true,
    end_user_list_access: 'full',
    end_user_profile_access: 'readonly',
    explore_access: 'none',
    forum_access: 'readonly',
    macro_access: 'readonly',
    report_access: 'none',
    ticket_access: 'within-groups',
    ticket_comment_access: 'public',
    user_view_access: 'readonly',
    view_access: 'readonly',
  });
  return out;
}

/**
 * Every custom role endpoint answers 403 on plans without custom roles. Zendesk documents only that
 * the endpoints are for "Accounts on the Enterprise plan or above"; the 403 and its body text are the
 * emulator's choice (docs/emulators.md, "Choices where Zendesk's behaviour is not documented").
 */
export function requireCustomRoles(store: ZendeskStore): void {
  if (!plans[store.settings.plan].customRoles) {
    throw forbidden('Custom roles are only available on Enterprise plans and above');
  }
}

export function findCustomRole(store: ZendeskStore, id: number): CustomRoleRecord {
  const role = store.customRoles.get(id);
  if (!role) throw recordNotFound();
  return role;
}

function readAttributes(
  store: ZendeskStore,
  input: Input,
  existing: CustomRoleRecord | null,
): Partial<CustomRoleRecord> {
  const problems = new ProblemList();
  const changes: Partial<CustomRoleRecord> = {};
  if ('name' in input || !existing) {
    const name = input['name'];
    if (typeof name !== 'string' || name.trim() === '') {
      problems.add('name', 'Name: cannot be blank', 'BlankValue');
    } else {
      const trimmed = name.trim();
      const lower = trimmed.toLowerCase();
      // Each role "must have a unique name that isn't too similar to the names of existing roles, such
      // as Admin or Administrator" (https://support.zendesk.com/hc/en-us/articles/4408882153882).
      if (lower === 'admin' || lower === 'administrator') {
        problems.add('name', `Name: ${trimmed} is reserved`, 'InvalidValue');
      } else if (
        [...store.customRoles.values()].some((r) => r.id !== existing?.id && r.name.toLowerCase() === lower)
      ) {
        problems.add('name', 'Name: has already been taken', 'DuplicateValue');
      } else {
        changes.name = trimmed;
      }
    }
  }
  if ('description' in input) {
    const description = input['description'];
    if (description === null) changes.description = '';
    else if (typeof description === 'string') changes.description = description;
    else problems.add('description', 'Description: is invalid', 'InvalidValue');
  }
  if ('configuration' in input && input['configuration'] !== null) {
    const raw = input['configuration'];
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      problems.add('configuration', 'Configuration: is invalid', 'InvalidValue');
    } else {
      const configuration = { ...(existing?.configuration ?? defaultConfiguration()) };
      for (const [key, value] of Object.entries(raw as Input)) {
        const allowed = enumFlags[key];
        if (booleanFlags.has(key) && typeof value !== 'boolean') {
          problems.add('configuration', `Configuration: ${key} must be true or false`, 'InvalidValue');
        } else if (allowed && (typeof value !== 'string' || !allowed.includes(value))) {
          problems.add(
            'configuration',
            `Configuration: ${key} must be one of ${allowed.join(', ')}`,
            'InvalidValue',
          );
        } else {
          // Flags the emulator does not know (the newer spec adds about 20) are kept as sent.
          configuration[key] = value;
        }
      }
      changes.configuration = configuration;
    }
  }
  // `role_type`, `team_member_count` and the timestamps are read-only [spec] and ignored.
  problems.throwIfAny();
  return changes;
}

export function createCustomRole(store: ZendeskStore, input: Input): CustomRoleRecord {
  const changes = readAttributes(store, input, null);
  if (store.customRoles.size >= maxCustomRoles) {
    throw recordInvalid({
      base: [
        { description: `An account can have at most ${maxCustomRoles} custom roles`, error: 'InvalidValue' },
      ],
    });
  }
  const now = store.clock.now();
  const role: CustomRoleRecord = {
    id: store.nextId('customRole'),
    name: changes.name ?? '',
    description: changes.description ?? '',
    // Roles created through the API are custom agent roles (role_type 0).
    roleType: 0,
    configuration: changes.configuration ?? defaultConfiguration(),
    createdAt: now,
    updatedAt: now,
  };
  store.customRoles.insert(role);
  return role;
}

export function updateCustomRole(
  store: ZendeskStore,
  role: CustomRoleRecord,
  input: Input,
): CustomRoleRecord {
  Object.assign(role, readAttributes(store, input, role));
  role.updatedAt = store.clock.now();
  return role;
}

/** Active users holding the role. */
export function customRoleMembers(store: ZendeskStore, roleId: number): number {
  let n = 0;
  for (const user of store.users.values()) if (user.active && user.customRoleId === roleId) n += 1;
  return n;
}

/**
 * DELETE /custom_roles/{id}. Refused (422) while team members hold the role, as Zendesk asks to reassign them
 * first, and for the system roles other than custom agent roles (Light Agent: role_type 1), which Zendesk
 * does not let accounts delete. Zendesk's help center: "You can only delete a role if no agents are assigned
 * to it" (https://support.zendesk.com/hc/en-us/articles/4408832292506). The API's exact texts are unverified.
 */
export function deleteCustomRole(store: ZendeskStore, role: CustomRoleRecord): void {
  if (role.roleType !== 0) {
    throw recordInvalid({
      base: [{ description: `${role.name} is a system role and cannot be deleted`, error: 'InvalidValue' }],
    });
  }
  const members = customRoleMembers(store, role.id);
  if (members > 0) {
    throw recordInvalid({
      base: [
        {
          description: `This role is assigned to ${members} team member${members === 1 ? '' : 's'} and cannot be deleted. Assign them another role first`,
          error: 'InvalidValue',
        },
      ],
    });
  }
  store.customRoles.remove(role.id);
}
