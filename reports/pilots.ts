import type { StoredEvent } from '../store';
import type { KpiSummary } from '../workflows/kpi-rules';
import type { PilotEnd } from '../workflows/state';
import { eventsOfIdeas, Sql, type ReportDatabase } from './database';
import { ofType, readLog, stepKey } from './events';
import type { ReportRange } from './range';
import type { Report } from './report';
import { entryFor } from './statistics';
import { column } from './table';

export interface KpiOutcome {
  process: string;
  kpi: string;
  label: string;
  unit?: string;
  direction?: 'higher' | 'lower';
  /** The target in the latest pilot that measured it. */
  target?: number;
  /** Pilots ended in the range that met / missed this KPI's target. */
  met: number;
  notMet: number;
  /** `kpi_alert` events in the range: readings past the alert threshold, past the kill threshold, and failed pulls. */
  alerts: number;
  killAlerts: number;
  unavailable: number;
}

export interface PilotOutcome {
  ideaId: string;
  title: string;
  stage: string;
  endedAt: string;
  reason: PilotEnd;
  kpis: number;
  kpisMet: number;
  realisedBenefit?: number;
}

export interface PilotOutcomes {
  /** Pilots ended in the range. */
  pilots: number;
  /** Only the reasons that occurred. */
  byReason: Partial<Record<PilotEnd, number>>;
  kpis: KpiOutcome[];
  /** Every pilot ended in the range, in the order they ended. */
  ended: PilotOutcome[];
  /** Ideas whose last pilot ended in the range met every KPI's target. */
  ideasMeetingEveryTarget: string[];
}

/**
 * Pilot outcomes against their targets.
 *
 * - Counted by event time: the `pilot_ended` events in the range (an idea piloted twice counts
 *   twice), by reason (its duration ran out, or a reading crossed a kill threshold).
 * - Per KPI of each process: how many of those pilots met its target and how many did not (as
 *   the pilot judged it at its end), and how many `kpi_alert` events in the range warned
 *   (level alert), crossed the kill threshold (level kill) or found the KPI's source unreadable.
 * - Ideas meeting every target: ideas whose last pilot ended in the range met the target of
 *   every one of its KPIs.
 */
export function pilotOutcomes(events: readonly StoredEvent[], range: ReportRange): PilotOutcomes {
  const log = readLog(events, range);
  const kpis = new Map<string, KpiOutcome>();
  const kpi = (process: string, id: string) => entryFor(kpis, stepKey(process, id), () => ({ process, kpi: id, label: id, met: 0, notMet: 0, alerts: 0, killAlerts: 0, unavailable: 0 }));
  const byReason: Partial<Record<PilotEnd, number>> = {};
  const ended: PilotOutcome[] = [];
  const lastPilot = new Map<string, KpiSummary[]>();
  const inRange = log.events.filter(log.inRange);
  for (const pilot of ofType(inRange, 'pilot_ended')) {
    const { reason, realisedBenefit, summary } = pilot.detail;
    byReason[reason] = (byReason[reason] ?? 0) + 1;
    for (const result of summary) {
      const row = kpi(pilot.process, result.kpi);
      Object.assign(row, { label: result.label, unit: result.unit, direction: result.direction, target: result.target });
      if (result.met) row.met += 1;
      else row.notMet += 1;
    }
    const title = log.ideas.get(pilot.ideaId)?.submitted?.detail.title ?? pilot.ideaId;
    const kpisMet = summary.filter((result) => result.met).length;
    ended.push({ ideaId: pilot.ideaId, title, stage: pilot.stage ?? '', endedAt: pilot.at, reason, kpis: summary.length, kpisMet, realisedBenefit });
    lastPilot.set(pilot.ideaId, summary);
  }
  for (const alert of ofType(inRange, 'kpi_alert')) {
    const row = kpi(alert.process, alert.detail.kpi);
    if (alert.detail.level === 'alert') row.alerts += 1;
    else if (alert.detail.level === 'kill') row.killAlerts += 1;
    else row.unavailable += 1;
  }
  return {
    pilots: ended.length,
    byReason,
    kpis: groupByProcess([...kpis.values()]),
    ended,
    ideasMeetingEveryTarget: [...lastPilot].filter(([, summary]) => summary.length > 0 && summary.every((result) => result.met)).map(([ideaId]) => ideaId),
  };
}

/** Pilots and alerts are few next to the rest of the log: the ideas that had them in the range are found in SQL, then counted from their own events (a pilot's reason is sealed where the store is). */
export async function pilotOutcomesInDatabase(db: ReportDatabase, range: ReportRange): Promise<PilotOutcomes> {
  const sql = new Sql(db, range);
  const piloted = await sql.rows(`SELECT DISTINCT idea_id FROM events WHERE ${sql.types(['pilot_ended', 'kpi_alert'])} AND ${sql.inRange()}`);
  return pilotOutcomes(await eventsOfIdeas(db, piloted.map((row) => String(row.idea_id)), ['submitted', 'pilot_ended', 'kpi_alert'], range), range);
}

/** Rows of one process together, processes and rows in order of first appearance. */
function groupByProcess<Row extends { process: string }>(rows: Row[]): Row[] {
  const order = [...new Set(rows.map((row) => row.process))];
  return [...rows].sort((a, b) => order.indexOf(a.process) - order.indexOf(b.process));
}

/** The pilots report, a pure function of the events: its result is a `PilotOutcomes`. */
export const pilotsReport: Report<PilotOutcomes> = {
  name: 'pilots',
  title: 'Pilot outcomes',
  description: 'Pilots ended in the period: which KPIs met their targets, alerts raised, and ideas that met every target.',
  run: pilotOutcomes,
  query: pilotOutcomesInDatabase,
  tables: (result) => [
    {
      title: 'KPIs against their targets',
      columns: [column('process'), column('kpi'), column('target', 'amount'), column('unit'), column('met', 'count'), column('not met', 'count'), column('alerts', 'count'), column('kill alerts', 'count'), column('unavailable', 'count')],
      rows: result.kpis.map((row) => [row.process, row.label, row.target, row.unit, row.met, row.notMet, row.alerts, row.killAlerts, row.unavailable]),
    },
    {
      title: 'Pilots ended',
      columns: [column('idea'), column('title'), column('ended', 'time'), column('reason'), column('kpis met', 'count'), column('kpis', 'count'), column('realised benefit', 'amount')],
      rows: result.ended.map((row) => [row.ideaId, row.title, row.endedAt, row.reason, row.kpisMet, row.kpis, row.realisedBenefit]),
    },
  ],
};
