import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '@temporalio/client';
import { openSealedStore } from '../../codec';
import { NETWORK_SCOPE, scopeSettings, type Network } from '../../config/network';
import { loadTemporalConnection, withEmbeddedSecrets, type Settings } from '../../config/settings';
import { checkConfiguration, checkMailLinks } from '../../config/startup';
import { ensureNamespaces, startDevServer } from '../../worker/dev-server';
import { confirmationMail } from '../../worker/confirmations';
import { serveMetrics } from '../../worker/metrics';
import { createNetworkWorkers, installRuntimeMetrics, workerHealth, type NetworkWorkers } from '../../worker/worker';
import { StageGateClient } from '../sdk';
import { memberPath, startNetworkWebServer, type MemberSite } from '../web/network';
import { CliError, note } from './output';
import { drainOn } from './stop';

/** The long-running commands of an innovation network: a worker per namespace, one web server, or both on a dev server. */

function scopesOf(network: Network) {
  return [...network.members, network.network];
}

/** Every scope's settings pass the startup checks before anything starts. */
function checkScopes(installation: Settings, network: Network, mail = true): void {
  for (const scope of scopesOf(network)) {
    const settings = scopeSettings(installation, scope);
    // The network's people are its members': its own people file is not read.
    if (scope.id !== NETWORK_SCOPE) checkConfiguration(settings);
    if (mail) checkMailLinks(settings);
  }
}

function health(workers: NetworkWorkers) {
  const states = workers.workers.map(({ worker }) => workerHealth(worker));
  return { healthy: states.every((state) => state.healthy), state: states.map((state) => state.state).join(',') };
}

/** `stagegate worker` in a network: one Temporal Worker per member namespace and the network's, in this one process. */
export async function runNetworkWorkers(installation: Settings, network: Network, stop: Promise<void>): Promise<void> {
  checkScopes(installation, network);
  const temporal = loadTemporalConnection();
  const { metrics, temporalMetricsUrl } = installRuntimeMetrics(installation);
  const workers = await createNetworkWorkers({ installation, network, metrics });
  const served = installation.metricsPort ? await serveMetrics({ registry: metrics.registry, port: installation.metricsPort, host: installation.metricsHost, temporalMetricsUrl, health: () => health(workers) }) : undefined;
  for (const { scope, settings } of workers.workers) note(`stagegate worker for ${scope.id} polling task queue "${settings.taskQueue}" on ${temporal.connectionOptions.address} (namespace ${scope.namespace})`);
  const running = workers.run();
  drainOn(stop, workers.workers.map(({ worker }) => worker.worker));
  await running;
  await served?.close();
  note('stagegate workers stopped.');
}

/** Each scope's client (in its namespace), events store and confirmation mail: what its pages need. */
async function openSites(installation: Settings, network: Network, options: { connection?: Connection; prepare?: (settings: Settings) => Settings; outbox?: boolean } = {}) {
  const sites: (MemberSite & { close(): Promise<void> })[] = [];
  for (const scope of scopesOf(network)) {
    const client = await StageGateClient.connect({ settings: installation, member: scope.id, ...(options.connection ? { connection: options.connection } : {}), ...(options.prepare ? { prepare: options.prepare } : {}) });
    const store = await openSealedStore(client.settings);
    const confirmations = confirmationMail(client.settings, store);
    sites.push({
      id: scope.id,
      client,
      settings: client.settings,
      events: store,
      ...(options.outbox ? { outbox: store } : {}),
      confirmations,
      async close() {
        confirmations.close();
        await client.close();
        await store.close();
      },
    });
  }
  return sites;
}

/** `stagegate web` in a network: one server, each member's pages under /m/<member>. */
export async function runNetworkWeb(installation: Settings, network: Network, stop: Promise<void>): Promise<void> {
  checkScopes(installation, network);
  const sites = await openSites(installation, network);
  const web = await startNetworkWebServer(sites, installation);
  note(`stagegate web listening on ${web.url}, each member's pages under ${installation.publicUrl}/m/<member> (${sites.map((site) => site.id).join(', ')})`);
  await stop;
  await web.close();
  for (const site of sites) await site.close();
  note('stagegate web stopped.');
}

/**
 * `stagegate dev` in a network: the dev server with a namespace per member and the network's
 * (stagegate's search attributes in each), a worker per namespace, and one web server with each
 * member's pages, outbox and dashboard under /m/<member>. Each scope keeps its own secrets in its
 * own data folder.
 */
export async function runNetworkDev(installation: Settings, network: Network, ports: { port: number; uiPort: number }, stop: Promise<void>): Promise<void> {
  checkScopes(installation, network, false);
  const { metrics } = installRuntimeMetrics({ metricsPort: 0 });
  const namespaces = scopesOf(network).map((scope) => scope.namespace);
  mkdirSync(installation.dataDir, { recursive: true });
  note('Starting the Temporal dev server...');
  const env = await startDevServer({ dbFilename: join(installation.dataDir, 'temporal.db'), port: ports.port, uiPort: ports.uiPort, tuning: installation.devServer, extraArgs: namespaces.flatMap((namespace) => ['--namespace', namespace]), log: note }).catch((err: Error) => {
    throw new CliError(`the Temporal dev server did not start (${err.message}). Is port ${ports.port} or ${ports.uiPort} already in use?`);
  });
  try {
    await ensureNamespaces(env.connection, namespaces);
    const workers = await createNetworkWorkers({ installation, network, connection: env.nativeConnection, metrics, prepare: withEmbeddedSecrets });
    const sites = await openSites(installation, network, { connection: env.connection, prepare: withEmbeddedSecrets, outbox: true });
    const web = await startNetworkWebServer(sites, installation).catch((err: Error) => {
      throw new CliError(`the web server did not start on ${installation.webHost}:${installation.webPort} (${err.message}); set STAGEGATE_WEB_PORT to another port`);
    });
    const running = workers.run();
    drainOn(stop, workers.workers.map(({ worker }) => worker.worker));
    note(`
stagegate is running as the innovation network "${network.name}" (Ctrl-C stops everything)
${sites.map((site) => `  ${site.id.padEnd(12)} ${installation.publicUrl}${memberPath(site.id)}/outbox   dashboard ${installation.publicUrl}${memberPath(site.id)}/dashboard (user admin, password ${site.settings.adminKey})   namespace ${scopesOf(network).find((scope) => scope.id === site.id)!.namespace}`).join('\n')}
  Web          ${web.url}
  Temporal     localhost:${ports.port}
  Web UI       http://localhost:${ports.uiPort}

Try it from another terminal:
  npx stagegate member list
  npx stagegate --member ${network.members[0]!.id} idea list
`);
    await running;
    await web.close();
    for (const site of sites) await site.close();
  } finally {
    note('Stopping the Temporal dev server...');
    await env.teardown();
  }
}
