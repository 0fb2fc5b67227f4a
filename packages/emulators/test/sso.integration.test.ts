import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startZendeskEmulator } from '../src/index.js';
import { freshClaims, signJwt } from './support/jwt.js';
import { type Harness, startHarness, TestClient } from './support/zendesk.js';

const secret = 'emulator-sso-shared-secret-0123456789abcdef';
const loginUrl = 'https://idp.example.test/zendesk/sso?tenant=acme';
const logoutUrl = 'https://idp.example.test/zendesk/logout';

let h: Harness;
let base: string;
beforeAll(async () => {
  h = await startHarness({
    sso: { jwt: { sharedSecret: secret, remoteLoginUrl: loginUrl, remoteLogoutUrl: logoutUrl } },
  });
  base = h.emulator.url;
});
afterAll(() => h.close());
beforeEach(async () => {
  expect((await h.admin.control('POST', 'reset')).status).toBe(200);
  // A reset keeps the clock where a test moved it: put it back.
  expect((await h.admin.control('PUT', 'config', { clockOffsetMs: 0 })).status).toBe(200);
});

interface Visit {
  status: number;
  location: string | null;
  setCookie: string | null;
  headers: Headers;
  text: string;
}

async function visit(path: string, init: RequestInit = {}, cookie?: string): Promise<Visit> {
  const headers = new Headers(init.headers);
  if (cookie) headers.set('cookie', cookie);
  const response = await fetch(`${base}${path}`, { ...init, headers, redirect: 'manual' });
  return {
    status: response.status,
    location: response.headers.get('location'),
    setCookie: response.headers.get('set-cookie'),
    headers: response.headers,
    text: await response.text(),
  };
}

function postJwt(token: string | undefined, returnTo?: string): Promise<Visit> {
  const form = new URLSearchParams();
  if (token !== undefined) form.set('jwt', token);
  if (returnTo !== undefined) form.set('return_to', returnTo);
  return visit('/access/jwt', { method: 'POST', body: form });
}

function getJwt(token: string, returnTo?: string): Promise<Visit> {
  const query = new URLSearchParams({ jwt: token });
  if (returnTo !== undefined) query.set('return_to', returnTo);
  return visit(`/access/jwt?${query}`);
}

/** The `name=value` part of a Set-Cookie header, to send back. */
function cookieOf(answer: Visit): string {
  const value = answer.setCookie?.split(';')[0];
  if (!value) throw new Error(`no session cookie: ${answer.status} ${answer.text}`);
  return value;
}

/** The text of the element carrying `data-testid`. */
function testId(html: string, id: string): string | undefined {
  return new RegExp(`data-testid="${id}">([^<]*)<`).exec(html)?.[1];
}

// biome-ignore lint/suspicious/noExplicitAny: control-plane JSON
async function events(): Promise<any[]> {
  return (await h.admin.control('GET', 'sso/events')).body.events;
}

// biome-ignore lint/suspicious/noExplicitAny: API JSON
async function userByEmail(email: string): Promise<any> {
  const found = await h.admin.get(`/api/v2/users/search.json?query=${encodeURIComponent(email)}`);
  return found.body.users[0];
}

async function createUser(user: Record<string, unknown>): Promise<number> {
  const created = await h.admin.post('/api/v2/users.json', { user });
  expect(created.status, created.text).toBe(201);
  return created.body.user.id;
}

function expectPage(answer: Visit, status: number): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(answer.headers.get('content-security-policy')).toBe("default-src 'none'");
  expect(answer.text).toContain('<html lang="en">');
  expect(answer.text).toMatch(/<title>[^<]+<\/title>/);
  expect(answer.text).toContain('<main>');
}

describe('/access/jwt refusals', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const without = (key: string) => {
    const claims = freshClaims();
    delete claims[key];
    return signJwt(claims, secret);
  };
  const cases: [string, () => string | undefined, number, string][] = [
    [
      'a bad signature',
      () => signJwt(freshClaims(), 'another-secret-0123456789abcdef'),
      401,
      'Invalid JWT: signature verification failed',
    ],
    [
      'alg none',
      () => {
        const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(freshClaims())}.`;
      },
      400,
      'Invalid JWT: algorithm none is not supported (use HS256)',
    ],
    [
      'alg RS256',
      () => signJwt(freshClaims(), secret, { alg: 'RS256', typ: 'JWT' }),
      400,
      'algorithm RS256 is not supported',
    ],
    [
      'an iat 4 minutes old',
      () => signJwt(freshClaims({ iat: now() - 240 }), secret),
      401,
      'Please use a JWT timestamp within 3 minutes',
    ],
    [
      'an iat 4 minutes ahead',
      () => signJwt(freshClaims({ iat: now() + 240 }), secret),
      401,
      'Please use a JWT timestamp within 3 minutes',
    ],
    ['an expired exp', () => signJwt(freshClaims({ exp: now() - 1 }), secret), 401, 'the token has expired'],
    ['no email', () => without('email'), 400, 'Missing required claim: email'],
    ['no name', () => without('name'), 400, 'Missing required claim: name'],
    ['no jti', () => without('jti'), 400, 'Missing required claim: jti'],
    ['no iat', () => without('iat'), 400, 'Missing required claim: iat'],
    [
      'a badly formatted email',
      () => signJwt(freshClaims({ email: 'not-an-email' }), secret),
      400,
      'Invalid claim: email',
    ],
    ['a malformed token', () => 'not-a-jwt', 400, 'Invalid JWT: the token is malformed'],
    ['segments that are not JSON', () => 'abc.def.ghi', 400, 'Invalid JWT: the token is malformed'],
    ['no token', () => undefined, 400, 'Missing JWT'],
  ];

  it.each(cases)(
    'refuses %s with a page stating the reason and records it',
    async (_name, token, status, reason) => {
      const answer = await postJwt(token());
      expectPage(answer, status);
      expect(answer.text).toContain(reason);
      expect(answer.setCookie).toBeNull();
      const last = (await events()).at(-1);
      expect(last).toMatchObject({ outcome: 'refused' });
      expect(last.reason).toContain(reason);
      expect((await h.admin.control('GET', 'sso/sessions')).body.sessions).toEqual([]);
      expect(await userByEmail('ada@example.com')).toBeUndefined();
    },
  );

  it('accepts an iat within 3 minutes on the emulator clock, not the real one', async () => {
    await h.admin.control('PUT', 'config', { clockOffsetMs: 10 * 60_000 });
    const realNow = signJwt(freshClaims(), secret);
    expect((await postJwt(realNow)).status).toBe(401);
    const emulatorNow = signJwt(freshClaims({ iat: now() + 600 - 170 }), secret);
    expect((await postJwt(emulatorNow)).status).toBe(302);
  });

  it('refuses a token used twice', async () => {
    const token = signJwt(freshClaims(), secret);
    expect((await postJwt(token)).status).toBe(302);
    const again = await getJwt(token);
    expectPage(again, 401);
    expect(again.text).toContain('Token has already been used');
  });

  it('refuses a suspended user and leaves the profile alone', async () => {
    const id = await createUser({ name: 'Old Name', email: 'ada@example.com', suspended: true });
    const answer = await postJwt(signJwt(freshClaims(), secret));
    expectPage(answer, 403);
    expect(answer.text).toContain('User is suspended');
    expect((await h.admin.get(`/api/v2/users/${id}.json`)).body.user.name).toBe('Old Name');
    expect((await events()).at(-1)).toMatchObject({
      outcome: 'refused',
      email: 'ada@example.com',
      reason: 'User is suspended',
    });
  });

  it('refuses everything when single sign-on is off', async () => {
    expect((await h.admin.control('PUT', 'sso', { configurations: [] })).status).toBe(200);
    const answer = await postJwt(signJwt(freshClaims(), secret));
    expectPage(answer, 403);
    expect(answer.text).toContain('JWT single sign-on is not enabled for this account');
    const agent = await visit('/agent');
    expectPage(agent, 200);
    expect(agent.text).toContain(`Sign in to ${h.emulator.settings.subdomain}`);
    expect(agent.text).toContain('Password sign-in is not emulated');
  });

  it('refuses a team member through a configuration for end users only', async () => {
    await h.admin.control('PUT', 'sso', {
      configurations: [
        {
          name: 'Customers',
          sharedSecret: secret,
          remoteLoginUrl: loginUrl,
          teamMembers: false,
          endUsers: true,
          active: true,
        },
      ],
    });
    await createUser({ name: 'Ada Lovelace', email: 'ada@example.com', role: 'agent' });
    const answer = await postJwt(signJwt(freshClaims(), secret));
    expectPage(answer, 403);
    expect(answer.text).toContain('JWT single sign-on is not enabled for team members');
  });
});

describe('/access/jwt sign-in', () => {
  it('creates an unknown user as a verified end user, sets the session cookie and lands on /hc', async () => {
    const answer = await postJwt(signJwt(freshClaims({ external_id: 'emp-1' }), secret));
    expect(answer.status, answer.text).toBe(302);
    expect(answer.location).toBe(`${base}/hc`);
    expect(answer.setCookie).toMatch(/^_zendesk_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);

    const user = await userByEmail('ada@example.com');
    expect(user).toMatchObject({
      name: 'Ada Lovelace',
      role: 'end-user',
      external_id: 'emp-1',
      verified: true,
    });
    expect(user.last_login_at).not.toBeNull();

    const page = await visit('/hc', {}, cookieOf(answer));
    expectPage(page, 200);
    expect(page.text).toContain('Signed in as <span data-testid="signed-in-email">ada@example.com</span>');
    expect(testId(page.text, 'signed-in-email')).toBe('ada@example.com');
    expect(testId(page.text, 'signed-in-user-id')).toBe(String(user.id));
    expect(testId(page.text, 'signed-in-role')).toBe('end-user');

    // An end user has no Agent Workspace.
    const agent = await visit('/agent/tickets', {}, cookieOf(answer));
    expect(agent.status).toBe(302);
    expect(agent.location).toBe('/hc');

    expect((await events()).at(-1)).toMatchObject({
      outcome: 'signed-in',
      email: 'ada@example.com',
      userId: user.id,
    });
    const sessions = (await h.admin.control('GET', 'sso/sessions')).body.sessions;
    expect(sessions).toEqual([
      expect.objectContaining({ userId: user.id, email: 'ada@example.com', role: 'end-user' }),
    ]);
  });

  it('signs a team member in by GET and follows a return_to on its own origin', async () => {
    const id = await createUser({ name: 'Grace Hopper', email: 'grace@example.com', role: 'agent' });
    const token = signJwt(freshClaims({ name: 'Grace Hopper', email: 'GRACE@example.com' }), secret);
    const answer = await getJwt(token, `${base}/agent/tickets/7?view=open`);
    expect(answer.status, answer.text).toBe(302);
    expect(answer.location).toBe(`${base}/agent/tickets/7?view=open`);
    const page = await visit('/agent', {}, cookieOf(answer));
    expect(testId(page.text, 'signed-in-email')).toBe('grace@example.com');
    expect(testId(page.text, 'signed-in-user-id')).toBe(String(id));
    expect(testId(page.text, 'signed-in-role')).toBe('agent');
    expect(page.text).toMatch(/Signed in as <span[^>]*>grace@example.com<\/span>/);
  });

  it.each([
    ['another origin', 'https://evil.example/steal', '/agent'],
    ['a scheme-relative URL', '//evil.example/steal', '/agent'],
    ['a javascript: URL', 'javascript:alert(1)', '/agent'],
    ['a relative path', '/agent/tickets/1', '/agent/tickets/1'],
  ])('with return_to on %s redirects to %s', async (_name, returnTo, expected) => {
    await createUser({ name: 'Ada Lovelace', email: 'ada@example.com', role: 'admin' });
    const answer = await postJwt(signJwt(freshClaims(), secret), returnTo);
    expect(answer.status).toBe(302);
    expect(answer.location).toBe(`${base}${expected}`);
  });

  it('matches external_id first, updating name and primary email', async () => {
    const id = await createUser({
      name: 'Alan',
      email: 'alan@example.com',
      external_id: 'emp-42',
      role: 'agent',
    });
    const other = await createUser({ name: 'Someone', email: 'someone@example.com' });
    const answer = await postJwt(
      signJwt(
        freshClaims({ name: 'Alan Turing', email: 'alan.turing@example.com', external_id: 'EMP-42' }),
        secret,
      ),
    );
    expect(answer.status, answer.text).toBe(302);
    const user = (await h.admin.get(`/api/v2/users/${id}.json`)).body.user;
    expect(user).toMatchObject({
      name: 'Alan Turing',
      email: 'alan.turing@example.com',
      external_id: 'emp-42',
    });
    const identities = (await h.admin.get(`/api/v2/users/${id}/identities.json`)).body.identities;
    expect(
      identities.filter((i: { primary: boolean }) => i.primary).map((i: { value: string }) => i.value),
    ).toEqual(['alan.turing@example.com']);
    // Matched by external id, the email of another user is refused rather than taken from them.
    const clash = await postJwt(
      signJwt(freshClaims({ name: 'Alan', email: 'someone@example.com', external_id: 'emp-42' }), secret),
    );
    expectPage(clash, 403);
    expect(clash.text).toContain('already being used by another user');
    expect((await h.admin.get(`/api/v2/users/${other}.json`)).body.user.email).toBe('someone@example.com');
  });

  it('matches a secondary email, adds a missing external_id and keeps it unless update_external_ids', async () => {
    const id = await createUser({ name: 'Bob', email: 'bob@example.com' });
    await h.admin.post(`/api/v2/users/${id}/identities.json`, {
      identity: { type: 'email', value: 'bob@work.example.com' },
    });
    const first = await postJwt(
      signJwt(freshClaims({ name: 'Bob', email: 'bob@work.example.com', external_id: 'b-1' }), secret),
    );
    expect(first.status).toBe(302);
    expect((await h.admin.get(`/api/v2/users/${id}.json`)).body.user).toMatchObject({
      external_id: 'b-1',
      email: 'bob@example.com',
    });

    const second = await postJwt(
      signJwt(freshClaims({ name: 'Bob', email: 'bob@example.com', external_id: 'b-2' }), secret),
    );
    expect(second.status).toBe(302);
    expect((await h.admin.get(`/api/v2/users/${id}.json`)).body.user.external_id).toBe('b-1');

    await h.admin.control('PUT', 'sso', {
      configurations: [
        {
          name: 'IdP',
          sharedSecret: secret,
          remoteLoginUrl: loginUrl,
          teamMembers: true,
          endUsers: true,
          active: true,
          updateExternalIds: true,
        },
      ],
    });
    const third = await postJwt(
      signJwt(freshClaims({ name: 'Bob', email: 'bob@example.com', external_id: 'b-2' }), secret),
    );
    expect(third.status).toBe(302);
    expect((await h.admin.get(`/api/v2/users/${id}.json`)).body.user.external_id).toBe('b-2');
  });

  it('records profile changes like API writes: updated_at moves and the incremental export lists them', async () => {
    const id = await createUser({ name: 'Carol', email: 'carol@example.com' });
    const before = (await h.admin.get(`/api/v2/users/${id}.json`)).body.user.updated_at;
    const offset = 10 * 60_000;
    await h.admin.control('PUT', 'config', { clockOffsetMs: offset });
    const changedAt = Math.floor((Date.now() + offset) / 1000);
    const answer = await postJwt(
      signJwt(freshClaims({ name: 'Carol Shaw', email: 'carol@example.com' }, offset), secret),
    );
    expect(answer.status).toBe(302);
    const after = (await h.admin.get(`/api/v2/users/${id}.json`)).body.user;
    expect(after.name).toBe('Carol Shaw');
    expect(Date.parse(after.updated_at)).toBeGreaterThan(Date.parse(before));
    // The export leaves out the last minute: look from later on.
    await h.admin.control('PUT', 'config', { clockOffsetMs: offset + 5 * 60_000 });
    const exported = await h.admin.get(`/api/v2/incremental/users/cursor.json?start_time=${changedAt - 1}`);
    expect(exported.status, exported.text).toBe(200);
    expect(exported.body.users.map((u: { id: number; name: string }) => [u.id, u.name])).toContainEqual([
      id,
      'Carol Shaw',
    ]);
  });

  it('escapes values on the signed-in page', async () => {
    const answer = await postJwt(signJwt(freshClaims({ name: '<script>alert(1)</script>' }), secret));
    const page = await visit('/hc', {}, cookieOf(answer));
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('/agent and /hc without a session', () => {
  it('redirect to the remote login URL with return_to, keeping its own query', async () => {
    const agent = await visit('/agent/tickets/3?x=1');
    expect(agent.status).toBe(302);
    const target = new URL(agent.location ?? '');
    expect(`${target.origin}${target.pathname}`).toBe('https://idp.example.test/zendesk/sso');
    expect(target.searchParams.get('tenant')).toBe('acme');
    expect(target.searchParams.get('return_to')).toBe(`${base}/agent/tickets/3?x=1`);
    const hc = await visit('/hc');
    expect(new URL(hc.location ?? '').searchParams.get('return_to')).toBe(`${base}/hc`);
  });

  it('use the configuration of each audience, and the sign-in page where none applies', async () => {
    await h.admin.control('PUT', 'sso', {
      configurations: [
        {
          name: 'Staff',
          sharedSecret: secret,
          remoteLoginUrl: 'https://staff.example.test/sso',
          teamMembers: true,
          endUsers: false,
          active: true,
        },
        {
          name: 'Old',
          sharedSecret: secret,
          remoteLoginUrl: 'https://old.example.test/sso',
          teamMembers: false,
          endUsers: true,
          active: false,
        },
      ],
    });
    expect((await visit('/agent')).location).toMatch(/^https:\/\/staff\.example\.test\/sso\?return_to=/);
    const hc = await visit('/hc/en-us');
    expectPage(hc, 200);
    expect(hc.text).toContain('Sign in to');
  });

  it('ignore an unknown session cookie', async () => {
    const agent = await visit('/agent', {}, '_zendesk_session=forged');
    expect(agent.status).toBe(302);
    expect(agent.location).toMatch(/^https:\/\/idp\.example\.test\//);
  });
});

describe('/access/logout', () => {
  it('ends the session and redirects to the remote logout URL with email and external_id', async () => {
    const signedIn = await postJwt(signJwt(freshClaims({ external_id: 'emp-9' }), secret));
    const cookie = cookieOf(signedIn);
    const out = await visit('/access/logout', {}, cookie);
    expect(out.status).toBe(302);
    const target = new URL(out.location ?? '');
    expect(`${target.origin}${target.pathname}`).toBe(logoutUrl);
    expect(target.searchParams.get('email')).toBe('ada@example.com');
    expect(target.searchParams.get('external_id')).toBe('emp-9');
    expect(out.setCookie).toContain('Max-Age=0');
    expect((await h.admin.control('GET', 'sso/sessions')).body.sessions).toEqual([]);
    expect((await visit('/hc', {}, cookie)).status).toBe(302);
  });

  it('shows a signed-out page without a remote logout URL', async () => {
    await h.admin.control('PUT', 'sso', {
      configurations: [
        {
          name: 'IdP',
          sharedSecret: secret,
          remoteLoginUrl: loginUrl,
          teamMembers: true,
          endUsers: true,
          active: true,
        },
      ],
    });
    const cookie = cookieOf(await postJwt(signJwt(freshClaims(), secret)));
    const out = await visit('/access/logout', {}, cookie);
    expectPage(out, 200);
    expect(out.text).toContain('Signed out');
  });

  it('loses the session of a user suspended since', async () => {
    const cookie = cookieOf(await postJwt(signJwt(freshClaims(), secret)));
    const user = await userByEmail('ada@example.com');
    await h.admin.put(`/api/v2/users/${user.id}.json`, { user: { suspended: true } });
    expect((await visit('/hc', {}, cookie)).status).toBe(302);
  });
});

describe('GET /api/v2/remote_authentications', () => {
  it('lists the configurations in Zendesk shape to admins, secrets masked', async () => {
    const answer = await h.admin.get('/api/v2/remote_authentications.json');
    expect(answer.status).toBe(200);
    expect(answer.body.remote_authentications).toEqual([
      {
        id: expect.any(Number),
        name: 'JWT',
        label: '',
        auth_mode: 3,
        auth_mode_name: 'jwt',
        agent: true,
        end_user: true,
        agent_primary: true,
        end_user_primary: true,
        is_active: true,
        remote_login_url: loginUrl,
        remote_logout_url: logoutUrl,
        masked_secret: `${secret.slice(0, 6)}${'*'.repeat(42)}`,
        priority: 1,
        ip_ranges: null,
        update_external_ids: false,
        can_display_button_to_team_members: false,
        can_display_button_to_end_users: false,
      },
    ]);
    expect(answer.text).not.toContain(secret);
  });

  it('is for admins only', async () => {
    await createUser({ name: 'Agent', email: 'agent@example.com', role: 'agent', verified: true });
    const agent = h.admin.as(TestClient.basic('agent@example.com', h.emulator.apiToken));
    const answer = await agent.get('/api/v2/remote_authentications.json');
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('Forbidden');
    expect((await h.admin.as(null).get('/api/v2/remote_authentications.json')).status).toBe(401);
  });
});

describe('control plane /__emulator/sso', () => {
  const valid = {
    name: 'IdP',
    sharedSecret: secret,
    remoteLoginUrl: loginUrl,
    teamMembers: true,
    endUsers: true,
    active: true,
  };

  it('shows configurations with the secret masked and replaces them all', async () => {
    const shown = await h.admin.control('GET', 'sso');
    expect(shown.body.configurations).toEqual([
      expect.objectContaining({
        name: 'JWT',
        maskedSecret: `${secret.slice(0, 6)}${'*'.repeat(42)}`,
        remoteLogoutUrl: logoutUrl,
        active: true,
      }),
    ]);
    expect(shown.text).not.toContain(secret);
    const put = await h.admin.control('PUT', 'sso', {
      configurations: [valid, { ...valid, name: 'Spare', teamMembers: false, endUsers: false }],
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body.configurations.map((c: { name: string }) => c.name)).toEqual(['IdP', 'Spare']);
    expect(put.body.configurations[0]).toMatchObject({ remoteLogoutUrl: null, updateExternalIds: false });
    expect(put.text).not.toContain(secret);
  });

  it.each([
    [
      { configurations: [{ ...valid, sharedSecret: 'short' }] },
      'configurations.0.sharedSecret: must be at least 16 characters',
    ],
    [
      { configurations: [{ ...valid, remoteLoginUrl: 'idp.example.test/sso' }] },
      'configurations.0.remoteLoginUrl: must be an absolute http(s) URL',
    ],
    [
      { configurations: [{ ...valid, remoteLogoutUrl: 'ftp://x.example.test/' }] },
      'configurations.0.remoteLogoutUrl',
    ],
    [{ configurations: [{ ...valid, active: 'yes' }] }, 'configurations.0.active'],
    [{ configurations: [{ ...valid, colour: 'blue' }] }, 'configurations.0'],
    [{}, 'configurations'],
    [
      { configurations: [valid, { ...valid, name: 'Second', endUsers: false }] },
      'only one active configuration may be assigned to team members',
    ],
    [
      { configurations: [valid, { ...valid, name: 'Second', teamMembers: false }] },
      'only one active configuration may be assigned to end users',
    ],
  ])('refuses %j naming the problem', async (body, message) => {
    const answer = await h.admin.control('PUT', 'sso', body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('InvalidSsoConfiguration');
    expect(answer.body.description).toContain(message);
    expect(
      (await h.admin.control('GET', 'sso')).body.configurations.map((c: { name: string }) => c.name),
    ).toEqual(['JWT']);
  });

  it('is reset to the start-up configuration, without sessions or events', async () => {
    await postJwt(signJwt(freshClaims(), secret));
    await h.admin.control('PUT', 'sso', { configurations: [] });
    await h.admin.control('POST', 'reset');
    const shown = (await h.admin.control('GET', 'sso')).body.configurations;
    expect(shown.map((c: { name: string }) => c.name)).toEqual(['JWT']);
    expect(await events()).toEqual([]);
    expect((await h.admin.control('GET', 'sso/sessions')).body.sessions).toEqual([]);
  });
});

describe('start-up options and the data file', () => {
  it('refuses a bad sso option naming it', async () => {
    await expect(
      startZendeskEmulator({ port: 0, sso: { jwt: { sharedSecret: 'short', remoteLoginUrl: 'nope' } } }),
    ).rejects.toThrow(
      /sso\.jwt\.sharedSecret: must be at least 16.*sso\.jwt\.remoteLoginUrl: must be an absolute/,
    );
  });

  it('keeps configurations and spent token ids across a restart, not sessions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zendesk-sso-'));
    const dataFile = join(dir, 'state.json');
    try {
      const first = await startZendeskEmulator({ port: 0, dataFile });
      const control = new TestClient(first.url, null);
      await control.control('PUT', 'sso', {
        configurations: [
          {
            name: 'Kept',
            sharedSecret: secret,
            remoteLoginUrl: loginUrl,
            teamMembers: true,
            endUsers: true,
            active: true,
          },
        ],
      });
      const token = signJwt(freshClaims(), secret);
      const signedIn = await fetch(`${first.url}/access/jwt?jwt=${token}`, { redirect: 'manual' });
      expect(signedIn.status).toBe(302);
      const cookie = signedIn.headers.get('set-cookie')?.split(';')[0] ?? '';
      await first.close();

      const second = await startZendeskEmulator({ port: 0, dataFile });
      try {
        const again = new TestClient(second.url, null);
        expect(
          (await again.control('GET', 'sso')).body.configurations.map((c: { name: string }) => c.name),
        ).toEqual(['Kept']);
        const replay = await fetch(`${second.url}/access/jwt?jwt=${token}`, { redirect: 'manual' });
        expect(replay.status).toBe(401);
        expect(await replay.text()).toContain('Token has already been used');
        const hc = await fetch(`${second.url}/hc`, { redirect: 'manual', headers: { cookie } });
        expect(hc.status).toBe(302);
      } finally {
        await second.close();
      }

      // Options (the --sso-* flags) given at start-up replace the file's configurations; spent ids stay.
      const third = await startZendeskEmulator({
        port: 0,
        dataFile,
        sso: { jwt: { sharedSecret: secret, remoteLoginUrl: 'https://flags.example.test/sso' } },
      });
      try {
        const shown = (await new TestClient(third.url, null).control('GET', 'sso')).body.configurations;
        expect(shown).toEqual([
          expect.objectContaining({ name: 'JWT', remoteLoginUrl: 'https://flags.example.test/sso' }),
        ]);
        expect((await fetch(`${third.url}/access/jwt?jwt=${token}`, { redirect: 'manual' })).status).toBe(
          401,
        );
      } finally {
        await third.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
