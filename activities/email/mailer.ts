import { createHash } from 'node:crypto';
import nodemailer, { type NodemailerError } from 'nodemailer';
import type { MailSettings } from '../../config/settings';
import type { Person } from '../../workflows/inputs';

/**
 * Sending by SMTP, one pooled transport per worker. A message the server refuses for good is an
 * `SmtpRejection` (the activity turns it into a non-retryable failure); anything else (a 4xx
 * reply, a refused or dropped connection, a timeout, bad credentials) is thrown as it is, and
 * Temporal retries the activity with backoff.
 */

export interface OutgoingEmail {
  messageId: string;
  to: Person;
  subject: string;
  text: string;
  /** Absent on messages kept before email; they go as plain text. */
  html?: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
  /** Closes the pooled connections; a message being sent finishes first. */
  close(): void;
}

/** The SMTP server refused this message or its recipient for good (a 5xx reply to RCPT TO or DATA). */
export class SmtpRejection extends Error {
  override readonly name = 'SmtpRejection';
  constructor(
    readonly recipient: string,
    readonly response: string,
  ) {
    super(`The mail server refused the message to ${recipient}: ${response}`);
  }
}

/** `<hash@domain>` from the outbox id: every attempt at the same message carries the same Message-ID. */
export function messageIdFor(outboxId: string, from: string): string {
  const domain = /@([^\s@>]+)>?\s*$/.exec(from)?.[1] ?? 'stagegate';
  return `<${createHash('sha256').update(outboxId).digest('hex').slice(0, 32)}@${domain}>`;
}

// Short enough that a dead server fails the attempt well inside the activity's 30-second timeout.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

export function createMailer(mail: MailSettings): Mailer {
  const smtp = mail.smtp;
  if (!smtp) throw new Error('createMailer needs mail.smtp (STAGEGATE_SMTP_HOST)');
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 3,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.pass ?? '' } : undefined,
    ...TIMEOUTS,
  });
  return {
    async send(email) {
      try {
        await transport.sendMail({
          from: mail.from,
          to: { name: email.to.name, address: email.to.email },
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId: email.messageId,
          // RFC 3834: out-of-office replies should not answer an automatic message.
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
      } catch (err) {
        throw isRejection(err as NodemailerError) ? new SmtpRejection(email.to.email, (err as NodemailerError).response ?? (err as Error).message) : err;
      }
    },
    close: () => transport.close(),
  };
}

/**
 * A permanent reply to the recipient or the message itself. A 5xx to AUTH or MAIL FROM is the
 * worker's own configuration (credentials, sender address): retried, so the messages go out once
 * an operator fixes it, instead of every journey marking its messages undelivered.
 */
function isRejection(err: NodemailerError): boolean {
  return err.permanent === true && (err.command === 'RCPT TO' || err.command === 'DATA');
}
