import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ZendeskApiError } from './model/errors.js';
import { addMembership } from './model/memberships.js';
import type { ZendeskStore } from './model/store.js';
import { userFieldTypes } from './model/types.js';
import { createUserField } from './model/user-field-definitions.js';
import { createUser, softDeleteUser } from './model/users.js';
import { isPlan, planNames } from './options.js';

/**
 * The seed format (JSON or YAML), shared by `--seed <file>` and `POST /__emulator/seed`. Users take
 * the same attributes as the API's user object, plus `custom_role` (a role name), `groups` (group
 * names) and `active: false` (soft-deleted). Documented in docs/emulators.md.
 */
const roleType = z.number().int().min(0).max(5);
export const seedSchema = z.strictObject({
  settings: z
    .strictObject({
      plan: z
        .string()
        .refine(isPlan, { message: `plan must be one of ${planNames.join(', ')}` })
        .optional(),
      bulkImport: z.boolean().optional(),
      subdomain: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]*$/i)
        .optional(),
    })
    .optional(),
  apiTokens: z.array(z.string().min(1)).optional(),
  oauthTokens: z.array(z.strictObject({ token: z.string().min(1), email: z.string() })).optional(),
  customRoles: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        description: z.string().optional(),
        roleType: roleType.optional(),
        configuration: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
  groups: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        description: z.string().optional(),
        isPublic: z.boolean().optional(),
        default: z.boolean().optional(),
        deleted: z.boolean().optional(),
      }),
    )
    .optional(),
  userFields: z
    .array(
      z.strictObject({
        key: z.string().regex(/^[a-z0-9_]+$/i, 'key: letters, digits and underscores'),
        type: z.enum(userFieldTypes),
        title: z.string().optional(),
        description: z.string().optional(),
        regexp: z.string().optional(),
        options: z.array(z.strictObject({ name: z.string(), value: z.string() })).optional(),
        active: z.boolean().optional(),
      }),
    )
    .optional(),
  users: z
    .array(
      z.looseObject({
        name: z.string(),
        custom_role: z.string().optional(),
        groups: z.array(z.string()).optional(),
        active: z.boolean().optional(),
      }),
    )
    .optional(),
  generate: z
    .strictObject({
      endUsers: z.number().int().min(0).max(2_000_000).optional(),
      agents: z.number().int().min(0).max(100_000).optional(),
      domain: z.string().optional(),
    })
    .optional(),
});
export type Seed = z.infer<typeof seedSchema>;

export class SeedError extends Error {
  override readonly name = 'SeedError';
}

export async function readSeedFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new SeedError(`seed file ${path}: ${(error as Error).message}`);
  }
}

/** Validates a seed, listing every problem with its path. */
export function parseSeed(raw: unknown): Seed {
  const result = seedSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SeedError(`invalid seed: ${problems.join('; ')}`);
  }
  return result.data;
}

/** The account every emulator starts with: its admin, an API token and the default group. */
export function bootstrapAccount(
  store: ZendeskStore,
  account: { adminEmail: string; adminName: string; apiToken: string },
): void {
  const now = store.clock.now();
  store.groups.insert({
    id: store.nextId('group'),
    name: 'Support',
    description: 'The default group',
    isPublic: true,
    isDefault: true,
    deleted: false,
    createdAt: now,
    updatedAt: now,
  });
  // System roles that Zendesk lists among custom roles on Enterprise plans
  // (https://support.zendesk.com/hc/en-us/articles/4409155971354).
  for (const [name, type, description] of [
    ['Light Agent', 1, 'Can view and add private comments to tickets'],
    ['Staff', 0, 'Can edit tickets within their groups'],
    ['Team lead', 0, 'Can manage tickets and end users across the account'],
    ['Advisor', 0, 'Can manage the workflow and configure the account'],
  ] as const) {
    store.customRoles.insert({
      id: store.nextId('customRole'),
      name,
      description,
      roleType: type,
      configuration: { ticket_access: type === 1 ? 'within-groups' : 'all', light_agent: type === 1 },
      createdAt: now,
      updatedAt: now,
    });
  }
  const admin = createUser(store, {
    name: account.adminName,
    email: account.adminEmail,
    role: 'admin',
    verified: true,
  });
  admin.lastLoginAt = now;
  store.apiTokens.add(account.apiToken);
}

export function applySeed(store: ZendeskStore, raw: unknown): void {
  const seed = parseSeed(raw);
  const problems: string[] = [];
  const now = store.clock.now();
  if (seed.settings?.plan !== undefined && isPlan(seed.settings.plan))
    store.settings.plan = seed.settings.plan;
  if (seed.settings?.bulkImport !== undefined) store.settings.bulkImport = seed.settings.bulkImport;
  if (seed.settings?.subdomain !== undefined)
    store.settings.subdomain = seed.settings.subdomain.toLowerCase();
  for (const token of seed.apiTokens ?? []) store.apiTokens.add(token);

  for (const role of seed.customRoles ?? []) {
    if ([...store.customRoles.values()].some((r) => r.name.toLowerCase() === role.name.toLowerCase()))
      continue;
    store.customRoles.insert({
      id: store.nextId('customRole'),
      name: role.name,
      description: role.description ?? '',
      roleType: role.roleType ?? 0,
      configuration: role.configuration ?? {},
      createdAt: now,
      updatedAt: now,
    });
  }

  for (const group of seed.groups ?? []) {
    const existing = [...store.groups.values()].find((g) => g.name === group.name);
    if (group.default) for (const g of store.groups.values()) g.isDefault = false;
    if (existing) {
      existing.description = group.description ?? existing.description;
      existing.isPublic = group.isPublic ?? existing.isPublic;
      existing.isDefault = group.default ?? existing.isDefault;
      existing.deleted = group.deleted ?? existing.deleted;
      continue;
    }
    store.groups.insert({
      id: store.nextId('group'),
      name: group.name,
      description: group.description ?? '',
      isPublic: group.isPublic ?? true,
      isDefault: group.default ?? false,
      deleted: group.deleted ?? false,
      createdAt: now,
      updatedAt: now,
    });
  }

  // Through the same rules as POST /user_fields, so a seed cannot hold a field the API would refuse.
  (seed.userFields ?? []).forEach((field, index) => {
    const input: Record<string, unknown> = {
      key: field.key,
      type: field.type,
      title: field.title ?? field.key,
      description: field.description ?? '',
      active: field.active ?? true,
    };
    if (field.regexp !== undefined) input['regexp_for_validation'] = field.regexp;
    if (field.options !== undefined) input['custom_field_options'] = field.options;
    try {
      createUserField(store, input);
    } catch (error) {
      const message = error instanceof ZendeskApiError ? error.detailsText : (error as Error).message;
      problems.push(`userFields[${index}] (${field.key}): ${message}`);
    }
  });

  const users = [...(seed.users ?? []), ...generatedUsers(seed.generate)];
  users.forEach((entry, index) => {
    const {
      custom_role: customRole,
      groups,
      active,
      ...input
    } = entry as Record<string, unknown> & {
      custom_role?: string;
      groups?: string[];
      active?: boolean;
    };
    try {
      if (customRole !== undefined) {
        const role = [...store.customRoles.values()].find(
          (r) => r.name.toLowerCase() === customRole.toLowerCase(),
        );
        if (!role)
          throw new SeedError(`custom role "${customRole}" does not exist (declare it under customRoles)`);
        input['custom_role_id'] = role.id;
        input['role'] ??= 'agent';
      }
      const user = createUser(store, input);
      for (const name of groups ?? []) {
        const group = [...store.groups.values()].find((g) => g.name === name);
        if (!group) throw new SeedError(`group "${name}" does not exist (declare it under groups)`);
        if (!store.membership(user.id, group.id)) addMembership(store, user.id, group.id);
      }
      if (active === false) softDeleteUser(store, user);
    } catch (error) {
      const message = error instanceof ZendeskApiError ? error.detailsText : (error as Error).message;
      problems.push(`users[${index}] (${String(entry.name)}): ${message}`);
    }
  });

  for (const oauth of seed.oauthTokens ?? []) {
    const user = store.userByEmail(oauth.email);
    if (!user) problems.push(`oauthTokens: no user with email ${oauth.email}`);
    else store.oauthTokens.set(oauth.token, user.id);
  }
  if (problems.length > 0) throw new SeedError(`seed not fully applied: ${problems.join('; ')}`);
}

/** Synthetic users for demos and benchmarks: deterministic names, emails and external ids. */
function* generatedUsers(generate: Seed['generate']): Generator<Record<string, unknown> & { name: string }> {
  if (!generate) return;
  const domain = generate.domain ?? 'example.com';
  for (let i = 1; i <= (generate.agents ?? 0); i += 1) {
    yield {
      name: `Agent ${i}`,
      email: `agent${i}@${domain}`,
      role: 'agent',
      external_id: `agent-${i}`,
      verified: true,
    };
  }
  for (let i = 1; i <= (generate.endUsers ?? 0); i += 1) {
    yield { name: `User ${i}`, email: `user${i}@${domain}`, external_id: `user-${i}` };
  }
}

/** The demo tenant `npm start` serves: a few agents, end users, groups and custom fields. */
export const demoSeed: Seed = {
  settings: { bulkImport: true },
  // The Entra demo tenant assigns this role too (its app roles mirror the account's roles).
  customRoles: [{ name: 'Billing Agent', description: 'Handles billing tickets' }],
  groups: [{ name: 'Tier 1', description: 'First-line support' }, { name: 'Billing' }],
  userFields: [
    { key: 'department', type: 'text', title: 'Department' },
    { key: 'employee_number', type: 'integer', title: 'Employee number' },
    {
      key: 'region',
      type: 'dropdown',
      title: 'Region',
      options: [
        { name: 'EMEA', value: 'emea' },
        { name: 'Americas', value: 'americas' },
        { name: 'APAC', value: 'apac' },
      ],
    },
  ],
  users: [
    { name: 'Ada Lovelace', email: 'ada@example.com', role: 'agent', groups: ['Tier 1'], verified: true },
    { name: 'Grace Hopper', email: 'grace@example.com', custom_role: 'Light Agent', groups: ['Billing'] },
    {
      name: 'Alan Turing',
      email: 'alan@example.com',
      external_id: 'legacy-alan',
      user_fields: { region: 'emea' },
    },
  ],
  generate: { endUsers: 20 },
};
