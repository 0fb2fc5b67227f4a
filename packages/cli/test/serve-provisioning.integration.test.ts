/**
 * The Provisioning page's API (docs/api.md#provisioning-page): what is saved without the secrets
 * (`GET /provisio/v1/servicePrincipals/{spId}/secrets`), Test Connection explained
 * (`POST /provisio/v1/jobs/{jobId}/testConnection`, unsaved values tested over the saved ones) and
 * the server's facts (`GET /provisio/v1/server`): each answer, each refusal, and no credential in
 * any answer.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobHarness, startJobHarness } from './support/provisioning.js';
import { type ServeHarness, startServeHarness } from './support/serve.js';

const zendeskToken = `zd-token-${randomBytes(12).toString('hex')}`;
const entraSecret = `entra-secret-${randomBytes(12).toString('hex')}`;
const wrongToken = `wrong-token-${randomBytes(12).toString('hex')}`;
const secretValues = [zendeskToken, entraSecret, wrongToken];

let h: JobHarness;
let s: ServeHarness;
let base: string;
let jobId: string;
const bodies: string[] = [];

async function call(path: string, init: Parameters<ServeHarness['call']>[1] = {}): Promise<Response> {
  const response = await s.call(path, init);
  bodies.push(`${path} ${response.status} ${await response.clone().text()}`);
  return response;
}

interface Check {
  system: string;
  name: string;
  level: 'required' | 'optional';
  status: string;
  lost: string | null;
  message: string;
  code: string | null;
  fix: string | null;
}
interface Saved {
  key: string;
  configured: boolean;
  value: string | null;
  hint: string | null;
}

function credentials(token: string) {
  return [
    { key: 'UserName', value: h.zendesk.emulator.adminEmail },
    { key: 'SecretToken', value: token },
    { key: 'Domain', value: h.zendesk.emulator.settings.subdomain },
    { key: 'BaseAddress', value: h.zendesk.emulator.url },
    { key: 'EntraTenantId', value: h.entra.emulator.tenantId },
    { key: 'EntraClientId', value: h.entra.emulator.clientId },
    { key: 'EntraClientSecret', value: entraSecret },
    { key: 'EntraAuthorityHost', value: h.entra.emulator.url },
    { key: 'EntraGraphBaseUrl', value: h.entra.emulator.url },
    { key: 'EntraCaCertificate', value: h.entra.emulator.certificatePem },
  ];
}

async function saved(): Promise<Saved[]> {
  const response = await call(`/provisio/v1/servicePrincipals/${h.servicePrincipalId}/secrets`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { value: Saved[] }).value;
}

beforeAll(async () => {
  h = await startJobHarness({ entra: { clientSecret: entraSecret }, zendesk: { apiToken: zendeskToken } });
  s = await startServeHarness({ allowCustomEndpoints: true });
  base = `/v1.0/servicePrincipals/${h.servicePrincipalId}/synchronization`;
  const created = await call(`${base}/jobs`, { method: 'POST', json: { templateId: 'zendesk' } });
  expect(created.status).toBe(201);
  jobId = ((await created.json()) as { id: string }).id;
}, 60_000);
afterAll(async () => {
  await s?.close();
  await h?.close();
});

describe('GET /provisio/v1/server', () => {
  it('tells a Reader the version and whether custom endpoints are accepted', async () => {
    const response = await call('/provisio/v1/server', { token: await s.token('Reader') });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      version: expect.any(String),
      allowCustomEndpoints: true,
      publicUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/),
    });
    expect((await call('/provisio/v1/server', { token: null })).status).toBe(401);
  });
});

describe('POST /provisio/v1/jobs/{jobId}/testConnection', () => {
  const path = () => `/provisio/v1/jobs/${jobId}/testConnection`;

  it('names the missing keys of a job with nothing saved', async () => {
    const response = await call(path(), { method: 'POST', json: {} });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { code: string; message: string; details: { target: string }[] };
    };
    expect(body.error.code).toBe('CredentialsMissing');
    expect(body.error.message).toContain('SecretToken');
    expect(body.error.details.map((d) => d.target)).toContain('UserName');
  });

  it('explains why a wrong Secret Token fails, without saving or echoing it', async () => {
    const response = await call(path(), { method: 'POST', json: { credentials: credentials(wrongToken) } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { succeeded: boolean; checks: Check[] };
    expect(body.succeeded).toBe(false);
    const failed = body.checks.filter((c) => c.status === 'failure');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((c) => c.system === 'Zendesk')).toBe(true);
    expect(failed[0]?.code).toBeTruthy();
    expect(failed[0]?.fix).toBeTruthy();
    expect(failed[0]?.message.length).toBeGreaterThan(10);
    // Entra's side passed.
    expect(body.checks.some((c) => c.system === 'Microsoft Entra ID' && c.status === 'success')).toBe(true);
    expect((await saved()).every((entry) => !entry.configured)).toBe(true);
  });

  it('succeeds with the right credentials, every check explained', async () => {
    const response = await call(path(), { method: 'POST', json: { credentials: credentials(zendeskToken) } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { succeeded: boolean; checks: Check[] };
    expect(body.succeeded).toBe(true);
    expect(new Set(body.checks.map((c) => c.system))).toEqual(new Set(['Microsoft Entra ID', 'Zendesk']));
    expect(body.checks.every((c) => c.status === 'success' && c.fix === null && c.code === null)).toBe(true);
    expect(body.checks.every((c) => c.lost === null)).toBe(true);
    // Role import is optional (hand-made app roles work); reading users is not.
    expect(body.checks.find((c) => c.name === 'import roles')?.level).toBe('optional');
    expect(body.checks.find((c) => c.name === 'read users')?.level).toBe('required');
    expect(body.checks.find((c) => c.name === 'credentials')?.message).toContain(
      h.zendesk.emulator.adminEmail,
    );
  });

  it('refuses a value that is not valid, naming the key', async () => {
    const response = await call(path(), {
      method: 'POST',
      json: { credentials: [...credentials(zendeskToken), { key: 'UserName', value: 'not an address' }] },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; details: { target: string }[] } };
    expect(body.error.details.map((d) => d.target)).toEqual(['UserName']);
  });

  it('is for Administrators only, and 404 for an unknown job', async () => {
    for (const role of ['Reader', 'Operator'] as const) {
      const response = await call(path(), { method: 'POST', json: {}, token: await s.token(role) });
      expect(response.status, role).toBe(403);
    }
    const missing = await call('/provisio/v1/jobs/zendesk.nothing.here/testConnection', {
      method: 'POST',
      json: {},
    });
    expect(missing.status).toBe(404);
  });
});

describe('GET /provisio/v1/servicePrincipals/{spId}/secrets', () => {
  it('lists every key unconfigured before anything is saved', async () => {
    const value = await saved();
    expect(value.map((v) => v.key)).toContain('SecretToken');
    expect(value.length).toBe(16);
    expect(value.map((v) => v.key)).toEqual(
      expect.arrayContaining(['SsoEnabled', 'SsoSharedSecret', 'SsoSharedSecretPrevious']),
    );
    expect(value.every((v) => !v.configured && v.value === null && v.hint === null)).toBe(true);
  });

  it('shows the plain values and only the last four characters of the credentials', async () => {
    const put = await call(`${base}/secrets`, { method: 'PUT', json: { value: credentials(zendeskToken) } });
    expect(put.status).toBe(204);
    const value = await saved();
    const of = (key: string) => value.find((v) => v.key === key);
    expect(of('UserName')).toEqual({
      key: 'UserName',
      configured: true,
      value: h.zendesk.emulator.adminEmail,
      hint: null,
    });
    expect(of('SecretToken')).toEqual({
      key: 'SecretToken',
      configured: true,
      value: null,
      hint: `…${zendeskToken.slice(-4)}`,
    });
    expect(of('EntraClientSecret')?.hint).toBe(`…${entraSecret.slice(-4)}`);
    expect(of('SyncAll')).toMatchObject({ configured: false, value: null });
    // The saved credentials test good without a body.
    const tested = await call(`/provisio/v1/jobs/${jobId}/testConnection`, { method: 'POST' });
    expect(tested.status, await tested.clone().text()).toBe(200);
    expect(((await tested.json()) as { succeeded: boolean }).succeeded).toBe(true);
  });

  it('refuses lower roles and a service principal id that is not a GUID', async () => {
    for (const role of ['Reader', 'Operator'] as const) {
      const response = await call(`/provisio/v1/servicePrincipals/${h.servicePrincipalId}/secrets`, {
        token: await s.token(role),
      });
      expect(response.status, role).toBe(403);
    }
    const bad = await call('/provisio/v1/servicePrincipals/not-a-guid/secrets');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('GUID');
  });

  it('never answered a secret value', () => {
    const all = bodies.join('\n');
    for (const secret of secretValues) expect(all).not.toContain(secret);
    expect(all).toContain(`…${zendeskToken.slice(-4)}`);
  });
});
