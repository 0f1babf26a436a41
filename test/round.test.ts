import type { ResolvedGate } from '../config/process';
import type { Vote } from '../workflows/inputs';
import { addVote, closedReason, closeRound, openRound, receiptFor, sameVote } from '../workflows/round';

const HEAD_BAKER = 'hamid@cornerbakery.example';
const SHOP_MANAGER = 'sofia@cornerbakery.example';

const gate = {
  id: 'screen',
  name: 'Screen',
  reviewers: [
    { email: HEAD_BAKER, name: 'Hamid Karimi' },
    { email: SHOP_MANAGER, name: 'Sofia Rossi' },
  ],
  criteria: [{ id: 'impact', label: 'Impact', weight: 1 }],
  quorum: 'all',
} as unknown as ResolvedGate;

const vote = (reviewer: string, overrides: Partial<Vote> = {}): Vote => ({ reviewer, decision: 'go', scores: { impact: 4 }, comment: '', conditions: [], via: 'sdk', ...overrides });
const fresh = () => openRound(gate, 1, '2026-12-01T09:00:00.000Z', '2026-12-03T09:00:00.000Z', undefined);

describe('a gate round: open → closing → closed', () => {
  test('an open round takes what is aimed at it, and refuses what is aimed at another round or gate', () => {
    const round = fresh();
    expect(round).toMatchObject({ phase: 'open', votesNeeded: 2, votes: [] });
    expect(closedReason(round, undefined, {}, 'in-review')).toBeUndefined();
    expect(closedReason(round, undefined, { gate: 'screen', round: 1 }, 'in-review')).toBeUndefined();
    expect(closedReason(round, undefined, { round: 2 }, 'in-review')).toBe('Round 2 of Screen has not opened; round 1 is open now.');
    expect(closedReason(round, undefined, { gate: 'final' }, 'in-review')).toMatch(/meant for the gate final, which is not open; Screen round 1 is open now/);
  });

  test('closing a round refuses everything after, saying who decided what and when', () => {
    const round = fresh();
    addVote(round, vote(HEAD_BAKER), '2026-12-01T10:00:00.000Z');
    const decision = closeRound(round, { decision: 'kill', decidedBy: 'admin', actor: 'olivia@cornerbakery.example', reasons: ['Budget is gone'], conditions: [] }, '2026-12-01T10:00:01.000Z');
    expect(round.phase).toBe('closing');
    expect(decision).toMatchObject({ gate: 'screen', round: 1, decision: 'kill', comments: [{ reviewer: 'Hamid Karimi', decision: 'go', comment: '' }] });
    expect(closedReason(round, decision, {}, 'in-review')).toBe('Screen round 1 was decided kill by olivia@cornerbakery.example at 2026-12-01T10:00:01.000Z; the round is closed.');
    // Once the round is gone, the last decision still says what happened.
    expect(closedReason(undefined, decision, {}, 'in-stage')).toBe('No gate round is open: Screen round 1 was decided kill by olivia@cornerbakery.example at 2026-12-01T10:00:01.000Z.');
    expect(closedReason(undefined, undefined, {}, 'in-stage')).toBe('No gate round is open: the idea is in-stage.');
  });

  test('votes are counted with their receipt; the vote that closes the round says what it decided', () => {
    const round = fresh();
    const first = addVote(round, vote(HEAD_BAKER), '2026-12-01T10:00:00.000Z');
    expect(round.reviewers.find((person) => person.email === HEAD_BAKER)!.voted).toBe(true);
    expect(receiptFor('idea-1', round, first)).toEqual({ ideaId: 'idea-1', gate: 'screen', round: 1, reviewer: HEAD_BAKER, decision: 'go', castAt: '2026-12-01T10:00:00.000Z', votesIn: 1, votesNeeded: 2 });
    const last = addVote(round, vote(SHOP_MANAGER), '2026-12-01T10:05:00.000Z');
    closeRound(round, { decision: 'go', decidedBy: 'reviewers', reasons: [], conditions: [] }, '2026-12-01T10:05:00.000Z');
    expect(receiptFor('idea-1', round, last)).toMatchObject({ decided: 'go', votesIn: 2 });
    expect(receiptFor('idea-1', round, first)).not.toHaveProperty('decided');
  });

  test('the same vote again is recognised as a retry, a different one is not', () => {
    const round = fresh();
    addVote(round, vote(HEAD_BAKER, { scores: { impact: 4 }, comment: 'Cheap' }), '2026-12-01T10:00:00.000Z');
    expect(sameVote(round, vote(HEAD_BAKER, { scores: { impact: 4 }, comment: 'Cheap', via: 'link' }))).toMatchObject({ reviewer: HEAD_BAKER });
    expect(sameVote(round, vote(HEAD_BAKER, { scores: { impact: 5 }, comment: 'Cheap' }))).toBeUndefined();
    expect(sameVote(round, vote(HEAD_BAKER, { decision: 'kill', comment: 'Cheap' }))).toBeUndefined();
    expect(sameVote(round, vote(SHOP_MANAGER))).toBeUndefined();
  });
});
