import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../src/config/duration.js';
import { checkJob, checkJobDefinition, compileJob, compileJobWithoutSecrets } from '../src/jobs/compile.js';
import { type JobDefinition, jobDefinitionSchema, redactSecrets } from '../src/jobs/definition.js';
import { ConfigError, type ConfigProblem } from '../src/jobs/problems.js';
import { exampleDefinition, secretsOf } from './support/jobs.js';

const valid = exampleDefinition;
const secrets = secretsOf({ 'env:ENTRA_CLIENT_SECRET': 's3cret', 'env:ZENDESK_TOKEN': 'tok' });

function problemsOf(definition: unknown, smtpMissing?: ConfigProblem): readonly ConfigProblem[] {
  const check = checkJobDefinition(definition, smtpMissing ? { smtpMissing } : {});
  if (check.ok) throw new Error('expected problems');
  return check.problems;
}

const paths = (problems: readonly ConfigProblem[]) => problems.map((p) => p.path).sort();

describe('job definitions', () => {
  it('sends the Zendesk token over plain http:// only to this machine (a local emulator)', () => {
    const withBase = (baseUrl: string) => ({ ...valid, target: { ...valid.target, baseUrl } });
    for (const local of [
      'http://127.0.0.1:4010',
      'http://localhost:4010',
      'http://[::1]:4010',
      'https://zd.example.com',
    ])
      expect(checkJobDefinition(withBase(local)).ok, local).toBe(true);
    for (const remote of [
      'http://zendesk.example.com',
      'http://10.0.0.5:4010',
      'http://127.0.0.1.example.com',
    ]) {
      const problems = problemsOf(withBase(remote));
      expect(paths(problems), remote).toEqual(['target.baseUrl']);
      expect(problems[0]?.message).toMatch(/clear text/);
    }
  });

  it('checks target.domain against a Zendesk base URL: both must name the same account', () => {
    const withBase = (domain: string, baseUrl: string) => ({
      ...valid,
      target: { ...valid.target, domain, baseUrl },
    });
    expect(checkJobDefinition(withBase('Acme', 'https://acme.zendesk.com')).ok).toBe(true);
    const problems = problemsOf(withBase('acme', 'https://other.zendesk.com/'));
    expect(paths(problems)).toEqual(['target.baseUrl']);
    expect(problems[0]?.message).toContain('"other"');
    expect(problems[0]?.message).toContain('target.domain is "acme"');
    // A malformed domain is refused with a base URL as without one.
    expect(paths(problemsOf(withBase('acme.zendesk.com', 'http://127.0.0.1:4010')))).toEqual([
      'target.domain',
    ]);
  });

  it('applies the documented defaults (docs/configuration.md)', () => {
    const definition = jobDefinitionSchema.parse(valid);
    expect(definition.settings).toEqual({
      scope: 'assigned',
      provisioningStatus: 'on',
      interval: 'PT5S',
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
      assignmentSweepInterval: 'PT5M',
      assignmentSweepRequestsPerMinute: 60,
    });
    expect(definition.mappings).toEqual({
      users: { enabled: true, actions: ['create', 'update', 'delete'] },
      groups: { enabled: true, actions: ['create', 'update', 'delete'] },
    });
    // Optional keys stay out rather than appearing as undefined: a stored definition is plain JSON.
    expect(Object.keys(definition)).toEqual(['id', 'source', 'target', 'settings', 'mappings']);
    expect(Object.keys(definition.source)).not.toContain('authorityHost');
  });

  it('is stable: a normalised definition parses to itself (what export and import rely on)', () => {
    const once = jobDefinitionSchema.parse({
      ...valid,
      displayName: '  Support desk ',
      target: { ...valid.target, domain: ' example ' },
      settings: { interval: 'PT5M', notificationEmail: 'ops@example.com' },
      mappings: { users: { scopingFilters: [{ name: 'x', clauses: [] }] } },
    });
    expect(once.displayName).toBe('Support desk');
    expect(jobDefinitionSchema.parse(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  it('holds secret references, never a value: a value is refused without being echoed', () => {
    const problems = problemsOf({
      ...valid,
      source: { ...valid.source, clientSecret: 'hunter2-client-secret' },
      target: { ...valid.target, secretToken: { secretRef: 'ZENDESK_TOKEN' } },
    });
    expect(paths(problems)).toEqual(['source.clientSecret', 'target.secretToken.secretRef']);
    expect(problems.find((p) => p.path === 'source.clientSecret')?.message).toMatch(
      /must be a reference to the client secret.*\{ secretRef: "env:ENTRA_CLIENT_SECRET" \}.*never holds the secret itself/,
    );
    expect(problems.find((p) => p.path === 'target.secretToken.secretRef')?.message).toMatch(
      /"<provider>:<name>", e.g. "env:ZENDESK_TOKEN"/,
    );
    expect(JSON.stringify(problems)).not.toContain('hunter2');
    // A secret value smuggled into an extra key of the reference is refused too.
    expect(
      paths(
        problemsOf({
          ...valid,
          source: { ...valid.source, clientSecret: { secretRef: 'env:X', value: 'v' } },
        }),
      ),
    ).toEqual(['source.clientSecret']);
  });

  it('requires a stable job id of letters, digits, ".", "_" and "-"', () => {
    const { id: _id, ...withoutId } = valid;
    expect(problemsOf(withoutId)).toEqual([{ path: 'id', message: expect.stringMatching(/job id/) }]);
    expect(problemsOf({ ...valid, id: 'has space' })).toEqual([
      { path: 'id', message: 'may hold letters, digits, ".", "_" and "-" (at most 100)' },
    ]);
    expect(problemsOf({ ...valid, id: 'x'.repeat(101) }).map((p) => p.path)).toEqual(['id']);
    expect(compileJobWithoutSecrets({ ...valid, id: 'Support_EU-1.prod' }).settings.jobId).toBe(
      'Support_EU-1.prod',
    );
  });

  it('lists every problem in one pass: schema and semantic ones together, each naming the field', () => {
    const problems = problemsOf(
      {
        ...valid,
        source: { ...valid.source, tenantId: 'nope' },
        target: { ...valid.target, domain: 'evil.example.com/x', adminUsername: 'not-an-email' },
        settings: {
          scope: 'some',
          colour: 'blue',
          interval: '40m',
          deprovision: 'delete',
          notificationEmail: 'ops@example.com',
        },
        mappings: {
          users: {
            actions: ['create', 'update'],
            attributes: [
              { target: 'external_id', type: 'Direct', source: 'objectId' },
              { target: 'name', type: 'Expression', source: 'Join(", ", [givenName]' },
            ],
            scopingFilters: [
              {
                name: 'x',
                clauses: [
                  {
                    sourceOperandName: 'department',
                    operatorName: 'EQUAL',
                    targetOperand: { values: ['a'] },
                  },
                ],
              },
            ],
          },
          groups: { attributes: [{ target: 'description', type: 'Direct', source: 'description' }] },
        },
      },
      { path: 'settings.notificationEmail', message: 'needs an SMTP server: set SMTP_HOST' },
    );
    expect(paths(problems)).toEqual(
      [
        'source.tenantId',
        'target.adminUsername',
        'target.domain',
        'settings',
        'settings.scope',
        'settings.interval',
        'settings.deprovision',
        'settings.notificationEmail',
        'mappings.users.attributes[1].source',
        'mappings.users.scopingFilters.groups[0].clauses[0].operatorName',
        'mappings.groups.attributes',
      ].sort(),
    );
    const message = (path: string) => problems.find((p) => p.path === path)?.message;
    expect(message('settings')).toMatch(/unknown key "colour"/);
    expect(message('settings.interval')).toMatch(
      /"40m" is not an ISO-8601 duration from 1 s to 24 days \(P24D\), e\.g\. PT5S, PT40M or PT1H/,
    );
    expect(message('settings.deprovision')).toMatch(/does not include delete: add it or choose suspend/);
    expect(message('target.domain')).toMatch(/bare Zendesk subdomain/);
    expect(message('mappings.groups.attributes')).toMatch(/no attribute is marked as matching/);
    expect(message('mappings.users.scopingFilters.groups[0].clauses[0].operatorName')).toMatch(
      /unknown operator/,
    );
  });

  it('reports the e-mail rules and a disabled user mapping with the rest', () => {
    const problems = problemsOf({
      ...valid,
      settings: { sendEmailOnFailure: true, accidentalDeletionThreshold: -1 },
      mappings: { users: { enabled: false } },
    });
    expect(paths(problems)).toEqual([
      'mappings.users.enabled',
      'settings.accidentalDeletionThreshold',
      'settings.sendEmailOnFailure',
    ]);
    // Without smtpMissing (a definition checked for storing) the SMTP rule does not apply.
    expect(checkJobDefinition({ ...valid, settings: { notificationEmail: 'ops@example.com' } }).ok).toBe(
      true,
    );
  });

  it('refuses a domain that is not a bare subdomain, so the token never goes elsewhere', () => {
    for (const domain of ['example.zendesk.com', 'https://example', 'exa mple', '-x', 'a@b'])
      expect(paths(problemsOf({ ...valid, target: { ...valid.target, domain } }))).toEqual(['target.domain']);
  });

  it('requires a matching attribute', () => {
    expect(
      problemsOf({
        ...valid,
        mappings: { users: { attributes: [{ target: 'name', type: 'Direct', source: 'displayName' }] } },
      }),
    ).toEqual([{ path: 'mappings.users.attributes', message: expect.stringMatching(/matching/) }]);
  });

  it('accepts only https:// for the Entra endpoints', () => {
    expect(
      problemsOf({ ...valid, source: { ...valid.source, graphBaseUrl: 'http://127.0.0.1:4020' } }),
    ).toEqual([{ path: 'source.graphBaseUrl', message: 'must start with https://' }]);
  });

  it('redacts anything but a reference in the secret fields, for audit records', () => {
    const leaked = { ...valid, source: { ...valid.source, clientSecret: 'value' } };
    expect(redactSecrets(leaked).source.clientSecret).toBe('[redacted]');
    expect(redactSecrets(valid)).toEqual(valid);
    expect(leaked.source.clientSecret).toBe('value');
    expect(redactSecrets(null)).toBeNull();
  });
});

describe('compileJob', () => {
  it('gives what a cycle needs, the secrets resolved through the provider', async () => {
    const job = await compileJob(valid, secrets);
    expect(job.source.clientSecret).toBe('s3cret');
    expect(job.target.secretToken).toBe('tok');
    expect(job.settings).toMatchObject({
      scope: 'assigned',
      jobId: 'zendesk.example',
      intervalMs: 5000,
      idleIntervalMs: 15_000,
    });
    expect(job.definition).toEqual(jobDefinitionSchema.parse(valid));
    expect([...job.users.actions].sort()).toEqual(['create', 'delete', 'update']);
    expect(job.users.mappings.matching.map((m) => m.target)).toEqual(['external_id', 'email']);
    expect(job.users.select).toEqual(
      expect.arrayContaining([
        'userPrincipalName',
        'displayName',
        'accountEnabled',
        'mobilePhone',
        'jobTitle',
      ]),
    );
    expect(job.users.select).not.toContain('objectId');
    expect(job.users.select).not.toContain('appRoleAssignments');
    expect(job.groups.select).toEqual(['description', 'displayName']);
    // The definition keeps the references; only the compiled source and target carry the values.
    expect(JSON.stringify(job.definition)).not.toMatch(/s3cret|"tok"/);
  });

  it('reports unresolved secrets with the other problems, in one pass', async () => {
    const check = await checkJob(
      {
        ...valid,
        source: { ...valid.source, clientSecret: { secretRef: 'env:MISSING' } },
        settings: { interval: 'x' },
      },
      secrets,
    );
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems).toEqual([
      { path: 'settings.interval', message: expect.stringMatching(/ISO-8601/) },
      { path: 'source.clientSecret', message: 'env:MISSING is not known to the test provider' },
    ]);
    await expect(compileJob(valid, secretsOf({}), { where: 'job zendesk.example' })).rejects.toThrow(
      /job zendesk\.example is not valid \(2 problems\)/,
    );
    const empty = await checkJob(
      valid,
      secretsOf({ 'env:ENTRA_CLIENT_SECRET': '', 'env:ZENDESK_TOKEN': 't' }),
    );
    expect(empty.ok ? [] : empty.problems).toEqual([
      { path: 'source.clientSecret', message: expect.stringMatching(/env:ENTRA_CLIENT_SECRET is empty/) },
    ]);
  });

  it('compiles without the secrets for commands that never call out: they are absent, not faked', () => {
    const job = compileJobWithoutSecrets(valid);
    expect(job.settings.jobId).toBe('zendesk.example');
    expect('clientSecret' in job.source).toBe(false);
    expect('secretToken' in job.target).toBe(false);
    expect(() =>
      compileJobWithoutSecrets({ ...valid, settings: { interval: 'soon' } }, { where: 'x.yaml' }),
    ).toThrow(ConfigError);
  });

  it('keeps the hash of before job definitions: same scope and mappings, same hash, so no initial cycle', () => {
    // Computed by the configuration loader this module replaced, for the same settings.
    const before = compileJobWithoutSecrets({ ...valid, target: { ...valid.target, domain: 'Example' } });
    expect(before.hash).toBe('1456ee813b631ce6');
    const filtered = compileJobWithoutSecrets({
      ...valid,
      target: { ...valid.target, domain: 'Example' },
      settings: { scope: 'all', expandNestedGroups: true },
      mappings: {
        users: {
          actions: ['create', 'update'],
          scopingFilters: [
            {
              name: 'S',
              clauses: [
                {
                  sourceOperandName: 'department',
                  operatorName: 'EQUALS',
                  targetOperand: { values: ['Support'] },
                },
              ],
            },
          ],
        },
        groups: { enabled: false },
      },
    });
    expect(filtered.hash).toBe('387b1d84c7d65b2b');
  });

  it('refuses intervals a timer cannot hold (beyond 24 days) and absurd ones, naming the range', () => {
    for (const interval of ['P30D', 'P99999999999999999999D', 'PT0.5S']) {
      const check = checkJobDefinition({ ...valid, settings: { interval } });
      expect(check.ok, interval).toBe(false);
      if (!check.ok)
        expect(check.problems.find((p) => p.path === 'settings.interval')?.message).toMatch(
          /from 1 s to 24 days/,
        );
    }
    expect(checkJobDefinition({ ...valid, settings: { interval: 'P24D' } }).ok).toBe(true);
  });

  it('backs off to settings.idleInterval: 15 s by default, the interval when that is longer (Entra’s PT40M)', () => {
    const idle = (settings: Record<string, unknown>) => {
      const check = checkJobDefinition({ ...valid, settings });
      if (!check.ok) throw new Error(check.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
      return [check.job.settings.intervalMs, check.job.settings.idleIntervalMs];
    };
    expect(idle({})).toEqual([5000, 15_000]);
    expect(idle({ interval: 'PT40M' })).toEqual([40 * 60_000, 40 * 60_000]);
    expect(idle({ interval: 'PT10S', idleInterval: 'PT2M' })).toEqual([10_000, 120_000]);
    expect(idle({ interval: 'PT30S', idleInterval: 'PT30S' })).toEqual([30_000, 30_000]);
    // An omitted idleInterval is not written into the definition: a slower interval keeps no back-off.
    expect(jobDefinitionSchema.parse(valid).settings.idleInterval).toBeUndefined();
  });

  it('refuses an idleInterval shorter than the interval, naming both fields and the fix', () => {
    const problems = problemsOf({ ...valid, settings: { interval: 'PT1M', idleInterval: 'PT15S' } });
    expect(paths(problems)).toEqual(['settings.idleInterval']);
    expect(problems[0]?.message).toBe(
      'is PT15S, shorter than settings.interval (PT1M): make settings.idleInterval at least settings.interval (equal to it turns the idle back-off off), or remove it (15 s, or the interval when that is longer)',
    );
    expect(paths(problemsOf({ ...valid, settings: { idleInterval: 'soon' } }))).toEqual([
      'settings.idleInterval',
    ]);
  });

  it('takes a sweep budget from 0 to 6000 Graph requests a minute (60 by default), naming the field and the fix', () => {
    const budget = (settings: Record<string, unknown>) => {
      const check = checkJobDefinition({ ...valid, settings });
      return check.ok ? check.job.settings.assignmentSweepRequestsPerMinute : null;
    };
    expect(budget({})).toBe(60);
    expect(budget({ assignmentSweepRequestsPerMinute: 0 })).toBe(0);
    expect(budget({ assignmentSweepRequestsPerMinute: 12.5 })).toBe(12.5);
    const negative = problemsOf({ ...valid, settings: { assignmentSweepRequestsPerMinute: -1 } });
    expect(paths(negative)).toEqual(['settings.assignmentSweepRequestsPerMinute']);
    expect(negative[0]?.message).toContain('must be 0 (sweep by assignmentSweepInterval only) or more');
    expect(paths(problemsOf({ ...valid, settings: { assignmentSweepRequestsPerMinute: 'often' } }))).toEqual([
      'settings.assignmentSweepRequestsPerMinute',
    ]);
    expect(budget({ assignmentSweepRequestsPerMinute: 6001 })).toBeNull();
  });

  it('hashes what decides provisioning, not the job id, the secrets, the interval or the e-mail', async () => {
    const a = await compileJob(valid, secrets);
    const b = await compileJob(
      {
        ...valid,
        id: 'renamed',
        displayName: 'X',
        settings: { interval: 'PT1M', notificationEmail: 'ops@example.com' },
      },
      secretsOf({ 'env:ENTRA_CLIENT_SECRET': 'other', 'env:ZENDESK_TOKEN': 'other' }),
    );
    const c = compileJobWithoutSecrets({ ...valid, settings: { scope: 'all' } });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
  });

  it('knows which source attributes are read inside Redact, to hide them in logs', () => {
    const job = compileJobWithoutSecrets({
      ...valid,
      mappings: {
        users: {
          attributes: [
            { target: 'external_id', type: 'Direct', source: 'objectId', matching: 1 },
            { target: 'notes', type: 'Expression', source: 'Join(" ", [jobTitle], Redact([employeeId]))' },
          ],
        },
      },
    });
    expect([...job.users.redactedSources]).toEqual(['employeeId']);
    expect(job.users.select).toEqual(expect.arrayContaining(['jobTitle', 'employeeId']));
  });

  it('returns mapping warnings beside the job', () => {
    const check = checkJobDefinition({
      ...valid,
      mappings: {
        users: {
          attributes: [
            { target: 'external_id', type: 'Direct', source: 'objectId', matching: 1 },
            { target: 'alias', type: 'Expression', source: 'SelectUniqueValue([givenName], [surname])' },
          ],
        },
      },
    });
    expect(check.ok && check.warnings).toEqual([expect.stringMatching(/^mappings\.users\.attributes\[1\]/)]);
  });

  it('types a stored definition: settings without jobId, secrets as references', () => {
    const definition: JobDefinition = jobDefinitionSchema.parse(valid);
    expect(definition.source.clientSecret).toEqual({ secretRef: 'env:ENTRA_CLIENT_SECRET' });
    expect(problemsOf({ ...valid, settings: { jobId: 'x' } })).toEqual([
      { path: 'settings', message: expect.stringMatching(/unknown key "jobId"/) },
    ]);
  });
});

describe('ISO-8601 durations', () => {
  it.each([
    ['PT40M', 2_400_000],
    ['PT30S', 30_000],
    ['P1D', 86_400_000],
    ['P1DT12H', 129_600_000],
    ['PT1.5S', 1500],
    ['P1W', 604_800_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['40m', 'P', 'PT', 'P1M', 'P1Y', 'PT1H30', ''])('%s is refused', (text) =>
    expect(parseDuration(text)).toBeNull(),
  );
  it('formats', () => expect(formatDuration(90_061_000)).toBe('1 d 1 h 1 min 1 s'));
});
