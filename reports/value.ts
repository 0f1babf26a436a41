import type { StoredEvent } from '../store';
import { endings, eventsOfIdeas, Sql, type ReportDatabase } from './database';
import { ENDINGS, ofType, readLog } from './events';
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
  ideas.sort((a, b) => Date.parse(a.launchedAt) - Date.parse(b.launchedAt));
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

/** The ideas launched in the range found in SQL, then valued from their own events, read through the store (titles are sealed where it is). */
export async function launchedIdeasValueInDatabase(db: ReportDatabase, range: ReportRange): Promise<LaunchedIdeasValue> {
  const sql = new Sql(db, range);
  const launched = await sql.rows(`SELECT idea_id FROM ${endings(sql)} AS ends WHERE type = 'launched' AND ${sql.inRange()}`);
  return launchedIdeasValue(await eventsOfIdeas(db, launched.map((row) => String(row.idea_id)), ['submitted', 'pilot_ended', ...ENDINGS], range), range);
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
