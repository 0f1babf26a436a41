import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { PACKAGE_ROOT } from '../config/settings';
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
  log?: (line: string) => void;
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
      extraArgs: options.extraArgs,
    },
  });
}
