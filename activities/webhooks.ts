import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Settings, WebhookSubscriber } from '../config/settings';
import type { Store, StoredEvent } from '../store';
import { WEBHOOK_SOURCE_EVENTS, WEBHOOK_TYPE_OF, webhookBody } from '../webhooks/events';
import { webhookHeaders } from '../webhooks/signature';
import { WEBHOOK_GONE, webhookDeliveryId, webhookDeliveryInput, type WebhookAttemptDetails } from '../workflows/webhook';
import type { webhookDelivery } from '../workflows';

export type WebhookSettings = Pick<Settings, 'taskQueue' | 'webhooks' | 'webhookRetry' | 'webhookTimeout'>;

/**
 * Starts a delivery workflow for each subscriber of this event, each under the id
 * `webhook:<eventId>:<subscriber>` that Temporal refuses to start twice: a retried recordEvent
 * (whether or not its row was new) sends nothing more. Returns at once; the POSTs happen apart.
 */
export async function startWebhookDeliveries(client: Client, settings: WebhookSettings, event: StoredEvent): Promise<void> {
  const type = WEBHOOK_TYPE_OF[event.type];
  if (!type) return;
  for (const subscriber of settings.webhooks.filter((candidate) => candidate.events.includes(type))) {
    try {
      await client.workflow.start<typeof webhookDelivery>('webhookDelivery', {
        workflowId: webhookDeliveryId(event.id, subscriber.name),
        taskQueue: settings.taskQueue,
        args: [webhookDeliveryInput(settings, { eventId: event.id, ideaId: event.ideaId, type }, subscriber.name)],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}

/** Whether any subscriber hears of this event: only then does recordEvent need a Temporal client. */
export function hasSubscribers(settings: Partial<WebhookSettings>, event: Pick<StoredEvent, 'type'>): boolean {
  const type = WEBHOOK_TYPE_OF[event.type];
  return type !== undefined && (settings.webhooks ?? []).some((subscriber) => subscriber.events.includes(type));
}

/**
 * One attempt at one delivery: the body rebuilt from the events store (the same bytes every
 * time), signed with the subscriber's secret at this moment, POSTed with the settings' timeout.
 * A 2xx answer is success; 410 Gone fails for good; anything else fails this attempt.
 */
export async function deliverWebhookOnce(store: Store, settings: WebhookSettings, delivery: { eventId: string; ideaId: string; subscriber: string }): Promise<{ status: number; attempt: number }> {
  const context = Context.current();
  const attempt = context.info.attempt;
  const subscriber = settings.webhooks.find((candidate) => candidate.name === delivery.subscriber);
  if (!subscriber) throw failure(`No webhook subscriber is named "${delivery.subscriber}" in the worker's settings any more.`, 'webhook-unknown-subscriber', { attempt }, true);
  const body = JSON.stringify(await bodyOf(store, delivery, attempt));
  let status: number;
  try {
    const response = await fetch(subscriber.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'stagegate-webhooks', ...webhookHeaders(subscriber.secret, delivery.eventId, body) },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(settings.webhookTimeout), context.cancellationSignal]),
    });
    status = response.status;
    await response.body?.cancel();
  } catch (err) {
    throw failure(`${where(subscriber)} did not answer: ${reason(err)}`, 'webhook-unreachable', { attempt });
  }
  if (status >= 200 && status < 300) return { status, attempt };
  if (status === 410) throw failure(`${where(subscriber)} answered 410 Gone: it asked for no more deliveries.`, WEBHOOK_GONE, { attempt, status }, true);
  throw failure(`${where(subscriber)} answered ${status}.`, 'webhook-refused', { attempt, status });
}

async function bodyOf(store: Store, delivery: { eventId: string; ideaId: string }, attempt: number) {
  const events = await store.events({ ideaId: delivery.ideaId, types: WEBHOOK_SOURCE_EVENTS });
  const event = events.find((candidate) => candidate.id === delivery.eventId);
  if (!event) throw failure(`The event ${delivery.eventId} is not in the events store (erased?), so there is nothing to send.`, 'webhook-unknown-event', { attempt }, true);
  const submitted = events.find((candidate) => candidate.type === 'submitted' && typeof candidate.detail.title === 'string');
  return webhookBody(event, submitted?.detail.title as string | undefined);
}

function failure(message: string, type: string, details: WebhookAttemptDetails, nonRetryable = false): ApplicationFailure {
  return ApplicationFailure.create({ message, type, details: [details], nonRetryable });
}

/** The subscriber as a message names it: its name and host, never the URL's path or query (where tokens live). */
function where(subscriber: WebhookSubscriber): string {
  return `The webhook subscriber "${subscriber.name}" (${new URL(subscriber.url).host})`;
}

function reason(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'no answer in time';
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
  return cause ?? (err instanceof Error ? err.message : String(err));
}
