import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { routeIdea, routingSchema, type RoutedIdea } from '../config/routing';
import { SHIPPED_PROCESSES_DIR } from '../config/settings';
import { StageGateError, type IdeaSubmission, type StageGateClient } from '../client/sdk';
import type { IdeaJourneyInput } from '../workflows/state';
import { ideaWorkflowId } from '../workflows/messages';
import { cliEnv, runCli } from './cli-process';
import { COUNTER, HEAD_BAKER, OWNER, idea, testSettings, withStack } from './helpers';

const rules = routingSchema.parse([
  { id: 'radical', name: 'Radical ideas', when: { horizon: 'radical' }, process: 'stage-gate-full', champion: OWNER },
  { id: 'small', when: { horizon: 'incremental', estimatedCost: { atMost: 500 } }, process: 'express' },
  { id: 'cheap-anything', when: { estimatedCost: { atMost: 500 } }, process: 'express' },
  { id: 'partners', when: { source: ['partner', 'network'], category: 'service' }, process: 'smb-lite' },
  { id: 'bread', when: { campaign: 'less-waste-2027', strategicGoals: ['less-waste', 'new-customers'] }, process: 'express' },
  { id: 'default', process: 'smb-lite' },
]);

const plain: RoutedIdea = { horizon: 'incremental', source: 'employee', category: 'process', strategicGoals: [] };

describe('routing rules: first match wins, the last rule is the default', () => {
  test('two rules that both match: the first wins, and the later one is never judged', () => {
    const route = routeIdea(rules, { ...plain, estimatedCost: 200 })!;
    expect(route.rule.id).toBe('small');
    expect(route.why).toBe('horizon is incremental; estimatedCost 200 is at most 500');
    expect(route.skipped).toEqual([{ rule: 'radical', matched: false, why: 'horizon is incremental, not radical' }]);
  });

  test('an idea no condition fits goes to the default, with why each earlier rule did not match', () => {
    const route = routeIdea(rules, { ...plain, estimatedCost: 501 })!;
    expect(route.rule.id).toBe('default');
    expect(route.why).toBe('the default rule: no earlier rule matched');
    expect(route.skipped.map((verdict) => [verdict.rule, verdict.why])).toEqual([
      ['radical', 'horizon is incremental, not radical'],
      ['small', 'estimatedCost 501 is not at most 500'],
      ['cheap-anything', 'estimatedCost 501 is not at most 500'],
      ['partners', 'category is process, not service; source is employee, not partner or network'],
      ['bread', 'campaign is not given (the rule wants less-waste-2027); strategicGoals are none, not less-waste or new-customers'],
    ]);
  });

  test('each condition: the cost bounds include their own value, an idea without an estimate matches no cost rule, any listed value matches', () => {
    expect(routeIdea(rules, { ...plain, estimatedCost: 500 })!.rule.id).toBe('small');
    expect(routeIdea(rules, { ...plain })!.skipped.find((verdict) => verdict.rule === 'small')!.why).toBe('estimatedCost is not given (the rule wants at most 500)');
    expect(routeIdea(rules, { ...plain, horizon: 'radical', estimatedCost: 10 })).toMatchObject({ rule: { id: 'radical', champion: OWNER }, why: 'horizon is radical' });
    expect(routeIdea(rules, { ...plain, source: 'network', category: 'service' })!.rule.id).toBe('partners');
    expect(routeIdea(rules, { ...plain, campaign: 'less-waste-2027', strategicGoals: ['other', 'new-customers'] })).toMatchObject({ rule: { id: 'bread' }, why: 'campaign is less-waste-2027; strategicGoals include new-customers' });
    expect(routeIdea(routingSchema.parse([{ id: 'band', when: { estimatedCost: { atLeast: 100, atMost: 200 } }, process: 'express' }, { id: 'default', process: 'smb-lite' }]), { ...plain, estimatedCost: 100 })).toMatchObject({ rule: { id: 'band' }, why: 'estimatedCost 100 is at least 100 and at most 200' });
  });

  test('without rules nothing is routed (the SDK sends the idea to smb-lite)', () => {
    expect(routeIdea([], plain)).toBeUndefined();
  });
});

/** The journey input the SDK started the idea with, read from its history's first event. */
async function startedWith(client: StageGateClient, ideaId: string): Promise<IdeaJourneyInput> {
  const { events } = await client.client.workflow.getHandle(ideaWorkflowId(ideaId)).fetchHistory();
  const input = events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  return JSON.parse(Buffer.from(input.data!).toString('utf8')) as IdeaJourneyInput;
}

const unrouted = (overrides: Partial<IdeaSubmission> = {}): IdeaSubmission => {
  const { process: _process, champion: _champion, ...fields } = idea(overrides);
  return fields;
};

describe('routing in submitIdea', () => {
  jest.setTimeout(120_000);
  const routing = [
    { id: 'radical', name: 'Radical ideas', when: { horizon: 'radical' }, process: 'bakery-pilot', champion: HEAD_BAKER },
    { id: 'cheap', when: { estimatedCost: { atMost: 50 } }, process: 'long-review' },
    { id: 'default', process: 'two-gates' },
  ];

  test('an idea that names no process goes where the first matching rule says, with the rule and why recorded on it; a named process or champion wins', async () => {
    await withStack(async ({ client }) => {
      const radical = await client.submitIdea(unrouted({ horizon: 'radical', estimatedCost: 100 }));
      const radicalStart = await startedWith(client, radical.ideaId);
      expect(radicalStart.process.id).toBe('bakery-pilot');
      expect(radicalStart.idea.route).toEqual({ rule: 'radical', why: 'horizon is radical' });
      expect(radicalStart.idea.champion).toEqual({ email: HEAD_BAKER, name: 'Hamid Karimi' });
      expect((await client.getIdea(radical.ideaId)).process.id).toBe('bakery-pilot');

      const fallback = await startedWith(client, (await client.submitIdea(unrouted({ estimatedCost: 900 }))).ideaId);
      expect(fallback.process.id).toBe('two-gates');
      expect(fallback.idea.route).toEqual({ rule: 'default', why: 'the default rule: no earlier rule matched' });
      expect(fallback.idea.champion.email).toBe('grace@customer.example');

      const named = await startedWith(client, (await client.submitIdea(idea({ horizon: 'radical', process: 'two-gates' }))).ideaId);
      expect(named.process.id).toBe('two-gates');
      expect(named.idea.route).toBeUndefined();
      const championNamed = await startedWith(client, (await client.submitIdea({ ...unrouted({ horizon: 'radical' }), champion: { email: COUNTER, name: 'Leo Martin' } })).ideaId);
      expect(championNamed.process.id).toBe('bakery-pilot');
      expect(championNamed.idea.champion.email).toBe(COUNTER);
    }, testSettings({ routing }));
  });

  test('without rules an idea that names no process goes to smb-lite, with no route', async () => {
    await withStack(async ({ client }) => {
      const start = await startedWith(client, (await client.submitIdea(unrouted())).ideaId);
      expect(start.process.id).toBe('smb-lite');
      expect(start.idea.route).toBeUndefined();
    }, testSettings({ processesDir: SHIPPED_PROCESSES_DIR }));
  });

  test('a rule naming a process or champion that is not there is refused before anything starts, naming the field', async () => {
    await withStack(async ({ client }) => {
      const before = (await client.listIdeas()).length;
      const err = await client.submitIdea(unrouted()).catch((failed: unknown) => failed);
      expect(err).toBeInstanceOf(StageGateError);
      expect((err as StageGateError).code).toBe('config');
      expect((err as StageGateError).message).toMatch(/routing\[0\]\.process: no process "no-such-process" \(rule first\)/);
      expect((err as StageGateError).message).toMatch(/routing\[1\]\.champion: mallory@evil\.example \(rule default\) is not in the people directory/);
      expect((await client.listIdeas()).length).toBe(before);
    }, testSettings({ routing: [{ id: 'first', when: { horizon: 'radical' }, process: 'no-such-process' }, { id: 'default', process: 'two-gates', champion: 'mallory@evil.example' }] }));
  });
});

describe('stagegate process route', () => {
  jest.setTimeout(60_000);
  const folder = mkdtempSync(join(tmpdir(), 'stagegate-route-'));
  const file = (name: string, value: unknown) => {
    const path = join(folder, name);
    writeFileSync(path, typeof value === 'string' ? value : stringify(value));
    return path;
  };
  const settings = file('settings.yaml', {
    goals: [{ id: 'less-waste', name: 'Waste less' }],
    routing: [
      { id: 'radical', name: 'Radical ideas', when: { horizon: 'radical' }, process: 'stage-gate-full', champion: OWNER },
      { id: 'small', name: 'Small incremental ideas', when: { horizon: 'incremental', estimatedCost: { atMost: 500 } }, process: 'express' },
      { id: 'default', process: 'smb-lite' },
    ],
  });
  const env = { ...cliEnv(testSettings({ processesDir: SHIPPED_PROCESSES_DIR })), STAGEGATE_CONFIG: settings };
  const bread = { title: 'Day-old bread discount', description: "Sell yesterday's bread at half price.", source: 'employee', submitter: { email: 'maya@cornerbakery.example', name: 'Maya Chen' }, category: 'process', estimatedCost: 200, strategicGoals: ['less-waste'] };

  test('explains which rule matched and why, and why each earlier rule did not; exit 0', async () => {
    const run = await runCli(env, ['process', 'route', '--file', file('idea.yaml', bread)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Process express, by rule small (Small incremental ideas): horizon is incremental; estimatedCost 200 is at most 500.\nEarlier rules that did not match:\n  radical: horizon is incremental, not radical\n');
    const json = await runCli(env, ['process', 'route', '--file', file('radical.yaml', { ...bread, horizon: 'radical' }), '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ process: 'stage-gate-full', rule: 'radical', name: 'Radical ideas', champion: OWNER, why: 'horizon is radical', skipped: [] });
    const named = await runCli(env, ['process', 'route', '--file', file('named.yaml', { ...bread, process: 'smb-lite' })]);
    expect(named.stdout).toBe('Process smb-lite: the idea names its process (smb-lite), so routing does not apply.\n');
  });

  test('an idea file with a bad field, a goal the firm does not have, or no valid YAML is refused, naming the file and the field', async () => {
    const badHorizon = file('bad-horizon.yaml', { ...bread, horizon: 'sideways' });
    const bad = await runCli(env, ['process', 'route', '--file', badHorizon]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${badHorizon}: horizon: `);
    const badGoal = file('bad-goal.yaml', { ...bread, strategicGoals: ['less-waste', 'world-domination'] });
    const goal = await runCli(env, ['process', 'route', '--file', badGoal]);
    expect(goal.code).toBe(2);
    expect(goal.stderr).toContain(`${badGoal}: strategicGoals[1]: "world-domination" is not a strategic goal; the goals are less-waste`);
    const broken = file('broken.yaml', 'title: [unclosed');
    const yaml = await runCli(env, ['process', 'route', '--file', broken]);
    expect(yaml.code).not.toBe(0);
    expect(yaml.stderr).toContain(`${broken}: is not valid YAML`);
  });
});
