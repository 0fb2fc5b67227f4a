import { engineErrorCatalogues, mergeErrorCatalogues } from '@provisio/engine';
import { describe, expect, it } from 'vitest';
import { toConnectorError, ZendeskHttpError } from '../src/client/errors.js';
import { ZendeskErrorCode, zendeskErrors } from '../src/index.js';

describe("the Zendesk connector's error catalogue", () => {
  const registry = mergeErrorCatalogues([...engineErrorCatalogues, zendeskErrors]);

  it('defines no code of the engine again, and every code it reports is catalogued', () => {
    for (const code of Object.values(ZendeskErrorCode)) expect(registry.lookup(code)?.code, code).toBe(code);
    expect(registry.ownerOf(ZendeskErrorCode.InvalidCredentials)).toBe('@provisio/engine');
    expect(registry.ownerOf(ZendeskErrorCode.ZendeskEntryConflict)).toBe('@provisio/zendesk');
  });

  it('has one code for refused credentials, InvalidCredentials', () => {
    expect(Object.values(ZendeskErrorCode)).not.toContain('Unauthorized');
    expect(registry.lookup('InvalidCredentials')?.category).toBe('credentials');
  });

  it('keeps the text of an unexpected exception out of the public message', () => {
    const error = toConnectorError(
      new TypeError('Cannot read properties of undefined (reading "id")'),
      'GET /x',
    );
    // provisio's own failure, not a 500 from Zendesk.
    expect(error).toMatchObject({ code: 'InternalError', retryable: true, request: 'GET /x' });
    expect(error.message).toBe('Unexpected error during GET /x.');
    expect(error.detail).toContain('TypeError: Cannot read properties');
    const http = new ZendeskHttpError({
      code: ZendeskErrorCode.InvalidCredentials,
      message: 'Zendesk did not accept the credentials (401)',
      retryable: false,
      request: 'GET /api/v2/users',
      status: 401,
    });
    expect(toConnectorError(http)).toMatchObject({ code: 'InvalidCredentials', httpStatus: 401 });
  });
});
