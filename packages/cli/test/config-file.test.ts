import { ConfigError, type ConfigProblem, jobDefinitionSchema } from '@provisio/engine';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileJobFileWithoutSecrets, readJobDocument } from '../src/config-file.js';
import { smtpFromEnvironment } from '../src/installation.js';
import { compileDocument } from '../src/load-job.js';
import { formatDefinition } from '../src/run-jobs.js';
import { environmentSecrets } from '../src/secrets.js';
import { starterConfig } from '../src/starter-config.js';

const env = { ENTRA_CLIENT_SECRET: 'entra-secret-value', ZENDESK_TOKEN: 'zendesk-token-value' };

const document = {
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
    domain: 'Example',
  },
};

async function problemsOf(
  value: unknown,
  environment: Record<string, string> = env,
  secrets: 'resolve' | 'skip' = 'resolve',
): Promise<readonly ConfigProblem[]> {
  const error = await (secrets === 'resolve'
    ? compileDocument(value, 'provisio.yaml', environment, 'resolve')
    : compileDocument(value, 'provisio.yaml', environment, 'skip')
  ).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

const pathsOf = (problems: readonly ConfigProblem[]) => problems.map((p) => p.path).sort();

describe('provisio.yaml: custom endpoints (docs/configuration.md#custom-endpoints)', () => {
  const withEndpoints = (source: Record<string, unknown>, target: Record<string, unknown>) => ({
    ...document,
    source: { ...document.source, ...source },
    target: { ...document.target, ...target },
  });

  it("accepts Zendesk's and Microsoft's own endpoints without allowCustomEndpoints", async () => {
    const { warnings } = await compileDocument(
      withEndpoints(
        { authorityHost: 'https://login.microsoftonline.us', graphBaseUrl: 'https://graph.microsoft.us/' },
        { baseUrl: 'https://example.zendesk.com' },
      ),
      'provisio.yaml',
      env,
      'resolve',
    );
    expect(warnings).toEqual([]);
  });

  it('refuses every other endpoint, naming the key and the fix', async () => {
    const problems = await problemsOf(
      withEndpoints(
        { authorityHost: 'https://127.0.0.1:4011', graphBaseUrl: 'https://graph.example.net' },
        { baseUrl: 'http://127.0.0.1:4010' },
      ),
    );
    expect(pathsOf(problems)).toEqual(['source.authorityHost', 'source.graphBaseUrl', 'target.baseUrl']);
    for (const problem of problems) expect(problem.message).toContain('allowCustomEndpoints: true');
  });

  it('allows them with allowCustomEndpoints: true, with a warning naming each', async () => {
    const { warnings, job } = await compileDocument(
      {
        ...withEndpoints({ authorityHost: 'https://127.0.0.1:4011' }, { baseUrl: 'http://127.0.0.1:4010' }),
        allowCustomEndpoints: true,
      },
      'provisio.yaml',
      env,
      'resolve',
    );
    expect(warnings).toEqual([
      'custom endpoints allowed (allowCustomEndpoints: true): source.authorityHost https://127.0.0.1:4011, target.baseUrl http://127.0.0.1:4010',
    ]);
    // The consent belongs to the file, not to the job definition.
    expect(job.definition).not.toHaveProperty('allowCustomEndpoints');
  });

  it('leaves a URL the definition refuses to the definition, and checks the flag is a Boolean', async () => {
    const problems = await problemsOf({
      ...withEndpoints({}, { baseUrl: 'http://zendesk.example.com' }),
      allowCustomEndpoints: 'yes',
    });
    expect(pathsOf(problems)).toEqual(['allowCustomEndpoints', 'target.baseUrl']);
    expect(problems.find((p) => p.path === 'target.baseUrl')?.message).toMatch(/clear text/);
  });
});

describe('provisio.yaml', () => {
  it('the starter file from `provisio init` parses and validates', async () => {
    const { job, smtp, warnings } = await compileDocument(
      parse(starterConfig),
      'provisio.yaml',
      env,
      'resolve',
    );
    expect(job.settings.jobId).toBe('zendesk.example');
    expect(job.definition.source.clientSecret).toEqual({ secretRef: 'env:ENTRA_CLIENT_SECRET' });
    expect(job.definition.target.secretToken).toEqual({ secretRef: 'env:ZENDESK_TOKEN' });
    expect(job.source.clientSecret).toBe('entra-secret-value');
    expect(smtp).toBeNull();
    expect(warnings).toEqual([]);
    // status and logs need no secret.
    const quiet = await compileDocument(parse(starterConfig), 'provisio.yaml', {}, 'skip');
    expect(quiet.job.hash).toBe(job.hash);
  });

  it('maps the job id: zendesk.<domain> in lower case by default, settings.jobId when set', async () => {
    expect((await compileDocument(document, 'f', env, 'skip')).job.definition.id).toBe('zendesk.example');
    const named = await compileDocument({ ...document, settings: { jobId: 'support-eu' } }, 'f', env, 'skip');
    expect(named.job.settings.jobId).toBe('support-eu');
    expect(named.job.definition.settings).not.toHaveProperty('jobId');
    expect(await problemsOf({ ...document, settings: { jobId: 'no spaces' } })).toEqual([
      { path: 'settings.jobId', message: 'may hold letters, digits, ".", "_" and "-" (at most 100)' },
    ]);
    // A wrong domain is one problem, not also a wrong derived id.
    expect(
      pathsOf(await problemsOf({ ...document, target: { ...document.target, domain: 'x.zendesk.com' } })),
    ).toEqual(['target.domain']);
  });

  it('substitutes ${ENV} in other values, and turns secret references into env: references', async () => {
    const { job } = await compileDocument(
      {
        ...document,
        target: { ...document.target, domain: '${ZD_DOMAIN}' },
        settings: { interval: 'PT${MINUTES}M' },
      },
      'f',
      { ...env, ZD_DOMAIN: 'acme', MINUTES: '5' },
      'resolve',
    );
    expect(job.target.domain).toBe('acme');
    expect(job.settings.intervalMs).toBe(300_000);
    expect(job.target.secretToken).toBe('zendesk-token-value');
    expect(JSON.stringify(job.definition)).not.toContain('zendesk-token-value');
  });

  it('uses a literal secret with a warning that never shows it', async () => {
    const { job, warnings } = await compileDocument(
      { ...document, target: { ...document.target, secretToken: 'literal-token' } },
      'f',
      env,
      'resolve',
    );
    expect(job.target.secretToken).toBe('literal-token');
    expect(job.definition.target.secretToken).toEqual({ secretRef: 'inline:target.secretToken' });
    expect(warnings).toEqual([
      expect.stringMatching(/^target\.secretToken is written in the file: prefer .*\$\{ZENDESK_TOKEN\}/),
    ]);
    expect(warnings.join('\n')).not.toContain('literal-token');
  });

  it('lists every problem in one pass: variables, keys, formats, rules, mappings, secrets and smtp', async () => {
    const problems = await problemsOf(
      {
        ...document,
        source: { ...document.source, tenantId: 'nope', clientSecret: '${MISSING_SECRET}' },
        target: { ...document.target, domain: 'evil.example.com/x', adminUsername: '${ADMIN}' },
        settings: {
          scope: 'some',
          colour: 'blue',
          interval: '40m',
          deprovision: 'delete',
          notificationEmail: 'ops@example.com',
        },
        mappings: {
          users: {
            actions: ['create'],
            attributes: [{ target: 'name', type: 'Direct', source: 'displayName' }],
          },
        },
        smtp: { host: '', from: 'provisio <p@example.com>', port: 0 },
        colour: 'red',
      },
      { ZENDESK_TOKEN: 't' },
    );
    expect(pathsOf(problems)).toEqual(
      [
        '',
        'target.adminUsername',
        'smtp.host',
        'smtp.port',
        'source.tenantId',
        'target.domain',
        'settings',
        'settings.scope',
        'settings.interval',
        'settings.deprovision',
        'mappings.users.attributes',
        'smtp',
        'source.clientSecret',
      ].sort(),
    );
    const message = (path: string) => problems.find((p) => p.path === path)?.message;
    expect(message('')).toMatch(/unknown key "colour"/);
    expect(message('target.adminUsername')).toMatch(/ADMIN is not set/);
    expect(message('source.clientSecret')).toMatch(
      /environment variable MISSING_SECRET is not set \(export MISSING_SECRET=…/,
    );
    expect(message('smtp')).toMatch(/settings\.notificationEmail needs an smtp section/);
    expect(message('settings.interval')).toMatch(/"40m" is not an ISO-8601 duration/);
  });

  it('does not need the secrets for commands that never call out', async () => {
    expect(pathsOf(await problemsOf(document, {}))).toEqual(['source.clientSecret', 'target.secretToken']);
    const { job } = await compileDocument(
      {
        ...document,
        smtp: { host: 'smtp.example.com', from: 'p <p@example.com>', password: '${SMTP_PASSWORD}' },
      },
      'f',
      {},
      'skip',
    );
    expect('secretToken' in job.target).toBe(false);
    // Every other reference must still be set.
    expect(
      await problemsOf({ ...document, target: { ...document.target, domain: '${DOMAIN}' } }, {}, 'skip'),
    ).toEqual([{ path: 'target.domain', message: expect.stringMatching(/DOMAIN is not set/) }]);
  });

  it('reads the smtp section as the installation SMTP server', async () => {
    const { smtp, warnings } = await compileDocument(
      {
        ...document,
        settings: { notificationEmail: 'ops@example.com' },
        smtp: { host: 'smtp.example.com', user: 'u', password: 'plain', from: 'p <p@example.com>' },
      },
      'f',
      env,
      'resolve',
    );
    expect(smtp).toEqual({
      host: 'smtp.example.com',
      port: 587,
      secure: false,
      user: 'u',
      password: 'plain',
      from: 'p <p@example.com>',
    });
    expect(warnings).toEqual([
      expect.stringMatching(/^smtp\.password is written in the file.*\$\{SMTP_PASSWORD\}/),
    ]);
  });
});

describe('job definition files run with --config', () => {
  it('resolve their env: secrets and take SMTP from SMTP_*, like a stored job', async () => {
    const definition = {
      id: 'from-file',
      ...document,
      source: { ...document.source, clientSecret: { secretRef: 'env:ENTRA_CLIENT_SECRET' } },
      settings: { notificationEmail: 'ops@example.com' },
    };
    const smtpEnv = { ...env, SMTP_HOST: 'smtp.example.com', SMTP_FROM: 'p <p@example.com>' };
    const { job, smtp } = await compileDocument(definition, 'job.yaml', smtpEnv, 'resolve');
    expect(job.settings.jobId).toBe('from-file');
    expect(job.source.clientSecret).toBe('entra-secret-value');
    expect(smtp).toMatchObject({ host: 'smtp.example.com', port: 587 });
    expect(await problemsOf(definition)).toEqual([
      { path: 'settings.notificationEmail', message: expect.stringMatching(/SMTP_HOST and SMTP_FROM/) },
    ]);
    // status needs neither the secrets nor SMTP.
    expect((await compileDocument(definition, 'job.yaml', {}, 'skip')).smtp).toBeNull();
  });
});

describe('job files for the state store (jobs import)', () => {
  const forStore = (value: unknown, options: { id?: string } = {}) =>
    readJobDocument(value, env, { purpose: 'store', secrets: 'skip', ...options });

  it('refuses literal secrets and names the fix; the smtp section is left out with a warning', () => {
    const file = forStore({
      ...document,
      source: { ...document.source, clientSecret: 'entra-secret-value' },
      target: { ...document.target, secretToken: 'prefix-${ZENDESK_TOKEN}' },
      // Not imported, so not read: its variables need not be set.
      smtp: { host: '${SMTP_HOST}', from: 'p <p@example.com>', password: '${SMTP_PASSWORD}' },
    });
    expect(file.problems.map((p) => p.path)).toEqual(['source.clientSecret', 'target.secretToken']);
    expect(file.problems[0]?.message).toMatch(
      /a stored job never holds a secret: .*\$\{ENTRA_CLIENT_SECRET\}/,
    );
    expect(JSON.stringify(file)).not.toMatch(/entra-secret-value|zendesk-token-value/);
    expect(file.warnings).toEqual([expect.stringMatching(/smtp section is an installation setting/)]);
    expect(() => compileJobFileWithoutSecrets(file, { where: 'f' })).toThrow(ConfigError);
  });

  it('takes --id over the file, and keeps a job definition file as written', () => {
    expect(forStore(document, { id: 'chosen' }).definition['id']).toBe('chosen');
    const definition = {
      id: 'exported',
      ...document,
      source: { ...document.source, clientSecret: { secretRef: 'env:ENTRA_CLIENT_SECRET' } },
      target: { ...document.target, secretToken: '${ZENDESK_TOKEN}' },
      mappings: {
        users: {
          attributes: [
            { target: 'external_id', type: 'Direct', source: 'objectId', matching: 1 },
            { target: 'details', type: 'Constant', source: '${NOT_A_VARIABLE}' },
          ],
        },
      },
    };
    const file = forStore(definition);
    expect(file.form).toBe('definition');
    expect(file.problems).toEqual([]);
    const { job } = compileJobFileWithoutSecrets(file, { where: 'f' });
    expect(job.definition.target.secretToken).toEqual({ secretRef: 'env:ZENDESK_TOKEN' });
    expect(job.definition.mappings.users.attributes).toEqual(definition.mappings.users.attributes);
    expect(forStore({ ...definition, smtp: {} }).problems.map((p) => p.path)).toEqual(['smtp']);
    expect(
      forStore({ ...definition, source: { ...definition.source, clientSecret: { secretRef: 'vault:x' } } })
        .problems,
    ).toEqual([
      {
        path: 'source.clientSecret.secretRef',
        message: expect.stringMatching(/"vault:" references cannot be stored/),
      },
    ]);
  });

  it('round-trips: an exported definition imports as the same definition, in YAML and JSON', () => {
    const file = forStore({
      ...document,
      settings: { interval: 'PT5M', provisioningStatus: 'off', scope: 'all' },
    });
    const { job } = compileJobFileWithoutSecrets(file, { where: 'f' });
    for (const format of ['yaml', 'json'] as const) {
      const text = formatDefinition(job.definition, format);
      expect(text).not.toMatch(/entra-secret-value|zendesk-token-value/);
      const again = compileJobFileWithoutSecrets(forStore(parse(text)), { where: 'export' });
      expect(again.job.definition).toEqual(job.definition);
      expect(formatDefinition(again.job.definition, format)).toBe(text);
      expect(jobDefinitionSchema.parse(again.job.definition)).toEqual(job.definition);
    }
    // YAML's on and off stay text.
    expect(formatDefinition(job.definition, 'yaml')).toMatch(/provisioningStatus: off/);
  });
});

describe('installation settings and secret providers', () => {
  it('reads SMTP from SMTP_* variables, none without SMTP_HOST, problems naming the variable', () => {
    expect(smtpFromEnvironment({})).toEqual({ smtp: null, problems: [] });
    expect(
      smtpFromEnvironment({
        SMTP_HOST: 'smtp.example.com',
        SMTP_PORT: '465',
        SMTP_SECURE: 'true',
        SMTP_USER: 'provisio',
        SMTP_PASSWORD: 'pw',
        SMTP_FROM: 'provisio <p@example.com>',
      }),
    ).toEqual({
      smtp: {
        host: 'smtp.example.com',
        port: 465,
        secure: true,
        user: 'provisio',
        password: 'pw',
        from: 'provisio <p@example.com>',
      },
      problems: [],
    });
    expect(smtpFromEnvironment({ SMTP_HOST: 'h', SMTP_FROM: 'p <p@example.com>' }).smtp).toMatchObject({
      port: 587,
      secure: false,
    });
    const bad = smtpFromEnvironment({
      SMTP_HOST: 'h',
      SMTP_PORT: 'x',
      SMTP_SECURE: 'maybe',
      SMTP_PASSWORD: 'pw',
    });
    expect(bad.smtp).toBeNull();
    expect(bad.problems.map((p) => p.path)).toEqual(['SMTP_PORT', 'SMTP_SECURE', 'SMTP_FROM']);
    expect(JSON.stringify(bad)).not.toContain('pw');
  });

  it('resolves env: references from the given environment only', async () => {
    const secrets = environmentSecrets({ A: 'a' });
    expect(await secrets.resolve('env:A')).toEqual({ found: true, value: 'a' });
    expect(await secrets.resolve('env:B')).toEqual({
      found: false,
      problem: expect.stringMatching(/B is not set/),
    });
    expect(await secrets.resolve('vault:kv/a')).toEqual({
      found: false,
      problem: expect.stringMatching(/env:<VARIABLE> references only/),
    });
    expect(await secrets.resolve('env:1x')).toMatchObject({ found: false });
  });
});
