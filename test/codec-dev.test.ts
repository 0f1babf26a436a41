import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CLI } from './cli-process';
import { testRunDir } from './paths';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('stagegate dev and the codec', () => {
  test('keeps a codec key in its data folder and starts the Web UI with its codec endpoint, which answers the UI with the admin key', async () => {
    const [port, uiPort, webPort] = [await freePort(), await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(testRunDir(), 'dev-'));
    const publicUrl = `http://localhost:${webPort}`;
    const child = spawn(process.execPath, [CLI, 'dev', '--port', String(port), '--ui-port', String(uiPort)], {
      env: { PATH: process.env.PATH, STAGEGATE_DATA_DIR: dataDir, STAGEGATE_WEB_PORT: String(webPort), STAGEGATE_PUBLIC_URL: publicUrl, STAGEGATE_METRICS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const until = Date.now() + 60_000;
      while (!output.includes('stagegate is running') && Date.now() < until && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(output).toContain('stagegate is running');
      expect(output).toContain(`payloads decrypted by ${publicUrl}/codec`);
      expect(existsSync(join(dataDir, 'codec-keys'))).toBe(true);

      const uiSettings = (await (await fetch(`http://localhost:${uiPort}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
      expect(uiSettings.Codec?.Endpoint).toBe(`${publicUrl}/codec`);
      const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
      const origin = `http://localhost:${uiPort}`;
      const answer = await fetch(`${publicUrl}/codec/encode`, {
        method: 'POST',
        headers: { Origin: origin, 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from(`admin:${adminKey}`).toString('base64')}` },
        body: JSON.stringify({ payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello"').toString('base64') }] }),
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
      const [encoded] = ((await answer.json()) as { payloads: { metadata: Record<string, string> }[] }).payloads;
      expect(Buffer.from(encoded!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  }, 120_000);
});
