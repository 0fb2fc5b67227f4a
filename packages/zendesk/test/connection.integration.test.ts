import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createZendeskTarget } from '../src/index.js';
import {
  type Harness,
  hostRewritingProxy,
  recordingSleep,
  startEmulator,
  targetFor,
} from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startEmulator({
    plan: 'enterprise',
    seed: {
      users: [
        { name: 'Agent Smith', email: 'smith@example.com', role: 'agent', verified: true },
        { name: 'Eve User', email: 'eve@example.com', verified: true },
      ],
    },
  });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.admin.control('POST', 'reset');
});

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('testConnection', () => {
  it('passes with an admin and an active token, and lists the custom roles', async () => {
    const { target } = targetFor(h);
    const check = await target.testConnection();
    expect(check.ok).toBe(true);
    expect(check.steps.map((s) => s.name)).toEqual([
      'account',
      'credentials',
      'admin rights',
      "credentials' owner",
      'read users',
      'custom roles',
    ]);
    expect(check.steps[1]?.detail).toContain('admin@example.com');
    expect(check.steps[3]?.detail).toMatch(
      /admin@example\.com.*never suspends, downgrades, renames or deletes/,
    );
    expect(check.steps[5]?.detail).toContain('Light Agent');
  });

  it('reports a bad token (Zendesk answers users/me as the anonymous user) without leaking it', async () => {
    const { target } = targetFor(h, { secretToken: 'wrong-secret-token-123' });
    const check = await target.testConnection();
    expect(check.ok).toBe(false);
    const failed = check.steps.find((s) => !s.ok);
    expect(failed).toMatchObject({ name: 'credentials', code: 'InvalidCredentials' });
    expect(failed?.fix).toMatch(/API token/);
    expect(JSON.stringify(check)).not.toContain('wrong-secret-token-123');
    expect(check.steps[0]).toMatchObject({ name: 'account', ok: true });
  });

  it('reports an unknown admin username as bad credentials', async () => {
    const { target } = targetFor(h, { adminUsername: 'nobody@example.com' });
    const check = await target.testConnection();
    expect(check.steps.find((s) => !s.ok)?.code).toBe('InvalidCredentials');
  });

  it('reports a user who is not an admin', async () => {
    for (const [email, role] of [
      ['smith@example.com', 'agent'],
      ['eve@example.com', 'end-user'],
    ] as const) {
      const { target } = targetFor(h, { adminUsername: email });
      const check = await target.testConnection();
      expect(check.ok).toBe(false);
      const failed = check.steps.find((s) => !s.ok);
      expect(failed).toMatchObject({ name: 'admin rights', code: 'NotAnAdmin' });
      expect(failed?.detail).toContain(role === 'agent' ? 'an agent' : 'end-user');
      expect(failed?.fix).toMatch(/admin/);
    }
  });

  it('reports an unknown subdomain (404 with an empty body)', async () => {
    const proxy = await hostRewritingProxy(h.emulator.port, 'someone-else.zendesk.com');
    try {
      const { target } = targetFor(h, { baseUrl: proxy.url });
      const check = await target.testConnection();
      expect(check.ok).toBe(false);
      expect(check.steps).toHaveLength(1);
      expect(check.steps[0]).toMatchObject({ name: 'account', ok: false, code: 'UnknownSubdomain' });
      expect(check.steps[0]?.fix).toMatch(/subdomain/);
    } finally {
      await proxy.close();
    }
  });

  it('reports a host that does not resolve, and a refused connection, without throwing', async () => {
    const { sleep } = recordingSleep(1);
    const dns = createZendeskTarget({
      domain: 'acme',
      adminUsername: 'admin@example.com',
      secretToken: 'secret-token-value',
      baseUrl: 'https://no-such-zendesk-account.invalid',
      sleep,
    });
    const check = await dns.testConnection();
    expect(check.ok).toBe(false);
    expect(check.steps[0]).toMatchObject({ name: 'account', code: 'HostNotFound' });
    expect(JSON.stringify(check)).not.toContain('secret-token-value');

    const refused = createZendeskTarget({
      domain: 'acme',
      adminUsername: 'admin@example.com',
      secretToken: 'secret-token-value',
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      sleep,
    });
    const check2 = await refused.testConnection();
    expect(check2.steps[0]).toMatchObject({ name: 'account', code: 'ZendeskNetworkError' });
    expect(check2.steps[0]?.detail).toContain('ECONNREFUSED');
  });

  it('on a plan without custom roles the check still passes and says so', async () => {
    await h.admin.control('PUT', 'config', { plan: 'professional' });
    const { target } = targetFor(h);
    const check = await target.testConnection();
    expect(check.ok).toBe(true);
    expect(check.steps.at(-1)?.detail).toMatch(/not available on this plan/);
  });
});
