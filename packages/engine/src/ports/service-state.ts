/**
 * What the always-on service keeps besides jobs (migration 0006_service): sealed secrets, API tokens,
 * local accounts, console sessions and the admin API's synchronization jobs. The engine never reads
 * these; they sit in the same state store so that one database (and one backup) holds everything.
 */

/** The three roles of the admin API (docs/security.md#roles). */
export const roles = ['Administrator', 'Operator', 'Reader'] as const;
export type Role = (typeof roles)[number];

export interface SealedSecretRecord {
  /** What the secret belongs to, e.g. `sp:<servicePrincipalId>`. */
  readonly scope: string;
  readonly name: string;
  /** The envelope the server's key sealed; never the value. */
  readonly sealed: string;
  readonly updatedAt: string;
}

export interface ApiTokenRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** SHA-256 of the token, hex: the token itself is shown once and never stored. */
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface LocalAccountRecord {
  readonly username: string;
  /** A self-describing scrypt hash (docs/security.md#the-local-administrator). */
  readonly passwordHash: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface SessionRecord {
  /** SHA-256 of the session id the cookie carries, hex. */
  readonly idHash: string;
  /** Who: the local username or the OpenID Connect subject. */
  readonly subject: string;
  readonly displayName: string;
  readonly role: Role;
  readonly method: 'local' | 'oidc';
  readonly csrfHash: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  /** The absolute timeout, ISO-8601. */
  readonly expiresAt: string;
}

export interface SynchronizationJobRecord {
  readonly jobId: string;
  readonly servicePrincipalId: string;
  readonly templateId: string;
  /** The definition so far, while no credentials make it a whole job definition. */
  readonly draft: Readonly<Record<string, unknown>> | null;
  readonly createdAt: string;
}

export interface ServiceStateStore {
  /** Sealed secrets of one scope, by name. */
  listSecrets(scope: string): Promise<SealedSecretRecord[]>;
  /** Every sealed secret (key rotation re-seals them all). */
  listAllSecrets(): Promise<SealedSecretRecord[]>;
  /** Inserts or replaces, in one transaction. */
  saveSecrets(records: readonly SealedSecretRecord[]): Promise<void>;
  /** Removes the named secrets of a scope, or all of the scope's when `names` is omitted. */
  deleteSecrets(scope: string, names?: readonly string[]): Promise<void>;

  saveApiToken(record: ApiTokenRecord): Promise<void>;
  listApiTokens(): Promise<ApiTokenRecord[]>;
  findApiTokenByHash(tokenHash: string): Promise<ApiTokenRecord | null>;
  /** False when there is no such token or it was already revoked. */
  revokeApiToken(id: string, at: Date): Promise<boolean>;
  touchApiToken(id: string, at: Date): Promise<void>;

  getLocalAccount(username: string): Promise<LocalAccountRecord | null>;
  saveLocalAccount(record: LocalAccountRecord): Promise<void>;
  /** Every local account, by user name. */
  listLocalAccounts(): Promise<LocalAccountRecord[]>;
  /** False when there is no such account. */
  deleteLocalAccount(username: string): Promise<boolean>;

  saveSession(record: SessionRecord): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | null>;
  touchSession(idHash: string, at: Date): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Removes every session of one subject signed in by `method` (a removed or demoted account); how many. */
  deleteSessionsOf(method: SessionRecord['method'], subject: string): Promise<number>;
  /** Removes sessions whose absolute timeout passed; returns how many. */
  deleteExpiredSessions(now: Date): Promise<number>;

  saveSynchronizationJob(record: SynchronizationJobRecord): Promise<void>;
  getSynchronizationJob(jobId: string): Promise<SynchronizationJobRecord | null>;
  /** All, or those of one service principal; by job id. */
  listSynchronizationJobs(servicePrincipalId?: string): Promise<SynchronizationJobRecord[]>;
  deleteSynchronizationJob(jobId: string): Promise<boolean>;
}
