import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { type HttpTransport, NetworkError } from '../client/http.js';

/** msal sends a timeout for GETs only; token POSTs get this one. */
const tokenTimeoutMs = 30_000;

/**
 * msal-node's network module over the connector's own transport, so token requests trust the same
 * CA as Graph requests (per connector, never process-wide like NODE_EXTRA_CA_CERTS).
 */
export function msalNetworkModule(
  transport: HttpTransport,
  onNetworkError: (error: NetworkError) => void = () => {},
): INetworkModule {
  const send = async <T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeoutMs: number,
  ): Promise<NetworkResponse<T>> => {
    let response: Awaited<ReturnType<HttpTransport['request']>>;
    try {
      response = await transport.request(url, {
        method,
        headers: options?.headers ?? {},
        ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
        timeoutMs,
      });
    } catch (error) {
      // msal replaces the rejection with its own `network_error` without the cause; keep it aside
      // so the failure can say what went wrong (refused, TLS, timeout).
      const failure = new NetworkError(url, error);
      onNetworkError(failure);
      throw failure;
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // msal reads `error`/`error_description` from the body; a non-JSON answer (a proxy's HTML page)
      // becomes an error it can report with the status.
      body = { error: 'invalid_response', error_description: `HTTP ${response.status} without a JSON body` };
    }
    return { status: response.status, headers, body: body as T };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout ?? tokenTimeoutMs),
    sendPostRequestAsync: (url, options) => send('POST', url, options, tokenTimeoutMs),
  };
}
