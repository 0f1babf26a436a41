import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createActivities } from '../activities';
import { Store, storeFile } from '../activities/store';
import { loadSettings } from '../config/settings';
import { TEST_LINK_SECRET } from './helpers';

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

describe('the events store on SQLite', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'stagegate-store-'));
  const settings = loadSettings({ env: {}, overrides: { linkSecret: TEST_LINK_SECRET } });

  test('a retried recordEvent activity never counts twice', async () => {
    const store = new Store(storeFile(dir()));
    const { recordEvent } = createActivities({ store, settings });
    await recordEvent(event);
    await recordEvent(event);
    await recordEvent({ ...event, seq: 2, type: 'stage_entered', detail: {} });
    expect(store.events({ ideaId: 'loyalty-cards' }).map((e) => [e.id, e.type])).toEqual([
      ['loyalty-cards:1', 'submitted'],
      ['loyalty-cards:2', 'stage_entered'],
    ]);
    expect(store.events({ ideaId: 'loyalty-cards' })[0]).toMatchObject({ ...event, id: 'loyalty-cards:1', gate: undefined, round: undefined });
    store.close();
  });

  test('a retried notify activity keeps one message per recipient', async () => {
    const store = new Store(storeFile(dir()));
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
    const kept = store.outbox({ ideaId: 'loyalty-cards' });
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ id: 'loyalty-cards/idea/idea-received/leo@cornerbakery.example/1', subject: 'Thank you: your idea "Loyalty <cards>" is in' });
    store.close();
  });

  test('migrations run once and reopening keeps the data', () => {
    const folder = dir();
    const first = new Store(storeFile(folder));
    first.appendEvent({ ...event, id: 'loyalty-cards:1' });
    first.close();
    const second = new Store(storeFile(folder));
    expect(second.events()).toHaveLength(1);
    second.close();
    const raw = new Database(storeFile(folder));
    expect(raw.pragma('user_version', { simple: true })).toBe(2);
    raw.close();
  });

  test('an outbox kept before email gains the email columns and keeps its messages', () => {
    const folder = dir();
    const old = new Database(storeFile(folder));
    old.exec(`CREATE TABLE outbox (id TEXT PRIMARY KEY, idea_id TEXT NOT NULL, purpose TEXT NOT NULL, to_email TEXT NOT NULL, to_name TEXT NOT NULL,
              subject TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL); PRAGMA user_version = 1;`);
    old.prepare('INSERT INTO outbox VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('loyalty-cards/idea/idea-received/leo@cornerbakery.example/1', 'loyalty-cards', 'idea-received', 'leo@cornerbakery.example', 'Leo Martin', 'Thank you', 'Hello Leo', '2026-11-02T09:00:00.000Z');
    old.close();
    const store = new Store(storeFile(folder));
    expect(store.outbox()).toEqual([
      { id: 'loyalty-cards/idea/idea-received/leo@cornerbakery.example/1', ideaId: 'loyalty-cards', purpose: 'idea-received', to: { email: 'leo@cornerbakery.example', name: 'Leo Martin' }, subject: 'Thank you', text: 'Hello Leo', createdAt: '2026-11-02T09:00:00.000Z', html: undefined, messageId: undefined, sentAt: undefined, rejection: undefined },
    ]);
    store.close();
  });
});
