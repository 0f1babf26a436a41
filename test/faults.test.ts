import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { StageGateClient, type IdeaStatus, type VoteReceipt } from '../client/sdk';
import { startWebServer } from '../client/web/server';
import { openStore, type Store } from '../store';
import { startDevServer } from '../worker/dev-server';
import { createStageGateWorker } from '../worker/worker';
import { COUNTER, HEAD_BAKER, OWNER, SHOP_MANAGER, eventually, idea, inReview, inStage, messageTo, scores, settled, startWorker, testSettings, withStack, workflowBundle } from './helpers';
import { freshDatabaseUrl } from './postgres';
import { get, post } from './web-helpers';
import {
  MailServer,
  acceptedUpdates,
  expectEventsOnce,
  failedActivities,
  persist,
  sleep,
  spawnWorker,
  stablePort,
  TcpProxy,
  tally,
  waitThrough,
  type CallLog,
  type WorkerProcess,
} from './fault-helpers';

/**
 * Faults survived for real, each against real servers: a worker process killed with SIGKILL, the
 * Temporal server restarted on its database file, the mail server refusing connections, the
 * events database out of reach, the web server restarted between a page and its form.
 */

const FROM = 'Corner Bakery ideas <ideas@cornerbakery.example>';
const ENDED = ['launched', 'killed', 'withdrawn'];
const WEB_SECRET = 'faults-web-link-secret-0123456789abcdef';

/** The outbox rows of an idea, each once; the same message (purpose, round or stage, recipient) never kept under two ids. */
async function expectOutboxOnce(store: Store, ideaId: string) {
  const messages = await store.outbox({ ideaId });
  expect(new Set(messages.map((message) => message.id)).size).toBe(messages.length);
  // The id ends with the message's sequence: without it, a message kept twice (a resend under a new number) would show.
  const bySubject = tally(messages, (message) => message.id.replace(/\/\d+$/, ''));
  expect(Object.values(bySubject).filter((count) => count > 1)).toEqual([]);
  return messages;
}

describe('faults survived for real', () => {
  test('kill -9 of the worker process with 20 journeys in flight and votes arriving: every journey ends as its script says, each vote and decision once, no event or message doubled', async () => {
    const mail = new MailServer();
    const smtpPort = await mail.start();
    // A short update timeout, so votes caught by the kill fail fast and the script sends them again.
    const settings = testSettings({ updateTimeout: '4s', mail: { from: FROM, smtp: { host: '127.0.0.1', port: smtpPort } } });
    const client = await StageGateClient.connect({ settings });
    const store = await openStore(settings);
    let first: WorkerProcess | undefined;
    let second: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      first = await spawnWorker(settings);
      const plans = Array.from({ length: 20 }, (_, index) => ({ ideaId: `kill9-${index}-${settings.taskQueue}`, ends: index % 2 === 0 ? 'launched' : 'killed' }) as const);
      const calls: CallLog[] = [];
      let done = 0;
      let inFlight = 0;
      let killAt: () => void = () => undefined;
      const killPoint = new Promise<void>((resolve) => (killAt = resolve));
      const jitter = () => sleep(Math.floor(Math.random() * 400));

      /** One command of a script, sent again while nothing is confirmed. */
      const command = async <T>(ideaId: string, what: string, call: () => Promise<T>): Promise<T> => {
        const log: CallLog = { ideaId, what, attempts: 0, failures: [] };
        calls.push(log);
        inFlight += 1;
        // The kill comes while votes are on their way, once a good part of the work is done.
        if (done >= 20 && what.startsWith('vote')) killAt();
        try {
          return await persist(log, call, 80_000);
        } finally {
          inFlight -= 1;
          done += 1;
        }
      };
      const vote = async (ideaId: string, status: IdeaStatus, reviewer: string, decision: 'go' | 'kill', values: Record<string, number>): Promise<VoteReceipt> => {
        await jitter();
        const round = status.round!;
        return command(ideaId, `vote ${round.gate}#${round.round} ${reviewer}`, () => client.castVote(ideaId, { reviewer, decision, scores: values, gate: round.gate, round: round.round }));
      };

      const script = async ({ ideaId, ends }: (typeof plans)[number]) => {
        await jitter();
        await command(ideaId, 'submit', () => client.submitIdea(idea({ ideaId, title: `Idea ${ideaId}` })));
        const screen = await waitThrough(client, ideaId, inReview('screen'));
        const decision = ends === 'launched' ? 'go' : 'kill';
        const value = ends === 'launched' ? 5 : 1;
        await Promise.all([HEAD_BAKER, SHOP_MANAGER].map((reviewer) => vote(ideaId, screen, reviewer, decision, scores(value, 'feasibility', 'impact'))));
        if (ends === 'killed') return waitThrough(client, ideaId, (s) => ENDED.includes(s.status), 80_000);
        await waitThrough(client, ideaId, inStage('build'), 80_000);
        await jitter();
        // "ready" carries an id derived from what it is, like a vote: sent again while nothing is confirmed, it is one command.
        await command(ideaId, 'ready', () => client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' }));
        const final = await waitThrough(client, ideaId, inReview('final'), 80_000);
        await vote(ideaId, final, OWNER, 'go', scores(5, 'impact'));
        return waitThrough(client, ideaId, (s) => ENDED.includes(s.status), 80_000);
      };

      let ended = 0;
      const finished = Promise.all(plans.map((plan) => script(plan).finally(() => (ended += 1))));
      finished.catch(() => killAt());
      await killPoint;
      await sleep(100);
      const unfinished = plans.length - ended;
      const caughtInFlight = inFlight;
      first.child.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      // The kill happened mid-way: journeys under way and commands waiting for their answer.
      expect(unfinished).toBeGreaterThanOrEqual(10);
      expect(caughtInFlight).toBeGreaterThan(0);

      // No worker for a while: votes sent meanwhile, and those the kill caught, get "nothing was confirmed" and are sent again.
      await sleep(9_000);
      second = await startWorker(settings);
      await finished;
      // The journeys' final state, once each workflow has returned (its last events are in its state by then).
      // Read with patience: a finished journey's status is a query the new worker answers by replaying its
      // whole history, twenty at once on a loaded machine; the votes' short timeout is not meant for that.
      const reader = await StageGateClient.connect({ settings: { ...settings, updateTimeout: 60_000 } });
      const outcomes = await Promise.all(plans.map(async ({ ideaId }) => {
        await reader.outcome(ideaId);
        return reader.getIdea(ideaId);
      })).finally(() => reader.close());

      for (const [index, plan] of plans.entries()) {
        const status = outcomes[index]!;
        expect([plan.ideaId, status.status]).toEqual([plan.ideaId, plan.ends]);
        const gates = plan.ends === 'launched' ? ['screen', 'final'] : ['screen'];
        expect(status.decisions.map((d) => [d.gate, d.round, d.decision, d.decidedBy])).toEqual(gates.map((gate) => [gate, 1, plan.ends === 'launched' ? 'go' : 'kill', 'reviewers']));

        // The background events are in once the journey has ended; each exactly once.
        const events = await eventually(() => expectEventsOnce(store, status), 40_000);
        const votes = tally(events.filter((e) => e.type === 'vote_cast'), (e) => `${e.gate}#${e.round} ${e.actor}`);
        const expectedVotes: Record<string, number> = { [`screen#1 ${HEAD_BAKER}`]: 1, [`screen#1 ${SHOP_MANAGER}`]: 1 };
        if (plan.ends === 'launched') expectedVotes[`final#1 ${OWNER}`] = 1;
        expect(votes).toEqual(expectedVotes);
        expect(tally(events.filter((e) => e.type === 'decided'), (e) => `${e.gate}#${e.round}`)).toEqual(Object.fromEntries(gates.map((gate) => [`${gate}#1`, 1])));
        expect(events.filter((e) => e.type === plan.ends)).toHaveLength(1);

        // Each vote took effect once in the journey itself: one accepted update per reviewer and round.
        const updates = await acceptedUpdates(client, plan.ideaId);
        expect(Object.values(tally(updates, (u) => u.updateId)).every((count) => count === 1)).toBe(true);
        expect(tally(updates.filter((u) => u.name === 'castVote'), (u) => `${String(u.arg.gate)}#${String(u.arg.round)} ${String(u.arg.reviewer)}`)).toEqual(expectedVotes);
        expect(updates.filter((u) => u.name === 'markReady')).toHaveLength(plan.ends === 'launched' ? 1 : 0);

        // Every message kept once, and every one of them sent.
        const messages = await eventually(async () => {
          const kept = await expectOutboxOnce(store, plan.ideaId);
          expect(kept.filter((message) => !message.sentAt).map((message) => message.id)).toEqual([]);
          return kept;
        }, 40_000);
        const arrived = new Set(mail.received.map((received) => received.messageId));
        expect(messages.filter((message) => !arrived.has(message.messageId!)).map((message) => message.id)).toEqual([]);
      }

      // Votes whose call failed during the kill were sent again, counted once, and answered with their own receipt.
      const retried = calls.filter((call) => call.what.startsWith('vote') && call.failures.length > 0);
      expect(retried.length).toBeGreaterThan(0);
      for (const call of retried) {
        const receipt = call.result as VoteReceipt;
        const status = outcomes[plans.findIndex((plan) => plan.ideaId === call.ideaId)]!;
        const cast = status.timeline.filter((entry) => entry.type === 'vote_cast' && `vote ${entry.gate}#${entry.round} ${entry.actor}` === call.what);
        expect(cast).toHaveLength(1);
        // The answer to the retry is the receipt of the one vote that counted.
        expect(`vote ${receipt.gate}#${receipt.round} ${receipt.reviewer}`).toBe(call.what);
        expect([receipt.decision, receipt.castAt]).toEqual([cast[0]!.detail.decision, cast[0]!.at]);
      }
      // Every Message-ID that arrived belongs to a kept message (a resend after the crash may repeat one; nothing else arrives).
      const kept = new Set((await store.outbox({ limit: 10_000 })).map((message) => message.messageId));
      expect(mail.received.filter((received) => !kept.has(received.messageId))).toEqual([]);
      process.stderr.write(
        `kill -9: ${calls.length} calls, ${calls.filter((c) => c.failures.length).length} sent again (${retried.length} votes), ` +
          `${mail.received.length - new Set(mail.received.map((r) => r.messageId)).size} emails resent after the crash, ` +
          `${(await Promise.all(plans.map((plan) => failedActivities(client, plan.ideaId)))).flat().length} activities retried\n`,
      );
    } finally {
      await first?.stop();
      if (second) {
        second.worker.shutdown();
        await second.running;
      }
      await client.close();
      await store.close();
      await mail.stop();
    }
  }, 240_000);

  test('the Temporal server stopped and started again on its database file: journeys mid-gate resume where they were and finish; a vote sent meanwhile is refused as server-unreachable and counts once when sent again', async () => {
    const settings = testSettings({ updateTimeout: '3s' });
    const dbFilename = join(settings.dataDir, 'temporal.db');
    const port = await stablePort();
    const address = `127.0.0.1:${port}`;
    let server: TestWorkflowEnvironment | undefined = await startDevServer({ dbFilename, port });
    // The worker and the client keep their connections across the restart: they reconnect on their own.
    const native = await NativeConnection.connect({ address });
    const connection = await Connection.connect({ address });
    const worker = await createStageGateWorker({ settings, connection: native, namespace: 'default', workflowBundle: workflowBundle() });
    let workerFailure: unknown;
    const running = worker.run().catch((err: unknown) => (workerFailure = err));
    const client = await StageGateClient.connect({ settings, connection, namespace: 'default' });
    const store = await openStore(settings);
    try {
      const good = scores(5, 'feasibility', 'impact');
      const half = (await client.submitIdea(idea({ title: 'Half voted' }))).ideaId;
      const fresh = (await client.submitIdea(idea({ title: 'Not voted yet' }))).ideaId;
      const timed = (await client.submitIdea(idea({ title: 'Deadline passes while the server is down', process: 'fast-timers' }))).ideaId;
      for (const ideaId of [half, fresh, timed]) await waitThrough(client, ideaId, inReview('screen'), 20_000);
      await client.castVote(half, { reviewer: HEAD_BAKER, decision: 'go', scores: good, gate: 'screen', round: 1 });
      await settled(client, half);
      await settled(client, fresh);
      const timedBefore = await client.getIdea(timed);
      expect(timedBefore.decisions).toEqual([]);

      const stoppedAt = Date.now();
      await server.teardown();
      server = undefined;
      // Nothing answers: the vote is not confirmed, and the caller is told it is the server.
      const vote = { reviewer: HEAD_BAKER, decision: 'go' as const, scores: good, gate: 'screen', round: 1 };
      await expect(client.castVote(fresh, vote)).rejects.toMatchObject({ code: 'server-unreachable' });
      // Down past the fast-timers deadline (4 s after its round opened).
      await sleep(Math.max(0, Date.parse(timedBefore.round!.deadlineAt) + 1000 - Date.now()));
      server = await startDevServer({ dbFilename, port });
      const downFor = Date.now() - stoppedAt;

      // The same vote again, once the server is back: counted, once.
      const log: CallLog = { ideaId: fresh, what: 'vote', attempts: 0, failures: [] };
      const receipt = await persist(log, () => client.castVote(fresh, vote), 30_000);
      expect(receipt).toMatchObject({ reviewer: HEAD_BAKER, decision: 'go', votesIn: 1 });
      for (const ideaId of [half, fresh]) {
        const decided = await persist({ ideaId, what: 'vote', attempts: 0, failures: [] }, () => client.castVote(ideaId, { ...vote, reviewer: SHOP_MANAGER }), 30_000);
        expect(decided).toMatchObject({ decided: 'go', votesIn: 2 });
        await waitThrough(client, ideaId, inStage('build'), 30_000);
        await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' });
        await waitThrough(client, ideaId, inReview('final'), 30_000);
        await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: scores(5, 'impact') });
        expect(await client.outcome(ideaId)).toMatchObject({ status: 'launched' });
      }
      // The deadline that passed while the server was down was applied once it was back: escalated, then killed.
      expect(await client.outcome(timed)).toMatchObject({ status: 'killed' });

      for (const ideaId of [half, fresh, timed]) {
        const status = await client.getIdea(ideaId);
        const events = await eventually(() => expectEventsOnce(store, status), 20_000);
        expect(tally(events.filter((e) => e.type === 'decided'), (e) => `${e.gate}#${e.round}`)).toEqual(ideaId === timed ? { 'screen#1': 1 } : { 'screen#1': 1, 'final#1': 1 });
        if (ideaId === timed) {
          expect(status.decisions).toEqual([expect.objectContaining({ gate: 'screen', decision: 'kill', decidedBy: 'deadline' })]);
          expect(events.filter((e) => e.type === 'escalated')).toHaveLength(1);
          continue;
        }
        expect(tally(events.filter((e) => e.type === 'vote_cast'), (e) => `${e.gate}#${e.round} ${e.actor}`)).toEqual({ [`screen#1 ${HEAD_BAKER}`]: 1, [`screen#1 ${SHOP_MANAGER}`]: 1, [`final#1 ${OWNER}`]: 1 });
        const votes = (await acceptedUpdates(client, ideaId)).filter((u) => u.name === 'castVote');
        expect(votes.map((u) => `${String(u.arg.gate)}#${String(u.arg.round)} ${String(u.arg.reviewer)}`).sort()).toEqual([`final#1 ${OWNER}`, `screen#1 ${HEAD_BAKER}`, `screen#1 ${SHOP_MANAGER}`]);
        await expectOutboxOnce(store, ideaId);
      }
      expect((await store.outbox({ ideaId: timed, to: OWNER })).map((message) => message.purpose)).toContain('escalation');
      // The worker lived through the restart: it never stopped polling.
      expect(workerFailure).toBeUndefined();
      expect(downFor).toBeGreaterThan(4000);
    } finally {
      worker.worker.shutdown();
      await running;
      await client.close();
      await connection.close();
      await store.close();
      await server?.teardown();
    }
  }, 90_000);

  test('the mail server refusing connections for 15 s: votes are accepted at once, the round is decided and the next stage entered; once it listens again every message arrives, in order, and is marked sent', async () => {
    const mail = new MailServer();
    const proxy = new TcpProxy('127.0.0.1', await mail.start());
    const settings = testSettings({ mail: { from: FROM, smtp: { host: '127.0.0.1', port: await proxy.mend() } } });
    try {
      await withStack(async ({ client, store }) => {
        const ideas: string[] = [];
        for (let index = 0; index < 3; index++) ideas.push((await client.submitIdea(idea({ title: `Refused mail ${index}` }))).ideaId);
        for (const ideaId of ideas) {
          await waitThrough(client, ideaId, inReview('screen'), 20_000);
          await settled(client, ideaId);
        }
        // Everything so far went out.
        await eventually(async () => {
          for (const ideaId of ideas) expect((await store.outbox({ ideaId })).filter((m) => !m.sentAt)).toEqual([]);
        });

        await proxy.cut();
        const cutAt = Date.now();
        const arrivedBefore = mail.received.length;
        const good = scores(5, 'feasibility', 'impact');
        for (const ideaId of ideas) {
          for (const reviewer of [HEAD_BAKER, SHOP_MANAGER]) {
            const started = Date.now();
            const receipt = await client.castVote(ideaId, { reviewer, decision: 'go', scores: good });
            // Counted without waiting on the mail server.
            expect(Date.now() - started).toBeLessThan(3000);
            expect(receipt).toMatchObject({ reviewer, decision: 'go', ...(reviewer === SHOP_MANAGER ? { decided: 'go' } : {}) });
          }
        }
        // Decided while the mail server is away, and on into the next stage: mail holds nothing back; the messages wait unsent.
        for (const ideaId of ideas) {
          const status = await waitThrough(client, ideaId, inStage('build'), 10_000);
          expect(status.decisions.map((d) => [d.gate, d.round, d.decision])).toEqual([['screen', 1, 'go']]);
          await eventually(async () => {
            expect((await store.events({ ideaId, types: ['decided'] })).map((e) => e.gate)).toEqual(['screen']);
            const waiting = (await store.outbox({ ideaId })).filter((m) => m.purpose === 'decision');
            expect(waiting.map((m) => [m.to.email, m.sentAt])).toEqual(expect.arrayContaining([['grace@customer.example', undefined]]));
          });
        }
        await sleep(Math.max(0, cutAt + 15_000 - Date.now()));
        expect(mail.received.length).toBe(arrivedBefore);
        await proxy.mend();

        for (const ideaId of ideas) {
          const messages = await eventually(async () => {
            const kept = await expectOutboxOnce(store, ideaId);
            // The messages the outage held back are kept: the decision, and the champion's "your stage has begun" after it.
            expect(kept.filter((m) => m.purpose === 'decision' || m.purpose === 'stage-entered').map((m) => `${m.purpose} ${m.to.email}`).sort()).toEqual(['decision grace@customer.example', `decision ${COUNTER}`, `stage-entered ${COUNTER}`]);
            expect(kept.filter((m) => !m.sentAt).map((m) => m.id)).toEqual([]);
            return kept;
          }, 40_000);
          const arrived = mail.received.map((received) => received.messageId);
          for (const message of messages) expect(arrived).toContain(message.messageId);
          // In the order the journey wrote them: the decision before the champion's "your stage has begun".
          const order = (purpose: string, to: string) => arrived.indexOf(messages.find((m) => m.purpose === purpose && m.to.email === to)!.messageId!);
          expect(order('decision', COUNTER)).toBeLessThan(order('stage-entered', COUNTER));
          // The outage was felt: the decision's message was tried, refused a connection, and tried again.
          const retried = (await failedActivities(client, ideaId)).filter((run) => run.type === 'notify');
          expect(retried.length).toBeGreaterThan(0);
          expect(retried[0]!.message).toMatch(/ECONNREFUSED|connect/i);
        }
      }, settings);
    } finally {
      await proxy.cut();
      await mail.stop();
    }
  }, 90_000);

  test('the events database deaf, then out of reach for 10 s: votes are answered without waiting on it; once it is back every event is recorded exactly once, those whose answer was lost included', async () => {
    const direct = await freshDatabaseUrl();
    const target = new URL(direct);
    const proxy = new TcpProxy(target.hostname, Number(target.port));
    const through = new URL(direct);
    through.port = String(await proxy.mend());
    const settings = testSettings({ databaseUrl: through.toString() });
    // The test reads the database directly, so it sees what the worker wrote while the link is cut.
    const reader = await openStore({ dataDir: settings.dataDir, databaseUrl: direct });
    try {
      await withStack(async ({ client }) => {
        const ideas: string[] = [];
        for (let index = 0; index < 3; index++) ideas.push((await client.submitIdea(idea({ title: `Unreachable store ${index}` }))).ideaId);
        for (const ideaId of ideas) {
          await waitThrough(client, ideaId, inReview('screen'), 20_000);
          await settled(client, ideaId);
        }
        const good = scores(4, 'feasibility', 'impact');
        const voteQuickly = async (ideaId: string, reviewer: string) => {
          const started = Date.now();
          const receipt = await client.castVote(ideaId, { reviewer, decision: 'go', scores: good, comment: `while the store is away (${reviewer})` });
          // Answered without waiting on the store.
          expect(Date.now() - started).toBeLessThan(3000);
          expect(receipt).toMatchObject({ reviewer, decision: 'go', ...(reviewer === SHOP_MANAGER ? { decided: 'go', votesIn: 2 } : { votesIn: 1 }) });
        };

        // First the database's answers are lost: what the worker sends reaches it, the worker never hears so. A vote's
        // event is written in a transaction (with the gate rounds tables), so it is written only if its BEGIN's answer was not the first lost.
        proxy.deafen();
        for (const ideaId of ideas) await voteQuickly(ideaId, HEAD_BAKER);
        await sleep(2_000);
        const unacknowledged = (await reader.events({ types: ['vote_cast'] })).filter((e) => ideas.includes(e.ideaId));
        // Then it is out of reach altogether, for 10 s.
        await proxy.cut();
        const cutAt = Date.now();
        const recordedBefore = (await reader.events({})).length;
        for (const ideaId of ideas) {
          await voteQuickly(ideaId, SHOP_MANAGER);
          // The round is decided in the journey although nothing could be written.
          const status = await client.getIdea(ideaId);
          expect(status.decisions.map((d) => [d.gate, d.decision])).toEqual([['screen', 'go']]);
          expect(status.timeline.filter((e) => e.type === 'vote_cast')).toHaveLength(2);
        }
        await sleep(Math.max(0, cutAt + 10_000 - Date.now()));
        // Nothing reached the database while it was out of reach.
        expect((await reader.events({})).length).toBe(recordedBefore);
        await proxy.mend();

        for (const ideaId of ideas) {
          await waitThrough(client, ideaId, inStage('build'), 40_000);
          await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' });
          await waitThrough(client, ideaId, inReview('final'), 20_000);
          await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: scores(5, 'impact') });
          expect(await client.outcome(ideaId)).toMatchObject({ status: 'launched' });
          const status = await client.getIdea(ideaId);
          const events = await eventually(() => expectEventsOnce(reader, status), 20_000);
          expect(tally(events.filter((e) => e.type === 'vote_cast'), (e) => `${e.gate}#${e.round} ${e.actor}`)).toEqual({ [`screen#1 ${HEAD_BAKER}`]: 1, [`screen#1 ${SHOP_MANAGER}`]: 1, [`final#1 ${OWNER}`]: 1 });
          expect(events.find((e) => e.type === 'vote_cast' && e.actor === HEAD_BAKER)!.detail.comment).toBe(`while the store is away (${HEAD_BAKER})`);
          expect(tally(events.filter((e) => e.type === 'decided'), (e) => `${e.gate}#${e.round}`)).toEqual({ 'screen#1': 1, 'final#1': 1 });
          // The outage was felt: writing the events failed and was tried again.
          const retried = (await failedActivities(client, ideaId)).filter((run) => run.type === 'recordEvent');
          expect(retried.length).toBeGreaterThan(0);
          await expectOutboxOnce(reader, ideaId);
        }
        // The writes whose answer was lost were tried again and not written twice: the same rows, once.
        const after = await reader.events({ types: ['vote_cast'] });
        for (const written of unacknowledged) expect(after.filter((e) => e.ideaId === written.ideaId && e.seq === written.seq)).toEqual([written]);
      }, settings);
    } finally {
      await proxy.cut();
      await reader.close();
    }
  }, 90_000);

  test('the web server restarted between the GET of a review page and the POST of its form: the vote is recorded by the new one', async () => {
    const settings = { ...testSettings(), linkSecret: WEB_SECRET };
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'package-review' }));
      await waitThrough(client, ideaId, (s) => s.status === 'in-stage' && s.stage.awaitingReady);
      await client.markReady(ideaId, { by: COUNTER, notes: 'Costed plan attached' });
      const inFinal = await waitThrough(client, ideaId, inReview('final'), 20_000);
      const fingerprint = inFinal.stage.ready!.fingerprint;
      // The link as the reviewer got it, from the review request in the outbox.
      const request = await messageTo(store, ideaId, HEAD_BAKER, 'review-request');
      const path = /\/review\/[A-Za-z0-9_.-]+/.exec(request.text)![0];

      const port = await stablePort();
      let web = await startWebServer({ client, settings, port });
      const page = await get(`${web.url}${path}`);
      expect(page.status).toBe(200);
      const action = /<form method="post" action="([^"]+)"/.exec(page.body)![1]!;
      const hidden = /<input type="hidden" name="fingerprint" value="([0-9a-f]*)">/.exec(page.body)![1]!;
      expect(hidden).toBe(fingerprint);
      await waitThrough(client, ideaId, (s) => s.round?.opened?.includes(HEAD_BAKER) === true);

      await web.close();
      // Really gone: nothing answers on its port.
      await expect(fetch(`${web.url}/healthz`)).rejects.toThrow();
      web = await startWebServer({ client, settings, port });
      try {
        const voted = await post(`${web.url}${action}`, { fingerprint: hidden, decision: 'go', 'score.impact': '4', comment: 'Filled in before the restart', conditions: '' });
        expect(voted.status).toBe(200);
        expect(voted.body).toMatch(/Recorded: go, by you, at /);
        const status = await client.getIdea(ideaId);
        expect(status.round!.votes).toEqual([expect.objectContaining({ reviewer: HEAD_BAKER, decision: 'go', via: 'link', fingerprint, comment: 'Filled in before the restart', scores: { impact: 4 } })]);
        await eventually(async () => {
          const events = await store.events({ ideaId });
          expect(events.filter((e) => e.type === 'vote_cast').map((e) => [e.actor, e.detail.via, e.detail.fingerprint])).toEqual([[HEAD_BAKER, 'link', fingerprint]]);
          expect(events.filter((e) => e.type === 'review_opened').map((e) => e.actor)).toEqual([HEAD_BAKER]);
        });
      } finally {
        await web.close();
      }
    }, settings);
  });
});
