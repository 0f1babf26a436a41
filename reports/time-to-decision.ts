import type { StoredEvent } from '../store';
import { num, numbers, peopleAsRead, Sql, stepsInDatabase, type ReportDatabase } from './database';
import { isEnding, readLog, stepKey, stepsInOrder, type EventOf, type StepRef } from './events';
import type { ReportRange } from './range';
import type { Report } from './report';
import { entryFor, summariseDurations } from './statistics';
import { column } from './table';

export interface GateDecisionTime {
  process: string;
  gate: string;
  name: string;
  /** Rounds decided in the range. */
  decided: number;
  medianMs?: number;
  p90Ms?: number;
  /** Rounds still open at the end of the range (or now). */
  open: number;
}

export interface ReviewerResponse {
  reviewer: string;
  /** Rounds opened in the range that asked this reviewer. */
  asked: number;
  /** Votes this reviewer cast in the range. */
  voted: number;
  medianMs?: number;
  p90Ms?: number;
  /** Rounds that closed in the range without this reviewer's vote. */
  neverVoted: number;
  /** Rounds still open at the end of the range (or now) that wait for this reviewer. */
  awaiting: number;
}

export interface TimeToDecision {
  gates: GateDecisionTime[];
  reviewers: ReviewerResponse[];
}

interface Round {
  opened: EventOf<'gate_opened'>;
  votes: Map<string, string>;
  decidedAt?: string;
  /** The decision, or the idea's end (a withdrawal) while the round was open. */
  closedAt?: string;
}

/**
 * Time to decision, per gate and per reviewer.
 *
 * - A gate round runs from its `gate_opened` to the `decided` event of the same gate and round.
 *   Per gate: rounds decided in the range, and the median and p90 (nearest rank) of their durations;
 *   open = rounds not closed by `to` (or now). A round ended by a withdrawal has no decision and
 *   is in neither.
 * - Per reviewer, across gates: asked = rounds opened in the range that named them; voted = their
 *   `vote_cast` events in the range, with median and p90 of gate_opened → vote_cast; never voted =
 *   rounds that closed in the range (decided, or ended by a withdrawal) without their vote;
 *   awaiting = rounds open at `to` still waiting for them.
 * - Counted by event time, each count by the time of its own event, so for a range that
 *   contains whole rounds asked = voted + never voted + awaiting.
 */
export function timeToDecision(events: readonly StoredEvent[], range: ReportRange): TimeToDecision {
  const log = readLog(events, range);
  const gates = new Map<string, { durations: number[]; open: number }>();
  const reviewers = new Map<string, Omit<ReviewerResponse, 'medianMs' | 'p90Ms'> & { durations: number[] }>();
  const reviewer = (email: string) => entryFor(reviewers, email, () => ({ reviewer: email, asked: 0, voted: 0, neverVoted: 0, awaiting: 0, durations: [] }));

  for (const idea of log.ideas.values()) {
    const rounds = new Map<string, Round>();
    const roundOf = (event: StoredEvent) => rounds.get(`${event.gate}#${event.round}`);
    for (const event of idea.events) {
      if (event.type === 'gate_opened') rounds.set(`${event.gate}#${event.round}`, { opened: event as unknown as EventOf<'gate_opened'>, votes: new Map() });
      else if (event.type === 'vote_cast' && event.actor) roundOf(event)?.votes.set(event.actor, event.at);
      else if (event.type === 'decided') {
        const round = roundOf(event);
        if (round) round.decidedAt = round.closedAt = event.at;
      } else if (isEnding(event)) {
        for (const round of rounds.values()) round.closedAt ??= event.at;
      }
    }
    for (const round of rounds.values()) {
      const gate = entryFor(gates, stepKey(idea.process, round.opened.gate!), () => ({ durations: [], open: 0 }));
      const openedAt = Date.parse(round.opened.at);
      if (round.decidedAt && log.inRange(round.decidedAt)) gate.durations.push(Date.parse(round.decidedAt) - openedAt);
      if (!round.closedAt) gate.open += 1;
      for (const email of round.opened.detail.reviewers) {
        const person = reviewer(email);
        const votedAt = round.votes.get(email);
        if (log.inRange(round.opened)) person.asked += 1;
        if (votedAt !== undefined && log.inRange(votedAt)) {
          person.voted += 1;
          person.durations.push(Date.parse(votedAt) - openedAt);
        }
        if (votedAt === undefined && round.closedAt && log.inRange(round.closedAt)) person.neverVoted += 1;
        if (votedAt === undefined && !round.closedAt) person.awaiting += 1;
      }
    }
  }

  return byGateAndReviewer(stepsInOrder(log, 'gates'), gates, [...reviewers.values()]);
}

export async function timeToDecisionInDatabase(db: ReportDatabase, range: ReportRange): Promise<TimeToDecision> {
  // Each gate round from the gate rounds table, and each reviewer asked from the reviewers' table, which holds a copy of its round (store/rows.ts):
  // when the round opened, when it was decided, when it closed (decided, or by the journey's end after it opened).
  // A decision or vote counts once known at the end of the range; a round decided twice, or a reviewer who voted twice, is looked up among the events.
  // The durations are listed in any order: their median and p90 sort them. Fenced where the range ends, so the lookups run once a row.
  const decidedAt = (sql: Sql, r: string) =>
    range.to
      ? `CASE WHEN ${r}.decisions > 1 THEN (SELECT max(decided.at) FROM events AS decided WHERE decided.type = 'decided' AND decided.idea_id = ${r}.idea_id AND decided.gate = ${r}.gate AND decided.round = ${r}.round AND ${sql.known('decided.')})
              WHEN ${sql.known(`${r}.decided_`)} THEN ${r}.decided_at END`
      : `${r}.decided_at`;
  const closedAt = (sql: Sql, r: string) =>
    `coalesce(${decidedAt(sql, r)}, CASE WHEN ${r}.ended_at IS NOT NULL AND ${sql.known(`${r}.ended_`)} AND (${r}.ended_at > ${r}.opened_at OR (${r}.ended_at = ${r}.opened_at AND ${r}.ended_seq > ${r}.opened_seq)) THEN ${r}.ended_at END)`;
  const perGate = new Sql(db, range);
  const gateRows = await perGate.rows(
    `SELECT process, gate, ${perGate.list(`CASE WHEN decided_at IS NOT NULL AND ${perGate.inRange('decided_at')} THEN ${perGate.ms('decided_at')} - ${perGate.ms('opened_at')} END`)} AS durations,
            sum(CASE WHEN closed_at IS NULL THEN 1 ELSE 0 END) AS open
     FROM (SELECT r.process, r.gate, r.opened_at, ${decidedAt(perGate, 'r')} AS decided_at, ${closedAt(perGate, 'r')} AS closed_at
           FROM gate_rounds AS r WHERE r.opened_at IS NOT NULL AND ${perGate.known('r.opened_')} ${range.to ? perGate.fence() : ''}) AS rounds
     GROUP BY process, gate`,
  );
  const gates = new Map(gateRows.map((row) => [stepKey(String(row.process), String(row.gate)), { durations: numbers(row.durations), open: num(row.open) }]));

  const perReviewer = new Sql(db, range);
  const voted = () => `voted_at IS NOT NULL AND ${perReviewer.inRange('voted_at')}`;
  const votedAt = () =>
    range.to
      ? `CASE WHEN person.votes > 1 THEN (SELECT max(vote.at) FROM events AS vote WHERE vote.type = 'vote_cast' AND vote.idea_id = person.idea_id AND vote.gate = person.gate AND vote.round = person.round AND vote.actor = person.reviewer AND ${perReviewer.known('vote.')})
              WHEN ${perReviewer.known('person.voted_')} THEN person.voted_at END`
      : 'person.voted_at';
  const reviewerRows = await perReviewer.rows(
    `SELECT reviewer, min(id) AS example,
            sum(CASE WHEN ${perReviewer.inRange('opened_at')} THEN 1 ELSE 0 END) AS asked,
            sum(CASE WHEN ${voted()} THEN 1 ELSE 0 END) AS voted,
            ${perReviewer.list(`CASE WHEN ${voted()} THEN ${perReviewer.ms('voted_at')} - ${perReviewer.ms('opened_at')} END`)} AS durations,
            sum(CASE WHEN voted_at IS NULL AND closed_at IS NOT NULL AND ${perReviewer.inRange('closed_at')} THEN 1 ELSE 0 END) AS never_voted,
            sum(CASE WHEN voted_at IS NULL AND closed_at IS NULL THEN 1 ELSE 0 END) AS awaiting
     FROM (SELECT person.reviewer, person.opened_id AS id, person.opened_at, ${closedAt(perReviewer, 'person')} AS closed_at, ${votedAt()} AS voted_at
           FROM round_reviewers AS person WHERE person.asked = 1 AND person.opened_at IS NOT NULL AND ${perReviewer.known('person.opened_')} ${range.to ? perReviewer.fence() : ''}) AS asks
     GROUP BY reviewer`,
  );
  const people = await peopleAsRead(db, [...new Set(reviewerRows.map((row) => String(row.example)))], 'reviewers');
  const reviewers = reviewerRows.map((row) => ({
    reviewer: people.get(String(row.reviewer)) ?? String(row.reviewer),
    asked: num(row.asked),
    voted: num(row.voted),
    neverVoted: num(row.never_voted),
    awaiting: num(row.awaiting),
    durations: numbers(row.durations),
  }));
  return byGateAndReviewer(await stepsInDatabase(db, range, 'gates'), gates, reviewers);
}

function byGateAndReviewer(
  steps: StepRef[],
  gates: Map<string, { durations: number[]; open: number }>,
  reviewers: (Omit<ReviewerResponse, 'medianMs' | 'p90Ms'> & { durations: number[] })[],
): TimeToDecision {
  return {
    gates: steps.flatMap((step) => {
      const found = gates.get(stepKey(step.process, step.id));
      if (!found || found.durations.length + found.open === 0) return [];
      const { count, medianMs, p90Ms } = summariseDurations(found.durations);
      return [{ process: step.process, gate: step.id, name: step.name, decided: count, medianMs, p90Ms, open: found.open }];
    }),
    reviewers: reviewers
      .filter((person) => person.asked + person.voted + person.neverVoted + person.awaiting > 0)
      .sort((a, b) => a.reviewer.localeCompare(b.reviewer))
      .map(({ durations, ...person }) => {
        const { medianMs, p90Ms } = summariseDurations(durations);
        return { ...person, medianMs, p90Ms };
      }),
  };
}

/** The timeToDecision report, a pure function of the events: its result is a `TimeToDecision`. */
export const timeToDecisionReport: Report<TimeToDecision> = {
  name: 'time-to-decision',
  title: 'Time to decision',
  description: 'How long gates take to decide and reviewers take to vote, and who lets rounds close without voting.',
  run: timeToDecision,
  query: timeToDecisionInDatabase,
  tables: (result) => [
    {
      title: 'Per gate: gate opened to decision',
      columns: [column('process'), column('gate'), column('decided', 'count'), column('median', 'duration'), column('p90', 'duration'), column('open', 'count')],
      rows: result.gates.map((row) => [row.process, row.name, row.decided, row.medianMs, row.p90Ms, row.open]),
    },
    {
      title: 'Per reviewer: gate opened to vote',
      columns: [
        column('reviewer'),
        column('asked', 'count'),
        column('voted', 'count'),
        column('median', 'duration'),
        column('p90', 'duration'),
        column('never voted', 'count'),
        column('awaiting', 'count'),
      ],
      rows: result.reviewers.map((row) => [row.reviewer, row.asked, row.voted, row.medianMs, row.p90Ms, row.neverVoted, row.awaiting]),
    },
  ],
};
