import { openStore } from '../store';
import { StageGateClient } from '../client/sdk';
import { COUNTER, HEAD_BAKER, OWNER, SHOP_MANAGER, idea, inReview, inStage, scores, startWorker, testSettings, waitForIdea } from './helpers';

describe('a worker restarted mid-journey', () => {
  test('the journey continues where it was, timers that fired while no worker ran included', async () => {
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
      await waitForIdea(client, ideaId, inReview('final'));
      worker.worker.shutdown();
      await worker.running;
      // No event was written twice across the restarts.
      const events = await store.events({ ideaId });
      expect(new Set(events.map((event) => event.seq)).size).toBe(events.length);
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    } finally {
      await client.close();
      await store.close();
    }
  });
});
