/**
 * Who is calling, and what each role may do (docs/security.md#roles). Roles mirror Entra's
 * provisioning permissions: Administrator configures, Operator runs, Reader reads.
 */
import { type Role, roles } from '@provisio/engine';

export type { Role };
export { roles };

/** A route's requirement: nobody (health, sign-in) or at least a role. */
export type Access = 'anonymous' | Role;

export interface Principal {
  /** Stable id: `token:<id>`, `local:<username>`, `oidc:<subject>`, `app:<client id>`. */
  readonly id: string;
  readonly displayName: string;
  readonly role: Role;
  /** How the caller proved who it is. */
  readonly method: 'token' | 'local' | 'oidc' | 'entra-token';
  /** For a console session: its id hash (sign-out, CSRF). */
  readonly sessionIdHash?: string;
}

const rank: Record<Role, number> = { Reader: 1, Operator: 2, Administrator: 3 };

/** Whether `role` may call a route that requires `required`. */
export function roleAllows(role: Role, required: Access): boolean {
  return required === 'anonymous' || rank[role] >= rank[required];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}
