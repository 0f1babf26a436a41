import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Settings } from '../config/settings';

/** The built `stagegate` command, run as its own process the way an admin runs it. */
export const CLI = join(__dirname, '..', 'dist', 'client', 'cli', 'main.js');

/** The environment of a `stagegate` process pointed at this test's Temporal, task queue and data folder. */
export function cliEnv(settings: Settings, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE,
    STAGEGATE_TASK_QUEUE: settings.taskQueue,
    STAGEGATE_DATA_DIR: settings.dataDir,
    STAGEGATE_PROCESSES_DIR: settings.processesDir,
    ...extra,
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `stagegate` with these arguments and environment until it exits (or `timeoutMs` passes: then it is killed). */
export function runCli(env: NodeJS.ProcessEnv, args: string[], timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
