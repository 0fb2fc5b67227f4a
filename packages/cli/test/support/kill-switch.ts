/**
 * A kill switch between a `provisio` subprocess and the Zendesk emulator: an HTTP proxy that
 * forwards every request, and at the request a test names kills the process with SIGKILL, either
 * before the request reaches Zendesk (nothing of it is carried out) or once Zendesk has answered
 * (carried out, and the process never learns it). The moment is picked from the traffic itself, so
 * the test needs no sleeps: it is the same moment on every run.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the kill switch sees it; `answer` is Zendesk's answer (for `after` only). */
export interface SeenRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/api/v2/users/update_many.json`. */
  readonly path: string;
  readonly status?: number;
  readonly answer?: unknown;
}

/**
 * Where to kill: `before` a request matching `matches` is forwarded, or `after` Zendesk answered
 * one. `matches` may keep state (e.g. arm itself on one request and fire on a later one).
 */
export interface KillPoint {
  readonly when: 'before' | 'after';
  readonly matches: (request: SeenRequest) => boolean;
}

export interface KillSwitch {
  /** The base URL to give the subprocess as Zendesk's. */
  readonly url: string;
  /** Arms the switch for `child`; resolves with the request it fired on once it has killed it. */
  arm(child: ChildProcess, point: KillPoint): Promise<SeenRequest>;
  close(): Promise<void>;
}

export async function startKillSwitch(upstream: string): Promise<KillSwitch> {
  const target = new URL(upstream);
  let armed: {
    child: ChildProcess;
    point: KillPoint;
    fired: (request: SeenRequest) => void;
  } | null = null;
  const fire = (seen: SeenRequest): boolean => {
    if (armed === null || !armed.point.matches(seen)) return false;
    const { child, fired } = armed;
    armed = null;
    child.kill('SIGKILL');
    fired(seen);
    return true;
  };

  const server: Server = createServer((incoming: IncomingMessage, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const method = incoming.method ?? 'GET';
      const path = (incoming.url ?? '/').split('?')[0] ?? '/';
      // Killed before Zendesk sees it: the request is never answered (the process is gone).
      if (armed?.point.when === 'before' && fire({ method, path })) return;
      const forwarded = httpRequest(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method,
          path: incoming.url,
          // The Host header is kept, so that the links Zendesk returns (next pages, job statuses)
          // lead back through the switch.
          headers: incoming.headers,
        },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            const text = Buffer.concat(body);
            if (armed?.point.when === 'after') {
              let parsed: unknown = null;
              try {
                parsed = JSON.parse(text.toString('utf8'));
              } catch {
                parsed = null;
              }
              // Carried out by Zendesk; the process dies before it reads the answer.
              if (fire({ method, path, status: answer.statusCode ?? 0, answer: parsed })) return;
            }
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            outgoing.end(text);
          });
        },
      );
      forwarded.on('error', () => outgoing.destroy());
      forwarded.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arm(child, point) {
      return new Promise((resolve) => {
        armed = { child, point, fired: resolve };
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Whether a Zendesk answer reports a finished job status (`job_status` or `job_statuses`). */
export function jobCompleted(answer: unknown): boolean {
  if (answer === null || typeof answer !== 'object') return false;
  const body = answer as { job_status?: { status?: string }; job_statuses?: { status?: string }[] };
  const statuses = body.job_status ? [body.job_status] : (body.job_statuses ?? []);
  return statuses.length > 0 && statuses.every((status) => status.status === 'completed');
}
