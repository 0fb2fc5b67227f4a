/**
 * The console's Applications list and local accounts over HTTP (docs/api.md#applications,
 * docs/api.md#local-accounts): every job with its domain; adding an account with a one-time
 * password that signs in, changing its role (its sessions end when demoted), removing it; the last
 * Administrator and one's own role kept; each refusal naming why; Readers and Operators refused.
 */
import { randomUUID } from 'node:crypto';
import { INSTALLATION_AUDIT_ID } from '@provisio/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeHarness, startServeHarness } from './support/serve.js';

const ADMIN_PASSWORD = 'accounts-test-Passw0rd!';

let s: ServeHarness;

beforeAll(async () => {
  s = await startServeHarness({ env: { PROVISIO_ADMIN_PASSWORD: ADMIN_PASSWORD } });
});
afterAll(async () => {
  await s?.close();
});

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (text === '' ? null : JSON.parse(text)) as T;
}

interface GraphError {
  error: { code: string; message: string; details?: { target?: string; message: string }[] };
}

interface Account {
  username: string;
  role: string;
  createdDateTime: string;
  lastSignInDateTime: string | null;
  password?: string;
}

interface Session {
  cookie: string;
  csrfToken: string;
}

async function signIn(username: string, password: string): Promise<Session> {
  const response = await s.call('/provisio/v1/auth/signin', {
    method: 'POST',
    token: null,
    json: { username, password },
  });
  const body = await json<{ csrfToken: string }>(response, 200);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('provisio_session=')) ?? '';
  return { cookie: cookie.split(';')[0] ?? '', csrfToken: body.csrfToken };
}

function asSession(session: Session, path: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  headers.set('cookie', session.cookie);
  if ((init.method ?? 'GET') !== 'GET') headers.set('x-csrf-token', session.csrfToken);
  return s.call(path, { ...init, headers, token: null });
}

describe('GET /provisio/v1/applications', () => {
  it('lists every job of every service principal with its domain, as Graph shows the job', async () => {
    const spA = randomUUID();
    const spB = randomUUID();
    const create = async (sp: string) =>
      (
        await json<{ id: string }>(
          await s.call(`/v1.0/servicePrincipals/${sp}/synchronization/jobs`, {
            method: 'POST',
            json: { templateId: 'zendesk', schedule: { interval: 'PT15M' } },
          }),
          201,
        )
      ).id;
    const jobA = await create(spA);
    const jobB = await create(spB);
    await json(
      await s.call(`/v1.0/servicePrincipals/${spA}/synchronization/secrets`, {
        method: 'PUT',
        json: { value: [{ key: 'Domain', value: 'acme' }] },
      }),
      204,
    );
    const reader = await s.token('Reader');
    const { value } = await json<{
      value: { servicePrincipalId: string; domain: string | null; job: { id: string; status: unknown } }[];
    }>(await s.call('/provisio/v1/applications', { token: reader }), 200);
    const a = value.find((v) => v.job.id === jobA);
    const b = value.find((v) => v.job.id === jobB);
    expect(a).toMatchObject({ servicePrincipalId: spA, domain: 'acme' });
    expect(b).toMatchObject({ servicePrincipalId: spB, domain: null });
    const single = await json<unknown>(
      await s.call(`/v1.0/servicePrincipals/${spA}/synchronization/jobs/${jobA}`),
      200,
    );
    expect(a?.job).toEqual(single);
    expect(JSON.stringify(value)).not.toContain('SecretToken');
  });

  it('refuses anonymous callers', async () => {
    expect((await s.call('/provisio/v1/applications', { token: null })).status).toBe(401);
  });
});

describe('local accounts', () => {
  let admin: Session;

  beforeAll(async () => {
    admin = await signIn('admin', ADMIN_PASSWORD);
  });

  it('lists the accounts with their roles and never a password hash', async () => {
    const { value } = await json<{ value: Account[] }>(await s.call('/provisio/v1/accounts'), 200);
    const first = value.find((a) => a.username === 'admin');
    expect(first).toMatchObject({ role: 'Administrator' });
    expect(first?.lastSignInDateTime).toMatch(/^\d{4}-/);
    expect(JSON.stringify(value)).not.toContain('scrypt');
  });

  it('adds an account whose one-time password signs in, audited without the password', async () => {
    const created = await json<Account>(
      await s.call('/provisio/v1/accounts', { method: 'POST', json: { username: 'rita', role: 'Reader' } }),
      201,
    );
    expect(created).toMatchObject({ username: 'rita', role: 'Reader', lastSignInDateTime: null });
    expect(created.password?.length).toBeGreaterThanOrEqual(12);
    const rita = await signIn('rita', created.password ?? '');
    const me = await json<{ user: { name: string; role: string } }>(
      await asSession(rita, '/provisio/v1/auth/session'),
      200,
    );
    expect(me.user).toEqual({ name: 'rita', role: 'Reader', method: 'local' });
    const listed = await json<{ value: Account[] }>(await s.call('/provisio/v1/accounts'), 200);
    expect(listed.value.find((a) => a.username === 'rita')?.lastSignInDateTime).toMatch(/^\d{4}-/);
    expect(JSON.stringify(listed)).not.toContain(created.password);
    const audits = await json<{ value: { activityDisplayName: string; resultReason: string }[] }>(
      await s.call(
        `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`targetResources/any(t: t/id eq '${INSTALLATION_AUDIT_ID}') and activityDisplayName eq 'Add local account'`)}`,
      ),
      200,
    );
    expect(audits.value[0]?.resultReason).toContain('rita');
    expect(JSON.stringify(audits)).not.toContain(created.password);
  });

  it('refuses a bad user name naming the field, a taken one, and an unknown role', async () => {
    const bad = await json<GraphError>(
      await s.call('/provisio/v1/accounts', {
        method: 'POST',
        json: { username: 'no spaces', role: 'Reader' },
      }),
      400,
    );
    expect(bad.error.message).toContain('username');
    const taken = await json<GraphError>(
      await s.call('/provisio/v1/accounts', { method: 'POST', json: { username: 'RITA', role: 'Reader' } }),
      409,
    );
    expect(taken.error.message).toContain('rita');
    const role = await json<GraphError>(
      await s.call('/provisio/v1/accounts', { method: 'POST', json: { username: 'x', role: 'Owner' } }),
      400,
    );
    expect(role.error.message).toContain('role');
  });

  it("changes a role: promotion applies at once, demotion ends the account's sessions", async () => {
    const created = await json<Account>(
      await s.call('/provisio/v1/accounts', { method: 'POST', json: { username: 'omar', role: 'Reader' } }),
      201,
    );
    const omar = await signIn('omar', created.password ?? '');
    const promoted = await json<Account>(
      await asSession(admin, '/provisio/v1/accounts/omar', { method: 'PATCH', json: { role: 'Operator' } }),
      200,
    );
    expect(promoted.role).toBe('Operator');
    const me = await json<{ user: { role: string } }>(
      await asSession(omar, '/provisio/v1/auth/session'),
      200,
    );
    expect(me.user.role).toBe('Operator');
    await json(
      await asSession(admin, '/provisio/v1/accounts/omar', { method: 'PATCH', json: { role: 'Reader' } }),
      200,
    );
    expect((await asSession(omar, '/provisio/v1/auth/session')).status).toBe(401);
    const audits = await json<{
      value: {
        targetResources: {
          modifiedProperties: { displayName: string; oldValue: string; newValue: string }[];
        }[];
      }[];
    }>(
      await s.call(
        `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Change local account role'")}`,
      ),
      200,
    );
    expect(audits.value[0]?.targetResources[0]?.modifiedProperties).toEqual([
      { displayName: 'role', oldValue: '"Operator"', newValue: '"Reader"' },
    ]);
  });

  it('keeps the last Administrator and refuses changing your own role', async () => {
    const own = await json<GraphError>(
      await asSession(admin, '/provisio/v1/accounts/admin', { method: 'PATCH', json: { role: 'Reader' } }),
      400,
    );
    expect(own.error.message).toContain('your own role');
    const last = await json<GraphError>(
      await s.call('/provisio/v1/accounts/admin', { method: 'PATCH', json: { role: 'Operator' } }),
      400,
    );
    expect(last.error.message).toContain('last Administrator');
    const removeLast = await json<GraphError>(
      await s.call('/provisio/v1/accounts/admin', { method: 'DELETE' }),
      400,
    );
    expect(removeLast.error.message).toContain('last Administrator');
    const self = await json<GraphError>(
      await asSession(admin, '/provisio/v1/accounts/admin', { method: 'DELETE' }),
      400,
    );
    expect(self.error.message).toContain('signed in with');
  });

  it('removes an account: its sessions end and it cannot sign in', async () => {
    const created = await json<Account>(
      await s.call('/provisio/v1/accounts', {
        method: 'POST',
        json: { username: 'ada', role: 'Administrator' },
      }),
      201,
    );
    const ada = await signIn('ada', created.password ?? '');
    await json(await asSession(admin, '/provisio/v1/accounts/ada', { method: 'DELETE' }), 204);
    expect((await asSession(ada, '/provisio/v1/auth/session')).status).toBe(401);
    const refused = await s.call('/provisio/v1/auth/signin', {
      method: 'POST',
      token: null,
      json: { username: 'ada', password: created.password },
    });
    expect(refused.status).toBe(401);
  });

  it('answers 404 for an unknown account', async () => {
    for (const init of [{ method: 'PATCH', json: { role: 'Reader' } }, { method: 'DELETE' }]) {
      const missing = await json<GraphError>(await s.call('/provisio/v1/accounts/nobody', init), 404);
      expect(missing.error.message).toContain('nobody');
    }
  });

  it('refuses Operators and Readers (403)', async () => {
    for (const role of ['Operator', 'Reader'] as const) {
      const token = await s.token(role);
      expect((await s.call('/provisio/v1/accounts', { token })).status).toBe(403);
      expect(
        (
          await s.call('/provisio/v1/accounts', {
            token,
            method: 'POST',
            json: { username: 'z', role: 'Reader' },
          })
        ).status,
      ).toBe(403);
      expect(
        (await s.call('/provisio/v1/accounts/rita', { token, method: 'PATCH', json: { role: 'Operator' } }))
          .status,
      ).toBe(403);
      expect((await s.call('/provisio/v1/accounts/rita', { token, method: 'DELETE' })).status).toBe(403);
    }
  });
});
