import { expressionErrorCodes } from '@provisio/expressions';
import { describe, expect, it } from 'vitest';
import { JobLeaseHeld } from '../src/cycle/lease.js';
import {
  DuplicateErrorCodeError,
  defineErrorCatalogue,
  EngineErrorCode,
  engineErrorCatalogues,
  engineErrorRegistry,
  engineErrors,
  errorCategories,
  expressionErrors,
  isJobOperation,
  jobOperations,
  lookupError,
  mergeErrorCatalogues,
  operationsNamedIn,
  presentOperations,
  toPublicError,
} from '../src/errors/index.js';
import { ConfigError } from '../src/jobs/problems.js';
import { ConnectorFailure } from '../src/ports/common.js';
import { failureNotification, quarantineNotification } from '../src/safety/notifications.js';
import { explainQuarantine, imposeQuarantine, isCredentialError } from '../src/safety/quarantine.js';

const entry = {
  category: 'data',
  retryable: false,
  httpStatus: 422,
  publicMessage: 'A value is wrong.',
  recommendedAction: 'Fix it.',
} as const;

describe('defineErrorCatalogue', () => {
  const catalogue = defineErrorCatalogue('@test/a', { FirstCode: entry, SecondCode: entry });

  it('maps each code to itself and describes it', () => {
    expect(catalogue.codes).toEqual({ FirstCode: 'FirstCode', SecondCode: 'SecondCode' });
    expect(catalogue.info('SecondCode')).toEqual({ code: 'SecondCode', ...entry });
    expect(catalogue.entries.map((e) => e.code)).toEqual(['FirstCode', 'SecondCode']);
    expect(() => catalogue.info('Nope' as 'FirstCode')).toThrow(/not a code of @test\/a/);
  });

  it('merges catalogues and refuses a code defined twice, naming both owners', () => {
    const other = defineErrorCatalogue('@test/b', { ThirdCode: entry });
    const registry = mergeErrorCatalogues([catalogue, other]);
    expect(registry.lookup('ThirdCode')?.category).toBe('data');
    expect(registry.ownerOf('FirstCode')).toBe('@test/a');
    expect(registry.lookup('Missing')).toBeUndefined();
    const clash = defineErrorCatalogue('@test/c', { FirstCode: entry });
    expect(() => mergeErrorCatalogues([catalogue, other, clash])).toThrow(DuplicateErrorCodeError);
    expect(() => mergeErrorCatalogues([catalogue, clash])).toThrow(/FirstCode \(@test\/a, @test\/c\)/);
  });
});

describe("the engine's catalogues", () => {
  const entries = engineErrorCatalogues.flatMap((c) => c.entries);

  it('describe every code completely, in neutral words', () => {
    for (const info of entries) {
      expect(errorCategories, info.code).toContain(info.category);
      expect(info.publicMessage, info.code).toMatch(/^[A-Zp].*\.$/);
      expect(info.recommendedAction, info.code).toMatch(/\S/);
      expect(info.recommendedAction, info.code).not.toMatch(/npx|provisio [a-z-]+ --/);
      expect(info.httpStatus === 200, info.code).toBe(info.category === 'skipped');
      expect([200, 400, 404, 409, 422, 500, 502, 503, 504], info.code).toContain(info.httpStatus);
    }
  });

  it('name only known operations', () => {
    for (const info of entries)
      for (const [, id] of info.recommendedAction.matchAll(/\(([a-z]+(?:-[a-z]+)+|[a-z]+)\)/g))
        expect(isJobOperation(id ?? ''), `${info.code}: (${id})`).toBe(true);
  });

  it("describe each of the expression module's codes", () => {
    expect(expressionErrors.entries.map((e) => e.code).sort()).toEqual([...expressionErrorCodes].sort());
  });

  it('form one registry with the shared connector codes in it', () => {
    expect(engineErrorRegistry.entries).toHaveLength(entries.length);
    for (const code of ['InvalidCredentials', 'InsufficientRights', 'TooManyRequests', 'InvalidAnchor'])
      expect(lookupError(code)?.code).toBe(code);
    expect(lookupError('Unauthorized')).toBeUndefined();
    expect(lookupError('ZendeskUnauthorized')).toBeUndefined();
  });
});

describe('operations in texts', () => {
  it('are found and presented, other parentheses left alone', () => {
    const text = engineErrors.info(EngineErrorCode.TooManyDeletes).recommendedAction;
    expect(operationsNamedIn(text)).toEqual(['allow-deletes', 'restart', 'logs-staged']);
    const shown = presentOperations(text, (op) => `run ${op}`);
    expect(shown).toContain('allow the staged deletions (run allow-deletes)');
    expect(shown).toContain('(run logs-staged)');
    expect(shown).toContain('(assignments, scoping filters)');
    expect(presentOperations('see (logs) and (other)', (op) => op.toUpperCase())).toBe(
      'see (LOGS) and (other)',
    );
  });

  it('each have a neutral description', () => {
    for (const [id, words] of Object.entries(jobOperations)) {
      expect(words, id).not.toMatch(/npx/);
      expect(isJobOperation(id)).toBe(true);
    }
    expect(isJobOperation('toString')).toBe(false);
  });

  it('are how quarantine explanations say what to do', () => {
    for (const reason of [
      'EncounteredQuarantineException',
      'EncounteredEscrowProportionThreshold',
      'TooManyDeletes',
    ] as const) {
      const { fix } = explainQuarantine(reason);
      expect(fix).not.toMatch(/npx/);
      expect(operationsNamedIn(fix).length).toBeGreaterThan(0);
    }
  });
});

describe('e-mails', () => {
  const quarantine = imposeQuarantine(
    null,
    'TooManyDeletes',
    { code: 'TooManyDeletes', message: '600 users would be disabled.', failingRequests: [], objects: 600 },
    new Date('2030-01-01T00:00:00Z'),
    60_000,
  );
  const cli = (text: string) => presentOperations(text, (op) => `npx provisio ${op}`);

  it('name operations neutrally unless a presenter is given', () => {
    const neutral = quarantineNotification('job-1', quarantine, null).text;
    expect(neutral).toContain('allow the staged deletions (allow-deletes)');
    expect(neutral).not.toContain('npx');
    expect(quarantineNotification('job-1', quarantine, null, cli).text).toContain(
      'allow the staged deletions (npx provisio allow-deletes)',
    );
    const failures = [{ displayName: 'Ada', code: 'UnknownRole', message: 'no role "x"' }];
    expect(failureNotification('job-1', 'c1', failures).text).toContain('(logs-failures)');
    expect(failureNotification('job-1', 'c1', failures, cli).text).toContain('(npx provisio logs-failures)');
  });
});

describe('toPublicError', () => {
  it("keeps a connector failure's code and public message, not its internal detail", () => {
    const failure = new ConnectorFailure({
      code: 'InvalidCredentials',
      message: 'Zendesk did not accept the credentials (401).',
      detail: 'stack and internals',
      retryable: false,
    });
    expect(toPublicError(failure)).toEqual({
      code: 'InvalidCredentials',
      message: 'Zendesk did not accept the credentials (401).',
    });
  });

  it('reports a configuration error as InvalidConfiguration with its problems', () => {
    const error = new ConfigError('provisio.yaml', [{ path: 'target.domain', message: 'is required' }]);
    expect(toPublicError(error)).toEqual({ code: 'InvalidConfiguration', message: error.message });
    expect(toPublicError(error).message).toContain('target.domain: is required');
  });

  it("keeps the message of provisio's own coded errors", () => {
    const held = new JobLeaseHeld('job-1', 'host:1:abc', '2030-01-01T00:00:00.000Z');
    expect(toPublicError(held)).toEqual({ code: 'JobLeaseHeld', message: held.message });
  });

  it('hides anything else behind InternalError and its public sentence', () => {
    const internal = engineErrors.info(EngineErrorCode.InternalError).publicMessage;
    for (const error of [
      new Error('connect ECONNREFUSED 10.0.0.7:5432 (password=hunter2)'),
      Object.assign(new Error('a library error'), { code: 'ECONNRESET' }),
      Object.assign(new Error('claims to be internal'), { code: 'InternalError' }),
      'a thrown string',
      null,
    ])
      expect(toPublicError(error)).toEqual({ code: 'InternalError', message: internal });
  });
});

describe('isCredentialError', () => {
  it('follows the credentials category, and any 401', () => {
    expect(isCredentialError({ code: 'InvalidCredentials' })).toBe(true);
    expect(isCredentialError({ code: 'SomethingElse', httpStatus: 401 })).toBe(true);
    expect(isCredentialError({ code: 'InsufficientRights', httpStatus: 403 })).toBe(false);
    expect(isCredentialError({ code: 'Unauthorized' })).toBe(false);
    const registry = mergeErrorCatalogues([
      engineErrors,
      defineErrorCatalogue('@test/x', { TokenRevoked: { ...entry, category: 'credentials' } }),
    ]);
    expect(isCredentialError({ code: 'TokenRevoked' }, registry)).toBe(true);
  });
});
