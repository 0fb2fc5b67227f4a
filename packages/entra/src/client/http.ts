import { rootCertificates } from 'node:tls';
import { classifyNetworkError, type NetworkFailureInfo } from '@provisio/engine';
import { Agent, fetch, type Response } from 'undici';

/**
 * The one HTTP stack of the connector: undici's fetch over an Agent of our own, used for Graph and
 * (through the msal network module) for the identity platform. An extra CA is added to Node's root
 * certificates rather than replacing them, so trusting the emulator (or a corporate proxy) does not
 * stop the real Graph from working.
 */
export interface HttpTransport {
  request(
    url: string,
    init: {
      method: 'GET' | 'POST' | 'PATCH';
      headers: Record<string, string>;
      body?: string;
      timeoutMs: number;
    },
  ): Promise<Response>;
  close(): Promise<void>;
}

export function createTransport(options: { ca?: string }): HttpTransport {
  const agent = new Agent({
    connect: options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] },
    keepAliveTimeout: 10_000,
  });
  return {
    request: (url, init) =>
      fetch(url, {
        method: init.method,
        headers: init.headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        dispatcher: agent,
        signal: AbortSignal.timeout(init.timeoutMs),
      }),
    close: () => agent.close(),
  };
}

/** A network failure (no HTTP answer): connection refused or reset, TLS, DNS, timeout. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  /** What kind of failure it is, and whether trying again may help (the engine's classification). */
  readonly failure: NetworkFailureInfo;
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`${new URL(url).origin}: ${describeNetworkCause(cause)}`, { cause });
    this.failure = classifyNetworkError(cause);
  }
}

/** The most telling part of undici's nested causes ("fetch failed" → "connect ECONNREFUSED …"). */
export function describeNetworkCause(cause: unknown): string {
  const parts: string[] = [];
  let current: unknown = cause;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    if (current.name === 'TimeoutError' || current.name === 'AbortError') parts.push('timed out');
    else if (current.message && current.message !== 'fetch failed') parts.push(current.message);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : 'fetch failed';
}
