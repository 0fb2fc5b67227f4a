import { type FaultSpec, noFaults } from '../common/faults.js';

/** Everything that can change at run time through `PUT /__emulator/config`. */
export interface EntraSettings {
  /** false turns the per-app Graph request budget off (benchmarks). */
  rateLimits: boolean;
  /** Graph requests each client application may make per window before 429. */
  requestsPerWindow: number;
  /** Length of the throttling window in seconds. */
  windowSeconds: number;
  /** Server-side page size of Graph lists when the client sends no $top. */
  pageSize: number;
  /** Lifetime of issued access and ID tokens in seconds. */
  tokenLifetimeSeconds: number;
  faults: FaultSpec;
  /** Milliseconds added to the real clock (token lifetimes, timestamps, throttling windows). */
  clockOffsetMs: number;
}

export interface EntraEmulatorOptions {
  port?: number;
  host?: string;
  /** Directory (tenant) id; a GUID. */
  tenantId?: string;
  /** The tenant's initial domain, e.g. `provisio-demo.onmicrosoft.com`. */
  domain?: string;
  /** Application (client) id of the provisioning app registration. */
  clientId?: string;
  /** Client secret of the provisioning app registration. */
  clientSecret?: string;
  /**
   * Microsoft Graph application permissions granted to the provisioning app (the `roles` of its
   * tokens); defaults to {@link defaultPermissions}.
   */
  permissions?: readonly string[];
  /** Redirect URIs registered on the provisioning app (authorization-code flow). */
  redirectUris?: readonly string[];
  /**
   * Application (client) id of the administration app registration, a GUID different from
   * `clientId`; defaults to `defaults.adminClientId`. Its tokens carry {@link adminPermissions}.
   */
  adminClientId?: string;
  /** Client secret of the administration app registration (non-empty). */
  adminClientSecret?: string;
  rateLimits?: boolean;
  requestsPerWindow?: number;
  pageSize?: number;
  tokenLifetimeSeconds?: number;
  faults?: FaultSpec;
  /** A seed document (see docs/emulators.md) applied after the built-in tenant. */
  seed?: unknown;
  /** Log each request to stderr. */
  logRequests?: boolean;
  /**
   * `--data`: a JSON file holding the directory, loaded at start-up when it exists (the seed is then
   * ignored) and written after changes and at close.
   */
  dataFile?: string;
}

/** What the provisioning app is granted unless told otherwise: everything provisio needs. */
export const defaultPermissions: readonly string[] = [
  'User.Read.All',
  'Group.Read.All',
  'GroupMember.Read.All',
  'Application.ReadWrite.OwnedBy',
  'AppRoleAssignment.ReadWrite.All',
];

/**
 * What the administration app is granted: enough to change the directory through Graph as an Entra
 * administrator would (users, groups and memberships, app role assignments, applications), for
 * scripts, demos and tests. See docs/emulators.md for which route needs which permission.
 */
export const adminPermissions: readonly string[] = [
  'Directory.ReadWrite.All',
  'User.ReadWrite.All',
  'Group.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
  'Application.ReadWrite.All',
];

export const defaults = {
  host: '127.0.0.1',
  // Fixed GUIDs rather than random ones: the printed credentials stay the same from run to run, so
  // a demo's configuration file keeps working after a restart.
  tenantId: '8f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f',
  domain: 'provisio-demo.onmicrosoft.com',
  clientId: '6a1f4b2c-3d5e-4f60-8a71-b2c3d4e5f607',
  clientSecret: 'emulator-client-secret',
  adminClientId: '3c9e5d7a-1b2f-4e48-9a6c-d0e1f2a3b4c5',
  adminClientSecret: 'emulator-admin-secret',
  redirectUris: ['http://localhost', 'http://127.0.0.1'] as readonly string[],
  // Graph documents no fixed number for its per-app budget; this is in the range its throttling
  // guidance describes for directory reads and small enough for tests to reach.
  requestsPerWindow: 2000,
  windowSeconds: 10,
  pageSize: 100,
  tokenLifetimeSeconds: 3599,
};

export function initialSettings(options: EntraEmulatorOptions): EntraSettings {
  return {
    rateLimits: options.rateLimits ?? true,
    requestsPerWindow: options.requestsPerWindow ?? defaults.requestsPerWindow,
    windowSeconds: defaults.windowSeconds,
    pageSize: options.pageSize ?? defaults.pageSize,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? defaults.tokenLifetimeSeconds,
    faults: options.faults ?? noFaults,
    clockOffsetMs: 0,
  };
}
