import { createServer } from 'node:net';
import { ConnectorFailure } from '@provisio/engine';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEntraEmulator } from '../../emulators/src/index.js';
import { createZendeskTarget } from '../src/index.js';
import { type Harness, startEmulator, targetFor } from './support/harness.js';

/**
 * What the Zendesk client retries and what it does not (docs/provisioning.md#retries), against the
 * emulator with injected faults. Sleeps are injected: nothing here waits for real.
 */

let h: Harness;
beforeAll(async () => {
  h = await startEmulator({ plan: 'enterprise', seed: { generate: { endUsers: 20 } } });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('PUT', 'config', { faults: 'none' });
  await h.admin.control('DELETE', 'requests');
});

/** A loopback port nothing listens on. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function failureOf(promise: Promise<unknown>): Promise<ConnectorFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorFailure);
  return error as ConnectorFailure;
}

describe('retried', () => {
  it('a 500 on a read, then success: the load succeeds after one back-off', async () => {
    const waits: number[] = [];
    const target = createZendeskTarget({
      domain: h.emulator.settings.subdomain,
      adminUsername: h.emulator.adminEmail,
      secretToken: h.emulator.apiToken,
      baseUrl: h.emulator.url,
      // The first wait ends the fault: every request before it answered 500.
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 1) await h.admin.control('PUT', 'config', { faults: 'none' });
      },
    });
    expect((await h.admin.control('PUT', 'config', { faults: '500=1' })).status).toBe(200);
    const users = await target.loadUsers();
    expect(users.length).toBeGreaterThan(20);
    expect(waits[0]).toBe(1000);
    const requests = await h.admin.control('GET', 'requests');
    const statuses = (requests.body.byRoute as { status: number; count: number }[]).filter(
      (r) => r.status === 500,
    );
    expect(statuses.reduce((n, r) => n + r.count, 0)).toBeGreaterThanOrEqual(1);
  });
});

describe('failing at once, with the fix', () => {
  it('a refused port: one attempt, no wait, the fix names target.baseUrl', async () => {
    const port = await refusedPort();
    const { target, waits } = targetFor(h, { baseUrl: `http://127.0.0.1:${port}` });
    const started = performance.now();
    const failure = await failureOf(target.loadUsers());
    expect(performance.now() - started).toBeLessThan(5000);
    expect(waits).toEqual([]);
    expect(target.requestCount).toBe(2); // custom roles and the first page, in parallel, once each
    expect(failure.detail).toMatchObject({ code: 'ZendeskNetworkError', retryable: false });
    expect(failure.detail.recommendedAction).toContain(`Nothing accepts connections at 127.0.0.1:${port}`);
    expect(JSON.stringify(failure.detail)).not.toContain(h.emulator.apiToken);

    const check = await target.testConnection();
    expect(check.ok).toBe(false);
    expect(check.steps[0]).toMatchObject({ name: 'account', ok: false, code: 'ZendeskNetworkError' });
    expect(check.steps[0]?.fix).toContain('target.baseUrl');
    expect(waits).toEqual([]);
  });

  it('an unknown host: HostNotFound at once', async () => {
    const { target, waits } = targetFor(h, { baseUrl: 'https://zendesk.provisio-test.invalid' });
    const check = await target.testConnection();
    expect(check.steps[0]).toMatchObject({ name: 'account', ok: false, code: 'HostNotFound' });
    expect(waits).toEqual([]);
    expect(target.requestCount).toBe(1);
  });

  it('an HTTPS endpoint with an untrusted certificate: at once, the fix names the CA', async () => {
    // Any HTTPS server with a self-signed certificate will do: the Entra emulator's.
    const https = await startEntraEmulator({ port: 0 });
    try {
      const { target, waits } = targetFor(h, { baseUrl: https.url });
      const failure = await failureOf(target.loadUsers());
      expect(waits).toEqual([]);
      expect(failure.detail).toMatchObject({ code: 'ZendeskNetworkError', retryable: false });
      expect(failure.message).toMatch(
        /not trusted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/,
      );
      expect(failure.detail.recommendedAction).toContain('NODE_EXTRA_CA_CERTS');
    } finally {
      await https.close();
    }
  });

  it('401 and 403 are not retried', async () => {
    const { target, waits } = targetFor(h, { secretToken: 'not-the-token' });
    const failure = await failureOf(target.loadUsers());
    expect(failure.detail.code).toBe('InvalidCredentials');
    expect(waits).toEqual([]);
    expect(target.requestCount).toBeLessThanOrEqual(2);
  });
});
