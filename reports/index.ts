import { campaignsReport } from './campaigns';
import { cycleTimeReport } from './cycle-time';
import { decisionMixReport } from './decision-mix';
import type { ReportDatabase } from './database';
import type { EventSource } from './events';
import { funnelReport } from './funnel';
import { implementationReport } from './implementation';
import { killRateReport } from './kill-rate';
import { participationReport } from './participation';
import { pilotsReport } from './pilots';
import { portfolioReport } from './portfolio';
import { recognitionReport } from './recognition';
import type { ReportRange } from './range';
import { NO_CONTEXT, type Report, type ReportContext } from './report';
import { scoresReport } from './scores';
import { sourcesReport } from './sources';
import { timeToDecisionReport } from './time-to-decision';
import { valueReport } from './value';

/**
 * Reports on how the innovation process performs, each computed from the events log alone. The
 * CLI, the SDK and a dashboard list and run them from here.
 */
export const REPORTS: readonly Report[] = [
  funnelReport,
  killRateReport,
  cycleTimeReport,
  timeToDecisionReport,
  sourcesReport,
  scoresReport,
  decisionMixReport,
  pilotsReport,
  implementationReport,
  valueReport,
  participationReport,
  campaignsReport,
  portfolioReport,
  recognitionReport,
];

/** The report of this name, or undefined. */
export function findReport(name: string): Report | undefined {
  return REPORTS.find((report) => report.name === name);
}

/**
 * Runs a report: in the events store's database when the source is one (SQLite or PostgreSQL),
 * else over the events it holds. The events read are every one before `to`, not only those from
 * `from` on: an idea launched in the range may have been submitted before it.
 */
export async function runReport<Result>(report: Report<Result>, source: EventSource | ReportDatabase, range: ReportRange, context: ReportContext = NO_CONTEXT): Promise<Result> {
  if (report.query && isDatabase(source)) return report.query(source, range, context);
  return report.run(await source.events({ to: range.to }), range, context);
}

export function isDatabase(source: EventSource | ReportDatabase): source is ReportDatabase {
  return 'select' in source && typeof source.select === 'function';
}

/** Where a report reads events from: the events store, or anything that lists them. */
export type { EventSource } from './events';
export type { ReportDatabase } from './database';
export { reportRangeSchema, type ReportRange } from './range';
/** A report: a name, a title, and a pure function of the events in a range (and of the firm's goals). */
export type { Report, ReportContext } from './report';
export { formatCell, toCsv, type Cell, type Column, type ColumnKind, type ReportTable } from './table';
export * from './campaigns';
export * from './cycle-time';
export * from './decision-mix';
export * from './funnel';
export * from './implementation';
export * from './kill-rate';
export * from './participation';
export * from './pilots';
export * from './portfolio';
export * from './recognition';
export * from './scores';
export * from './sources';
export * from './time-to-decision';
export * from './value';
