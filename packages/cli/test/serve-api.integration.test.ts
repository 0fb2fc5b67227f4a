/**
 * `provisio serve`'s admin API over real HTTP: the service routes, Graph's error body, and who may
 * call what. The access test reads the routes from the server's own OpenAPI document, so a route
 * added later is covered without editing this file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeHarness, startServeHarness } from './support/serve.js';

let h: ServeHarness;
beforeAll(async () => {
  h = await startServeHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('provisio serve: the service routes', () => {
  it('answers /healthz and /readyz to anyone, naming the checks', async () => {
    const health = await h.call('/healthz', { token: null });
    expect(health.status).toBe(200);
    const ready = await h.call('/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ok',
      checks: { shutdown: 'not requested', stateStore: 'reachable', migrations: 'applied' },
    });
  });

  it('serves Prometheus metrics to a Reader', async () => {
    const response = await h.call('/metrics', { token: await h.token('Reader') });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('# TYPE provisio_cycles_total counter');
    expect(text).toContain('provisio_http_requests_total{route="/readyz",method="GET",status="200"} 1');
  });

  it("answers an unknown route with Graph's error body, echoing client-request-id", async () => {
    const response = await h.call('/v1.0/nothing-here', { headers: { 'client-request-id': 'abc-123' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('client-request-id')).toBe('abc-123');
    const body = (await response.json()) as {
      error: { code: string; message: string; innerError: Record<string, string> };
    };
    expect(body.error.code).toBe('Request_ResourceNotFound');
    expect(body.error.innerError['request-id']).toBe(response.headers.get('request-id'));
    expect(body.error.innerError['client-request-id']).toBe('abc-123');
    expect(body.error.innerError['date']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('refuses an unknown or malformed bearer token with 401 and a challenge', async () => {
    for (const authorization of ['Bearer pvo_not-a-token', 'Basic YWRtaW46YWRtaW4=']) {
      const response = await h.call('/metrics', { token: null, headers: { authorization } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'InvalidAuthenticationToken',
      );
    }
  });
});

describe('provisio serve: every route checks who is calling', () => {
  interface Operation {
    path: string;
    method: string;
    access: string;
  }
  let operations: Operation[];
  beforeAll(async () => {
    const response = await h.call('/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { 'x-provisio-access'?: string }>>;
    };
    expect(document.openapi).toBe('3.1.0');
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        path,
        method: method.toUpperCase(),
        access: operation['x-provisio-access'] ?? 'undeclared',
      })),
    );
  });

  /** A concrete URL for an OpenAPI path: each `{param}` filled with a made-up value. */
  const urlOf = (path: string) => path.replace(/\{[^}]+\}/g, 'a1b2c3');

  it('declares who may call each route in the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(3);
    for (const operation of operations)
      expect(
        ['anonymous', 'Reader', 'Operator', 'Administrator'],
        `${operation.method} ${operation.path}`,
      ).toContain(operation.access);
    const anonymous = operations.filter((o) => o.access === 'anonymous').map((o) => o.path);
    // Only health, sign-in and the single sign-on bridge (Zendesk sends anyone there) answer anyone.
    for (const path of anonymous)
      expect(path).toMatch(/^\/(healthz|readyz)$|^\/provisio\/v1\/auth\/|^\/sso\/zendesk\//);
  });

  it('refuses every non-anonymous route to an anonymous caller (401)', async () => {
    for (const operation of operations.filter((o) => o.access !== 'anonymous')) {
      const response = await h.call(urlOf(operation.path), { method: operation.method, token: null });
      expect(response.status, `${operation.method} ${operation.path}`).toBe(401);
    }
  });

  it("refuses every route above the caller's role (403)", async () => {
    const below: Record<string, 'Reader' | 'Operator' | undefined> = {
      Operator: 'Reader',
      Administrator: 'Operator',
    };
    const tokens = { Reader: await h.token('Reader'), Operator: await h.token('Operator') };
    let checked = 0;
    for (const operation of operations) {
      const role = below[operation.access];
      if (role === undefined) continue;
      const response = await h.call(urlOf(operation.path), { method: operation.method, token: tokens[role] });
      expect(response.status, `${operation.method} ${operation.path} as ${role}`).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'Authorization_RequestDenied',
      );
      checked++;
    }
    if (operations.some((o) => o.access === 'Operator' || o.access === 'Administrator'))
      expect(checked).toBeGreaterThan(0);
  });
});

describe('provisio serve: the secret key', () => {
  it('refuses to start with a key that does not open the stored secrets, naming the fix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'provisio-key-'));
    try {
      const first = await startServeHarness({ dir });
      await first.close();
      // The harness draws a new random key: not the one the store's secrets were sealed with.
      const second = startServeHarness({ dir });
      await expect(second).rejects.toThrow(
        /does not open the secrets in the state store.*PROVISIO_SECRET_KEY/s,
      );
      // With the right key it starts again.
      const again = await startServeHarness({
        dir,
        env: { PROVISIO_SECRET_KEY: first.env['PROVISIO_SECRET_KEY'] ?? '' },
      });
      expect((await again.call('/readyz', { token: null })).status).toBe(200);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
