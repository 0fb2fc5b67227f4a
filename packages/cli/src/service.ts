/**
 * What `provisio serve` and `provisio worker` open alike (their composition roots: serve.ts,
 * worker.ts): the state store at `DATABASE_URL` (migrated), the secret key checked against the
 * secrets already stored (docs/security.md#the-secret-key), and the `JobRuntime` that compiles a
 * stored job with its secrets and wires its connectors (compose.ts). Also how cycles are run: in the
 * serving process, or by `provisio worker` processes through a queue in PostgreSQL
 * (docs/operations.md#workers).
 */
import { resolve } from 'node:path';
import {
  type Clock,
  ConfigError,
  checkJob,
  type JobDefinition,
  type SecretProvider,
  type StateStore,
  storeRequestBudget,
  systemClock,
} from '@provisio/engine';
import {
  type CycleQueue,
  checkKeyAgainstStore,
  createVault,
  type JobHooks,
  type JobRuntime,
  loadSecretKey,
  openPgBossCycleQueue,
  type SecretVault,
} from '@provisio/server';
import type { Logger } from 'pino';
import { compose, openStore } from './compose.js';
import { databaseUrlOf, smtpFromEnvironment } from './installation.js';
import type { Environment } from './secrets.js';

export interface ServiceContext {
  readonly env: Environment;
  readonly cwd: string;
}

export interface OpenedService {
  readonly databaseUrl: string;
  readonly store: StateStore;
  readonly vault: SecretVault;
  readonly runtime: JobRuntime;
}

/** Opens the state store, loads and checks the secret key, and builds the job runtime. */
export async function openService(
  options: { readonly keyFile?: string; readonly clock: Clock; readonly logger: Logger },
  context: ServiceContext,
): Promise<OpenedService> {
  const databaseUrl = databaseUrlOf(context.env, context.cwd);
  const store = await openStore(databaseUrl);
  try {
    const loaded = await loadSecretKey({
      env: context.env as NodeJS.ProcessEnv,
      keyFile: resolve(context.cwd, options.keyFile ?? 'data/provisio.key'),
    });
    const vault = createVault(loaded.key);
    await checkKeyAgainstStore(store, vault, options.clock.now());
    options.logger.info(
      { keyId: vault.keyId, origin: loaded.origin, created: loaded.created },
      'secret key loaded',
    );
    const { smtp } = smtpFromEnvironment(context.env);
    const installation = { databaseUrl, smtp };
    // On PostgreSQL, jobs writing to one Zendesk account share its request budget across every
    // serve and worker process (docs/operations.md#workers); on SQLite each client paces itself.
    const requestBudget = isPostgresUrl(databaseUrl) ? storeRequestBudget(store, systemClock) : undefined;
    const runtime: JobRuntime = {
      async open(definition: JobDefinition, secrets: SecretProvider, hooks: JobHooks = {}) {
        const check = await checkJob(definition, secrets, { where: `job ${definition.id}` });
        if (!check.ok) throw new ConfigError(`job ${definition.id}`, check.problems);
        const composed = await compose(check.job, installation, {
          cwd: context.cwd,
          store,
          ...(hooks.onUpstreamResponse ? { onUpstreamResponse: hooks.onUpstreamResponse } : {}),
          ...(requestBudget ? { requestBudget } : {}),
        });
        // The store is the process's: a job's close leaves it open.
        return { config: check.job, deps: composed, close: async () => {} };
      },
    };
    return { databaseUrl, store, vault, runtime };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** Where cycles run: `in-process` (the default) or `external` (`provisio worker` processes). */
export type WorkersMode = 'in-process' | 'external';

export const WORKERS_ENV = 'PROVISIO_WORKERS';

/** `--workers`, else `PROVISIO_WORKERS`, else `in-process`; anything else is refused, naming where it came from. */
export function workersMode(option: string | undefined, env: Environment): WorkersMode {
  const fromEnv = env[WORKERS_ENV]?.trim();
  const value = option ?? (fromEnv === undefined || fromEnv === '' ? 'in-process' : fromEnv);
  if (value === 'in-process' || value === 'external') return value;
  throw new Error(
    `${option === undefined ? WORKERS_ENV : '--workers'} is "${value}": use in-process (cycles run in serve) or external (provisio worker processes run them; needs a PostgreSQL DATABASE_URL)`,
  );
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url.trim());
}

/** The queue of cycles in the state store's PostgreSQL database; refuses SQLite with the fix. */
export async function openCycleQueue(databaseUrl: string, logger: Logger, what: string): Promise<CycleQueue> {
  if (!isPostgresUrl(databaseUrl))
    throw new Error(
      `${what} needs the state store in PostgreSQL (DATABASE_URL=postgres://…): the queue of cycles lives there. With SQLite, run serve alone (its cycles run in-process).`,
    );
  return openPgBossCycleQueue({
    databaseUrl,
    onError: (error) => logger.warn({ err: error }, 'the queue of cycles reported an error'),
  });
}
