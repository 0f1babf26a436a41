import type { StoredEvent } from '../store';
import { num, numbers, Sql, stepsInDatabase, type ReportDatabase } from './database';
import { isEnding, readLog, stepKey, stepsInOrder, type StepRef } from './events';
import type { ReportRange } from './range';
import type { Report } from './report';
import { entryFor, summariseDurations } from './statistics';
import { column } from './table';

export interface StageCycleTime {
  process: string;
  stage: string;
  name: string;
  /** Visits that ended in the range. */
  visits: number;
  medianMs?: number;
  p90Ms?: number;
  /** Visits still under way at the end of the range (or now); not in the durations. */
  open: number;
}

export interface CycleTimes {
  stages: StageCycleTime[];
}

/**
 * Cycle time per stage: how long ideas spend in each stage.
 *
 * - A visit runs from an idea's `stage_entered` to its next `stage_entered` or to its end
 *   (`launched`, `killed`, `withdrawn`); it includes the stage's gate rounds and any time on hold.
 *   An idea recycled to a stage visits it again: each visit counts.
 * - Counted by event time: a visit counts when it ended in the range.
 * - median and p90 of those visits' durations, by nearest rank (the value at rank
 *   ceil(p/100 × n) of the n sorted durations; for an even n the median is the lower middle one).
 * - open: visits still under way at `to` (or now), whenever they began; they have no duration yet.
 */
export function cycleTimes(events: readonly StoredEvent[], range: ReportRange): CycleTimes {
  const log = readLog(events, range);
  const visits = new Map<string, { durations: number[]; open: number }>();
  const stage = (process: string, id: string) => entryFor(visits, stepKey(process, id), () => ({ durations: [], open: 0 }));
  for (const idea of log.ideas.values()) {
    let current: StoredEvent | undefined;
    for (const event of idea.events) {
      if (event.type !== 'stage_entered' && !isEnding(event)) continue;
      if (current && log.inRange(event)) stage(idea.process, current.stage!).durations.push(Date.parse(event.at) - Date.parse(current.at));
      current = event.type === 'stage_entered' ? event : undefined;
    }
    if (current) stage(idea.process, current.stage!).open += 1;
  }
  return byStage(stepsInOrder(log, 'stages'), visits);
}

export async function cycleTimesInDatabase(db: ReportDatabase, range: ReportRange): Promise<CycleTimes> {
  const sql = new Sql(db, range);
  // Each stage_entered from the milestones table, with what follows it in the journey: the next stage_entered or end, open when not known by the end of the range.
  // The durations are listed in any order: their median and p90 sort them.
  const rows = await sql.rows(
    `SELECT process, stage, ${sql.list(`CASE WHEN next_at IS NOT NULL AND ${sql.inRange('next_at')} THEN ${sql.ms('next_at')} - ${sql.ms('at')} END`)} AS durations,
            sum(CASE WHEN next_at IS NULL${range.to ? ` OR next_at >= ${sql.bind(range.to)}` : ''} THEN 1 ELSE 0 END) AS open
     FROM milestones WHERE type = 'stage_entered' AND ${sql.known()} GROUP BY process, stage`,
  );
  const visits = new Map(
    rows.flatMap((row) => {
      const found = { durations: numbers(row.durations), open: num(row.open) };
      return found.durations.length + found.open > 0 ? [[stepKey(String(row.process), String(row.stage)), found] as const] : [];
    }),
  );
  return byStage(await stepsInDatabase(db, range, 'stages'), visits);
}

function byStage(steps: StepRef[], visits: Map<string, { durations: number[]; open: number }>): CycleTimes {
  return {
    stages: steps.flatMap((step) => {
      const found = visits.get(stepKey(step.process, step.id));
      if (!found) return [];
      const { count, medianMs, p90Ms } = summariseDurations(found.durations);
      return [{ process: step.process, stage: step.id, name: step.name, visits: count, medianMs, p90Ms, open: found.open }];
    }),
  };
}

/** The cycleTime report, a pure function of the events: its result is a `CycleTimes`. */
export const cycleTimeReport: Report<CycleTimes> = {
  name: 'cycle-time',
  title: 'Cycle time per stage',
  description: 'How long ideas spend in each stage: median and 90th percentile of the visits that ended in the period.',
  run: cycleTimes,
  query: cycleTimesInDatabase,
  tables: (result) => [
    {
      title: 'Time in stage',
      columns: [column('process'), column('stage'), column('visits', 'count'), column('median', 'duration'), column('p90', 'duration'), column('open', 'count')],
      rows: result.stages.map((row) => [row.process, row.name, row.visits, row.medianMs, row.p90Ms, row.open]),
    },
  ],
};
