import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { PACKAGE_ROOT } from '../config/settings';
import { ensureTemporalBinary } from '../worker/dev-server';
import { SEARCH_ATTRIBUTES } from '../workflows/messages';
import { CLI, freePort, runCli } from './cli-process';
import { environmentOf, healthcheckCommand, readCompose, type Service } from './compose-file';
import { HEAD_BAKER, SHOP_MANAGER, eventually } from './helpers';
import { Mailbox } from './mailbox';
import { freshDatabaseUrl, withDatabase } from './postgres';

/**
 * docker-compose.yml's topology run natively, each part its own OS process: a Temporal dev server
 * (the dev server keeps its state in SQLite and cannot be pointed at PostgreSQL, so Temporal on
 * PostgreSQL stays checked by reading only), a real SMTP server on loopback in Mailpit's place,
 * PostgreSQL for the events store, and `stagegate worker` and `stagegate web` with the environment
 * the compose file gives them, its addresses turned into loopback ones. The compose file's own
 * scripts register the search attributes and probe health.
 */


interface Running {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function start(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Running {
  const child = spawn(argv[0]!, argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Runs a one-shot command to its end (killed after two minutes). */
async function runToEnd(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; output: string }> {
  const running = start(argv, env, cwd);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 120_000);
  const code = await running.exited;
  clearTimeout(timer);
  return { code, output: running.output() };
}

/** A compose command run here: `node dist/...` from the package, and the given ports in place of the compose file's. */
function nativeCommand(argv: string[], ports: Record<string, number>): string[] {
  return argv.map((arg, index) => {
    if (index === 0 && arg === 'node') return process.execPath;
    if (arg.startsWith('dist/')) return join(PACKAGE_ROOT, arg);
    return arg.replace(/:(\d+)\//, (whole, port: string) => (ports[port] ? `:${ports[port]}/` : whole));
  });
}

describe('the compose topology, run natively', () => {
  test('search attributes registered by the compose script; an idea submitted by the CLI, voted on the web page, decided by the worker: the email arrives, the event is in PostgreSQL, both health checks answer', async () => {
    const compose = readCompose();
    const { worker: workerService, web: webService } = compose.services as Record<string, Service>;
    const workDir = mkdtempSync(join(tmpdir(), 'stagegate-topology-'));
    const binary = ensureTemporalBinary();
    if (!binary) throw new Error('no temporal binary: the topology test runs the compose file\'s admin script with it');
    // A server of its own, without the search attributes: the compose file's script registers them.
    const temporal = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: binary } } });
    const mail = new Mailbox();
    const running: Running[] = [];
    try {
      const temporalAddress = temporal.connection.options.address;
      const smtpPort = await mail.start();
      const databaseUrl = await freshDatabaseUrl();

      // The compose file's temporal-namespace script, as it runs in admin-tools, with the temporal CLI here.
      const setup = compose.services['temporal-namespace']!;
      const registered = await runToEnd(setup.entrypoint!, { PATH: `${dirname(binary)}${delimiter}${process.env.PATH}`, HOME: workDir, ...environmentOf(setup), TEMPORAL_ADDRESS: temporalAddress }, workDir);
      if (registered.code !== 0) throw new Error(`temporal-namespace exited ${registered.code}:\n${registered.output}`);
      const { customAttributes } = await temporal.connection.operatorService.listSearchAttributes({ namespace: environmentOf(setup).TEMPORAL_NAMESPACE });
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(SEARCH_ATTRIBUTES.map((key) => key.name)));

      // The compose environment, its services' addresses turned into this machine's loopback ones.
      const ports: Record<string, number> = {};
      for (const port of ['9464', '3000', '9466']) ports[port] = await freePort();
      const native = (service: Service): NodeJS.ProcessEnv => {
        const env = environmentOf(service);
        const translated: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...env, TEMPORAL_ADDRESS: temporalAddress, DATABASE_URL: databaseUrl, STAGEGATE_SMTP_HOST: '127.0.0.1', STAGEGATE_SMTP_PORT: String(smtpPort) };
        for (const name of ['STAGEGATE_METRICS_HOST', 'STAGEGATE_WEB_HOST']) if (env[name] === '0.0.0.0') translated[name] = '127.0.0.1';
        for (const name of ['STAGEGATE_METRICS_PORT', 'STAGEGATE_WEB_PORT', 'STAGEGATE_WEB_METRICS_PORT']) if (env[name]) translated[name] = String(ports[env[name]]);
        // Links lead to the web server wherever it listens here.
        translated.STAGEGATE_PUBLIC_URL = env.STAGEGATE_PUBLIC_URL!.replace(/^http:\/\/localhost:(\d+)$/, (_whole, port: string) => `http://127.0.0.1:${ports[port]}`);
        return translated;
      };
      const workerEnv = native(workerService!);
      const webEnv = native(webService!);

      const worker = start([process.execPath, CLI, ...workerService!.command!], workerEnv, workDir);
      const web = start([process.execPath, CLI, ...webService!.command!], webEnv, workDir);
      running.push(worker, web);
      await eventually(() => {
        for (const [name, part, line] of [['worker', worker, 'stagegate worker polling task queue'], ['web', web, 'stagegate web listening on']] as const) {
          if (part.child.exitCode !== null) throw new Error(`${name} exited:\n${part.output()}`);
          if (!part.output().includes(line)) throw new Error(`${name} not up yet:\n${part.output()}`);
        }
      }, 60_000);

      // The compose file's health checks, run as the containers run them.
      const health = async (service: Service) => (await runToEnd(nativeCommand(healthcheckCommand(service)!, ports), { PATH: process.env.PATH }, workDir)).code;
      await eventually(async () => expect(await health(workerService!)).toBe(0), 30_000);
      expect(await health(webService!)).toBe(0);
      expect(await (await fetch(`http://127.0.0.1:${ports['9464']}/healthz`)).json()).toEqual({ status: 'ok', state: 'running' });

      // An operator submits with the CLI, in the worker's environment.
      const submitted = await runCli(workerEnv, ['idea', 'submit', '--json', '--process', 'express', '--title', 'Oat milk', '--description', 'Offer oat milk for every coffee', '--source', 'customer', '--submitter', 'grace@customer.example', '--submitter-name', 'Grace Hall', '--category', 'product']);
      expect({ code: submitted.code, stderr: submitted.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      const { ideaId } = JSON.parse(submitted.stdout) as { ideaId: string };

      // A reviewer follows the link in the email and votes on the page (quorum: any, one vote decides).
      const request = await eventually(() => {
        const found = [...mail.to(HEAD_BAKER, 'your decision is needed'), ...mail.to(SHOP_MANAGER, 'your decision is needed')];
        if (found.length === 0) throw new Error(`no review request yet:\n${worker.output()}`);
        return found[0]!;
      }, 60_000);
      const link = new RegExp(`href="(${workerEnv.STAGEGATE_PUBLIC_URL}/review/[^"]+)"`).exec(request.html as string)![1]!;
      const vote = await fetch(link, { method: 'POST', body: new URLSearchParams({ decision: 'go', 'score.feasibility': '4', 'score.impact': '4', comment: 'Half the regulars ask', conditions: '' }) });
      expect(vote.status).toBe(200);
      expect(await vote.text()).toMatch(/Recorded: go, by you, at /);

      const decision = await eventually(() => {
        const found = mail.to('grace@customer.example', 'decided go');
        if (found.length !== 1) throw new Error(`${found.length} decision emails`);
        return found[0]!;
      }, 60_000);
      expect(decision.subject).toContain('Oat milk');
      const types = await eventually(async () => {
        const { rows } = await withDatabase(databaseUrl, (client) => client.query<{ type: string }>('SELECT type FROM events WHERE idea_id = $1 ORDER BY seq', [ideaId]));
        const found = rows.map((row) => row.type);
        if (!found.includes('decided')) throw new Error(`events so far: ${found.join(', ')}`);
        return found;
      }, 30_000);
      expect(types).toEqual(expect.arrayContaining(['submitted', 'vote_cast', 'decided']));

      // Stopped, both are unhealthy to their health checks.
      for (const part of [worker, web]) part.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(await web.exited).toBe(0);
      expect(await health(workerService!)).toBe(1);
      expect(await health(webService!)).toBe(1);
    } finally {
      for (const part of running) if (part.child.exitCode === null) part.child.kill('SIGKILL');
      await Promise.all(running.map((part) => part.exited));
      await mail.close();
      await temporal.teardown();
      rmSync(workDir, { recursive: true, force: true });
    }
  }, 300_000);
});
