import { expect } from 'vitest';
import type { OasValidator } from './oas.js';
import { type Answer, TestClient } from './zendesk.js';

/**
 * Places where Zendesk's OpenAPI document disagrees with what the real API sends, and the emulator
 * follows the real API. Each entry names the reason; an error matching none of them fails the test.
 */
export const knownDeviations: readonly { pattern: RegExp; reason: string }[] = [
  {
    // UserForAdmin types last_login_at as a non-nullable date-time, but a user who never signed in
    // has none; Zendesk sends null (unverified in the digest, consistent with every Zendesk client's
    // types). The user schema is an anyOf of admin and end-user views, hence the companion errors.
    pattern:
      /last_login_at must be (string|null)|must match a schema in anyOf|organization_id must be integer|phone must be string/,
    reason: 'null timestamps and ids of a never-signed-in user',
  },
];

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
    const check = validator.validateResponse(exchange.method, exchange.path, exchange.status, exchange.body);
    covered.add(`${exchange.method} ${check.template ?? exchange.path}`);
    const unexplained = check.errors.filter((e) => !knownDeviations.some((d) => d.pattern.test(e)));
    if (!check.valid && unexplained.length > 0) {
      failures.push(
        `${exchange.method} ${exchange.path} ${exchange.status} (${check.operationId}): ${unexplained.join('; ')}`,
      );
    }
  }
  expect(failures).toEqual([]);
  return covered;
}
