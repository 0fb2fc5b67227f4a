import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { killChildren, spawnCli, writeCliJob } from './support/cli.js';
import { type JobHarness, startJobHarness } from './support/provisioning.js';

/**
 * `npx provisio test-connection` when an endpoint can never answer (docs/provisioning.md#retries):
 * a refused port, or a certificate nobody told provisio to trust, fails at once with the fix,
 * instead of being retried for a minute.
 */
let h: JobHarness;
let dir: string;
let env: NodeJS.ProcessEnv;
let caFile: string;

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url))))
    throw new Error('packages/cli/dist is missing: run `npx tsc -b` (npm test builds first)');
  h = await startJobHarness();
  ({ dir, env, caFile } = await writeCliJob(h, 'provisio-cli-network-'));
});
afterEach(killChildren);
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A loopback port nothing listens on. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Runs test-connection on the harness's document with `source` and `target` changed, and times it. */
async function testConnection(changes: {
  source?: Record<string, unknown>;
  target?: Record<string, unknown>;
}) {
  const document = structuredClone(h.document) as {
    source: Record<string, unknown>;
    target: Record<string, unknown>;
  };
  Object.assign(document.source, { caCertificateFile: caFile }, changes.source);
  Object.assign(document.target, changes.target);
  for (const [key, value] of Object.entries({ ...changes.source, ...changes.target }))
    if (value === undefined) {
      delete document.source[key];
      delete document.target[key];
    }
  const file = join(dir, `network-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, stringify(document));
  const started = performance.now();
  const result = await spawnCli(['test-connection', '--config', file], { cwd: dir, env }).finished;
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

describe('test-connection fails at once on what retrying cannot fix', () => {
  it('a refused Zendesk port: exit 1 in seconds, naming the host and target.baseUrl', async () => {
    const port = await refusedPort();
    const result = await testConnection({ target: { baseUrl: `http://127.0.0.1:${port}` } });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    // Retried with back-off, this took a minute (1 + 2 + 4 + 8 + 16 + 30 s).
    expect(result.seconds).toBeLessThan(20);
    expect(result.stdout).toMatch(/Zendesk .*: FAILED/);
    expect(result.stdout).toContain('ECONNREFUSED');
    expect(result.stdout).toContain(`Nothing accepts connections at 127.0.0.1:${port}`);
    expect(result.stdout).toContain('target.baseUrl');
    expect(result.stdout).toMatch(/Entra ID .*: ok/);
    expect(result.stdout + result.stderr).not.toContain(h.env['ZENDESK_TOKEN'] as string);
  });

  it('a refused Entra port: the fix names source.authorityHost', async () => {
    const port = await refusedPort();
    const result = await testConnection({ source: { authorityHost: `https://127.0.0.1:${port}` } });
    expect(result.code).toBe(1);
    expect(result.seconds).toBeLessThan(20);
    expect(result.stdout).toMatch(/Entra ID .*: FAILED/);
    expect(result.stdout).toContain(`Nothing accepts connections at 127.0.0.1:${port}`);
    expect(result.stdout).toContain('source.authorityHost');
    expect(result.stdout + result.stderr).not.toContain(h.env['ENTRA_CLIENT_SECRET'] as string);
  });

  it("the emulator's certificate without its CA: the fix names source.caCertificateFile", async () => {
    const result = await testConnection({ source: { caCertificateFile: undefined } });
    expect(result.code).toBe(1);
    expect(result.seconds).toBeLessThan(20);
    expect(result.stdout).toMatch(/Entra ID .*: FAILED/);
    expect(result.stdout).toMatch(/not signed by a trusted authority/);
    expect(result.stdout).toContain('source.caCertificateFile');
  });
});
