import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defaultAccessRoleId, zendeskAppRoles } from '../model/tenant.js';

/**
 * The Entra ID emulator's seed format (JSON), shared by `--seed <file>`, `POST /__emulator/seed` and
 * the `demo:<N>` generator (./demo.ts). Property names are Microsoft Graph's (camelCase); references
 * between objects use names rather than ids so that seeds can be written by hand:
 *
 * - a user's manager: `managerUserPrincipalName`;
 * - a group member: a userPrincipalName, or `group:<displayName>` for a nested group;
 * - an assignment's principal: the same; its app role: the role's `value` or `displayName`
 *   (case-insensitive), or "Default Access".
 *
 * Objects without an `id` get a stable one ({@link stableGuid} of the tenant id and the object's name),
 * so the same seed always yields the same ids. Documented in docs/emulators.md.
 */

const guid = z.guid({ error: 'must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)' });

/** Characters Entra ID accepts in the alias of a userPrincipalName. */
const upnAlias = "[A-Za-z0-9'_!#^~-]+";
const domainPattern =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const upnPattern = new RegExp(`^${upnAlias}(?:\\.${upnAlias})*@[A-Za-z0-9.-]+$`);

const userPrincipalName = z
  .string()
  .max(113, { abort: true })
  .regex(upnPattern, {
    error: "must be alias@domain; the alias takes only A-Z a-z 0-9 ' . - _ ! # ^ ~ (no diacritics)",
    abort: true,
  })
  .refine((upn) => (upn.split('@')[0] ?? '').length <= 64, {
    error: 'the alias must be at most 64 characters',
  })
  .refine((upn) => domainPattern.test(upn.slice(upn.indexOf('@') + 1)), { error: 'invalid domain' });

/** Graph refuses these characters, spaces and non-ASCII in mailNickname. */
const mailNickname = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[!#-'*+\-./0-9=?A-Z^-~]+$/, { error: 'must be ASCII without spaces or @ ( ) \\ [ ] " ; : < > ,' });

/** An app role's value: Graph allows printable ASCII but no space, `"` or `\`, and no leading dot. */
const appRoleValue = z
  .string()
  .min(1)
  .max(249)
  .regex(/^[!#-[\]-~]+$/, { error: 'must be printable ASCII without spaces, " or \\' })
  .refine((v) => !v.startsWith('.'), { error: 'must not start with "."' });

/** Graph's onPremisesExtensionAttributes: extensionAttribute1 … extensionAttribute15. */
export const extensionAttributeNames = [
  'extensionAttribute1',
  'extensionAttribute2',
  'extensionAttribute3',
  'extensionAttribute4',
  'extensionAttribute5',
  'extensionAttribute6',
  'extensionAttribute7',
  'extensionAttribute8',
  'extensionAttribute9',
  'extensionAttribute10',
  'extensionAttribute11',
  'extensionAttribute12',
  'extensionAttribute13',
  'extensionAttribute14',
  'extensionAttribute15',
] as const;

const appRoleSchema = z.strictObject({
  id: guid.optional(),
  displayName: z.string().min(1).max(120),
  value: appRoleValue,
  description: z.string().max(1000).optional(),
  isEnabled: z.boolean().optional(),
  allowedMemberTypes: z
    .array(z.enum(['User', 'Application']))
    .min(1)
    .optional(),
});

const userSchema = z.strictObject({
  id: guid.optional(),
  userPrincipalName,
  displayName: z.string().min(1).max(256),
  givenName: z.string().max(64).optional(),
  surname: z.string().max(64).optional(),
  mail: z.email().optional(),
  mailNickname: mailNickname.optional(),
  otherMails: z.array(z.email()).optional(),
  userType: z.enum(['Member', 'Guest']).optional(),
  jobTitle: z.string().max(128).optional(),
  department: z.string().max(64).optional(),
  companyName: z.string().max(64).optional(),
  officeLocation: z.string().max(128).optional(),
  streetAddress: z.string().max(1024).optional(),
  city: z.string().max(128).optional(),
  state: z.string().max(128).optional(),
  postalCode: z.string().max(40).optional(),
  country: z.string().max(128).optional(),
  usageLocation: z
    .string()
    .regex(/^[A-Z]{2}$/, { error: 'must be an ISO 3166-1 alpha-2 code such as "DE"' })
    .optional(),
  preferredLanguage: z
    .string()
    .regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, { error: 'must be a language tag such as "en-US"' })
    .optional(),
  mobilePhone: z.string().max(64).optional(),
  // Entra ID keeps a single business phone.
  businessPhones: z.array(z.string().min(1).max(64)).max(1).optional(),
  employeeId: z.string().min(1).max(16).optional(),
  employeeType: z.string().max(64).optional(),
  accountEnabled: z.boolean().optional(),
  managerUserPrincipalName: z.string().optional(),
  /** The sign-in page's password; never rendered by Graph. */
  password: z.string().min(1).optional(),
  onPremisesImmutableId: z.string().min(1).optional(),
  onPremisesExtensionAttributes: z
    .partialRecord(z.enum(extensionAttributeNames), z.string().max(1024))
    .optional(),
});

const groupSchema = z
  .strictObject({
    id: guid.optional(),
    displayName: z.string().min(1).max(256),
    description: z.string().max(1024).optional(),
    mailNickname: mailNickname.optional(),
    mail: z.email().optional(),
    securityEnabled: z.boolean().optional(),
    mailEnabled: z.boolean().optional(),
    /** `Unified` for a Microsoft 365 group; absent or empty for a security group. */
    groupTypes: z
      .array(z.enum(['Unified']))
      .max(1)
      .optional(),
    visibility: z.enum(['Public', 'Private', 'HiddenMembership']).optional(),
    /** userPrincipalNames, and `group:<displayName>` for nested groups. */
    members: z.array(z.string().min(1)).optional(),
  })
  .superRefine((group, ctx) => {
    const unified = isUnified(group);
    if (unified && group.mailEnabled === false)
      ctx.addIssue({
        code: 'custom',
        path: ['mailEnabled'],
        message: 'a Microsoft 365 (Unified) group is mail-enabled',
      });
    if (!unified && group.securityEnabled === false && group.mailEnabled !== true)
      ctx.addIssue({
        code: 'custom',
        path: ['securityEnabled'],
        message: 'a group must be security-enabled, mail-enabled or Unified',
      });
    if (!unified && group.visibility === 'HiddenMembership')
      ctx.addIssue({
        code: 'custom',
        path: ['visibility'],
        message: 'HiddenMembership is only for Microsoft 365 (Unified) groups',
      });
  });

function isUnified(group: { groupTypes?: readonly string[] | undefined } | undefined): boolean {
  return group?.groupTypes?.includes('Unified') ?? false;
}

const assignmentSchema = z.strictObject({
  /** A userPrincipalName, or `group:<displayName>`. */
  principal: z.string().min(1),
  /** An app role's value or displayName, or "Default Access". */
  appRole: z.string().min(1),
});

export const entraSeedSchema = z.strictObject({
  tenant: z
    .strictObject({
      id: guid.optional(),
      displayName: z.string().min(1).max(256).optional(),
      defaultDomain: z.string().regex(domainPattern, { error: 'must be a domain name' }).optional(),
    })
    .optional(),
  /** App roles added to the Zendesk enterprise application, besides its built-in ones. */
  appRoles: z.array(appRoleSchema).optional(),
  users: z.array(userSchema).optional(),
  groups: z.array(groupSchema).optional(),
  assignments: z.array(assignmentSchema).optional(),
});

export type EntraSeed = z.infer<typeof entraSeedSchema>;
export type EntraSeedAppRole = z.infer<typeof appRoleSchema>;
export type EntraSeedUser = z.infer<typeof userSchema>;
export type EntraSeedGroup = z.infer<typeof groupSchema>;
export type EntraSeedAssignment = z.infer<typeof assignmentSchema>;

/** The prefix naming a group (by displayName) among a group's members or an assignment's principal. */
export const groupReferencePrefix = 'group:';
/** The role name of the implicit role {@link defaultAccessRoleId}. */
export const defaultAccessRoleName = 'Default Access';

/** How many problems an error's message lists; {@link EntraSeedError.problems} holds all of them. */
const problemsInMessage = 50;

export class EntraSeedError extends Error {
  override readonly name = 'EntraSeedError';
  constructor(readonly problems: readonly string[]) {
    const listed = problems.slice(0, problemsInMessage).join('; ');
    const more =
      problems.length > problemsInMessage ? ` (and ${problems.length - problemsInMessage} more)` : '';
    super(`invalid seed: ${listed}${more}`);
  }
}

/**
 * Validates a seed, listing every problem with its path (`users.3.mail: Invalid email address`).
 * Structure comes first: references (managers, members, assignments, duplicate names and ids) are
 * checked once the structure is valid.
 */
export function parseEntraSeed(raw: unknown): EntraSeed {
  const result = entraSeedSchema.safeParse(raw);
  if (!result.success) {
    throw new EntraSeedError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const problems = link(result.data, null).problems;
  if (problems.length > 0) throw new EntraSeedError(problems);
  return result.data;
}

/**
 * A GUID derived from a namespace GUID and a name: RFC 4122 version 5 (SHA-1), the same as
 * `uuid.v5(key, namespace)`. Lower case.
 */
export function stableGuid(namespace: string, key: string): string {
  const hex = namespace.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError(`stableGuid: namespace ${namespace} is not a GUID`);
  const bytes = createHash('sha1').update(Buffer.from(hex, 'hex')).update(key, 'utf8').digest();
  bytes.writeUInt8(((bytes.readUInt8(6) & 0x0f) | 0x50) >>> 0, 6);
  bytes.writeUInt8(((bytes.readUInt8(8) & 0x3f) | 0x80) >>> 0, 8);
  const h = bytes.toString('hex', 0, 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const foldedLetters: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  Æ: 'Ae',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'Th',
  œ: 'oe',
  Œ: 'Oe',
  ı: 'i',
  ħ: 'h',
  Ħ: 'H',
};

/**
 * Folds letters with diacritics to ASCII ("Đorđević" → "Dordevic", "Weiß" → "Weiss", "Ærin" →
 * "Aerin"), like the NormalizeDiacritics function of Entra's attribute mappings. Other characters
 * stay as they are.
 */
export function foldDiacritics(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[ßæÆøØłŁđĐðÐþÞœŒıħĦ]/g, (c) => foldedLetters[c] ?? c);
}

/** An ASCII mail nickname from a display name: folded, letters and digits only. */
export function nicknameOf(displayName: string): string {
  return foldDiacritics(displayName).replace(/[^A-Za-z0-9]+/g, '');
}

/** An app role as the Zendesk application holds it. */
export interface ResolvedAppRole {
  id: string;
  displayName: string;
  value: string;
  description: string;
  isEnabled: boolean;
  allowedMemberTypes: string[];
}

export type ResolvedUser = Omit<
  EntraSeedUser,
  'id' | 'accountEnabled' | 'mailNickname' | 'managerUserPrincipalName'
> & {
  id: string;
  accountEnabled: boolean;
  mailNickname: string;
  /** The manager's id, or null. */
  managerId: string | null;
};

export interface ResolvedMember {
  id: string;
  type: 'User' | 'Group';
}

export type ResolvedGroup = Omit<
  EntraSeedGroup,
  'id' | 'members' | 'mailNickname' | 'securityEnabled' | 'mailEnabled' | 'groupTypes'
> & {
  id: string;
  mailNickname: string;
  securityEnabled: boolean;
  mailEnabled: boolean;
  groupTypes: string[];
  /** Direct members, in the seed's order. */
  members: ResolvedMember[];
};

export interface ResolvedAssignment {
  principalId: string;
  principalType: 'User' | 'Group';
  /** The app role's id ({@link defaultAccessRoleId} for Default Access). */
  appRoleId: string;
}

/** A seed with every id filled in and every reference replaced by the id it names. */
export interface ResolvedEntraSeed {
  tenant: { id: string; displayName?: string; defaultDomain?: string };
  /** The app roles the seed adds to the Zendesk application (not the built-in ones). */
  appRoles: ResolvedAppRole[];
  users: ResolvedUser[];
  groups: ResolvedGroup[];
  assignments: ResolvedAssignment[];
}

/**
 * Fills in ids and replaces names by ids. The tenant id (the namespace of derived ids) is the
 * seed's `tenant.id`, else `options.tenantId` (the emulator's). Throws {@link EntraSeedError} like
 * {@link parseEntraSeed}; pass it a seed that {@link parseEntraSeed} accepted.
 */
export function resolveEntraSeed(seed: EntraSeed, options: { tenantId: string }): ResolvedEntraSeed {
  const tenantId = (seed.tenant?.id ?? options.tenantId).toLowerCase();
  const { problems, resolved } = link(seed, tenantId);
  if (problems.length > 0 || resolved === null) throw new EntraSeedError(problems);
  return resolved;
}

interface RoleEntry {
  id: string;
  value: string | null;
  displayName: string;
  isEnabled: boolean;
  forUsers: boolean;
}

/**
 * Checks the references of a structurally valid seed and, given a tenant id, resolves them. One pass
 * over users, groups and assignments; maps keyed by lower-cased names (Entra ID compares
 * userPrincipalNames and displayNames case-insensitively).
 */
function link(
  seed: EntraSeed,
  tenantId: string | null,
): { problems: string[]; resolved: ResolvedEntraSeed | null } {
  const problems: string[] = [];
  const idOf = (kind: string, explicit: string | undefined, key: string): string =>
    explicit !== undefined
      ? explicit.toLowerCase()
      : tenantId === null
        ? ''
        : stableGuid(tenantId, `${kind}:${key}`);
  const explicitIds = new Map<string, string>();
  const claimId = (id: string | undefined, where: string) => {
    if (id === undefined) return;
    const key = id.toLowerCase();
    const first = explicitIds.get(key);
    if (first !== undefined) problems.push(`${where}.id: ${id} is also the id of ${first}`);
    else explicitIds.set(key, where);
  };

  // App roles: the built-in ones of the Zendesk application, then the seed's.
  const roles = new Map<string, RoleEntry>();
  const addRoleName = (name: string, entry: RoleEntry) => {
    if (!roles.has(name.toLowerCase())) roles.set(name.toLowerCase(), entry);
  };
  for (const role of zendeskAppRoles) {
    const entry = {
      id: role.id,
      value: role.value,
      displayName: role.displayName,
      isEnabled: role.isEnabled,
      forUsers: role.allowedMemberTypes.includes('User'),
    };
    if (role.value !== null) addRoleName(role.value, entry);
    addRoleName(role.displayName, entry);
  }
  addRoleName(defaultAccessRoleName, {
    id: defaultAccessRoleId,
    value: null,
    displayName: defaultAccessRoleName,
    isEnabled: true,
    forUsers: true,
  });
  const appRoles: ResolvedAppRole[] = [];
  (seed.appRoles ?? []).forEach((role, i) => {
    const where = `appRoles.${i}`;
    claimId(role.id, where);
    for (const [property, name] of [
      ['value', role.value],
      ['displayName', role.displayName],
    ] as const) {
      const taken = roles.get(name.toLowerCase());
      if (taken !== undefined)
        problems.push(`${where}.${property}: "${name}" already names the app role "${taken.displayName}"`);
    }
    const resolved: ResolvedAppRole = {
      id: idOf('appRole', role.id, role.value.toLowerCase()),
      displayName: role.displayName,
      value: role.value,
      description: role.description ?? role.displayName,
      isEnabled: role.isEnabled ?? true,
      allowedMemberTypes: [...(role.allowedMemberTypes ?? ['User'])],
    };
    const entry = {
      id: resolved.id,
      value: role.value,
      displayName: role.displayName,
      isEnabled: resolved.isEnabled,
      forUsers: resolved.allowedMemberTypes.includes('User'),
    };
    addRoleName(role.value, entry);
    addRoleName(role.displayName, entry);
    appRoles.push(resolved);
  });

  // Users, by userPrincipalName.
  const users = seed.users ?? [];
  const userIndex = new Map<string, number>();
  const userIds: string[] = new Array<string>(users.length);
  users.forEach((user, i) => {
    const key = user.userPrincipalName.toLowerCase();
    const first = userIndex.get(key);
    if (first !== undefined)
      problems.push(`users.${i}.userPrincipalName: ${user.userPrincipalName} is also users.${first}'s`);
    else userIndex.set(key, i);
    claimId(user.id, `users.${i}`);
    userIds[i] = idOf('user', user.id, key);
  });
  const managerIndex: (number | undefined)[] = users.map((user, i) => {
    if (user.managerUserPrincipalName === undefined) return undefined;
    const manager = userIndex.get(user.managerUserPrincipalName.toLowerCase());
    if (manager === undefined)
      problems.push(
        `users.${i}.managerUserPrincipalName: no user ${user.managerUserPrincipalName} in the seed`,
      );
    else if (manager === i)
      problems.push(`users.${i}.managerUserPrincipalName: a user cannot manage themselves`);
    return manager;
  });
  findCycles(
    users.length,
    (i) => {
      const manager = managerIndex[i];
      return manager === undefined || manager === i ? [] : [manager];
    },
    (i) =>
      problems.push(`users.${i}.managerUserPrincipalName: the chain of managers loops back to this user`),
  );

  // Groups, by displayName.
  const groups = seed.groups ?? [];
  const groupIndex = new Map<string, number>();
  const groupIds: string[] = new Array<string>(groups.length);
  groups.forEach((group, i) => {
    const key = group.displayName.toLowerCase();
    const first = groupIndex.get(key);
    if (first !== undefined)
      problems.push(
        `groups.${i}.displayName: "${group.displayName}" is also groups.${first}'s (seeds name groups by displayName)`,
      );
    else groupIndex.set(key, i);
    claimId(group.id, `groups.${i}`);
    groupIds[i] = idOf('group', group.id, key);
  });
  /** A user (index ≥ 0) or a group (-1 - index) named by a member or principal; where() names the place. */
  const principalOf = (name: string, where: () => string): number | undefined => {
    const prefix = name.slice(0, groupReferencePrefix.length).toLowerCase();
    if (prefix === groupReferencePrefix) {
      const displayName = name.slice(groupReferencePrefix.length);
      const index = groupIndex.get(displayName.toLowerCase());
      if (index !== undefined) return -1 - index;
      problems.push(`${where()}: no group "${displayName}" in the seed`);
      return undefined;
    }
    const index = userIndex.get(name.toLowerCase());
    if (index !== undefined) return index;
    problems.push(
      `${where()}: no user ${name} in the seed` +
        (name.includes('@') ? '' : ` (name groups as "${groupReferencePrefix}<displayName>")`),
    );
    return undefined;
  };
  const idOfPrincipal = (principal: number): string =>
    (principal >= 0 ? userIds[principal] : groupIds[-1 - principal]) ?? '';
  const nestedGroups: number[][] = groups.map(() => []);
  const resolvedGroups: ResolvedGroup[] = groups.map((group, i) => {
    const {
      id: _id,
      members,
      mailNickname: nickname,
      securityEnabled,
      mailEnabled,
      groupTypes,
      ...rest
    } = group;
    const resolvedMembers: ResolvedMember[] = [];
    const seen = new Set<number>();
    (members ?? []).forEach((name, m) => {
      const where = () => `groups.${i}.members.${m}`;
      const member = principalOf(name, where);
      if (member === undefined) return;
      if (seen.has(member)) {
        problems.push(`${where()}: ${name} is already a member`);
        return;
      }
      seen.add(member);
      if (member < 0) {
        const nested = -1 - member;
        if (nested === i) {
          problems.push(`${where()}: a group cannot be a member of itself`);
          return;
        }
        if (isUnified(group) || isUnified(groups[nested])) {
          problems.push(`${where()}: Microsoft 365 (Unified) groups cannot contain or be nested groups`);
          return;
        }
        nestedGroups[i]?.push(nested);
      }
      resolvedMembers.push({ id: idOfPrincipal(member), type: member >= 0 ? 'User' : 'Group' });
    });
    const unified = isUnified(group);
    return {
      ...rest,
      id: groupIds[i] ?? '',
      mailNickname: nickname ?? (nicknameOf(group.displayName) || `group${i + 1}`),
      securityEnabled: securityEnabled ?? !unified,
      mailEnabled: mailEnabled ?? unified,
      groupTypes: [...(groupTypes ?? [])],
      members: resolvedMembers,
    };
  });
  findCycles(
    groups.length,
    (i) => nestedGroups[i] ?? [],
    (i) => problems.push(`groups.${i}.members: nested groups loop back to "${groups[i]?.displayName}"`),
  );

  // Assignments to the Zendesk application.
  const holders = new Map<string, Set<number>>();
  const assignments: ResolvedAssignment[] = [];
  (seed.assignments ?? []).forEach((assignment, i) => {
    const principal = principalOf(assignment.principal, () => `assignments.${i}.principal`);
    const role = roles.get(assignment.appRole.toLowerCase());
    if (role === undefined) {
      problems.push(
        `assignments.${i}.appRole: the Zendesk application has no app role "${assignment.appRole}"`,
      );
    } else if (!role.isEnabled) {
      problems.push(`assignments.${i}.appRole: the app role "${role.displayName}" is disabled`);
    } else if (!role.forUsers) {
      problems.push(
        `assignments.${i}.appRole: the app role "${role.displayName}" is not for users and groups`,
      );
    }
    if (principal === undefined || role === undefined) return;
    let holding = holders.get(role.id);
    if (holding === undefined) {
      holding = new Set();
      holders.set(role.id, holding);
    }
    if (holding.has(principal)) {
      problems.push(
        `assignments.${i}: ${assignment.principal} already has the app role "${role.displayName}"`,
      );
      return;
    }
    holding.add(principal);
    assignments.push({
      principalId: idOfPrincipal(principal),
      principalType: principal >= 0 ? 'User' : 'Group',
      appRoleId: role.id,
    });
  });

  if (tenantId === null || problems.length > 0) return { problems, resolved: null };

  const resolvedUsers: ResolvedUser[] = users.map((user, i) => {
    const {
      id: _id,
      accountEnabled,
      mailNickname: nickname,
      managerUserPrincipalName: _manager,
      ...rest
    } = user;
    const manager = managerIndex[i];
    return {
      ...rest,
      id: userIds[i] ?? '',
      accountEnabled: accountEnabled ?? true,
      mailNickname: nickname ?? user.userPrincipalName.slice(0, user.userPrincipalName.indexOf('@')),
      managerId: manager === undefined ? null : (userIds[manager] ?? null),
    };
  });
  // Derived ids cannot collide with each other; an explicit id could take a derived one.
  const allIds = new Set<string>();
  const objects: [string, readonly { id: string }[]][] = [
    ['appRoles', appRoles],
    ['users', resolvedUsers],
    ['groups', resolvedGroups],
  ];
  for (const [kind, list] of objects) {
    list.forEach((object, i) => {
      if (allIds.has(object.id)) problems.push(`${kind}.${i}.id: ${object.id} is already taken`);
      allIds.add(object.id);
    });
  }
  if (problems.length > 0) return { problems, resolved: null };
  const tenant: ResolvedEntraSeed['tenant'] = { id: tenantId };
  if (seed.tenant?.displayName !== undefined) tenant.displayName = seed.tenant.displayName;
  if (seed.tenant?.defaultDomain !== undefined) tenant.defaultDomain = seed.tenant.defaultDomain;
  return {
    problems,
    resolved: { tenant, appRoles, users: resolvedUsers, groups: resolvedGroups, assignments },
  };
}

/**
 * Reports one node of each cycle of a directed graph of `count` nodes (iterative depth-first search,
 * so a 100,000-deep chain of managers does not overflow the stack).
 */
function findCycles(
  count: number,
  next: (node: number) => readonly number[],
  report: (node: number) => void,
): void {
  // 0: unvisited, 1: on the current path, 2: done.
  const state = new Uint8Array(count);
  for (let start = 0; start < count; start += 1) {
    if (state[start] !== 0) continue;
    const stack: [number, number][] = [[start, 0]];
    state[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top === undefined) break;
      const [node, edge] = top;
      const targets = next(node);
      const target = targets[edge];
      if (target === undefined) {
        state[node] = 2;
        stack.pop();
        continue;
      }
      top[1] = edge + 1;
      if (state[target] === 1) report(target);
      else if (state[target] === 0) {
        state[target] = 1;
        stack.push([target, 0]);
      }
    }
  }
}
