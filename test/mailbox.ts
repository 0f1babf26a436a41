import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on loopback that keeps what it receives and refuses recipients when told. */
export class Mailbox {
  readonly received: ParsedMail[] = [];
  /** Recipient commands per address, refused or not. */
  readonly attempts = new Map<string, number>();
  private readonly refusals = new Map<string, number[]>();
  /** Answers MAIL FROM with this code: the server does not take mail from our sender address. */
  senderRefusal?: number;
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom: (_address, _session, callback) => {
      callback(this.senderRefusal ? Object.assign(new Error('Sender address rejected'), { responseCode: this.senderRefusal }) : undefined);
    },
    onRcptTo: (address, _session, callback) => {
      const to = address.address.toLowerCase();
      this.attempts.set(to, (this.attempts.get(to) ?? 0) + 1);
      const code = this.refusals.get(to)?.shift();
      if (code) return callback(Object.assign(new Error(code >= 500 ? 'No such mailbox here' : 'Greylisted, try again later'), { responseCode: code }));
      callback();
    },
    onData: (stream, _session, callback) => {
      simpleParser(stream).then((mail) => {
        this.received.push(mail);
        callback();
      }, callback);
    },
  });

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.server.address() as AddressInfo).port;
  }

  /** Answers the next RCPT TO commands for this address with these codes, then accepts. */
  refuse(address: string, ...codes: number[]): void {
    this.refusals.set(address, codes);
  }

  to(address: string, subject?: string): ParsedMail[] {
    return this.received.filter((mail) => mail.to && !Array.isArray(mail.to) && mail.to.value.some((to) => to.address === address) && (!subject || mail.subject?.includes(subject)));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A fresh Mailbox for each test of the file (or describe block) that calls this: `box.mail`, and `box.port` it listens on. */
export function mailboxForEachTest(): { readonly mail: Mailbox; readonly port: number } {
  const box = {} as { mail: Mailbox; port: number };
  beforeEach(async () => {
    box.mail = new Mailbox();
    box.port = await box.mail.start();
  });
  afterEach(() => box.mail.close());
  return box;
}
