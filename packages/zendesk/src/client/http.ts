import { classifyNetworkError, describeIssues, type RequestBudget, truncate } from '@provisio/engine';
import type { z } from 'zod';
import { ZendeskErrorCode } from '../errors.js';
import { type ErrorSubject, errorForStatus, networkFix, ZendeskHttpError } from './errors.js';
import {
  backoffMs,
  defaultMaxRetries,
  isAmbiguousFailure,
  isRetryableNetworkFailure,
  isRetryableStatus,
  maxTotalRetryWaitMs,
  retryDelay,
  withinRetryBudget,
} from './retry.js';

/**
 * The one function every Zendesk call goes through: base URL, API-token authentication, JSON,
 * pacing by the rate-limit headers, bounded retries (the policy is `retry.ts`), and a request
 * counter. Authentication lives here rather than in an `auth/` folder as in the Entra connector:
 * Zendesk's API token is a static Basic credential, `{email}/token:{token}`
 * (https://developer.zendesk.com/api-reference/introduction/security-and-auth/), with nothing to
 * acquire or renew.
 */

export type Sleep = (ms: number) => Promise<void>;
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type QueryValue = string | number | boolean | readonly (string | number)[] | undefined;
export type Query = Readonly<Record<string, QueryValue>>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface ZendeskHttpOptions {
  /** The account's subdomain (`acme` for `https://acme.zendesk.com`). Validated by the caller. */
  readonly domain: string;
  readonly adminUsername: string;
  readonly secretToken: string;
  /** Replaces `https://{domain}.zendesk.com` (emulators, proxies). */
  readonly baseUrl?: string;
  /** Waits (retries, pacing, job polling); real timers by default, fast ones in tests. */
  readonly sleep?: Sleep;
  /** Retries after the first attempt before giving up (default 6). */
  readonly maxRetries?: number;
  /** The longest one request waits between its attempts, all waits together (default 15 minutes). */
  readonly maxTotalRetryWaitMs?: number;
  /** Abort a request that has not answered after this many milliseconds (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** The fetch implementation (default: the global one). */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * The account's request budget shared with other jobs and processes, asked before every request
   * (docs/operations.md#workers); none: this client paces itself by the rate-limit headers alone.
   */
  readonly requestBudget?: RequestBudget;
}

/**
 * The requests a minute assumed before Zendesk has reported the account's limit: the lowest plan's
 * (Team, https://developer.zendesk.com/api-reference/introduction/rate-limits/).
 */
export const assumedRequestsPerMinute = 200;

export interface RequestOptions<T> {
  readonly query?: Query;
  readonly body?: unknown;
  /** Validates a 2xx body; unknown fields pass through (see schemas.ts). */
  readonly schema: z.ZodType<T>;
  /**
   * Whether repeating the request cannot do harm: then 5xx answers and connection failures are
   * retried too. Defaults to true for GET, PUT and DELETE, false for POST.
   */
  readonly idempotent?: boolean;
  /**
   * For a request that is not idempotent: how to find out, after an ambiguous failure (a 5xx, a
   * timeout or a reset once the request was sent), whether Zendesk applied it all the same, e.g. the
   * group `POST /groups` would have created, looked up by name. What it returns (not null) is taken
   * as the answer; null means "not applied", and the request is tried again within the retry
   * budget. Without it, such a request is never repeated (docs/provisioning.md#retries).
   */
  readonly recover?: () => Promise<T | null>;
  /** What the request is about: a 404 on a `user`, `group` or `membership` becomes `InvalidAnchor`. */
  readonly subject?: ErrorSubject;
  /** Told the HTTP status of the 2xx answer (e.g. 201 Created vs 200 OK of create_or_update). */
  readonly onSuccessStatus?: (status: number) => void;
}

/** The account-wide budget as the last answer reported it. */
export interface RateLimitInfo {
  readonly limit: number | null;
  readonly remaining: number | null;
  /** Seconds until the budget is renewed. */
  readonly resetSeconds: number | null;
}

interface HeaderReader {
  get(name: string): string | null;
}

function numberHeader(headers: HeaderReader, names: readonly string[]): number | null {
  for (const name of names) {
    const raw = headers.get(name);
    if (raw === null || raw.trim() === '') continue;
    const value = Number(raw.trim());
    if (Number.isFinite(value) && value >= 0) return value;
  }
  return null;
}

/**
 * Reads the account-wide rate-limit headers in any of the spellings Zendesk has used: the
 * documented `x-rate-limit` / `x-rate-limit-remaining` and `ratelimit-limit` / `ratelimit-remaining`
 * / `ratelimit-reset`, and the hyphenated `rate-limit-*` seen in 2023 traffic (https://developer.zendesk.com/api-reference/introduction/rate-limits/).
 */
export function parseRateLimitHeaders(headers: HeaderReader): RateLimitInfo {
  return {
    limit: numberHeader(headers, ['ratelimit-limit', 'x-rate-limit', 'rate-limit']),
    remaining: numberHeader(headers, [
      'ratelimit-remaining',
      'x-rate-limit-remaining',
      'rate-limit-remaining',
    ]),
    resetSeconds: numberHeader(headers, ['ratelimit-reset', 'rate-limit-reset', 'x-rate-limit-reset']),
  };
}

/**
 * How few remaining requests count as "low": pause until the window resets rather than run into
 * 429. A few requests may be in flight at once (job polls, up to ten bulk jobs), hence up to 10.
 */
export function lowWaterMark(limit: number | null): number {
  if (limit === null) return 2;
  return Math.max(1, Math.min(10, Math.ceil(limit * 0.05)));
}

/**
 * The code of a fetch failure (`ECONNRESET`, `ENOTFOUND`, `SELF_SIGNED_CERT_IN_CHAIN`…),
 * `ETIMEDOUT` for our timeout, `ENETWORK` when fetch does not say (the engine's classification).
 */
export function networkErrorCode(error: unknown): string {
  return classifyNetworkError(error).code;
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

/** Said of a write that failed ambiguously and has no look-up: why it was not tried again. */
const notRepeated =
  ' (not repeated: Zendesk may have applied it before failing; the next cycle reads Zendesk again and plans from what it finds)';

/**
 * `recover` after an ambiguous failure (`failure`): what Zendesk holds, or null. When the look-up
 * itself fails, the write's failure is thrown, saying that whether it was applied is unknown.
 */
async function lookUp<T>(recover: () => Promise<T | null>, failure: ZendeskHttpError): Promise<T | null> {
  try {
    return await recover();
  } catch (error) {
    throw new ZendeskHttpError({
      code: failure.code,
      retryable: true,
      request: failure.request,
      message: `${failure.message}; whether Zendesk applied it could not be checked (${error instanceof Error ? error.message : String(error)}), so it was not repeated`,
      ...(failure.status === undefined ? {} : { status: failure.status }),
      ...(failure.response === undefined ? {} : { response: failure.response }),
      ...(failure.recommendedAction === undefined ? {} : { recommendedAction: failure.recommendedAction }),
      ...(failure.networkCode === undefined ? {} : { networkCode: failure.networkCode }),
    });
  }
}

export class ZendeskHttp {
  /** The Authorization header; a private field so it never shows in logs or `util.inspect`. */
  readonly #authorization: string;
  readonly #base: URL;
  readonly #sleep: Sleep;
  readonly #fetch: typeof globalThis.fetch;
  readonly #maxRetries: number;
  readonly #maxTotalWaitMs: number;
  readonly #timeoutMs: number;
  #requests = 0;
  #pacingPauses = 0;
  /** While set, every request waits for it first (the account budget is exhausted). */
  #pause: Promise<void> | null = null;
  /** Bumped after each pause, so answers sent before it cannot start another one. */
  #generation = 0;
  readonly #budget: RequestBudget | undefined;
  /** The account's limit a minute, as the last answer reported it. */
  #limitPerMinute: number | null = null;
  /** The latest time Zendesk's own clock gave (its `Date` header), in ms; null before any answer. */
  #serverTime: number | null = null;

  constructor(options: ZendeskHttpOptions) {
    this.#authorization = `Basic ${Buffer.from(`${options.adminUsername}/token:${options.secretToken}`).toString('base64')}`;
    this.#base = new URL(options.baseUrl ?? `https://${options.domain}.zendesk.com`);
    this.#sleep = options.sleep ?? realSleep;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#maxRetries = options.maxRetries ?? defaultMaxRetries;
    this.#maxTotalWaitMs = options.maxTotalRetryWaitMs ?? maxTotalRetryWaitMs;
    this.#timeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#budget = options.requestBudget;
  }

  /** Requests sent so far, retries included (benchmarks report it). */
  get requests(): number {
    return this.#requests;
  }

  /** How many times the client paused because the rate-limit headers said the budget was low. */
  get pacingPauses(): number {
    return this.#pacingPauses;
  }

  /** The account's base URL (no credentials in it). */
  get baseUrl(): string {
    return this.#base.origin + this.#base.pathname.replace(/\/$/, '');
  }

  get sleep(): Sleep {
    return this.#sleep;
  }

  /**
   * The latest time Zendesk's `Date` response header gave (whole seconds, so at most a second
   * behind Zendesk's clock when it answered); null before the first answer that had one.
   */
  get serverTime(): Date | null {
    return this.#serverTime === null ? null : new Date(this.#serverTime);
  }

  /**
   * The URL of `path` (`/api/v2/...`) or of a link Zendesk sent (`links.next`, `after_url`). A link
   * is rebased onto our own base URL: the credentials only ever go to the configured host.
   */
  url(path: string, query?: Query): URL {
    let url: URL;
    if (/^https?:\/\//i.test(path)) {
      const link = new URL(path);
      url = new URL(this.baseUrl);
      url.pathname = link.pathname;
      url.search = link.search;
    } else {
      url = new URL(this.baseUrl + (path.startsWith('/') ? path : `/${path}`));
    }
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      url.searchParams.set(key, Array.isArray(value) ? value.join(',') : String(value));
    }
    return url;
  }

  async request<T>(method: HttpMethod, path: string, options: RequestOptions<T>): Promise<T> {
    const url = this.url(path, options.query);
    const label = `${method} ${url.pathname}`;
    const idempotent = options.idempotent ?? method !== 'POST';
    const headers: Record<string, string> = {
      authorization: this.#authorization,
      accept: 'application/json',
      'user-agent': 'provisio-zendesk',
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }

    // Time spent waiting between this request's attempts, against the budget.
    let waited = 0;
    let attempt = 0;
    const fits = (wait: number) =>
      withinRetryBudget(attempt + 1, waited, wait, this.#maxRetries, this.#maxTotalWaitMs);
    for (; ; attempt += 1) {
      while (this.#pause) await this.#pause;
      await this.#budget?.acquire(this.baseUrl, this.#limitPerMinute ?? assumedRequestsPerMinute);
      const generation = this.#generation;
      this.#requests += 1;
      let response: Response;
      let text: string;
      try {
        response = await this.#fetch(url, {
          method,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        // Only a timeout or a reset may pass by itself; an unknown host, a refused port or an
        // untrusted certificate fails at once, with what to fix.
        const failure = classifyNetworkError(error);
        const wait = backoffMs(attempt);
        const ambiguous = !idempotent && isAmbiguousFailure(failure);
        const networkError = (note: string) =>
          new ZendeskHttpError({
            code: ZendeskErrorCode.ZendeskNetworkError,
            retryable: failure.retryable,
            request: label,
            networkCode: failure.code,
            message: `Could not reach Zendesk at ${url.host} for ${label}: ${failure.description} (${failure.code}): ${describeNetworkError(error)}${attempt > 0 ? ` (after ${attempt} retries)` : ''}${note}`,
            recommendedAction: networkFix(failure, url.host),
          });
        const repeatable =
          isRetryableNetworkFailure(failure, idempotent) || (ambiguous && options.recover !== undefined);
        if (repeatable && fits(wait)) {
          await this.#sleep(wait);
          waited += wait;
          if (ambiguous && options.recover) {
            const found = await lookUp(options.recover, networkError(''));
            if (found !== null) return found;
          }
          continue;
        }
        throw networkError(ambiguous && options.recover === undefined ? notRepeated : '');
      }

      this.#noteServerTime(response.headers.get('date'));
      const rate = parseRateLimitHeaders(response.headers);
      if (rate.limit !== null && rate.limit > 0) this.#limitPerMinute = rate.limit;
      if (response.ok) {
        this.#observe(rate, generation);
        const parsed = this.#parse(text, options.schema, label, response.status);
        options.onSuccessStatus?.(response.status);
        return parsed;
      }

      const status = response.status;
      const ambiguous = !idempotent && isAmbiguousFailure({ status });
      const retryable = isRetryableStatus(status, idempotent) || (ambiguous && options.recover !== undefined);
      const wait = retryable ? retryDelay(attempt, response.headers.get('retry-after')) : 0;
      if (retryable && fits(wait)) {
        waited += wait;
        if (status === 429 && rate.remaining === 0) {
          // The account-wide budget is spent: hold every request, not only this one. A 429 with
          // budget left is endpoint-specific (incremental export, Update User per user).
          this.#startPause(wait);
        } else {
          await this.#sleep(wait);
        }
        if (ambiguous && options.recover) {
          const found = await lookUp(options.recover, errorForStatus(status, label, text, options.subject));
          if (found !== null) return found;
        }
        continue;
      }
      this.#observe(rate, generation);
      const error = errorForStatus(status, label, text, options.subject);
      if (ambiguous && !retryable) {
        throw new ZendeskHttpError({
          code: error.code,
          retryable: true,
          request: label,
          status,
          response: truncate(text),
          message: `${error.message}${notRepeated}`,
          ...(error.recommendedAction === undefined ? {} : { recommendedAction: error.recommendedAction }),
        });
      }
      if (retryable) {
        throw new ZendeskHttpError({
          code: error.code,
          retryable: true,
          request: label,
          status,
          response: truncate(text),
          message: `${error.message} (gave up after ${attempt} retries${
            attempt < this.#maxRetries
              ? `: waiting ${Math.ceil(wait / 1000)} s more would pass the retry budget of ${Math.round(this.#maxTotalWaitMs / 1000)} s`
              : ''
          })`,
          ...(error.recommendedAction === undefined ? {} : { recommendedAction: error.recommendedAction }),
        });
      }
      throw error;
    }
  }

  #parse<T>(text: string, schema: z.ZodType<T>, label: string, status: number): T {
    let json: unknown = null;
    if (text.trim() !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        throw new ZendeskHttpError({
          code: ZendeskErrorCode.ZendeskUnexpectedResponse,
          retryable: true,
          request: label,
          status,
          response: truncate(text),
          message: `Zendesk answered ${label} with a body that is not JSON`,
        });
      }
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const issues = describeIssues(parsed.error.issues);
    throw new ZendeskHttpError({
      code: ZendeskErrorCode.ZendeskUnexpectedResponse,
      retryable: false,
      request: label,
      status,
      response: truncate(text),
      message: `Zendesk's answer to ${label} does not have the documented shape: ${issues}`,
    });
  }

  /** Pauses every request until the window resets when the budget is nearly spent. */
  #observe(rate: RateLimitInfo, generation: number): void {
    if (generation !== this.#generation || this.#pause) return;
    if (rate.remaining === null || rate.resetSeconds === null) return;
    if (rate.remaining > lowWaterMark(rate.limit)) return;
    this.#pacingPauses += 1;
    this.#startPause(rate.resetSeconds * 1000);
  }

  #noteServerTime(date: string | null): void {
    if (date === null) return;
    const ms = Date.parse(date);
    if (Number.isFinite(ms) && (this.#serverTime === null || ms > this.#serverTime)) this.#serverTime = ms;
  }

  #startPause(ms: number): void {
    if (this.#pause) return;
    this.#pause = this.#sleep(ms)
      .catch(() => undefined)
      .then(() => {
        this.#pause = null;
        this.#generation += 1;
      });
  }
}
