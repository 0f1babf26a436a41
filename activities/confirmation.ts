import type { Settings } from '../config/settings';
import { linkBuilder, redactLinks } from '../links';
import type { Store } from '../store';
import type { Person } from '../workflows/inputs';
import { createMailer, messageIdFor, SmtpRejection, type Mailer } from './email/mailer';
import { renderHtml } from './email/templates';
import { composeConfirmation, renderText } from './messages';

/** What the portal asks for when a submitter from outside the firm sends an idea. */
export interface ConfirmationRequest {
  /** The id the idea is held under, and will have once confirmed. */
  ideaId: string;
  to: Person;
  title: string;
  /** The campaign's question, when the idea answers one. */
  question?: string;
  /** When the held submission, and so its link, expires. */
  expiresAt: string;
}

export interface ConfirmationMail {
  /** Keeps the confirmation in the outbox and sends it when there is a mail server; once per held submission. */
  send(request: ConfirmationRequest): Promise<void>;
  close(): void;
}

export const CONFIRMATION_PURPOSE = 'confirm-submission';

/**
 * The portal's one message of its own, sent by the web server's process rather than by a journey:
 * before the link is followed there is no journey, and a flood of made-up submissions must not
 * start any. Kept and sent the way a journey's messages are: in the outbox (sealed when the store
 * is), by SMTP when `mail.smtp` is set, its link taken out of the outbox once delivered.
 */
export function createConfirmationMail({ store, settings, mailer }: { store: Store; settings: Pick<Settings, 'publicUrl' | 'linkSecret' | 'linkTtl' | 'mail' | 'calendar'>; mailer?: Mailer }): ConfirmationMail {
  const links = linkBuilder(settings);
  const smtp = mailer ?? (settings.mail.smtp ? createMailer(settings.mail) : undefined);
  return {
    async send(request) {
      const id = `${request.ideaId}/${CONFIRMATION_PURPOSE}/${request.to.email}`;
      if ((await store.outbox({ id, limit: 1 }))[0]) return;
      const message = composeConfirmation({ ...request, confirmUrl: links.confirm(request.ideaId, request.to.email) }, { timeZone: settings.calendar?.timeZone });
      const [text, html] = [renderText(message), await renderHtml(message)];
      const messageId = messageIdFor(id, settings.mail.from);
      await store.addToOutbox({ id, ideaId: request.ideaId, purpose: CONFIRMATION_PURPOSE, to: request.to, subject: message.subject, text, html, messageId, createdAt: new Date().toISOString() });
      if (!smtp) return;
      const withoutLinks = () => store.redactMessage(id, { text: redactLinks(text, settings.publicUrl), html: redactLinks(html, settings.publicUrl) });
      try {
        await smtp.send({ messageId, to: request.to, subject: message.subject, text, html });
      } catch (err) {
        if (err instanceof SmtpRejection) await store.markRejected(id, err.response).then(withoutLinks);
        throw err;
      }
      await store.markSent(id, new Date().toISOString());
      await withoutLinks();
    },
    close: () => smtp?.close(),
  };
}
