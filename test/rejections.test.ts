import { ideaWorkflowId } from '../workflows/messages';
import { COUNTER, HEAD_BAKER, OWNER, SHOP_MANAGER, idea, inReview, scores, waitForIdea, withStack, settled } from './helpers';

describe('bad votes are rejected before they touch workflow history', () => {
  test('each kind of rejection says why and leaves the history unchanged', async () => {
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: scores(4, 'feasibility', 'impact') });
      const handle = client.client.workflow.getHandle(ideaWorkflowId(ideaId));
      const historyLength = async () => (await handle.fetchHistory()).events!.length;
      await settled(client, ideaId);
      const before = await historyLength();

      const attempts: [string, Promise<unknown>][] = [
        ['not-a-reviewer', client.castVote(ideaId, { reviewer: COUNTER, decision: 'go', scores: scores(4, 'feasibility', 'impact') })],
        ['not-a-reviewer', client.castVote(ideaId, { reviewer: 'stranger@example.com', decision: 'go', scores: scores(4, 'feasibility', 'impact') })],
        ['already-voted', client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'kill', scores: scores(1, 'feasibility', 'impact') })],
        ['gate-closed', client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: scores(4, 'feasibility', 'impact'), round: 2 })],
        ['invalid-scores', client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: { feasibility: 4 } })],
        ['invalid-scores', client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: { feasibility: 4, impact: 4, taste: 5 } })],
        ['invalid-input', client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: { feasibility: 4, impact: 9 } })],
        ['invalid-input', client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'conditional-go', scores: scores(4, 'feasibility', 'impact') })],
        ['invalid-input', client.castVote(ideaId, { reviewer: 'not an email', decision: 'go', scores: scores(4, 'feasibility', 'impact') })],
        ['invalid-input', client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'maybe' as never, scores: scores(4, 'feasibility', 'impact') })],
        ['wrong-status', client.markReady(ideaId, { by: COUNTER })],
        ['not-allowed', client.markReady(ideaId, { by: SHOP_MANAGER })],
        ['wrong-status', client.resume(ideaId, { by: OWNER })],
        ['wrong-status', client.markConditionsMet(ideaId, { by: COUNTER })],
      ];
      for (const [code, attempt] of attempts) {
        await expect(attempt).rejects.toMatchObject({ code });
      }
      const messages = await Promise.all(attempts.map(([, attempt]) => attempt.catch((err: Error) => err.message)));
      expect(messages[0]).toBe(`${COUNTER} is not a reviewer of Screen for this idea.`);
      expect(messages[2]).toMatch(/already voted go in round 1 of Screen at /);
      expect(messages[3]).toBe('Round 2 of Screen has not opened; round 1 is open now.');
      expect(messages[4]).toBe('Scores rejected: missing scores for impact.');
      expect(messages[5]).toBe('Scores rejected: taste is not a criterion of Screen.');
      expect(messages[6]).toBe('vote: scores.impact: Too big: expected number to be <=5');

      expect(await historyLength()).toBe(before);
      const status = await client.getIdea(ideaId);
      expect(status.round!.votes.map((vote) => [vote.reviewer, vote.decision])).toEqual([[HEAD_BAKER, 'go']]);
    });
  });
});
