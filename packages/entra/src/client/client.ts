import { ConnectorFailure, describeIssues, parseRetryAfter, truncate } from '@provisio/engine';
import type { z } from 'zod';
import type { AccessToken, TokenSource } from '../auth/token-provider.js';
import { connectorFailure, EntraErrorCode } from '../errors.js';
import { graphFailure, isExpiredDeltaToken, networkFix } from './errors.js';
import { type HttpTransport, NetworkError } from './http.js';
import { type GraphOperation, graphOperations } from './permissions.js';
import {
  defaultRetryPolicy,
  type RetryPolicy,
  retryableStatuses,
  retryDelay,
  withinBudget,
} from './retry.js';
import { type CollectionPage, collectionPage } from './schemas.js';

export interface GraphClientOptions {
  /** e.g. `https://graph.microsoft.com`; paths start with `/v1.0/`. */
  readonly baseUrl: string;
  readonly transport: HttpTransport;
  readonly tokens: TokenSource;
  readonly clientId: string;
  /** Values never to show in errors (the client secret). */
  readonly secrets: readonly string[];
  readonly sleep: (ms: number) => Promise<void>;
  readonly retry?: RetryPolicy;
  /** Per request; Graph itself gives up on a request after about 100 s. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

export interface RequestOptions {
  /** What the request is for: names the permission in a 403 and the task in messages. */
  readonly operation: GraphOperation;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PageRequestOptions extends RequestOptions {
  /**
   * The request carries a delta token: an answer saying the token's state is gone (410,
   * `syncStateNotFound`) throws {@link DeltaTokenExpired} instead of failing.
   */
  readonly deltaToken?: boolean;
}

/** Graph no longer has the state of a delta token: start a new round without one. */
export class DeltaTokenExpired extends Error {
  override readonly name = 'DeltaTokenExpired';
}

/** One page of a collection as Graph sent it, with the request line for messages. */
export interface CollectionAnswer {
  readonly page: CollectionPage;
  /** `GET /v1.0/users/delta?…`, for the log. */
  readonly request: string;
}

type Answer =
  | { readonly ok: true; readonly status: number; readonly json: unknown; readonly request: string }
  | {
      readonly ok: false;
      readonly status: number;
      readonly body: string;
      readonly request: string;
      readonly attempts: number;
      readonly roles: readonly string[];
    };

/** Longest request line kept in an error (delta links are long). */
const maxRequestChars = 400;

/**
 * Talks to Microsoft Graph: bearer token from the token source (renewed once on 401), retries of
 * 429, 5xx, timeouts and resets honouring `Retry-After` within a budget of attempts and total wait
 * (retry.ts), zod-checked answers, and
 * failures as `ConnectorFailure` with stable codes. GETs, plus PATCH for the one write the connector
 * makes (the application's app roles, a whole-list replacement that is safe to repeat).
 */
export class GraphClient {
  private readonly origin: string;
  private readonly base: string;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: GraphClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(this.base).origin;
    this.retry = options.retry ?? defaultRetryPolicy;
    this.timeoutMs = options.timeoutMs ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** An absolute URL for a path such as `/v1.0/users`. */
  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** Whether a URL (a stored deltaLink) points at this Graph, so the token may be sent there. */
  isGraphUrl(url: string): boolean {
    try {
      return new URL(url).origin === this.origin;
    } catch {
      return false;
    }
  }

  /** GET one object; any failure throws. */
  async get<S extends z.ZodType>(url: string, schema: S, options: RequestOptions): Promise<z.infer<S>> {
    const answer = await this.send('GET', url, options);
    if (!answer.ok) throw this.failure(answer, options.operation);
    return this.parse(answer, schema, options.operation);
  }

  /** GET one object; 404 gives null, any other failure throws. */
  async find<S extends z.ZodType>(
    url: string,
    schema: S,
    options: RequestOptions,
  ): Promise<z.infer<S> | null> {
    const answer = await this.send('GET', url, options);
    if (!answer.ok && answer.status === 404) return null;
    if (!answer.ok) throw this.failure(answer, options.operation);
    return this.parse(answer, schema, options.operation);
  }

  /**
   * GET one page of a collection (`value` with `@odata.nextLink` or `@odata.deltaLink`); its items
   * are left unchecked. `paginate.ts` follows the links.
   */
  async getPage(url: string, options: PageRequestOptions): Promise<CollectionAnswer> {
    const answer = await this.send('GET', url, options);
    if (!answer.ok) {
      if (options.deltaToken && isExpiredDeltaToken(answer.status, answer.body))
        throw new DeltaTokenExpired(`delta token expired (${answer.status})`);
      throw this.failure(answer, options.operation);
    }
    return { page: this.parse(answer, collectionPage, options.operation), request: answer.request };
  }

  /**
   * PATCH one object with a JSON body (Graph answers 204). Only for updates that are safe to send
   * twice, since a failed attempt (timeout, reset, 429, 5xx) is retried like a read.
   */
  async patch(url: string, body: unknown, options: RequestOptions): Promise<void> {
    const answer = await this.send('PATCH', url, options, JSON.stringify(body));
    if (!answer.ok) throw this.failure(answer, options.operation);
  }

  private async send(
    method: 'GET' | 'PATCH',
    url: string,
    options: RequestOptions,
    body?: string,
  ): Promise<Answer> {
    const request = describeRequest(url, this.origin, method);
    const what = graphOperations[options.operation].what;
    let refreshed = false;
    // Time spent waiting between this request's attempts, against the policy's total.
    let waited = 0;
    const retryAfterWait = async (attempt: number, wait: number): Promise<boolean> => {
      if (!withinBudget(this.retry, attempt, waited, wait)) return false;
      await this.options.sleep(wait);
      waited += wait;
      return true;
    };
    for (let attempt = 1; ; attempt += 1) {
      let token: AccessToken;
      try {
        token = await this.options.tokens.get();
      } catch (error) {
        // A token request that timed out, was reset or met a 5xx may pass; a refused credential, an
        // unknown host or an untrusted certificate will not (auth/errors.ts says which).
        const transient =
          error instanceof ConnectorFailure &&
          error.detail.retryable &&
          error.detail.code === EntraErrorCode.SourceUnavailable;
        if (transient && (await retryAfterWait(attempt, retryDelay(this.retry, attempt, null)))) continue;
        throw error;
      }
      let status: number;
      let text: string;
      let retryAfter: string | null;
      try {
        const response = await this.options.transport.request(url, {
          method,
          headers: {
            accept: 'application/json',
            authorization: `Bearer ${token.value}`,
            'user-agent': 'provisio',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...options.headers,
          },
          ...(body === undefined ? {} : { body }),
          timeoutMs: this.timeoutMs,
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await response.text();
      } catch (error) {
        const failure = new NetworkError(url, error);
        // Only a timeout or a reset may pass by itself; an unknown host, a refused port or an
        // untrusted certificate fails at once, with what to fix.
        if (
          failure.failure.retryable &&
          (await retryAfterWait(attempt, retryDelay(this.retry, attempt, null)))
        )
          continue;
        throw connectorFailure(
          {
            code: EntraErrorCode.SourceUnavailable,
            message: `Microsoft Graph could not be reached to ${what}: ${failure.failure.description} (${failure.failure.code}): ${failure.message}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}.`,
            retryable: failure.failure.retryable,
            request,
            recommendedAction: networkFix(failure.failure, this.origin, 'source.graphBaseUrl'),
          },
          this.options.secrets,
        );
      }
      if (status >= 200 && status < 300) {
        let json: unknown;
        try {
          json = text === '' ? null : JSON.parse(text);
        } catch {
          throw this.unexpected(
            'Microsoft Graph answered with a body that is not JSON.',
            request,
            options.operation,
            text,
          );
        }
        return { ok: true, status, json, request };
      }
      if (status === 401 && !refreshed) {
        // The token may have been revoked or have expired early: one new token, then give up.
        refreshed = true;
        attempt -= 1;
        this.options.tokens.invalidate();
        continue;
      }
      if (
        retryableStatuses.has(status) &&
        (await retryAfterWait(
          attempt,
          retryDelay(this.retry, attempt, parseRetryAfter(retryAfter, this.now())),
        ))
      )
        continue;
      // A consent granted since the token was issued shows only in a new token: ask for one next time.
      if (status === 403) this.options.tokens.invalidate();
      return { ok: false, status, body: text, request, attempts: attempt, roles: token.roles };
    }
  }

  private failure(answer: Extract<Answer, { ok: false }>, operation: GraphOperation) {
    return graphFailure(answer, {
      operation,
      clientId: this.options.clientId,
      roles: answer.roles,
      secrets: this.options.secrets,
    });
  }

  private parse<S extends z.ZodType>(
    answer: Extract<Answer, { ok: true }>,
    schema: S,
    operation: GraphOperation,
  ): z.infer<S> {
    const parsed = schema.safeParse(answer.json);
    if (parsed.success) return parsed.data;
    throw this.unexpected(
      `Microsoft Graph answered in an unexpected shape (${describeIssues(parsed.error.issues)}).`,
      answer.request,
      operation,
      JSON.stringify(answer.json),
    );
  }

  /** An `UnexpectedSourceResponse` failure for an answer that does not make sense. */
  unexpected(message: string, request: string, operation: GraphOperation, response?: string) {
    return connectorFailure(
      {
        code: EntraErrorCode.UnexpectedSourceResponse,
        message: `Could not ${graphOperations[operation].what}: ${message}`,
        retryable: false,
        request: /^(?:GET|PATCH) /.test(request) ? request : describeRequest(request, this.origin),
        ...(response === undefined ? {} : { response }),
        recommendedAction:
          'Check the request and response in the log; this may be a provisio bug worth reporting.',
      },
      this.options.secrets,
    );
  }
}

/** `GET /v1.0/users?$top=1` (the origin left out when it is Graph's), truncated. */
export function describeRequest(url: string, origin: string, method: 'GET' | 'PATCH' = 'GET'): string {
  const shown = url.startsWith(origin) ? url.slice(origin.length) : url;
  const line = `${method} ${decodeURIComponentSafe(shown)}`;
  return truncate(line, maxRequestChars);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
