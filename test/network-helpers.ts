import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { stringify } from 'yaml';
import { loadNetworkOf, type Network } from '../config/network';
import { loadSettings, type Settings } from '../config/settings';
import { ensureNamespaces } from '../worker/dev-server';
import { createNetworkWorkers, type NetworkWorkers } from '../worker/worker';
import { StageGateClient } from '../client/sdk';
import { workflowBundle } from './helpers';
import { testRunDir } from './paths';

export const NETWORK_FIXTURES = join(__dirname, 'fixtures', 'network');
export const MEMBERS = ['bakery-a', 'bakery-b', 'cafe'] as const;
export type MemberId = (typeof MEMBERS)[number] | 'network';

export const owner = (member: string) => `owner@${member}.example`;
export const team = (member: string) => `team@${member}.example`;

/** Each member's own link secret: a link one member's worker signed means nothing to another's pages. */
export const linkSecretOf = (scope: string) => `link-secret-of-${scope}-0123456789abcdef`.padEnd(40, 'x');
export const adminKeyOf = (scope: string) => `admin-key-of-${scope}-0123456789abcdef`.padEnd(32, 'x');

export interface TestNetwork {
  /** The installation's settings: the ones naming the network file. */
  installation: Settings;
  network: Network;
  file: string;
  /** Namespaces of this test run's network, each its own (so test files never see each other's). */
  namespaces: string[];
  client(member: MemberId): Promise<StageGateClient>;
  /** The settings each scope acts under. */
  dir: string;
}

/**
 * A network of three members (bakery-a, bakery-b, cafe) and the network itself, each with its own
 * settings file, people, data folder, link secret and admin key, in namespaces of its own on the
 * test run's dev server.
 */
export async function makeNetwork(overrides: { publicUrl?: string } = {}): Promise<TestNetwork> {
  const run = randomUUID().slice(0, 6);
  const dir = join(testRunDir(), `network-${run}`);
  mkdirSync(dir, { recursive: true });
  const scopes = [...MEMBERS, 'network'] as const;
  for (const scope of scopes) {
    const settings = {
      taskQueue: `net-${run}`,
      dataDir: join(dir, scope, 'data'),
      processesDir: join(NETWORK_FIXTURES, scope === 'network' ? 'network-processes' : 'processes'),
      peopleFile: join(NETWORK_FIXTURES, scope === 'network' ? 'people-bakery-a.yaml' : `people-${scope}.yaml`),
      linkSecret: linkSecretOf(scope),
      adminKey: adminKeyOf(scope),
      webMetricsPort: 0,
      metricsPort: 0,
    };
    writeFileSync(join(dir, `${scope}.yaml`), stringify(settings));
  }
  const namespace = (scope: string) => `stagegate-${run}-${scope}`;
  const file = join(dir, 'town.yaml');
  writeFileSync(
    file,
    stringify({
      name: 'Town bakeries',
      settings: 'network.yaml',
      namespace: namespace('network'),
      members: MEMBERS.map((id) => ({ id, name: `The ${id}`, settings: `${id}.yaml`, namespace: namespace(id) })),
    }),
  );
  const installation = loadSettings({ env: {}, overrides: { network: file, webMetricsPort: 0, ...(overrides.publicUrl ? { publicUrl: overrides.publicUrl } : {}) } });
  const network = loadNetworkOf(installation)!;
  const namespaces = scopes.map(namespace);
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  try {
    await ensureNamespaces(connection, namespaces);
  } finally {
    await connection.close();
  }
  return {
    installation,
    network,
    file,
    namespaces,
    dir,
    client: (member) => StageGateClient.connect({ settings: installation, member }),
  };
}

/** The network's workers (one per namespace, one connection), running until `stop`. */
export async function startNetworkWorkers(network: TestNetwork): Promise<{ workers: NetworkWorkers; stop(): Promise<void> }> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const workers = await createNetworkWorkers({ installation: network.installation, network: network.network, connection, workflowBundle: workflowBundle() });
  const running = workers.run();
  return {
    workers,
    async stop() {
      for (const { worker } of workers.workers) worker.worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
