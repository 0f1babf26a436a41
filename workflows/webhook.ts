import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { Settings, WebhookEventType } from '../config/settings';
import type { WebhookDelivery } from '../store';

type Activities = ReturnType<typeof createActivities>;

/** The failure type of a receiver that answered 410 Gone: it asked not to be called again, so the delivery stops at once. */
export const WEBHOOK_GONE = 'webhook-gone';

/** What a failed attempt tells the workflow, in its failure's details. */
export interface WebhookAttemptDetails {
  attempt: number;
  status?: number;
}

export interface WebhookDeliveryInput {
  /** The event's id: the `webhook-id` header and the body's id, the same on every attempt and resend. */
  eventId: string;
  ideaId: string;
  type: WebhookEventType;
  /** The subscriber's name; its URL and secret stay in the worker's settings, never in history. */
  subscriber: string;
  retry: { attempts: number; firstDelayMs: number; maxDelayMs: number };
  timeoutMs: number;
}

export type WebhookOutcome = Pick<WebhookDelivery, 'outcome' | 'attempts' | 'lastStatus' | 'lastError'>;

/** The delivery workflow's id: one per event and subscriber, so a retried recordEvent never sends twice. */
export function webhookDeliveryId(eventId: string, subscriber: string): string {
  return `webhook:${eventId}:${subscriber}`;
}

/** The delivery workflow's input for one event and subscriber, with the retry schedule and timeout of these settings. */
export function webhookDeliveryInput(settings: Pick<Settings, 'webhookRetry' | 'webhookTimeout'>, event: Pick<WebhookDeliveryInput, 'eventId' | 'ideaId' | 'type'>, subscriber: string): WebhookDeliveryInput {
  const { attempts, firstDelay, maxDelay } = settings.webhookRetry;
  return { ...event, subscriber, retry: { attempts, firstDelayMs: firstDelay, maxDelayMs: Math.max(firstDelay, maxDelay) }, timeoutMs: settings.webhookTimeout };
}

/**
 * One event to one subscriber: POSTed until a 2xx answer, with the waits doubling up to the
 * settings' limit; a 410 Gone stops at once. However it ends, it is kept in the store's
 * webhook_deliveries, a failure as a dead letter that `stagegate webhook resend` sends again.
 */
export async function webhookDelivery(input: WebhookDeliveryInput): Promise<WebhookOutcome> {
  const { deliverWebhook } = proxyActivities<Activities>({
    // The activity gives up on the receiver at timeoutMs itself; the margin is for a stuck activity.
    startToCloseTimeout: input.timeoutMs + 5_000,
    retry: {
      initialInterval: input.retry.firstDelayMs,
      backoffCoefficient: 2,
      maximumInterval: input.retry.maxDelayMs,
      maximumAttempts: input.retry.attempts,
      nonRetryableErrorTypes: [WEBHOOK_GONE],
    },
  });
  const { recordWebhookDelivery } = proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  const id = workflowInfo().workflowId;
  let outcome: WebhookOutcome;
  try {
    const answer = await deliverWebhook({ eventId: input.eventId, ideaId: input.ideaId, subscriber: input.subscriber });
    outcome = { outcome: 'delivered', attempts: answer.attempt, lastStatus: answer.status };
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = err.cause;
    const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as WebhookAttemptDetails | undefined) : undefined;
    outcome = { outcome: 'failed', attempts: details?.attempt ?? input.retry.attempts, lastStatus: details?.status, lastError: cause?.message ?? err.message };
  }
  await recordWebhookDelivery({ id, eventId: input.eventId, ideaId: input.ideaId, type: input.type, subscriber: input.subscriber, ...outcome, at: new Date().toISOString() });
  return outcome;
}
