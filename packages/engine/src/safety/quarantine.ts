/**
 * Quarantine: the job backs off when provisioning cannot work (docs/provisioning.md, "Quarantine").
 * Reasons use Graph's `synchronizationQuarantine.reason` values
 * (https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationquarantine):
 * - `EncounteredQuarantineException`: the credentials are refused (either side);
 * - `EncounteredEscrowProportionThreshold`: more than 40 % of the objects a cycle tried to write
 *   failed, and at least 5 did (Entra waits for 5,000 failures; 5 suits small tenants too);
 * - `TooManyDeletes`: a cycle held actions back at an accidental-deletion threshold (disables and
 *   deletes, role downgrades, membership removals: pipeline/guard.ts).
 * While quarantined, cycles run after 1, 2, 4, 8 … intervals (at least 1 min), at most once a day;
 * the job leaves quarantine when a cycle succeeds, or on `resume`/`restart`.
 */
import type { ErrorRegistry } from '../errors/catalogue.js';
import { EngineErrorCode, engineErrorRegistry, engineErrors } from '../errors/engine.js';
import type { ConnectorError } from '../ports/common.js';

export type QuarantineReason =
  | 'EncounteredQuarantineException'
  | 'EncounteredEscrowProportionThreshold'
  | 'TooManyDeletes';

export interface QuarantineState {
  readonly reason: QuarantineReason;
  /** When the quarantine was last evaluated and imposed. */
  readonly currentBegan: string;
  /** First imposition in this series (a series ends when the quarantine is lifted). */
  readonly seriesBegan: string;
  /** Times in this series the quarantine was re-evaluated and left in effect. */
  readonly seriesCount: number;
  readonly nextAttempt: string;
  readonly error: {
    readonly code: string;
    readonly message: string;
    /** A few failing requests (method and path, with what answered). */
    readonly failingRequests: readonly string[];
    /** How many objects were involved (failures, or staged deprovisionings). */
    readonly objects: number;
  };
}

export const proportionThreshold = 0.4;
export const minimumFailures = 5;
const dayMs = 24 * 60 * 60_000;

/**
 * Whether an error means the credentials are refused, which quarantines the job whatever the counts:
 * a code of the `credentials` category (`InvalidCredentials`, from either connector), or any 401.
 */
export function isCredentialError(
  error: Pick<ConnectorError, 'code' | 'httpStatus'>,
  registry: ErrorRegistry = engineErrorRegistry,
): boolean {
  return registry.lookup(error.code)?.category === 'credentials' || error.httpStatus === 401;
}

export function tooManyFailures(failed: number, attempted: number): boolean {
  return failed >= minimumFailures && attempted > 0 && failed / attempted > proportionThreshold;
}

export function quarantineDelayMs(seriesCount: number, intervalMs: number): number {
  const base = Math.max(intervalMs, 60_000);
  return Math.min(dayMs, base * 2 ** Math.min(seriesCount, 20));
}

/** The quarantine after a cycle that found `reason`, continuing a series when there is one. */
export function imposeQuarantine(
  previous: QuarantineState | null,
  reason: QuarantineReason,
  error: QuarantineState['error'],
  now: Date,
  intervalMs: number,
): QuarantineState {
  const seriesCount = previous ? previous.seriesCount + 1 : 0;
  return {
    reason,
    currentBegan: now.toISOString(),
    seriesBegan: previous?.seriesBegan ?? now.toISOString(),
    seriesCount,
    nextAttempt: new Date(now.getTime() + quarantineDelayMs(seriesCount, intervalMs)).toISOString(),
    error,
  };
}

/**
 * What each reason means and what to do, in neutral words: operations are named as "(resume)", and
 * front ends present them (`presentOperations`).
 */
const explanations: Record<QuarantineReason, { what: string; fix: string }> = {
  EncounteredQuarantineException: {
    what: 'The credentials were refused.',
    fix: 'Check the Zendesk API token and admin e-mail, or the Entra client secret, and test the connection (test-connection); then resume the job (resume).',
  },
  EncounteredEscrowProportionThreshold: {
    what: 'Most of the objects this cycle tried to write failed.',
    fix: 'Look at the failures in the provisioning log (logs-failures), fix their cause, then resume the job (resume); or wait: provisio retries on its back-off schedule.',
  },
  TooManyDeletes: {
    what: 'The cycle wanted to deprovision, downgrade or remove from groups more than an accidental-deletion threshold allows (settings.accidentalDeletionThreshold, downgradeThreshold, membershipRemovalThreshold); none of those actions was done.',
    fix: engineErrors.info(EngineErrorCode.TooManyDeletes).recommendedAction,
  },
};

export function explainQuarantine(reason: QuarantineReason): { what: string; fix: string } {
  return explanations[reason];
}
