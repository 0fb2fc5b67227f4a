/**
 * Secrets saved through `PUT .../synchronization/secrets` never leave sealed storage: after a whole
 * job's life over the API (secrets saved, credentials tested good and bad, cycles run), none of the
 * secret values appears in the SQLite database's bytes, the server's log lines, any API response,
 * `/metrics`, or the audit entries. And custom endpoints need `--allow-custom-endpoints`.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appRoleId,
  assign,
  createEntraUser,
  type JobHarness,
  startJobHarness,
  zendeskUserByExternalId,
} from './support/provisioning.js';
import { type ServeHarness, startServeHarness } from './support/serve.js';

const zendeskToken = `zd-token-${randomBytes(12).toString('hex')}`;
const entraSecret = `entra-secret-${randomBytes(12).toString('hex')}`;
const wrongToken = `wrong-token-${randomBytes(12).toString('hex')}`;
const secretValues = [zendeskToken, entraSecret, wrongToken];

let h: JobHarness;
let s: ServeHarness;
let base: string;
/** Every response body the test received from provisio. */
const bodies: string[] = [];

async function call(path: string, init: Parameters<ServeHarness['call']>[1] = {}): Promise<Response> {
  const response = await s.call(path, init);
  bodies.push(
    `${path} ${response.status} ${[...response.headers].join(' ')} ${await response.clone().text()}`,
  );
  return response;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  h = await startJobHarness({ entra: { clientSecret: entraSecret }, zendesk: { apiToken: zendeskToken } });
  s = await startServeHarness({ allowCustomEndpoints: true });
  base = `/v1.0/servicePrincipals/${h.servicePrincipalId}/synchronization`;
});
afterAll(async () => {
  await s?.close();
  await h?.close();
});

describe('secrets at rest and in transit out of provisio', () => {
  let jobId: string;

  it('runs a job whose secrets were saved over the API', async () => {
    const created = await call(`${base}/jobs`, {
      method: 'POST',
      json: { templateId: 'zendesk', schedule: { interval: 'PT2S' } },
    });
    expect(created.status).toBe(201);
    jobId = ((await created.json()) as { id: string }).id;
    const saved = await call(`${base}/secrets`, {
      method: 'PUT',
      json: {
        value: [
          { key: 'UserName', value: h.zendesk.emulator.adminEmail },
          { key: 'SecretToken', value: zendeskToken },
          { key: 'Domain', value: h.zendesk.emulator.settings.subdomain },
          { key: 'BaseAddress', value: h.zendesk.emulator.url },
          { key: 'EntraTenantId', value: h.entra.emulator.tenantId },
          { key: 'EntraClientId', value: h.entra.emulator.clientId },
          { key: 'EntraClientSecret', value: entraSecret },
          { key: 'EntraAuthorityHost', value: h.entra.emulator.url },
          { key: 'EntraGraphBaseUrl', value: h.entra.emulator.url },
          { key: 'EntraCaCertificate', value: h.entra.emulator.certificatePem },
        ],
      },
    });
    expect(saved.status, await saved.clone().text()).toBe(204);
    // A second PUT replaces one key and keeps the others (Graph replaces per key).
    expect(
      (
        await call(`${base}/secrets`, {
          method: 'PUT',
          json: { value: [{ key: 'SyncAll', value: 'False' }] },
        })
      ).status,
    ).toBe(204);

    expect(
      (
        await call(`${base}/jobs/${jobId}/validateCredentials`, {
          method: 'POST',
          json: { useSavedCredentials: true },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await call(`${base}/jobs/${jobId}/validateCredentials`, {
          method: 'POST',
          json: { credentials: [{ key: 'SecretToken', value: wrongToken }] },
        })
      ).status,
    ).toBe(400);

    const user = await createEntraUser(h, 'erin');
    await assign(h, user, await appRoleId(h, 'Agent'));
    expect((await call(`${base}/jobs/${jobId}/start`, { method: 'POST' })).status).toBe(204);
    await until('erin in Zendesk', async () => ((await zendeskUserByExternalId(h, user)) ? true : undefined));
    await until('a finished cycle in the status', async () => {
      const job = (await (await call(`${base}/jobs/${jobId}`)).json()) as {
        status: { lastExecution: unknown };
      };
      return job.status.lastExecution === null ? undefined : true;
    });
    await call(`${base}/jobs`);
    await call(`${base}/templates`);
    await call('/openapi.json');
    expect((await call('/metrics')).status).toBe(200);
    // A bad request echoes nothing of what it was given as a secret.
    expect(
      (
        await call(`${base}/secrets`, {
          method: 'PUT',
          json: {
            value: [
              { key: 'SecretToken', value: wrongToken },
              { key: 'Password', value: wrongToken },
            ],
          },
        })
      ).status,
    ).toBe(400);
  });

  it('keeps every secret out of the database file, the logs, the responses, the metrics and the audit', async () => {
    // The database file and its journal, as bytes (the server is still running: the WAL counts).
    const files = (await readdir(s.dir)).filter((name) => name.startsWith('provisio.db'));
    expect(files).toContain('provisio.db');
    const logs = s.logs();
    const audit = JSON.stringify(await s.running.store.listAudit(jobId, 1000));
    expect(audit).toContain('Update provisioning credentials');
    // A control: a plain value of the definition (the admin's e-mail) is found by the same search.
    const bytes = Buffer.concat(await Promise.all(files.map((file) => readFile(join(s.dir, file)))));
    expect(bytes.includes(Buffer.from(h.zendesk.emulator.adminEmail, 'utf8'))).toBe(true);
    for (const secret of secretValues) {
      for (const file of files)
        expect((await readFile(join(s.dir, file))).includes(Buffer.from(secret, 'utf8')), `${file}`).toBe(
          false,
        );
      expect(logs.includes(secret), 'server logs').toBe(false);
      for (const body of bodies) expect(body.includes(secret), body.slice(0, 200)).toBe(false);
      expect(audit.includes(secret), 'audit entries').toBe(false);
    }
    // The store holds them sealed, and the job definition refers to them.
    const sealed = await s.running.store.listSecrets(`sp:${h.servicePrincipalId.toLowerCase()}`);
    expect(sealed.map((r) => r.name)).toContain('SecretToken');
    for (const record of sealed) expect(record.sealed).toMatch(/^v1\./);
    const definition = await s.running.store.getJobDefinition(jobId);
    expect(definition?.definition.target.secretToken).toEqual({
      secretRef: `store:sp/${h.servicePrincipalId.toLowerCase()}/SecretToken`,
    });
  });
});

describe('custom endpoints need --allow-custom-endpoints', () => {
  let strict: ServeHarness;
  beforeAll(async () => {
    strict = await startServeHarness({ allowCustomEndpoints: false });
  });
  afterAll(async () => {
    await strict?.close();
  });

  it('refuses BaseAddress, EntraAuthorityHost, EntraGraphBaseUrl and EntraCaCertificate, naming the flag', async () => {
    for (const key of ['BaseAddress', 'EntraAuthorityHost', 'EntraGraphBaseUrl', 'EntraCaCertificate']) {
      const response = await strict.call(
        `/v1.0/servicePrincipals/${h.servicePrincipalId}/synchronization/secrets`,
        { method: 'PUT', json: { value: [{ key, value: 'https://127.0.0.1:1' }] } },
      );
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(response.status, key).toBe(400);
      expect(body.error.code).toBe('BadRequest');
      expect(body.error.message).toContain(key);
      expect(body.error.message).toContain('--allow-custom-endpoints');
    }
    // Nothing was saved.
    expect(await strict.running.store.listSecrets(`sp:${h.servicePrincipalId.toLowerCase()}`)).toEqual([]);
  });
});
