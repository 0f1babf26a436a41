import { SHIPPED_PROCESSES_DIR } from '../config/settings';
import { COUNTER, driveToLaunch, idea, testSettings, withStack } from './helpers';

describe('every shipped process template carries an idea to launch', () => {
  const expectedGates: Record<string, string[]> = {
    express: ['quick-decision'],
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
      expect(events.map((event) => event.type).slice(-2)).toEqual(['launched', 'recognised']);
      // Every shipped template but the express lane runs a pilot on the way (ended here by a reading past its kill line).
      expect(events.filter((event) => event.type === 'pilot_ended').map((event) => event.detail.reason)).toEqual(processId === 'express' ? [] : ['kill-threshold']);
      const thanked = (await store.outbox({ ideaId })).filter((message) => message.purpose === 'recognition').map((message) => message.to.email);
      expect(thanked.sort()).toEqual(['grace@customer.example', COUNTER].sort());
    }, testSettings({ processesDir: SHIPPED_PROCESSES_DIR }));
  });
});
