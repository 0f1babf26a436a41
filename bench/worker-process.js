#!/usr/bin/env node
/*
 * A worker process of `node bench/journeys.js`: a stagegate worker and a bare worker
 * (BENCH_ROLE `both`, for `--workers 2`), or one of them alone (`stagegate`, `bare`: the parked
 * ideas' own workers, so their memory is measured apart from the bench's client, web server and
 * other workers), with the same settings and options as the bench's own, on the same dev server.
 * Told what to do by the bench through its environment (BENCH_*); says "ready" on stdout once its
 * workers poll, answers a `memory` message (when started with an IPC channel) with its memory
 * after a full garbage collection (when started with --expose-gc), and stops cleanly on SIGTERM.
 */
'use strict';

const { join } = require('node:path');
const { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } = require('@temporalio/worker');

const dist = join(__dirname, '..', 'dist');
const { createStageGateWorker, workerTuning } = require(join(dist, 'worker/worker'));
const { loadSettings } = require(join(dist, 'config/settings'));

Runtime.install({ logger: new DefaultLogger('WARN') });

async function main() {
  const { BENCH_ADDRESS, BENCH_NAMESPACE, BENCH_TASK_QUEUE, BENCH_BARE_QUEUE, BENCH_DATA_DIR, BENCH_LINK_SECRET, BENCH_ROLE = 'both' } = process.env;
  if (!['both', 'stagegate', 'bare'].includes(BENCH_ROLE)) throw new Error(`BENCH_ROLE must be both, stagegate or bare, got "${BENCH_ROLE}"`);
  const settings = loadSettings({ env: process.env, overrides: { taskQueue: BENCH_TASK_QUEUE, dataDir: BENCH_DATA_DIR, linkSecret: BENCH_LINK_SECRET, metricsPort: 0 } });
  const connection = await NativeConnection.connect({ address: BENCH_ADDRESS });
  const workers = [];
  if (BENCH_ROLE !== 'bare') workers.push(await createStageGateWorker({ settings, connection, namespace: BENCH_NAMESPACE }));
  if (BENCH_ROLE !== 'stagegate') {
    const worker = await Worker.create({
      connection,
      namespace: BENCH_NAMESPACE,
      taskQueue: BENCH_BARE_QUEUE,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./bare/workflows'), logger: new DefaultLogger('WARN') }),
      activities: { step: async () => undefined },
      shutdownGraceTime: '10 seconds',
      ...workerTuning(settings.worker),
    });
    workers.push({ worker, run: () => worker.run() });
  }
  process.once('SIGTERM', () => {
    for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  process.on('message', (message) => {
    if (message !== 'memory') return;
    // The main heap collected at once; the workflow thread's heap is in the RSS as V8 left it.
    global.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    process.send({ rssMb: Math.round(rss / 2 ** 20), heapMb: Math.round(heapUsed / 2 ** 20), collected: typeof global.gc === 'function' });
  });
  process.once('disconnect', () => process.emit('SIGTERM'));
  const runs = Promise.all(workers.map((w) => w.run()));
  process.stdout.write('ready\n');
  await runs;
  await connection.close();
  // The IPC channel would keep the process alive once its workers stopped.
  if (process.connected) process.disconnect();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
