/**
 * `provisio serve`: the composition root of the always-on service. It opens the state store, loads
 * the secret key (docs/security.md#the-secret-key), wires the connectors for each job the scheduler
 * runs (compose.ts) and starts the server (packages/server). Its inputs are explicit (options, env,
 * cwd), so tests start it in-process on a free port exactly as the command does.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type Clock, type StateStore, systemClock } from '@provisio/engine';
import {
  ADMIN_PASSWORD_ENV,
  type Authenticator,
  bootstrapLocalAdmin,
  type CycleQueue,
  createEntraOidc,
  createServer,
  entraTokenAuthenticator,
  generatedPasswordNotice,
  type LocalAdminBootstrap,
  loadOidcSettings,
  type ProvisioServer,
  secureCookies,
  sessionIssuer,
} from '@provisio/server';
import pino, { type Logger } from 'pino';
import { environmentSecrets } from './secrets.js';
import { openCycleQueue, openService, type ServiceContext, workersMode } from './service.js';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  /** Accept custom Zendesk and Entra endpoints in saved secrets (the emulators need it). */
  readonly allowCustomEndpoints: boolean;
  /** Where people reach the server; default `http://<host>:<port>`. */
  readonly publicUrl?: string;
  /** The key file used when PROVISIO_SECRET_KEY is not set; default ./data/provisio.key. */
  readonly keyFile?: string;
  /** Trust X-Forwarded-* headers (behind a reverse proxy): true, or the proxy's addresses. */
  readonly trustProxy?: boolean | string;
  /** Serve HTTPS with this certificate and private key (PEM files) instead of plain HTTP. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  readonly logLevel?: string;
  /** Where log lines go (default stdout). */
  readonly logDestination?: NodeJS.WritableStream;
  readonly pollMs?: number;
  readonly clock?: Clock;
  /** Where a generated administrator password is shown, once (default stderr; never the log). */
  readonly consoleOutput?: NodeJS.WritableStream;
  /** Where cycles run (`--workers`); default PROVISIO_WORKERS, else in-process. */
  readonly workers?: string;
  /** With external workers: how long a taken cycle may run without its worker holding the job's lease. */
  readonly orphanGraceMs?: number;
}

export type ServeContext = ServiceContext;

export interface RunningServe {
  readonly url: string;
  readonly server: ProvisioServer;
  readonly store: StateStore;
  readonly logger: Logger;
  /** Graceful shutdown, then the state store closes. */
  close(deadlineMs?: number): Promise<{ abandoned: string[] }>;
}

/** Paths whose values pino replaces, whatever a log call passes: credentials never reach a log line. */
export const redactedLogPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secretToken',
  '*.clientSecret',
  '*.token',
  '*.value',
];

/** Query parameters that carry a credential (the sign-in callback's authorization code and state). */
const redactedQueryParameters = ['code', 'state', 'session_state', 'id_token', 'access_token'];

/** A request URL as logged: credential-bearing query parameters replaced. */
export function loggedUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const parameters = new URLSearchParams(url.slice(query + 1));
  let changed = false;
  for (const name of redactedQueryParameters)
    if (parameters.has(name)) {
      parameters.set(name, '[redacted]');
      changed = true;
    }
  return changed ? `${url.slice(0, query)}?${parameters.toString()}` : url;
}

interface LoggedRequest {
  readonly method: string;
  readonly url: string;
  readonly host?: string;
  readonly ip?: string;
  readonly socket?: { readonly remotePort?: number };
}

export function createLogger(options: Pick<ServeOptions, 'logLevel' | 'logDestination'>): Logger {
  return pino(
    {
      level: options.logLevel ?? 'info',
      base: { service: 'provisio' },
      redact: { paths: redactedLogPaths, censor: '[redacted]' },
      // Fastify's request serializer, with credential-bearing query parameters redacted.
      serializers: {
        req: (request: LoggedRequest) => ({
          method: request.method,
          url: loggedUrl(request.url),
          host: request.host,
          remoteAddress: request.ip,
          remotePort: request.socket?.remotePort,
        }),
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.logDestination ?? process.stdout,
  ) as Logger;
}

/** Says what became of the local administrator; a generated password goes to the console only. */
function announceLocalAdmin(
  admin: LocalAdminBootstrap,
  url: string,
  logger: Logger,
  consoleOutput: NodeJS.WritableStream,
): void {
  if (admin.status === 'created-with-generated-password') {
    consoleOutput.write(generatedPasswordNotice(admin.password, url));
    logger.info(
      { username: 'admin' },
      'local administrator created with a generated password, shown once on the console (not here)',
    );
  } else if (admin.status === 'created-from-environment')
    logger.info(
      { username: 'admin' },
      `local administrator created with the password of ${ADMIN_PASSWORD_ENV}`,
    );
  else if (admin.ignoredEnvironmentPassword)
    logger.warn(
      { username: 'admin' },
      `${ADMIN_PASSWORD_ENV} is set but the local administrator exists already: it was not used (npx provisio admin reset-password changes the password)`,
    );
}

export async function startServe(options: ServeOptions, context: ServeContext): Promise<RunningServe> {
  const clock = options.clock ?? systemClock;
  const workers = workersMode(options.workers, context.env);
  const logger = createLogger(options);
  const https =
    options.tls === undefined
      ? undefined
      : {
          cert: await readFile(resolve(context.cwd, options.tls.certFile), 'utf8'),
          key: await readFile(resolve(context.cwd, options.tls.keyFile), 'utf8'),
        };
  // Sign in with Microsoft and Entra access tokens, when PROVISIO_OIDC_* configure them
  // (docs/security.md#sign-in-with-microsoft): a wrong setting fails start-up naming the variable.
  const oidcSettings = await loadOidcSettings(context.env, {
    allowCustomEndpoints: options.allowCustomEndpoints,
  });
  const oidc = oidcSettings === null ? null : await createEntraOidc(oidcSettings);
  const service = await openService(
    { clock, logger, ...(options.keyFile === undefined ? {} : { keyFile: options.keyFile }) },
    context,
  ).catch(async (error: unknown) => {
    await oidc?.close();
    throw error;
  });
  const { store, vault, runtime } = service;
  let queue: CycleQueue | undefined;
  try {
    const publicUrl = options.publicUrl ?? `${https ? 'https' : 'http'}://${options.host}:${options.port}`;
    // Console sessions (cookie + CSRF) are the server's own; Entra access tokens come after them.
    const authenticators: Authenticator[] = oidc === null ? [] : [entraTokenAuthenticator(oidc, clock)];
    if (workers === 'external') {
      queue = await openCycleQueue(service.databaseUrl, logger, 'serve --workers external');
      logger.info('cycles run in provisio worker processes: this server queues them when they are due');
    }
    // The local administrator on the first start (docs/security.md#the-local-administrator).
    const admin = await bootstrapLocalAdmin(store, clock, context.env[ADMIN_PASSWORD_ENV]);
    const server = await createServer({
      store,
      clock,
      logger,
      runtime,
      vault,
      secretProviders: { env: environmentSecrets(context.env) },
      options: {
        allowCustomEndpoints: options.allowCustomEndpoints,
        publicUrl,
        ...consoleRootOption(logger),
      },
      version: '0.1.0',
      authenticators,
      ...(oidc === null
        ? {}
        : { oidc: { oidc, sessions: sessionIssuer(store, clock, { secure: secureCookies(publicUrl) }) } }),
      ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
      ...(https === undefined ? {} : { https }),
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      ...(queue === undefined
        ? {}
        : {
            workers: {
              queue,
              ...(options.orphanGraceMs === undefined ? {} : { orphanGraceMs: options.orphanGraceMs }),
            },
          }),
    });
    const url = await server.listen(options.host, options.port);
    logger.info({ url }, 'provisio serve is listening');
    announceLocalAdmin(admin, url, logger, options.consoleOutput ?? process.stderr);
    return {
      url,
      server,
      store,
      logger,
      async close(deadlineMs) {
        try {
          return await server.close(deadlineMs);
        } finally {
          await store.close();
          await oidc?.close();
        }
      },
    };
  } catch (error) {
    await queue?.close().catch(() => {});
    await store.close();
    await oidc?.close();
    throw error;
  }
}

/**
 * The built admin console (packages/console/dist, built by `npm install`): served at `/` when it is
 * there; without it the server answers the API alone and says why.
 */
function consoleRootOption(logger: Logger): { consoleRoot?: string } {
  const root = join(
    dirname(createRequire(import.meta.url).resolve('@provisio/console/package.json')),
    'dist',
  );
  if (existsSync(join(root, 'index.html'))) return { consoleRoot: root };
  logger.warn({ root }, 'the admin console is not built (run `npm run build`): serving the API only');
  return {};
}
