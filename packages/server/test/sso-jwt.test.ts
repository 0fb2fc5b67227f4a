/**
 * The Zendesk token of the single sign-on bridge (docs/single-sign-on.md): its claims come from the
 * linked Zendesk user, it is HS256 with the shared secret, every token has its own jti, the secret
 * follows a rotation by what Zendesk shows of it, and return_to never leaves the Zendesk account.
 */
import type { SignOnConfiguration, TargetUser } from '@provisio/engine';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { zendeskSignOnStatus } from '../src/sso/status.js';
import {
  chooseSecret,
  claimsFor,
  safeReturnTo,
  secretInUse,
  signZendeskJwt,
} from '../src/sso/zendesk-jwt.js';

const at = new Date('2026-12-04T10:00:00.000Z');
const user = (attributes: Record<string, unknown>): TargetUser => ({
  id: '42',
  attributes,
  active: true,
  disabled: false,
  displayName: 'Ada <ada@example.com>',
});
const current = 'abcdef0123456789abcdef0123456789abcdef0123456789';
const previous = 'zyxwvu9876543210zyxwvu9876543210zyxwvu9876543210';
const login = 'https://provisio.example.com/sso/zendesk/job-1/login';
const jwtConfig = (extra: Partial<SignOnConfiguration> = {}): SignOnConfiguration => ({
  id: '1',
  name: 'provisio',
  protocol: 'jwt',
  active: true,
  staff: true,
  endUsers: false,
  remoteLoginUrl: login,
  remoteLogoutUrl: null,
  secretPrefix: current.slice(0, 6),
  ...extra,
});

describe('claims', () => {
  it("carries Zendesk's own e-mail, name and external id, iat in seconds and the given jti", () => {
    const made = claimsFor(
      user({ email: 'ada@example.com', name: 'Ada', external_id: 'oid-1', role: 'agent' }),
      at,
      'jti-1',
    );
    expect(made).toEqual({
      claims: {
        iat: 1_796_378_400,
        exp: 1_796_378_580,
        jti: 'jti-1',
        email: 'ada@example.com',
        name: 'Ada',
        external_id: 'oid-1',
      },
    });
  });

  it('leaves external_id out when the Zendesk user has none (Zendesk then matches the e-mail)', () => {
    const made = claimsFor(user({ email: 'ada@example.com', name: 'Ada', external_id: null }), at, 'j');
    expect('claims' in made && 'external_id' in made.claims).toBe(false);
  });

  it('uses the e-mail as the name when the user has no name, and a numeric external id as text', () => {
    const made = claimsFor(user({ email: 'ada@example.com', external_id: 7 }), at, 'j');
    expect(made).toMatchObject({ claims: { name: 'ada@example.com', external_id: '7' } });
  });

  it('refuses a user without an e-mail, saying so', () => {
    const made = claimsFor(user({ name: 'Ada', email: '  ' }), at, 'j');
    expect(made).toEqual({ problem: expect.stringMatching(/no e-mail address/) });
  });
});

describe('the signed token', () => {
  it('is HS256 with typ JWT, verifies with the shared secret and not with another', async () => {
    const made = claimsFor(user({ email: 'ada@example.com', name: 'Ada', external_id: 'oid-1' }), at, 'j1');
    if (!('claims' in made)) throw new Error(made.problem);
    const token = await signZendeskJwt(made.claims, current);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, new TextEncoder().encode(current), { currentDate: at });
    expect(payload).toEqual(made.claims);
    await expect(jwtVerify(token, new TextEncoder().encode(previous), { currentDate: at })).rejects.toThrow(
      /signature/,
    );
  });

  it('expires three minutes after it was issued', async () => {
    const made = claimsFor(user({ email: 'ada@example.com', name: 'Ada' }), at, 'j2');
    if (!('claims' in made)) throw new Error(made.problem);
    const token = await signZendeskJwt(made.claims, current);
    const key = new TextEncoder().encode(current);
    const later = (seconds: number) => new Date(at.getTime() + seconds * 1000);
    await expect(jwtVerify(token, key, { currentDate: later(179) })).resolves.toBeDefined();
    await expect(jwtVerify(token, key, { currentDate: later(181) })).rejects.toThrow(/exp/);
  });

  it('gives every sign-in its own jti, so that Zendesk refuses a replay and nothing else', async () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 50; i += 1) {
      const made = claimsFor(user({ email: 'ada@example.com', name: 'Ada' }), at, crypto.randomUUID());
      if (!('claims' in made)) throw new Error(made.problem);
      tokens.add(made.claims.jti);
    }
    expect(tokens.size).toBe(50);
  });
});

describe('which secret signs', () => {
  it('follows what Zendesk shows of its secret: the previous one until Zendesk holds the new one', () => {
    expect(secretInUse(jwtConfig(), current, previous)).toBe('current');
    expect(secretInUse(jwtConfig({ secretPrefix: previous.slice(0, 6) }), current, previous)).toBe(
      'previous',
    );
    expect(secretInUse(jwtConfig({ secretPrefix: 'qqqqqq' }), current, previous)).toBe('unknown');
    expect(secretInUse(jwtConfig({ secretPrefix: null }), current, previous)).toBe('unknown');
    expect(chooseSecret([jwtConfig({ secretPrefix: previous.slice(0, 6) })], login, current, previous)).toBe(
      previous,
    );
    expect(chooseSecret([jwtConfig()], login, current, previous)).toBe(current);
  });

  it('signs with the current secret when Zendesk cannot be asked or its configuration is elsewhere', () => {
    expect(chooseSecret(null, login, current, previous)).toBe(current);
    const elsewhere = jwtConfig({
      remoteLoginUrl: 'https://idp.example.com/login',
      secretPrefix: previous.slice(0, 6),
    });
    expect(chooseSecret([elsewhere], login, current, previous)).toBe(current);
    const inactive = jwtConfig({ active: false, secretPrefix: previous.slice(0, 6) });
    expect(chooseSecret([inactive], login, current, previous)).toBe(current);
  });
});

describe('return_to', () => {
  const zendesk = 'https://acme.zendesk.com';
  it('keeps pages of the same Zendesk account', () => {
    expect(safeReturnTo('https://acme.zendesk.com/agent/tickets/1?x=1', zendesk)).toBe(
      'https://acme.zendesk.com/agent/tickets/1?x=1',
    );
  });
  it.each([
    ['another site', 'https://evil.example.com/agent'],
    ['a look-alike host', 'https://acme.zendesk.com.evil.example.com/'],
    ['another scheme', 'javascript:alert(1)'],
    ['credentials in the URL', 'https://user:pass@acme.zendesk.com/agent'],
    ['a relative path', '/agent'],
    ['nothing', ''],
    ['an overlong URL', `https://acme.zendesk.com/${'a'.repeat(3000)}`],
  ])('drops %s', (_what, returnTo) => {
    expect(safeReturnTo(returnTo, zendesk)).toBeNull();
  });
});

describe("the Zendesk account's status", () => {
  it('says the account sends people here, with which secret', () => {
    expect(zendeskSignOnStatus([jwtConfig()], login, current, previous).status).toBe('pointsHere');
    expect(
      zendeskSignOnStatus([jwtConfig({ secretPrefix: previous.slice(0, 6) })], login, current, previous)
        .status,
    ).toBe('rotating');
    expect(
      zendeskSignOnStatus([jwtConfig({ secretPrefix: 'qqqqqq' })], login, current, previous).status,
    ).toBe('secretMismatch');
  });
  it('says what is wrong otherwise', () => {
    expect(zendeskSignOnStatus([jwtConfig({ active: false })], login, current, previous)).toMatchObject({
      status: 'inactive',
      message: expect.stringMatching(/not active/),
    });
    expect(zendeskSignOnStatus([jwtConfig({ staff: false })], login, current, previous).status).toBe(
      'inactive',
    );
    expect(
      zendeskSignOnStatus(
        [jwtConfig({ remoteLoginUrl: 'https://idp.example.com/x' })],
        login,
        current,
        previous,
      ),
    ).toMatchObject({ status: 'pointsElsewhere', message: expect.stringContaining(login) });
    expect(zendeskSignOnStatus([jwtConfig({ protocol: 'saml' })], login, current, previous).status).toBe(
      'notConfigured',
    );
    expect(zendeskSignOnStatus([], login, current, previous).status).toBe('notConfigured');
  });
  it('matches the remote login URL whatever its trailing slash', () => {
    expect(
      zendeskSignOnStatus([jwtConfig({ remoteLoginUrl: `${login}/` })], login, current, previous).status,
    ).toBe('pointsHere');
  });
});
