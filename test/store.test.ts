import { randomBytes } from 'node:crypto';
import { createCodec, sealStore } from '../codec';
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createActivities } from '../activities';
import { openStore, storeFile, StoreUnavailable, type StoredEvent, type WebhookDelivery } from '../store';
import { loadSettings } from '../config/settings';
import { driveToLaunch, eventually, idea, TEST_LINK_SECRET, testSettings, withStack } from './helpers';
import { testRunDir } from './paths';
import { freshDatabaseUrl, withDatabase } from './postgres';

const event = {
  ideaId: 'loyalty-cards',
  seq: 1,
  type: 'submitted' as const,
  at: '2026-11-02T09:00:00.000Z',
  process: 'smb-lite',
  processVersion: 1,
  source: 'employee',
  stage: 'idea',
  actor: 'leo@cornerbakery.example',
  detail: { title: 'Loyalty cards' },
};

/** Where a store lives: the data folder, and for PostgreSQL a database of its own. */
type Where = { dataDir: string; databaseUrl?: string };

interface Backend {
  /** A place no other test uses. */
  fresh(): Promise<Where>;
  /** Checks that the backend recorded each migration once. */
  expectMigrated(where: Where): Promise<void>;
}

const dataDir = () => mkdtempSync(join(testRunDir(), 'store-'));

const sqlite: Backend = {
  fresh: async () => ({ dataDir: dataDir() }),
  async expectMigrated({ dataDir }) {
    const raw = new Database(storeFile(dataDir));
    expect(raw.pragma('user_version', { simple: true })).toBe(5);
    raw.close();
  },
};

const postgresql: Backend = {
  fresh: async () => ({ dataDir: dataDir(), databaseUrl: await freshDatabaseUrl() }),
  async expectMigrated({ databaseUrl }) {
    const { rows } = await withDatabase(databaseUrl!, (client) => client.query('SELECT version FROM stagegate_migrations ORDER BY version'));
    expect(rows.map((row) => row.version)).toEqual([1, 2, 3, 4]);
  },
};

/** One step of an idea at a time; ids as recordEvent makes them. */
const step = (ideaId: string, seq: number, type: StoredEvent['type'], at: string, more: Partial<StoredEvent> = {}): StoredEvent => ({ ...event, ideaId, seq, type, at, id: `${ideaId}:${seq}`, detail: {}, ...more });

describe.each([
  ['SQLite', sqlite],
  ['PostgreSQL', postgresql],
])('the events store on %s', (_name, backend) => {
  const settings = loadSettings({ env: {}, overrides: { linkSecret: TEST_LINK_SECRET } });

  test('a retried recordEvent activity never counts twice', async () => {
    const store = await openStore(await backend.fresh());
    const { recordEvent } = createActivities({ store, settings });
    await recordEvent(event);
    await recordEvent(event);
    await recordEvent({ ...event, seq: 2, type: 'stage_entered', detail: {} });
    expect((await store.events({ ideaId: 'loyalty-cards' })).map((e) => [e.id, e.type])).toEqual([
      ['loyalty-cards:1', 'submitted'],
      ['loyalty-cards:2', 'stage_entered'],
    ]);
    expect((await store.events({ ideaId: 'loyalty-cards' }))[0]).toMatchObject({ ...event, id: 'loyalty-cards:1', gate: undefined, round: undefined });
    expect(await store.appendEvent({ ...event, id: 'loyalty-cards:1' })).toBe(false);
    expect(await store.appendEvent({ ...event, id: 'loyalty-cards:3', seq: 3 })).toBe(true);
    await store.close();
  });

  test('webhook deliveries: a retried record replaces itself, newest first, and a dead letter delivered since by a resend is no longer failed', async () => {
    const store = await openStore(await backend.fresh());
    const delivery = (id: string, eventId: string, outcome: 'delivered' | 'failed', at: string, more: Partial<WebhookDelivery> = {}): WebhookDelivery => ({ id, eventId, ideaId: 'loyalty-cards', type: 'gate.decided', subscriber: 'crm', outcome, attempts: 14, lastStatus: 500, lastError: 'answered 500', at, ...more });
    await store.recordWebhookDelivery(delivery('webhook:a:crm', 'a', 'failed', '2026-11-02T09:00:00.000Z'));
    await store.recordWebhookDelivery(delivery('webhook:a:crm', 'a', 'failed', '2026-11-02T09:00:00.000Z'));
    await store.recordWebhookDelivery(delivery('webhook:b:crm', 'b', 'failed', '2026-11-02T10:00:00.000Z', { lastStatus: undefined, lastError: 'no answer in time' }));
    await store.recordWebhookDelivery(delivery('webhook:c:crm', 'c', 'delivered', '2026-11-02T11:00:00+01:00', { attempts: 1, lastStatus: 204, lastError: undefined }));
    expect((await store.webhookDeliveries()).map((d) => d.id)).toEqual(['webhook:c:crm', 'webhook:b:crm', 'webhook:a:crm']);
    expect((await store.webhookDeliveries({ id: 'webhook:b:crm' }))).toEqual([delivery('webhook:b:crm', 'b', 'failed', '2026-11-02T10:00:00.000Z', { lastStatus: undefined, lastError: 'no answer in time' })]);
    expect((await store.webhookDeliveries({ failed: true })).map((d) => d.id)).toEqual(['webhook:b:crm', 'webhook:a:crm']);
    await store.recordWebhookDelivery(delivery('webhook:a:crm:resend-1', 'a', 'delivered', '2026-11-03T09:00:00.000Z', { attempts: 1, lastStatus: 200, lastError: undefined }));
    expect((await store.webhookDeliveries({ failed: true })).map((d) => d.id)).toEqual(['webhook:b:crm']);
    expect((await store.webhookDeliveries({ limit: 1 })).map((d) => d.id)).toEqual(['webhook:a:crm:resend-1']);
    await store.close();
  });

  test('events come ordered by time, idea and sequence, filtered by idea, time range and type', async () => {
    const store = await openStore(await backend.fresh());
    const steps = [
      step('pastry', 2, 'gate_opened', '2026-11-02T10:00:00.000Z', { gate: 'screen', round: 1 }),
      step('bread', 3, 'vote_cast', '2026-11-03T08:30:00.000Z', { gate: 'screen', round: 1 }),
      step('pastry', 1, 'submitted', '2026-11-02T10:00:00.000Z'),
      step('bread', 1, 'submitted', '2026-11-01T23:59:59.999Z'),
      step('bread', 2, 'gate_opened', '2026-11-02T10:00:00.000Z', { gate: 'screen', round: 1 }),
      // Another offset, the same instant: times come back in UTC.
      step('bread', 4, 'decided', '2026-11-03T12:00:00+03:00', { gate: 'screen', round: 1 }),
    ];
    for (const each of steps) expect(await store.appendEvent(each)).toBe(true);
    const ids = (events: StoredEvent[]) => events.map((e) => e.id);

    expect(ids(await store.events())).toEqual(['bread:1', 'bread:2', 'pastry:1', 'pastry:2', 'bread:3', 'bread:4']);
    expect((await store.events({ ideaId: 'bread' })).map((e) => e.at)).toEqual(['2026-11-01T23:59:59.999Z', '2026-11-02T10:00:00.000Z', '2026-11-03T08:30:00.000Z', '2026-11-03T09:00:00.000Z']);
    expect(ids(await store.events({ ideaId: 'pastry' }))).toEqual(['pastry:1', 'pastry:2']);
    // From inclusive, to exclusive; a date alone is midnight UTC.
    expect(ids(await store.events({ from: '2026-11-02T10:00:00.000Z', to: '2026-11-03T09:00:00.000Z' }))).toEqual(['bread:2', 'pastry:1', 'pastry:2', 'bread:3']);
    expect(ids(await store.events({ from: '2026-11-02', to: '2026-11-03' }))).toEqual(['bread:2', 'pastry:1', 'pastry:2']);
    expect(ids(await store.events({ to: '2026-11-02' }))).toEqual(['bread:1']);
    expect(ids(await store.events({ types: ['gate_opened', 'decided'] }))).toEqual(['bread:2', 'pastry:2', 'bread:4']);
    expect(ids(await store.events({ types: [] }))).toEqual([]);
    expect(ids(await store.events({ ideaId: 'bread', types: ['gate_opened', 'vote_cast'], from: '2026-11-02T10:00:00.001Z' }))).toEqual(['bread:3']);
    await store.close();
  });

  test('details come back as they went in: nested JSON, unicode and numbers', async () => {
    const store = await openStore(await backend.fresh());
    const detail = {
      title: 'Crème brûlée 🍮 — 抹茶ラテ, «naïve» café, עברית, Ελληνικά',
      comment: 'He said "go"\\ and left;\n\ttabs, quotes \' and <b>markup</b>',
      nested: { list: [1, 'two', { three: [true, false, null] }], empty: {}, none: [], deeper: { a: { b: { c: 'd' } } } },
      numbers: { int: 42, negative: -7, zero: 0, float: 0.1 + 0.2, score: 4.5, safe: Number.MAX_SAFE_INTEGER, huge: 1e21, tiny: 5e-324 },
      decision: 'conditional-go',
    };
    await store.appendEvent(step('flan', 1, 'decided', '2026-11-04T16:45:12.345Z', { gate: 'screen', round: 2, actor: 'sofia@cornerbakery.example', detail }));
    await store.appendEvent(step('flan', 2, 'launched', '2026-11-05T09:00:00.000Z', { stage: undefined, actor: undefined }));
    const [decided, launched] = await store.events({ ideaId: 'flan' });
    expect(decided).toEqual({ ...event, id: 'flan:1', ideaId: 'flan', seq: 1, type: 'decided', at: '2026-11-04T16:45:12.345Z', gate: 'screen', round: 2, actor: 'sofia@cornerbakery.example', detail });
    expect(launched).toEqual({ ...event, id: 'flan:2', ideaId: 'flan', seq: 2, type: 'launched', at: '2026-11-05T09:00:00.000Z', stage: undefined, actor: undefined, detail: {} });
    expect(launched).toMatchObject({ stage: undefined, gate: undefined, round: undefined, actor: undefined });
    await store.close();
  });

  test('a retried notify activity keeps one message per recipient', async () => {
    const store = await openStore(await backend.fresh());
    const { notify } = createActivities({ store, settings });
    const notification = {
      purpose: 'idea-received' as const,
      seq: 1,
      to: [{ email: 'leo@cornerbakery.example', name: 'Leo Martin' }],
      idea: {
        ideaId: 'loyalty-cards',
        title: 'Loyalty <cards>',
        description: 'Stamp cards',
        source: 'employee',
        submitter: { email: 'leo@cornerbakery.example', name: 'Leo Martin' },
        champion: { email: 'leo@cornerbakery.example', name: 'Leo Martin' },
        processName: 'SMB lite',
      },
    };
    await notify(notification);
    await notify(notification);
    const kept = await store.outbox({ ideaId: 'loyalty-cards' });
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ id: 'loyalty-cards/idea/idea-received/leo@cornerbakery.example/1', subject: 'Thank you: your idea "Loyalty <cards>" is in' });
    await store.close();
  });

  test('the outbox keeps a message once, oldest first, and remembers what the mail server said', async () => {
    const store = await openStore(await backend.fresh());
    const message = (id: string, to: string, createdAt: string) => ({
      id,
      ideaId: 'loyalty-cards',
      purpose: 'review-request',
      to: { email: to, name: to.split('@')[0]! },
      subject: `Review “Loyalty cards” ✓`,
      text: `Hello ${to}`,
      html: '<p>Hello</p>',
      messageId: `<${id}@stagegate>`,
      createdAt,
    });
    expect(await store.addToOutbox(message('m-2', 'sofia@cornerbakery.example', '2026-11-02T09:00:00.000Z'))).toBe(true);
    expect(await store.addToOutbox(message('m-1', 'hamid@cornerbakery.example', '2026-11-02T09:00:00.000Z'))).toBe(true);
    expect(await store.addToOutbox(message('m-0', 'olivia@cornerbakery.example', '2026-11-01T09:00:00.000Z'))).toBe(true);
    expect(await store.addToOutbox({ ...message('m-1', 'hamid@cornerbakery.example', '2026-11-03T09:00:00.000Z'), subject: 'changed' })).toBe(false);

    // Equal times keep the order the messages were kept in.
    expect((await store.outbox()).map((m) => m.id)).toEqual(['m-0', 'm-2', 'm-1']);
    expect((await store.outbox({ limit: 2 })).map((m) => m.id)).toEqual(['m-0', 'm-2']);
    expect((await store.outbox({ to: 'Hamid@CornerBakery.example' })).map((m) => m.id)).toEqual(['m-1']);
    expect(await store.outbox({ id: 'm-1' })).toEqual([{ ...message('m-1', 'hamid@cornerbakery.example', '2026-11-02T09:00:00.000Z'), sentAt: undefined, rejection: undefined }]);
    expect(await store.outbox({ ideaId: 'another-idea' })).toEqual([]);

    await store.markSent('m-2', '2026-11-02T09:00:01.500Z');
    await store.markRejected('m-1', '550 5.1.1 hamid@cornerbakery.example: no such user');
    expect((await store.outbox()).map((m) => [m.id, m.sentAt, m.rejection])).toEqual([
      ['m-0', undefined, undefined],
      ['m-2', '2026-11-02T09:00:01.500Z', undefined],
      ['m-1', undefined, '550 5.1.1 hamid@cornerbakery.example: no such user'],
    ]);
    await store.close();
  });

  test('the outbox takes a delivered message\'s links out, and deletes what it kept past its retention', async () => {
    const store = await openStore(await backend.fresh());
    const kept = (id: string, createdAt: string) => ({
      id,
      ideaId: 'loyalty-cards',
      purpose: 'review-request',
      to: { email: 'hamid@cornerbakery.example', name: 'Hamid' },
      subject: 'Review',
      text: 'Review: https://ideas.example/review/abc',
      html: '<a href="https://ideas.example/review/abc">Review</a>',
      createdAt,
    });
    await store.addToOutbox(kept('old', '2026-10-01T09:00:00.000Z'));
    await store.addToOutbox(kept('edge', '2026-10-31T09:00:00.000Z'));
    await store.addToOutbox(kept('new', '2026-11-02T09:00:00.000Z'));
    await store.redactMessage('new', { text: 'Review: [link removed after delivery]', html: '<a href="[link removed after delivery]">Review</a>' });
    expect((await store.outbox({ id: 'new' }))[0]).toMatchObject({ text: 'Review: [link removed after delivery]', html: '<a href="[link removed after delivery]">Review</a>' });
    expect(await store.deleteMessagesBefore('2026-10-31T09:00:00.000Z')).toBe(1);
    expect((await store.outbox()).map((m) => m.id)).toEqual(['edge', 'new']);
    await store.close();
  });

  test('notify without a mail server keeps the links (the local outbox is how a person on a laptop clicks them) and deletes messages past the retention', async () => {
    const store = await openStore(await backend.fresh());
    await store.addToOutbox({ id: 'ancient', ideaId: 'loyalty-cards', purpose: 'idea-received', to: { email: 'leo@cornerbakery.example', name: 'Leo' }, subject: 'Old', text: 'old', createdAt: new Date(Date.now() - 31 * 86_400_000).toISOString() });
    await store.addToOutbox({ id: 'recent', ideaId: 'loyalty-cards', purpose: 'idea-received', to: { email: 'leo@cornerbakery.example', name: 'Leo' }, subject: 'Recent', text: 'recent', createdAt: new Date(Date.now() - 29 * 86_400_000).toISOString() });
    const { notify } = createActivities({ store, settings: { ...settings, outboxRetention: 30 * 86_400_000 } });
    const person = { email: 'hamid@cornerbakery.example', name: 'Hamid Karimi' };
    await notify({
      purpose: 'review-request',
      seq: 1,
      to: [person],
      idea: { ideaId: 'loyalty-cards', title: 'Loyalty cards', description: 'Stamp cards', source: 'employee', submitter: person, champion: person, processName: 'SMB lite' },
      gate: { id: 'screen', name: 'Screen', round: 1, deadlineAt: '2026-11-09T09:00:00.000Z', criteria: [], awaiting: ['Hamid Karimi'] },
    });
    const messages = await store.outbox({ ideaId: 'loyalty-cards' });
    expect(messages.map((m) => m.id)).toEqual(['recent', 'loyalty-cards/screen/1/review-request/hamid@cornerbakery.example/1']);
    expect(messages[1]!.text).toMatch(/\/review\/[A-Za-z0-9_-]{40,}/);
    await store.close();
  });

  test('campaigns are kept and closed once; held submissions are sealed when the store is, expire, and go once', async () => {
    const where = await backend.fresh();
    const raw = await openStore(where);
    const store = sealStore(raw, createCodec(loadSettings({ env: {}, overrides: { ...where, linkSecret: TEST_LINK_SECRET, codecKeys: `store:${randomBytes(32).toString('base64')}` } }), raw)!.keys);
    try {
      const campaign = { id: 'less-waste', question: 'How do we waste less bread?', description: '', audience: ['staff', 'customers'] as ('staff' | 'customers')[], opensAt: '2026-12-01T00:00:00.000Z', closesAt: '2027-02-01T00:00:00.000Z', process: 'express', goals: ['less waste'], createdAt: '2026-11-30T10:00:00.000Z', createdBy: 'olivia@cornerbakery.example' };
      expect(await store.addCampaign(campaign)).toBe(true);
      expect(await store.addCampaign({ ...campaign, question: 'Another' })).toBe(false);
      expect(await store.campaign('less-waste')).toEqual(campaign);
      expect(await store.closeCampaign('less-waste', '2026-12-15T09:00:00.000Z', 'olivia@cornerbakery.example')).toBe(true);
      expect(await store.closeCampaign('less-waste', '2026-12-16T09:00:00.000Z', 'olivia@cornerbakery.example')).toBe(false);
      expect(await store.campaigns()).toEqual([{ ...campaign, closedAt: '2026-12-15T09:00:00.000Z', closedBy: 'olivia@cornerbakery.example' }]);

      const held = { id: 'day-old-bread-1', email: 'grace@customer.example', campaign: 'less-waste', submission: { title: 'Day-old bread', submitter: { email: 'grace@customer.example', name: 'Grace' } }, createdAt: '2026-12-02T10:00:00.000Z', expiresAt: '2026-12-16T10:00:00.000Z' };
      await store.addPendingSubmission(held);
      expect(await store.pendingSubmission(held.id, '2026-12-03T00:00:00.000Z')).toEqual(held);
      expect(await store.countPendingSubmissions('grace@customer.example', '2026-12-03T00:00:00.000Z')).toBe(1);
      // Nothing personal is readable in the raw table.
      const [row] = await raw.select('SELECT email, submission FROM pending_submissions');
      expect(JSON.stringify(row)).not.toMatch(/grace|Day-old/);
      // Expired: not found, and gone once another submission is held.
      expect(await store.pendingSubmission(held.id, '2026-12-17T00:00:00.000Z')).toBeUndefined();
      await store.addPendingSubmission({ ...held, id: 'later-1', createdAt: '2026-12-20T10:00:00.000Z', expiresAt: '2027-01-03T10:00:00.000Z' });
      expect((await raw.select('SELECT id FROM pending_submissions')).map((found) => found.id)).toEqual(['later-1']);
      expect(await store.deletePendingSubmission('later-1')).toBe(true);
      expect(await store.deletePendingSubmission('later-1')).toBe(false);
    } finally {
      await raw.close();
    }
  });

  test('migrations run once and reopening keeps the data', async () => {
    const where = await backend.fresh();
    const first = await openStore(where);
    await first.appendEvent({ ...event, id: 'loyalty-cards:1' });
    await first.close();
    const second = await openStore(where);
    expect(await second.events()).toHaveLength(1);
    await second.close();
    await backend.expectMigrated(where);
  });

  test('stores opening the same database at once all succeed and share it', async () => {
    const where = await backend.fresh();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(where)));
    try {
      await Promise.all(stores.map((store, index) => store.appendEvent(step('bread', index + 1, 'vote_cast', '2026-11-02T10:00:00.000Z'))));
      for (const store of stores) expect(await store.events()).toHaveLength(4);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
    await backend.expectMigrated(where);
  });

  test('a journey run by a real worker lands in this store', async () => {
    const where = await backend.fresh();
    await withStack(async ({ client, store, settings }) => {
      const { ideaId } = await client.submitIdea(idea());
      await driveToLaunch(client, ideaId);
      // Every step of the journey, as the workflow itself tells it, is a row of the store.
      const steps = await eventually(async () => {
        const { timeline } = await client.getIdea(ideaId);
        // The submitter and the champion, each thanked with an event of their own.
        expect(timeline.slice(-2).map((entry) => entry.type)).toEqual(['recognised', 'recognised']);
        const events = await store.events({ ideaId });
        expect(events.map(({ seq, type, at, stage, gate, round, actor, detail }) => ({ seq, type, at, stage, gate, round, actor, detail }))).toEqual(timeline);
        return events.length;
      });
      await eventually(async () => expect((await store.outbox({ ideaId, to: 'grace@customer.example' })).map((m) => m.purpose)).toEqual(['idea-received', 'decision', 'decision', 'recognition']));
      if (settings.databaseUrl) {
        // The rows are in PostgreSQL, and nothing was written to SQLite in the data folder.
        const { rows } = await withDatabase(settings.databaseUrl, (raw) => raw.query('SELECT type, detail FROM events WHERE idea_id = $1 ORDER BY at, seq', [ideaId]));
        expect(rows).toHaveLength(steps);
        expect(rows[0]).toMatchObject({ type: 'submitted', detail: expect.objectContaining({ title: idea().title }) });
        expect(existsSync(storeFile(settings.dataDir))).toBe(false);
      }
    }, testSettings(where));
  });
});

describe('the events store on SQLite, from an older data folder', () => {
  test('an outbox kept before email gains the email columns and keeps its messages', async () => {
    const folder = dataDir();
    const old = new Database(storeFile(folder));
    old.exec(`CREATE TABLE outbox (id TEXT PRIMARY KEY, idea_id TEXT NOT NULL, purpose TEXT NOT NULL, to_email TEXT NOT NULL, to_name TEXT NOT NULL,
              subject TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL); PRAGMA user_version = 1;`);
    old.prepare('INSERT INTO outbox VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('loyalty-cards/idea/idea-received/leo@cornerbakery.example/1', 'loyalty-cards', 'idea-received', 'leo@cornerbakery.example', 'Leo Martin', 'Thank you', 'Hello Leo', '2026-11-02T09:00:00.000Z');
    old.close();
    const store = await openStore({ dataDir: folder });
    expect(await store.outbox()).toEqual([
      { id: 'loyalty-cards/idea/idea-received/leo@cornerbakery.example/1', ideaId: 'loyalty-cards', purpose: 'idea-received', to: { email: 'leo@cornerbakery.example', name: 'Leo Martin' }, subject: 'Thank you', text: 'Hello Leo', createdAt: '2026-11-02T09:00:00.000Z', html: undefined, messageId: undefined, sentAt: undefined, rejection: undefined },
    ]);
    await store.close();
  });
});

describe('report queries on SQLite, on reader threads', () => {
  /** A query that keeps SQLite busy for a while: a sum over a million generated rows. */
  const busy = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) SELECT sum(i) AS total FROM n';

  test('the main thread goes on while a report query runs, two queries run at once, and each sees what was appended before it', async () => {
    const store = await openStore({ dataDir: dataDir() });
    try {
      const running = store.select(busy);
      let ticks = 0;
      const ticking = setInterval(() => (ticks += 1), 1);
      const [first, second] = await Promise.all([running, store.select(busy)]);
      clearInterval(ticking);
      // On the store's own connection the query would have finished before the timer was set.
      expect(ticks).toBeGreaterThan(0);
      expect([first, second]).toEqual([[{ total: 500000500000 }], [{ total: 500000500000 }]]);
      expect(await store.appendEvent({ ...event, id: 'loyalty-cards:1' })).toBe(true);
      expect(await store.select('SELECT idea_id, submitted_at FROM journeys')).toEqual([{ idea_id: 'loyalty-cards', submitted_at: event.at }]);
    } finally {
      await store.close();
    }
  });

  test('a report query cannot write, a bad one fails naming SQLite\'s reason, and a closed store refuses them', async () => {
    const store = await openStore({ dataDir: dataDir() });
    await expect(store.select('DELETE FROM events RETURNING id')).rejects.toThrow('attempt to write a readonly database');
    await expect(store.select('SELECT missing_column FROM events')).rejects.toThrow('no such column: missing_column');
    expect(await store.appendEvent({ ...event, id: 'loyalty-cards:1' })).toBe(true);
    expect(await store.events({})).toHaveLength(1);
    await store.close();
    await expect(store.select('SELECT 1 AS one')).rejects.toThrow('the events store is closed');
  });
});

describe('choosing the events store', () => {
  test('DATABASE_URL chooses PostgreSQL; anything but a PostgreSQL URL is refused, naming the variable', () => {
    expect(loadSettings({ env: { DATABASE_URL: 'postgres://stagegate:secret@db.example:5432/stagegate' } }).databaseUrl).toBe('postgres://stagegate:secret@db.example:5432/stagegate');
    expect(loadSettings({ env: {} }).databaseUrl).toBeUndefined();
    expect(() => loadSettings({ env: { DATABASE_URL: 'mysql://db.example/stagegate' } })).toThrow('DATABASE_URL: databaseUrl: expected a PostgreSQL URL like postgres://user:pass@host:5432/db');
  });

  test('a PostgreSQL that cannot be reached stops the store from opening, without showing the password', async () => {
    const opening = openStore({ dataDir: dataDir(), databaseUrl: 'postgres://stagegate:hunter2@127.0.0.1:1/stagegate' });
    await expect(opening).rejects.toThrow(StoreUnavailable);
    await expect(opening).rejects.toThrow('The events store in PostgreSQL (postgres://stagegate:***@127.0.0.1:1/stagegate) is not usable: connect ECONNREFUSED');
    await expect(opening).rejects.not.toThrow('hunter2');
  });
});
