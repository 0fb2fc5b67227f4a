import { describe, expect, it } from 'vitest';
import { createZendeskTarget, ZendeskConfigurationError } from '../src/index.js';

describe('createZendeskTarget options', () => {
  const base = { adminUsername: 'admin@example.com', secretToken: 'tok-very-secret' };
  it.each([
    'acme.zendesk.com',
    'https://acme.zendesk.com',
    'evil.example.com/acme',
    'acme@evil',
    '',
    '-acme',
  ])('refuses the domain %j so the token never goes to another host', (domain) => {
    expect(() => createZendeskTarget({ ...base, domain })).toThrow(/domain/);
    try {
      createZendeskTarget({ ...base, domain });
    } catch (error) {
      expect(String(error)).not.toContain('tok-very-secret');
    }
  });

  it('accepts a bare subdomain in any case', () => {
    expect(() => createZendeskTarget({ ...base, domain: 'Acme-Support2' })).not.toThrow();
  });

  it('checks the tuning options too', () => {
    expect(() =>
      createZendeskTarget({ ...base, domain: 'acme', maxRetries: -1, singleRequestConcurrency: 0 }),
    ).toThrow(/singleRequestConcurrency: .*maxRetries: /);
    expect(() =>
      createZendeskTarget({ ...base, domain: 'acme', baseUrl: 'http://127.0.0.1:4010/?x=1' }),
    ).toThrow(/baseUrl: must not have a query or fragment/);
  });

  it('checks the domain against a Zendesk base URL', () => {
    expect(() =>
      createZendeskTarget({ ...base, domain: 'acme', baseUrl: 'https://other.zendesk.com' }),
    ).toThrow(/baseUrl: names the Zendesk account "other" but domain is "acme"/);
    expect(() =>
      createZendeskTarget({ ...base, domain: 'Acme', baseUrl: 'https://acme.zendesk.com' }),
    ).not.toThrow();
  });

  it('lists every problem at once', () => {
    expect(() => createZendeskTarget({ domain: 'a.b', adminUsername: '', secretToken: ' ' })).toThrow(
      /domain.*adminUsername.*secretToken/,
    );
  });
});

describe('createZendeskTarget: the connector', () => {
  const target = createZendeskTarget({
    domain: 'acme',
    adminUsername: 'admin@example.com',
    secretToken: 'tok-very-secret',
  });

  it('throws a ZendeskConfigurationError with the code InvalidConfiguration', () => {
    try {
      createZendeskTarget({
        domain: 'x.y',
        adminUsername: 'admin@example.com',
        secretToken: 't',
        baseUrl: 'ftp://x',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ZendeskConfigurationError);
      expect((error as ZendeskConfigurationError).code).toBe('InvalidConfiguration');
      expect((error as ZendeskConfigurationError).problems).toHaveLength(2);
    }
  });

  it('keeps the token out of what the object shows', () => {
    expect(JSON.stringify(target)).not.toContain('tok-very-secret');
    expect(Object.values(target).map(String).join(' ')).not.toContain('tok-very-secret');
  });

  it('counts no requests before any call', () => {
    expect(target.requestCount).toBe(0);
  });
});
