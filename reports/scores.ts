import type { StoredEvent } from '../store';
import { iso, num, numbers, Sql, stepsInDatabase, type ReportDatabase } from './database';
import { ofType, readLog, stepKey, stepsInOrder, type StepRef } from './events';
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
  return distribution(stepsInOrder(log, 'gates'), criteria, scored);
}

export async function scoreDistributionInDatabase(db: ReportDatabase, range: ReportRange): Promise<ScoreDistribution> {
  const votes = new Sql(db, range);
  // Criteria of a gate in the order they first appear: by the first vote naming them, then their place in it.
  const rows = await votes.rows(
    `SELECT process, gate, criterion, score, count(*) AS votes, min(at) AS first, min(position) AS place
     FROM vote_scores WHERE ${votes.inRange('at')} GROUP BY process, gate, criterion, score`,
  );
  const criteria = new Map<string, Omit<CriterionScores, 'gateName'>[]>();
  const firsts = new Map<Omit<CriterionScores, 'gateName'>, [string, number]>();
  for (const row of rows) {
    const gate = entryFor(criteria, stepKey(String(row.process), String(row.gate)), () => []);
    let criterion = gate.find((found) => found.criterion === String(row.criterion));
    if (!criterion) {
      criterion = { process: String(row.process), gate: String(row.gate), criterion: String(row.criterion), votes: 0, counts: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }, average: 0 };
      gate.push(criterion);
    }
    const count = num(row.votes);
    criterion.votes += count;
    criterion.counts[num(row.score) as Score] += count;
    criterion.average += num(row.score) * count;
    const first: [string, number] = [iso(row.first), num(row.place)];
    const known = firsts.get(criterion);
    if (!known || first[0] < known[0] || (first[0] === known[0] && first[1] < known[1])) firsts.set(criterion, first);
  }
  for (const gate of criteria.values()) {
    for (const row of gate) row.average /= row.votes;
    gate.sort((a, b) => (firsts.get(a)![0] < firsts.get(b)![0] ? -1 : firsts.get(a)![0] > firsts.get(b)![0] ? 1 : firsts.get(a)![1] - firsts.get(b)![1]));
  }
  const decided = new Sql(db, range);
  // The weighted scores in the order they were decided, so their sums add up as the log's do.
  const scoreRows = await decided.rows(
    `SELECT process, gate, ${decided.list('score', 'at, idea_id, seq')} AS scores, min(at) AS first
     FROM decisions WHERE score IS NOT NULL AND ${decided.inRange()} GROUP BY process, gate ORDER BY first`,
  );
  const scored = new Map(scoreRows.map((row) => [stepKey(String(row.process), String(row.gate)), numbers(row.scores)]));
  return distribution(await stepsInDatabase(db, range, 'gates'), criteria, scored);
}

function distribution(gateSteps: StepRef[], criteria: Map<string, Omit<CriterionScores, 'gateName'>[]>, scored: Map<string, number[]>): ScoreDistribution {
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
  query: scoreDistributionInDatabase,
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
