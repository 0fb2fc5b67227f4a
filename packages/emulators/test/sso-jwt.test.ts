import { describe, expect, it } from 'vitest';
import {
  audienceConflicts,
  configurationsFromOptions,
  maskedSecret,
  type SsoConfiguration,
  type SsoConfigurationInput,
} from '../src/zendesk/sso/config.js';
import { iatSkewMs, verifyJwt } from '../src/zendesk/sso/jwt.js';
import { safeReturnTo } from '../src/zendesk/sso/routes.js';
import { signJwt } from './support/jwt.js';

const now = Date.UTC(2025, 0, 1, 12, 0, 0);
const iat = now / 1000;
const configuration = (overrides: Partial<SsoConfiguration> = {}): SsoConfiguration => ({
  id: 1,
  name: 'IdP',
  sharedSecret: 'first-shared-secret-0123456789',
  remoteLoginUrl: 'https://idp.example.test/sso',
  remoteLogoutUrl: null,
  teamMembers: true,
  endUsers: true,
  active: true,
  updateExternalIds: false,
  ...overrides,
});
const claims = { iat, jti: 'j-1', name: 'Ada', email: 'ada@example.com' };
const never = () => false;

describe('verifyJwt', () => {
  it('accepts a token signed by any active configuration and names it', () => {
    const second = configuration({ id: 2, sharedSecret: 'second-shared-secret-0123456789' });
    const result = verifyJwt(
      signJwt({ ...claims, external_id: 42 }, second.sharedSecret),
      [configuration(), second],
      now,
      never,
    );
    expect(result).toEqual({
      ok: true,
      configuration: second,
      claims: { iat, exp: null, jti: 'j-1', name: 'Ada', email: 'ada@example.com', externalId: '42' },
    });
  });

  it('ignores inactive configurations', () => {
    const inactive = configuration({ active: false });
    expect(verifyJwt(signJwt(claims, inactive.sharedSecret), [inactive], now, never)).toMatchObject({
      ok: false,
      status: 403,
      reason: 'JWT single sign-on is not enabled for this account',
    });
    const other = configuration({ id: 2, sharedSecret: 'second-shared-secret-0123456789' });
    expect(verifyJwt(signJwt(claims, inactive.sharedSecret), [inactive, other], now, never)).toMatchObject({
      status: 401,
      reason: 'Invalid JWT: signature verification failed',
    });
  });

  it('accepts iat exactly at the edges of the 3-minute window and refuses beyond', () => {
    const at = (seconds: number) =>
      verifyJwt(
        signJwt({ ...claims, iat: seconds }, configuration().sharedSecret),
        [configuration()],
        now,
        never,
      ).ok;
    expect(at(iat - iatSkewMs / 1000)).toBe(true);
    expect(at(iat + iatSkewMs / 1000)).toBe(true);
    expect(at(iat - iatSkewMs / 1000 - 1)).toBe(false);
    expect(at(iat + iatSkewMs / 1000 + 1)).toBe(false);
  });

  it('honours exp and refuses a string iat', () => {
    const secret = configuration().sharedSecret;
    expect(verifyJwt(signJwt({ ...claims, exp: iat + 60 }, secret), [configuration()], now, never).ok).toBe(
      true,
    );
    expect(verifyJwt(signJwt({ ...claims, exp: iat }, secret), [configuration()], now, never)).toMatchObject({
      status: 401,
    });
    expect(
      verifyJwt(signJwt({ ...claims, iat: String(iat) }, secret), [configuration()], now, never),
    ).toMatchObject({
      status: 400,
      reason: 'Invalid claim: iat must be a number of seconds since the epoch',
    });
  });

  it('refuses a seen jti only after the signature and claims are good', () => {
    const secret = configuration().sharedSecret;
    const seen = (jti: string) => jti === 'j-1';
    expect(verifyJwt(signJwt(claims, secret), [configuration()], now, seen)).toMatchObject({
      status: 401,
      reason: 'Token has already been used (jti)',
    });
    expect(
      verifyJwt(signJwt(claims, 'a-forged-secret-0123456789'), [configuration()], now, seen),
    ).toMatchObject({
      reason: 'Invalid JWT: signature verification failed',
    });
  });

  it('refuses a truncated signature and a token signed with the secret as another algorithm', () => {
    const secret = configuration().sharedSecret;
    const token = signJwt(claims, secret);
    expect(verifyJwt(token.slice(0, -4), [configuration()], now, never)).toMatchObject({ status: 401 });
    expect(verifyJwt(signJwt(claims, secret, { alg: 'HS512' }), [configuration()], now, never)).toMatchObject(
      {
        status: 400,
        reason: 'Invalid JWT: algorithm HS512 is not supported (use HS256)',
      },
    );
    expect(verifyJwt(signJwt(claims, secret, { typ: 'JWT' }), [configuration()], now, never)).toMatchObject({
      reason: 'Invalid JWT: algorithm missing is not supported (use HS256)',
    });
  });
});

describe('configuration helpers', () => {
  it('masks a secret as Zendesk does: 6 characters, then * to 48', () => {
    expect(maskedSecret('SRT2hjabcdefghijklmnop')).toBe(`SRT2hj${'*'.repeat(42)}`);
    expect(maskedSecret('x'.repeat(48))).toHaveLength(48);
  });

  it('finds two active configurations for one audience', () => {
    const input = (overrides: Partial<SsoConfigurationInput>): SsoConfigurationInput => ({
      ...configuration(),
      ...overrides,
    });
    expect(audienceConflicts([input({ endUsers: false }), input({ teamMembers: false })])).toEqual([]);
    expect(audienceConflicts([input({}), input({ active: false })])).toEqual([]);
    expect(audienceConflicts([input({ endUsers: false }), input({}), input({ endUsers: false })])).toEqual([
      expect.stringContaining(
        'configurations [0], [1], [2]: only one active configuration may be assigned to team members',
      ),
    ]);
  });

  it('builds the start-up configuration from the options, both audiences by default', () => {
    expect(configurationsFromOptions(undefined)).toEqual([]);
    expect(
      configurationsFromOptions({
        jwt: { sharedSecret: 'x'.repeat(16), remoteLoginUrl: 'http://idp.test/', endUsers: false },
      }),
    ).toEqual([
      {
        name: 'JWT',
        sharedSecret: 'x'.repeat(16),
        remoteLoginUrl: 'http://idp.test/',
        remoteLogoutUrl: null,
        teamMembers: true,
        endUsers: false,
        active: true,
        updateExternalIds: false,
      },
    ]);
    expect(() =>
      configurationsFromOptions({
        jwt: { sharedSecret: 'x'.repeat(15), remoteLoginUrl: 'http://idp.test/' },
      }),
    ).toThrow(/sso\.jwt\.sharedSecret: must be at least 16 characters/);
  });
});

describe('safeReturnTo', () => {
  const origin = 'http://127.0.0.1:4010';
  it.each([
    ['http://127.0.0.1:4010/agent/tickets/1', 'http://127.0.0.1:4010/agent/tickets/1'],
    ['/hc/en-us?x=1', 'http://127.0.0.1:4010/hc/en-us?x=1'],
    ['http://127.0.0.1:4011/agent', null],
    ['https://127.0.0.1:4010/agent', null],
    ['//evil.example/', null],
    ['/\\evil.example/', null],
    ['javascript:alert(1)', null],
    ['', null],
  ])('%s → %s', (returnTo, expected) => {
    expect(safeReturnTo(returnTo, origin)).toBe(expected);
  });
});
