import { reviewerPseudonym } from '../links';
import { awaitingKey } from '../workflows/messages';
import { HEAD_BAKER, SHOP_MANAGER, TEST_LINK_SECRET, eventually, idea, inReview, waitForIdea, withStack } from './helpers';

const good = { feasibility: 4, impact: 4 };

describe("a reviewer's queue", () => {
  test('shows exactly the rounds awaiting them across several ideas, found by their pseudonym in StageGateAwaiting, and drops a round once they voted', async () => {
    await withStack(async ({ client, settings }) => {
      const [first, second, third] = await Promise.all(['Dessert platters', 'Gluten-free bread', 'Sourdough class'].map((title) => client.submitIdea(idea({ title }))));
      for (const { ideaId } of [first!, second!, third!]) await waitForIdea(client, ideaId, inReview('screen'));
      await client.castVote(second!.ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: good });

      // Temporal's visibility holds who is still awaited, as keyed hashes, never as addresses.
      const awaiting = async (ideaId: string) => (await client.client.workflow.getHandle(`idea-${ideaId}`).describe()).typedSearchAttributes.get(awaitingKey) ?? [];
      const baker = reviewerPseudonym(TEST_LINK_SECRET, HEAD_BAKER);
      const manager = reviewerPseudonym(TEST_LINK_SECRET, SHOP_MANAGER);
      await eventually(async () => {
        expect([...(await awaiting(first!.ideaId))].sort()).toEqual([baker, manager].sort());
        expect(await awaiting(second!.ideaId)).toEqual([manager]);
      });
      expect(JSON.stringify(await awaiting(first!.ideaId))).not.toContain('@');
      const scope = `TaskQueue = '${settings.taskQueue}' AND StageGateAwaiting = `;
      await eventually(async () => {
        expect((await client.client.workflow.count(`${scope}'${baker}'`)).count).toBe(2);
        expect((await client.client.workflow.count(`${scope}'${manager}'`)).count).toBe(3);
      });

      const queue = async (reviewer: string) => (await client.pendingReviews(reviewer)).map((pending) => `${pending.ideaId} ${pending.gate} ${pending.round}`).sort();
      expect(await queue(HEAD_BAKER)).toEqual([`${first!.ideaId} screen 1`, `${third!.ideaId} screen 1`].sort());
      expect(await queue(SHOP_MANAGER)).toEqual([first!, second!, third!].map(({ ideaId }) => `${ideaId} screen 1`).sort());
      expect(await queue('nobody@cornerbakery.example')).toEqual([]);

      // The vote is in the queue's answer at once, and in visibility a moment later.
      await client.castVote(third!.ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: good });
      expect(await queue(HEAD_BAKER)).toEqual([`${first!.ideaId} screen 1`]);
      await eventually(async () => expect((await client.client.workflow.count(`${scope}'${baker}'`)).count).toBe(1));

      // The last vote closes the round: nobody is awaited there any more.
      await client.castVote(second!.ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: good });
      await waitForIdea(client, second!.ideaId, (status) => status.round?.gate !== 'screen');
      expect(await queue(SHOP_MANAGER)).toEqual([first!, third!].map(({ ideaId }) => `${ideaId} screen 1`).sort());
      await eventually(async () => expect(await awaiting(second!.ideaId)).toEqual([]));
    });
  });
});
