import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import type { IntakeSettings } from '../../config/settings';
import { logLine, type EmailIntake, type IntakeLog } from './intake';

/**
 * The intake's SMTP listener, for a firm that points an address (an MX record or a forward) at
 * it. Safe on the internet: it takes mail only for the intake's addresses (no relay: it never
 * sends anything on), announces and enforces the size limit, caps connections, offers STARTTLS
 * when certificates are configured, and has no AUTH (inbound mail needs none).
 */

export interface SmtpIntake {
  /** `smtp://127.0.0.1:2525`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Whether a recipient is one the intake takes: listed itself, or at a listed `@domain`; anyone on `acceptAny` (dev on loopback). */
export function accepts(addresses: string[], recipient: string): boolean {
  const address = recipient.toLowerCase();
  return addresses.some((entry) => (entry.startsWith('@') ? address.endsWith(entry) : address === entry));
}

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

export async function startSmtpIntake(intake: EmailIntake, settings: IntakeSettings, log: IntakeLog, options: { acceptAny?: boolean } = {}): Promise<SmtpIntake> {
  const tls = settings.tlsKey && settings.tlsCert ? { key: readFileSync(settings.tlsKey), cert: readFileSync(settings.tlsCert) } : undefined;
  const server = new SMTPServer({
    name: 'stagegate-intake',
    banner: 'stagegate intake: ideas welcome',
    size: settings.maxSize,
    maxClients: settings.maxConnections,
    // Inbound mail needs no AUTH; without certificates there is nothing to offer STARTTLS with.
    authOptional: true,
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...tls,
    logger: false,
    onRcptTo(address, session, callback) {
      if (options.acceptAny || accepts(settings.addresses, address.address)) return callback();
      log(logLine('refused', { reason: 'recipient', rcpt: address.address, 'mail-from': session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined, client: session.remoteAddress }));
      callback(smtpError(550, '5.7.1 No such recipient here; this server takes ideas only and relays nothing'));
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      let kept = 0;
      // Past the limit the rest is read and dropped, so the client hears the answer.
      stream.on('data', (chunk: Buffer) => {
        kept += chunk.length;
        if (kept <= settings.maxSize) chunks.push(chunk);
      });
      stream.on('end', () => {
        const envelope = { via: 'smtp' as const, mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', rcptTo: session.envelope.rcptTo.map((to) => to.address) };
        if (stream.sizeExceeded) {
          void intake.oversized(kept, envelope).finally(() => callback(smtpError(552, `5.3.4 Message too big: at most ${settings.maxSize} bytes`)));
          return;
        }
        intake.receive(Buffer.concat(chunks), envelope).then(
          (outcome) => callback(null, outcome.outcome === 'submitted' ? `Idea ${outcome.ideaId} received` : 'Received'),
          (err: unknown) => {
            log(logLine('deferred', { why: err instanceof Error ? err.message : String(err), via: 'smtp', 'mail-from': envelope.mailFrom }));
            callback(smtpError(451, '4.3.0 Cannot take ideas right now; try again later'));
          },
        );
      });
    },
  });
  server.on('error', (err) => log(logLine('error', { why: err.message })));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return { url: `smtp://${host}:${port}`, port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
