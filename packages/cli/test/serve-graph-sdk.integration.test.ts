/**
 * A script written for Entra's provisioning runs against provisio with only its base URL and token
 * changed: Microsoft's own Graph SDK (`@microsoft/microsoft-graph-client`) drives a job end to end,
 * from creating it to reading its provisioning logs, and reads provisio's errors as Graph errors.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { Client, GraphError, type PageCollection, PageIterator } from '@microsoft/microsoft-graph-client';
import { createServerCertificate } from '@provisio/emulators';
import { Agent, type Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appRoleId,
  assign,
  createEntraUser,
  type JobHarness,
  startJobHarness,
} from './support/provisioning.js';
import { type ServeHarness, startServeHarness } from './support/serve.js';

let h: JobHarness;
let s: ServeHarness;
let graph: Client;

let previousDispatcher: Dispatcher;

beforeAll(async () => {
  h = await startJobHarness();
  // provisio over HTTPS, as in production: the SDK sends its token to https hosts only, and follows
  // `@odata.nextLink` only when it is an https URL.
  const dir = await mkdtemp(join(tmpdir(), 'provisio-sdk-'));
  const certificate = await createServerCertificate(new Date());
  await writeFile(join(dir, 'tls.pem'), certificate.cert);
  await writeFile(join(dir, 'tls-key.pem'), certificate.key, { mode: 0o600 });
  // This process trusts the test certificate (Node's fetch, which the SDK and the harness use).
  previousDispatcher = getGlobalDispatcher();
  setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, certificate.cert] } }));
  s = await startServeHarness({
    allowCustomEndpoints: true,
    dir,
    tls: { certFile: join(dir, 'tls.pem'), keyFile: join(dir, 'tls-key.pem') },
  });
  expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
  const token = await s.token('Administrator');
  // Only the base URL and the token differ from a script written for Graph.
  graph = Client.init({
    baseUrl: s.url,
    defaultVersion: 'v1.0',
    customHosts: new Set(['127.0.0.1']),
    authProvider: (done) => done(null, token),
  });
});
afterAll(async () => {
  await s?.close();
  await h?.close();
  if (previousDispatcher !== undefined) setGlobalDispatcher(previousDispatcher);
  if (s !== undefined) await rm(s.dir, { recursive: true, force: true });
});

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("Microsoft's Graph SDK against provisio", () => {
  let jobId: string;
  let base: string;

  it('lists the templates and creates a job', async () => {
    base = `/servicePrincipals/${h.servicePrincipalId}/synchronization`;
    const templates = (await graph.api(`${base}/templates`).get()) as { value: { id: string }[] };
    expect(templates.value.map((t) => t.id)).toContain('zendesk');
    const job = (await graph
      .api(`${base}/jobs`)
      .post({ templateId: 'zendesk', schedule: { interval: 'PT2S' } })) as { id: string; templateId: string };
    expect(job.templateId).toBe('zendesk');
    expect(job.id).toMatch(/^zendesk\./);
    jobId = job.id;
  });

  it('saves the credentials and validates them', async () => {
    await graph.api(`${base}/secrets`).put({
      value: [
        { key: 'UserName', value: h.zendesk.emulator.adminEmail },
        { key: 'SecretToken', value: h.zendesk.emulator.apiToken },
        { key: 'Domain', value: h.zendesk.emulator.settings.subdomain },
        { key: 'BaseAddress', value: h.zendesk.emulator.url },
        { key: 'EntraTenantId', value: h.entra.emulator.tenantId },
        { key: 'EntraClientId', value: h.entra.emulator.clientId },
        { key: 'EntraClientSecret', value: h.entra.emulator.clientSecret },
        { key: 'EntraAuthorityHost', value: h.entra.emulator.url },
        { key: 'EntraGraphBaseUrl', value: h.entra.emulator.url },
        { key: 'EntraCaCertificate', value: h.entra.emulator.certificatePem },
        { key: 'SyncAll', value: 'False' },
      ],
    });
    await graph.api(`${base}/jobs/${jobId}/validateCredentials`).post({ useSavedCredentials: true });
  });

  it('reads a failure as a GraphError with Graph’s code and status', async () => {
    const failure = await graph
      .api(`${base}/jobs/${jobId}/validateCredentials`)
      .post({ useSavedCredentials: false, credentials: [{ key: 'SecretToken', value: 'wrong-token' }] })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(GraphError);
    expect((failure as GraphError).statusCode).toBe(400);
    expect((failure as GraphError).message).toMatch(/SecretToken/);
    const missing = await graph
      .api(`${base}/jobs/zendesk.nope`)
      .get()
      .then(
        () => null,
        (error: unknown) => error as GraphError,
      );
    expect(missing?.statusCode).toBe(404);
    expect(missing?.code).toBe('Request_ResourceNotFound');
  });

  it('starts the job; users arrive and its status counts them', async () => {
    const ids = [await createEntraUser(h, 'sdk-1'), await createEntraUser(h, 'sdk-2')];
    const agent = await appRoleId(h, 'Agent');
    for (const id of ids) await assign(h, id, agent);
    await graph.api(`${base}/jobs/${jobId}/start`).post({});
    const job = await until('the users to be counted', async () => {
      const current = (await graph.api(`${base}/jobs/${jobId}`).get()) as {
        status: { code: string; synchronizedEntryCountByType: { key: string; value: number }[] };
      };
      const users = current.status.synchronizedEntryCountByType.find((e) => e.key === 'User')?.value ?? 0;
      return users >= 2 ? current : undefined;
    });
    expect(job.status.code).toBe('Active');
  });

  it('pages through the provisioning log with the SDK’s page iterator, filtered on the job', async () => {
    const first = (await graph
      .api('/auditLogs/provisioning')
      .filter(`jobId eq '${jobId}'`)
      .top(1)
      .get()) as PageCollection;
    expect(first['@odata.nextLink']).toBeDefined();
    const seen: { jobId: string; provisioningAction: string }[] = [];
    const iterator = new PageIterator(graph, first, (entry) => {
      seen.push(entry as { jobId: string; provisioningAction: string });
      return true;
    });
    await iterator.iterate();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seen.map((e) => e.jobId))).toEqual(new Set([jobId]));
    expect(seen.filter((e) => e.provisioningAction === 'create').length).toBeGreaterThanOrEqual(2);
  });

  it('pauses and deletes the job', async () => {
    await graph.api(`${base}/jobs/${jobId}/pause`).post({});
    const paused = (await graph.api(`${base}/jobs/${jobId}`).get()) as { status: { code: string } };
    expect(paused.status.code).toBe('Paused');
    await graph.api(`${base}/jobs/${jobId}`).delete();
    const jobs = (await graph.api(`${base}/jobs`).get()) as { value: unknown[] };
    expect(jobs.value).toEqual([]);
  });
});
