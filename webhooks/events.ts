import type { WebhookEventType } from '../config/settings';
import type { StoredEvent } from '../store';
import type { EventType } from '../workflows/state';

/** The journey's events a subscriber may hear of, and the webhook type each is sent as. */
export const WEBHOOK_TYPE_OF: Partial<Record<EventType, WebhookEventType>> = {
  submitted: 'idea.submitted',
  decided: 'gate.decided',
  launched: 'idea.launched',
  killed: 'idea.killed',
  kpi_alert: 'pilot.alert',
};

/** The events store types behind the webhook types: what a delivery reads back. */
export const WEBHOOK_SOURCE_EVENTS = Object.keys(WEBHOOK_TYPE_OF) as EventType[];

/**
 * What a subscriber receives. `id` is the event's id (also the `webhook-id` header, the same on
 * every attempt and every resend, so a receiver drops what it has already seen); `timestamp` is
 * when the step happened.
 */
export interface WebhookBody {
  id: string;
  type: WebhookEventType;
  timestamp: string;
  data: Record<string, unknown>;
}

/**
 * The body for one stored event. It names the idea and what happened to it, and no person: no
 * submitter, champion, reviewer or comment, since it leaves for a system the firm configured,
 * outside the codec's encryption. The same event always gives the same bytes.
 */
export function webhookBody(event: StoredEvent, title: string | undefined): WebhookBody {
  const type = WEBHOOK_TYPE_OF[event.type];
  if (!type) throw new RangeError(`no webhook is sent for ${event.type} events`);
  const detail = event.detail;
  const idea = { ideaId: event.ideaId, title, process: event.process, source: event.source, stage: event.stage };
  const picked = (...names: string[]) => Object.fromEntries(names.filter((name) => detail[name] !== undefined).map((name) => [name, detail[name]]));
  const data: Record<string, unknown> = {
    'idea.submitted': () => ({ ...idea, ...picked('category', 'horizon') }),
    'gate.decided': () => ({ ...idea, ...picked('gate', 'gateName', 'round', 'decision', 'decidedBy', 'score', 'reasons', 'conditions') }),
    'idea.launched': () => ({ ...idea, ...picked('reason') }),
    'idea.killed': () => ({ ...idea, gate: event.gate, ...picked('reason') }),
    'pilot.alert': () => ({ ...idea, ...picked('kpi', 'level', 'value', 'threshold', 'error') }),
  }[type]();
  return { id: event.id, type, timestamp: event.at, data: JSON.parse(JSON.stringify(data)) as Record<string, unknown> };
}
