/**
 * provisio's additions for the console's pickers and previews, over HTTP against both emulators:
 * finding Entra users and groups through a job's connection, reading one as the job's expressions
 * see it, and planning unsaved changes (a scoping filter, the scope) without saving or writing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appRoleId,
  assign,
  createEntraGroup,
  createEntraUser,
  type JobHarness,
  startJobHarness,
  zendeskUsers,
} from './support/provisioning.js';
import { type ServeHarness, startServeHarness } from './support/serve.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read loosely in tests
type Json = any;

let h: JobHarness;
let s: ServeHarness;
let base: string;
let jobId: string;
let draftId: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  h = await startJobHarness();
  s = await startServeHarness({ allowCustomEndpoints: true });
  base = `/v1.0/servicePrincipals/${h.servicePrincipalId}/synchronization`;
  const draft = await s.call(`${base}/jobs`, { method: 'POST', json: { templateId: 'zendesk' } });
  draftId = ((await draft.json()) as Json).id;
  const secrets = [
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
  ];
  expect((await s.call(`${base}/secrets`, { method: 'PUT', json: { value: secrets } })).status).toBe(204);
  jobId = draftId;
  const agent = await appRoleId(h, 'Agent');
  ids['sales'] = await createEntraUser(h, 'pickersales', {
    displayName: 'Pickerton Sales',
    department: 'Sales',
  });
  ids['support'] = await createEntraUser(h, 'pickersupport', {
    displayName: 'Pickerton Support',
    department: 'Support',
  });
  await assign(h, ids['sales'], agent);
  await assign(h, ids['support'], agent);
  ids['group'] = await createEntraGroup(h, 'Pickerton Group');
}, 60_000);
afterAll(async () => {
  await s?.close();
  await h?.close();
});

const json = async (response: Response, status = 200): Promise<Json> => {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return text === '' ? null : JSON.parse(text);
};

describe('source objects', () => {
  it('finds users by the start of a name, case-insensitively, and by object id', async () => {
    const reader = await s.token('Reader');
    const found = await json(
      await s.call(`/provisio/v1/jobs/${jobId}/sourceObjects?search=pickerton&$top=5`, { token: reader }),
    );
    expect(found.value.map((u: Json) => u.displayName).sort()).toEqual([
      'Pickerton Sales',
      'Pickerton Support',
    ]);
    expect(found.value[0]).toMatchObject({
      objectTypeName: 'User',
      userPrincipalName: expect.stringContaining('@'),
    });
    const byId = await json(await s.call(`/provisio/v1/jobs/${jobId}/sourceObjects?search=${ids['sales']}`));
    expect(byId.value).toEqual([
      expect.objectContaining({ id: ids['sales'], displayName: 'Pickerton Sales' }),
    ]);
    const one = await json(await s.call(`/provisio/v1/jobs/${jobId}/sourceObjects?search=pickerton&$top=1`));
    expect(one.value).toHaveLength(1);
    const groups = await json(
      await s.call(`/provisio/v1/jobs/${jobId}/sourceObjects?type=Group&search=Pickerton`),
    );
    expect(groups.value).toEqual([
      expect.objectContaining({ id: ids['group'], objectTypeName: 'Group', userPrincipalName: null }),
    ]);
  });

  it('reads one user as the expressions see it: properties, objectId and role names', async () => {
    const user = await json(await s.call(`/provisio/v1/jobs/${jobId}/sourceObjects/${ids['sales']}`));
    const props = Object.fromEntries(user.properties.map((p: Json) => [p.key, p.value]));
    expect(props['department']).toBe('Sales');
    expect(props['objectId']).toBe(ids['sales']);
    expect(props['appRoleAssignments']).toEqual(['Agent']);
    expect(props['accountEnabled']).toBe('true');
    // The shape parseExpression takes: the expression evaluates against it.
    const parsed = await json(
      await s.call(`${base}/jobs/${jobId}/schema/parseExpression`, {
        method: 'POST',
        json: {
          expression: 'Join(" / ", [department], SingleAppRoleAssignment([appRoleAssignments]))',
          testInputObject: { definition: null, properties: user.properties },
        },
      }),
    );
    expect(parsed.evaluationResult).toEqual(['Sales / Agent']);
  });

  it('answers 404 for an object that is not there, 400 for a job without credentials, 400 for a bad type', async () => {
    const missing = await json(
      await s.call(`/provisio/v1/jobs/${jobId}/sourceObjects/00000000-0000-0000-0000-00000000dead`),
      404,
    );
    expect(missing.error.message).toMatch(/was not found in Microsoft Entra ID/);
    const created = await json(
      await s.call(`${base}/jobs`, { method: 'POST', json: { templateId: 'zendesk' } }),
      201,
    );
    // Secrets are the service principal's: a new job of it is configured at once. An unknown job is 404.
    expect(created.status.code).not.toBe('NotConfigured');
    await json(await s.call('/provisio/v1/jobs/zendesk.nope/sourceObjects'), 404);
    const bad = await json(await s.call(`/provisio/v1/jobs/${jobId}/sourceObjects?type=Device`), 400);
    expect(bad.error.message).toMatch(/type/);
  });
});

describe('plan of unsaved changes', () => {
  it('shows what a new scoping filter would change, saves nothing and writes nothing', async () => {
    const schema = await json(await s.call(`${base}/jobs/${jobId}/schema`));
    const before = await s.running.store.getJobDefinition(jobId);
    const saved = await json(await s.call(`/provisio/v1/jobs/${jobId}/plan`));
    const creates = (plan: Json) =>
      plan.users.filter((u: Json) => u.action === 'create').map((u: Json) => u.displayName);
    expect(creates(saved)).toEqual(expect.arrayContaining(['Pickerton Sales', 'Pickerton Support']));

    schema.synchronizationRules[0].objectMappings[0].scope = {
      groups: [
        {
          name: 'Sales only',
          clauses: [
            { sourceOperandName: 'department', operatorName: 'EQUALS', targetOperand: { values: ['Sales'] } },
          ],
        },
      ],
    };
    const reader = await s.token('Reader');
    const proposed = await json(
      await s.call(`/provisio/v1/jobs/${jobId}/plan`, { method: 'POST', json: { schema }, token: reader }),
    );
    expect(proposed.kind).toBe('initial');
    expect(creates(proposed)).toContain('Pickerton Sales');
    expect(creates(proposed)).not.toContain('Pickerton Support');
    expect((await s.running.store.getJobDefinition(jobId))?.revision).toBe(before?.revision);
    expect(await zendeskUsers(h)).not.toContainEqual(expect.objectContaining({ name: 'Pickerton Sales' }));
  });

  it('tries the scope setting, and refuses credentials and a broken schema naming the problem', async () => {
    const all = await json(
      await s.call(`/provisio/v1/jobs/${jobId}/plan`, {
        method: 'POST',
        json: { secrets: [{ key: 'SyncAll', value: 'True' }] },
      }),
    );
    expect(all.counts).toBeDefined();
    const credential = await json(
      await s.call(`/provisio/v1/jobs/${jobId}/plan`, {
        method: 'POST',
        json: { secrets: [{ key: 'SecretToken', value: 'x' }] },
      }),
      400,
    );
    expect(credential.error.message).toMatch(
      /SyncAll, SkipOutOfScopeDeletions, SyncNotificationSettings only/,
    );
    expect(credential.error.message).not.toContain('"x"');
    const schema = await json(await s.call(`${base}/jobs/${jobId}/schema`));
    schema.synchronizationRules[0].objectMappings[0].attributeMappings[0].source = {
      expression: 'Joint([givenName])',
      type: 'Function',
    };
    const broken = await json(
      await s.call(`/provisio/v1/jobs/${jobId}/plan`, { method: 'POST', json: { schema } }),
      400,
    );
    expect(broken.error.details[0].target).toMatch(/attributeMappings\[0\]\.source/);
  });
});

describe('scoping filter test', () => {
  const salesOnly = {
    groups: [
      {
        name: 'Sales only',
        clauses: [
          { sourceOperandName: 'department', operatorName: 'EQUALS', targetOperand: { values: ['Sales'] } },
          { sourceOperandName: 'jobTitle', operatorName: 'IS NULL', targetOperand: { values: [] } },
        ],
      },
      {
        name: 'Named Pickerton',
        clauses: [
          {
            sourceOperandName: 'displayName',
            operatorName: 'REGEX MATCH',
            targetOperand: { values: ['^Nobody'] },
          },
        ],
      },
    ],
  };
  const evaluate = (body: Json, token?: string) =>
    s.call(`/provisio/v1/jobs/${jobId}/scopingFilters/evaluate`, {
      method: 'POST',
      json: body,
      ...(token === undefined ? {} : { token }),
    });

  it('says per filter and clause what passes, with the value seen, for a Reader', async () => {
    const reader = await s.token('Reader');
    const sales = await json(await evaluate({ objectId: ids['sales'], filter: salesOnly }, reader));
    expect(sales).toMatchObject({ objectId: ids['sales'], displayName: 'Pickerton Sales', inScope: true });
    expect(sales.summary).toMatch(/Sales only/);
    expect(sales.groups).toEqual([
      {
        name: 'Sales only',
        passed: true,
        clauses: [
          expect.objectContaining({ sourceOperandName: 'department', actualValue: 'Sales', passed: true }),
          expect.objectContaining({ operatorName: 'IS NULL', values: [], actualValue: null, passed: true }),
        ],
      },
      expect.objectContaining({ name: 'Named Pickerton', passed: false }),
    ]);
    const support = await json(await evaluate({ objectId: ids['support'], filter: salesOnly }));
    expect(support.inScope).toBe(false);
    expect(support.groups[0].clauses[0]).toMatchObject({ actualValue: 'Support', passed: false });
    // No filter: everyone is in scope.
    const none = await json(await evaluate({ objectId: ids['support'], filter: null }));
    expect(none).toMatchObject({ inScope: true, groups: [] });
  });

  it('reads a clause attribute the job does not read yet, and tests groups', async () => {
    const result = await json(
      await evaluate({
        objectId: ids['sales'],
        filter: {
          groups: [
            {
              name: 'Has a language',
              clauses: [
                {
                  sourceOperandName: 'preferredLanguage',
                  operatorName: 'IS NOT NULL',
                  targetOperand: { values: [] },
                },
              ],
            },
          ],
        },
      }),
    );
    expect(result.groups[0].clauses[0].sourceOperandName).toBe('preferredLanguage');
    const group = await json(
      await evaluate({
        objectId: ids['group'],
        objectTypeName: 'Group',
        filter: {
          groups: [
            {
              name: 'g',
              clauses: [
                {
                  sourceOperandName: 'displayName',
                  operatorName: 'EQUALS',
                  targetOperand: { values: ['Pickerton Group'] },
                },
              ],
            },
          ],
        },
      }),
    );
    expect(group).toMatchObject({ displayName: 'Pickerton Group', inScope: true });
  });

  it('refuses a broken filter naming the clause, an unknown user or job, and anonymous callers', async () => {
    const broken = await json(
      await evaluate({
        objectId: ids['sales'],
        filter: {
          groups: [
            {
              name: 'x',
              clauses: [
                { sourceOperandName: 'department', operatorName: 'Equals', targetOperand: { values: ['a'] } },
                { sourceOperandName: 'department', operatorName: 'EQUALS', targetOperand: { values: [] } },
              ],
            },
          ],
        },
      }),
      400,
    );
    expect(broken.error.details.map((d: Json) => d.target)).toEqual([
      'filter.groups[0].clauses[0].operatorName',
      'filter.groups[0].clauses[1].targetOperand.values',
    ]);
    expect(broken.error.details[0].message).toMatch(/did you mean "EQUALS"/);
    const missing = await json(
      await evaluate({ objectId: '00000000-0000-0000-0000-00000000dead', filter: salesOnly }),
      404,
    );
    expect(missing.error.message).toMatch(/was not found in Microsoft Entra ID/);
    await json(
      await s.call('/provisio/v1/jobs/zendesk.nope/scopingFilters/evaluate', {
        method: 'POST',
        json: { objectId: ids['sales'], filter: null },
      }),
      404,
    );
    const noObject = await json(await evaluate({ filter: salesOnly }), 400);
    expect(noObject.error.message).toMatch(/objectId/);
    const anonymous = await s.call(`/provisio/v1/jobs/${jobId}/scopingFilters/evaluate`, {
      method: 'POST',
      json: { objectId: ids['sales'], filter: null },
      token: null,
    });
    expect(anonymous.status).toBe(401);
  });
});
