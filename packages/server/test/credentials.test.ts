/**
 * Graph's secrets as provisio reads them (docs/api.md#secrets): the keys accepted, custom endpoints
 * behind the operator's flag, SyncAll and SyncNotificationSettings as settings, and the job
 * definition the secrets make, with the credentials as store references.
 */
import { describe, expect, it } from 'vitest';
import {
  definitionFrom,
  notificationSettings,
  parseSecretPairs,
  valuesSecretProvider,
} from '../src/jobs/credentials.js';

const sp = '3F2B1C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D';
const complete = {
  UserName: 'admin@example.com',
  SecretToken: 'zd-token',
  Domain: 'example',
  EntraTenantId: '8f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f',
  EntraClientId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  EntraClientSecret: 'entra-secret',
};

describe('secret keys', () => {
  it('accepts the known keys, normalises Domain, removes an optional key given empty', () => {
    const parsed = parseSecretPairs(
      [
        { key: 'Domain', value: 'https://example.zendesk.com/' },
        { key: 'SyncAll', value: 'True' },
        { key: 'BaseAddress', value: '' },
      ],
      { allowCustomEndpoints: true },
    );
    expect(parsed.problems).toEqual([]);
    expect(Object.fromEntries(parsed.set)).toEqual({ Domain: 'example', SyncAll: 'True' });
    expect(parsed.removed).toEqual(['BaseAddress']);
  });

  it('names every problem, the accepted keys and the flag, and never a secret value', () => {
    const parsed = parseSecretPairs(
      [
        { key: 'Password', value: 'p' },
        { key: 'BaseAddress', value: 'https://zendesk.internal' },
        { key: 'SecretToken', value: '   ' },
        { key: 'EntraTenantId', value: 'contoso' },
        { key: 'SyncAll', value: 'yes' },
      ],
      { allowCustomEndpoints: false },
    );
    const messages = parsed.problems.map((p) => p.message);
    expect(parsed.problems.map((p) => p.key)).toEqual([
      'Password',
      'BaseAddress',
      'SecretToken',
      'EntraTenantId',
      'SyncAll',
    ]);
    expect(messages[0]).toContain('UserName, SecretToken, Domain');
    expect(messages[1]).toContain('--allow-custom-endpoints');
    expect(messages[2]).toContain('must not be empty');
    expect(messages[3]).toContain('GUID');
    expect(messages[4]).toContain('"True" or "False"');
  });

  it('reads SyncNotificationSettings as Entra writes it', () => {
    expect(
      notificationSettings(
        '{"Enabled":true,"Recipients":"ops@example.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":500}',
      ),
    ).toEqual({ enabled: true, recipients: 'ops@example.com', deleteThreshold: 500 });
    expect(notificationSettings('{"Enabled":false,"DeleteThresholdEnabled":false}')).toEqual({
      enabled: false,
      recipients: null,
      deleteThreshold: 0,
    });
    expect(notificationSettings('{"Enabled":true}')).toEqual({
      problem: expect.stringContaining('Recipients'),
    });
    expect(notificationSettings('not json')).toEqual({ problem: expect.stringContaining('JSON') });
  });
});

describe('the job definition the secrets make', () => {
  it('is null until the required keys are saved', () => {
    const { EntraClientSecret: _missing, ...partial } = complete;
    expect(definitionFrom('zendesk.a', sp, {}, partial)).toBeNull();
  });

  it('holds the credentials as store references and the settings from the secrets over the draft', async () => {
    const definition = definitionFrom(
      'zendesk.a',
      sp,
      { settings: { provisioningStatus: 'off', scope: 'all' }, mappings: { groups: { enabled: false } } },
      {
        ...complete,
        SyncAll: 'False',
        SkipOutOfScopeDeletions: 'True',
        SyncNotificationSettings:
          '{"Enabled":true,"Recipients":"ops@example.com","DeleteThresholdEnabled":false,"DeleteThresholdValue":9}',
      },
    );
    const lower = sp.toLowerCase();
    expect(definition).toMatchObject({
      id: 'zendesk.a',
      source: {
        tenantId: complete.EntraTenantId,
        clientSecret: { secretRef: `store:sp/${lower}/EntraClientSecret` },
        servicePrincipalId: lower,
      },
      target: {
        adminUsername: 'admin@example.com',
        domain: 'example',
        secretToken: { secretRef: `store:sp/${lower}/SecretToken` },
      },
      settings: {
        provisioningStatus: 'off',
        scope: 'assigned',
        skipOutOfScopeDeletions: true,
        notificationEmail: 'ops@example.com',
        sendEmailOnFailure: true,
        accidentalDeletionThreshold: 0,
      },
      mappings: { groups: { enabled: false } },
    });
    expect(JSON.stringify(definition)).not.toContain('zd-token');
    expect(JSON.stringify(definition)).not.toContain('entra-secret');
    const provider = valuesSecretProvider(sp, complete);
    expect(await provider.resolve(`store:sp/${lower}/SecretToken`)).toEqual({
      found: true,
      value: 'zd-token',
    });
    expect((await provider.resolve('env:ZENDESK_TOKEN')).found).toBe(false);
  });
});
