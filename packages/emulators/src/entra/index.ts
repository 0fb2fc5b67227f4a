import { writeFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { FaultInjector } from '../common/faults.js';
import { KeyedRateWindows } from '../common/rate-limit.js';
import { RequestLog } from '../common/request-log.js';
import { registerControlPlane } from './control-plane.js';
import { buildEntraApp } from './http/app.js';
import type { EntraContext } from './http/context.js';
import { createServerCertificate } from './identity/certificate.js';
import { createSigningKey } from './identity/keys.js';
import { identityRoutes } from './identity/routes.js';
import { EntraStore } from './model/store.js';
import {
  bootstrapTenant,
  graphAppId,
  hasAdminApp,
  insertAdminApp,
  isGraphPermission,
  zendeskAppId,
} from './model/tenant.js';
import {
  adminPermissions,
  defaultPermissions,
  defaults,
  type EntraEmulatorOptions,
  type EntraSettings,
  initialSettings,
} from './options.js';
import { DataFileWriter, loadDataFile } from './persistence.js';
import { applicationRoutes } from './routes/applications.js';
import { deltaRoutes } from './routes/delta.js';
import { groupRoutes } from './routes/groups.js';
import { userRoutes } from './routes/users.js';
import { applySeed } from './seed.js';

export { EntraStore } from './model/store.js';
export {
  adminAppDisplayName,
  defaultAccessRoleId,
  graphPermissions,
  zendeskAppId,
  zendeskAppRoles,
} from './model/tenant.js';
export {
  adminPermissions,
  defaultPermissions,
  defaults as entraDefaults,
  type EntraEmulatorOptions,
  type EntraSettings,
} from './options.js';
export { demoPassword } from './seed/demo.js';
export { applySeed as applyEntraSeed, SeedError as EntraSeedError } from './seed.js';

export interface EntraEmulator {
  /** Base URL, e.g. `https://127.0.0.1:4020`; Graph is under `/v1.0/`, the identity platform under `/{tenant}/`. */
  readonly url: string;
  readonly port: number;
  readonly tenantId: string;
  readonly domain: string;
  /** Application (client) id and secret of the provisioning app registration. */
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * Application (client) id and secret of the administration app registration, granted
   * {@link adminPermissions}: for scripts, demos and tests that change the directory through Graph.
   */
  readonly adminClientId: string;
  readonly adminClientSecret: string;
  /**
   * The object id of the Zendesk enterprise application's service principal: what `provisio.yaml`
   * names as `source.servicePrincipalId` (docs/configuration.md). Fixed for a tenant the emulator
   * bootstrapped; read from the directory, so a loaded data file's own value shows.
   */
  readonly zendeskServicePrincipalId: string;
  /** The HTTPS certificate (PEM); clients trust it as a CA (e.g. NODE_EXTRA_CA_CERTS). */
  readonly certificatePem: string;
  readonly store: EntraStore;
  readonly settings: EntraSettings;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Starts an emulated Entra ID tenant (identity platform + Microsoft Graph) over HTTPS on loopback. */
export async function startEntraEmulator(
  options: EntraEmulatorOptions & { certFile?: string } = {},
): Promise<EntraEmulator> {
  const tenantId = (options.tenantId ?? defaults.tenantId).toLowerCase();
  const clientId = (options.clientId ?? defaults.clientId).toLowerCase();
  const adminClientId = (options.adminClientId ?? defaults.adminClientId).toLowerCase();
  for (const [name, value] of [
    ['tenantId', tenantId],
    ['clientId', clientId],
    ['adminClientId', adminClientId],
  ] as const)
    if (!guid.test(value)) throw new Error(`${name} must be a GUID, got "${value}"`);
  // Two app registrations cannot share an application id, nor take a built-in application's.
  for (const [name, taken] of [
    ['clientId', clientId],
    ["Microsoft Graph's application id", graphAppId],
    ["the Zendesk application's id", zendeskAppId],
  ] as const)
    if (adminClientId === taken)
      throw new Error(`adminClientId must differ from ${name}, got "${adminClientId}"`);
  const permissions = options.permissions ?? defaultPermissions;
  const unknown = permissions.filter((p) => !isGraphPermission(p));
  if (unknown.length > 0) throw new Error(`unknown Graph permissions: ${unknown.join(', ')}`);
  const clientSecret = options.clientSecret ?? defaults.clientSecret;
  const adminClientSecret = options.adminClientSecret ?? defaults.adminClientSecret;
  if (adminClientSecret === '') throw new Error('adminClientSecret must not be empty');
  const admin = { clientId: adminClientId, clientSecret: adminClientSecret, permissions: adminPermissions };

  const settings = initialSettings(options);
  const domain = options.domain ?? defaults.domain;
  // Ids of created objects follow a sequence seeded from the tenant id: the same start-up options and
  // requests give the same ids.
  const idSeed = Number.parseInt(tenantId.replace(/-/g, '').slice(0, 8), 16);
  const store = new EntraStore(settings, { tenantId, domain, displayName: 'provisio demo' }, idSeed);
  const initialise = (withSeed: boolean) => {
    store.clear();
    bootstrapTenant(store, {
      clientId,
      clientSecret,
      permissions,
      redirectUris: options.redirectUris ?? defaults.redirectUris,
      admin,
    });
    if (withSeed && options.seed !== undefined) applySeed(store, options.seed);
  };
  const writer = options.dataFile ? new DataFileWriter(store, options.dataFile) : null;
  const loaded = options.dataFile ? await loadDataFile(store, options.dataFile) : false;
  if (!loaded) initialise(true);
  // A data file written before the administration app existed gets it now, and is saved below.
  const upgraded = loaded && !hasAdminApp(store);
  if (upgraded) insertAdminApp(store, admin);

  const [certificate, signingKey] = await Promise.all([
    createServerCertificate(new Date()),
    createSigningKey(),
  ]);
  if (options.certFile !== undefined) await writeFile(options.certFile, certificate.cert);

  const ctx: EntraContext = {
    store,
    faults: new FaultInjector(settings.faults),
    requestLog: new RequestLog(),
    signingKey,
    throttles: new KeyedRateWindows(settings.requestsPerWindow, settings.windowSeconds * 1000),
    codes: new Map(),
    changed: () => writer?.changed(),
  };
  const app = buildEntraApp(
    ctx,
    certificate,
    [identityRoutes, deltaRoutes, userRoutes, groupRoutes, applicationRoutes],
    options.logRequests ?? false,
  );
  registerControlPlane(app, ctx, {
    reset: ({ empty }) => {
      // Back to the start-up settings too, so that what one test changed does not leak into the next.
      // The clock stays where it is: a test may reset "at" a chosen time.
      Object.assign(store.settings, initialSettings(options), { clockOffsetMs: store.clock.offsetMs });
      initialise(!empty);
      ctx.codes.clear();
      ctx.throttles = new KeyedRateWindows(
        store.settings.requestsPerWindow,
        store.settings.windowSeconds * 1000,
      );
      ctx.faults.configure(store.settings.faults);
      ctx.changed();
    },
  });
  if (writer && (!loaded || upgraded)) {
    // Save the initial state now: a data file that cannot be written fails the start, not later.
    writer.changed();
    await writer.flush();
  }

  const host = options.host ?? defaults.host;
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    tenantId,
    domain,
    clientId,
    clientSecret,
    adminClientId,
    adminClientSecret,
    get zendeskServicePrincipalId() {
      const servicePrincipal = store.servicePrincipalByAppId(zendeskAppId);
      if (!servicePrincipal) throw new Error('the tenant has no Zendesk service principal');
      return servicePrincipal.id;
    },
    certificatePem: certificate.cert,
    store,
    settings,
    app,
    close: async () => {
      await app.close();
      await writer?.flush();
    },
  };
}
