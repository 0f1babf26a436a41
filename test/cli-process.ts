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
  /** Its Temporal dev server's gRPC port. */
  port: number;
  uiPort: number;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  exitCode(): number | null;
  /**
   * Waits until it prints "stagegate is running" (or `text`); fails early if it exits first, and
   * on time out, with the end of what it printed either way.
   */
  running(timeoutMs?: number, text?: string): Promise<string>;
  /** Ctrl-C, then waits for it to end: its exit code, or the signal that ended it. A process (and its dev server) still there after `graceMs` is killed and the test fails, saying so. */
  stop(graceMs?: number): Promise<number | NodeJS.Signals>;
}

/** How long `stagegate dev` has to print that it runs: its own dev server and the workflows' bundle, on a loaded CI machine. */
const DEV_START_MS = 120_000;
/** How long it has to stop after Ctrl-C: the worker drains (10 s grace), then the dev server stops. */
const DEV_STOP_MS = 45_000;
/** A test around one `stagegate dev`: its start, a minute of work, its stop. */
export const DEV_TEST_MS = DEV_START_MS + 60_000 + DEV_STOP_MS;

/** The built `stagegate dev` on free ports and a data folder of its own, its web server at `http://<host>:<port>`. */
export async function startDev(host: 'localhost' | '127.0.0.1', extraEnv: Record<string, string> = {}): Promise<RunningDev> {
  const [port, uiPort, webPort, intakePort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(testRunDir(), 'dev-'));
  const publicUrl = `http://${host}:${webPort}`;
  const started = Date.now();
  // A process group of its own: a dev that does not stop is killed with its Temporal dev server.
  const child = spawn(process.execPath, [CLI, 'dev', '--port', String(port), '--ui-port', String(uiPort)], {
    env: { PATH: process.env.PATH, STAGEGATE_DATA_DIR: dataDir, STAGEGATE_WEB_PORT: String(webPort), STAGEGATE_PUBLIC_URL: publicUrl, STAGEGATE_METRICS_PORT: '0', STAGEGATE_INTAKE_PORT: String(intakePort), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal!)));
  const tail = () => `after ${((Date.now() - started) / 1000).toFixed(0)} s; it printed:\n${output.slice(-3000)}`;
  return {
    dataDir,
    publicUrl,
    port,
    uiPort,
    output: () => output,
    exitCode: () => child.exitCode,
    async running(timeoutMs = DEV_START_MS, text = 'stagegate is running') {
      const until = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`stagegate dev ended (${child.exitCode ?? child.signalCode}) before printing "${text}", ${tail()}`);
        if (Date.now() > until) throw new Error(`stagegate dev did not print "${text}" in ${timeoutMs / 1000} s, ${tail()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return output;
    },
    async stop(graceMs = DEV_STOP_MS) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGINT');
      let grace: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([exited.then(() => true), new Promise<false>((resolve) => (grace = setTimeout(() => resolve(false), graceMs)))]);
      // The grace timer must not keep the test process alive once the dev has stopped.
      clearTimeout(grace);
      if (stopped) return exited;
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
      throw new Error(`stagegate dev did not stop within ${graceMs / 1000} s of Ctrl-C and was killed, ${tail()}`);
    },
  };
}
