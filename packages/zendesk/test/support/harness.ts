import { createServer, request as httpRequest, type Server } from 'node:http';
import type { ZendeskEmulatorOptions } from '../../../emulators/src/index.js';
import { type Harness, startHarness } from '../../../emulators/test/support/zendesk.js';
import { createZendeskTarget, type ZendeskTarget, type ZendeskTargetOptions } from '../../src/index.js';

export type { Harness } from '../../../emulators/test/support/zendesk.js';
export { startHarness, TestClient } from '../../../emulators/test/support/zendesk.js';

/**
 * A sleep that keeps the order of waits but caps each at a few milliseconds, and records what was
 * asked for: tests stay fast and can still check that Retry-After and pacing were honoured.
 */
export function recordingSleep(capMs = 10): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: (ms: number) => {
      waits.push(ms);
      return new Promise((resolve) => setTimeout(resolve, Math.min(ms, capMs)));
    },
  };
}

/** A connector pointed at the harness's emulator with its admin credentials and a fast sleep. */
export function targetFor(
  h: Harness,
  overrides: Partial<ZendeskTargetOptions> = {},
): { target: ZendeskTarget; waits: number[] } {
  const { sleep, waits } = recordingSleep();
  const target = createZendeskTarget({
    domain: h.emulator.settings.subdomain,
    adminUsername: h.emulator.adminEmail,
    secretToken: h.emulator.apiToken,
    baseUrl: h.emulator.url,
    sleep,
    ...overrides,
  });
  return { target, waits };
}

export async function startEmulator(options: ZendeskEmulatorOptions = {}): Promise<Harness> {
  return startHarness(options);
}

/** Server-side request counts, by `METHOD route`. */
export async function requestCounts(h: Harness): Promise<{ total: number; by: Record<string, number> }> {
  const answer = await h.admin.control('GET', 'requests');
  const by: Record<string, number> = {};
  for (const row of answer.body.byRoute as { method: string; route: string; count: number }[]) {
    const key = `${row.method} ${row.route}`;
    by[key] = (by[key] ?? 0) + row.count;
  }
  return { total: answer.body.total as number, by };
}

/**
 * A loopback proxy that forwards every request to `port` with another `Host` header, as a
 * request for another Zendesk subdomain would arrive (fetch cannot set Host itself).
 */
export async function hostRewritingProxy(
  port: number,
  host: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const upstream = httpRequest(
      { host: '127.0.0.1', port, path: req.url, method: req.method, headers: { ...req.headers, host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const proxyPort = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
