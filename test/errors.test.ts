import { WorkflowNotFoundError } from '@temporalio/client';
import { explain } from '../client/sdk/errors';

describe('what Temporal says, as the SDK tells it', () => {
  test('a query turned away because no worker polled lately (a worker down, or not yet back after a server restart) is no-worker', () => {
    const refused = Object.assign(new Error('Failed to query Workflow'), { cause: new Error('9 FAILED_PRECONDITION: no poller seen for task queue recently, worker may be down') });
    expect(explain(refused, 'pumpkin')).toMatchObject({ code: 'no-worker', message: expect.stringContaining('No stagegate worker answered') });
    expect(explain(new Error('Failed to query Workflow'), 'pumpkin')).not.toHaveProperty('code');
  });

  test('a command the server aborts because the journey ended while it waited is idea-ended, not unknown-idea', () => {
    // What the server answers (NotFound) to an update admitted just before the workflow completed.
    const aborted = new WorkflowNotFoundError('workflow update was aborted by closing workflow', 'idea-pumpkin', undefined);
    expect(explain(aborted, 'pumpkin')).toMatchObject({ code: 'idea-ended', message: 'Idea "pumpkin" has ended; nothing more can change.' });
    expect(explain(new WorkflowNotFoundError('workflow execution already completed', 'idea-pumpkin', undefined), 'pumpkin')).toMatchObject({ code: 'idea-ended' });
    expect(explain(new WorkflowNotFoundError('Workflow not found', 'idea-pumpkin', undefined), 'pumpkin')).toMatchObject({ code: 'unknown-idea' });
  });
});
