/**
 * What the server's routes and its scheduler are given: the ports, wired once by the composition
 * root (`provisio serve` in packages/cli). Nothing here is a module-level singleton.
 */
import type {
  Clock,
  CompiledJob,
  EngineDeps,
  JobDefinition,
  SecretProvider,
  StateStore,
} from '@provisio/engine';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from './metrics.js';
import type { OidcRoutesConfig } from './routes/oidc.js';

/** A job's connectors and engine ports, opened for one use (a cycle loop, a credential check). */
export interface OpenedJob {
  readonly config: CompiledJob;
  readonly deps: EngineDeps;
  close(): Promise<void>;
}

export interface JobRuntime {
  /**
   * Compiles `definition` with its secrets (resolved through `secrets`) and wires its connectors.
   * Throws `ConfigError` listing every problem when it cannot run.
   */
  open(definition: JobDefinition, secrets: SecretProvider, hooks?: JobHooks): Promise<OpenedJob>;
}

export interface JobHooks {
  /** Told the status of every response from the source and target systems (metrics). */
  readonly onUpstreamResponse?: (system: 'entra' | 'zendesk', status: number) => void;
}

/** Seals and opens secret values with the server's key (docs/security.md#secrets-at-rest). */
export interface SecretVault {
  seal(value: string): string;
  /** Throws when the envelope was not sealed by this key. */
  open(sealed: string): string;
}

/** What the admin API asks of the scheduler. */
export interface SchedulerControl {
  /** Looks at the stored jobs again now: starts new ones, restarts changed ones, stops removed ones. */
  refresh(): Promise<void>;
  /** Runs the job's next cycle now (Provisioning Status On / Graph `start`). */
  runNow(jobId: string): Promise<void>;
  /** The running cycle's progress, if one runs in this process. */
  progress(jobId: string): JobProgress | null;
}

export interface JobProgress {
  readonly cycleId: string | null;
  readonly startedAt: string;
  readonly phase: string;
  readonly done: number;
  readonly total: number | null;
}

export interface ServerOptions {
  /** Accept `BaseAddress`, `EntraAuthorityHost` and `EntraGraphBaseUrl` secrets (the emulators need it). */
  readonly allowCustomEndpoints: boolean;
  /** The URL people reach the server at (sign-in redirects, links): e.g. https://provisio.example.com */
  readonly publicUrl: string;
  /** The built admin console (packages/console/dist) to serve at `/`; none: the API alone. */
  readonly consoleRoot?: string;
}

export interface ServerContext {
  readonly store: StateStore;
  readonly clock: Clock;
  readonly logger: FastifyBaseLogger;
  readonly metrics: Metrics;
  readonly runtime: JobRuntime;
  readonly vault: SecretVault;
  /** Resolves a job definition's secret references (`store:` and the installation's other schemes). */
  readonly secrets: SecretProvider;
  readonly scheduler: SchedulerControl;
  readonly options: ServerOptions;
  /** provisio's version (GET /provisio/v1/server, the OpenAPI document). */
  readonly version: string;
  /** False once shutdown began: `/readyz` turns 503 so that a load balancer sends work elsewhere. */
  readonly accepting: () => boolean;
  /** Sign-in with Microsoft (routes/oidc.ts); absent when the installation did not configure it. */
  readonly oidc?: OidcRoutesConfig;
}
