/**
 * Provision on demand's dry run over real HTTP (docs/api.md#provision-on-demand): `?dryRun=true`
 * answers the steps and what would be written, and writes nothing (no Zendesk user, no provisioning
 * log entry); the same call without it then creates the user. Refusals: a malformed dryRun (400
 * naming it), a Reader (403), an unknown job (404).
 */
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

// biome-ignore lint/suspicious/noExplicitAny: Graph JSON
type Json = any;

let jh: JobHarness;
let s: ServeHarness;
let base: string;
let jobId: string;
let ruleId: string;

async function json(response: Response): Promise<Json> {
  const text = await response.text();
  return text === '' ? null : JSON.parse(text);
}

beforeAll(async () => {
  jh = await startJobHarness();
  s = await startServeHarness({ allowCustomEndpoints: true });
  base = `/v1.0/servicePrincipals/${jh.servicePrincipalId}/synchronization`;
  const created = await s.call(`${base}/jobs`, {
    method: 'POST',
    json: { templateId: 'zendesk', schedule: { interval: 'PT1H' } },
  });
  expect(created.status).toBe(201);
  jobId = (await json(created)).id;
  const saved = await s.call(`${base}/secrets`, {
    method: 'PUT',
    json: {
      value: [
        { key: 'UserName', value: jh.zendesk.emulator.adminEmail },
        { key: 'SecretToken', value: jh.zendesk.emulator.apiToken },
        { key: 'Domain', value: jh.zendesk.emulator.settings.subdomain },
        { key: 'BaseAddress', value: jh.zendesk.emulator.url },
        { key: 'EntraTenantId', value: jh.entra.emulator.tenantId },
        { key: 'EntraClientId', value: jh.entra.emulator.clientId },
        { key: 'EntraClientSecret', value: jh.entra.emulator.clientSecret },
        { key: 'EntraAuthorityHost', value: jh.entra.emulator.url },
        { key: 'EntraGraphBaseUrl', value: jh.entra.emulator.url },
        { key: 'EntraCaCertificate', value: jh.entra.emulator.certificatePem },
      ],
    },
  });
  expect(saved.status, await saved.clone().text()).toBe(204);
  ruleId = (await json(await s.call(`${base}/jobs/${jobId}/schema`))).synchronizationRules[0].id;
}, 60_000);

afterAll(async () => {
  await s?.close();
  await jh?.close();
});

async function logEntriesOf(objectId: string): Promise<Json[]> {
  const filter = encodeURIComponent(`jobId eq '${jobId}'`);
  const page = await json(await s.call(`/v1.0/auditLogs/provisioning?$filter=${filter}&$top=100`));
  return page.value.filter((e: Json) => e.sourceIdentity.id === objectId);
}

describe('provisionOnDemand ?dryRun=true', () => {
  it('shows the steps and what would be written, and writes nothing', async () => {
    const dora = await createEntraUser(jh, 'dora', { department: 'Support' });
    await assign(jh, dora, await appRoleId(jh, 'Agent'));
    const body = { parameters: [{ ruleId, subjects: [{ objectId: dora, objectTypeName: 'User' }] }] };
    const operator = await s.token('Operator');

    const dry = await s.call(`${base}/jobs/${jobId}/provisionOnDemand?dryRun=true`, {
      method: 'POST',
      token: operator,
      json: body,
    });
    expect(dry.status, await dry.clone().text()).toBe(200);
    const answer = await json(dry);
    expect(JSON.parse(answer.key)).toEqual({ result: 'Success', details: {} });
    const value = JSON.parse(answer.value);
    expect(value.dryRun).toBe(true);
    expect(value.action).toBe('Create');
    expect(value.changeId).toBeNull();
    expect(value.provisioningSteps.map((step: Json) => [step.name, step.status])).toEqual([
      ['EntryImport', 'Success'],
      ['EntrySynchronizationScoping', 'Success'],
      ['EntryImport', 'Success'],
      ['EntryExportAdd', 'Success'],
    ]);
    expect(value.provisioningSteps[3].description).toMatch(/^Would create/);
    const names = value.modifiedProperties.map((p: Json) => p.displayName);
    expect(names).toEqual(expect.arrayContaining(['external_id', 'email']));
    expect(value.modifiedProperties.find((p: Json) => p.displayName === 'external_id').newValue).toBe(dora);
    // Nothing written: no Zendesk user, no provisioning log entry.
    expect(await zendeskUserByExternalId(jh, dora)).toBeNull();
    expect(await logEntriesOf(dora)).toEqual([]);

    // The same call without dryRun creates the user and logs it.
    const real = await s.call(`${base}/jobs/${jobId}/provisionOnDemand`, {
      method: 'POST',
      token: operator,
      json: body,
    });
    expect(real.status).toBe(200);
    const realValue = JSON.parse((await json(real)).value);
    expect(realValue.dryRun).toBeUndefined();
    expect(realValue.action).toBe('Create');
    const created = await zendeskUserByExternalId(jh, dora);
    expect(created).not.toBeNull();
    expect(realValue.targetIdentity.id).toBe(String(created.id));
    const entries = await logEntriesOf(dora);
    expect(entries).toHaveLength(1);
    expect(entries[0].changeId).toBe(realValue.changeId);

    // A dry run now: matched by its link, nothing to write.
    const again = await json(
      await s.call(`${base}/jobs/${jobId}/provisionOnDemand?dryRun=true`, {
        method: 'POST',
        token: operator,
        json: body,
      }),
    );
    expect(JSON.parse(again.key).result).toBe('Skipped');
    expect(JSON.parse(again.value).targetIdentity.id).toBe(String(created.id));
    expect(await logEntriesOf(dora)).toHaveLength(1);
  });

  it('refuses a malformed dryRun, a Reader and an unknown job', async () => {
    const body = {
      parameters: [{ ruleId, subjects: [{ objectId: jh.servicePrincipalId, objectTypeName: 'User' }] }],
    };
    const bad = await s.call(`${base}/jobs/${jobId}/provisionOnDemand?dryRun=yes`, {
      method: 'POST',
      json: body,
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.message).toContain('dryRun');
    const reader = await s.call(`${base}/jobs/${jobId}/provisionOnDemand?dryRun=true`, {
      method: 'POST',
      token: await s.token('Reader'),
      json: body,
    });
    expect(reader.status).toBe(403);
    const unknown = await s.call(`${base}/jobs/zendesk.nosuchjob/provisionOnDemand?dryRun=true`, {
      method: 'POST',
      json: body,
    });
    expect(unknown.status).toBe(404);
  });
});
