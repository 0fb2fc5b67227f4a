import { expect } from 'vitest';
import type { OasValidator } from './oas.js';
import { type Answer, TestClient } from './zendesk.js';

/**
 * Places where Zendesk's OpenAPI document disagrees with what the real API sends, and the emulator
 * follows the real API. Before validation each deviation is undone in a copy of the body (so the
 * rest of the object is still checked strictly); anything else that does not conform fails.
 */
export const knownDeviations: readonly { reason: string; undo: (object: Record<string, unknown>) => void }[] =
  [
    {
      // UserForAdmin types last_login_at as a non-nullable date-time; a user who never signed in has
      // none and Zendesk sends null (not documented; every Zendesk client types it nullable).
      reason: 'last_login_at is null for a user who never signed in',
      undo: (o) => {
        if ('last_login_at' in o && o['last_login_at'] === null) o['last_login_at'] = '1970-01-01T00:00:00Z';
      },
    },
    {
      // Permanently deleted users keep their record with email null (the document's own List Deleted
      // Users: "the users' properties that normally contain personal data, such as `email` and `phone`,
      // are null"), where the document types email as a string.
      reason: 'email is null for a permanently deleted user',
      undo: (o) => {
        if (o['name'] === 'Permanently Deleted User' && o['email'] === null) o['email'] = '';
      },
    },
    {
      // DeletedUserObject types organization_id as a non-nullable integer, but a user without an
      // organization has none, and permanent deletion nulls it, as the emulator models it (Zendesk
      // documents only that personal data such as email and phone becomes null: List Deleted Users).
      reason: 'organization_id is null for a deleted user without an organization',
      undo: (o) => {
        if (o['active'] === false && o['organization_id'] === null) o['organization_id'] = 0;
      },
    },
  ];

function undoDeviations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(undoDeviations);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[key] = undoDeviations(inner);
  for (const deviation of knownDeviations) deviation.undo(copy);
  return copy;
}

export interface Exchange {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

/** A client that records every API exchange so a test can validate them all against the OAS. */
export class RecordingClient extends TestClient {
  readonly exchanges: Exchange[];

  constructor(base: string, authorization: string | null, exchanges: Exchange[] = []) {
    super(base, authorization);
    this.exchanges = exchanges;
  }

  override async request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer> {
    const answer = await super.request(method, path, body, headers);
    const url = new URL(path.startsWith('http') ? path : `${this.base}${path}`);
    if (url.pathname.startsWith('/api/')) {
      this.exchanges.push({
        method,
        path: url.pathname,
        status: answer.status,
        body: answer.body === '' ? undefined : answer.body,
      });
    }
    return answer;
  }
}

/** Validates every recorded 2xx exchange; returns the operations covered. */
export function expectConforming(validator: OasValidator, exchanges: readonly Exchange[]): Set<string> {
  const covered = new Set<string>();
  const failures: string[] = [];
  for (const exchange of exchanges) {
    if (exchange.status < 200 || exchange.status >= 300) continue;
    const body = undoDeviations(exchange.body);
    const check = validator.validateResponse(exchange.method, exchange.path, exchange.status, body);
    covered.add(`${exchange.method} ${check.template ?? exchange.path}`);
    if (!check.valid) {
      failures.push(
        `${exchange.method} ${exchange.path} ${exchange.status} (${check.operationId}): ${check.errors.join('; ')}`,
      );
    }
  }
  expect(failures).toEqual([]);
  return covered;
}
