import { createConfirmationMail, type ConfirmationMail } from '../activities/confirmation';
import type { Settings } from '../config/settings';
import type { Store } from '../store';

export type { ConfirmationMail } from '../activities/confirmation';

/**
 * The portal's confirmation emails, for a process that serves the web pages (`stagegate web`,
 * `stagegate dev`): kept in its events store's outbox and sent by SMTP when `mail.smtp` is set.
 * Made here, beside the worker's own wiring, because client/ reaches no activity itself.
 */
export function confirmationMail(settings: Settings, store: Store): ConfirmationMail {
  return createConfirmationMail({ store, settings });
}
