import type { StoredEvent } from '../store';
import { endings, num, Sql, submissions, type ReportDatabase } from './database';
import { ofType, readLog } from './events';
import type { ReportRange } from './range';
import type { Report } from './report';
import { ratio, summariseDurations, type DurationSummary } from './statistics';
import { column } from './table';

export interface Implementation {
  /** Ideas submitted in the range. */
  submitted: number;
  /** Ideas launched in the range, whenever submitted. */
  launched: number;
  /** launched / submitted. */
  rate?: number;
  /** Submission to launch of the ideas launched in the range. */
  timeToImplement: DurationSummary;
}

/**
 * Implementation rate and time to implement.
 *
 * Counted by event time: submitted = `submitted` events in the range; launched = `launched`
 * events in the range, whenever those ideas were submitted; implementation rate = launched /
 * submitted (over a short period it can pass 100%, when ideas of earlier periods launch).
 * Time to implement: `submitted` → `launched` of each idea launched in the range; median and p90
 * by nearest rank.
 */
export function implementation(events: readonly StoredEvent[], range: ReportRange): Implementation {
  const log = readLog(events, range);
  const submitted = ofType(log.events, 'submitted').filter(log.inRange).length;
  const durations = [...log.ideas.values()].flatMap((idea) =>
    idea.end?.type === 'launched' && log.inRange(idea.end) && idea.submitted ? [Date.parse(idea.end.at) - Date.parse(idea.submitted.at)] : [],
  );
  return { submitted, launched: durations.length, rate: ratio(durations.length, submitted), timeToImplement: summariseDurations(durations) };
}

export async function implementationInDatabase(db: ReportDatabase, range: ReportRange): Promise<Implementation> {
  const counting = new Sql(db, range);
  const [count] = await counting.rows(`SELECT count(*) AS submitted FROM events WHERE type = 'submitted' AND ${counting.inRange()}`);
  const sql = new Sql(db, range);
  const rows = await sql.rows(
    `SELECT ${sql.ms('ends.at')} - ${sql.ms('subs.at')} AS duration FROM ${endings(sql)} AS ends JOIN ${submissions(sql)} AS subs ON subs.idea_id = ends.idea_id
     WHERE ends.type = 'launched' AND ${sql.inRange('ends.at')}`,
  );
  const submitted = num(count!.submitted);
  const durations = rows.map((row) => num(row.duration));
  return { submitted, launched: durations.length, rate: ratio(durations.length, submitted), timeToImplement: summariseDurations(durations) };
}

/** The implementation report, a pure function of the events: its result is a `Implementation`. */
export const implementationReport: Report<Implementation> = {
  name: 'implementation',
  title: 'Implementation rate',
  description: 'Ideas launched against ideas submitted in the period, and how long ideas take from submission to launch.',
  run: implementation,
  query: implementationInDatabase,
  tables: (result) => [
    {
      title: 'Ideas implemented',
      columns: [column('submitted', 'count'), column('launched', 'count'), column('implementation rate', 'ratio'), column('median time to implement', 'duration'), column('p90 time to implement', 'duration')],
      rows: [[result.submitted, result.launched, result.rate, result.timeToImplement.medianMs, result.timeToImplement.p90Ms]],
    },
  ],
};
