/** Types shared by the ports. */

/**
 * The outcome of a connection test, explained for a person: what was checked, what failed, and
 * what to do about it. Never carries a secret.
 */
export interface ConnectionCheck {
  readonly ok: boolean;
  /** Each check in order, e.g. "token", "read users", "read app role assignments". */
  readonly steps: readonly ConnectionStep[];
}

export interface ConnectionStep {
  readonly name: string;
  readonly ok: boolean;
  /** What was found ("authenticated as admin@example.com (admin)") or what went wrong. */
  readonly detail: string;
  /** A stable error code from the catalogue (e.g. `InvalidCredentials`), when the step failed. */
  readonly code?: string;
  /** What to do about it, when the step failed. */
  readonly fix?: string;
}

/**
 * An error from a connector, for the provisioning log: stable `code` (Entra's names where they
 * exist), a public `message`, whether retrying later may succeed, and the request and response that
 * failed (with secrets removed).
 */
export interface ConnectorError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly httpStatus?: number;
  /** e.g. `POST /api/v2/users/create_or_update_many`. */
  readonly request?: string;
  /** The response body (truncated to 2,000 characters), secrets removed. */
  readonly response?: string;
  /** What the administrator can do. */
  readonly recommendedAction?: string;
}

/** The error connectors throw for whole-operation failures (a read that cannot proceed). */
export class ConnectorFailure extends Error {
  readonly detail: ConnectorError;
  constructor(detail: ConnectorError) {
    super(detail.message);
    this.name = 'ConnectorFailure';
    this.detail = detail;
  }
}
