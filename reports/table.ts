/**
 * A report's results as tables, for people (the CLI, a dashboard) and for spreadsheets (CSV).
 * Cells keep raw values; each column's kind says how to show them.
 */

export type ColumnKind =
  /** Words and ids. */
  | 'text'
  | 'count'
  /** A share between 0 and 1, shown as a percentage. */
  | 'ratio'
  /** Milliseconds; hours in CSV. */
  | 'duration'
  /** A 1–5 score or an average of scores. */
  | 'score'
  /** Money, in the firm's own currency. */
  | 'amount'
  /** An ISO time. */
  | 'time';

export interface Column {
  header: string;
  kind: ColumnKind;
}

export type Cell = string | number | undefined;

export interface ReportTable {
  title: string;
  columns: Column[];
  rows: Cell[][];
  /** A totals row shown under the rows; not part of the CSV, which holds the rows only. */
  total?: Cell[];
}

export function column(header: string, kind: ColumnKind = 'text'): Column {
  return { header, kind };
}

const HOUR_MS = 3_600_000;

/**
 * The table as RFC 4180 CSV: a header record, then one record per row, CRLF line ends; a field
 * with a comma, a double quote or a line break is quoted, its quotes doubled. Durations are
 * written in hours, ratios as fractions, a missing value as an empty field.
 */
export function toCsv(table: ReportTable): string {
  const header = table.columns.map((col) => (col.kind === 'duration' ? `${col.header} (hours)` : col.header));
  const records = [header, ...table.rows.map((row) => table.columns.map((col, index) => csvValue(row[index], col.kind)))];
  return records.map((record) => record.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvValue(cell: Cell, kind: ColumnKind): string {
  if (cell === undefined) return '';
  // Text someone typed (a title) must not run as a spreadsheet formula when the CSV is opened.
  if (typeof cell === 'string') return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
  if (kind === 'duration') return String(round(cell / HOUR_MS, 2));
  if (kind === 'ratio') return String(round(cell, 4));
  return String(cell);
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** A cell as people read it: percentages, durations in minutes, hours or days, times without seconds. */
const MINUTE_MS = 60_000;
const DAY_MS = 24 * HOUR_MS;

export function formatCell(cell: Cell, kind: ColumnKind): string {
  if (cell === undefined) return '';
  if (typeof cell === 'string') return kind === 'time' ? cell.replace('T', ' ').replace(/:\d\d\.\d+Z$/, 'Z') : cell;
  switch (kind) {
    case 'ratio':
      return `${round(cell * 100, 1)}%`;
    case 'duration':
      if (cell >= DAY_MS) return `${round(cell / DAY_MS, 1)}d`;
      if (cell >= HOUR_MS) return `${round(cell / HOUR_MS, 1)}h`;
      return `${round(cell / MINUTE_MS, 1)}m`;
    case 'score':
    case 'amount':
      return String(round(cell, 2));
    default:
      return String(cell);
  }
}
