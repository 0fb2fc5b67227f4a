/**
 * A job's mappings and scoping filters as Microsoft Graph's `synchronizationSchema`
 * (https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationschema), and back.
 *
 * - Export: one `synchronizationRule` holding two `objectMapping`s ("Synchronize Microsoft Entra users
 *   to Zendesk", "… groups to Zendesk"), each with `enabled`, `flowTypes` (from the job's actions),
 *   `scope` (its scoping filters, Graph's `filter`) and `attributeMappings` in Graph's form, written
 *   by the expression package (`CompiledMappingSet.toGraph`: the `expression` text is canonical, the
 *   `parameters` tree derived), plus the `directories` (directories.ts).
 * - Import: the object mappings are read back into the job definition's `mappings` section; the
 *   engine's own parsers validate them (`checkJobDefinition`: attribute mappings in Graph's form,
 *   Graph's `filter`), and every problem, structural or semantic, is reported at once, located in
 *   the schema (`synchronizationRules[0].objectMappings[1].attributeMappings[3].source`). What is
 *   stored is the friendly form (docs/mappings.md#writing-your-own-mappings); mappings equal to
 *   provisio's defaults are stored as "the defaults" (no `attributes`), so a default job stays one.
 *
 * Pure: the caller reads and saves (routes/synchronization-schema.ts).
 */
import { createHash } from 'node:crypto';
import {
  type CompiledJobWithoutSecrets,
  type ConfigProblem,
  checkJobDefinition,
  defaultGroupMappings,
  defaultUserMappings,
  type JobAction,
  type JobDefinition,
  type TargetUserField,
} from '@provisio/engine';
import {
  type AttributeMappingSource,
  compileMappings,
  type GraphAttributeMapping,
  type MappingDefinition,
  type ScopingFilterGroupDefinition,
} from '@provisio/expressions';
import type { ErrorDetail } from '../http/errors.js';
import type { JobSections } from '../jobs/catalog.js';
import {
  directoryDefinitions,
  type GraphDirectoryDefinition,
  SOURCE_DIRECTORY_NAME,
  TARGET_DIRECTORY_NAME,
} from './directories.js';

export const USER_MAPPING_NAME = 'Synchronize Microsoft Entra users to Zendesk';
export const GROUP_MAPPING_NAME = 'Synchronize Microsoft Entra groups to Zendesk';
export const RULE_NAME = 'Microsoft Entra ID to Zendesk';

/** Graph's `filter` as an objectMapping's `scope`. */
export interface GraphFilter {
  readonly groups: readonly ScopingFilterGroupDefinition[];
  readonly inputFilterGroups: readonly never[];
  readonly categoryFilterGroups: readonly never[];
}

/** Graph's `objectMapping`. */
export interface GraphObjectMapping {
  readonly name: string;
  readonly enabled: boolean;
  readonly flowTypes: string;
  readonly sourceObjectName: 'User' | 'Group';
  readonly targetObjectName: 'User' | 'Group';
  readonly metadata: readonly { readonly key: string; readonly value: string }[];
  readonly scope: GraphFilter | null;
  readonly attributeMappings: readonly GraphAttributeMapping[];
}

/** Graph's `synchronizationRule`. */
export interface GraphSynchronizationRule {
  readonly id: string;
  readonly name: string;
  readonly editable: boolean;
  readonly priority: number;
  readonly sourceDirectoryName: string;
  readonly targetDirectoryName: string;
  readonly metadata: readonly { readonly key: string; readonly value: string }[];
  readonly objectMappings: readonly GraphObjectMapping[];
}

/** Graph's `synchronizationSchema`. */
export interface GraphSynchronizationSchema {
  readonly id: string;
  readonly version: string;
  readonly synchronizationRules: readonly GraphSynchronizationRule[];
  readonly directories: readonly GraphDirectoryDefinition[];
}

export type { AttributeMappingSource, GraphAttributeMapping };

/**
 * The id of a job's one synchronization rule: stable for the job (provisionOnDemand names it as
 * `ruleId`), GUID-shaped as Entra's are.
 */
export function synchronizationRuleId(jobId: string): string {
  const hex = createHash('sha256').update(`provisio synchronization rule\n${jobId}`).digest('hex');
  const variant = (8 | (Number.parseInt(hex.charAt(16), 16) & 3)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// ── definitions to compile ────────────────────────────────────────────────────────────────────────

const placeholderGuid = '00000000-0000-0000-0000-000000000000';
const placeholderSecret = { secretRef: 'env:PROVISIO_PLACEHOLDER' };

/**
 * The definition to check a job's sections with: the stored one when the job is configured, else
 * the draft's sections with placeholder credentials (their problems are not the schema's).
 */
export function definitionToCheck(
  jobId: string,
  sections: JobSections,
  configured: JobDefinition | null,
  mappings: unknown = sections.mappings ?? {},
): Record<string, unknown> {
  if (configured !== null) return { ...configured, mappings };
  return {
    id: jobId,
    ...(sections.displayName === undefined ? {} : { displayName: sections.displayName }),
    source: {
      type: 'entra',
      tenantId: placeholderGuid,
      clientId: placeholderGuid,
      clientSecret: placeholderSecret,
      servicePrincipalId: placeholderGuid,
    },
    target: {
      type: 'zendesk',
      adminUsername: 'admin@example.com',
      secretToken: placeholderSecret,
      domain: 'example',
    },
    settings: sections.settings ?? {},
    mappings,
  };
}

/** Problems about the placeholder credentials of a draft are not the caller's. */
function ownProblems(problems: readonly ConfigProblem[], configured: boolean): ConfigProblem[] {
  return configured
    ? [...problems]
    : problems.filter((p) => !/^(source|target)(\.|$)/.test(p.path) && p.path !== 'id');
}

/** Compiles a job's sections (see `definitionToCheck`); throws when the stored sections do not compile. */
export function compileSections(
  jobId: string,
  sections: JobSections,
  configured: JobDefinition | null,
): CompiledJobWithoutSecrets {
  const check = checkJobDefinition(definitionToCheck(jobId, sections, configured));
  if (!check.ok) {
    const problems = ownProblems(check.problems, configured !== null);
    throw new Error(
      `the stored mappings of job ${jobId} do not compile: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
  }
  return check.job;
}

// ── export ──────────────────────────────────────────────────────────────────────────────────────

const flowTypeOf: Readonly<Record<JobAction, string>> = { create: 'Add', update: 'Update', delete: 'Delete' };
const actionOrder: readonly JobAction[] = ['create', 'update', 'delete'];

/** Graph's `objectFlowTypes` flags from the job's actions: "Add, Update, Delete". */
export function flowTypesOf(actions: ReadonlySet<JobAction>): string {
  const names = actionOrder.filter((a) => actions.has(a)).map((a) => flowTypeOf[a]);
  return names.length === 0 ? 'None' : names.join(', ');
}

function scopeOf(groups: readonly ScopingFilterGroupDefinition[]): GraphFilter | null {
  return groups.length === 0 ? null : { groups, inputFilterGroups: [], categoryFilterGroups: [] };
}

export interface SchemaInput {
  readonly jobId: string;
  /** Changes with every saved change of the job (its definition's revision, or a hash of a draft's mappings). */
  readonly version: string;
  readonly job: CompiledJobWithoutSecrets;
  /** The account's custom user fields; null for a draft, or when they could not be read. */
  readonly userFields: readonly TargetUserField[] | null;
  readonly discoveredAt: string | null;
}

export function toSynchronizationSchema(input: SchemaInput): GraphSynchronizationSchema {
  const { job } = input;
  const objectMapping = (
    name: string,
    objectName: 'User' | 'Group',
    side: CompiledJobWithoutSecrets['users'] | CompiledJobWithoutSecrets['groups'],
  ): GraphObjectMapping => ({
    name,
    enabled: side.enabled,
    flowTypes: flowTypesOf(side.actions),
    sourceObjectName: objectName,
    targetObjectName: objectName,
    metadata: [],
    scope: scopeOf(side.scopingFilters.definition.groups),
    attributeMappings: side.mappings.toGraph(),
  });
  return {
    id: input.jobId,
    version: input.version,
    synchronizationRules: [
      {
        id: synchronizationRuleId(input.jobId),
        name: RULE_NAME,
        editable: true,
        priority: 1,
        sourceDirectoryName: SOURCE_DIRECTORY_NAME,
        targetDirectoryName: TARGET_DIRECTORY_NAME,
        metadata: [],
        objectMappings: [
          objectMapping(USER_MAPPING_NAME, 'User', job.users),
          objectMapping(GROUP_MAPPING_NAME, 'Group', job.groups),
        ],
      },
    ],
    directories: directoryDefinitions({
      userSelect: job.users.select,
      groupSelect: job.groups.select,
      userFields: input.userFields,
      discoveredAt: input.discoveredAt,
    }),
  };
}

// ── import ──────────────────────────────────────────────────────────────────────────────────────

type Side = 'users' | 'groups';

interface ReadSide {
  /** Where the object mapping is in the schema, e.g. `synchronizationRules[0].objectMappings[1]`. */
  path: string;
  section: Record<string, unknown>;
  /** The position in the schema's `attributeMappings` of each entry of `section.attributes`. */
  positions: number[];
}

/**
 * Entra's group object mappings carry `members` ← `[members]` (the reference attribute that carries
 * memberships). provisio provisions memberships itself (docs/provisioning.md#groups-and-memberships),
 * so that mapping is accepted and left out.
 */
function isMembersMapping(side: Side, entry: unknown): boolean {
  if (side !== 'groups' || !isRecord(entry)) return false;
  const target = entry['targetAttributeName'] ?? entry['target'];
  if (typeof target !== 'string' || target.toLowerCase() !== 'members') return false;
  const source = entry['source'];
  if (typeof source === 'string') return source.replace(/^\[|\]$/g, '').toLowerCase() === 'members';
  if (!isRecord(source)) return false;
  const expression = source['expression'];
  if (typeof expression === 'string' && expression.trim() !== '')
    return expression.trim().toLowerCase() === '[members]';
  return (
    source['type'] === 'Attribute' &&
    typeof source['name'] === 'string' &&
    source['name'].toLowerCase() === 'members'
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `"${value}"` : `a ${typeof value}`;
}

const actionOfFlowType: Readonly<Record<string, JobAction>> = {
  add: 'create',
  update: 'update',
  delete: 'delete',
};

/** Graph's flowTypes flags ("Add, Update, Delete", "None") as actions, or a problem. */
function readFlowTypes(value: unknown): { actions: JobAction[] } | { problem: string } {
  if (typeof value !== 'string')
    return { problem: `must be a text such as "Add, Update, Delete", found ${describe(value)}` };
  const actions = new Set<JobAction>();
  const unknown: string[] = [];
  for (const token of value.split(',').map((t) => t.trim())) {
    if (token === '' || token.toLowerCase() === 'none') continue;
    const action = actionOfFlowType[token.toLowerCase()];
    if (action === undefined) unknown.push(token);
    else actions.add(action);
  }
  if (unknown.length > 0)
    return {
      problem: `unknown flow type${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `"${t}"`).join(', ')}: use Add, Update and Delete, separated by commas (or None)`,
    };
  return { actions: actionOrder.filter((a) => actions.has(a)) };
}

function sideOf(mapping: Record<string, unknown>): Side | undefined {
  const names = [mapping['sourceObjectName'], mapping['targetObjectName']];
  for (const name of names) {
    if (typeof name !== 'string') continue;
    if (name.toLowerCase() === 'user') return 'users';
    if (name.toLowerCase() === 'group') return 'groups';
  }
  return undefined;
}

/** Reads the object mappings of a schema into `mappings` sections, with the problems of its shape. */
function readObjectMappings(
  body: unknown,
  problems: ConfigProblem[],
): { users?: ReadSide; groups?: ReadSide } {
  const found: { users?: ReadSide; groups?: ReadSide } = {};
  if (!isRecord(body)) {
    problems.push({
      path: '',
      message: `the body must be a synchronizationSchema object, found ${describe(body)}`,
    });
    return found;
  }
  const rules = body['synchronizationRules'];
  if (!Array.isArray(rules) || rules.length === 0) {
    problems.push({
      path: 'synchronizationRules',
      message: `must be a list with the job's one synchronization rule (as GET …/schema returns it), found ${describe(rules)}`,
    });
    return found;
  }
  if (rules.length > 1)
    problems.push({
      path: 'synchronizationRules',
      message: `a Zendesk job has one synchronization rule, found ${rules.length}: keep the rule from Microsoft Entra ID to Zendesk`,
    });
  const rule: unknown = rules[0];
  if (!isRecord(rule)) {
    problems.push({
      path: 'synchronizationRules[0]',
      message: `must be a synchronizationRule object, found ${describe(rule)}`,
    });
    return found;
  }
  const objectMappings = rule['objectMappings'];
  if (!Array.isArray(objectMappings)) {
    problems.push({
      path: 'synchronizationRules[0].objectMappings',
      message: `must be the list of object mappings (users and groups), found ${describe(objectMappings)}`,
    });
    return found;
  }
  objectMappings.forEach((mapping: unknown, index) => {
    const path = `synchronizationRules[0].objectMappings[${index}]`;
    if (!isRecord(mapping)) {
      problems.push({ path, message: `must be an objectMapping object, found ${describe(mapping)}` });
      return;
    }
    const side = sideOf(mapping);
    if (side === undefined) {
      problems.push({
        path: `${path}.sourceObjectName`,
        message: `must be "User" or "Group" (the objects a Zendesk job provisions), found ${describe(mapping['sourceObjectName'])}`,
      });
      return;
    }
    if (found[side] !== undefined) {
      problems.push({
        path,
        message: `a second object mapping for ${side === 'users' ? 'users' : 'groups'} (${found[side].path} is the first): keep one`,
      });
      return;
    }
    const section: Record<string, unknown> = {};
    const enabled = mapping['enabled'];
    if (enabled !== undefined && enabled !== null) {
      if (typeof enabled === 'boolean') section['enabled'] = enabled;
      else
        problems.push({
          path: `${path}.enabled`,
          message: `must be true or false, found ${describe(enabled)}`,
        });
    }
    const flowTypes = mapping['flowTypes'];
    if (flowTypes !== undefined && flowTypes !== null) {
      const read = readFlowTypes(flowTypes);
      if ('problem' in read) problems.push({ path: `${path}.flowTypes`, message: read.problem });
      else section['actions'] = read.actions;
    }
    const scope = mapping['scope'];
    if (scope !== undefined && scope !== null) section['scopingFilters'] = scope;
    const attributeMappings = mapping['attributeMappings'];
    if (!Array.isArray(attributeMappings))
      problems.push({
        path: `${path}.attributeMappings`,
        message: `must be the list of attribute mappings, found ${describe(attributeMappings)}`,
      });
    const positions: number[] = [];
    if (Array.isArray(attributeMappings)) {
      const kept: unknown[] = [];
      attributeMappings.forEach((entry: unknown, position) => {
        if (isMembersMapping(side, entry)) return;
        kept.push(entry);
        positions.push(position);
      });
      section['attributes'] = kept;
    }
    found[side] = { path, section, positions };
  });
  if (found.users === undefined)
    problems.push({
      path: 'synchronizationRules[0].objectMappings',
      message: `has no object mapping for users: add "${USER_MAPPING_NAME}" (sourceObjectName "User")`,
    });
  if (found.groups === undefined)
    problems.push({
      path: 'synchronizationRules[0].objectMappings',
      message: `has no object mapping for groups: add "${GROUP_MAPPING_NAME}" (sourceObjectName "Group"), with "enabled": false to provision no groups`,
    });
  return found;
}

/** Graph's names of an attribute mapping's fields, for problems the engine words in the friendly form. */
const graphFieldNames: Readonly<Record<string, string>> = {
  target: 'targetAttributeName',
  matching: 'matchingPriority',
  apply: 'flowType',
  default: 'defaultValue',
};

/** A definition path (`mappings.users.attributes[2].source`) as a schema path. */
function locate(path: string, read: { users?: ReadSide; groups?: ReadSide }): string {
  const match = /^mappings\.(users|groups)(?:\.(attributes|scopingFilters|actions|enabled))?(.*)$/.exec(path);
  if (match === null) return path;
  const [, sideName, field, rest = ''] = match;
  const side = read[sideName as Side];
  if (side === undefined) return path;
  switch (field) {
    case undefined:
      return `${side.path}${rest}`;
    case 'scopingFilters':
      return `${side.path}.scope${rest}`;
    // The flow types are one text: a problem in one of its actions is a problem of the text.
    case 'actions':
      return `${side.path}.flowTypes`;
    case 'enabled':
      return `${side.path}.enabled${rest}`;
    default: {
      const entry = /^\[(\d+)\](?:\.(\w+))?(.*)$/.exec(rest);
      if (entry === null) return `${side.path}.attributeMappings${rest}`;
      const [, index = '0', name, tail = ''] = entry;
      const raw = (side.section['attributes'] as unknown[] | undefined)?.[Number(index)];
      // The entry's position in the schema (a group's `members` mapping is left out before compiling).
      const at = `${side.path}.attributeMappings[${side.positions[Number(index)] ?? index}]`;
      if (name === undefined) return `${at}${tail}`;
      // An entry in Graph's form has Graph's field names.
      const field = isRecord(raw) && 'targetAttributeName' in raw ? (graphFieldNames[name] ?? name) : name;
      return `${at}.${field}${tail}`;
    }
  }
}

/** A mapping in the friendly form, as stored (docs/mappings.md#writing-your-own-mappings). */
function friendly(mapping: MappingDefinition): Record<string, unknown> {
  return {
    target: mapping.target,
    type: mapping.type,
    ...(mapping.source === undefined ? {} : { source: mapping.source }),
    ...(mapping.default === null ? {} : { default: mapping.default }),
    ...(mapping.apply === 'Always' ? {} : { apply: mapping.apply }),
    ...(mapping.matching === 0 ? {} : { matching: mapping.matching }),
  };
}

function sameMappings(a: readonly MappingDefinition[], defaults: readonly unknown[]): boolean {
  const compiled = compileMappings(defaults);
  return (
    compiled.ok &&
    JSON.stringify(a.map(friendly)) === JSON.stringify(compiled.mappings.mappings.map(friendly))
  );
}

/** The `mappings` section to store for a compiled job: friendly form, defaults left implicit. */
export function storedMappings(job: CompiledJobWithoutSecrets): JobDefinition['mappings'] {
  const side = (compiled: CompiledJobWithoutSecrets['groups'], defaults: readonly unknown[]) => {
    const groups = compiled.scopingFilters.definition.groups;
    const mappings = compiled.mappings.mappings;
    return {
      enabled: compiled.enabled,
      actions: actionOrder.filter((a) => compiled.actions.has(a)),
      ...(groups.length === 0 ? {} : { scopingFilters: { groups: structuredClone(groups) } }),
      ...(sameMappings(mappings, defaults) ? {} : { attributes: mappings.map(friendly) }),
    };
  };
  return { users: side(job.users, defaultUserMappings), groups: side(job.groups, defaultGroupMappings) };
}

export interface ImportContext {
  readonly jobId: string;
  readonly sections: JobSections;
  /** The stored definition when the job is configured. */
  readonly configured: JobDefinition | null;
  /** The account's custom user fields when known: mappings to other `user_fields.<key>` are refused. */
  readonly userFields: readonly TargetUserField[] | null;
}

export type ImportResult =
  | {
      readonly ok: true;
      /** The job's new `mappings` section. */
      readonly mappings: JobDefinition['mappings'];
      /** The job's whole new definition, when it is configured. */
      readonly definition: JobDefinition | null;
      readonly job: CompiledJobWithoutSecrets;
    }
  | { readonly ok: false; readonly problems: readonly ErrorDetail[] };

/**
 * Reads a synchronizationSchema (a PUT body, or a schema exported from Entra) into the job's
 * mappings, with every problem: its shape, each attribute mapping and scoping filter (the engine's
 * parsers), rules across the definition, and target attributes Zendesk does not have.
 */
export function importSynchronizationSchema(body: unknown, context: ImportContext): ImportResult {
  const problems: ConfigProblem[] = [];
  const read = readObjectMappings(body, problems);
  const mappings = { users: read.users?.section ?? {}, groups: read.groups?.section ?? {} };
  const configured = context.configured !== null;
  // The engine checks the target names too: the built-in ones, and custom user fields against the
  // account's when they are known (docs/mappings.md#zendesk-attributes).
  const check = checkJobDefinition(
    definitionToCheck(context.jobId, context.sections, context.configured, mappings),
    { userFields: context.userFields },
  );
  if (!check.ok)
    problems.push(
      ...ownProblems(check.problems, configured).map((p) => ({
        path: locate(p.path, read),
        message: p.message,
      })),
    );
  if (problems.length > 0 || !check.ok)
    return {
      ok: false,
      problems: problems.map((p) => ({
        code: 'InvalidValue',
        ...(p.path === '' ? {} : { target: p.path }),
        message: p.path === '' ? p.message : `${p.path}: ${p.message}`,
      })),
    };
  const stored = storedMappings(check.job);
  const definition = context.configured === null ? null : { ...check.job.definition, mappings: stored };
  return { ok: true, mappings: stored, definition, job: check.job };
}
