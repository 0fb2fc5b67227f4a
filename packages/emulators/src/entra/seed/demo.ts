import { type Random, seededRandom } from '../../common/prng.js';
import { defaults } from '../options.js';
import {
  defaultAccessRoleName,
  type EntraSeed,
  type EntraSeedAppRole,
  type EntraSeedAssignment,
  type EntraSeedGroup,
  type EntraSeedUser,
  foldDiacritics,
  groupReferencePrefix,
  nicknameOf,
} from './format.js';
import {
  type City,
  companyName,
  contractorCompanyName,
  departments,
  executive,
  type Locale,
  locales,
  projectNames,
  supportDepartment,
} from './names.js';

/** The password of every demo user (the emulator's sign-in page). */
export const demoPassword = 'Passw0rd!';
/** The PRNG seed of {@link demoTenantSeed} unless told otherwise. */
export const defaultDemoSeed = 1;
/** The largest tenant `demo:<N>` builds. */
export const maxDemoUsers = 1_000_000;

/** App roles the demo tenant adds to the Zendesk application (besides End-user, Agent and Admin). */
export const demoAppRoles: readonly EntraSeedAppRole[] = [
  {
    displayName: 'Light Agent',
    value: 'light-agent',
    description: 'Zendesk light agent: can view tickets and add private comments',
    allowedMemberTypes: ['User'],
  },
  {
    displayName: 'Billing Agent',
    value: 'billing-agent',
    description: 'Zendesk custom role "Billing Agent": handles billing tickets',
    allowedMemberTypes: ['User'],
  },
];

/** Groups the demo tenant always has; the Zendesk ones are assigned app roles. */
export const demoGroupNames = {
  allStaff: 'All Staff',
  allManagers: 'All Managers',
  leadership: 'Leadership Team',
  zendeskAgents: 'Zendesk Agents',
  zendeskAdmins: 'Zendesk Admins',
  supportTier2: 'Support Tier 2',
  /** Holds the group "Support Tier 2": the nested group. */
  supportEscalations: 'Support Escalations',
} as const;

/**
 * Parses `demo:<N>` (also `demo:10k`) with an optional PRNG seed, `demo:<N>:<seed>`; undefined when
 * the text is not a demo specification.
 */
export function parseDemoSpec(text: string): { users: number; seed: number } | undefined {
  const match = /^demo:(\d+)(k?)(?::(\d+))?$/i.exec(text.trim());
  if (!match) return undefined;
  const users = Number(match[1]) * (match[2] ? 1000 : 1);
  if (users > maxDemoUsers) throw new RangeError(`demo tenants have at most ${maxDemoUsers} users`);
  return { users, seed: match[3] === undefined ? defaultDemoSeed : Number(match[3]) };
}

/** Direct reports per manager in the demo org chart. */
const span = 8;

interface Person {
  readonly locale: Locale;
  readonly city: City;
  readonly givenName: string;
  readonly surname: string;
  /** Index in {@link departments}, or -1 for the chief executive. */
  readonly department: number;
  /** Position in the department's org chart (0: its head), a heap of {@link span}-ary nodes. */
  position: number;
  userPrincipalName: string;
}

type Role = 'Agent' | 'Admin' | 'End-user' | 'Light Agent' | 'Billing Agent' | typeof defaultAccessRoleName;

/**
 * A realistic tenant of `n` users for demos and benchmarks, the same for the same `n` and
 * `options.seed`: names from many cultures (diacritics in display names, ASCII userPrincipalNames),
 * offices with consistent country, usage location, language and E.164 phone numbers, an org chart
 * (chief executive, department heads, managers, team leads, staff), ~3% disabled accounts, ~5%
 * contractors, groups of many sizes (with a nested group) and assignments to the Zendesk application
 * of every role: Agent (directly and through "Zendesk Agents"), Admin, End-user, Light Agent, Billing
 * Agent and Default Access. Every user's password is {@link demoPassword}.
 */
export function demoTenantSeed(n: number, options: { seed?: number; domain?: string } = {}): EntraSeed {
  if (!Number.isInteger(n) || n < 0 || n > maxDemoUsers)
    throw new RangeError(`demoTenantSeed: n must be an integer from 0 to ${maxDemoUsers}`);
  const random = seededRandom(options.seed ?? defaultDemoSeed);
  const domain = options.domain ?? defaults.domain;
  const pickLocale = weighted(locales, (l) => l.weight);
  const pickCity = new Map(locales.map((l) => [l, weighted(l.cities, (c) => c.weight)]));
  const pickDepartment = weighted(departments, (d) => d.weight);

  // Who: office, name, department. The first users head the company and its departments, so that even
  // a small tenant has an org chart and a support team.
  const people: Person[] = [];
  const members: number[][] = departments.map(() => []);
  const upnCounts = new Map<string, number>();
  for (let i = 0; i < n; i += 1) {
    const locale = pickLocale(random);
    const city = pickCity.get(locale)?.(random) ?? firstOf(locale.cities);
    const nameLocale = random.next() < 0.85 ? locale : pick(random, locales);
    const givenName = pick(random, nameLocale.givenNames);
    const surname = pick(random, nameLocale.surnames);
    const department =
      i === 0 ? -1 : i <= departments.length ? i - 1 : departments.indexOf(pickDepartment(random));
    const base = `${asciiOf(givenName)}.${asciiOf(surname)}`;
    const count = (upnCounts.get(base) ?? 0) + 1;
    upnCounts.set(base, count);
    const person: Person = {
      locale,
      city,
      givenName,
      surname,
      department,
      position: 0,
      // Bases end in a letter, so "anna.muller2" cannot be another person's base.
      userPrincipalName: `${count === 1 ? base : `${base}${count}`}@${domain}`,
    };
    const list = members[department];
    if (list) {
      person.position = list.length;
      list.push(i);
    }
    people.push(person);
  }

  const users: EntraSeedUser[] = [];
  const allStaff: string[] = [];
  const allManagers: string[] = [];
  const leadership: string[] = [];
  const zendeskAgents: string[] = [];
  const zendeskAdmins: string[] = [];
  const supportTier2: string[] = [];
  const escalations: string[] = [groupReferencePrefix + demoGroupNames.supportTier2];
  const byCity = new Map<City, string[]>();
  const assignments: EntraSeedAssignment[] = [];
  const assign = (principal: string, appRole: Role) => assignments.push({ principal, appRole });
  assign(groupReferencePrefix + demoGroupNames.zendeskAgents, 'Agent');
  assign(groupReferencePrefix + demoGroupNames.zendeskAdmins, 'Admin');
  let supportStaff = 0;
  let others = 0;
  const supportIndex = departments.findIndex((d) => d.name === supportDepartment);
  const financeIndex = departments.findIndex((d) => d.name === 'Finance');
  const itIndex = departments.findIndex((d) => d.name === 'IT');

  people.forEach((person, i) => {
    const department = departments[person.department];
    const size = members[person.department]?.length ?? 1;
    const p = person.position;
    const head = department === undefined || p === 0;
    const manages = department === undefined ? n > 1 : span * p + 1 < size;
    const managesManagers = span * (span * p + 1) + 1 < size;
    const managerIndex =
      department === undefined
        ? undefined
        : p === 0
          ? 0
          : members[person.department]?.[Math.floor((p - 1) / span)];
    const support = person.department === supportIndex;
    // Support staff in order: the first runs Zendesk, every tenth is a light agent, every twelfth a
    // billing agent, the others agents (half of them through the "Zendesk Agents" group).
    const staffSlot = support && !head && !manages ? supportStaff++ : -1;
    const supportRole: Role | 'Admin (group)' | 'Agent (group)' | undefined =
      staffSlot < 0
        ? undefined
        : staffSlot === 0
          ? 'Admin (group)'
          : staffSlot % 10 === 3
            ? 'Light Agent'
            : staffSlot % 12 === 5
              ? 'Billing Agent'
              : staffSlot % 2 === 0
                ? 'Agent (group)'
                : 'Agent';

    let jobTitle: string;
    if (department === undefined) jobTitle = executive.title;
    else if (p === 0) jobTitle = department.head;
    else if (managesManagers) jobTitle = department.manager;
    else if (manages) jobTitle = department.lead;
    else if (supportRole === 'Admin (group)') jobTitle = 'Support Operations Analyst';
    else if (supportRole === 'Billing Agent') jobTitle = 'Billing Specialist';
    else if (supportRole === 'Light Agent') jobTitle = 'Customer Success Specialist';
    else jobTitle = pick(random, department.staff);

    const contractor = !head && !manages && random.next() < 0.05;
    const upn = person.userPrincipalName;
    const { locale, city } = person;
    const remote = !head && random.next() < 0.05;
    const user: EntraSeedUser = {
      userPrincipalName: upn,
      displayName: `${person.givenName} ${person.surname}`,
      givenName: person.givenName,
      surname: person.surname,
      mailNickname: upn.slice(0, upn.indexOf('@')),
      jobTitle,
      department: department?.name ?? executive.name,
      companyName: contractor ? contractorCompanyName : companyName,
      employeeType: contractor ? 'Contractor' : 'Employee',
      officeLocation: remote
        ? 'Remote'
        : `${city.code} ${random.int(1, 12)}.${String(random.int(1, 40)).padStart(2, '0')}`,
      city: city.name,
      country: locale.country,
      usageLocation: locale.usageLocation,
      preferredLanguage: locale.preferredLanguage,
      accountEnabled: head || random.next() >= 0.03,
      password: demoPassword,
    };
    if (random.next() >= 0.04) user.mail = upn;
    if (!contractor) user.employeeId = String(100001 + i);
    if (random.next() < 0.9)
      user.mobilePhone = `+${locale.callingCode}${pick(random, locale.mobilePrefixes)}${digits(random, locale.mobileDigits)}`;
    if (!remote)
      user.businessPhones = [
        `+${locale.callingCode}${city.landlinePrefix}${digits(random, city.landlineDigits)}`,
      ];
    const manager = managerIndex === undefined ? undefined : people[managerIndex];
    if (manager) user.managerUserPrincipalName = manager.userPrincipalName;
    // A third of the staff come from an on-premises directory (Entra Connect).
    if (!contractor && random.next() < 1 / 3) {
      user.onPremisesImmutableId = immutableId(random);
      user.onPremisesExtensionAttributes = {
        extensionAttribute1: `CC-${department?.code ?? executive.code}-${city.code}`,
        extensionAttribute2: department?.name ?? executive.name,
      };
    }
    users.push(user);

    if (!contractor) allStaff.push(upn);
    if (manages) allManagers.push(upn);
    if (head) leadership.push(upn);
    if (!remote) {
      const office = byCity.get(city);
      if (office) office.push(upn);
      else byCity.set(city, [upn]);
    }
    if (support && (jobTitle === 'Senior Support Agent' || jobTitle === 'Technical Support Engineer'))
      supportTier2.push(upn);
    if (support && (p === 0 || managesManagers)) escalations.push(upn);

    if (support) {
      if (p === 0) assign(upn, 'Admin');
      else if (supportRole === undefined) assign(upn, 'Agent');
      else if (supportRole === 'Admin (group)') zendeskAdmins.push(upn);
      else if (supportRole === 'Agent (group)') zendeskAgents.push(upn);
      else assign(upn, supportRole);
      return;
    }
    if (person.department === itIndex && p === 0) zendeskAdmins.push(upn);
    const slot = others++;
    const chance = random.next();
    if (slot % 50 === 17) assign(upn, defaultAccessRoleName);
    else if (person.department === financeIndex && jobTitle === 'Accounts Receivable Clerk')
      assign(upn, 'Billing Agent');
    else if (chance < 0.01) assign(upn, 'Light Agent');
    else if (chance < 0.6) assign(upn, 'End-user');
  });

  const groups: EntraSeedGroup[] = [];
  const securityGroup = (displayName: string, description: string, groupMembers: string[]) =>
    groups.push({
      displayName,
      description,
      mailNickname: nicknameOf(displayName).toLowerCase(),
      securityEnabled: true,
      mailEnabled: false,
      members: groupMembers,
    });
  const microsoft365Group = (
    displayName: string,
    description: string,
    groupMembers: string[],
    visibility: 'Public' | 'Private',
  ) => {
    const nickname = nicknameOf(displayName).toLowerCase();
    groups.push({
      displayName,
      description,
      mailNickname: nickname,
      mail: `${nickname}@${domain}`,
      securityEnabled: false,
      mailEnabled: true,
      groupTypes: ['Unified'],
      visibility,
      members: groupMembers,
    });
  };
  securityGroup(demoGroupNames.allStaff, 'Every employee (contractors excluded)', allStaff);
  securityGroup(demoGroupNames.allManagers, 'Everyone with direct reports', allManagers);
  securityGroup(demoGroupNames.leadership, 'The chief executive and the department heads', leadership);
  securityGroup(demoGroupNames.zendeskAgents, 'Assigned the Zendesk role Agent', zendeskAgents);
  securityGroup(demoGroupNames.zendeskAdmins, 'Assigned the Zendesk role Admin', zendeskAdmins);
  securityGroup(demoGroupNames.supportTier2, 'Senior support agents and support engineers', supportTier2);
  securityGroup(
    demoGroupNames.supportEscalations,
    'Support Tier 2 (nested) and the support managers',
    escalations,
  );
  departments.forEach((department, d) => {
    const upns = (members[d] ?? []).flatMap((i) => people[i]?.userPrincipalName ?? []);
    microsoft365Group(department.name, `The ${department.name} department`, upns, 'Private');
  });
  for (const locale of locales) {
    for (const city of locale.cities) {
      const upns = byCity.get(city);
      if (upns)
        securityGroup(`Office ${city.name}`, `Staff at the ${city.name} office, ${locale.country}`, upns);
    }
  }
  // Small project teams drawn from the whole company.
  const projects = n < 3 ? 0 : Math.min(projectNames.length, Math.max(2, Math.floor(n / 100)));
  for (let k = 0; k < projects; k += 1) {
    const size = random.int(3, Math.min(25, n));
    const chosen = new Set<string>();
    while (chosen.size < size) chosen.add(people[random.int(0, n - 1)]?.userPrincipalName ?? '');
    microsoft365Group(
      `Project ${projectNames[k] ?? k + 1}`,
      'A cross-functional project team',
      [...chosen],
      'Public',
    );
  }

  return { appRoles: demoAppRoles.map((role) => ({ ...role })), users, groups, assignments };
}

function firstOf<T>(items: readonly T[]): T {
  const item = items[0];
  if (item === undefined) throw new Error('empty table');
  return item;
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random.next() * items.length)] ?? firstOf(items);
}

/** A picker by relative weights (cumulative table, binary search). */
function weighted<T>(items: readonly T[], weight: (item: T) => number): (random: Random) => T {
  const cumulative: number[] = [];
  let total = 0;
  for (const item of items) {
    total += weight(item);
    cumulative.push(total);
  }
  return (random) => {
    const target = random.next() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((cumulative[mid] ?? total) > target) high = mid;
      else low = mid + 1;
    }
    return items[low] ?? firstOf(items);
  };
}

const asciiCache = new Map<string, string>();

/** The userPrincipalName form of a name: diacritics folded, lower case, letters and digits only. */
function asciiOf(name: string): string {
  let ascii = asciiCache.get(name);
  if (ascii === undefined) {
    ascii =
      foldDiacritics(name)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, '') || 'user';
    asciiCache.set(name, ascii);
  }
  return ascii;
}

function digits(random: Random, count: number): string {
  let text = '';
  for (let left = count; left > 0; left -= 6) {
    const chunk = Math.min(6, left);
    text += String(Math.floor(random.next() * 10 ** chunk)).padStart(chunk, '0');
  }
  return text;
}

/** An on-premises objectGUID in base64, as Entra Connect sets onPremisesImmutableId. */
function immutableId(random: Random): string {
  const bytes = Buffer.alloc(16);
  for (let k = 0; k < 16; k += 4) bytes.writeUInt32LE(Math.floor(random.next() * 2 ** 32), k);
  return bytes.toString('base64');
}
