import type { FaultInjector } from '../../common/faults.js';
import type { KeyedRateWindows } from '../../common/rate-limit.js';
import type { RequestLog } from '../../common/request-log.js';
import type { SigningKey } from '../identity/keys.js';
import type { EntraStore } from '../model/store.js';

/** An authorization code waiting to be redeemed (authorization-code flow with PKCE). */
export interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly userId: string;
  readonly scope: string;
  readonly nonce: string | null;
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: string | null;
  readonly expiresAt: number;
}

/** Everything route modules need, built once per emulator instance (no module-level state). */
export interface EntraContext {
  readonly store: EntraStore;
  readonly faults: FaultInjector;
  readonly requestLog: RequestLog;
  readonly signingKey: SigningKey;
  /** Per-app Graph request budgets; replaced when the configured budget changes. */
  throttles: KeyedRateWindows;
  readonly codes: Map<string, PendingCode>;
  /** Tells persistence (when there is some) that the state changed. */
  changed(): void;
}

/** What the hooks attach to each Graph request. */
export interface GraphRequestState {
  /** Application (client) id the token was issued to. */
  appId: string;
  /** Application permissions of the token. */
  roles: ReadonlySet<string>;
  /** `https://host:port` as the client addressed the emulator. */
  origin: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    graph: GraphRequestState;
  }
}
