/**
 * Who may call `provisio serve`, over real HTTP: the local administrator's first run, console
 * sessions (cookie flags, CSRF, sign-out, idle and absolute timeouts on an injected clock), sign-in
 * rate limiting, password changes, and API tokens through the CLI (as subprocesses) and the API.
 * docs/security.md
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Clock, systemClock } from '@provisio/engine';
import { INSTALLATION_AUDIT_ID } from '@provisio/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bin, killChildren, spawnCli } from './support/cli.js';
import { type ServeHarness, startServeHarness } from './support/serve.js';

const ADMIN_PASSWORD = 'first-run password 2026';

/** A clock the test moves: sessions' timeouts are checked without waiting. */
function controllableClock(start = Date.parse('2026-03-01T09:00:00Z')) {
  let now = start;
  const clock: Clock = { now: () => new Date(now), sleep: (ms, signal) => systemClock.sleep(ms, signal) };
  return {
    clock,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Text written to a stream (the console the generated password is shown on). */
function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

interface Session {
  cookie: string;
  csrfToken: string;
  setCookie: string;
}

async function signIn(h: ServeHarness, username: string, password: string): Promise<Response> {
  return h.call('/provisio/v1/auth/signin', { method: 'POST', token: null, json: { username, password } });
}

async function session(h: ServeHarness, password = ADMIN_PASSWORD): Promise<Session> {
  const response = await signIn(h, 'admin', password);
  expect(response.status).toBe(200);
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('provisio_session=')) ?? '';
  const body = (await response.json()) as { csrfToken: string };
  return { cookie: setCookie.split(';')[0] ?? '', csrfToken: body.csrfToken, setCookie };
}

/** A call with the session's cookie (and its CSRF token when `csrf`). */
function withSession(
  h: ServeHarness,
  s: Session,
  path: string,
  init: RequestInit & { json?: unknown; csrf?: boolean } = {},
) {
  const { csrf, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set('cookie', s.cookie);
  if (csrf === true) headers.set('x-csrf-token', s.csrfToken);
  return h.call(path, { ...rest, headers, token: null });
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

afterEach(() => killChildren());

describe('console sessions of the local administrator', () => {
  let h: ServeHarness;
  const time = controllableClock();
  const consoleOutput = capture();
  beforeAll(async () => {
    h = await startServeHarness({
      env: { PROVISIO_ADMIN_PASSWORD: ADMIN_PASSWORD },
      clock: time.clock,
      consoleOutput: consoleOutput.stream,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates admin with the password of PROVISIO_ADMIN_PASSWORD, which signs in; the password is never logged', async () => {
    expect(consoleOutput.text()).toBe('');
    const account = await h.running.store.getLocalAccount('admin');
    expect(account?.role).toBe('Administrator');
    expect(account?.passwordHash).toMatch(/^\$scrypt\$/);
    const response = await signIn(h, 'admin', ADMIN_PASSWORD);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: unknown; csrfToken: string; expiresAt: string };
    expect(body.user).toEqual({ name: 'admin', role: 'Administrator', method: 'local' });
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.expiresAt).toBe('2026-03-01T21:00:00.000Z');
    expect(h.logs()).toContain('local administrator created with the password of PROVISIO_ADMIN_PASSWORD');
    expect(h.logs()).not.toContain(ADMIN_PASSWORD);
  });

  it('sets an HTTP-only, SameSite=Strict session cookie, not Secure over http, holding 32 random bytes', async () => {
    const s = await session(h);
    const attributes = s.setCookie.split(';').map((part) => part.trim().toLowerCase());
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=strict');
    expect(attributes).toContain('path=/');
    expect(attributes).not.toContain('secure');
    const id = s.cookie.slice('provisio_session='.length);
    expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    // Only the id's hash is stored.
    const idHash = createHash('sha256').update(id).digest('hex');
    const record = await h.running.store.getSession(idHash);
    expect(record?.subject).toBe('admin');
    expect(JSON.stringify(record)).not.toContain(id);
    expect(JSON.stringify(record)).not.toContain(s.csrfToken);
    // Neither the session id nor its CSRF token reaches a log line.
    expect((await withSession(h, s, '/provisio/v1/auth/session')).status).toBe(200);
    expect(h.logs()).not.toContain(id);
    expect(h.logs()).not.toContain(s.csrfToken);
  });

  it('authenticates calls with the session, and tells the console who is signed in', async () => {
    const s = await session(h);
    const who = await withSession(h, s, '/provisio/v1/auth/session');
    expect(who.status).toBe(200);
    expect(await who.json()).toEqual({
      user: { name: 'admin', role: 'Administrator', method: 'local' },
      csrfToken: s.csrfToken,
      expiresAt: expect.any(String),
    });
    expect((await withSession(h, s, '/metrics')).status).toBe(200);
    const nobody = await h.call('/provisio/v1/auth/session', { token: null });
    expect(nobody.status).toBe(401);
  });

  it('refuses an unsafe call of a session without its CSRF token (403), and accepts it with the token', async () => {
    const s = await session(h);
    const json = { name: 'from the console', role: 'Reader' };
    const without = await withSession(h, s, '/provisio/v1/tokens', { method: 'POST', json });
    expect(without.status).toBe(403);
    expect((await errorOf(without)).message).toContain('X-CSRF-Token');
    const wrong = await withSession(h, s, '/provisio/v1/tokens', {
      method: 'POST',
      json,
      headers: { 'x-csrf-token': 'not-the-token' },
    });
    expect(wrong.status).toBe(403);
    const right = await withSession(h, s, '/provisio/v1/tokens', { method: 'POST', json, csrf: true });
    expect(right.status).toBe(201);
    // A bearer call needs no CSRF token, even with a cookie alongside.
    const bearer = await h.call('/provisio/v1/tokens', {
      method: 'POST',
      json,
      headers: { cookie: s.cookie },
    });
    expect(bearer.status).toBe(201);
  });

  it('ends the session at sign-out and removes the cookie', async () => {
    const s = await session(h);
    const withoutCsrf = await withSession(h, s, '/provisio/v1/auth/signout', { method: 'POST' });
    expect(withoutCsrf.status).toBe(403);
    const out = await withSession(h, s, '/provisio/v1/auth/signout', { method: 'POST', csrf: true });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join('\n')).toMatch(/provisio_session=; .*Max-Age=0/);
    const after = await withSession(h, s, '/provisio/v1/auth/session');
    expect(after.status).toBe(401);
    expect((await errorOf(after)).message).toContain('Sign in again');
  });

  it('ends a session after 30 minutes without a request, sliding with each request', async () => {
    const s = await session(h);
    for (let i = 0; i < 4; i++) {
      time.advance(29 * 60_000);
      expect((await withSession(h, s, '/provisio/v1/auth/session')).status, `after ${(i + 1) * 29} min`).toBe(
        200,
      );
    }
    time.advance(30 * 60_000);
    const idle = await withSession(h, s, '/provisio/v1/auth/session');
    expect(idle.status).toBe(401);
    expect((await errorOf(idle)).message).toContain('30 minutes without activity');
    expect(idle.headers.getSetCookie().join('\n')).toContain('Max-Age=0');
  });

  it('ends a session 12 hours after sign-in however active', async () => {
    const s = await session(h);
    let elapsed = 0;
    while (elapsed + 25 * 60_000 < 12 * 3_600_000) {
      time.advance(25 * 60_000);
      elapsed += 25 * 60_000;
      expect(
        (await withSession(h, s, '/provisio/v1/auth/session')).status,
        `after ${elapsed / 60_000} min`,
      ).toBe(200);
    }
    time.advance(12 * 3_600_000 - elapsed);
    const expired = await withSession(h, s, '/provisio/v1/auth/session');
    expect(expired.status).toBe(401);
    expect((await errorOf(expired)).message).toContain('12 hours after sign-in');
  });

  it('records sign-ins and sign-outs in the audit log, without passwords', async () => {
    const audit = await h.running.store.listAudit(INSTALLATION_AUDIT_ID, 100);
    expect(
      audit.some(
        (r) => r.activity === 'Sign in' && r.result === 'success' && r.initiatedBy === 'local:admin',
      ),
    ).toBe(true);
    expect(audit.some((r) => r.activity === 'Sign out')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(ADMIN_PASSWORD);
  });
});

describe('sign-in failures', () => {
  let h: ServeHarness;
  beforeAll(async () => {
    h = await startServeHarness({
      env: { PROVISIO_ADMIN_PASSWORD: ADMIN_PASSWORD },
      consoleOutput: capture().stream,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers a wrong password and an unknown user alike (401), and the 11th attempt in a minute with 429', async () => {
    const wrong = await signIn(h, 'admin', 'not the password at all');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie()).toEqual([]);
    const wrongError = await errorOf(wrong);
    const unknown = await signIn(h, 'nobody', 'not the password at all');
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).message).toBe(wrongError.message);
    for (let attempt = 3; attempt <= 10; attempt++)
      expect((await signIn(h, 'admin', `wrong ${attempt}`)).status, `attempt ${attempt}`).toBe(401);
    // The 11th: refused before the password is looked at, even the right one.
    const limited = await signIn(h, 'admin', ADMIN_PASSWORD);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const error = await errorOf(limited);
    expect(error.code).toBe('TooManyRequests');
    expect(error.message).toContain('Too many sign-in attempts');
    // Other routes are not rate-limited.
    for (let i = 0; i < 15; i++) expect((await h.call('/healthz', { token: null })).status).toBe(200);
    const audit = await h.running.store.listAudit(INSTALLATION_AUDIT_ID, 100);
    const failures = audit.filter((r) => r.activity === 'Sign in' && r.result === 'failure');
    expect(failures).toHaveLength(10);
    expect(JSON.stringify(audit)).not.toContain('not the password at all');
    expect(h.logs()).not.toContain('not the password at all');
  });
});

describe('changing the password', () => {
  let h: ServeHarness;
  beforeAll(async () => {
    h = await startServeHarness({
      env: { PROVISIO_ADMIN_PASSWORD: ADMIN_PASSWORD },
      consoleOutput: capture().stream,
      // Reached over https (a TLS-terminating proxy in front): the cookie is Secure.
      publicUrl: 'https://provisio.example.com',
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('needs the current password and a long enough new one, ends the other sessions and renews the caller’s', async () => {
    const other = await session(h);
    expect(other.setCookie.split(';').map((part) => part.trim())).toContain('Secure');
    const s = await session(h);
    const change = (json: unknown) =>
      withSession(h, s, '/provisio/v1/auth/password', { method: 'POST', json, csrf: true });
    const wrongCurrent = await change({
      currentPassword: 'not it at all',
      newPassword: 'a new passphrase 2026',
    });
    expect(wrongCurrent.status).toBe(400);
    expect((await errorOf(wrongCurrent)).message).toContain('currentPassword');
    const short = await change({ currentPassword: ADMIN_PASSWORD, newPassword: 'short' });
    expect(short.status).toBe(400);
    expect((await errorOf(short)).message).toContain('newPassword');
    const changed = await change({ currentPassword: ADMIN_PASSWORD, newPassword: 'a new passphrase 2026' });
    expect(changed.status).toBe(200);
    const renewed = changed.headers.getSetCookie().find((c) => c.startsWith('provisio_session=')) ?? '';
    const body = (await changed.json()) as { csrfToken: string };
    const next: Session = {
      cookie: renewed.split(';')[0] ?? '',
      csrfToken: body.csrfToken,
      setCookie: renewed,
    };
    expect(next.cookie).not.toBe(s.cookie);
    expect((await withSession(h, next, '/provisio/v1/auth/session')).status).toBe(200);
    expect((await withSession(h, s, '/provisio/v1/auth/session')).status).toBe(401);
    expect((await withSession(h, other, '/provisio/v1/auth/session')).status).toBe(401);
    expect((await signIn(h, 'admin', ADMIN_PASSWORD)).status).toBe(401);
    expect((await signIn(h, 'admin', 'a new passphrase 2026')).status).toBe(200);
    expect(h.logs()).not.toContain('a new passphrase 2026');
  });

  it('refuses a password change to a caller that is not a local session', async () => {
    const response = await h.call('/provisio/v1/auth/password', {
      method: 'POST',
      json: { currentPassword: 'whatever it is', newPassword: 'a new passphrase 2027' },
    });
    expect(response.status).toBe(403);
  });
});

describe('a generated password for the local administrator', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provisio-serve-admin-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is shown once on the console, never in the logs, signs in, and is not shown again', async () => {
    const first = capture();
    const key = { PROVISIO_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') };
    let h = await startServeHarness({ dir, env: key, consoleOutput: first.stream });
    let password: string;
    try {
      const match = /password: {2}(\S+)/.exec(first.text());
      expect(match, first.text()).not.toBeNull();
      password = match?.[1] ?? '';
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(first.text()).toContain('shown once');
      expect(first.text().split(password)).toHaveLength(2);
      expect(h.logs()).not.toContain(password);
      expect(h.logs()).toContain('generated password');
      expect((await signIn(h, 'admin', password)).status).toBe(200);
    } finally {
      await h.close();
    }
    // The next start keeps the account: nothing is shown, and PROVISIO_ADMIN_PASSWORD is not used.
    const second = capture();
    h = await startServeHarness({
      dir,
      env: { ...key, PROVISIO_ADMIN_PASSWORD: 'too late for this one' },
      consoleOutput: second.stream,
    });
    try {
      expect(second.text()).toBe('');
      expect(h.logs()).toContain('PROVISIO_ADMIN_PASSWORD is set but the local administrator exists already');
      expect((await signIn(h, 'admin', 'too late for this one')).status).toBe(401);
      expect((await signIn(h, 'admin', password)).status).toBe(200);
      expect(h.logs()).not.toContain(password);
    } finally {
      await h.close();
    }
  });

  it('refuses to start with a PROVISIO_ADMIN_PASSWORD shorter than 12 characters', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'provisio-serve-admin-'));
    try {
      await expect(
        startServeHarness({
          dir: fresh,
          env: { PROVISIO_ADMIN_PASSWORD: 'short' },
          consoleOutput: capture().stream,
        }),
      ).rejects.toThrow(/PROVISIO_ADMIN_PASSWORD: the password must be at least 12 characters/);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});

/** The CLI with input on standard input (spawnCli's children have none). */
function runWithInput(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, input: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

// Each CLI subprocess loads the compiled command (a few seconds on a busy machine).
describe('API tokens and the administrator password from the CLI', { timeout: 90_000 }, () => {
  let h: ServeHarness;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    h = await startServeHarness({
      env: { PROVISIO_ADMIN_PASSWORD: ADMIN_PASSWORD },
      consoleOutput: capture().stream,
    });
    env = { ...process.env, DATABASE_URL: h.env['DATABASE_URL'] ?? '' };
    delete env['PROVISIO_ADMIN_PASSWORD'];
  });
  afterAll(async () => {
    await h?.close();
  });

  it('tokens create prints a token once that authenticates with its role; list never shows it; revoke ends it', async () => {
    const created = await spawnCli(['tokens', 'create', '--name', 'ci pipeline', '--role', 'Operator'], {
      cwd: h.dir,
      env,
    }).finished;
    expect(created.code, created.stderr).toBe(0);
    const token = /\b(pvo_[A-Za-z0-9_-]+)/.exec(created.stdout)?.[1] ?? '';
    expect(token).not.toBe('');
    const id = /id ([0-9a-f-]{36})/.exec(created.stdout)?.[1] ?? '';

    const who = await h.call('/provisio/v1/auth/session', { token });
    expect(await who.json()).toEqual({ user: { name: 'ci pipeline', role: 'Operator', method: 'token' } });
    expect((await h.call('/metrics', { token })).status).toBe(200);
    const tooHigh = await h.call('/provisio/v1/tokens', { token });
    expect(tooHigh.status).toBe(403);
    expect((await errorOf(tooHigh)).message).toContain('Operator');

    const hash = createHash('sha256').update(token).digest('hex');
    const outputs: Record<string, string> = {};
    for (const format of ['table', 'json']) {
      const listed = await spawnCli(['tokens', 'list', '--format', format], { cwd: h.dir, env }).finished;
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain(id);
      expect(listed.stdout).toContain('ci pipeline');
      expect(listed.stdout).not.toContain(token);
      expect(listed.stdout).not.toContain(token.slice(4, 20));
      expect(listed.stdout).not.toContain(hash);
      outputs[format] = listed.stdout;
    }
    const rows = JSON.parse(outputs['json'] ?? '[]') as {
      id: string;
      lastUsedAt: string | null;
      revokedAt: string | null;
    }[];
    const row = rows.find((r) => r.id === id);
    expect(row?.lastUsedAt).not.toBeNull();
    expect(row?.revokedAt).toBeNull();

    const revoked = await spawnCli(['tokens', 'revoke', id], { cwd: h.dir, env }).finished;
    expect(revoked.code, revoked.stderr).toBe(0);
    const refused = await h.call('/metrics', { token });
    expect(refused.status).toBe(401);
    expect((await errorOf(refused)).message).toContain('revoked');
    const again = await spawnCli(['tokens', 'revoke', id], { cwd: h.dir, env }).finished;
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('does not exist or was revoked already');
    expect(h.logs()).not.toContain(token);
  });

  it('refuses tokens create without a valid role', async () => {
    const result = await spawnCli(['tokens', 'create', '--name', 'x', '--role', 'Owner'], { cwd: h.dir, env })
      .finished;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Administrator, Operator, Reader');
  });

  it('creates, lists and revokes tokens over the API, for Administrators', async () => {
    const created = await h.call('/provisio/v1/tokens', {
      method: 'POST',
      json: { name: 'terraform', role: 'Reader' },
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; token: string; role: string };
    expect(body.token).toMatch(/^pvo_/);
    expect(body.role).toBe('Reader');
    expect((await h.call('/metrics', { token: body.token })).status).toBe(200);
    const list = await h.call('/provisio/v1/tokens');
    const text = await list.text();
    expect(text).toContain(body.id);
    expect(text).not.toContain(body.token);
    expect(text).not.toContain(createHash('sha256').update(body.token).digest('hex'));
    expect((await h.call(`/provisio/v1/tokens/${body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.call('/metrics', { token: body.token })).status).toBe(401);
    expect((await h.call(`/provisio/v1/tokens/${body.id}`, { method: 'DELETE' })).status).toBe(404);
    const bad = await h.call('/provisio/v1/tokens', { method: 'POST', json: { name: 'x', role: 'Owner' } });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain('role');
  });

  it('admin reset-password sets a new password (from standard input, or generated and printed once) and ends sessions', async () => {
    const s = await session(h);
    const fromStdin = await runWithInput(
      ['admin', 'reset-password', '--password-stdin'],
      env,
      h.dir,
      'a reset passphrase 2026\n',
    );
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(fromStdin.stdout).not.toContain('a reset passphrase 2026');
    expect((await withSession(h, s, '/provisio/v1/auth/session')).status).toBe(401);
    expect((await signIn(h, 'admin', 'a reset passphrase 2026')).status).toBe(200);

    const tooShort = await runWithInput(
      ['admin', 'reset-password', '--password-stdin'],
      env,
      h.dir,
      'short\n',
    );
    expect(tooShort.code).toBe(2);
    expect(tooShort.stderr).toContain('at least 12 characters');

    const generated = await spawnCli(['admin', 'reset-password'], { cwd: h.dir, env }).finished;
    expect(generated.code, generated.stderr).toBe(0);
    const password = /\n {2}(\S{24})\n/.exec(generated.stdout)?.[1] ?? '';
    expect(password).not.toBe('');
    expect((await signIn(h, 'admin', password)).status).toBe(200);
    expect((await signIn(h, 'admin', 'a reset passphrase 2026')).status).toBe(401);
  });
});
