import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIMITS, StageGateError } from '../client/sdk';
import { startWebServer } from '../client/web/server';
import { linkBuilder } from '../links';
import { ideaPartWorkflowId, recordKpiUpdate } from '../workflows/messages';
import { cliEnv, runCli } from './cli-process';
import { COUNTER, HEAD_BAKER, OWNER, SHOP_MANAGER, eventually, idea, inReview, messageTo, testSettings, waitForIdea, withStack } from './helpers';
import { FIXTURE_PROCESSES_DIR } from './paths';

const MAYA = 'maya@cornerbakery.example';

/** The fixture processes, with the manual pilot's readings open to the shop managers too. */
function processesWithRecorders(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-recorders-'));
  const pilot = readFileSync(join(FIXTURE_PROCESSES_DIR, 'manual-pilot.yaml'), 'utf8').replace('      checkEvery: 1h\n', '      checkEvery: 1h\n      recorders: [shop-manager]\n');
  expect(pilot).toContain('recorders: [shop-manager]');
  writeFileSync(join(dir, 'manual-pilot.yaml'), pilot);
  writeFileSync(join(dir, 'two-gates.yaml'), readFileSync(join(FIXTURE_PROCESSES_DIR, 'two-gates.yaml'), 'utf8'));
  return dir;
}

async function eventOf(store: { events(filter: { ideaId: string }): Promise<{ type: string; actor?: string; detail: Record<string, unknown> }[]> }, ideaId: string, type: string, actor?: string) {
  return eventually(async () => {
    const event = (await store.events({ ideaId })).find((e) => e.type === type && (actor === undefined || e.actor === actor));
    if (!event) throw new Error(`no ${type} event yet`);
    return event;
  });
}

/** Workflow ids: an idea's pilots live in a namespace of names no idea id can reach. */
describe('workflow ids', () => {
  test('an idea named like another idea\'s old pilot id cannot squat it: the real idea\'s pilot starts and takes readings', async () => {
    await withStack(async ({ client }) => {
      const victim = `victim-${Date.now().toString(36)}`;
      // The pilot id before `idea-part-ids`: idea-<victim>-pilot-<stage>-<run>.
      const squatter = await client.submitIdea(idea({ ideaId: `${victim}-pilot-pilot-1`, process: 'manual-pilot' }));
      expect(squatter.created).toBe(true);
      await waitForIdea(client, squatter.ideaId, (s) => s.stage.pilot !== undefined);
      await client.submitIdea(idea({ ideaId: victim, process: 'manual-pilot' }));
      const running = await waitForIdea(client, victim, (s) => s.stage.pilot !== undefined);
      expect(running.stage.pilot!.workflowId).toBe(`idea-${victim}:pilot:pilot:1`);
      const receipt = await client.recordKpiReading(victim, { kpi: 'weekly_sales', value: 620, by: COUNTER });
      expect(receipt).toMatchObject({ kpi: 'weekly_sales', value: 620, met: true });
      expect((await client.pilotStatus(victim)).ideaId).toBe(victim);
    });
  });

  test('no idea id can take the form of a pilot id: ":" is refused', async () => {
    await withStack(async ({ client }) => {
      const error = await client.submitIdea(idea({ ideaId: 'victim1:pilot:trial:1', process: 'manual-pilot' })).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(StageGateError);
      expect((error as StageGateError).code).toBe('invalid-input');
      expect((error as StageGateError).message).toMatch(/ideaId/);
    });
  });

  test('a pilot whose workflow cannot start is recorded and sends the idea to its gate, instead of retrying in silence', async () => {
    await withStack(async ({ client, settings, store }) => {
      const ideaId = `blocked-${Date.now().toString(36)}`;
      // Someone with raw access to Temporal took the pilot's id first.
      const taken = ideaPartWorkflowId(ideaId, 'pilot', 'pilot', 1);
      const blocker = await client.client.workflow.start('pilotRun', { workflowId: taken, taskQueue: `${settings.taskQueue}-nobody`, args: [] });
      try {
        await client.submitIdea(idea({ ideaId, process: 'manual-pilot' }));
        const status = await waitForIdea(client, ideaId, inReview('go-to-launch'));
        expect(status.stage.pilot).toMatchObject({ workflowId: taken, reason: 'not-started', summary: [] });
        expect(status.stage.ready!.notes).toContain('The pilot ended before it began');
        expect(status.stage.ready!.notes).toContain(taken);
        const ended = await eventually(async () => {
          const event = (await store.events({ ideaId })).find((e) => e.type === 'pilot_ended');
          if (!event) throw new Error('no pilot_ended event yet');
          return event;
        });
        expect(ended.detail).toMatchObject({ reason: 'not-started', failure: expect.stringContaining(`${taken} did not start`) });
      } finally {
        await blocker.terminate('test over');
      }
    });
  });
});

/** Identities: every actor is checked against the people directory and the role the action needs, and recorded with how they were identified. */
describe('identity checks', () => {
  test('pilot record --by someone the people directory does not know is refused, naming who may record', async () => {
    const settings = testSettings({ processesDir: processesWithRecorders() });
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'manual-pilot' }));
      await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      const refused = await runCli(cliEnv(settings), ['pilot', 'record', ideaId, '--kpi', 'weekly_sales=620', '--by', 'nobody@evil.example']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('nobody@evil.example, who is not in the people directory');
      expect(refused.stderr).toContain(`that needs the champion (${COUNTER}), the pilot's recorders (${SHOP_MANAGER}) or an admin`);
      const recorded = await runCli(cliEnv(settings), ['pilot', 'record', ideaId, '--kpi', 'weekly_sales=620', '--by', SHOP_MANAGER, '--json']);
      expect(recorded.stderr).toBe('');
      expect(recorded.code).toBe(0);
      const event = await eventOf(store, ideaId, 'kpi_recorded', SHOP_MANAGER);
      expect(event.detail).toMatchObject({ value: 620, via: 'cli' });
      expect((await client.pilotStatus(ideaId)).summary[0]).toMatchObject({ readings: 1 });
    }, settings);
  });

  test('the SDK refuses a person of the directory without the role, and the pilot itself refuses a reading the SDK never checked', async () => {
    const settings = testSettings({ processesDir: processesWithRecorders() });
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'manual-pilot' }));
      const running = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      const refused = await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 1, by: MAYA }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(StageGateError);
      expect(refused).toMatchObject({ code: 'not-allowed', message: expect.stringContaining(`${MAYA} (Maya Chen, roles baker) may not record KPI readings`) });
      // Straight to Temporal, past the SDK: the pilot's own validator checks its snapshot.
      const pilot = client.client.workflow.getHandle(running.stage.pilot!.workflowId);
      const direct = await pilot.executeUpdate(recordKpiUpdate, { args: [{ kpi: 'weekly_sales', value: 1, by: 'nobody@evil.example', note: '', via: 'sdk', source: 'manual' }] }).catch((err: unknown) => err);
      expect(String((direct as Error).cause ?? direct)).toContain('nobody@evil.example may not record readings for this pilot');
      // An admin may, by the SDK.
      await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: '610', by: OWNER });
      expect((await eventOf(store, ideaId, 'kpi_recorded', OWNER)).detail).toMatchObject({ value: 610, via: 'sdk' });
      const status = await client.pilotStatus(ideaId);
      expect(status.summary[0]).toMatchObject({ readings: 1, latest: 610 });
      expect(status.recorders).toEqual([SHOP_MANAGER]);
    }, settings);
  });

  test('hold, resume, ready and withdraw name the role they need; what is accepted records how its actor was identified', async () => {
    await withStack(async ({ client, store, settings }) => {
      const { ideaId } = await client.submitIdea(idea());
      await waitForIdea(client, ideaId, inReview('screen'));
      const hold = await client.hold(ideaId, { by: HEAD_BAKER, reason: 'Wait for autumn' }).catch((err: unknown) => err);
      expect(hold).toMatchObject({ code: 'not-allowed', message: `${HEAD_BAKER} (Hamid Karimi, roles head-baker, innovation-team) may not put idea "${ideaId}" on hold: that needs an admin (role admin in the people directory).` });
      const withdraw = await client.withdraw(ideaId, { by: 'nobody@evil.example' }).catch((err: unknown) => err);
      expect(withdraw).toMatchObject({ code: 'not-allowed', message: expect.stringContaining('that needs the submitter (grace@customer.example) or an admin') });
      const vote = await client.castVote(ideaId, { reviewer: 'nobody@evil.example', decision: 'go', scores: { feasibility: 5, impact: 5 } }).catch((err: unknown) => err);
      expect(vote).toMatchObject({ code: 'not-a-reviewer', message: expect.stringContaining('a reviewer of the gate from the people directory') });
      const cli = await runCli(cliEnv(settings), ['idea', 'hold', ideaId, '--by', OWNER, '--reason', 'Wait for autumn']);
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
      await waitForIdea(client, ideaId, (s) => s.status === 'on-hold');
      expect((await eventOf(store, ideaId, 'decided')).detail).toMatchObject({ decision: 'hold', actor: OWNER, via: 'cli' });
      expect((await eventOf(store, ideaId, 'held')).detail).toMatchObject({ via: 'cli' });
      await client.resume(ideaId, { by: OWNER, reason: 'Autumn came', via: 'api', key: 'erp-sync' });
      expect((await eventOf(store, ideaId, 'resumed')).detail).toMatchObject({ via: 'api', key: 'erp-sync' });
      const ready = await runCli(cliEnv(settings), ['idea', 'ready', ideaId, '--by', MAYA]);
      expect(ready.code).toBe(1);
      expect(ready.stderr).toContain(`may not mark "Pumpkin spice pastry" ready for review: that needs the champion (${COUNTER}) or an admin`);
    });
  });
});

/** Limits and characters: what reaches a workflow is bounded, named when refused, and cleaned of invisible formatting. */
describe('limits and characters', () => {
  test('1 MB of strategic goals is refused naming strategicGoals and its limit, long before Temporal\'s 2 MB, and nothing starts', async () => {
    await withStack(async ({ client }) => {
      const ideaId = `big-${Date.now().toString(36)}`;
      const many = Array.from({ length: 10_000 }, (_, i) => `Goal ${i} `.padEnd(100, 'x'));
      expect(JSON.stringify(many).length).toBeGreaterThan(1_000_000);
      const refused = await client.submitIdea(idea({ ideaId, strategicGoals: many })).catch((err: unknown) => err);
      expect(refused).toMatchObject({ code: 'invalid-input', message: `idea: strategicGoals: at most ${LIMITS.strategicGoals} items` });
      const long = await client.submitIdea(idea({ ideaId, strategicGoals: ['x'.repeat(1_000_000)] })).catch((err: unknown) => err);
      expect(long).toMatchObject({ code: 'invalid-input', message: `idea: strategicGoals[0]: at most ${LIMITS.goal} characters` });
      const comment = await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: {}, comment: 'x'.repeat(LIMITS.comment + 1) }).catch((err: unknown) => err);
      expect(comment).toMatchObject({ code: 'invalid-input', message: `vote: comment: at most ${LIMITS.comment} characters` });
      await expect(client.getIdea(ideaId)).rejects.toMatchObject({ code: 'unknown-idea' });
    });
  });

  test('bidi overrides and other invisible characters are removed from names and titles before they reach a journey or an email; emoji keep their joiners', async () => {
    await withStack(async ({ client, store }) => {
      const submitted = await client.submitIdea(
        idea({ title: 'Pumpkin \u202espice\u202c pastry \u{1F469}\u200d\u{1F373}\u200b', submitter: { email: 'grace@customer.example', name: 'Gr\u202eace\u2066 Hall\ufeff' } }),
      );
      const status = await waitForIdea(client, submitted.ideaId, inReview('screen'));
      expect(status.title).toBe('Pumpkin spice pastry \u{1F469}\u200d\u{1F373}');
      expect(status.submitter.name).toBe('Grace Hall');
      const received = await messageTo(store, submitted.ideaId, 'grace@customer.example', 'idea-received');
      expect(`${received.subject}${received.text}`).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b\ufeff]/);
      expect(received.text).toContain('Grace Hall');
    });
  });

  test('0x10 is refused with the same words by the CLI, the SDK and the KPI page; in de-DE 4,5 is 4.5 everywhere', async () => {
    const settings = testSettings({ locale: 'de-DE' });
    const env = cliEnv(settings, { STAGEGATE_LOCALE: 'de-DE' });
    await withStack(async ({ client }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'manual-pilot' }));
      const running = await waitForIdea(client, ideaId, (s) => s.stage.pilot !== undefined);
      const words = '"0x10" is not a number: write a plain decimal like 620, -3 or 4,5 (no hex or exponents)';
      const cli = await runCli(env, ['pilot', 'record', ideaId, '--kpi', 'weekly_sales=0x10', '--by', COUNTER]);
      expect(cli.code).toBe(2);
      expect(cli.stderr).toContain(`--kpi weekly_sales: ${words}`);
      await expect(client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: '0x10', by: COUNTER })).rejects.toMatchObject({ code: 'invalid-input', message: `reading: value: ${words}` });
      const web = await startWebServer({ client, settings, port: 0 });
      try {
        const link = linkBuilder({ ...settings, publicUrl: web.url }).kpi(ideaId, 'pilot', running.stage.pilot!.run, COUNTER);
        const form = /name="form" value="([A-Za-z0-9_-]{22})"/.exec(await (await fetch(link)).text())![1]!;
        const page = await fetch(link, { method: 'POST', body: new URLSearchParams({ 'kpi.weekly_sales': '0x10', note: '', form }) });
        expect(page.status).toBe(422);
        expect(await page.text()).toContain(`Weekly sales</a>: ${words.replace(/"/g, '&quot;')}`);
        const comma = await fetch(link, { method: 'POST', body: new URLSearchParams({ 'kpi.weekly_sales': '4,5', note: '', form }), redirect: 'manual' });
        expect(comma.status).toBe(303);
      } finally {
        await web.close();
      }
      await client.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: '4,5', by: COUNTER });
      const cliComma = await runCli(env, ['pilot', 'record', ideaId, '--kpi', 'weekly_sales=4,5', '--by', COUNTER, '--json']);
      expect(cliComma.code).toBe(0);
      expect((await client.pilotStatus(ideaId)).summary[0]).toMatchObject({ readings: 3, latest: 4.5, total: 13.5 });
    }, settings);
  });
});
