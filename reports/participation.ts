import type { StoredEvent } from '../store';
import { num, Sql, type ReportDatabase } from './database';
import { readLog } from './events';
import type { ReportRange } from './range';
import type { Report } from './report';
import { entryFor } from './statistics';
import { column } from './table';

export interface Participation {
  /** submitters: distinct people who submitted; reviewers: distinct people who voted. */
  ideas: number;
  votes: number;
  submitters: number;
  reviewers: number;
}

export interface ParticipationByMonth {
  /** From the first to the last month with activity in the range; quiet months in between show 0. */
  months: (Participation & { month: string })[];
  /** Over the whole range: distinct people, not the sum of the months. */
  total: Participation;
}

/**
 * Participation per calendar month (UTC, YYYY-MM).
 *
 * Counted by event time: the `submitted` and `vote_cast` events in the range. Per month: ideas
 * submitted, distinct submitters (the `submitted` event's actor), votes cast, distinct reviewers
 * (the `vote_cast` event's actor); the total counts distinct people over the whole range.
 */
export function participation(events: readonly StoredEvent[], range: ReportRange): ParticipationByMonth {
  const log = readLog(events, range);
  const people = () => ({ ideas: 0, votes: 0, submitters: new Set<string>(), reviewers: new Set<string>() });
  const months = new Map<string, ReturnType<typeof people>>();
  const total = people();
  for (const event of log.events.filter(log.inRange)) {
    if (event.type !== 'submitted' && event.type !== 'vote_cast') continue;
    for (const tally of [entryFor(months, monthOf(event.at), people), total]) {
      if (event.type === 'submitted') {
        tally.ideas += 1;
        if (event.actor) tally.submitters.add(event.actor);
      } else {
        tally.votes += 1;
        if (event.actor) tally.reviewers.add(event.actor);
      }
    }
  }
  const counted = (tally: ReturnType<typeof people>): Participation => ({ ideas: tally.ideas, votes: tally.votes, submitters: tally.submitters.size, reviewers: tally.reviewers.size });
  return everyMonth(new Map([...months].map(([month, tally]) => [month, counted(tally)])), counted(total));
}

/** The same in SQL: people are counted by their actor as the store keeps it (a pseudonym, when sealed, stands for one address). */
export async function participationInDatabase(db: ReportDatabase, range: ReportRange): Promise<ParticipationByMonth> {
  const counts = (sql: Sql, groupBy: string) =>
    sql.rows(
      `SELECT ${groupBy} AS month, sum(CASE WHEN type = 'submitted' THEN 1 ELSE 0 END) AS ideas, sum(CASE WHEN type = 'vote_cast' THEN 1 ELSE 0 END) AS votes,
              count(DISTINCT CASE WHEN type = 'submitted' THEN actor END) AS submitters, count(DISTINCT CASE WHEN type = 'vote_cast' THEN actor END) AS reviewers
       FROM events WHERE ${sql.types(['submitted', 'vote_cast'])} AND ${sql.inRange()}${groupBy === "''" ? '' : ` GROUP BY ${groupBy}`}`,
    );
  const tally = (row: Record<string, unknown> | undefined): Participation => ({ ideas: num(row?.ideas ?? 0), votes: num(row?.votes ?? 0), submitters: num(row?.submitters ?? 0), reviewers: num(row?.reviewers ?? 0) });
  const monthly = new Sql(db, range);
  const months = await counts(monthly, monthly.month('at'));
  const [total] = await counts(new Sql(db, range), "''");
  return everyMonth(new Map(months.map((row) => [String(row.month), tally(row)])), tally(total));
}

function everyMonth(months: Map<string, Participation>, total: Participation): ParticipationByMonth {
  const active = [...months.keys()].sort();
  return {
    months: monthsBetween(active[0], active[active.length - 1]).map((month) => ({ month, ...(months.get(month) ?? { ideas: 0, votes: 0, submitters: 0, reviewers: 0 }) })),
    total,
  };
}

function monthOf(at: string): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** Every month from first to last, both included. */
function monthsBetween(first: string | undefined, last: string | undefined): string[] {
  if (!first || !last) return [];
  const months: string[] = [];
  for (let month = new Date(`${first}-01T00:00:00Z`); monthOf(month.toISOString()) <= last; month.setUTCMonth(month.getUTCMonth() + 1)) {
    months.push(monthOf(month.toISOString()));
  }
  return months;
}

const countColumns = [column('ideas submitted', 'count'), column('submitters', 'count'), column('votes cast', 'count'), column('reviewers', 'count')];
const countCells = (row: Participation) => [row.ideas, row.submitters, row.votes, row.reviewers];

/** The participation report, a pure function of the events: its result is a `ParticipationByMonth`. */
export const participationReport: Report<ParticipationByMonth> = {
  name: 'participation',
  title: 'Participation',
  description: 'Per month: ideas submitted and the people who submitted them, votes cast and the people who reviewed.',
  run: participation,
  query: participationInDatabase,
  tables: (result) => [
    {
      title: 'Participation per month',
      columns: [column('month'), ...countColumns],
      rows: result.months.map((row) => [row.month, ...countCells(row)]),
      total: ['total', ...countCells(result.total)],
    },
  ],
};
