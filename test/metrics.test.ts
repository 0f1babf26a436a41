import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { Registry } from 'prom-client';
import { StageGateClient } from '../client/sdk';
import { startWebServer } from '../client/web/server';
import { serveMetrics, trackIdeaCounts } from '../worker/metrics';
import { CLI, cliEnv, freePort } from './cli-process';
import { HEAD_BAKER, idea, inReview, testSettings, waitForIdea, eventually, withStack } from './helpers';
import { linkBuilder } from '../links';
import { get, post } from './web-helpers';

/** An address of this machine other than loopback, if it has one: a listener on loopback must not answer there. */
const OUTSIDE_ADDRESS = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;

async function answers(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(3_000) })
    .then(() => true)
    .catch(() => false);
}



/** The value of one sample in a Prometheus text exposition, e.g. `stagegate_votes_total{decision="go"}`. */
function sample(exposition: string, name: string): number | undefined {
  const line = exposition.split('\n').find((row) => row.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('Prometheus metrics', () => {
  test('the web server counts votes, vote latency and requests on its own metrics port, off the public routes, without asking Temporal', async () => {
    const metricsPort = await freePort();
    await withStack(async ({ client, settings }) => {
      const web = await startWebServer({ client, settings, port: 0, metricsPort });
      try {
        expect(web.metricsUrl).toBe(`http://127.0.0.1:${metricsPort}/metrics`);
        const { ideaId } = await client.submitIdea(idea());
        await waitForIdea(client, ideaId, inReview('screen'));
        const links = linkBuilder({ ...settings, publicUrl: web.url });
        expect((await post(links.review(ideaId, 'screen', 1, HEAD_BAKER), { decision: 'go', 'score.feasibility': '4', 'score.impact': '4', comment: '', conditions: '' })).status).toBe(200);
        // Not on the public server.
        expect((await get(`${web.url}/metrics`)).status).toBe(404);
        const metrics = await get(web.metricsUrl!);
        expect(metrics.status).toBe(200);
        expect(metrics.headers.get('content-type')).toContain('text/plain');
        expect(sample(metrics.body, 'stagegate_votes_total{decision="go"}')).toBe(1);
        expect(sample(metrics.body, 'stagegate_vote_latency_seconds_count')).toBe(1);
        expect(metrics.body).toMatch(/stagegate_http_requests_total\{page="\/review\/:token",status="200"\} 1/);
        // Cheap per scrape: the ideas gauge is the worker's; a scrape of the web server counts nothing in Temporal.
        expect(metrics.body).not.toContain('stagegate_ideas');
        // Both listeners are on loopback only.
        if (OUTSIDE_ADDRESS) {
          expect(await answers(`http://${OUTSIDE_ADDRESS}:${metricsPort}/metrics`)).toBe(false);
          expect(await answers(`http://${OUTSIDE_ADDRESS}:${new URL(web.url).port}/healthz`)).toBe(false);
        }
      } finally {
        await web.close();
      }
    });
  });

  test('the ideas-by-status gauge is refreshed in the background from Temporal, not counted per scrape', async () => {
    await withStack(async ({ client }) => {
      const registry = new Registry();
      let counts = 0;
      const stop = trackIdeaCounts(registry, () => (counts++, client.countIdeas()), 200);
      try {
        const { ideaId } = await client.submitIdea(idea());
        await waitForIdea(client, ideaId, inReview('screen'));
        await eventually(async () => expect(sample(await registry.metrics(), 'stagegate_ideas{status="in-review"}')).toBe(1));
        const before = counts;
        for (let i = 0; i < 20; i++) await registry.metrics();
        expect(counts - before).toBeLessThanOrEqual(1);
      } finally {
        stop();
      }
    });
  });

  test('/healthz answers 200 while healthy and 503 with the state otherwise; without a health function it is not served', async () => {
    let state = 'running';
    const served = await serveMetrics({ registry: new Registry(), port: 0, health: () => ({ healthy: state === 'running', state }) });
    const plain = await serveMetrics({ registry: new Registry(), port: 0 });
    try {
      expect(served.healthUrl).toBe(served.url.replace(/metrics$/, 'healthz'));
      const healthy = await fetch(served.healthUrl!);
      expect([healthy.status, await healthy.json()]).toEqual([200, { status: 'ok', state: 'running' }]);
      state = 'draining';
      const draining = await fetch(served.healthUrl!);
      expect([draining.status, await draining.json()]).toEqual([503, { status: 'unavailable', state: 'draining' }]);
      expect(plain.healthUrl).toBeUndefined();
      expect((await fetch(plain.url.replace(/metrics$/, 'healthz'))).status).toBe(404);
    } finally {
      await served.close();
      await plain.close();
    }
  });

  test('a metrics listener binds loopback unless told otherwise', async () => {
    const served = await serveMetrics({ registry: new Registry(), port: 0 });
    try {
      expect(new URL(served.url).hostname).toBe('127.0.0.1');
      expect(await answers(served.url)).toBe(true);
      if (OUTSIDE_ADDRESS) expect(await answers(served.url.replace('127.0.0.1', OUTSIDE_ADDRESS))).toBe(false);
    } finally {
      await served.close();
    }
  });

  test('a worker process serves its counters with the Temporal SDK runtime metrics, and stops cleanly on SIGTERM', async () => {
    const settings = testSettings();
    const port = await freePort();
    const worker = spawn(process.execPath, [CLI, 'worker'], {
      env: cliEnv(settings, { STAGEGATE_LINK_SECRET: settings.linkSecret, STAGEGATE_METRICS_PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    worker.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)));
    const client = await StageGateClient.connect({ settings });
    try {
      await eventually(() => {
        if (!stderr.includes('metrics for Prometheus')) throw new Error(`worker not up yet: ${stderr}`);
      }, 30_000);
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      const metrics = await eventually(async () => {
        const body = await (await fetch(`http://localhost:${port}/metrics`)).text();
        if (sample(body, 'stagegate_events_recorded_total{type="gate_opened"}') !== 1) throw new Error('not counted yet');
        return body;
      });
      expect(sample(metrics, 'stagegate_events_recorded_total{type="submitted"}')).toBe(1);
      // The worker counts ideas by status every minute (the first count at start may precede the idea).
      const counted = await eventually(async () => {
        const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        expect(body).toMatch(/^stagegate_ideas\{status="launched"\} 0$/m);
        return body;
      });
      expect(counted).toContain('# HELP stagegate_ideas Ideas by status, counted by the worker every minute');
      // The Temporal SDK's own runtime metrics come in the same scrape.
      expect(metrics).toMatch(/^temporal_\w+/m);
    } finally {
      await client.close();
      worker.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('stagegate worker stopped.');
  });
});
