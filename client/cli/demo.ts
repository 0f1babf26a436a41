import type { IdeaStatus, IdeaSubmission, StageGateClient } from '../sdk';

/**
 * The demo bakery's sample ideas, from different sources, left at different points of their
 * journeys so a newcomer lands in a living system: review requests already wait in the outbox.
 * Fixed ids make loading twice harmless.
 */

const HAMID = 'hamid@cornerbakery.example';

interface DemoIdea {
  idea: IdeaSubmission & { ideaId: string };
  /** What happens to it after submission, as the people involved would do it. */
  play?: (client: StageGateClient, ideaId: string) => Promise<unknown>;
}

const inReview = (gate: string) => (status: IdeaStatus) => status.status === 'in-review' && status.round?.gate === gate;

export const DEMO_IDEAS: DemoIdea[] = [
  {
    idea: {
      ideaId: 'demo-gluten-free-bread',
      title: 'Gluten-free bread',
      description: 'Three or four customers a week ask whether we have gluten-free bread; they buy it at the supermarket instead.',
      source: 'customer',
      submitter: { email: 'ana@customer.example', name: 'Ana Silva' },
      champion: { email: 'maya@cornerbakery.example', name: 'Maya Chen' },
      category: 'product',
      horizon: 'incremental',
      strategicGoals: ['More regulars'],
      estimatedCost: 600,
      estimatedBenefit: 3000,
      process: 'smb-lite',
    },
    play: (client, ideaId) => client.waitFor(ideaId, inReview('idea-screen')),
  },
  {
    idea: {
      ideaId: 'demo-faster-dough',
      title: 'Prepare dough in bulk',
      description: 'Mix the base dough for three days at once on Mondays and keep it cold: saves an hour every morning.',
      source: 'employee',
      submitter: { email: 'maya@cornerbakery.example', name: 'Maya Chen' },
      category: 'process',
      horizon: 'incremental',
      strategicGoals: ['Efficiency'],
      estimatedCost: 150,
      process: 'express',
    },
    play: (client, ideaId) => client.waitFor(ideaId, inReview('quick-decision')),
  },
  {
    idea: {
      ideaId: 'demo-loyalty-cards',
      title: 'Loyalty cards',
      description: 'Stamp cards at the counter: the tenth coffee is free. Regulars keep asking for one.',
      source: 'employee',
      submitter: { email: 'leo@cornerbakery.example', name: 'Leo Martin' },
      category: 'service',
      horizon: 'incremental',
      strategicGoals: ['More regulars'],
      estimatedCost: 200,
      estimatedBenefit: 1500,
      process: 'smb-lite',
    },
    play: async (client, ideaId) => {
      await client.waitFor(ideaId, inReview('idea-screen'));
      await client.castVote(ideaId, { reviewer: HAMID, decision: 'go', scores: { feasibility: 5, impact: 4, alignment: 4 }, comment: 'Cheap to try, and Leo knows the regulars.', via: 'cli' });
      await client.waitFor(ideaId, (status) => status.stage.id === 'build' && status.stage.awaitingReady);
      await client.markReady(ideaId, { by: 'leo@cornerbakery.example', notes: 'Cards designed and priced (200 for 1,000 cards); pilot in the town shop for four weeks.', via: 'cli' });
      await client.waitFor(ideaId, inReview('go-to-pilot'));
    },
  },
  {
    idea: {
      ideaId: 'demo-pastry-of-the-month',
      title: 'Coffee and pastry of the month',
      description: 'Our coffee supplier proposes a monthly pairing: one coffee and one pastry at a set price, promoted by both of us.',
      source: 'partner',
      submitter: { email: 'hello@beanco.example', name: 'Bean Co (coffee supplier)' },
      champion: { email: 'sofia@cornerbakery.example', name: 'Sofia Rossi' },
      category: 'business-model',
      horizon: 'incremental',
      strategicGoals: ['More regulars', 'Partner engagement'],
      estimatedBenefit: 2400,
      process: 'smb-lite',
    },
    play: async (client, ideaId) => {
      await client.waitFor(ideaId, inReview('idea-screen'));
      await client.castVote(ideaId, {
        reviewer: HAMID,
        decision: 'conditional-go',
        scores: { feasibility: 4, impact: 3, alignment: 5 },
        comment: 'Good for both of us if the price works.',
        conditions: ['Agree the price split with Bean Co'],
        via: 'cli',
      });
      await client.waitFor(ideaId, (status) => status.stage.id === 'build');
    },
  },
];

/** Submits the demo ideas and plays them forward; returns the ids of those newly loaded. */
export async function loadDemo(client: StageGateClient, log: (line: string) => void = () => undefined): Promise<string[]> {
  const loaded: string[] = [];
  for (const { idea, play } of DEMO_IDEAS) {
    const { ideaId, created } = await client.submitIdea(idea);
    if (!created) {
      log(`  ${idea.title}: already there`);
      continue;
    }
    await play?.(client, ideaId);
    log(`  ${idea.title} (${idea.source}): ${(await client.getIdea(ideaId)).status}`);
    loaded.push(ideaId);
  }
  return loaded;
}
