/**
 * Reading and validating the configuration: YAML, `${ENV_VAR}` references, the schema, then the
 * mappings and scoping filters compiled once. Every problem is collected and reported together,
 * each naming the field and the fix.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  type CompiledMappingSet,
  type CompiledScopingFilters,
  compileMappings,
  compileScopingFilters,
  type ExpressionNode,
  parseExpression,
} from '@provisio/expressions';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { alwaysSelected, defaultGroupMappings, defaultUserMappings } from './defaults.js';
import { parseDuration } from './duration.js';
import { configSchema, type RawConfig } from './schema.js';

export interface ConfigProblem {
  /** Where, e.g. `target.domain` or `mappings.users.attributes[2].source`. */
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  readonly code = 'InvalidConfiguration';
  readonly problems: readonly ConfigProblem[];
  constructor(where: string, problems: readonly ConfigProblem[]) {
    super(
      `${where} is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  - ${p.path === '' ? '(file)' : p.path}: ${p.message}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The validated configuration the engine runs with. */
export interface Config {
  readonly source: RawConfig['source'];
  readonly target: RawConfig['target'];
  readonly settings: RawConfig['settings'] & { readonly jobId: string; readonly intervalMs: number };
  readonly users: {
    readonly enabled: boolean;
    readonly actions: ReadonlySet<'create' | 'update' | 'delete'>;
    readonly mappings: CompiledMappingSet;
    readonly scopingFilters: CompiledScopingFilters;
    /** Graph properties the cycle must read. */
    readonly select: readonly string[];
    /** Source attributes read inside Redact(…): logs show "[Redact]" instead of their values. */
    readonly redactedSources: ReadonlySet<string>;
  };
  readonly groups: {
    readonly enabled: boolean;
    readonly actions: ReadonlySet<'create' | 'update' | 'delete'>;
    readonly mappings: CompiledMappingSet;
    readonly scopingFilters: CompiledScopingFilters;
    /** Graph group properties the cycle must read. */
    readonly select: readonly string[];
  };
  /** The SMTP server for notification e-mails, when configured. */
  readonly smtp: RawConfig['smtp'] | null;
  /**
   * A hash of everything that decides who is provisioned and how (scope, Default Access rule,
   * filters, mappings, actions): a change forces an initial cycle, as in Entra.
   */
  readonly hash: string;
  /** Non-fatal findings (literal secrets, mapping warnings). */
  readonly warnings: readonly string[];
}

const envReference = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const secretPaths = new Set(['source.clientSecret', 'target.secretToken', 'smtp.password']);

/** Replaces `${NAME}` in every string value (never in keys), collecting unknown variables. */
function substitute(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: string,
  problems: ConfigProblem[],
  lenientSecrets = false,
): unknown {
  if (typeof value === 'string') {
    return value.replace(envReference, (_whole, name: string) => {
      const found = env[name];
      if (found === undefined && lenientSecrets && secretPaths.has(path)) return '(not set)';
      if (found === undefined) {
        problems.push({
          path,
          message: `environment variable ${name} is not set (export ${name}=… or remove the reference)`,
        });
        return '';
      }
      return found;
    });
  }
  if (Array.isArray(value))
    return value.map((item, index) => substitute(item, env, `${path}[${index}]`, problems));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = substitute(item, env, path === '' ? key : `${path}.${key}`, problems, lenientSecrets);
    return out;
  }
  return value;
}

function literalSecrets(value: unknown): string[] {
  const warnings: string[] = [];
  if (value === null || typeof value !== 'object') return warnings;
  for (const path of secretPaths) {
    const [section, key] = path.split('.') as [string, string];
    const holder = (value as Record<string, unknown>)[section];
    const text =
      holder !== null && typeof holder === 'object' ? (holder as Record<string, unknown>)[key] : undefined;
    if (typeof text === 'string' && text !== '' && !envReference.test(text))
      warnings.push(
        `${path} is written in the file: prefer an environment variable reference such as \${${path === 'source.clientSecret' ? 'ENTRA_CLIENT_SECRET' : path === 'smtp.password' ? 'SMTP_PASSWORD' : 'ZENDESK_TOKEN'}} so the secret is not stored in plain text`,
      );
    envReference.lastIndex = 0;
  }
  return warnings;
}

function zodProblems(error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((key) => (typeof key === 'number' ? `[${key}]` : String(key)))
      .join('.')
      .replace(/\.\[/g, '[');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys')
      message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; see docs/configuration.md)`;
    else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
      message = 'is required';
    return { path, message };
  });
}

/** Validates an already-parsed configuration document (YAML or JSON value). */
export interface ParseConfigOptions {
  /**
   * Commands that never contact Entra or Zendesk (status, logs) do not need the secrets: an unset
   * secret variable is then not a problem.
   */
  readonly secretsOptional?: boolean;
}

export function parseConfig(
  document: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
  where = 'The configuration',
  options: ParseConfigOptions = {},
): Config {
  const problems: ConfigProblem[] = [];
  const warnings = literalSecrets(document);
  const substituted = substitute(document ?? {}, env, '', problems, options.secretsOptional ?? false);
  const parsed = configSchema.safeParse(substituted);
  if (!parsed.success) problems.push(...zodProblems(parsed.error));
  if (!parsed.success || problems.length > 0) throw new ConfigError(where, problems);
  const raw = parsed.data;

  const intervalMs = parseDuration(raw.settings.interval);
  if (intervalMs === null || intervalMs < 1000)
    problems.push({
      path: 'settings.interval',
      message: `"${raw.settings.interval}" is not an ISO-8601 duration of at least 1 s, e.g. PT40M, PT30S or PT1H`,
    });

  const actions = new Set(raw.mappings.users.actions);
  if (raw.settings.deprovision === 'delete' && !actions.has('delete'))
    problems.push({
      path: 'settings.deprovision',
      message: 'is "delete" but mappings.users.actions does not include delete: add it or choose suspend',
    });
  if (!raw.mappings.users.enabled)
    problems.push({
      path: 'mappings.users.enabled',
      message: 'the user mapping cannot be disabled (as in Entra): remove the key or set it to true',
    });

  const mappingList = raw.mappings.users.attributes ?? defaultUserMappings;
  const compiled = compileMappings(mappingList);
  if (!compiled.ok)
    for (const error of compiled.errors)
      problems.push({ path: `mappings.users.attributes${error.path}`, message: error.message });
  const filters = compileScopingFilters(raw.mappings.users.scopingFilters ?? null);
  if (!filters.ok)
    for (const error of filters.errors)
      problems.push({
        path: `mappings.users.scopingFilters${error.path === '' ? '' : `.${error.path}`}`,
        message: error.message,
      });
  if (compiled.ok && compiled.mappings.matching.length === 0)
    problems.push({
      path: 'mappings.users.attributes',
      message:
        'no attribute is marked as matching: give one mapping "matching: 1" (e.g. objectId → external_id)',
    });

  const groupCompiled = compileMappings(raw.mappings.groups.attributes ?? defaultGroupMappings);
  if (!groupCompiled.ok)
    for (const error of groupCompiled.errors)
      problems.push({ path: `mappings.groups.attributes${error.path}`, message: error.message });
  const groupFilters = compileScopingFilters(raw.mappings.groups.scopingFilters ?? null);
  if (!groupFilters.ok)
    for (const error of groupFilters.errors)
      problems.push({
        path: `mappings.groups.scopingFilters${error.path === '' ? '' : `.${error.path}`}`,
        message: error.message,
      });
  if (groupCompiled.ok && groupCompiled.mappings.matching.length === 0)
    problems.push({
      path: 'mappings.groups.attributes',
      message: 'no attribute is marked as matching: give one mapping "matching: 1" (e.g. displayName → name)',
    });
  if (raw.settings.notificationEmail !== undefined && raw.smtp === undefined)
    problems.push({
      path: 'smtp',
      message: 'settings.notificationEmail needs an smtp section (host, port, from) to send through',
    });
  if (raw.settings.sendEmailOnFailure && raw.settings.notificationEmail === undefined)
    problems.push({
      path: 'settings.sendEmailOnFailure',
      message: 'is true but settings.notificationEmail is not set: name the address to write to',
    });

  if (
    problems.length > 0 ||
    !compiled.ok ||
    !filters.ok ||
    !groupCompiled.ok ||
    !groupFilters.ok ||
    intervalMs === null
  )
    throw new ConfigError(where, problems);
  for (const warning of compiled.mappings.warnings)
    warnings.push(`mappings.users.attributes${warning.path}: ${warning.message}`);

  const select = new Set<string>(alwaysSelected);
  const redactedSources = new Set<string>();
  for (const mapping of compiled.mappings.mappings) {
    for (const name of mappingSources(mapping)) select.add(name);
    for (const name of mappingSources(mapping, true)) redactedSources.add(name);
  }
  for (const group of filters.filters.definition.groups)
    for (const clause of group.clauses) select.add(clause.sourceOperandName);
  for (const computed of computedAttributes) select.delete(computed);

  const groupSelect = new Set<string>(['displayName']);
  for (const mapping of groupCompiled.mappings.mappings)
    for (const name of mappingSources(mapping)) groupSelect.add(name);
  for (const group of groupFilters.filters.definition.groups)
    for (const clause of group.clauses) groupSelect.add(clause.sourceOperandName);
  for (const computed of computedAttributes) groupSelect.delete(computed);
  const groupActions = new Set(raw.mappings.groups.actions);

  const jobId = raw.settings.jobId ?? `zendesk.${raw.target.domain.toLowerCase()}`;
  const hashInput = JSON.stringify({
    scope: raw.settings.scope,
    defaultAccess: raw.settings.defaultAccess,
    actions: [...actions].sort(),
    mappings: compiled.mappings.mappings,
    filters: filters.filters.definition,
    groups: raw.mappings.groups.enabled
      ? {
          actions: [...groupActions].sort(),
          mappings: groupCompiled.mappings.mappings,
          filters: groupFilters.filters.definition,
          expandNestedGroups: raw.settings.expandNestedGroups,
        }
      : null,
    source: [raw.source.tenantId, raw.source.servicePrincipalId],
    target: raw.target.domain.toLowerCase(),
  });
  return {
    source: raw.source,
    target: raw.target,
    settings: { ...raw.settings, jobId, intervalMs },
    users: {
      enabled: true,
      actions,
      mappings: compiled.mappings,
      scopingFilters: filters.filters,
      select: [...select].sort(),
      redactedSources,
    },
    groups: {
      enabled: raw.mappings.groups.enabled,
      actions: groupActions,
      mappings: groupCompiled.mappings,
      scopingFilters: groupFilters.filters,
      select: [...groupSelect].sort(),
    },
    smtp: raw.smtp ?? null,
    hash: createHash('sha256').update(hashInput).digest('hex').slice(0, 16),
    warnings,
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

/** Reads, parses and validates a YAML configuration file. */
export async function loadConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: ParseConfigOptions = {},
): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [
      {
        path: '',
        message:
          code === 'ENOENT'
            ? `no such file: run "npx provisio init" to write a starter file, or pass --config <file>`
            : `cannot be read (${code ?? String(error)})`,
      },
    ]);
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0)
    throw new ConfigError(
      path,
      document.errors.map((error) => ({
        path: '',
        message: `YAML: ${error.message.split('\n')[0] ?? error.message}`,
      })),
    );
  return parseConfig(document.toJS(), env, path, options);
}
