/**
 * Zendesk's error answers, as data. Route handlers and bulk jobs share them: a single-object endpoint turns
 * one into an HTTP answer, a bulk job turns it into a failed result item. Body shapes follow Zendesk's
 * documentation (https://developer.zendesk.com/api-reference/introduction/requests/) and recorded traffic.
 * docs/emulators.md ("Choices where Zendesk's behaviour is not documented") names the sources the emulator
 * follows and the markers its comments use ([spec], observed, unverified).
 */
export interface FieldProblem {
  readonly description: string;
  readonly error: string;
}

export class ZendeskApiError extends Error {
  override readonly name = 'ZendeskApiError';
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown> | string | null,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }

  /** The field problems of a RecordInvalid error, flattened into one sentence (for bulk results). */
  get detailsText(): string {
    const body = this.body;
    if (body && typeof body === 'object' && body['details'] && typeof body['details'] === 'object') {
      return Object.values(body['details'] as Record<string, FieldProblem[]>)
        .flat()
        .map((p) => p.description)
        .join(' ');
    }
    if (body && typeof body === 'object' && typeof body['description'] === 'string')
      return body['description'];
    return this.message;
  }
}

export const recordNotFound = (): ZendeskApiError =>
  new ZendeskApiError(404, { error: 'RecordNotFound', description: 'Not found' });

export const invalidEndpoint = (): ZendeskApiError =>
  new ZendeskApiError(404, { error: 'InvalidEndpoint', description: 'Not found' });

export const couldNotAuthenticate = (): ZendeskApiError =>
  new ZendeskApiError(401, { error: "Couldn't authenticate you" });

export const invalidOAuthToken = (): ZendeskApiError =>
  new ZendeskApiError(401, {
    error: 'invalid_token',
    error_description:
      'The access token provided is expired, revoked, malformed or invalid for other reasons.',
  });

export const forbidden = (
  description = 'You do not have access to this page. Please contact the account owner of this help desk for further help.',
): ZendeskApiError => new ZendeskApiError(403, { error: 'Forbidden', description });

export const badRequest = (description: string, error = 'InvalidParameter'): ZendeskApiError =>
  new ZendeskApiError(400, { error, description });

/** 422 RecordInvalid with `details: { field: [{description, error}] }`. */
export const recordInvalid = (details: Record<string, FieldProblem[]>): ZendeskApiError =>
  new ZendeskApiError(422, { error: 'RecordInvalid', description: 'Record validation errors', details });

export const tooManyRequests = (retryAfterSeconds: number, text = 'Too Many Requests'): ZendeskApiError =>
  // Zendesk's 429 body is not JSON (the documented example is text/html, in "Best practices for avoiding
  // rate limiting":
  // https://developer.zendesk.com/documentation/api-basics/best-practices/best-practices-for-avoiding-rate-limiting);
  // clients must rely on the status and Retry-After, never on parsing the body.
  new ZendeskApiError(429, `${text}\n`, { 'retry-after': String(retryAfterSeconds) });

/** Collects field problems and raises one RecordInvalid with all of them, as Zendesk does. */
export class ProblemList {
  private readonly details: Record<string, FieldProblem[]> = {};

  add(field: string, description: string, error: string): void {
    const list = this.details[field] ?? [];
    list.push({ description, error });
    this.details[field] = list;
  }

  get empty(): boolean {
    return Object.keys(this.details).length === 0;
  }

  throwIfAny(): void {
    if (!this.empty) throw recordInvalid(this.details);
  }
}
