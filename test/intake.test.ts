import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type Mail from 'nodemailer/lib/mailer';
import { SHIPPED_PROCESSES_DIR, type Settings } from '../config/settings';
import { verifyLink } from '../links';
import { StageGateClient } from '../client/sdk';
import { createIntake, type EmailIntake } from '../client/intake/intake';
import { pollMailboxOnce } from '../client/intake/imap';
import { startSmtpIntake, type SmtpIntake } from '../client/intake/smtp';
import { openStore, type Store } from '../store';
import { eventually, settled, startWorker, TEST_LINK_SECRET, testSettings } from './helpers';
import { Mailbox } from './mailbox';
import { DEV_TEST_MS, startDev } from './cli-process';
import { makeCertificates } from './tls-proxy';

// hoodiecrow-imap ships no types: a scriptable IMAP4rev1 server that keeps its mailbox in memory.
const hoodiecrow = require('hoodiecrow-imap') as (options: object) => { listen(port: number, host: string, done: () => void): void; server: { address(): { port: number } }; close(done: () => void): void };

const INTAKE = 'ideas@cornerbakery.example';
const MAX_SIZE = 64 * 1024;

let mailbox: Mailbox;
let settings: Settings;
let worker: Awaited<ReturnType<typeof startWorker>>;
let client: StageGateClient;
let store: Store;
let intake: EmailIntake;
let smtp: SmtpIntake;
const logged: string[] = [];

beforeAll(async () => {
  mailbox = new Mailbox();
  const mailPort = await mailbox.start();
  settings = testSettings({
    processesDir: SHIPPED_PROCESSES_DIR,
    publicUrl: 'https://ideas.cornerbakery.example',
    mail: { from: 'Corner Bakery ideas <ideas@cornerbakery.example>', smtp: { host: '127.0.0.1', port: mailPort } },
    staffDomains: ['cornerbakery.example'],
    partnerDomains: ['coffeesupplier.example'],
    intake: { port: 0, addresses: [INTAKE, '@ideas.cornerbakery.example'], maxSize: MAX_SIZE },
  });
  worker = await startWorker(settings);
  client = await StageGateClient.connect({ settings });
  store = await openStore(settings);
  intake = createIntake(client, (line) => logged.push(line));
  smtp = await startSmtpIntake(intake, settings.intake, (line) => logged.push(line));
});

afterAll(async () => {
  await smtp?.close();
  worker?.worker.shutdown();
  await worker?.running;
  await client?.close();
  await store?.close();
  await mailbox?.close();
});

/** Sends through a real SMTP client to the listener; answers the server's reply to DATA. */
async function send(message: Mail.Options, port = smtp.port): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    return (await transport.sendMail({ to: INTAKE, ...message })).response;
  } finally {
    transport.close();
  }
}

/** The idea id the listener's reply names. */
function ideaIn(response: string): string {
  const id = /Idea (\S+) received/.exec(response)?.[1];
  if (!id) throw new Error(`no idea in the reply "${response}"`);
  return id;
}

/** A bare SMTP dialogue: the reply to the last command. */
async function dialogue(commands: string[]): Promise<string> {
  const socket = connect(smtp.port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  const replies = async (count: number) => eventually(() => expect(received.match(/^\d{3} /gm)?.length ?? 0).toBeGreaterThanOrEqual(count));
  try {
    await replies(1);
    for (const [index, command] of commands.entries()) {
      socket.write(`${command}\r\n`);
      await replies(index + 2);
    }
    return received.trimEnd().split('\n').pop()!;
  } finally {
    socket.destroy();
  }
}

let sequence = 0;
const messageId = () => `<intake-${Date.now()}-${++sequence}@customer.example>`;

/** The quarantine's note of the message with this Message-ID. */
function quarantined(id: string): { reason: string; why: string } | undefined {
  if (!existsSync(intake.quarantineDir)) return undefined;
  for (const file of readdirSync(intake.quarantineDir).filter((name) => name.endsWith('.json'))) {
    const note = JSON.parse(readFileSync(join(intake.quarantineDir, file), 'utf8')) as { reason: string; why: string; messageId?: string };
    if (note.messageId === id) return note;
  }
  return undefined;
}

/** Addresses that must never hear back from the intake; checked once every acknowledgement has had its chance. */
const neverAnswered: string[] = [];

describe('email intake: messages become ideas', () => {
  test('a plain text message: subject as title, text as description, From as submitter, a customer; acknowledged by email with the follow link', async () => {
    const response = await send({ from: 'Grace Hall <grace@customer.example>', subject: 'Day-old bread at half price', text: 'Sell yesterday\'s loaves at half price before noon.\nLess waste, happier regulars.', messageId: messageId() });
    const ideaId = ideaIn(response);
    const idea = await client.getIdea(ideaId);
    expect(idea).toMatchObject({ title: 'Day-old bread at half price', source: 'customer', submitter: { email: 'grace@customer.example', name: 'Grace Hall' } });
    expect(idea.description).toBe("Sell yesterday's loaves at half price before noon.\nLess waste, happier regulars.");
    const events = await eventually(async () => {
      const found = (await store.events({ ideaId })).filter((event) => event.type === 'submitted');
      expect(found).toHaveLength(1);
      return found;
    });
    expect(events[0]!.detail).toMatchObject({ via: 'email' });
    const reply = await eventually(() => {
      const found = mailbox.to('grace@customer.example', 'Day-old bread at half price');
      expect(found).toHaveLength(1);
      return found[0]!;
    }, 20_000);
    expect(reply.subject).toBe('Thank you: your idea "Day-old bread at half price" is in');
    const token = /https:\/\/ideas\.cornerbakery\.example\/follow\/([A-Za-z0-9_-]+)/.exec(reply.text ?? '')?.[1];
    expect(verifyLink(TEST_LINK_SECRET, token!, 'follow')).toMatchObject({ ideaId, email: 'grace@customer.example' });
    expect(reply.headers.get('auto-submitted')).toBe('auto-generated');
    expect(logged.some((line) => line.startsWith('stagegate intake: submitted') && line.includes(`idea=${ideaId}`) && line.includes('source=customer'))).toBe(true);
  });

  test('a multipart message: the text part is the description, attachments are listed by name and size and not kept', async () => {
    const response = await send({
      from: 'Grace Hall <grace@customer.example>',
      subject: 'Soup of the day from yesterday\'s bread',
      text: 'Turn unsold bread into croutons for a soup of the day.',
      html: '<p>Turn <b>unsold bread</b> into croutons for a <i>soup of the day</i>.</p><p>HTML only words</p>',
      attachments: [{ filename: 'menu.pdf', content: Buffer.alloc(2_048, 1) }, { filename: 'photo.jpg', content: Buffer.alloc(300, 2) }],
      messageId: messageId(),
    });
    const ideaId = ideaIn(response);
    const idea = await client.getIdea(ideaId);
    expect(idea.description).toBe('Turn unsold bread into croutons for a soup of the day.\n\nAttachments (not kept): menu.pdf (2 kB), photo.jpg (300 bytes)');
    expect(existsSync(join(settings.dataDir, 'intake', 'attachments', ideaId))).toBe(false);
  });

  test('an HTML-only message: the description is its text, without markup', async () => {
    const response = await send({ from: 'grace@customer.example', subject: 'Bread pudding on Mondays', html: '<div><h1>Bread pudding</h1><p>Bake <b>bread pudding</b> from Saturday&#39;s loaves &amp; sell it on Mondays.</p><script>alert(1)</script></div>', messageId: messageId() });
    const idea = await client.getIdea(ideaIn(response));
    expect(idea.description).toContain("Bake bread pudding from Saturday's loaves & sell it on Mondays.");
    expect(idea.description).not.toMatch(/<|>|&amp;|alert/);
    // No name in From: the address's local part stands in.
    expect(idea.submitter).toEqual({ email: 'grace@customer.example', name: 'grace' });
  });

  test("a partner's domain gives the source partner, a staff domain (or its subdomain) employee", async () => {
    const partner = await client.getIdea(ideaIn(await send({ from: 'Carla Rossi <carla@coffeesupplier.example>', subject: 'Coffee and pastry of the month', text: 'A monthly pairing, our beans and your pastry.', messageId: messageId() })));
    expect(partner).toMatchObject({ source: 'partner', submitter: { email: 'carla@coffeesupplier.example', name: 'Carla Rossi' } });
    const staff = await client.getIdea(ideaIn(await send({ from: 'Maya Chen <Maya@Shop.CornerBakery.example>', subject: 'Smaller loaves after 4pm', text: 'Bake half-size loaves for the evening.', messageId: messageId() })));
    expect(staff).toMatchObject({ source: 'employee', submitter: { email: 'maya@shop.cornerbakery.example', name: 'Maya Chen' } });
  });

  test('the same Message-ID delivered twice starts one idea and one acknowledgement', async () => {
    const id = messageId();
    const message = { from: 'Ruth Ade <ruth@customer.example>', subject: 'Bread library', text: 'Regulars swap a loaf for a recipe card.', messageId: id };
    const first = ideaIn(await send(message));
    const second = ideaIn(await send(message));
    expect(second).toBe(first);
    expect(logged.some((line) => line.startsWith('stagegate intake: already-submitted') && line.includes(`idea=${first}`))).toBe(true);
    await eventually(async () => expect((await store.outbox({ ideaId: first, to: 'ruth@customer.example' })).filter((kept) => kept.purpose === 'idea-received')).toHaveLength(1), 20_000);
    await settled(client, first);
    expect((await store.outbox({ ideaId: first, to: 'ruth@customer.example' })).filter((kept) => kept.purpose === 'idea-received')).toHaveLength(1);
    // Another message under a Message-ID already used is quarantined, not answered with the first idea.
    expect(await send({ ...message, text: 'Something else entirely.' })).not.toMatch(/Idea /);
    expect(quarantined(id)).toMatchObject({ reason: 'message-id-reused' });
  });

  test('attachments are kept in the data folder when intake.storeAttachments is set', async () => {
    const keeping = { ...settings, intake: { ...settings.intake, storeAttachments: true } };
    const listener = await startSmtpIntake(createIntake(client, (line) => logged.push(line), keeping), keeping.intake, (line) => logged.push(line));
    try {
      const ideaId = ideaIn(await send({ from: 'grace@customer.example', subject: 'Recipe cards', text: 'See the card.', attachments: [{ filename: '../card.txt', content: 'Bread pudding: bread, milk, eggs.' }], messageId: messageId() }, listener.port));
      expect((await client.getIdea(ideaId)).description).toContain('Attachments (kept by the intake): .._card.txt (33 bytes)');
      expect(readFileSync(join(settings.dataDir, 'intake', 'attachments', ideaId, '1-.._card.txt'), 'utf8')).toBe('Bread pudding: bread, milk, eggs.');
    } finally {
      await listener.close();
    }
  });
});

describe('email intake: what it refuses or quarantines, never answering', () => {
  test('a recipient the intake does not take is refused at RCPT TO: no relay', async () => {
    const refused = send({ from: 'spammer@elsewhere.example', to: 'someone@elsewhere.example', subject: 'Relay me', text: 'Please relay.', messageId: messageId() });
    await expect(refused).rejects.toMatchObject({ responseCode: 550, command: 'RCPT TO' });
    await expect(send({ from: 'grace@customer.example', to: 'owner@cornerbakery.example', subject: 'Not the intake', text: 'x', messageId: messageId() })).rejects.toMatchObject({ responseCode: 550 });
    expect(logged.some((line) => line.startsWith('stagegate intake: refused reason=recipient rcpt=someone@elsewhere.example'))).toBe(true);
    // A listed domain takes any of its addresses.
    expect(await send({ from: 'grace@customer.example', to: 'bread@ideas.cornerbakery.example', subject: 'Via the ideas domain', text: 'Any address at the domain.', messageId: messageId() })).toMatch(/Idea /);
  });

  test('an oversized message is refused: at MAIL FROM when it declares its SIZE, after DATA when it does not', async () => {
    const raw = `From: oversize@customer.example\r\nTo: ${INTAKE}\r\nSubject: Huge\r\nMessage-ID: ${messageId()}\r\n\r\n${'x'.repeat(MAX_SIZE + 1_000)}\r\n`;
    /** One message through nodemailer's SMTP connection, which says the size (SIZE=) only when told it. */
    const sendRaw = async (size?: number) => {
      const connection = new SMTPConnection({ host: '127.0.0.1', port: smtp.port, ignoreTLS: true });
      await new Promise<void>((resolve, reject) => connection.connect((err?: Error) => (err ? reject(err) : resolve())));
      try {
        return await new Promise((resolve, reject) => connection.send({ from: 'oversize@customer.example', to: [INTAKE], ...(size ? { size } : {}) }, raw, (err, info) => (err ? reject(err) : resolve(info))));
      } finally {
        connection.quit();
      }
    };
    // The listener announces its SIZE in EHLO, so a client that knows the size gives up before sending...
    await expect(sendRaw(raw.length)).rejects.toMatchObject({ command: 'MAIL FROM', message: `Message size larger than allowed ${MAX_SIZE}` });
    // ...a client that declares a larger SIZE anyway is refused at MAIL FROM...
    expect(await dialogue(['EHLO client.example', `MAIL FROM:<oversize@customer.example> SIZE=${raw.length}`])).toMatch(/^552 /);
    // ...and one that declares none meets the hard limit after DATA.
    await expect(sendRaw()).rejects.toMatchObject({ responseCode: 552, command: 'DATA' });
    expect(logged.some((line) => line.startsWith('stagegate intake: refused reason=oversized'))).toBe(true);
    neverAnswered.push('oversize@customer.example');
  });

  test.each([
    ['Auto-Submitted: auto-replied', { 'Auto-Submitted': 'auto-replied' }, 'auto-reply'],
    ['X-Auto-Response-Suppress: All', { 'X-Auto-Response-Suppress': 'All' }, 'auto-reply'],
    ['Precedence: bulk', { Precedence: 'bulk' }, 'auto-reply'],
    ['Precedence: auto_reply', { Precedence: 'auto_reply' }, 'auto-reply'],
    ['a List-Id header', { 'List-Id': '<bakers.lists.example>' }, 'auto-reply'],
    ['a List-Unsubscribe header', { 'List-Unsubscribe': '<mailto:leave@lists.example>' }, 'auto-reply'],
  ])('an auto-reply (%s) is quarantined with its reason logged and never answered', async (_name, headers, reason) => {
    const id = messageId();
    const from = `auto-${sequence}@customer.example`;
    expect(await send({ from, subject: 'Out of office: ideas', text: 'I am away until Monday.', headers, messageId: id })).toMatch(/^250 Received/);
    expect(quarantined(id)).toMatchObject({ reason });
    expect(logged.some((line) => line.startsWith(`stagegate intake: quarantined reason=${reason}`) && line.includes(from))).toBe(true);
    neverAnswered.push(from);
  });

  test('Auto-Submitted: no is a person writing: it becomes an idea', async () => {
    expect(await send({ from: 'grace@customer.example', subject: 'Written by hand', text: 'A person wrote this.', headers: { 'Auto-Submitted': 'no' }, messageId: messageId() })).toMatch(/Idea /);
  });

  test('a bounce (null sender, a delivery report, MAILER-DAEMON) is quarantined and never answered', async () => {
    const nullSender = messageId();
    expect(await send({ from: 'grace@customer.example', envelope: { from: '', to: [INTAKE] }, subject: 'Undeliverable', text: 'Your message could not be delivered.', messageId: nullSender })).toMatch(/^250 Received/);
    expect(quarantined(nullSender)).toMatchObject({ reason: 'bounce', why: 'null sender (MAIL FROM:<>)' });
    const daemon = messageId();
    expect(await send({ from: 'MAILER-DAEMON@mx.elsewhere.example', subject: 'Delivery failure', text: 'Mail delivery failed.', messageId: daemon })).toMatch(/^250 Received/);
    expect(quarantined(daemon)).toMatchObject({ reason: 'bounce' });
    const report = messageId();
    const raw = [
      'From: delivery@mx.elsewhere.example',
      `To: ${INTAKE}`,
      'Subject: Delivery Status Notification',
      `Message-ID: ${report}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'Delivery to the following recipient failed.',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.elsewhere.example',
      '--b1--',
      '',
    ].join('\r\n');
    expect(await send({ envelope: { from: 'delivery@mx.elsewhere.example', to: [INTAKE] }, raw })).toMatch(/^250 Received/);
    expect(quarantined(report)).toMatchObject({ reason: 'bounce', why: 'Content-Type: multipart/report' });
    expect(readFileSync(join(intake.quarantineDir, readdirSync(intake.quarantineDir).find((name) => name.includes('bounce') && name.endsWith('.eml') && readFileSync(join(intake.quarantineDir, name), 'utf8').includes(report))!), 'utf8')).toContain('Delivery to the following recipient failed.');
    neverAnswered.push('mailer-daemon@mx.elsewhere.example', 'delivery@mx.elsewhere.example');
  });

  test('a malformed message (no sender, no Message-ID, nothing to read) is quarantined', async () => {
    const noFrom = messageId();
    await send({ envelope: { from: 'someone@customer.example', to: [INTAKE] }, raw: `To: ${INTAKE}\r\nSubject: Who am I\r\nMessage-ID: ${noFrom}\r\n\r\nNo From header.\r\n` });
    expect(quarantined(noFrom)).toMatchObject({ reason: 'malformed', why: 'no sender address in From' });
    const empty = messageId();
    await send({ from: 'empty@customer.example', subject: '', text: '', messageId: empty });
    expect(quarantined(empty)).toMatchObject({ reason: 'malformed', why: 'no subject and no text' });
    await send({ envelope: { from: 'noid@customer.example', to: [INTAKE] }, raw: `From: noid@customer.example\r\nTo: ${INTAKE}\r\nSubject: No id\r\n\r\nNo Message-ID.\r\n` });
    expect(logged.some((line) => line.startsWith('stagegate intake: quarantined reason=malformed why="no Message-ID header"') && line.includes('noid@customer.example'))).toBe(true);
    neverAnswered.push('empty@customer.example', 'noid@customer.example', 'someone@customer.example');
  });

  test('nothing the intake refused or quarantined was answered', async () => {
    // An idea sent last is acknowledged after everything before it had its chance.
    const last = ideaIn(await send({ from: 'last@customer.example', subject: 'The last one', text: 'After every refusal.', messageId: messageId() }));
    await eventually(() => expect(mailbox.to('last@customer.example')).toHaveLength(1), 20_000);
    await settled(client, last);
    expect(neverAnswered.length).toBeGreaterThan(8);
    for (const address of neverAnswered) expect([address, mailbox.to(address).length]).toEqual([address, 0]);
  });
});

describe('email intake: connections', () => {
  test('past intake.maxConnections a new connection is turned away with 421', async () => {
    const listener = await startSmtpIntake(intake, { ...settings.intake, maxConnections: 1 }, (line) => logged.push(line));
    const greeting = (socket: Socket) => new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(String(chunk))));
    const first = connect(listener.port, '127.0.0.1');
    try {
      expect(await greeting(first)).toMatch(/^220 /);
      const second = connect(listener.port, '127.0.0.1');
      expect(await greeting(second)).toMatch(/^421 /);
      second.destroy();
    } finally {
      first.destroy();
      await listener.close();
    }
  });
});

describe('email intake: STARTTLS', () => {
  test('with a key and certificate the listener offers STARTTLS, and a client that requires TLS delivers over it', async () => {
    const certificates = makeCertificates(mkdtempSync(join(tmpdir(), 'stagegate-intake-tls-')));
    const tls = { ...settings.intake, tlsKey: certificates.serverKey, tlsCert: certificates.serverCert };
    const listener = await startSmtpIntake(intake, tls, (line) => logged.push(line));
    try {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, requireTLS: true, tls: { ca: readFileSync(certificates.caCert), servername: 'localhost' } });
      const info = await transport.sendMail({ from: 'grace@customer.example', to: INTAKE, subject: 'Over TLS', text: 'Sent encrypted.', messageId: messageId() });
      transport.close();
      expect(info.response).toMatch(/Idea /);
    } finally {
      await listener.close();
    }
    // Without certificates nothing is offered: a client that requires TLS gives up.
    const plain = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, requireTLS: true });
    await expect(plain.sendMail({ from: 'grace@customer.example', to: INTAKE, subject: 'x', text: 'x' })).rejects.toThrow(/STARTTLS/);
    plain.close();
  });
});

describe('email intake: IMAP', () => {
  test('the poller turns unseen messages of a real IMAP server into ideas, marks them seen, and quarantines an auto-reply', async () => {
    const server = hoodiecrow({ plugins: ['ID', 'UNSELECT', 'ENABLE', 'SASL-IR', 'AUTH-PLAIN', 'NAMESPACE'], storage: { INBOX: { messages: [] } } });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = server.server.address().port;
    const imap = { url: `imap://127.0.0.1:${port}`, user: 'testuser', pass: 'testpass', folder: 'INBOX', pollInterval: 60_000 };
    const mailer = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: imap.user, pass: imap.pass }, logger: false });
    try {
      await mailer.connect();
      const id = messageId();
      const autoReply = messageId();
      await mailer.append('INBOX', `From: Ivy Park <ivy@coffeesupplier.example>\r\nTo: ${INTAKE}\r\nSubject: Loyalty card for coffee and a pastry\r\nMessage-ID: ${id}\r\n\r\nTen stamps, one free pastry.\r\n`, []);
      await mailer.append('INBOX', `From: away@customer.example\r\nTo: ${INTAKE}\r\nSubject: Away\r\nAuto-Submitted: auto-replied\r\nMessage-ID: ${autoReply}\r\n\r\nI am away.\r\n`, []);
      const big = messageId();
      await mailer.append('INBOX', `From: big@customer.example\r\nTo: ${INTAKE}\r\nSubject: Huge\r\nMessage-ID: ${big}\r\n\r\n${'x'.repeat(MAX_SIZE + 1_000)}\r\n`, []);
      expect(await pollMailboxOnce(intake, imap, MAX_SIZE, (line) => logged.push(line))).toBe(3);
      // Too big to read: only a note of it is kept, and it is marked seen like the others.
      expect(quarantined(big)).toMatchObject({ reason: 'oversized' });
      const line = logged.find((entry) => entry.startsWith('stagegate intake: submitted') && entry.includes('via=imap') && entry.includes(id))!;
      const ideaId = /idea=(\S+)/.exec(line)![1]!;
      expect(await client.getIdea(ideaId)).toMatchObject({ title: 'Loyalty card for coffee and a pastry', source: 'partner', submitter: { email: 'ivy@coffeesupplier.example', name: 'Ivy Park' } });
      expect(quarantined(autoReply)).toMatchObject({ reason: 'auto-reply' });
      const lock = await mailer.getMailboxLock('INBOX');
      try {
        expect(await mailer.search({ seen: false }, { uid: true })).toEqual([]);
      } finally {
        lock.release();
      }
      expect(await pollMailboxOnce(intake, imap, MAX_SIZE, (entry) => logged.push(entry))).toBe(0);
    } finally {
      await mailer.logout().catch(() => undefined);
      await new Promise<void>((resolve) => server.close(resolve));
    }
  });
});

describe('email intake: stagegate dev', () => {
  test('stagegate dev runs the SMTP listener on loopback and prints its address; a message sent there becomes an idea', async () => {
    const dev = await startDev('127.0.0.1', { STAGEGATE_WEB_METRICS_PORT: '0' });
    try {
      await dev.running(undefined, 'Try it from another terminal');
      const url = /Email in +(smtp:\/\/127\.0\.0\.1:(\d+))/.exec(dev.output());
      expect(url).not.toBeNull();
      const response = await send({ from: 'Grace Hall <grace@customer.example>', to: 'ideas@localhost', subject: 'Pumpkin bread in autumn', text: 'A seasonal loaf.', messageId: messageId() }, Number(url![2]));
      expect(response).toMatch(/Idea \S+ received/);
      await eventually(() => expect(dev.output()).toMatch(/stagegate intake: submitted idea=\S+ via=smtp from=grace@customer\.example/), 60_000);
    } finally {
      await dev.stop();
    }
  }, DEV_TEST_MS);
});
