import type { WebhookEventType } from '../config/settings';
import type { EventType } from '../workflows/state';
import { PostgresStore } from './postgres';
import { SqliteStore } from './sqlite';

export { StoreUnavailable } from './rows';

/**
 * The metrics store: the append-only events table and the outbox, behind one small interface with
 * two backends (SQLite in the data folder, PostgreSQL when `databaseUrl` is set). Inserts are
 * idempotent on the row id, so a retried activity never counts twice.
 */
export interface Store {
  /** Appends an event; false when it was already there (a retried activity). */
  appendEvent(event: StoredEvent): Promise<boolean>;
  /** Events ordered by time, then idea, then sequence. */
  events(filter?: EventFilter): Promise<StoredEvent[]>;
  /** Keeps a message in the outbox; false when a retried send had already kept it. */
  addToOutbox(message: NewOutboxMessage): Promise<boolean>;
  /** Messages oldest first (in the order they were kept when two share a time). */
  outbox(filter?: OutboxFilter): Promise<OutboxMessage[]>;
  /** Records that the mail server accepted the message: a retried send skips it. */
  markSent(id: string, at: string): Promise<void>;
  /** Records the mail server's permanent refusal: a retried send does not try again. */
  markRejected(id: string, rejection: string): Promise<void>;
  /** Replaces a kept message's text and HTML: what the outbox keeps once it no longer needs the message's links. */
  redactMessage(id: string, redacted: { text: string; html?: string }): Promise<void>;
  /** Deletes the messages kept before this ISO time; answers how many went. */
  deleteMessagesBefore(before: string): Promise<number>;
  /** A data key of the payload codec, wrapped by a master key; undefined when none was made yet. */
  dataKey(name: string): Promise<DataKey | undefined>;
  /** Keeps a new data key unless one of that name exists, and returns the one kept: two processes racing converge on one key. */
  addDataKey(key: Omit<DataKey, 'destroyedAt'>): Promise<DataKey>;
  /** The names of the data keys that start with `prefix`. */
  dataKeyNames(prefix: string): Promise<string[]>;
  /** Destroys a data key for good (crypto-shredding), keeping a tombstone so none is made again under that name; false when there was none to destroy. */
  destroyDataKey(name: string, at: string): Promise<boolean>;
  /** Rewrites events in place (erasure): `change` returns the new event, or undefined to leave it as it is. */
  rewriteEvents(filter: EventFilter, change: (event: StoredEvent) => StoredEvent | undefined): Promise<number>;
  /** Rewrites outbox messages in place (erasure): undefined leaves one alone, `null` deletes it. */
  rewriteOutbox(change: (message: OutboxMessage) => OutboxMessage | null | undefined): Promise<number>;
  /** Keeps how a webhook delivery ended (delivered, or a dead letter after its last attempt); a retry of the same record replaces it. */
  recordWebhookDelivery(delivery: WebhookDelivery): Promise<void>;
  /** Webhook deliveries, newest first. */
  webhookDeliveries(filter?: WebhookDeliveryFilter): Promise<WebhookDelivery[]>;
  /** Keeps a new campaign; false when one with its id exists (nothing changed). */
  addCampaign(campaign: Campaign): Promise<boolean>;
  campaign(id: string): Promise<Campaign | undefined>;
  /** Every campaign, newest opening first. */
  campaigns(): Promise<Campaign[]>;
  /** Closes a campaign now; false when it is unknown or was closed already (nothing changed). */
  closeCampaign(id: string, at: string, by: string): Promise<boolean>;
  /** Holds a submission from outside the firm until its confirmation link is followed; deletes the expired ones first. */
  addPendingSubmission(pending: PendingSubmission): Promise<void>;
  /** A held submission, unless it expired by `now` or is not known. */
  pendingSubmission(id: string, now: string): Promise<PendingSubmission | undefined>;
  /** How many submissions from this address wait for confirmation (not expired by `now`). */
  countPendingSubmissions(email: string, now: string): Promise<number>;
  /** Forgets a held submission (its idea started); false when it was not there. */
  deletePendingSubmission(id: string): Promise<boolean>;
  /** Forgets every submission held for this address (erasure); how many there were. */
  deletePendingSubmissionsOf(email: string): Promise<number>;
  /** Which SQL `select` speaks. */
  readonly dialect: Dialect;
  /**
   * A read-only query of the events table for reports, `?` for each parameter; times come back as
   * the backend keeps them (ISO text in SQLite, a Date in PostgreSQL), counts as numbers or numeric text.
   */
  select(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export type Dialect = 'sqlite' | 'postgres';

/** A payload codec data key (one per idea), as the key table keeps it. */
export interface DataKey {
  name: string;
  /** The master key that wrapped it. */
  masterKeyId: string;
  /** The key encrypted by that master key, in base64; null once destroyed. */
  wrapped: string | null;
  createdAt: string;
  destroyedAt?: string;
}

export interface StoredEvent {
  /** `<ideaId>:<journey run>:<seq>` (`<ideaId>:<seq>` before ids per run): the same step of the same journey always gets the same id. */
  id: string;
  ideaId: string;
  seq: number;
  type: EventType;
  /** An ISO time in UTC. */
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

export interface EventFilter {
  ideaId?: string;
  /** From this time on (inclusive), an ISO time. */
  from?: string;
  /** Before this time (exclusive), an ISO time. */
  to?: string;
  /** Only these types; an empty list matches nothing. */
  types?: readonly EventType[];
  /** Only these ideas; an empty list matches nothing. */
  ideaIds?: readonly string[];
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

/**
 * How one webhook delivery to one subscriber ended. Nothing personal: ids, the subscriber's name,
 * counts and the receiver's status, so the sealed store keeps it as it is.
 */
export interface WebhookDelivery {
  /** The delivery workflow's id: `webhook:<eventId>:<subscriber>`, with `:resend-<n>` for a resend. */
  id: string;
  /** The event's id, sent as `webhook-id`. */
  eventId: string;
  ideaId: string;
  /** The webhook type (`gate.decided`, ...). */
  type: WebhookEventType;
  subscriber: string;
  /** `delivered` (a 2xx answer), or `failed`: the last attempt failed or the receiver answered 410 Gone (a dead letter). */
  outcome: 'delivered' | 'failed';
  attempts: number;
  /** The receiver's last HTTP status, when it answered at all. */
  lastStatus?: number;
  lastError?: string;
  /** When it ended, an ISO time. */
  at: string;
}

export interface WebhookDeliveryFilter {
  id?: string;
  /** Only the dead letters. */
  failed?: boolean;
  /** At most this many; 100 unless told. */
  limit?: number;
}

/** Who a campaign is open to: `staff` are addresses in `staffDomains`, `partners` in `partnerDomains`; `customers`, `network` and `anyone` admit everyone else. */
export const CAMPAIGN_AUDIENCES = ['staff', 'customers', 'partners', 'network', 'anyone'] as const;
export type CampaignAudience = (typeof CAMPAIGN_AUDIENCES)[number];

/** A question the firm asks for a while. Nothing personal (the question is the firm's), so the sealed store keeps it as it is. */
export interface Campaign {
  /** Lower-case letters, digits, `.`, `_`, `-`: `less-waste-2027`. */
  id: string;
  question: string;
  description: string;
  audience: CampaignAudience[];
  /** When submissions open and close, ISO times; open-ended without `closesAt`. */
  opensAt: string;
  closesAt?: string;
  /** The process its ideas go to when a submission names none; routing decides when absent. */
  process?: string;
  goals: string[];
  createdAt: string;
  createdBy: string;
  /** Set when someone closed it (`stagegate campaign close`) before `closesAt`. */
  closedAt?: string;
  closedBy?: string;
}

/**
 * A submission from outside the firm's domains, held until its confirmation link is followed:
 * nothing reaches Temporal before that. Its `id` is the id the idea will have, so following the
 * link twice starts one idea. The sealed store keeps the submission encrypted and the address as a pseudonym.
 */
export interface PendingSubmission {
  id: string;
  email: string;
  campaign?: string;
  /** The submission as `submitIdea` takes it. */
  submission: Record<string, unknown>;
  createdAt: string;
  expiresAt: string;
}

export type NewOutboxMessage = Omit<OutboxMessage, 'sentAt' | 'rejection'>;

export interface OutboxFilter {
  id?: string;
  ideaId?: string;
  /** Only messages to this address (any case). */
  to?: string;
  /** At most this many; 1000 unless told. */
  limit?: number;
}

/** The events store and outbox: PostgreSQL when `databaseUrl` is set, else SQLite in the data folder. */
export async function openStore(settings: { dataDir: string; databaseUrl?: string }): Promise<Store> {
  return settings.databaseUrl ? PostgresStore.open(settings.databaseUrl) : new SqliteStore(storeFile(settings.dataDir));
}

/** The SQLite file of the embedded default. */
export function storeFile(dataDir: string): string {
  return `${dataDir}/stagegate.db`;
}
