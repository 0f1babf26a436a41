import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { openSealedStore } from '../../codec';
import { DEV_API_KEY_NAME, keptDevApiKey, loadTemporalConnection, withEmbeddedSecrets } from '../../config/settings';
import { checkConfiguration, checkMailLinks } from '../../config/startup';
import { startDevServer } from '../../worker/dev-server';
import { serveMetrics, trackIdeaCounts } from '../../worker/metrics';
import { confirmationMail } from '../../worker/confirmations';
import { createStageGateWorker, installRuntimeMetrics, workerHealth } from '../../worker/worker';
import { findScope, loadNetworkOf } from '../../config/network';
import { runNetworkDev, runNetworkWeb, runNetworkWorkers } from './network';
import { StageGateClient } from '../sdk';
import { startWebServer } from '../web/server';
import { action, jsonOption } from './command';
import { loadDemo } from './demo';
import { startIntake } from './intake';
import { CliError, note } from './output';
import { drainOn, stopSignal } from './stop';

/** Long-running commands: they stop cleanly on Ctrl-C (SIGINT) or SIGTERM. */
export function registerDevCommands(program: Command): void {
  program
    .command('dev')
    .description('run stagegate on its embedded defaults: a local Temporal dev server with its Web UI, the worker, the web server, the email intake on loopback and the local outbox')
    .option('--port <port>', 'Temporal port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('--demo', 'load the demo bakery\'s sample ideas, so review messages wait in the outbox')
    .action(
      action(async (context, flags: { port: string; uiPort: string; demo?: boolean }) => {
        const stop = stopSignal();
        const network = loadNetworkOf(context.installation());
        if (network && context.member === undefined) return runNetworkDev(context.installation(), network, { port: Number(flags.port), uiPort: Number(flags.uiPort) }, stop);
        checkConfiguration(context.settings());
        // The Web UI it starts is the one origin its codec endpoint answers.
        const settings = { ...withEmbeddedSecrets(context.settings()), codecCorsOrigin: `http://localhost:${flags.uiPort}` };
        mkdirSync(settings.dataDir, { recursive: true });
        const { metrics, temporalMetricsUrl } = installRuntimeMetrics(settings);
        note('Starting the Temporal dev server...');
        const env = await startDevServer({ dbFilename: join(settings.dataDir, 'temporal.db'), port: Number(flags.port), uiPort: Number(flags.uiPort), tuning: settings.devServer, extraArgs: ['--ui-codec-endpoint', `${settings.publicUrl}/codec`], log: note }).catch((err: Error) => {
          throw new CliError(`the Temporal dev server did not start (${err.message}). Is port ${flags.port} or ${flags.uiPort} already in use?`);
        });
        const store = await openSealedStore(settings);
        const client = await StageGateClient.connect({ settings, connection: env.connection, namespace: env.namespace });
        try {
          const worker = await createStageGateWorker({ settings, connection: env.nativeConnection, namespace: env.namespace ?? 'default', metrics });
          const served = settings.metricsPort ? await serveMetrics({ registry: metrics.registry, port: settings.metricsPort, host: settings.metricsHost, temporalMetricsUrl, health: () => workerHealth(worker) }) : undefined;
          const stopCounting = served ? trackIdeaCounts(metrics.registry, () => client.countIdeas()) : undefined;
          const confirmations = confirmationMail(settings, store);
          const web = await startWebServer({ client, settings, outbox: store, events: store, confirmations }).catch((err: Error) => {
            throw new CliError(`the web server did not start on ${settings.webHost}:${settings.webPort} (${err.message}); set STAGEGATE_WEB_PORT to another port`);
          });
          // Email in on loopback only, so nothing outside this machine can hand it mail.
          const intake = await startIntake(client, { ...settings, intake: { ...settings.intake, host: '127.0.0.1' } }, { acceptAny: settings.intake.addresses.length === 0 }).catch((err: Error) => {
            throw new CliError(`the email intake did not start on 127.0.0.1:${settings.intake.port} (${err.message}); set STAGEGATE_INTAKE_PORT to another port`);
          });
          const running = worker.run();
          drainOn(stop, [worker.worker]);
          note(`
stagegate is running (Ctrl-C stops everything)
  Outbox       ${settings.publicUrl}/outbox   (every message, with its links: play any role)
  Web          ${web.url}
  Portal       ${settings.publicUrl}/submit   (anyone may send an idea; a campaign's page is /campaigns/<id>)
  Dashboard    ${settings.publicUrl}/dashboard   (user admin, password ${settings.adminKey})
  HTTP API     ${settings.publicUrl}/api/v1   (key "${DEV_API_KEY_NAME}", every scope: ${keptDevApiKey(settings.dataDir)})
  Temporal     localhost:${flags.port}, namespace ${env.namespace ?? 'default'}
  Web UI       http://localhost:${flags.uiPort}   (payloads decrypted by ${settings.publicUrl}/codec with the admin key)
  Email in     ${intake.lines.join('\n               ')}
  Metrics      ${[served && `${served.url} (worker)`, web.metricsUrl && `${web.metricsUrl} (web)`].filter(Boolean).join(', ') || 'off'}
  Data folder  ${settings.dataDir} (ideas survive a restart)

Try it from another terminal:
  npx stagegate idea submit --title "Loyalty cards" --description "Stamp cards: the tenth coffee is free" \\
    --source employee --submitter leo@cornerbakery.example --submitter-name "Leo Martin" --category service
  npx stagegate idea list
  curl -H 'Authorization: Bearer ${keptDevApiKey(settings.dataDir)}' ${settings.publicUrl}/api/v1/ideas
`);
          if (flags.demo) {
            const loaded = await loadDemo(client, note);
            note(`Demo loaded: ${loaded.length} ideas. Review requests wait at ${settings.publicUrl}/outbox\n`);
          }
          await running;
          stopCounting?.();
          await intake.close();
          await web.close();
          confirmations.close();
          await served?.close();
        } finally {
          note('Stopping the Temporal dev server...');
          await client.close();
          await store.close();
          await env.teardown();
        }
      }),
    );

  program
    .command('demo')
    .description("load the demo bakery's sample ideas into a running stagegate (what `stagegate dev --demo` does)")
    .addOption(jsonOption())
    .action(action(async (context) => ({ loaded: await loadDemo(await context.client(), note) }), (result: { loaded: string[] }) => note(`Loaded ${result.loaded.length} demo ideas.`)));

  program
    .command('worker')
    .description('run a worker against the Temporal named by TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (Ctrl-C drains and stops it); in an innovation network, one per member namespace and the network\'s (or only --member\'s)')
    .action(
      action(async (context) => {
        const stop = stopSignal();
        const network = loadNetworkOf(context.installation());
        if (network && context.member === undefined) return runNetworkWorkers(context.installation(), network, stop);
        const scope = network && findScope(network, context.member!);
        const settings = context.settings();
        checkConfiguration(settings);
        checkMailLinks(settings);
        const temporal = loadTemporalConnection();
        const { metrics, temporalMetricsUrl } = installRuntimeMetrics(settings);
        const worker = await createStageGateWorker({ settings, metrics, ...(scope ? { namespace: scope.namespace } : {}) });
        const served = settings.metricsPort ? await serveMetrics({ registry: metrics.registry, port: settings.metricsPort, host: settings.metricsHost, temporalMetricsUrl, health: () => workerHealth(worker) }) : undefined;
        // The worker keeps the ideas-by-status gauge, so no scrape of any process asks Temporal to count.
        const client = served ? await context.client() : undefined;
        const stopCounting = client ? trackIdeaCounts(metrics.registry, () => client.countIdeas()) : undefined;
        if (served) note(`metrics for Prometheus at ${served.url}, health at ${served.healthUrl}`);
        note(`stagegate worker polling task queue "${settings.taskQueue}" on ${temporal.connectionOptions.address} (namespace ${scope?.namespace ?? temporal.namespace})`);
        const running = worker.run();
        drainOn(stop, [worker.worker]);
        await running;
        stopCounting?.();
        await served?.close();
        note('stagegate worker stopped.');
      }),
    );

  program
    .command('web')
    .description('run the web server for reviewers\' links (needs STAGEGATE_LINK_SECRET and STAGEGATE_PUBLIC_URL); Ctrl-C stops it')
    .action(
      action(async (context) => {
        const stop = stopSignal();
        const network = loadNetworkOf(context.installation());
        if (network && context.member === undefined) return runNetworkWeb(context.installation(), network, stop);
        const settings = context.settings();
        checkConfiguration(settings);
        checkMailLinks(settings);
        const client = await context.client();
        const store = await openSealedStore(settings);
        const confirmations = confirmationMail(settings, store);
        const web = await startWebServer({ client, settings, events: store, confirmations });
        note(`stagegate web listening on ${web.url}, links start with ${settings.publicUrl}${web.metricsUrl ? `; metrics for Prometheus at ${web.metricsUrl}` : ''}`);
        await stop;
        await web.close();
        confirmations.close();
        await store.close();
        note('stagegate web stopped.');
      }),
    );
}

