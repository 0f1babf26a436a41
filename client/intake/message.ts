import type { ParsedMail } from 'mailparser';
import { sourceOfAddress, type Settings } from '../../config/settings';
import { cleanText, LIMITS } from '../../config/text';
import type { IdeaSubmission } from '../sdk';

/**
 * What a received message is to the intake: an idea to submit, or a message to quarantine and
 * never answer. Pure: the SMTP listener and the IMAP poller share it.
 */

/** Why a message did not become an idea; each is logged and the message kept in quarantine, never answered. */
export const QUARANTINE_REASONS = ['auto-reply', 'bounce', 'malformed', 'oversized', 'message-id-reused'] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

export interface Quarantine {
  reason: QuarantineReason;
  /** The header or fault that decided it, for the log: `Auto-Submitted: auto-replied`. */
  why: string;
}

/** One attachment as the idea lists it; its content stays in the message unless the intake keeps it. */
export interface ListedAttachment {
  name: string;
  size: number;
  content: Buffer;
}

export interface IdeaFromMessage {
  submission: IdeaSubmission;
  /** The Message-ID, angle brackets included: the idempotency key of the submission. */
  messageId: string;
  attachments: ListedAttachment[];
}

/** Precedence values that mean a machine sent it to many (RFC 2076; `auto_reply` from vacation programs). */
const BULK_PRECEDENCE = new Set(['bulk', 'list', 'junk', 'auto_reply']);

/** The first header line of this (lower-case) name, its value as written. */
function header(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.find((entry) => entry.key === name)?.line;
  return line === undefined ? undefined : line.slice(line.indexOf(':') + 1).trim();
}

/**
 * An automatic message that must not be answered (RFC 3834): a bounce (null envelope sender, a
 * delivery report, MAILER-DAEMON) or an auto-reply (Auto-Submitted, X-Auto-Response-Suppress, a
 * bulk Precedence, a mailing list's List-* headers). `envelopeFrom` is SMTP's MAIL FROM, or the
 * Return-Path a mailbox keeps of it; `''` is the null sender.
 */
export function automaticMessage(mail: ParsedMail, envelopeFrom: string | undefined): Quarantine | undefined {
  const returnPath = envelopeFrom ?? header(mail, 'return-path');
  if (returnPath !== undefined && /^<?\s*>?$/.test(returnPath.trim())) return { reason: 'bounce', why: 'null sender (MAIL FROM:<>)' };
  const contentType = header(mail, 'content-type');
  if (contentType && /^multipart\/report\b/i.test(contentType)) return { reason: 'bounce', why: `Content-Type: ${contentType.split(';')[0]}` };
  const from = mail.from?.value[0]?.address ?? '';
  if (/^(mailer-daemon|postmaster)@/i.test(from)) return { reason: 'bounce', why: `From: ${from}` };
  const autoSubmitted = header(mail, 'auto-submitted');
  if (autoSubmitted && autoSubmitted.toLowerCase() !== 'no') return { reason: 'auto-reply', why: `Auto-Submitted: ${autoSubmitted}` };
  const suppress = header(mail, 'x-auto-response-suppress');
  if (suppress) return { reason: 'auto-reply', why: `X-Auto-Response-Suppress: ${suppress}` };
  const precedence = header(mail, 'precedence');
  if (precedence && BULK_PRECEDENCE.has(precedence.toLowerCase())) return { reason: 'auto-reply', why: `Precedence: ${precedence}` };
  const list = mail.headerLines.find((entry) => entry.key.startsWith('list-'));
  if (list) return { reason: 'auto-reply', why: `${list.line.slice(0, list.line.indexOf(':'))} header (a mailing list)` };
  return undefined;
}

/** "photo.jpg (120 kB)". */
function describeSize(bytes: number): string {
  if (bytes < 1_024) return `${bytes} bytes`;
  if (bytes < 1_048_576) return `${Math.round(bytes / 1_024)} kB`;
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** Text cut to `max` characters at a word, with an ellipsis when cut. */
function within(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max / 2)).trimEnd()}…`;
}

/**
 * A message as an idea: subject as title, the text part as description (mailparser turns an
 * HTML-only message into text), the From header as submitter, attachments listed by name and
 * size, the source from the sender's domain (`customer` when it is neither staff nor a partner).
 * A message without a sender, a Message-ID or anything to read is malformed.
 */
export function ideaFromMessage(mail: ParsedMail, settings: Pick<Settings, 'staffDomains' | 'partnerDomains' | 'intake'>): IdeaFromMessage | Quarantine {
  const sender = mail.from?.value.find((entry) => entry.address);
  if (!sender?.address || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(sender.address)) return { reason: 'malformed', why: 'no sender address in From' };
  if (!mail.messageId) return { reason: 'malformed', why: 'no Message-ID header' };
  const email = sender.address.toLowerCase();
  const attachments = mail.attachments
    .filter((attachment) => attachment.contentDisposition !== 'inline' || attachment.filename)
    .map((attachment, index) => ({ name: cleanText(attachment.filename ?? `attachment-${index + 1}`).replace(/[/\\]/g, '_') || `attachment-${index + 1}`, size: attachment.size, content: attachment.content }));
  const subject = cleanText(mail.subject ?? '').replace(/\s+/g, ' ').trim();
  const text = cleanText(mail.text ?? '').replace(/\r\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  if (!subject && !text) return { reason: 'malformed', why: 'no subject and no text' };
  const listing = attachments.length
    ? `\n\nAttachments (${settings.intake.storeAttachments ? 'kept by the intake' : 'not kept'}): ${attachments.map((attachment) => `${attachment.name} (${describeSize(attachment.size)})`).join(', ')}`
    : '';
  const description = `${within(text || subject, LIMITS.description - listing.length)}${listing}`;
  const name = cleanText(sender.name ?? '').trim() || email.slice(0, email.indexOf('@'));
  return {
    messageId: mail.messageId,
    attachments,
    submission: {
      title: within(subject || text.split('\n')[0]!, LIMITS.title),
      description,
      source: sourceOfAddress(settings, email) ?? 'customer',
      // No category: nobody writing an email picks one, so the first gate's reviewers settle it.
      submitter: { email, name: within(name, LIMITS.name) },
    },
  };
}
