/**
 * From a job definition to what a cycle needs: the definition validated (every problem, field-level
 * and across fields, reported in one pass, each naming the field and the fix), the user and group
 * mappings and scoping filters compiled once, the Graph properties to read, the hash that forces an
 * initial cycle, and, for the commands that contact Entra ID or Zendesk, the secrets resolved through
 * a `SecretProvider`.
 */
import { createHash } from 'node:crypto';
import {
  type CompiledMappingSet,
  type CompiledScopingFilters,
  compileMappings,
  compileScopingFilters,
  type ExpressionNode,
  parseExpression,
} from '@provisio/expressions';
import type { z } from 'zod';
import { alwaysSelected, defaultGroupMappings, defaultUserMappings } from '../config/defaults.js';
import { parseDuration } from '../config/duration.js';
import type { SecretProvider } from '../ports/secrets.js';
import type { TargetUserField } from '../ports/target.js';
import {
  groupMappingsSchema,
  idleIntervalMs,
  type JobAction,
  type JobDefinition,
  type JobSettings,
  jobDefinitionSchema,
  secretFields,
  secretRefSchema,
  settingsSchema,
  userMappingsSchema,
} from './definition.js';
import { ConfigError, type ConfigProblem, zodProblems } from './problems.js';
import { targetProblems } from './targets.js';

/** The source as a compiled job shows it: the definition's, without the secret reference. */
export type JobSource = Readonly<Omit<JobDefinition['source'], 'clientSecret'>>;
/** The target as a compiled job shows it: the definition's, without the secret reference. */
export type JobTarget = Readonly<Omit<JobDefinition['target'], 'secretToken'>>;

/**
 * A compiled job without its secrets: enough for every command that never contacts Entra ID or
 * Zendesk (status, logs, audit, pause, resume, restart), which therefore do not need them.
 */
export interface CompiledJobWithoutSecrets {
  /** The validated definition, defaults applied (secrets as references). */
  readonly definition: JobDefinition;
  readonly source: JobSource;
  readonly target: JobTarget;
  /**
   * The definition's settings, with the job id, the interval and the idle back-off's longest wait
   * (settings.idleInterval, defaulted: cycle/quiet.ts) in milliseconds.
   */
  readonly settings: Readonly<JobSettings> & {
    readonly jobId: string;
    readonly intervalMs: number;
    readonly idleIntervalMs: number;
    readonly assignmentSweepIntervalMs: number;
  };
  readonly users: {
    readonly enabled: boolean;
    readonly actions: ReadonlySet<JobAction>;
    readonly mappings: CompiledMappingSet;
    readonly scopingFilters: CompiledScopingFilters;
    /** Graph properties the cycle must read. */
    readonly select: readonly string[];
    /** Source attributes read inside Redact(…): logs show "[Redact]" instead of their values. */
    readonly redactedSources: ReadonlySet<string>;
  };
  readonly groups: {
    readonly enabled: boolean;
    readonly actions: ReadonlySet<JobAction>;
    readonly mappings: CompiledMappingSet;
    readonly scopingFilters: CompiledScopingFilters;
    /** Graph group properties the cycle must read. */
    readonly select: readonly string[];
  };
  /**
   * A hash of everything that decides who is provisioned and how (scope, Default Access rule,
   * filters, mappings, actions, tenant, service principal, Zendesk domain): a change forces an
   * initial cycle, as in Entra (docs/configuration.md#what-forces-an-initial-cycle).
   */
  readonly hash: string;
}

/** What a cycle runs with: the compiled job and its two secrets, resolved. */
export interface CompiledJob extends CompiledJobWithoutSecrets {
  readonly source: JobSource & { readonly clientSecret: string };
  readonly target: JobTarget & { readonly secretToken: string };
}

export interface CompileJobOptions {
  /** Names the definition in the error message: a file path, `job zendesk.example`… */
  readonly where?: string;
  /**
   * The problem to report when the definition sets `settings.notificationEmail` but the
   * installation has no SMTP server to send through (the caller knows where SMTP is configured, so
   * it words the fix). Leave it out when SMTP is configured, or when the check does not apply (a
   * definition imported on one machine may run on another).
   */
  readonly smtpMissing?: ConfigProblem;
  /**
   * The Zendesk account's custom user fields, when the caller has read them: mappings to another
   * `user_fields.<key>` are problems too. Without them only the built-in target names are checked
   * (docs/mappings.md#zendesk-attributes).
   */
  readonly userFields?: readonly TargetUserField[] | null;
}

/** The outcome of a check: the compiled job and its warnings, or every problem. */
export type JobCheck<J> =
  | { readonly ok: true; readonly job: J; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/**
 * Validates and compiles a definition without resolving its secrets: every problem in one pass.
 * Pure and synchronous.
 */
export function checkJobDefinition(
  definition: unknown,
  options: CompileJobOptions = {},
): JobCheck<CompiledJobWithoutSecrets> {
  const problems: ConfigProblem[] = [];
  const parsed = jobDefinitionSchema.safeParse(definition);
  if (!parsed.success) problems.push(...zodProblems(parsed.error));

  // The rules across fields and the mappings run on whatever is well formed, so that a schema
  // problem elsewhere does not hide them until the next run.
  const raw = isRecord(definition) ? definition : {};
  const settingsRaw = child(raw, 'settings');
  const mappingsRaw = child(raw, 'mappings');
  const usersRaw = child(mappingsRaw, 'users');
  const groupsRaw = child(mappingsRaw, 'groups');
  const setting = <S extends z.ZodType>(schema: S, key: string) => wellFormed(schema, settingsRaw?.[key]);

  const deprovision = setting(settingsSchema.shape.deprovision, 'deprovision');
  const userActions = wellFormed(userMappingsSchema.shape.actions, usersRaw?.['actions']);
  if (deprovision === 'delete' && userActions !== undefined && !userActions.includes('delete'))
    problems.push({
      path: 'settings.deprovision',
      message: 'is "delete" but mappings.users.actions does not include delete: add it or choose suspend',
    });

  const users = compileSide('users', usersRaw, defaultUserMappings, problems);
  if (users.mappings !== undefined && users.mappings.matching.length === 0)
    problems.push({
      path: 'mappings.users.attributes',
      message:
        'no attribute is marked as matching: give one mapping "matching: 1" (e.g. objectId → external_id)',
    });
  const groups = compileSide('groups', groupsRaw, defaultGroupMappings, problems);
  // Target names as written, whatever else is wrong with the mappings: a misspelt one would be
  // written to Zendesk, which ignores it, in every cycle.
  for (const [side, raw] of [
    ['users', usersRaw],
    ['groups', groupsRaw],
  ] as const) {
    const entries = raw?.['attributes'];
    if (Array.isArray(entries)) problems.push(...targetProblems(side, entries, options.userFields ?? null));
  }
  if (groups.mappings !== undefined && groups.mappings.matching.length === 0)
    problems.push({
      path: 'mappings.groups.attributes',
      message: 'no attribute is marked as matching: give one mapping "matching: 1" (e.g. displayName → name)',
    });

  const notificationEmail = setting(settingsSchema.shape.notificationEmail, 'notificationEmail');
  if (notificationEmail !== undefined && options.smtpMissing !== undefined)
    problems.push(options.smtpMissing);
  if (
    setting(settingsSchema.shape.sendEmailOnFailure, 'sendEmailOnFailure') === true &&
    settingsRaw?.['notificationEmail'] === undefined
  )
    problems.push({
      path: 'settings.sendEmailOnFailure',
      message: 'is true but settings.notificationEmail is not set: name the address to write to',
    });

  if (
    !parsed.success ||
    problems.length > 0 ||
    users.mappings === undefined ||
    users.filters === undefined ||
    groups.mappings === undefined ||
    groups.filters === undefined
  )
    return { ok: false, problems: problems.length > 0 ? problems : [unexpected()] };

  const warnings = users.mappings.warnings.map(
    (warning) => `mappings.users.attributes${warning.path}: ${warning.message}`,
  );
  return {
    ok: true,
    job: build(parsed.data, users.mappings, users.filters, groups.mappings, groups.filters),
    warnings,
  };
}

/** `checkJobDefinition`, throwing a `ConfigError` with every problem. */
export function compileJobWithoutSecrets(
  definition: unknown,
  options: CompileJobOptions = {},
): CompiledJobWithoutSecrets {
  const check = checkJobDefinition(definition, options);
  if (!check.ok) throw new ConfigError(options.where ?? 'The job definition', check.problems);
  return check.job;
}

/**
 * Validates and compiles a definition and resolves its secrets through `secrets`: an unresolved
 * secret is one more problem, reported with the others.
 */
export async function checkJob(
  definition: unknown,
  secrets: SecretProvider,
  options: CompileJobOptions = {},
): Promise<JobCheck<CompiledJob>> {
  const check = checkJobDefinition(definition, options);
  const raw = isRecord(definition) ? definition : {};
  const resolved: Record<string, string> = {};
  const problems: ConfigProblem[] = check.ok ? [] : [...check.problems];
  for (const { section, key } of secretFields) {
    // A malformed reference is already a schema problem; resolve only the well-formed ones.
    const ref = wellFormed(secretRefSchema, child(raw, section)?.[key]);
    if (ref === undefined) continue;
    const lookup = await secrets.resolve(ref.secretRef);
    if (!lookup.found) problems.push({ path: `${section}.${key}`, message: lookup.problem });
    else if (lookup.value === '')
      problems.push({
        path: `${section}.${key}`,
        message: `${ref.secretRef} is empty: give it the secret's value`,
      });
    else resolved[`${section}.${key}`] = lookup.value;
  }
  if (!check.ok || problems.length > 0) return { ok: false, problems };
  const clientSecret = resolved['source.clientSecret'];
  const secretToken = resolved['target.secretToken'];
  if (clientSecret === undefined || secretToken === undefined) return { ok: false, problems: [unexpected()] };
  return {
    ok: true,
    job: {
      ...check.job,
      source: { ...check.job.source, clientSecret },
      target: { ...check.job.target, secretToken },
    },
    warnings: check.warnings,
  };
}

/** `checkJob`, throwing a `ConfigError` with every problem. */
export async function compileJob(
  definition: unknown,
  secrets: SecretProvider,
  options: CompileJobOptions = {},
): Promise<CompiledJob> {
  const check = await checkJob(definition, secrets, options);
  if (!check.ok) throw new ConfigError(options.where ?? 'The job definition', check.problems);
  return check.job;
}

// ── compilation ───────────────────────────────────────────────────────────────────────────────

function compileSide(
  side: 'users' | 'groups',
  raw: Record<string, unknown> | undefined,
  defaults: readonly unknown[],
  problems: ConfigProblem[],
): { mappings?: CompiledMappingSet; filters?: CompiledScopingFilters } {
  const schema = side === 'users' ? userMappingsSchema : groupMappingsSchema;
  const out: { mappings?: CompiledMappingSet; filters?: CompiledScopingFilters } = {};
  const given = raw?.['attributes'];
  // A list that is not a list is a schema problem already.
  if (given === undefined || wellFormed(schema.shape.attributes, given) !== undefined) {
    const compiled = compileMappings(given ?? defaults);
    if (compiled.ok) out.mappings = compiled.mappings;
    else
      for (const error of compiled.errors)
        problems.push({ path: `mappings.${side}.attributes${error.path}`, message: error.message });
  }
  const filters = compileScopingFilters(raw?.['scopingFilters'] ?? null);
  if (filters.ok) out.filters = filters.filters;
  else
    for (const error of filters.errors)
      problems.push({
        path: `mappings.${side}.scopingFilters${error.path === '' ? '' : `.${error.path}`}`,
        message: error.message,
      });
  return out;
}

function build(
  definition: JobDefinition,
  userMappings: CompiledMappingSet,
  userFilters: CompiledScopingFilters,
  groupMappings: CompiledMappingSet,
  groupFilters: CompiledScopingFilters,
): CompiledJobWithoutSecrets {
  const select = new Set<string>(alwaysSelected);
  const redactedSources = new Set<string>();
  for (const mapping of userMappings.mappings) {
    for (const name of mappingSources(mapping)) select.add(name);
    for (const name of mappingSources(mapping, true)) redactedSources.add(name);
  }
  for (const group of userFilters.definition.groups)
    for (const clause of group.clauses) select.add(clause.sourceOperandName);
  for (const computed of computedAttributes) select.delete(computed);

  const groupSelect = new Set<string>(['displayName']);
  for (const mapping of groupMappings.mappings)
    for (const name of mappingSources(mapping)) groupSelect.add(name);
  for (const group of groupFilters.definition.groups)
    for (const clause of group.clauses) groupSelect.add(clause.sourceOperandName);
  for (const computed of computedAttributes) groupSelect.delete(computed);

  const { settings, mappings } = definition;
  const actions = new Set(mappings.users.actions);
  const groupActions = new Set(mappings.groups.actions);
  // The same input, key for key, as before job definitions existed: a job's stored hash still
  // matches after the upgrade, so no initial cycle is forced by it.
  const hashInput = JSON.stringify({
    scope: settings.scope,
    defaultAccess: settings.defaultAccess,
    actions: [...actions].sort(),
    mappings: userMappings.mappings,
    filters: userFilters.definition,
    groups: mappings.groups.enabled
      ? {
          actions: [...groupActions].sort(),
          mappings: groupMappings.mappings,
          filters: groupFilters.definition,
          expandNestedGroups: settings.expandNestedGroups,
        }
      : null,
    source: [definition.source.tenantId, definition.source.servicePrincipalId],
    target: definition.target.domain.toLowerCase(),
  });
  const { clientSecret: _secret, ...source } = definition.source;
  const { secretToken: _token, ...target } = definition.target;
  return {
    definition,
    source,
    target,
    settings: {
      ...settings,
      jobId: definition.id,
      intervalMs: parseDuration(settings.interval) ?? Number.NaN,
      idleIntervalMs: idleIntervalMs(settings),
      assignmentSweepIntervalMs: parseDuration(settings.assignmentSweepInterval) ?? Number.NaN,
    },
    users: {
      enabled: true,
      actions,
      mappings: userMappings,
      scopingFilters: userFilters,
      select: [...select].sort(),
      redactedSources,
    },
    groups: {
      enabled: mappings.groups.enabled,
      actions: groupActions,
      mappings: groupMappings,
      scopingFilters: groupFilters,
      select: [...groupSelect].sort(),
    },
    hash: createHash('sha256').update(hashInput).digest('hex').slice(0, 16),
  };
}

/** Attributes the engine computes for each user (not read from Graph). */
export const computedAttributes: ReadonlySet<string> = new Set([
  'objectId',
  'appRoleAssignments',
  'IsSoftDeleted',
  'id',
]);

/**
 * Source attribute names a mapping reads: the Direct source, or every `[name]` in an expression
 * (with `onlyRedacted`, only those read inside a Redact call).
 */
function mappingSources(mapping: { type: string; source?: string }, onlyRedacted = false): string[] {
  if (mapping.source === undefined) return [];
  if (mapping.type === 'Direct') return onlyRedacted ? [] : [mapping.source];
  if (mapping.type !== 'Expression') return [];
  const parsed = parseExpression(mapping.source);
  if (!parsed.ok) return [];
  const names: string[] = [];
  const visit = (node: ExpressionNode, redacted: boolean): void => {
    switch (node.kind) {
      case 'Attribute':
        if (redacted || !onlyRedacted) names.push(node.name);
        return;
      case 'Comparison':
        visit(node.left, redacted);
        visit(node.right, redacted);
        return;
      case 'Call':
        for (const arg of node.args) visit(arg, redacted || node.name === 'Redact');
        return;
      default:
        return;
    }
  };
  visit(parsed.ast, false);
  return names;
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────────

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function child(value: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  const found = value?.[key];
  return isRecord(found) ? found : undefined;
}

/** The value parsed by `schema` (defaults applied), or undefined when it is malformed. */
function wellFormed<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Never expected: a failure with no problem to show would be a bug in this module. */
function unexpected(): ConfigProblem {
  return { path: '', message: 'could not be compiled (no problem was named: please report this)' };
}
