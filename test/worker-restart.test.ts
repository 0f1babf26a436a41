import { openStore } from '../store';
import { StageGateClient } from '../client/sdk';
import { COUNTER, HEAD_BAKER, OWNER, SHOP_MANAGER, eventually, idea, inReview, inStage, scores, startWorker, testSettings, waitForIdea } from './helpers';

describe('a worker restarted mid-journey', () => {
  test('the journey continues where it was, timers that fired while no worker ran included', async () => {
    // Up to a minute and a half: an event whose activity the stopped worker held comes after its 30 s timeout.
    const settings = testSettings();
    const client = await StageGateClient.connect({ settings });
    const store = await openStore(settings);
    try {
      let worker = await startWorker(settings);
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: scores(4, 'feasibility', 'impact') });
      worker.worker.shutdown();
      await worker.running;

      worker = await startWorker(settings);
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: scores(5, 'feasibility', 'impact') });
      await waitForIdea(client, ideaId, inStage('build'));
      const status = await client.getIdea(ideaId);
      expect(status.decisions).toEqual([expect.objectContaining({ gate: 'screen', decision: 'go', score: 4.5 })]);
      worker.worker.shutdown();
      await worker.running;

      // A deadline passes while no worker runs; the next worker escalates and applies the default.
      const timed = await client.submitIdea(idea({ process: 'fast-timers' }));
      worker = await startWorker(settings);
      await waitForIdea(client, timed.ideaId, inReview('screen'));
      worker.worker.shutdown();
      await worker.running;
      await new Promise((resolve) => setTimeout(resolve, 5000));
      worker = await startWorker(settings);
      expect(await client.outcome(timed.ideaId)).toMatchObject({ status: 'killed' });
      expect((await store.outbox({ ideaId: timed.ideaId, to: OWNER })).map((message) => message.purpose)).toContain('escalation');

      await client.markReady(ideaId, { by: COUNTER });
      const final = await waitForIdea(client, ideaId, inReview('final'));
      // No event was written twice across the restarts, and none is lost. A vote's event is written
      // after its confirmation; if the worker stopped just then, the event comes once its activity
      // times out (30 s) and is retried by the next worker.
      const events = await eventually(async () => {
        const all = await store.events({ ideaId });
        expect(all.length).toBe(final.eventCount);
        return all;
      }, 45_000);
      expect(new Set(events.map((event) => event.seq)).size).toBe(events.length);
      expect(events.map((event) => event.seq).sort((a, b) => a - b)).toEqual(events.map((_, index) => index + 1));
      worker.worker.shutdown();
      await worker.running;
    } finally {
      await client.close();
      await store.close();
    }
  }, 90_000);
});
