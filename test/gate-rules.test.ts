import type { Criterion, Decision } from '../config/process';
import { decideGate, isQuorumMet, knockOuts, type ScoredVote, votesNeeded, weightedScore } from '../workflows/gate-rules';

const OWNER = 'olivia@cornerbakery.example';
const HEAD_BAKER = 'hamid@cornerbakery.example';
const SHOP_MANAGER = 'sofia@cornerbakery.example';
const COUNTER = 'leo@cornerbakery.example';
const BAKER = 'maya@cornerbakery.example';
const ASSISTANT = 'ana@cornerbakery.example';

function vote(reviewer: string, decision: Decision, scores: Record<string, number>, conditions: string[] = []): ScoredVote {
  return { reviewer, decision, scores, conditions, comment: '' };
}

function criterion(id: string, weight: number, minimum?: number): Criterion {
  return minimum === undefined ? { id, label: id, weight } : { id, label: id, weight, minimum };
}

/** Feasibility is must-meet (minimum 3); impact is not. Equal weights, pass score 3. */
const screen = { criteria: [criterion('feasibility', 1, 3), criterion('impact', 1)], passScore: 3 };
const good = { feasibility: 4, impact: 4 };

describe('votesNeeded', () => {
  test('any: one vote, however many reviewers', () => {
    expect(votesNeeded('any', 1)).toBe(1);
    expect(votesNeeded('any', 5)).toBe(1);
  });

  test('all: every reviewer', () => {
    expect(votesNeeded('all', 1)).toBe(1);
    expect(votesNeeded('all', 4)).toBe(4);
  });

  test('majority of an odd number of reviewers: more than half', () => {
    expect(votesNeeded('majority', 1)).toBe(1);
    expect(votesNeeded('majority', 3)).toBe(2);
    expect(votesNeeded('majority', 5)).toBe(3);
  });

  test('majority of an even number of reviewers: more than half, so half is not enough', () => {
    expect(votesNeeded('majority', 2)).toBe(2);
    expect(votesNeeded('majority', 4)).toBe(3);
    expect(votesNeeded('majority', 6)).toBe(4);
  });

  test('atLeast N: N votes', () => {
    expect(votesNeeded({ atLeast: 1 }, 5)).toBe(1);
    expect(votesNeeded({ atLeast: 2 }, 5)).toBe(2);
    expect(votesNeeded({ atLeast: 3 }, 3)).toBe(3);
  });

  test('atLeast N with fewer than N reviewers: every reviewer', () => {
    expect(votesNeeded({ atLeast: 7 }, 3)).toBe(3);
  });
});

describe('isQuorumMet', () => {
  const v = (reviewer: string) => ({ reviewer });

  test('any: met by the first vote', () => {
    expect(isQuorumMet('any', 3, [])).toBe(false);
    expect(isQuorumMet('any', 3, [v(OWNER)])).toBe(true);
  });

  test('all: met only when every reviewer has voted', () => {
    expect(isQuorumMet('all', 3, [v(OWNER), v(HEAD_BAKER)])).toBe(false);
    expect(isQuorumMet('all', 3, [v(OWNER), v(HEAD_BAKER), v(SHOP_MANAGER)])).toBe(true);
  });

  test('majority of 3 reviewers: met at 2 votes', () => {
    expect(isQuorumMet('majority', 3, [v(OWNER)])).toBe(false);
    expect(isQuorumMet('majority', 3, [v(OWNER), v(HEAD_BAKER)])).toBe(true);
  });

  test('majority of 4 reviewers: 2 votes is a half, not a majority; met at 3', () => {
    expect(isQuorumMet('majority', 4, [v(OWNER), v(HEAD_BAKER)])).toBe(false);
    expect(isQuorumMet('majority', 4, [v(OWNER), v(HEAD_BAKER), v(SHOP_MANAGER)])).toBe(true);
  });

  test('atLeast 2 of 5 reviewers: met at 2 votes', () => {
    expect(isQuorumMet({ atLeast: 2 }, 5, [v(OWNER)])).toBe(false);
    expect(isQuorumMet({ atLeast: 2 }, 5, [v(OWNER), v(HEAD_BAKER)])).toBe(true);
  });

  test('atLeast 7 of 3 reviewers: met once all 3 have voted', () => {
    expect(isQuorumMet({ atLeast: 7 }, 3, [v(OWNER), v(HEAD_BAKER)])).toBe(false);
    expect(isQuorumMet({ atLeast: 7 }, 3, [v(OWNER), v(HEAD_BAKER), v(SHOP_MANAGER)])).toBe(true);
  });

  test('counts distinct reviewers: the same reviewer twice counts once', () => {
    expect(isQuorumMet('all', 2, [v(OWNER), v(OWNER)])).toBe(false);
    expect(isQuorumMet('majority', 3, [v(OWNER), v(OWNER)])).toBe(false);
    expect(isQuorumMet({ atLeast: 2 }, 5, [v(OWNER), v(OWNER), v(OWNER)])).toBe(false);
    expect(isQuorumMet('all', 2, [v(OWNER), v(OWNER), v(HEAD_BAKER)])).toBe(true);
  });
});

describe('weightedScore', () => {
  test('no votes: 0', () => {
    expect(weightedScore(screen.criteria, [])).toBe(0);
  });

  test('equal weights: the mean of the criteria means', () => {
    // feasibility mean (4 + 2) / 2 = 3, impact mean (5 + 5) / 2 = 5; (3 + 5) / 2 = 4
    const votes = [vote(OWNER, 'go', { feasibility: 4, impact: 5 }), vote(HEAD_BAKER, 'kill', { feasibility: 2, impact: 5 })];
    expect(weightedScore(screen.criteria, votes)).toBe(4);
  });

  test('weights 1 and 3 pull the score towards the heavier criterion', () => {
    const criteria = [criterion('feasibility', 1), criterion('impact', 3)];
    // (1 × 5 + 3 × 2) / (1 + 3) = 11 / 4 = 2.75, where unweighted it would be (5 + 2) / 2 = 3.5
    expect(weightedScore(criteria, [vote(OWNER, 'go', { feasibility: 5, impact: 2 })])).toBe(2.75);
  });

  test('averaged over every reviewer who voted, whatever their decision', () => {
    const criteria = [criterion('impact', 2)];
    // (2 + 3 + 5) / 3 = 3.333…
    const votes = [vote(OWNER, 'kill', { impact: 2 }), vote(HEAD_BAKER, 'hold', { impact: 3 }), vote(SHOP_MANAGER, 'go', { impact: 5 })];
    expect(weightedScore(criteria, votes)).toBe(3.33);
  });

  test('rounded to two decimals', () => {
    const criteria = [criterion('a', 1), criterion('b', 1), criterion('c', 1)];
    // (3 + 4 + 4) / 3 = 3.666… → 3.67
    expect(weightedScore(criteria, [vote(OWNER, 'go', { a: 3, b: 4, c: 4 })])).toBe(3.67);
  });
});

describe('knockOuts', () => {
  test('a score below a minimum is a knock-out; a score equal to it is not', () => {
    expect(knockOuts(screen.criteria, [vote(OWNER, 'go', { feasibility: 3, impact: 1 })])).toEqual([]);
    expect(knockOuts(screen.criteria, [vote(OWNER, 'go', { feasibility: 2, impact: 5 })])).toEqual([
      { criterion: 'feasibility', reviewer: OWNER, score: 2, minimum: 3 },
    ]);
  });

  test('criteria without a minimum never knock out', () => {
    expect(knockOuts([criterion('impact', 1)], [vote(OWNER, 'go', { impact: 1 })])).toEqual([]);
  });

  test('every knock-out, criterion by criterion, reviewer by reviewer', () => {
    const criteria = [criterion('results', 2, 3), criterion('financials', 1, 3), criterion('readiness', 1)];
    const votes = [
      vote(OWNER, 'go', { results: 2, financials: 1, readiness: 1 }),
      vote(HEAD_BAKER, 'go', { results: 4, financials: 2, readiness: 1 }),
      vote(SHOP_MANAGER, 'go', { results: 5, financials: 5, readiness: 1 }),
    ];
    expect(knockOuts(criteria, votes)).toEqual([
      { criterion: 'results', reviewer: OWNER, score: 2, minimum: 3 },
      { criterion: 'financials', reviewer: OWNER, score: 1, minimum: 3 },
      { criterion: 'financials', reviewer: HEAD_BAKER, score: 2, minimum: 3 },
    ]);
  });
});

describe('decideGate', () => {
  describe('go', () => {
    test('a single go above the pass score', () => {
      const outcome = decideGate(screen, [vote(OWNER, 'go', good)]);
      expect(outcome).toEqual({
        decision: 'go',
        score: 4,
        knockOuts: [],
        conditions: [],
        reasons: ['Most reviewers voted to go on (1 of 1) with a weighted score of 4 (pass score 3).'],
        tally: { go: 1, 'conditional-go': 0, kill: 0, hold: 0, recycle: 0 },
      });
    });

    test('the most-voted course wins even without an absolute majority', () => {
      // go 2, kill 1, hold 1, recycle 1
      const votes = [
        vote(OWNER, 'go', good),
        vote(HEAD_BAKER, 'go', good),
        vote(SHOP_MANAGER, 'kill', good),
        vote(COUNTER, 'hold', good),
        vote(BAKER, 'recycle', good),
      ];
      const outcome = decideGate(screen, votes);
      expect(outcome.decision).toBe('go');
      expect(outcome.reasons).toEqual(['Most reviewers voted to go on (2 of 5) with a weighted score of 4 (pass score 3).']);
    });
  });

  describe('weights', () => {
    const votes = [vote(OWNER, 'go', { feasibility: 5, impact: 2 }), vote(HEAD_BAKER, 'go', { feasibility: 5, impact: 2 })];

    test('with equal weights the idea passes', () => {
      // (5 + 2) / 2 = 3.5 ≥ 3
      const outcome = decideGate({ criteria: [criterion('feasibility', 1), criterion('impact', 1)], passScore: 3 }, votes);
      expect(outcome.score).toBe(3.5);
      expect(outcome.decision).toBe('go');
    });

    test('weighting impact 3 to 1 sends the same votes back for rework', () => {
      // (1 × 5 + 3 × 2) / 4 = 2.75 < 3
      const outcome = decideGate({ criteria: [criterion('feasibility', 1), criterion('impact', 3)], passScore: 3 }, votes);
      expect(outcome.score).toBe(2.75);
      expect(outcome.decision).toBe('recycle');
      expect(outcome.reasons).toEqual(['The weighted score 2.75 is below the pass score 3: the idea goes back for rework.']);
    });
  });

  describe('pass score', () => {
    // The pilot gate of smb-lite: results weigh double, pass score 3.5.
    const launch = { criteria: [criterion('results', 2), criterion('readiness', 1), criterion('alignment', 1)], passScore: 3.5 };

    test('a score exactly at the pass score is a go', () => {
      // (2 × 4 + 3 + 3) / 4 = 14 / 4 = 3.5
      const outcome = decideGate(launch, [vote(OWNER, 'go', { results: 4, readiness: 3, alignment: 3 })]);
      expect(outcome.score).toBe(3.5);
      expect(outcome.decision).toBe('go');
    });

    test('a score just below the pass score is a recycle, with the reason', () => {
      // (2 × 4 + 3 + 2) / 4 = 13 / 4 = 3.25
      const outcome = decideGate(launch, [vote(OWNER, 'go', { results: 4, readiness: 3, alignment: 2 })]);
      expect(outcome).toMatchObject({
        decision: 'recycle',
        score: 3.25,
        conditions: [],
        reasons: ['The weighted score 3.25 is below the pass score 3.5: the idea goes back for rework.'],
      });
    });
  });

  describe('must-meet veto', () => {
    test('one reviewer below a minimum turns a go majority into a recycle, naming the criterion', () => {
      // feasibility (4 + 4 + 2) / 3 = 10/3, impact (5 + 5 + 4) / 3 = 14/3; (10/3 + 14/3) / 2 = 4 ≥ 3
      const votes = [
        vote(OWNER, 'go', { feasibility: 4, impact: 5 }),
        vote(HEAD_BAKER, 'go', { feasibility: 4, impact: 5 }),
        vote(SHOP_MANAGER, 'kill', { feasibility: 2, impact: 4 }),
      ];
      expect(decideGate(screen, votes)).toEqual({
        decision: 'recycle',
        score: 4,
        knockOuts: [{ criterion: 'feasibility', reviewer: SHOP_MANAGER, score: 2, minimum: 3 }],
        conditions: [],
        reasons: [
          `Must-meet criterion "feasibility" scored 2 by ${SHOP_MANAGER}, below its minimum of 3.`,
          'A go is not possible while a must-meet criterion is below its minimum: the idea goes back for rework.',
        ],
        tally: { go: 2, 'conditional-go': 0, kill: 1, hold: 0, recycle: 0 },
      });
    });

    test('a knock-out also rules out a conditional go, and its conditions are dropped', () => {
      const votes = [vote(OWNER, 'conditional-go', { feasibility: 1, impact: 5 }, ['Cost the recipe'])];
      const outcome = decideGate(screen, votes);
      expect(outcome.decision).toBe('recycle');
      expect(outcome.conditions).toEqual([]);
    });

    test('a knock-out does not change a kill majority', () => {
      const votes = [vote(OWNER, 'kill', { feasibility: 1, impact: 1 }), vote(HEAD_BAKER, 'kill', good), vote(SHOP_MANAGER, 'go', good)];
      const outcome = decideGate(screen, votes);
      expect(outcome.decision).toBe('kill');
      expect(outcome.knockOuts).toEqual([{ criterion: 'feasibility', reviewer: OWNER, score: 1, minimum: 3 }]);
    });
  });

  describe('ties', () => {
    test('go against kill, one each: hold', () => {
      const outcome = decideGate(screen, [vote(OWNER, 'go', good), vote(HEAD_BAKER, 'kill', good)]);
      expect(outcome).toMatchObject({
        decision: 'hold',
        conditions: [],
        reasons: ['The reviewers were split (go / kill, 1 each): the idea is on hold until an admin settles it.'],
      });
    });

    test('a conditional go counts as a go in the tie', () => {
      const outcome = decideGate(screen, [vote(OWNER, 'conditional-go', good, ['Cost the recipe']), vote(HEAD_BAKER, 'kill', good)]);
      expect(outcome.decision).toBe('hold');
      expect(outcome.conditions).toEqual([]);
    });

    test('a three-way tie: hold', () => {
      // go 1 + conditional go 1 = 2, kill 2, hold 2
      const votes = [
        vote(OWNER, 'go', good),
        vote(HEAD_BAKER, 'conditional-go', good, ['Cost the recipe']),
        vote(SHOP_MANAGER, 'kill', good),
        vote(COUNTER, 'kill', good),
        vote(BAKER, 'hold', good),
        vote(ASSISTANT, 'hold', good),
      ];
      expect(decideGate(screen, votes)).toEqual({
        decision: 'hold',
        score: 4,
        knockOuts: [],
        conditions: [],
        reasons: ['The reviewers were split (go / kill / hold, 2 each): the idea is on hold until an admin settles it.'],
        tally: { go: 1, 'conditional-go': 1, kill: 2, hold: 2, recycle: 0 },
      });
    });

    test('a tie between kill and recycle: hold', () => {
      const outcome = decideGate(screen, [vote(OWNER, 'kill', good), vote(HEAD_BAKER, 'recycle', good)]);
      expect(outcome.decision).toBe('hold');
      expect(outcome.reasons).toEqual(['The reviewers were split (kill / recycle, 1 each): the idea is on hold until an admin settles it.']);
    });
  });

  describe('conditional go', () => {
    test('go and conditional go together outvote kill: a conditional go with every condition, once each', () => {
      const votes = [
        vote(OWNER, 'go', good),
        vote(HEAD_BAKER, 'conditional-go', good, ['Cost the recipe', 'Check the allergens']),
        vote(SHOP_MANAGER, 'conditional-go', good, ['Check the allergens', 'Ask the landlord']),
        vote(COUNTER, 'kill', good),
      ];
      expect(decideGate(screen, votes)).toEqual({
        decision: 'conditional-go',
        score: 4,
        knockOuts: [],
        conditions: ['Cost the recipe', 'Check the allergens', 'Ask the landlord'],
        reasons: ['Most reviewers voted to go on (3 of 4) with a weighted score of 4 (pass score 3).'],
        tally: { go: 1, 'conditional-go': 2, kill: 1, hold: 0, recycle: 0 },
      });
    });

    test('one conditional go is enough to make the go conditional', () => {
      // go 1 + conditional go 1 = 2 against kill 1
      const votes = [vote(OWNER, 'go', good), vote(HEAD_BAKER, 'conditional-go', good, ['Cost the recipe']), vote(SHOP_MANAGER, 'kill', good)];
      const outcome = decideGate(screen, votes);
      expect(outcome.decision).toBe('conditional-go');
      expect(outcome.conditions).toEqual(['Cost the recipe']);
    });

    test('below the pass score a conditional go is recycled and its conditions dropped', () => {
      // (3 + 2) / 2 = 2.5 < 3
      const outcome = decideGate(screen, [vote(OWNER, 'conditional-go', { feasibility: 3, impact: 2 }, ['Cost the recipe'])]);
      expect(outcome).toMatchObject({ decision: 'recycle', score: 2.5, conditions: [] });
    });
  });

  describe('kill, hold and recycle majorities', () => {
    test('kill majority: kill, whatever the score', () => {
      const votes = [vote(OWNER, 'kill', { feasibility: 5, impact: 5 }), vote(HEAD_BAKER, 'kill', good), vote(SHOP_MANAGER, 'go', good)];
      expect(decideGate(screen, votes)).toMatchObject({
        decision: 'kill',
        conditions: [],
        reasons: ['Most reviewers voted kill (2 of 3).'],
        tally: { go: 1, 'conditional-go': 0, kill: 2, hold: 0, recycle: 0 },
      });
    });

    test('hold majority: hold', () => {
      const votes = [vote(OWNER, 'hold', good), vote(HEAD_BAKER, 'hold', good), vote(SHOP_MANAGER, 'recycle', good)];
      expect(decideGate(screen, votes)).toMatchObject({ decision: 'hold', reasons: ['Most reviewers voted hold (2 of 3).'] });
    });

    test('recycle majority: recycle', () => {
      const votes = [
        vote(OWNER, 'recycle', good),
        vote(HEAD_BAKER, 'recycle', good),
        vote(SHOP_MANAGER, 'conditional-go', good, ['Cost the recipe']),
      ];
      expect(decideGate(screen, votes)).toMatchObject({
        decision: 'recycle',
        conditions: [],
        reasons: ['Most reviewers voted recycle (2 of 3).'],
      });
    });
  });
});
