import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { testRunDir } from './paths';
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

/** A port nothing listens on right now, on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningDev {
  dataDir: string;
  publicUrl: string;
  uiPort: number;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  exitCode(): number | null;
  /** Ctrl-C, then waits for it to end. */
  stop(): Promise<void>;
}

/** The built `stagegate dev` on free ports and a data folder of its own, its web server at `http://<host>:<port>`. */
export async function startDev(host: 'localhost' | '127.0.0.1', extraEnv: Record<string, string> = {}): Promise<RunningDev> {
  const [port, uiPort, webPort, intakePort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(testRunDir(), 'dev-'));
  const publicUrl = `http://${host}:${webPort}`;
  const child = spawn(process.execPath, [CLI, 'dev', '--port', String(port), '--ui-port', String(uiPort)], {
    env: { PATH: process.env.PATH, STAGEGATE_DATA_DIR: dataDir, STAGEGATE_WEB_PORT: String(webPort), STAGEGATE_PUBLIC_URL: publicUrl, STAGEGATE_METRICS_PORT: '0', STAGEGATE_INTAKE_PORT: String(intakePort), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    dataDir,
    publicUrl,
    uiPort,
    output: () => output,
    exitCode: () => child.exitCode,
    async stop() {
      child.kill('SIGINT');
      await exited;
    },
  };
}
