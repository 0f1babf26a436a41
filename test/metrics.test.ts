import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { StageGateClient } from '../client/sdk';
import { CLI, cliEnv } from './cli-process';
import { HEAD_BAKER, idea, inReview, testSettings, waitForIdea, eventually } from './helpers';
import { get, post, withWeb } from './web-helpers';


async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The value of one sample in a Prometheus text exposition, e.g. `stagegate_votes_total{decision="go"}`. */
function sample(exposition: string, name: string): number | undefined {
  const line = exposition.split('\n').find((row) => row.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('Prometheus metrics', () => {
  test('the web server counts ideas by status, votes and vote latency', async () => {
    await withWeb(async ({ client, links, url }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await post(links.review(ideaId, 'screen', 1, HEAD_BAKER), { decision: 'go', 'score.feasibility': '4', 'score.impact': '4', comment: '', conditions: '' });
      const metrics = await eventually(async () => {
        const page = await get(`${url}/metrics`);
        // Visibility is eventually consistent: wait until the idea is counted.
        if (sample(page.body, 'stagegate_ideas{status="in-review"}') !== 1) throw new Error('not counted yet');
        return page;
      });
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(sample(metrics.body, 'stagegate_ideas{status="launched"}')).toBe(0);
      expect(sample(metrics.body, 'stagegate_votes_total{decision="go"}')).toBe(1);
      expect(sample(metrics.body, 'stagegate_vote_latency_seconds_count')).toBe(1);
      expect(metrics.body).toMatch(/stagegate_http_requests_total\{page="\/review\/:token",status="200"\} 1/);
    });
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
