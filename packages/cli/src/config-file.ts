/**
 * Job files: `provisio.yaml` (docs/configuration.md) and job definition files (what `jobs export`
 * writes). Reading YAML (JSON is YAML too), `${ENV}` references, literal-secret warnings, and
 * turning the document into a `JobDefinition` for `compileJob` plus the installation's SMTP
 * settings. Every problem of the file, the reader's and the definition's, is reported together.
 *
 * Two forms:
 * - **configuration** (`provisio.yaml`, no top-level `id`): `${NAME}` in any string value is
 *   replaced by the environment variable; `source.clientSecret: ${NAME}` and
 *   `target.secretToken: ${NAME}` become `{ secretRef: "env:NAME" }`; the job id is
 *   `settings.jobId`, or `zendesk.<domain>` as always; the `smtp:` section is the installation's
 *   SMTP server.
 * - **definition** (a top-level `id`): a `JobDefinition` taken as it is (no substitution), except
 *   that a secret written `${NAME}` is read as `{ secretRef: "env:NAME" }`.
 */
import { readFile } from 'node:fs/promises';
import {
  type CompiledJob,
  type CompiledJobWithoutSecrets,
  ConfigError,
  type ConfigProblem,
  checkJob,
  checkJobDefinition,
  isLoopbackUrl,
  redactUrl,
  secretScheme,
  zodProblems,
} from '@provisio/engine';
import { isMicrosoftEndpoint } from '@provisio/entra';
import { parseDocument } from 'yaml';
import { smtpSchema } from './installation.js';
import type { SmtpSettings } from './notify/smtp.js';
import { type Environment, environmentSecrets, storableSecretSchemes, withInlineSecrets } from './secrets.js';

/**
 * Reads a YAML or JSON file; a missing file or a syntax error is a `ConfigError`. `missing` says
 * what to do when there is no such file.
 */
export async function readDocumentFile(
  path: string,
  missing = 'run "npx provisio init" to write a starter file, or pass --config <file>',
): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [
      {
        path: '',
        message: code === 'ENOENT' ? `no such file: ${missing}` : `cannot be read (${code ?? String(error)})`,
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
  return document.toJS();
}

/**
 * What a command does with the file: `run` it now (a literal secret is used, with a warning), or
 * `store` it (`jobs import`: secrets must be references, the smtp section is not part of a job).
 */
export type FilePurpose = 'run' | 'store';

export interface ReadJobOptions {
  readonly purpose: FilePurpose;
  /** `skip`: the command does not need the secrets (status, logs…), so unset secret variables are fine. */
  readonly secrets: 'resolve' | 'skip';
  /** A job id that replaces the file's (`jobs import --id`). */
  readonly id?: string | undefined;
  /** A display name that replaces the file's (`jobs import --display-name`). */
  readonly displayName?: string | undefined;
}

/** A job file read: the definition to compile, and what belongs to the installation. */
export interface JobFile {
  readonly form: 'configuration' | 'definition';
  /** The `JobDefinition` built from the document, not validated yet. */
  readonly definition: Record<string, unknown>;
  /** Literal secret values of a configuration file, by their `inline:<path>` reference. */
  readonly inlineSecrets: ReadonlyMap<string, string>;
  /**
   * The configuration file's `smtp:` section (null when it has none); undefined for a definition
   * file, whose SMTP server comes from the environment like a stored job's.
   */
  readonly smtp: SmtpSettings | null | undefined;
  /** The reader's problems: unset variables, the smtp section, literal secrets when storing. */
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly string[];
  /** Where the job id came from, to name it in problems. */
  readonly idFrom: 'id' | 'settings.jobId' | 'domain' | '--id';
}

const envReference = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const wholeReference = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const secretPaths = ['source.clientSecret', 'target.secretToken'] as const;
const configurationKeys = new Set([
  'source',
  'target',
  'settings',
  'smtp',
  'mappings',
  'allowCustomEndpoints',
]);
const exampleVariable: Record<string, string> = {
  'source.clientSecret': 'ENTRA_CLIENT_SECRET',
  'target.secretToken': 'ZENDESK_TOKEN',
  'smtp.password': 'SMTP_PASSWORD',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Replaces `${NAME}` in every string value (never in keys), collecting unset variables. */
function substitute(
  value: unknown,
  env: Environment,
  path: string,
  problems: ConfigProblem[],
  lenient: ReadonlySet<string>,
): unknown {
  if (typeof value === 'string')
    return value.replace(envReference, (whole, name: string) => {
      const found = env[name];
      if (found !== undefined) return found;
      if (!lenient.has(path))
        problems.push({
          path,
          message: `environment variable ${name} is not set (export ${name}=… or remove the reference)`,
        });
      return whole;
    });
  if (Array.isArray(value))
    return value.map((item, index) => substitute(item, env, `${path}[${index}]`, problems, lenient));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = substitute(item, env, path === '' ? key : `${path}.${key}`, problems, lenient);
    return out;
  }
  return value;
}

const literalWarning = (path: string) =>
  `${path} is written in the file: prefer an environment variable reference such as \${${exampleVariable[path]}} so the secret is not stored in plain text`;

/** Turns a parsed document (YAML or JSON value) into a job definition and installation settings. */
export function readJobDocument(document: unknown, env: Environment, options: ReadJobOptions): JobFile {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const inlineSecrets = new Map<string, string>();
  const root = isRecord(document) ? document : {};
  if (!isRecord(document) && document !== null && document !== undefined)
    problems.push({ path: '', message: 'must be a mapping of keys (source, target, settings, mappings)' });
  const form = 'id' in root ? 'definition' : 'configuration';
  const read =
    form === 'definition'
      ? readDefinitionForm(root, problems)
      : readConfigurationForm(root, env, options, { problems, warnings, inlineSecrets });
  let definition = read.definition;
  let idFrom = read.idFrom;
  if (options.id !== undefined) {
    definition = { ...definition, id: options.id };
    idFrom = '--id';
  }
  if (options.displayName !== undefined) definition = { ...definition, displayName: options.displayName };
  if (options.purpose === 'store') problems.push(...unstorableSecrets(definition));
  return { form, definition, inlineSecrets, smtp: read.smtp, problems, warnings, idFrom };
}

interface FormRead {
  readonly definition: Record<string, unknown>;
  readonly smtp: SmtpSettings | null | undefined;
  readonly idFrom: JobFile['idFrom'];
}

/** A job definition file: as written, but for the `${NAME}` shorthand of a secret reference. */
function readDefinitionForm(root: Record<string, unknown>, problems: ConfigProblem[]): FormRead {
  const definition = structuredClone(root);
  for (const path of secretPaths) {
    const [section, key] = path.split('.') as [string, string];
    const holder = definition[section];
    if (!isRecord(holder) || typeof holder[key] !== 'string') continue;
    const reference = wholeReference.exec(holder[key]);
    // A value is left for the schema to refuse, without ever echoing it.
    if (reference) holder[key] = { secretRef: `env:${reference[1]}` };
  }
  if ('smtp' in definition) {
    problems.push({
      path: 'smtp',
      message:
        'is an installation setting, not part of a job definition: remove it and set the SMTP_* environment variables (docs/configuration.md#installation-settings)',
    });
    delete definition['smtp'];
  }
  return { definition, smtp: undefined, idFrom: 'id' };
}

/** `provisio.yaml`: `${ENV}` substituted, secrets as references, the smtp section, the job id. */
function readConfigurationForm(
  root: Record<string, unknown>,
  env: Environment,
  options: ReadJobOptions,
  out: { problems: ConfigProblem[]; warnings: string[]; inlineSecrets: Map<string, string> },
): FormRead {
  const { problems, warnings } = out;
  for (const key of Object.keys(root))
    if (!configurationKeys.has(key))
      problems.push({
        path: '',
        message: `unknown key "${key}" (check the spelling; see docs/configuration.md)`,
      });

  // The secrets are taken out before substitution: they become references, not values.
  const document = structuredClone(root);
  const secrets = new Map<(typeof secretPaths)[number], unknown>();
  for (const path of secretPaths) {
    const [section, key] = path.split('.') as [string, string];
    const holder = document[section];
    if (isRecord(holder) && key in holder) {
      secrets.set(path, holder[key]);
      delete holder[key];
    }
  }
  // The smtp section belongs to the installation: not stored, so not read when storing.
  const rawSmtp = document['smtp'];
  delete document['smtp'];
  // allowCustomEndpoints is the file's consent to send credentials to other endpoints: not stored.
  const allowCustom = document['allowCustomEndpoints'];
  delete document['allowCustomEndpoints'];
  if (allowCustom !== undefined && typeof allowCustom !== 'boolean')
    problems.push({
      path: 'allowCustomEndpoints',
      message:
        'must be true or false (true allows endpoints other than Zendesk and Microsoft: an emulator, a proxy)',
    });
  if (options.purpose === 'store' && rawSmtp !== undefined)
    warnings.push(
      'the smtp section is an installation setting, not part of a job: it is not imported; a stored job sends e-mail through the SMTP_* environment variables (docs/configuration.md#installation-settings)',
    );

  const definition = substitute(document, env, '', problems, new Set()) as Record<string, unknown>;
  for (const [path, value] of secrets) {
    const [section, key] = path.split('.') as [string, string];
    const holder = definition[section];
    if (isRecord(holder)) holder[key] = secretReference(path, value, env, options, out);
  }

  const custom = customEndpoints(definition);
  if (custom.length > 0 && allowCustom === true)
    warnings.push(
      `custom endpoints allowed (allowCustomEndpoints: true): ${custom.map((c) => `${c.path} ${c.url}`).join(', ')}`,
    );
  else if (allowCustom !== true) problems.push(...custom.map(customEndpointProblem));

  let smtp: SmtpSettings | null = null;
  if (options.purpose === 'run' && rawSmtp !== undefined) {
    if (isRecord(rawSmtp) && isLiteral(rawSmtp['password'])) warnings.push(literalWarning('smtp.password'));
    const lenient = new Set(options.secrets === 'skip' ? ['smtp.password'] : []);
    const parsed = smtpSchema.safeParse(substitute(rawSmtp, env, 'smtp', problems, lenient));
    if (parsed.success) smtp = parsed.data;
    else problems.push(...zodProblems(parsed.error, 'smtp'));
  }

  // The job id: settings.jobId, or zendesk.<domain> as it always was.
  const settings = definition['settings'];
  if (isRecord(settings) && 'jobId' in settings) {
    const { jobId, ...others } = settings;
    return { definition: { id: jobId, ...definition, settings: others }, smtp, idFrom: 'settings.jobId' };
  }
  const domain = isRecord(definition['target']) ? definition['target']['domain'] : undefined;
  const id =
    typeof domain === 'string' && domain.trim() !== '' ? `zendesk.${domain.trim().toLowerCase()}` : undefined;
  return { definition: id === undefined ? definition : { id, ...definition }, smtp, idFrom: 'domain' };
}

interface CustomEndpoint {
  readonly path: 'target.baseUrl' | 'source.authorityHost' | 'source.graphBaseUrl';
  readonly url: string;
}

/**
 * A URL the job definition accepts (https://, or http:// to this machine where `loopbackHttp`):
 * any other is left to the definition's own message, which says what is wrong with it.
 */
function isUsableUrl(value: unknown, loopbackHttp: boolean): value is string {
  if (typeof value !== 'string') return false;
  try {
    const protocol = new URL(value.trim()).protocol;
    return protocol === 'https:' || (loopbackHttp && protocol === 'http:' && isLoopbackUrl(value.trim()));
  } catch {
    return false;
  }
}

/**
 * The endpoints of a configuration other than Zendesk's and Microsoft's own, where the credentials
 * would be sent: a `target.baseUrl` on another host than `<subdomain>.zendesk.com` (whether the
 * subdomain is `target.domain`'s is the job definition's check), an `authorityHost` or
 * `graphBaseUrl` that is not one of Microsoft's clouds (docs/configuration.md#custom-endpoints).
 */
export function customEndpoints(definition: Record<string, unknown>): CustomEndpoint[] {
  const found: CustomEndpoint[] = [];
  const source = isRecord(definition['source']) ? definition['source'] : {};
  const target = isRecord(definition['target']) ? definition['target'] : {};
  for (const key of ['authorityHost', 'graphBaseUrl'] as const) {
    const value = source[key];
    if (isUsableUrl(value, false) && !isMicrosoftEndpoint(key, value.trim()))
      found.push({ path: `source.${key}`, url: redactUrl(value.trim()) });
  }
  const baseUrl = target['baseUrl'];
  if (isUsableUrl(baseUrl, true)) {
    const url = new URL(baseUrl.trim());
    if (!(url.protocol === 'https:' && url.port === '' && /^[a-z0-9-]+\.zendesk\.com$/i.test(url.hostname)))
      found.push({ path: 'target.baseUrl', url: redactUrl(baseUrl.trim()) });
  }
  return found;
}

const customEndpointWhat: Record<CustomEndpoint['path'], string> = {
  'target.baseUrl':
    'is not https://<domain>.zendesk.com: the Zendesk admin e-mail and API token would be sent there',
  'source.authorityHost':
    "is not one of Microsoft's sign-in hosts (https://login.microsoftonline.com, or a national cloud's): the client secret would be sent there",
  'source.graphBaseUrl':
    "is not one of Microsoft Graph's hosts (https://graph.microsoft.com, or a national cloud's): the access tokens would be sent there",
};

function customEndpointProblem(endpoint: CustomEndpoint): ConfigProblem {
  return {
    path: endpoint.path,
    message: `"${endpoint.url}" ${customEndpointWhat[endpoint.path]}. For an emulator or a proxy you trust, add "allowCustomEndpoints: true" at the top level of the file; otherwise remove ${endpoint.path} (docs/configuration.md#custom-endpoints)`,
  };
}

/** A secret written as a value: a non-empty string with no `${NAME}` reference in it. */
function isLiteral(value: unknown): boolean {
  return typeof value === 'string' && value !== '' && !new RegExp(envReference.source).test(value);
}

/** A configuration file's secret field as a reference: `${NAME}` → env:NAME; a literal → inline. */
function secretReference(
  path: (typeof secretPaths)[number],
  value: unknown,
  env: Environment,
  options: ReadJobOptions,
  out: { problems: ConfigProblem[]; warnings: string[]; inlineSecrets: Map<string, string> },
): unknown {
  const { problems, warnings, inlineSecrets } = out;
  if (typeof value !== 'string') return value;
  const whole = wholeReference.exec(value.trim());
  if (whole) return { secretRef: `env:${whole[1]}` };
  if (options.purpose === 'store') {
    problems.push({
      path,
      message: `a stored job never holds a secret: write it as an environment variable reference, e.g. \${${exampleVariable[path]}} (docs/configuration.md#secret-references)`,
    });
    return { secretRef: `env:${exampleVariable[path]}` };
  }
  // A literal, or text around references: used as written (after substitution), for this run only.
  if (isLiteral(value)) warnings.push(literalWarning(path));
  const lenient = new Set(options.secrets === 'skip' ? [path] : []);
  const substituted = substitute(value, env, path, problems, lenient) as string;
  const reference = `inline:${path}`;
  if (substituted === '')
    problems.push({
      path,
      message: `must be ${path === 'source.clientSecret' ? 'the client secret of the app registration' : 'a Zendesk API token ("Secret Token")'} (use \${${exampleVariable[path]}})`,
    });
  else inlineSecrets.set(reference, substituted);
  return { secretRef: reference };
}

/** Secret references a stored job may not use (inline values, schemes no installation resolves). */
function unstorableSecrets(definition: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const path of secretPaths) {
    const [section, key] = path.split('.') as [string, string];
    const holder = definition[section];
    const field = isRecord(holder) ? holder[key] : undefined;
    const reference = isRecord(field) ? field['secretRef'] : undefined;
    if (typeof reference !== 'string') continue;
    const scheme = secretScheme(reference);
    if (scheme !== undefined && !storableSecretSchemes.includes(scheme))
      problems.push({
        path: `${path}.secretRef`,
        message: `"${scheme}:" references cannot be stored; use env:<VARIABLE> (docs/configuration.md#secret-references)`,
      });
  }
  return problems;
}

/** The compile problems in the file's terms: a problem the reader found at the same path wins. */
function mergeProblems(file: JobFile, compiled: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set(file.problems.map((p) => p.path));
  const renamed: ConfigProblem[] = [];
  for (const problem of compiled) {
    let path = problem.path;
    if (path === 'id' || path.startsWith('id.')) {
      // A job id derived from target.domain is only wrong when the domain is, which says so.
      if (file.idFrom === 'domain') continue;
      if (file.idFrom !== 'id') path = file.idFrom;
    }
    if (seen.has(path)) continue;
    renamed.push({ ...problem, path });
  }
  return [...file.problems, ...renamed];
}

export interface CompileFileOptions {
  /** Names the file in the error message. */
  readonly where: string;
  /** The problem when `settings.notificationEmail` is set and there is no SMTP server (see `compileJob`). */
  readonly smtpMissing?: ConfigProblem | undefined;
}

/** Compiles a job file with its secrets resolved (env: and the file's literals): every problem together. */
export async function compileJobFile(
  file: JobFile,
  env: Environment,
  options: CompileFileOptions,
): Promise<{ readonly job: CompiledJob; readonly warnings: readonly string[] }> {
  const secrets = withInlineSecrets(file.inlineSecrets, environmentSecrets(env));
  const check = await checkJob(file.definition, secrets, smtpOption(options));
  const problems = mergeProblems(file, check.ok ? [] : check.problems);
  if (!check.ok || problems.length > 0) throw new ConfigError(options.where, problems);
  return { job: check.job, warnings: [...file.warnings, ...check.warnings] };
}

/** Compiles a job file without its secrets (status, logs, audit…, and `jobs import`). */
export function compileJobFileWithoutSecrets(
  file: JobFile,
  options: CompileFileOptions,
): { readonly job: CompiledJobWithoutSecrets; readonly warnings: readonly string[] } {
  const check = checkJobDefinition(file.definition, smtpOption(options));
  const problems = mergeProblems(file, check.ok ? [] : check.problems);
  if (!check.ok || problems.length > 0) throw new ConfigError(options.where, problems);
  return { job: check.job, warnings: [...file.warnings, ...check.warnings] };
}

function smtpOption(options: CompileFileOptions): { smtpMissing?: ConfigProblem } {
  return options.smtpMissing === undefined ? {} : { smtpMissing: options.smtpMissing };
}

/** The problem a configuration file without an smtp section gets for settings.notificationEmail. */
export const smtpSectionMissing: ConfigProblem = {
  path: 'smtp',
  message: 'settings.notificationEmail needs an smtp section (host, port, from) to send through',
};
