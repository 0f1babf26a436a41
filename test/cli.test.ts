import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../config/settings';
import { cliEnv, runCli } from './cli-process';
import { COUNTER, HEAD_BAKER, SHOP_MANAGER, idea, inReview, inStage, waitForIdea, withStack } from './helpers';
import { FIXTURE_PROCESSES_DIR } from './paths';


/** Runs the built `stagegate` command as a separate process, as an admin would. */
const stagegate = (settings: Settings, ...args: string[]) => runCli(cliEnv(settings), args);

const submitFlags = [
  'idea', 'submit',
  '--title', 'Loyalty cards',
  '--description', 'Stamp cards: the tenth coffee is free',
  '--source', 'employee',
  '--submitter', 'leo@cornerbakery.example', '--submitter-name', 'Leo Martin',
  '--category', 'service',
  '--process', 'two-gates',
];

describe('the stagegate CLI, spawned as a process', () => {
  test('submit, show, vote and list, with --json and exit codes', async () => {
    await withStack(async ({ client, settings }) => {
      const submitted = await stagegate(settings, ...submitFlags, '--json');
      expect(submitted).toMatchObject({ code: 0 });
      const { ideaId, created } = JSON.parse(submitted.stdout);
      expect(created).toBe(true);
      await waitForIdea(client, ideaId, inReview('screen'));

      const plain = await stagegate(settings, ...submitFlags, '--id', 'loyalty-plain');
      expect(plain).toMatchObject({ code: 0, stdout: 'loyalty-plain\n' });

      const shown = await stagegate(settings, 'idea', 'show', ideaId, '--json');
      expect(shown.code).toBe(0);
      expect(JSON.parse(shown.stdout)).toMatchObject({ ideaId, status: 'in-review', round: { gate: 'screen', round: 1 } });
      const human = await stagegate(settings, 'idea', 'show', ideaId);
      expect(human.stdout).toContain('Screen, round 1');
      expect(human.stdout).toMatch(/Hamid Karimi\s+hamid@cornerbakery.example\s+waiting/);

      const vote = ['gate', 'vote', ideaId, '--reviewer', HEAD_BAKER, '--decision', 'go', '--score', 'feasibility=4', '--score', 'impact=5', '--comment', 'Cheap to try'];
      const voted = await stagegate(settings, ...vote, '--json');
      expect(voted.code).toBe(0);
      expect(JSON.parse(voted.stdout)).toMatchObject({ reviewer: HEAD_BAKER, decision: 'go', round: 1, votesIn: 1, votesNeeded: 2 });

      // The same vote again is a retry: counted once, answered with the first receipt.
      const again = await stagegate(settings, ...vote, '--json');
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual(JSON.parse(voted.stdout));
      const changed = await stagegate(settings, 'gate', 'vote', ideaId, '--reviewer', HEAD_BAKER, '--decision', 'kill', '--score', 'feasibility=1', '--score', 'impact=1', '--json');
      expect(changed.code).toBe(1);
      expect(JSON.parse(changed.stdout)).toMatchObject({ error: { code: 'already-voted' } });
      expect(changed.stderr).toContain('already voted go');

      const outOfRange = await stagegate(settings, 'gate', 'vote', ideaId, '--reviewer', SHOP_MANAGER, '--decision', 'go', '--score', 'feasibility=9', '--score', 'impact=5');
      expect(outOfRange.code).toBe(2);
      expect(outOfRange.stderr).toContain('scores.feasibility: Too big');

      const badPair = await stagegate(settings, 'gate', 'vote', ideaId, '--reviewer', SHOP_MANAGER, '--decision', 'go', '--score', 'feasibility');
      expect(badPair.code).toBe(2);
      expect(badPair.stderr).toContain('expected criterion=score');

      await stagegate(settings, 'gate', 'vote', ideaId, '--reviewer', SHOP_MANAGER, '--decision', 'go', '--score', 'feasibility=5', '--score', 'impact=5');
      await waitForIdea(client, ideaId, inStage('build'));
      const listed = await stagegate(settings, 'idea', 'list', '--stage', 'build', '--json');
      expect(listed.code).toBe(0);
      // Visibility is eventually consistent; the idea shows up within moments.
      let ids = (JSON.parse(listed.stdout) as { ideaId: string }[]).map((summary) => summary.ideaId);
      for (let i = 0; i < 50 && !ids.includes(ideaId); i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        ids = (JSON.parse((await stagegate(settings, 'idea', 'list', '--stage', 'build', '--json')).stdout) as { ideaId: string }[]).map((s) => s.ideaId);
      }
      expect(ids).toContain(ideaId);

      const outbox = await stagegate(settings, 'outbox', 'list', '--idea', ideaId, '--json');
      expect(JSON.parse(outbox.stdout).map((message: { purpose: string }) => message.purpose)).toEqual(expect.arrayContaining(['idea-received', 'review-request', 'decision']));

      const unknown = await stagegate(settings, 'idea', 'show', 'no-such-idea');
      expect(unknown).toMatchObject({ code: 1 });
      expect(unknown.stderr).toContain('No idea "no-such-idea" is known.');
    });
  }, 180_000); // fourteen CLI processes, each a cold start of Node and the SDK: over a minute on two busy cores

  test('submit --file takes JSON or YAML, and flags win over it', async () => {
    await withStack(async ({ client, settings }) => {
      const file = join(settings.dataDir, 'idea.yaml');
      writeFileSync(
        file,
        [
          'title: Coffee and pastry of the month',
          'description: A monthly pairing proposed by our coffee supplier',
          'source: partner',
          'submitter: { email: beans@supplier.example, name: Bean Co }',
          'category: business-model',
          'strategicGoals: [More regulars]',
          'process: two-gates',
        ].join('\n'),
      );
      const run = await stagegate(settings, 'idea', 'submit', '--file', file, '--id', 'pairing', '--horizon', 'incremental', '--json');
      expect(run.code).toBe(0);
      const status = await waitForIdea(client, 'pairing', inReview('screen'));
      expect(status).toMatchObject({ title: 'Coffee and pastry of the month', source: 'partner', category: 'business-model', submitter: { email: 'beans@supplier.example' } });
    });
  });

  test('gate pending lists what waits on a reviewer; pilot record and pilot show carry KPI readings', async () => {
    await withStack(async ({ client, settings }) => {
      const reviewed = await client.submitIdea(idea({ title: 'Dessert platters' }));
      await waitForIdea(client, reviewed.ideaId, inReview('screen'));
      let pending: { ideaId: string; gate: string; round: number }[] = [];
      for (let i = 0; i < 50 && !pending.some((p) => p.ideaId === reviewed.ideaId); i++) {
        const run = await stagegate(settings, 'gate', 'pending', '--reviewer', SHOP_MANAGER, '--json');
        expect(run.code).toBe(0);
        pending = JSON.parse(run.stdout);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(pending).toEqual([expect.objectContaining({ ideaId: reviewed.ideaId, gate: 'screen', round: 1 })]);

      const piloted = await client.submitIdea(idea({ title: 'Pumpkin pastry', process: 'manual-pilot' }));
      await waitForIdea(client, piloted.ideaId, (s) => s.stage.pilot !== undefined);
      const recorded = await stagegate(settings, 'pilot', 'record', piloted.ideaId, '--kpi', 'weekly_sales=350', '--by', COUNTER, '--json');
      expect(recorded.code).toBe(0);
      expect(JSON.parse(recorded.stdout)).toEqual([expect.objectContaining({ kpi: 'weekly_sales', value: 350, level: 'alert', met: false })]);
      const bad = await stagegate(settings, 'pilot', 'record', piloted.ideaId, '--kpi', 'weekly_sales=lots', '--by', COUNTER);
      expect(bad.code).toBe(2);
      const unknown = await stagegate(settings, 'pilot', 'record', piloted.ideaId, '--kpi', 'footfall=3', '--by', COUNTER);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('"footfall" is not a KPI of this pilot');
      const shown = await stagegate(settings, 'pilot', 'show', piloted.ideaId);
      expect(shown.stdout).toMatch(/weekly_sales\s+Weekly sales\s+1\s+350 pastries\s+≥ 600\s+no/);
    });
  });

  test('an idea without a category is taken, as the help says; idea show lists similar ideas, and idea merge merges one', async () => {
    await withStack(async ({ client, settings }) => {
      const help = (await stagegate(settings, 'idea', 'submit', '--help')).stdout.replace(/\s+/g, ' ');
      expect(help).toContain('--title, --description, --source and --submitter are required');
      expect(help).toContain("--category <category> product | process | service | business-model (default: none; the first gate's reviewers set it)");
      const submit = (title: string, description: string) =>
        stagegate(settings, 'idea', 'submit', '--title', title, '--description', description, '--source', 'employee', '--submitter', 'maya@cornerbakery.example', '--process', 'two-gates');
      const survivor = (await submit('Half price for day-old bread', "Sell yesterday's loaves at half price in the first hour.")).stdout.trim();
      await waitForIdea(client, survivor, inReview('screen'));
      const duplicate = await submit("Discount on yesterday's bread", 'Offer day-old loaves at a discount instead of throwing them away.');
      expect(duplicate.code).toBe(0);
      const duplicateId = duplicate.stdout.trim();
      await waitForIdea(client, duplicateId, inReview('screen'));

      const shown = await stagegate(settings, 'idea', 'show', duplicateId);
      expect(shown.stdout).toContain('uncategorised, incremental');
      expect(shown.stdout).toContain('Similar open ideas when it was submitted:');
      expect(shown.stdout).toMatch(new RegExp(`${survivor}\\s+Half price for day-old bread\\s+0\\.\\d\\d`));

      const merged = await stagegate(settings, 'idea', 'merge', duplicateId, '--into', survivor, '--by', HEAD_BAKER, '--reason', 'Same discount');
      expect(merged).toMatchObject({ code: 0, stdout: `Merged ${duplicateId} into ${survivor}: its submitter is told and credited there.\n` });
      await waitForIdea(client, duplicateId, (status) => status.status === 'merged');
      expect((await stagegate(settings, 'idea', 'show', duplicateId)).stdout).toContain(`merged into Half price for day-old bread (${survivor})`);
      const listed = await stagegate(settings, 'idea', 'list', '--status', 'merged', '--json');
      expect(JSON.parse(listed.stdout).map((summary: { ideaId: string }) => summary.ideaId)).toEqual([duplicateId]);
      // Maya submitted both: she is the survivor's submitter already, so nobody new is credited.
      expect((await waitForIdea(client, survivor, (status) => status.timeline.some((entry) => entry.type === 'credited'))).credited).toEqual([]);
    });
  }, 150_000);

  test('bad usage exits 2, a failed operation 1, with the reason on stderr', async () => {
    await withStack(async ({ settings }) => {
      expect((await stagegate(settings, 'idea', 'frobnicate')).code).toBe(2);
      expect((await stagegate(settings, 'gate', 'vote', 'x', '--decision', 'go')).code).toBe(2);
      const missingTitle = await stagegate(settings, 'idea', 'submit', '--description', 'x', '--source', 'employee', '--submitter', 'a@b.example', '--category', 'product');
      expect(missingTitle.code).toBe(2);
      expect(missingTitle.stderr).toContain('idea: title:');

      const help = await stagegate(settings, 'gate', 'vote', '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--score <criterion=score>');

      const bad = join(settings.dataDir, 'bad-process.yaml');
      writeFileSync(bad, 'id: broken\nversion: 1\nname: Broken\nstages:\n  - id: one\n    name: One\n    duration: soon\n');
      const validated = await stagegate(settings, 'process', 'validate', bad);
      expect(validated.code).toBe(1);
      expect(validated.stderr).toContain(`${bad}: stages[0].duration: expected a duration like 3d, 12h, 30s, got "soon"`);

      const processes = await stagegate(settings, 'process', 'list', '--json');
      expect(JSON.parse(processes.stdout).map((p: { id: string }) => p.id).sort()).toEqual(
        readdirSync(FIXTURE_PROCESSES_DIR)
          .filter((file) => file.endsWith('.yaml'))
          .map((file) => file.replace(/\.yaml$/, ''))
          .sort(),
      );

      const settingsFile = join(settings.dataDir, 'stagegate.yaml');
      writeFileSync(settingsFile, 'taskQueue: ""\nupdateTimeout: forever\n');
      const badSettings = await stagegate(settings, '--config', settingsFile, 'idea', 'list');
      expect(badSettings.code).toBe(1);
      expect(badSettings.stderr).toContain(`${settingsFile}: taskQueue:`);
      expect(badSettings.stderr).toContain(`${settingsFile}: updateTimeout: expected a duration`);
    });
  });
});
