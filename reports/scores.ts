import type { StoredEvent } from '../store';
import { ofType, readLog, stepKey, stepsInOrder } from './events';
import type { ReportRange } from './range';
import type { Report } from './report';
import { entryFor, sum } from './statistics';
import { column } from './table';

export const SCORES = [1, 2, 3, 4, 5] as const satisfies readonly number[];
export type Score = (typeof SCORES)[number];

export interface CriterionScores {
  process: string;
  gate: string;
  gateName: string;
  criterion: string;
  /** Votes that scored it. */
  votes: number;
  /** How many votes gave each score. */
  counts: Record<Score, number>;
  average: number;
}

export interface WeightedScores {
  /** Decisions that carry a weighted score: those the reviewers' votes made. */
  decisions: number;
  average?: number;
  min?: number;
  max?: number;
}

export interface ScoreDistribution {
  criteria: CriterionScores[];
  /** The weighted scores of the decisions, per gate. */
  gates: (WeightedScores & { process: string; gate: string; name: string })[];
  /** The same over every gate. */
  overall: WeightedScores;
}

/**
 * Score distribution: how reviewers score, and the weighted scores gates decide on.
 *
 * - Counted by event time: the `vote_cast` events in the range; for each gate and criterion, how
 *   many votes gave it 1, 2, 3, 4 and 5, and their average.
 * - The `decided` events in the range that carry a weighted score (decisions the reviewers'
 *   votes made; an admin's or a deadline's has none): average, min and max per gate and overall.
 */
export function scoreDistribution(events: readonly StoredEvent[], range: ReportRange): ScoreDistribution {
  const log = readLog(events, range);
  const criteria = new Map<string, Omit<CriterionScores, 'gateName'>[]>();
  const totals = new Map<Omit<CriterionScores, 'gateName'>, number>();
  for (const vote of ofType(log.events, 'vote_cast').filter(log.inRange)) {
    const gate = entryFor(criteria, stepKey(vote.process, vote.gate!), () => []);
    for (const [criterion, score] of Object.entries(vote.detail.scores)) {
      let row = gate.find((found) => found.criterion === criterion);
      if (!row) {
        row = { process: vote.process, gate: vote.gate!, criterion, votes: 0, counts: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }, average: 0 };
        gate.push(row);
      }
      row.votes += 1;
      row.counts[score as Score] += 1;
      totals.set(row, (totals.get(row) ?? 0) + score);
    }
  }
  for (const [row, total] of totals) row.average = total / row.votes;
  const scored = new Map<string, number[]>();
  for (const decided of ofType(log.events, 'decided').filter(log.inRange)) {
    if (typeof decided.detail.score === 'number') entryFor(scored, stepKey(decided.process, decided.gate!), () => []).push(decided.detail.score);
  }
  const gateSteps = stepsInOrder(log, 'gates');
  return {
    criteria: gateSteps.flatMap((step) => (criteria.get(stepKey(step.process, step.id)) ?? []).map((row) => ({ ...row, gateName: step.name }))),
    gates: gateSteps.flatMap((step) => {
      const scores = scored.get(stepKey(step.process, step.id));
      return scores ? [{ process: step.process, gate: step.id, name: step.name, ...weighted(scores) }] : [];
    }),
    overall: weighted([...scored.values()].flat()),
  };
}

function weighted(scores: number[]): WeightedScores {
  if (scores.length === 0) return { decisions: 0 };
  return { decisions: scores.length, average: sum(scores) / scores.length, min: Math.min(...scores), max: Math.max(...scores) };
}

/** The scores report, a pure function of the events: its result is a `ScoreDistribution`. */
export const scoresReport: Report<ScoreDistribution> = {
  name: 'scores',
  title: 'Score distribution',
  description: 'How reviewers scored each criterion at each gate (1–5), and the weighted scores the gates decided on.',
  run: scoreDistribution,
  tables: (result) => [
    {
      title: 'Votes per score',
      columns: [column('process'), column('gate'), column('criterion'), ...SCORES.map((score) => column(String(score), 'count')), column('votes', 'count'), column('average', 'score')],
      rows: result.criteria.map((row) => [row.process, row.gateName, row.criterion, ...SCORES.map((score) => row.counts[score]), row.votes, row.average]),
    },
    {
      title: 'Weighted scores decided',
      columns: [column('process'), column('gate'), column('decisions', 'count'), column('average', 'score'), column('min', 'score'), column('max', 'score')],
      rows: result.gates.map((row) => [row.process, row.name, row.decisions, row.average, row.min, row.max]),
      total: ['all gates', '', result.overall.decisions, result.overall.average, result.overall.min, result.overall.max],
    },
  ],
};
