import { StageGateClient } from '../client/sdk';
import { eventually, idea, inReview, startWorker, testSettings, waitForIdea } from './helpers';

const INTERVAL_MS = 3_000; // frequent-reminders.yaml

describe('after downtime', () => {
  test('a worker that was down for several reminder intervals sends one reminder, and the next one an interval later', async () => {
    const settings = testSettings();
    const client = await StageGateClient.connect({ settings });
    try {
      let worker = await startWorker(settings);
      const { ideaId } = await client.submitIdea(idea({ process: 'frequent-reminders' }));
      await waitForIdea(client, ideaId, inReview('screen'));
      worker.worker.shutdown();
      await worker.running;
      await new Promise((resolve) => setTimeout(resolve, 4 * INTERVAL_MS));

      worker = await startWorker(settings);
      const reminders = () => client.getIdea(ideaId).then((status) => status.timeline.filter((entry) => entry.type === 'reminder_sent'));
      // The journey's task may wait out the stopped worker's sticky queue (5 s) before the new worker takes it.
      await eventually(async () => expect((await reminders()).length).toBeGreaterThanOrEqual(1), 20_000);
      // Most of an interval after the catch-up reminder, still only that one: not one per missed interval.
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS - 600));
      expect(await reminders()).toHaveLength(1);
      const sent = await eventually(async () => {
        const now = await reminders();
        expect(now.length).toBeGreaterThanOrEqual(2);
        return now;
      }, 2 * INTERVAL_MS);
      expect(Date.parse(sent[1]!.at) - Date.parse(sent[0]!.at)).toBeGreaterThanOrEqual(INTERVAL_MS - 100);
      worker.worker.shutdown();
      await worker.running;
    } finally {
      await client.close();
    }
  });
});
