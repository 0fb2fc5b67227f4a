import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// The real command, as `npx provisio` runs it: bin/provisio.js loads the compiled dist/ (`npm test`
// builds first; run `npx tsc -b` before running this file alone).
const bin = fileURLToPath(new URL('../bin/provisio.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

const adminAuth = `Basic ${Buffer.from('admin@example.com/token:emulator-api-token').toString('base64')}`;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

function spawnCli(args: readonly string[]): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    child.emit('stdout', stdout);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, finished };
}

/** Runs a command that ends by itself. */
function run(args: readonly string[]): Promise<Finished> {
  return spawnCli(args).finished;
}

interface Running {
  url: string;
  port: number;
  stdout: () => string;
  /** Sends SIGTERM and waits for the process to end. */
  stop(): Promise<Finished>;
}

/** Starts a long-running emulator and waits for the line that says where it listens. */
async function start(args: readonly string[]): Promise<Running> {
  const { child, finished } = spawnCli(args);
  let seen = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within 10 s:\n${seen}`)), 10_000);
    child.on('stdout', (all: string) => {
      seen = all;
      const match = /listening on (http:\/\/[^\s]+)/.exec(all);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void finished.then((f) => {
      clearTimeout(timer);
      reject(new Error(`exited early (code ${f.code}): ${f.stderr}${f.stdout}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    stdout: () => seen,
    stop: () => {
      child.kill('SIGTERM');
      return finished;
    },
  };
}

function api(base: string, path: string, init: RequestInit = {}, auth = adminAuth): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', auth);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${base}${path}`, { ...init, headers });
}

let dir: string;
beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url)))) {
    throw new Error('packages/cli/dist is missing: run `npx tsc -b` (npm test builds first)');
  }
  dir = await mkdtemp(join(tmpdir(), 'provisio-cli-'));
});
afterEach(() => {
  // A failed test must not leave an emulator running.
  for (const child of children) child.kill('SIGKILL');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('provisio --help', () => {
  it('lists the subcommands', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: provisio /);
    expect(result.stdout).toMatch(/^\s+emulator\b/m);
    expect(result.stdout).toMatch(/^\s+demo\b/m);
  });

  it('lists the emulators under `emulator`', async () => {
    const result = await run(['emulator', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\s+zendesk\b/m);
  });

  it('documents every flag of `emulator zendesk`', async () => {
    const result = await run(['emulator', 'zendesk', '--help']);
    expect(result.code).toBe(0);
    for (const flag of [
      '--port <port>',
      '--host <host>',
      '--plan <plan>',
      '--subdomain <subdomain>',
      '--admin-email <email>',
      '--api-token <token>',
      '--bulk-import',
      '--seed <file>',
      '--faults <spec>',
      '--data <file>',
      '--no-rate-limits',
      '--job-step-ms <ms>',
      '--log-requests',
      '--sso-jwt-secret <secret>',
      '--sso-remote-login-url <url>',
      '--sso-remote-logout-url <url>',
    ]) {
      expect(result.stdout).toContain(flag);
    }
    for (const plan of ['team', 'growth', 'professional', 'enterprise', 'enterprise-plus'])
      expect(result.stdout).toContain(`"${plan}"`);
    expect(result.stdout).toContain('0 picks a free port');
  });

  it('prints the version', async () => {
    const result = await run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('provisio emulator zendesk', () => {
  it('starts on a free port with a seed, serves the API and stops cleanly on SIGTERM', async () => {
    const seedFile = join(dir, 'seed.yaml');
    await writeFile(
      seedFile,
      [
        'groups:',
        '  - { name: Tier 1 }',
        'users:',
        '  - { name: Ada Lovelace, email: ada@example.com, role: agent, groups: [Tier 1], verified: true }',
        '',
      ].join('\n'),
    );
    const emulator = await start([
      'emulator',
      'zendesk',
      '--port',
      '0',
      '--seed',
      seedFile,
      '--bulk-import',
      '--plan',
      'team',
      '--faults',
      'seed=1',
    ]);
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.stdout()).toContain(`Zendesk emulator listening on ${emulator.url}`);

    const me = await api(emulator.url, '/api/v2/users/me.json');
    expect(me.status).toBe(200);
    expect(me.headers.get('x-rate-limit')).toBe('200');
    expect(me.headers.get('ratelimit-limit')).toBe('200');
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('admin@example.com');

    const search = await api(emulator.url, '/api/v2/users/search.json?query=ada@example.com');
    expect(((await search.json()) as { users: { name: string }[] }).users.map((u) => u.name)).toEqual([
      'Ada Lovelace',
    ]);
    const config = (await (await fetch(`${emulator.url}/__emulator/config`)).json()) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({ plan: 'team', bulkImport: true, rateLimits: true, faults: 'seed=1' });

    const finished = await emulator.stop();
    expect(finished.code).toBe(0);
    expect(finished.signal).toBeNull();
    expect(finished.stderr).toBe('');
    await expect(fetch(`${emulator.url}/__emulator/health`)).rejects.toThrow();
  });

  it('uses the given admin email, API token and subdomain, and can turn rate limits off', async () => {
    const emulator = await start([
      'emulator',
      'zendesk',
      '--port',
      '0',
      '--admin-email',
      'owner@acme.test',
      '--api-token',
      'secret-token',
      '--subdomain',
      'acme',
      '--no-rate-limits',
    ]);
    try {
      const auth = `Basic ${Buffer.from('owner@acme.test/token:secret-token').toString('base64')}`;
      const me = await api(emulator.url, '/api/v2/users.json', {}, auth);
      expect(me.status).toBe(200);
      expect((await api(emulator.url, '/api/v2/users.json')).status).toBe(401);
      const config = (await (await fetch(`${emulator.url}/__emulator/config`)).json()) as Record<
        string,
        unknown
      >;
      expect(config).toMatchObject({ subdomain: 'acme', rateLimits: false, plan: 'enterprise' });
      expect(emulator.stdout()).toContain('rate limits off');
    } finally {
      expect((await emulator.stop()).code).toBe(0);
    }
  });

  it('turns JWT single sign-on on with the --sso-* flags, never printing the secret', async () => {
    const secret = 'cli-sso-shared-secret-0123456789abcdef';
    const emulator = await start([
      'emulator',
      'zendesk',
      '--port',
      '0',
      '--sso-jwt-secret',
      secret,
      '--sso-remote-login-url',
      'https://idp.example.test/zendesk/sso',
      '--sso-remote-logout-url',
      'https://idp.example.test/zendesk/logout',
    ]);
    try {
      expect(emulator.stdout()).toContain(
        'sso:         JWT for team members and end users via https://idp.example.test/zendesk/sso',
      );
      expect(emulator.stdout()).not.toContain(secret);
      const sso = (await (await fetch(`${emulator.url}/__emulator/sso`)).json()) as {
        configurations: Record<string, unknown>[];
      };
      expect(sso.configurations).toEqual([
        expect.objectContaining({
          maskedSecret: `cli-ss${'*'.repeat(42)}`,
          remoteLoginUrl: 'https://idp.example.test/zendesk/sso',
          remoteLogoutUrl: 'https://idp.example.test/zendesk/logout',
          teamMembers: true,
          endUsers: true,
          active: true,
        }),
      ]);
      const listed = await api(emulator.url, '/api/v2/remote_authentications.json');
      expect(listed.status).toBe(200);
      expect(
        ((await listed.json()) as { remote_authentications: Record<string, unknown>[] })
          .remote_authentications,
      ).toEqual([
        expect.objectContaining({ auth_mode_name: 'jwt', agent: true, end_user: true, is_active: true }),
      ]);
      const agent = await fetch(`${emulator.url}/agent`, { redirect: 'manual' });
      expect(agent.status).toBe(302);
      expect(agent.headers.get('location')).toBe(
        `https://idp.example.test/zendesk/sso?return_to=${encodeURIComponent(`${emulator.url}/agent`)}`,
      );
    } finally {
      expect((await emulator.stop()).code).toBe(0);
    }
  });

  it('keeps its state in a --data file across two runs', async () => {
    const dataFile = join(dir, 'state.json');
    const first = await start(['emulator', 'zendesk', '--port', '0', '--data', dataFile]);
    const created = await api(first.url, '/api/v2/users.json', {
      method: 'POST',
      body: JSON.stringify({ user: { name: 'Persisted', email: 'persisted@example.com' } }),
    });
    expect(created.status).toBe(201);
    const { user } = (await created.json()) as { user: { id: number } };
    expect((await first.stop()).code).toBe(0);
    expect(existsSync(dataFile)).toBe(true);

    const second = await start(['emulator', 'zendesk', '--port', '0', '--data', dataFile]);
    try {
      const shown = await api(second.url, `/api/v2/users/${user.id}.json`);
      expect(shown.status).toBe(200);
      expect(((await shown.json()) as { user: { email: string } }).user.email).toBe('persisted@example.com');
    } finally {
      expect((await second.stop()).code).toBe(0);
    }
  });
});

describe('provisio demo', () => {
  it('refuses a --dir that holds files it did not make, and deletes nothing', async () => {
    const mine = join(dir, 'not-a-demo');
    await mkdir(mine, { recursive: true });
    await writeFile(join(mine, 'notes.txt'), 'keep me');
    const refused = await run(['demo', '--port', '0', '--entra-port', '0', '--dir', mine]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/holds files the demo did not make/);
    expect(await readFile(join(mine, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('says which port is taken and how to choose another, instead of a bare EADDRINUSE', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const refused = await run([
        'demo',
        '--port',
        '0',
        '--entra-port',
        '0',
        '--api-port',
        String(port),
        '--dir',
        join(dir, 'demo-port'),
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`127.0.0.1:${port} is already in use`);
      expect(refused.stderr).toMatch(/choose another port with --port, --entra-port or --api-port/);
    } finally {
      blocker.close();
    }
  });

  it('serves the demo tenant through provisio serve and provisions its users into Zendesk within seconds', async () => {
    const demo = await start([
      'demo',
      '--port',
      '0',
      '--entra-port',
      '0',
      '--api-port',
      '0',
      '--users',
      '40',
      '--dir',
      join(dir, 'demo'),
    ]);
    try {
      const search = await api(demo.url, '/api/v2/users/search.json?query=ada@example.com');
      expect(search.status).toBe(200);
      expect(((await search.json()) as { users: { name: string }[] }).users.map((u) => u.name)).toEqual([
        'Ada Lovelace',
      ]);
      const config = (await (await fetch(`${demo.url}/__emulator/config`)).json()) as Record<string, unknown>;
      expect(config).toMatchObject({ plan: 'enterprise', bulkImport: true, rateLimits: true });
      // The service is up, and its one-time API token works.
      const serveUrl = /provisio serve: +(http:\/\/\S+)/.exec(demo.stdout())?.[1];
      const token = /API token \(Administrator, shown once\): (\S+)/.exec(demo.stdout())?.[1];
      expect(serveUrl, demo.stdout()).toBeDefined();
      // The job is the printed Zendesk service principal's.
      const servicePrincipalId = /\(servicePrincipalId\): (\S+)/.exec(demo.stdout())?.[1];
      expect(servicePrincipalId, demo.stdout()).toMatch(/^[0-9a-f-]{36}$/);
      expect(demo.stdout()).toContain(`/v1.0/servicePrincipals/${servicePrincipalId}/synchronization/jobs/`);
      const metrics = await fetch(`${serveUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(metrics.status).toBe(200);
      // Users assigned in the Entra demo tenant arrive in Zendesk, carrying their object id.
      const provisioned = async () => {
        const list = await api(demo.url, '/api/v2/users.json?page[size]=100');
        return ((await list.json()) as { users: { external_id: string | null }[] }).users.filter(
          (u) => u.external_id !== null,
        ).length;
      };
      for (let i = 0; i < 150 && (await provisioned()) < 20; i++)
        await new Promise((r) => setTimeout(r, 200));
      expect(await provisioned(), demo.stdout()).toBeGreaterThanOrEqual(20);
      // Single sign-on is set up: Zendesk's JWT configuration sends people to the demo job's bridge.
      const jobId = /\/synchronization\/jobs\/(\S+)/.exec(demo.stdout())?.[1];
      expect(demo.stdout()).toMatch(
        /single sign-on: +open http:\/\/\S+\/agent and sign in as \S+@\S+ \(password /,
      );
      const sso = (await (await fetch(`${demo.url}/__emulator/sso`)).json()) as {
        configurations: { remoteLoginUrl: string; active: boolean }[];
      };
      expect(sso.configurations).toMatchObject([
        { remoteLoginUrl: `${serveUrl}/sso/zendesk/${jobId}/login`, active: true },
      ]);
      const status = await fetch(`${serveUrl}/provisio/v1/jobs/${jobId}/singleSignOn`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(await status.json()).toMatchObject({
        enabled: true,
        ready: true,
        zendesk: { status: 'pointsHere' },
      });
    } finally {
      expect((await demo.stop()).code).toBe(0);
    }
  });
});

describe('pipes', () => {
  it('ends quietly when the reader of its output goes away (`provisio … | head`)', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'expr', 'parse', '--format', 'graph', 'Join(", ", [givenName], [surname])'],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    // The reader closes before the command writes: its first write meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });
});

describe('bad flags', () => {
  it.each([
    [['--plan', 'nope'], /--plan/],
    [['--faults', '500=2'], /--faults: "500=2": 500 must be a probability/],
    [['--port', '70000'], /--port/],
    [['--port', 'abc'], /--port/],
    [['--job-step-ms', '-5'], /--job-step-ms/],
    [['--colour', 'blue'], /unknown option '--colour'/],
    [
      ['--sso-jwt-secret', 'short', '--sso-remote-login-url', 'https://idp.test/'],
      /--sso-jwt-secret <secret>' argument 'short' is invalid\. must be at least 16 characters/,
    ],
    [
      ['--sso-jwt-secret', 'x'.repeat(16), '--sso-remote-login-url', 'idp.test/sso'],
      /--sso-remote-login-url <url>' argument 'idp.test\/sso' is invalid\. must be an absolute http\(s\) URL/,
    ],
    [['--sso-remote-logout-url', 'ftp://idp.test/'], /--sso-remote-logout-url/],
    [['--sso-jwt-secret', 'x'.repeat(16)], /--sso-jwt-secret and --sso-remote-login-url go together/],
    [
      ['--sso-remote-login-url', 'https://idp.test/'],
      /--sso-jwt-secret and --sso-remote-login-url go together/,
    ],
  ])('%j exits non-zero naming the flag', async (flags, message) => {
    const result = await run(['emulator', 'zendesk', '--port', '0', ...flags]);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toContain('listening on');
  });

  it('exits non-zero naming a seed file that does not exist', async () => {
    const missing = join(dir, 'missing.yaml');
    const result = await run(['emulator', 'zendesk', '--port', '0', '--seed', missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(missing);
  });

  it('exits non-zero listing the problems of an invalid seed', async () => {
    const seedFile = join(dir, 'bad-seed.json');
    await writeFile(seedFile, JSON.stringify({ groups: [{}], settings: { plan: 'gold' } }));
    const result = await run(['emulator', 'zendesk', '--port', '0', '--seed', seedFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid seed');
    expect(result.stderr).toContain('groups.0.name');
    expect(result.stderr).toContain('settings.plan');
  });

  it('exits non-zero when the port is taken', async () => {
    const emulator = await start(['emulator', 'zendesk', '--port', '0']);
    try {
      const result = await run(['emulator', 'zendesk', '--port', String(emulator.port)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('EADDRINUSE');
    } finally {
      await emulator.stop();
    }
  });
});

describe('provisio emulator entra', () => {
  /** Starts the Entra emulator and waits for the last line of its start-up output. */
  async function startEntra(args: readonly string[]): Promise<{ stdout: string; stop(): Promise<Finished> }> {
    const { child, finished } = spawnCli(['emulator', 'entra', '--port', '0', ...args]);
    const stdout = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no "control:" line within 10 s')), 10_000);
      child.on('stdout', (all: string) => {
        if (/control:/.test(all)) {
          clearTimeout(timer);
          resolve(all);
        }
      });
      void finished.then((f) => reject(new Error(`exited early (code ${f.code}): ${f.stderr}`)));
    });
    return {
      stdout,
      stop: () => {
        child.kill('SIGTERM');
        return finished;
      },
    };
  }

  /** The value printed after `label:` at the start-up. */
  const printed = (stdout: string, label: string): string =>
    new RegExp(`^  ${label}: +(\\S+)`, 'm').exec(stdout)?.[1] ?? `(no "${label}" line)`;

  /** A client-credentials token request over HTTPS to the emulator that printed `stdout`, trusting `pem`. */
  async function tokenStatus(stdout: string, pem: string, clientId: string, clientSecret: string) {
    const { request } = await import('node:https');
    const url = /listening on (https:\/\/[^\s]+)/.exec(stdout)?.[1] ?? '';
    const tenantId = printed(stdout, 'tenant id');
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    }).toString();
    return new Promise<{ status: number; roles: string[] }>((resolve, reject) => {
      const req = request(
        `${url}/${tenantId}/oauth2/v2.0/token`,
        { method: 'POST', ca: pem, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => {
            const token = (JSON.parse(text) as { access_token?: string }).access_token;
            const claims = token
              ? (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
                  roles?: string[];
                })
              : {};
            resolve({ status: res.statusCode ?? 0, roles: claims.roles ?? [] });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it("prints its URL, tenant, both apps' client credentials and writes the certificate", async () => {
    const entra = await startEntra(['--cert-file', join(dir, 'entra.pem')]);
    const { stdout } = entra;
    const url = /listening on (https:\/\/[^\s]+)/.exec(stdout)?.[1] ?? '';
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(stdout).toMatch(/tenant id: +[0-9a-f-]{36}/);
    expect(stdout).toMatch(/client secret: +\S+/);
    // The documented defaults, the emulator's own.
    const { entraDefaults } = await import('@provisio/emulators');
    expect(printed(stdout, 'client id')).toBe(entraDefaults.clientId);
    expect(printed(stdout, 'client secret')).toBe(entraDefaults.clientSecret);
    expect(printed(stdout, 'admin client id')).toBe(entraDefaults.adminClientId);
    expect(printed(stdout, 'admin client secret')).toBe(entraDefaults.adminClientSecret);
    expect(stdout).toContain('(administration app)');
    const { readFile } = await import('node:fs/promises');
    const pem = await readFile(join(dir, 'entra.pem'), 'utf8');
    expect(pem).toContain('BEGIN CERTIFICATE');
    const { request } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      request(`${url}/__emulator/health`, { ca: pem }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
    // The printed servicePrincipalId is the Zendesk enterprise application's object id.
    const emulatorState = await new Promise<{ servicePrincipals: { id: string; appId: string }[] }>(
      (resolve, reject) => {
        request(`${url}/__emulator/state`, { ca: pem }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve(JSON.parse(text)));
        })
          .on('error', reject)
          .end();
      },
    );
    const { zendeskAppId } = await import('@provisio/emulators');
    const zendesk = emulatorState.servicePrincipals.find((sp) => sp.appId === zendeskAppId);
    expect(printed(stdout, 'servicePrincipalId')).toBe(zendesk?.id);
    // The printed admin credentials get a token with the administration permissions.
    const admin = await tokenStatus(
      stdout,
      pem,
      printed(stdout, 'admin client id'),
      printed(stdout, 'admin client secret'),
    );
    expect(admin.status).toBe(200);
    expect(admin.roles).toContain('Directory.ReadWrite.All');
    expect((await entra.stop()).code).toBe(0);
  });

  it('takes --admin-client-id and --admin-client-secret, and refuses the defaults then', async () => {
    const id = '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';
    const pemFile = join(dir, 'entra-custom.pem');
    const entra = await startEntra([
      '--admin-client-id',
      id,
      '--admin-client-secret',
      'custom admin secret',
      '--cert-file',
      pemFile,
    ]);
    try {
      expect(printed(entra.stdout, 'admin client id')).toBe(id);
      expect(entra.stdout).toMatch(/^ {2}admin client secret: custom admin secret$/m);
      const { readFile } = await import('node:fs/promises');
      const pem = await readFile(pemFile, 'utf8');
      const custom = await tokenStatus(entra.stdout, pem, id, 'custom admin secret');
      expect(custom.status).toBe(200);
      expect(custom.roles).toHaveLength(5);
      const { entraDefaults } = await import('@provisio/emulators');
      const byDefault = await tokenStatus(
        entra.stdout,
        pem,
        entraDefaults.adminClientId,
        entraDefaults.adminClientSecret,
      );
      expect(byDefault.status).toBe(400);
    } finally {
      expect((await entra.stop()).code).toBe(0);
    }
  });

  it.each([
    [['--admin-client-id', 'admin'], /--admin-client-id.*must be a GUID/],
    [['--admin-client-secret', ' '], /--admin-client-secret.*must not be empty/],
    [
      ['--admin-client-id', '6a1f4b2c-3d5e-4f60-8a71-b2c3d4e5f607'],
      /adminClientId must differ from clientId/,
    ],
  ])('%j exits non-zero naming the problem', async (flags, message) => {
    const result = await run(['emulator', 'entra', '--port', '0', ...flags]);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toContain('listening on');
  });

  it('documents the administration flags with their defaults', async () => {
    const result = await run(['emulator', 'entra', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--admin-client-id <id>');
    expect(result.stdout).toContain('--admin-client-secret <secret>');
    expect(result.stdout).toContain('3c9e5d7a-1b2f-4e48-9a6c-d0e1f2a3b4c5');
    expect(result.stdout).toContain('emulator-admin-secret');
  });
});
