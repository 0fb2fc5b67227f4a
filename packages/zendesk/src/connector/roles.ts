/**
 * Zendesk roles from the names Entra app roles carry (docs/mappings.md, "Roles"; https://developer.zendesk.com/api-reference/ticketing/account-configuration/custom_roles/):
 * `role` is `end-user`, `agent` or `admin`; a custom role (Enterprise) is `role: agent` plus
 * `custom_role_id`, so a custom role implies agent. Names match ignoring case, spaces and
 * punctuation, so "End-user", "end user", "enduser" and the app role value "end-user" all work.
 */

import type { TargetRole } from '@provisio/engine';
import type { ZendeskCustomRole } from '../client/schemas.js';

export interface CustomRole {
  readonly id: number;
  readonly name: string;
}

export type RoleResolution =
  | { readonly ok: true; readonly attributes: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly message: string };

/** Lower case, letters and digits only: "End-user" → "enduser", "Light Agent" → "lightagent". */
export function normaliseRoleName(name: string): string {
  return name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

const builtIn: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  enduser: { role: 'end-user', custom_role_id: null },
  user: { role: 'end-user', custom_role_id: null },
  // A plain agent keeps whatever custom role Zendesk gave it: on Enterprise an agent without one is
  // a "legacy agent", and Zendesk (and the emulator) leave `custom_role_id` alone when it is not sent.
  agent: { role: 'agent' },
  admin: { role: 'admin' },
  administrator: { role: 'admin' },
};

const builtInNames = ['End-user', 'Agent', 'Admin'];

/** How much a resolved role allows, to choose among several assigned roles. */
function rank(attributes: Readonly<Record<string, unknown>>, name: string): number {
  if (attributes['role'] === 'admin') return 4;
  if (attributes['role'] === 'end-user') return 0;
  if (attributes['custom_role_id'] === undefined) return 2;
  // Light Agent is a custom role in Zendesk's list but allows less than a plain agent.
  return normaliseRoleName(name) === 'lightagent' ? 1 : 3;
}

function resolveOne(
  text: string,
  customRoles: readonly CustomRole[] | null,
): Readonly<Record<string, unknown>> | null {
  const key = normaliseRoleName(text);
  const plain = builtIn[key];
  if (plain) return plain;
  for (const role of customRoles ?? [])
    if (normaliseRoleName(role.name) === key || String(role.id) === text)
      return { role: 'agent', custom_role_id: role.id };
  return null;
}

/**
 * The Zendesk attributes for a role name or value. A list (a user with several app roles, e.g. one
 * direct and one through a group) resolves to the role that allows the most: admin, then a custom
 * role, then agent, then Light Agent, then end-user; names Zendesk does not know are ignored when
 * another one resolves. Empty values resolve to nothing (`null`), so the role is left out rather than
 * cleared.
 */
export function resolveRole(
  value: unknown,
  customRoles: readonly CustomRole[] | null,
): RoleResolution | null {
  const texts = (Array.isArray(value) ? value : [value])
    .filter((v) => v !== null && v !== undefined && typeof v !== 'object')
    .map((v) => String(v).trim())
    .filter((t) => t !== '');
  if (texts.length === 0) return null;
  let best: { attributes: Readonly<Record<string, unknown>>; rank: number } | null = null;
  for (const text of texts) {
    const attributes = resolveOne(text, customRoles);
    if (attributes === null) continue;
    const r = rank(attributes, text);
    if (best === null || r > best.rank) best = { attributes, rank: r };
  }
  if (best) return { ok: true, attributes: best.attributes };
  const text = texts.join('", "');
  const known = [...builtInNames, ...(customRoles ?? []).map((r) => r.name)];
  const note =
    customRoles === null || customRoles.length === 0
      ? ' (this Zendesk account has no custom roles: they need the Enterprise plan)'
      : '';
  return {
    ok: false,
    message: `Role "${text}" is not a Zendesk role. Known roles: ${known.join(', ')}${note}.`,
  };
}

const roleLevel: Readonly<Record<string, number>> = { 'end-user': 0, agent: 1, admin: 2 };

/**
 * Whether a change of `role` lowers what the user may do: admin to agent or end-user, agent to
 * end-user (the `role` field:
 * https://developer.zendesk.com/api-reference/ticketing/users/users/). A change of custom role
 * among agents is not a downgrade (it keeps `role: agent`); an absent or unknown value is none.
 */
export function isRoleDowngrade(current: unknown, desired: unknown): boolean {
  if (typeof current !== 'string' || typeof desired !== 'string') return false;
  const from = roleLevel[current];
  const to = roleLevel[desired];
  return from !== undefined && to !== undefined && to < from;
}

/** Zendesk's built-in roles, as `listRoles` offers them (every plan has them). */
export const builtInRoles: readonly TargetRole[] = [
  {
    name: 'End-user',
    kind: 'end-user',
    description:
      'A customer: submits requests and follows their own tickets; cannot work on tickets or belong to groups.',
  },
  {
    name: 'Agent',
    kind: 'agent',
    description:
      'A team member who works on tickets and belongs to groups (on Enterprise plans, an agent without a custom role is a "legacy agent").',
  },
  {
    name: 'Admin',
    kind: 'admin',
    description:
      "A team member with every agent permission who also manages the account's settings, people, groups and roles.",
  },
];

/**
 * The roles the account offers: the built-in ones, then its custom roles in Zendesk's order
 * (Enterprise plans; Zendesk lists system roles such as Light Agent among them). `customRoles` is
 * null or empty when the plan has none.
 */
export function toTargetRoles(customRoles: readonly ZendeskCustomRole[] | null): TargetRole[] {
  return [
    ...builtInRoles,
    ...(customRoles ?? []).map(
      (role): TargetRole => ({
        name: role.name,
        kind: 'custom',
        description: role.description ?? '',
        id: String(role.id),
      }),
    ),
  ];
}
