import { existsSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { Worker } from '@temporalio/worker';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { SHIPPED_PROCESSES_DIR, type Settings } from '../../config/settings';
import type { IdeaStatus, PilotPlan, PilotPlanInput, StageGateClient } from '../../client/sdk';
import { ideaWorkflowId } from '../../workflows/messages';
import { FIXTURE_PROCESSES_DIR } from '../paths';
import {
  COUNTER,
  HEAD_BAKER,
  OWNER,
  SHOP_MANAGER,
  eventually,
  idea,
  inReview,
  inStage,
  scores,
  testSettings,
  waitForIdea,
  withStack,
  workflowBundle,
  type Stack,
} from '../helpers';

/**
 * Records the replay corpus in test/fixtures/histories: one journey per path an idea can take,
 * driven through the SDK against the test run's real Temporal dev server, and each workflow's
 * history written as `<workflow id>.json` (a pilot's later runs as `<workflow id>.run-<n>.json`).
 *
 * `npm run record-histories` runs it, on purpose only: it is not a `*.test.ts`, so `npm test`
 * never does. A history already in the folder is never written again, and its journey is skipped:
 * histories recorded from released code prove that old runs still replay. Record only new paths;
 * to record one again before it is released, delete its files first.
 */

const HISTORIES_DIR = join(__dirname, '..', 'fixtures', 'histories');
/**
 * The workflow code's era, in the recorded ids (`idea-history-<era>-go-express`): each era's
 * histories are kept beside the earlier ones. 0.1.0's have none. Name a new era when a change
 * behind `patched()` makes journeys take new paths, and record them all again under it.
 */
const ERA = process.env.STAGEGATE_HISTORY_ERA ?? 'rounds';
/** Processes only the recording needs; kept apart so the tests' own fixture folder stays as it is. */
const RECORD_PROCESSES_DIR = join(__dirname, 'processes');

const SUBMITTER = 'grace@customer.example';
const BAKER = 'maya@cornerbakery.example';
const JOURNEY_TIMEOUT_MS = 120_000;

const screenScores = scores(4, 'feasibility', 'impact');
const impact = (value: number) => ({ impact: value });

/**
 * A real SMTP server on loopback for the journeys that need one: it refuses some recipients for
 * good (550), keeps others waiting, and accepts the rest.
 */
class MailServer {
  readonly refused = new Set<string>();
  readonly slow = new Map<string, number>();
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo: (address, _session, callback) => {
      const to = address.address.toLowerCase();
      if (this.refused.has(to)) return callback(Object.assign(new Error('No such mailbox here'), { responseCode: 550 }));
      setTimeout(() => callback(), this.slow.get(to) ?? 0);
    },
    onData: (stream, _session, callback) => {
      stream.on('end', () => callback());
      stream.resume();
    },
  });

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Where a journey runs: its settings, and what to stop once it is recorded. */
type Setup = () => Promise<{ settings: Settings; done: () => Promise<void> }>;

/** Test settings with processes from this folder. */
const processesIn =
  (processesDir: string): Setup =>
  async () => ({ settings: testSettings({ processesDir }), done: async () => undefined });

/** The same, with mail going through a MailServer that `prepare` sets up. */
function withMail(processesDir: string, prepare: (mail: MailServer) => void): Setup {
  return async () => {
    const mail = new MailServer();
    prepare(mail);
    const port = await mail.start();
    const settings = testSettings({ processesDir, mail: { from: 'Corner Bakery ideas <ideas@cornerbakery.example>', smtp: { host: '127.0.0.1', port } } });
    return { settings, done: () => mail.close() };
  };
}

const shipped = processesIn(SHIPPED_PROCESSES_DIR);
const fixtures = processesIn(FIXTURE_PROCESSES_DIR);
const recordOnly = processesIn(RECORD_PROCESSES_DIR);

/**
 * One journey, driven to its end and recorded as `idea-<ideaId>.json`, with one file per run of
 * each pilot it started. Skipped when its history is already in the folder.
 */
function journey(name: string, covers: string, setup: Setup, drive: (stack: Stack, ideaId: string) => Promise<void>): void {
  const ideaId = ERA ? name.replace(/^history-/, `history-${ERA}-`) : name;
  const workflowId = ideaWorkflowId(ideaId);
  const recorded = existsSync(historyFile(workflowId));
  (recorded ? test.skip : test)(
    `${workflowId}${recorded ? ' (already recorded, kept)' : ''}: ${covers}`,
    async () => {
      const { settings, done } = await setup();
      try {
        await withStack(async (stack) => {
          await drive(stack, ideaId);
          await keep(stack.client, ideaId);
        }, settings);
      } finally {
        await done();
      }
    },
    JOURNEY_TIMEOUT_MS,
  );
}

/** Writes the histories of an idea that has ended, and of every run of its pilots, each proved to replay first. */
async function keep(client: StageGateClient, ideaId: string): Promise<void> {
  const outcome = await client.outcome(ideaId);
  expect(['launched', 'killed', 'withdrawn', 'merged']).toContain(outcome.status);
  const workflowId = ideaWorkflowId(ideaId);
  // A journey that continued as new has several runs: walk back from the latest to the first.
  const runs = [await fetchHistory(client, workflowId)];
  for (let previous = continuedFrom(runs[0]!); previous; previous = continuedFrom(runs[0]!)) runs.unshift(await fetchHistory(client, workflowId, previous));
  const files = runs.map((history, index) => ({ name: index === 0 ? workflowId : `${workflowId}.run-${index + 1}`, workflowId, history }));
  for (const child of runs.flatMap(pilotChildren)) {
    let runId: string | undefined = child.runId;
    for (let run = 1; runId; run++) {
      const runHistory = await fetchHistory(client, child.workflowId, runId);
      files.push({ name: run === 1 ? child.workflowId : `${child.workflowId}.run-${run}`, workflowId: child.workflowId, history: runHistory });
      runId = continuedAs(runHistory);
    }
  }
  for (const file of files) {
    const path = historyFile(file.name);
    if (existsSync(path)) throw new Error(`${path} is already recorded; a history is never recorded again (delete it first only if it was never released)`);
    await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, file.history, file.workflowId);
    writeFileSync(path, `${historyToJSON(file.history)}\n`);
    process.stderr.write(`recorded ${path} (${file.history.events?.length ?? 0} events)\n`);
  }
}

function historyFile(name: string): string {
  return join(HISTORIES_DIR, `${name}.json`);
}

function fetchHistory(client: StageGateClient, workflowId: string, runId?: string): Promise<History> {
  return client.client.workflow.getHandle(workflowId, runId).fetchHistory();
}

/** The pilots an idea started, each with the id of its first run. */
function pilotChildren(history: History): { workflowId: string; runId: string }[] {
  return (history.events ?? []).flatMap((event) => {
    const execution = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    return execution?.workflowId && execution.runId ? [{ workflowId: execution.workflowId, runId: execution.runId }] : [];
  });
}

/** The run a run continued from, if it did. */
function continuedFrom(history: History): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
}

/** The run a run continued as, if it did. */
function continuedAs(history: History): string | undefined {
  const last = history.events?.[history.events.length - 1];
  return last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
}

/** Each of these reviewers votes the same, one after the other: for rounds whose quorum needs every one of them. */
async function voteAll(client: StageGateClient, ideaId: string, reviewers: string[], vote: { decision: 'go' | 'kill' | 'recycle' | 'hold'; scores: Record<string, number>; round?: number; comment?: string }): Promise<void> {
  for (const reviewer of reviewers) await client.castVote(ideaId, { reviewer, ...vote });
}

async function timelineCount(client: StageGateClient, ideaId: string, type: string, count: number, timeoutMs?: number): Promise<void> {
  await waitForIdea(client, ideaId, (status) => status.timeline.filter((entry) => entry.type === type).length >= count, timeoutMs);
}

/**
 * Like the tests' driveToLaunch, but only as many reviewers vote go as each round needs, so no
 * vote comes in after the quorum closed the round (that race has a journey of its own), and each
 * stage's work is marked ready only once the journey has entered the stage.
 */
async function goToLaunch(client: StageGateClient, ideaId: string): Promise<string[]> {
  const gates: string[] = [];
  const entered = (status: IdeaStatus) => status.timeline.some((entry) => entry.type === 'stage_entered' && entry.stage === status.stage.id);
  for (let step = 0; step < 50; step++) {
    const status = await waitForIdea(client, ideaId, (s) => s.status === 'launched' || (s.status === 'in-review' && s.round !== undefined) || (s.status === 'in-stage' && s.stage.awaitingReady && !s.stage.ready && entered(s)));
    if (status.status === 'launched') return gates;
    if (status.round) {
      const round = status.round;
      const good = Object.fromEntries(round.criteria.map((criterion) => [criterion.id, 5]));
      for (const reviewer of round.reviewers.slice(0, round.votesNeeded)) {
        await client.castVote(ideaId, { reviewer: reviewer.email, decision: 'go', scores: good, round: round.round, comment: `Go, says ${reviewer.name}` });
      }
      gates.push(round.gate);
      await waitForIdea(client, ideaId, (s) => s.round?.gate !== round.gate || s.round.round !== round.round);
    } else if (client.processes().get(status.process.id)!.stages[status.stage.index]!.pilot) {
      // A pilot of weeks: a reading past its kill line ends it now, and its end makes the stage ready.
      const running = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      const kpi = (running.stage.plan ?? client.processes().get(status.process.id)!.stages[status.stage.index]!.pilot!).kpis.find((candidate) => candidate.killAt !== undefined)!;
      await client.recordKpiReading(ideaId, { kpi: kpi.id, value: kpi.killAt!, by: status.champion.email, note: 'A bad week' });
      await waitForIdea(client, ideaId, (s) => s.stage.id !== status.stage.id || s.stage.ready !== undefined);
    } else {
      // Before a pilot, the champion hands in the template's default plan as their own (from the era of plans on).
      const planned = ERA === 'plans' ? await client.pilotPlan(ideaId) : undefined;
      await client.markReady(ideaId, { by: status.champion.email, notes: `${status.stage.name} done`, links: ['https://example.com/work'], ...(planned ? { pilot: planInput(planned.defaults) } : {}) });
      await waitForIdea(client, ideaId, (s) => s.stage.id !== status.stage.id || s.status !== 'in-stage' || s.stage.ready !== undefined);
    }
  }
  throw new Error(`idea ${ideaId} did not launch within 50 steps`);
}

/** A plan as a caller writes it: its duration in words. */
function planInput(plan: PilotPlan, overrides: Partial<PilotPlanInput> = {}): PilotPlanInput {
  return { ...plan, duration: `${plan.duration / 1000}s`, ...overrides };
}

const endsLaunched = async (client: StageGateClient, ideaId: string) => expect(await client.outcome(ideaId)).toMatchObject({ status: 'launched' });

describe('recording the replay corpus (npm run record-histories)', () => {
  // ---- go through every gate of each shipped template ------------------------------------

  for (const processId of ['smb-lite', 'stage-gate-full', 'express']) {
    journey(`history-go-${processId}`, `the shipped ${processId} template: go at every gate, every stage's work marked ready, launch`, shipped, async ({ client }, ideaId) => {
      await client.submitIdea(idea({ ideaId, process: processId }));
      const gates = await goToLaunch(client, ideaId);
      const template = client.processes().get(processId)!;
      expect(gates).toEqual(template.stages.flatMap((stage) => (stage.gate ? [stage.gate.id] : [])));
      await endsLaunched(client, ideaId);
    });
  }

  // ---- decisions ---------------------------------------------------------------------------

  journey('history-conditional-go', 'a conditional go at each gate: conditions marked met before the next gate opens, and before launch', fixtures, async ({ client }, ideaId) => {
    await client.submitIdea(idea({ ideaId }));
    await waitForIdea(client, ideaId, inReview('screen'));
    await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'conditional-go', scores: screenScores, conditions: ['Check allergens with the supplier'] });
    await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: screenScores });
    await waitForIdea(client, ideaId, inStage('build'));
    await client.markReady(ideaId, { by: COUNTER, notes: 'Recipe and costing done' });
    await client.markConditionsMet(ideaId, { by: COUNTER, reason: 'Supplier confirmed: no nuts' });
    await waitForIdea(client, ideaId, inReview('final'));
    await client.castVote(ideaId, { reviewer: OWNER, decision: 'conditional-go', scores: impact(4), conditions: ['Train the counter staff first'] });
    // The last gate's conditions hold the launch until they are met.
    await waitForIdea(client, ideaId, (status) => status.decisions.length === 2 && status.conditions.some((condition) => !condition.met));
    await client.markConditionsMet(ideaId, { by: COUNTER, reason: 'Everyone trained on Monday' });
    await endsLaunched(client, ideaId);
  });

  journey('history-kill', 'go at the first gate, the work marked ready, then the reviewers kill it at the second gate', fixtures, async ({ client }, ideaId) => {
    await client.submitIdea(idea({ ideaId }));
    await waitForIdea(client, ideaId, inReview('screen'));
    await voteAll(client, ideaId, [HEAD_BAKER, SHOP_MANAGER], { decision: 'go', scores: screenScores });
    await waitForIdea(client, ideaId, inStage('build'));
    await client.markReady(ideaId, { by: COUNTER, notes: 'Recipe and costing done' });
    await waitForIdea(client, ideaId, inReview('final'));
    await client.castVote(ideaId, { reviewer: OWNER, decision: 'kill', scores: impact(1), comment: 'No oven space this autumn' });
    expect(await client.outcome(ideaId)).toMatchObject({ status: 'killed' });
  });

  journey('history-recycle', 'recycled at the first gate: the stage again with feedback, ready, a second round goes, then launch', fixtures, async ({ client }, ideaId) => {
    await client.submitIdea(idea({ ideaId }));
    await waitForIdea(client, ideaId, inReview('screen'));
    await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'recycle', scores: screenScores, comment: 'Bring a costing' });
    await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'recycle', scores: screenScores, comment: 'Which shops?' });
    await waitForIdea(client, ideaId, inStage('idea'));
    await client.markReady(ideaId, { by: COUNTER, notes: 'Costing attached; two shops' });
    await waitForIdea(client, ideaId, inReview('screen', 2));
    await voteAll(client, ideaId, [HEAD_BAKER, SHOP_MANAGER], { decision: 'go', scores: screenScores, round: 2 });
    await waitForIdea(client, ideaId, inStage('build'));
    await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' });
    await waitForIdea(client, ideaId, inReview('final'));
    await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: impact(4) });
    await endsLaunched(client, ideaId);
  });

  journey(
    'history-vote-after-quorum',
    'a quorum of one: the first vote decides go; a second vote while the decision is being told is accepted (0.1.0) or refused, the round being closed (since exactly-once rounds); the work marked ready; launch',
    // The submitter's mail server is slow to take the decision, so the round stays open long enough.
    withMail(SHIPPED_PROCESSES_DIR, (mail) => mail.slow.set(SUBMITTER, 3000)),
    async ({ client }, ideaId) => {
      await client.submitIdea(idea({ ideaId, process: 'express' }));
      await waitForIdea(client, ideaId, inReview('quick-decision'), 30_000);
      const good = scores(4, 'feasibility', 'impact');
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: good });
      await timelineCount(client, ideaId, 'decided', 1);
      const late = client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: good, comment: 'Me too' });
      if (ERA) await expect(late).rejects.toMatchObject({ code: 'gate-closed' });
      else await late;
      await waitForIdea(client, ideaId, inStage('launch'), 30_000);
      const types = (await client.getIdea(ideaId)).timeline.map((entry) => entry.type);
      expect(types.slice(types.indexOf('decided')).includes('vote_cast')).toBe(!ERA);
      await client.markReady(ideaId, { by: COUNTER, notes: 'Done, and the counter staff told' });
      await endsLaunched(client, ideaId);
    },
  );

  journey(
    'history-smtp-refused',
    'the mail server refuses one reviewer for good (550): the review request is kept as undelivered and the journey goes on; the other reviewer decides go; the work marked ready; launch',
    withMail(SHIPPED_PROCESSES_DIR, (mail) => mail.refused.add(SHOP_MANAGER)),
    async ({ client }, ideaId) => {
      await client.submitIdea(idea({ ideaId, process: 'express' }));
      await waitForIdea(client, ideaId, (status) => inReview('quick-decision')(status) && status.undelivered.length > 0);
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: scores(4, 'feasibility', 'impact') });
      await waitForIdea(client, ideaId, inStage('launch'));
      await client.markReady(ideaId, { by: COUNTER, notes: 'Done, and the counter staff told' });
      await endsLaunched(client, ideaId);
      expect((await client.getIdea(ideaId)).undelivered.map((refusal) => [refusal.purpose, refusal.to])).toEqual([['review-request', SHOP_MANAGER]]);
    },
  );

  // ---- holds and withdrawal ----------------------------------------------------------------

  journey(
    'history-hold-resume',
    'an admin holds an open gate round and resumes it (a new round); holds the next stage and resumes it by hand, holds it again until its revisit date comes; launch',
    fixtures,
    async ({ client }, ideaId) => {
      await client.submitIdea(idea({ ideaId }));
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.hold(ideaId, { by: OWNER, reason: 'After the Christmas rush', revisitAfter: '60d' });
      await waitForIdea(client, ideaId, (status) => status.status === 'on-hold' && status.hold?.returnTo === 'gate');
      await client.resume(ideaId, { by: OWNER, reason: 'January is quiet' });
      await waitForIdea(client, ideaId, inReview('screen', 2));
      await voteAll(client, ideaId, [HEAD_BAKER, SHOP_MANAGER], { decision: 'go', scores: screenScores, round: 2 });
      await waitForIdea(client, ideaId, inStage('build'));

      await client.hold(ideaId, { by: OWNER, reason: 'The oven is being repaired' });
      await waitForIdea(client, ideaId, (status) => status.status === 'on-hold' && status.hold?.returnTo === 'stage');
      await client.resume(ideaId, { by: OWNER, reason: 'Oven fixed' });
      await waitForIdea(client, ideaId, inStage('build'));
      await client.hold(ideaId, { by: OWNER, reason: 'Wait for the new flour', revisitAfter: '2s' });
      await waitForIdea(client, ideaId, (status) => status.status === 'on-hold');
      await timelineCount(client, ideaId, 'resumed', 3, 15_000);
      await waitForIdea(client, ideaId, inStage('build'));

      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' });
      await waitForIdea(client, ideaId, inReview('final'));
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: impact(4) });
      await endsLaunched(client, ideaId);
    },
  );

  journey('history-withdraw-in-stage', 'go at the first gate, then the submitter withdraws it while its second stage is under way', fixtures, async ({ client }, ideaId) => {
    await client.submitIdea(idea({ ideaId }));
    await waitForIdea(client, ideaId, inReview('screen'));
    await voteAll(client, ideaId, [HEAD_BAKER, SHOP_MANAGER], { decision: 'go', scores: screenScores });
    await waitForIdea(client, ideaId, inStage('build'));
    await client.withdraw(ideaId, { by: SUBMITTER, reason: 'Found one at the market' });
    expect(await client.outcome(ideaId)).toMatchObject({ status: 'withdrawn' });
  });

  // ---- deadlines: each onNoDecision ----------------------------------------------------------

  journey('history-deadline-kill', 'nobody votes: at the deadline the escalation contact is told and the gate kills the idea', recordOnly, async ({ client }, ideaId) => {
    await client.submitIdea(idea({ ideaId, process: 'deadline-kill' }));
    expect(await client.outcome(ideaId)).toMatchObject({ status: 'killed' });
  });

  journey('history-deadline-hold', 'nobody votes: at the deadline the gate holds the idea; an admin resumes it and the second round goes; launch', recordOnly, async ({ client }, ideaId) => {
    await client.submitIdea(idea({ ideaId, process: 'deadline-hold' }));
    await waitForIdea(client, ideaId, (status) => status.status === 'on-hold');
    await client.resume(ideaId, { by: OWNER, reason: 'Reviewers are back' });
    await waitForIdea(client, ideaId, inReview('screen', 2));
    await voteAll(client, ideaId, [HEAD_BAKER, SHOP_MANAGER], { decision: 'go', scores: impact(4), round: 2 });
    await endsLaunched(client, ideaId);
  });

  journey('history-deadline-recycle', 'nobody votes: at the deadline the gate recycles the idea; the champion marks the rework ready and the second round goes; launch', recordOnly, async ({ client }, ideaId) => {
    await client.submitIdea(idea({ ideaId, process: 'deadline-recycle' }));
    await waitForIdea(client, ideaId, inStage('idea'));
    await client.markReady(ideaId, { by: COUNTER, notes: 'Explained it better' });
    await waitForIdea(client, ideaId, inReview('screen', 2));
    await voteAll(client, ideaId, [HEAD_BAKER, SHOP_MANAGER], { decision: 'go', scores: impact(4), round: 2 });
    await endsLaunched(client, ideaId);
  });

  journey(
    'history-deadline-escalate',
    'nobody votes in time: at the deadline the round escalates and stays open; a late vote, then the escalation contact (not an admin) decides go, as a /decide link does; launch',
    recordOnly,
    async ({ client }, ideaId) => {
      await client.submitIdea(idea({ ideaId, process: 'deadline-escalate' }));
      await waitForIdea(client, ideaId, (status) => status.round?.escalated === true);
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: impact(4), comment: 'Sorry, late' });
      await expect(client.overrideDecision(ideaId, { by: COUNTER, decision: 'go', reason: 'I like it' })).rejects.toMatchObject({ code: 'not-allowed' });
      await client.overrideDecision(ideaId, { by: BAKER, decision: 'go', reason: 'Sofia is away; Hamid says go' });
      await endsLaunched(client, ideaId);
    },
  );

  // ---- the round itself ----------------------------------------------------------------------

  journey('history-revised-package', 'the package marked ready, one vote on it, the champion revises it mid-round, the other vote on the new one; launch', fixtures, async ({ client }, ideaId) => {
    await client.submitIdea(idea({ ideaId, process: 'package-review' }));
    await waitForIdea(client, ideaId, inStage('build'));
    await timelineCount(client, ideaId, 'stage_entered', 1);
    await client.markReady(ideaId, { by: COUNTER, notes: 'Plan v1', links: ['https://example.com/plan-v1'] });
    const first = await waitForIdea(client, ideaId, inReview('final'));
    await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: impact(4), fingerprint: first.round!.packageFingerprint, via: 'link' });
    await client.markReady(ideaId, { by: COUNTER, notes: 'Plan v2: costs corrected', links: ['https://example.com/plan-v2'] });
    const revised = await waitForIdea(client, ideaId, (status) => status.round?.packageFingerprint !== first.round!.packageFingerprint);
    await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: impact(5), fingerprint: revised.round!.packageFingerprint, via: 'link' });
    await endsLaunched(client, ideaId);
  });

  journey(
    'history-review-opened',
    'review pages opened (the signal the web server sends): a first open, a second (recorded in 0.1.0, ignored since), one naming a round that is not open (ignored); votes by link at both gates; launch',
    fixtures,
    async ({ client }, ideaId) => {
      await client.submitIdea(idea({ ideaId }));
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.reviewOpened(ideaId, { reviewer: HEAD_BAKER, round: 1 });
      await client.reviewOpened(ideaId, { reviewer: HEAD_BAKER, round: 1 });
      await client.reviewOpened(ideaId, { reviewer: SHOP_MANAGER, round: 7 });
      // Since exactly-once rounds only a reviewer's first opening of a round is recorded.
      const repeats = ERA ? 0 : 1;
      await timelineCount(client, ideaId, 'review_opened', 2 + repeats - 1);
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: screenScores, via: 'link' });
      await client.reviewOpened(ideaId, { reviewer: SHOP_MANAGER, round: 1 });
      await timelineCount(client, ideaId, 'review_opened', 3 + repeats - 1);
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: screenScores, via: 'link' });
      await waitForIdea(client, ideaId, inStage('build'));
      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done', links: ['https://example.com/plan'] });
      const final = await waitForIdea(client, ideaId, inReview('final'));
      await client.reviewOpened(ideaId, { reviewer: OWNER, round: 1 });
      await timelineCount(client, ideaId, 'review_opened', 4 + repeats - 1);
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: impact(4), fingerprint: final.round!.packageFingerprint, via: 'link' });
      await endsLaunched(client, ideaId);
    },
  );

  // ---- timers --------------------------------------------------------------------------------

  journey('history-reminders', 'one vote, then reminders every second to the reviewer who has not voted, until she votes go; launch', recordOnly, async ({ client }, ideaId) => {
    await client.submitIdea(idea({ ideaId, process: 'reminders' }));
    await waitForIdea(client, ideaId, inReview('screen'));
    await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: impact(4) });
    await timelineCount(client, ideaId, 'reminder_sent', 2);
    await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: impact(5) });
    await endsLaunched(client, ideaId);
  });

  journey(
    'history-stage-overrun',
    'the stage overruns: reminders to the champion; ready; the reviewer votes hold and the idea comes back at its revisit date; round 2 goes; launch',
    fixtures,
    async ({ client }, ideaId) => {
      await client.submitIdea(idea({ ideaId, process: 'slow-stage' }));
      await timelineCount(client, ideaId, 'reminder_sent', 2);
      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan, late' });
      await waitForIdea(client, ideaId, inReview('final'));
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'hold', scores: impact(3), comment: 'Ask again after the rush' });
      await waitForIdea(client, ideaId, (status) => status.status === 'on-hold');
      await waitForIdea(client, ideaId, inReview('final', 2));
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: impact(4), round: 2 });
      await endsLaunched(client, ideaId);
    },
  );

  // ---- pilots --------------------------------------------------------------------------------

  if (ERA) {
    journey(
      'history-pilot-held',
      'an admin holds the idea while its pilot runs: the pilot is told and ends with its readings, the idea is parked before its gate; resumed, the gate goes; launch',
      fixtures,
      async ({ client }, ideaId) => {
        await client.submitIdea(idea({ ideaId, process: 'manual-pilot' }));
        await waitForIdea(client, ideaId, (status) => status.stage.pilot !== undefined);
        await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 450, by: COUNTER });
        await client.hold(ideaId, { by: OWNER, reason: 'The oven is being replaced' });
        await waitForIdea(client, ideaId, (status) => status.status === 'on-hold' && status.stage.pilot?.reason === 'held');
        await client.resume(ideaId, { by: OWNER, reason: 'New oven in' });
        await waitForIdea(client, ideaId, inReview('go-to-launch'));
        await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: { results: 4 } });
        await endsLaunched(client, ideaId);
      },
    );
  }

  if (ERA === 'plans') {
    journey(
      'history-pilot-plan',
      "shipped smb-lite: the champion hands in a pilot plan with Build, revises it mid-round (a vote on the first plan is refused), the vote on the revised one goes; the pilot runs the plan's KPIs, a reading below its kill line ends it; launch",
      shipped,
      async ({ client }, ideaId) => {
        await client.submitIdea(idea({ ideaId, process: 'smb-lite', champion: { email: HEAD_BAKER, name: 'Hamid Karimi' } }));
        await waitForIdea(client, ideaId, inReview('idea-screen'));
        await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: scores(5, 'feasibility', 'impact', 'alignment') });
        await waitForIdea(client, ideaId, inStage('build'));
        const planned = (await client.pilotPlan(ideaId))!;
        const sales = { ...planned.defaults.kpis[0]!, label: 'Weekly sales of the pastry' };
        const repeat = { id: 'repeat_buyers', label: 'Customers who buy it again', unit: '%', direction: 'higher' as const, target: 30 };
        await client.markReady(ideaId, { by: HEAD_BAKER, notes: 'Recipe fixed', pilot: planInput(planned.defaults, { kpis: [sales, repeat], place: 'the town shop' }) });
        const first = await waitForIdea(client, ideaId, inReview('go-to-pilot'));
        await client.markReady(ideaId, { by: HEAD_BAKER, notes: 'Recipe fixed', pilot: planInput(planned.defaults, { kpis: [{ ...sales, target: 70 }, repeat], place: 'the town shop' }) });
        const revised = await waitForIdea(client, ideaId, (s) => s.round?.packageFingerprint !== first.stage.ready!.fingerprint);
        const good = scores(5, 'feasibility', 'impact', 'alignment');
        await expect(client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: good, fingerprint: first.stage.ready!.fingerprint })).rejects.toMatchObject({ code: 'stale-package' });
        await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: good, fingerprint: revised.stage.ready!.fingerprint });
        await waitForIdea(client, ideaId, (s) => s.stage.id === 'pilot' && s.stage.pilot !== undefined);
        await client.recordKpiReading(ideaId, { kpi: 'repeat_buyers', value: 34, by: HEAD_BAKER });
        await expect(client.recordKpiReading(ideaId, { kpi: 'repeat_share', value: 34, by: HEAD_BAKER })).rejects.toMatchObject({ code: 'unknown-kpi' });
        await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 12, by: HEAD_BAKER });
        const launchGate = await waitForIdea(client, ideaId, inReview('go-to-launch'));
        await voteAll(client, ideaId, launchGate.round!.reviewers.slice(0, launchGate.round!.votesNeeded).map((person) => person.email), { decision: 'go', scores: scores(4, 'results', 'readiness', 'alignment') });
        await waitForIdea(client, ideaId, inStage('launch'));
        await client.markReady(ideaId, { by: HEAD_BAKER, notes: 'Rolled out' });
        await endsLaunched(client, ideaId);
      },
    );
  }

  journey(
    'history-journey-continued',
    'a journey whose history passes its limit (150 events): it continues as new in a gate round with a vote in, and again in a stage with reminders; the second vote and ready in later runs; launch',
    async () => ({ settings: testSettings({ processesDir: FIXTURE_PROCESSES_DIR, journeyHistoryLimit: 150 }), done: async () => undefined }),
    async ({ client }, ideaId) => {
      const { workflowId } = await client.submitIdea(idea({ ideaId, process: 'long-review' }));
      const runs = async () => {
        let count = 0;
        for await (const _execution of client.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) count++;
        return count;
      };
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.reviewOpened(ideaId, { reviewer: HEAD_BAKER, round: 1 });
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: impact(4) });
      await eventually(async () => expect(await runs()).toBeGreaterThanOrEqual(2), 30_000);
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: impact(5) });
      await waitForIdea(client, ideaId, inStage('build'));
      const before = await runs();
      await eventually(async () => expect(await runs()).toBeGreaterThan(before), 30_000);
      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' });
      await endsLaunched(client, ideaId);
    },
  );

  journey(
    'history-pilot-continued',
    'a pilot (child workflow) whose manual readings pass its history limit, so it continues as new carrying them; an alert; a reading past the kill threshold ends it early; the gate goes; launch',
    recordOnly,
    async ({ client }, ideaId) => {
      await client.submitIdea(idea({ ideaId, process: 'pilot-continued' }));
      await waitForIdea(client, ideaId, (status) => status.stage.pilot !== undefined);
      const readings = [620, 650, 350, 640, 700, 610, 630, 660, 600, 680];
      const continued = async () => (await client.pilotStatus(ideaId)).continuedAsNew > 0;
      for (const value of readings) {
        await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value, by: COUNTER, note: `Till report: ${value}` });
        if (await continued()) break;
      }
      await eventually(async () => expect(await continued()).toBe(true));
      await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 720, by: COUNTER, note: 'After the new run' });
      expect(await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 150, by: COUNTER, note: 'Road closed' })).toMatchObject({ level: 'kill' });
      const review = await waitForIdea(client, ideaId, inReview('go-to-launch'));
      expect(review.stage.pilot).toMatchObject({ reason: 'kill-threshold' });
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: { results: 3 }, comment: 'One bad week; the rest was good' });
      await endsLaunched(client, ideaId);
    },
  );

  if (ERA === 'answers') {
    journey(
      'history-pilot-answered',
      "a KPI form taken in the pilot's first run and sent again after the pilot continued as new (history limit 50): the second run answers it with the first receipts it carried (carried.answers) and records nothing more; a reading past the kill line ends it; the gate goes; launch",
      recordOnly,
      async ({ client }, ideaId) => {
        await client.submitIdea(idea({ ideaId, process: 'pilot-continued' }));
        await waitForIdea(client, ideaId, (status) => status.stage.pilot !== undefined);
        const form = { readings: [{ kpi: 'weekly_sales', value: 640 }], by: COUNTER, note: 'Week 1', form: 'answered-form-00000000001', via: 'link' as const };
        const first = await client.recordKpiReadings(ideaId, form);
        for (let value = 600; (await client.pilotStatus(ideaId)).continuedAsNew === 0; value++) await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value, by: COUNTER });
        expect(await client.recordKpiReadings(ideaId, form)).toEqual(first);
        expect(await client.kpiForm(ideaId, form.form)).toEqual(first);
        await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 150, by: COUNTER, note: 'Road closed' });
        await waitForIdea(client, ideaId, inReview('go-to-launch'));
        await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: { results: 3 } });
        await endsLaunched(client, ideaId);
      },
    );
  }

  journey(
    'history-pilot-burst',
    'a burst of readings from four senders at once carries a pilot past its history limit (50 events) while readings keep arriving; an alert among them; a reading past the kill threshold ends it; the gate goes; launch',
    recordOnly,
    async ({ client }, ideaId) => {
      await client.submitIdea(idea({ ideaId, process: 'pilot-burst' }));
      await waitForIdea(client, ideaId, (status) => status.stage.pilot !== undefined);
      const values = Array.from({ length: 40 }, (_, n) => (n === 17 ? 350 : 600 + n));
      await Promise.all(
        [0, 1, 2, 3].map(async () => {
          for (let value = values.shift(); value !== undefined; value = values.shift()) await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value, by: COUNTER });
        }),
      );
      await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 150, by: COUNTER, note: 'Road closed' });
      await waitForIdea(client, ideaId, inReview('go-to-launch'), 60_000);
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: { results: 3 } });
      await endsLaunched(client, ideaId);
    },
  );

  journey(
    'history-pilot-weekly',
    "a pilot on the pilot-weekly-readings path: the champion's readings email at the start and at every check, a KPI form's readings taken together under its id (sent twice), a reading short of target alerting the champion and the admins, a reading past the kill line; the gate goes; launch",
    recordOnly,
    async ({ client, store }, ideaId) => {
      await client.submitIdea(idea({ ideaId, process: 'pilot-weekly' }));
      await waitForIdea(client, ideaId, (status) => status.stage.pilot !== undefined);
      const form = { readings: [{ kpi: 'weekly_sales', value: 64 }, { kpi: 'repeat_share', value: 31.5 }], by: COUNTER, note: 'Week 1', form: 'recorded-form-0000000001', via: 'link' as const };
      await client.recordKpiReadings(ideaId, form);
      await client.recordKpiReadings(ideaId, form);
      const reminders = async () => (await store.outbox({ ideaId })).filter((message) => message.purpose === 'kpi-reminder').length;
      await eventually(async () => expect(await reminders()).toBeGreaterThanOrEqual(2), 10_000);
      expect(await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 45, by: COUNTER, note: 'Week 2' })).toMatchObject({ level: 'alert' });
      expect(await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 15, by: COUNTER, note: 'Week 3, road closed' })).toMatchObject({ level: 'kill' });
      await waitForIdea(client, ideaId, inReview('go-to-launch'));
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: { results: 3 } });
      await endsLaunched(client, ideaId);
    },
  );

  // ---- categories and duplicates ------------------------------------------------------------

  journey('history-categorised', "submitted without a category: the first gate's votes name one (the most named wins, categorised), then an admin changes it; launch", fixtures, async ({ client }, ideaId) => {
    const { category: _none, ...uncategorised } = idea({ ideaId });
    await client.submitIdea(uncategorised);
    await waitForIdea(client, ideaId, inReview('screen'));
    await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: screenScores, category: 'product' });
    await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: screenScores, category: 'service' });
    await waitForIdea(client, ideaId, (status) => status.category === 'product' && status.stage.id === 'build');
    await client.categorise(ideaId, { category: 'service', by: OWNER });
    await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' });
    await waitForIdea(client, ideaId, inReview('final'));
    await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: impact(4) });
    await endsLaunched(client, ideaId);
  });

  journey('history-authority-decided', "express, estimated at 250: Sofia decides quick-decision alone under the shop manager's delegated authority (300), though Hamid is asked too; the launch stage's work marked ready; launch", shipped, async ({ client }, ideaId) => {
    await client.submitIdea(idea({ ideaId, process: 'express', estimatedCost: 250 }));
    const open = await waitForIdea(client, ideaId, inReview('quick-decision'));
    expect(open.round!.authorities).toEqual([expect.objectContaining({ email: SHOP_MANAGER, budget: 300 })]);
    const receipt = await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: { feasibility: 5, impact: 4 }, comment: 'Cheap and quick' });
    expect(receipt.decided).toBe('go');
    await waitForIdea(client, ideaId, inStage('launch'));
    expect(await goToLaunch(client, ideaId)).toEqual([]);
    expect((await client.getIdea(ideaId)).decisions[0]).toMatchObject({ decidedBy: 'authority' });
    await endsLaunched(client, ideaId);
  });

  journey('history-authority-quorum-all', "estimated at 250, at a gate of quorum all: Sofia's vote under the shop manager's authority decides the round alone, Hamid never votes; the launch stage's work marked ready; launch", recordOnly, async ({ client }, ideaId) => {
    await client.submitIdea(idea({ ideaId, process: 'authority-all', estimatedCost: 250 }));
    await waitForIdea(client, ideaId, inReview('idea-screen'));
    expect((await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: impact(4) })).decided).toBe('go');
    await waitForIdea(client, ideaId, inStage('launch'));
    await client.markReady(ideaId, { by: COUNTER, notes: 'Launch plan done' });
    await endsLaunched(client, ideaId);
  });

  journey('history-merged', 'a day-old bread discount, then a second one found similar on submission and merged into the first by a screener; the first credits its submitter and launches', fixtures, async ({ client }, ideaId) => {
    await client.submitIdea(idea({ ideaId, title: 'Half price for day-old bread', description: "Sell yesterday's loaves at half price in the first hour." }));
    await waitForIdea(client, ideaId, inReview('screen'));
    const duplicate = `${ideaId}-duplicate`;
    await client.submitIdea(idea({ ideaId: duplicate, title: "Discount on yesterday's bread", description: 'Offer day-old loaves at a discount instead of throwing them away.', submitter: { email: 'rosa@regular.example', name: 'Rosa Diaz' } }));
    await waitForIdea(client, duplicate, (status) => inReview('screen')(status) && (status.similar ?? []).length > 0);
    await client.merge(duplicate, { into: ideaId, by: HEAD_BAKER, reason: 'The same discount' });
    expect(await client.outcome(duplicate)).toMatchObject({ status: 'merged', into: ideaId });
    await keep(client, duplicate);
    await waitForIdea(client, ideaId, (status) => (status.credited ?? []).length === 1);
    await voteAll(client, ideaId, [HEAD_BAKER, SHOP_MANAGER], { decision: 'go', scores: screenScores });
    await waitForIdea(client, ideaId, inStage('build'));
    await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' });
    await waitForIdea(client, ideaId, inReview('final'));
    await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: impact(4) });
    await endsLaunched(client, ideaId);
  });
});
