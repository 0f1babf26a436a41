import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Campaign, DataKey, PendingSubmission, EventFilter, NewOutboxMessage, OutboxFilter, OutboxMessage, Store, StoredEvent, WebhookDelivery, WebhookDeliveryFilter } from './index';
import { dataKeyFromRow, DEFAULT_OUTBOX_LIMIT, eventConditions, eventFromRow, isoTime, outboxConditions, outboxMessageFromRow, type DataKeyRow, type EventRow, type OutboxRow, type WebhookDeliveryRow, DEFAULT_WEBHOOK_LIMIT, webhookConditions, webhookDeliveryFromRow, webhookDeliveryParams, FILL_JOURNEYS, fillGateRounds, fillMilestones, fillDecisions, decisionsTables, fillRoundReviewers, fillSteps, milestonesTable, gateRoundsTables, maintainedUpdates, LATEST_COLUMNS, journeyParams, journeysTable, journeyUpdate, stepsTable, stepUpdate, campaignTables, campaignFromRow, campaignParams, INSERT_CAMPAIGN, INSERT_PENDING, pendingFromRow, pendingParams, type CampaignRow, type PendingSubmissionRow } from './rows';
import { ReaderLost, SqliteReaders } from './sqlite-readers';

/**
 * The embedded default: one SQLite file in the data folder. Data folders made before the
 * PostgreSQL backend carry on: the migrations are counted in `user_version`, as they always were.
 */
const MIGRATIONS = [
  `CREATE TABLE events (
     id TEXT PRIMARY KEY,
     idea_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     type TEXT NOT NULL,
     at TEXT NOT NULL,
     process TEXT NOT NULL,
     process_version INTEGER NOT NULL,
     source TEXT NOT NULL,
     stage TEXT,
     gate TEXT,
     round INTEGER,
     actor TEXT,
     detail TEXT NOT NULL
   );
   CREATE INDEX events_by_idea ON events (idea_id, seq);
   CREATE INDEX events_by_type_time ON events (type, at);
   CREATE TABLE outbox (
     id TEXT PRIMARY KEY,
     idea_id TEXT NOT NULL,
     purpose TEXT NOT NULL,
     to_email TEXT NOT NULL,
     to_name TEXT NOT NULL,
     subject TEXT NOT NULL,
     body TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX outbox_by_time ON outbox (created_at);`,
  `ALTER TABLE outbox ADD COLUMN html TEXT;
   ALTER TABLE outbox ADD COLUMN message_id TEXT;
   ALTER TABLE outbox ADD COLUMN sent_at TEXT;
   ALTER TABLE outbox ADD COLUMN rejection TEXT;`,
  `CREATE TABLE data_keys (
     name TEXT PRIMARY KEY,
     master_key_id TEXT NOT NULL,
     wrapped TEXT,
     created_at TEXT NOT NULL,
     destroyed_at TEXT
   );`,
  `CREATE TABLE webhook_deliveries (
     id TEXT PRIMARY KEY,
     event_id TEXT NOT NULL,
     idea_id TEXT NOT NULL,
     type TEXT NOT NULL,
     subscriber TEXT NOT NULL,
     outcome TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     last_status INTEGER,
     last_error TEXT,
     at TEXT NOT NULL
   );
   CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (at);
   CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id, subscriber);`,
  campaignTables('TEXT'),
];

/**
 * What reports' SQL reads by, made on every open (a store of any age gains them at once): the log
 * in time order, each idea's journey in its own order, and each gate round's decisions and votes
 * by type, idea, gate, round and voter (grouped without sorting).
 */
const REPORT_INDEXES = `CREATE INDEX IF NOT EXISTS events_by_time ON events (at, idea_id, seq);
   CREATE INDEX IF NOT EXISTS events_by_idea_time ON events (idea_id, at, seq);
   CREATE INDEX IF NOT EXISTS events_by_round ON events (type, idea_id, gate, round, actor, at);`;

export class SqliteStore implements Store {
  readonly dialect = 'sqlite';
  private readonly db: Database.Database;
  private readonly readers: SqliteReaders;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.readers = new SqliteReaders(file);
  }

  private migrate(): void {
    const applied = this.db.pragma('user_version', { simple: true }) as number;
    for (let version = applied; version < MIGRATIONS.length; version++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[version]!);
        this.db.pragma(`user_version = ${version + 1}`);
      })();
    }
    const table = (name: string) => this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
    // A folder of an early version may hold only the outbox.
    if (!table('events')) return;
    this.db.exec(REPORT_INDEXES);
    if (!table('journeys')) {
      this.db.transaction(() => {
        this.db.exec(journeysTable('TEXT', 'TEXT'));
        for (const fill of FILL_JOURNEYS) this.db.exec(fill);
      })();
    }
    if (!table('steps')) {
      this.db.transaction(() => {
        this.db.exec(stepsTable('TEXT', 'TEXT'));
        for (const fill of fillSteps('sqlite')) this.db.exec(fill);
      })();
    }
    // Gate rounds tables made before they kept the decision, or their copies, are made and filled again.
    const kept = (columns: readonly { table: string; column: string }[]) => columns.every(({ table, column }) => (this.db.prepare('SELECT 1 FROM pragma_table_info(?) WHERE name = ?').get(table, column) as unknown) !== undefined);
    if (!table('gate_rounds') || !kept(LATEST_COLUMNS.rounds)) {
      this.db.transaction(() => {
        this.db.exec('DROP TABLE IF EXISTS gate_rounds; DROP TABLE IF EXISTS round_reviewers');
        this.db.exec(gateRoundsTables('TEXT', 'TEXT'));
        for (const fill of fillGateRounds('sqlite')) this.db.exec(fill);
      })();
    }
    // So are milestones made before they kept their journey's submission.
    if (!table('milestones') || !kept(LATEST_COLUMNS.milestones)) {
      this.db.transaction(() => {
        this.db.exec('DROP TABLE IF EXISTS milestones');
        this.db.exec(milestonesTable('TEXT', 'TEXT'));
        for (const fill of fillMilestones('sqlite')) this.db.exec(fill);
      })();
    }
    if (!table('decisions')) {
      this.db.transaction(() => {
        this.db.exec(decisionsTables('TEXT', 'TEXT'));
        for (const fill of fillDecisions('sqlite')) this.db.exec(fill);
      })();
    }
  }

  /** The statements every append runs, each parsed once rather than once an event (better-sqlite3 keeps no cache of its own). */
  private readonly statements = new Map<string, Database.Statement>();

  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  async appendEvent(event: StoredEvent): Promise<boolean> {
    const journey = journeyUpdate(event.type);
    const step = stepUpdate(event.type, 'sqlite');
    const maintained = maintainedUpdates(event.type, 'sqlite');
    return this.db.transaction(() => {
      const result = this.prepared(
        `INSERT OR IGNORE INTO events (id, idea_id, seq, type, at, process, process_version, source, stage, gate, round, actor, detail)
         VALUES (@id, @ideaId, @seq, @type, @at, @process, @processVersion, @source, @stage, @gate, @round, @actor, @detail)`,
      ).run(eventParams(event));
      if (result.changes === 1 && journey) this.prepared(journey).run(...journeyParams(event));
      if (result.changes === 1 && step) this.prepared(step).run(event.id);
      if (result.changes === 1) for (const kept of maintained) this.prepared(kept).run(event.id);
      return result.changes === 1;
    })();
  }

  async rewriteEvents(filter: EventFilter, change: (event: StoredEvent) => StoredEvent | undefined): Promise<number> {
    const events = await this.events(filter);
    const update = this.db.prepare(`UPDATE events SET actor = @actor, detail = @detail WHERE id = @id`);
    let changed = 0;
    this.db.transaction(() => {
      for (const event of events) {
        const next = change(event);
        if (next) changed += update.run({ id: event.id, actor: next.actor ?? null, detail: JSON.stringify(next.detail) }).changes;
      }
      // The reviewers' table names people as the events did: filled again from the rewritten ones.
      if (changed > 0) {
        this.db.exec('DELETE FROM round_reviewers');
        for (const fill of fillRoundReviewers('sqlite')) this.db.exec(fill);
      }
    })();
    return changed;
  }

  async rewriteOutbox(change: (message: OutboxMessage) => OutboxMessage | null | undefined): Promise<number> {
    const rows = this.db.prepare('SELECT * FROM outbox').all() as OutboxRow[];
    const remove = this.db.prepare('DELETE FROM outbox WHERE id = ?');
    const update = this.db.prepare('UPDATE outbox SET to_email = ?, to_name = ?, subject = ?, body = ?, html = ? WHERE id = ?');
    let changed = 0;
    this.db.transaction(() => {
      for (const message of rows.map(outboxMessageFromRow)) {
        const next = change(message);
        if (next === null) changed += remove.run(message.id).changes;
        else if (next) changed += update.run(next.to.email, next.to.name, next.subject, next.text, next.html ?? null, message.id).changes;
      }
    })();
    return changed;
  }

  async dataKey(name: string): Promise<DataKey | undefined> {
    const row = this.db.prepare('SELECT * FROM data_keys WHERE name = ?').get(name) as DataKeyRow | undefined;
    return row && dataKeyFromRow(row);
  }

  async addDataKey(key: Omit<DataKey, 'destroyedAt'>): Promise<DataKey> {
    this.db.prepare('INSERT OR IGNORE INTO data_keys (name, master_key_id, wrapped, created_at) VALUES (?, ?, ?, ?)').run(key.name, key.masterKeyId, key.wrapped, isoTime(key.createdAt));
    return (await this.dataKey(key.name))!;
  }

  async dataKeyNames(prefix: string): Promise<string[]> {
    const rows = this.db.prepare('SELECT name FROM data_keys WHERE substr(name, 1, ?) = ? ORDER BY name').all(prefix.length, prefix) as { name: string }[];
    return rows.map((row) => row.name);
  }

  async destroyDataKey(name: string, at: string): Promise<boolean> {
    const result = this.db.prepare('UPDATE data_keys SET wrapped = NULL, destroyed_at = ? WHERE name = ? AND destroyed_at IS NULL').run(isoTime(at), name);
    return result.changes === 1;
  }

  async events(filter: EventFilter = {}): Promise<StoredEvent[]> {
    const params: unknown[] = [];
    const where = eventConditions(filter, (value) => (params.push(value), '?'));
    const rows = this.db.prepare(`SELECT * FROM events ${where} ORDER BY at, idea_id, seq`).all(...params) as EventRow[];
    return rows.map(eventFromRow);
  }

  /** A report's query, run on a reader thread (see SqliteReaders), or here when the thread is lost. */
  async select(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    try {
      return await this.readers.select(sql, params);
    } catch (err) {
      if (err instanceof ReaderLost) return this.db.prepare(sql).all(...params) as Record<string, unknown>[];
      throw err;
    }
  }

  async addToOutbox(message: NewOutboxMessage): Promise<boolean> {
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO outbox (id, idea_id, purpose, to_email, to_name, subject, body, html, message_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        message.id,
        message.ideaId,
        message.purpose,
        message.to.email,
        message.to.name,
        message.subject,
        message.text,
        message.html ?? null,
        message.messageId ?? null,
        message.createdAt,
      );
    return result.changes === 1;
  }

  async markSent(id: string, at: string): Promise<void> {
    this.db.prepare('UPDATE outbox SET sent_at = ? WHERE id = ?').run(at, id);
  }

  async markRejected(id: string, rejection: string): Promise<void> {
    this.db.prepare('UPDATE outbox SET rejection = ? WHERE id = ?').run(rejection, id);
  }

  async redactMessage(id: string, redacted: { text: string; html?: string }): Promise<void> {
    this.db.prepare('UPDATE outbox SET body = ?, html = ? WHERE id = ?').run(redacted.text, redacted.html ?? null, id);
  }

  async deleteMessagesBefore(before: string): Promise<number> {
    // Times are kept as the activity wrote them (ISO, UTC): compared as text, like the events.
    return this.db.prepare('DELETE FROM outbox WHERE created_at < ?').run(isoTime(before)).changes;
  }

  async outbox(filter: OutboxFilter = {}): Promise<OutboxMessage[]> {
    const params: unknown[] = [];
    const where = outboxConditions(filter, (value) => (params.push(value), '?'));
    const rows = this.db.prepare(`SELECT * FROM outbox ${where} ORDER BY created_at, rowid LIMIT ?`).all(...params, filter.limit ?? DEFAULT_OUTBOX_LIMIT) as OutboxRow[];
    return rows.map(outboxMessageFromRow);
  }

  async recordWebhookDelivery(delivery: WebhookDelivery): Promise<void> {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO webhook_deliveries (id, event_id, idea_id, type, subscriber, outcome, attempts, last_status, last_error, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...webhookDeliveryParams(delivery));
  }

  async webhookDeliveries(filter: WebhookDeliveryFilter = {}): Promise<WebhookDelivery[]> {
    const params: unknown[] = [];
    const where = webhookConditions(filter, (value) => (params.push(value), '?'));
    const rows = this.db.prepare(`SELECT * FROM webhook_deliveries ${where} ORDER BY at DESC, id DESC LIMIT ?`).all(...params, filter.limit ?? DEFAULT_WEBHOOK_LIMIT) as WebhookDeliveryRow[];
    return rows.map(webhookDeliveryFromRow);
  }

  async addCampaign(campaign: Campaign): Promise<boolean> {
    return this.db.prepare(INSERT_CAMPAIGN).run(...campaignParams(campaign)).changes === 1;
  }

  async campaign(id: string): Promise<Campaign | undefined> {
    const row = this.db.prepare('SELECT * FROM campaigns WHERE id = ?').get(id) as CampaignRow | undefined;
    return row && campaignFromRow(row);
  }

  async campaigns(): Promise<Campaign[]> {
    return (this.db.prepare('SELECT * FROM campaigns ORDER BY opens_at DESC, id').all() as CampaignRow[]).map(campaignFromRow);
  }

  async closeCampaign(id: string, at: string, by: string): Promise<boolean> {
    return this.db.prepare('UPDATE campaigns SET closed_at = ?, closed_by = ? WHERE id = ? AND closed_at IS NULL').run(isoTime(at), by, id).changes === 1;
  }

  async addPendingSubmission(pending: PendingSubmission): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM pending_submissions WHERE expires_at < ?').run(isoTime(pending.createdAt));
      this.db.prepare(INSERT_PENDING).run(...pendingParams(pending));
    })();
  }

  async pendingSubmission(id: string, now: string): Promise<PendingSubmission | undefined> {
    const row = this.db.prepare('SELECT * FROM pending_submissions WHERE id = ? AND expires_at >= ?').get(id, isoTime(now)) as PendingSubmissionRow | undefined;
    return row && pendingFromRow(row);
  }

  async countPendingSubmissions(email: string, now: string): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM pending_submissions WHERE email = ? AND expires_at >= ?').get(email, isoTime(now)) as { n: number }).n;
  }

  async deletePendingSubmission(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM pending_submissions WHERE id = ?').run(id).changes === 1;
  }

  async deletePendingSubmissionsOf(email: string): Promise<number> {
    return this.db.prepare('DELETE FROM pending_submissions WHERE email = ?').run(email).changes;
  }

  async close(): Promise<void> {
    await this.readers.close();
    this.db.close();
  }
}

function eventParams(event: StoredEvent) {
  return {
    ...event,
    // Times are compared as text here: one canonical form keeps the order and the ranges right.
    at: isoTime(event.at),
    stage: event.stage ?? null,
    gate: event.gate ?? null,
    round: event.round ?? null,
    actor: event.actor ?? null,
    detail: JSON.stringify(event.detail),
  };
}
