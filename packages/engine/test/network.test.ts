import { describe, expect, it } from 'vitest';
import { classifyNetworkError } from '../src/index.js';

/** What undici's fetch throws: `TypeError: fetch failed` with the system error as its cause. */
const fetchFailed = (code: string | undefined, message = `connect ${code}`) =>
  Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error(message), code === undefined ? {} : { code }),
  });

describe('classifyNetworkError', () => {
  it('fails at once on what cannot pass by itself: unknown host, refused port, untrusted certificates', () => {
    const cases: [string, string][] = [
      ['ENOTFOUND', 'host-not-found'],
      ['ECONNREFUSED', 'refused'],
      ['EHOSTUNREACH', 'unreachable'],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls-untrusted'],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls-untrusted'],
      ['SELF_SIGNED_CERT_IN_CHAIN', 'tls-untrusted'],
      ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'tls-untrusted'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls-hostname'],
      ['CERT_HAS_EXPIRED', 'tls-expired'],
      ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls-protocol'],
    ];
    for (const [code, kind] of cases)
      expect(classifyNetworkError(fetchFailed(code))).toMatchObject({ kind, code, retryable: false });
  });

  it('retries timeouts, resets, a DNS server that did not answer, and failures it cannot name', () => {
    for (const [code, kind] of [
      ['ECONNRESET', 'reset'],
      ['UND_ERR_SOCKET', 'reset'],
      ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
      ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
      ['EAI_AGAIN', 'dns-temporary'],
    ] as const)
      expect(classifyNetworkError(fetchFailed(code))).toMatchObject({ kind, code, retryable: true });
    // AbortSignal.timeout() rejects with a DOMException named TimeoutError.
    expect(classifyNetworkError(new DOMException('aborted', 'TimeoutError'))).toMatchObject({
      kind: 'timeout',
      code: 'ETIMEDOUT',
      retryable: true,
    });
    expect(classifyNetworkError(fetchFailed(undefined, 'something odd'))).toMatchObject({
      kind: 'unknown',
      code: 'ENETWORK',
      retryable: true,
    });
    expect(classifyNetworkError('not an error')).toMatchObject({ kind: 'unknown', retryable: true });
  });

  it('looks into an AggregateError (every address of a host refused) and blocked ports', () => {
    const both = Object.assign(new TypeError('fetch failed'), {
      cause: new AggregateError([
        Object.assign(new Error('connect ECONNREFUSED ::1:9'), { code: 'ECONNREFUSED' }),
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
      ]),
    });
    expect(classifyNetworkError(both)).toMatchObject({ kind: 'refused', retryable: false });
    expect(classifyNetworkError(fetchFailed(undefined, 'bad port'))).toMatchObject({
      kind: 'refused',
      code: 'EBADPORT',
      retryable: false,
    });
  });

  it('describes each kind in a few words', () => {
    expect(classifyNetworkError(fetchFailed('ENOTFOUND')).description).toBe(
      'the host name was not found (DNS)',
    );
    expect(classifyNetworkError(fetchFailed('SELF_SIGNED_CERT_IN_CHAIN')).description).toBe(
      'the server certificate is not trusted',
    );
  });
});
