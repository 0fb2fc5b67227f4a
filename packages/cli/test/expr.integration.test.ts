import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real command as a subprocess, from the repository root (run `npx tsc -b` first; npm test does).
const bin = fileURLToPath(new URL('../bin/provisio.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** stdout must be exactly one JSON document. */
function json(result: Finished): unknown {
  return JSON.parse(result.stdout) as unknown;
}

let dir: string;
beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url)))) {
    throw new Error('packages/cli/dist is missing: run `npx tsc -b` (npm test builds first)');
  }
  dir = await mkdtemp(join(tmpdir(), 'provisio-expr-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('provisio expr eval', () => {
  it('prints the value as one JSON object', async () => {
    const result = await run([
      'expr',
      'eval',
      'Join(" ", [givenName], [surname])',
      '--attrs',
      '{"givenName":"Ada","surname":"Lovelace"}',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(json(result)).toEqual({ value: 'Ada Lovelace' });
  });

  it('prints {"flow": false} when IgnoreFlowIfNullOrEmpty drops the attribute', async () => {
    const result = await run(['expr', 'eval', 'IgnoreFlowIfNullOrEmpty([department])', '--attrs', '{}']);
    expect(result.code).toBe(0);
    expect(json(result)).toEqual({ flow: false });
  });

  it('uses --now for the clock and --existing for SelectUniqueValue', async () => {
    const now = await run(['expr', 'eval', 'Now()', '--now', '2021-07-02T15:33:38Z']);
    expect(json(now)).toEqual({ value: '7/2/2021 3:33:38 PM' });

    const unique = await run([
      'expr',
      'eval',
      'SelectUniqueValue(Join("", Left([givenName], 1), [surname]), Join("", Left([givenName], 2), [surname]))',
      '--attrs',
      '{"givenName":"ada","surname":"lovelace"}',
      '--existing',
      '["ALovelace"]',
    ]);
    expect(unique.stderr).toBe('');
    expect(json(unique)).toEqual({ value: 'adlovelace' });
  });

  it('marks redacted values', async () => {
    const result = await run(['expr', 'eval', 'Redact([employeeId])', '--attrs', '{"employeeId":"1815"}']);
    expect(json(result)).toEqual({ value: '1815' });
    expect(result.stderr).toContain('[Redact]');
  });

  it('reports a parse error with line:column and exits 1', async () => {
    const result = await run(['expr', 'eval', 'Join(" ",\n  [givenName] [surname])']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^provisio: ExpressionSyntaxError: .* at 2:15\n/);
    // The offending line, indented by two, with a caret under column 15.
    expect(result.stderr).toContain(`\n    [givenName] [surname])\n${' '.repeat(2 + 14)}^\n`);
  });

  it('reports an evaluation error with its code and exits 1', async () => {
    const result = await run([
      'expr',
      'eval',
      'SingleAppRoleAssignment([appRoleAssignments])',
      '--attrs',
      '{"appRoleAssignments":["Agent","Admin"]}',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^provisio: FunctionEvaluationError: /);
  });

  it('names the flag on bad JSON and exits 2', async () => {
    const attrs = await run(['expr', 'eval', '[a]', '--attrs', '{givenName: Ada}']);
    expect(attrs.code).toBe(2);
    expect(attrs.stderr).toMatch(/^provisio: --attrs: invalid JSON/);

    const notObject = await run(['expr', 'eval', '[a]', '--attrs', '[1]']);
    expect(notObject.code).toBe(2);
    expect(notObject.stderr).toMatch(/^provisio: --attrs: expected a JSON object/);

    const existing = await run(['expr', 'eval', '[a]', '--existing', '"x"']);
    expect(existing.code).toBe(2);
    expect(existing.stderr).toMatch(/^provisio: --existing: expected a JSON array of strings/);

    const now = await run(['expr', 'eval', 'Now()', '--now', 'yesterday']);
    expect(now.code).toBe(2);
    expect(now.stderr).toMatch(/^provisio: --now: /);
  });

  it('reads --attrs from a file with @', async () => {
    const file = join(dir, 'attrs.json');
    await writeFile(file, JSON.stringify({ mail: 'ada@contoso.com' }));
    const result = await run(['expr', 'eval', 'ToUpper([mail])', '--attrs', `@${file}`]);
    expect(json(result)).toEqual({ value: 'ADA@CONTOSO.COM' });
  });
});

describe('provisio expr parse', () => {
  it('prints the syntax tree', async () => {
    const result = await run(['expr', 'parse', 'Append([userPrincipalName], ".test")']);
    expect(result.code).toBe(0);
    expect(json(result)).toEqual({
      kind: 'Call',
      name: 'Append',
      args: [
        { kind: 'Attribute', name: 'userPrincipalName' },
        { kind: 'String', value: '.test' },
      ],
    });
  });

  it("prints Graph's attributeMappingSource", async () => {
    const result = await run(['expr', 'parse', 'Not([IsSoftDeleted])', '--format', 'graph']);
    expect(result.code).toBe(0);
    expect(json(result)).toEqual({
      expression: 'Not([IsSoftDeleted])',
      name: 'Not',
      type: 'Function',
      parameters: [
        {
          key: 'source',
          value: { expression: '[IsSoftDeleted]', name: 'IsSoftDeleted', parameters: [], type: 'Attribute' },
        },
      ],
    });
  });

  it('reports a parse error with line:column and exits 1', async () => {
    const result = await run(['expr', 'parse', 'Mid([x], 1)']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^provisio: WrongArgumentCount: .* at 1:1\n/);
  });
});

describe('provisio scope eval', () => {
  const filters = JSON.stringify({
    groups: [
      {
        name: 'NY engineers',
        clauses: [
          { operatorName: 'EQUALS', sourceOperandName: 'state', targetOperand: { values: ['New York'] } },
          {
            operatorName: 'Greater_Than_OR_EQUALS',
            sourceOperandName: 'employeeId',
            targetOperand: { values: ['1000000'] },
          },
          { operatorName: 'IS NOT NULL', sourceOperandName: 'jobTitle', targetOperand: { values: [] } },
        ],
      },
      {
        name: 'Contoso mail',
        clauses: [
          {
            operatorName: 'REGEX MATCH',
            sourceOperandName: 'userPrincipalName',
            targetOperand: { values: ['.*\\@contoso.com$'] },
          },
        ],
      },
    ],
  });

  it('says in scope and which filter decided', async () => {
    const result = await run([
      'scope',
      'eval',
      '--filters',
      filters,
      '--attrs',
      '{"State":"New York","employeeId":"1500000","jobTitle":"Engineer"}',
    ]);
    expect(result.code).toBe(0);
    expect(json(result)).toMatchObject({
      inScope: true,
      summary:
        'In scope: scoping filter "NY engineers" passed (state EQUALS "New York" AND employeeId Greater_Than_OR_EQUALS "1000000" AND jobTitle IS NOT NULL).',
      decidedBy: { group: 0 },
    });
  });

  it('says out of scope, with each clause, value and reason', async () => {
    const result = await run([
      'scope',
      'eval',
      '--filters',
      filters,
      '--attrs',
      '{"state":"New York","employeeId":"12ab","userPrincipalName":"ada@fabrikam.com"}',
    ]);
    expect(result.code).toBe(0);
    expect(json(result)).toEqual({
      inScope: false,
      summary:
        'Out of scope: no scoping filter passed; "NY engineers" failed on employeeId Greater_Than_OR_EQUALS "1000000": ' +
        'the attribute value "12ab" is not an integer; "Contoso mail" failed on userPrincipalName REGEX MATCH ' +
        '".*\\\\@contoso.com$": "ada@fabrikam.com" does not match ".*\\\\@contoso.com$".',
      decidedBy: { group: 0, clause: 1 },
      groups: [
        {
          name: 'NY engineers',
          passed: false,
          clauses: [
            {
              attribute: 'state',
              operator: 'EQUALS',
              expected: ['New York'],
              actual: 'New York',
              passed: true,
            },
            {
              attribute: 'employeeId',
              operator: 'Greater_Than_OR_EQUALS',
              expected: ['1000000'],
              actual: '12ab',
              passed: false,
              reason: 'the attribute value "12ab" is not an integer',
            },
            {
              attribute: 'jobTitle',
              operator: 'IS NOT NULL',
              expected: [],
              actual: null,
              passed: false,
              reason: 'the attribute is null or absent',
            },
          ],
        },
        {
          name: 'Contoso mail',
          passed: false,
          clauses: [
            {
              attribute: 'userPrincipalName',
              operator: 'REGEX MATCH',
              expected: ['.*\\@contoso.com$'],
              actual: 'ada@fabrikam.com',
              passed: false,
              reason: '"ada@fabrikam.com" does not match ".*\\\\@contoso.com$"',
            },
          ],
        },
      ],
    });
  });

  it('lists every problem of invalid filters and exits 1', async () => {
    const bad = JSON.stringify({
      groups: [
        {
          name: 'bad',
          clauses: [
            { operatorName: 'Equals', sourceOperandName: 'a', targetOperand: { values: ['x'] } },
            { operatorName: 'Greater_Than', sourceOperandName: 'b', targetOperand: { values: ['ten'] } },
          ],
        },
      ],
    });
    const result = await run(['scope', 'eval', '--filters', bad]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^provisio: --filters: 2 problems in the scoping filters\n/);
    expect(result.stderr).toMatch(/InvalidScopingFilter: .*did you mean "EQUALS"/);
    expect(result.stderr).toMatch(/InvalidScopingFilter: .*"ten" must be an integer/);
  });

  it('names the flag on bad JSON and exits 2', async () => {
    const result = await run(['scope', 'eval', '--filters', '{"groups": [']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^provisio: --filters: invalid JSON/);
  });
});
