import { describe, expect, it } from 'vitest';
import {
  defaultScryptParameters,
  generatePassword,
  hashPassword,
  isPasswordHash,
  MIN_PASSWORD_LENGTH,
  needsRehash,
  passwordProblem,
  verifyAgainstNothing,
  verifyPassword,
} from '../src/auth/passwords.js';

// Small parameters keep the tests fast; the format and the comparison are the same.
const fast = { ln: 10, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('makes a self-describing hash that verifies the password and nothing else', async () => {
    const hash = await hashPassword('correct horse battery staple', fast);
    expect(hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(hash).not.toContain('correct horse');
    expect(isPasswordHash(hash)).toBe(true);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash, so the same password never gives the same hash', async () => {
    const [a, b] = await Promise.all([
      hashPassword('same password!', fast),
      hashPassword('same password!', fast),
    ]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password!', a ?? '')).toBe(true);
    expect(await verifyPassword('same password!', b ?? '')).toBe(true);
  });

  it('uses the default parameters (N=2^15, r=8, p=3) and verifies with the parameters a hash names', async () => {
    expect(defaultScryptParameters).toEqual({ ln: 15, r: 8, p: 3 });
    const strong = await hashPassword('a long enough password');
    expect(strong.startsWith('$scrypt$ln=15,r=8,p=3$')).toBe(true);
    expect(await verifyPassword('a long enough password', strong)).toBe(true);
    expect(needsRehash(strong)).toBe(false);
    const weak = await hashPassword('a long enough password', fast);
    expect(needsRehash(weak)).toBe(true);
  });

  it('treats NFC and NFD spellings of a password as the same password', async () => {
    const hash = await hashPassword('Caf\u00e9-au-lait-2024', fast);
    expect(await verifyPassword('Cafe\u0301-au-lait-2024', hash)).toBe(true);
    expect(await verifyPassword('Cafe-au-lait-2024', hash)).toBe(false);
  });

  it('refuses malformed or tampered hashes without throwing', async () => {
    const hash = await hashPassword('correct horse battery staple', fast);
    for (const stored of [
      '',
      'plain text',
      hash.replace('$scrypt$', '$argon2id$'),
      hash.replace('ln=10', 'ln=40'),
      hash.replace(/\$[^$]+$/, '$'),
    ]) {
      expect(isPasswordHash(stored), stored).toBe(false);
      expect(await verifyPassword('correct horse battery staple', stored), stored).toBe(false);
    }
    const otherKey = `${hash.slice(0, -4)}${hash.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect(await verifyPassword('correct horse battery staple', otherKey)).toBe(false);
  });

  it('spends a verification when there is no account, and answers false', async () => {
    expect(await verifyAgainstNothing('whatever password')).toBe(false);
  });

  it('generates strong random passwords', () => {
    const passwords = new Set(Array.from({ length: 50 }, generatePassword));
    expect(passwords.size).toBe(50);
    for (const password of passwords) {
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(passwordProblem(password)).toBeNull();
    }
  });

  it('says why a password cannot be used', () => {
    expect(passwordProblem('short')).toContain(`at least ${MIN_PASSWORD_LENGTH} characters`);
    expect(passwordProblem('x'.repeat(1025))).toContain('at most 1024');
    expect(passwordProblem(' twelve chars plus')).toContain('white space');
    expect(passwordProblem('twelve chars')).toBeNull();
  });
});
