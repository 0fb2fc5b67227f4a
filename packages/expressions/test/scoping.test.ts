import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CompiledScopingFilters,
  compileScopingFilters,
  type ScopingOperatorName,
  scopingOperatorNames,
} from '../src/scoping/scoping.js';

type Clause = [attribute: string, operator: string, ...values: string[]];

/** Builds Graph's filter JSON from compact clause tuples. */
function filter(...groups: Array<{ name: string; clauses: Clause[] }>) {
  return {
    groups: groups.map((g) => ({
      name: g.name,
      clauses: g.clauses.map(([sourceOperandName, operatorName, ...values]) => ({
        operatorName,
        sourceOperandName,
        targetOperand: { values },
      })),
    })),
  };
}

function compile(json: unknown): CompiledScopingFilters {
  const result = compileScopingFilters(json);
  if (!result.ok) throw new Error(`unexpected errors: ${JSON.stringify(result.errors, null, 2)}`);
  return result.filters;
}

/** Evaluates one clause against one attribute value (undefined = attribute absent). */
function clause(operator: string, value: string | undefined, actual: unknown) {
  const filters = compile(
    filter({ name: 'f', clauses: [value === undefined ? ['attr', operator] : ['attr', operator, value]] }),
  );
  const result = filters.evaluate(actual === undefined ? {} : { attr: actual });
  const first = result.groups[0]?.clauses[0];
  if (first === undefined) throw new Error('no clause result');
  return first;
}

const passes = (operator: string, value: string | undefined, actual: unknown) =>
  clause(operator, value, actual).passed;

describe('operators', () => {
  it('knows exactly the fourteen Entra operators', () => {
    expect(scopingOperatorNames).toHaveLength(14);
    expect([...scopingOperatorNames].sort()).toEqual(
      [
        '&',
        '!&',
        'ENDS_WITH',
        'EQUALS',
        'Greater_Than',
        'Greater_Than_OR_EQUALS',
        'Includes',
        'IS FALSE',
        'IS NOT NULL',
        'IS NULL',
        'IS TRUE',
        'NOT EQUALS',
        'NOT REGEX MATCH',
        'REGEX MATCH',
      ].sort(),
    );
  });

  // [operator, value, attribute value (undefined = absent), expected]
  const table: Array<[ScopingOperatorName, string | undefined, unknown, boolean]> = [
    // EQUALS is case sensitive ("matches the input string value exactly (case sensitive)").
    ['EQUALS', 'Sales', 'Sales', true],
    ['EQUALS', 'Sales', 'sales', false],
    ['EQUALS', 'Sales', 'Sales ', false],
    ['EQUALS', '42', 42, true],
    ['EQUALS', 'True', true, true],
    ['EQUALS', 'Sales', null, false],
    ['EQUALS', 'Sales', '', false],
    ['EQUALS', 'Sales', undefined, false],
    ['NOT EQUALS', 'Sales', 'Marketing', true],
    ['NOT EQUALS', 'Sales', 'Sales', false],
    ['NOT EQUALS', 'Sales', 'sales', true],
    // The null rule applies to the negative comparisons too.
    ['NOT EQUALS', 'Sales', null, false],
    ['NOT EQUALS', 'Sales', '', false],
    ['NOT EQUALS', 'Sales', undefined, false],
    ['Includes', 'eng', 'Engineering', false],
    ['Includes', 'ngin', 'Engineering', true],
    ['Includes', 'ngin', null, false],
    ['Includes', 'ngin', '', false],
    ['ENDS_WITH', '@contoso.com', 'jo@contoso.com', true],
    ['ENDS_WITH', '@contoso.com', 'jo@CONTOSO.com', false],
    ['ENDS_WITH', '@contoso.com', 'jo@contoso.com.evil', false],
    ['ENDS_WITH', '@contoso.com', undefined, false],
    // & : the attribute's value occurs in the clause value (a list-like membership test).
    ['&', 'Sales,Marketing', 'Sales', true],
    ['&', 'Sales,Marketing', 'Marketing', true],
    ['&', 'Sales,Marketing', 'Support', false],
    ['&', 'Sales,Marketing', 'sales', false],
    ['&', 'Sales,Marketing', '', false],
    ['&', 'Sales,Marketing', null, false],
    ['!&', 'Sales,Marketing', 'Support', true],
    ['!&', 'Sales,Marketing', 'Sales', false],
    ['!&', 'Sales,Marketing', '', false],
    ['!&', 'Sales,Marketing', undefined, false],
    ['Greater_Than', '1000000', '1000001', true],
    ['Greater_Than', '1000000', '1000000', false],
    ['Greater_Than', '1000000', 2000000, true],
    ['Greater_Than', '1000000', '999999', false],
    ['Greater_Than', '-5', '-4', true],
    ['Greater_Than', '9007199254740993', '9007199254740994', true],
    ['Greater_Than', '9007199254740993', '9007199254740993', false],
    ['Greater_Than', '1000000', 'abc', false],
    ['Greater_Than', '1000000', '1.5e7', false],
    ['Greater_Than', '1000000', 1500000.5, false],
    ['Greater_Than', '1000000', true, false],
    ['Greater_Than', '1000000', null, false],
    ['Greater_Than', '1000000', '', false],
    ['Greater_Than_OR_EQUALS', '1000000', '1000000', true],
    ['Greater_Than_OR_EQUALS', '1000000', ' 1000000 ', true],
    ['Greater_Than_OR_EQUALS', '1000000', '999999', false],
    ['Greater_Than_OR_EQUALS', '1000000', undefined, false],
    ['REGEX MATCH', '.*\\@domain.com', 'john@domain.com', true],
    ['REGEX MATCH', '.*\\@domain.com', 'john@other.com', false],
    // Unanchored like .NET's Regex.IsMatch; case sensitive.
    ['REGEX MATCH', '([1-9][0-9])', '42', true],
    ['REGEX MATCH', '([1-9][0-9])', '100', true],
    ['REGEX MATCH', '^([1-9][0-9])$', '100', false],
    ['REGEX MATCH', 'abc', 'ABC', false],
    ['REGEX MATCH', '(?i)abc', 'ABC', true],
    ['REGEX MATCH', '.*', '', false],
    ['REGEX MATCH', '.*', null, false],
    ['NOT REGEX MATCH', '.*\\@domain.com', 'john@other.com', true],
    ['NOT REGEX MATCH', '.*\\@domain.com', 'john@domain.com', false],
    // "It returns 'false' if the attribute is null / empty."
    ['NOT REGEX MATCH', 'x', '', false],
    ['NOT REGEX MATCH', 'x', null, false],
    ['NOT REGEX MATCH', 'x', undefined, false],
    ['IS NULL', undefined, undefined, true],
    ['IS NULL', undefined, null, true],
    ['IS NULL', undefined, '', true],
    ['IS NULL', undefined, ' ', false],
    ['IS NULL', undefined, 'x', false],
    ['IS NULL', undefined, 0, false],
    ['IS NULL', undefined, false, false],
    ['IS NOT NULL', undefined, 'x', true],
    ['IS NOT NULL', undefined, 0, true],
    ['IS NOT NULL', undefined, '', false],
    ['IS NOT NULL', undefined, null, false],
    ['IS NOT NULL', undefined, undefined, false],
    ['IS TRUE', undefined, true, true],
    ['IS TRUE', undefined, 'True', true],
    ['IS TRUE', undefined, 'true', true],
    ['IS TRUE', undefined, ' TRUE ', true],
    ['IS TRUE', undefined, false, false],
    ['IS TRUE', undefined, 'False', false],
    ['IS TRUE', undefined, 'yes', false],
    ['IS TRUE', undefined, 1, false],
    ['IS TRUE', undefined, null, false],
    ['IS TRUE', undefined, '', false],
    ['IS TRUE', undefined, undefined, false],
    ['IS FALSE', undefined, false, true],
    ['IS FALSE', undefined, 'False', true],
    ['IS FALSE', undefined, 'false', true],
    ['IS FALSE', undefined, true, false],
    ['IS FALSE', undefined, 'no', false],
    ['IS FALSE', undefined, null, false],
    ['IS FALSE', undefined, undefined, false],
  ];

  it.each(table)('%s %j on %j → %s', (operator, value, actual, expected) => {
    expect(passes(operator, value, actual)).toBe(expected);
  });

  it('gives a reason for every failing clause', () => {
    for (const [operator, value, actual, expected] of table) {
      const result = clause(operator, value, actual);
      if (!expected) expect(result.reason, `${operator} ${String(value)} on ${String(actual)}`).toMatch(/\w/);
      else expect(result.reason).toBeUndefined();
    }
  });

  it('explains the null rule and non-integers', () => {
    expect(clause('EQUALS', 'x', null).reason).toMatch(/null or absent; scoping filters return false/);
    expect(clause('EQUALS', 'x', '').reason).toMatch(/empty; scoping filters return false/);
    expect(clause('Greater_Than', '10', 'ten').reason).toBe('the attribute value "ten" is not an integer');
    expect(clause('EQUALS', 'Sales', 'Marketing').reason).toBe('"Marketing" does not equal "Sales"');
  });

  it('fails every operator on a multi-valued attribute, with the reason', () => {
    for (const operator of scopingOperatorNames) {
      const value = ['IS NULL', 'IS NOT NULL', 'IS TRUE', 'IS FALSE'].includes(operator) ? undefined : '1';
      const result = clause(operator, value, ['1']);
      expect(result.passed, operator).toBe(false);
      expect(result.reason).toMatch(/multi-valued/);
      expect(result.actual).toEqual(['1']);
    }
  });

  it('fails on structured values such as a manager reference', () => {
    const result = clause('IS NOT NULL', undefined, { id: 'abc' });
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/structured/);
  });

  it('returns quickly on a catastrophic pattern (RE2 is linear)', () => {
    const filters = compile(filter({ name: 'redos', clauses: [['mail', 'REGEX MATCH', '(a+)+$']] }));
    const result = filters.evaluate({ mail: `${'a'.repeat(100_000)}!` });
    // A backtracking engine needs exponential time to find that "$" cannot follow the "!".
    expect(result.inScope).toBe(false);
    expect(filters.evaluate({ mail: 'a'.repeat(100_000) }).inScope).toBe(true);
  });

  it('Includes agrees with String.includes and & with its mirror (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (actual, value) => {
        expect(passes('Includes', value, actual)).toBe(actual.includes(value));
        expect(passes('&', value, actual)).toBe(value.includes(actual));
        expect(passes('!&', value, actual)).toBe(!value.includes(actual));
        expect(passes('EQUALS', value, actual)).toBe(actual === value);
        expect(passes('NOT EQUALS', value, actual)).toBe(actual !== value);
      }),
    );
  });

  it('Greater_Than agrees with integer comparison (property)', () => {
    fc.assert(
      fc.property(fc.bigInt(), fc.bigInt(), (actual, limit) => {
        expect(passes('Greater_Than', String(limit), String(actual))).toBe(actual > limit);
        expect(passes('Greater_Than_OR_EQUALS', String(limit), String(actual))).toBe(actual >= limit);
      }),
    );
  });
});

describe('attribute lookup', () => {
  it('is case-insensitive, preferring an exact match', () => {
    const filters = compile(filter({ name: 'f', clauses: [['Department', 'EQUALS', 'Sales']] }));
    expect(filters.evaluate({ department: 'Sales' }).inScope).toBe(true);
    expect(filters.evaluate({ DEPARTMENT: 'Sales' }).inScope).toBe(true);
    expect(filters.evaluate({ department: 'Support', Department: 'Sales' }).inScope).toBe(true);
  });

  it('does not resolve prototype members', () => {
    const filters = compile(filter({ name: 'f', clauses: [['constructor', 'IS NOT NULL']] }));
    expect(filters.evaluate({}).inScope).toBe(false);
  });
});

describe('combination', () => {
  // The example filter of Entra's scoping filter page
  // (https://learn.microsoft.com/entra/identity/app-provisioning/define-conditional-rules-for-provisioning-user-accounts;
  // "the doc"), all clauses ANDed: State = New York, Department = Engineering, employee ID between 1,000,000
  // and 2,000,000, job title not null. There is no LESS_THAN operator, so the upper bound is a regex, as in
  // the doc's own workerID example.
  const docExample = filter({
    name: 'NY engineers',
    clauses: [
      ['state', 'EQUALS', 'New York'],
      ['department', 'EQUALS', 'Engineering'],
      ['employeeId', 'Greater_Than_OR_EQUALS', '1000000'],
      ['employeeId', 'REGEX MATCH', '^(1[0-9]{6}|2000000)$'],
      ['jobTitle', 'IS NOT NULL'],
    ],
  });
  const alice = {
    state: 'New York',
    department: 'Engineering',
    employeeId: '1500000',
    jobTitle: 'Engineer',
  };

  it('ANDs the clauses of a filter (the doc example)', () => {
    const filters = compile(docExample);
    expect(filters.evaluate(alice).inScope).toBe(true);
    expect(filters.evaluate({ ...alice, employeeId: 1000000 }).inScope).toBe(true);
    expect(filters.evaluate({ ...alice, employeeId: '2000000' }).inScope).toBe(true);
    expect(filters.evaluate({ ...alice, employeeId: '2000001' }).inScope).toBe(false);
    expect(filters.evaluate({ ...alice, employeeId: '999999' }).inScope).toBe(false);
    expect(filters.evaluate({ ...alice, state: 'New Jersey' }).inScope).toBe(false);
    expect(filters.evaluate({ ...alice, department: 'engineering' }).inScope).toBe(false);
    expect(filters.evaluate({ ...alice, jobTitle: '' }).inScope).toBe(false);
    const { jobTitle: _, ...noTitle } = alice;
    const result = filters.evaluate(noTitle);
    expect(result.inScope).toBe(false);
    expect(result.decidedBy).toEqual({ group: 0, clause: 4 });
  });

  it('runs the common filters of the doc', () => {
    const upn = compile(
      filter({ name: 'domain', clauses: [['userPrincipalName', 'REGEX MATCH', '.*\\@domain.com']] }),
    );
    expect(upn.evaluate({ userPrincipalName: 'jo@domain.com' }).inScope).toBe(true);
    expect(upn.evaluate({ userPrincipalName: 'jo@fabrikam.com' }).inScope).toBe(false);

    const notUpn = compile(
      filter({ name: 'not domain', clauses: [['userPrincipalName', 'NOT REGEX MATCH', '.*\\@domain.com']] }),
    );
    expect(notUpn.evaluate({ userPrincipalName: 'jo@domain.com' }).inScope).toBe(false);
    expect(notUpn.evaluate({ userPrincipalName: 'jo@fabrikam.com' }).inScope).toBe(true);

    const sales = compile(filter({ name: 'sales', clauses: [['department', 'EQUALS', 'sales']] }));
    expect(sales.evaluate({ department: 'sales' }).inScope).toBe(true);
    expect(sales.evaluate({ department: 'Sales' }).inScope).toBe(false);

    const worker = compile(
      filter({
        name: 'workers',
        clauses: [['workerID', 'REGEX MATCH', '(1[0-9][0-9][0-9][0-9][0-9][0-9])']],
      }),
    );
    expect(worker.evaluate({ workerID: '1000000' }).inScope).toBe(true);
    expect(worker.evaluate({ workerID: '1999999' }).inScope).toBe(true);
    expect(worker.evaluate({ workerID: '999999' }).inScope).toBe(false);
    expect(worker.evaluate({ workerID: '2000000' }).inScope).toBe(false);
  });

  it('ORs the filters and says which one decided', () => {
    const filters = compile(
      filter(
        {
          name: 'US sales',
          clauses: [
            ['country', 'EQUALS', 'US'],
            ['department', 'EQUALS', 'Sales'],
          ],
        },
        { name: 'Admins', clauses: [['jobTitle', 'ENDS_WITH', 'Administrator']] },
      ),
    );
    const viaSecond = filters.evaluate({ country: 'FR', department: 'Sales', jobTitle: 'IT Administrator' });
    expect(viaSecond.inScope).toBe(true);
    expect(viaSecond.decidedBy).toEqual({ group: 1 });
    expect(viaSecond.summary).toBe(
      'In scope: scoping filter "Admins" passed (jobTitle ENDS_WITH "Administrator").',
    );
    expect(viaSecond.groups[0]).toEqual({
      name: 'US sales',
      passed: false,
      clauses: [
        {
          attribute: 'country',
          operator: 'EQUALS',
          expected: ['US'],
          actual: 'FR',
          passed: false,
          reason: '"FR" does not equal "US"',
        },
        { attribute: 'department', operator: 'EQUALS', expected: ['Sales'], actual: 'Sales', passed: true },
      ],
    });

    const out = filters.evaluate({ country: 'US', department: 'Support' });
    expect(out.inScope).toBe(false);
    expect(out.decidedBy).toEqual({ group: 0, clause: 1 });
    expect(out.groups[1]?.clauses[0]).toMatchObject({ attribute: 'jobTitle', actual: null, passed: false });
    expect(out.summary).toBe(
      'Out of scope: no scoping filter passed; "US sales" failed on department EQUALS "Sales": ' +
        '"Support" does not equal "Sales"; "Admins" failed on jobTitle ENDS_WITH "Administrator": ' +
        'the attribute is null or absent; scoping filters return false for null values.',
    );
  });

  it('keeps everything in scope without filters', () => {
    for (const json of [null, undefined, [], { groups: [] }, { groups: null }]) {
      const result = compile(json).evaluate({});
      expect(result).toEqual({
        inScope: true,
        groups: [],
        summary: 'In scope: there are no scoping filters.',
      });
    }
  });

  it('accepts a bare array of groups, missing names and unary clauses without targetOperand', () => {
    const filters = compile([
      { clauses: [{ operatorName: 'IS NOT NULL', sourceOperandName: 'mail' }] },
      {
        name: 'x',
        clauses: [{ operatorName: 'IS TRUE', sourceOperandName: 'accountEnabled', targetOperand: null }],
      },
      {
        name: 'y',
        clauses: [{ operatorName: 'IS NULL', sourceOperandName: 'mail', targetOperand: { values: [''] } }],
      },
    ]);
    expect(filters.definition.groups.map((g) => g.name)).toEqual(['Scoping filter 1', 'x', 'y']);
    expect(filters.definition.groups[2]?.clauses[0]?.targetOperand.values).toEqual([]);
    expect(filters.evaluate({ accountEnabled: true }).decidedBy).toEqual({ group: 1 });
  });

  it('reads the scope of a Graph objectMapping, ignoring extra properties', () => {
    const scope = {
      groups: [
        {
          name: 'US only',
          clauses: [
            {
              operatorName: 'EQUALS',
              sourceOperandName: 'country',
              targetOperand: { values: ['US'] },
              extra: 1,
            },
          ],
        },
      ],
      inputFilterGroups: [],
      categoryFilterGroups: [],
      '@odata.type': '#microsoft.graph.filter',
    };
    const filters = compile(scope);
    expect(filters.evaluate({ country: 'US' }).inScope).toBe(true);
    expect(filters.definition).toEqual({
      groups: [
        {
          name: 'US only',
          clauses: [
            { operatorName: 'EQUALS', sourceOperandName: 'country', targetOperand: { values: ['US'] } },
          ],
        },
      ],
    });
  });
});

describe('validation', () => {
  it('lists every problem at once, naming the filter, clause and field', () => {
    const result = compileScopingFilters({
      groups: [
        {
          name: 'Broken',
          clauses: [
            { operatorName: 'Equals', sourceOperandName: 'department', targetOperand: { values: ['Sales'] } },
            {
              operatorName: 'Greater_Than',
              sourceOperandName: 'employeeId',
              targetOperand: { values: ['1,000,000'] },
            },
            { operatorName: 'REGEX MATCH', sourceOperandName: 'mail', targetOperand: { values: ['(?=x)'] } },
            { operatorName: 'EQUALS', sourceOperandName: 'country', targetOperand: { values: ['US', 'CA'] } },
            {
              operatorName: 'IS TRUE',
              sourceOperandName: 'accountEnabled',
              targetOperand: { values: ['false'] },
            },
            { operatorName: 'EQUALS', sourceOperandName: '', targetOperand: { values: ['x'] } },
            { operatorName: 'EQUALS', sourceOperandName: 'city', targetOperand: { values: [''] } },
          ],
        },
        { name: 'Empty', clauses: [] },
        {
          name: 'Roles',
          clauses: [
            {
              operatorName: 'EQUALS',
              sourceOperandName: 'appRoleAssignments',
              targetOperand: { values: ['Admin'] },
            },
          ],
        },
        { clauses: 'nope' },
        {
          name: 'Bad op',
          clauses: [{ operatorName: 'LESS_THAN', sourceOperandName: 'x', targetOperand: { values: ['1'] } }],
        },
      ],
      inputFilterGroups: [{ name: 'early', clauses: [] }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.every((e) => e.code === 'InvalidScopingFilter')).toBe(true);
    expect(result.errors.map((e) => e.path)).toEqual([
      'inputFilterGroups',
      'groups[0].clauses[0].operatorName',
      'groups[0].clauses[1].targetOperand.values[0]',
      'groups[0].clauses[2].targetOperand.values[0]',
      'groups[0].clauses[3].targetOperand.values',
      'groups[0].clauses[4].targetOperand.values',
      'groups[0].clauses[5].sourceOperandName',
      'groups[0].clauses[6].targetOperand.values',
      'groups[1].clauses',
      'groups[2].clauses[0].sourceOperandName',
      'groups[3].clauses',
      'groups[4].clauses[0].operatorName',
    ]);
    const messages = result.errors.map((e) => e.message);
    expect(messages[1]).toBe(
      'Scoping filter 1 ("Broken"), clause 1 (department Equals): unknown operator "Equals"; did you mean "EQUALS"? (operator names are exact)',
    );
    expect(messages[2]).toBe(
      'Scoping filter 1 ("Broken"), clause 2 (employeeId Greater_Than): value "1,000,000" must be an integer (0, 1, 2, …)',
    );
    expect(messages[3]).toMatch(
      /^Scoping filter 1 \("Broken"\), clause 3 \(mail REGEX MATCH\): invalid regular expression "\(\?=x\)": .*RE2/,
    );
    expect(messages[4]).toMatch(/EQUALS takes exactly one value, but got 2/);
    expect(messages[5]).toMatch(/IS TRUE takes no value/);
    expect(messages[6]).toMatch(
      /^Scoping filter 1 \("Broken"\), clause 6: groups\[0\]\.clauses\[5\]\.sourceOperandName: must name a source attribute/,
    );
    expect(messages[7]).toMatch(/use IS NULL or IS NOT NULL/);
    expect(messages[8]).toMatch(/"Empty"\): has no clauses/);
    expect(messages[9]).toMatch(/app role assignments cannot be used/);
    expect(messages[10]).toMatch(/^Scoping filter 4: groups\[3\]\.clauses: /);
    expect(messages[11]).toMatch(/unknown operator "LESS_THAN"; use one of "&", "!&"/);
  });

  it('refuses multi-valued attributes named by the schema', () => {
    const json = filter({ name: 'f', clauses: [['proxyAddresses', 'Includes', 'smtp:']] });
    expect(compileScopingFilters(json).ok).toBe(true);
    const result = compileScopingFilters(json, { multiValuedAttributes: ['ProxyAddresses'] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/multi-valued/);
  });

  it('refuses input that is not a filter', () => {
    for (const json of ['groups', 42, true]) {
      const result = compileScopingFilters(json);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors[0]?.message).toMatch(/expected a Graph filter object/);
    }
    const wrongGroups = compileScopingFilters({ groups: 'x' });
    expect(wrongGroups.ok).toBe(false);
    if (!wrongGroups.ok) expect(wrongGroups.errors[0]?.path).toBe('groups');
  });

  it('never throws on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), (json, attributes) => {
        const result = compileScopingFilters(json);
        if (result.ok) expect(typeof result.filters.evaluate(attributes).inScope).toBe('boolean');
      }),
    );
  });
});
