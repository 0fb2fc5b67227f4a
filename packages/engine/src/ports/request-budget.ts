/**
 * A budget of requests shared by everyone who calls one account of a target system: a connector
 * asks it before each request, so that many jobs, in one process or in many (`provisio worker`s on
 * several machines), writing to the same account stay within that account's rate limit together
 * (docs/operations.md#workers). The account is named by its base URL; the limit comes from the
 * connector, which knows its system's plans and reads the limit the system reports.
 */
export interface RequestBudget {
  /**
   * Resolves when one more request to `account` fits within `perMinute` requests a minute, across
   * every holder of this budget; resolves early (without error) when `signal` aborts.
   */
  acquire(account: string, perMinute: number, signal?: AbortSignal): Promise<void>;
}
