/**
 * The composition root: the one place that wires the real implementations of the engine's ports
 * (Graph source, Zendesk target, Kysely state store, system clock) from a validated configuration.
 */
import { readFile } from 'node:fs/promises';
import {
  type Config,
  type EngineDeps,
  loadConfigFile,
  openStateStore,
  resolveDatabaseUrl,
  type StateStore,
  systemClock,
} from '@provisio/engine';
import { createEntraSource } from '@provisio/entra';
import { createZendeskTarget } from '@provisio/zendesk';
import { createSmtpNotifier } from './notify/smtp.js';

export interface Composed extends EngineDeps {
  readonly config: Config;
  close(): Promise<void>;
}

export async function loadConfig(path: string, options: { secretsOptional?: boolean } = {}): Promise<Config> {
  return loadConfigFile(path, process.env, options);
}

export async function openStore(): Promise<StateStore> {
  const store = await openStateStore(resolveDatabaseUrl(process.env, process.cwd()));
  await store.migrate();
  return store;
}

export async function compose(config: Config, store?: StateStore): Promise<Composed> {
  const ca = config.source.caCertificateFile
    ? await readFile(config.source.caCertificateFile, 'utf8')
    : undefined;
  const source = createEntraSource({
    tenantId: config.source.tenantId,
    clientId: config.source.clientId,
    clientSecret: config.source.clientSecret,
    servicePrincipalId: config.source.servicePrincipalId,
    ...(config.source.authorityHost ? { authorityHost: config.source.authorityHost } : {}),
    ...(config.source.graphBaseUrl ? { graphBaseUrl: config.source.graphBaseUrl } : {}),
    ...(ca ? { ca } : {}),
  });
  const target = createZendeskTarget({
    domain: config.target.domain,
    adminUsername: config.target.adminUsername,
    secretToken: config.target.secretToken,
    ...(config.target.baseUrl ? { baseUrl: config.target.baseUrl } : {}),
  });
  const opened = store ?? (await openStore());
  const notifier =
    config.smtp && config.settings.notificationEmail
      ? createSmtpNotifier(config.smtp, config.settings.notificationEmail)
      : undefined;
  return {
    config,
    source,
    target,
    store: opened,
    clock: systemClock,
    ...(notifier ? { notifier } : {}),
    close: () => opened.close(),
  };
}
