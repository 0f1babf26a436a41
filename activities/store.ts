import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { EventType } from '../workflows/state';

/**
 * The metrics store: the append-only events table and the local outbox, in one SQLite file of the
 * data folder. Inserts are idempotent on the row id, so a retried activity never counts twice.
 */

export interface StoredEvent {
  /** `<ideaId>:<seq>`: the same step of the same idea always gets the same id. */
  id: string;
  ideaId: string;
  seq: number;
  type: EventType;
  at: string;
  process: string;
  processVersion: number;
  source: string;
  stage?: string;
  gate?: string;
  round?: number;
  actor?: string;
  detail: Record<string, unknown>;
}

export interface OutboxMessage {
  /** Deterministic: idea, stage or gate, round, purpose, recipient and sequence. */
  id: string;
  ideaId: string;
  purpose: string;
  to: { email: string; name: string };
  subject: string;
  text: string;
  /** The email's HTML part; absent on messages kept before email. */
  html?: string;
  /** The email's Message-ID header, derived from the id, so a resent message is recognisable. */
  messageId?: string;
  createdAt: string;
  /** When the mail server accepted it; absent while it is only in the outbox. */
  sentAt?: string;
  /** The mail server's permanent refusal; such a message is never tried again. */
  rejection?: string;
}

export type NewOutboxMessage = Omit<OutboxMessage, 'sentAt' | 'rejection'>;

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
];

export class Store {
  private readonly db: Database.Database;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const applied = this.db.pragma('user_version', { simple: true }) as number;
    for (let version = applied; version < MIGRATIONS.length; version++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[version]!);
        this.db.pragma(`user_version = ${version + 1}`);
      })();
    }
  }

  /** Appends an event; false when it was already there (a retried activity). */
  appendEvent(event: StoredEvent): boolean {
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO events (id, idea_id, seq, type, at, process, process_version, source, stage, gate, round, actor, detail)
         VALUES (@id, @ideaId, @seq, @type, @at, @process, @processVersion, @source, @stage, @gate, @round, @actor, @detail)`,
      )
      .run({
        ...event,
        stage: event.stage ?? null,
        gate: event.gate ?? null,
        round: event.round ?? null,
        actor: event.actor ?? null,
        detail: JSON.stringify(event.detail),
      });
    return result.changes === 1;
  }

  events(filter: { ideaId?: string } = {}): StoredEvent[] {
    const rows = this.db
      .prepare(`SELECT * FROM events ${filter.ideaId ? 'WHERE idea_id = ?' : ''} ORDER BY at, idea_id, seq`)
      .all(...(filter.ideaId ? [filter.ideaId] : [])) as Record<string, unknown>[];
    return rows.map((row) => ({
      id: row.id as string,
      ideaId: row.idea_id as string,
      seq: row.seq as number,
      type: row.type as EventType,
      at: row.at as string,
      process: row.process as string,
      processVersion: row.process_version as number,
      source: row.source as string,
      stage: (row.stage as string | null) ?? undefined,
      gate: (row.gate as string | null) ?? undefined,
      round: (row.round as number | null) ?? undefined,
      actor: (row.actor as string | null) ?? undefined,
      detail: JSON.parse(row.detail as string) as Record<string, unknown>,
    }));
  }

  /** Keeps a message in the outbox; false when a retried send had already kept it. */
  addToOutbox(message: NewOutboxMessage): boolean {
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

  /** Records that the mail server accepted the message: a retried send skips it. */
  markSent(id: string, at: string): void {
    this.db.prepare('UPDATE outbox SET sent_at = ? WHERE id = ?').run(at, id);
  }

  /** Records the mail server's permanent refusal: a retried send does not try again. */
  markRejected(id: string, rejection: string): void {
    this.db.prepare('UPDATE outbox SET rejection = ? WHERE id = ?').run(rejection, id);
  }

  outbox(filter: { id?: string; ideaId?: string; to?: string; limit?: number } = {}): OutboxMessage[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.id) {
      where.push('id = ?');
      params.push(filter.id);
    }
    if (filter.ideaId) {
      where.push('idea_id = ?');
      params.push(filter.ideaId);
    }
    if (filter.to) {
      where.push('to_email = ?');
      params.push(filter.to.toLowerCase());
    }
    const rows = this.db
      .prepare(`SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, rowid LIMIT ?`)
      .all(...params, filter.limit ?? 1000) as Record<string, string | null>[];
    return rows.map((row) => ({
      id: row.id!,
      ideaId: row.idea_id!,
      purpose: row.purpose!,
      to: { email: row.to_email!, name: row.to_name! },
      subject: row.subject!,
      text: row.body!,
      html: row.html ?? undefined,
      messageId: row.message_id ?? undefined,
      createdAt: row.created_at!,
      sentAt: row.sent_at ?? undefined,
      rejection: row.rejection ?? undefined,
    }));
  }

  close(): void {
    this.db.close();
  }
}

export function storeFile(dataDir: string): string {
  return `${dataDir}/stagegate.db`;
}
