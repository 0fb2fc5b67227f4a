/**
 * `provisio keys rotate` as a process: secrets saved through the admin API are re-sealed with a
 * new key that replaces the key file (0600), `serve` starts with it and the values are intact; a
 * wrong current key changes nothing and says so.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateStore } from '@provisio/engine';
import { createVault } from '@provisio/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, spawnCli } from './support/cli.js';
import { startServeHarness } from './support/serve.js';

const sp = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const token = `zd-${randomBytes(8).toString('hex')}`;
let dir: string;
let env: NodeJS.ProcessEnv;

const keyFile = () => join(dir, 'data', 'provisio.key');
const readKey = async () => Buffer.from((await readFile(keyFile(), 'utf8')).trim(), 'base64');

async function sealedSecrets() {
  const store = await openStateStore(`sqlite:${join(dir, 'provisio.db')}`);
  try {
    return await store.listAllSecrets();
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'provisio-keys-'));
  // No PROVISIO_SECRET_KEY: serve creates the key file on first start.
  const s = await startServeHarness({ dir, env: { PROVISIO_SECRET_KEY: '' } });
  try {
    const saved = await s.call(`/v1.0/servicePrincipals/${sp}/synchronization/secrets`, {
      method: 'PUT',
      json: {
        value: [
          { key: 'UserName', value: 'admin@example.com' },
          { key: 'SecretToken', value: token },
          { key: 'Domain', value: 'example' },
        ],
      },
    });
    expect(saved.status).toBe(204);
  } finally {
    await s.close();
  }
  const { PROVISIO_SECRET_KEY: _unset, ...rest } = process.env;
  env = { ...rest, DATABASE_URL: `sqlite:${join(dir, 'provisio.db')}` };
});
afterEach(() => killChildren());
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('provisio keys rotate', () => {
  it('refuses a wrong current key and changes nothing', async () => {
    const before = await sealedSecrets();
    const { finished } = spawnCli(['keys', 'rotate'], {
      cwd: dir,
      env: { ...env, PROVISIO_SECRET_KEY: randomBytes(32).toString('base64') },
    });
    const result = await finished;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('PROVISIO_SECRET_KEY');
    expect(result.stderr).toContain('does not open the secrets');
    expect(result.stderr).toContain('Nothing was changed');
    expect(await sealedSecrets()).toEqual(before);
  });

  it('re-seals every secret with a new key that replaces the key file; serve starts with it', async () => {
    const oldKey = await readKey();
    const before = await sealedSecrets();
    // The three saved secrets and the key check.
    expect(before).toHaveLength(4);
    const { finished } = spawnCli(['keys', 'rotate'], { cwd: dir, env });
    const result = await finished;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('re-sealed 4 secrets with key');
    expect(result.stdout).toContain('restart provisio serve');

    const newKey = await readKey();
    expect(newKey.equals(oldKey)).toBe(false);
    expect((await stat(keyFile())).mode & 0o777).toBe(0o600);
    const after = await sealedSecrets();
    const vault = createVault(newKey);
    expect(after.map((r) => [r.scope, r.name])).toEqual(before.map((r) => [r.scope, r.name]));
    for (const record of after) expect(record.sealed.split('.')[1]).toBe(vault.keyId);
    expect(vault.open(after.find((r) => r.name === 'SecretToken')?.sealed ?? '')).toBe(token);
    expect(() => createVault(oldKey).open(after[0]?.sealed ?? '')).toThrow(/sealed with key/);

    // serve starts with the rotated key file (its key check opens).
    const s = await startServeHarness({ dir, env: { PROVISIO_SECRET_KEY: '' } });
    await s.close();
  });
});
