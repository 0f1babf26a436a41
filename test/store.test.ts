import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createActivities } from '../activities';
import { Store, storeFile } from '../activities/store';

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

  test('a retried recordEvent activity never counts twice', async () => {
    const store = new Store(storeFile(dir()));
    const { recordEvent } = createActivities(store);
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
    const { notify } = createActivities(store);
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
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    raw.close();
  });
});
