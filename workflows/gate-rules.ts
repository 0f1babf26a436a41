import type { Criterion, Decision, Quorum } from '../config/process';

/** The gate's decision rules: pure functions of the gate and its votes, shared by the workflow and its tests. */

export interface ScoredVote {
  reviewer: string;
  decision: Decision;
  scores: Record<string, number>;
  conditions: string[];
  comment: string;
}

export interface KnockOut {
  criterion: string;
  reviewer: string;
  score: number;
  minimum: number;
}

export interface GateOutcome {
  decision: Decision;
  /** Weighted score on the 1–5 scale, averaged over the reviewers who voted. */
  score: number;
  knockOuts: KnockOut[];
  conditions: string[];
  reasons: string[];
  tally: Record<Decision, number>;
}

/** How many distinct reviewers must vote before the gate decides. */
export function votesNeeded(quorum: Quorum, reviewerCount: number): number {
  if (quorum === 'any') return 1;
  if (quorum === 'all') return reviewerCount;
  if (quorum === 'majority') return Math.floor(reviewerCount / 2) + 1;
  return Math.min(quorum.atLeast, reviewerCount);
}

export function isQuorumMet(quorum: Quorum, reviewerCount: number, votes: readonly { reviewer: string }[]): boolean {
  return new Set(votes.map((vote) => vote.reviewer)).size >= votesNeeded(quorum, reviewerCount);
}

export function weightedScore(criteria: readonly Criterion[], votes: readonly ScoredVote[]): number {
  if (votes.length === 0) return 0;
  const totalWeight = criteria.reduce((sum, criterion) => sum + criterion.weight, 0);
  const weighted = criteria.reduce((sum, criterion) => {
    const mean = votes.reduce((total, vote) => total + (vote.scores[criterion.id] ?? 0), 0) / votes.length;
    return sum + criterion.weight * mean;
  }, 0);
  return Math.round((weighted / totalWeight) * 100) / 100;
}

/** Every score below a must-meet minimum; one is enough to rule out a go. */
export function knockOuts(criteria: readonly Criterion[], votes: readonly ScoredVote[]): KnockOut[] {
  return criteria.flatMap((criterion) =>
    criterion.minimum === undefined
      ? []
      : votes.flatMap((vote) => {
          const score = vote.scores[criterion.id] ?? 0;
          return score < criterion.minimum! ? [{ criterion: criterion.id, reviewer: vote.reviewer, score, minimum: criterion.minimum! }] : [];
        }),
  );
}

function tallyVotes(votes: readonly ScoredVote[]): Record<Decision, number> {
  const tally: Record<Decision, number> = { go: 0, 'conditional-go': 0, kill: 0, hold: 0, recycle: 0 };
  for (const vote of votes) tally[vote.decision] += 1;
  return tally;
}

/**
 * The gate's decision once its quorum is met:
 * - a go and a conditional go both count as votes to go on; the most-voted course wins;
 * - a tie between courses is a hold: a split gate parks the idea for an admin to settle;
 * - going on needs the weighted score at or above the pass score and no must-meet knock-out,
 *   otherwise the idea is recycled for rework with the reasons;
 * - going on is conditional when any reviewer voting to go set conditions; all their conditions apply.
 */
export function decideGate(
  gate: { criteria: readonly Criterion[]; passScore: number },
  votes: readonly ScoredVote[],
): GateOutcome {
  const tally = tallyVotes(votes);
  const score = weightedScore(gate.criteria, votes);
  const found = knockOuts(gate.criteria, votes);
  const courses: [Decision, number][] = [
    ['go', tally.go + tally['conditional-go']],
    ['kill', tally.kill],
    ['hold', tally.hold],
    ['recycle', tally.recycle],
  ];
  const top = Math.max(...courses.map(([, count]) => count));
  const leaders = courses.filter(([, count]) => count === top).map(([course]) => course);
  const reasons: string[] = [];
  if (leaders.length > 1) {
    reasons.push(`The reviewers were split (${leaders.join(' / ')}, ${top} each): the idea is on hold until an admin settles it.`);
    return { decision: 'hold', score, knockOuts: found, conditions: [], reasons, tally };
  }
  const course = leaders[0]!;
  if (course !== 'go') {
    reasons.push(`Most reviewers voted ${course} (${top} of ${votes.length}).`);
    return { decision: course, score, knockOuts: found, conditions: [], reasons, tally };
  }
  if (found.length > 0) {
    for (const knockOut of found) {
      reasons.push(`Must-meet criterion "${knockOut.criterion}" scored ${knockOut.score} by ${knockOut.reviewer}, below its minimum of ${knockOut.minimum}.`);
    }
    reasons.push('A go is not possible while a must-meet criterion is below its minimum: the idea goes back for rework.');
    return { decision: 'recycle', score, knockOuts: found, conditions: [], reasons, tally };
  }
  if (score < gate.passScore) {
    reasons.push(`The weighted score ${score} is below the pass score ${gate.passScore}: the idea goes back for rework.`);
    return { decision: 'recycle', score, knockOuts: found, conditions: [], reasons, tally };
  }
  const conditions = [...new Set(votes.filter((vote) => vote.decision === 'conditional-go').flatMap((vote) => vote.conditions))];
  reasons.push(`Most reviewers voted to go on (${top} of ${votes.length}) with a weighted score of ${score} (pass score ${gate.passScore}).`);
  return { decision: conditions.length > 0 ? 'conditional-go' : 'go', score, knockOuts: found, conditions, reasons, tally };
}
