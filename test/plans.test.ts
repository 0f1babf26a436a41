import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { SHIPPED_PROCESSES_DIR } from '../config/settings';
import { StageGateError, type PilotPlanInput, type StageGateClient } from '../client/sdk';
import { startWebServer } from '../client/web/server';
import { loadPeopleDirectory } from '../config/people';
import { loadProcesses, pilotSchema, resolveProcess } from '../config/process';
import { packageFingerprint } from '../workflows/gate-package';
import { pilotFromPlan, planProblems, planTemplate } from '../workflows/pilot-plan';
import { markReadyUpdate } from '../workflows/messages';
import { cliEnv, runCli } from './cli-process';
import { HEAD_BAKER, OWNER, idea, inReview, messageTo, testSettings, waitForIdea, withStack } from './helpers';
import { get, post } from './web-helpers';
import { ARTEFACTS_DIR } from './paths';

/**
 * The champion's pilot plan, on the shipped smb-lite: handed in with Build (SDK, CLI file, the
 * emailed planning page), shown on Go to pilot's review page inside the package fingerprint,
 * approved by the votes cast on it, and run by the pilot instead of the template's default.
 */

const CHROMIUM = process.env.STAGEGATE_CHROMIUM ?? '/usr/bin/chromium';

/** The bakery's plan: weekly sales (target 60, kill below 20) and the share who buy again (30 %), four weeks in the town shop. `repeat_buyers` is the plan's own id: the template calls its KPI `repeat_share`. */
function bakeryPlan(overrides: Partial<PilotPlanInput> = {}): PilotPlanInput {
  return {
    place: 'the town shop',
    duration: '4w',
    kpis: [
      { id: 'weekly_sales', label: 'Weekly sales of the pastry', unit: 'pastries', direction: 'higher', target: 60, alertAt: 59, killAt: 19, countsAsBenefit: true },
      { id: 'repeat_buyers', label: 'Customers who buy it again', unit: '%', direction: 'higher', target: 30 },
    ],
    ...overrides,
  };
}

const shipped = () => testSettings({ processesDir: SHIPPED_PROCESSES_DIR });

/** Every reviewer of the open round of `gate` votes go with good scores. */
async function passGate(client: StageGateClient, ideaId: string, gate: string, fingerprint?: string): Promise<void> {
  const status = await waitForIdea(client, ideaId, inReview(gate));
  const criteria = client.processes().get('smb-lite')!.stages[status.stage.index]!.gate!.criteria;
  for (const reviewer of status.round!.reviewers) {
    await client.castVote(ideaId, { reviewer: reviewer.email, decision: 'go', scores: Object.fromEntries(criteria.map((c) => [c.id, 5])), fingerprint });
  }
}

/** A pumpkin pastry championed by the head baker, through its idea screen into Build. */
async function inBuild(client: StageGateClient): Promise<string> {
  const { ideaId } = await client.submitIdea(idea({ process: 'smb-lite', champion: { email: HEAD_BAKER, name: 'Hamid Karimi' } }));
  await passGate(client, ideaId, 'idea-screen');
  await waitForIdea(client, ideaId, (s) => s.stage.id === 'build' && s.status === 'in-stage');
  return ideaId;
}

describe('a plan against its template (pure)', () => {
  const smb = () => resolveProcess(loadProcesses(SHIPPED_PROCESSES_DIR).get('smb-lite')!, loadPeopleDirectory(testSettings().peopleFile), { submitter: 'grace@customer.example', champion: HEAD_BAKER });

  test('only the stage whose gate leads into a pilot plans it, with the template as default and limits', () => {
    const process = smb();
    expect(planTemplate(process, 0)).toBeUndefined();
    expect(planTemplate(process, 2)).toBeUndefined();
    expect(planTemplate(process, 1)).toMatchObject({
      stage: { id: 'build' },
      gate: { id: 'go-to-pilot', name: 'Go to pilot' },
      pilotStage: { id: 'pilot' },
      defaults: { place: 'the town shop', duration: 28 * 24 * 3600 * 1000, kpis: [expect.objectContaining({ id: 'weekly_sales', target: 60, killAt: 19, countsAsBenefit: true }), expect.objectContaining({ id: 'repeat_share', target: 30, unit: '%' })] },
      limits: { maxKpis: 5, duration: { min: 7 * 24 * 3600 * 1000, max: 84 * 24 * 3600 * 1000 } },
    });
  });

  test('problems name the field and the limit; the default plan has none', () => {
    const template = planTemplate(smb(), 1)!;
    expect(planProblems(template.defaults, template.limits)).toEqual([]);
    const week = 7 * 24 * 3600 * 1000;
    expect(planProblems({ ...template.defaults, duration: 3 * 24 * 3600 * 1000 }, template.limits)).toEqual([{ field: 'duration', message: "3 days, shorter than the template's limit of 1 week (limits.duration.min)" }]);
    const many = Array.from({ length: 6 }, (_, i) => ({ ...template.defaults.kpis[0]!, id: `k${i}` }));
    expect(planProblems({ ...template.defaults, kpis: [...many, many[0]!], duration: 13 * week }, template.limits).map((p) => p.field)).toEqual(['kpis[6].id', 'kpis', 'duration']);
    // Snapshots from before limits: only what a plan must be anyway.
    expect(planProblems({ ...template.defaults, duration: 60 * week }, undefined)).toEqual([]);
  });

  test("a template's own default plan must keep to its limits", () => {
    const kpi = { id: 'weekly_sales', label: 'Weekly sales', direction: 'higher', target: 60 };
    const refused = pilotSchema.safeParse({ checkEvery: '1w', duration: '20w', kpis: [kpi, { ...kpi, id: 'repeat_share' }], limits: { maxKpis: 1, duration: { max: '12w' } } });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['kpis', '2 KPIs, more than limits.maxKpis (1)'],
      ['duration', 'outside limits.duration (1 day to 84 days)'],
    ]);
    expect(pilotSchema.parse({ checkEvery: '1w', kpis: [kpi] }).limits).toEqual({ maxKpis: 10, duration: { min: 24 * 3600 * 1000, max: 52 * 7 * 24 * 3600 * 1000 } });
  });

  test('the pilot a plan makes keeps the template checks and recorders', () => {
    const pilot = smb().stages[2]!.pilot!;
    const plan = { place: 'the market stall', duration: 14 * 24 * 3600 * 1000, kpis: [pilot.kpis[0]!] };
    expect(pilotFromPlan(pilot, plan)).toEqual({ ...pilot, kpis: plan.kpis, duration: plan.duration, place: 'the market stall' });
  });
});

describe('pilot plans on the shipped smb-lite', () => {
  test('the bakery plan set at ready via the SDK is on the review page with its fingerprint, a stale vote is refused, and the pilot runs the approved plan', async () => {
    const settings = { ...shipped(), linkSecret: 'plans-test-link-secret-0123456789abcdef' };
    await withStack(async ({ client, store }) => {
      const web = await startWebServer({ client, settings, outbox: store, port: 0 });
      try {
        const ideaId = await inBuild(client);
        await client.markReady(ideaId, { by: HEAD_BAKER, notes: 'Recipe fixed, costs 0.80 a pastry.', pilot: bakeryPlan() });
        const first = await waitForIdea(client, ideaId, inReview('go-to-pilot'));
        expect(first.stage.ready!.pilot).toEqual(expect.objectContaining({ place: 'the town shop', duration: 28 * 24 * 3600 * 1000 }));
        // The plan is inside the fingerprint: the same notes without it fingerprint differently.
        expect(first.stage.ready!.fingerprint).not.toBe(packageFingerprint({ notes: 'Recipe fixed, costs 0.80 a pastry.', links: [] }));
        expect(first.round!.packageFingerprint).toBe(first.stage.ready!.fingerprint);

        const email = await messageTo(store, ideaId, OWNER, 'review-request');
        const link = /https?:\/\/[^\s"<>]+\/review\/[A-Za-z0-9_-]{40,}/.exec(email.text)![0].replace(/^https?:\/\/[^/]+/, web.url);
        const page = await get(link);
        expect(page.status).toBe(200);
        for (const shown of ["The pilot's plan", 'Weekly sales of the pastry', 'pastries', 'at least 60', 'at or below 19', 'at least 30', 'Runs 4 weeks in the town shop', `<code>${first.stage.ready!.fingerprint}</code>`]) {
          expect(page.body).toContain(shown);
        }

        // The champion raises the sales target while the gate sits: a vote on the plan shown before is refused.
        await client.markReady(ideaId, { by: HEAD_BAKER, notes: 'Recipe fixed, costs 0.80 a pastry.', pilot: bakeryPlan({ kpis: [{ ...bakeryPlan().kpis[0]!, target: 70 }, bakeryPlan().kpis[1]!] }) });
        const revised = await waitForIdea(client, ideaId, (s) => s.round?.packageFingerprint !== first.stage.ready!.fingerprint);
        const good = { feasibility: 5, impact: 5, alignment: 5 };
        await expect(client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: good, fingerprint: first.stage.ready!.fingerprint })).rejects.toMatchObject({ code: 'stale-package', message: expect.stringContaining(revised.stage.ready!.fingerprint) });
        // The review page, sent the old fingerprint, says so and shows the plan as it is now.
        const stale = await post(link, { fingerprint: first.stage.ready!.fingerprint, decision: 'go', 'score.feasibility': '5', 'score.impact': '5', 'score.alignment': '5', comment: '', conditions: '' });
        expect(stale.status).toBe(409);
        expect(stale.body).toContain('another version of the package');
        expect(stale.body).toContain('at least 70');
        expect(stale.body).toContain(`name="fingerprint" value="${revised.stage.ready!.fingerprint}"`);
        expect((await client.getIdea(ideaId)).round!.votes).toEqual([]);

        await client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: good, fingerprint: revised.stage.ready!.fingerprint });
        const piloting = await waitForIdea(client, ideaId, (s) => s.stage.id === 'pilot' && s.stage.pilot !== undefined);
        expect(piloting.stage.plan).toMatchObject({ gate: 'go-to-pilot', fingerprint: revised.stage.ready!.fingerprint, place: 'the town shop', kpis: [expect.objectContaining({ id: 'weekly_sales', target: 70 }), expect.objectContaining({ id: 'repeat_buyers' })] });
        expect(piloting.stage.pilot!.place).toBe('the town shop');
        const pilot = await client.pilotStatus(ideaId);
        expect(pilot.place).toBe('the town shop');
        expect(pilot.summary.map((kpi) => [kpi.kpi, kpi.target])).toEqual([['weekly_sales', 70], ['repeat_buyers', 30]]);

        // A reading for a KPI of the plan is taken; one for the template's own KPI, which the plan replaced, is not.
        await expect(client.recordKpiReading(ideaId, { kpi: 'repeat_buyers', value: 34, by: HEAD_BAKER })).resolves.toMatchObject({ kpi: 'repeat_buyers', met: true });
        await expect(client.recordKpiReading(ideaId, { kpi: 'repeat_share', value: 34, by: HEAD_BAKER })).rejects.toMatchObject({ code: 'unknown-kpi', message: expect.stringContaining('weekly_sales, repeat_buyers') });
        // Below the plan's kill line the pilot ends early and Go to launch opens, the approved plan still on the page.
        await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 12, by: HEAD_BAKER });
        const launchGate = await waitForIdea(client, ideaId, inReview('go-to-launch'));
        expect(launchGate.stage.pilot!.reason).toBe('kill-threshold');
        const events = await store.events({ ideaId });
        expect(events.find((e) => e.type === 'ready_for_review')!.detail.pilot).toMatchObject({ place: 'the town shop' });
        expect(events.filter((e) => e.type === 'kpi_recorded').map((e) => [e.detail.kpi, e.detail.value, e.detail.target])).toEqual([['repeat_buyers', 34, 30], ['weekly_sales', 12, 70]]);
      } finally {
        await web.close();
      }
    }, settings);
  });

  test('without a plan the pilot runs the template default, shown to the gate as that, and a vote approves the package it was shown', async () => {
    const settings = { ...shipped(), linkSecret: 'plans-test-link-secret-0123456789abcdef' };
    await withStack(async ({ client, store }) => {
      const web = await startWebServer({ client, settings, outbox: store, port: 0 });
      try {
        const ideaId = await inBuild(client);
        await client.markReady(ideaId, { by: HEAD_BAKER, notes: 'Ready' });
        const open = await waitForIdea(client, ideaId, inReview('go-to-pilot'));
        expect(open.stage.ready!.fingerprint).toBe(packageFingerprint({ notes: 'Ready', links: [] }));
        const email = await messageTo(store, ideaId, OWNER, 'review-request');
        const page = await get(/https?:\/\/[^\s"<>]+\/review\/[A-Za-z0-9_-]{40,}/.exec(email.text)![0].replace(/^https?:\/\/[^/]+/, web.url));
        expect(page.body).toContain('the pilot runs the template');
        expect(page.body).toContain('Share of customers who buy it again');
        // The default plan is what this gate approves too: a vote on the package before its revision is refused.
        await client.markReady(ideaId, { by: HEAD_BAKER, notes: 'Ready, costs added' });
        const revised = await waitForIdea(client, ideaId, (s) => s.round?.packageFingerprint !== open.stage.ready!.fingerprint);
        await expect(client.castVote(ideaId, { reviewer: OWNER, decision: 'go', scores: { feasibility: 5, impact: 5, alignment: 5 }, fingerprint: open.stage.ready!.fingerprint })).rejects.toMatchObject({ code: 'stale-package' });
        await passGate(client, ideaId, 'go-to-pilot', revised.stage.ready!.fingerprint);
        await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
        expect((await client.pilotStatus(ideaId)).summary.map((kpi) => kpi.kpi)).toEqual(['weekly_sales', 'repeat_share']);
      } finally {
        await web.close();
      }
    }, settings);
  });

  test('a plan with a bad field or beyond the template limits is refused by the SDK, and by the journey itself, naming the field; nothing changes', async () => {
    await withStack(async ({ client }) => {
      const ideaId = await inBuild(client);
      const [sales, repeat] = bakeryPlan().kpis as [PilotPlanInput['kpis'][number], PilotPlanInput['kpis'][number]];
      await expect(client.markReady(ideaId, { by: HEAD_BAKER, pilot: bakeryPlan({ kpis: [{ ...sales, killAt: 80 }, repeat] }) })).rejects.toMatchObject({
        code: 'invalid-input',
        message: expect.stringMatching(/^ready: pilot\.kpis\[0\]\.killAt: must be below alertAt/),
      });
      await expect(client.markReady(ideaId, { by: HEAD_BAKER, pilot: bakeryPlan({ kpis: [sales, { ...repeat, id: 'weekly_sales' }] }) })).rejects.toMatchObject({ code: 'invalid-input', message: 'ready: pilot.kpis[1].id: id "weekly_sales" is used twice' });
      await expect(client.markReady(ideaId, { by: HEAD_BAKER, pilot: bakeryPlan({ place: '' }) })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('ready: pilot.place: must not be empty') });
      await expect(client.markReady(ideaId, { by: HEAD_BAKER, pilot: bakeryPlan({ duration: '13w' }) })).rejects.toMatchObject({
        code: 'invalid-input',
        message: 'ready: pilot.duration: 13 weeks, longer than the template\'s limit of 12 weeks (limits.duration.max)',
      });
      const six = Array.from({ length: 6 }, (_, i) => ({ ...repeat, id: `kpi_${i}` }));
      await expect(client.markReady(ideaId, { by: HEAD_BAKER, pilot: bakeryPlan({ kpis: six }) })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('pilot.kpis: 6 KPIs, more than the template\'s limit of 5 (limits.maxKpis)') });
      // Past the SDK, straight to the journey: its validator checks the snapshot's limits too.
      const raw = client.client.workflow.getHandle(`idea-${ideaId}`);
      const plan = { place: 'the town shop', duration: 26 * 7 * 24 * 3600 * 1000, kpis: [{ id: 'weekly_sales', label: 'Weekly sales', unit: '', direction: 'higher' as const, target: 60, source: { type: 'manual' as const }, countsAsBenefit: false }] };
      await expect(raw.executeUpdate(markReadyUpdate, { args: [{ by: HEAD_BAKER, notes: '', links: [], via: 'sdk', pilot: plan }] })).rejects.toMatchObject({
        cause: expect.objectContaining({ type: 'invalid-plan', message: expect.stringContaining('pilot.duration: 26 weeks, longer than the template\'s limit of 12 weeks') }),
      });
      expect((await client.getIdea(ideaId)).stage.ready).toBeUndefined();
      // Only the stage before a pilot takes a plan.
      const { ideaId: screened } = await client.submitIdea(idea({ process: 'smb-lite', champion: { email: HEAD_BAKER, name: 'Hamid Karimi' } }));
      await waitForIdea(client, screened, inReview('idea-screen'));
      const error = await client.markReady(screened, { by: HEAD_BAKER, pilot: bakeryPlan() }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(StageGateError);
      expect(error).toMatchObject({ code: 'invalid-input', message: 'ready: pilot: no pilot follows the gate of Idea, so there is nothing to plan; mark it ready without a plan.' });
    }, shipped());
  });

  test('the CLI hands the plan in from a YAML or JSON file, and refuses a bad one naming the file and the field, exit 2', async () => {
    const settings = shipped();
    await withStack(async ({ client }) => {
      const ideaId = await inBuild(client);
      const dir = mkdtempSync(join(tmpdir(), 'stagegate-plan-'));
      const file = (name: string, text: string) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      const stagegate = (...args: string[]) => runCli(cliEnv(settings), args);

      const bad = file('plan.yaml', 'place: the town shop\nduration: 4w\nkpis:\n  - { id: weekly_sales, label: Weekly sales, direction: higher, target: lots }\n');
      const refused = await stagegate('idea', 'ready', ideaId, '--by', HEAD_BAKER, '--pilot-file', bad);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`${bad}: kpis[0].target: `);

      const long = file('long.yaml', 'place: the town shop\nduration: 20w\nkpis:\n  - { id: weekly_sales, label: Weekly sales, direction: higher, target: 60, killAt: 19 }\n');
      const tooLong = await stagegate('idea', 'ready', ideaId, '--by', HEAD_BAKER, '--pilot-file', long);
      expect(tooLong.code).toBe(2);
      expect(tooLong.stderr).toContain(`${long}: duration: 20 weeks, longer than the template's limit of 12 weeks (limits.duration.max)`);

      const missing = await stagegate('idea', 'ready', ideaId, '--by', HEAD_BAKER, '--pilot-file', join(dir, 'nowhere.yaml'));
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('nowhere.yaml: cannot be read');
      expect((await client.getIdea(ideaId)).stage.ready).toBeUndefined();

      const good = file('plan.json', JSON.stringify(bakeryPlan()));
      const accepted = await stagegate('idea', 'ready', ideaId, '--by', HEAD_BAKER, '--notes', 'Recipe done', '--pilot-file', good);
      expect(accepted.code).toBe(0);
      expect(accepted.stdout).toContain(`with the pilot plan of ${good}`);
      const status = await waitForIdea(client, ideaId, inReview('go-to-pilot'));
      expect(status.stage.ready!.pilot!.kpis.map((kpi) => [kpi.id, kpi.target, kpi.killAt])).toEqual([['weekly_sales', 60, 19], ['repeat_buyers', 30, undefined]]);
      const shown = await stagegate('idea', 'show', ideaId);
      expect(shown.stdout).toContain('Pilot plan (handed in for the gate): 28 days in the town shop');
    }, settings);
  });

  test('process show prints each pilot section; express says it has no pilot', async () => {
    const settings = shipped();
    const stagegate = (...args: string[]) => runCli(cliEnv(settings), args);
    const smb = await stagegate('process', 'show', 'smb-lite');
    expect(smb.code).toBe(0);
    expect(smb.stdout).toContain('Pilot: 28 days in the town shop, checked every 7 days');
    expect(smb.stdout).toContain('limits of a champion\'s plan: at most 5 KPIs, 7 days to 84 days; planned when Build is marked ready, approved at Go to pilot');
    expect(smb.stdout).toMatch(/weekly_sales\s+Weekly sales\s+pastries\s+higher\s+60\s+≤ 59\s+≤ 19\s+manual\s+yes/);
    expect(smb.stdout).toMatch(/repeat_share\s+Share of customers who buy it again\s+%\s+higher\s+30/);
    const full = await stagegate('process', 'show', 'stage-gate-full');
    expect(full.stdout).toContain('approved at Gate 4 - Go to testing');
    const express = await stagegate('process', 'show', 'express');
    expect(express.code).toBe(0);
    expect(express.stdout).toContain('No pilot');
    expect(express.stdout).not.toContain('Pilot:');
  });
});

describe('the planning page from the champion\'s email', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('on a phone: prefilled with the default plan, a bad field named, then marked ready with the plan, once', async () => {
    const settings = { ...shipped(), linkSecret: 'plans-browser-link-secret-0123456789abcdef' };
    await withStack(async ({ client, store }) => {
      const web = await startWebServer({ client, settings, outbox: store, port: 0 });
      try {
        const ideaId = await inBuild(client);
        const email = await messageTo(store, ideaId, HEAD_BAKER, 'stage-entered');
        expect(email.subject).toContain('Build has started');
        const link = /https?:\/\/[^\s"<>]+\/plan\/[A-Za-z0-9_-]{40,}/.exec(email.text)?.[0];
        expect(link).toBeDefined();
        const local = link!.replace(/^https?:\/\/[^/]+/, web.url);

        // Without a browser first: a plan past the template's limits is refused by name, and nothing changes.
        const tooLong = await post(local, { place: 'the town shop', duration: '20w', 'kpi.0.id': 'weekly_sales', 'kpi.0.label': 'Weekly sales', 'kpi.0.direction': 'higher', 'kpi.0.target': '60', notes: '' });
        expect(tooLong.status).toBe(422);
        expect(tooLong.body).toContain('plan: duration: 20 weeks, longer than the template&#39;s limit of 12 weeks (limits.duration.max)');
        expect((await client.getIdea(ideaId)).stage.ready).toBeUndefined();

        const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
        const page = await context.newPage();
        const refused: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') refused.push(message.text());
        });
        await page.goto(local);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Plan the pilot of “Pumpkin spice pastry”');
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
        // The template's default plan, prefilled.
        expect(await page.getByLabel('Where it runs').inputValue()).toBe('the town shop');
        expect(await page.getByLabel('How long').inputValue()).toBe('4w');
        const sales = page.getByRole('group', { name: 'KPI 1: Weekly sales' });
        expect(await sales.getByLabel('Target').inputValue()).toBe('60');
        expect(await sales.getByLabel('Kill line').inputValue()).toBe('19');

        await sales.getByLabel('Kill line').fill('80');
        await page.getByLabel('Notes for the reviewers').fill('Recipe fixed; 0.80 a pastry.');
        await page.getByRole('button', { name: 'Mark Build ready with this plan' }).click();
        await page.waitForSelector('text=Nothing was recorded yet.');
        expect(await page.getByRole('alert').textContent()).toContain('plan: kpis[0].killAt: must be below alertAt');
        expect(await page.getByRole('group', { name: 'KPI 1: Weekly sales' }).getAttribute('aria-invalid')).toBe('true');
        // What was typed stays.
        expect(await page.getByLabel('Notes for the reviewers').inputValue()).toBe('Recipe fixed; 0.80 a pastry.');
        await page.screenshot({ path: join(ARTEFACTS_DIR, 'plan-page-error.png'), fullPage: true });
        expect((await client.getIdea(ideaId)).stage.ready).toBeUndefined();

        await page.getByRole('group', { name: 'KPI 1: Weekly sales' }).getByLabel('Kill line').fill('19');
        await page.getByRole('group', { name: 'KPI 1: Weekly sales' }).getByLabel('Target').fill('65');
        await page.getByRole('button', { name: 'Mark Build ready with this plan' }).click();
        await page.waitForSelector('text=Build is marked ready, with your plan.');
        // Post, redirect, get: the page shown is a GET, so a reload sends nothing again.
        expect(new URL(page.url()).pathname).toBe(new URL(local).pathname);
        await page.reload();
        await page.waitForSelector('text=Your plan is with Go to pilot');
        await page.screenshot({ path: join(ARTEFACTS_DIR, 'plan-page-done.png'), fullPage: true });
        expect(refused.filter((text) => text.includes('Content Security Policy'))).toEqual([]);
        await context.close();

        const status = await waitForIdea(client, ideaId, inReview('go-to-pilot'));
        expect(status.stage.ready).toMatchObject({ by: HEAD_BAKER, notes: 'Recipe fixed; 0.80 a pastry.', pilot: { place: 'the town shop', duration: 28 * 24 * 3600 * 1000 } });
        expect(status.stage.ready!.pilot!.kpis.map((kpi) => [kpi.id, kpi.target, kpi.killAt])).toEqual([['weekly_sales', 65, 19], ['repeat_share', 30, undefined]]);
        const events = await store.events({ ideaId });
        expect(events.filter((e) => e.type === 'ready_for_review').map((e) => [e.actor, e.detail.via])).toEqual([[HEAD_BAKER, 'link']]);
        // The same form sent again (a double tap that got through) records nothing more.
        const again = await post(local, { place: 'the town shop', duration: '4w', 'kpi.0.id': 'weekly_sales', 'kpi.0.label': 'Weekly sales', 'kpi.0.direction': 'higher', 'kpi.0.target': '65', notes: '' });
        expect(again.status).toBe(303);
        expect((await store.events({ ideaId })).filter((e) => e.type === 'ready_for_review')).toHaveLength(1);

        // Once the gate has decided and the idea moved on, the link opens nothing to plan.
        await passGate(client, ideaId, 'go-to-pilot', status.stage.ready!.fingerprint);
        await waitForIdea(client, ideaId, (s) => s.stage.id === 'pilot');
        expect((await get(local)).status).toBe(410);
      } finally {
        await web.close();
      }
    }, settings);
  });
});
