import { get, withWeb } from './web-helpers';
import { HEAD_BAKER, eventually, idea, inReview, waitForIdea, withStack } from './helpers';

describe('what Temporal does to a journey shows where people look', () => {
  test('a terminated journey shows as stopped in the SDK, in the list and on its review page, not as still in review', () =>
    withWeb(async ({ client, links }) => {
      const { ideaId, workflowId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.client.workflow.getHandle(workflowId).terminate('stopped by an operator');

      const shown = await client.getIdea(ideaId);
      expect(shown).toMatchObject({ status: 'in-review', stopped: 'terminated' });
      const listed = await client.listIdeas({ limit: 1000 });
      expect(listed.find((summary) => summary.ideaId === ideaId)).toMatchObject({ stopped: 'terminated' });
      const page = await get(links.review(ideaId, 'screen', 1, HEAD_BAKER));
      expect(page.status).toBe(410);
      expect(page.body).toContain('This idea was stopped');
      expect(page.body).toContain('its journey was terminated while it was in review');
    }));
});

describe('an idea id used again after the first journey is gone (retention)', () => {
  test('the second journey gets events and messages of its own; none of the first is lost or overwritten', () =>
    withStack(async ({ client, store }) => {
      const ideaId = `reused-${Date.now().toString(36)}`;
      const first = await client.submitIdea(idea({ ideaId, title: 'First pastry' }));
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.withdraw(ideaId, { by: 'grace@customer.example', reason: 'Changed my mind' });
      await client.outcome(ideaId);
      const firstEvents = await store.events({ ideaId });
      const firstMessages = await store.outbox({ ideaId });
      // What retention does: the closed workflow is deleted from Temporal.
      await client.client.workflowService.deleteWorkflowExecution({ namespace: client.client.options.namespace, workflowExecution: { workflowId: first.workflowId } });
      // Deletion is asynchronous: until it is done, the id still names the first journey.
      const second = await eventually(async () => {
        const submitted = await client.submitIdea(idea({ ideaId, title: 'Second pastry' }));
        expect(submitted.created).toBe(true);
        return submitted;
      }, 45_000);
      expect(second.workflowId).toBe(first.workflowId);
      await waitForIdea(client, ideaId, (status) => status.title === 'Second pastry' && status.status === 'in-review');
      const events = await store.events({ ideaId });
      const submitted = events.filter((event) => event.type === 'submitted');
      expect(submitted.map((event) => event.detail.title)).toEqual(['First pastry', 'Second pastry']);
      expect(events.filter((event) => firstEvents.some((old) => old.id === event.id))).toHaveLength(firstEvents.length);
      const messages = await store.outbox({ ideaId });
      expect(messages.filter((message) => message.purpose === 'idea-received').map((message) => message.subject)).toEqual([
        expect.stringContaining('First pastry'),
        expect.stringContaining('Second pastry'),
      ]);
      expect(messages.length).toBeGreaterThan(firstMessages.length);
      expect(new Set(messages.map((message) => message.messageId)).size).toBe(messages.length);
    }));
});
