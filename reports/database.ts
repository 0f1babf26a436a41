import type { Dialect, EventFilter, StoredEvent } from '../store';
import type { EventType } from '../workflows/state';
import type { StepRef } from './events';
import type { ReportRange } from './range';

/**
 * Reports computed in the events store's database: SQL aggregates over the events table (indexed
 * by type and time, and by idea and time) and the journeys and steps tables (one row per idea, and per
 * stage or gate where it first appears, kept as events arrive: store/rows.ts), the same on SQLite and PostgreSQL but for the few spellings `Sql` holds. Each gives exactly what the report's function of the whole log gives.
 *
 * They read only columns and readable detail fields (the sealed store's pseudonyms group people
 * as well as their addresses do); the few labels shown (titles, reviewers' addresses) are read
 * back through the store from the events that carry them, decrypted where it is sealed.
 */
export interface ReportDatabase {
  readonly dialect: Dialect;
  select(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  events(filter: EventFilter): Promise<StoredEvent[]> | StoredEvent[];
}

/** A query being built: its parameters, and the spellings of its backend. */
export class Sql {
  readonly params: unknown[] = [];

  constructor(
    private readonly db: ReportDatabase,
    private readonly range: ReportRange,
  ) {}

  /** A parameter's placeholder. */
  bind(value: unknown): string {
    this.params.push(value);
    return '?';
  }

  /** `at < to`: known at the end of the range. */
  known(alias = ''): string {
    return this.range.to ? `${alias}at < ${this.bind(this.range.to)}` : '1 = 1';
  }

  /** `from <= at < to`, for a time column or expression. */
  inRange(column = 'at'): string {
    const conditions = [...(this.range.from ? [`${column} >= ${this.bind(this.range.from)}`] : []), ...(this.range.to ? [`${column} < ${this.bind(this.range.to)}`] : [])];
    return conditions.length ? conditions.join(' AND ') : '1 = 1';
  }

  types(types: readonly EventType[], alias = ''): string {
    return `${alias}type IN (${types.map((type) => this.bind(type)).join(', ')})`;
  }

  /** A detail field as text (or a number in SQLite). */
  field(name: string, alias = ''): string {
    // A dotted name reaches into an object of the detail (`authority.holder`).
    if (this.db.dialect === 'sqlite') return `json_extract(${alias}detail, '$.${name}')`;
    return name.includes('.') ? `(${alias}detail#>>'{${name.split('.').join(',')}}')` : `(${alias}detail->>'${name}')`;
  }

  /** Whether a detail field holds a number. */
  isNumber(name: string, alias = ''): string {
    return this.db.dialect === 'sqlite' ? `json_type(${alias}detail, '$.${name}') IN ('integer', 'real')` : `jsonb_typeof(${alias}detail->'${name}') = 'number'`;
  }

  /** Whether a detail field holds a string: 1 or 0. */
  isText(name: string, alias = ''): string {
    const test = this.db.dialect === 'sqlite' ? `json_type(${alias}detail, '$.${name}') = 'text'` : `jsonb_typeof(${alias}detail->'${name}') = 'string'`;
    return `CASE WHEN ${test} THEN 1 ELSE 0 END`;
  }

  /** A detail field's number, 0 where it has none (as `?? 0`). */
  amount(name: string, alias = ''): string {
    return `COALESCE(${this.db.dialect === 'sqlite' ? this.field(name, alias) : `CAST(${this.field(name, alias)} AS DOUBLE PRECISION)`}, 0)`;
  }

  /** Epoch milliseconds of a time column: SQLite's unixepoch reads the canonical ISO text to the millisecond in one parse (strftime and substr took twice as long), rounded back exactly. */
  ms(column: string): string {
    return this.db.dialect === 'sqlite' ? `CAST(round(unixepoch(${column}, 'subsec') * 1000) AS INTEGER)` : `CAST(round(extract(epoch FROM ${column}) * 1000) AS BIGINT)`;
  }

  /** The calendar month (UTC) of a time column, YYYY-MM. */
  month(column: string): string {
    return this.db.dialect === 'sqlite' ? `substr(${column}, 1, 7)` : `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM')`;
  }

  /** The values of a group as one comma-separated text, in the order given (in any order without one: for values that are sorted after, which saves sorting them here). */
  list(expression: string, order?: string): string {
    const by = order ? ` ORDER BY ${order}` : '';
    return this.db.dialect === 'sqlite' ? `group_concat(${expression}, ','${by})` : `string_agg(CAST(${expression} AS TEXT), ','${by})`;
  }

  /** The elements of a detail field's JSON array, as a table `alias(value, position)` to join. */
  arrayElements(field: string, of: string, alias: string): string {
    return this.db.dialect === 'sqlite'
      ? `json_each(${of}.detail, '$.${field}') AS ${alias}`
      : `jsonb_array_elements_text(${of}.detail->'${field}') WITH ORDINALITY AS ${alias}(value, position)`;
  }

  /** The place of an `arrayElements` or `objectEntries` row in its array or object. */
  position(alias: string): string {
    return this.db.dialect === 'sqlite' ? `${alias}.id` : `${alias}.position`;
  }

  /** The entries of a detail field's JSON object, as a table `alias(key, value, position)` to join. */
  objectEntries(field: string, of: string, alias: string): string {
    return this.db.dialect === 'sqlite' ? `json_each(${of}.detail, '$.${field}') AS ${alias}` : `jsonb_each_text(${of}.detail->'${field}') WITH ORDINALITY AS ${alias}(key, value, position)`;
  }

  /** Ends a subquery the planner must compute once a row, not merge into the query around it (where its correlated subqueries would run once a use). */
  fence(): string {
    return this.db.dialect === 'sqlite' ? 'LIMIT -1' : 'OFFSET 0';
  }

  async rows(sql: string): Promise<Record<string, unknown>[]> {
    return this.db.select(sql, this.params);
  }
}

/** A count or number as the backend gives it (PostgreSQL's bigint and numeric come as text). */
export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function optionalNum(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : num(value);
}

/** A time as the events store reads it back: the canonical ISO text. */
export function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/** A `list` as numbers. */
export function numbers(value: unknown): number[] {
  return value === null || value === undefined || value === '' ? [] : String(value).split(',').map(Number);
}

/** The journey's end (its first `launched`, `killed`, `withdrawn` or `merged`) known at the end of the range, from the journeys table: idea_id, type, at, seq. */
export function endings(sql: Sql): string {
  return `(SELECT idea_id, ended AS type, ended_at AS at, ended_seq AS seq FROM journeys WHERE ended_at IS NOT NULL AND ${sql.known('ended_')})`;
}

/**
 * An idea's submission, as reports read it: its first `submitted` event, from the journeys table:
 * idea_id, at, process, source (a journey's events all carry the process and source it started with).
 */
export function submissions(sql: Sql): string {
  return `(SELECT idea_id, submitted_at AS at, process, source FROM journeys WHERE submitted_at IS NOT NULL AND ${sql.known('submitted_')})`;
}

/** `stepsInOrder` in the database: each stage or gate of each process where it first appears. */
export async function stepsInDatabase(db: ReportDatabase, range: ReportRange, kind: 'stages' | 'gates'): Promise<StepRef[]> {
  const sql = new Sql(db, range);
  // The steps table holds each step's first appearance: a step appears before the range's end exactly when its first appearance does.
  const rows = await sql.rows(`SELECT process, id, stage, name FROM steps WHERE kind = ${sql.bind(kind)} AND ${sql.known()} ORDER BY at, idea_id, seq`);
  const byProcess = new Map<string, StepRef[]>();
  for (const row of rows) {
    const process = String(row.process);
    const id = String(row.id);
    const name = row.name === null || row.name === undefined ? id : String(row.name);
    const step: StepRef = kind === 'stages' ? { process, id, name } : { process, id, name, stage: row.stage === null ? undefined : String(row.stage) };
    byProcess.set(process, [...(byProcess.get(process) ?? []), step]);
  }
  return [...byProcess.values()].flat();
}

/** Every event of these ideas of these types known at the end of the range, read through the store (decrypted where it is sealed). */
export async function eventsOfIdeas(db: ReportDatabase, ideaIds: readonly string[], types: readonly EventType[], range: ReportRange): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  // Both backends take thousands of parameters; a few thousand ideas at a time stays well within.
  for (let start = 0; start < ideaIds.length; start += 5000) {
    events.push(...(await db.events({ ideaIds: ideaIds.slice(start, start + 5000), types, to: range.to })));
  }
  return events;
}

/**
 * People as the store reads them back: the readable values of a detail field, an address or an array
 * of them (pseudonyms in a sealed store), against the same field read through the store (decrypted);
 * only the events of `types` are read back, when given.
 */
export async function peopleAsRead(db: ReportDatabase, eventIds: readonly string[], field: string, types?: readonly EventType[]): Promise<Map<string, string>> {
  const people = new Map<string, string>();
  if (eventIds.length === 0) return people;
  const sql = new Sql(db, {});
  const rows = await sql.rows(`SELECT id, idea_id, detail FROM events WHERE id IN (${eventIds.map((id) => sql.bind(id)).join(', ')})`);
  const readable = new Map(rows.map((row) => [String(row.id), (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as Record<string, unknown>]));
  const ideaIds = [...new Set(rows.map((row) => String(row.idea_id)))];
  for (const event of await db.events({ ideaIds, ...(types ? { types } : {}) })) {
    const values = readable.get(event.id)?.[field];
    const read = event.detail[field];
    if (typeof values === 'string' && typeof read === 'string') people.set(values, read);
    if (!Array.isArray(values) || !Array.isArray(read)) continue;
    values.forEach((value, index) => people.set(String(value), String(read[index])));
  }
  return people;
}
