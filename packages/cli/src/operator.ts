import { userInfo } from 'node:os';

/** Who runs the command, for the audit log: the operating-system user. */
export function operator(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
