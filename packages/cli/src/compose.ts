/**
 * The composition root: the one place that wires the real implementations of the engine's ports
 * (Graph source, Zendesk target, Kysely state store, system clock, SMTP notifier) from a compiled
 * job and the installation settings. Its inputs are explicit: nothing here reads the process
 * environment or working directory.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type CompiledJob,
  type EngineDeps,
  openStateStore,
  type RequestBudget,
  type StateStore,
  systemClock,
} from '@provisio/engine';
import { createEntraSource } from '@provisio/entra';
import { createZendeskTarget } from '@provisio/zendesk';
import { type Installation, sqliteFileOf } from './installation.js';
import { createSmtpNotifier } from './notify/smtp.js';

export interface Composed extends EngineDeps {
  readonly config: CompiledJob;
  /** Closes the state store (the one given, or the one opened). */
  close(): Promise<void>;
}

/**
 * How a command opens the store: `create` it when there is none (the commands that write), only an
 * `existing` one (the commands that only read: a missing store is an error, never an empty new file),
 * or `existing-or-empty` (`plan`: without a store, an empty one in memory, as before a first cycle).
 */
export type StoreAccess = 'create' | 'existing' | 'existing-or-empty';

/** A read-only command found no store where it looked. */
export class StoreNotFound extends Error {
  override readonly name = 'StoreNotFound';
}

/** Opens and migrates the state store at `databaseUrl` (`Installation.databaseUrl`). */
export async function openStore(databaseUrl: string, access: StoreAccess = 'create'): Promise<StateStore> {
  const file = sqliteFileOf(databaseUrl);
  if (access !== 'create' && file !== undefined && !existsSync(file)) {
    if (access === 'existing')
      throw new StoreNotFound(
        `no state store at ${file}: this command only reads the store, so it does not create one. ` +
          'Run it as the sync runs: with the same --config (the store is data/provisio.db next to the configuration file) or the same DATABASE_URL, e.g. DATABASE_URL=sqlite:/path/to/provisio.db',
      );
    return openStore('sqlite::memory:');
  }
  const store = await openStateStore(databaseUrl);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

export interface ComposeContext {
  /** Where a relative `source.caCertificateFile` is found. */
  readonly cwd: string;
  /** An already opened state store; otherwise `installation.databaseUrl` is opened. */
  readonly store?: StateStore;
  /** Told the status of every response from Entra (Graph, sign-in) and Zendesk: `serve`'s metrics. */
  readonly onUpstreamResponse?: (system: 'entra' | 'zendesk', status: number) => void;
  /** The Zendesk account's request budget shared across jobs and processes (docs/operations.md#workers). */
  readonly requestBudget?: RequestBudget;
}

export async function compose(
  job: CompiledJob,
  installation: Installation,
  context: ComposeContext,
): Promise<Composed> {
  const caFile = job.source.caCertificateFile
    ? await readFile(resolve(context.cwd, job.source.caCertificateFile), 'utf8')
    : undefined;
  const ca = [caFile, job.source.caCertificate].filter((pem) => pem !== undefined).join('\n') || undefined;
  const observe = context.onUpstreamResponse;
  const source = createEntraSource({
    tenantId: job.source.tenantId,
    clientId: job.source.clientId,
    clientSecret: job.source.clientSecret,
    servicePrincipalId: job.source.servicePrincipalId,
    ...(job.source.authorityHost ? { authorityHost: job.source.authorityHost } : {}),
    ...(job.source.graphBaseUrl ? { graphBaseUrl: job.source.graphBaseUrl } : {}),
    ...(ca ? { ca } : {}),
    ...(observe ? { onResponse: (status: number) => observe('entra', status) } : {}),
  });
  const target = createZendeskTarget({
    domain: job.target.domain,
    adminUsername: job.target.adminUsername,
    secretToken: job.target.secretToken,
    ...(job.target.baseUrl ? { baseUrl: job.target.baseUrl } : {}),
    ...(observe ? { fetch: observedFetch((status) => observe('zendesk', status)) } : {}),
    ...(context.requestBudget ? { requestBudget: context.requestBudget } : {}),
  });
  const opened = context.store ?? (await openStore(installation.databaseUrl));
  const notifier =
    installation.smtp && job.settings.notificationEmail
      ? createSmtpNotifier(installation.smtp, job.settings.notificationEmail)
      : undefined;
  return {
    config: job,
    source,
    target,
    store: opened,
    clock: systemClock,
    ...(notifier ? { notifier } : {}),
    close: () => opened.close(),
  };
}

/** The global fetch, telling `onResponse` the status of each response. */
function observedFetch(onResponse: (status: number) => void): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await globalThis.fetch(input, init);
    onResponse(response.status);
    return response;
  };
}
