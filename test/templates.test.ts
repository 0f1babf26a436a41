import { SHIPPED_PROCESSES_DIR } from '../config/settings';
import { COUNTER, HEAD_BAKER, OWNER, SHOP_MANAGER, driveToLaunch, eventually, idea, inReview, inStage, testSettings, waitForIdea, withStack } from './helpers';
import { get, withWeb } from './web-helpers';

describe('every shipped process template carries an idea to launch', () => {
  const expectedGates: Record<string, string[]> = {
    express: ['quick-decision'],
    discovery: ['hypothesis-review', 'learning-review'],
    'smb-lite': ['idea-screen', 'go-to-pilot', 'go-to-launch'],
    'stage-gate-full': ['idea-screen', 'second-screen', 'go-to-development', 'go-to-testing', 'go-to-launch'],
  };

  test.each(Object.keys(expectedGates))('%s', async (processId) => {
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: processId, champion: { email: COUNTER, name: 'Leo Martin' } }));
      expect(await driveToLaunch(client, ideaId)).toEqual(expectedGates[processId]);
      expect(await client.outcome(ideaId)).toMatchObject({ ideaId, status: 'launched' });
      const events = await store.events({ ideaId });
      expect(events.filter((event) => event.type === 'decided').map((event) => event.detail.decision)).toEqual(expectedGates[processId]!.map(() => 'go'));
      expect(events.map((event) => event.type).slice(-3)).toEqual(['launched', 'recognised', 'recognised']);
      // Every shipped template but the express lane runs a pilot on the way (ended here by a reading past its kill line).
      expect(events.filter((event) => event.type === 'pilot_ended').map((event) => event.detail.reason)).toEqual(processId === 'express' ? [] : ['kill-threshold']);
      const thanked = (await store.outbox({ ideaId })).filter((message) => message.purpose === 'recognition').map((message) => message.to.email);
      expect(thanked.sort()).toEqual(['grace@customer.example', COUNTER].sort());
    }, testSettings({ processesDir: SHIPPED_PROCESSES_DIR }));
  });
});

describe('the discovery track judges what was learned: persevere, pivot with a revised hypothesis, stop', () => {
  jest.setTimeout(180_000);
  const goals = [{ id: 'new-customers', name: 'New customers', description: 'Bring in people who do not shop with us yet' }];

  test('a radical idea perseveres past its hypothesis, pivots after its experiment, and is stopped after the revised one, in the track\'s own words', async () => {
    await withWeb(async ({ client, store, links }) => {
      const { ideaId } = await client.submitIdea(idea({ title: 'Bread subscriptions', horizon: 'radical', process: 'discovery', strategicGoals: ['new-customers'], champion: { email: COUNTER, name: 'Leo Martin' } }));
      await waitForIdea(client, ideaId, inStage('hypothesis'));
      await client.markReady(ideaId, { by: COUNTER, notes: 'Hypothesis: office workers nearby will pay monthly for a loaf a day. Wrong if fewer than 5 sign up in two weeks.' });
      await waitForIdea(client, ideaId, inReview('hypothesis-review'));

      // The review page offers the track's decisions and shows the goals the idea claims beside alignment.
      const page = await get(links.review(ideaId, 'hypothesis-review', 1, HEAD_BAKER));
      expect(page.status).toBe(200);
      for (const word of ['Persevere', 'Pivot', 'Stop']) expect(page.body).toContain(`<span>${word}<small>`);
      expect(page.body).not.toContain('<span>Recycle<small>');
      expect(page.body).toContain('The idea says it serves:</p>');
      expect(page.body).toContain('<strong>New customers</strong>: Bring in people who do not shop with us yet');

      const good = (gate: string) => Object.fromEntries(client.processes().get('discovery')!.stages.find((stage) => stage.gate?.id === gate)!.gate!.criteria.map((criterion) => [criterion.id, 4]));
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: good('hypothesis-review'), comment: 'Clear, and cheap to test' });

      // The experiment is the pilot: no sign-up in its first week ends it early, and that is evidence too.
      await waitForIdea(client, ideaId, (s) => s.stage.id === 'experiment' && s.stage.pilot !== undefined);
      await client.recordKpiReading(ideaId, { kpi: 'signups', value: 0, by: COUNTER, note: 'Nobody signed up at the counter' });
      await waitForIdea(client, ideaId, inReview('learning-review'));
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'recycle', scores: good('learning-review'), comment: 'Pivot: offices did not bite; try parents at the school gate' });
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'recycle', scores: good('learning-review'), comment: 'Pivot to the school run' });
      const pivoted = await eventually(async () => {
        const found = (await store.outbox({ ideaId, to: 'grace@customer.example' })).find((message) => message.subject.includes('Learning review decided pivot'));
        if (!found) throw new Error('no pivot decision message yet');
        return found;
      });
      expect(pivoted.text).toContain('(pivot): Pivot: offices did not bite');

      // Pivot: back to the experiment with a revised hypothesis, and a second run of it, judged in round 2.
      const rework = await waitForIdea(client, ideaId, (s) => inStage('experiment')(s) && s.stage.pilot?.run === 2);
      expect(rework.decisions.map((decision) => decision.decision)).toEqual(['go', 'recycle']);
      await client.markReady(ideaId, { by: COUNTER, notes: 'Revised hypothesis: parents will pre-order a loaf for the school run.' });
      await client.recordKpiReading(ideaId, { kpi: 'signups', value: 0, by: COUNTER, note: 'No parent pre-ordered either' });
      await waitForIdea(client, ideaId, inReview('learning-review', 2));
      const round2 = await get(links.review(ideaId, 'learning-review', 2, SHOP_MANAGER));
      expect(round2.body).toContain('Learning review, round 1: Pivot</strong>');
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'kill', scores: good('learning-review'), comment: 'Stop: two sign-ups is evidence against it', round: 2 });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'kill', scores: good('learning-review'), comment: 'Stop', round: 2 });

      expect(await client.outcome(ideaId)).toMatchObject({ status: 'killed' });
      await eventually(async () => expect((await store.outbox({ ideaId, to: 'grace@customer.example' })).filter((message) => message.purpose === 'decision').map((message) => message.subject)).toEqual([
        '"Bread subscriptions": Hypothesis review decided persevere',
        '"Bread subscriptions": Learning review decided pivot',
        '"Bread subscriptions": Learning review decided stop',
      ]));
      const events = await store.events({ ideaId });
      expect(events.filter((event) => event.type === 'decided').map((event) => [event.gate, event.round, event.detail.decision])).toEqual([
        ['hypothesis-review', 1, 'go'],
        ['learning-review', 1, 'recycle'],
        ['learning-review', 2, 'kill'],
      ]);
      expect(events.filter((event) => event.type === 'stage_entered').map((event) => [event.stage, event.detail.rework])).toEqual([
        ['hypothesis', false],
        ['experiment', false],
        ['experiment', true],
      ]);
      expect(events.filter((event) => event.type === 'pilot_ended').map((event) => event.detail.reason)).toEqual(['kill-threshold', 'kill-threshold']);
    }, 1000, testSettings({ processesDir: SHIPPED_PROCESSES_DIR, goals }));
  });
});
