import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startWebServer } from '../client/web/server';
import { confirmationMail } from '../worker/confirmations';
import { HEAD_BAKER, OWNER, idea, inReview, messageTo, testSettings, waitForIdea, withStack } from './helpers';
import { ARTEFACTS_DIR } from './paths';

const CHROMIUM = process.env.STAGEGATE_CHROMIUM ?? '/usr/bin/chromium';
const SECRET = 'browser-test-link-secret-0123456789abcdef';

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

describe('a reviewer on a phone, in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('opens the link from the review email, scores, decides go and sees the confirmation', async () => {
    const settings = { ...testSettings(), linkSecret: SECRET, webPort: 0 };
    await withStack(async ({ client, store }) => {
      const web = await startWebServer({ client, settings: { ...settings }, outbox: store, port: 0 });
      try {
        // Links in messages must point at this server: the worker signs them with the same key.
        const { ideaId } = await client.submitIdea(idea({ title: 'Pumpkin spice pastry', description: 'Customers ask for a seasonal pumpkin pastry every autumn; two shops could try it for four weeks.' }));
        await waitForIdea(client, ideaId, inReview('screen'));
        const email = await messageTo(store, ideaId, HEAD_BAKER, 'review-request');
        const sent = email.html ?? email.text;
        const link = /https?:\/\/[^\s"<>]+\/review\/[A-Za-z0-9_-]{40,}/.exec(sent)?.[0];
        expect(link).toBeDefined();
        const local = link!.replace(/^https?:\/\/[^/]+/, web.url);

        const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
        const page = await context.newPage();
        const refused: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') refused.push(message.text());
        });

        if (email.html) {
          await page.setContent(email.html);
          await page.screenshot({ path: join(ARTEFACTS_DIR, 'review-request-email.png'), fullPage: true });
        }

        await page.goto(local);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Screen for “Pumpkin spice pastry”');
        await page.screenshot({ path: join(ARTEFACTS_DIR, 'review-page.png'), fullPage: true });
        // Made for a phone: nothing wider than the screen.
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

        // Every control is reachable by its label, as a screen reader or a keyboard user would.
        await page.getByRole('group', { name: /Feasibility/ }).getByLabel('4').check();
        await page.getByRole('group', { name: /Impact/ }).getByLabel('5').check();
        await page.getByRole('radio', { name: /^Go On to the next stage/ }).check();
        await page.getByLabel('Your reasons').fill('Customers ask for it every autumn');
        await page.getByRole('button', { name: 'Record my vote' }).click();
        await page.waitForSelector('text=Recorded: go, by you');
        await page.screenshot({ path: join(ARTEFACTS_DIR, 'review-confirmation.png'), fullPage: true });

        // The pages live within their own Content-Security-Policy: nothing refused.
        expect(refused.filter((text) => text.includes('Content Security Policy'))).toEqual([]);
        const status = await client.getIdea(ideaId);
        expect(status.round!.votes).toEqual([expect.objectContaining({ reviewer: HEAD_BAKER, decision: 'go', via: 'link', comment: 'Customers ask for it every autumn' })]);

        // Going back to the form after voting shows the vote already recorded, not a second form.
        await page.goBack();
        await page.waitForSelector('text=Already recorded: go, by you');
        await context.close();
      } finally {
        await web.close();
      }
    }, { ...settings, publicUrl: 'http://127.0.0.1:1' });
  });

  test('a reviewer hands the review to a colleague from the review page; the colleague gets their own link, the old one is refused', async () => {
    const settings = { ...testSettings(), linkSecret: SECRET, publicUrl: 'http://127.0.0.1:1' };
    const maya = 'maya@cornerbakery.example';
    const reviewLink = (text: string) => /http:\/\/127\.0\.0\.1:1(\/review\/[A-Za-z0-9_-]{40,})/.exec(text)?.[1];
    await withStack(async ({ client, store }) => {
      const web = await startWebServer({ client, settings, outbox: store, port: 0 });
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      try {
        const { ideaId } = await client.submitIdea(idea({ title: 'Loyalty cards' }));
        await waitForIdea(client, ideaId, inReview('screen'));
        const hamidLink = reviewLink((await messageTo(store, ideaId, HEAD_BAKER, 'review-request')).text)!;
        const page = await context.newPage();
        await page.goto(`${web.url}${hamidLink}`);
        await page.getByRole('heading', { name: 'Hand this review to a colleague' }).waitFor();
        await page.getByLabel("Your colleague's email").fill(maya);
        await page.screenshot({ path: join(ARTEFACTS_DIR, 'review-hand-over.png'), fullPage: true });
        await page.getByRole('button', { name: 'Hand this review over' }).click();
        await page.waitForSelector('text=Handed over to Maya Chen');

        const status = await client.getIdea(ideaId);
        expect(status.round!.reviewers.map((reviewer) => reviewer.email)).toEqual([maya, 'sofia@cornerbakery.example']);
        const events = await store.events({ ideaId });
        expect(events.filter((event) => event.type === 'review_delegated').map((event) => event.detail)).toEqual([expect.objectContaining({ from: HEAD_BAKER, to: maya, by: HEAD_BAKER, via: 'link' })]);
        // Maya's own link opens her review; Hamid's is refused.
        const mayaLink = reviewLink((await messageTo(store, ideaId, maya, 'review-request')).text)!;
        await page.goto(`${web.url}${mayaLink}`);
        expect(await page.textContent('.meta')).toContain('reviewing as Maya Chen');
        const old = await page.goto(`${web.url}${hamidLink}`);
        expect(old!.status()).toBe(410);
        await page.waitForSelector(`text=You handed this review to ${maya}`);
      } finally {
        await context.close();
        await web.close();
      }
    }, settings);
  });

  test('the outbox of the embedded default lists messages with clickable links', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stagegate-outbox-'));
    const settings = { ...testSettings(), linkSecret: SECRET, dataDir };
    await withStack(async ({ client, store }) => {
      const web = await startWebServer({ client, settings, outbox: store, port: 0 });
      try {
        const { ideaId } = await client.submitIdea(idea({ title: 'Dessert platters' }));
        await waitForIdea(client, ideaId, inReview('screen'));
        await messageTo(store, ideaId, HEAD_BAKER, 'review-request');
        const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
        await page.goto(`${web.url}/outbox`);
        await page.getByRole('link', { name: /Screen for "Dessert platters"/ }).first().click();
        await page.waitForSelector('h1');
        expect(await page.textContent('h1')).toContain('Dessert platters');
        await page.screenshot({ path: join(ARTEFACTS_DIR, 'outbox-message.png'), fullPage: true });
        await page.close();
      } finally {
        await web.close();
      }
    }, settings);
  });

  test('a customer sends an idea to a campaign from a phone, confirms it from the email, and lands on its follow page; the closed campaign then says so', async () => {
    const settings = { ...testSettings({ staffDomains: ['cornerbakery.example'], portalSubmissionsPerHour: 1000 }), linkSecret: SECRET, publicUrl: 'http://127.0.0.1:1' };
    await withStack(async ({ client, store }) => {
      const confirmations = confirmationMail(settings, store);
      const web = await startWebServer({ client, settings, outbox: store, port: 0, confirmations });
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      try {
        await client.createCampaign({ id: 'less-waste', question: 'How do we waste less bread?', description: 'Open to staff and regulars until the end of January.', audience: ['staff', 'customers'], process: 'two-gates', by: OWNER });
        const page = await context.newPage();
        const refused: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') refused.push(message.text());
        });
        await page.goto(`${web.url}/campaigns/less-waste`);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('How do we waste less bread?');
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
        // The field for bots is out of sight and out of the tab order.
        const trap = (await page.locator('#website').boundingBox())!;
        expect(trap.x + trap.width).toBeLessThanOrEqual(0);
        expect(await page.locator('#website').getAttribute('tabindex')).toBe('-1');
        await page.getByLabel('Your idea in a few words').fill('Day-old bread discount');
        await page.getByLabel('What is it, and why would it help?').fill('Half price from 4 pm instead of the bin.');
        await page.getByLabel('What kind of idea is it?').selectOption('process');
        await page.getByLabel('Your name').fill('Grace Hall');
        await page.getByLabel('Your email').fill('grace@customer.example');
        await page.screenshot({ path: join(ARTEFACTS_DIR, 'portal-campaign.png'), fullPage: true });
        await page.getByRole('button', { name: 'Send my idea' }).click();
        await page.waitForSelector('text=Almost there: check your email.');
        expect(await client.listIdeas()).toEqual([]);

        const [kept] = await store.outbox({ to: 'grace@customer.example' });
        const link = /http:\/\/127\.0\.0\.1:1(\/confirm\/[A-Za-z0-9_-]+)/.exec(kept!.text)![1]!;
        await page.goto(`${web.url}${link}`);
        await page.getByRole('button', { name: 'Confirm my idea' }).click();
        await page.waitForSelector('text=Thank you: your idea is in.');
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Day-old bread discount');
        await page.screenshot({ path: join(ARTEFACTS_DIR, 'portal-follow.png'), fullPage: true });
        expect((await client.listIdeas()).map((listed) => listed.title)).toEqual(['Day-old bread discount']);

        await client.closeCampaign('less-waste', { by: OWNER });
        const closed = await page.goto(`${web.url}/campaigns/less-waste`);
        expect(closed!.status()).toBe(410);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This campaign is closed');
        expect(refused.filter((text) => text.includes('Content Security Policy'))).toEqual([]);
      } finally {
        await context.close();
        await web.close();
        confirmations.close();
      }
    }, settings);
  });
});
