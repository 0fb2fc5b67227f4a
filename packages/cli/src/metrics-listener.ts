/**
 * `provisio worker --metrics-port`: Prometheus's text format on `GET /metrics`, from the worker's own
 * registry (packages/server metrics.ts), over plain node:http. A worker serves nothing else, so this
 * listener is all of its HTTP: no API, no authentication (it listens on loopback unless told
 * otherwise; docs/operations.md#metrics says what to put in front of it).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '@provisio/server';

export interface MetricsListener {
  /** `http://host:port/metrics`, with the port the system gave when 0 was asked for. */
  readonly url: string;
  close(): Promise<void>;
}

export async function listenForMetrics(
  metrics: Metrics,
  host: string,
  port: number,
): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end('not found: GET /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(
          `collecting the metrics failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      },
    );
  });
  // Prometheus scrapes with keep-alive; idle connections must not hold the process at shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
