import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { createCodec, DataKeys, ENCRYPTED_ENCODING, KEY_ID_KEY, loadMasterKeys } from '../codec';
import { StageGateClient } from '../client/sdk';
import { loadSettings, withEmbeddedSecrets } from '../config/settings';
import { openStore } from '../store';
import { driveToLaunch, idea, inReview, startWorker, TEST_LINK_SECRET, testSettings, waitForIdea, workflowBundle } from './helpers';
import { testRunDir } from './paths';
import { freshDatabaseUrl } from './postgres';

const newKey = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const dataDir = () => mkdtempSync(join(testRunDir(), 'codec-'));
const settingsWith = (codecKeys: string, dir = dataDir()) => loadSettings({ env: {}, overrides: { dataDir: dir, linkSecret: TEST_LINK_SECRET, codecKeys } });

describe('the payload codec', () => {
  test('encrypts with AES-256-GCM under the first master key, naming it in the metadata; the plaintext is nowhere in the payload', async () => {
    const codec = createCodec(settingsWith(`${newKey('k2')},${newKey('k1')}`))!;
    const [encoded] = await codec.codec.encode([plain({ email: 'grace@customer.example' })]);
    expect(text(encoded!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded!.metadata![KEY_ID_KEY])).toBe('k2');
    expect(text(encoded!.data)).not.toContain('grace');
    const [decoded] = await codec.codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ email: 'grace@customer.example' });
    await codec.close();
  });

  test('key rotation: a payload encrypted under an old key decodes once a new key is put first, and not once the old key is dropped', async () => {
    const dir = dataDir();
    const old = newKey('2026-01');
    const before = createCodec(settingsWith(old, dir))!;
    const [encoded] = await before.codec.encode([plain('a comment')]);
    const rotated = createCodec(settingsWith(`${newKey('2026-12')},${old}`, dir))!;
    expect(defaultPayloadConverter.fromPayload((await rotated.codec.decode([encoded!]))[0]!)).toBe('a comment');
    expect(text((await rotated.codec.encode([plain('x')]))[0]!.metadata![KEY_ID_KEY])).toBe('2026-12');
    const dropped = createCodec(settingsWith(newKey('2026-12'), dir))!;
    await expect(dropped.codec.decode([encoded!])).rejects.toThrow('No codec master key "2026-01"');
    await Promise.all([before.close(), rotated.close(), dropped.close()]);
  });

  test('a tampered payload is refused, and one written before the codec (no encryption metadata) passes through', async () => {
    const codec = createCodec(settingsWith(newKey('k1')))!;
    const [encoded] = await codec.codec.encode([plain('vote go')]);
    const tampered = Buffer.from(encoded!.data!);
    tampered[tampered.length - 1]! ^= 1;
    await expect(codec.codec.decode([{ ...encoded!, data: tampered }])).rejects.toThrow();
    const legacy = plain({ title: 'Loyalty cards' });
    expect(await codec.codec.decode([legacy])).toEqual([legacy]);
    await codec.close();
  });

  test('keys come from STAGEGATE_CODEC_KEYS or STAGEGATE_CODEC_KEY_FILE; a malformed key is refused naming the variable; stagegate dev keeps one in its data folder', () => {
    const key = newKey('prod-1');
    expect(loadMasterKeys(loadSettings({ env: { STAGEGATE_CODEC_KEYS: key } }))!.current.id).toBe('prod-1');
    expect(() => loadSettings({ env: { STAGEGATE_CODEC_KEYS: 'prod-1:short' } })).toThrow(/STAGEGATE_CODEC_KEYS: codecKeys: expected id:base64key/);
    const file = join(dataDir(), 'keys');
    writeFileSync(file, `${newKey('b')}\n${key}\n`);
    const fromFile = loadMasterKeys(loadSettings({ env: { STAGEGATE_CODEC_KEY_FILE: file } }))!;
    expect([...fromFile.byId.keys()]).toEqual(['b', 'prod-1']);
    const dir = dataDir();
    const dev = withEmbeddedSecrets(loadSettings({ env: {}, overrides: { dataDir: dir } }));
    expect(dev.codecKeyFile).toBe(join(dir, 'codec-keys'));
    const again = withEmbeddedSecrets(loadSettings({ env: {}, overrides: { dataDir: dir } }));
    expect(loadMasterKeys(again)!.current.key).toEqual(loadMasterKeys(dev)!.current.key);
  });

  test.each([
    ['SQLite', async () => ({})],
    ['PostgreSQL', async () => ({ databaseUrl: await freshDatabaseUrl() })],
  ])('on %s, two processes making the same idea\'s data key at once converge on one key', async (_name, backend) => {
    const extra = await backend();
    const settings = { ...settingsWith(newKey('k1')), ...extra };
    const [a, b] = [await openStore(settings), await openStore(settings)];
    const masterKeys = loadMasterKeys(settings)!;
    const keysA = new DataKeys(masterKeys, async () => a, false);
    const keysB = new DataKeys(masterKeys, async () => b, false);
    const made = await Promise.all([...Array(5)].flatMap(() => [keysA.key('idea:race'), keysB.key('idea:race')]));
    for (const key of made) expect(key).toEqual(made[0]);
    await Promise.all([a.close(), b.close()]);
  });
});

describe.each([
  ['SQLite', async () => ({})],
  ['PostgreSQL', async () => ({ databaseUrl: await freshDatabaseUrl() })],
])('the key table and erasure rewrites on %s', (_name, backend) => {
  test('a data key is kept once, found by prefix, destroyed once and stays a tombstone', async () => {
    const store = await openStore({ dataDir: dataDir(), ...(await backend()) });
    try {
      const first = await store.addDataKey({ name: 'idea:a', masterKeyId: 'k1', wrapped: 'AAAA', createdAt: '2026-12-01T10:00:00Z' });
      expect(await store.addDataKey({ name: 'idea:a', masterKeyId: 'k2', wrapped: 'BBBB', createdAt: '2026-12-01T11:00:00Z' })).toEqual(first);
      await store.addDataKey({ name: 'idea:a-pilot-pilot-1', masterKeyId: 'k1', wrapped: 'CCCC', createdAt: '2026-12-01T10:00:00Z' });
      await store.addDataKey({ name: 'idea:ab', masterKeyId: 'k1', wrapped: 'DDDD', createdAt: '2026-12-01T10:00:00Z' });
      expect(await store.dataKeyNames('idea:a-pilot-')).toEqual(['idea:a-pilot-pilot-1']);
      expect(await store.destroyDataKey('idea:a', '2026-12-02T09:00:00Z')).toBe(true);
      expect(await store.destroyDataKey('idea:a', '2026-12-02T10:00:00Z')).toBe(false);
      expect(await store.dataKey('idea:a')).toEqual({ name: 'idea:a', masterKeyId: 'k1', wrapped: null, createdAt: '2026-12-01T10:00:00.000Z', destroyedAt: '2026-12-02T09:00:00.000Z' });
      expect((await store.dataKey('idea:ab'))?.wrapped).toBe('DDDD');
    } finally {
      await store.close();
    }
  });

  test('events and outbox messages are rewritten or deleted in place', async () => {
    const store = await openStore({ dataDir: dataDir(), ...(await backend()) });
    try {
      const event = { id: 'a:1', ideaId: 'a', seq: 1, type: 'submitted' as const, at: '2026-12-01T10:00:00.000Z', process: 'p', processVersion: 1, source: 'customer', actor: 'person:1', detail: { submitter: 'person:1' } };
      await store.appendEvent(event);
      await store.appendEvent({ ...event, id: 'b:1', ideaId: 'b', actor: 'person:2', detail: {} });
      expect(await store.rewriteEvents({}, (e) => (e.actor === 'person:1' ? { ...e, actor: 'forgotten:1', detail: { submitter: 'forgotten:1' } } : undefined))).toBe(1);
      expect((await store.events()).map((e) => [e.actor, e.detail])).toEqual([['forgotten:1', { submitter: 'forgotten:1' }], ['person:2', {}]]);
      const message = { id: 'a/m1', ideaId: 'a', purpose: 'idea-received', to: { email: 'person:1', name: '' }, subject: '', text: 'sealed:x', createdAt: '2026-12-01T10:00:00.000Z' };
      await store.addToOutbox(message);
      await store.addToOutbox({ ...message, id: 'b/m1', ideaId: 'b' });
      await store.addToOutbox({ ...message, id: 'b/m2', ideaId: 'b', to: { email: 'person:2', name: '' } });
      expect(await store.rewriteOutbox((m) => (m.ideaId === 'a' ? null : m.to.email === 'person:1' ? { ...m, to: { email: 'forgotten:1', name: '' } } : undefined))).toBe(2);
      expect((await store.outbox()).map((m) => [m.id, m.to.email])).toEqual([['b/m1', 'forgotten:1'], ['b/m2', 'person:2']]);
    } finally {
      await store.close();
    }
  });
});

const HISTORIES_DIR = join(__dirname, 'fixtures', 'histories');

describe('ideas already in flight keep working with the codec', () => {
  const files = readdirSync(HISTORIES_DIR).filter((name) => name.endsWith('.json'));

  test.each(files)('%s (recorded without the codec) replays with the codec\'s data converter', async (file) => {
    const history = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'));
    const codec = createCodec(settingsWith(newKey('k1')))!;
    const workflowId = basename(file, '.json').replace(/\.run-\d+$/, '');
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle(), dataConverter: codec.dataConverter }, history, workflowId)).resolves.toBeUndefined();
    await codec.close();
  });

  test('an idea started by a plain client and worker is carried to launch by a codec-enabled worker and client', async () => {
    const settings = testSettings();
    const plainWorker = await startWorker(settings);
    const plainClient = await StageGateClient.connect({ settings });
    const { ideaId } = await plainClient.submitIdea(idea());
    await waitForIdea(plainClient, ideaId, inReview('screen'));
    plainWorker.worker.shutdown();
    await plainWorker.running;
    await plainClient.close();

    const encrypted = { ...settings, codecKeys: newKey('k1') };
    const worker = await startWorker(encrypted);
    const client = await StageGateClient.connect({ settings: encrypted });
    try {
      expect(client.codec).toBeDefined();
      // The first task after the handover may wait out the stopped worker's sticky queue.
      await expect(driveToLaunch(client, ideaId, 60_000)).resolves.toEqual(['screen', 'final']);
      expect((await client.outcome(ideaId)).status).toBe('launched');
      // The raw history: the start as the plain client wrote it, the end encrypted by the codec worker.
      const { history } = await client.client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: `idea-${ideaId}` } });
      const events = history!.events!;
      expect(text(events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.metadata!.encoding)).toBe('json/plain');
      const completed = events.find((event) => event.workflowExecutionCompletedEventAttributes)!;
      expect(text(completed.workflowExecutionCompletedEventAttributes!.result!.payloads![0]!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    } finally {
      worker.worker.shutdown();
      await worker.running;
      await client.close();
    }
  }, 120_000);
});
