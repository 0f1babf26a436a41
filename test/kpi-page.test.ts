import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { StageGateClient } from '../client/sdk';
import { startWebServer } from '../client/web/server';
import type { Settings } from '../config/settings';
import { linkBuilder } from '../links';
import { cliEnv, runCli } from './cli-process';
import { COUNTER, eventually, idea, inReview, OWNER, testSettings, waitForIdea, withStack, type Stack } from './helpers';
import { ARTEFACTS_DIR, FIXTURE_PROCESSES_DIR } from './paths';
import { get, post } from './web-helpers';
import { Mailbox } from './mailbox';

/**
 * The champion's KPI page and the pilot's emails, as the bakery's head baker uses them: the link
 * from her email, a week's figures from her phone, a refresh or a double tap recording nothing
 * twice, numbers read by the firm's locale, and the pilot's gate seeing the readings over time.
 */

const CHROMIUM = process.env.STAGEGATE_CHROMIUM ?? '/usr/bin/chromium';

/** The bakery pilot fixture, its timers and labels changed for a test, in a folder of its own. */
function bakeryPilot(edit: (yaml: string) => string = (yaml) => yaml): string {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-kpi-'));
  writeFileSync(join(dir, 'bakery-pilot.yaml'), edit(readFileSync(join(FIXTURE_PROCESSES_DIR, 'bakery-pilot.yaml'), 'utf8')));
  return dir;
}

/** A worker, the SDK and the web server; links in messages are signed for an address the test rewrites to the server's. */
async function withKpiWeb<T>(settings: Settings, fn: (stack: Stack & { url: string; local: (link: string) => string }) => Promise<T>): Promise<T> {
  return withStack(async (stack) => {
    const web = await startWebServer({ client: stack.client, settings, port: 0, rateLimitPerMinute: 1000 });
    try {
      return await fn({ ...stack, url: web.url, local: (link) => link.replace(/^https?:\/\/[^/]+/, web.url) });
    } finally {
      await web.close();
    }
  }, settings);
}

const kpiLinkIn = (text: string) => /https?:\/\/[^\s"<>]+\/kpi\/[A-Za-z0-9_-]{40,}/.exec(text)?.[0];
const nonceOf = (page: string) => /name="form" value="([A-Za-z0-9_-]{22})"/.exec(page)![1]!;

describe("the champion's KPI page, from her email, on a phone", () => {
  let browser: Browser;
  const mailbox = new Mailbox();
  let smtpPort: number;
  beforeAll(async () => {
    smtpPort = await mailbox.start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await mailbox.close();
  });

  test("the pilot's start emails the champion the KPI link; she enters a week's figures on a 390×844 screen and sees them in the readings so far; a reload records nothing more", async () => {
    const settings = testSettings({ processesDir: bakeryPilot(), publicUrl: 'http://127.0.0.1:1', mail: { from: 'ideas@cornerbakery.example', smtp: { host: '127.0.0.1', port: smtpPort } } });
    await withKpiWeb(settings, async ({ client, local }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'bakery-pilot' }));
      const email = await eventually(() => {
        const found = mailbox.to(COUNTER, "the pilot's readings are due").find((mail) => mail.text?.includes(ideaId));
        if (!found) throw new Error('no KPI email yet');
        return found;
      });
      expect(email.text).toContain('has started');
      const link = kpiLinkIn(email.text!);
      expect(link).toBeDefined();

      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      await page.goto(local(link!));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Pilot readings for “Pumpkin spice pastry”');
      expect(await page.getByRole('heading', { name: 'What is due' }).isVisible()).toBe(true);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.getByLabel('Weekly sales (pastries)').fill('64');
      await page.getByLabel('Customers who buy again (%)').fill('31.5');
      await page.getByLabel('Where the numbers come from').fill('Till report, week 1');
      await page.getByRole('button', { name: 'Record the readings' }).click();
      await page.waitForSelector('text=Recorded:');
      expect(page.url()).toMatch(/\/kpi\/[A-Za-z0-9_-]{40,}\/recorded\/[A-Za-z0-9_-]{22}$/);
      expect(await page.getByRole('status').first().textContent()).toContain('Weekly sales 64 (on target), Customers who buy again 31.5 (on target)');
      const sales = page.getByRole('table', { name: /^Weekly sales \(pastries\): target at least 60, kill line 20/ });
      expect(await sales.getByRole('row').nth(1).textContent()).toMatch(/64on target$/);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(ARTEFACTS_DIR, 'kpi-recorded.png'), fullPage: true });

      // Reloading the confirmation (a GET) and going back to the form record nothing.
      await page.reload();
      await page.waitForSelector('text=Recorded:');
      await page.goBack();
      await page.waitForSelector('text=Readings so far');
      const status = await client.pilotStatus(ideaId);
      expect(status.summary.map((kpi) => [kpi.kpi, kpi.readings, kpi.latest])).toEqual([
        ['weekly_sales', 1, 64],
        ['repeat_share', 1, 31.5],
      ]);
      expect(await page.getByRole('table', { name: /^Weekly sales/ }).getByRole('row').count()).toBe(2);
      await context.close();
      await client.withdraw(ideaId, { by: 'grace@customer.example', reason: 'done testing' });
      await client.outcome(ideaId);
    });
  });

  test('the champion is emailed the KPI link at every check, readings given or not, and a reading below target alerts her and the owner', async () => {
    const settings = testSettings({
      processesDir: bakeryPilot((yaml) => yaml.replace('checkEvery: 1w', 'checkEvery: 1500ms')),
      publicUrl: 'http://127.0.0.1:1',
      mail: { from: 'ideas@cornerbakery.example', smtp: { host: '127.0.0.1', port: smtpPort } },
    });
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'bakery-pilot' }));
      await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      const receipt = await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 45, by: COUNTER, note: 'Week 1, a rainy one' });
      expect(receipt).toMatchObject({ level: 'alert', met: false });
      await client.recordKpiReading(ideaId, { kpi: 'repeat_share', value: 33, by: COUNTER });
      // The start's email, then one per check although both readings came in.
      const emails = await eventually(() => {
        const found = mailbox.to(COUNTER, "the pilot's readings are due").filter((mail) => mail.text?.includes(ideaId));
        if (found.length < 3) throw new Error(`${found.length} KPI emails so far`);
        return found;
      }, 15_000);
      for (const mail of emails) {
        expect(kpiLinkIn(mail.text!)).toBeDefined();
        expect(mail.text).toContain('Weekly sales (target 60 pastries)');
        expect(mail.text).toContain('Customers who buy again (target 30 %)');
      }
      const alerts = await eventually(async () => {
        const found = (await store.outbox({ ideaId })).filter((message) => message.purpose === 'kpi-alert');
        if (found.length < 2) throw new Error('alerts not out yet');
        return found;
      });
      expect(alerts.map((message) => [message.to.email, message.subject]).sort()).toEqual([
        [COUNTER, 'Alert: Weekly sales for "Pumpkin spice pastry" is 45 pastries'],
        [OWNER, 'Alert: Weekly sales for "Pumpkin spice pastry" is 45 pastries'],
      ]);
      expect(alerts[0]!.text).toContain('Weekly sales for "Pumpkin spice pastry" read 45 pastries, short of its target of 60 pastries.');
      expect(alerts.find((message) => message.to.email === OWNER)!.text).toContain('Leo Martin (the champion) is told too.');
      const events = await eventually(async () => {
        const found = (await store.events({ ideaId })).filter((event) => event.type === 'kpi_alert');
        if (found.length === 0) throw new Error('no alert event yet');
        return found;
      });
      expect(events.map((event) => event.detail)).toEqual([{ kpi: 'weekly_sales', value: 45, threshold: 60, level: 'alert' }]);
      await client.withdraw(ideaId, { by: 'grace@customer.example', reason: 'done testing' });
      await client.outcome(ideaId);
    }, settings);
  });
});

describe('KPI forms: idempotent, all or nothing, read in the firm’s locale', () => {
  test('in de-DE: a bad value records none of the form and names its field; the same form posted twice and its confirmation reloaded record one reading each', async () => {
    const settings = testSettings({ processesDir: bakeryPilot(), locale: 'de-DE' });
    await withKpiWeb(settings, async ({ client, url, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'bakery-pilot' }));
      const status = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      const link = linkBuilder({ ...settings, publicUrl: url }).kpi(ideaId, 'pilot', status.stage.pilot!.run, COUNTER);
      const form = await get(link);
      expect(form.status).toBe(200);
      expect(form.body).toContain('Write a decimal like 4,5, without thousands separators.');
      const nonce = nonceOf(form.body);

      // One value ambiguous in de-DE: nothing is recorded, the form comes back with what was typed.
      const partial = await post(link, { form: nonce, 'kpi.weekly_sales': '58', 'kpi.repeat_share': '1.250', note: 'Woche 2' });
      expect(partial.status).toBe(422);
      expect(partial.body).toContain('Nothing was recorded.');
      expect(partial.body).toContain('<a href="#kpi-repeat_share">Customers who buy again</a>: &quot;1.250&quot; could mean 1250 or 1,25: write 1250 (without &quot;.&quot;) for the whole number, or 1,25 for the fraction (in de-DE the decimal separator is &quot;,&quot;).');
      expect(partial.body).toMatch(/id="kpi-repeat_share" name="kpi.repeat_share" value="1.250" aria-describedby="hint-repeat_share" aria-invalid="true"/);
      expect(partial.body).toMatch(/id="kpi-weekly_sales" name="kpi.weekly_sales" value="58" aria-describedby="hint-weekly_sales">/);
      expect(partial.body).toContain('value="Woche 2"');
      expect((await client.pilotStatus(ideaId)).summary.map((kpi) => kpi.readings)).toEqual([0, 0]);
      // "4.5" is not German: refused, saying how to write it.
      const english = await post(link, { form: nonce, 'kpi.weekly_sales': '58', 'kpi.repeat_share': '31.5' });
      expect(english.status).toBe(422);
      expect(english.body).toContain('&quot;31.5&quot; is not a number in de-DE: the decimal separator is &quot;,&quot;, so write 31,5');

      // A double tap: two POSTs of the same form at once, then the confirmation reloaded twice.
      const fields = { form: nonce, 'kpi.weekly_sales': '58', 'kpi.repeat_share': '31,5', note: 'Woche 2' };
      const [first, second] = await Promise.all([post(link, fields), post(link, fields)]);
      expect([first.status, second.status]).toEqual([303, 303]);
      const confirmation = first.headers.get('location')!;
      expect(second.headers.get('location')).toBe(confirmation);
      expect(confirmation).toBe(`${new URL(link).pathname}/recorded/${nonce}`);
      for (let reload = 0; reload < 2; reload++) {
        const page = await get(`${url}${confirmation}`);
        expect(page.status).toBe(200);
        expect(page.body).toContain('Weekly sales 58 (alert), Customers who buy again 31.5 (on target)');
      }
      // Sent again later (back, then send): the first receipts, nothing more.
      expect((await post(link, fields)).headers.get('location')).toBe(confirmation);
      const after = await client.pilotStatus(ideaId);
      expect(after.summary.map((kpi) => [kpi.kpi, kpi.readings, kpi.latest])).toEqual([
        ['weekly_sales', 1, 58],
        ['repeat_share', 1, 31.5],
      ]);
      await eventually(async () => expect((await store.events({ ideaId })).filter((event) => event.type === 'kpi_recorded')).toHaveLength(2));

      // A new form is a new reading; a form id the page never issued is refused and records nothing.
      const next = await post(link, { form: nonceOf((await get(link)).body), 'kpi.weekly_sales': '1.250,5' });
      expect(next.status).toBe(303);
      const forged = await post(link, { form: 'not-a-nonce', 'kpi.weekly_sales': '70' });
      expect(forged.status).toBe(422);
      expect(forged.body).toContain('This form is out of date');
      expect((await get(`${url}${new URL(link).pathname}/recorded/AAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(404);
      expect((await client.pilotStatus(ideaId)).summary[0]).toMatchObject({ readings: 2, latest: 1250.5 });

      // The readings so far on the page, and what is due.
      const page = (await get(link)).body;
      expect(page).toContain('<h2 id="so-far-heading">Readings so far</h2>');
      expect(page).toMatch(/<tr><td>[^<]+<\/td><td>58<\/td><td>2 short of target<\/td><\/tr>/);
      expect(page).toContain('The next readings are due by <strong>');
      expect(page).toMatch(/Customers who buy again: this period(&#39;|&#x27;)s reading is in \(31.5, /);

      await client.withdraw(ideaId, { by: 'grace@customer.example', reason: 'done testing' });
      await client.outcome(ideaId);
    });
  });

  test('the SDK and the CLI read numbers by the locale too: en-GB refuses "1,250" and takes "1,250.5", de-DE refuses "1.250" and takes "4,5"; several --kpi are taken all or none', async () => {
    const settings = testSettings({ processesDir: bakeryPilot() });
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'bakery-pilot' }));
      await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      const german = await StageGateClient.connect({ settings: { ...settings, locale: 'de-DE' } });
      try {
        await expect(client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: '1,250', by: COUNTER })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('"1,250" could mean 1250 or 1.25') });
        await expect(german.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: '1.250', by: COUNTER })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('"1.250" could mean 1250 or 1,25') });
        expect(await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: '1,250.5', by: COUNTER })).toMatchObject({ value: 1250.5 });
        expect(await german.recordKpiReading(ideaId, { kpi: 'repeat_share', value: '4,5', by: COUNTER })).toMatchObject({ value: 4.5 });
        // A number is a number in every locale.
        expect(await german.recordKpiReading(ideaId, { kpi: 'repeat_share', value: 31.5, by: COUNTER })).toMatchObject({ value: 31.5 });
      } finally {
        await german.close();
      }

      const de = cliEnv(settings, { STAGEGATE_LOCALE: 'de-DE' });
      const ambiguous = await runCli(de, ['pilot', 'record', ideaId, '--kpi', 'weekly_sales=1.250', '--by', COUNTER]);
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.stderr).toContain('--kpi weekly_sales: "1.250" could mean 1250 or 1,25: write 1250');
      const partial = await runCli(de, ['pilot', 'record', ideaId, '--kpi', 'weekly_sales=61', '--kpi', 'repeat_share=3x', '--by', COUNTER]);
      expect(partial.code).toBe(2);
      const inDe = await runCli(de, ['pilot', 'record', ideaId, '--kpi', 'weekly_sales=61', '--kpi', 'repeat_share=32,5', '--by', COUNTER, '--json']);
      expect(inDe.code).toBe(0);
      expect(JSON.parse(inDe.stdout)).toMatchObject([{ kpi: 'weekly_sales', value: 61 }, { kpi: 'repeat_share', value: 32.5 }]);
      const en = await runCli(cliEnv(settings), ['pilot', 'record', ideaId, '--kpi', 'weekly_sales=1,250', '--by', COUNTER]);
      expect(en.code).toBe(2);
      expect(en.stderr).toContain('"1,250" could mean 1250 or 1.25');
      // One of two KPIs unknown to the pilot: the journey refuses both.
      const unknown = await runCli(cliEnv(settings), ['pilot', 'record', ideaId, '--kpi', 'weekly_sales=70', '--kpi', 'footfall=3', '--by', COUNTER]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('"footfall" is not a KPI of this pilot');
      expect((await client.pilotStatus(ideaId)).summary.map((kpi) => [kpi.kpi, kpi.readings, kpi.latest])).toEqual([
        ['weekly_sales', 2, 61],
        ['repeat_share', 3, 32.5],
      ]);

      const shown = await runCli(cliEnv(settings), ['pilot', 'show', ideaId]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain('Weekly sales (pastries): target ≥ 60, kill at 20');
      expect(shown.stdout).toMatch(/\n\s*\S.*\s1250\.5\s+on target\n/);
      expect(shown.stdout).toMatch(/\n\s*\S.*\s61\s+on target\n/);
      expect(shown.stdout).toContain('Customers who buy again (%): target ≥ 30');
      expect(shown.stdout).toMatch(/\n\s*\S.*\s4\.5\s+25\.5 short of target\n/);
      const json = JSON.parse((await runCli(cliEnv(settings), ['pilot', 'show', ideaId, '--json'])).stdout);
      expect(json.summary[0].recent.map((point: { value: number }) => point.value)).toEqual([1250.5, 61]);
      expect(json.summary[0]).toMatchObject({ killAt: 20, manual: true });
      await client.withdraw(ideaId, { by: 'grace@customer.example', reason: 'done testing' });
      await client.outcome(ideaId);
    }, settings);
  });
});

describe("the pilot's gate sees its readings over time", () => {
  test('a reading past the kill line ends the pilot early and opens the gate with the reason; its review page charts each KPI against target and kill line with a table beside it, every label escaped; pilot show prints the ended pilot; the value report counts the sales as realised benefit', async () => {
    const label = 'Sales <b>&</b> "more"';
    const settings = testSettings({ processesDir: bakeryPilot((yaml) => yaml.replace('label: Weekly sales', `label: '${label}'`)) });
    await withKpiWeb(settings, async ({ client, url, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'bakery-pilot' }));
      const status = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      const links = linkBuilder({ ...settings, publicUrl: url });
      const link = links.kpi(ideaId, 'pilot', status.stage.pilot!.run, COUNTER);
      const week = async (fields: Record<string, string>) => {
        const sent = await post(link, { form: nonceOf((await get(link)).body), ...fields });
        expect(sent.status).toBe(303);
        return (await get(`${url}${sent.headers.get('location')!}`)).body;
      };
      await week({ 'kpi.weekly_sales': '64', 'kpi.repeat_share': '31.5' });
      const killed = await week({ 'kpi.weekly_sales': '15' });
      expect(killed).toContain('(kill)');
      expect(killed).toContain('A reading passed its kill line: the pilot ends early');

      const review = await waitForIdea(client, ideaId, inReview('go-to-launch'));
      expect(review.stage.pilot).toMatchObject({ reason: 'kill-threshold' });
      expect(review.stage.ready!.notes).toContain('The pilot ended early: a reading passed its kill threshold.');
      // The KPI page is closed now, with a page saying so.
      expect((await get(link)).status).toBe(410);

      const page = (await get(links.review(ideaId, 'go-to-launch', 1, OWNER))).body;
      const escaped = 'Sales &lt;b&gt;&amp;&lt;/b&gt; &quot;more&quot;';
      expect(page).not.toContain('<b>&</b>');
      expect(page).toContain(`<strong>The pilot ended early`);
      expect(page).toContain(`${escaped} read 15 pastries, past its kill line of 20.`);
      expect(page).toContain(`<title id="chart-sales-b-b-more-readings-against-the-target">${escaped}: readings against the target</title>`);
      const svg = /<svg role="img" aria-labelledby="chart-sales-b-b-more[^"]*"[\s\S]*?<\/svg>/.exec(page)![0];
      expect(svg.match(/<circle /g)).toHaveLength(2);
      expect(svg).toContain('<polyline');
      expect(svg).toMatch(/stroke="#16703a" stroke-dasharray="6 4"><\/line><text [^>]+>target 60<\/text>/);
      expect(svg).toMatch(/stroke="#a11d1d" stroke-dasharray="6 4"><\/line><text [^>]+>kill 20<\/text>/);
      expect(page).toContain(`<caption>${escaped} (pastries): target at least 60, kill line 20</caption>`);
      expect(page).toMatch(/<tr><td>[^<]+<\/td><td>64<\/td><td>on target<\/td><\/tr>\s*<tr><td>[^<]+<\/td><td>15<\/td><td>past the kill line \(20\)<\/td><\/tr>/);
      expect(page).toContain('<caption>Customers who buy again (%): target at least 30</caption>');

      const shown = await runCli(cliEnv(settings), ['pilot', 'show', ideaId]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/ended .* \(kill-threshold\)/);
      expect(shown.stdout).toMatch(/\s15\s+past the kill line \(20\)\n/);

      // Launched on its results, the pilot's sales count as realised benefit: 64 + 15 = 79 pastries (the share of repeat customers does not count).
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: { results: 4 }, comment: 'Strong start; the kill was a holiday week.' });
      expect(await client.outcome(ideaId)).toMatchObject({ status: 'launched' });
      const value = await eventually(async () => {
        const report = (await client.report('value')) as { ideas: { ideaId: string; realisedBenefit?: number }[] };
        const row = report.ideas.find((one) => one.ideaId === ideaId);
        if (!row) throw new Error('not launched in the report yet');
        return row;
      });
      expect(value.realisedBenefit).toBe(79);
      expect((await store.events({ ideaId })).find((event) => event.type === 'pilot_ended')!.detail).toMatchObject({ reason: 'kill-threshold', realisedBenefit: 79 });
    });
  });
});
