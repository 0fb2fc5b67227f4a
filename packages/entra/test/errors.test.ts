import { ConnectorFailure, engineErrorCatalogues, mergeErrorCatalogues } from '@provisio/engine';
import { describe, expect, it } from 'vitest';
import { aadstsDescription, explainAadsts, tokenFailure } from '../src/auth/errors.js';
import { graphFailure, isExpiredDeltaToken, unknownPropertyOf } from '../src/client/errors.js';
import { NetworkError } from '../src/client/http.js';
import { connectorFailure, EntraErrorCode, entraErrors, redact } from '../src/errors.js';

const secret = 'Zx8Q~abcdefghijklmnopqrstuvwxyz0123456789';
const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJyb2xlcyI6WyJVc2VyLlJlYWQuQWxsIl19.c2lnbmF0dXJl';
const ctx = {
  tenantId: '8f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f',
  clientId: '6a1f4b2c-3d5e-4f60-8a71-b2c3d4e5f607',
  clientSecret: secret,
  authorityHost: 'https://login.microsoftonline.com',
  scope: 'https://graph.microsoft.com/.default',
};

const graphError = (code: string, message: string) => JSON.stringify({ error: { code, message } });

describe("the Entra connector's error catalogue", () => {
  it('defines no code of the engine again, and every code it reports is catalogued', () => {
    const registry = mergeErrorCatalogues([...engineErrorCatalogues, entraErrors]);
    for (const code of Object.values(EntraErrorCode)) expect(registry.lookup(code)?.code, code).toBe(code);
    expect(registry.ownerOf(EntraErrorCode.InvalidCredentials)).toBe('@provisio/engine');
    expect(registry.ownerOf(EntraErrorCode.DuplicateSourceEntries)).toBe('@provisio/entra');
  });
});

describe('redact', () => {
  it('removes the secret, JWTs and bearer credentials', () => {
    const text = `secret=${secret} token ${jwt} header Authorization: Bearer abc.def`;
    const out = redact(text, [secret]);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(jwt);
    expect(out).not.toContain('abc.def');
    expect(out).toBe('secret=[redacted] token [redacted token] header Authorization: Bearer [redacted]');
  });

  it('leaves ordinary text alone and ignores very short "secrets"', () => {
    expect(redact('Insufficient privileges to complete the operation.', ['a', ''])).toBe(
      'Insufficient privileges to complete the operation.',
    );
  });
});

describe('connectorFailure', () => {
  it('cleans every text field and truncates the response to 2,000 characters', () => {
    const failure = connectorFailure(
      {
        code: 'UnexpectedSourceResponse',
        message: `bad ${secret}`,
        detail: `internal ${secret}`,
        retryable: false,
        request: `GET /v1.0/users?x=${secret}`,
        response: `${jwt} ${'y'.repeat(5000)}`,
        recommendedAction: `use ${secret}`,
      },
      [secret],
    );
    expect(failure).toBeInstanceOf(ConnectorFailure);
    expect(JSON.stringify(failure.detail)).not.toContain(secret);
    expect(failure.detail.response).toHaveLength(2000);
    expect(failure.detail.response?.startsWith('[redacted token]')).toBe(true);
    expect(failure.message).toBe('bad [redacted]');
    expect(failure.detail.detail).toBe('internal [redacted]');
  });
});

describe('graphFailure', () => {
  const base = { request: 'GET /v1.0/users/delta', attempts: 1 };
  const context = { clientId: ctx.clientId, roles: ['User.Read.All'], secrets: [secret] };

  it('names the missing permission of a 403 and how to grant admin consent', () => {
    const failure = graphFailure(
      {
        ...base,
        status: 403,
        body: graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
      },
      { ...context, operation: 'readGroupMembers' },
    );
    expect(failure.detail).toMatchObject({ code: 'InsufficientRights', retryable: false, httpStatus: 403 });
    expect(failure.message).toContain('GroupMember.Read.All');
    expect(failure.message).toContain('its token grants User.Read.All');
    expect(failure.message).toContain('403 Authorization_RequestDenied: Insufficient privileges');
    expect(failure.detail.recommendedAction).toContain('Grant admin consent');
    expect(failure.detail.recommendedAction).toContain(ctx.clientId);
  });

  it.each([
    ['readUsers', 'User.Read.All'],
    ['readServicePrincipal', 'Application.Read.All'],
    ['readAssignments', 'Application.Read.All'],
  ] as const)('names %s → %s', (operation, permission) => {
    const failure = graphFailure({ ...base, status: 403, body: '' }, { ...context, roles: [], operation });
    expect(failure.message).toContain(`permission ${permission}`);
    expect(failure.message).toContain('no application permissions');
  });

  it('maps statuses to stable codes', () => {
    const code = (status: number, body = '', operation: 'readUsers' | 'readServicePrincipal' = 'readUsers') =>
      graphFailure({ ...base, status, body, attempts: 6 }, { ...context, operation }).detail;
    expect(code(401)).toMatchObject({ code: 'InvalidCredentials', retryable: false });
    expect(code(429)).toMatchObject({ code: 'TooManyRequests', retryable: true });
    expect(code(503)).toMatchObject({ code: 'SourceUnavailable', retryable: true });
    expect(code(500)).toMatchObject({ code: 'SourceUnavailable', retryable: true });
    expect(code(404, '', 'readServicePrincipal')).toMatchObject({ code: 'ServicePrincipalNotFound' });
    expect(code(404)).toMatchObject({ code: 'UnexpectedSourceResponse', retryable: false });
    expect(
      code(
        400,
        graphError(
          'BadRequest',
          "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
        ),
      ),
    ).toMatchObject({ code: 'InvalidSourceAttribute', retryable: false });
    expect(code(400, graphError('Request_BadRequest', 'Invalid $skiptoken.'))).toMatchObject({
      code: 'UnexpectedSourceResponse',
    });
  });

  it('keeps the request and response, without secrets', () => {
    const failure = graphFailure(
      { ...base, status: 500, body: `oops ${secret}` },
      { ...context, operation: 'readUsers' },
    );
    expect(failure.detail.request).toBe('GET /v1.0/users/delta');
    expect(failure.detail.response).toBe('oops [redacted]');
  });
});

describe('Graph error bodies', () => {
  it('recognises an expired delta token', () => {
    expect(isExpiredDeltaToken(410, '')).toBe(true);
    expect(isExpiredDeltaToken(400, graphError('syncStateNotFound', 'The sync state is not found.'))).toBe(
      true,
    );
    expect(isExpiredDeltaToken(400, graphError('resyncRequired', 'Resync required.'))).toBe(true);
    expect(isExpiredDeltaToken(400, graphError('Request_BadRequest', 'Invalid $deltatoken.'))).toBe(false);
    expect(isExpiredDeltaToken(400, 'not json')).toBe(false);
    expect(isExpiredDeltaToken(404, graphError('syncStateNotFound', ''))).toBe(false);
  });

  it('finds the unknown property in a 400 message', () => {
    expect(unknownPropertyOf("Could not find a property named 'foo' on type 'microsoft.graph.user'.")).toBe(
      'foo',
    );
    expect(unknownPropertyOf('Invalid filter clause')).toBeNull();
    expect(unknownPropertyOf(null)).toBeNull();
  });
});

describe('token errors', () => {
  /** What msal-node's ServerError carries for an identity platform answer. */
  const serverError = (errorCode: string, errorNo: number, status: number, text: string) =>
    Object.assign(new Error(`${errorCode}: ${text}`), {
      errorCode,
      errorNo,
      status,
      errorMessage: `Error(s): ${errorNo} - Timestamp: 2026-01-01 - Description: AADSTS${errorNo}: ${text} Trace ID: 1 Correlation ID: 2 Timestamp: 3`,
    });

  it.each([
    [7000215, 401, 'Invalid client secret provided.', 'Value, not its Secret ID'],
    [7000222, 401, 'The provided client secret keys are expired.', 'New client secret'],
    [700016, 400, 'Application with identifier was not found.', 'Application (client) ID'],
    [90002, 400, "Tenant 'x' not found.", 'Directory (tenant) ID'],
  ])('explains AADSTS%i as InvalidCredentials with a fix', (errorNo, status, text, fix) => {
    const failure = tokenFailure(serverError('invalid_client', errorNo, status, text), ctx);
    expect(failure.detail).toMatchObject({
      code: 'InvalidCredentials',
      retryable: false,
      httpStatus: status,
    });
    expect(failure.message).toContain(`AADSTS${errorNo}: ${text}`);
    expect(failure.message).not.toContain('Trace ID');
    expect(failure.detail.recommendedAction).toContain(fix);
    expect(failure.detail.request).toBe(
      `POST https://login.microsoftonline.com/${ctx.tenantId}/oauth2/v2.0/token`,
    );
    expect(JSON.stringify(failure.detail)).not.toContain(secret);
  });

  it('treats an unknown AADSTS refusal as a credentials problem, a 5xx as unavailable', () => {
    const unknown = tokenFailure(serverError('invalid_request', 123456, 400, 'Something else.'), ctx);
    expect(unknown.detail).toMatchObject({ code: 'InvalidCredentials', retryable: false });
    expect(unknown.message).toContain('AADSTS123456: Something else.');
    const down = tokenFailure(serverError('temporarily_unavailable', 90033, 503, 'Busy.'), ctx);
    expect(down.detail).toMatchObject({ code: 'SourceUnavailable', retryable: true });
  });

  it('says what the network failure was when msal only says network_error', () => {
    const msal = Object.assign(new Error('network_error'), {
      errorCode: 'network_error',
      errorMessage: 'See aka.ms',
    });
    const cause = new NetworkError(
      'https://login.example/t/oauth2/v2.0/token',
      new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 10.0.0.1:443') }),
    );
    const failure = tokenFailure(msal, ctx, cause);
    expect(failure.detail).toMatchObject({ code: 'SourceUnavailable', retryable: true });
    expect(failure.message).toContain('https://login.example: connect ECONNREFUSED 10.0.0.1:443');
  });

  it('extracts the AADSTS description', () => {
    expect(aadstsDescription('x AADSTS7000215: Invalid client secret provided. Trace ID: 1')).toEqual({
      errorNumber: 7000215,
      description: 'Invalid client secret provided.',
    });
    expect(aadstsDescription('no code here')).toBeNull();
    expect(explainAadsts(1, ctx)).toBeNull();
  });
});
