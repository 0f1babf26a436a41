import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { startWebServer } from '../client/web/server';
import { idea, inReview, testSettings, waitForIdea, withStack } from './helpers';
import { rawHistory } from './codec-helpers';

const ADMIN_KEY = 'codec-endpoint-admin-key-0123456789';
const UI = 'http://localhost:8233';
const json = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});
const basic = (key: string) => `Basic ${Buffer.from(`admin:${key}`).toString('base64')}`;

describe('the codec endpoint for the Temporal Web UI', () => {
  test('decodes what the SDK sent for admins only, with CORS for the Web UI alone', async () => {
    const settings = testSettings({ codecKeys: `k1:${randomBytes(32).toString('base64')}`, adminKey: ADMIN_KEY, codecCorsOrigin: UI });
    await withStack(async ({ client }) => {
      const web = await startWebServer({ client, settings, port: 0 });
      try {
        const { ideaId } = await client.submitIdea(idea({ description: 'Rye sourdough with a pumpkin crust, autumn only.' }));
        await waitForIdea(client, ideaId, inReview('screen'));
        const [started] = await rawHistory(client, `idea-${ideaId}`);
        const input = started!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
        expect(Buffer.from(input.data!).toString()).not.toContain('pumpkin crust');
        const body = JSON.stringify({ payloads: [json(input)] });
        const call = (path: string, headers: Record<string, string>, payload = body) => fetch(`${web.url}/codec/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: payload });

        const decoded = await call('decode', { Authorization: basic(ADMIN_KEY), Origin: UI, 'X-Namespace': 'default' });
        expect(decoded.status).toBe(200);
        expect(decoded.headers.get('access-control-allow-origin')).toBe(UI);
        const [plain] = ((await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
        expect(Buffer.from(plain!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
        const journeyInput = JSON.parse(Buffer.from(plain!.data, 'base64').toString());
        expect(journeyInput.idea).toMatchObject({ ideaId, description: 'Rye sourdough with a pumpkin crust, autumn only.', submitter: { email: 'grace@customer.example' } });

        // Encoding and decoding again gives the same plaintext; a bearer token works as well.
        const encoded = await call('encode', { Authorization: `Bearer ${ADMIN_KEY}` }, JSON.stringify({ payloads: [plain] }));
        const again = await call('decode', { Authorization: `Bearer ${ADMIN_KEY}` }, JSON.stringify(await encoded.json()));
        expect(((await again.json()) as { payloads: unknown[] }).payloads).toEqual([plain]);

        const anonymous = await call('decode', { Origin: UI });
        expect(anonymous.status).toBe(401);
        expect(await anonymous.text()).not.toContain('pumpkin');
        expect((await call('decode', { Authorization: basic('wrong-key-0123456789abcdefgh') })).status).toBe(401);

        const elsewhere = await call('decode', { Authorization: basic(ADMIN_KEY), Origin: 'https://evil.example' });
        expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
        const preflight = await fetch(`${web.url}/codec/decode`, { method: 'OPTIONS', headers: { Origin: UI, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-namespace' } });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
        expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
        const foreignPreflight = await fetch(`${web.url}/codec/decode`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
        expect(foreignPreflight.headers.get('access-control-allow-origin')).toBeNull();

        const bad = await call('decode', { Authorization: basic(ADMIN_KEY) }, '{"payloads": [{"data": 7}]}');
        expect(bad.status).toBe(400);
        expect(await bad.json()).toMatchObject({ detail: 'payloads.0.data: Invalid input: expected string, received number' });
        expect((await call('decode', { Authorization: basic(ADMIN_KEY) }, 'not json')).status).toBe(400);
      } finally {
        await web.close();
      }
    }, settings);
  });

  test('wrong admin keys on the codec endpoint and the dashboard count towards one lockout, the right key included', async () => {
    const settings = testSettings({ codecKeys: `k1:${randomBytes(32).toString('base64')}`, adminKey: ADMIN_KEY });
    await withStack(async ({ client, store }) => {
      const web = await startWebServer({ client, settings, events: store, port: 0 });
      try {
        const codec = (key: string) => fetch(`${web.url}/codec/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: basic(key) }, body: '{"payloads":[]}' });
        const dashboard = (key: string) => fetch(`${web.url}/dashboard`, { headers: { Authorization: basic(key) } });
        expect((await codec(ADMIN_KEY)).status).toBe(200);
        for (let i = 0; i < 5; i++) expect((await codec(`wrong-key-${i}-0123456789abcdef`)).status).toBe(401);
        for (let i = 0; i < 5; i++) expect((await dashboard(`wrong-key-${i}-0123456789abcdef`)).status).toBe(401);
        const locked = await codec(ADMIN_KEY);
        expect(locked.status).toBe(429);
        expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
        expect(await locked.json()).toMatchObject({ status: 429, detail: expect.stringContaining('locked until') });
        expect((await dashboard(ADMIN_KEY)).status).toBe(429);
      } finally {
        await web.close();
      }
    }, settings);
  });
});
