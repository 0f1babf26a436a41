import { get, withWeb } from './web-helpers';
import { COUNTER, HEAD_BAKER, SHOP_MANAGER, eventually, idea, inReview, inStage, scores, testSettings, waitForIdea, withStack } from './helpers';
import type { StageGateClient } from '../client/sdk';

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

describe('a journey that lives long', () => {
  const LIMIT = 150;

  async function runsOf(client: StageGateClient, workflowId: string): Promise<number[]> {
    const lengths: number[] = [];
    for await (const execution of client.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) lengths.push(execution.historyLength);
    return lengths;
  }

  test('continues as new whenever its history passes the limit, carrying its state: every run stays small and every query answers', () =>
    withStack(async ({ client, store }) => {
      const { ideaId, workflowId } = await client.submitIdea(idea({ process: 'long-review' }));
      await waitForIdea(client, ideaId, inReview('screen'));
      // Reminders every 150 ms, review pages opened again and again: the history grows fast.
      await eventually(async () => {
        await client.reviewOpened(ideaId, { reviewer: HEAD_BAKER, round: 1 });
        expect((await client.getIdea(ideaId)).round?.opened).toEqual([HEAD_BAKER]);
        expect((await runsOf(client, workflowId)).length).toBeGreaterThanOrEqual(3);
      }, 30_000);
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: scores(4, 'impact') });
      const inRound = await runsOf(client, workflowId);
      await eventually(async () => expect((await runsOf(client, workflowId)).length).toBeGreaterThan(inRound.length), 30_000);
      // The vote cast in an earlier run still counts, and the same vote again is still a retry.
      const round = (await client.getIdea(ideaId)).round!;
      expect(round.votes.map((vote) => vote.reviewer)).toEqual([HEAD_BAKER]);
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: scores(4, 'impact') });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: scores(5, 'impact') });
      await waitForIdea(client, ideaId, inStage('build'));
      // The stage overruns at once and reminds the champion every 150 ms.
      const inBuild = await runsOf(client, workflowId);
      await eventually(async () => expect((await runsOf(client, workflowId)).length).toBeGreaterThan(inBuild.length + 1), 30_000);
      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' });
      expect(await client.outcome(ideaId)).toMatchObject({ status: 'launched' });

      const runs = await runsOf(client, workflowId);
      expect(runs.length).toBeGreaterThanOrEqual(5);
      expect(Math.max(...runs)).toBeLessThan(LIMIT + 60);
      const status = await client.getIdea(ideaId);
      expect(status.decisions).toEqual([expect.objectContaining({ gate: 'screen', decision: 'go', decidedBy: 'reviewers' })]);
      const events = await eventually(async () => {
        const all = await store.events({ ideaId });
        expect(all.at(-1)?.type).toBe('recognised');
        return all;
      });
      // One numbering across every run: no event lost, none doubled.
      expect(events.map((event) => event.seq).sort((a, b) => a - b)).toEqual(events.map((_, index) => index + 1));
      expect(status.eventCount).toBe(events.length);
      expect(status.timeline.length).toBeLessThanOrEqual(200);
      expect(status.timeline.at(-1)).toMatchObject({ type: 'recognised', seq: events.length });
      expect(events.filter((event) => event.type === 'vote_cast')).toHaveLength(2);
      expect(events.filter((event) => event.type === 'review_opened')).toHaveLength(1);
      expect(events.filter((event) => event.type === 'decided')).toHaveLength(1);
    }, testSettings({ journeyHistoryLimit: LIMIT })));
});
