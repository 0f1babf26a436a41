import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import type { IntakeSettings } from '../../config/settings';
import { logLine, type EmailIntake, type IntakeLog } from './intake';

/**
 * The intake's IMAP poller, for a firm whose mail is hosted: every `pollInterval` it reads the
 * folder's messages not yet seen, hands each to the intake, and marks it seen once it became an
 * idea or went to quarantine. A message the intake could not take now (Temporal unreachable)
 * stays unseen for the next poll; the Message-ID keeps a message read twice one idea.
 */

export type ImapSettings = NonNullable<IntakeSettings['imap']>;

/** One look at the mailbox; answers how many messages were handled. */
export async function pollMailboxOnce(intake: EmailIntake, imap: ImapSettings, maxSize: number, log: IntakeLog): Promise<number> {
  const url = new URL(imap.url);
  const secure = url.protocol === 'imaps:';
  const client = new ImapFlow({ host: url.hostname, port: url.port ? Number(url.port) : secure ? 993 : 143, secure, auth: { user: imap.user, pass: imap.pass }, logger: false });
  client.on('error', (err: Error) => log(logLine('error', { via: 'imap', why: err.message })));
  await client.connect();
  let handled = 0;
  try {
    const lock = await client.getMailboxLock(imap.folder);
    try {
      const unseen = (await client.search({ seen: false }, { uid: true })) || [];
      for (const uid of unseen) {
        const head = await client.fetchOne(String(uid), { uid: true, size: true, envelope: true }, { uid: true });
        if (!head) continue;
        const envelope = { via: 'imap' as const };
        if ((head.size ?? 0) > maxSize) {
          await intake.oversized(head.size!, { ...envelope, messageId: head.envelope?.messageId, from: head.envelope?.from?.[0]?.address });
        } else {
          const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
          if (!message || !message.source) continue;
          await intake.receive(message.source, envelope);
        }
        await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
        handled++;
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return handled;
}

/** Polls until `signal` aborts; a failed poll is logged and tried again at the next interval. */
export async function pollMailbox(intake: EmailIntake, imap: ImapSettings, maxSize: number, log: IntakeLog, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      await pollMailboxOnce(intake, imap, maxSize, log);
    } catch (err) {
      log(logLine('deferred', { via: 'imap', why: err instanceof Error ? err.message : String(err) }));
    }
    await sleep(imap.pollInterval, undefined, { signal }).catch(() => undefined);
  }
}
