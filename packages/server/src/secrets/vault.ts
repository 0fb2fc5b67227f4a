/**
 * Secrets at rest: every secret value the server stores is sealed with AES-256-GCM under the
 * server's key (docs/security.md#secrets-at-rest). The envelope is text:
 * `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts), where the key id is the first 8 bytes of
 * the key's SHA-256, so a value sealed under another key is recognised as such instead of failing
 * as corrupt. A random 96-bit IV per value, as NIST SP 800-38D recommends for GCM.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SecretVault } from '../context.js';

export const KEY_BYTES = 32;

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest().subarray(0, 8).toString('base64url');
}

export class WrongKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WrongKeyError';
  }
}

/** A vault over `key`; `previous` keys still open what they sealed (during a rotation). */
export function createVault(
  key: Buffer,
  previous: readonly Buffer[] = [],
): SecretVault & { readonly keyId: string } {
  if (key.length !== KEY_BYTES)
    throw new RangeError(`the secret key must be ${KEY_BYTES} bytes, not ${key.length}`);
  const id = keyId(key);
  const keys = new Map<string, Buffer>([[id, key], ...previous.map((k): [string, Buffer] => [keyId(k), k])]);
  return {
    keyId: id,
    seal(value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        'v1',
        id,
        iv.toString('base64url'),
        tag.toString('base64url'),
        ciphertext.toString('base64url'),
      ].join('.');
    },
    open(sealed) {
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1')
        throw new WrongKeyError('not a sealed secret (unknown envelope)');
      const [, sealedBy, iv, tag, ciphertext] = parts as [string, string, string, string, string];
      const sealingKey = keys.get(sealedBy);
      if (sealingKey === undefined)
        throw new WrongKeyError(
          `the secret was sealed with key ${sealedBy}, and this server has key ${id}: start it with the key the secrets were stored with (PROVISIO_SECRET_KEY or the key file), or rotate with \`provisio keys rotate\``,
        );
      try {
        const decipher = createDecipheriv('aes-256-gcm', sealingKey, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([
          decipher.update(Buffer.from(ciphertext, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new WrongKeyError(
          `a secret sealed with key ${sealedBy} failed its integrity check: it was altered`,
        );
      }
    },
  };
}
