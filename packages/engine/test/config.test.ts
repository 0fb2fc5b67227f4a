import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../src/config/duration.js';
import { ConfigError, parseConfig } from '../src/config/load.js';

const valid = {
  source: {
    type: 'entra',
    tenantId: '8f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f',
    clientId: '6a1f4b2c-3d5e-4f60-8a71-b2c3d4e5f607',
    clientSecret: '${ENTRA_CLIENT_SECRET}',
    servicePrincipalId: '11111111-2222-4333-8444-555555555555',
  },
  target: {
    type: 'zendesk',
    adminUsername: 'admin@example.com',
    secretToken: '${ZENDESK_TOKEN}',
    domain: 'example',
  },
};
const env = { ENTRA_CLIENT_SECRET: 's3cret', ZENDESK_TOKEN: 'tok' };

function problemsOf(document: unknown, environment: Record<string, string> = env) {
  try {
    parseConfig(document, environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('applies defaults and resolves environment references', () => {
    const config = parseConfig(valid, env);
    expect(config.source.clientSecret).toBe('s3cret');
    expect(config.target.secretToken).toBe('tok');
    expect(config.settings).toMatchObject({
      scope: 'assigned',
      provisioningStatus: 'on',
      deprovision: 'suspend',
      skipOutOfScopeDeletions: false,
      defaultAccess: 'skip',
      jobId: 'zendesk.example',
      intervalMs: 40 * 60_000,
    });
    expect([...config.users.actions].sort()).toEqual(['create', 'delete', 'update']);
    expect(config.users.mappings.matching.map((m) => m.target)).toEqual(['external_id', 'email']);
    // What the default mappings read from Graph, and nothing computed.
    expect(config.users.select).toEqual(
      expect.arrayContaining([
        'userPrincipalName',
        'displayName',
        'accountEnabled',
        'mobilePhone',
        'jobTitle',
        'department',
      ]),
    );
    expect(config.users.select).not.toContain('objectId');
    expect(config.users.select).not.toContain('appRoleAssignments');
    expect(config.warnings).toEqual([]);
  });

  it('lists every problem at once, each naming the field', () => {
    const problems = problemsOf(
      {
        source: { ...valid.source, tenantId: 'nope', clientSecret: '${MISSING_SECRET}' },
        target: { ...valid.target, domain: 'evil.example.com/x', adminUsername: 'not-an-email' },
        settings: { scope: 'some', colour: 'blue' },
      },
      { ZENDESK_TOKEN: 't' },
    );
    const paths = problems.map((p) => p.path);
    expect(paths).toContain('source.clientSecret');
    expect(problems.find((p) => p.path === 'source.clientSecret')?.message).toMatch(
      /MISSING_SECRET is not set/,
    );
    // The first pass stops at unknown variables; fix them and the rest show together.
    const rest = problemsOf({
      source: { ...valid.source, tenantId: 'nope' },
      target: { ...valid.target, domain: 'evil.example.com/x', adminUsername: 'not-an-email' },
      settings: { scope: 'some', colour: 'blue' },
    });
    expect(rest.map((p) => p.path).sort()).toEqual(
      ['settings', 'settings.scope', 'source.tenantId', 'target.adminUsername', 'target.domain'].sort(),
    );
    expect(rest.find((p) => p.path === 'target.domain')?.message).toMatch(/bare Zendesk subdomain/);
    expect(rest.find((p) => p.path === 'settings')?.message).toMatch(/unknown key "colour"/);
  });

  it('refuses a domain that is not a bare subdomain, so the token never goes elsewhere', () => {
    for (const domain of ['example.zendesk.com', 'https://example', 'exa mple', '-x', 'a@b'])
      expect(problemsOf({ ...valid, target: { ...valid.target, domain } }).map((p) => p.path)).toEqual([
        'target.domain',
      ]);
  });

  it('checks the interval, the delete policy and the mappings', () => {
    const problems = problemsOf({
      ...valid,
      settings: { interval: '40 minutes', deprovision: 'delete' },
      mappings: {
        users: {
          actions: ['create', 'update'],
          attributes: [{ target: 'email', type: 'Expression', source: 'Bogus(' }],
        },
      },
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toContain('settings.interval');
    expect(paths).toContain('settings.deprovision');
    expect(paths.some((p) => p.startsWith('mappings.users.attributes'))).toBe(true);
  });

  it('requires a matching attribute', () => {
    const problems = problemsOf({
      ...valid,
      mappings: { users: { attributes: [{ target: 'name', type: 'Direct', source: 'displayName' }] } },
    });
    expect(problems).toEqual([
      { path: 'mappings.users.attributes', message: expect.stringMatching(/matching/) },
    ]);
  });

  it('warns about secrets written in the file', () => {
    const config = parseConfig({ ...valid, target: { ...valid.target, secretToken: 'literal-token' } }, env);
    expect(config.warnings.join('\n')).toMatch(/target.secretToken is written in the file/);
    expect(config.warnings.join('\n')).not.toMatch(/literal-token/);
  });

  it('hashes what decides provisioning, not the secrets or the interval', () => {
    const a = parseConfig(valid, env);
    const b = parseConfig({ ...valid, settings: { interval: 'PT1M' } }, { ...env, ZENDESK_TOKEN: 'other' });
    const c = parseConfig({ ...valid, settings: { scope: 'all' } }, env);
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
  });
});

describe('configuration for commands that never call out', () => {
  it('does not need the secrets with secretsOptional, and still needs them otherwise', () => {
    expect(() => parseConfig(valid, {})).toThrow(/ENTRA_CLIENT_SECRET is not set/);
    const config = parseConfig(valid, {}, 'status', { secretsOptional: true });
    expect(config.settings.jobId).toBe('zendesk.example');
    expect(config.target.secretToken).toBe('(not set)');
  });

  it('knows which source attributes are read inside Redact, to hide them in logs', () => {
    const config = parseConfig(
      {
        ...valid,
        mappings: {
          users: {
            attributes: [
              { target: 'external_id', type: 'Direct', source: 'objectId', matching: 1 },
              { target: 'notes', type: 'Expression', source: 'Join(" ", [jobTitle], Redact([employeeId]))' },
            ],
          },
        },
      },
      env,
    );
    expect([...config.users.redactedSources]).toEqual(['employeeId']);
    expect(config.users.select).toEqual(expect.arrayContaining(['jobTitle', 'employeeId']));
  });

  it('accepts only https:// for the Entra endpoints', () => {
    const problems = problemsOf({
      ...valid,
      source: { ...valid.source, graphBaseUrl: 'http://127.0.0.1:4020' },
    });
    expect(problems).toEqual([{ path: 'source.graphBaseUrl', message: 'must start with https://' }]);
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
