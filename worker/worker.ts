import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createMailer } from '../activities/email/mailer';
import { createActivityMetrics, type ActivityMetrics } from '../activities/metrics';
import { requireLinkSecret } from '../links';
import { createCodec, sealStore } from '../codec';
import { openStore } from '../store';
import { loadTemporalConnection, type Settings } from '../config/settings';
import { networkPeopleReader, scopeSettings, type Network, type Scope } from '../config/network';
import type { PeopleDirectory } from '../config/people';
import type { Health } from './metrics';
import { explainConnectFailure } from '../config/temporal';
import { watchPeopleFile } from './people-watch';

/** Bundles the workflow code once; every worker of the process reuses the bundle. */
export async function bundleWorkflows(): Promise<WorkflowBundle> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietBundlerLogger });
  return { code };
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/** A created worker: Temporal's `Worker` and a `run` that releases everything it opened. */
export interface StageGateWorker {
  worker: Worker;
  /** Runs until SIGINT or SIGTERM (or worker.shutdown()), then releases the mail connections, the store and the connection. */
  run(): Promise<void>;
  /** Releases what it opened without running (a worker created but never run). */
  release(): Promise<void>;
}

/** What a worker needs: settings, and optionally a prebuilt workflow bundle, a connection, a namespace and metrics. */
export interface CreateWorkerOptions {
  settings: Settings;
  workflowBundle?: WorkflowBundle;
  /** An open connection to reuse; otherwise one is made from Temporal's environment settings. */
  connection?: NativeConnection;
  namespace?: string;
  /** Prometheus counters the activities keep; none when not given. */
  metrics?: ActivityMetrics;
  /** Where a round opening finds its people; the settings' people file when not given. */
  people?: () => PeopleDirectory;
}

/** Connects (TEMPORAL_* conventions), opens the events store and mail, and creates the worker on `settings.taskQueue`; refuses to start without the link secret. */
export async function createStageGateWorker(options: CreateWorkerOptions): Promise<StageGateWorker> {
  const { settings } = options;
  // Before connecting: a worker without the key could not put a link in any message.
  requireLinkSecret(settings);
  const temporal = loadTemporalConnection();
  const store = await openStore(settings);
  // The data keys live in the events store's key table; activities write personal fields sealed.
  const codec = createCodec(settings, store);
  const mailer = settings.mail.smtp ? createMailer(settings.mail) : undefined;
  let connection = options.connection;
  /** Releases the mail connections, the store and the connection the worker made (not one it was handed). */
  const release = async () => {
    mailer?.close();
    await store.close();
    if (connection && !options.connection) await connection.close();
  };
  try {
    connection ??= await NativeConnection.connect(temporal.connectionOptions).catch(async (err: unknown) => {
      throw await explainConnectFailure(err, temporal);
    });
    const worker = await Worker.create({
      connection,
      namespace: options.namespace ?? temporal.namespace,
      taskQueue: settings.taskQueue,
      workflowBundle: options.workflowBundle ?? (await bundleWorkflows()),
      activities: createActivities({ store: codec ? sealStore(store, codec.keys) : store, settings, mailer, metrics: options.metrics, ...(options.people ? { people: options.people } : {}) }),
      ...(codec ? { dataConverter: codec.dataConverter } : {}),
      // On SIGINT or SIGTERM, let the activities under way finish rather than leave them to time out.
      shutdownGraceTime: '10 seconds',
      ...workerTuning(settings.worker),
    });
    return {
      worker,
      release,
      async run() {
        const people = watchPeopleFile(settings, options.namespace);
        try {
          await worker.run();
        } finally {
          await people.stop();
          await release();
        }
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}

/** The worker options the settings tune (README, Settings and Performance). */
export function workerTuning(tuning: Settings['worker']) {
  return {
    reuseV8Context: tuning.reuseV8Context,
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions,
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.workflowTaskPollers },
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.activityTaskPollers },
  } as const;
}

/**
 * For a worker process: the Temporal SDK exports its runtime metrics on the loopback port after
 * `metricsPort`, and stagegate serves both with its own counters at `metricsPort`. Must run before
 * anything connects to Temporal.
 */
export function installRuntimeMetrics(settings: Pick<Settings, 'metricsPort'>): { metrics: ActivityMetrics; temporalMetricsUrl?: string } {
  const metrics = createActivityMetrics();
  if (!settings.metricsPort) return { metrics };
  const bindAddress = `127.0.0.1:${settings.metricsPort + 1}`;
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
  return { metrics, temporalMetricsUrl: `http://${bindAddress}/metrics` };
}

/** A worker is healthy while it runs: not before `run()`, not while it drains or after it failed. */
export function workerHealth(worker: StageGateWorker): Health {
  const state = worker.worker.getState();
  return { healthy: state === 'RUNNING', state: state.toLowerCase() };
}

/** One worker per namespace of an innovation network: each member's and the network's, in one process. */
export interface NetworkWorkers {
  workers: { scope: Scope; settings: Settings; worker: StageGateWorker }[];
  /** Runs them all until SIGINT or SIGTERM, then closes the connection they share (when made here). */
  run(): Promise<void>;
}

/**
 * The workers of an innovation network: one Temporal Worker per member namespace and the
 * network's, on one connection, each with its scope's own settings (store, mail, link secret):
 * a member's activities never write another member's store or sign with its key.
 */
export async function createNetworkWorkers(options: {
  installation: Settings;
  network: Network;
  connection?: NativeConnection;
  workflowBundle?: WorkflowBundle;
  metrics?: ActivityMetrics;
  /** What each scope's settings become before its worker starts (`stagegate dev`: the embedded secrets). */
  prepare?: (settings: Settings) => Settings;
}): Promise<NetworkWorkers> {
  const temporal = loadTemporalConnection();
  const connection = options.connection ?? (await NativeConnection.connect(temporal.connectionOptions).catch(async (err: unknown) => {
    throw await explainConnectFailure(err, temporal);
  }));
  const workflowBundle = options.workflowBundle ?? (await bundleWorkflows());
  const workers: NetworkWorkers['workers'] = [];
  try {
    for (const scope of [...options.network.members, options.network.network]) {
      const scoped = scopeSettings(options.installation, scope);
      const settings = options.prepare ? options.prepare(scoped) : scoped;
      // Reviewers of a network gate come from every member: the network's journeys resolve them from the union.
      const people = scope.id === options.network.network.id ? { people: networkPeopleReader(options.installation, options.network) } : {};
      workers.push({ scope, settings, worker: await createStageGateWorker({ settings, connection, namespace: scope.namespace, workflowBundle, metrics: options.metrics, ...people }) });
    }
  } catch (err) {
    for (const { worker } of workers) await worker.release();
    if (!options.connection) await connection.close();
    throw err;
  }
  return {
    workers,
    async run() {
      try {
        await Promise.all(workers.map(({ worker }) => worker.run()));
      } finally {
        if (!options.connection) await connection.close();
      }
    },
  };
}
