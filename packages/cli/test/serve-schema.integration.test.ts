/**
 * `provisio serve` over real HTTP with both emulators: a job's synchronization schema (its custom
 * Zendesk user fields discovered from the account, a schema exported from Entra imported and changing
 * what the next cycle writes, a broken one refused with every problem), the schema discovery calls,
 * provision on demand and the plan of the next cycle.
 *
 * The job is saved straight into the state store with `env:` secret references (the variables are
 * the server's environment), as `provisio jobs import` would.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobDefinition } from '@provisio/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  assign,
  createEntraGroup,
  createEntraUser,
  type JobHarness,
  roleIds,
  startJobHarness,
  zendeskGroups,
  zendeskUsers,
} from './support/provisioning.js';
import { type ServeHarness, startServeHarness } from './support/serve.js';

const jobId = 'zendesk.schema-test';
let jh: JobHarness;
let h: ServeHarness;
let base: string;
let definition: JobDefinition;

// biome-ignore lint/suspicious/noExplicitAny: Graph JSON
type Json = any;

async function json(response: Response): Promise<Json> {
  const text = await response.text();
  return text === '' ? null : JSON.parse(text);
}

/** Waits (bounded) for a finished cycle started after `after` (ISO-8601), and returns it. */
async function cycleAfter(after: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cycles = await h.running.store.listCycles(jobId, 20);
    const done = cycles.find((c) => c.startedAt > after && c.state !== 'running');
    if (done) return done;
    if (Date.now() > deadline) throw new Error(`no cycle finished after ${after}: ${JSON.stringify(cycles)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function zendeskUser(email: string): Promise<Json | undefined> {
  return (await zendeskUsers(jh)).find((u) => u.email === email);
}

beforeAll(async () => {
  jh = await startJobHarness();
  const caFile = join(jh.dir, 'entra-ca.pem');
  await writeFile(caFile, jh.entra.emulator.certificatePem);
  const field = await jh.zendesk.admin.post('/api/v2/user_fields', {
    user_field: { type: 'text', key: 'employee_number', title: 'Employee number' },
  });
  expect(field.status).toBe(201);

  const alice = await createEntraUser(jh, 'alice', { jobTitle: 'Engineer', department: 'Support' });
  await assign(jh, alice, roleIds.Agent);

  h = await startServeHarness({
    env: { ENTRA_CLIENT_SECRET: jh.entra.emulator.clientSecret, ZENDESK_TOKEN: jh.zendesk.emulator.apiToken },
  });
  base = `/v1.0/servicePrincipals/${jh.servicePrincipalId}/synchronization/jobs/${jobId}`;
  const source = jh.document['source'] as Record<string, unknown>;
  const target = jh.document['target'] as Record<string, unknown>;
  const started = new Date(0).toISOString();
  const record = await h.running.store.saveJobDefinition(
    {
      id: jobId,
      displayName: 'Zendesk (schema test)',
      source: {
        ...(source as JobDefinition['source']),
        clientSecret: { secretRef: 'env:ENTRA_CLIENT_SECRET' },
        caCertificateFile: caFile,
      },
      target: { ...(target as JobDefinition['target']), secretToken: { secretRef: 'env:ZENDESK_TOKEN' } },
      settings: {
        scope: 'assigned',
        provisioningStatus: 'on',
        interval: 'PT1H',
        assignmentSweepInterval: 'PT5M',
        assignmentSweepRequestsPerMinute: 60,
        deprovision: 'suspend',
        skipOutOfScopeDeletions: false,
        adoptedObjects: { delete: false },
        protectedUsers: [],
        defaultAccess: 'skip',
        accidentalDeletionThreshold: 500,
        downgradeThreshold: 50,
        membershipRemovalThreshold: 500,
        sendEmailOnFailure: false,
        expandNestedGroups: false,
      },
      mappings: {
        users: { enabled: true, actions: ['create', 'update', 'delete'] },
        groups: { enabled: true, actions: ['create', 'update', 'delete'] },
      },
    },
    { initiatedBy: 'test', at: new Date() },
  );
  definition = record.definition;
  await h.running.server.scheduler.refresh();
  const first = await cycleAfter(started);
  expect(first.state).toBe('succeeded');
}, 60_000);

afterAll(async () => {
  await h?.close();
  await jh?.close();
});

describe('synchronization schema', () => {
  it('describes its routes in the OpenAPI document', async () => {
    const document = await json(await h.call('/openapi.json'));
    const operations = Object.values(document.paths as Record<string, Record<string, Json>>).flatMap(
      (methods) => Object.values(methods).map((operation) => operation.operationId),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'getSynchronizationSchema',
        'putSynchronizationSchema',
        'resetSynchronizationSchema',
        'listSynchronizationSchemaFunctions',
        'listSynchronizationSchemaFilterOperators',
        'parseSynchronizationSchemaExpression',
        'provisionOnDemand',
        'planJob',
      ]),
    );
    expect(
      document.components.schemas.attributeMappingSource.properties.parameters.items.properties.value,
    ).toEqual({
      $ref: '#/components/schemas/attributeMappingSource',
    });
  });

  it("GET shows the job's mappings and the Zendesk attributes, the account's custom user fields included", async () => {
    const response = await h.call(`${base}/schema`, { token: await h.token('Reader') });
    expect(response.status).toBe(200);
    const schema = await json(response);
    expect(schema.id).toBe(jobId);
    const [rule] = schema.synchronizationRules;
    expect(rule).toMatchObject({
      sourceDirectoryName: 'Azure Active Directory',
      targetDirectoryName: 'Zendesk',
    });
    expect(rule.objectMappings.map((m: Json) => [m.name, m.flowTypes, m.scope])).toEqual([
      ['Synchronize Microsoft Entra users to Zendesk', 'Add, Update, Delete', null],
      ['Synchronize Microsoft Entra groups to Zendesk', 'Add, Update, Delete', null],
    ]);
    expect(rule.objectMappings[0].attributeMappings[0]).toMatchObject({
      targetAttributeName: 'external_id',
      matchingPriority: 1,
      source: { expression: '[objectId]', name: 'objectId', type: 'Attribute' },
    });
    const zendesk = schema.directories.find((d: Json) => d.name === 'Zendesk');
    const names = zendesk.objects.find((o: Json) => o.name === 'User').attributes.map((a: Json) => a.name);
    expect(names).toEqual(
      expect.arrayContaining(['email', 'role', 'custom_role_id', 'user_fields.employee_number']),
    );
    expect(zendesk.discoverabilities).toBe('AttributeNames, AttributeDataTypes');
  });

  it('answers 404 for a job of another service principal, and refuses a Reader’s PUT', async () => {
    const other = await h.call(
      `/v1.0/servicePrincipals/00000000-0000-0000-0000-000000000001/synchronization/jobs/${jobId}/schema`,
    );
    expect(other.status).toBe(404);
    expect((await json(other)).error.code).toBe('Request_ResourceNotFound');
    const reader = await h.call(`${base}/schema`, {
      method: 'PUT',
      json: {},
      token: await h.token('Reader'),
    });
    expect(reader.status).toBe(403);
  });

  it('PUT refuses a broken schema with every problem listed, and changes nothing', async () => {
    const current = await json(await h.call(`${base}/schema`));
    const users = current.synchronizationRules[0].objectMappings[0];
    users.flowTypes = 'Add, Upsert';
    users.attributeMappings[2].source = { expression: 'Joint(" ", [givenName])', type: 'Function' };
    users.attributeMappings.push(
      { targetAttributeName: 'user_fields.shoe_size', source: { type: 'Attribute', name: 'department' } },
      { targetAttributeName: 'emailAddress', source: { type: 'Attribute', name: 'mail' } },
    );
    users.scope = {
      groups: [{ name: 'Sales', clauses: [{ sourceOperandName: 'department', operatorName: 'Equals' }] }],
    };
    const before = await h.running.store.getJobDefinition(jobId);
    const response = await h.call(`${base}/schema`, { method: 'PUT', json: current });
    expect(response.status).toBe(400);
    const { error } = await json(response);
    expect(error.code).toBe('BadRequest');
    const om = 'synchronizationRules[0].objectMappings[0]';
    expect(error.details.map((d: Json) => d.target).sort()).toEqual(
      [
        `${om}.attributeMappings[2].source`,
        `${om}.attributeMappings[8].targetAttributeName`,
        `${om}.attributeMappings[9].targetAttributeName`,
        `${om}.flowTypes`,
        `${om}.scope.groups[0].clauses[0].operatorName`,
      ].sort(),
    );
    expect(error.message).toMatch(/5 problems/);
    expect(error.details.find((d: Json) => d.target.endsWith('[8].targetAttributeName')).message).toMatch(
      /no custom user field with the key "shoe_size"; its keys are "employee_number"/,
    );
    expect((await h.running.store.getJobDefinition(jobId))?.revision).toBe(before?.revision);
  });

  it('PUT of a schema exported from Entra imports it, and the next cycle (an initial one) writes the change', async () => {
    const alice = await zendeskUser(`alice@${'provisio-demo.onmicrosoft.com'}`);
    expect(alice?.details).toBe('Engineer, Support');
    const exported = JSON.parse(
      await readFile(
        new URL('../../server/test/fixtures/entra-zendesk-schema.json', import.meta.url),
        'utf8',
      ),
    );
    const before = await json(await h.call(`${base}/schema`));
    const at = new Date().toISOString();
    const response = await h.call(`${base}/schema`, { method: 'PUT', json: exported });
    expect(response.status, await response.clone().text()).toBe(204);

    const cycle = await cycleAfter(at);
    expect(cycle.kind).toBe('initial');
    expect(cycle.state).toBe('succeeded');
    expect((await zendeskUser('alice@provisio-demo.onmicrosoft.com'))?.details).toBe('Support');

    const after = await json(await h.call(`${base}/schema`));
    expect(after.version).not.toBe(before.version);
    const targets = after.synchronizationRules[0].objectMappings[0].attributeMappings.map((m: Json) => [
      m.targetAttributeName,
      m.source?.expression ?? null,
      m.matchingPriority,
    ]);
    expect(targets).toEqual([
      ['email', '[userPrincipalName]', 1],
      ['name', '[displayName]', 0],
      ['role', 'SingleAppRoleAssignment([appRoleAssignments])', 0],
      ['suspended', 'Switch([IsSoftDeleted], , "False", "False", "True", "True")', 0],
      ['phone', '[mobilePhone]', 0],
      ['details', '[department]', 0],
      ['locale', null, 0],
    ]);
    const stored = await h.running.store.getJobDefinition(jobId);
    expect(stored?.definition.source).toEqual(definition.source);
  });

  it('DELETE resets the mappings to the defaults', async () => {
    const at = new Date().toISOString();
    const response = await h.call(`${base}/schema`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    // The job restarts on its new revision: its cycle (initial again) finishes before the next tests.
    expect((await cycleAfter(at)).kind).toBe('initial');
    const stored = await h.running.store.getJobDefinition(jobId);
    expect(stored?.definition.mappings).toEqual(definition.mappings);
    const schema = await json(await h.call(`${base}/schema`));
    expect(schema.synchronizationRules[0].objectMappings[0].attributeMappings[0].targetAttributeName).toBe(
      'external_id',
    );
  });
});

describe('a draft job (no credentials yet)', () => {
  it('GET lists the built-in Zendesk attributes, PUT saves into the draft, on-demand and plan need credentials', async () => {
    const draftId = 'zendesk.draft-test';
    await h.running.store.saveSynchronizationJob({
      jobId: draftId,
      servicePrincipalId: jh.servicePrincipalId,
      templateId: 'zendesk',
      draft: { displayName: 'Draft' },
      createdAt: new Date().toISOString(),
    });
    const draftBase = `/v1.0/servicePrincipals/${jh.servicePrincipalId}/synchronization/jobs/${draftId}`;
    const schema = await json(await h.call(`${draftBase}/schema`));
    expect(schema.version).toMatch(/^draft:/);
    const zendesk = schema.directories.find((d: Json) => d.name === 'Zendesk');
    expect(zendesk.discoverabilities).toBe('None');
    const names = zendesk.objects[0].attributes.map((a: Json) => a.name);
    expect(names).toContain('custom_role_id');
    expect(names.some((n: string) => n.startsWith('user_fields.'))).toBe(false);

    const exported = JSON.parse(
      await readFile(
        new URL('../../server/test/fixtures/entra-zendesk-schema.json', import.meta.url),
        'utf8',
      ),
    );
    expect((await h.call(`${draftBase}/schema`, { method: 'PUT', json: exported })).status).toBe(204);
    const row = await h.running.store.getSynchronizationJob(draftId);
    expect(row?.draft).toMatchObject({
      displayName: 'Draft',
      mappings: {
        users: {
          attributes: expect.arrayContaining([{ target: 'details', type: 'Direct', source: 'department' }]),
        },
      },
    });
    expect(await h.running.store.getJobDefinition(draftId)).toBeNull();

    const ruleId = schema.synchronizationRules[0].id;
    const onDemand = await h.call(`${draftBase}/provisionOnDemand`, {
      method: 'POST',
      json: {
        parameters: [{ ruleId, subjects: [{ objectId: jh.servicePrincipalId, objectTypeName: 'User' }] }],
      },
    });
    expect(onDemand.status).toBe(400);
    expect((await json(onDemand)).error.code).toBe('NotConfigured');
    expect((await h.call(`/provisio/v1/jobs/${draftId}/plan`)).status).toBe(400);
  });
});

describe('schema discovery', () => {
  it('lists the functions and the filter operators in Graph’s shape', async () => {
    const reader = await h.token('Reader');
    const functions = await json(await h.call(`${base}/schema/functions`, { token: reader }));
    const append = functions.value.find((f: Json) => f.name === 'Append');
    expect(append).toEqual({
      name: 'Append',
      parameters: [
        { name: 'source', required: true, allowMultipleOccurrences: false, type: 'String' },
        { name: 'suffix', required: true, allowMultipleOccurrences: false, type: 'String' },
      ],
    });
    expect(functions.value.length).toBeGreaterThanOrEqual(44);
    const operators = await json(await h.call(`${base}/schema/filterOperators`, { token: reader }));
    expect(operators.value).toHaveLength(14);
    expect(operators.value.find((o: Json) => o.name === 'EQUALS')).toMatchObject({ arity: 'Binary' });
  });

  it("parseExpression parses and evaluates Graph's test call", async () => {
    const response = await h.call(`${base}/schema/parseExpression`, {
      method: 'POST',
      token: await h.token('Reader'),
      json: {
        expression: 'Replace([preferredLanguage], "-", , , "_", ,  )',
        targetAttributeDefinition: null,
        testInputObject: {
          definition: null,
          properties: [
            { key: 'preferredLanguage', value: 'EN-US' },
            {
              key: 'appRoleAssignments',
              'value@odata.type': '#Collection(String)',
              value: ['Default Assignment'],
            },
          ],
        },
      },
    });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      error: null,
      evaluationSucceeded: true,
      evaluationResult: ['EN_US'],
      parsingSucceeded: true,
      parsedExpression: { name: 'Replace', type: 'Function' },
    });
  });
});

describe('plan and provision on demand', () => {
  it('GET /provisio/v1/jobs/{id}/plan shows what the next cycle would do, and writes nothing', async () => {
    const carol = await createEntraUser(jh, 'carol');
    await assign(jh, carol, roleIds.Agent);
    const cyclesBefore = await h.running.store.listCycles(jobId, 100);
    const usersBefore = await zendeskUsers(jh);
    const response = await h.call(`/provisio/v1/jobs/${jobId}/plan`, { token: await h.token('Reader') });
    expect(response.status).toBe(200);
    const plan = await json(response);
    expect(plan.jobId).toBe(jobId);
    expect(plan.users).toEqual(
      expect.arrayContaining([expect.objectContaining({ sourceId: carol, action: 'create' })]),
    );
    expect(await zendeskUsers(jh)).toHaveLength(usersBefore.length);
    expect(await zendeskUser('carol@provisio-demo.onmicrosoft.com')).toBeUndefined();
    expect(await h.running.store.listCycles(jobId, 100)).toHaveLength(cyclesBefore.length);
    const missing = await h.call('/provisio/v1/jobs/nope/plan');
    expect(missing.status).toBe(404);
  });

  it('provisionOnDemand provisions one user now and answers with its steps', async () => {
    const bob = await createEntraUser(jh, 'bob', { department: 'Sales' });
    await assign(jh, bob, roleIds.Agent);
    const schema = await json(await h.call(`${base}/schema`));
    const ruleId = schema.synchronizationRules[0].id;
    const operator = await h.token('Operator');
    const response = await h.call(`${base}/provisionOnDemand`, {
      method: 'POST',
      token: operator,
      json: { parameters: [{ ruleId, subjects: [{ objectId: bob, objectTypeName: 'User' }] }] },
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const answer = await json(response);
    expect(JSON.parse(answer.key)).toEqual({ result: 'Success', details: {} });
    const value = JSON.parse(answer.value);
    expect(value.action).toBe('Create');
    expect(value.provisioningSteps.map((s: Json) => [s.name, s.type, s.status])).toEqual([
      ['EntryImport', 'Import', 'Success'],
      ['EntrySynchronizationScoping', 'Scoping', 'Success'],
      ['EntryImport', 'Matching', 'Success'],
      ['EntryExportAdd', 'Export', 'Success'],
    ]);
    expect(value.sourceIdentity).toMatchObject({ id: bob, type: 'User' });
    const created = await zendeskUser('bob@provisio-demo.onmicrosoft.com');
    expect(created).toBeDefined();
    expect(value.targetIdentity.id).toBe(String(created.id));

    const wrongRule = await h.call(`${base}/provisionOnDemand`, {
      method: 'POST',
      token: operator,
      json: {
        parameters: [
          {
            ruleId: '00000000-0000-4000-8000-000000000000',
            subjects: [{ objectId: bob, objectTypeName: 'User' }],
          },
        ],
      },
    });
    expect(wrongRule.status).toBe(400);
    expect((await json(wrongRule)).error.message).toContain(ruleId);
    const unknown = await h.call(`${base}/provisionOnDemand`, {
      method: 'POST',
      token: operator,
      json: {
        parameters: [
          {
            ruleId,
            subjects: [{ objectId: '5c0d8e0a-0000-4000-8000-0000000000ff', objectTypeName: 'User' }],
          },
        ],
      },
    });
    expect(unknown.status).toBe(404);
    const reader = await h.call(`${base}/provisionOnDemand`, {
      method: 'POST',
      token: await h.token('Reader'),
      json: { parameters: [{ ruleId, subjects: [{ objectId: bob, objectTypeName: 'User' }] }] },
    });
    expect(reader.status).toBe(403);
  });

  it('provisionOnDemand provisions a group with its members', async () => {
    const dave = await createEntraUser(jh, 'dave');
    const group = await createEntraGroup(jh, 'Tier 2');
    await addMember(jh, group, dave);
    await assign(jh, group, roleIds.Agent);
    const ruleId = (await json(await h.call(`${base}/schema`))).synchronizationRules[0].id;
    const response = await h.call(`${base}/provisionOnDemand`, {
      method: 'POST',
      token: await h.token('Operator'),
      json: {
        parameters: [
          {
            ruleId,
            subjects: [
              {
                objectId: group,
                objectTypeName: 'Group',
                links: { members: [{ objectId: dave, objectTypeName: 'User' }] },
              },
            ],
          },
        ],
      },
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const answer = await json(response);
    expect(JSON.parse(answer.key).result).toBe('Success');
    const value = JSON.parse(answer.value);
    expect(value.sourceIdentity).toMatchObject({ id: group, type: 'Group', displayName: 'Tier 2' });
    expect(value.members).toEqual([expect.objectContaining({ id: dave })]);
    expect((await zendeskGroups(jh)).map((g) => g.name)).toContain('Tier 2');
    expect(await zendeskUser('dave@provisio-demo.onmicrosoft.com')).toBeDefined();
  });
});
