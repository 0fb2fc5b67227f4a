import { isLoopbackUrl, issueLines, type RequestBudget } from '@provisio/engine';
import { z } from 'zod';
import type { ZendeskHttpOptions } from '../client/http.js';
import type { BulkJobsOptions } from '../client/jobs.js';
import { ZendeskErrorCode } from '../errors.js';

/** What `createZendeskTarget` takes. The token is given as a value, never logged. */
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
  /** The time, for the incremental export's start and pace (default: the system clock). */
  readonly now?: () => Date;
  /**
   * The incremental user export is called at most once in this many milliseconds (default 30 000);
   * between, `loadChangedUsers` answers nothing without a request. Zendesk allows 10 export
   * requests a minute per account, 30 with High Volume (docs/zendesk-limits.md).
   */
  readonly exportIntervalMs?: number;
  /** Tuning of bulk job polling and the number of jobs in flight. */
  readonly jobs?: BulkJobsOptions;
  /** Single-user requests in parallel when a bulk endpoint is not available (default 8). */
  readonly singleRequestConcurrency?: number;
  /** Retries of one request before it fails (default 6). */
  readonly maxRetries?: number;
  /** The fetch implementation (default: the global one). */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * The account's request budget shared with other jobs and processes (docs/operations.md#workers);
   * none: the connector paces itself by Zendesk's rate-limit headers alone.
   */
  readonly requestBudget?: RequestBudget;
}

/** Default pace of the incremental export: twice a minute, a fifth of Zendesk's 10 a minute. */
export const defaultExportIntervalMs = 30_000;

export interface ResolvedOptions {
  /** For the HTTP client: the subdomain in lower case, the credentials trimmed. */
  readonly http: ZendeskHttpOptions;
  /** The host requests go to (`{domain}.zendesk.com`, or the base URL's), for messages. */
  readonly host: string;
  /** The account's host as Zendesk names it, `{domain}.zendesk.com`, also behind a base URL. */
  readonly accountHost: string;
  readonly now: () => Date;
  readonly exportIntervalMs: number;
  readonly jobs: BulkJobsOptions;
  /** Single requests in parallel. */
  readonly singleRequestConcurrency: number;
  /** Bulk chunks in progress at once: as many as jobs may be in flight. */
  readonly chunkConcurrency: number;
}

/** Thrown by `createZendeskTarget` for options that cannot work; lists every problem at once. */
export class ZendeskConfigurationError extends Error {
  override readonly name = 'ZendeskConfigurationError';
  readonly code = ZendeskErrorCode.InvalidConfiguration;
  constructor(readonly problems: readonly string[]) {
    super(`Invalid Zendesk connection settings: ${problems.join('; ')}`);
  }
}

const subdomainPattern = /^[a-z0-9][a-z0-9-]*$/i;

/**
 * The domain must be a bare subdomain, so that the token can only ever go to
 * `https://<domain>.zendesk.com` (or the explicit `baseUrl`).
 */
const domain = z
  .string({ error: 'required (the subdomain, "acme" for https://acme.zendesk.com)' })
  .superRefine((value, ctx) => {
    if (subdomainPattern.test(value) && value.length <= 63) return;
    const hint = /\.zendesk\.com/i.test(value)
      ? ` (enter only the subdomain, e.g. "${value.replace(/^https?:\/\//i, '').split('.')[0] ?? ''}")`
      : '';
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not a Zendesk subdomain: use letters, digits and hyphens only, as in "acme" for https://acme.zendesk.com${hint}`,
    });
  });

const adminRequired = "required (the Zendesk admin's email address)";
const adminUsername = z
  .string({ error: adminRequired })
  .trim()
  .min(1, { error: adminRequired, abort: true })
  .includes('@', { error: "must be the Zendesk admin's email address" });

const tokenRequired = 'required (a Zendesk API token)';

const baseUrlProblem = 'must be an http(s) URL without credentials, e.g. http://127.0.0.1:4010';
const baseUrl = z.string({ error: baseUrlProblem }).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: baseUrlProblem });
    return;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
    ctx.addIssue({ code: 'custom', message: baseUrlProblem });
  else if (url.protocol === 'http:' && !isLoopbackUrl(value))
    // The admin e-mail and API token go in every request's Authorization header.
    ctx.addIssue({
      code: 'custom',
      message:
        'must use https:// unless it names this machine (127.0.0.1, ::1, localhost): the API token would cross the network in clear text',
    });
  else if (url.search || url.hash)
    ctx.addIssue({ code: 'custom', message: 'must not have a query or fragment' });
});

const fn = <T>() => z.custom<T>((v) => typeof v === 'function', 'must be a function');
const count = (min: number) => z.number().int().min(min);

/** The subdomain of a `<subdomain>.zendesk.com` URL; undefined for any other host. */
function zendeskAccountOf(value: string): string | undefined {
  try {
    return /^([a-z0-9-]+)\.zendesk\.com$/.exec(new URL(value).hostname.toLowerCase())?.[1];
  } catch {
    return undefined;
  }
}

const schema = z
  .object({
    domain,
    adminUsername,
    secretToken: z.string({ error: tokenRequired }).trim().min(1, tokenRequired),
    baseUrl: baseUrl.optional(),
    sleep: fn<(ms: number) => Promise<void>>().optional(),
    now: fn<() => Date>().optional(),
    exportIntervalMs: z.number().min(0).optional(),
    jobs: z
      .object({
        maxInFlight: count(1).optional(),
        initialIntervalMs: z.number().min(0).optional(),
        maxFirstWaitMs: z.number().min(0).optional(),
        maxIntervalMs: z.number().min(0).optional(),
        notFoundPolls: count(1).optional(),
        timeoutMs: z.number().min(0).optional(),
      })
      .optional(),
    singleRequestConcurrency: count(1).optional(),
    maxRetries: count(0).optional(),
    fetch: fn<typeof globalThis.fetch>().optional(),
    requestBudget: z
      .custom<RequestBudget>(
        (v) => typeof v === 'object' && v !== null && typeof (v as RequestBudget).acquire === 'function',
        'must be a request budget (an object with acquire)',
      )
      .optional(),
  })
  // The domain is checked with a base URL too: a Zendesk host in it must name the same account.
  .superRefine((o, ctx) => {
    const account = o.baseUrl === undefined ? undefined : zendeskAccountOf(o.baseUrl);
    if (account !== undefined && account !== o.domain.toLowerCase())
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message: `names the Zendesk account "${account}" but domain is "${o.domain}": both must name the same account`,
      });
  });

/**
 * Checks the options before anything is sent, every problem at once (`ZendeskConfigurationError`),
 * and fills in the defaults. Messages never repeat the token.
 */
export function resolveOptions(options: ZendeskTargetOptions): ResolvedOptions {
  const parsed = schema.safeParse(options);
  if (!parsed.success) throw new ZendeskConfigurationError(issueLines(parsed.error.issues, '(options)'));
  const o = parsed.data;
  const subdomain = o.domain.toLowerCase();
  const accountHost = `${subdomain}.zendesk.com`;
  const jobs: BulkJobsOptions = options.jobs ?? {};
  return {
    http: {
      domain: subdomain,
      adminUsername: o.adminUsername,
      secretToken: o.secretToken,
      ...(o.baseUrl === undefined ? {} : { baseUrl: o.baseUrl }),
      ...(o.sleep === undefined ? {} : { sleep: o.sleep }),
      ...(o.maxRetries === undefined ? {} : { maxRetries: o.maxRetries }),
      ...(o.fetch === undefined ? {} : { fetch: o.fetch }),
      ...(o.requestBudget === undefined ? {} : { requestBudget: o.requestBudget }),
    },
    host: o.baseUrl ? new URL(o.baseUrl).host : accountHost,
    accountHost,
    now: o.now ?? (() => new Date()),
    exportIntervalMs: o.exportIntervalMs ?? defaultExportIntervalMs,
    jobs,
    singleRequestConcurrency: o.singleRequestConcurrency ?? 8,
    chunkConcurrency: jobs.maxInFlight ?? 10,
  };
}
