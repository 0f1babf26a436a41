import type { IdeaStatus, IdeaSubmission, KpiSummary, StageGateClient } from '../sdk';

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

/** Every reviewer still asked at the open round of this gate votes go, with good scores. */
async function everyoneGoes(client: StageGateClient, ideaId: string, gate: string, comment: string): Promise<void> {
  const round = (await client.waitFor(ideaId, inReview(gate))).round!;
  const scores = Object.fromEntries(round.criteria.map((criterion) => [criterion.id, 4]));
  for (const reviewer of round.reviewers.filter((person) => !person.voted)) {
    await client.castVote(ideaId, { reviewer: reviewer.email, decision: 'go', scores, comment, round: round.round, via: 'cli' }).catch((err: unknown) => {
      // The round closes as soon as its quorum is met.
      if (!(err instanceof Error && 'code' in err && err.code === 'gate-closed')) throw err;
    });
  }
}

/** Three weeks of a KPI's readings: two on target, then (for the first KPI) one short of it but above any kill line, which alerts. */
export function demoWeeks(kpi: KpiSummary, short: boolean): number[] {
  const sign = kpi.direction === 'higher' ? 1 : -1;
  const good = (share: number) => Math.round(kpi.target * (1 + sign * share) * 10) / 10;
  if (!short) return [good(0.1), good(0.05), good(0.12)];
  const bad = kpi.alertAt ?? (kpi.killAt !== undefined ? (kpi.target + kpi.killAt) / 2 : kpi.target * (1 - sign * 0.2));
  return [good(0.1), good(0.05), Math.round(bad * 10) / 10];
}

/**
 * Takes the idea to the pilot stage; when the process runs a pilot there (smb-lite does once it
 * has a `pilot:` section), the champion enters three weekly readings, the last week's sales short
 * of the target, so the alert waits in the outbox.
 */
async function intoPilot(client: StageGateClient, ideaId: string): Promise<void> {
  await everyoneGoes(client, ideaId, 'idea-screen', 'Customers ask for it every autumn.');
  await client.waitFor(ideaId, (status) => status.stage.id === 'build' && status.stage.awaitingReady);
  await client.markReady(ideaId, { by: HAMID, notes: 'Recipe tested (pumpkin, cinnamon, nutmeg); 0.90 a pastry in ingredients. Pilot in the town shop for four weeks.', via: 'cli' });
  await everyoneGoes(client, ideaId, 'go-to-pilot', 'Worth four weeks in the town shop.');
  const idea = await client.waitFor(ideaId, (status) => status.stage.id === 'pilot');
  const stage = client.processes().get(idea.process.id)?.stages.find((one) => one.id === 'pilot');
  if (!stage?.pilot) return;
  await client.waitFor(ideaId, (status) => status.stage.pilot !== undefined);
  const manual = (await client.pilotStatus(ideaId)).summary.filter((kpi) => kpi.manual !== false);
  const weeks = manual.map((kpi, index) => demoWeeks(kpi, index === 0));
  for (let week = 0; week < 3; week++) {
    const readings = manual.map((kpi, index) => ({ kpi: kpi.kpi, value: weeks[index]![week]! }));
    await client.recordKpiReadings(ideaId, { readings, by: HAMID, note: `Till report, week ${week + 1}`, form: `demo-pumpkin-week-${week + 1}`, via: 'cli' });
  }
}

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
  {
    idea: {
      ideaId: 'demo-pumpkin-pastry',
      title: 'Pumpkin spice pastry',
      description: 'Customers ask for a seasonal pumpkin pastry every autumn; try it in the town shop for four weeks and count what sells.',
      source: 'customer',
      submitter: { email: 'grace@customer.example', name: 'Grace Hall' },
      champion: { email: HAMID, name: 'Hamid Karimi' },
      category: 'product',
      horizon: 'incremental',
      strategicGoals: ['More regulars'],
      estimatedCost: 150,
      estimatedBenefit: 800,
      process: 'smb-lite',
    },
    play: intoPilot,
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
