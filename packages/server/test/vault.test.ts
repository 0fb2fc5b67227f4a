/**
 * The secret vault (docs/security.md#secrets-at-rest-and-key-rotation): AES-256-GCM envelopes that
 * round-trip, refuse a changed byte, name the key they need, and open under a rotated vault that
 * still knows the previous key.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVault, keyId, WrongKeyError } from '../src/secrets/vault.js';

const key = () => randomBytes(32);

describe('the secret vault', () => {
  it('round-trips a value, with a new IV every time, and never holds the value in clear', () => {
    const vault = createVault(key());
    const value = 'zendesk-api-token-ÄÖÜ-🔑';
    const a = vault.seal(value);
    const b = vault.seal(value);
    expect(a).not.toBe(b);
    expect(a.startsWith(`v1.${vault.keyId}.`)).toBe(true);
    expect(a).not.toContain('zendesk-api-token');
    expect(vault.open(a)).toBe(value);
    expect(vault.open(b)).toBe(value);
    expect(vault.open(vault.seal(''))).toBe('');
  });

  it('detects tampering with the ciphertext, the tag or the IV', () => {
    const vault = createVault(key());
    const sealed = vault.seal('a secret value');
    const parts = sealed.split('.');
    for (const index of [2, 3, 4]) {
      const part = Buffer.from(parts[index] ?? '', 'base64url');
      part[0] = (part[0] ?? 0) ^ 1;
      const tampered = [...parts];
      tampered[index] = part.toString('base64url');
      expect(() => vault.open(tampered.join('.')), `part ${index}`).toThrow(
        /integrity check: it was altered/,
      );
    }
    expect(() => vault.open('not an envelope')).toThrow(WrongKeyError);
  });

  it('names the key a value needs when this vault has another one', () => {
    const first = key();
    const sealed = createVault(first).seal('s3cret');
    const other = createVault(key());
    let error: unknown;
    try {
      other.open(sealed);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WrongKeyError);
    const message = (error as Error).message;
    expect(message).toContain(keyId(first));
    expect(message).toContain(other.keyId);
    expect(message).toContain('provisio keys rotate');
    expect(message).not.toContain('s3cret');
  });

  it('opens what the previous key sealed during a rotation, and seals with the new key', () => {
    const oldKey = key();
    const newKey = key();
    const before = createVault(oldKey).seal('entra client secret');
    const rotating = createVault(newKey, [oldKey]);
    expect(rotating.open(before)).toBe('entra client secret');
    const resealed = rotating.seal(rotating.open(before));
    expect(resealed.split('.')[1]).toBe(keyId(newKey));
    // After the rotation the new key alone opens it; the old one no longer does.
    expect(createVault(newKey).open(resealed)).toBe('entra client secret');
    expect(() => createVault(oldKey).open(resealed)).toThrow(WrongKeyError);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => createVault(randomBytes(16))).toThrow(/32 bytes/);
  });
});
