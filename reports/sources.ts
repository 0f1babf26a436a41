import type { StoredEvent } from '../store';
import { endings, num, Sql, submissions, type ReportDatabase } from './database';
import { readLog } from './events';
import type { ReportRange } from './range';
import type { Report } from './report';
import { entryFor, ratio } from './statistics';
import { column } from './table';

export interface SourceRow {
  source: string;
  /** Ideas from this source submitted in the range. */
  submitted: number;
  /** submitted / all ideas submitted in the range. */
  share?: number;
  /** Of those, the ideas launched by the end of the range. */
  launched: number;
  /** launched / submitted. */
  launchRate?: number;
}

export interface IdeasBySource {
  /** Most ideas first. */
  sources: SourceRow[];
  total: { submitted: number; launched: number; launchRate?: number; sources: number };
}

/**
 * Ideas by source, and which sources bring ideas that launch.
 *
 * Counted by idea: the ideas whose `submitted` event is in the range, per source (employee,
 * customer, partner, network, other); launched = those of them with a `launched` event before
 * `to` (or now); launch rate = launched / submitted, so ideas still under way count against it
 * until they launch. total.sources is how many sources brought ideas (their diversity).
 */
export function ideasBySource(events: readonly StoredEvent[], range: ReportRange): IdeasBySource {
  const log = readLog(events, range);
  const rows = new Map<string, SourceRow>();
  for (const idea of log.ideas.values()) {
    if (!idea.submitted || !log.inRange(idea.submitted)) continue;
    const row = entryFor(rows, idea.source, () => ({ source: idea.source, submitted: 0, launched: 0 }));
    row.submitted += 1;
    if (idea.end?.type === 'launched') row.launched += 1;
  }
  return bySource([...rows.values()]);
}

export async function ideasBySourceInDatabase(db: ReportDatabase, range: ReportRange): Promise<IdeasBySource> {
  const sql = new Sql(db, range);
  const rows = await sql.rows(
    `SELECT subs.source, count(*) AS submitted, sum(CASE WHEN ends.type = 'launched' THEN 1 ELSE 0 END) AS launched
     FROM ${submissions(sql)} AS subs LEFT JOIN ${endings(sql)} AS ends ON ends.idea_id = subs.idea_id
     WHERE ${sql.inRange('subs.at')} GROUP BY subs.source`,
  );
  return bySource(rows.map((row) => ({ source: String(row.source), submitted: num(row.submitted), launched: num(row.launched) })));
}

function bySource(rows: SourceRow[]): IdeasBySource {
  const sources = rows.sort((a, b) => b.submitted - a.submitted || b.launched - a.launched || a.source.localeCompare(b.source));
  const submitted = sources.reduce((total, row) => total + row.submitted, 0);
  const launched = sources.reduce((total, row) => total + row.launched, 0);
  return {
    sources: sources.map((row) => ({ ...row, share: ratio(row.submitted, submitted), launchRate: ratio(row.launched, row.submitted) })),
    total: { submitted, launched, launchRate: ratio(launched, submitted), sources: sources.length },
  };
}

/** The sources report, a pure function of the events: its result is a `IdeasBySource`. */
export const sourcesReport: Report<IdeasBySource> = {
  name: 'sources',
  title: 'Ideas by source',
  description: 'Where the ideas submitted in the period came from, and which sources bring ideas that launch.',
  run: ideasBySource,
  query: ideasBySourceInDatabase,
  tables: (result) => [
    {
      title: 'Ideas per source',
      columns: [column('source'), column('submitted', 'count'), column('share', 'ratio'), column('launched', 'count'), column('launch rate', 'ratio')],
      rows: result.sources.map((row) => [row.source, row.submitted, row.share, row.launched, row.launchRate]),
      total: ['total', result.total.submitted, result.total.submitted > 0 ? 1 : undefined, result.total.launched, result.total.launchRate],
    },
  ],
};
