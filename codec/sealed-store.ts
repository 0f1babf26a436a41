import type { EventFilter, NewOutboxMessage, OutboxFilter, OutboxMessage, PendingSubmission, Store, StoredEvent } from '../store';
import { DataKeyDestroyed, ideaKeyName, type DataKeys } from './data-keys';
import { open, seal } from './keys';

/** What a report shows for a person whose idea's data key was destroyed. */
export const FORGOTTEN_PERSON = 'forgotten person';

/**
 * Detail fields that carry no personal data and stay readable in the store, so reports count and
 * group without any key; every other field is kept only inside `sealed`, encrypted under the
 * idea's data key. Emails anywhere in the readable part become pseudonyms (keyed hashes).
 */
const READABLE = new Set([
  'category', 'horizon', 'estimatedCost', 'estimatedBenefit', 'submitter', 'champion', 'decision', 'scores', 'score', 'via',
  'fingerprint', 'kpi', 'value', 'unit', 'target', 'direction', 'met', 'level', 'source', 'purpose', 'kpis', 'first',
  'sinceOpenedMs', 'rework', 'dueAt', 'revisitAt', 'returnTo', 'onNoDecision', 'revised', 'realisedBenefit', 'reviewers',
  'to', 'awaiting', 'people', 'threshold', 'deadlineAt', 'round', 'gate', 'stage', 'quorum', 'actor', 'outcome', 'status',
  'by', 'identifiedBy', 'kind', 'count', 'campaign', 'deadline', 'weighted', 'decidedBy', 'gateName', 'votesNeeded', 'summary',
  // Who a `recognised` event thanks (an address, so a pseudonym) and for what: the name stays sealed.
  'person', 'roles',
  // Stage and gate names (from the process template) on stage_entered and gate_opened.
  'name',
  // The campaign an idea answers and the routing rule that chose its process: ids and rules, nobody's words.
  'campaign', 'route',
]);

/** The delegated authority a decision was taken under, readable without its holder's name (sealed): the holder's email becomes a pseudonym. */
function readableAuthority(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const { name: _name, ...rest } = value as Record<string, unknown>;
  return rest;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ADDRESS = /[^\s@/<>:;,()"']+@[^\s@/<>:;,()"']+\.[A-Za-z]{2,}/g;
/** The detail field that holds the sealed part of an event: a report reads an event back through the store where its readable detail has one. */
export const SEALED = 'sealed';
/** The data key of the submissions held for confirmation: theirs is no idea's yet, and they expire with their links. */
const PENDING_KEY = 'pending-submissions';
const PSEUDONYM = /^(?:person|forgotten):([0-9a-f]{8})[0-9a-f]*$/;

/**
 * The events store and outbox with personal data encrypted under each idea's data key: what
 * reports need stays readable (emails as pseudonyms), the rest is sealed. Reading decrypts when
 * the key exists; once it was destroyed, people read as "forgotten person <n>" and free text is gone.
 */
export function sealStore(store: Store, keys: DataKeys): Store {
  const pseudonymise = async (value: unknown): Promise<unknown> => {
    if (typeof value === 'string') return EMAIL.test(value) ? keys.pseudonym(value) : value;
    if (Array.isArray(value)) return Promise.all(value.map(pseudonymise));
    if (value && typeof value === 'object') return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([name, inner]) => [name, await pseudonymise(inner)])));
    return value;
  };

  /** Text with every address in it (an outbox id, a mail server's refusal) replaced by its pseudonym: the same text always gives the same result. */
  const withoutAddresses = async (text: string): Promise<string> => {
    let result = '';
    let last = 0;
    for (const match of text.matchAll(ADDRESS)) {
      result += text.slice(last, match.index) + (await keys.pseudonym(match[0]));
      last = match.index + match[0].length;
    }
    return result + text.slice(last);
  };

  /** The idea's key, or undefined once it was destroyed. */
  const ideaKey = async (ideaId: string): Promise<Buffer | undefined> => {
    try {
      return await keys.key(ideaKeyName(ideaId));
    } catch (err) {
      if (err instanceof DataKeyDestroyed) return undefined;
      throw err;
    }
  };

  const sealEvent = async (event: StoredEvent): Promise<StoredEvent> => {
    const key = await ideaKey(event.ideaId);
    if (!key) throw new DataKeyDestroyed(ideaKeyName(event.ideaId), 'an earlier erasure');
    const readable = Object.fromEntries(Object.entries(event.detail).flatMap(([name, value]) => (READABLE.has(name) ? [[name, value]] : name === 'authority' ? [[name, readableAuthority(value)]] : [])));
    const sealed = seal(key, Buffer.from(JSON.stringify({ actor: event.actor, detail: event.detail })), `${ideaKeyName(event.ideaId)}/${event.id}`).toString('base64');
    return {
      ...event,
      actor: event.actor === undefined ? undefined : ((await pseudonymise(event.actor)) as string),
      detail: { ...((await pseudonymise(readable)) as Record<string, unknown>), [SEALED]: sealed },
    };
  };

  const openEvent = async (event: StoredEvent): Promise<StoredEvent> => {
    const sealed = event.detail[SEALED];
    if (typeof sealed !== 'string') return { ...event, actor: event.actor === undefined ? undefined : forgotten(event.actor), detail: forgottenPeople(event.detail) as Record<string, unknown> };
    const key = await ideaKey(event.ideaId);
    if (key) {
      const { actor, detail } = JSON.parse(open(key, Buffer.from(sealed, 'base64'), `${ideaKeyName(event.ideaId)}/${event.id}`).toString('utf8')) as Pick<StoredEvent, 'actor' | 'detail'>;
      return { ...event, actor: actor === undefined ? undefined : forgotten(actor), detail: forgottenPeople(detail) as Record<string, unknown> };
    }
    const { [SEALED]: _gone, ...readable } = event.detail;
    return { ...event, actor: event.actor === undefined ? undefined : forgotten(event.actor), detail: forgottenPeople(readable) as Record<string, unknown> };
  };

  const sealMessage = async (message: NewOutboxMessage): Promise<NewOutboxMessage> => {
    const key = await ideaKey(message.ideaId);
    if (!key) throw new DataKeyDestroyed(ideaKeyName(message.ideaId), 'an earlier erasure');
    const { to, subject, text, html, messageId } = message;
    const id = await withoutAddresses(message.id);
    const sealed = seal(key, Buffer.from(JSON.stringify({ to, subject, text, html, messageId })), `${ideaKeyName(message.ideaId)}/${id}`).toString('base64');
    return { ...message, id, to: { email: await keys.pseudonym(to.email), name: '' }, subject: '', text: `${SEALED}:${sealed}`, html: undefined, messageId: undefined };
  };

  const openMessage = async (message: OutboxMessage): Promise<OutboxMessage> => {
    if (!message.text.startsWith(`${SEALED}:`)) return message;
    const key = await ideaKey(message.ideaId);
    if (!key) return { ...message, to: { email: forgotten(message.to.email), name: FORGOTTEN_PERSON }, subject: '(forgotten)', text: '', html: undefined };
    const opened = JSON.parse(open(key, Buffer.from(message.text.slice(SEALED.length + 1), 'base64'), `${ideaKeyName(message.ideaId)}/${message.id}`).toString('utf8')) as Pick<OutboxMessage, 'to' | 'subject' | 'text' | 'html' | 'messageId'>;
    return { ...message, ...opened };
  };

  const sealPending = async (pending: PendingSubmission): Promise<PendingSubmission> => {
    const key = await keys.key(PENDING_KEY);
    const sealed = seal(key, Buffer.from(JSON.stringify({ email: pending.email, submission: pending.submission })), `${PENDING_KEY}/${pending.id}`).toString('base64');
    return { ...pending, email: await keys.pseudonym(pending.email), submission: { [SEALED]: sealed } };
  };

  const openPending = async (pending: PendingSubmission): Promise<PendingSubmission> => {
    const sealed = pending.submission[SEALED];
    if (typeof sealed !== 'string') return pending;
    const opened = JSON.parse(open(await keys.key(PENDING_KEY), Buffer.from(sealed, 'base64'), `${PENDING_KEY}/${pending.id}`).toString('utf8')) as Pick<PendingSubmission, 'email' | 'submission'>;
    return { ...pending, ...opened };
  };

  return {
    appendEvent: async (event) => store.appendEvent(await sealEvent(event)),
    events: async (filter?: EventFilter) => {
      const raw = await store.events(filter);
      const opened = await Promise.all(raw.map(openEvent));
      // Someone named in a forgotten idea who is readable elsewhere stays one person to reports.
      const known = new Map<string, string>();
      raw.forEach((event, index) => {
        const actor = opened[index]!.actor;
        if (event.actor && actor && !actor.startsWith(FORGOTTEN_PERSON)) known.set(forgotten(event.actor), actor);
      });
      return known.size ? opened.map((event) => (event.actor && known.has(event.actor) ? { ...event, actor: known.get(event.actor) } : event)) : opened;
    },
    addToOutbox: async (message) => store.addToOutbox(await sealMessage(message)),
    outbox: async (filter: OutboxFilter = {}) => {
      const to = filter.to ? await keys.pseudonym(filter.to) : undefined;
      const id = filter.id ? await withoutAddresses(filter.id) : undefined;
      return Promise.all((await store.outbox({ ...filter, ...(to ? { to } : {}), ...(id ? { id } : {}) })).map(openMessage));
    },
    markSent: async (id, at) => store.markSent(await withoutAddresses(id), at),
    markRejected: async (id, rejection) => store.markRejected(await withoutAddresses(id), await withoutAddresses(rejection)),
    redactMessage: async (id, redacted) => {
      const rawId = await withoutAddresses(id);
      const [kept] = await store.outbox({ id: rawId });
      if (!kept || !kept.text.startsWith(`${SEALED}:`)) return store.redactMessage(rawId, redacted);
      const key = await ideaKey(kept.ideaId);
      if (!key) return;
      // The redacted copy is sealed again, like every message body: only its links are gone.
      const { to, subject, messageId } = await openMessage(kept);
      const sealed = seal(key, Buffer.from(JSON.stringify({ to, subject, text: redacted.text, html: redacted.html, messageId })), `${ideaKeyName(kept.ideaId)}/${rawId}`).toString('base64');
      return store.redactMessage(rawId, { text: `${SEALED}:${sealed}`, html: undefined });
    },
    deleteMessagesBefore: (before) => store.deleteMessagesBefore(before),
    dataKey: (name) => store.dataKey(name),
    addDataKey: (key) => store.addDataKey(key),
    dataKeyNames: (prefix) => store.dataKeyNames(prefix),
    destroyDataKey: (name, at) => store.destroyDataKey(name, at),
    rewriteEvents: (filter, change) => store.rewriteEvents(filter, change),
    rewriteOutbox: (change) => store.rewriteOutbox(change),
    // Delivery records name ids, a subscriber and status codes, nobody: kept as they are.
    recordWebhookDelivery: (delivery) => store.recordWebhookDelivery(delivery),
    webhookDeliveries: (filter) => store.webhookDeliveries(filter),
    // Campaigns are the firm's own questions, nobody's personal data: kept as they are.
    addCampaign: (campaign) => store.addCampaign(campaign),
    campaign: (id) => store.campaign(id),
    campaigns: () => store.campaigns(),
    closeCampaign: (id, at, by) => store.closeCampaign(id, at, by),
    addPendingSubmission: async (pending) => store.addPendingSubmission(await sealPending(pending)),
    pendingSubmission: async (id, now) => {
      const pending = await store.pendingSubmission(id, now);
      return pending && openPending(pending);
    },
    countPendingSubmissions: async (email, now) => store.countPendingSubmissions(await keys.pseudonym(email), now),
    deletePendingSubmission: (id) => store.deletePendingSubmission(id),
    deletePendingSubmissionsOf: async (email) => store.deletePendingSubmissionsOf(await keys.pseudonym(email)),
    // Reports' SQL reads the readable part only: columns, pseudonyms and the readable detail fields.
    dialect: store.dialect,
    select: (sql, params) => store.select(sql, params),
    close: () => store.close(),
  };
}

/** A pseudonym as a report shows it once nobody can tell whose it was: the same person keeps the same number. */
function forgotten(pseudonym: string): string {
  const match = PSEUDONYM.exec(pseudonym);
  return match ? `${FORGOTTEN_PERSON} ${match[1]}` : pseudonym;
}

function forgottenPeople(value: unknown): unknown {
  if (typeof value === 'string') return forgotten(value);
  if (Array.isArray(value)) return value.map(forgottenPeople);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, forgottenPeople(inner)]));
  return value;
}
