/**
 * `provisio serve`, assembled: the admin API (http/app.ts and routes/), the scheduler that runs the
 * enabled jobs, and graceful shutdown. The composition root (packages/cli, `serve`) opens the state
 * store, loads the secret key and wires the connectors; this module only puts the pieces together.
 */
import type { Clock, SecretProvider, StateStore } from '@provisio/engine';
import type { FastifyBaseLogger } from 'fastify';
import { apiTokenAuthenticator } from './auth/api-tokens.js';
import type { Authenticator } from './auth/authenticate.js';
import { secureCookies, sessionAuthenticator } from './auth/sessions.js';
import type { JobRuntime, SecretVault, ServerContext, ServerOptions } from './context.js';
import { type ApiApp, createApp } from './http/app.js';
import { createMetrics, jobStateFromStore, type Metrics } from './metrics.js';
import { routeModules } from './routes/index.js';
import type { OidcRoutesConfig } from './routes/oidc.js';
import type { CycleQueue } from './scheduler/cycle-queue.js';
import { createQueueScheduler } from './scheduler/queue-scheduler.js';
import { createScheduler, type Scheduler } from './scheduler/scheduler.js';
import { STORE_SCHEME, secretsByScheme, storeSecrets } from './secrets/store-secrets.js';

export interface ServerParts {
  readonly store: StateStore;
  readonly clock: Clock;
  readonly logger: FastifyBaseLogger;
  readonly runtime: JobRuntime;
  readonly vault: SecretVault;
  /** Providers of the other secret schemes (`env:`), besides the store's own. */
  readonly secretProviders: Readonly<Record<string, SecretProvider>>;
  readonly options: ServerOptions;
  readonly version: string;
  /** More ways to sign in (sessions, Entra access tokens), asked after API tokens. */
  readonly authenticators?: readonly Authenticator[];
  /** Sign-in with Microsoft: the tenant and the sessions it opens (docs/security.md#sign-in-with-microsoft). */
  readonly oidc?: OidcRoutesConfig;
  readonly trustProxy?: boolean | string;
  /** Serve HTTPS with this certificate and key (PEM). */
  readonly https?: { readonly cert: string; readonly key: string };
  /** Run the scheduler (default true); tests of the API alone leave it off. */
  readonly schedule?: boolean;
  readonly pollMs?: number;
  readonly workerId?: string;
  /**
   * Where cycles run: in this process (default), or in `provisio worker` processes fed through this
   * queue (docs/operations.md#workers); the server then only decides when they are due.
   */
  readonly workers?: { readonly queue: CycleQueue; readonly orphanGraceMs?: number };
}

export interface ProvisioServer {
  readonly app: ApiApp;
  readonly scheduler: Scheduler;
  readonly metrics: Metrics;
  readonly context: ServerContext;
  /** Starts the scheduler and listens; resolves to the URL. */
  listen(host: string, port: number): Promise<string>;
  /**
   * Graceful shutdown: `/readyz` turns 503, no new connection is accepted, the running cycles get
   * `deadlineMs` to finish (then they are abandoned safely), and the server closes.
   */
  close(deadlineMs?: number): Promise<{ abandoned: string[] }>;
}

export async function createServer(parts: ServerParts): Promise<ProvisioServer> {
  // With workers, cycles run elsewhere: the job-state gauges come from the store (metrics.ts).
  const metrics = createMetrics(
    parts.workers === undefined ? {} : { jobState: jobStateFromStore(parts.store) },
  );
  let accepting = true;
  const secrets = secretsByScheme({
    ...parts.secretProviders,
    [STORE_SCHEME]: storeSecrets(parts.store, parts.vault),
  });
  const scheduler =
    parts.workers === undefined
      ? createScheduler({
          store: parts.store,
          clock: parts.clock,
          logger: parts.logger.child({ component: 'scheduler' }),
          metrics,
          runtime: parts.runtime,
          secrets,
          ...(parts.pollMs === undefined ? {} : { pollMs: parts.pollMs }),
          ...(parts.workerId === undefined ? {} : { workerId: parts.workerId }),
        })
      : createQueueScheduler({
          store: parts.store,
          clock: parts.clock,
          logger: parts.logger.child({ component: 'scheduler' }),
          queue: parts.workers.queue,
          ...(parts.pollMs === undefined ? {} : { pollMs: parts.pollMs }),
          ...(parts.workers.orphanGraceMs === undefined
            ? {}
            : { orphanGraceMs: parts.workers.orphanGraceMs }),
        });
  // The public URL of a server started on port 0 (tests, the demo) is known once it listens.
  const options: { -readonly [K in keyof ServerOptions]: ServerOptions[K] } = { ...parts.options };
  const context: ServerContext = {
    store: parts.store,
    clock: parts.clock,
    logger: parts.logger,
    metrics,
    runtime: parts.runtime,
    vault: parts.vault,
    secrets,
    scheduler,
    options,
    version: parts.version,
    accepting: () => accepting,
    ...(parts.oidc === undefined ? {} : { oidc: parts.oidc }),
  };
  const app = await createApp({
    logger: parts.logger,
    clock: parts.clock,
    metrics,
    version: parts.version,
    authenticators: [
      apiTokenAuthenticator(parts.store, parts.clock),
      // Console sessions (cookie + CSRF token): docs/security.md#sessions-and-csrf
      sessionAuthenticator(parts.store, parts.clock, { secure: secureCookies(parts.options.publicUrl) }),
      ...(parts.authenticators ?? []),
    ],
    ...(parts.trustProxy === undefined ? {} : { trustProxy: parts.trustProxy }),
    ...(parts.https === undefined ? {} : { https: parts.https }),
  });
  for (const module of routeModules) module(app, context);
  await app.ready();
  let closed: Promise<{ abandoned: string[] }> | null = null;
  return {
    app,
    scheduler,
    metrics,
    context,
    async listen(host, port) {
      const url = await app.listen({ host, port });
      if (URL.canParse(options.publicUrl) && new URL(options.publicUrl).port === '0')
        options.publicUrl = new URL(url).origin;
      if (parts.schedule !== false) await scheduler.start();
      return url;
    },
    close(deadlineMs = 30_000) {
      closed ??= (async () => {
        accepting = false;
        const abandoned = await scheduler.stop(deadlineMs);
        await app.close();
        return { abandoned };
      })();
      return closed;
    },
  };
}
