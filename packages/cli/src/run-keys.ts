/**
 * `provisio keys rotate`: re-seals every secret in the state store with a new key
 * (docs/security.md#secrets-at-rest-and-key-rotation). The old key (PROVISIO_SECRET_KEY or the key
 * file) must open the store's key check, or nothing changes. The new key is written to its file
 * (0600) before any secret is re-sealed, and every secret is re-sealed in one transaction; a vault
 * that knows both keys opens each value, so running the command again after an interruption
 * finishes the rotation.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { redactUrl } from '@provisio/engine';
import {
  checkKeyAgainstStore,
  createVault,
  KEY_BYTES,
  KEY_ENV,
  keyId,
  WrongKeyError,
} from '@provisio/server';
import { openStore } from './compose.js';
import { databaseUrlOf } from './installation.js';
import { type CommandContext, processContext } from './load-job.js';

export interface RotateOptions {
  /** The current key file (when PROVISIO_SECRET_KEY is not set), relative to the working directory. */
  readonly keyFile: string;
  /** Where the new key is read from, or written to when the file does not exist. */
  readonly newKeyFile?: string;
}

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES)
    throw new Error(`${where} must hold ${KEY_BYTES} random bytes in base64, not ${key.length} bytes`);
  return key;
}

async function readKeyFile(path: string): Promise<Buffer | null> {
  try {
    return decodeKey(await readFile(path, 'utf8'), `the key file ${path}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function runKeysRotate(
  options: RotateOptions,
  context: CommandContext = processContext(),
): Promise<number> {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  try {
    const keyFile = resolve(context.cwd, options.keyFile);
    const fromEnv = context.env[KEY_ENV];
    const oldFromEnv = fromEnv !== undefined && fromEnv !== '';
    const oldKey = oldFromEnv ? decodeKey(fromEnv, KEY_ENV) : await readKeyFile(keyFile);
    if (oldKey === null)
      throw new Error(
        `there is no key to rotate from: set ${KEY_ENV}, or pass --key-file with the key provisio serve uses (${keyFile} does not exist)`,
      );
    const newKeyFile = resolve(context.cwd, options.newKeyFile ?? `${keyFile}.new`);
    // A new key file left by an interrupted rotation is used again.
    const existingNew = await readKeyFile(newKeyFile);
    if (existingNew?.equals(oldKey))
      throw new Error(
        `${newKeyFile} holds the current key: give a new key, or remove the file to generate one`,
      );

    const databaseUrl = databaseUrlOf(context.env, context.cwd);
    const store = await openStore(databaseUrl);
    try {
      // The old key must open the store's key check (or the new one must, after an interruption).
      try {
        await checkKeyAgainstStore(store, createVault(oldKey, existingNew ? [existingNew] : []), new Date());
      } catch (error) {
        if (error instanceof WrongKeyError)
          throw new Error(
            `the current key (${oldFromEnv ? KEY_ENV : keyFile}) does not open the secrets in ${redactUrl(databaseUrl)}: rotate with the key provisio serve was started with. Nothing was changed.`,
          );
        throw error;
      }
      const newKey = existingNew ?? randomBytes(KEY_BYTES);
      if (existingNew === null) {
        await writeFile(newKeyFile, `${newKey.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
        await chmod(newKeyFile, 0o600);
      }
      const vault = createVault(newKey, [oldKey]);
      const secrets = await store.listAllSecrets();
      // Every value is opened before anything is written: one that neither key opens stops it all.
      const resealed = secrets.map((record) => {
        try {
          return { ...record, sealed: vault.seal(vault.open(record.sealed)) };
        } catch (error) {
          throw new Error(
            `the secret ${record.name} of ${record.scope} does not open with the current key (${error instanceof Error ? error.message : String(error)}). Nothing was changed.`,
          );
        }
      });
      await store.saveSecrets(resealed);
      out(
        `re-sealed ${resealed.length} secret${resealed.length === 1 ? '' : 's'} with key ${keyId(newKey)} (they were sealed with ${keyId(oldKey)})`,
      );
      if (options.newKeyFile === undefined && !oldFromEnv) {
        await rename(newKeyFile, keyFile);
        out(`the new key replaced ${keyFile}: restart provisio serve to use it`);
      } else if (oldFromEnv) {
        out(
          `the new key is in ${newKeyFile} (0600): set ${KEY_ENV} to its contents, restart provisio serve, then delete the file or keep it as safely as the old key`,
        );
      } else {
        out(
          `the new key is in ${newKeyFile}: start provisio serve with --key-file ${newKeyFile} (or ${KEY_ENV} set to its contents)`,
        );
      }
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
