import type { Decision, ResolvedGate } from '../config/process';
import type { ActorChannel, Vote } from './inputs';
import { identifiedBy } from './inputs';
import { votesNeeded } from './gate-rules';
import type { DecidedBy, DecisionAuthority, DecisionRecord, OpenRound, VoteReceipt } from './state';

/**
 * One sitting of a gate, open → closing → closed, as pure functions over plain state. The
 * decision that closes a round closes it at once, in the same step that takes it, so nothing
 * accepted afterwards can act on a round that is already decided.
 */

export function openRound(gate: ResolvedGate, round: number, openedAt: string, deadlineAt: string, packageFingerprint: string | undefined, delegatedAuthority = false): OpenRound {
  const authorities = delegatedAuthority ? (gate.authorities ?? []) : [];
  return {
    phase: 'open',
    gate: gate.id,
    gateName: gate.name,
    round,
    openedAt,
    deadlineAt,
    quorum: gate.quorum,
    votesNeeded: votesNeeded(gate.quorum, gate.reviewers.length),
    criteria: gate.criteria,
    packageFingerprint,
    reviewers: gate.reviewers.map((person) => ({ ...person, voted: false })),
    votes: [],
    escalated: false,
    ...(authorities.length ? { authorities } : {}),
  };
}

/** The authority this person holds in the round, when their vote decides it alone. */
export function authorityIn(round: OpenRound, email: string): NonNullable<OpenRound['authorities']>[number] | undefined {
  return round.authorities?.find((holder) => holder.email === email);
}

/** Whether this person may vote in the round: a reviewer, or someone holding authority in it. */
export function mayVote(round: OpenRound, email: string): boolean {
  return round.reviewers.some((person) => person.email === email) || authorityIn(round, email) !== undefined;
}

/** The people asked to vote in the round: its reviewers, then the authority holders who are not reviewers too. */
export function askedIn(round: OpenRound): { email: string; name: string }[] {
  const holders = (round.authorities ?? []).filter((holder) => !round.reviewers.some((person) => person.email === holder.email));
  return [...round.reviewers.map(({ email, name }) => ({ email, name })), ...holders.map(({ email, name }) => ({ email, name }))];
}

/** What a request names of the round it is meant for; absent parts mean "the open one". */
export interface RoundTarget {
  gate?: string;
  round?: number;
}

/**
 * Why a request cannot act on the round, or undefined when it can: no round open, the round is
 * closing, or the request was meant for another gate or round. The reason says who decided what and when.
 */
export function closedReason(round: OpenRound | undefined, lastDecision: DecisionRecord | undefined, target: RoundTarget, status: string): string | undefined {
  if (!round) {
    return lastDecision ? `No gate round is open: ${decidedWords(lastDecision)}.` : `No gate round is open: the idea is ${status}.`;
  }
  if (round.phase === 'closing' && round.decision) return `${decidedWords(round.decision)}; the round is closed.`;
  if (target.gate !== undefined && target.gate !== round.gate) return `This was meant for the gate ${target.gate}, which is not open; ${round.gateName} round ${round.round} is open now.`;
  if (target.round !== undefined && target.round !== round.round) return `Round ${target.round} of ${round.gateName} ${target.round < round.round ? 'is closed' : 'has not opened'}; round ${round.round} is open now.`;
  return undefined;
}

function decidedWords(decision: DecisionRecord): string {
  return `${decision.gateName} round ${decision.round} was decided ${decision.decision} by ${decision.actor ?? decision.decidedBy} at ${decision.at}`;
}

/** The vote this reviewer already cast in the round, when the new one says exactly the same: a retry, answered with the first receipt. */
export function sameVote(round: OpenRound, vote: Vote): OpenRound['votes'][number] | undefined {
  const earlier = round.votes.find((cast) => cast.reviewer === vote.reviewer);
  if (!earlier) return undefined;
  const same =
    earlier.decision === vote.decision &&
    earlier.comment === vote.comment &&
    JSON.stringify(earlier.conditions) === JSON.stringify(vote.conditions) &&
    JSON.stringify(Object.entries(earlier.scores).sort()) === JSON.stringify(Object.entries(vote.scores).sort());
  return same ? earlier : undefined;
}

/** Counts a reviewer's vote in the open round. */
export function addVote(round: OpenRound, vote: Vote, castAt: string): OpenRound['votes'][number] {
  const reviewer = round.reviewers.find((person) => person.email === vote.reviewer);
  if (reviewer) reviewer.voted = true;
  const recorded = { ...vote, reviewerName: (reviewer ?? authorityIn(round, vote.reviewer)!).name, castAt };
  round.votes.push(recorded);
  return recorded;
}

/** The receipt of a vote counted in the round, as its reviewer is told. */
export function receiptFor(ideaId: string, round: OpenRound, vote: OpenRound['votes'][number]): VoteReceipt {
  const decided = round.phase === 'closing' && round.decision && round.votes[round.votes.length - 1] === vote ? round.decision.decision : undefined;
  return {
    ideaId,
    ...(decided ? { decided } : {}),
    gate: round.gate,
    round: round.round,
    reviewer: vote.reviewer,
    decision: vote.decision,
    castAt: vote.castAt,
    votesIn: round.votes.indexOf(vote) + 1,
    votesNeeded: round.votesNeeded,
  };
}

export interface RoundResult {
  decision: Decision;
  decidedBy: DecidedBy;
  actor?: string;
  reasons: string[];
  conditions: string[];
  score?: number;
  /** How the admin or contact deciding was identified. */
  via?: ActorChannel;
  key?: string;
  authority?: DecisionAuthority;
}

/** The record of the decision a round reached, with what each reviewer said. */
export function decisionFor(round: OpenRound, result: RoundResult, at: string): DecisionRecord {
  return {
    gate: round.gate,
    gateName: round.gateName,
    round: round.round,
    decision: result.decision,
    decidedBy: result.decidedBy,
    actor: result.actor,
    at,
    score: result.score,
    reasons: result.reasons,
    conditions: result.conditions,
    ...identifiedBy(result),
    comments: round.votes.map((vote) => ({ reviewer: vote.reviewerName, decision: vote.decision, comment: vote.comment })),
    ...(result.authority ? { authority: result.authority } : {}),
  };
}

/** Closes the round with its decision: from now on it refuses everything aimed at it. */
export function closeRound(round: OpenRound, result: RoundResult, at: string): DecisionRecord {
  const decision = decisionFor(round, result, at);
  round.phase = 'closing';
  round.decision = decision;
  return decision;
}
