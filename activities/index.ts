import { renderMessage } from './messages';
import type { Notification } from './notification';
import type { Store, StoredEvent } from './store';

/** The activities of an idea journey, bound to the worker's store. */
export function createActivities(store: Store) {
  return {
    /** Appends one step of a journey to the events table; a retry of the same step is a no-op. */
    async recordEvent(event: Omit<StoredEvent, 'id'>): Promise<void> {
      store.appendEvent({ ...event, id: `${event.ideaId}:${event.seq}` });
    },

    /** Writes one message per recipient to the outbox, each with an id that a retried send repeats. */
    async notify(notification: Notification): Promise<void> {
      const scope = notification.gate ? `${notification.gate.id}/${notification.gate.round}` : (notification.stage?.id ?? 'idea');
      for (const to of notification.to) {
        const { subject, text } = renderMessage(notification, to);
        store.addToOutbox({
          id: `${notification.idea.ideaId}/${scope}/${notification.purpose}/${to.email}/${notification.seq}`,
          ideaId: notification.idea.ideaId,
          purpose: notification.purpose,
          to,
          subject,
          text,
          createdAt: new Date().toISOString(),
        });
      }
    },
  };
}

export type StageGateActivities = ReturnType<typeof createActivities>;
