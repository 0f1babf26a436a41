import { explain } from '../client/sdk/errors';

describe('what Temporal says, as the SDK tells it', () => {
  test('a query turned away because no worker polled lately (a worker down, or not yet back after a server restart) is no-worker', () => {
    const refused = Object.assign(new Error('Failed to query Workflow'), { cause: new Error('9 FAILED_PRECONDITION: no poller seen for task queue recently, worker may be down') });
    expect(explain(refused, 'pumpkin')).toMatchObject({ code: 'no-worker', message: expect.stringContaining('No stagegate worker answered') });
    expect(explain(new Error('Failed to query Workflow'), 'pumpkin')).not.toHaveProperty('code');
  });
});
