import { randomBytes } from 'node:crypto';
import type { Store, StoredEvent } from '../store';
import { DataKeyDestroyed, ideaKeyName, type DataKeys } from './data-keys';
import { open, seal } from './keys';

export interface Erasure {
  /** The ideas the person submitted, whose data keys were destroyed. */
  ideas: string[];
  /** Data keys destroyed (an idea's, and those of its old-format child workflow ids). */
  keysDestroyed: string[];
  eventsPseudonymised: number;
  messagesRemoved: number;
  /** Submissions of theirs still held for confirmation, deleted. */
  pendingRemoved: number;
  /** The number a report now shows for them ("forgotten person <n>"). */
  forgottenAs: string;
}

/** The ideas a person submitted, by their pseudonym on the `submitted` events of the raw store. */
export async function ideasSubmittedBy(raw: Store, keys: DataKeys, email: string): Promise<{ ideaId: string; event: StoredEvent }[]> {
  const pseudonym = await keys.pseudonym(email);
  return (await raw.events({ types: ['submitted'] })).filter((event) => event.actor === pseudonym).map((event) => ({ ideaId: event.ideaId, event }));
}

/**
 * Forgets a person in the events store and outbox (`raw` is the store without sealing): the data
 * keys of the ideas they submitted are destroyed, their pseudonym is replaced by a random one
 * everywhere (so reports still count them, as nobody in particular), their address is taken out
 * of the sealed part of other ideas' events, their messages and those about their ideas are
 * deleted, and a `forgotten` event that names nobody records it.
 */
export async function forgetInStore(raw: Store, keys: DataKeys, email: string, ideas: { ideaId: string; event: StoredEvent }[]): Promise<Erasure> {
  const pseudonym = await keys.pseudonym(email);
  const replacement = `forgotten:${randomBytes(12).toString('hex')}`;
  const address = email.trim().toLowerCase();
  const keysDestroyed: string[] = [];
  for (const { ideaId } of ideas) {
    // Old-format pilot ids (`idea-<id>-pilot-...`) read as ideas of their own, with keys of their own.
    for (const name of [ideaKeyName(ideaId), ...(await raw.dataKeyNames(`${ideaKeyName(ideaId)}-pilot-`))]) {
      if (await keys.destroy(name)) keysDestroyed.push(name);
    }
  }
  const forgottenAs = `forgotten person ${replacement.slice('forgotten:'.length, 'forgotten:'.length + 8)}`;
  const mentions = new RegExp(address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
  const swap = (value: unknown): unknown => {
    if (typeof value === 'string') return value === pseudonym || value.toLowerCase() === address ? replacement : value.replace(mentions, forgottenAs);
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, swap(inner)]));
    return value;
  };
  const ideaKeys = new Map<string, Buffer | undefined>();
  for (const event of await raw.events()) {
    if (!ideaKeys.has(event.ideaId)) ideaKeys.set(event.ideaId, await keys.key(ideaKeyName(event.ideaId), false).catch((err: unknown) => (err instanceof DataKeyDestroyed ? undefined : Promise.reject(err))));
  }
  let touched: StoredEvent | undefined;
  const eventsPseudonymised = await raw.rewriteEvents({}, (event) => {
    const { sealed, ...readable } = event.detail;
    const key = ideaKeys.get(event.ideaId);
    let resealed = sealed;
    if (key && typeof sealed === 'string') {
      const aad = `${ideaKeyName(event.ideaId)}/${event.id}`;
      const opened = open(key, Buffer.from(sealed, 'base64'), aad).toString('utf8');
      const swapped = JSON.stringify(swap(JSON.parse(opened)));
      if (swapped !== opened) resealed = seal(key, Buffer.from(swapped), aad).toString('base64');
    }
    const next = { ...event, actor: swap(event.actor) as string | undefined, detail: { ...(swap(readable) as Record<string, unknown>), ...(sealed === undefined ? {} : { sealed: resealed }) } };
    if (JSON.stringify(next) === JSON.stringify(event)) return undefined;
    touched ??= event;
    return next;
  });
  const theirIdeas = new Set(ideas.map(({ ideaId }) => ideaId));
  // Held sealed under their pseudonym, or under their address when held before the codec was on.
  const pendingRemoved = (await raw.deletePendingSubmissionsOf(pseudonym)) + (await raw.deletePendingSubmissionsOf(address));
  const messagesRemoved = await raw.rewriteOutbox((message) => (message.to.email === pseudonym || message.to.email.toLowerCase() === address || theirIdeas.has(message.ideaId) ? null : undefined));
  const at = new Date().toISOString();
  // On each idea they submitted, else on the first idea they appeared in: reports read events by idea.
  const recorded = ideas.length ? ideas.map(({ event }) => event) : touched ? [touched] : [];
  for (const [index, about] of recorded.entries()) {
    await raw.appendEvent({
      id: `forgotten:${replacement.slice('forgotten:'.length)}:${index}`,
      ideaId: about.ideaId,
      seq: 0,
      type: 'forgotten',
      at,
      process: about.process,
      processVersion: about.processVersion,
      source: about.source,
      actor: replacement,
      detail: { keysDestroyed: keysDestroyed.length, eventsPseudonymised, messagesRemoved, pendingRemoved },
    });
  }
  return { ideas: [...theirIdeas], keysDestroyed, eventsPseudonymised, messagesRemoved, pendingRemoved, forgottenAs };
}
