import { type FaultSpec, noFaults } from '../common/faults.js';
import type { SsoOptions } from './sso/config.js';

/**
 * Zendesk Suite plans and what the emulator derives from them: the requests a minute of
 * https://developer.zendesk.com/api-reference/introduction/rate-limits/ ("Zendesk Suite plan limits"), and
 * custom roles on Enterprise and above
 * (https://developer.zendesk.com/api-reference/ticketing/account-configuration/custom_roles/).
 */
export const plans = {
  team: { requestsPerMinute: 200, customRoles: false },
  growth: { requestsPerMinute: 400, customRoles: false },
  professional: { requestsPerMinute: 400, customRoles: false },
  enterprise: { requestsPerMinute: 700, customRoles: true },
  'enterprise-plus': { requestsPerMinute: 2500, customRoles: true },
} as const;

export type Plan = keyof typeof plans;
export const planNames = Object.keys(plans) as Plan[];

export function isPlan(value: string): value is Plan {
  return Object.hasOwn(plans, value);
}

/** Everything that can change at run time through `PUT /__emulator/config`. */
export interface ZendeskSettings {
  plan: Plan;
  subdomain: string;
  /** The bulk user import endpoints answer 403 until Zendesk enables them for the account. */
  bulkImport: boolean;
  /** false turns the account-wide and endpoint rate limits off (benchmarks). */
  rateLimits: boolean;
  /** Overrides the plan's requests per minute when set. */
  requestsPerMinute: number | null;
  faults: FaultSpec;
  /** Milliseconds a bulk job stays queued, then working, before it completes. */
  jobStepMs: number;
  /** Milliseconds added to the real clock (job retention, incremental export windows). */
  clockOffsetMs: number;
}

export interface ZendeskEmulatorOptions {
  port?: number;
  host?: string;
  plan?: Plan;
  subdomain?: string;
  adminEmail?: string;
  adminName?: string;
  apiToken?: string;
  bulkImport?: boolean;
  rateLimits?: boolean;
  faults?: FaultSpec;
  jobStepMs?: number;
  /** A seed document (see `seed.ts` and docs/emulators.md) applied after the built-in account. */
  seed?: unknown;
  /** Path of a JSON file the state is loaded from (if present) and saved to. */
  dataFile?: string;
  /** Log each request to stderr. */
  logRequests?: boolean;
  /**
   * JWT single sign-on at start-up (and after every reset): one active configuration, for team members and
   * end users unless `teamMembers`/`endUsers` say otherwise. See docs/emulators.md, "Single sign-on (JWT)".
   */
  sso?: SsoOptions;
}

export const defaults = {
  host: '127.0.0.1',
  plan: 'enterprise' as Plan,
  subdomain: 'provisio-demo',
  adminEmail: 'admin@example.com',
  adminName: 'Emulator Admin',
  apiToken: 'emulator-api-token',
  jobStepMs: 25,
};

export function initialSettings(options: ZendeskEmulatorOptions): ZendeskSettings {
  return {
    plan: options.plan ?? defaults.plan,
    subdomain: options.subdomain ?? defaults.subdomain,
    bulkImport: options.bulkImport ?? false,
    rateLimits: options.rateLimits ?? true,
    requestsPerMinute: null,
    faults: options.faults ?? noFaults,
    jobStepMs: options.jobStepMs ?? defaults.jobStepMs,
    clockOffsetMs: 0,
  };
}

export function requestsPerMinute(settings: ZendeskSettings): number {
  return settings.requestsPerMinute ?? plans[settings.plan].requestsPerMinute;
}
