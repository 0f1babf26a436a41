import { Pool, type PoolClient } from 'pg';
import type { Campaign, DataKey, PendingSubmission, EventFilter, NewOutboxMessage, OutboxFilter, OutboxMessage, Store, StoredEvent, WebhookDelivery, WebhookDeliveryFilter } from './index';
import { dataKeyFromRow, DEFAULT_OUTBOX_LIMIT, eventConditions, eventFromRow, isoTime, outboxConditions, outboxMessageFromRow, StoreUnavailable, type DataKeyRow, type EventRow, type OutboxRow, type WebhookDeliveryRow, DEFAULT_WEBHOOK_LIMIT, webhookConditions, webhookDeliveryFromRow, webhookDeliveryParams, FILL_JOURNEYS, fillGateRounds, fillMilestones, fillDecisions, decisionsTables, fillRoundReviewers, fillSteps, milestonesTable, gateRoundsTables, maintainedUpdates, LATEST_COLUMNS, journeyParams, journeysTable, journeyUpdate, stepsTable, stepUpdate, campaignTables, campaignFromRow, campaignParams, INSERT_CAMPAIGN, INSERT_PENDING, pendingFromRow, pendingParams, type CampaignRow, type PendingSubmissionRow } from './rows';

/**
 * Production: the events and the outbox in PostgreSQL, shared by every worker and web process.
 * Ids and ideas sort byte by byte (`COLLATE "C"`), as in SQLite, whatever the database's locale.
 */
const MIGRATIONS = [
  `CREATE TABLE events (
     id TEXT COLLATE "C" PRIMARY KEY,
     idea_id TEXT COLLATE "C" NOT NULL,
     seq INTEGER NOT NULL,
     type TEXT NOT NULL,
     at TIMESTAMPTZ NOT NULL,
     process TEXT NOT NULL,
     process_version INTEGER NOT NULL,
     source TEXT NOT NULL,
     stage TEXT,
     gate TEXT,
     round INTEGER,
     actor TEXT,
     detail JSONB NOT NULL
   );
   CREATE INDEX events_by_idea ON events (idea_id, seq);
   CREATE INDEX events_by_time ON events (at, idea_id, seq);
   CREATE INDEX events_by_type_time ON events (type, at);
   CREATE TABLE outbox (
     id TEXT COLLATE "C" PRIMARY KEY,
     position BIGINT GENERATED ALWAYS AS IDENTITY,
     idea_id TEXT COLLATE "C" NOT NULL,
     purpose TEXT NOT NULL,
     to_email TEXT NOT NULL,
     to_name TEXT NOT NULL,
     subject TEXT NOT NULL,
     body TEXT NOT NULL,
     html TEXT,
     message_id TEXT,
     created_at TIMESTAMPTZ NOT NULL,
     sent_at TIMESTAMPTZ,
     rejection TEXT
   );
   CREATE INDEX outbox_by_time ON outbox (created_at, position);
   CREATE INDEX outbox_by_idea ON outbox (idea_id);`,
  `CREATE TABLE data_keys (
     name TEXT COLLATE "C" PRIMARY KEY,
     master_key_id TEXT NOT NULL,
     wrapped TEXT,
     created_at TIMESTAMPTZ NOT NULL,
     destroyed_at TIMESTAMPTZ
   );`,
  `CREATE TABLE webhook_deliveries (
     id TEXT COLLATE "C" PRIMARY KEY,
     event_id TEXT NOT NULL,
     idea_id TEXT NOT NULL,
     type TEXT NOT NULL,
     subscriber TEXT NOT NULL,
     outcome TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     last_status INTEGER,
     last_error TEXT,
     at TIMESTAMPTZ NOT NULL
   );
   CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (at);
   CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id, subscriber);`,
  campaignTables('TIMESTAMPTZ'),
];

/** What reports' SQL reads each idea's journey by, and each gate round's decisions and votes, made on every open (a store of any age gains them at once). */
const REPORT_INDEXES = `CREATE INDEX IF NOT EXISTS events_by_idea_time ON events (idea_id, at, seq);
   CREATE INDEX IF NOT EXISTS events_by_round ON events (type, idea_id, gate, round, actor, at)`;

/** Held while migrating, so workers starting at once apply each migration exactly once (one lock per database). */
const MIGRATION_LOCK = 0x73_74_61_67_65; // "stage"

export class PostgresStore implements Store {
  readonly dialect = 'postgres';
  private constructor(private readonly pool: Pool) {}

  /** Connects and brings the tables up to date; fails with the database named (never its password). */
  static async open(databaseUrl: string): Promise<PostgresStore> {
    // JIT off: the reports' estimates cross PostgreSQL's JIT threshold at a few thousand ideas, and compiling costs more than the query (0.3 to 0.5 s a report at 30,000 ideas).
    // A transaction whose client stopped hearing the server (a half-open link) is ended by the server after 10 s idle,
    // so its row locks do not hold back the retries of the same events for as long as the dead connection lingers.
    const pool = new Pool({ connectionString: databaseUrl, application_name: 'stagegate', options: '-c jit=off -c idle_in_transaction_session_timeout=10000', keepAlive: true });
    // An idle connection the server drops must not crash the process; the next query reconnects.
    pool.on('error', (err) => console.warn(`stagegate: a PostgreSQL connection of the events store failed: ${err.message}`));
    const store = new PostgresStore(pool);
    try {
      await store.migrate();
    } catch (err) {
      await pool.end();
      throw new StoreUnavailable(`The events store in PostgreSQL (${redacted(databaseUrl)}) is not usable: ${(err as Error).message}`, { cause: err });
    }
    return store;
  }

  /** Applies the missing migrations in one transaction, under a lock that a second worker starting at once waits for. */
  private async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS stagegate_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
      const { rows } = await client.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM stagegate_migrations');
      for (let version = rows[0]!.version; version < MIGRATIONS.length; version++) {
        await client.query(MIGRATIONS[version]!);
        await client.query('INSERT INTO stagegate_migrations (version) VALUES ($1)', [version + 1]);
      }
      await client.query(REPORT_INDEXES);
      const { rows: journeys } = await client.query<{ found: string | null }>(`SELECT to_regclass('journeys') AS found`);
      if (journeys[0]!.found === null) {
        await client.query(journeysTable('TIMESTAMPTZ', 'TEXT COLLATE "C"'));
        for (const fill of FILL_JOURNEYS) await client.query(fill);
      }
      const { rows: steps } = await client.query<{ found: string | null }>(`SELECT to_regclass('steps') AS found`);
      if (steps[0]!.found === null) {
        await client.query(stepsTable('TIMESTAMPTZ', 'TEXT COLLATE "C"'));
        for (const fill of fillSteps('postgres')) await client.query(fill);
      }
      // Gate rounds tables made before they kept the decision, or their copies, are made and filled again.
      const { rows: rounds } = await client.query<{ found: string | null }>(`SELECT to_regclass('gate_rounds') AS found`);
      const kept = async (columns: readonly { table: string; column: string }[]) => {
        const { rows: found } = await client.query(`SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1)`, [[...new Set(columns.map(({ table }) => table))]]);
        return columns.every(({ table, column }) => found.some((row) => row.table_name === table && row.column_name === column));
      };
      if (rounds[0]!.found === null || !(await kept(LATEST_COLUMNS.rounds))) {
        await client.query('DROP TABLE IF EXISTS gate_rounds; DROP TABLE IF EXISTS round_reviewers');
        await client.query(gateRoundsTables('TIMESTAMPTZ', 'TEXT COLLATE "C"'));
        for (const fill of fillGateRounds('postgres')) await client.query(fill);
        await client.query('ANALYZE gate_rounds; ANALYZE round_reviewers');
      }
      const { rows: milestones } = await client.query<{ found: string | null }>(`SELECT to_regclass('milestones') AS found`);
      // So are milestones made before they kept their journey's submission.
      if (milestones[0]!.found === null || !(await kept(LATEST_COLUMNS.milestones))) {
        await client.query('DROP TABLE IF EXISTS milestones');
        await client.query(milestonesTable('TIMESTAMPTZ', 'TEXT COLLATE "C"'));
        for (const fill of fillMilestones('postgres')) await client.query(fill);
        // Filled tables are measured at once: the reports' plans need their sizes before autovacuum comes by.
        await client.query('ANALYZE milestones; ANALYZE journeys; ANALYZE steps');
      }
      const { rows: decisions } = await client.query<{ found: string | null }>(`SELECT to_regclass('decisions') AS found`);
      if (decisions[0]!.found === null) {
        await client.query(decisionsTables('TIMESTAMPTZ', 'TEXT COLLATE "C"'));
        for (const fill of fillDecisions('postgres')) await client.query(fill);
        await client.query('ANALYZE decisions; ANALYZE vote_scores');
      }
    });
  }

  async appendEvent(event: StoredEvent): Promise<boolean> {
    const insert = `INSERT INTO events (id, idea_id, seq, type, at, process, process_version, source, stage, gate, round, actor, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb)
       ON CONFLICT (id) DO NOTHING`;
    const params = [
      event.id,
      event.ideaId,
      event.seq,
      event.type,
      isoTime(event.at),
      event.process,
      event.processVersion,
      event.source,
      event.stage ?? null,
      event.gate ?? null,
      event.round ?? null,
      event.actor ?? null,
      JSON.stringify(event.detail),
    ];
    const journey = journeyUpdate(event.type);
    const step = stepUpdate(event.type, 'postgres');
    const maintained = maintainedUpdates(event.type, 'postgres');
    if (!journey && !step && maintained.length === 0) return (await this.pool.query(insert, params)).rowCount === 1;
    // A submission or an end changes the idea's journey row too, a stage entered or a gate opened the steps table, a round's opening, decision or vote the gate rounds tables, a stage entered or an end the milestones table, and a decision or vote the decisions and vote scores tables, in the same transaction.
    return this.transaction(async (client) => {
      const added = (await client.query(insert, params)).rowCount === 1;
      let position = 0;
      if (added && journey) await client.query(journey.replace(/\?/g, () => `$${++position}`), journeyParams(event));
      if (added && step) await client.query(step.replace('?', '$1'), [event.id]);
      if (added) for (const kept of maintained) await client.query(kept.replace('?', '$1'), [event.id]);
      return added;
    });
  }

  async events(filter: EventFilter = {}): Promise<StoredEvent[]> {
    const params: unknown[] = [];
    const where = eventConditions(filter, (value) => `$${params.push(value)}`);
    const { rows } = await this.pool.query<EventRow>(`SELECT * FROM events ${where} ORDER BY at, idea_id, seq`, params);
    return rows.map(eventFromRow);
  }

  async select(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    let position = 0;
    return (await this.pool.query(sql.replace(/\?/g, () => `$${++position}`), [...params])).rows as Record<string, unknown>[];
  }

  async addToOutbox(message: NewOutboxMessage): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO outbox (id, idea_id, purpose, to_email, to_name, subject, body, html, message_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO NOTHING`,
      [message.id, message.ideaId, message.purpose, message.to.email, message.to.name, message.subject, message.text, message.html ?? null, message.messageId ?? null, isoTime(message.createdAt)],
    );
    return result.rowCount === 1;
  }

  async markSent(id: string, at: string): Promise<void> {
    await this.pool.query('UPDATE outbox SET sent_at = $1 WHERE id = $2', [isoTime(at), id]);
  }

  async markRejected(id: string, rejection: string): Promise<void> {
    await this.pool.query('UPDATE outbox SET rejection = $1 WHERE id = $2', [rejection, id]);
  }

  async redactMessage(id: string, redacted: { text: string; html?: string }): Promise<void> {
    await this.pool.query('UPDATE outbox SET body = $1, html = $2 WHERE id = $3', [redacted.text, redacted.html ?? null, id]);
  }

  async deleteMessagesBefore(before: string): Promise<number> {
    return (await this.pool.query('DELETE FROM outbox WHERE created_at < $1', [isoTime(before)])).rowCount ?? 0;
  }

  async outbox(filter: OutboxFilter = {}): Promise<OutboxMessage[]> {
    const params: unknown[] = [];
    const where = outboxConditions(filter, (value) => `$${params.push(value)}`);
    const limit = `$${params.push(filter.limit ?? DEFAULT_OUTBOX_LIMIT)}`;
    const { rows } = await this.pool.query<OutboxRow>(`SELECT * FROM outbox ${where} ORDER BY created_at, position LIMIT ${limit}`, params);
    return rows.map(outboxMessageFromRow);
  }

  async rewriteEvents(filter: EventFilter, change: (event: StoredEvent) => StoredEvent | undefined): Promise<number> {
    let changed = 0;
    for (const event of await this.events(filter)) {
      const next = change(event);
      if (!next) continue;
      const result = await this.pool.query('UPDATE events SET actor = $1, detail = $2::jsonb WHERE id = $3', [next.actor ?? null, JSON.stringify(next.detail), event.id]);
      changed += result.rowCount ?? 0;
    }
    // The reviewers' table names people as the events did: filled again from the rewritten ones.
    if (changed > 0) {
      await this.transaction(async (client) => {
        for (const statement of ['DELETE FROM round_reviewers', ...fillRoundReviewers('postgres')]) await client.query(statement);
      });
    }
    return changed;
  }

  /** Runs `work` in one transaction on one connection: committed if it succeeds, rolled back if it throws. */
  private async transaction<Result>(work: (client: PoolClient) => Promise<Result>): Promise<Result> {
    const client = await this.pool.connect();
    // A connection the server ends while it is checked out (its idle transaction timed out) reports here, not on the pool.
    const failed = (err: Error) => console.warn(`stagegate: a PostgreSQL connection of the events store failed mid-transaction: ${err.message}`);
    client.on('error', failed);
    let result: Result;
    try {
      await client.query('BEGIN');
      result = await work(client);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      // A connection that failed mid-transaction is not handed to the next caller.
      client.off('error', failed);
      client.release(err as Error);
      throw err;
    }
    client.off('error', failed);
    client.release();
    return result;
  }

  async rewriteOutbox(change: (message: OutboxMessage) => OutboxMessage | null | undefined): Promise<number> {
    const { rows } = await this.pool.query<OutboxRow>('SELECT * FROM outbox');
    let changed = 0;
    for (const message of rows.map(outboxMessageFromRow)) {
      const next = change(message);
      if (next === undefined) continue;
      const result =
        next === null
          ? await this.pool.query('DELETE FROM outbox WHERE id = $1', [message.id])
          : await this.pool.query('UPDATE outbox SET to_email = $1, to_name = $2, subject = $3, body = $4, html = $5 WHERE id = $6', [next.to.email, next.to.name, next.subject, next.text, next.html ?? null, message.id]);
      changed += result.rowCount ?? 0;
    }
    return changed;
  }

  async dataKey(name: string): Promise<DataKey | undefined> {
    const { rows } = await this.pool.query<DataKeyRow>('SELECT * FROM data_keys WHERE name = $1', [name]);
    return rows[0] && dataKeyFromRow(rows[0]);
  }

  async addDataKey(key: Omit<DataKey, 'destroyedAt'>): Promise<DataKey> {
    await this.pool.query('INSERT INTO data_keys (name, master_key_id, wrapped, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING', [key.name, key.masterKeyId, key.wrapped, isoTime(key.createdAt)]);
    return (await this.dataKey(key.name))!;
  }

  async dataKeyNames(prefix: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ name: string }>('SELECT name FROM data_keys WHERE left(name, $1) = $2 ORDER BY name', [prefix.length, prefix]);
    return rows.map((row) => row.name);
  }

  async destroyDataKey(name: string, at: string): Promise<boolean> {
    const result = await this.pool.query('UPDATE data_keys SET wrapped = NULL, destroyed_at = $1 WHERE name = $2 AND destroyed_at IS NULL', [isoTime(at), name]);
    return result.rowCount === 1;
  }

  async recordWebhookDelivery(delivery: WebhookDelivery): Promise<void> {
    await this.pool.query(
      `INSERT INTO webhook_deliveries (id, event_id, idea_id, type, subscriber, outcome, attempts, last_status, last_error, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO UPDATE SET outcome = EXCLUDED.outcome, attempts = EXCLUDED.attempts, last_status = EXCLUDED.last_status, last_error = EXCLUDED.last_error, at = EXCLUDED.at`,
      webhookDeliveryParams(delivery),
    );
  }

  async webhookDeliveries(filter: WebhookDeliveryFilter = {}): Promise<WebhookDelivery[]> {
    const params: unknown[] = [];
    const where = webhookConditions(filter, (value) => `$${params.push(value)}`);
    const limit = `$${params.push(filter.limit ?? DEFAULT_WEBHOOK_LIMIT)}`;
    const { rows } = await this.pool.query<WebhookDeliveryRow>(`SELECT * FROM webhook_deliveries ${where} ORDER BY at DESC, id DESC LIMIT ${limit}`, params);
    return rows.map(webhookDeliveryFromRow);
  }

  async addCampaign(campaign: Campaign): Promise<boolean> {
    return (await this.select(INSERT_CAMPAIGN + ' RETURNING id', campaignParams(campaign))).length === 1;
  }

  async campaign(id: string): Promise<Campaign | undefined> {
    const { rows } = await this.pool.query<CampaignRow>('SELECT * FROM campaigns WHERE id = $1', [id]);
    return rows[0] && campaignFromRow(rows[0]);
  }

  async campaigns(): Promise<Campaign[]> {
    const { rows } = await this.pool.query<CampaignRow>('SELECT * FROM campaigns ORDER BY opens_at DESC, id');
    return rows.map(campaignFromRow);
  }

  async closeCampaign(id: string, at: string, by: string): Promise<boolean> {
    return (await this.pool.query('UPDATE campaigns SET closed_at = $1, closed_by = $2 WHERE id = $3 AND closed_at IS NULL', [isoTime(at), by, id])).rowCount === 1;
  }

  async addPendingSubmission(pending: PendingSubmission): Promise<void> {
    await this.pool.query('DELETE FROM pending_submissions WHERE expires_at < $1', [isoTime(pending.createdAt)]);
    await this.select(INSERT_PENDING, pendingParams(pending));
  }

  async pendingSubmission(id: string, now: string): Promise<PendingSubmission | undefined> {
    const { rows } = await this.pool.query<PendingSubmissionRow>('SELECT * FROM pending_submissions WHERE id = $1 AND expires_at >= $2', [id, isoTime(now)]);
    return rows[0] && pendingFromRow(rows[0]);
  }

  async countPendingSubmissions(email: string, now: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM pending_submissions WHERE email = $1 AND expires_at >= $2', [email, isoTime(now)]);
    return Number(rows[0]!.n);
  }

  async deletePendingSubmission(id: string): Promise<boolean> {
    return (await this.pool.query('DELETE FROM pending_submissions WHERE id = $1', [id])).rowCount === 1;
  }

  async deletePendingSubmissionsOf(email: string): Promise<number> {
    return (await this.pool.query('DELETE FROM pending_submissions WHERE email = $1', [email])).rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** The database's address for messages: the password never appears in a log. */
function redacted(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'an unreadable DATABASE_URL';
  }
}
