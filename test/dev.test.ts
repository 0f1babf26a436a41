import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DEV_TEST_MS, startDev } from './cli-process';

/** Whether anything still listens on this loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('stagegate dev: Ctrl-C', () => {
  test('Ctrl-C while it starts is heard: it says so, starts no further than it must, and stops cleanly (exit 0, its Temporal dev server gone)', async () => {
    const dev = await startDev('127.0.0.1', { STAGEGATE_WEB_METRICS_PORT: '0' });
    try {
      await dev.running(undefined, 'Starting the Temporal dev server...');
      const ended = await dev.stop();
      expect([ended, dev.output()]).toEqual([0, expect.stringContaining('Stopping (Ctrl-C again to quit at once)...')]);
      expect(dev.output()).toContain('Stopping the Temporal dev server...');
      expect(await listening(dev.uiPort)).toBe(false);
    } finally {
      // A failed expectation leaves nothing running: stopping an ended dev is a no-op.
      await dev.stop();
    }
  }, DEV_TEST_MS);

  test('its dev server takes devServer from the settings (WAL in the data folder by default, dynamic config from STAGEGATE_DEV_SERVER_DYNAMIC_CONFIG); Ctrl-C once it runs stops everything cleanly (exit 0)', async () => {
    const dev = await startDev('127.0.0.1', { STAGEGATE_WEB_METRICS_PORT: '0', STAGEGATE_DEV_SERVER_DYNAMIC_CONFIG: '{"limit.maxIDLength":40}' });
    try {
      await dev.running();
      expect(await listening(dev.uiPort)).toBe(true);
      // The default pragmas: the dev server's database is in WAL mode.
      expect(existsSync(join(dev.dataDir, 'temporal.db-wal'))).toBe(true);
      // The dynamic config reached the server: a workflow id past 40 characters is refused there.
      const connection = await Connection.connect({ address: `127.0.0.1:${dev.port}` });
      try {
        const client = new Client({ connection });
        const refused = await client.workflow.start('ideaJourney', { taskQueue: 'nobody-polls', workflowId: 'x'.repeat(41) }).then(() => undefined, (err: Error & { cause?: Error }) => `${err.message}: ${err.cause?.message}`);
        expect(refused).toMatch(/length exceeds limit/i);
        expect((await client.workflow.start('ideaJourney', { taskQueue: 'nobody-polls', workflowId: 'x'.repeat(40) })).workflowId).toBe('x'.repeat(40));
      } finally {
        await connection.close();
      }
      expect(await dev.stop()).toBe(0);
      expect(await listening(dev.uiPort)).toBe(false);
    } finally {
      await dev.stop();
    }
  }, DEV_TEST_MS);
});
