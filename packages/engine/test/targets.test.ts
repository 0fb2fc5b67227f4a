import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkJobDefinition } from '../src/jobs/compile.js';
import { ConfigError } from '../src/jobs/problems.js';
import {
  checkMappedUserFields,
  closestName,
  editDistance,
  targetAttributeProblem,
  userFieldProblems,
} from '../src/jobs/targets.js';
import type { TargetUserField } from '../src/ports/target.js';
import { exampleDefinition } from './support/jobs.js';

const field = (key: string): TargetUserField => ({ key, title: key, type: 'text', active: true });

describe('editDistance (Damerau–Levenshtein, optimal string alignment)', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions as one edit each', () => {
    expect(editDistance('details', 'details')).toBe(0);
    expect(editDistance('detials', 'details')).toBe(1);
    expect(editDistance('detail', 'details')).toBe(1);
    expect(editDistance('detaisl', 'details')).toBe(1);
    expect(editDistance('dxtails', 'details')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('is symmetric and zero only for equal texts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, b) === 0).toBe(a === b);
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});

describe('closestName', () => {
  const names = ['name', 'email', 'external_id', 'details', 'notes', 'time_zone'];
  it('prefers the same name in another case, then the closest within a bound', () => {
    expect(closestName('Details', names)).toBe('details');
    expect(closestName('detials', names)).toBe('details');
    expect(closestName('externalid', names)).toBe('external_id');
    expect(closestName('timezone', names)).toBe('time_zone');
    expect(closestName('department', names)).toBeUndefined();
    // Short names allow one edit only: "nom" is not "name".
    expect(closestName('nom', names)).toBeUndefined();
  });
});

describe('targetAttributeProblem', () => {
  it('accepts the Zendesk attributes, and any user_fields.<key> while the account is unknown', () => {
    expect(targetAttributeProblem('users', 'details', null)).toBeNull();
    expect(targetAttributeProblem('users', 'user_fields.anything', null)).toBeNull();
    expect(targetAttributeProblem('groups', 'is_public', null)).toBeNull();
  });

  it('names the attribute meant', () => {
    expect(targetAttributeProblem('users', 'detials', null)).toBe(
      '"detials" is not a Zendesk user attribute: did you mean "details"? (names are exact)',
    );
    expect(targetAttributeProblem('groups', 'descripton', null)).toMatch(/did you mean "description"\?/);
    expect(targetAttributeProblem('users', 'User_Fields.shoe', null)).toMatch(
      /did you mean "user_fields.shoe"\?/,
    );
    expect(targetAttributeProblem('users', 'department', null)).toMatch(
      /map one of "name", .*"user_fields.<key>" for a custom user field/,
    );
    expect(targetAttributeProblem('users', 'user_fields.', null)).toMatch(/names no custom user field/);
  });

  it('checks custom user fields against the account, suggesting the key meant', () => {
    const fields = [field('employee_number'), field('cost_center')];
    expect(targetAttributeProblem('users', 'user_fields.cost_center', fields)).toBeNull();
    expect(targetAttributeProblem('users', 'user_fields.employe_number', fields)).toMatch(
      /no custom user field with the key "employe_number"; its keys are "employee_number", "cost_center": did you mean "user_fields.employee_number"\?/,
    );
    expect(targetAttributeProblem('users', 'user_fields.shoe_size', [])).toMatch(/\(it has none\)/);
    // A built-in misspelling may be meant as a custom field too.
    expect(targetAttributeProblem('users', 'cost_centre', fields)).toMatch(
      /did you mean "user_fields.cost_center"\?/,
    );
  });
});

describe('checkJobDefinition and the targets', () => {
  const withUsers = (attributes: unknown[]) => ({
    ...exampleDefinition,
    mappings: { users: { attributes } },
  });
  const base = [
    { target: 'external_id', type: 'Direct', source: 'objectId', matching: 1 },
    { target: 'email', type: 'Direct', source: 'mail', matching: 2 },
  ];

  it('refuses a misspelt target when the file is loaded, naming the mapping and the name meant', () => {
    const check = checkJobDefinition(
      withUsers([...base, { target: 'detials', type: 'Direct', source: 'department' }]),
    );
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems).toEqual([
      {
        path: 'mappings.users.attributes[2].target',
        message: '"detials" is not a Zendesk user attribute: did you mean "details"? (names are exact)',
      },
    ]);
  });

  it('checks Graph-form mappings and group mappings too', () => {
    const check = checkJobDefinition({
      ...exampleDefinition,
      mappings: {
        users: {
          attributes: [
            ...base,
            { targetAttributeName: 'Name', source: { type: 'Attribute', name: 'displayName' } },
          ],
        },
        groups: {
          attributes: [
            { target: 'name', type: 'Direct', source: 'displayName', matching: 1 },
            { target: 'owner', type: 'Direct', source: 'mail' },
          ],
        },
      },
    });
    expect(!check.ok && check.problems.map((p) => p.path)).toEqual([
      'mappings.users.attributes[2].target',
      'mappings.groups.attributes[1].target',
    ]);
  });

  it('checks user_fields.<key> only when the account fields are given', () => {
    const definition = withUsers([
      ...base,
      { target: 'user_fields.shoe_sise', type: 'Direct', source: 'department' },
    ]);
    expect(checkJobDefinition(definition).ok).toBe(true);
    const check = checkJobDefinition(definition, { userFields: [field('shoe_size')] });
    expect(!check.ok && check.problems[0]?.message).toMatch(/did you mean "user_fields.shoe_size"\?/);
  });
});

describe('checkMappedUserFields', () => {
  const mappings = [{ target: 'email' }, { target: 'user_fields.shoe' }];

  it('reads the account fields only when a mapping targets one, and throws a ConfigError naming it', async () => {
    let reads = 0;
    const target = (fields: TargetUserField[]) => ({
      describeUserFields: async () => {
        reads += 1;
        return fields;
      },
    });
    await checkMappedUserFields(target([]), 'job1', [{ target: 'email' }]);
    expect(reads).toBe(0);
    await checkMappedUserFields(target([field('shoe')]), 'job1', mappings);
    expect(reads).toBe(1);
    const error = await checkMappedUserFields(target([field('shoes')]), 'job1', mappings).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(
      /The mappings of job job1 is not valid \(1 problem\):\n {2}- mappings.users.attributes\[1\].target: .*"shoe".*did you mean "user_fields.shoes"\?/,
    );
    expect(userFieldProblems(mappings, [field('shoe')])).toEqual([]);
  });
});
