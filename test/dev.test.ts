import { createConnection } from 'node:net';
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
    await dev.running(undefined, 'Starting the Temporal dev server...');
    const ended = await dev.stop();
    expect([ended, dev.output()]).toEqual([0, expect.stringContaining('Stopping (Ctrl-C again to quit at once)...')]);
    expect(dev.output()).toContain('Stopping the Temporal dev server...');
    expect(await listening(dev.uiPort)).toBe(false);
  }, DEV_TEST_MS);

  test('Ctrl-C once it runs stops everything cleanly (exit 0)', async () => {
    const dev = await startDev('127.0.0.1', { STAGEGATE_WEB_METRICS_PORT: '0' });
    await dev.running();
    expect(await listening(dev.uiPort)).toBe(true);
    expect(await dev.stop()).toBe(0);
    expect(await listening(dev.uiPort)).toBe(false);
  }, DEV_TEST_MS);
});
