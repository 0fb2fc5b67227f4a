/**
 * The Attribute Mapping page's model: Graph's synchronizationSchema (docs/api.md#synchronization-schema)
 * read into what the Entra portal shows (mapping type Direct / Constant / Expression / None, the
 * Create / Update / Delete actions, "Match objects using this attribute") and written back in
 * Graph's form. `PUT …/schema` reads an attribute mapping's root `expression`, so that is what is
 * written; `name` and `type` follow it.
 */
import type { components } from '../../api/schema';

export type SynchronizationSchema = components['schemas']['synchronizationSchema'];
export type ObjectMapping = components['schemas']['objectMapping'];
export type AttributeMapping = components['schemas']['attributeMapping'];
export type AttributeMappingSource = components['schemas']['attributeMappingSource'];
export type Filter = components['schemas']['filter'];
export type FilterGroup = Filter['groups'][number];
export type FilterClause = FilterGroup['clauses'][number];
export type Plan = components['schemas']['Plan'];

export type ObjectKind = 'users' | 'groups';
export const objectNameOf = (kind: ObjectKind): 'User' | 'Group' => (kind === 'users' ? 'User' : 'Group');

export type MappingType = 'Direct' | 'Constant' | 'Expression' | 'None';
export const mappingTypes: readonly MappingType[] = ['Direct', 'Constant', 'Expression', 'None'];

/** The edit dialog's fields. */
export interface MappingForm {
  type: MappingType;
  /** Direct: the attribute; Constant: the text; Expression: the expression; None: unused. */
  source: string;
  defaultValue: string;
  target: string;
  matching: boolean;
  precedence: number;
  apply: 'Always' | 'ObjectAddOnly';
}

export function mappingTypeOf(mapping: AttributeMapping): MappingType {
  const source = mapping.source;
  if (source === null) return 'None';
  if (source.type === 'Attribute') return 'Direct';
  if (source.type === 'Constant' && source.expression?.startsWith('"')) return 'Constant';
  return 'Expression';
}

/** What the table's "Source attribute" column shows: the attribute, the constant or the expression. */
export function sourceText(mapping: AttributeMapping): string {
  const source = mapping.source;
  switch (mappingTypeOf(mapping)) {
    case 'None':
      return mapping.defaultValue === null ? '' : `Default: ${mapping.defaultValue}`;
    case 'Direct':
      return source?.name ?? source?.expression ?? '';
    case 'Constant':
      return `"${source?.name ?? ''}"`;
    default:
      return source?.expression ?? '';
  }
}

export function formOf(mapping: AttributeMapping | null): MappingForm {
  if (mapping === null)
    return {
      type: 'Direct',
      source: '',
      defaultValue: '',
      target: '',
      matching: false,
      precedence: 0,
      apply: 'Always',
    };
  const type = mappingTypeOf(mapping);
  const source =
    type === 'None'
      ? ''
      : type === 'Expression'
        ? (mapping.source?.expression ?? '')
        : (mapping.source?.name ?? '');
  return {
    type,
    source,
    defaultValue: mapping.defaultValue ?? '',
    target: mapping.targetAttributeName,
    matching: mapping.matchingPriority > 0,
    precedence: mapping.matchingPriority,
    apply: mapping.flowType,
  };
}

/** The expression language's string literal (packages/expressions printer's quoteString). */
export function quoteString(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

function sourceOf(form: MappingForm): AttributeMappingSource | null {
  switch (form.type) {
    case 'None':
      return null;
    case 'Direct':
      return { expression: `[${form.source}]`, name: form.source, parameters: [], type: 'Attribute' };
    case 'Constant':
      return { expression: quoteString(form.source), name: form.source, parameters: [], type: 'Constant' };
    default:
      // The server derives name and parameters from the expression (the root expression decides).
      return { expression: form.source, name: null, parameters: [], type: 'Function' };
  }
}

export function mappingOf(form: MappingForm, previous: AttributeMapping | null): AttributeMapping {
  return {
    exportMissingReferences: previous?.exportMissingReferences ?? false,
    flowBehavior: previous?.flowBehavior ?? 'Default',
    targetAttributeName: form.target,
    source: sourceOf(form),
    defaultValue: form.type === 'Constant' || form.defaultValue === '' ? null : form.defaultValue,
    flowType: form.apply,
    matchingPriority: form.matching ? Math.max(1, form.precedence) : 0,
  };
}

/** What is wrong with the form before it goes to the server, or null. */
export function formProblem(form: MappingForm): string | null {
  if (form.target === '') return 'Choose the target attribute.';
  if (form.type === 'Direct' && form.source === '') return 'Choose the source attribute.';
  if (form.type === 'Constant' && form.source === '') return 'Enter the constant value.';
  if (form.type === 'Expression' && form.source.trim() === '') return 'Enter the expression.';
  if (form.type === 'None' && form.defaultValue === '')
    return 'A mapping of type None needs a default value.';
  if (form.matching && (!Number.isInteger(form.precedence) || form.precedence < 1))
    return 'Matching precedence is a whole number from 1.';
  return null;
}

// ── Target Object Actions (Graph's flowTypes: "Add, Update, Delete") ─────────────────────────────

export type ObjectAction = 'Add' | 'Update' | 'Delete';
export const objectActions: readonly { flow: ObjectAction; label: string }[] = [
  { flow: 'Add', label: 'Create' },
  { flow: 'Update', label: 'Update' },
  { flow: 'Delete', label: 'Delete' },
];

export function actionsOf(flowTypes: string): Set<ObjectAction> {
  const out = new Set<ObjectAction>();
  for (const token of flowTypes.split(',').map((t) => t.trim().toLowerCase()))
    for (const { flow } of objectActions) if (flow.toLowerCase() === token) out.add(flow);
  return out;
}

export function flowTypesOf(actions: ReadonlySet<ObjectAction>): string {
  const names = objectActions.filter(({ flow }) => actions.has(flow)).map(({ flow }) => flow);
  return names.length === 0 ? 'None' : names.join(', ');
}

// ── directories ─────────────────────────────────────────────────────────────────────────────────

/**
 * Common Entra user properties offered besides those the job reads already (the server's
 * sourceObjects route reads these too: https://learn.microsoft.com/graph/api/resources/user#properties).
 */
const COMMON_USER_PROPERTIES = [
  'accountEnabled',
  'businessPhones',
  'companyName',
  'department',
  'displayName',
  'employeeId',
  'givenName',
  'jobTitle',
  'mail',
  'mailNickname',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'usageLocation',
  'userPrincipalName',
];
const COMMON_GROUP_PROPERTIES = ['description', 'displayName', 'mail', 'mailNickname'];

function attributesOf(schema: SynchronizationSchema, directory: string, object: 'User' | 'Group') {
  const found = schema.directories.find((d) => d.name === directory || d.id === directory);
  return found?.objects.find((o) => o.name === object)?.attributes ?? [];
}

/** The source attributes to choose from: the Entra directory's, the common ones, and `extra`. */
export function sourceAttributes(
  schema: SynchronizationSchema,
  object: 'User' | 'Group',
  extra: readonly string[] = [],
): string[] {
  const names = new Set<string>([
    ...attributesOf(schema, 'Azure Active Directory', object).map((a) => a.name),
    ...(object === 'User' ? COMMON_USER_PROPERTIES : COMMON_GROUP_PROPERTIES),
    ...extra.filter((name) => name !== ''),
  ]);
  return [...names].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
}

/** The target attributes: Zendesk's built-ins, then the account's custom user fields. */
export function targetAttributes(
  schema: SynchronizationSchema,
  object: 'User' | 'Group',
): { name: string; custom: boolean }[] {
  return attributesOf(schema, 'Zendesk', object).map((a) => ({
    name: a.name,
    custom: a.metadata.some((m) => m.key === 'IsCustomerDefined' && m.value === 'true'),
  }));
}

// ── the 400's details, located ──────────────────────────────────────────────────────────────────

export interface Problem {
  readonly target?: string;
  readonly message: string;
}

export interface LocatedProblems {
  readonly mappings: ReadonlyMap<number, string[]>;
  readonly clauses: ReadonlyMap<string, string[]>;
  /** Problems of this mapping that are not of one row or clause (flowTypes, enabled, scope). */
  readonly page: string[];
  /** Problems elsewhere in the schema (the other object mapping). */
  readonly other: string[];
}

function push<K>(map: Map<K, string[]>, key: K, message: string): void {
  const list = map.get(key) ?? [];
  list.push(message);
  map.set(key, list);
}

/**
 * Sorts `details[].target` (`synchronizationRules[0].objectMappings[0].attributeMappings[3].source`,
 * `…objectMappings[0].scope.groups[1].clauses[0].operatorName`) by where the page shows them.
 */
export function locateProblems(problems: readonly Problem[], mappingIndex: number): LocatedProblems {
  const mappings = new Map<number, string[]>();
  const clauses = new Map<string, string[]>();
  const page: string[] = [];
  const other: string[] = [];
  const prefix = `synchronizationRules[0].objectMappings[${mappingIndex}]`;
  for (const problem of problems) {
    const target = problem.target ?? '';
    if (!target.startsWith(prefix)) {
      if (target.startsWith('synchronizationRules[0].objectMappings[')) other.push(problem.message);
      else page.push(problem.message);
      continue;
    }
    const rest = target.slice(prefix.length);
    const row = /^\.attributeMappings\[(\d+)\]/.exec(rest);
    const clause = /^\.scope\.groups\[(\d+)\]\.clauses\[(\d+)\]/.exec(rest);
    if (row !== null) push(mappings, Number(row[1]), problem.message);
    else if (clause !== null) push(clauses, `${clause[1]}.${clause[2]}`, problem.message);
    else page.push(problem.message);
  }
  return { mappings, clauses, page, other };
}

/** A plain copy (the draft is edited immutably, but the server's copy must never be touched). */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
