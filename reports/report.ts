import type { StoredEvent } from '../store';
import type { ReportDatabase } from './database';
import type { ReportRange } from './range';
import type { ReportTable } from './table';

/** One report: a pure function of the event log and a range, the same in SQL, and how its result reads as tables. */
export interface Report<Result = unknown> {
  /** As typed on the command line: `stagegate report <name>`. */
  name: string;
  title: string;
  /** One sentence: what it answers. */
  description: string;
  run(events: readonly StoredEvent[], range: ReportRange): Result;
  /** The same result computed in the events store's database (reports/database.ts). */
  query?(db: ReportDatabase, range: ReportRange): Promise<Result>;
  /** The result as tables; the first is the report's main table (the one CSV gives). */
  tables(result: Result): ReportTable[];
}
