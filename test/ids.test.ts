import { StageGateError } from '../client/sdk';
import { ideaPartWorkflowId } from '../workflows/messages';
import { COUNTER, eventually, idea, inReview, testSettings, waitForIdea, withStack } from './helpers';

/** Workflow ids: an idea's pilots live in a namespace of names no idea id can reach. */
describe('workflow ids', () => {
  test('an idea named like another idea\'s old pilot id cannot squat it: the real idea\'s pilot starts and takes readings', async () => {
    await withStack(async ({ client }) => {
      const victim = `victim-${Date.now().toString(36)}`;
      // The pilot id before `idea-part-ids`: idea-<victim>-pilot-<stage>-<run>.
      const squatter = await client.submitIdea(idea({ ideaId: `${victim}-pilot-pilot-1`, process: 'manual-pilot' }));
      expect(squatter.created).toBe(true);
      await waitForIdea(client, squatter.ideaId, (s) => s.stage.pilot !== undefined);
      await client.submitIdea(idea({ ideaId: victim, process: 'manual-pilot' }));
      const running = await waitForIdea(client, victim, (s) => s.stage.pilot !== undefined);
      expect(running.stage.pilot!.workflowId).toBe(`idea-${victim}:pilot:pilot:1`);
      const receipt = await client.recordKpiReading(victim, { kpi: 'weekly_sales', value: 620, by: COUNTER });
      expect(receipt).toMatchObject({ kpi: 'weekly_sales', value: 620, met: true });
      expect((await client.pilotStatus(victim)).ideaId).toBe(victim);
    });
  });

  test('no idea id can take the form of a pilot id: ":" is refused', async () => {
    await withStack(async ({ client }) => {
      const error = await client.submitIdea(idea({ ideaId: 'victim1:pilot:trial:1', process: 'manual-pilot' })).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(StageGateError);
      expect((error as StageGateError).code).toBe('invalid-input');
      expect((error as StageGateError).message).toMatch(/ideaId/);
    });
  });

  test('a pilot whose workflow cannot start is recorded and sends the idea to its gate, instead of retrying in silence', async () => {
    await withStack(async ({ client, settings, store }) => {
      const ideaId = `blocked-${Date.now().toString(36)}`;
      // Someone with raw access to Temporal took the pilot's id first.
      const taken = ideaPartWorkflowId(ideaId, 'pilot', 'pilot', 1);
      const blocker = await client.client.workflow.start('pilotRun', { workflowId: taken, taskQueue: `${settings.taskQueue}-nobody`, args: [] });
      try {
        await client.submitIdea(idea({ ideaId, process: 'manual-pilot' }));
        const status = await waitForIdea(client, ideaId, inReview('go-to-launch'));
        expect(status.stage.pilot).toMatchObject({ workflowId: taken, reason: 'not-started', summary: [] });
        expect(status.stage.ready!.notes).toContain('The pilot ended before it began');
        expect(status.stage.ready!.notes).toContain(taken);
        const ended = await eventually(async () => {
          const event = (await store.events({ ideaId })).find((e) => e.type === 'pilot_ended');
          if (!event) throw new Error('no pilot_ended event yet');
          return event;
        });
        expect(ended.detail).toMatchObject({ reason: 'not-started', failure: expect.stringContaining(`${taken} did not start`) });
      } finally {
        await blocker.terminate('test over');
      }
    });
  });
});
