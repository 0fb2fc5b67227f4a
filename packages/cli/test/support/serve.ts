/**
 * `provisio serve` started in-process exactly as the command starts it (serve.ts), on a free
 * loopback port with a SQLite file in a temporary directory and a random secret key; its log lines
 * are kept (`logs()`) so that tests can search them for secrets. `token(role)` issues an API token.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Role } from '@provisio/engine';
import { issueApiToken } from '@provisio/server';
import { type RunningServe, type ServeOptions, startServe } from '../../src/serve.js';

export interface ServeHarness {
  readonly url: string;
  readonly dir: string;
  readonly running: RunningServe;
  readonly env: Record<string, string>;
  /** A new API token with `role`. */
  token(role: Role): Promise<string>;
  /** `fetch` against the server with a bearer token. */
  call(path: string, init?: RequestInit & { token?: string | null; json?: unknown }): Promise<Response>;
  /** Every log line so far. */
  logs(): string;
  close(): Promise<void>;
}

export async function startServeHarness(
  options: Partial<ServeOptions> & { env?: Record<string, string>; dir?: string } = {},
): Promise<ServeHarness> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'provisio-serve-')));
  const env: Record<string, string> = {
    PROVISIO_SECRET_KEY: randomBytes(32).toString('base64'),
    DATABASE_URL: `sqlite:${join(dir, 'provisio.db')}`,
    ...options.env,
  };
  const lines: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  // A generated administrator password is printed once to the console: dropped here, not shown in
  // the test output (tests that check it pass their own `consoleOutput`).
  const consoleOutput = new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
  const running = await startServe(
    {
      host: '127.0.0.1',
      port: 0,
      allowCustomEndpoints: true,
      logLevel: 'debug',
      pollMs: 500,
      consoleOutput,
      ...options,
      logDestination,
    },
    { env, cwd: dir },
  );
  let adminToken: string | undefined;
  const token = async (role: Role) =>
    (
      await issueApiToken(running.store, {
        name: `test ${role}`,
        role,
        createdBy: 'test',
        now: new Date(),
      })
    ).token;
  return {
    url: running.url,
    dir,
    running,
    env,
    token,
    async call(path, init = {}) {
      const { token: given, json, ...rest } = init;
      adminToken ??= await token('Administrator');
      const bearer = given === undefined ? adminToken : given;
      const headers = new Headers(rest.headers);
      if (bearer !== null) headers.set('authorization', `Bearer ${bearer}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${running.url}${path}`, {
        ...rest,
        headers,
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
    },
    logs: () => lines.join(''),
    async close() {
      await running.close(5000);
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A loopback port free now, for a server whose public URL must be known before it starts (sign-in
 * redirect URIs registered in the Entra emulator).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
