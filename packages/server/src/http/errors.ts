/**
 * The admin API's errors, in Microsoft Graph's error body, so that scripts and SDKs written for
 * Graph read them unchanged:
 * `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`
 * (https://learn.microsoft.com/graph/errors). `code` is Graph's where Graph has one; `message` is
 * public text that names the field and the fix, never internal detail or a secret.
 */
import { z } from 'zod';

export const graphErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      innerError: z.object({
        date: z.string(),
        'request-id': z.string(),
        'client-request-id': z.string().optional(),
      }),
      /** provisio: every problem, when a request has several (a schema with three bad mappings). */
      details: z
        .array(z.object({ code: z.string(), message: z.string(), target: z.string().optional() }))
        .optional(),
    }),
  })
  .meta({ id: 'GraphError' });

export type GraphErrorBody = z.output<typeof graphErrorSchema>;

/** Graph's codes for the statuses the API answers with. */
export const graphCodes = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Authorization_RequestDenied',
  404: 'Request_ResourceNotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  412: 'PreconditionFailed',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
} as const;

export interface ErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

/** An error a route throws on purpose: its status, code and message go to the caller as they are. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: readonly ErrorDetail[];
  /** Extra response headers (e.g. `WWW-Authenticate`, `Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    status: keyof typeof graphCodes,
    message: string,
    options: { code?: string; details?: readonly ErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = options.code ?? graphCodes[status];
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
  }
}

export const notFound = (what: string) => new ApiError(404, `${what} was not found.`);

export function graphErrorBody(
  code: string,
  message: string,
  requestId: string,
  date: Date,
  details: readonly ErrorDetail[] = [],
  clientRequestId?: string,
): GraphErrorBody {
  return {
    error: {
      code,
      message,
      innerError: {
        date: date.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        'request-id': requestId,
        ...(clientRequestId === undefined ? {} : { 'client-request-id': clientRequestId }),
      },
      ...(details.length === 0 ? {} : { details: [...details] }),
    },
  };
}
