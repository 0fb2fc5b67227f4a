/**
 * What a mapping may target (docs/mappings.md#zendesk-attributes): the Zendesk user and group
 * attributes the Zendesk connector writes and compares, and the account's custom user fields as
 * `user_fields.<key>`. A job definition's targets are checked against the built-in names when it is
 * loaded, and against the account's custom user fields once they are known (`plan`, the start of
 * each cycle, `test-connection`, the admin API's schema and plan routes), so that a misspelt target
 * is an error naming the mapping and the name meant, never a write Zendesk ignores.
 */
import type { TargetConnector, TargetUserField } from '../ports/target.js';
import { ConfigError, type ConfigProblem } from './problems.js';

/** A target attribute's type, in Graph's `attributeType` names (the admin API's schema shows them). */
export type TargetAttributeType = 'String' | 'Integer' | 'Boolean' | 'DateTime';

export interface TargetAttributeSpec {
  readonly type?: TargetAttributeType;
  readonly multivalued?: boolean;
  readonly required?: boolean;
  readonly caseExact?: boolean;
}

/**
 * The Zendesk user attributes the connector writes and compares, with the types its conversions
 * give them (Zendesk's user object:
 * https://developer.zendesk.com/api-reference/ticketing/users/users/#json-format).
 */
export const zendeskUserAttributes: Readonly<Record<string, TargetAttributeSpec>> = {
  name: { required: true },
  email: {},
  external_id: {},
  role: {},
  custom_role_id: { type: 'Integer' },
  phone: {},
  shared_phone_number: { type: 'Boolean' },
  locale: {},
  locale_id: { type: 'Integer' },
  time_zone: {},
  alias: {},
  details: {},
  notes: {},
  signature: {},
  tags: { multivalued: true },
  organization_id: { type: 'Integer' },
  default_group_id: { type: 'Integer' },
  verified: { type: 'Boolean' },
  skip_verify_email: { type: 'Boolean' },
  moderator: { type: 'Boolean' },
  only_private_comments: { type: 'Boolean' },
  ticket_restriction: {},
  restricted_agent: { type: 'Boolean' },
  suspended: { type: 'Boolean' },
};

/** The group attributes the connector writes (https://developer.zendesk.com/api-reference/ticketing/groups/groups/). */
export const zendeskGroupAttributes: Readonly<Record<string, TargetAttributeSpec>> = {
  name: { required: true },
  description: {},
  is_public: { type: 'Boolean' },
};

/** The prefix of a custom user field's target name: `user_fields.<key>`. */
export const USER_FIELDS_PREFIX = 'user_fields.';

/**
 * The edit distance between two texts with adjacent transpositions counted as one edit (the
 * "optimal string alignment" form of the Damerau–Levenshtein distance): `detials` is 1 from
 * `details`. Case counts; callers compare lower-cased names.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i += 1) {
    const row = d[i] as number[];
    const above = d[i - 1] as number[];
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (d[rows - 1] as number[])[cols - 1] as number;
}

/**
 * The candidate `name` was most likely meant for: the same name in another case, else the closest
 * by `editDistance` (ignoring case) within 1 edit for names of up to 4 letters, 2 up to 8, and 3
 * beyond; the first of equally close ones. Undefined when none is that close.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameLetters = candidates.find((c) => c.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  const limit = lower.length <= 4 ? 1 : lower.length <= 8 ? 2 : 3;
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance))
      best = { name: candidate, distance };
  }
  return best?.name;
}

const quoted = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');

/**
 * Why `target` is not something a mapping of `side` can write, or null when it is. Custom user
 * fields (`user_fields.<key>`) are checked only when the account's fields are known (`userFields`
 * not null); a name that is neither built in nor a custom field gets the closest built-in name or
 * custom field as a suggestion.
 */
export function targetAttributeProblem(
  side: 'users' | 'groups',
  target: string,
  userFields: readonly TargetUserField[] | null,
): string | null {
  if (side === 'groups') {
    if (Object.hasOwn(zendeskGroupAttributes, target)) return null;
    const names = Object.keys(zendeskGroupAttributes);
    const meant = closestName(target, names);
    return `"${target}" is not a Zendesk group attribute: ${meant === undefined ? `map ${quoted(names)}` : `did you mean "${meant}"? (names are exact; the group attributes are ${quoted(names)})`}`;
  }
  if (Object.hasOwn(zendeskUserAttributes, target)) return null;
  const builtIn = Object.keys(zendeskUserAttributes);
  if (target.toLowerCase().startsWith(USER_FIELDS_PREFIX)) {
    const key = target.slice(USER_FIELDS_PREFIX.length);
    if (!target.startsWith(USER_FIELDS_PREFIX))
      return `"${target}" is not a Zendesk user attribute: did you mean "${USER_FIELDS_PREFIX}${key}"? (names are exact)`;
    if (key.trim() === '')
      return `"${target}" names no custom user field: write "${USER_FIELDS_PREFIX}<key>" with the field's key (Admin Center → People → Configuration → User fields)`;
    if (userFields === null || userFields.some((field) => field.key === key)) return null;
    const keys = userFields.map((field) => field.key);
    const meant = closestName(key, keys);
    const known = keys.length === 0 ? ' (it has none)' : `; its keys are ${quoted(keys)}`;
    return `the Zendesk account has no custom user field with the key "${key}"${known}${meant === undefined ? '.' : `: did you mean "${USER_FIELDS_PREFIX}${meant}"?`} Create the field in Zendesk (Admin Center → People → Configuration → User fields) or fix the key`;
  }
  // A custom field's key may be what was meant, written without its prefix.
  const keys = (userFields ?? []).map((field) => field.key);
  const closest = closestName(target, [...builtIn, ...keys]);
  const meant =
    closest === undefined || Object.hasOwn(zendeskUserAttributes, closest)
      ? closest
      : `${USER_FIELDS_PREFIX}${closest}`;
  return meant !== undefined
    ? `"${target}" is not a Zendesk user attribute: did you mean "${meant}"? (names are exact)`
    : `"${target}" is not a Zendesk user attribute: map one of ${quoted(builtIn)}, or "${USER_FIELDS_PREFIX}<key>" for a custom user field (docs/mappings.md#zendesk-attributes)`;
}

/** The target name of a mapping entry as written: `target`, or Graph's `targetAttributeName`. */
function entryTarget(entry: unknown): string | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return undefined;
  const record = entry as Record<string, unknown>;
  const target = 'targetAttributeName' in record ? record['targetAttributeName'] : record['target'];
  return typeof target === 'string' && target.trim() !== '' ? target.trim() : undefined;
}

/**
 * The problems of the targets of mapping entries as written (`mappings.<side>.attributes`), whatever
 * else is wrong with them: each names `mappings.<side>.attributes[i].target`.
 */
export function targetProblems(
  side: 'users' | 'groups',
  entries: readonly unknown[],
  userFields: readonly TargetUserField[] | null,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  entries.forEach((entry, index) => {
    const target = entryTarget(entry);
    if (target === undefined) return;
    const problem = targetAttributeProblem(side, target, userFields);
    if (problem !== null)
      problems.push({
        path: `mappings.${side}.attributes[${index}].target`,
        message: problem,
      });
  });
  return problems;
}

/**
 * The problems of a compiled job's user mappings that target a custom user field the account does
 * not have (`userFields`: the account's, as `describeUserFields` reads them). The built-in names were
 * checked when the job was compiled.
 */
export function userFieldProblems(
  mappings: readonly { readonly target: string }[],
  userFields: readonly TargetUserField[],
): ConfigProblem[] {
  return targetProblems(
    'users',
    mappings.map((m) => ({ target: m.target })),
    userFields,
  ).filter((problem) => problem.message.includes('custom user field'));
}

/**
 * Before a cycle, a plan or a connection test writes anything: reads the account's custom user
 * fields when a user mapping targets one, and throws a `ConfigError` naming each mapping whose field
 * the account lacks (with the key meant, when one is close). Without such mappings, reads nothing.
 */
export async function checkMappedUserFields(
  target: Pick<TargetConnector, 'describeUserFields'>,
  jobId: string,
  mappings: readonly { readonly target: string }[],
): Promise<void> {
  if (!mappings.some((m) => m.target.startsWith(USER_FIELDS_PREFIX))) return;
  const problems = userFieldProblems(mappings, await target.describeUserFields());
  if (problems.length > 0) throw new ConfigError(`The mappings of job ${jobId}`, problems);
}
