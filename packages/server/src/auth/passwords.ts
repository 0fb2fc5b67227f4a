/**
 * Password hashing for local accounts (docs/security.md#the-local-administrator): scrypt from
 * node:crypto, no native dependency. A hash is a self-describing PHC string,
 * `$scrypt$ln=15,r=8,p=3$<salt>$<key>` (salt and key in unpadded base64), so a hash made with other
 * parameters still verifies and `needsRehash` tells when to upgrade it at the next sign-in.
 *
 * The parameters are one of OWASP's equivalent scrypt configurations (N=2^15, r=8, p=3: 32 MiB per
 * hash): https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#scrypt
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParameters {
  /** log2 of the CPU/memory cost N. */
  readonly ln: number;
  /** Block size. */
  readonly r: number;
  /** Parallelisation. */
  readonly p: number;
}

export const defaultScryptParameters: ScryptParameters = { ln: 15, r: 8, p: 3 };

/** The shortest password a local account may have (docs/security.md#the-local-administrator). */
export const MIN_PASSWORD_LENGTH = 12;
/** Longer input is refused before hashing: nobody types more, and it bounds the work per request. */
export const MAX_PASSWORD_LENGTH = 1024;

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Bounds the parameters a stored hash may ask for, so that a tampered row cannot exhaust memory. */
const MAX_LN = 20;
const MAX_R = 32;
const MAX_P = 16;

function derive(password: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = {
    N: 2 ** parameters.ln,
    r: parameters.r,
    p: parameters.p,
    // scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is exactly that for the defaults.
    maxmem: 2 * 128 * 2 ** parameters.ln * parameters.r,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

/** A new self-describing hash of `password`, with a fresh random salt. */
export async function hashPassword(
  password: string,
  parameters: ScryptParameters = defaultScryptParameters,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, parameters);
  return `$scrypt$ln=${parameters.ln},r=${parameters.r},p=${parameters.p}$${b64(salt)}$${b64(key)}`;
}

interface ParsedHash {
  readonly parameters: ScryptParameters;
  readonly salt: Buffer;
  readonly key: Buffer;
}

const hashPattern = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parseHash(stored: string): ParsedHash | null {
  const match = hashPattern.exec(stored);
  if (match === null) return null;
  const [, ln, r, p, salt, key] = match;
  const parameters = { ln: Number(ln), r: Number(r), p: Number(p) };
  if (parameters.ln < 1 || parameters.ln > MAX_LN || parameters.r < 1 || parameters.r > MAX_R) return null;
  if (parameters.p < 1 || parameters.p > MAX_P) return null;
  const parsed = {
    parameters,
    salt: Buffer.from(salt ?? '', 'base64'),
    key: Buffer.from(key ?? '', 'base64'),
  };
  return parsed.salt.length === 0 || parsed.key.length === 0 ? null : parsed;
}

/** Whether `stored` is a hash this module can verify. */
export function isPasswordHash(stored: string): boolean {
  return parseHash(stored) !== null;
}

/** Whether `password` is the one `stored` was made from; constant-time in the comparison. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === null) return false;
  const key = await derive(password, parsed.salt, parsed.parameters);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** Whether `stored` was made with weaker parameters than `parameters` (rehash at the next sign-in). */
export function needsRehash(stored: string, parameters: ScryptParameters = defaultScryptParameters): boolean {
  const parsed = parseHash(stored);
  if (parsed === null) return true;
  const cost = (q: ScryptParameters) => 2 ** q.ln * q.r * q.p;
  return cost(parsed.parameters) < cost(parameters) || parsed.key.length < KEY_BYTES;
}

let dummy: Promise<string> | null = null;

/**
 * Spends the time a verification takes when there is no account to verify against, so that an
 * unknown user name answers as slowly as a wrong password (user names cannot be probed by timing).
 */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(16).toString('base64url'));
  await verifyPassword(password, await dummy);
  return false;
}

/** A strong random password for the local administrator: 144 random bits, 24 URL-safe characters. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Why `password` cannot be a local account's password, or null when it can. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `must be at least ${MIN_PASSWORD_LENGTH} characters long (a passphrase of a few words is easy to remember)`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters long`;
  if (password.trim() !== password) return 'must not begin or end with white space';
  return null;
}
