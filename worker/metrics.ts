import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';

/** What a process says of itself at /healthz: healthy, and in which state (a worker's: `running`, `draining`, ...). */
export interface Health {
  healthy: boolean;
  state: string;
}

/**
 * Serves /metrics for Prometheus: stagegate's own counters and, when given, the Temporal SDK's
 * runtime metrics (exported by the SDK's core on a loopback address), in one scrape. With `health`,
 * also /healthz for a container's health check: 200 while healthy, else 503, with the state in JSON.
 */
export async function serveMetrics(options: { registry: Registry; port: number; host?: string; temporalMetricsUrl?: string; health?: () => Health }): Promise<{ url: string; healthUrl?: string; close(): Promise<void> }> {
  collectDefaultMetrics({ register: options.registry });
  const server: Server = createServer((request, response) => {
    if (request.url === '/healthz' && options.health) {
      const health = options.health();
      response.writeHead(health.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: health.healthy ? 'ok' : 'unavailable', state: health.state }));
      return;
    }
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
    // Loopback unless told otherwise (STAGEGATE_METRICS_HOST): metrics are for the operator's scraper, not the internet.
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;
  return {
    url: `${origin}/metrics`,
    ...(options.health ? { healthUrl: `${origin}/healthz` } : {}),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** How often a worker counts the ideas in each status for its gauge. */
export const IDEA_COUNT_INTERVAL_MS = 60_000;

/**
 * The `stagegate_ideas{status}` gauge, refreshed by the worker every minute from Temporal's
 * visibility store, so a scrape costs nothing but reading it. A count that fails keeps the last
 * values. Returns a function that stops the refreshing.
 */
export function trackIdeaCounts(registry: Registry, count: () => Promise<Record<string, number>>, intervalMs = IDEA_COUNT_INTERVAL_MS): () => void {
  const gauge = new Gauge({ name: 'stagegate_ideas', help: 'Ideas by status, counted by the worker every minute', labelNames: ['status'], registers: [registry] });
  const refresh = () =>
    count()
      .then((counts) => {
        for (const [status, ideas] of Object.entries(counts)) gauge.set({ status }, ideas);
      })
      .catch(() => undefined);
  void refresh();
  const timer = setInterval(() => void refresh(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
