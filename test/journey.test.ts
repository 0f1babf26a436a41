import { HEAD_BAKER, COUNTER, OWNER, SHOP_MANAGER, idea, inReview, inStage, scores, waitForIdea, withStack } from './helpers';

describe('an idea journey on a real Temporal dev server', () => {
  test('walks every gate to launch, recording each step and telling the submitter', async () => {
    await withStack(async ({ client, store }) => {
      const { ideaId, created } = await client.submitIdea(idea());
      expect(created).toBe(true);
      await waitForIdea(client, ideaId, inReview('screen'));

      const first = await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: scores(4, 'feasibility', 'impact'), comment: 'Customers ask for it every autumn' });
      expect(first).toMatchObject({ gate: 'screen', round: 1, votesIn: 1, votesNeeded: 2 });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: scores(5, 'feasibility', 'impact') });

      await waitForIdea(client, ideaId, inStage('build'));
      await client.markReady(ideaId, { by: COUNTER, notes: 'Recipe and costing done', links: ['https://example.com/plan'] });
      await waitForIdea(client, ideaId, inReview('final'));
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: { impact: 4 } });

      expect(await client.outcome(ideaId)).toMatchObject({ status: 'launched' });
      const status = await client.getIdea(ideaId);
      expect(status.status).toBe('launched');
      expect(status.decisions.map((d) => [d.gate, d.decision, d.score])).toEqual([
        ['screen', 'go', 4.5],
        ['final', 'go', 4],
      ]);
      const types = (await store.events({ ideaId })).map((event) => event.type);
      expect(types).toEqual([
        'submitted',
        'stage_entered',
        'gate_opened',
        'vote_cast',
        'vote_cast',
        'decided',
        'stage_entered',
        'ready_for_review',
        'gate_opened',
        'vote_cast',
        'decided',
        'launched',
        'recognised',
        'recognised',
      ]);
      const toSubmitter = (await store.outbox({ ideaId, to: 'grace@customer.example' })).map((message) => message.purpose);
      expect(toSubmitter).toEqual(['idea-received', 'decision', 'decision', 'recognition']);
    });
  });
});
