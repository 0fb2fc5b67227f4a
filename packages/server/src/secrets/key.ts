/**
 * Where the server's secret key comes from (docs/security.md#the-secret-key): `PROVISIO_SECRET_KEY`
 * (32 random bytes in base64) when set, else a key file, created with 0600 permissions on first
 * start. A key that does not open the secrets already stored stops start-up with a clear message.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StateStore } from '@provisio/engine';
import type { SecretVault } from '../context.js';
import { KEY_BYTES, WrongKeyError } from './vault.js';

export const KEY_ENV = 'PROVISIO_SECRET_KEY';

export interface LoadedKey {
  readonly key: Buffer;
  /** Where it came from, for the start-up log (never the key). */
  readonly origin: string;
  readonly created: boolean;
}

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES)
    throw new Error(
      `${where} must hold ${KEY_BYTES} random bytes in base64 (e.g. the output of \`openssl rand -base64 32\`), not ${key.length} bytes`,
    );
  return key;
}

export async function loadSecretKey(options: {
  env: NodeJS.ProcessEnv;
  keyFile: string;
}): Promise<LoadedKey> {
  const fromEnv = options.env[KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '')
    return { key: decodeKey(fromEnv, KEY_ENV), origin: KEY_ENV, created: false };
  try {
    const text = await readFile(options.keyFile, 'utf8');
    return {
      key: decodeKey(text, `the key file ${options.keyFile}`),
      origin: options.keyFile,
      created: false,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(KEY_BYTES);
  await mkdir(dirname(options.keyFile), { recursive: true });
  await writeFile(options.keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(options.keyFile, 0o600);
  return { key, origin: options.keyFile, created: true };
}

/** The sealed canary that tells, at start-up, whether this key is the one the store's secrets use. */
const CANARY = { scope: 'provisio', name: 'key-check', value: 'provisio secret key check' } as const;

/**
 * Checks the key against the store: the first start seals a canary; later starts must open it.
 * Throws `WrongKeyError` naming the fix when the key is another one.
 */
export async function checkKeyAgainstStore(store: StateStore, vault: SecretVault, now: Date): Promise<void> {
  const existing = (await store.listSecrets(CANARY.scope)).find((s) => s.name === CANARY.name);
  if (existing === undefined) {
    await store.saveSecrets([
      {
        scope: CANARY.scope,
        name: CANARY.name,
        sealed: vault.seal(CANARY.value),
        updatedAt: now.toISOString(),
      },
    ]);
    return;
  }
  let opened: string;
  try {
    opened = vault.open(existing.sealed);
  } catch (error) {
    throw new WrongKeyError(
      `The secret key does not open the secrets in the state store (${error instanceof Error ? error.message : String(error)}). Start provisio with the key it was first started with: ${KEY_ENV}, or the key file.`,
    );
  }
  if (opened !== CANARY.value)
    throw new WrongKeyError('The state store key check holds an unexpected value.');
}
