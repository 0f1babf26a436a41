import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * Serves /metrics for Prometheus: stagegate's own counters and, when given, the Temporal SDK's
 * runtime metrics (exported by the SDK's core on a loopback address), in one scrape.
 */
export async function serveMetrics(options: { registry: Registry; port: number; host?: string; temporalMetricsUrl?: string }): Promise<{ url: string; close(): Promise<void> }> {
  collectDefaultMetrics({ register: options.registry });
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    void (async () => {
      const own = await options.registry.metrics();
      const temporal = options.temporalMetricsUrl
        ? await fetch(options.temporalMetricsUrl, { signal: AbortSignal.timeout(5_000) })
            .then((answer) => (answer.ok ? answer.text() : ''))
            .catch(() => '')
        : '';
      response.writeHead(200, { 'content-type': options.registry.contentType }).end(`${own}\n${temporal}`);
    })().catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? 'localhost'}:${port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
