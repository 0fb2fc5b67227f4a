import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CompiledMappingSet, compileMappings, type MappingResult } from '../src/mappings/mappings.js';

function compile(list: unknown): CompiledMappingSet {
  const result = compileMappings(list);
  if (!result.ok) throw new Error(`unexpected errors: ${JSON.stringify(result.errors, null, 2)}`);
  return result.mappings;
}

function errorsOf(list: unknown) {
  const result = compileMappings(list);
  if (result.ok) throw new Error('expected compile errors');
  return result.errors;
}

/** A realistic Entra → Zendesk user mapping, in the friendly form. */
const zendeskUsers = [
  { target: 'external_id', type: 'Direct', source: 'objectId', matching: 1 },
  { target: 'email', type: 'Direct', source: 'userPrincipalName', matching: 2 },
  { target: 'name', type: 'Expression', source: 'Join(" ", [givenName], [surname])' },
  { target: 'role', type: 'Expression', source: 'SingleAppRoleAssignment([appRoleAssignments])' },
  { target: 'phone', type: 'Direct', source: 'mobile' },
  { target: 'locale', type: 'Direct', source: 'preferredLanguage', default: 'en-US' },
  // suspended = IsSoftDeleted: default "False", and "True" when the user is soft-deleted.
  { target: 'suspended', type: 'Expression', source: 'Switch([IsSoftDeleted], "False", "True", "True")' },
  { target: 'details', type: 'Expression', source: 'IgnoreFlowIfNullOrEmpty([department])' },
  { target: 'user_fields.employee_number', type: 'Expression', source: 'Redact([employeeId])' },
  // Verified on creation only, so that Zendesk sends no verification email; never reset afterwards.
  { target: 'verified', type: 'Constant', source: 'True', apply: 'OnCreate' },
  { target: 'time_zone', type: 'None', default: 'Pacific Time (US & Canada)' },
];

const ada = {
  objectId: '7d4b2c1e-0000-4000-8000-000000000001',
  userPrincipalName: 'ada@contoso.com',
  givenName: 'Ada',
  surname: 'Lovelace',
  appRoleAssignments: ['Agent'],
  mobile: '+1 555 0100',
  IsSoftDeleted: 'False',
  department: 'Engineering',
  employeeId: '1815',
};

describe('a Zendesk user mapping', () => {
  const set = compile(zendeskUsers);

  it('lists the matching attributes in precedence order', () => {
    expect(set.matching).toEqual([
      { target: 'external_id', precedence: 1 },
      { target: 'email', precedence: 2 },
    ]);
    expect(set.warnings).toEqual([]);
  });

  it('computes every attribute on create', () => {
    const result = set.evaluate({ attributes: ada, operation: 'create' });
    expect(result).toEqual<MappingResult>({
      values: {
        external_id: ada.objectId,
        email: 'ada@contoso.com',
        name: 'Ada Lovelace',
        role: 'Agent',
        phone: '+1 555 0100',
        // preferredLanguage is absent: the default flows because this is a creation.
        locale: 'en-US',
        suspended: 'False',
        details: 'Engineering',
        'user_fields.employee_number': '1815',
        verified: 'True',
        time_zone: 'Pacific Time (US & Canada)',
      },
      dropped: [],
      dropReasons: {},
      redacted: ['user_fields.employee_number'],
      matchingKeys: [
        { target: 'external_id', value: ada.objectId, precedence: 1 },
        { target: 'email', value: 'ada@contoso.com', precedence: 2 },
      ],
      errors: [],
    });
  });

  it('applies defaults and create-only mappings on create only', () => {
    const result = set.evaluate({ attributes: { ...ada, IsSoftDeleted: 'True' }, operation: 'update' });
    expect(result.values).toEqual({
      external_id: ada.objectId,
      email: 'ada@contoso.com',
      name: 'Ada Lovelace',
      role: 'Agent',
      phone: '+1 555 0100',
      suspended: 'True',
      details: 'Engineering',
      'user_fields.employee_number': '1815',
    });
    expect(result.dropped).toEqual(['locale', 'verified', 'time_zone']);
    expect(result.dropReasons).toEqual({ locale: 'Null', verified: 'OnCreateOnly', time_zone: 'Null' });
    // Matching values are reported whatever the operation.
    expect(result.matchingKeys.map((k) => k.target)).toEqual(['external_id', 'email']);
  });

  it('uses the source value over the default when there is one', () => {
    const result = set.evaluate({ attributes: { ...ada, preferredLanguage: 'fr-FR' }, operation: 'create' });
    expect(result.values['locale']).toBe('fr-FR');
  });

  it('drops null values instead of clearing them, and honours IgnoreFlowIfNullOrEmpty', () => {
    const { mobile: _m, department: _d, ...rest } = ada;
    const result = set.evaluate({ attributes: { ...rest, department: '' }, operation: 'update' });
    expect(result.values).not.toHaveProperty('phone');
    expect(result.values).not.toHaveProperty('details');
    expect(result.dropReasons).toMatchObject({ phone: 'Null', details: 'IgnoreFlow' });
  });

  it('reports a failing attribute without stopping the others', () => {
    const result = set.evaluate({
      attributes: { ...ada, appRoleAssignments: ['Agent', 'Admin'] },
      operation: 'create',
    });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.target).toBe('role');
    expect(result.errors[0]?.error.code).toBe('FunctionEvaluationError');
    expect(result.values).not.toHaveProperty('role');
    expect(result.values['name']).toBe('Ada Lovelace');
    expect(Object.keys(result.values)).toHaveLength(zendeskUsers.length - 1);
  });

  it('skips null matching values and keeps the precedence order', () => {
    const { objectId: _o, ...rest } = ada;
    const result = set.evaluate({ attributes: rest, operation: 'create' });
    expect(result.matchingKeys).toEqual([{ target: 'email', value: 'ada@contoso.com', precedence: 2 }]);
  });

  it('looks source attributes up ignoring case', () => {
    const result = set.evaluate({
      attributes: { USERPRINCIPALNAME: 'ADA@contoso.com' },
      operation: 'update',
    });
    expect(result.values['email']).toBe('ADA@contoso.com');
  });
});

describe('mapping types', () => {
  it('reads Direct values as the expression [source] does (multi-valued, empty lists, objects)', () => {
    const set = compile([
      { target: 'tags', type: 'Direct', source: '[proxyAddresses]' },
      { target: 'manager_ref', type: 'Direct', source: 'manager' },
      { target: 'empty', type: 'Direct', source: 'otherMails' },
    ]);
    const result = set.evaluate({
      attributes: { proxyAddresses: ['smtp:a@b.c', 'SMTP:A@B.C'], manager: { id: 'x' }, otherMails: [] },
      operation: 'create',
    });
    expect(result.values).toEqual({ tags: ['smtp:a@b.c', 'SMTP:A@B.C'], manager_ref: '{"id":"x"}' });
    expect(result.dropReasons).toEqual({ empty: 'Null' });
  });

  it('does not evaluate a create-only mapping on update unless it matches', () => {
    const set = compile([
      {
        target: 'role',
        type: 'Expression',
        source: 'SingleAppRoleAssignment([appRoleAssignments])',
        apply: 'OnCreate',
      },
      { target: 'email', type: 'Direct', source: 'mail', apply: 'OnCreate', matching: 1 },
    ]);
    const result = set.evaluate({
      attributes: { appRoleAssignments: ['A', 'B'], mail: 'a@b.c' },
      operation: 'update',
    });
    expect(result.errors).toEqual([]);
    expect(result.values).toEqual({});
    expect(result.dropReasons).toEqual({ role: 'OnCreateOnly', email: 'OnCreateOnly' });
    expect(result.matchingKeys).toEqual([{ target: 'email', value: 'a@b.c', precedence: 1 }]);
  });

  it('lets an empty string flow (only null triggers the default)', () => {
    const set = compile([{ target: 'notes', type: 'Direct', source: 'info', default: 'n/a' }]);
    expect(set.evaluate({ attributes: { info: '' }, operation: 'create' }).values).toEqual({ notes: '' });
    expect(set.evaluate({ attributes: {}, operation: 'create' }).values).toEqual({ notes: 'n/a' });
  });

  it('sends nothing for a None mapping without a default', () => {
    const set = compile([{ target: 'alias', type: 'None' }]);
    const result = set.evaluate({ attributes: {}, operation: 'create' });
    expect(result.values).toEqual({});
    expect(result.dropped).toEqual(['alias']);
  });

  it('passes the clock and the target lookup to the evaluator (SelectUniqueValue)', () => {
    const set = compile([
      {
        target: 'alias',
        type: 'Expression',
        source:
          'SelectUniqueValue(Join("", Left([givenName], 1), [surname]), Join("", Left([givenName], 2), [surname]))',
        apply: 'OnCreate',
      },
    ]);
    expect(set.warnings).toEqual([]);
    const taken = new Set(['alovelace']);
    const result = set.evaluate({
      attributes: { givenName: 'ada', surname: 'lovelace' },
      operation: 'create',
      exists: (value) => taken.has(value),
    });
    expect(result.values).toEqual({ alias: 'adlovelace' });
  });

  it('warns when SelectUniqueValue applies on every update', () => {
    const set = compile([{ target: 'alias', type: 'Expression', source: 'SelectUniqueValue([a], [b])' }]);
    expect(set.warnings.map((w) => w.path)).toEqual(['[0].apply']);
  });
});

describe('validation', () => {
  it('lists every problem at once, naming the target attribute', () => {
    const errors = errorsOf([
      { target: 'email', type: 'Direct', source: 'mail', matching: 1 },
      { target: 'Email', type: 'Direct', source: 'userPrincipalName' },
      { target: 'name', type: 'Expression', source: 'Join(" ", [givenName]' },
      {
        target: 'alias',
        type: 'Expression',
        source: 'SelectUniqueValue([a], [b])',
        matching: 2,
        apply: 'OnCreate',
      },
      { target: 'nick', type: 'Expression', source: 'ToLower(SelectUniqueValue([a], [b]))' },
      { target: 'role', type: 'Direct' },
      { target: 'org', type: 'Constant', source: 'Contoso', matching: 1 },
      { target: 'x', type: 'Formula', source: '1' },
      { target: 'y', type: 'None', defualt: 'typo' },
      { target: 'z', type: 'None', source: 'mail' },
      { target: 'w', type: 'Expression', source: 'Frobnicate([a])' },
      42,
    ]);
    expect(errors.map((e) => [e.path, e.target, e.code])).toEqual([
      ['[1].target', 'Email', 'InvalidMapping'],
      ['[2].source', 'name', 'ExpressionSyntaxError'],
      ['[3].matching', 'alias', 'InvalidArgument'],
      ['[4].source', 'nick', 'InvalidArgument'],
      ['[5].source', 'role', 'InvalidMapping'],
      ['[6].matching', 'org', 'InvalidMapping'],
      ['[6].matching', 'org', 'InvalidMapping'],
      ['[7].type', 'x', 'InvalidMapping'],
      ['[8]', 'y', 'InvalidMapping'],
      ['[9].source', 'z', 'InvalidMapping'],
      ['[10].source', 'w', 'UnknownFunction'],
      ['[11]', '', 'InvalidMapping'],
    ]);
    const messages = errors.map((e) => e.message);
    expect(messages[0]).toBe(
      'Mapping 2 ("Email"): duplicate target attribute: mapping 1 already maps "email"; a target can have one mapping',
    );
    expect(messages[1]).toMatch(/^Mapping 3 \("name"\): expected '\)' or ','.* at 1:22$/);
    expect(errors[1]).toMatchObject({ line: 1, column: 22 });
    expect(messages[2]).toBe('Mapping 4 ("alias"): SelectUniqueValue is not allowed on a matching attribute');
    expect(messages[3]).toMatch(/SelectUniqueValue must be the whole expression/);
    expect(messages[5]).toMatch(/precedence 1 is already used by "email"/);
    expect(messages[6]).toMatch(/a Constant cannot match/);
    expect(messages[8]).toMatch(/Unrecognized key.*defualt/);
    expect(messages[11]).toMatch(/^Mapping 12: expected \{ target, type/);
  });

  it('refuses what is not a list', () => {
    for (const json of [null, 'x', { mappings: [] }]) {
      expect(errorsOf(json)[0]?.message).toMatch(/expected an array of attribute mappings/);
    }
  });

  it('never throws on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), (json, attributes) => {
        const result = compileMappings(json);
        if (!result.ok) return;
        for (const operation of ['create', 'update'] as const) {
          expect(typeof result.mappings.evaluate({ attributes, operation }).values).toBe('object');
        }
      }),
    );
  });
});

describe('the Graph attributeMapping form', () => {
  // Graph's objectMapping example (Salesforce;
  // https://learn.microsoft.com/graph/api/resources/synchronization-objectmapping), verbatim.
  const graph = {
    attributeMappings: [
      {
        targetAttributeName: 'IsActive',
        defaultValue: 'True',
        exportMissingReferences: false,
        flowBehavior: 'FlowWhenChanged',
        flowType: 'Always',
        matchingPriority: 0,
        source: {
          expression: 'Not([IsSoftDeleted])',
          name: 'Not',
          type: 'Function',
          parameters: [
            {
              key: 'source',
              value: {
                expression: '[IsSoftDeleted]',
                name: 'IsSoftDeleted',
                parameters: [],
                type: 'Attribute',
              },
            },
          ],
        },
      },
      {
        targetAttributeName: 'Alias',
        matchingPriority: 0,
        flowType: 'Always',
        flowBehavior: 'FlowWhenChanged',
        defaultValue: null,
        source: {
          expression: 'Mid([userPrincipalName], 1, 8)',
          name: 'Mid',
          type: 'Function',
          parameters: [
            {
              key: 'source',
              value: {
                expression: '[userPrincipalName]',
                name: 'userPrincipalName',
                parameters: [],
                type: 'Attribute',
              },
            },
            { key: 'start', value: { expression: '"1"', name: '1', parameters: [], type: 'Constant' } },
            { key: 'length', value: { expression: '"8"', name: '8', parameters: [], type: 'Constant' } },
          ],
        },
      },
      {
        targetAttributeName: 'Username',
        matchingPriority: 1,
        flowType: 'Always',
        flowBehavior: 'FlowWhenChanged',
        source: {
          expression: '[userPrincipalName]',
          name: 'userPrincipalName',
          parameters: [],
          type: 'Attribute',
        },
      },
      {
        targetAttributeName: 'TimeZoneSidKey',
        defaultValue: 'America/Los_Angeles',
        source: null,
        matchingPriority: 0,
        flowType: 'Always',
        flowBehavior: 'FlowWhenChanged',
      },
      {
        targetAttributeName: 'ProfileName',
        defaultValue: 'Chatter Free User',
        source: {
          expression: 'SingleAppRoleAssignment([appRoleAssignments])',
          name: 'SingleAppRoleAssignment',
          type: 'Function',
          parameters: [
            {
              key: 'source',
              value: {
                expression: '[appRoleAssignments]',
                name: 'appRoleAssignments',
                parameters: [],
                type: 'Attribute',
              },
            },
          ],
        },
      },
    ],
  };

  it('reads the reference example into the friendly form', () => {
    const set = compile(graph);
    expect(set.mappings).toEqual([
      {
        target: 'IsActive',
        type: 'Expression',
        source: 'Not([IsSoftDeleted])',
        default: 'True',
        apply: 'Always',
        matching: 0,
      },
      {
        target: 'Alias',
        type: 'Expression',
        source: 'Mid([userPrincipalName], 1, 8)',
        default: null,
        apply: 'Always',
        matching: 0,
      },
      {
        target: 'Username',
        type: 'Direct',
        source: 'userPrincipalName',
        default: null,
        apply: 'Always',
        matching: 1,
      },
      {
        target: 'TimeZoneSidKey',
        type: 'None',
        default: 'America/Los_Angeles',
        apply: 'Always',
        matching: 0,
      },
      {
        target: 'ProfileName',
        type: 'Expression',
        source: 'SingleAppRoleAssignment([appRoleAssignments])',
        default: 'Chatter Free User',
        apply: 'Always',
        matching: 0,
      },
    ]);
  });

  it('evaluates it', () => {
    const set = compile(graph.attributeMappings);
    const result = set.evaluate({
      attributes: {
        userPrincipalName: 'ada.lovelace@contoso.com',
        IsSoftDeleted: 'False',
        appRoleAssignments: ['Standard User'],
      },
      operation: 'create',
    });
    expect(result.values).toEqual({
      IsActive: 'True',
      Alias: 'ada.love',
      Username: 'ada.lovelace@contoso.com',
      TimeZoneSidKey: 'America/Los_Angeles',
      ProfileName: 'Standard User',
    });
    expect(result.matchingKeys).toEqual([
      { target: 'Username', value: 'ada.lovelace@contoso.com', precedence: 1 },
    ]);
  });

  it('round-trips through toGraph', () => {
    for (const list of [graph, zendeskUsers]) {
      const set = compile(list);
      const again = compile(JSON.parse(JSON.stringify(set.toGraph())));
      expect(again.mappings).toEqual(set.mappings);
    }
    const none = compile([
      { target: 'tz', type: 'None', default: 'UTC', apply: 'OnCreate', matching: 0 },
    ]).toGraph();
    expect(none).toEqual([
      {
        targetAttributeName: 'tz',
        source: null,
        defaultValue: 'UTC',
        exportMissingReferences: false,
        flowBehavior: 'FlowWhenChanged',
        flowType: 'ObjectAddOnly',
        matchingPriority: 0,
      },
    ]);
  });

  it('maps flowType ObjectAddOnly to apply OnCreate, refuses the multi-value flow types and mixes forms', () => {
    const set = compile([
      {
        targetAttributeName: 'a',
        source: { expression: '"x"', name: 'x', parameters: [], type: 'Constant' },
        flowType: 'ObjectAddOnly',
      },
      { target: 'b', type: 'Constant', source: 'y' },
    ]);
    expect(set.mappings.map((m) => [m.target, m.type, m.apply])).toEqual([
      ['a', 'Constant', 'OnCreate'],
      ['b', 'Constant', 'Always'],
    ]);
    const errors = errorsOf([
      { targetAttributeName: 'a', source: null, flowType: 'MultiValueAddOnly' },
      { targetAttributeName: 'b', source: { type: 'Function', name: 'Nope', parameters: [] } },
      { targetAttributeName: 'c', source: 'mail' },
    ]);
    expect(errors.map((e) => [e.path, e.target])).toEqual([
      ['[0].flowType', 'a'],
      ['[1].source', 'b'],
      ['[2].source', 'c'],
    ]);
  });
});
