import { HEAD_BAKER, OWNER, SHOP_MANAGER, COUNTER, eventually, idea, inReview, messageTo, waitForIdea, withStack } from './helpers';

describe('workflow timers (second-long durations)', () => {
  test('reminders go to reviewers who have not voted, then the deadline escalates and applies the default', async () => {
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'fast-timers' }));
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: { impact: 4 } });

      // Deadline 4s with reminders every 1.5s: reminders at 1.5s and 3s to Sofia only, escalation at 4s.
      const outcome = await client.outcome(ideaId);
      expect(outcome).toMatchObject({ status: 'killed' });

      const reminders = (await store.outbox({ ideaId })).filter((message) => message.purpose === 'review-reminder');
      expect(reminders.map((message) => message.to.email)).toEqual([SHOP_MANAGER, SHOP_MANAGER]);
      const escalation = await messageTo(store, ideaId, OWNER, 'escalation');
      expect(escalation.text).toContain('Still waiting on: Sofia Rossi');

      const events = await store.events({ ideaId });
      expect(events.map((event) => event.type)).toEqual([
        'submitted',
        'stage_entered',
        'gate_opened',
        'vote_cast',
        'reminder_sent',
        'reminder_sent',
        'escalated',
        'decided',
        'killed',
      ]);
      const opened = Date.parse(events.find((event) => event.type === 'gate_opened')!.at);
      const escalated = Date.parse(events.find((event) => event.type === 'escalated')!.at);
      expect(escalated - opened).toBeGreaterThanOrEqual(4000);
      expect(events.find((event) => event.type === 'decided')!.detail).toMatchObject({ decision: 'kill', decidedBy: 'deadline' });
      // Everyone concerned hears the default decision: the submitter, the champion and the reviewers.
      for (const person of ['grace@customer.example', COUNTER, HEAD_BAKER, SHOP_MANAGER]) {
        expect((await store.outbox({ ideaId, to: person })).map((message) => message.purpose)).toContain('decision');
      }
    });
  });

  test('reminders stop once everyone has voted', async () => {
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'fast-timers' }));
      await waitForIdea(client, ideaId, inReview('screen'));
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'kill', scores: { impact: 1 } });
      await client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'kill', scores: { impact: 2 } });
      await client.outcome(ideaId);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect((await store.outbox({ ideaId })).filter((message) => ['review-reminder', 'escalation'].includes(message.purpose))).toEqual([]);
    });
  });

  test('an overrunning stage reminds its champion, and a hold comes back at its revisit date', async () => {
    await withStack(async ({ client, store }) => {
      const { ideaId } = await client.submitIdea(idea({ process: 'slow-stage' }));
      const reminder = await messageTo(store, ideaId, COUNTER, 'stage-overrun');
      expect(reminder.subject).toContain('Reminder: Build');

      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan' });
      await waitForIdea(client, ideaId, inReview('final'));
      await client.castVote(ideaId, { reviewer: OWNER, decision: 'hold', scores: { impact: 3 }, comment: 'Ask again after the rush' });
      await waitForIdea(client, ideaId, (status) => status.status === 'on-hold');
      // revisitAfter is 2s: the gate comes back by itself with a new round.
      await waitForIdea(client, ideaId, inReview('final', 2), 10_000);
      await eventually(async () => expect((await store.events({ ideaId })).find((event) => event.type === 'resumed')?.detail).toEqual({ reason: 'the revisit date came' }));
    });
  });
});
