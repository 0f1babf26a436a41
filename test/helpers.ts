import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { openStore, type Store } from '../store';
import { loadSettings, type LoadSettingsOptions, type Settings } from '../config/settings';
import { StageGateClient, type IdeaStatus, type IdeaSubmission } from '../client/sdk';
import { createStageGateWorker, type StageGateWorker } from '../worker/worker';
import { ideaWorkflowId } from '../workflows/messages';
import { FIXTURE_PROCESSES_DIR, testRunDir } from './paths';

// Workers in tests speak up only when something is wrong.
Runtime.install({ logger: new DefaultLogger('WARN') });

export const OWNER = 'olivia@cornerbakery.example';
export const HEAD_BAKER = 'hamid@cornerbakery.example';
export const SHOP_MANAGER = 'sofia@cornerbakery.example';
export const COUNTER = 'leo@cornerbakery.example';

/** The key test workers sign links with. */
export const TEST_LINK_SECRET = 'test-link-secret-0123456789abcdef0123';

/** Settings of one test: its own task queue and data folder, processes from the fixtures unless told. */
export function testSettings(overrides: LoadSettingsOptions['overrides'] = {}): Settings {
  const name = `t-${randomUUID().slice(0, 8)}`;
  const dataDir = join(testRunDir(), name);
  mkdirSync(dataDir, { recursive: true });
  // The web server's own metrics listener is off unless a test asks for it: tests run side by side.
  return loadSettings({ env: {}, overrides: { taskQueue: name, dataDir, processesDir: FIXTURE_PROCESSES_DIR, linkSecret: TEST_LINK_SECRET, webMetricsPort: 0, ...overrides } });
}

export function workflowBundle(): { code: string } {
  return { code: readFileSync(process.env.STAGEGATE_TEST_BUNDLE!, 'utf8') };
}

export async function startWorker(settings: Settings): Promise<StageGateWorker & { running: Promise<void> }> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await createStageGateWorker({ settings, connection, workflowBundle: workflowBundle() });
  const running = worker.run().finally(() => connection.close());
  return { ...worker, running };
}

export interface Stack {
  settings: Settings;
  client: StageGateClient;
  store: Store;
}

/** A worker on the test's own task queue, running while `fn` runs, and an SDK client beside it. */
export async function withStack<T>(fn: (stack: Stack) => Promise<T>, settings: Settings = testSettings()): Promise<T> {
  const worker = await startWorker(settings);
  const client = await StageGateClient.connect({ settings });
  const store = await openStore(settings);
  try {
    return await fn({ settings, client, store });
  } finally {
    worker.worker.shutdown();
    await worker.running;
    await client.close();
    await store.close();
  }
}

export function idea(overrides: Partial<IdeaSubmission> = {}): IdeaSubmission {
  return {
    title: 'Pumpkin spice pastry',
    description: 'Customers keep asking for a seasonal pumpkin pastry in autumn.',
    source: 'customer',
    submitter: { email: 'grace@customer.example', name: 'Grace Hall' },
    champion: { email: COUNTER, name: 'Leo Martin' },
    category: 'product',
    horizon: 'incremental',
    process: 'two-gates',
    ...overrides,
  };
}

/** The SDK's waitFor with the tests' shorter patience. */
export function waitForIdea(client: StageGateClient, ideaId: string, check: (status: IdeaStatus) => boolean, timeoutMs = 20_000): Promise<IdeaStatus> {
  return client.waitFor(ideaId, check, timeoutMs);
}

export const inReview = (gate: string, round = 1) => (status: IdeaStatus) => status.status === 'in-review' && status.round?.gate === gate && status.round.round === round;
/** In review with its reviewers asked: the round has settled, so nothing more happens by itself until a deadline or reminder. */
export const asked = (gate: string, round = 1) => (status: IdeaStatus) => inReview(gate, round)(status) && status.round?.requested === true;
/**
 * In the stage and waiting for its work, with the stage's `stage_entered` recorded: the first stage
 * is shown from submission on, and its `enteredAt` and event count change once the journey enters it.
 */
export const inStage = (stage: string) => (status: IdeaStatus) =>
  status.status === 'in-stage' &&
  status.stage.id === stage &&
  status.stage.awaitingReady &&
  [...status.timeline].reverse().find((entry) => entry.type === 'stage_entered')?.stage === stage;

export const scores = (value: number, ...criteria: string[]) => Object.fromEntries(criteria.map((id) => [id, value]));

/**
 * Drives an idea to launch the way people would: every reviewer of an open round votes go with
 * good scores, and the champion marks each stage's work ready. Returns the gates passed, in order.
 */
export async function driveToLaunch(client: StageGateClient, ideaId: string, stepTimeoutMs = 20_000): Promise<string[]> {
  const gates: string[] = [];
  for (let step = 0; step < 100; step++) {
    const status = await waitForIdea(client, ideaId, (s) => s.status === 'launched' || s.status === 'in-review' || (s.status === 'in-stage' && s.stage.awaitingReady && !s.stage.ready), stepTimeoutMs);
    if (status.status === 'launched') return gates;
    if (status.status === 'in-review') {
      const round = status.round!;
      const gate = client.processes().get(status.process.id)!.stages[status.stage.index]!.gate!;
      const good = Object.fromEntries(gate.criteria.map((criterion) => [criterion.id, 5]));
      for (const reviewer of round.reviewers.filter((person) => !person.voted)) {
        await client.castVote(ideaId, { reviewer: reviewer.email, decision: 'go', scores: good, round: round.round }).catch((err: unknown) => {
          // The round may close as soon as the quorum is met.
          if (!(err instanceof Error && 'code' in err && err.code === 'gate-closed')) throw err;
        });
      }
      gates.push(round.gate);
      await waitForIdea(client, ideaId, (s) => s.round?.gate !== round.gate || s.round.round !== round.round, stepTimeoutMs);
    } else if (client.processes().get(status.process.id)!.stages[status.stage.index]!.pilot) {
      // A pilot of weeks: a reading past its kill line ends it now, and its end makes the stage ready.
      const running = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined, stepTimeoutMs);
      if (!running.stage.pilot!.endedAt) {
        const kpi = client.processes().get(status.process.id)!.stages[status.stage.index]!.pilot!.kpis.find((candidate) => candidate.killAt !== undefined)!;
        await client.recordKpiReading(ideaId, { kpi: kpi.id, value: kpi.killAt!, by: status.champion.email });
      }
      await waitForIdea(client, ideaId, (s) => s.stage.id !== status.stage.id || s.stage.ready !== undefined, stepTimeoutMs);
    } else {
      await client.markReady(ideaId, { by: status.champion.email, notes: `${status.stage.name} done` });
      await waitForIdea(client, ideaId, (s) => s.stage.id !== status.stage.id || s.status !== 'in-stage' || !s.stage.awaitingReady || s.stage.ready !== undefined, stepTimeoutMs);
    }
  }
  throw new Error(`idea ${ideaId} did not launch within 100 steps`);
}

/** Retries an assertion until it passes: activities write the store a moment after the workflow moves on. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** The first message of this purpose to this person about the idea, once the outbox has it. */
export async function messageTo(store: Store, ideaId: string, to: string, purpose: string) {
  return eventually(async () => {
    const found = (await store.outbox({ ideaId, to })).find((message) => message.purpose === purpose);
    if (!found) throw new Error(`no ${purpose} message to ${to} about ${ideaId} yet`);
    return found;
  });
}

/**
 * Waits until the journeys have nothing in flight (no activity, no workflow task, no signal on its
 * way to another journey), so their histories hold still. Journeys that signal each other are
 * settled together: one pass finding all of them quiet, then a second, since a signal reaches its
 * receiver before its sender hears it was delivered.
 */
export async function settled(client: StageGateClient, ...ideaIds: string[]): Promise<void> {
  const busy = async (ideaId: string): Promise<string | undefined> => {
    const handle = client.client.workflow.getHandle(ideaWorkflowId(ideaId));
    const { raw } = await handle.describe();
    if ((raw.pendingActivities?.length ?? 0) > 0 || raw.pendingWorkflowTask) return `idea ${ideaId} is still busy`;
    const { events } = await handle.fetchHistory();
    const sent = events!.filter((event) => event.signalExternalWorkflowExecutionInitiatedEventAttributes).length;
    const answered = events!.filter((event) => event.externalWorkflowExecutionSignaledEventAttributes || event.signalExternalWorkflowExecutionFailedEventAttributes).length;
    return sent > answered ? `idea ${ideaId} is still signalling another journey` : undefined;
  };
  await eventually(async () => {
    for (let pass = 0; pass < 2; pass += 1) {
      for (const ideaId of ideaIds) {
        const why = await busy(ideaId);
        if (why) throw new Error(why);
      }
    }
  });
}
