import type { StrategicGoal } from '../config/goals';
import type { DecisionLabels } from '../config/process';
import type { StoredEvent } from '../store';
import type { ReportDatabase } from './database';
import type { ReportRange } from './range';
import type { ReportTable } from './table';

/**
 * What a report may need besides the events: the firm's strategic goals (the portfolio report
 * lists those no idea serves) and the process templates' own words for decisions, by process id
 * (the decision mix says what each decision is called where a template names it).
 */
export interface ReportContext {
  goals: readonly StrategicGoal[];
  decisionLabels?: Readonly<Record<string, DecisionLabels>>;
}

export const NO_CONTEXT: ReportContext = { goals: [] };

/** One report: a pure function of the event log and a range, the same in SQL, and how its result reads as tables. */
export interface Report<Result = unknown> {
  /** As typed on the command line: `stagegate report <name>`. */
  name: string;
  title: string;
  /** One sentence: what it answers. */
  description: string;
  run(events: readonly StoredEvent[], range: ReportRange, context?: ReportContext): Result;
  /** The same result computed in the events store's database (reports/database.ts). */
  query?(db: ReportDatabase, range: ReportRange, context?: ReportContext): Promise<Result>;
  /** The result as tables; the first is the report's main table (the one CSV gives). */
  tables(result: Result): ReportTable[];
}
