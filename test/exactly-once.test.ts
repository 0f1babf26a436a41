import { ideaWorkflowId } from '../workflows/messages';
import type { IdeaStatus, StageGateClient } from '../client/sdk';
import { COUNTER, HEAD_BAKER, OWNER, SHOP_MANAGER, eventually, idea, inReview, inStage, scores, waitForIdea, withStack, type Stack } from './helpers';

/**
 * Races against the real server: whatever reviewers, admins and double clicks do at once, each
 * gate round is decided exactly once, each vote is counted once or refused with a reason, and
 * what each caller was told matches what happened.
 */

const impact = scores(4, 'impact');

type Told = { ok: true; value: unknown } | { ok: false; code: string; message: string };

/** Runs the calls at the same moment and reports what each caller was told. */
async function atOnce(...calls: (() => Promise<unknown>)[]): Promise<Told[]> {
  const settled = await Promise.allSettled(calls.map((call) => call()));
  return settled.map((result) =>
    result.status === 'fulfilled' ? { ok: true, value: result.value } : { ok: false, code: (result.reason as { code?: string }).code ?? 'error', message: String((result.reason as Error).message) },
  );
}

async function historyEvents(client: StageGateClient, ideaId: string) {
  return (await client.client.workflow.getHandle(ideaWorkflowId(ideaId)).fetchHistory()).events!;
}

/** The decisions of one round, in the journey's state and in its timeline. */
function decisionsOf(status: IdeaStatus, gate: string, round = 1) {
  return {
    records: status.decisions.filter((decision) => decision.gate === gate && decision.round === round),
    events: status.timeline.filter((entry) => entry.type === 'decided' && entry.gate === gate && entry.round === round),
  };
}

async function inScreen(stack: Stack, process = 'race-any'): Promise<string> {
  const { ideaId } = await stack.client.submitIdea(idea({ process }));
  await waitForIdea(stack.client, ideaId, inReview('screen'));
  return ideaId;
}

describe('exactly once, against the real server', () => {
  test('two overrides at once: one decides, the other is refused saying who decided; nothing is left to close the next gate', () =>
    withStack(async (stack) => {
      const { client } = stack;
      const ideaId = await inScreen(stack, 'two-gates');
      const told = await atOnce(
        () => client.overrideDecision(ideaId, { by: OWNER, decision: 'go', reason: 'Cheap to try' }),
        () => client.overrideDecision(ideaId, { by: OWNER, decision: 'kill', reason: 'Not now' }),
      );
      expect(told.filter((t) => t.ok)).toHaveLength(1);
      const refused = told.find((t) => !t.ok) as Extract<Told, { ok: false }>;
      expect(refused.code).toBe('gate-closed');
      expect(refused.message).toMatch(/Screen round 1 was decided (go|kill) by olivia@cornerbakery.example at /);

      if (!told[0]!.ok) {
        // The kill came first: the idea ended, and the refused go changed nothing.
        const killed = await waitForIdea(client, ideaId, (s) => s.status === 'killed');
        expect(decisionsOf(killed, 'screen').records.map((record) => record.decision)).toEqual(['kill']);
        return;
      }
      const status = await waitForIdea(client, ideaId, inStage('build'));
      const { records, events } = decisionsOf(status, 'screen');
      expect(records.map((record) => record.decision)).toEqual(['go']);
      expect(events).toHaveLength(1);

      // The next gate opens and waits for its own reviewers: the refused decision did not linger.
      await client.markReady(ideaId, { by: COUNTER, notes: 'Plan done' });
      const final = await waitForIdea(client, ideaId, inReview('final'));
      expect(final.round).toMatchObject({ phase: 'open', votes: [] });
      expect(final.decisions).toHaveLength(1);
    }));

  test('an override racing the last vote: one of them decides, the other is refused', () =>
    withStack(async (stack) => {
      const { client } = stack;
      const ideaId = await inScreen(stack, 'two-gates');
      await client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: scores(4, 'feasibility', 'impact') });
      const told = await atOnce(
        () => client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'go', scores: scores(4, 'feasibility', 'impact') }),
        () => client.overrideDecision(ideaId, { by: OWNER, decision: 'kill', reason: 'Budget is gone' }),
      );
      expect(told.filter((t) => t.ok)).toHaveLength(1);
      expect(told.find((t) => !t.ok)).toMatchObject({ code: 'gate-closed' });
      const status = await waitForIdea(client, ideaId, (s) => s.decisions.length === 1 && s.round?.gate !== 'screen');
      const { records, events } = decisionsOf(status, 'screen');
      expect(records).toHaveLength(1);
      expect(events).toHaveLength(1);
      // What the winner was told is what was decided.
      if (told[0]!.ok) {
        expect(records[0]).toMatchObject({ decision: 'go', decidedBy: 'reviewers' });
        expect(status.timeline.filter((entry) => entry.type === 'vote_cast')).toHaveLength(2);
      } else {
        expect(records[0]).toMatchObject({ decision: 'kill', decidedBy: 'admin', actor: OWNER });
        expect(status.status).toBe('killed');
        expect(status.timeline.filter((entry) => entry.type === 'vote_cast')).toHaveLength(1);
      }
    }));

  test("two reviewers' votes milliseconds apart on a quorum-any gate: the first decides, the second is told the round is closed", () =>
    withStack(async (stack) => {
      const { client } = stack;
      const ideaId = await inScreen(stack);
      const told = await atOnce(
        () => client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: impact }),
        () => client.castVote(ideaId, { reviewer: SHOP_MANAGER, decision: 'kill', scores: scores(1, 'impact') }),
      );
      expect(told.filter((t) => t.ok)).toHaveLength(1);
      const counted = told.find((t) => t.ok) as Extract<Told, { ok: true }>;
      expect(counted.value).toMatchObject({ votesIn: 1, votesNeeded: 1 });
      const decided = (counted.value as { decided?: string; decision: string }).decided;
      expect(decided).toBe((counted.value as { decision: string }).decision);
      expect(told.find((t) => !t.ok)).toMatchObject({ code: 'gate-closed', message: expect.stringMatching(/Screen round 1 was decided/) });

      const status = await waitForIdea(client, ideaId, (s) => s.round?.gate !== 'screen');
      const { records, events } = decisionsOf(status, 'screen');
      expect(records).toHaveLength(1);
      expect(events).toHaveLength(1);
      expect(status.timeline.filter((entry) => entry.type === 'vote_cast')).toHaveLength(1);
      expect(records[0]!.decision).toBe(decided);
    }));

  test('the same vote twice at once (a double click) is counted once, and both get the first receipt', () =>
    withStack(async (stack) => {
      const { client } = stack;
      const ideaId = await inScreen(stack, 'two-gates');
      const vote = { reviewer: HEAD_BAKER, decision: 'go' as const, scores: scores(4, 'feasibility', 'impact'), comment: 'Cheap to try', via: 'link' as const };
      const told = await atOnce(() => client.castVote(ideaId, vote), () => client.castVote(ideaId, vote));
      expect(told.every((t) => t.ok)).toBe(true);
      expect((told[0] as { value: unknown }).value).toEqual((told[1] as { value: unknown }).value);
      // Again later, by another way in: still the first receipt, still one vote.
      const later = await client.castVote(ideaId, { ...vote, via: 'cli' });
      expect(later).toEqual((told[0] as { value: unknown }).value);
      await expect(client.castVote(ideaId, { ...vote, decision: 'kill' })).rejects.toMatchObject({ code: 'already-voted' });
      const status = await eventually(async () => {
        const now = await client.getIdea(ideaId);
        expect(now.timeline.filter((entry) => entry.type === 'vote_cast')).toHaveLength(1);
        return now;
      });
      expect(status.round!.votes).toHaveLength(1);
      const accepted = (await historyEvents(client, ideaId)).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes);
      // The same vote has the same update id, however it comes: one update in history.
      expect(accepted).toHaveLength(1);
    }));

  test('a vote racing the deadline: either it decides or it is refused, and the deadline decides; never both', () =>
    withStack(async (stack) => {
      const { client } = stack;
      // Several ideas, votes sent around each one's deadline, so both sides of the race are taken.
      const ideas = await Promise.all([0, 1, 2, 3, 4, 5].map(() => inScreen(stack, 'race-deadline')));
      const told = await Promise.all(
        ideas.map(async (ideaId, index) => {
          const status = await client.getIdea(ideaId);
          const at = Date.parse(status.round!.deadlineAt) - 300 + index * 120;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
          return (await atOnce(() => client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: impact })))[0]!;
        }),
      );
      for (const [index, ideaId] of ideas.entries()) {
        const status = await waitForIdea(client, ideaId, (s) => s.status === 'killed' || s.status === 'launched');
        const { records, events } = decisionsOf(status, 'screen');
        expect(records).toHaveLength(1);
        expect(events).toHaveLength(1);
        if (told[index]!.ok) {
          expect(records[0]).toMatchObject({ decision: 'go', decidedBy: 'reviewers' });
          expect(status.status).toBe('launched');
        } else {
          expect(told[index]).toMatchObject({ code: 'gate-closed' });
          expect(records[0]).toMatchObject({ decision: 'kill', decidedBy: 'deadline' });
        }
      }
    }));

  test('a hold racing a vote: one decides the round; an accepted hold always takes effect', () =>
    withStack(async (stack) => {
      const { client } = stack;
      const ideaId = await inScreen(stack);
      const [hold, vote] = await atOnce(
        () => client.hold(ideaId, { by: OWNER, reason: 'Waiting for the oven quote' }),
        () => client.castVote(ideaId, { reviewer: HEAD_BAKER, decision: 'go', scores: impact }),
      );
      expect(hold!.ok || vote!.ok).toBe(true);
      const status = await waitForIdea(client, ideaId, (s) => s.decisions.length === 1 && s.round?.gate !== 'screen' && (!hold!.ok || s.status === 'on-hold'));
      const { records, events } = decisionsOf(status, 'screen');
      expect(records).toHaveLength(1);
      expect(events).toHaveLength(1);
      if (hold!.ok && !vote!.ok) {
        expect(vote).toMatchObject({ code: 'gate-closed' });
        expect(records[0]).toMatchObject({ decision: 'hold', decidedBy: 'admin' });
      }
      if (vote!.ok) {
        expect(records[0]).toMatchObject({ decision: 'go', decidedBy: 'reviewers' });
        // The hold came after the decision: it parks the next stage, or is refused because the round had closed.
        if (hold!.ok) expect(status.hold).toMatchObject({ returnTo: 'stage' });
        else expect(hold).toMatchObject({ code: 'gate-closed' });
      }
    }));

  test('an override names its round: one meant for another round is refused', () =>
    withStack(async (stack) => {
      const { client } = stack;
      const ideaId = await inScreen(stack, 'two-gates');
      await expect(client.overrideDecision(ideaId, { by: OWNER, decision: 'go', reason: 'Old link', gate: 'screen', round: 2 })).rejects.toMatchObject({
        code: 'gate-closed',
        message: expect.stringContaining('Round 2 of Screen has not opened; round 1 is open now.'),
      });
      await expect(client.overrideDecision(ideaId, { by: OWNER, decision: 'go', reason: 'Wrong gate', gate: 'final', round: 1 })).rejects.toMatchObject({ code: 'gate-closed' });
      expect((await client.getIdea(ideaId)).decisions).toEqual([]);
    }));
});
