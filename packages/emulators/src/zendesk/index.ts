import type { FastifyInstance } from 'fastify';
import { FaultInjector } from '../common/faults.js';
import { KeyedRateWindows, RateWindow } from '../common/rate-limit.js';
import { RequestLog } from '../common/request-log.js';
import { registerControlPlane } from './control-plane.js';
import { buildZendeskApp } from './http/app.js';
import type { EmulatorContext } from './http/context.js';
import { JobRunner } from './model/jobs.js';
import { ZendeskStore } from './model/store.js';
import {
  defaults,
  initialSettings,
  requestsPerMinute,
  type ZendeskEmulatorOptions,
  type ZendeskSettings,
} from './options.js';
import { DataFileWriter, loadDataFile } from './persistence.js';
import { apiRoutes } from './routes/index.js';
import { applySeed, bootstrapAccount } from './seed.js';
import { configurationsFromOptions } from './sso/config.js';
import { registerSsoControlPlane } from './sso/control-plane.js';
import { registerSsoBrowserRoutes } from './sso/routes.js';

export { type FaultSpec, parseFaultSpec } from '../common/faults.js';
export { ZendeskStore } from './model/store.js';
export {
  isPlan,
  type Plan,
  planNames,
  plans,
  type ZendeskEmulatorOptions,
  type ZendeskSettings,
} from './options.js';
export { demoSeed, parseSeed, readSeedFile, type Seed, SeedError } from './seed.js';
export {
  type JwtSsoOption,
  maskedSecret,
  minimumSecretLength,
  SsoConfigurationError,
  type SsoOptions,
} from './sso/config.js';

export interface ZendeskEmulator {
  /** Base URL of the emulated account, e.g. `http://127.0.0.1:4010`. */
  readonly url: string;
  readonly port: number;
  readonly store: ZendeskStore;
  readonly settings: ZendeskSettings;
  readonly adminEmail: string;
  readonly apiToken: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Starts an emulated Zendesk Support account listening on loopback (port 0 picks a free one). */
export async function startZendeskEmulator(options: ZendeskEmulatorOptions = {}): Promise<ZendeskEmulator> {
  const settings = initialSettings(options);
  // Refused before anything starts: a bad secret or URL names the option.
  const ssoConfigurations = configurationsFromOptions(options.sso);
  const store = new ZendeskStore(settings);
  const adminEmail = options.adminEmail ?? defaults.adminEmail;
  const apiToken = options.apiToken ?? defaults.apiToken;
  const account = { adminEmail, adminName: options.adminName ?? defaults.adminName, apiToken };

  const initialise = (withSeed: boolean) => {
    store.clear();
    bootstrapAccount(store, account);
    store.sso.reset(ssoConfigurations);
    if (withSeed && options.seed !== undefined) applySeed(store, options.seed);
  };

  const writer = options.dataFile ? new DataFileWriter(store, options.dataFile) : null;
  const loaded = options.dataFile ? await loadDataFile(store, options.dataFile) : false;
  if (!loaded) initialise(true);
  // Options (flags) given at start-up win over the configurations of a data file; spent token ids stay.
  else if (options.sso !== undefined) store.sso.replace(ssoConfigurations);

  const jobs = new JobRunner(store);
  const ctx: EmulatorContext = {
    store,
    jobs,
    faults: new FaultInjector(settings.faults),
    requestLog: new RequestLog(),
    limits: {
      account: new RateWindow(requestsPerMinute(settings)),
      userUpdates: new KeyedRateWindows(5),
      permanentDeletes: new RateWindow(700, 10 * 60_000),
      incremental: new RateWindow(10),
    },
    changed: () => writer?.changed(),
  };

  const app = buildZendeskApp(ctx, apiRoutes, options.logRequests ?? false);
  registerSsoBrowserRoutes(app, ctx);
  registerSsoControlPlane(app, ctx);
  registerControlPlane(app, ctx, {
    reset: ({ empty }) => {
      jobs.close();
      // Back to the start-up settings too (plan, faults, rate limits…), so that what one test changed
      // through PUT /__emulator/config does not leak into the next; the seed's `settings` apply again
      // unless the reset is empty. The clock stays where it is: a test may reset "at" a chosen time.
      Object.assign(store.settings, initialSettings(options), { clockOffsetMs: store.clock.offsetMs });
      initialise(!empty);
      ctx.limits.account.reset();
      ctx.limits.userUpdates.reset();
      ctx.limits.permanentDeletes.reset();
      ctx.limits.incremental.reset();
      ctx.faults.configure(store.settings.faults);
      ctx.changed();
    },
  });
  if (writer && !loaded) {
    // Save the initial state now: a data file that cannot be written fails the start, not later.
    writer.changed();
    await writer.flush();
  }

  const host = options.host ?? defaults.host;
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    store,
    settings,
    adminEmail,
    apiToken,
    app,
    close: async () => {
      jobs.close();
      await app.close();
      await writer?.flush();
    },
  };
}
