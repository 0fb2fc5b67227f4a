/**
 * The local administrator `admin` (docs/security.md#the-local-administrator): the way into a fresh
 * installation before single sign-on is configured. On the first start its password comes from
 * `PROVISIO_ADMIN_PASSWORD` or is generated; the caller prints a generated one once, to the console
 * and never to the log. Only the scrypt hash is stored.
 */
import type { Clock, LocalAccountRecord, Role, StateStore } from '@provisio/engine';
import { generatePassword, hashPassword, passwordProblem } from './passwords.js';

export const LOCAL_ADMIN_USERNAME = 'admin';
/** The environment variable that sets the local administrator's password on the first start. */
export const ADMIN_PASSWORD_ENV = 'PROVISIO_ADMIN_PASSWORD';

export type LocalAdminBootstrap =
  /** The account was there already; `PROVISIO_ADMIN_PASSWORD`, if set, was not used. */
  | { readonly status: 'exists'; readonly ignoredEnvironmentPassword: boolean }
  /** Created with the password of `PROVISIO_ADMIN_PASSWORD`. */
  | { readonly status: 'created-from-environment' }
  /** Created with a generated password: show it once, to the person starting the server only. */
  | { readonly status: 'created-with-generated-password'; readonly password: string };

/**
 * Creates the local administrator when it does not exist. `environmentPassword` is the value of
 * `PROVISIO_ADMIN_PASSWORD` (undefined or empty when unset); a value too short is refused with an
 * error naming the variable, so that the server does not start with a weak password.
 */
export async function bootstrapLocalAdmin(
  store: StateStore,
  clock: Clock,
  environmentPassword: string | undefined,
): Promise<LocalAdminBootstrap> {
  const given = environmentPassword === undefined || environmentPassword === '' ? null : environmentPassword;
  const existing = await store.getLocalAccount(LOCAL_ADMIN_USERNAME);
  if (existing !== null) return { status: 'exists', ignoredEnvironmentPassword: given !== null };
  if (given !== null) {
    const problem = passwordProblem(given);
    if (problem !== null) throw new Error(`${ADMIN_PASSWORD_ENV}: the password ${problem}`);
  }
  const password = given ?? generatePassword();
  await saveLocalPassword(store, clock, LOCAL_ADMIN_USERNAME, password, 'Administrator');
  return given === null
    ? { status: 'created-with-generated-password', password }
    : { status: 'created-from-environment' };
}

/**
 * Sets `username`'s password (creating the account with `role` when it does not exist). Changing
 * `updatedAt` ends every console session of the account signed in before (sessions.ts).
 */
export async function saveLocalPassword(
  store: StateStore,
  clock: Clock,
  username: string,
  password: string,
  role: Role = 'Administrator',
): Promise<LocalAccountRecord> {
  const problem = passwordProblem(password);
  if (problem !== null) throw new Error(`the password ${problem}`);
  const now = clock.now().toISOString();
  const existing = await store.getLocalAccount(username);
  const record: LocalAccountRecord = {
    username,
    passwordHash: await hashPassword(password),
    role: existing?.role ?? role,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await store.saveLocalAccount(record);
  return record;
}

/** The console text announcing a generated password: it is shown this once and never logged. */
export function generatedPasswordNotice(password: string, url?: string): string {
  return [
    '',
    '  provisio: the local administrator was created.',
    `    user name: ${LOCAL_ADMIN_USERNAME}`,
    `    password:  ${password}`,
    ...(url === undefined ? [] : [`    sign in at ${url}`]),
    '  This password is shown once, here, and is not written to the log. Keep it in a password',
    '  manager; change it with "npx provisio admin reset-password" (docs/security.md#the-local-administrator).',
    '',
    '',
  ].join('\n');
}
