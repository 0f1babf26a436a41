import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startWebServer } from '../client/web/server';
import { SHIPPED_PROCESSES_DIR } from '../config/settings';
import { COUNTER, OWNER, driveToLaunch, eventually, idea, inReview, testSettings, waitForIdea, withStack } from './helpers';
import { ARTEFACTS_DIR } from './paths';

const ADMIN_KEY = 'dashboard-test-admin-key-0123456789';
const CHROMIUM = process.env.STAGEGATE_CHROMIUM ?? '/usr/bin/chromium';
const basic = (key: string) => `Basic ${Buffer.from(`admin:${key}`).toString('base64')}`;

describe('the owner dashboard', () => {
  test('is for admins only, draws the funnel and the other charts from the events, and gives every report as a table and CSV', async () => {
    const settings = testSettings({ processesDir: SHIPPED_PROCESSES_DIR, adminKey: ADMIN_KEY });
    await withStack(async ({ client, store }) => {
      const web = await startWebServer({ client, settings, events: store, port: 0 });
      try {
        // Three ideas from three sources: one launched through the express lane, one killed at its screen, one waiting.
        const launched = await client.submitIdea(idea({ title: 'Prepare dough in bulk', source: 'employee', process: 'express', champion: { email: COUNTER, name: 'Leo Martin' } }));
        await driveToLaunch(client, launched.ideaId);
        const killed = await client.submitIdea(idea({ title: 'Dessert platters', source: 'partner', process: 'smb-lite' }));
        await waitForIdea(client, killed.ideaId, inReview('idea-screen'));
        await client.overrideDecision(killed.ideaId, { by: OWNER, decision: 'kill', reason: 'No kitchen space for events' });
        await client.outcome(killed.ideaId);
        const waiting = await client.submitIdea(idea({ title: 'Gluten-free bread', source: 'customer', process: 'smb-lite' }));
        await waitForIdea(client, waiting.ideaId, inReview('idea-screen'));
        await eventually(async () => expect((await store.events({ ideaId: waiting.ideaId })).map((event) => event.type)).toContain('gate_opened'));

        // The same numbers through the SDK, which integrators use.
        expect(await client.report('sources')).toMatchObject({ total: { submitted: 3, launched: 1, sources: 3 } });
        expect(await client.report('kill-rate', { from: '2020-01-01' })).toMatchObject({ ended: 2, launched: 1, killed: 1, killRate: 0.5 });
        await expect(client.report('happiness')).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('funnel') });

        expect((await fetch(`${web.url}/dashboard`)).status).toBe(401);
        expect((await fetch(`${web.url}/dashboard`, { headers: { authorization: basic('not-the-key-not-the-key-xx') } })).status).toBe(401);
        const page = await fetch(`${web.url}/dashboard`, { headers: { authorization: basic(ADMIN_KEY) } });
        expect(page.status).toBe(200);
        const body = await page.text();
        expect(body).toContain('<title id="chart-funnel-of-smb-lite">Funnel of smb-lite</title>');
        expect(body).toMatch(/<tr><th scope="row">Ideas submitted<\/th><td>3<\/td><\/tr>/);
        expect(body).toMatch(/<tr><th scope="row">Launched \(implemented\)<\/th><td>1 \(33 %\)<\/td><\/tr>/);
        expect(body).toMatch(/<tr><th scope="row">Killed of those ended<\/th><td>1 of 2 \(50 %\)<\/td><\/tr>/);

        const csv = await fetch(`${web.url}/dashboard/reports/sources.csv`, { headers: { authorization: basic(ADMIN_KEY) } });
        expect(csv.headers.get('content-type')).toContain('text/csv');
        const lines = (await csv.text()).trim().split('\r\n');
        expect(lines).toHaveLength(4);
        expect(lines.slice(1).map((line) => line.split(',')[0]).sort()).toEqual(['customer', 'employee', 'partner']);

        const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'] });
        try {
          const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, httpCredentials: { username: 'admin', password: ADMIN_KEY } });
          const view = await context.newPage();
          await view.goto(`${web.url}/dashboard`);
          await view.getByRole('img', { name: 'Funnel of smb-lite' }).waitFor();
          await view.screenshot({ path: join(ARTEFACTS_DIR, 'dashboard.png'), fullPage: true });
          await view.getByRole('link', { name: /^Funnel/ }).first().click();
          await view.waitForSelector('table caption');
        } finally {
          await browser.close();
        }
      } finally {
        await web.close();
      }
    }, settings);
  });

  test('locks an address out after ten wrong passwords, the right one included, and says when to retry; a spoofed X-Forwarded-For changes nothing', async () => {
    const settings = testSettings({ adminKey: ADMIN_KEY });
    await withStack(async ({ client, store }) => {
      const web = await startWebServer({ client, settings, events: store, port: 0 });
      try {
        const dashboard = (key?: string, headers: Record<string, string> = {}) => fetch(`${web.url}/dashboard`, { headers: { ...(key ? { authorization: basic(key) } : {}), ...headers } });
        // No password at all is the browser asking, not a wrong guess.
        for (let i = 0; i < 12; i++) expect((await dashboard()).status).toBe(401);
        expect((await dashboard(ADMIN_KEY)).status).toBe(200);
        for (let i = 0; i < 10; i++) expect((await dashboard(`wrong-key-${i}-0123456789abcdef`)).status).toBe(401);
        const locked = await dashboard(ADMIN_KEY);
        expect(locked.status).toBe(429);
        expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
        expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);
        const body = await locked.text();
        expect(body).toContain('Too many wrong passwords');
        expect(body).toMatch(/locked for your address until \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT \(about 15 minutes\)/);
        expect((await dashboard(ADMIN_KEY, { 'X-Forwarded-For': '203.0.113.9' })).status).toBe(429);
        expect((await fetch(`${web.url}/dashboard/reports/funnel`, { headers: { authorization: basic(ADMIN_KEY) } })).status).toBe(429);
      } finally {
        await web.close();
      }
    }, settings);
  });
});
