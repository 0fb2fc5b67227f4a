import type { BulkJobsOptions } from '../client/jobs.js';
import { ZendeskErrorCode } from '../errors.js';

export interface ZendeskTargetOptions {
  /** The subdomain of `https://<domain>.zendesk.com` (letters, digits and hyphens only). */
  readonly domain: string;
  /** The email address of a Zendesk admin. */
  readonly adminUsername: string;
  /** An API token of the account. */
  readonly secretToken: string;
  /** Replaces `https://{domain}.zendesk.com` (the emulator, a proxy). */
  readonly baseUrl?: string;
  /** Waits (retries, pacing, job polling); real timers by default. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The time, for the incremental export's start (default: the system clock). */
  readonly now?: () => Date;
  /** Tuning of bulk job polling and the number of jobs in flight. */
  readonly jobs?: BulkJobsOptions;
  /** Single-user requests in parallel when a bulk endpoint is not available (default 8). */
  readonly singleRequestConcurrency?: number;
  /** Retries of one request before it fails (default 6). */
  readonly maxRetries?: number;
  /** The fetch implementation (default: the global one). */
  readonly fetch?: typeof globalThis.fetch;
}

/** Thrown by `createZendeskTarget` for options that cannot work; lists every problem. */
export class ZendeskConfigurationError extends Error {
  override readonly name = 'ZendeskConfigurationError';
  readonly code = ZendeskErrorCode.InvalidConfiguration;
  constructor(readonly problems: readonly string[]) {
    super(`Invalid Zendesk connection settings: ${problems.join('; ')}`);
  }
}

const subdomainPattern = /^[a-z0-9][a-z0-9-]*$/i;

/**
 * Checks the options before anything is sent. The domain must be a bare subdomain, so that the
 * token can only ever go to `https://<domain>.zendesk.com` (or the explicit `baseUrl`). Messages
 * never repeat the token.
 */
export function validateOptions(options: ZendeskTargetOptions): void {
  const problems: string[] = [];
  const domain = typeof options.domain === 'string' ? options.domain : '';
  if (!subdomainPattern.test(domain) || domain.length > 63) {
    const hint = /\.zendesk\.com/i.test(domain)
      ? ` (enter only the subdomain, e.g. "${domain.replace(/^https?:\/\//i, '').split('.')[0] ?? ''}")`
      : '';
    problems.push(
      `domain: "${domain}" is not a Zendesk subdomain: use letters, digits and hyphens only, as in "acme" for https://acme.zendesk.com${hint}`,
    );
  }
  if (typeof options.adminUsername !== 'string' || options.adminUsername.trim() === '') {
    problems.push("adminUsername: required (the Zendesk admin's email address)");
  } else if (!options.adminUsername.includes('@')) {
    problems.push("adminUsername: must be the Zendesk admin's email address");
  }
  if (typeof options.secretToken !== 'string' || options.secretToken.trim() === '') {
    problems.push('secretToken: required (a Zendesk API token)');
  }
  if (options.baseUrl !== undefined) {
    let url: URL | null = null;
    try {
      url = new URL(options.baseUrl);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
      problems.push('baseUrl: must be an http(s) URL without credentials, e.g. http://127.0.0.1:4010');
    } else if (url.search || url.hash) {
      problems.push('baseUrl: must not have a query or fragment');
    }
  }
  if (problems.length > 0) throw new ZendeskConfigurationError(problems);
}
