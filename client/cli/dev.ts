import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadTemporalConnection } from '../../config/settings';
import { startDevServer } from '../../worker/dev-server';
import { createStageGateWorker } from '../../worker/worker';
import { action } from './command';
import { CliError, note } from './output';

/** Long-running commands: they stop cleanly on Ctrl-C (SIGINT) or SIGTERM. */
export function registerDevCommands(program: Command): void {
  program
    .command('dev')
    .description('run stagegate on its embedded defaults: a local Temporal dev server with its Web UI, the worker and the local outbox')
    .option('--port <port>', 'Temporal port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .action(
      action(async (context, flags: { port: string; uiPort: string }) => {
      const settings = context.settings();
      mkdirSync(settings.dataDir, { recursive: true });
      note('Starting the Temporal dev server...');
      const env = await startDevServer({ dbFilename: join(settings.dataDir, 'temporal.db'), port: Number(flags.port), uiPort: Number(flags.uiPort), log: note }).catch((err: Error) => {
        throw new CliError(`the Temporal dev server did not start (${err.message}). Is port ${flags.port} or ${flags.uiPort} already in use?`);
      });
      try {
        const worker = await createStageGateWorker({ settings, connection: env.nativeConnection, namespace: env.namespace ?? 'default' });
        note(`
stagegate is running (Ctrl-C stops everything)
  Temporal     localhost:${flags.port}, namespace ${env.namespace ?? 'default'}
  Web UI       http://localhost:${flags.uiPort}
  Data folder  ${settings.dataDir} (ideas survive a restart)
  Outbox       stagegate outbox list
  Processes    stagegate process list

Try it from another terminal:
  npx stagegate idea submit --title "Loyalty cards" --description "Stamp cards: the tenth coffee is free" \\
    --source employee --submitter leo@cornerbakery.example --submitter-name "Leo Martin" --category service
  npx stagegate idea list
`);
        await worker.run();
      } finally {
        note('Stopping the Temporal dev server...');
        await env.teardown();
      }
      }),
    );

  program
    .command('worker')
    .description('run a worker against the Temporal named by TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (Ctrl-C drains and stops it)')
    .action(
      action(async (context) => {
      const settings = context.settings();
      const temporal = loadTemporalConnection();
      const worker = await createStageGateWorker({ settings });
      note(`stagegate worker polling task queue "${settings.taskQueue}" on ${temporal.connectionOptions.address} (namespace ${temporal.namespace})`);
      await worker.run();
      note('stagegate worker stopped.');
      }),
    );
}
