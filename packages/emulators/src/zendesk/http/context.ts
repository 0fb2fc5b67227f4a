import type { FaultInjector } from '../../common/faults.js';
import type { KeyedRateWindows, RateWindow } from '../../common/rate-limit.js';
import type { RequestLog } from '../../common/request-log.js';
import type { JobRunner } from '../model/jobs.js';
import type { Renderer } from '../model/render.js';
import type { ZendeskStore } from '../model/store.js';
import type { UserRecord } from '../model/types.js';
import type { PageRequest } from './pagination.js';

/** Everything route modules need, built once per emulator instance (no module-level state). */
export interface EmulatorContext {
  readonly store: ZendeskStore;
  readonly jobs: JobRunner;
  readonly faults: FaultInjector;
  readonly requestLog: RequestLog;
  readonly limits: {
    /** The account-wide budget of the plan. */
    readonly account: RateWindow;
    /** Update User: 5 requests a minute for each user. */
    readonly userUpdates: KeyedRateWindows;
    /** Permanent user deletions: 700 every 10 minutes. */
    readonly permanentDeletes: RateWindow;
    /** Incremental exports: 10 requests a minute. */
    readonly incremental: RateWindow;
  };
  /** Tells persistence that the state changed. */
  changed(): void;
}

/** What the hooks attach to each API request. */
export interface ZendeskRequestState {
  /** The authenticated user, or null when credentials were missing or wrong. */
  user: UserRecord | null;
  render: Renderer;
  page: PageRequest;
}

declare module 'fastify' {
  interface FastifyRequest {
    zd: ZendeskRequestState;
  }
  interface FastifyInstance {
    /** Every API route the emulator serves, as `METHOD /api/v2/path/{param}`. */
    zendeskApiRoutes: readonly string[];
  }
}
