import type { StoredEvent } from '../store';
import type { ReportRange } from './range';
import type { ReportTable } from './table';

/** One report: a pure function of the event log and a range, and how its result reads as tables. */
export interface Report<Result = unknown> {
  /** As typed on the command line: `stagegate report <name>`. */
  name: string;
  title: string;
  /** One sentence: what it answers. */
  description: string;
  run(events: readonly StoredEvent[], range: ReportRange): Result;
  /** The result as tables; the first is the report's main table (the one CSV gives). */
  tables(result: Result): ReportTable[];
}
