import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startWebhookDeliveries } from '../activities/webhooks';
import { verifyWebhook, WebhookVerificationError, type StageGateClient, type WebhookBody, type WebhookDelivery } from '../client/sdk';
import type { StoredEvent } from '../store';
import { webhookBody } from '../webhooks/events';
import { signWebhook, webhookHeaders } from '../webhooks/signature';
import { webhookDeliveryId } from '../workflows/webhook';
import { cliEnv, runCli } from './cli-process';
import { HEAD_BAKER, SHOP_MANAGER, idea, inReview, scores, testSettings, waitForIdea, withStack } from './helpers';

jest.setTimeout(120_000);

/** The receiver's check, taken word for word from the README's Webhooks section: what a PHP developer would port. */
const readmeVerify = (() => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Webhooks'));
  const code = /```js\n([\s\S]*?)```/.exec(section)![1]!;
  return new Function('require', `${code}\nreturn verify;`)(require) as (secret: string, headers: IncomingHttpHeaders, body: string) => boolean;
})();

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
  status?: number;
}

/**
 * A real HTTP receiver on loopback. `answer` says what each request gets: a status, or `hang`
 * (never answered while the test runs). Every request is kept with whether the README's check
 * accepted it.
 */
async function receiver(secret: string, answer: (received: Received, earlier: Received[]) => number | 'hang') {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: Received = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), verified: false };
      entry.verified = readmeVerify(secret, request.headers, entry.body);
      const earlier = received.filter((other) => other.headers['webhook-id'] === entry.headers['webhook-id']);
      received.push(entry);
      const status = entry.verified ? answer(entry, earlier) : 401;
      if (status === 'hang') return void hanging.push(response);
      entry.status = status;
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/stagegate`,
    received,
    hanging,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const bodyOf = (entry: Received) => JSON.parse(entry.body) as WebhookBody;
const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
/** Seconds between attempts in tests: the production schedule spans a day. */
const quickRetry = (attempts: number) => ({ attempts, firstDelay: '100ms', maxDelay: '500ms' });

/** Polls the SDK's delivery records until `check` holds. */
async function deliveriesUntil(client: StageGateClient, check: (deliveries: WebhookDelivery[]) => boolean, filter: { failed?: boolean } = {}): Promise<WebhookDelivery[]> {
  for (let tries = 0; tries < 300; tries++) {
    const deliveries = await client.webhookDeliveries(filter);
    if (check(deliveries)) return deliveries;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the webhook deliveries never got there: ${JSON.stringify(await client.webhookDeliveries(filter))}`);
}

describe('webhooks', () => {
  test('a receiver that fails twice with 500 gets each event exactly once accepted, signed and with the Standard Webhooks headers', async () => {
    const key = secret();
    const crm = await receiver(key, (_entry, earlier) => (earlier.length < 2 ? 500 : 200));
    const settings = testSettings({ webhooks: [{ name: 'crm', url: crm.url, events: ['idea.submitted', 'gate.decided', 'idea.killed'], secret: key }], webhookRetry: quickRetry(5) });
    try {
      await withStack(async ({ client, store }) => {
        const { ideaId } = await client.submitIdea(idea());
        await waitForIdea(client, ideaId, inReview('screen'));
        await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'kill', scores: scores(1, 'feasibility', 'impact'), comment: 'No oven space' });
        await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'kill', scores: scores(2, 'feasibility', 'impact') });
        const delivered = await deliveriesUntil(client, (all) => all.filter((d) => d.outcome === 'delivered').length === 3);
        expect(delivered.map((d) => d.type).sort()).toEqual(['gate.decided', 'idea.killed', 'idea.submitted']);
        expect(delivered.every((d) => d.attempts === 3 && d.lastStatus === 200 && d.subscriber === 'crm')).toBe(true);

        const events = await store.events({ ideaId, types: ['submitted', 'decided', 'killed'] });
        expect(events).toHaveLength(3);
        for (const event of events) {
          const attempts = crm.received.filter((entry) => entry.headers['webhook-id'] === event.id);
          expect(attempts.map((entry) => entry.status)).toEqual([500, 500, 200]);
          expect(attempts.every((entry) => entry.verified)).toBe(true);
          // The same bytes on every attempt, each signed afresh over its own timestamp.
          expect(new Set(attempts.map((entry) => entry.body)).size).toBe(1);
          for (const entry of attempts) {
            expect(entry.headers['content-type']).toBe('application/json');
            expect(entry.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
            expect(Math.abs(Number(entry.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
            expect(bodyOf(entry).id).toBe(event.id);
          }
        }
        const decided = bodyOf(crm.received.find((entry) => entry.status === 200 && bodyOf(entry).type === 'gate.decided')!);
        expect(decided.data).toMatchObject({ ideaId, title: 'Pumpkin spice pastry', gate: 'screen', round: 1, decision: 'kill', decidedBy: 'reviewers' });
        expect(Array.isArray(decided.data.reasons)).toBe(true);
        expect(bodyOf(crm.received.find((entry) => bodyOf(entry).type === 'idea.killed')!).data).toMatchObject({ ideaId, title: 'Pumpkin spice pastry', reason: expect.any(String) });
        // Nobody's address or comment leaves for the CRM.
        expect(crm.received.some((entry) => /@|No oven space/.test(entry.body))).toBe(false);

        // A retried recordEvent starts the same deliveries again: Temporal refuses, nothing is sent twice.
        const submitted = events.find((event) => event.type === 'submitted')!;
        const handle = client.client.workflow.getHandle(webhookDeliveryId(submitted.id, 'crm'));
        // The delivery is listed once it is recorded, a moment before its workflow returns.
        await handle.result();
        const firstRun = (await handle.describe()).runId;
        await startWebhookDeliveries(client.client, settings, submitted);
        const again = await handle.describe();
        expect(again.runId).toBe(firstRun);
        expect(again.status.name).toBe('COMPLETED');
        expect(crm.received.filter((entry) => entry.headers['webhook-id'] === submitted.id && entry.status === 200)).toHaveLength(1);
      }, settings);
    } finally {
      await crm.close();
    }
  });

  test('a receiver that always fails leaves a dead letter, listed by the SDK and `stagegate webhook list --failed`; resent once it is fixed, it is delivered with the same webhook-id', async () => {
    const key = secret();
    let fixed = false;
    const crm = await receiver(key, () => (fixed ? 200 : 500));
    const gone = await receiver(key, () => 410);
    const subscribers = [
      { name: 'crm', url: crm.url, events: ['idea.submitted' as const], secret: key },
      { name: 'old-crm', url: gone.url, events: ['idea.submitted' as const], secret: key },
    ];
    // With the codec on: the events are sealed in the store, the delivery records are not (they name nobody).
    const settings = testSettings({ webhooks: subscribers, webhookRetry: quickRetry(3), codecKeys: `k1:${randomBytes(32).toString('base64')}` });
    const env = cliEnv(settings, { STAGEGATE_WEBHOOKS: JSON.stringify(subscribers), STAGEGATE_CODEC_KEYS: settings.codecKeys });
    try {
      await withStack(async ({ client }) => {
        const { ideaId } = await client.submitIdea(idea());
        const dead = await deliveriesUntil(client, (all) => all.length === 2, { failed: true });
        const letter = dead.find((d) => d.subscriber === 'crm')!;
        expect(letter).toMatchObject({ outcome: 'failed', attempts: 3, lastStatus: 500, ideaId, type: 'idea.submitted' });
        expect(letter.lastError).toMatch(/"crm" \(127\.0\.0\.1:\d+\) answered 500/);
        // 410 Gone stops at the first attempt.
        expect(dead.find((d) => d.subscriber === 'old-crm')).toMatchObject({ outcome: 'failed', attempts: 1, lastStatus: 410 });
        expect(gone.received).toHaveLength(1);
        expect(crm.received.map((entry) => entry.status)).toEqual([500, 500, 500]);

        const listed = await runCli(env, ['webhook', 'list', '--failed', '--json']);
        expect(listed.code).toBe(0);
        expect((JSON.parse(listed.stdout) as WebhookDelivery[]).map((d) => d.id).sort()).toEqual(dead.map((d) => d.id).sort());
        const table = await runCli(env, ['webhook', 'list', '--failed']);
        expect(table.stdout).toContain(letter.id);
        expect(table.stdout).toMatch(/failed\s+idea\.submitted\s+crm\s+3/);

        fixed = true;
        const resent = await runCli(env, ['webhook', 'resend', letter.id]);
        expect(resent.stderr).toBe('');
        expect(resent.code).toBe(0);
        await deliveriesUntil(client, (all) => all.some((d) => d.subscriber === 'crm' && d.outcome === 'delivered'));
        const accepted = crm.received.filter((entry) => entry.status === 200);
        expect(accepted).toHaveLength(1);
        expect(accepted[0]!.headers['webhook-id']).toBe(letter.eventId);
        expect(accepted[0]!.verified).toBe(true);
        expect(accepted[0]!.body).toBe(crm.received[0]!.body);
        expect(bodyOf(accepted[0]!).data).toMatchObject({ ideaId, title: 'Pumpkin spice pastry' });
        // Delivered since, the letter is no longer dead; the 410 one still is.
        expect((await client.webhookDeliveries({ failed: true })).map((d) => d.subscriber)).toEqual(['old-crm']);
        const all = await runCli(env, ['webhook', 'list']);
        expect(all.stdout).toMatch(/delivered\s+idea\.submitted\s+crm\s+1/);
      }, settings);
    } finally {
      await crm.close();
      await gone.close();
    }
  });

  test('a receiver that never answers does not delay a decision: the journey moves on while the delivery is still pending', async () => {
    const key = secret();
    const slow = await receiver(key, () => 'hang');
    const settings = testSettings({ webhooks: [{ name: 'crm', url: slow.url, events: ['gate.decided'], secret: key }], webhookTimeout: '10m', webhookRetry: quickRetry(1) });
    try {
      await withStack(async ({ client, store }) => {
        const { ideaId } = await client.submitIdea(idea());
        await waitForIdea(client, ideaId, inReview('screen'));
        const good = scores(5, 'feasibility', 'impact');
        await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: good });
        const receipt = await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: good });
        expect(receipt.decided).toBe('go');
        // The next stage is under way and the decision recorded, while the POST about it still waits.
        const after = await waitForIdea(client, ideaId, (status) => status.stage.id === 'build');
        expect(after.decisions.map((decision) => decision.decision)).toEqual(['go']);
        const [decided] = await store.events({ ideaId, types: ['decided'] });
        const delivery = client.client.workflow.getHandle(webhookDeliveryId(decided!.id, 'crm'));
        for (let tries = 0; slow.hanging.length === 0 && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(slow.received.map((entry) => entry.headers['webhook-id'])).toEqual([decided!.id]);
        expect(slow.hanging).toHaveLength(1);
        expect((await delivery.describe()).status.name).toBe('RUNNING');
        expect(await client.webhookDeliveries()).toEqual([]);
        await delivery.terminate('the test is over');
        // Its activity still waits on the socket: closing it lets the worker stop at once.
        await slow.close();
      }, settings);
    } finally {
      await slow.close();
    }
  });

  test('each mapped event has its body: the idea, what happened, and no person', () => {
    const base = { ideaId: 'pumpkin', seq: 1, at: '2026-10-01T09:00:00.000Z', process: 'smb-lite', processVersion: 1, source: 'customer', stage: 'pilot', actor: 'olivia@cornerbakery.example' };
    const body = (type: StoredEvent['type'], detail: Record<string, unknown>, more: Partial<StoredEvent> = {}) => webhookBody({ ...base, id: `pumpkin:run:${type}`, type, detail, ...more }, 'Pumpkin spice pastry');
    expect(body('submitted', { title: 'Pumpkin spice pastry', category: 'product', horizon: 'incremental', submitter: 'grace@customer.example', champion: 'leo@cornerbakery.example' })).toEqual({
      id: 'pumpkin:run:submitted',
      type: 'idea.submitted',
      timestamp: '2026-10-01T09:00:00.000Z',
      data: { ideaId: 'pumpkin', title: 'Pumpkin spice pastry', process: 'smb-lite', source: 'customer', stage: 'pilot', category: 'product', horizon: 'incremental' },
    });
    const decided = body('decided', { gate: 'screen', gateName: 'Screen', round: 1, decision: 'go', decidedBy: 'reviewers', actor: 'hamid@cornerbakery.example', score: 4.5, reasons: ['Weighted score 4.5'], conditions: [], comments: [{ reviewer: 'hamid@cornerbakery.example', decision: 'go', comment: 'Tasty' }] });
    expect(decided.data).toEqual({ ideaId: 'pumpkin', title: 'Pumpkin spice pastry', process: 'smb-lite', source: 'customer', stage: 'pilot', gate: 'screen', gateName: 'Screen', round: 1, decision: 'go', decidedBy: 'reviewers', score: 4.5, reasons: ['Weighted score 4.5'], conditions: [] });
    expect(body('launched', { reason: 'Pumpkin spice pastry is launched.' })).toMatchObject({ type: 'idea.launched', data: { reason: 'Pumpkin spice pastry is launched.' } });
    expect(body('killed', { reason: 'No oven space.' }, { gate: 'screen' })).toMatchObject({ type: 'idea.killed', data: { gate: 'screen', reason: 'No oven space.' } });
    expect(body('kpi_alert', { kpi: 'weekly_sales', level: 'alert', value: 12, threshold: 20 })).toMatchObject({ type: 'pilot.alert', data: { kpi: 'weekly_sales', level: 'alert', value: 12, threshold: 20 } });
    expect(JSON.stringify([decided, body('submitted', { submitter: 'grace@customer.example' })])).not.toMatch(/@|Tasty/);
    expect(() => body('vote_cast', {})).toThrow(/no webhook is sent for vote_cast events/);
  });

  test('verifyWebhook accepts what was signed and refuses a tampered body, an old timestamp, a wrong secret and missing headers', () => {
    const key = secret();
    const body = JSON.stringify({ id: 'bakery-1:run:1', type: 'idea.submitted', timestamp: '2026-12-01T10:00:00.000Z', data: { ideaId: 'bakery-1' } });
    const headers = webhookHeaders(key, 'bakery-1:run:1', body);
    expect(verifyWebhook<WebhookBody>(key, headers, body).data.ideaId).toBe('bakery-1');
    expect(verifyWebhook(key, new Headers(headers), Buffer.from(body))).toEqual(JSON.parse(body));
    expect(readmeVerify(key, headers, body)).toBe(true);
    // A plain secret of 32 characters keys the HMAC with its own bytes.
    const plain = 'p'.repeat(32);
    expect(() => verifyWebhook(plain, webhookHeaders(plain, 'x', body), body)).not.toThrow();

    expect(() => verifyWebhook(key, headers, body.replace('bakery-1"}', 'bakery-2"}'))).toThrow(WebhookVerificationError);
    expect(readmeVerify(key, headers, body.replace('bakery-1"}', 'bakery-2"}'))).toBe(false);
    const old = webhookHeaders(key, 'bakery-1:run:1', body, Date.now() - 6 * 60_000);
    expect(() => verifyWebhook(key, old, body)).toThrow(/outside the replay window/);
    expect(readmeVerify(key, old, body)).toBe(false);
    const future = webhookHeaders(key, 'bakery-1:run:1', body, Date.now() + 6 * 60_000);
    expect(() => verifyWebhook(key, future, body)).toThrow(/outside the replay window/);
    expect(() => verifyWebhook(secret(), headers, body)).toThrow(/no webhook-signature matches/);
    expect(() => verifyWebhook(key, { ...headers, 'webhook-id': 'bakery-1:run:2' }, body)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(key, { 'webhook-id': 'x' }, body)).toThrow(/expected the webhook-id, webhook-timestamp and webhook-signature headers/);
    // A receiver that knows several signatures (a secret being rotated) accepts any one of them.
    const timestamp = Number(headers['webhook-timestamp']);
    expect(() => verifyWebhook(key, { ...headers, 'webhook-signature': `${signWebhook(secret(), 'bakery-1:run:1', timestamp, body)} ${headers['webhook-signature']}` }, body)).not.toThrow();
  });
});
