import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { StageGateError, type IdeaStatus, type StageGateClient } from '../client/sdk';
import type { Settings } from '../config/settings';
import type { Store, StoredEvent } from '../store';
import { ideaWorkflowId } from '../workflows/messages';
import { CLI, cliEnv } from './cli-process';

/** Faults made for real: a worker process to kill, an SMTP server to take away, a TCP link to cut. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A failure that says nothing was confirmed: no worker or no server answered in time. */
export function isTransient(err: unknown): err is StageGateError {
  return err instanceof StageGateError && (err.code === 'no-worker' || err.code === 'server-unreachable');
}

/** Polls the idea until `check` holds, waiting through "no worker / no server" answers (the fault being survived). */
export async function waitThrough(client: StageGateClient, ideaId: string, check: (status: IdeaStatus) => boolean, timeoutMs = 60_000): Promise<IdeaStatus> {
  const until = Date.now() + timeoutMs;
  let last: IdeaStatus | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await client.getIdea(ideaId);
      if (check(last)) return last;
    } catch (err) {
      if (!isTransient(err) && !(err instanceof StageGateError && err.code === 'unknown-idea')) throw err;
      lastError = err;
    }
    if (Date.now() > until) {
      const where = last ? `${last.status} in ${last.stage.id}${last.round ? `, round ${last.round.round} of ${last.round.gate} (${last.round.phase})` : ''}` : `unknown (${String(lastError)})`;
      throw new Error(`idea ${ideaId} did not get there in ${timeoutMs} ms; it is ${where}`);
    }
    await sleep(150);
  }
}

/** What one call went through: how many attempts, and what the failed ones were told. */
export interface CallLog {
  ideaId: string;
  what: string;
  attempts: number;
  failures: string[];
  result?: unknown;
}

/** Calls again while the answer is "nothing was confirmed", the way a careful script would. */
export async function persist<T>(log: CallLog, call: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    log.attempts += 1;
    try {
      const result = await call();
      log.result = result;
      return result;
    } catch (err) {
      if (!isTransient(err) || Date.now() > until) throw err;
      log.failures.push(err.code);
      await sleep(300);
    }
  }
}

// ---- a worker process --------------------------------------------------------------------------

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** Stops it if it still runs (SIGKILL): nothing is left running after a test. */
  stop(): Promise<void>;
}

/** The built `stagegate worker`, as its own process, on the settings' task queue and data folder; resolves once it polls. */
export async function spawnWorker(settings: Settings, extra: Record<string, string | undefined> = {}): Promise<WorkerProcess> {
  const smtp = settings.mail.smtp;
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: cliEnv(settings, {
      STAGEGATE_LINK_SECRET: settings.linkSecret,
      STAGEGATE_METRICS_PORT: '0',
      STAGEGATE_MAIL_FROM: settings.mail.from,
      STAGEGATE_SMTP_HOST: smtp?.host,
      STAGEGATE_SMTP_PORT: smtp ? String(smtp.port) : undefined,
      // With real SMTP a worker refuses to start on a public URL nobody set.
      STAGEGATE_PUBLIC_URL: settings.publicUrl,
      DATABASE_URL: settings.databaseUrl,
      ...extra,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let running = true;
  void exited.then(() => (running = false));
  const worker: WorkerProcess = {
    child,
    exited,
    output: () => output,
    async stop() {
      if (running) child.kill('SIGKILL');
      await exited;
    },
  };
  const until = Date.now() + 30_000;
  while (!output.includes('stagegate worker polling task queue')) {
    if (!running || Date.now() > until) {
      await worker.stop();
      throw new Error(`the worker process did not start:\n${output}`);
    }
    await sleep(50);
  }
  return worker;
}

// ---- a real SMTP server -----------------------------------------------------------------------

export interface Received {
  messageId: string;
  to: string;
  subject: string;
  at: number;
}

/** A real SMTP server on loopback that keeps what it receives; it can be stopped and started again on its port. */
export class MailServer {
  readonly received: Received[] = [];
  private server?: SMTPServer;
  port = 0;

  private make(): SMTPServer {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // Stopping drops open connections at once instead of waiting 30 s for them.
      closeTimeout: 100,
      onData: (stream, _session, callback) => {
        simpleParser(stream).then((mail) => {
          const to = mail.to && !Array.isArray(mail.to) ? (mail.to.value[0]?.address ?? '') : '';
          this.received.push({ messageId: mail.messageId ?? '', to, subject: mail.subject ?? '', at: Date.now() });
          callback();
        }, callback);
      },
    });
    // A client that vanishes mid-session (a killed worker) is not the server's failure.
    server.on('error', () => undefined);
    return server;
  }

  /** Listens on `port`, or a free one the first time. */
  async start(port = this.port): Promise<number> {
    const server = this.make();
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    return this.port;
  }

  /** Stops listening and drops every connection: from now on connections to the port are refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// ---- a TCP link that can be cut ---------------------------------------------------------------

/**
 * A free loopback port below Linux's ephemeral range (32768 on), so that while nothing listens on
 * it (a server stopped to be started again) no outgoing connection is given it as its own port.
 */
export async function stablePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
  throw new Error('no free port below 32768');
}

/**
 * A TCP proxy on loopback to a target. cut() refuses new connections and drops open ones; mend()
 * listens again on the same port; deafen() keeps passing what clients send but drops every answer,
 * so a write reaches the server while its writer never hears that it did.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private deaf = false;
  port = 0;
  /** Connections made through the proxy so far. */
  connections = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Listens again on its port; the first time on a free port below the ephemeral range, so no outgoing connection takes it meanwhile. */
  async mend(): Promise<number> {
    if (!this.port) this.port = await stablePort();
    this.deaf = false;
    const server = createServer((client) => {
      this.connections += 1;
      const upstream = connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (chunk: Buffer) => upstream.write(chunk));
      upstream.on('data', (chunk: Buffer) => {
        if (!this.deaf) client.write(chunk);
      });
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** From now on the server's answers are dropped (until cut and mended): requests arrive, replies do not. */
  deafen(): void {
    this.deaf = true;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

// ---- what the store and history must show ------------------------------------------------------

/**
 * Every event of the idea is in the store exactly once: seq 1..N with no gap and no repeat, N the
 * journey's own count, the same types in the same order as the journey's timeline.
 */
export async function expectEventsOnce(store: Store, status: IdeaStatus): Promise<StoredEvent[]> {
  const events = (await store.events({ ideaId: status.ideaId })).sort((a, b) => a.seq - b.seq);
  const count = status.eventCount ?? status.timeline.length;
  expect(events.map((event) => event.seq)).toEqual(Array.from({ length: count }, (_, index) => index + 1));
  expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
  const timeline = status.timeline.map((entry) => [entry.seq, entry.type, entry.gate, entry.round, entry.actor]);
  expect(events.slice(events.length - timeline.length).map((event) => [event.seq, event.type, event.gate, event.round, event.actor])).toEqual(timeline);
  return events;
}

/** How many times each key occurs. */
export function tally<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

export interface AcceptedUpdate {
  updateId: string;
  name: string;
  arg: Record<string, unknown>;
}

/** The updates the journey accepted, from its history: each is one command that took effect. */
export async function acceptedUpdates(client: StageGateClient, ideaId: string): Promise<AcceptedUpdate[]> {
  const { events } = await client.client.workflow.getHandle(ideaWorkflowId(ideaId)).fetchHistory();
  return (events ?? [])
    .map((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest)
    .filter((request) => request !== undefined && request !== null)
    .map((request) => ({
      updateId: request.meta!.updateId!,
      name: request.input!.name!,
      arg: JSON.parse(Buffer.from(request.input!.args!.payloads![0]!.data!).toString('utf8')) as Record<string, unknown>,
    }));
}

/** Activity attempts that failed in the idea's history (the fault was felt, not only made). */
export async function failedActivities(client: StageGateClient, ideaId: string): Promise<{ type: string; attempt: number; message: string }[]> {
  const { events } = await client.client.workflow.getHandle(ideaWorkflowId(ideaId)).fetchHistory();
  const scheduled = new Map<string, string>();
  const runs: { type: string; attempt: number; message: string }[] = [];
  for (const event of events ?? []) {
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes) scheduled.set(String(event.eventId), attributes.activityType!.name!);
    const started = event.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) {
      runs.push({ type: scheduled.get(String(started.scheduledEventId)) ?? '?', attempt: started.attempt!, message: started.lastFailure?.message ?? '' });
    }
  }
  return runs;
}
