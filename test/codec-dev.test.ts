import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_TEST_MS, startDev } from './cli-process';

describe('stagegate dev and the codec', () => {
  test('keeps a codec key in its data folder and starts the Web UI with its codec endpoint, which answers the UI with the admin key', async () => {
    const dev = await startDev('localhost');
    const { dataDir, publicUrl, uiPort } = dev;
    try {
      await dev.running();
      expect(dev.output()).toContain(`payloads decrypted by ${publicUrl}/codec`);
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
      await dev.stop();
    }
  }, DEV_TEST_MS);
});
