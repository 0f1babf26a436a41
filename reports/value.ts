import type { StoredEvent } from '../store';
import { SEALED } from '../codec/sealed-store';
import { endings, eventsOfIdeas, iso, num, optionalNum, Sql, type ReportDatabase } from './database';
import { ofType, readLog } from './events';
import type { ReportRange } from './range';
import type { Report } from './report';
import { sum } from './statistics';
import { column } from './table';

export interface LaunchedIdeaValue {
  ideaId: string;
  title: string;
  launchedAt: string;
  estimatedCost?: number;
  estimatedBenefit?: number;
  /** The sum of its pilots' realised benefit; absent when no pilot reported one. */
  realisedBenefit?: number;
}

export interface LaunchedIdeasValue {
  /** The ideas launched in the range, in the order they launched. */
  ideas: LaunchedIdeaValue[];
  /** Sums over those ideas; an idea without an estimate adds nothing to it. */
  total: { launched: number; estimatedCost: number; estimatedBenefit: number; realisedBenefit: number };
}

/**
 * Value of launched ideas.
 *
 * Counted by idea: the ideas whose `launched` event is in the range. Estimated cost and benefit
 * are those given at submission (`submitted` event). Realised benefit is the sum of
 * `realisedBenefit` over all the idea's `pilot_ended` events before `to` (each pilot's own takings,
 * so a pilot run twice adds both). Totals add what is known; a missing estimate adds nothing.
 */
export function launchedIdeasValue(events: readonly StoredEvent[], range: ReportRange): LaunchedIdeasValue {
  const log = readLog(events, range);
  const ideas: LaunchedIdeaValue[] = [];
  for (const idea of log.ideas.values()) {
    if (idea.end?.type !== 'launched' || !log.inRange(idea.end)) continue;
    const submitted = idea.submitted?.detail;
    const realised = ofType(idea.events, 'pilot_ended').flatMap((pilot) => (pilot.detail.realisedBenefit === undefined ? [] : [pilot.detail.realisedBenefit]));
    ideas.push({
      ideaId: idea.ideaId,
      title: submitted?.title ?? idea.ideaId,
      launchedAt: idea.end.at,
      estimatedCost: submitted?.estimatedCost,
      estimatedBenefit: submitted?.estimatedBenefit,
      realisedBenefit: realised.length > 0 ? sum(realised) : undefined,
    });
  }
  return valueOf(ideas.sort((a, b) => Date.parse(a.launchedAt) - Date.parse(b.launchedAt)));
}

/** The launched ideas, in the order they launched, and their sums. */
function valueOf(ideas: LaunchedIdeaValue[]): LaunchedIdeasValue {
  const total = (amount: (idea: LaunchedIdeaValue) => number | undefined) => sum(ideas.map((idea) => amount(idea) ?? 0));
  return {
    ideas,
    total: {
      launched: ideas.length,
      estimatedCost: total((idea) => idea.estimatedCost),
      estimatedBenefit: total((idea) => idea.estimatedBenefit),
      realisedBenefit: total((idea) => idea.realisedBenefit),
    },
  };
}

/**
 * The value in the database: one narrow row per idea launched in the range (journeys table), with
 * its submission's title and estimates, the realised benefit of its pilots known at the end of the
 * range and its first event (the log's order of ideas, for those launched at the same time). A
 * sealed submission's title is read back through the store.
 */
export async function launchedIdeasValueInDatabase(db: ReportDatabase, range: ReportRange): Promise<LaunchedIdeasValue> {
  const sql = new Sql(db, range);
  const rows = await sql.rows(
    `SELECT ends.idea_id, ends.at, e.id, ${sql.field('title', 'e.')} AS title, ${sql.isText(SEALED, 'e.')} AS sealed, ${sql.field('estimatedCost', 'e.')} AS cost, ${sql.field('estimatedBenefit', 'e.')} AS benefit, pilots.realised, pilots.reported,
            (SELECT min(first.at) FROM events AS first WHERE first.idea_id = ends.idea_id) AS first_at
     FROM ${endings(sql)} AS ends
     LEFT JOIN journeys AS subs ON subs.idea_id = ends.idea_id AND subs.submitted_at IS NOT NULL AND ${sql.known('subs.submitted_')}
     LEFT JOIN events AS e ON e.idea_id = subs.idea_id AND e.seq = subs.submitted_seq AND e.at = subs.submitted_at AND e.type = 'submitted'
     LEFT JOIN (SELECT idea_id, sum(${sql.amount('realisedBenefit')}) AS realised, sum(CASE WHEN ${sql.isNumber('realisedBenefit')} THEN 1 ELSE 0 END) AS reported FROM events WHERE type = 'pilot_ended' AND ${sql.known()} GROUP BY idea_id) AS pilots ON pilots.idea_id = ends.idea_id
     WHERE ends.type = 'launched' AND ${sql.inRange('ends.at')}`,
  );
  const sealed = rows.filter((row) => num(row.sealed) === 1);
  const titles = new Map((await eventsOfIdeas(db, sealed.map((row) => String(row.idea_id)), ['submitted'], range)).map((event) => [event.id, (event.detail as { title?: string }).title]));
  const title = (row: Record<string, unknown>) => (num(row.sealed) === 1 ? titles.get(String(row.id)) : row.title === null ? undefined : String(row.title));
  const ideas = rows
    .map((row) => ({
      first: Date.parse(iso(row.first_at)),
      idea: { ideaId: String(row.idea_id), title: title(row) ?? String(row.idea_id), launchedAt: iso(row.at), estimatedCost: optionalNum(row.cost), estimatedBenefit: optionalNum(row.benefit), realisedBenefit: num(row.reported ?? 0) > 0 ? num(row.realised) : undefined },
    }))
    // Launched at the same time, in the log's order of ideas: the time of their first event, then the id.
    .sort((a, b) => Date.parse(a.idea.launchedAt) - Date.parse(b.idea.launchedAt) || a.first - b.first || a.idea.ideaId.localeCompare(b.idea.ideaId));
  return valueOf(ideas.map(({ idea }) => idea));
}

/** The value report, a pure function of the events: its result is a `LaunchedIdeasValue`. */
export const valueReport: Report<LaunchedIdeasValue> = {
  name: 'value',
  title: 'Value of launched ideas',
  description: 'The estimated cost and benefit of the ideas launched in the period, and the benefit their pilots realised.',
  run: launchedIdeasValue,
  query: launchedIdeasValueInDatabase,
  tables: (result) => [
    {
      title: 'Ideas launched',
      columns: [column('idea'), column('title'), column('launched', 'time'), column('estimated cost', 'amount'), column('estimated benefit', 'amount'), column('realised benefit', 'amount')],
      rows: result.ideas.map((idea) => [idea.ideaId, idea.title, idea.launchedAt, idea.estimatedCost, idea.estimatedBenefit, idea.realisedBenefit]),
      total: ['total', `${result.total.launched} launched`, undefined, result.total.estimatedCost, result.total.estimatedBenefit, result.total.realisedBenefit],
    },
  ],
};
