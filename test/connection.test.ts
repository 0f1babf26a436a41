import { StageGateClient } from '../client/sdk';
import { testSettings } from './helpers';

describe("the SDK's connection to Temporal", () => {
  test('a call still being tried again when the client closes ends CANCELLED instead of hanging, and nothing is thrown from its timer', async () => {
    const uncaught: Error[] = [];
    const seen = (err: Error) => uncaught.push(err);
    process.on('uncaughtException', seen);
    try {
      const client = await StageGateClient.connect({ settings: testSettings() });
      // A page token Temporal cannot read: the server says UNKNOWN, which Temporal's client retries for about 20 s.
      const listing = client.client.workflowService
        .listWorkflowExecutions({ namespace: 'default', query: '', pageSize: 2, nextPageToken: Buffer.from('nope') })
        .then(() => undefined, (err: unknown) => err);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await client.close();
      expect(await listing).toMatchObject({ code: 1, details: expect.stringContaining('closed') });
      // Time for any retry timer left behind to fire.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(uncaught.map((err) => err.message)).toEqual([]);
    } finally {
      process.off('uncaughtException', seen);
    }
  }, 30_000);
});
