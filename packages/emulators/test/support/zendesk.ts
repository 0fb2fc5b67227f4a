import { request } from 'node:http';
import { startZendeskEmulator, type ZendeskEmulator, type ZendeskEmulatorOptions } from '../../src/index.js';

/** An answer as a test sees it: status, headers and the body parsed as JSON when it is JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions navigate arbitrary JSON bodies
  body: any;
  text: string;
}

/**
 * A tiny HTTP client for tests: real sockets (fetch), the emulator's admin credentials by default.
 * `path` may start with `/api/v2/...` or be a full URL (for following `links.next`).
 */
export class TestClient {
  constructor(
    readonly base: string,
    private authorization: string | null,
  ) {}

  static basic(email: string, token: string): string {
    return `Basic ${Buffer.from(`${email}/token:${token}`).toString('base64')}`;
  }

  as(authorization: string | null): TestClient {
    return new TestClient(this.base, authorization);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`;
    const init: RequestInit = { method, headers: { ...headers } };
    const h = init.headers as Record<string, string>;
    if (this.authorization) h['authorization'] = this.authorization;
    if (body !== undefined) {
      h['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('application/json') && text !== '')
      parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  get(path: string, headers?: Record<string, string>): Promise<Answer> {
    return this.request('GET', path, undefined, headers);
  }
  post(path: string, body?: unknown): Promise<Answer> {
    return this.request('POST', path, body);
  }
  put(path: string, body?: unknown): Promise<Answer> {
    return this.request('PUT', path, body);
  }
  delete(path: string): Promise<Answer> {
    return this.request('DELETE', path);
  }

  /** The control plane (`/__emulator/...`), unauthenticated. */
  control(method: string, path: string, body?: unknown): Promise<Answer> {
    return this.as(null).request(method, `/__emulator/${path}`, body);
  }
}

export interface Harness {
  emulator: ZendeskEmulator;
  /** Authenticated as the account admin. */
  admin: TestClient;
  close(): Promise<void>;
}

/** Starts an emulator on a free loopback port with rate limits off unless a test turns them on. */
export async function startHarness(options: ZendeskEmulatorOptions = {}): Promise<Harness> {
  const emulator = await startZendeskEmulator({ port: 0, rateLimits: false, jobStepMs: 5, ...options });
  const admin = new TestClient(emulator.url, TestClient.basic(emulator.adminEmail, emulator.apiToken));
  return { emulator, admin, close: () => emulator.close() };
}

/** Polls a job status until it is completed (or fails the test after `timeoutMs`). */
// biome-ignore lint/suspicious/noExplicitAny: job status JSON
export async function waitForJob(client: TestClient, jobId: string, timeoutMs = 5_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await client.get(`/api/v2/job_statuses/${jobId}.json`);
    if (answer.status === 200 && ['completed', 'failed', 'killed'].includes(answer.body.job_status.status)) {
      return answer.body.job_status;
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not complete: ${answer.text}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A request through node:http, for what fetch cannot send (a custom Host header). */
export function rawGet(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}
