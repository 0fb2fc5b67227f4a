import { toPublicError } from '@provisio/engine';
import { describe, expect, it } from 'vitest';
import { msalAuthOptions } from '../src/auth/authority.js';
import { graphScope, resolveOptions } from '../src/connector/options.js';
import { createEntraSource, EntraOptionsError } from '../src/index.js';

const valid = {
  tenantId: '8f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f',
  clientId: '6a1f4b2c-3d5e-4f60-8a71-b2c3d4e5f607',
  clientSecret: 'a-very-secret-value-1234',
  servicePrincipalId: 'c0a1b2c3-0000-4000-8000-000000000005',
};

describe('options', () => {
  it('defaults to the public cloud', () => {
    const o = resolveOptions(valid);
    expect(o).toMatchObject({
      authorityHost: 'https://login.microsoftonline.com',
      graphBaseUrl: 'https://graph.microsoft.com',
      scope: 'https://graph.microsoft.com/.default',
      pageSize: 999,
    });
  });

  it("asks for Graph's resource in Microsoft's clouds and behind any other host", () => {
    expect(graphScope('https://graph.microsoft.us/')).toBe('https://graph.microsoft.us/.default');
    expect(graphScope('https://microsoftgraph.chinacloudapi.cn')).toBe(
      'https://microsoftgraph.chinacloudapi.cn/.default',
    );
    expect(graphScope('https://127.0.0.1:4020')).toBe('https://graph.microsoft.com/.default');
  });

  it('lists every problem at once, without echoing the secret', () => {
    let error: unknown;
    try {
      createEntraSource({
        ...valid,
        tenantId: ' ',
        servicePrincipalId: '',
        authorityHost: 'http://login.example',
        graphBaseUrl: 'not a url',
        ca: 'nope',
        pageSize: 5000,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EntraOptionsError);
    const problems = (error as EntraOptionsError).problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'tenantId',
      'servicePrincipalId',
      'authorityHost',
      'graphBaseUrl',
      'ca',
      'pageSize',
    ]);
    expect((error as Error).message).not.toContain(valid.clientSecret);
    // The same code as the configuration's and the Zendesk connector's settings errors.
    expect((error as EntraOptionsError).code).toBe('InvalidConfiguration');
    expect(toPublicError(error)).toEqual({ code: 'InvalidConfiguration', message: (error as Error).message });
  });
});

describe('msal authority', () => {
  it('lets msal discover the public cloud', () => {
    const auth = msalAuthOptions({ ...valid, authorityHost: 'https://login.microsoftonline.com' });
    expect(auth).toEqual({
      clientId: valid.clientId,
      clientSecret: valid.clientSecret,
      authority: `https://login.microsoftonline.com/${valid.tenantId}`,
    });
  });

  it('declares any other host known, with its metadata inline (no discovery requests)', () => {
    const auth = msalAuthOptions({ ...valid, authorityHost: 'https://127.0.0.1:4020/' });
    expect(auth.knownAuthorities).toEqual(['127.0.0.1:4020']);
    expect(JSON.parse(auth.authorityMetadata ?? '{}')).toMatchObject({
      token_endpoint: `https://127.0.0.1:4020/${valid.tenantId}/oauth2/v2.0/token`,
      issuer: `https://127.0.0.1:4020/${valid.tenantId}/v2.0`,
    });
    expect(JSON.parse(auth.cloudDiscoveryMetadata ?? '{}').metadata[0].aliases).toEqual(['127.0.0.1:4020']);
  });
});
