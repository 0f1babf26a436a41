import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Settings } from '../../config/settings';
import { StageGateError, type StageGateClient } from '../sdk';
import { automaticMessage, ideaFromMessage, type Quarantine, type QuarantineReason } from './message';

/**
 * The email intake's one way in: a received message (its raw bytes, and the envelope sender where
 * SMTP gave one) becomes an idea through the SDK, idempotent on its Message-ID, or is kept in the
 * quarantine folder with its reason. The journey acknowledges an idea by its `idea-received`
 * message, which carries the follow link; nothing here ever answers a message.
 */

export type IntakeOutcome =
  | { outcome: 'submitted'; ideaId: string; created: boolean }
  | { outcome: 'quarantined'; reason: QuarantineReason; why: string; file: string };

export interface Envelope {
  /** MAIL FROM: `''` for the null sender of a bounce; absent when the message came from a mailbox. */
  mailFrom?: string;
  /** RCPT TO, for the log. */
  rcptTo?: string[];
  /** `smtp` or `imap`. */
  via: 'smtp' | 'imap';
}

export interface EmailIntake {
  receive(raw: Buffer, envelope: Envelope): Promise<IntakeOutcome>;
  /** A message not read at all (over the size limit): logged, and kept as a note in quarantine when it came from a mailbox. */
  oversized(size: number, envelope: Envelope & { messageId?: string; from?: string }): Promise<void>;
  /** Where quarantined messages go: `<dataDir>/intake/quarantine`. */
  readonly quarantineDir: string;
}

/** One line per message: what happened, as `key=value` pairs, with nothing a log reader could act on. */
export type IntakeLog = (line: string) => void;

const UNSAFE = /[\u0000-\u001f\u007f-\u009f"]/g;
/** `stagegate intake: event key=value key="a value"`, control characters and quotes made `?`. */
export function logLine(event: string, fields: Record<string, string | number | undefined>): string {
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => {
      const text = String(value).replace(UNSAFE, '?').slice(0, 200);
      return `${key}=${/[\s=]/.test(text) ? `"${text}"` : text}`;
    });
  return `stagegate intake: ${event} ${pairs.join(' ')}`.trimEnd();
}

/** The folder of the intake's quarantined messages. */
export function quarantineFolder(settings: Pick<Settings, 'dataDir'>): string {
  return join(settings.dataDir, 'intake', 'quarantine');
}

/** The intake of `client`, with the client's settings unless others are given. */
export function createIntake(client: StageGateClient, log: IntakeLog, settings: Settings = client.settings): EmailIntake {
  const quarantineDir = quarantineFolder(settings);

  /** `<time>-<reason>-<digest>.eml` and a `.json` beside it saying why; a message quarantined twice is one file. */
  async function quarantine(raw: Buffer | undefined, verdict: Quarantine, envelope: Envelope, about: { messageId?: string; from?: string; size?: number }): Promise<IntakeOutcome> {
    await mkdir(quarantineDir, { recursive: true, mode: 0o700 });
    const digest = createHash('sha256').update(raw ?? JSON.stringify(about)).digest('hex').slice(0, 16);
    const base = join(quarantineDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${verdict.reason}-${digest}`);
    if (raw) await writeFile(`${base}.eml`, raw, { mode: 0o600 });
    const note = { reason: verdict.reason, why: verdict.why, via: envelope.via, mailFrom: envelope.mailFrom, rcptTo: envelope.rcptTo, from: about.from, messageId: about.messageId, size: about.size ?? raw?.length, receivedAt: new Date().toISOString() };
    await writeFile(`${base}.json`, `${JSON.stringify(note, null, 2)}\n`, { mode: 0o600 });
    const file = raw ? `${base}.eml` : `${base}.json`;
    log(logLine('quarantined', { reason: verdict.reason, why: verdict.why, via: envelope.via, from: about.from, 'message-id': about.messageId, file }));
    return { outcome: 'quarantined', reason: verdict.reason, why: verdict.why, file };
  }

  async function keepAttachments(ideaId: string, attachments: { name: string; content: Buffer }[]): Promise<void> {
    if (!settings.intake.storeAttachments || attachments.length === 0) return;
    const folder = join(settings.dataDir, 'intake', 'attachments', ideaId);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    for (const [index, attachment] of attachments.entries()) await writeFile(join(folder, `${index + 1}-${attachment.name}`), attachment.content, { mode: 0o600 });
  }

  return {
    quarantineDir,

    async receive(raw, envelope) {
      if (raw.length > settings.intake.maxSize) return quarantine(undefined, { reason: 'oversized', why: `${raw.length} bytes, more than ${settings.intake.maxSize}` }, envelope, { size: raw.length });
      let mail;
      try {
        mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, maxHtmlLengthToParse: settings.intake.maxSize });
      } catch (err) {
        return quarantine(raw, { reason: 'malformed', why: `cannot be parsed: ${(err as Error).message}` }, envelope, {});
      }
      const about = { messageId: mail.messageId, from: mail.from?.value[0]?.address };
      const automatic = automaticMessage(mail, envelope.mailFrom);
      if (automatic) return quarantine(raw, automatic, envelope, about);
      const idea = ideaFromMessage(mail, settings);
      if ('reason' in idea) return quarantine(raw, idea, envelope, about);
      let submitted;
      try {
        submitted = await client.submitIdea(idea.submission, { idempotencyKey: `message-id:${idea.messageId}`, through: { via: 'email' } });
      } catch (err) {
        if (err instanceof StageGateError && err.code === 'idempotency-key-reused') return quarantine(raw, { reason: 'message-id-reused', why: 'another message came first with this Message-ID' }, envelope, about);
        if (err instanceof StageGateError && err.code === 'invalid-input') return quarantine(raw, { reason: 'malformed', why: err.message }, envelope, about);
        // Temporal or the worker could not take it now: the sender's server (or the next poll) tries again.
        throw err;
      }
      if (submitted.created) await keepAttachments(submitted.ideaId, idea.attachments);
      log(logLine(submitted.created ? 'submitted' : 'already-submitted', { idea: submitted.ideaId, via: envelope.via, from: about.from, 'message-id': idea.messageId, source: idea.submission.source }));
      return { outcome: 'submitted', ideaId: submitted.ideaId, created: submitted.created };
    },

    async oversized(size, envelope) {
      const verdict: Quarantine = { reason: 'oversized', why: `${size} bytes, more than ${settings.intake.maxSize}` };
      if (envelope.via === 'imap') {
        await quarantine(undefined, verdict, envelope, { messageId: envelope.messageId, from: envelope.from, size });
        return;
      }
      log(logLine('refused', { reason: verdict.reason, why: verdict.why, via: envelope.via, 'mail-from': envelope.mailFrom, rcpt: envelope.rcptTo?.join(',') }));
    },
  };
}
