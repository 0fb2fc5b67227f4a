/** Types shared by the ports. */

/**
 * What a connector is, for the provisioning log's `sourceSystem`/`targetSystem`: the system's name
 * as people know it ("Microsoft Entra ID", "Zendesk") and the instance (a tenant id, a host name).
 */
export interface SystemInfo {
  readonly displayName: string;
  readonly id: string;
  readonly details: Readonly<Record<string, string>>;
}

import type { ErrorCode } from '../errors/engine.js';

/**
 * The outcome of a connection test, explained for a person: what was checked, what failed, and
 * what to do about it. Never carries a secret.
 */
export interface ConnectionCheck {
  /** Every required step passed (an optional step that failed is a warning, not a failure). */
  readonly ok: boolean;
  /** Each check in order, e.g. "token", "read users", "read app role assignments". */
  readonly steps: readonly ConnectionStep[];
}

export interface ConnectionStep {
  readonly name: string;
  readonly ok: boolean;
  /** What was found ("authenticated as admin@example.com (admin)") or what went wrong. */
  readonly detail: string;
  /** A code of the error catalogue (e.g. `InvalidCredentials`), when the step failed. */
  readonly code?: ErrorCode;
  /** What to do about it, when the step failed. */
  readonly fix?: string;
  /**
   * `required` (the default): provisioning cannot run without it, and its failure fails the test.
   * `optional`: a capability provisio can do without (role import, a notification e-mail): its
   * failure is a warning, and `lost` says what goes without it (docs/provisioning.md#npx-provisio-test-connection).
   */
  readonly level?: ConnectionStepLevel;
  /** For an optional step that failed: what is lost without it. */
  readonly lost?: string;
}

export type ConnectionStepLevel = 'required' | 'optional';

/**
 * An error from a connector, for the provisioning log: a code of the error catalogue (Entra's names
 * where they exist; `Code` is the connector's own code union, e.g. `ConnectorError<ZendeskErrorCode>`),
 * a public `message`, internal `detail` kept apart, whether retrying later may succeed, and the
 * request and response that failed (with secrets removed).
 */
export interface ConnectorError<Code extends string = ErrorCode> {
  readonly code: Code;
  /**
   * The public sentence: what went wrong for this object or request, for the administrator (the
   * provisioning log, a cycle's record, the admin API). No secret, and no raw exception text.
   */
  readonly message: string;
  /** Internal detail (an unexpected exception's text), for provisio's own logs only. */
  readonly detail?: string;
  readonly retryable: boolean;
  readonly httpStatus?: number;
  /** e.g. `POST /api/v2/users/create_or_update_many`. */
  readonly request?: string;
  /** The response body (truncated to 2,000 characters), secrets removed. */
  readonly response?: string;
  /** What the administrator can do, in neutral words (see the catalogue's `recommendedAction`). */
  readonly recommendedAction?: string;
}

/** The error connectors throw for whole-operation failures (a read that cannot proceed). */
export class ConnectorFailure<Code extends string = ErrorCode> extends Error {
  readonly detail: ConnectorError<Code>;
  constructor(detail: ConnectorError<Code>) {
    super(detail.message);
    this.name = 'ConnectorFailure';
    this.detail = detail;
  }
}
