/**
 * The synchronization schema conversions (graph/schema.ts, graph/expressions.ts): a job's mappings
 * as Graph's synchronizationSchema and back, a schema exported from Entra's Zendesk job, every
 * problem of a broken schema at once, and the discovery calls (functions, filterOperators,
 * parseExpression).
 */
import { readFileSync } from 'node:fs';
import {
  compileJobWithoutSecrets,
  defaultUserMappings,
  type JobDefinition,
  type JobDefinitionInput,
  jobDefinitionSchema,
} from '@provisio/engine';
import { compileMappings, functionSignatures, scopingOperatorNames } from '@provisio/expressions';
import { describe, expect, it } from 'vitest';
import { graphFilterOperators, graphFunctions, parseAndEvaluate } from '../src/graph/expressions.js';
import {
  importSynchronizationSchema,
  synchronizationRuleId,
  toSynchronizationSchema,
} from '../src/graph/schema.js';

const entraExport: unknown = JSON.parse(
  readFileSync(new URL('./fixtures/entra-zendesk-schema.json', import.meta.url), 'utf8'),
);

function definition(mappings: JobDefinitionInput['mappings'] = {}): JobDefinition {
  return jobDefinitionSchema.parse({
    id: 'zendesk.test',
    source: {
      type: 'entra',
      tenantId: '8f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f',
      clientId: '1f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f',
      clientSecret: { secretRef: 'env:ENTRA_CLIENT_SECRET' },
      servicePrincipalId: '2f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f',
    },
    target: {
      type: 'zendesk',
      adminUsername: 'admin@example.com',
      secretToken: { secretRef: 'env:ZENDESK_TOKEN' },
      domain: 'example',
    },
    mappings,
  });
}

function schemaOf(
  def: JobDefinition,
  userFields: { key: string; title: string; type: string }[] | null = null,
) {
  return toSynchronizationSchema({
    jobId: def.id,
    version: 'revision:1',
    job: compileJobWithoutSecrets(def),
    userFields: userFields?.map((f) => ({ ...f, active: true })) ?? null,
    discoveredAt: userFields === null ? null : '2026-01-01T00:00:00Z',
  });
}

/** The schema as it crosses HTTP. */
const overTheWire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function importInto(def: JobDefinition | null, body: unknown, userFields: { key: string }[] | null = null) {
  return importSynchronizationSchema(body, {
    jobId: def?.id ?? 'zendesk.draft',
    sections: def === null ? {} : { settings: def.settings, mappings: def.mappings },
    configured: def,
    userFields: userFields?.map((f) => ({ key: f.key, title: f.key, type: 'text', active: true })) ?? null,
  });
}

const customised = definition({
  users: {
    actions: ['create', 'update'],
    scopingFilters: {
      groups: [
        {
          name: 'Support',
          clauses: [
            {
              sourceOperandName: 'department',
              operatorName: 'EQUALS',
              targetOperand: { values: ['Support'] },
            },
            { sourceOperandName: 'employeeId', operatorName: 'IS NOT NULL' },
          ],
        },
      ],
    },
    attributes: [
      { target: 'external_id', type: 'Direct', source: 'objectId', matching: 1 },
      { target: 'email', type: 'Direct', source: 'mail', matching: 2 },
      { target: 'name', type: 'Expression', source: 'Join(" ", [givenName], [surname])' },
      { target: 'role', type: 'Expression', source: 'AppRoleAssignmentsComplex([appRoleAssignments])' },
      { target: 'user_fields.employee_number', type: 'Direct', source: 'employeeId' },
      { target: 'verified', type: 'Constant', source: 'true', apply: 'OnCreate' },
      { target: 'locale', type: 'None', default: 'de' },
    ],
  },
  groups: { enabled: false },
});

describe('a job as a synchronizationSchema', () => {
  it('has one rule with the user and group object mappings in Graph’s shape', () => {
    const schema = schemaOf(customised, [
      { key: 'employee_number', title: 'Employee number', type: 'integer' },
    ]);
    const [rule] = schema.synchronizationRules;
    expect(rule?.id).toBe(synchronizationRuleId('zendesk.test'));
    expect(synchronizationRuleId('zendesk.test')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(rule?.sourceDirectoryName).toBe('Azure Active Directory');
    expect(rule?.targetDirectoryName).toBe('Zendesk');
    const [users, groups] = rule?.objectMappings ?? [];
    expect(users).toMatchObject({
      name: 'Synchronize Microsoft Entra users to Zendesk',
      enabled: true,
      flowTypes: 'Add, Update',
      sourceObjectName: 'User',
      scope: {
        groups: [
          {
            name: 'Support',
            clauses: [
              {
                operatorName: 'EQUALS',
                sourceOperandName: 'department',
                targetOperand: { values: ['Support'] },
              },
              { operatorName: 'IS NOT NULL', sourceOperandName: 'employeeId', targetOperand: { values: [] } },
            ],
          },
        ],
      },
    });
    expect(groups).toMatchObject({ name: 'Synchronize Microsoft Entra groups to Zendesk', enabled: false });
    expect(users?.attributeMappings[2]).toEqual({
      targetAttributeName: 'name',
      defaultValue: null,
      exportMissingReferences: false,
      flowBehavior: 'FlowWhenChanged',
      flowType: 'Always',
      matchingPriority: 0,
      source: {
        expression: 'Join(" ", [givenName], [surname])',
        name: 'Join',
        type: 'Function',
        parameters: [
          { key: 'separator', value: { expression: '" "', name: ' ', parameters: [], type: 'Constant' } },
          {
            key: 'source',
            value: { expression: '[givenName]', name: 'givenName', parameters: [], type: 'Attribute' },
          },
          {
            key: 'source',
            value: { expression: '[surname]', name: 'surname', parameters: [], type: 'Attribute' },
          },
        ],
      },
    });
    expect(users?.attributeMappings[5]).toMatchObject({
      targetAttributeName: 'verified',
      flowType: 'ObjectAddOnly',
    });
    expect(users?.attributeMappings[6]).toMatchObject({ source: null, defaultValue: 'de' });

    const zendesk = schema.directories.find((d) => d.name === 'Zendesk');
    const userAttributes = zendesk?.objects.find((o) => o.name === 'User')?.attributes ?? [];
    expect(userAttributes.map((a) => a.name)).toEqual(
      expect.arrayContaining(['email', 'name', 'role', 'custom_role_id', 'user_fields.employee_number']),
    );
    expect(userAttributes.find((a) => a.name === 'user_fields.employee_number')?.type).toBe('Integer');
    const source = schema.directories.find((d) => d.name === 'Azure Active Directory');
    expect(source?.objects[0]?.attributes.map((a) => a.name)).toEqual(
      expect.arrayContaining([
        'objectId',
        'appRoleAssignments',
        'IsSoftDeleted',
        'mail',
        'department',
        'employeeId',
      ]),
    );
  });

  it('a default job shows the default mappings, and no scoping filter', () => {
    const schema = schemaOf(definition());
    const users = schema.synchronizationRules[0]?.objectMappings[0];
    expect(users?.flowTypes).toBe('Add, Update, Delete');
    expect(users?.scope).toBeNull();
    const defaults = compileMappings(defaultUserMappings);
    expect(defaults.ok && users?.attributeMappings).toEqual(defaults.ok && defaults.mappings.toGraph());
  });

  it('round-trips: definition → schema → definition keeps every mapping, filter and action (and the hash)', () => {
    const back = importInto(customised, overTheWire(schemaOf(customised)));
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.definition).not.toBeNull();
    expect(compileJobWithoutSecrets(back.definition).hash).toBe(compileJobWithoutSecrets(customised).hash);
    expect(back.mappings.users.actions).toEqual(['create', 'update']);
    expect(back.mappings.groups.enabled).toBe(false);
    expect(back.mappings.users.attributes).toEqual(customised.mappings.users.attributes);
    // Export again: the same schema.
    expect(schemaOf(back.definition ?? customised)).toEqual(schemaOf(customised));
  });

  it('default mappings stay "the defaults" after a round trip', () => {
    const back = importInto(definition(), overTheWire(schemaOf(definition())));
    expect(back.ok && back.mappings).toEqual({
      users: { enabled: true, actions: ['create', 'update', 'delete'] },
      groups: { enabled: true, actions: ['create', 'update', 'delete'] },
    });
  });
});

describe('a schema exported from Entra’s Zendesk job', () => {
  it('imports as it is, into a configured job and into a draft', () => {
    for (const target of [definition(), null]) {
      const result = importInto(target, entraExport);
      expect(result.ok, JSON.stringify(!result.ok && result.problems)).toBe(true);
      if (!result.ok) continue;
      expect(result.mappings.users.attributes).toEqual([
        { target: 'email', type: 'Direct', source: 'userPrincipalName', matching: 1 },
        { target: 'name', type: 'Direct', source: 'displayName' },
        { target: 'role', type: 'Expression', source: 'SingleAppRoleAssignment([appRoleAssignments])' },
        {
          target: 'suspended',
          type: 'Expression',
          source: 'Switch([IsSoftDeleted], , "False", "False", "True", "True")',
        },
        { target: 'phone', type: 'Direct', source: 'mobilePhone' },
        { target: 'details', type: 'Direct', source: 'department' },
        { target: 'locale', type: 'None', default: 'en-US', apply: 'OnCreate' },
      ]);
      expect(result.mappings.users.scopingFilters).toBeUndefined();
      // Entra's group mapping is provisio's default one.
      expect(result.mappings.groups).toEqual({ enabled: true, actions: ['create', 'update', 'delete'] });
      expect(result.job.users.mappings.matching).toEqual([{ target: 'email', precedence: 1 }]);
    }
  });

  it('changes what decides a cycle: the configuration hash differs from the defaults', () => {
    const result = importInto(definition(), entraExport);
    expect(result.ok).toBe(true);
    if (!result.ok || result.definition === null) return;
    expect(compileJobWithoutSecrets(result.definition).hash).not.toBe(
      compileJobWithoutSecrets(definition()).hash,
    );
  });
});

describe('a broken schema', () => {
  it('is refused with every problem, each located in the schema', () => {
    const schema = overTheWire(schemaOf(definition())) as {
      synchronizationRules: { objectMappings: Record<string, unknown>[] }[];
    };
    const [rule] = schema.synchronizationRules;
    if (rule === undefined) throw new Error('no rule');
    const users = rule.objectMappings[0] as { attributeMappings: Record<string, unknown>[] } & Record<
      string,
      unknown
    >;
    users['flowTypes'] = 'Add, Upsert';
    users['scope'] = {
      groups: [
        {
          name: 'Sales',
          clauses: [
            { sourceOperandName: 'department', operatorName: 'Equals', targetOperand: { values: ['Sales'] } },
          ],
        },
      ],
    };
    users.attributeMappings[2] = {
      targetAttributeName: 'name',
      source: { expression: 'Joint(" ", [givenName])', type: 'Function' },
    };
    users.attributeMappings.push(
      { targetAttributeName: 'emailAddress', source: { type: 'Attribute', name: 'mail' } },
      { targetAttributeName: 'user_fields.shoe_size', source: { type: 'Attribute', name: 'department' } },
      { targetAttributeName: 'alias', source: { type: 'Attribute', name: 'surname' } },
    );
    rule.objectMappings.splice(1, 1);

    const result = importInto(definition(), schema, [{ key: 'employee_number' }]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const base = 'synchronizationRules[0].objectMappings[0]';
    const byTarget = Object.fromEntries(result.problems.map((p) => [p.target ?? '', p.message]));
    expect(Object.keys(byTarget)).toEqual(
      expect.arrayContaining([
        `${base}.flowTypes`,
        'synchronizationRules[0].objectMappings',
        `${base}.attributeMappings[2].source`,
        `${base}.attributeMappings[8].targetAttributeName`,
        `${base}.attributeMappings[9].targetAttributeName`,
        `${base}.attributeMappings[10].targetAttributeName`,
        `${base}.scope.groups[0].clauses[0].operatorName`,
      ]),
    );
    expect(byTarget[`${base}.flowTypes`]).toMatch(/unknown flow type "Upsert"/);
    expect(byTarget['synchronizationRules[0].objectMappings']).toMatch(/no object mapping for groups/);
    expect(byTarget[`${base}.attributeMappings[2].source`]).toMatch(/unknown function 'Joint'/);
    expect(
      result.problems.filter((p) => p.target === `${base}.attributeMappings[10].targetAttributeName`),
    ).toEqual([expect.objectContaining({ message: expect.stringMatching(/duplicate target attribute/) })]);
    expect(byTarget[`${base}.attributeMappings[8].targetAttributeName`]).toMatch(
      /"emailAddress" is not a Zendesk user attribute/,
    );
    expect(byTarget[`${base}.scope.groups[0].clauses[0].operatorName`]).toMatch(/did you mean "EQUALS"/);
    expect(result.problems.length).toBe(7);
    for (const problem of result.problems)
      expect(problem.message.startsWith(problem.target ?? '')).toBe(true);
  });

  it('names Zendesk attributes that do not exist, and custom fields the account lacks', () => {
    const schema = overTheWire(schemaOf(definition())) as {
      synchronizationRules: { objectMappings: { attributeMappings: Record<string, unknown>[] }[] }[];
    };
    const users = schema.synchronizationRules[0]?.objectMappings[0];
    users?.attributeMappings.push(
      { targetAttributeName: 'Email_Address', source: { type: 'Attribute', name: 'mail' } },
      { targetAttributeName: 'user_fields.shoe_size', source: { type: 'Attribute', name: 'department' } },
      { targetAttributeName: 'Details', source: { type: 'Attribute', name: 'department' } },
    );
    users?.attributeMappings.splice(7, 1); // the default `details`, so that `Details` is no duplicate
    const result = importInto(definition(), schema, [{ key: 'employee_number' }]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.problems.map((p) => p.message).join('\n');
    expect(messages).toMatch(/"Email_Address" is not a Zendesk user attribute/);
    expect(messages).toMatch(/no custom user field with the key "shoe_size"; its keys are "employee_number"/);
    expect(messages).toMatch(/"Details" is not a Zendesk user attribute: did you mean "details"\?/);
    // Without the account's fields (a draft), any user_fields.<key> is accepted.
    const draft = importInto(null, {
      synchronizationRules: [
        {
          objectMappings: [
            {
              sourceObjectName: 'User',
              attributeMappings: [
                {
                  targetAttributeName: 'email',
                  source: { type: 'Attribute', name: 'mail' },
                  matchingPriority: 1,
                },
                {
                  targetAttributeName: 'user_fields.shoe_size',
                  source: { type: 'Attribute', name: 'department' },
                },
              ],
            },
            { sourceObjectName: 'Group', enabled: false, attributeMappings: [] },
          ],
        },
      ],
    });
    expect(draft.ok, JSON.stringify(!draft.ok && draft.problems)).toBe(false);
    // A disabled group mapping still needs a matching attribute: the engine's rule, reported.
    expect(!draft.ok && draft.problems.map((p) => p.target)).toEqual([
      'synchronizationRules[0].objectMappings[1].attributeMappings',
    ]);
  });

  it("leaves out Entra's group `members` mapping, and still locates problems by their place in the schema", () => {
    const schema = overTheWire(schemaOf(definition())) as {
      synchronizationRules: { objectMappings: { attributeMappings: Record<string, unknown>[] }[] }[];
    };
    const groups = schema.synchronizationRules[0]?.objectMappings[1];
    groups?.attributeMappings.unshift({
      targetAttributeName: 'members',
      source: { expression: '[members]', name: 'members', parameters: [], type: 'Attribute' },
    });
    const fine = importInto(definition(), schema);
    expect(fine.ok && fine.mappings.groups).toEqual({
      enabled: true,
      actions: ['create', 'update', 'delete'],
    });
    groups?.attributeMappings.push(
      { targetAttributeName: 'is_public', source: { expression: 'Joint([x])', type: 'Function' } },
      { targetAttributeName: 'owner', source: { type: 'Attribute', name: 'mail' } },
    );
    const broken = importInto(definition(), schema);
    expect(!broken.ok && broken.problems.map((p) => p.target)).toEqual([
      'synchronizationRules[0].objectMappings[1].attributeMappings[3].source',
      'synchronizationRules[0].objectMappings[1].attributeMappings[4].targetAttributeName',
    ]);
    expect(!broken.ok && broken.problems[1]?.message).toMatch(/"owner" is not a Zendesk group attribute/);
  });

  it('refuses what is not a schema at all, and a disabled user mapping', () => {
    const notAnObject = importInto(definition(), ['x']);
    expect(!notAnObject.ok && notAnObject.problems[0]?.message).toMatch(
      /must be a synchronizationSchema object/,
    );
    const schema = overTheWire(schemaOf(definition())) as {
      synchronizationRules: { objectMappings: Record<string, unknown>[] }[];
    };
    const users = schema.synchronizationRules[0]?.objectMappings[0];
    if (users) users['enabled'] = false;
    const disabled = importInto(definition(), schema);
    expect(!disabled.ok && disabled.problems.map((p) => p.target)).toEqual([
      'synchronizationRules[0].objectMappings[0].enabled',
    ]);
  });
});

describe('schema discovery', () => {
  it('lists every function of the expression language with its parameters', () => {
    const functions = graphFunctions();
    expect(functions.map((f) => f.name).sort()).toEqual(Object.keys(functionSignatures).sort());
    expect(functions.find((f) => f.name === 'Join')?.parameters).toEqual([
      { name: 'separator', required: true, allowMultipleOccurrences: false, type: 'String' },
      { name: 'source', required: true, allowMultipleOccurrences: true, type: 'String' },
    ]);
    expect(functions.find((f) => f.name === 'InStr')?.parameters.map((p) => p.required)).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(
      functions.find((f) => f.name === 'Switch')?.parameters.map((p) => [p.name, p.allowMultipleOccurrences]),
    ).toEqual([
      ['source', false],
      ['defaultValue', false],
      ['key', true],
      ['value', true],
    ]);
  });

  it('lists every scoping operator with its arity', () => {
    const operators = graphFilterOperators();
    expect(operators.map((o) => o.name)).toEqual([...scopingOperatorNames]);
    expect(operators.find((o) => o.name === 'IS NULL')).toMatchObject({ arity: 'Unary' });
    expect(operators.find((o) => o.name === 'EQUALS')).toMatchObject({
      arity: 'Binary',
      multivaluedComparisonType: 'All',
    });
    expect(operators.find((o) => o.name === 'Greater_Than')?.supportedAttributeTypes).toEqual(['Integer']);
  });

  it('parseExpression parses into an attributeMappingSource and evaluates against the test object', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const answer = parseAndEvaluate({
      expression: 'Replace([preferredLanguage], "-", , , "_", , )',
      properties: [{ key: 'preferredLanguage', value: 'EN-US' }],
      now,
    });
    expect(answer).toMatchObject({
      error: null,
      parsingSucceeded: true,
      evaluationSucceeded: true,
      evaluationResult: ['EN_US'],
      parsedExpression: {
        name: 'Replace',
        type: 'Function',
        expression: 'Replace([preferredLanguage], "-", , , "_", , )',
      },
    });
    const roles = parseAndEvaluate({
      expression: 'SingleAppRoleAssignment([appRoleAssignments])',
      properties: [{ key: 'appRoleAssignments', value: ['Agent'] }],
      now,
    });
    expect(roles.evaluationResult).toEqual(['Agent']);
    const broken = parseAndEvaluate({ expression: 'Join(", "', now });
    expect(broken).toMatchObject({
      parsingSucceeded: false,
      evaluationSucceeded: false,
      parsedExpression: null,
      error: { code: 'ExpressionSyntaxError' },
    });
    const failing = parseAndEvaluate({
      expression: 'SingleAppRoleAssignment([appRoleAssignments])',
      properties: [{ key: 'appRoleAssignments', value: ['Agent', 'Admin'] }],
      now,
    });
    expect(failing).toMatchObject({ parsingSucceeded: true, evaluationSucceeded: false });
    expect(failing.error?.code).toBe('FunctionEvaluationError');
    const parseOnly = parseAndEvaluate({ expression: '[mail]', now });
    expect(parseOnly).toMatchObject({ parsingSucceeded: true, evaluationResult: null });
  });
});
