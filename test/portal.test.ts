import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWebServer } from '../client/web/server';
import type { Settings } from '../config/settings';
import { linkBuilder, verifyLink } from '../links';
import type { Store } from '../store';
import { confirmationMail } from '../worker/confirmations';
import type { StageGateClient } from '../client/sdk';
import { HEAD_BAKER, OWNER, eventually, inReview, scores, testSettings, waitForIdea, withStack } from './helpers';
import { mailboxForEachTest } from './mailbox';
import { FIXTURE_PROCESSES_DIR } from './paths';
import { get, post, tokenOf, type Page } from './web-helpers';
import { cliEnv, runCli } from './cli-process';

/**
 * The submission portal against real parts: a Temporal dev server and a worker, the web server
 * over HTTP, and a real SMTP server that receives the confirmations and the journeys' emails.
 */

const PUBLIC_URL = 'https://ideas.cornerbakery.example';
const CUSTOMER = 'grace@customer.example';
const STAFF = 'maya@cornerbakery.example';

const box = mailboxForEachTest();

/** The test processes, with two-gates also as smb-lite: what the general page sends ideas to when nothing names a process. */
function processesDir(settings: Settings): string {
  const dir = join(settings.dataDir, 'processes');
  mkdirSync(dir, { recursive: true });
  const twoGates = readFileSync(join(FIXTURE_PROCESSES_DIR, 'two-gates.yaml'), 'utf8');
  writeFileSync(join(dir, 'two-gates.yaml'), twoGates);
  writeFileSync(join(dir, 'smb-lite.yaml'), twoGates.replace('id: two-gates', 'id: smb-lite'));
  return dir;
}

function portalSettings(overrides: Parameters<typeof testSettings>[0] = {}): Settings {
  const base = testSettings({ publicUrl: PUBLIC_URL, staffDomains: ['cornerbakery.example'], partnerDomains: ['beans.example'], mail: { from: 'Corner Bakery ideas <ideas@cornerbakery.example>', smtp: { host: '127.0.0.1', port: box.port } }, portalSubmissionsPerHour: 1000, ...overrides });
  return { ...base, processesDir: processesDir(base) };
}

interface Portal {
  client: StageGateClient;
  store: Store;
  settings: Settings;
  url: string;
  /** A link in an email, pointed at this server. */
  local(link: string): string;
}

async function withPortal<T>(fn: (portal: Portal) => Promise<T>, settings = portalSettings()): Promise<T> {
  return withStack(async ({ client, store }) => {
    const confirmations = confirmationMail(settings, store);
    const web = await startWebServer({ client, settings, port: 0, confirmations });
    try {
      return await fn({ client, store, settings, url: web.url, local: (link) => link.replace(PUBLIC_URL, web.url) });
    } finally {
      await web.close();
      confirmations.close();
    }
  }, settings);
}

/** The form's one-time id, from the page that issued it. */
const formId = (page: Page) => /name="form" value="([^"]+)"/.exec(page.body)![1]!;

const fields = (page: Page, overrides: Record<string, string> = {}) => ({
  form: formId(page),
  title: 'Day-old bread discount',
  description: 'Sell yesterday’s loaves at half price from 4 pm instead of throwing them away.',
  category: 'process',
  name: 'Grace Hall',
  email: CUSTOMER,
  website: '',
  ...overrides,
});

const campaign = (client: StageGateClient, id: string, more: Record<string, unknown> = {}) =>
  client.createCampaign({ id, question: 'How do we waste less bread?', description: 'Ideas for the bread we throw away each evening.', audience: ['staff', 'customers'], process: 'two-gates', by: OWNER, ...more });

const confirmLinkIn = (text: string) => /https:\/\/ideas\.cornerbakery\.example\/confirm\/[A-Za-z0-9_-]+/.exec(text)?.[0];

describe('the submission portal', () => {
  test('a customer confirms by email first: no idea and no reviewer is asked before the link; two concurrent clicks on it start one idea, whose follow page and acknowledgement follow', async () => {
    await withPortal(async ({ client, store, settings, url, local }) => {
      await campaign(client, 'less-waste');
      const page = await get(`${url}/campaigns/less-waste`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('How do we waste less bread?');
      expect(page.body).toContain('Open to staff and customers');

      const sent = await post(`${url}/campaigns/less-waste`, fields(page));
      expect([sent.status, sent.headers.get('location')]).toEqual([303, '/submit/sent']);
      expect((await get(`${url}/submit/sent`)).body).toContain('check your email');

      // The confirmation is in the customer's mailbox; nothing else was sent, and nothing started.
      const [confirmation, ...others] = box.mail.received;
      expect(others).toEqual([]);
      expect(confirmation!.subject).toBe('Please confirm your idea "Day-old bread discount"');
      const link = confirmLinkIn(confirmation!.text!)!;
      expect(link).toBeDefined();
      expect(confirmation!.html).toContain(link);
      const ideaId = verifyLink(settings.linkSecret!, tokenOf(link), 'confirm').ideaId!;
      await expect(client.getIdea(ideaId)).rejects.toMatchObject({ code: 'unknown-idea' });
      expect(await client.listIdeas()).toEqual([]);
      // The outbox keeps the confirmation without its link once it was delivered.
      const [kept] = await store.outbox({ to: CUSTOMER });
      expect(kept).toMatchObject({ purpose: 'confirm-submission', sentAt: expect.any(String) });
      expect(kept!.text).not.toContain('/confirm/');

      // Opening the link (a mail scanner would) changes nothing: it shows a button.
      const opened = await get(local(link));
      expect(opened.status).toBe(200);
      expect(opened.body).toContain('Confirm my idea');
      await expect(client.getIdea(ideaId)).rejects.toMatchObject({ code: 'unknown-idea' });

      // Two clicks at once: one idea, and both land on its follow page.
      const clicks = await Promise.all([post(local(link), {}), post(local(link), {})]);
      expect(clicks.map((click) => click.status)).toEqual([303, 303]);
      for (const click of clicks) expect(click.headers.get('location')).toMatch(/^\/follow\/[A-Za-z0-9_-]+\?submitted=1$/);
      const status = await waitForIdea(client, ideaId, inReview('screen'));
      expect(status).toMatchObject({ title: 'Day-old bread discount', source: 'customer', submitter: { email: CUSTOMER, name: 'Grace Hall' }, process: { id: 'two-gates' } });
      expect(status.timeline.find((entry) => entry.type === 'submitted')?.detail).toMatchObject({ via: 'portal' });
      expect((await client.listIdeas()).map((listed) => listed.ideaId)).toEqual([ideaId]);
      // Clicking again, or reloading, starts nothing more.
      expect((await post(local(link), {})).status).toBe(303);
      expect((await get(local(link))).headers.get('location')).toMatch(/^\/follow\//);
      expect((await client.listIdeas()).length).toBe(1);

      const follow = await get(`${url}${clicks[0]!.headers.get('location')}`);
      expect(follow.status).toBe(200);
      expect(follow.body).toContain('Thank you: your idea is in.');
      expect(follow.body).toContain('Day-old bread discount');
      // The acknowledgement carries a follow link too.
      const acknowledgement = await eventuallyMail(CUSTOMER, 'Thank you: your idea');
      expect(acknowledgement.text).toMatch(/Follow your idea:\n {2}https:\/\/ideas\.cornerbakery\.example\/follow\/[A-Za-z0-9_-]+/);
    });
  });

  test('staff submit without confirming; the hidden field, the size limits, a campaign outside the audience and the limit per address send nothing on', async () => {
    await withPortal(async ({ client, store, settings, url }) => {
      await campaign(client, 'staff-only', { audience: ['staff'] });
      const page = await get(`${url}/campaigns/staff-only`);
      // Staff: the idea starts at once, and the answer is its follow page.
      const staff = await post(`${url}/campaigns/staff-only`, fields(page, { email: STAFF, name: 'Maya Lind' }));
      expect(staff.status).toBe(303);
      const follow = await get(`${url}${staff.headers.get('location')}`);
      expect(follow.body).toContain('Thank you: your idea is in.');
      expect((await client.listIdeas()).map((listed) => listed.source)).toEqual(['employee']);
      // The same form sent again (a double tap) is the same idea.
      expect((await post(`${url}/campaigns/staff-only`, fields(page, { email: STAFF, name: 'Maya Lind' }))).headers.get('location')).toMatch(/^\/follow\//);
      expect((await client.listIdeas()).length).toBe(1);

      // A customer is not in this campaign's audience.
      const outsider = await post(`${url}/campaigns/staff-only`, fields(page, { form: 'outsider-form-id-000000' }));
      expect(outsider.status).toBe(403);
      expect(outsider.body).toContain('open to staff only');

      // What a bot fills in is answered like a person, and dropped.
      const general = await get(`${url}/submit`);
      const bot = await post(`${url}/submit`, fields(general, { email: 'bot@spam.example', website: 'https://spam.example' }));
      expect(bot.status).toBe(200);
      expect(await store.countPendingSubmissions('bot@spam.example', new Date().toISOString())).toBe(0);

      // Too long: the form again, with the field named, and nothing held.
      const long = await post(`${url}/submit`, fields(general, { description: 'x'.repeat(20_001) }));
      expect(long.status).toBe(422);
      expect(long.body).toContain('What is it, and why would it help?: at most 20000 characters');
      expect(long.body).toContain('x'.repeat(100));
      expect(await store.countPendingSubmissions(CUSTOMER, new Date().toISOString())).toBe(0);

      // The general page takes a customer's idea, held like any other.
      const held = await post(`${url}/submit`, fields(general));
      expect(held.headers.get('location')).toBe('/submit/sent');
      expect(await store.countPendingSubmissions(CUSTOMER, new Date().toISOString())).toBe(1);
      expect(box.mail.to(CUSTOMER, 'Please confirm')).toHaveLength(1);
      expect((await client.listIdeas()).length).toBe(1);
      // The same form again from the same address is the same held submission; from another address it is that address's own.
      expect((await post(`${url}/submit`, fields(general))).headers.get('location')).toBe('/submit/sent');
      expect(await store.countPendingSubmissions(CUSTOMER, new Date().toISOString())).toBe(1);
      expect((await post(`${url}/submit`, fields(general, { email: 'mallory@evil.example' }))).headers.get('location')).toBe('/submit/sent');
      const heldId = (to: string) => verifyLink(settings.linkSecret!, tokenOf(confirmLinkIn(box.mail.to(to, 'Please confirm')[0]!.text!)!), 'confirm').ideaId!;
      expect(heldId('mallory@evil.example')).not.toBe(heldId(CUSTOMER));
      expect(await client.heldSubmission(heldId(CUSTOMER))).toMatchObject({ email: CUSTOMER, title: 'Day-old bread discount' });
      // A confirmation link confirms only what its own address sent.
      const forged = linkBuilder({ ...settings, publicUrl: url }).confirm(heldId(CUSTOMER), 'mallory@evil.example');
      expect((await post(forged, {})).status).toBe(410);
      await expect(client.getIdea(heldId(CUSTOMER))).rejects.toMatchObject({ code: 'unknown-idea' });
      // "Not sure" of the kind of idea: it comes in without a category, for the first gate's reviewers to set.
      const unsure = await post(`${url}/campaigns/staff-only`, fields(page, { form: 'unsure-form-id-0000000', title: 'Bread bags from old flour sacks', email: STAFF, name: 'Maya Lind', category: '' }));
      expect(unsure.status).toBe(303);
      // The list is visibility, which lags a moment behind the start.
      const uncategorised = await eventually(async () => (await client.listIdeas()).find((listed) => listed.title === 'Bread bags from old flour sacks')!.ideaId);
      expect((await client.getIdea(uncategorised)).category).toBeUndefined();
    });
  });

  test('a client address may send a few ideas an hour; past that, a "too many" page and nothing held', async () => {
    await withPortal(
      async ({ store, url }) => {
        const general = await get(`${url}/submit`);
        for (const n of [1, 2]) expect((await post(`${url}/submit`, fields(general, { form: `form-number-${n}-0000000000`.slice(0, 22), email: `person${n}@customer.example` }))).status).toBe(303);
        const third = await post(`${url}/submit`, fields(general, { email: 'person3@customer.example' }));
        expect(third.status).toBe(429);
        expect(third.body).toContain('may send 2 ideas an hour');
        expect(await store.countPendingSubmissions('person3@customer.example', new Date().toISOString())).toBe(0);
        expect(box.mail.to('person3@customer.example')).toEqual([]);
        // Reading pages is not limited by it.
        expect((await get(`${url}/submit`)).status).toBe(200);
      },
      portalSettings({ portalSubmissionsPerHour: 2 }),
    );
  });

  test('a closed campaign says so with its own page (410) and takes nothing; one not open yet says when it opens; an unknown one is 404', async () => {
    await withPortal(async ({ client, store, url }) => {
      await campaign(client, 'autumn');
      const page = await get(`${url}/campaigns/autumn`);
      await client.closeCampaign('autumn', { by: OWNER });
      const closed = await get(`${url}/campaigns/autumn`);
      expect(closed.status).toBe(410);
      expect(closed.body).toContain('<h1>This campaign is closed</h1>');
      expect(closed.body).toContain('takes no more ideas');
      const late = await post(`${url}/campaigns/autumn`, fields(page));
      expect(late.status).toBe(410);
      expect(late.body).toContain('This campaign is closed');
      expect(await store.countPendingSubmissions(CUSTOMER, new Date().toISOString())).toBe(0);
      expect(box.mail.received).toEqual([]);

      await campaign(client, 'next-year', { opensAt: '2099-01-01' });
      const upcoming = await get(`${url}/campaigns/next-year`);
      expect(upcoming.status).toBe(200);
      expect(upcoming.body).toContain('This campaign opens on');
      expect(upcoming.body).not.toContain('<form');
      expect((await get(`${url}/campaigns/no-such-campaign`)).status).toBe(404);
    });
  });

  test('a follow page shows its own idea only, its decision and reasons, and what happens next; a forged, stretched, misdirected or expired link is refused', async () => {
    await withPortal(async ({ client, settings, url }) => {
      await campaign(client, 'loyalty');
      const page = await get(`${url}/campaigns/loyalty`);
      const mine = await post(`${url}/campaigns/loyalty`, fields(page, { email: STAFF, name: 'Maya Lind', title: 'Loyalty cards', description: 'Stamp cards: the tenth coffee is free.' }));
      const theirs = await post(`${url}/campaigns/loyalty`, fields(page, { form: 'another-form-id-000000', email: 'leo@cornerbakery.example', name: 'Leo Martin', title: 'Dessert platters', description: 'Platters for the caterer’s events, secret recipe inside.' }));
      const myLink = `${url}${mine.headers.get('location')!.replace('?submitted=1', '')}`;
      const [myIdea, theirIdea] = (await client.listIdeas()).sort((a, b) => a.title.localeCompare(b.title)).reverse();
      expect(myIdea!.title).toBe('Loyalty cards');

      // Their idea is decided, with a reviewer's comment: only what the submitter is told shows, on their page alone.
      await waitForIdea(client, theirIdea!.ideaId, inReview('screen'));
      await client.castVote(theirIdea!.ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: scores(4, 'feasibility', 'impact'), comment: 'The caterer will love it' });
      await waitForIdea(client, myIdea!.ideaId, inReview('screen'));

      const shown = await get(myLink);
      expect(shown.status).toBe(200);
      expect(shown.body).toContain('<h1>Loyalty cards</h1>');
      expect(shown.body).toContain('Stamp cards: the tenth coffee is free.');
      expect(shown.body).toContain('Reviewers are looking at it at Screen');
      for (const foreign of ['Dessert platters', 'secret recipe', 'The caterer will love it', 'leo@cornerbakery.example', HEAD_BAKER, theirIdea!.ideaId]) expect(shown.body).not.toContain(foreign);

      // Forged (a byte changed), stretched (more characters), another page's link, a link for another person, an expired one: all refused.
      const token = tokenOf(myLink);
      const flipped = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
      const links = linkBuilder({ ...settings, publicUrl: url });
      const refusals = await Promise.all([
        get(`${url}/follow/${flipped}`),
        get(`${url}/follow/${token}AAAA`),
        get(`${url}/follow/${tokenOf(links.confirm(myIdea!.ideaId, STAFF))}`),
        get(links.follow(myIdea!.ideaId, 'leo@cornerbakery.example')),
        get(linkBuilder({ ...settings, publicUrl: url }, () => Date.now() - 400 * 86_400_000).follow(myIdea!.ideaId, STAFF)),
      ]);
      expect(refusals.map((refused) => refused.status)).toEqual([403, 403, 403, 403, 410]);
      for (const refused of refusals) expect(refused.body).not.toContain('Loyalty cards');

      // Their own page shows their decision, its reasons and the reviewer's words.
      const their = await get(`${url}${theirs.headers.get('location')}`);
      await waitForIdea(client, theirIdea!.ideaId, (status) => status.decisions.length > 0 || status.round?.votes.length === 1);
      expect(their.body).toContain('Dessert platters');
      expect(their.body).not.toContain('Loyalty cards');
    });
  });
});

describe('stagegate campaign', () => {
  jest.setTimeout(240_000);

  test('create prints the page\'s address; list, show (with a QR code as SVG) and close; report campaigns runs', async () => {
    const settings = portalSettings();
    await withStack(async ({ client }) => {
      const env = cliEnv(settings, { STAGEGATE_PUBLIC_URL: PUBLIC_URL });
      const created = await runCli(env, ['campaign', 'create', 'less-waste', '--question', 'How do we waste less bread?', '--audience', 'staff', '--audience', 'customers', '--closes', '2099-01-31', '--process', 'two-gates', '--by', OWNER]);
      expect([created.code, created.stdout]).toEqual([0, `${PUBLIC_URL}/campaigns/less-waste\n`]);
      expect((await client.getCampaign('less-waste')).closesAt).toBe('2099-02-01T00:00:00.000Z');
      const listed = await runCli(env, ['campaign', 'list']);
      expect(listed.stdout).toMatch(/less-waste\s+open\s+.*staff,customers\s+two-gates\s+How do we waste less bread\?/);
      const qr = join(settings.dataDir, 'counter.svg');
      const shown = await runCli(env, ['campaign', 'show', 'less-waste', '--qr', qr, '--json']);
      expect(JSON.parse(shown.stdout)).toMatchObject({ id: 'less-waste', status: 'open', url: `${PUBLIC_URL}/campaigns/less-waste`, qr });
      expect(readFileSync(qr, 'utf8')).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      const closed = await runCli(env, ['campaign', 'close', 'less-waste', '--by', OWNER]);
      expect([closed.code, closed.stdout]).toEqual([0, expect.stringMatching(/^Campaign less-waste is closed/)]);
      expect((await client.getCampaign('less-waste')).status).toBe('closed');
      const report = await runCli(env, ['report', 'campaigns', '--json']);
      expect([report.code, JSON.parse(report.stdout)]).toEqual([0, expect.objectContaining({ report: 'campaigns', result: { campaigns: [], total: { ideas: 0, passedFirstGate: 0, launched: 0 } } })]);
    }, settings);
  });
});

/** The one message to this address with this subject, once it has arrived. */
const eventuallyMail = (to: string, subject: string) =>
  eventually(() => {
    const found = box.mail.to(to, subject);
    if (found.length !== 1) throw new Error(`${found.length} messages "${subject}" to ${to}`);
    return found[0]!;
  });
