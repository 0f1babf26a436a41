import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { devServerSchema, PACKAGE_ROOT, type Settings } from '../config/settings';
import { SEARCH_ATTRIBUTES } from '../workflows/messages';

/** The Temporal CLI that carries the dev server; later tags cannot be built with `go install`. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
export const TOOLS_BIN = join(PACKAGE_ROOT, '.tools', 'bin');

export function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A `temporal` binary on PATH, else in the project's .tools/bin. */
export function findTemporalBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const folders = [...(env.PATH ?? '').split(delimiter).filter(Boolean), TOOLS_BIN];
  return folders.map((folder) => join(folder, 'temporal')).find(executable);
}

/**
 * Finds the Temporal CLI, building it into .tools/bin with Go when it is missing (once per machine,
 * minutes on two cores). Undefined when Go is not there either: the Temporal SDK then downloads it.
 */
export function ensureTemporalBinary(log: (line: string) => void = (line) => console.error(line)): string | undefined {
  const found = findTemporalBinary();
  if (found) return found;
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    log('No temporal binary on PATH or in .tools/bin, and no Go to build one: the Temporal SDK will download it.');
    return undefined;
  }
  log(`Building the Temporal dev server into ${TOOLS_BIN} (go install ${TEMPORAL_CLI_MODULE}); this happens once per machine and takes a few minutes.`);
  const built = spawnSync('go', ['install', TEMPORAL_CLI_MODULE], { env: { ...process.env, GOBIN: TOOLS_BIN }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) {
    log('Building the Temporal CLI failed; the Temporal SDK will try to download it.');
    return undefined;
  }
  return join(TOOLS_BIN, 'temporal');
}

export interface DevServerOptions {
  /** A SQLite file keeps ideas across restarts; without one the server forgets everything when it stops. */
  dbFilename?: string;
  port?: number;
  /** The Web UI's port; no UI when not given. */
  uiPort?: number;
  extraArgs?: string[];
  /** The dev server's SQLite pragmas and dynamic config (Settings `devServer`); the settings' defaults when not given. */
  tuning?: Settings['devServer'];
  log?: (line: string) => void;
}

/**
 * `temporal server start-dev`'s flags for the settings' `devServer`. The SQLite pragmas are for a
 * database file (`stagegate dev`'s): a server in memory has no disk to wait for, and gets none.
 */
function devServerArgs(tuning: Settings['devServer'], { file }: { file: boolean }): string[] {
  return [
    ...(file ? Object.entries(tuning.sqlitePragmas).flatMap(([pragma, value]) => ['--sqlite-pragma', `${pragma}=${value}`]) : []),
    ...Object.entries(tuning.dynamicConfig).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
  ];
}

/** Starts a Temporal dev server with stagegate's search attributes registered. */
export async function startDevServer(options: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  const binary = ensureTemporalBinary(options.log);
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: binary ? { type: 'existing-path', path: binary } : { type: 'cached-download' },
      dbFilename: options.dbFilename,
      port: options.port,
      ui: options.uiPort !== undefined,
      uiPort: options.uiPort,
      searchAttributes: SEARCH_ATTRIBUTES,
      extraArgs: [...devServerArgs(options.tuning ?? devServerSchema.parse({}), { file: options.dbFilename !== undefined }), ...(options.extraArgs ?? [])],
    },
  });
}

/** What the operator service calls the SDK's search attribute types. */
const INDEXED_VALUE_TYPE = { KEYWORD: 2, KEYWORD_LIST: 7 } as const;

/**
 * Makes sure each namespace exists and has stagegate's search attributes (an innovation network's
 * members and the network itself): the dev server's `--namespace` flags create them at launch, a
 * namespace made later gets its attributes here, through the operator service.
 */
export async function ensureNamespaces(connection: Connection, namespaces: string[]): Promise<void> {
  for (const namespace of namespaces) {
    const known = await connection.workflowService.describeNamespace({ namespace }).then(() => true, () => false);
    if (!known) await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') });
    const { customAttributes } = await untilKnown(() => connection.operatorService.listSearchAttributes({ namespace }));
    const missing = SEARCH_ATTRIBUTES.filter((key) => !(key.name in (customAttributes ?? {})));
    if (missing.length) {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type as keyof typeof INDEXED_VALUE_TYPE]])) });
    }
  }
}

/** A namespace just registered takes the server's namespace cache a few seconds to reach: retried until it does (NOT_FOUND), for up to 30 s. */
async function untilKnown<T>(call: () => Promise<T>): Promise<T> {
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if ((err as { code?: number }).code !== GRPC_NOT_FOUND || Date.now() > until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

const GRPC_NOT_FOUND = 5;
