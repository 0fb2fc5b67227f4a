/**
 * What a failed connection (no HTTP answer) means, from the error Node's `fetch` (undici) throws:
 * its nested causes carry Node's system error codes (https://nodejs.org/api/errors.html#common-system-errors),
 * OpenSSL's certificate verification codes (https://nodejs.org/api/tls.html, `X509_V_ERR_*` without
 * the prefix) and undici's own (`UND_ERR_*`). Both connectors decide with it what to retry: only a
 * failure that may pass by itself (a timeout, a connection reset, a DNS server that did not answer
 * in time) is worth another attempt; an unknown host, a refused port or an untrusted certificate
 * fails the same way every time, so they fail at once with what to fix (docs/provisioning.md#retries).
 */

export type NetworkFailureKind =
  /** The host name does not exist (`ENOTFOUND`): a typo in the host, or DNS that cannot see it. */
  | 'host-not-found'
  /** The DNS server did not answer in time (`EAI_AGAIN`): temporary by definition, retried. */
  | 'dns-temporary'
  /** Nothing listens on that host and port (`ECONNREFUSED`), or fetch refuses the port itself. */
  | 'refused'
  /** No route to the host or network (`EHOSTUNREACH`, `ENETUNREACH`). */
  | 'unreachable'
  /** The certificate is not signed by a trusted authority (self-signed, unknown CA). */
  | 'tls-untrusted'
  /** The certificate is not for this host name (`ERR_TLS_CERT_ALTNAME_INVALID`). */
  | 'tls-hostname'
  /** The certificate has expired or is not yet valid. */
  | 'tls-expired'
  /** The other side does not speak TLS (an `http://` port), or the handshake failed. */
  | 'tls-protocol'
  /** No answer in time (connect, headers, body, or the request's own timeout). */
  | 'timeout'
  /** The connection was reset or closed in the middle. */
  | 'reset'
  /** A failure without a code provisio knows: treated as transient. */
  | 'unknown';

export interface NetworkFailureInfo {
  readonly kind: NetworkFailureKind;
  /** The code found in the causes (`ECONNREFUSED`, `SELF_SIGNED_CERT_IN_CHAIN`…), `ETIMEDOUT` for a timeout, `ENETWORK` without one. */
  readonly code: string;
  /** Whether trying again as it is may succeed: timeouts, resets, `EAI_AGAIN` and unknown failures. */
  readonly retryable: boolean;
  /** A few words for messages: "the host name was not found (DNS)". */
  readonly description: string;
}

const kinds: Readonly<Record<string, NetworkFailureKind>> = {
  ENOTFOUND: 'host-not-found',
  EAI_NONAME: 'host-not-found',
  EAI_NODATA: 'host-not-found',
  EAI_AGAIN: 'dns-temporary',
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ECONNRESET: 'reset',
  ECONNABORTED: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  // Certificate verification (OpenSSL's X509_V_ERR_* as Node names them).
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls-untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'tls-untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls-untrusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls-untrusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls-untrusted',
  CERT_UNTRUSTED: 'tls-untrusted',
  CERT_REJECTED: 'tls-untrusted',
  CERT_SIGNATURE_FAILURE: 'tls-untrusted',
  CERT_REVOKED: 'tls-untrusted',
  INVALID_CA: 'tls-untrusted',
  PATH_LENGTH_EXCEEDED: 'tls-untrusted',
  INVALID_PURPOSE: 'tls-untrusted',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 'tls-untrusted',
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'tls-untrusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls-hostname',
  HOSTNAME_MISMATCH: 'tls-hostname',
  CERT_HAS_EXPIRED: 'tls-expired',
  CERT_NOT_YET_VALID: 'tls-expired',
  EPROTO: 'tls-protocol',
};

const descriptions: Readonly<Record<NetworkFailureKind, string>> = {
  'host-not-found': 'the host name was not found (DNS)',
  'dns-temporary': 'the DNS server did not answer in time',
  refused: 'the connection was refused',
  unreachable: 'the host or its network cannot be reached',
  'tls-untrusted': 'the server certificate is not trusted',
  'tls-hostname': 'the server certificate is not for this host name',
  'tls-expired': 'the server certificate has expired or is not yet valid',
  'tls-protocol': 'the TLS handshake failed',
  timeout: 'timed out',
  reset: 'the connection was reset',
  unknown: 'the request failed',
};

const transient: ReadonlySet<NetworkFailureKind> = new Set(['dns-temporary', 'timeout', 'reset', 'unknown']);

function kindOf(code: string): NetworkFailureKind | null {
  const known = kinds[code];
  if (known !== undefined) return known;
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'tls-protocol';
  return null;
}

/**
 * Classifies a fetch failure by the first known code in its causes (at most 6 deep, and the
 * `errors` of an AggregateError, which fetch throws when every address of a host refused).
 */
export function classifyNetworkError(error: unknown): NetworkFailureInfo {
  const seen: unknown[] = [error];
  for (let i = 0; i < seen.length && i < 12; i += 1) {
    const current = seen[i];
    if (!current || typeof current !== 'object') continue;
    const { code, name, message, cause, errors } = current as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (name === 'TimeoutError' || name === 'AbortError') return info('timeout', 'ETIMEDOUT');
    if (typeof code === 'string') {
      const kind = kindOf(code);
      if (kind !== null) return info(kind, code);
    }
    // fetch refuses some ports outright (https://fetch.spec.whatwg.org/#port-blocking).
    if (message === 'bad port') return info('refused', 'EBADPORT');
    if (cause !== undefined) seen.push(cause);
    if (Array.isArray(errors)) seen.push(...errors);
  }
  return info('unknown', 'ENETWORK');
}

function info(kind: NetworkFailureKind, code: string): NetworkFailureInfo {
  return { kind, code, retryable: transient.has(kind), description: descriptions[kind] };
}
