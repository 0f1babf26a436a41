import type { EventType } from '../workflows/state';
import type { Campaign, CampaignAudience, DataKey, EventFilter, PendingSubmission, OutboxFilter, OutboxMessage, StoredEvent, WebhookDelivery, WebhookDeliveryFilter } from './index';

// What both backends share: the filters' SQL and reading their rows back.

/** The store cannot be opened (PostgreSQL unreachable, refused, or its tables cannot be brought up to date). */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
}

/** The same instant as the canonical ISO string both backends store and compare. */
export function isoTime(time: string): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) throw new RangeError(`expected an ISO time, got "${time}"`);
  return date.toISOString();
}

/** Adds a parameter to the query and returns its placeholder (`?` in SQLite, `$n` in PostgreSQL). */
type Bind = (value: unknown) => string;

/** The WHERE clause of an events query, the same SQL on both backends. */
export function eventConditions(filter: EventFilter, bind: Bind): string {
  const where: string[] = [];
  if (filter.ideaId) where.push(`idea_id = ${bind(filter.ideaId)}`);
  if (filter.from) where.push(`at >= ${bind(isoTime(filter.from))}`);
  if (filter.to) where.push(`at < ${bind(isoTime(filter.to))}`);
  if (filter.types) where.push(filter.types.length ? `type IN (${filter.types.map(bind).join(', ')})` : '1 = 0');
  if (filter.ideaIds) where.push(filter.ideaIds.length ? `idea_id IN (${filter.ideaIds.map(bind).join(', ')})` : '1 = 0');
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

export function outboxConditions(filter: OutboxFilter, bind: Bind): string {
  const where: string[] = [];
  if (filter.id) where.push(`id = ${bind(filter.id)}`);
  if (filter.ideaId) where.push(`idea_id = ${bind(filter.ideaId)}`);
  if (filter.to) where.push(`to_email = ${bind(filter.to.toLowerCase())}`);
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

export const DEFAULT_OUTBOX_LIMIT = 1000;

/** A row of the events table as either backend returns it: SQLite keeps times and JSON as text. */
export interface EventRow {
  id: string;
  idea_id: string;
  seq: number;
  type: string;
  at: string | Date;
  process: string;
  process_version: number;
  source: string;
  stage: string | null;
  gate: string | null;
  round: number | null;
  actor: string | null;
  detail: string | Record<string, unknown>;
}

export function eventFromRow(row: EventRow): StoredEvent {
  return {
    id: row.id,
    ideaId: row.idea_id,
    seq: row.seq,
    type: row.type as EventType,
    at: row.at instanceof Date ? row.at.toISOString() : row.at,
    process: row.process,
    processVersion: row.process_version,
    source: row.source,
    stage: row.stage ?? undefined,
    gate: row.gate ?? undefined,
    round: row.round ?? undefined,
    actor: row.actor ?? undefined,
    detail: typeof row.detail === 'string' ? (JSON.parse(row.detail) as Record<string, unknown>) : row.detail,
  };
}

export interface OutboxRow {
  id: string;
  idea_id: string;
  purpose: string;
  to_email: string;
  to_name: string;
  subject: string;
  body: string;
  html: string | null;
  message_id: string | null;
  created_at: string | Date;
  sent_at: string | Date | null;
  rejection: string | null;
}

const isoOf = (time: string | Date) => (time instanceof Date ? time.toISOString() : time);

export function outboxMessageFromRow(row: OutboxRow): OutboxMessage {
  return {
    id: row.id,
    ideaId: row.idea_id,
    purpose: row.purpose,
    to: { email: row.to_email, name: row.to_name },
    subject: row.subject,
    text: row.body,
    html: row.html ?? undefined,
    messageId: row.message_id ?? undefined,
    createdAt: isoOf(row.created_at),
    sentAt: row.sent_at === null ? undefined : isoOf(row.sent_at),
    rejection: row.rejection ?? undefined,
  };
}

export interface DataKeyRow {
  name: string;
  master_key_id: string;
  wrapped: string | null;
  created_at: string | Date;
  destroyed_at: string | Date | null;
}

export function dataKeyFromRow(row: DataKeyRow): DataKey {
  return {
    name: row.name,
    masterKeyId: row.master_key_id,
    wrapped: row.wrapped,
    createdAt: isoOf(row.created_at),
    ...(row.destroyed_at === null ? {} : { destroyedAt: isoOf(row.destroyed_at) }),
  };
}

export const DEFAULT_WEBHOOK_LIMIT = 100;

export function webhookConditions(filter: WebhookDeliveryFilter, bind: Bind): string {
  const where: string[] = [];
  if (filter.id) where.push(`id = ${bind(filter.id)}`);
  // A dead letter that a resend delivered since is settled: no longer listed as failed.
  if (filter.failed) {
    where.push(`outcome = 'failed' AND NOT EXISTS (SELECT 1 FROM webhook_deliveries later WHERE later.event_id = webhook_deliveries.event_id AND later.subscriber = webhook_deliveries.subscriber AND later.outcome = 'delivered')`);
  }
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

export interface WebhookDeliveryRow {
  id: string;
  event_id: string;
  idea_id: string;
  type: string;
  subscriber: string;
  outcome: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  at: string | Date;
}

export function webhookDeliveryParams(delivery: WebhookDelivery): unknown[] {
  return [delivery.id, delivery.eventId, delivery.ideaId, delivery.type, delivery.subscriber, delivery.outcome, delivery.attempts, delivery.lastStatus ?? null, delivery.lastError ?? null, isoTime(delivery.at)];
}

export function webhookDeliveryFromRow(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    ideaId: row.idea_id,
    type: row.type as WebhookDelivery['type'],
    subscriber: row.subscriber,
    outcome: row.outcome as WebhookDelivery['outcome'],
    attempts: row.attempts,
    ...(row.last_status === null ? {} : { lastStatus: row.last_status }),
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    at: isoOf(row.at),
  };
}

/**
 * The journeys table: one row per idea, its submission and its end (the first `submitted` and the
 * first `launched`, `killed`, `withdrawn` or `merged`, in the journey's order), kept by `appendEvent` in the
 * same transaction as the event, so reports count ideas without reading their events. Made and
 * filled from the events once, when a store without it is opened.
 */
export function journeysTable(time: string, id: string): string {
  return `CREATE TABLE journeys (
     idea_id ${id} PRIMARY KEY,
     process TEXT NOT NULL,
     source TEXT NOT NULL,
     submitted_at ${time},
     submitted_seq INTEGER,
     ended TEXT,
     ended_at ${time},
     ended_seq INTEGER
   );
   CREATE INDEX journeys_by_submission ON journeys (submitted_at);
   CREATE INDEX journeys_by_end ON journeys (ended_at)`;
}

const ENDING_TYPES = `'launched', 'killed', 'withdrawn', 'merged'`;
/** The types that end a journey, as a list. */
const ENDED = ENDING_TYPES.split(', ').map((type) => type.slice(1, -1));
const firstOfEachIdea = (types: string) => `SELECT idea_id, type, at, seq, process, source FROM (
    SELECT idea_id, type, at, seq, process, source, ROW_NUMBER() OVER (PARTITION BY idea_id ORDER BY at, seq) AS n FROM events WHERE type IN (${types})
  ) AS firsts WHERE n = 1`;

/** Fills the journeys table from the events: the same rows `appendEvent` would have kept. */
export const FILL_JOURNEYS = [
  `INSERT INTO journeys (idea_id, process, source, submitted_at, submitted_seq) SELECT idea_id, process, source, at, seq FROM (${firstOfEachIdea(`'submitted'`)}) AS submissions WHERE true`,
  `INSERT INTO journeys (idea_id, process, source, ended, ended_at, ended_seq) SELECT idea_id, process, source, type, at, seq FROM (${firstOfEachIdea(ENDING_TYPES)}) AS ends WHERE true
   ON CONFLICT (idea_id) DO UPDATE SET ended = excluded.ended, ended_at = excluded.ended_at, ended_seq = excluded.ended_seq`,
];

/**
 * What an event changes in the journeys table, if anything: its parameters are the idea, process,
 * source, type, time and sequence. An earlier one (events may arrive in any order) replaces a later.
 */
export function journeyUpdate(type: string): string | undefined {
  const earlier = (column: string) => `journeys.${column}_at IS NULL OR excluded.${column}_at < journeys.${column}_at OR (excluded.${column}_at = journeys.${column}_at AND excluded.${column}_seq < journeys.${column}_seq)`;
  if (type === 'submitted') {
    return `INSERT INTO journeys (idea_id, process, source, submitted_at, submitted_seq) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (idea_id) DO UPDATE SET process = excluded.process, source = excluded.source, submitted_at = excluded.submitted_at, submitted_seq = excluded.submitted_seq WHERE ${earlier('submitted')}`;
  }
  if (ENDED.includes(type)) {
    return `INSERT INTO journeys (idea_id, process, source, ended, ended_at, ended_seq) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (idea_id) DO UPDATE SET ended = excluded.ended, ended_at = excluded.ended_at, ended_seq = excluded.ended_seq WHERE ${earlier('ended')}`;
  }
  return undefined;
}

/** The parameters of `journeyUpdate` for an event. */
export function journeyParams(event: { ideaId: string; process: string; source: string; type: string; at: string; seq: number }): unknown[] {
  const at = isoTime(event.at);
  return event.type === 'submitted' ? [event.ideaId, event.process, event.source, at, event.seq] : [event.ideaId, event.process, event.source, event.type, at, event.seq];
}

/**
 * The steps table: each stage and gate of each process where it first appears (its first
 * `stage_entered` or `gate_opened`, in the log's order: time, idea, sequence), with the stage a
 * gate closes and the name that event carries, so reports order their rows without reading the
 * log. Kept by `appendEvent` like the journeys table, and made and filled once the same way.
 */
export function stepsTable(time: string, id: string): string {
  return `CREATE TABLE steps (
     kind TEXT NOT NULL,
     process TEXT NOT NULL,
     id TEXT NOT NULL,
     stage TEXT,
     name TEXT,
     at ${time} NOT NULL,
     idea_id ${id} NOT NULL,
     seq INTEGER NOT NULL,
     PRIMARY KEY (kind, process, id)
   )`;
}

const STEP_KINDS = { stage_entered: ['stages', 'stage'], gate_opened: ['gates', 'gate'] } as const;
const stepName = (dialect: 'sqlite' | 'postgres') => (dialect === 'sqlite' ? `json_extract(detail, '$.name')` : `(detail->>'name')`);

/** Fills the steps table from the events: the same rows `appendEvent` would have kept. */
export function fillSteps(dialect: 'sqlite' | 'postgres'): string[] {
  return Object.entries(STEP_KINDS).map(
    ([type, [kind, column]]) => `INSERT INTO steps (kind, process, id, stage, name, at, idea_id, seq)
     SELECT '${kind}', process, id, stage, name, at, idea_id, seq FROM (
       SELECT process, ${column} AS id, stage, ${stepName(dialect)} AS name, at, idea_id, seq, ROW_NUMBER() OVER (PARTITION BY process, ${column} ORDER BY at, idea_id, seq) AS n
       FROM events WHERE type = '${type}' AND ${column} IS NOT NULL
     ) AS firsts WHERE n = 1`,
  );
}

/** What an event just stored changes in the steps table, if anything: its one parameter is the event's id. An earlier appearance replaces a later. */
export function stepUpdate(type: string, dialect: 'sqlite' | 'postgres'): string | undefined {
  const step = STEP_KINDS[type as keyof typeof STEP_KINDS];
  if (!step) return undefined;
  const [kind, column] = step;
  return `INSERT INTO steps (kind, process, id, stage, name, at, idea_id, seq)
    SELECT '${kind}', process, ${column}, stage, ${stepName(dialect)}, at, idea_id, seq FROM events WHERE id = ? AND ${column} IS NOT NULL
    ON CONFLICT (kind, process, id) DO UPDATE SET stage = excluded.stage, name = excluded.name, at = excluded.at, idea_id = excluded.idea_id, seq = excluded.seq
    WHERE (excluded.at, excluded.idea_id, excluded.seq) < (steps.at, steps.idea_id, steps.seq)`;
}

/** The campaigns table and the submissions held for confirmation: the same on both backends but for the time type. */
export function campaignTables(time: string): string {
  return `CREATE TABLE campaigns (
     id TEXT PRIMARY KEY,
     question TEXT NOT NULL,
     description TEXT NOT NULL,
     audience TEXT NOT NULL,
     opens_at ${time} NOT NULL,
     closes_at ${time},
     process TEXT,
     goals TEXT NOT NULL,
     created_at ${time} NOT NULL,
     created_by TEXT NOT NULL,
     closed_at ${time},
     closed_by TEXT
   );
   CREATE TABLE pending_submissions (
     id TEXT PRIMARY KEY,
     email TEXT NOT NULL,
     campaign TEXT,
     submission TEXT NOT NULL,
     created_at ${time} NOT NULL,
     expires_at ${time} NOT NULL
   );
   CREATE INDEX pending_submissions_by_email ON pending_submissions (email, expires_at);
   CREATE INDEX pending_submissions_by_expiry ON pending_submissions (expires_at);`;
}

export interface CampaignRow {
  id: string;
  question: string;
  description: string;
  audience: string;
  opens_at: string | Date;
  closes_at: string | Date | null;
  process: string | null;
  goals: string;
  created_at: string | Date;
  created_by: string;
  closed_at: string | Date | null;
  closed_by: string | null;
}

export function campaignParams(campaign: Campaign): unknown[] {
  return [campaign.id, campaign.question, campaign.description, JSON.stringify(campaign.audience), isoTime(campaign.opensAt), campaign.closesAt === undefined ? null : isoTime(campaign.closesAt), campaign.process ?? null, JSON.stringify(campaign.goals), isoTime(campaign.createdAt), campaign.createdBy];
}

export const INSERT_CAMPAIGN = 'INSERT INTO campaigns (id, question, description, audience, opens_at, closes_at, process, goals, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING';

export function campaignFromRow(row: CampaignRow): Campaign {
  return {
    id: row.id,
    question: row.question,
    description: row.description,
    audience: JSON.parse(row.audience) as CampaignAudience[],
    opensAt: isoOf(row.opens_at),
    ...(row.closes_at === null ? {} : { closesAt: isoOf(row.closes_at) }),
    ...(row.process === null ? {} : { process: row.process }),
    goals: JSON.parse(row.goals) as string[],
    createdAt: isoOf(row.created_at),
    createdBy: row.created_by,
    ...(row.closed_at === null ? {} : { closedAt: isoOf(row.closed_at) }),
    ...(row.closed_by === null ? {} : { closedBy: row.closed_by }),
  };
}

export interface PendingSubmissionRow {
  id: string;
  email: string;
  campaign: string | null;
  submission: string;
  created_at: string | Date;
  expires_at: string | Date;
}

export const INSERT_PENDING = 'INSERT INTO pending_submissions (id, email, campaign, submission, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING';

export function pendingParams(pending: PendingSubmission): unknown[] {
  return [pending.id, pending.email, pending.campaign ?? null, JSON.stringify(pending.submission), isoTime(pending.createdAt), isoTime(pending.expiresAt)];
}

export function pendingFromRow(row: PendingSubmissionRow): PendingSubmission {
  return {
    id: row.id,
    email: row.email,
    ...(row.campaign === null ? {} : { campaign: row.campaign }),
    submission: JSON.parse(row.submission) as Record<string, unknown>,
    createdAt: isoOf(row.created_at),
    expiresAt: isoOf(row.expires_at),
  };
}

/**
 * The gate rounds tables, so time to decision reads one row per round and per reviewer asked
 * instead of each round's events: `gate_rounds`, one row per gate round (idea, gate, round) with its
 * opening (the latest `gate_opened` of the round) and its decision (the latest `decided`, and the decision it took), each with
 * how many of them the log holds; and `round_reviewers`, one row per round and person asked in it
 * (`asked`, from an opening's reviewers) or voting in it, with their latest vote and how many they
 * cast. Each round also holds a copy of its journey's submission and end (the journeys table's), and
 * marks whether it is its idea's round decided last at its gate (`last_decision`); each reviewer's
 * row holds a copy of its round's opening, decision and end. So time to decision reads one table for
 * each of its two groupings instead of joining every reviewer to its round and every round to its
 * journey (those joins were most of its time at 30,000 ideas), and the funnel counts its cohort's last
 * decisions from one table. The copies are made again after every change to what they copy (see
 * `copyUpdates`). Kept by `appendEvent` like the journeys table, whatever order the events arrive in, and made
 * and filled once the same way; the reviewers are filled again after the events are rewritten
 * (erasure), which changes who they name. Indexed by gate and by reviewer, as time to decision groups
 * them, so SQLite reads each group in order instead of sorting every round.
 */
export function gateRoundsTables(time: string, id: string): string {
  return `CREATE TABLE gate_rounds (
     idea_id ${id} NOT NULL,
     gate TEXT NOT NULL,
     round INTEGER NOT NULL,
     process TEXT NOT NULL,
     opened_id ${id},
     opened_at ${time},
     opened_seq INTEGER,
     openings INTEGER NOT NULL,
     decided_at ${time},
     decided_seq INTEGER,
     decision TEXT,
     decisions INTEGER NOT NULL,
     last_decision INTEGER,
     submitted_at ${time},
     ended_at ${time},
     ended_seq INTEGER,
     PRIMARY KEY (idea_id, gate, round)
   );
   CREATE TABLE round_reviewers (
     idea_id ${id} NOT NULL,
     gate TEXT NOT NULL,
     round INTEGER NOT NULL,
     reviewer TEXT NOT NULL,
     asked INTEGER NOT NULL,
     voted_at ${time},
     votes INTEGER NOT NULL,
     opened_id ${id},
     opened_at ${time},
     opened_seq INTEGER,
     decided_at ${time},
     decisions INTEGER,
     ended_at ${time},
     ended_seq INTEGER,
     PRIMARY KEY (idea_id, gate, round, reviewer)
   );
   CREATE INDEX gate_rounds_by_gate ON gate_rounds (process, gate, opened_at, decided_at, opened_seq, idea_id, decisions, round, decided_seq, decision, ended_at, ended_seq, submitted_at, last_decision);
   CREATE INDEX round_reviewers_by_reviewer ON round_reviewers (reviewer, asked, opened_at, voted_at, decided_at, ended_at, opened_seq, ended_seq, opened_id, votes, decisions, idea_id, gate, round)`;
}

/** Columns that older gate rounds and milestones tables lack (the round's decision, then the copies: see `gateRoundsTables` and `milestonesTable`): a store whose tables lack one makes and fills them again. */
export const LATEST_COLUMNS = {
  rounds: [
    { table: 'gate_rounds', column: 'decision' },
    { table: 'gate_rounds', column: 'last_decision' },
    { table: 'gate_rounds', column: 'submitted_at' },
    { table: 'round_reviewers', column: 'ended_seq' },
  ],
  milestones: [{ table: 'milestones', column: 'submitted_at' }],
} as const;

/** Rows of every idea (`which` = 'true'), or of one event's idea (the statement's one parameter is the event's id). */
const ofIdea = (which: 'true' | 'event', table: string) => (which === 'true' ? 'true' : `${table}.idea_id = (SELECT idea_id FROM events WHERE id = ?)`);

/** Copies each journey's submission and end onto its rounds. */
const journeyOnRounds = (which: 'true' | 'event') =>
  `UPDATE gate_rounds SET submitted_at = j.submitted_at, ended_at = j.ended_at, ended_seq = j.ended_seq FROM journeys AS j WHERE j.idea_id = gate_rounds.idea_id AND ${ofIdea(which, 'j')}`;

/** Marks each idea's round decided last at each gate (1, else 0): the funnel reads a gate's last decisions without comparing every round with the others. */
const lastDecisions = (which: 'true' | 'event') =>
  `UPDATE gate_rounds SET last_decision = CASE WHEN decided_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM gate_rounds AS later WHERE later.idea_id = gate_rounds.idea_id AND later.gate = gate_rounds.gate AND later.decided_at IS NOT NULL AND (later.decided_at, later.decided_seq) > (gate_rounds.decided_at, gate_rounds.decided_seq)) THEN 1 ELSE 0 END
   WHERE ${ofIdea(which, 'gate_rounds')}`;

/** Copies each round's opening, decision and end onto its reviewers' rows. */
const roundOnReviewers = (which: 'true' | 'event') =>
  `UPDATE round_reviewers SET opened_id = r.opened_id, opened_at = r.opened_at, opened_seq = r.opened_seq, decided_at = r.decided_at, decisions = r.decisions, ended_at = r.ended_at, ended_seq = r.ended_seq
   FROM gate_rounds AS r WHERE r.idea_id = round_reviewers.idea_id AND r.gate = round_reviewers.gate AND r.round = round_reviewers.round AND ${ofIdea(which, 'r')}`;

/** Copies each journey's submission onto its milestones. */
const journeyOnMilestones = (which: 'true' | 'event') => `UPDATE milestones SET submitted_at = j.submitted_at FROM journeys AS j WHERE j.idea_id = milestones.idea_id AND ${ofIdea(which, 'j')}`;

type SqlDialect = 'sqlite' | 'postgres';
const decisionOf = (dialect: SqlDialect) => (dialect === 'sqlite' ? `json_extract(detail, '$.decision')` : `(detail->>'decision')`);
const reviewersOf = (dialect: SqlDialect) => (dialect === 'sqlite' ? `json_each(e.detail, '$.reviewers') AS person` : `jsonb_array_elements_text(e.detail->'reviewers') AS person(value)`);
const ROUND = `gate IS NOT NULL AND round IS NOT NULL`;
const latest = (table: string, column: string) => `${table}.${column}_at IS NULL OR excluded.${column}_at > ${table}.${column}_at OR (excluded.${column}_at = ${table}.${column}_at AND excluded.${column}_seq > ${table}.${column}_seq)`;
const ifLatest = (table: string, column: string, value: string) => `CASE WHEN ${latest(table, column)} THEN excluded.${value} ELSE ${table}.${value} END`;
const laterVote = `CASE WHEN round_reviewers.voted_at IS NULL OR excluded.voted_at > round_reviewers.voted_at THEN excluded.voted_at ELSE round_reviewers.voted_at END`;

/** Who each round asked, from its openings' reviewers. */
const askedIn = (dialect: SqlDialect, which: string) => `INSERT INTO round_reviewers (idea_id, gate, round, reviewer, asked, votes)
   SELECT DISTINCT e.idea_id, e.gate, e.round, person.value, 1, 0 FROM events AS e, ${reviewersOf(dialect)} WHERE ${which} AND e.type = 'gate_opened' AND e.gate IS NOT NULL AND e.round IS NOT NULL
   ON CONFLICT (idea_id, gate, round, reviewer) DO UPDATE SET asked = 1`;

/** Fills the reviewers' table from the events: the same rows `appendEvent` would have kept. */
export function fillRoundReviewers(dialect: SqlDialect): string[] {
  return [
    askedIn(dialect, 'true'),
    `INSERT INTO round_reviewers (idea_id, gate, round, reviewer, asked, voted_at, votes)
     SELECT idea_id, gate, round, actor, 0, max(at), count(*) FROM events WHERE type = 'vote_cast' AND actor IS NOT NULL AND ${ROUND} GROUP BY idea_id, gate, round, actor
     ON CONFLICT (idea_id, gate, round, reviewer) DO UPDATE SET voted_at = excluded.voted_at, votes = excluded.votes`,
    roundOnReviewers('true'),
  ];
}

/** Fills the gate rounds tables from the events: the same rows `appendEvent` would have kept. */
export function fillGateRounds(dialect: SqlDialect): string[] {
  const lastOf = (type: string) => `SELECT idea_id, gate, round, process, id, at, seq, decision, count FROM (
       SELECT idea_id, gate, round, process, id, at, seq, ${decisionOf(dialect)} AS decision, count(*) OVER (PARTITION BY idea_id, gate, round) AS count, ROW_NUMBER() OVER (PARTITION BY idea_id, gate, round ORDER BY at DESC, seq DESC) AS n
       FROM events WHERE type = '${type}' AND ${ROUND}
     ) AS lasts WHERE n = 1`;
  return [
    `INSERT INTO gate_rounds (idea_id, gate, round, process, opened_id, opened_at, opened_seq, openings, decisions) SELECT idea_id, gate, round, process, id, at, seq, count, 0 FROM (${lastOf('gate_opened')}) AS openings WHERE true`,
    `INSERT INTO gate_rounds (idea_id, gate, round, process, decided_at, decided_seq, decision, decisions, openings) SELECT idea_id, gate, round, process, at, seq, decision, count, 0 FROM (${lastOf('decided')}) AS decisions WHERE true
     ON CONFLICT (idea_id, gate, round) DO UPDATE SET decided_at = excluded.decided_at, decided_seq = excluded.decided_seq, decision = excluded.decision, decisions = excluded.decisions`,
    journeyOnRounds('true'),
    lastDecisions('true'),
    ...fillRoundReviewers(dialect),
  ];
}

/** What an event just stored changes in the gate rounds tables: each statement's one parameter is the event's id. */
export function gateRoundUpdates(type: string, dialect: SqlDialect): string[] {
  if (type === 'gate_opened') {
    return [
      `INSERT INTO gate_rounds (idea_id, gate, round, process, opened_id, opened_at, opened_seq, openings, decisions)
       SELECT idea_id, gate, round, process, id, at, seq, 1, 0 FROM events WHERE id = ? AND ${ROUND}
       ON CONFLICT (idea_id, gate, round) DO UPDATE SET openings = gate_rounds.openings + 1, opened_id = ${ifLatest('gate_rounds', 'opened', 'opened_id')},
         opened_seq = ${ifLatest('gate_rounds', 'opened', 'opened_seq')}, opened_at = ${ifLatest('gate_rounds', 'opened', 'opened_at')}`,
      askedIn(dialect, 'e.id = ?'),
    ];
  }
  if (type === 'decided') {
    return [
      `INSERT INTO gate_rounds (idea_id, gate, round, process, decided_at, decided_seq, decision, decisions, openings)
       SELECT idea_id, gate, round, process, at, seq, ${decisionOf(dialect)}, 1, 0 FROM events WHERE id = ? AND ${ROUND}
       ON CONFLICT (idea_id, gate, round) DO UPDATE SET decisions = gate_rounds.decisions + 1, decision = ${ifLatest('gate_rounds', 'decided', 'decision')},
         decided_seq = ${ifLatest('gate_rounds', 'decided', 'decided_seq')}, decided_at = ${ifLatest('gate_rounds', 'decided', 'decided_at')}`,
    ];
  }
  if (type === 'vote_cast') {
    return [
      `INSERT INTO round_reviewers (idea_id, gate, round, reviewer, asked, voted_at, votes)
       SELECT idea_id, gate, round, actor, 0, at, 1 FROM events WHERE id = ? AND actor IS NOT NULL AND ${ROUND}
       ON CONFLICT (idea_id, gate, round, reviewer) DO UPDATE SET votes = round_reviewers.votes + 1, voted_at = ${laterVote}`,
    ];
  }
  return [];
}

/**
 * The milestones table: one row per `stage_entered` and ending event (`launched`, `killed`,
 * `withdrawn`, `merged`) with the idea's next one in its journey's order (time, sequence), so a
 * stage visit's end (cycle time), the stages an idea entered (the funnel) and the last it entered
 * (the portfolio) are read from narrow rows without sorting the events. Kept by `appendEvent` like
 * the journeys table, whatever order the events arrive in: an event takes the next of the milestone
 * before it, which then points to it. Each also holds a copy of its journey's submission, so the
 * funnel finds its cohort's stages without joining every milestone to its journey. Made and filled
 * once the same way. It names no one: erasure leaves it as it is.
 */
export function milestonesTable(time: string, id: string): string {
  return `CREATE TABLE milestones (
     id ${id} PRIMARY KEY,
     idea_id ${id} NOT NULL,
     seq INTEGER NOT NULL,
     type TEXT NOT NULL,
     at ${time} NOT NULL,
     process TEXT NOT NULL,
     stage TEXT,
     name TEXT,
     next_at ${time},
     next_seq INTEGER,
     submitted_at ${time}
   );
   CREATE INDEX milestones_by_idea ON milestones (idea_id, at, seq);
   CREATE INDEX milestones_by_stage ON milestones (type, process, stage, at, next_at, idea_id, submitted_at)`;
}

const MILESTONE_TYPES = ['stage_entered', ...ENDED];

/** Fills the milestones table from the events: the same rows `appendEvent` would have kept. */
export function fillMilestones(dialect: SqlDialect): string[] {
  return [
    `INSERT INTO milestones (id, idea_id, seq, type, at, process, stage, name, next_at, next_seq)
     SELECT id, idea_id, seq, type, at, process, stage, ${stepName(dialect)}, LEAD(at) OVER journey, LEAD(seq) OVER journey
     FROM events WHERE type IN ('stage_entered', ${ENDING_TYPES}) WINDOW journey AS (PARTITION BY idea_id ORDER BY at, seq)`,
    journeyOnMilestones('true'),
  ];
}

/** What an event just stored changes in the milestones table: each statement's one parameter is the event's id. */
export function milestoneUpdates(type: string, dialect: SqlDialect): string[] {
  if (!MILESTONE_TYPES.includes(type)) return [];
  const after = (table: string) => `(m.at, m.seq) > (${table}.at, ${table}.seq)`;
  return [
    `INSERT INTO milestones (id, idea_id, seq, type, at, process, stage, name, next_at, next_seq)
     SELECT e.id, e.idea_id, e.seq, e.type, e.at, e.process, e.stage, ${stepName(dialect).replace('detail', 'e.detail')},
            (SELECT m.at FROM milestones AS m WHERE m.idea_id = e.idea_id AND ${after('e')} ORDER BY m.at, m.seq LIMIT 1),
            (SELECT m.seq FROM milestones AS m WHERE m.idea_id = e.idea_id AND ${after('e')} ORDER BY m.at, m.seq LIMIT 1)
     FROM events AS e WHERE e.id = ?`,
    // The milestone just before it now ends where it begins: the one before it whose next, if any, is after it.
    `UPDATE milestones SET next_at = e.at, next_seq = e.seq FROM (SELECT idea_id, at, seq FROM events WHERE id = ?) AS e
     WHERE milestones.idea_id = e.idea_id AND (milestones.at, milestones.seq) < (e.at, e.seq) AND (milestones.next_at IS NULL OR (milestones.next_at, milestones.next_seq) > (e.at, e.seq))`,
  ];
}

/**
 * The decisions and vote scores tables: one row per `decided` event with the fields reports group
 * it by (decision, who decided, the authority's source, its score when a number), and one row per
 * criterion scored in a `vote_cast` (its score and place in the vote), so the decision mix and the
 * score distribution read narrow rows instead of every event's detail. Each row is a function of
 * its one event: kept by `appendEvent` whatever order the events arrive in, and made and filled
 * once the same way. They name no one: erasure leaves them as they are. Indexed in the order the
 * reports group them, so SQLite reads each group's rows in order instead of sorting them all.
 */
export function decisionsTables(time: string, id: string): string {
  return `CREATE TABLE decisions (
     id ${id} PRIMARY KEY,
     idea_id ${id} NOT NULL,
     seq INTEGER NOT NULL,
     at ${time} NOT NULL,
     process TEXT NOT NULL,
     gate TEXT,
     decision TEXT,
     decided_by TEXT,
     authority_source TEXT,
     score ${time === 'TEXT' ? 'REAL' : 'DOUBLE PRECISION'}
   );
   CREATE INDEX decisions_by_kind ON decisions (process, gate, decision, decided_by, at);
   CREATE INDEX decisions_by_gate ON decisions (process, gate, at, idea_id, seq, score);
   CREATE TABLE vote_scores (
     id ${id} NOT NULL,
     criterion TEXT NOT NULL,
     idea_id ${id} NOT NULL,
     seq INTEGER NOT NULL,
     at ${time} NOT NULL,
     process TEXT NOT NULL,
     gate TEXT,
     score ${time === 'TEXT' ? '' : 'TEXT'},
     position INTEGER NOT NULL,
     PRIMARY KEY (id, criterion)
   );
   CREATE INDEX vote_scores_by_criterion ON vote_scores (process, gate, criterion, score, at, position)`;
}

function decisionRows(dialect: SqlDialect, which: string): string[] {
  const field = (name: string) => (dialect === 'sqlite' ? `json_extract(e.detail, '$.${name}')` : name.includes('.') ? `(e.detail#>>'{${name.split('.').join(',')}}')` : `(e.detail->>'${name}')`);
  const score = dialect === 'sqlite' ? `CASE WHEN json_type(e.detail, '$.score') IN ('integer', 'real') THEN json_extract(e.detail, '$.score') END` : `CASE WHEN jsonb_typeof(e.detail->'score') = 'number' THEN CAST(e.detail->>'score' AS DOUBLE PRECISION) END`;
  const scores = dialect === 'sqlite' ? `json_each(e.detail, '$.scores') AS scored` : `jsonb_each_text(CASE WHEN jsonb_typeof(e.detail->'scores') = 'object' THEN e.detail->'scores' END) WITH ORDINALITY AS scored(key, value, position)`;
  return [
    `INSERT INTO decisions (id, idea_id, seq, at, process, gate, decision, decided_by, authority_source, score)
     SELECT e.id, e.idea_id, e.seq, e.at, e.process, e.gate, ${field('decision')}, ${field('decidedBy')}, ${field('authority.source')}, ${score}
     FROM events AS e WHERE ${which} AND e.type = 'decided' ON CONFLICT (id) DO NOTHING`,
    `INSERT INTO vote_scores (id, criterion, idea_id, seq, at, process, gate, score, position)
     SELECT e.id, scored.key, e.idea_id, e.seq, e.at, e.process, e.gate, scored.value, ${dialect === 'sqlite' ? 'scored.id' : 'scored.position'}
     FROM events AS e CROSS JOIN ${scores} WHERE ${which} AND e.type = 'vote_cast' ON CONFLICT (id, criterion) DO NOTHING`,
  ];
}

/** Fills the decisions and vote scores tables from the events: the same rows `appendEvent` would have kept. */
export function fillDecisions(dialect: SqlDialect): string[] {
  return decisionRows(dialect, 'true');
}

/** What an event just stored changes in the decisions and vote scores tables: each statement's one parameter is the event's id. */
export function decisionUpdates(type: string, dialect: SqlDialect): string[] {
  const [decided, voted] = decisionRows(dialect, 'e.id = ?');
  return type === 'decided' ? [decided!] : type === 'vote_cast' ? [voted!] : [];
}

/** What an event just stored changes in the gate rounds, milestones, decisions and vote scores tables: each statement's one parameter is the event's id. */
export function maintainedUpdates(type: string, dialect: SqlDialect): string[] {
  return [...gateRoundUpdates(type, dialect), ...milestoneUpdates(type, dialect), ...decisionUpdates(type, dialect), ...copyUpdates(type)];
}

/**
 * The copies an event changes, made again after the rows they copy from: a submission or an end
 * (the journey) onto every round and milestone of the idea, a round's opening or decision onto the
 * round and its reviewers (a decision also marks the idea's last decision at each gate again), a
 * vote's new reviewer row from its round, a new milestone from its journey.
 */
function copyUpdates(type: string): string[] {
  const journey = type === 'submitted' || ENDED.includes(type);
  return [
    ...(journey || type === 'gate_opened' || type === 'decided' ? [journeyOnRounds('event')] : []),
    ...(type === 'decided' ? [lastDecisions('event')] : []),
    ...(journey || type === 'gate_opened' || type === 'decided' || type === 'vote_cast' ? [roundOnReviewers('event')] : []),
    ...(journey || type === 'stage_entered' ? [journeyOnMilestones('event')] : []),
  ];
}
