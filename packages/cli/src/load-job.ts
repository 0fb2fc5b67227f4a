/**
 * Which job a command works on, and loading it: from a file (`--config`, `provisio.yaml` by
 * default) or from the state store (`--job <id>`), compiled with or without its secrets, with the
 * installation settings and the opened state store. Commands pass the environment and working
 * directory in explicitly (`processContext()` for the real process).
 */

import { existsSync } from 'node:fs';
import {
  type CompiledJob,
  type CompiledJobWithoutSecrets,
  ConfigError,
  type ConfigProblem,
  checkJob,
  compileJobWithoutSecrets,
  redactUrl,
  type StateStore,
} from '@provisio/engine';
import { openStore, type StoreAccess } from './compose.js';
import {
  compileJobFile,
  compileJobFileWithoutSecrets,
  readDocumentFile,
  readJobDocument,
  smtpSectionMissing,
} from './config-file.js';
import { databaseUrlOf, type Installation, smtpFromEnvironment, sqliteFileOf } from './installation.js';
import type { SmtpSettings } from './notify/smtp.js';
import { type Environment, environmentSecrets } from './secrets.js';
import type { JobSelection } from './selection.js';

export type { JobSelection } from './selection.js';

/** What a command runs in: its environment and working directory. */
export interface CommandContext {
  readonly env: Environment;
  readonly cwd: string;
}

export function processContext(): CommandContext {
  return { env: process.env, cwd: process.cwd() };
}

export interface LoadedJob<J> {
  readonly job: J;
  readonly installation: Installation;
  /** Non-fatal findings to print (literal secrets in the file, mapping warnings). */
  readonly warnings: readonly string[];
  /** The state store, migrated; the caller closes it (or hands it to `compose`, whose close does). */
  readonly store: StateStore;
  /** `existing-or-empty` found no store: `store` is an empty one in memory. */
  readonly storeMissing: boolean;
}

/** The store a command uses for a job: the one next to its configuration file, or the working directory's. */
export function databaseUrlFor(selection: JobSelection, context: CommandContext): string {
  return databaseUrlOf(context.env, context.cwd, 'config' in selection ? selection.config : undefined);
}

/** Opens the store as `access` says, telling whether it was missing. */
async function openFor(databaseUrl: string, access: StoreAccess) {
  const file = sqliteFileOf(databaseUrl);
  const storeMissing = access === 'existing-or-empty' && file !== undefined && !existsSync(file);
  return { store: await openStore(databaseUrl, access), storeMissing };
}

/** `settings.notificationEmail` without SMTP, for a job whose SMTP server comes from the environment. */
export const smtpEnvironmentMissing: ConfigProblem = {
  path: 'settings.notificationEmail',
  message:
    'needs an SMTP server to send through, and this installation has none: set SMTP_HOST and SMTP_FROM (docs/configuration.md#installation-settings)',
};

/** A job file's document compiled as a command runs it. */
export interface CompiledDocument<J> {
  readonly job: J;
  /** The installation's SMTP server: the file's smtp section, or SMTP_* for a job definition file. */
  readonly smtp: SmtpSettings | null;
  readonly warnings: readonly string[];
}

/**
 * Compiles a parsed job file (`provisio.yaml` or a job definition file): every problem of the
 * file, its definition and (with `resolve`) its secrets and SMTP settings, in one `ConfigError`.
 */
export async function compileDocument(
  document: unknown,
  where: string,
  env: Environment,
  secrets: 'resolve',
): Promise<CompiledDocument<CompiledJob>>;
export async function compileDocument(
  document: unknown,
  where: string,
  env: Environment,
  secrets: 'skip',
): Promise<CompiledDocument<CompiledJobWithoutSecrets>>;
export async function compileDocument(
  document: unknown,
  where: string,
  env: Environment,
  secrets: 'resolve' | 'skip',
): Promise<CompiledDocument<CompiledJob | CompiledJobWithoutSecrets>> {
  const file = readJobDocument(document, env, { purpose: 'run', secrets });
  // A configuration file carries its smtp section; a job definition file uses SMTP_* like --job.
  const fromEnvironment = file.smtp === undefined ? smtpFromEnvironment(env) : undefined;
  const smtp = file.smtp ?? fromEnvironment?.smtp ?? null;
  const smtpMissing =
    smtp !== null
      ? undefined
      : file.smtp === undefined
        ? fromEnvironment?.problems.length === 0
          ? smtpEnvironmentMissing
          : undefined
        : smtpSectionMissing;
  if (secrets === 'skip') {
    // As for --job, commands that send no e-mail do not read SMTP_*; a file's smtp section is
    // checked as it always was.
    const compiled = compileJobFileWithoutSecrets(file, {
      where,
      smtpMissing: file.smtp === undefined ? undefined : smtpMissing,
    });
    return { ...compiled, smtp };
  }
  const withSmtp = { ...file, problems: [...file.problems, ...(fromEnvironment?.problems ?? [])] };
  const compiled = await compileJobFile(withSmtp, env, { where, smtpMissing });
  return { ...compiled, smtp };
}

/** The job with its secrets resolved: for the commands that contact Entra ID or Zendesk. */
export async function loadJob(
  selection: JobSelection,
  context: CommandContext,
  access: StoreAccess = 'create',
): Promise<LoadedJob<CompiledJob>> {
  const databaseUrl = databaseUrlFor(selection, context);
  if ('config' in selection) {
    // The file is validated before the store is opened: a broken file touches nothing.
    const document = await readDocumentFile(selection.config);
    const compiled = await compileDocument(document, selection.config, context.env, 'resolve');
    const opened = await openFor(databaseUrl, access);
    return { ...compiled, installation: { databaseUrl, smtp: compiled.smtp }, ...opened };
  }
  return withDefinition(selection.job, context, access, async (definition, where, store) => {
    // The SMTP settings and the definition are checked together: every problem in one list.
    const fromEnvironment = smtpFromEnvironment(context.env);
    const check = await checkJob(definition, environmentSecrets(context.env), {
      ...(fromEnvironment.smtp === null && fromEnvironment.problems.length === 0
        ? { smtpMissing: smtpEnvironmentMissing }
        : {}),
    });
    const problems = [...(check.ok ? [] : check.problems), ...fromEnvironment.problems];
    if (!check.ok || problems.length > 0) throw new ConfigError(where, problems);
    return {
      job: check.job,
      installation: { databaseUrl, smtp: fromEnvironment.smtp },
      warnings: check.warnings,
      store,
      storeMissing: false,
    };
  });
}

/** The job without its secrets: for status, logs, audit, pause, resume and restart. */
export async function loadJobWithoutSecrets(
  selection: JobSelection,
  context: CommandContext,
  access: StoreAccess = 'create',
): Promise<LoadedJob<CompiledJobWithoutSecrets>> {
  const databaseUrl = databaseUrlFor(selection, context);
  if ('config' in selection) {
    const document = await readDocumentFile(selection.config);
    const compiled = await compileDocument(document, selection.config, context.env, 'skip');
    const opened = await openFor(databaseUrl, access);
    return { ...compiled, installation: { databaseUrl, smtp: compiled.smtp }, ...opened };
  }
  // These commands send no e-mail: the SMTP settings are not read.
  return withDefinition(selection.job, context, access, async (definition, where, store) => ({
    job: compileJobWithoutSecrets(definition, { where }),
    installation: { databaseUrl, smtp: null },
    warnings: [],
    store,
    storeMissing: false,
  }));
}

/** Opens the store and hands `work` the job's stored definition; closes the store if `work` fails. */
async function withDefinition<T>(
  jobId: string,
  context: CommandContext,
  access: StoreAccess,
  work: (definition: unknown, where: string, store: StateStore) => Promise<T>,
): Promise<T> {
  const databaseUrl = databaseUrlOf(context.env, context.cwd);
  // A stored job needs its store: never an empty one.
  const store = await openStore(databaseUrl, access === 'create' ? 'create' : 'existing');
  try {
    const record = await store.getJobDefinition(jobId);
    if (record === null)
      throw new Error(
        `no job "${jobId}" in the state store (${redactUrl(databaseUrl)}): "npx provisio jobs list" lists the jobs, "npx provisio jobs import <file>" adds one`,
      );
    return await work(
      record.definition,
      `job ${jobId} (revision ${record.revision} in the state store)`,
      store,
    );
  } catch (error) {
    await store.close();
    throw error;
  }
}
