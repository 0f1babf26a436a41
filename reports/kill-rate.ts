import type { StoredEvent } from '../store';
import { endings, num, Sql, type ReportDatabase } from './database';
import { readLog } from './events';
import type { ReportRange } from './range';
import type { Report } from './report';
import { ratio } from './statistics';
import { column } from './table';

export interface KillRate {
  /** Ideas that ended in the range: launched + killed + withdrawn + merged. */
  ended: number;
  launched: number;
  killed: number;
  withdrawn: number;
  /** Merged into another idea as duplicates: ended, but not killed. */
  merged: number;
  /** killed / ended; undefined when none ended. */
  killRate?: number;
}

/**
 * Kill rate: of the ideas that ended in the range, the share killed at a gate.
 *
 * Counted by event time: an idea counts when its `launched`, `killed`, `withdrawn` or `merged`
 * event is in the range, wherever it was submitted. kill rate = killed / ended; a duplicate merged
 * into another idea ends without being killed.
 */
export function killRate(events: readonly StoredEvent[], range: ReportRange): KillRate {
  const log = readLog(events, range);
  const counts = { launched: 0, killed: 0, withdrawn: 0, merged: 0 };
  for (const idea of log.ideas.values()) {
    if (idea.end && log.inRange(idea.end)) counts[idea.end.type] += 1;
  }
  const ended = counts.launched + counts.killed + counts.withdrawn + counts.merged;
  return { ended, ...counts, killRate: ratio(counts.killed, ended) };
}

export async function killRateInDatabase(db: ReportDatabase, range: ReportRange): Promise<KillRate> {
  const sql = new Sql(db, range);
  const rows = await sql.rows(`SELECT type, count(*) AS ideas FROM ${endings(sql)} AS ends WHERE ${sql.inRange()} GROUP BY type`);
  const counts = { launched: 0, killed: 0, withdrawn: 0, merged: 0 };
  for (const row of rows) counts[row.type as keyof typeof counts] = num(row.ideas);
  const ended = counts.launched + counts.killed + counts.withdrawn + counts.merged;
  return { ended, ...counts, killRate: ratio(counts.killed, ended) };
}

/** The killRate report, a pure function of the events: its result is a `KillRate`. */
export const killRateReport: Report<KillRate> = {
  name: 'kill-rate',
  title: 'Kill rate',
  description: 'Of the ideas that ended in the period (launched, killed, withdrawn or merged), the share killed.',
  run: killRate,
  query: killRateInDatabase,
  tables: (result) => [
    {
      title: 'Ideas ended',
      columns: [column('ended', 'count'), column('launched', 'count'), column('killed', 'count'), column('withdrawn', 'count'), column('merged', 'count'), column('kill rate', 'ratio')],
      rows: [[result.ended, result.launched, result.killed, result.withdrawn, result.merged, result.killRate]],
    },
  ],
};
