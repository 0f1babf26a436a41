#!/usr/bin/env node
/*
 * A second worker process for `node bench/journeys.js --workers 2`: a stagegate worker and a bare
 * worker, with the same settings and options as the bench's own, on the same dev server and task
 * queues. Told what to do by the bench through its environment (BENCH_*); says "ready" on stdout
 * once both poll, and stops cleanly on SIGTERM.
 */
'use strict';

const { join } = require('node:path');
const { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } = require('@temporalio/worker');

const dist = join(__dirname, '..', 'dist');
const { createStageGateWorker, workerTuning } = require(join(dist, 'worker/worker'));
const { loadSettings } = require(join(dist, 'config/settings'));

Runtime.install({ logger: new DefaultLogger('WARN') });

async function main() {
  const { BENCH_ADDRESS, BENCH_NAMESPACE, BENCH_TASK_QUEUE, BENCH_BARE_QUEUE, BENCH_DATA_DIR, BENCH_LINK_SECRET } = process.env;
  const settings = loadSettings({ env: process.env, overrides: { taskQueue: BENCH_TASK_QUEUE, dataDir: BENCH_DATA_DIR, linkSecret: BENCH_LINK_SECRET, metricsPort: 0 } });
  const connection = await NativeConnection.connect({ address: BENCH_ADDRESS });
  const sg = await createStageGateWorker({ settings, connection, namespace: BENCH_NAMESPACE });
  const bare = await Worker.create({
    connection,
    namespace: BENCH_NAMESPACE,
    taskQueue: BENCH_BARE_QUEUE,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./bare/workflows'), logger: new DefaultLogger('WARN') }),
    activities: { step: async () => undefined },
    shutdownGraceTime: '10 seconds',
    ...workerTuning(settings.worker),
  });
  process.once('SIGTERM', () => {
    for (const w of [sg.worker, bare]) if (w.getState() === 'RUNNING') w.shutdown();
  });
  const runs = Promise.all([sg.run(), bare.run()]);
  process.stdout.write('ready\n');
  await runs;
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
