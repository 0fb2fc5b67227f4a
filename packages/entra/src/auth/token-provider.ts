import { ConfidentialClientApplication } from '@azure/msal-node';
import type { HttpTransport, NetworkError } from '../client/http.js';
import { msalAuthOptions } from './authority.js';
import { tokenFailure } from './errors.js';
import { msalNetworkModule } from './network.js';

/** An application access token for Graph, with what the connector needs to know about it. */
export interface AccessToken {
  readonly value: string;
  /** Epoch milliseconds. */
  readonly expiresOn: number;
  /** The Graph application permissions the token carries (its `roles` claim). */
  readonly roles: readonly string[];
}

/** Where Graph requests get their bearer token from. */
export interface TokenSource {
  /** A valid token: the cached one, or a new one once the cached one nears its expiry. */
  get(): Promise<AccessToken>;
  /** Forgets the cached token (Graph answered 401, or 403 after a consent change). */
  invalidate(): void;
}

/** Renew this long before expiry (msal's own default), or at half the lifetime of short tokens. */
const renewBeforeMs = 5 * 60_000;

export interface TokenProviderOptions {
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The `.default` scope of the Graph resource, e.g. `https://graph.microsoft.com/.default`. */
  readonly scope: string;
  readonly transport: HttpTransport;
  readonly now?: () => number;
}

/**
 * Client-credentials tokens from msal-node. The connector keeps the token itself (msal's cache is
 * skipped) so that it decides when to renew, and concurrent callers share one token request.
 */
export class MsalTokenProvider implements TokenSource {
  private readonly app: ConfidentialClientApplication;
  private readonly now: () => number;
  private cached: { token: AccessToken; renewAt: number } | null = null;
  private pending: Promise<AccessToken> | null = null;
  private lastNetworkError: NetworkError | null = null;

  constructor(private readonly options: TokenProviderOptions) {
    this.now = options.now ?? Date.now;
    this.app = new ConfidentialClientApplication({
      auth: msalAuthOptions(options),
      system: {
        networkClient: msalNetworkModule(options.transport, (error) => {
          this.lastNetworkError = error;
        }),
      },
    });
  }

  get(): Promise<AccessToken> {
    if (this.cached && this.now() < this.cached.renewAt) return Promise.resolve(this.cached.token);
    if (!this.pending)
      this.pending = this.acquire().finally(() => {
        this.pending = null;
      });
    return this.pending;
  }

  invalidate(): void {
    this.cached = null;
  }

  private async acquire(): Promise<AccessToken> {
    const issuedAt = this.now();
    this.lastNetworkError = null;
    let result: Awaited<ReturnType<ConfidentialClientApplication['acquireTokenByClientCredential']>>;
    try {
      result = await this.app.acquireTokenByClientCredential({
        scopes: [this.options.scope],
        skipCache: true,
      });
    } catch (error) {
      throw tokenFailure(error, this.options, this.lastNetworkError);
    }
    if (!result?.accessToken)
      throw tokenFailure(new Error('the identity platform answered without an access token'), this.options);
    const expiresOn = result.expiresOn?.getTime() ?? issuedAt + 60 * 60_000;
    const lifetime = Math.max(0, expiresOn - issuedAt);
    const token: AccessToken = {
      value: result.accessToken,
      expiresOn,
      roles: rolesOf(result.accessToken),
    };
    this.cached = { token, renewAt: expiresOn - Math.min(renewBeforeMs, lifetime / 2) };
    return token;
  }
}

/**
 * The `roles` claim of an access token, read without verifying it: only to explain a 403 (which
 * permissions the app has), never to decide access.
 */
export function rolesOf(jwt: string): string[] {
  const payload = jwt.split('.')[1];
  if (payload === undefined) return [];
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const roles = claims && typeof claims === 'object' ? (claims as Record<string, unknown>)['roles'] : null;
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string').sort() : [];
  } catch {
    return [];
  }
}
