import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { loadProcesses, type DecisionLabels, type ProcessDefinition } from '../config/process';
import type { Settings } from '../config/settings';
import { currentPeopleDirectory, peopleForRound, type PeopleDirectory, type RoundPeople, type RoundPeopleRequest } from '../config/people';
import { messageIdFor, SmtpRejection, type Mailer } from './email/mailer';
import { pullKpiReading } from './kpi';
import { findSimilarOpenIdeas, type IdeaText } from './similar';
import type { ActivityMetrics } from './metrics';
import { renderEmail } from './email/templates';
import { linkBuilder, redactLinks, requireLinkSecret, reviewerPseudonym } from '../links';
import type { Store, StoredEvent, WebhookDelivery } from '../store';
import { deliverWebhookOnce, hasSubscribers, startWebhookDeliveries, type WebhookSettings } from './webhooks';
import { SMTP_REJECTED, type Notification, type SmtpRejectedDetails } from '../workflows/notification';
import type { SimilarIdea } from '../workflows/state';

export interface ActivityContext {
  store: Store;
  settings: Pick<Settings, 'publicUrl' | 'linkSecret' | 'linkTtl' | 'mail' | 'calendar'> & Partial<Pick<Settings, 'outboxRetention' | 'processesDir' | 'peopleFile'> & WebhookSettings>;
  /** Sends the messages by SMTP; without one they stay in the outbox. The worker makes one when `mail.smtp` is set. */
  mailer?: Mailer;
  /** Counters for Prometheus; none when not given. */
  metrics?: ActivityMetrics;
  /** The people directory as it is now; the people file's (read again whenever it changed) when not given (an innovation network's journeys read every member's). */
  people?: () => PeopleDirectory;
}

/** The activities of an idea journey, bound to the worker's store, link key and mail server. Throws without a link key. */
export function createActivities({ store, settings, mailer, metrics, people }: ActivityContext) {
  const links = linkBuilder(settings);
  const timeZone = settings.calendar?.timeZone;
  const retention = settings.outboxRetention ?? OUTBOX_RETENTION_MS;
  let sweptAt = 0;

  /** Deletes what the outbox kept longer than the retention setting, at most once per sweep interval of this worker. */
  async function sweepOutbox(): Promise<void> {
    const now = Date.now();
    if (now - sweptAt < OUTBOX_SWEEP_INTERVAL_MS) return;
    sweptAt = now;
    await store.deleteMessagesBefore(new Date(now - retention).toISOString());
  }

  /**
   * Once a message is delivered (or refused for good) the outbox needs its links no more: it
   * keeps the message with every link replaced by a marker, so whoever reads the database cannot
   * act as its recipient. Only with a mail server: the local outbox is how a person on a laptop
   * clicks the links.
   */
  async function keepWithoutLinks(message: { id: string; text: string; html?: string }): Promise<void> {
    await store.redactMessage(message.id, { text: redactLinks(message.text, settings.publicUrl), html: message.html === undefined ? undefined : redactLinks(message.html, settings.publicUrl) });
  }

  /** The webhook settings; a worker always has them all (they have defaults), a test's partial settings only when it uses webhooks. */
  function webhookSettings(): WebhookSettings {
    const { taskQueue, webhooks, webhookRetry, webhookTimeout } = settings;
    if (taskQueue === undefined || webhooks === undefined || webhookRetry === undefined || webhookTimeout === undefined) throw new Error('webhooks need the taskQueue, webhooks, webhookRetry and webhookTimeout settings');
    return { taskQueue, webhooks, webhookRetry, webhookTimeout };
  }

  const secret = requireLinkSecret(settings);

  /**
   * A process template's own words for its decisions, found by the process name a notification
   * carries (it names no process id); read once, and only where a name belongs to one template.
   */
  let labelsByName: Map<string, DecisionLabels | undefined> | undefined;
  function decisionLabels(processName: string): DecisionLabels | undefined {
    if (!settings.processesDir) return undefined;
    if (!labelsByName) {
      // The worker checked the templates at startup; one broken since costs the words, never the message.
      let templates: ProcessDefinition[] = [];
      try {
        templates = [...loadProcesses(settings.processesDir).values()];
      } catch {
        templates = [];
      }
      labelsByName = new Map(templates.map((template) => [template.name, templates.filter((other) => other.name === template.name).length === 1 ? template.decisionLabels : undefined]));
    }
    return labelsByName.get(processName);
  }

  return {
    /** The pseudonyms of a round's reviewers, by address, for the `StageGateAwaiting` search attribute: the workflow has no key to make them. */
    async reviewerPseudonyms(emails: string[]): Promise<Record<string, string>> {
      return Object.fromEntries(emails.map((email) => [email, reviewerPseudonym(secret, email)]));
    },

    /**
     * The reviewers, escalation contacts and admins of a round from the people directory as the
     * file says now (read again whenever it changed), absences applied (see `peopleForRound`).
     */
    async peopleForRound(request: RoundPeopleRequest): Promise<RoundPeople> {
      if (people) return peopleForRound(people(), request);
      if (!settings.peopleFile) throw ApplicationFailure.nonRetryable('the worker has no people file (peopleFile) to resolve a round from', 'no-people-file');
      return peopleForRound(currentPeopleDirectory(settings.peopleFile), request);
    },

    /** The open ideas most like a new one, by title and description, from the events store (see activities/similar.ts). */
    async findSimilarIdeas(idea: IdeaText): Promise<SimilarIdea[]> {
      return findSimilarOpenIdeas(store, idea);
    },

    /** One reading of a KPI from the firm's own system, for a pilot's check. */
    async pullKpi(source: { url: string; jsonPath: string }): Promise<number> {
      return pullKpiReading(source);
    },

    /**
     * Appends one step of a journey to the events table; a retry of the same step is a no-op.
     * Then starts a webhook delivery per subscriber of the step (once per event id, however often
     * this is retried), through the worker's own Temporal client; the POSTs run apart.
     */
    async recordEvent({ stream, journey, ...event }: Omit<StoredEvent, 'id'> & { stream?: string; journey?: string }): Promise<void> {
      // A child workflow (a pilot) numbers its own events, in a stream of its own; the journey's
      // first run id keeps an idea id used again after retention from meeting the old events.
      const id = [event.ideaId, journey, stream, event.seq].filter((part) => part !== undefined).join(':');
      const added = await store.appendEvent({ ...event, id });
      if (added && metrics) {
        metrics.events.inc({ type: event.type });
        if (event.type === 'decided') metrics.decisions.inc({ gate: event.gate ?? '', decision: String(event.detail.decision), decided_by: String(event.detail.decidedBy) });
      }
      if (hasSubscribers(settings, event)) await startWebhookDeliveries(Context.current().client, webhookSettings(), { ...event, id });
    },

    /** One attempt to POST a webhook to its subscriber (see activities/webhooks.ts). */
    async deliverWebhook(delivery: { eventId: string; ideaId: string; subscriber: string }): Promise<{ status: number; attempt: number }> {
      return deliverWebhookOnce(store, webhookSettings(), delivery);
    },

    /** Keeps how a webhook delivery ended: delivered, or a dead letter. */
    async recordWebhookDelivery(delivery: WebhookDelivery): Promise<void> {
      await store.recordWebhookDelivery(delivery);
    },

    /**
     * Keeps one message per recipient in the outbox, each with an id that a retried activity
     * repeats, and sends it when there is a mail server. A retry sends only what was not sent yet.
     * Messages the server refuses for good are tried once; the others still go, then the activity
     * fails without retrying (`smtp-rejected`, with the refusals as details).
     */
    async notify(notification: Notification): Promise<void> {
      const scope = notification.gate ? `${notification.gate.id}/${notification.gate.round}` : (notification.stage?.id ?? 'idea');
      const rejected: SmtpRejectedDetails['rejected'] = [];
      await sweepOutbox();
      for (const to of notification.to) {
        const id = [notification.idea.ideaId, notification.journey, scope, notification.purpose, to.email, notification.seq].filter((part) => part !== undefined).join('/');
        let kept = (await store.outbox({ id, limit: 1 }))[0];
        if (!kept) {
          const { subject, text, html } = await renderEmail(notification, to, { links, timeZone, decisionLabels: decisionLabels(notification.idea.processName) });
          const messageId = messageIdFor(id, settings.mail.from);
          await store.addToOutbox({ id, ideaId: notification.idea.ideaId, purpose: notification.purpose, to, subject, text, html, messageId, createdAt: new Date().toISOString() });
          kept = (await store.outbox({ id, limit: 1 }))[0]!;
        }
        if (!mailer) continue;
        if (kept.sentAt) {
          // Sent by an earlier try that stopped before it could take the links out.
          if (kept.text !== redactLinks(kept.text, settings.publicUrl)) await keepWithoutLinks(kept);
          continue;
        }
        if (kept.rejection) {
          rejected.push({ to: to.email, response: kept.rejection });
          continue;
        }
        try {
          await mailer.send({ messageId: kept.messageId ?? messageIdFor(id, settings.mail.from), to: kept.to, subject: kept.subject, text: kept.text, html: kept.html });
        } catch (err) {
          metrics?.emailsFailed.inc({ purpose: notification.purpose, kind: err instanceof SmtpRejection ? 'permanent' : 'temporary' });
          if (!(err instanceof SmtpRejection)) throw err;
          await store.markRejected(id, err.response);
          await keepWithoutLinks(kept);
          rejected.push({ to: to.email, response: err.response });
          continue;
        }
        // Outside the try: a store that fails after the send is not a failed email.
        await store.markSent(id, new Date().toISOString());
        await keepWithoutLinks(kept);
        metrics?.emailsSent.inc({ purpose: notification.purpose });
      }
      if (rejected.length > 0) {
        const details: SmtpRejectedDetails = { rejected };
        const who = rejected.map((rejection) => `${rejection.to} (${rejection.response})`).join(', ');
        throw ApplicationFailure.nonRetryable(`The mail server refused the ${notification.purpose} message for good: ${who}`, SMTP_REJECTED, details);
      }
    },
  };
}

/** How long the outbox keeps messages when the settings do not say. */
const OUTBOX_RETENTION_MS = 30 * 24 * 3_600_000;
/** How often a worker deletes what the outbox kept past its retention. */
const OUTBOX_SWEEP_INTERVAL_MS = 10 * 60_000;

export type StageGateActivities = ReturnType<typeof createActivities>;
