import { describe, expect, it } from 'vitest';
import { oidcSettingsFromEnvironment, roleOfAppRoles } from '../src/auth/oidc.js';

const tenant = '8F2D7C1E-5B0A-4C3E-9D61-2A7B3C4D5E6F';
const client = '6a1f4b2c-3d5e-4f60-8a71-b2c3d4e5f607';
const complete = {
  PROVISIO_OIDC_TENANT_ID: tenant,
  PROVISIO_OIDC_CLIENT_ID: client,
  PROVISIO_OIDC_CLIENT_SECRET: 's3cret',
};
const strict = { allowCustomEndpoints: false };

describe('PROVISIO_OIDC_* settings', () => {
  it('are off when no variable is set (blank ones count as unset)', () => {
    expect(oidcSettingsFromEnvironment({}, strict)).toEqual({ settings: null, problems: [] });
    expect(oidcSettingsFromEnvironment({ PROVISIO_OIDC_TENANT_ID: '  ' }, strict).settings).toBeNull();
  });

  it('default the authority, the audiences and the app roles', () => {
    const { settings, problems } = oidcSettingsFromEnvironment(complete, strict);
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      tenantId: tenant.toLowerCase(),
      clientId: client,
      clientSecret: 's3cret',
      authorityHost: 'https://login.microsoftonline.com',
      caFile: null,
      audiences: [client, `api://${client}`],
      appRoles: {
        Administrator: ['Provisio.Administrator'],
        Operator: ['Provisio.Operator'],
        Reader: ['Provisio.Reader'],
      },
    });
  });

  it('name every wrong or missing variable', () => {
    const { settings, problems } = oidcSettingsFromEnvironment(
      {
        PROVISIO_OIDC_TENANT_ID: 'contoso.onmicrosoft.com',
        PROVISIO_OIDC_AUTHORITY_HOST: 'https://login.example.com/',
        PROVISIO_OIDC_ROLE_READER: ' , ',
      },
      strict,
    );
    expect(settings).toBeNull();
    expect(problems.map((p) => p.path).sort()).toEqual([
      'PROVISIO_OIDC_AUTHORITY_HOST',
      'PROVISIO_OIDC_CLIENT_ID',
      'PROVISIO_OIDC_CLIENT_SECRET',
      'PROVISIO_OIDC_ROLE_READER',
      'PROVISIO_OIDC_TENANT_ID',
    ]);
    expect(problems.find((p) => p.path === 'PROVISIO_OIDC_AUTHORITY_HOST')?.message).toContain(
      '--allow-custom-endpoints',
    );
    expect(problems.find((p) => p.path === 'PROVISIO_OIDC_TENANT_ID')?.message).toContain('GUID');
  });

  it('take a custom authority with --allow-custom-endpoints, only over https', () => {
    const custom = { ...complete, PROVISIO_OIDC_AUTHORITY_HOST: 'https://127.0.0.1:4020/' };
    expect(oidcSettingsFromEnvironment(custom, { allowCustomEndpoints: true }).settings?.authorityHost).toBe(
      'https://127.0.0.1:4020',
    );
    const plain = { ...complete, PROVISIO_OIDC_AUTHORITY_HOST: 'http://127.0.0.1:4020' };
    expect(oidcSettingsFromEnvironment(plain, { allowCustomEndpoints: true }).problems[0]?.path).toBe(
      'PROVISIO_OIDC_AUTHORITY_HOST',
    );
  });

  it('map app roles to the highest provisio role, and refuse one value for two roles', () => {
    const { settings } = oidcSettingsFromEnvironment(
      {
        ...complete,
        PROVISIO_OIDC_ROLE_OPERATOR: 'Ops, Provisio.Operator',
        PROVISIO_OIDC_AUDIENCES: 'https://provisio.example.com',
      },
      strict,
    );
    if (settings === null) throw new Error('settings expected');
    expect(settings.audiences).toContain('https://provisio.example.com');
    expect(roleOfAppRoles(settings, ['Provisio.Reader', 'Ops'])).toBe('Operator');
    expect(roleOfAppRoles(settings, ['Provisio.Administrator', 'Ops'])).toBe('Administrator');
    expect(roleOfAppRoles(settings, ['Zendesk.Agent'])).toBeNull();
    expect(roleOfAppRoles(settings, 'Provisio.Reader')).toBeNull();
    const clash = oidcSettingsFromEnvironment(
      { ...complete, PROVISIO_OIDC_ROLE_READER: 'Provisio.Operator' },
      strict,
    );
    expect(clash.problems).toEqual([
      {
        path: 'PROVISIO_OIDC_ROLE_READER',
        message: expect.stringContaining('already makes Operator'),
      },
    ]);
  });
});
