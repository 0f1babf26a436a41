import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { StageGateError } from '../client/sdk';
import { startWebServer } from '../client/web/server';
import { linkBuilder } from '../links';
import { StageGateClient as Client } from '../client/sdk';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { recordKpiUpdate } from '../workflows/messages';
import { MAX_WAITING_READINGS } from '../workflows/pilot';
import type { PilotInput } from '../workflows/state';
import type { KpiReading } from '../workflows/inputs';
import type { StoredEvent } from '../store';
import { COUNTER, eventually, idea, inReview, messageTo, startWorker, testSettings, waitForIdea, withStack, type Stack } from './helpers';

/** The firm's own system, answering KPI pulls over HTTP with the next of its prepared answers. */
class KpiSource {
  readonly answers: unknown[] = [];
  pulls = 0;
  /** When each pull came (ms since the epoch), to judge the pilot's rhythm by when it pulled, not by when a test looked. */
  pulledAt: number[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((_request, response) => {
      const answer = this.answers[Math.min(this.pulls, this.answers.length - 1)];
      this.pulls += 1;
      this.pulledAt.push(Date.now());
      response.writeHead(answer === undefined ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(answer ?? { error: 'not yet' }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/kpis`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A process whose only stage is a pilot, with second-long timers, written for this test's KPI source. */
function pilotProcess(options: { duration: string; checkEvery: string; url: string; historyLimit?: number; manual?: boolean }): string {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-pilot-'));
  writeFileSync(
    join(dir, 'pilot.yaml'),
    `id: pumpkin-pilot
version: 1
name: Pumpkin pilot (test)
stages:
  - id: pilot
    name: Pilot in two shops
    duration: ${options.duration}
    deliverables: [Pilot results]
    pilot:
      checkEvery: ${options.checkEvery}
      ${options.historyLimit ? `historyLimit: ${options.historyLimit}` : ''}
      kpis:
${options.manual === false ? '' : `        - { id: weekly_sales, label: Weekly sales, unit: pastries, direction: higher, target: 600, alertAt: 400, killAt: 200, countsAsBenefit: true }\n`}        - { id: waste, label: Waste, unit: kg, direction: lower, target: 5, alertAt: 8, source: { type: http, url: "${options.url}", jsonPath: "$.waste.kg" } }
    gate:
      id: go-to-launch
      name: Go to launch
      reviewers: { people: [olivia@cornerbakery.example] }
      criteria: [{ id: results, label: Pilot results, weight: 1 }]
      passScore: 3
      quorum: any
      deadline: 1h
      reminderEvery: 1h
      escalateTo: { roles: [owner] }
      onNoDecision: hold
`,
  );
  return dir;
}

describe('pilots with KPIs (second-long timers)', () => {
  const source = new KpiSource();
  beforeEach(async () => {
    source.answers.length = 0;
    source.pulls = 0;
    source.pulledAt = [];
    await source.start();
  });
  afterEach(() => source.stop());

  test('manual and pulled readings are judged against targets, breaches alert, and the summary goes to the gate', async () => {
    source.answers.push({ waste: { kg: 4 } }, { waste: { kg: 9 } }, { waste: { kg: 6 } });
    const settings = testSettings({ processesDir: pilotProcess({ duration: '6s', checkEvery: '1500ms', url: source.url }) });
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'pumpkin-pilot' }));
      await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);

      const onTarget = await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 620, by: COUNTER, note: 'Till report, week 1' });
      expect(onTarget).toMatchObject({ kpi: 'weekly_sales', value: 620, level: 'on-target', met: true });
      await expect(client.recordKpiReading(ideaId, { kpi: 'footfall', value: 3, by: COUNTER })).rejects.toMatchObject({ code: 'unknown-kpi' });
      const low = await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 350, by: COUNTER });
      expect(low).toMatchObject({ level: 'alert', met: false });
      const alert = await messageTo(store, ideaId, COUNTER, 'kpi-alert');
      expect(alert.subject).toBe('Alert: Weekly sales for "Pumpkin spice pastry" is 350 pastries');

      const status = await waitForIdea(client, ideaId, inReview('go-to-launch'), 15_000);
      expect(status.stage.pilot).toMatchObject({ reason: 'duration', run: 1 });
      const [sales, waste] = status.stage.pilot!.summary!;
      expect(sales).toMatchObject({ kpi: 'weekly_sales', readings: 2, latest: 350, total: 970, met: false, trend: 'down' });
      // Pulled at 1.5s, 3s and 4.5s: 4, 9 (past the alert threshold of 8), then 6.
      expect(waste).toMatchObject({ kpi: 'waste', readings: 3, latest: 6, met: false });
      expect(status.stage.ready).toMatchObject({ by: 'pilot' });
      expect(status.stage.ready!.notes).toContain('Weekly sales: 350 pastries (target 600, not met, trend down; 2 readings)');

      // The pilot gate's reviewer sees the KPI table on the review page.
      const web = await startWebServer({ client, settings, port: 0 });
      try {
        const review = await fetch(linkBuilder({ ...settings, publicUrl: web.url }).review(ideaId, 'go-to-launch', 1, 'olivia@cornerbakery.example'));
        const page = await review.text();
        expect(page).toContain("<caption class=\"meta\">The pilot's KPIs</caption>");
        expect(page).toMatch(/<tr><td>Weekly sales<\/td><td>350 pastries<br><span class="meta">2 readings<\/span><\/td><td>at least 600<\/td><td>down<\/td><td>no<\/td><\/tr>/);
      } finally {
        await web.close();
      }

      const events = await eventually(async () => {
        const all = await store.events({ ideaId });
        if (!all.some((event) => event.type === 'pilot_ended')) throw new Error('not yet');
        return all;
      });
      const alerts = events.filter((event) => event.type === 'kpi_alert').map((event) => [event.detail.kpi, event.detail.value, event.detail.level]);
      expect(alerts).toEqual([
        ['weekly_sales', 350, 'alert'],
        ['waste', 9, 'alert'],
      ]);
      expect(events.filter((event) => event.type === 'kpi_recorded')).toHaveLength(5);
      expect(events.find((event) => event.type === 'pilot_ended')!.detail).toMatchObject({ reason: 'duration', realisedBenefit: 970 });
      await expect(client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 700, by: COUNTER })).rejects.toBeInstanceOf(StageGateError);
    }, settings);
  });

  test('a manual reading that is overdue brings the champion a reminder with a link to enter it', async () => {
    source.answers.push({ waste: { kg: 4 } });
    const settings = testSettings({ processesDir: pilotProcess({ duration: '1h', checkEvery: '1500ms', url: source.url }) });
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'pumpkin-pilot' }));
      const reminder = await messageTo(store, ideaId, COUNTER, 'kpi-reminder');
      expect(reminder.text).toContain('Weekly sales (target 600 pastries)');
      expect(reminder.text).toMatch(/\/kpi\/[A-Za-z0-9_-]{40,}/);
      expect(reminder.text).not.toContain('Waste (target');

      // The link opens the KPI entry page, where the champion types the numbers in.
      const web = await startWebServer({ client, settings, port: 0 });
      try {
        const link = kpiLink(reminder.text, web.url);
        const page = await fetch(link);
        expect(page.status).toBe(200);
        const form = await page.text();
        expect(form).toContain('Pilot readings for “Pumpkin spice pastry”');
        const nonce = /name="form" value="([A-Za-z0-9_-]{22})"/.exec(form)![1]!;
        const wrong = await fetch(link, { method: 'POST', body: new URLSearchParams({ 'kpi.weekly_sales': 'lots', note: '', form: nonce }) });
        expect(wrong.status).toBe(422);
        expect(await wrong.text()).toContain('Weekly sales</a>: &quot;lots&quot; is not a number: write a plain decimal like 620');
        const right = await fetch(link, { method: 'POST', body: new URLSearchParams({ 'kpi.weekly_sales': '620', note: 'Till report', form: nonce }) });
        expect(right.status).toBe(200);
        expect(right.redirected).toBe(true);
        expect(await right.text()).toContain('Weekly sales 620 (on target)');
        expect((await client.pilotStatus(ideaId)).summary[0]).toMatchObject({ kpi: 'weekly_sales', readings: 1, latest: 620, met: true });
      } finally {
        await web.close();
      }
      await client.withdraw(ideaId, { by: 'grace@customer.example', reason: 'done testing' });
      await client.outcome(ideaId);
    }, settings);
  });

  test('a reading past the kill threshold ends the pilot early and opens its gate', async () => {
    source.answers.push({ waste: { kg: 4 } });
    const settings = testSettings({ processesDir: pilotProcess({ duration: '1h', checkEvery: '1h', url: source.url }) });
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'pumpkin-pilot' }));
      await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      const receipt = await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 150, by: COUNTER });
      expect(receipt.level).toBe('kill');
      const status = await waitForIdea(client, ideaId, inReview('go-to-launch'));
      expect(status.stage.pilot).toMatchObject({ reason: 'kill-threshold' });
      expect(Date.parse(status.stage.pilot!.endedAt!)).toBeLessThan(Date.parse(status.stage.pilot!.endsAt));
      expect(status.stage.ready!.notes).toContain('The pilot ended early');
      const ended = await messageTo(store, ideaId, COUNTER, 'kpi-alert');
      expect(ended.subject).toBe('Pilot ended: Weekly sales for "Pumpkin spice pastry" is 150 pastries');
    }, settings);
  });

  test('a pilot whose workflow is terminated does not fail the idea: its gate opens saying why', async () => {
    const settings = testSettings();
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'manual-pilot' }));
      const running = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      await client.client.workflow.getHandle(running.stage.pilot!.workflowId).terminate('an operator stopped it by mistake');
      const status = await waitForIdea(client, ideaId, inReview('go-to-launch'));
      expect(status.stage.pilot).toMatchObject({ reason: 'failed', summary: [] });
      expect(status.stage.ready!.notes).toContain('The pilot ended early: its workflow failed or was stopped');
      const ended = await eventually(async () => {
        const event = (await store.events({ ideaId })).find((e) => e.type === 'pilot_ended');
        if (!event) throw new Error('no pilot_ended event yet');
        return event;
      });
      expect(ended.detail).toMatchObject({ reason: 'failed', failure: expect.stringMatching(/terminated/i) });
      await client.castVote(ideaId, { reviewer: 'olivia@cornerbakery.example', decision: 'kill', scores: { results: 1 }, comment: 'No data' });
      expect(await client.outcome(ideaId)).toMatchObject({ status: 'killed' });
    }, settings);
  });

  test('a hold asked for while the pilot runs takes effect at once: the pilot ends with what it measured, the idea waits before its gate', async () => {
    const settings = testSettings();
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'manual-pilot' }));
      const running = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 450, by: COUNTER });
      await client.hold(ideaId, { by: 'olivia@cornerbakery.example', reason: 'The oven is being replaced' });
      const held = await waitForIdea(client, ideaId, (s) => s.status === 'on-hold');
      expect(held.hold).toMatchObject({ returnTo: 'stage', reason: 'The oven is being replaced' });
      expect(held.stage.pilot).toMatchObject({ reason: 'held', summary: [expect.objectContaining({ kpi: 'weekly_sales', readings: 1 })] });
      expect(Date.parse(held.stage.pilot!.endedAt!)).toBeLessThan(Date.parse(running.stage.pilot!.endsAt));
      // The pilot was told: it takes no more readings.
      await expect(client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 500, by: COUNTER })).rejects.toMatchObject({ code: 'wrong-status' });
      await client.resume(ideaId, { by: 'olivia@cornerbakery.example', reason: 'New oven in' });
      const review = await waitForIdea(client, ideaId, inReview('go-to-launch'));
      expect(review.stage.ready!.notes).toContain('The pilot ended early: the idea was put on hold while it ran.');
      expect(review.decisions).toEqual([]);
    }, settings);
  });

  test('after downtime a pilot takes one reading, not one per missed check, and the next a period later', async () => {
    source.answers.push({ waste: { kg: 4 } });
    const settings = testSettings({ processesDir: pilotProcess({ duration: '1h', checkEvery: '3s', url: source.url, manual: false }) });
    const client = await Client.connect({ settings });
    try {
      let worker = await startWorker(settings);
      const { ideaId } = await client.submitIdea(idea({ process: 'pumpkin-pilot' }));
      await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      await eventually(() => expect(source.pulls).toBeGreaterThanOrEqual(1), 5_000);
      worker.worker.shutdown();
      await worker.running;
      const before = source.pulls;
      // Four check periods pass with no worker.
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      worker = await startWorker(settings);
      // A pull the stopped worker held is retried after its 20 s timeout, and the journey's task may
      // first wait out the stopped worker's sticky queue: the catch-up pull can take that long.
      await eventually(() => expect(source.pulls).toBeGreaterThan(before), 30_000);
      // The next pull comes a period after the catch-up pull, not at once: judged by when each came,
      // so a slow machine noticing the catch-up pull late changes nothing.
      await eventually(() => expect(source.pulls).toBeGreaterThanOrEqual(before + 2), 10_000);
      const [catchUp, next] = source.pulledAt.slice(before, before + 2) as [number, number];
      expect(next - catchUp).toBeGreaterThanOrEqual(2_500);
      const summary = (await client.pilotStatus(ideaId)).summary[0]!;
      expect(summary.readings).toBe(source.pulls);
      worker.worker.shutdown();
      await worker.running;
    } finally {
      await client.close();
    }
  }, 90_000);

  test('a long pilot continues as new, its readings carried across runs', async () => {
    source.answers.push(...[3, 4, 5, 4, 3].map((kg) => ({ waste: { kg } })));
    const settings = testSettings({ processesDir: pilotProcess({ duration: '12s', checkEvery: '250ms', url: source.url, historyLimit: 50, manual: false }) });
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'pumpkin-pilot' }));
      const running = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      const pilotId = running.stage.pilot!.workflowId;
      const status = await waitForIdea(client, ideaId, inReview('go-to-launch'), 30_000);
      const waste = status.stage.pilot!.summary![0]!;
      // Every pull of the whole pilot is counted, across all its runs.
      expect(waste.readings).toBe(source.pulls);
      expect(waste.readings).toBeGreaterThan(5);
      const runs: number[] = [];
      for await (const execution of client.client.workflow.list({ query: `WorkflowId = '${pilotId}'` })) runs.push(execution.historyLength);
      expect(runs.length).toBeGreaterThan(1);
      // No run's history grew much past its limit.
      expect(Math.max(...runs)).toBeLessThan(50 + 40);
    }, settings);
  });
});

/** The KPI page's link in an email, on the test's own web server. */
function kpiLink(text: string, webUrl: string): string {
  return /https?:\/\/[^\s]+\/kpi\/[A-Za-z0-9_-]{40,}/.exec(text)![0].replace(/^https?:\/\/[^/]+/, webUrl);
}

/** A pilot's workflow, as the tests drive it past the SDK. */
type PilotHandle = ReturnType<Client['client']['workflow']['getHandle']>;

/** Whether a reading was turned away because the pilot holds its most readings not yet recorded: by the pilot itself, or by the SDK once its own tries ran out. */
function isBusy(err: unknown): boolean {
  if (err instanceof StageGateError) return err.code === 'pilot-busy';
  return err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'pilot-busy';
}

/** Sends through the SDK until the pilot takes it: the SDK sends again within updateTimeout, then says pilot-busy, having had nothing taken. */
async function sdkUntilTaken<Result>(send: () => Promise<Result>): Promise<Result> {
  for (;;) {
    try {
      return await send();
    } catch (err) {
      if (!isBusy(err)) throw err;
    }
  }
}

/** Sends one reading straight to the pilot until it is taken, backing off as the SDK does (20 ms, 40, ... 250); returns how often it was turned away. */
async function sendUntilTaken(pilot: PilotHandle, value: number): Promise<number> {
  for (let refused = 0, wait = 20; ; refused++, wait = Math.min(wait * 2, 250)) {
    try {
      await pilot.executeUpdate(recordKpiUpdate, { args: [{ kpi: 'weekly_sales', value, by: COUNTER, note: '', via: 'sdk', source: 'manual' }] });
      return refused;
    } catch (err) {
      if (!isBusy(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** The idea's events once its pilot's end is among them. */
function eventsOnceEnded(store: Stack['store'], ideaId: string): Promise<StoredEvent[]> {
  return eventually(async () => {
    const all = await store.events({ ideaId });
    if (!all.some((event) => event.type === 'pilot_ended')) throw new Error('not yet');
    return all;
  }, 30_000);
}

/** The values of the events of one type. */
const valuesOf = (events: StoredEvent[], type: string): number[] => events.filter((event) => event.type === type).map((event) => event.detail.value as number);

/** What each run of a pilot was started with: the readings it carried from the run before, taken and not yet recorded. */
async function carriedPerRun(client: Client, workflowId: string): Promise<number[]> {
  const carried: number[] = [];
  for await (const execution of client.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const { events } = await client.client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    const payload = events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const input = JSON.parse(Buffer.from(payload.data!).toString('utf8')) as PilotInput;
    carried.push(input.carried?.taken?.length ?? 0);
  }
  return carried;
}

describe('a burst of readings into one pilot', () => {
  /** The pilot continues as new at this many events; a run may pass it by what was already under way. */
  const LIMIT = 100;
  /**
   * What a run may hold past its limit: the reading being recorded as the limit is passed (its
   * event's activity, an alert and its email) and the updates accepted meanwhile, which grow with
   * how slowly the activities answer (up to 53 events seen with the machine under load). Before the
   * pilot carried its readings, a run went on to several times its limit.
   */
  const MARGIN = 100;
  const SENDERS = 6;
  const READINGS = 180;

  test('no run of the pilot grows past its history limit, and every reading is recorded once across its runs', async () => {
    const settings = testSettings({ processesDir: pilotProcess({ duration: '1h', checkEvery: '1h', url: 'http://127.0.0.1:9/unused', historyLimit: LIMIT }) });
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'pumpkin-pilot' }));
      const running = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      // Each reading its own value, so a lost or a doubled one shows; every tenth is low and alerts.
      const values = Array.from({ length: READINGS }, (_, n) => (n % 10 === 9 ? 300 + n : 1000 + n));
      const queue = [...values];
      // Sent as the SDK's recordKpiReading sends them, without its look at the pilot first: its
      // query would wait behind the busy pilot's workflow tasks, and the burst is what is tested.
      const pilot = client.client.workflow.getHandle(running.stage.pilot!.workflowId);
      await Promise.all(
        Array.from({ length: SENDERS }, async () => {
          for (let value = queue.shift(); value !== undefined; value = queue.shift()) await sendUntilTaken(pilot, value);
        }),
      );
      // A reading past the kill line ends the pilot.
      await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 100, by: COUNTER });
      const status = await waitForIdea(client, ideaId, inReview('go-to-launch'), 60_000);
      expect(status.stage.pilot!.summary![0]).toMatchObject({ kpi: 'weekly_sales', readings: READINGS + 1, latest: 100 });

      const runs: number[] = [];
      for await (const execution of client.client.workflow.list({ query: `WorkflowId = '${running.stage.pilot!.workflowId}'` })) runs.push(execution.historyLength);
      expect(runs.length).toBeGreaterThan(1);
      expect(Math.max(...runs)).toBeLessThanOrEqual(LIMIT + MARGIN);

      const events = await eventsOnceEnded(store, ideaId);
      const recorded = valuesOf(events, 'kpi_recorded');
      expect(recorded.sort((a, b) => a - b)).toEqual([100, ...values].sort((a, b) => a - b));
      const alerted = valuesOf(events, 'kpi_alert');
      expect(alerted.sort((a, b) => a - b)).toEqual([...values.filter((value) => value < 400), 100].sort((a, b) => a - b));
    }, settings);
  }, 240_000);

  test('the same update sent again after the pilot continued as new (a KPI form posted again, its confirmation reloaded, the client retrying an update into the next run) is answered with its first receipts and recorded once', async () => {
    const settings = testSettings({ processesDir: pilotProcess({ duration: '1h', checkEvery: '1h', url: 'http://127.0.0.1:9/unused', historyLimit: LIMIT }) });
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'pumpkin-pilot' }));
      const running = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      // The handle names no run, as Temporal's client does when it sends an update again.
      const pilot = client.client.workflow.getHandle(running.stage.pilot!.workflowId);
      const retried = { args: [{ kpi: 'weekly_sales', value: 502, by: COUNTER, note: '', via: 'sdk', source: 'manual' }] as [KpiReading & { source: 'manual' }], updateId: 'update-retried-into-the-next-run' };
      let value = 600;
      const web = await startWebServer({ client, settings, port: 0 });
      try {
        // The champion's KPI link, emailed as the pilot starts: the form posted once, in the first run.
        const reminder = await messageTo(store, ideaId, COUNTER, 'kpi-reminder');
        const link = kpiLink(reminder.text, web.url);
        const nonce = /name="form" value="([A-Za-z0-9_-]{22})"/.exec(await (await fetch(link)).text())![1]!;
        const post = () => fetch(link, { method: 'POST', body: new URLSearchParams({ 'kpi.weekly_sales': '501', note: '', form: nonce }) });
        const posted = await post();
        expect(posted.redirected).toBe(true);
        expect(await posted.text()).toContain('Weekly sales 501');
        const firstForm = await client.kpiForm(ideaId, nonce);
        const firstRetried = await pilot.executeUpdate(recordKpiUpdate, retried);

        // Readings one at a time until the pilot has continued as new, having recorded both above in its first run.
        while ((await client.pilotStatus(ideaId)).continuedAsNew === 0) await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: value++, by: COUNTER });
        expect(await client.kpiForm(ideaId, nonce)).toEqual(firstForm);
        const reloaded = await fetch(posted.url);
        expect(reloaded.status).toBe(200);
        expect(await reloaded.text()).toContain('Weekly sales 501');
        const again = await post();
        expect([again.status, again.url]).toEqual([200, posted.url]);
        expect(await client.recordKpiReadings(ideaId, { readings: [{ kpi: 'weekly_sales', value: 501 }], by: COUNTER, form: nonce })).toEqual(firstForm);
        expect(await pilot.executeUpdate(recordKpiUpdate, retried)).toEqual(firstRetried);
      } finally {
        await web.close();
      }
      await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 100, by: COUNTER });
      const status = await waitForIdea(client, ideaId, inReview('go-to-launch'), 60_000);
      const sent = [501, 502, ...Array.from({ length: value - 600 }, (_, n) => 600 + n), 100];
      expect(status.stage.pilot!.summary![0]).toMatchObject({ readings: sent.length, latest: 100 });
      const recorded = valuesOf(await eventsOnceEnded(store, ideaId), 'kpi_recorded');
      expect(recorded.sort((a, b) => a - b)).toEqual(sent.sort((a, b) => a - b));
    }, settings);
  }, 120_000);

  test('a flood of readings is turned away past what the pilot holds unrecorded, so no run carries more than that to the next; the SDK waits its turn and every reading is recorded once', async () => {
    // Under the flood the pilot answers its status query late too (Temporal clears buffered queries
    // as it aborts the updates it could not place): the SDK's senders are given a minute, not 15 s.
    const settings = testSettings({ processesDir: pilotProcess({ duration: '1h', checkEvery: '1h', url: 'http://127.0.0.1:9/unused', historyLimit: LIMIT }), updateTimeout: '60s' });
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'pumpkin-pilot' }));
      const running = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      const pilotId = running.stage.pilot!.workflowId;
      const pilot = client.client.workflow.getHandle(pilotId);
      // Far more readings than the pilot records meanwhile (about ten events each), from many
      // senders straight to the pilot, and some through the SDK, one reading at a time and as forms.
      const FLOOD = 400;
      const values = Array.from({ length: FLOOD }, (_, n) => 1000 + n);
      const queue = [...values];
      let refused = 0;
      const sdkReceipts: number[] = [];
      await Promise.all([
        ...Array.from({ length: 20 }, async () => {
          for (let value = queue.shift(); value !== undefined; value = queue.shift()) refused += await sendUntilTaken(pilot, value);
        }),
        ...Array.from({ length: 4 }, async (_, sender) => {
          for (let value = queue.shift(); value !== undefined; value = queue.shift()) {
            const receipts = await sdkUntilTaken(() =>
              sender % 2 === 0
                ? client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value, by: COUNTER }).then((receipt) => [receipt])
                : client.recordKpiReadings(ideaId, { readings: [{ kpi: 'weekly_sales', value }], by: COUNTER, form: `flood-reading-${value}` }),
            );
            sdkReceipts.push(...receipts.map((receipt) => receipt.value));
          }
        }),
      ]);
      expect(refused).toBeGreaterThan(0);
      expect(sdkReceipts.length).toBeGreaterThan(0);
      await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 100, by: COUNTER });
      await waitForIdea(client, ideaId, inReview('go-to-launch'), 120_000);

      const carried = await carriedPerRun(client, pilotId);
      expect(carried.length).toBeGreaterThan(1);
      expect(Math.max(...carried)).toBeLessThanOrEqual(MAX_WAITING_READINGS);
      const events = await eventsOnceEnded(store, ideaId);
      const recorded = valuesOf(events, 'kpi_recorded');
      expect(recorded.sort((a, b) => a - b)).toEqual([100, ...values].sort((a, b) => a - b));
    }, settings);
  }, 300_000);
});
