import type { StoredEvent } from '../store';
import type { Decision } from '../config/process';
import {
  cycleTimes,
  decisionMix,
  funnel,
  ideasBySource,
  implementation,
  killRate,
  launchedIdeasValue,
  participation,
  pilotOutcomes,
  portfolio,
  REPORTS,
  reportRangeSchema,
  runReport,
  scoreDistribution,
  timeToDecision,
  toCsv,
  type EventSource,
} from '../reports';
import { percentile, summariseDurations } from '../reports/statistics';
import type { KpiSummary } from '../workflows/kpi-rules';
import type { DecidedBy, DecisionAuthority, EventType } from '../workflows/state';

const OWNER = 'olivia@cornerbakery.example';
const HEAD_BAKER = 'hamid@cornerbakery.example';
const SHOP_MANAGER = 'sofia@cornerbakery.example';
const SCREENERS = [HEAD_BAKER, SHOP_MANAGER];
const PILOT_DECIDERS = [OWNER, HEAD_BAKER];
const LAUNCH_DECIDERS = [OWNER, HEAD_BAKER, SHOP_MANAGER];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A time in the bakery's autumn: at('10-04', 13) is 4 October 2026, 13:00 UTC. */
function at(day: string, hour = 9): string {
  return `2026-${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;
}

/** One idea's events, written the way the idea journey records them (workflows/idea.ts). */
class Journey {
  readonly events: StoredEvent[] = [];
  private stage?: string;
  private round?: { gate: string; round: number };
  private readonly rounds = new Map<string, number>();

  constructor(
    readonly ideaId: string,
    private readonly source: string,
    private readonly process = 'smb-lite',
  ) {}

  private add(type: EventType, time: string, detail: Record<string, unknown> = {}, actor?: string): this {
    const seq = this.events.length + 1;
    this.events.push({
      id: `${this.ideaId}:${seq}`,
      ideaId: this.ideaId,
      seq,
      type,
      at: time,
      process: this.process,
      processVersion: 1,
      source: this.source,
      stage: this.stage,
      gate: this.round?.gate,
      round: this.round?.round,
      actor,
      detail,
    });
    return this;
  }

  submit(time: string, by: string, title: string, estimates: { estimatedCost?: number; estimatedBenefit?: number; strategicGoals?: string[] } = {}): this {
    this.stage = 'idea';
    return this.add('submitted', time, { title, category: 'product', submitter: by, champion: by, ...estimates }, by).enter('idea', time);
  }

  enter(stage: string, time: string, rework = false): this {
    this.stage = stage;
    return this.add('stage_entered', time, { name: stage[0]!.toUpperCase() + stage.slice(1), rework });
  }

  ready(time: string): this {
    return this.add('ready_for_review', time, { notes: '', links: [] }, 'champion@cornerbakery.example');
  }

  open(gate: string, time: string, reviewers: string[]): this {
    const round = (this.rounds.get(gate) ?? 0) + 1;
    this.rounds.set(gate, round);
    this.round = { gate, round };
    return this.add('gate_opened', time, { name: gate, reviewers, votesNeeded: 1 });
  }

  vote(time: string, reviewer: string, decision: Decision, scores: Record<string, number>): this {
    return this.add('vote_cast', time, { decision, scores, comment: '', conditions: decision === 'conditional-go' ? ['Keep the price under £3'] : [], via: 'link' }, reviewer);
  }

  decide(time: string, decision: Decision, by: { score?: number; decidedBy?: DecidedBy; actor?: string; authority?: DecisionAuthority } = {}): this {
    const { gate, round } = this.round!;
    const record = { gate, gateName: gate, round, decision, decidedBy: by.decidedBy ?? 'reviewers', actor: by.actor, at: time, score: by.score, reasons: [], conditions: [], comments: [], ...(by.authority ? { authority: by.authority } : {}) };
    this.add('decided', time, record, by.actor);
    this.round = undefined;
    return this;
  }

  also(type: EventType, time: string, detail: Record<string, unknown> = {}, actor?: string): this {
    return this.add(type, time, detail, actor);
  }

  pilotEnded(time: string, reason: 'duration' | 'kill-threshold', realisedBenefit: number, summary: KpiSummary[]): this {
    return this.add('pilot_ended', time, { reason, realisedBenefit, summary });
  }

  alert(time: string, kpi: string, level: 'alert' | 'kill' | 'unavailable'): this {
    return this.add('kpi_alert', time, level === 'unavailable' ? { kpi, level, error: 'the till system did not answer' } : { kpi, level, value: 1, threshold: 1 });
  }

  end(type: 'launched' | 'killed' | 'withdrawn' | 'merged', time: string, actor?: string): this {
    this.add(type, time, { reason: type }, actor);
    return type === 'launched' ? this.add('recognised', time, { people: [] }) : this;
  }
}

const sales = (met: boolean, latest: number): KpiSummary => ({ kpi: 'weekly_sales', label: 'Weekly sales', unit: 'pastries', direction: 'higher', target: 50, readings: 4, latest, total: latest * 4, trend: 'up', met });
const waste = (met: boolean, latest: number): KpiSummary => ({ kpi: 'waste', label: 'Waste', unit: 'pastries', direction: 'lower', target: 5, readings: 4, latest, total: latest * 4, trend: 'flat', met });

/*
 * The Corner Bakery's autumn 2026, six ideas from four sources, on smb-lite (idea → build → pilot
 * → launch; gates idea-screen, go-to-pilot, go-to-launch) except the vegan one on express.
 * Every stage visit and gate round is a whole number of hours so medians are easy to check.
 */

/** Employee; recycled at go-to-pilot, then piloted (both KPIs met) and launched. Title with a comma and quotes. */
const loyalty = new Journey('loyalty-cards', 'employee')
  .submit(at('10-01'), 'leo@cornerbakery.example', 'Loyalty cards: "the tenth coffee is free", stamped at the till', { estimatedCost: 200, estimatedBenefit: 1500, strategicGoals: ['more-regulars'] })
  .open('idea-screen', at('10-01'), SCREENERS)
  .vote(at('10-02'), HEAD_BAKER, 'go', { feasibility: 4, impact: 4, alignment: 4 })
  .decide(at('10-02'), 'go', { score: 4 })
  .enter('build', at('10-02'))
  .ready(at('10-04'))
  .open('go-to-pilot', at('10-04'), PILOT_DECIDERS)
  .vote(at('10-04', 13), OWNER, 'recycle', { feasibility: 3, impact: 2, alignment: 3 })
  .vote(at('10-06'), HEAD_BAKER, 'recycle', { feasibility: 3, impact: 2, alignment: 3 })
  .decide(at('10-06'), 'recycle', { score: 2.5 }) // (3·1 + 2·2 + 3·1) / 4
  .enter('build', at('10-06'), true)
  .ready(at('10-07'))
  .open('go-to-pilot', at('10-07'), PILOT_DECIDERS)
  .vote(at('10-07', 11), OWNER, 'go', { feasibility: 4, impact: 4, alignment: 4 })
  .vote(at('10-08'), HEAD_BAKER, 'go', { feasibility: 4, impact: 5, alignment: 4 })
  .decide(at('10-08'), 'go', { score: 4.25 }) // (4·1 + 4.5·2 + 4·1) / 4
  .enter('pilot', at('10-08'))
  .pilotEnded(at('10-20'), 'duration', 300, [sales(true, 64), waste(true, 3)])
  .open('go-to-launch', at('10-20'), LAUNCH_DECIDERS)
  .vote(at('10-21'), OWNER, 'go', { results: 5, readiness: 4, alignment: 4 })
  .vote(at('10-22'), SHOP_MANAGER, 'go', { results: 5, readiness: 4, alignment: 4 })
  .decide(at('10-22'), 'go', { score: 4.5 }) // (5·2 + 4 + 4) / 4
  .enter('launch', at('10-22'))
  .end('launched', at('10-29'));

/** Customer; conditional go to pilot, a waste alert then the kill threshold, launched on an admin's go. */
const pumpkin = new Journey('pumpkin-pastry', 'customer')
  .submit(at('10-03'), 'grace@example.com', 'Pumpkin spice pastry', { estimatedCost: 150, estimatedBenefit: 800, strategicGoals: ['seasonal', 'more-regulars'] })
  .open('idea-screen', at('10-03'), SCREENERS)
  .vote(at('10-08'), SHOP_MANAGER, 'go', { feasibility: 4, impact: 5, alignment: 3 })
  .decide(at('10-08'), 'go', { score: 4, decidedBy: 'authority', actor: SHOP_MANAGER, authority: { holder: SHOP_MANAGER, name: 'Sofia Rossi', budget: 300, estimatedCost: 150, source: 'role:shop-manager' } })
  .enter('build', at('10-08'))
  .ready(at('10-12'))
  .open('go-to-pilot', at('10-12'), PILOT_DECIDERS)
  .vote(at('10-12', 15), HEAD_BAKER, 'conditional-go', { feasibility: 4, impact: 4, alignment: 4 })
  .vote(at('10-14'), OWNER, 'go', { feasibility: 4, impact: 4, alignment: 4 })
  .decide(at('10-14'), 'conditional-go', { score: 4 })
  .enter('pilot', at('10-14'))
  .also('conditions_met', at('10-16'), { conditions: ['Keep the price under £3'] }, 'grace@example.com')
  .also('kpi_recorded', at('10-21'), { kpi: 'waste', value: 7 })
  .alert(at('10-21'), 'waste', 'alert')
  .alert(at('11-02'), 'waste', 'kill')
  .pilotEnded(at('11-02'), 'kill-threshold', 120, [sales(true, 58), waste(false, 9)])
  .open('go-to-launch', at('11-02'), LAUNCH_DECIDERS)
  .vote(at('11-02', 21), HEAD_BAKER, 'recycle', { results: 3, readiness: 3, alignment: 4 })
  .decide(at('11-03'), 'go', { decidedBy: 'admin', actor: OWNER })
  .enter('launch', at('11-03'))
  .end('launched', at('11-06'));

/** Employee; killed at the first gate. */
const bulkDough = new Journey('bulk-dough', 'employee')
  .submit(at('10-05'), 'maya@cornerbakery.example', 'Prepare dough in bulk', { estimatedCost: 2000, estimatedBenefit: 3000 })
  .open('idea-screen', at('10-05'), SCREENERS)
  .vote(at('10-07'), HEAD_BAKER, 'kill', { feasibility: 1, impact: 3, alignment: 2 })
  .decide(at('10-07'), 'kill', { score: 2 })
  .end('killed', at('10-07'));

/** Network member; withdrawn by its submitter during build. */
const sharedVan = new Journey('shared-van', 'network')
  .submit(at('10-06'), 'tom@millbakery.example', 'Shared delivery van', { estimatedCost: 5000, estimatedBenefit: 4000 })
  .open('idea-screen', at('10-06'), SCREENERS)
  .vote(at('10-09'), SHOP_MANAGER, 'go', { feasibility: 2, impact: 4, alignment: 3 })
  .decide(at('10-09'), 'go', { score: 3 })
  .enter('build', at('10-09'))
  .end('withdrawn', at('10-12'), 'tom@millbakery.example');

/** Partner; nobody voted at go-to-pilot by the deadline, held, resumed, then go; piloting at the end. */
const coffeeOfTheMonth = new Journey('coffee-of-the-month', 'partner')
  .submit(at('10-10'), 'rui@beanroasters.example', 'Coffee and pastry of the month', { estimatedCost: 100, estimatedBenefit: 600, strategicGoals: ['seasonal'] })
  .open('idea-screen', at('10-10'), SCREENERS)
  .vote(at('10-14'), HEAD_BAKER, 'go', { feasibility: 4, impact: 3, alignment: 5 })
  .decide(at('10-14'), 'go', { score: 4 })
  .enter('build', at('10-14'))
  .ready(at('10-15'))
  .open('go-to-pilot', at('10-15'), PILOT_DECIDERS)
  .also('reminder_sent', at('10-17'), { to: PILOT_DECIDERS, purpose: 'review-reminder' })
  .also('escalated', at('10-22'), { to: [OWNER], awaiting: PILOT_DECIDERS, onNoDecision: 'hold' })
  .decide(at('10-22'), 'hold', { decidedBy: 'deadline' })
  .also('held', at('10-22'), { reason: 'No decision by the deadline', returnTo: 'gate' }, 'deadline')
  .also('resumed', at('10-24'), { reason: 'Back from the supplier fair' }, OWNER)
  .open('go-to-pilot', at('10-24'), PILOT_DECIDERS)
  .vote(at('10-24', 10), OWNER, 'go', { feasibility: 4, impact: 4, alignment: 4 })
  .vote(at('10-25'), HEAD_BAKER, 'go', { feasibility: 4, impact: 4, alignment: 4 })
  .decide(at('10-25'), 'go', { score: 4 })
  .enter('pilot', at('10-25'))
  .alert(at('11-05'), 'weekly_sales', 'alert')
  .alert(at('11-06'), 'weekly_sales', 'unavailable');

/** Customer, on the express lane; still waiting for its one gate. */
const veganOptions = new Journey('vegan-options', 'customer', 'express')
  .submit(at('11-09'), 'ines@example.com', 'Gluten-free and vegan options', { estimatedCost: 400, estimatedBenefit: 1200, strategicGoals: ['gluten-free'] })
  .open('quick-decision', at('11-09'), SCREENERS)
  .also('reminder_sent', at('11-11'), { to: SCREENERS, purpose: 'review-reminder' });

const AUTUMN = [loyalty, pumpkin, bulkDough, sharedVan, coffeeOfTheMonth, veganOptions].flatMap((journey) => journey.events);
const ALL = {};
const OCTOBER = { from: '2026-10-01', to: '2026-11-01' };
const NOVEMBER = { from: '2026-11-01', to: '2026-12-01' };

describe('the funnel: ideas submitted in the range, followed to its end', () => {
  test('all time: distinct ideas per stage, conversion by the last decision at each gate', () => {
    expect(funnel(AUTUMN, ALL)).toEqual({
      processes: [
        {
          process: 'smb-lite',
          submitted: 5, // loyalty, pumpkin, bulk dough, shared van, coffee
          launched: 2, // loyalty, pumpkin
          merged: 0,
          stages: [
            // idea-screen: 5 decided; 4 go (bulk dough killed) → 4/5
            { stage: 'idea', name: 'Idea', entered: 5, gate: { gate: 'idea-screen', name: 'idea-screen', decided: 5, passed: 4, conversion: 0.8 } },
            // build entered by loyalty (twice, counted once), pumpkin, shared van, coffee = 4;
            // go-to-pilot: loyalty (recycle then go), pumpkin (conditional go), coffee (hold then go): last decisions all go on → 3/3
            { stage: 'build', name: 'Build', entered: 4, gate: { gate: 'go-to-pilot', name: 'go-to-pilot', decided: 3, passed: 3, conversion: 1 } },
            { stage: 'pilot', name: 'Pilot', entered: 3, gate: { gate: 'go-to-launch', name: 'go-to-launch', decided: 2, passed: 2, conversion: 1 } },
            { stage: 'launch', name: 'Launch', entered: 2 },
          ],
        },
        {
          process: 'express',
          submitted: 1,
          launched: 0,
          merged: 0,
          stages: [{ stage: 'idea', name: 'Idea', entered: 1, gate: { gate: 'quick-decision', name: 'quick-decision', decided: 0, passed: 0, conversion: undefined } }],
        },
      ],
    });
  });

  test('October: the October ideas as they stood on 1 November', () => {
    const [smbLite, ...others] = funnel(AUTUMN, OCTOBER).processes;
    expect(others).toEqual([]); // the vegan idea came in November
    // Pumpkin was in its pilot on 1 November: go-to-launch has only loyalty's decision, launch only loyalty.
    expect(smbLite).toMatchObject({ submitted: 5, launched: 1 });
    expect(smbLite!.stages.map((stage) => [stage.stage, stage.entered, stage.gate?.decided, stage.gate?.passed])).toEqual([
      ['idea', 5, 5, 4],
      ['build', 4, 3, 3],
      ['pilot', 3, 1, 1],
      ['launch', 1, undefined, undefined],
    ]);
  });

  test('November: only the vegan idea was submitted; its gate has no decision yet, so no conversion', () => {
    expect(funnel(AUTUMN, NOVEMBER).processes).toEqual([
      { process: 'express', submitted: 1, launched: 0, merged: 0, stages: [{ stage: 'idea', name: 'Idea', entered: 1, gate: { gate: 'quick-decision', name: 'quick-decision', decided: 0, passed: 0, conversion: undefined } }] },
    ]);
  });

  test('the order the events arrive in does not matter', () => {
    expect(funnel([...AUTUMN].reverse(), ALL)).toEqual(funnel(AUTUMN, ALL));
    expect(cycleTimes([...AUTUMN].reverse(), ALL)).toEqual(cycleTimes(AUTUMN, ALL));
  });
});

describe('kill rate: killed / ended, by the time ideas ended', () => {
  test('a duplicate merged into another idea ended, counted apart: not killed', () => {
    const duplicate = new Journey('stale-bread', 'customer').submit(at('12-02'), 'rosa@regular.example', 'Cheap stale bread').open('idea-screen', at('12-02'), SCREENERS).end('merged', at('12-03'), HEAD_BAKER);
    const range = { from: '2026-12-01' };
    expect(killRate(duplicate.events, range)).toEqual({ ended: 1, launched: 0, killed: 0, withdrawn: 0, merged: 1, killRate: 0 });
    expect(funnel(duplicate.events, range).processes[0]).toMatchObject({ submitted: 1, launched: 0, merged: 1 });
  });

  test('all time: 1 killed of 4 ended (2 launched, 1 killed, 1 withdrawn)', () => {
    expect(killRate(AUTUMN, ALL)).toEqual({ ended: 4, launched: 2, killed: 1, withdrawn: 1, merged: 0, killRate: 0.25 });
  });

  test('October: loyalty launched, bulk dough killed, shared van withdrawn → 1/3', () => {
    expect(killRate(AUTUMN, OCTOBER)).toEqual({ ended: 3, launched: 1, killed: 1, withdrawn: 1, merged: 0, killRate: 1 / 3 });
  });

  test('November: pumpkin launched → 0/1; nothing ended → no rate', () => {
    expect(killRate(AUTUMN, NOVEMBER)).toEqual({ ended: 1, launched: 1, killed: 0, withdrawn: 0, merged: 0, killRate: 0 });
    expect(killRate(AUTUMN, { from: '2026-12-01' })).toEqual({ ended: 0, launched: 0, killed: 0, withdrawn: 0, merged: 0, killRate: undefined });
  });
});

describe('cycle time per stage: every visit, median and p90 by nearest rank', () => {
  test('all time: a recycled stage counts each visit; visits still under way are counted apart', () => {
    expect(cycleTimes(AUTUMN, ALL).stages).toEqual([
      // idea: loyalty 1d, bulk dough 2d (to its kill), shared van 3d, coffee 4d, pumpkin 5d.
      // n = 5: median rank ⌈2.5⌉ = 3 → 3d; p90 rank ⌈4.5⌉ = 5 → 5d.
      { process: 'smb-lite', stage: 'idea', name: 'Idea', visits: 5, medianMs: 3 * DAY, p90Ms: 5 * DAY, open: 0 },
      // build: loyalty 4d then 2d (rework), shared van 3d (to its withdrawal), pumpkin 6d, coffee 11d (7d round, 2d on hold, 1d second round + 1d before it).
      // sorted 2, 3, 4, 6, 11: median rank 3 → 4d; p90 rank 5 → 11d.
      { process: 'smb-lite', stage: 'build', name: 'Build', visits: 5, medianMs: 4 * DAY, p90Ms: 11 * DAY, open: 0 },
      // pilot: loyalty 8 → 22 Oct = 14d, pumpkin 14 Oct → 3 Nov = 20d; coffee still piloting.
      // n = 2: median rank ⌈1⌉ = 1 → 14d; p90 rank ⌈1.8⌉ = 2 → 20d.
      { process: 'smb-lite', stage: 'pilot', name: 'Pilot', visits: 2, medianMs: 14 * DAY, p90Ms: 20 * DAY, open: 1 },
      // launch: loyalty 22 → 29 Oct = 7d, pumpkin 3 → 6 Nov = 3d: median 3d, p90 7d.
      { process: 'smb-lite', stage: 'launch', name: 'Launch', visits: 2, medianMs: 3 * DAY, p90Ms: 7 * DAY, open: 0 },
      { process: 'express', stage: 'idea', name: 'Idea', visits: 0, medianMs: undefined, p90Ms: undefined, open: 1 },
    ]);
  });

  test('October: visits that ended in October; pumpkin and coffee were both mid-pilot on 1 November', () => {
    expect(cycleTimes(AUTUMN, OCTOBER).stages.map((row) => [row.stage, row.visits, row.medianMs, row.p90Ms, row.open])).toEqual([
      ['idea', 5, 3 * DAY, 5 * DAY, 0],
      ['build', 5, 4 * DAY, 11 * DAY, 0],
      ['pilot', 1, 14 * DAY, 14 * DAY, 2],
      ['launch', 1, 7 * DAY, 7 * DAY, 0],
    ]);
  });

  test('November: pumpkin finished its pilot (20d, begun in October) and launch (3d); coffee and vegan still open', () => {
    expect(cycleTimes(AUTUMN, NOVEMBER).stages.map((row) => [row.process, row.stage, row.visits, row.medianMs, row.open])).toEqual([
      ['smb-lite', 'pilot', 1, 20 * DAY, 1],
      ['smb-lite', 'launch', 1, 3 * DAY, 0],
      ['express', 'idea', 0, undefined, 1],
    ]);
  });
});

describe('time to decision, per gate and per reviewer', () => {
  const result = timeToDecision(AUTUMN, ALL);

  test('per gate: gate opened → decided, each round on its own', () => {
    expect(result.gates).toEqual([
      // idea-screen: 24h, 48h, 72h, 96h, 120h → median rank 3 = 72h, p90 rank 5 = 120h.
      { process: 'smb-lite', gate: 'idea-screen', name: 'idea-screen', decided: 5, medianMs: 72 * HOUR, p90Ms: 120 * HOUR, open: 0 },
      // go-to-pilot: loyalty 48h and 24h, pumpkin 48h, coffee 168h (deadline hold) and 24h.
      // sorted 24, 24, 48, 48, 168 → median rank 3 = 48h, p90 rank 5 = 168h.
      { process: 'smb-lite', gate: 'go-to-pilot', name: 'go-to-pilot', decided: 5, medianMs: 48 * HOUR, p90Ms: 168 * HOUR, open: 0 },
      // go-to-launch: loyalty 48h, pumpkin 24h (admin) → median rank 1 = 24h, p90 rank 2 = 48h.
      { process: 'smb-lite', gate: 'go-to-launch', name: 'go-to-launch', decided: 2, medianMs: 24 * HOUR, p90Ms: 48 * HOUR, open: 0 },
      { process: 'express', gate: 'quick-decision', name: 'quick-decision', decided: 0, medianMs: undefined, p90Ms: undefined, open: 1 },
    ]);
  });

  test('per reviewer: asked = voted + never voted + awaiting over the whole log', () => {
    expect(result.reviewers).toEqual([
      // Hamid, asked 13: idea-screen ×5, quick-decision, go-to-pilot ×5, go-to-launch ×2.
      // Voted 8: 6h, 12h, 24h (×3), 48h (×2), 96h → median rank 4 = 24h, p90 rank ⌈7.2⌉ = 8 = 96h.
      // Never voted 4: pumpkin's and shared van's screens (Sofia voted first), coffee's first go-to-pilot
      // (deadline), loyalty's go-to-launch (the majority was met without him). Awaiting: the vegan idea.
      { reviewer: HEAD_BAKER, asked: 13, voted: 8, medianMs: 24 * HOUR, p90Ms: 96 * HOUR, neverVoted: 4, awaiting: 1 },
      // Olivia, asked 7: go-to-pilot ×5, go-to-launch ×2. Voted 5: 1h, 2h, 4h, 24h, 48h → median 4h, p90 48h.
      // Never voted 2: coffee's first go-to-pilot, pumpkin's go-to-launch (she decided it as admin).
      { reviewer: OWNER, asked: 7, voted: 5, medianMs: 4 * HOUR, p90Ms: 48 * HOUR, neverVoted: 2, awaiting: 0 },
      // Sofia, asked 8: idea-screen ×5, quick-decision, go-to-launch ×2. Voted 3: 48h, 72h, 120h → median 72h, p90 120h.
      // Never voted 4: loyalty's, bulk dough's and coffee's screens, pumpkin's go-to-launch.
      { reviewer: SHOP_MANAGER, asked: 8, voted: 3, medianMs: 72 * HOUR, p90Ms: 120 * HOUR, neverVoted: 4, awaiting: 1 },
    ]);
  });

  test('November: each count by the time of its own event', () => {
    const november = timeToDecision(AUTUMN, NOVEMBER);
    // Only pumpkin's go-to-launch was decided in November (24h); the vegan round is open.
    expect(november.gates.map((row) => [row.gate, row.decided, row.medianMs, row.open])).toEqual([
      ['go-to-launch', 1, 24 * HOUR, 0],
      ['quick-decision', 0, undefined, 1],
    ]);
    // Rounds opened in November: pumpkin's go-to-launch (all three) and the vegan one (Hamid, Sofia).
    // Hamid voted on pumpkin 12h after it opened; the round closed on 3 November without Olivia and Sofia.
    expect(november.reviewers.map((row) => [row.reviewer, row.asked, row.voted, row.medianMs, row.neverVoted, row.awaiting])).toEqual([
      [HEAD_BAKER, 2, 1, 12 * HOUR, 0, 1],
      [OWNER, 1, 0, undefined, 1, 0],
      [SHOP_MANAGER, 2, 0, undefined, 1, 1],
    ]);
  });
});

describe('ideas by source: which sources bring ideas that launch', () => {
  test('all time', () => {
    expect(ideasBySource(AUTUMN, ALL)).toEqual({
      sources: [
        { source: 'customer', submitted: 2, share: 2 / 6, launched: 1, launchRate: 0.5 }, // pumpkin launched, vegan in review
        { source: 'employee', submitted: 2, share: 2 / 6, launched: 1, launchRate: 0.5 }, // loyalty launched, bulk dough killed
        { source: 'network', submitted: 1, share: 1 / 6, launched: 0, launchRate: 0 },
        { source: 'partner', submitted: 1, share: 1 / 6, launched: 0, launchRate: 0 },
      ],
      total: { submitted: 6, launched: 2, launchRate: 2 / 6, sources: 4 },
    });
  });

  test('October: pumpkin had not launched by 1 November', () => {
    const october = ideasBySource(AUTUMN, OCTOBER);
    expect(october.sources.map((row) => [row.source, row.submitted, row.launched])).toEqual([
      ['employee', 2, 1],
      ['customer', 1, 0],
      ['network', 1, 0],
      ['partner', 1, 0],
    ]);
    expect(october.total).toEqual({ submitted: 5, launched: 1, launchRate: 0.2, sources: 4 });
  });
});

describe('score distribution', () => {
  const result = scoreDistribution(AUTUMN, ALL);

  test('every vote: how many gave each score, per gate and criterion', () => {
    const none = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
    expect(result.criteria).toEqual([
      // idea-screen votes: loyalty 4/4/4, pumpkin 4/5/3, bulk dough 1/3/2, shared van 2/4/3, coffee 4/3/5.
      { process: 'smb-lite', gate: 'idea-screen', gateName: 'idea-screen', criterion: 'feasibility', votes: 5, counts: { ...none, 1: 1, 2: 1, 4: 3 }, average: 15 / 5 },
      { process: 'smb-lite', gate: 'idea-screen', gateName: 'idea-screen', criterion: 'impact', votes: 5, counts: { ...none, 3: 2, 4: 2, 5: 1 }, average: 19 / 5 },
      { process: 'smb-lite', gate: 'idea-screen', gateName: 'idea-screen', criterion: 'alignment', votes: 5, counts: { ...none, 2: 1, 3: 2, 4: 1, 5: 1 }, average: 17 / 5 },
      // go-to-pilot, 8 votes: loyalty 3/2/3 ×2, then 4/4/4 and 4/5/4; pumpkin 4/4/4 ×2; coffee 4/4/4 ×2.
      { process: 'smb-lite', gate: 'go-to-pilot', gateName: 'go-to-pilot', criterion: 'feasibility', votes: 8, counts: { ...none, 3: 2, 4: 6 }, average: 30 / 8 },
      { process: 'smb-lite', gate: 'go-to-pilot', gateName: 'go-to-pilot', criterion: 'impact', votes: 8, counts: { ...none, 2: 2, 4: 5, 5: 1 }, average: 29 / 8 },
      { process: 'smb-lite', gate: 'go-to-pilot', gateName: 'go-to-pilot', criterion: 'alignment', votes: 8, counts: { ...none, 3: 2, 4: 6 }, average: 30 / 8 },
      // go-to-launch: loyalty 5/4/4 ×2, pumpkin 3/3/4.
      { process: 'smb-lite', gate: 'go-to-launch', gateName: 'go-to-launch', criterion: 'results', votes: 3, counts: { ...none, 3: 1, 5: 2 }, average: 13 / 3 },
      { process: 'smb-lite', gate: 'go-to-launch', gateName: 'go-to-launch', criterion: 'readiness', votes: 3, counts: { ...none, 3: 1, 4: 2 }, average: 11 / 3 },
      { process: 'smb-lite', gate: 'go-to-launch', gateName: 'go-to-launch', criterion: 'alignment', votes: 3, counts: { ...none, 4: 3 }, average: 4 },
    ]);
  });

  test("the weighted scores decided on; an admin's or a deadline's decision has none", () => {
    expect(result.gates).toEqual([
      // 4, 4, 2, 3, 4 → 17 / 5
      { process: 'smb-lite', gate: 'idea-screen', name: 'idea-screen', decisions: 5, average: 3.4, min: 2, max: 4 },
      // 2.5, 4.25, 4, 4 (coffee's deadline hold has no score) → 14.75 / 4
      { process: 'smb-lite', gate: 'go-to-pilot', name: 'go-to-pilot', decisions: 4, average: 3.6875, min: 2.5, max: 4.25 },
      // 4.5 (pumpkin's admin go has no score)
      { process: 'smb-lite', gate: 'go-to-launch', name: 'go-to-launch', decisions: 1, average: 4.5, min: 4.5, max: 4.5 },
    ]);
    // (17 + 14.75 + 4.5) / 10
    expect(result.overall).toEqual({ decisions: 10, average: 3.625, min: 2, max: 4.5 });
  });
});

describe('decision mix', () => {
  test('all time: each decision per gate, overall, and by who decided', () => {
    const counts = (go: number, conditionalGo: number, kill: number, hold: number, recycle: number) => ({
      counts: { go, 'conditional-go': conditionalGo, kill, hold, recycle },
      total: go + conditionalGo + kill + hold + recycle,
    });
    expect(decisionMix(AUTUMN, ALL)).toEqual({
      gates: [
        { process: 'smb-lite', gate: 'idea-screen', name: 'idea-screen', ...counts(4, 0, 1, 0, 0) },
        // loyalty recycle then go, pumpkin conditional go, coffee hold (deadline) then go
        { process: 'smb-lite', gate: 'go-to-pilot', name: 'go-to-pilot', ...counts(2, 1, 0, 1, 1) },
        { process: 'smb-lite', gate: 'go-to-launch', name: 'go-to-launch', ...counts(2, 0, 0, 0, 0) },
      ],
      overall: counts(8, 1, 1, 1, 1),
      byDecider: [
        { decidedBy: 'reviewers', ...counts(6, 1, 1, 0, 1) },
        { decidedBy: 'authority', ...counts(1, 0, 0, 0, 0) }, // Sofia's go for the pumpkin pastry at the screen, within her 300
        { decidedBy: 'admin', ...counts(1, 0, 0, 0, 0) }, // Olivia's go for the pumpkin pastry
        { decidedBy: 'deadline', ...counts(0, 0, 0, 1, 0) }, // coffee's first go-to-pilot
      ],
      byAuthority: [{ source: 'role:shop-manager', ...counts(1, 0, 0, 0, 0) }],
    });
    const tables = REPORTS.find((report) => report.name === 'decision-mix')!.tables(decisionMix(AUTUMN, ALL));
    expect(tables[1]!.rows.map((row) => row.slice(0, 2).concat(row.slice(-1)))).toEqual([['reviewers', 'committee', 9], ['authority', 'delegated authority', 1], ['admin', 'admin override', 1], ['deadline', 'deadline', 1]]);
    expect(tables[2]).toMatchObject({ title: 'Decisions under delegated authority', rows: [['role:shop-manager', 1, 0, 0, 0, 0, 1]] });
  });

  test('a template that names its decisions: the mix says what each is called there, for processes with gates in it', () => {
    const context = { goals: [], decisionLabels: { 'smb-lite': { go: 'Persevere', recycle: 'Pivot', kill: 'Stop' }, discovery: { go: 'Persevere' } } };
    const result = decisionMix(AUTUMN, ALL, context);
    expect(result.labels).toEqual([
      { process: 'smb-lite', decision: 'go', label: 'Persevere' },
      { process: 'smb-lite', decision: 'kill', label: 'Stop' },
      { process: 'smb-lite', decision: 'recycle', label: 'Pivot' },
    ]);
    const tables = REPORTS.find((report) => report.name === 'decision-mix')!.tables(result);
    expect(tables.map((table) => table.title)).toEqual(['Decisions per gate', 'Decisions by who decided', 'Decisions under delegated authority', "Decisions in the processes' own words"]);
    expect(tables[3]!.rows).toEqual([['smb-lite', 'go', 'Persevere'], ['smb-lite', 'kill', 'Stop'], ['smb-lite', 'recycle', 'Pivot']]);
    expect(decisionMix(AUTUMN, ALL).labels).toBeUndefined();
  });

  test('November: only the admin go for the pumpkin pastry', () => {
    const november = decisionMix(AUTUMN, NOVEMBER);
    expect(november.overall.total).toBe(1);
    expect(november.gates.map((row) => [row.gate, row.counts.go])).toEqual([['go-to-launch', 1]]);
    expect(november.byDecider.map((row) => [row.decidedBy, row.total])).toEqual([['reviewers', 0], ['authority', 0], ['admin', 1], ['deadline', 0]]);
  });
});

describe('pilot outcomes against targets', () => {
  test('all time: two pilots, one meeting both targets, one meeting 1 of 2; alerts by level', () => {
    expect(pilotOutcomes(AUTUMN, ALL)).toEqual({
      pilots: 2,
      byReason: { duration: 1, 'kill-threshold': 1 },
      kpis: [
        // Met in both pilots; coffee's running pilot raised an alert and could not be read once.
        { process: 'smb-lite', kpi: 'weekly_sales', label: 'Weekly sales', unit: 'pastries', direction: 'higher', target: 50, met: 2, notMet: 0, alerts: 1, killAlerts: 0, unavailable: 1 },
        // Met by loyalty, missed by pumpkin, which alerted once and then crossed the kill threshold.
        { process: 'smb-lite', kpi: 'waste', label: 'Waste', unit: 'pastries', direction: 'lower', target: 5, met: 1, notMet: 1, alerts: 1, killAlerts: 1, unavailable: 0 },
      ],
      ended: [
        { ideaId: 'loyalty-cards', title: loyalty.events[0]!.detail.title, stage: 'pilot', endedAt: at('10-20'), reason: 'duration', kpis: 2, kpisMet: 2, realisedBenefit: 300 },
        { ideaId: 'pumpkin-pastry', title: 'Pumpkin spice pastry', stage: 'pilot', endedAt: at('11-02'), reason: 'kill-threshold', kpis: 2, kpisMet: 1, realisedBenefit: 120 },
      ],
      ideasMeetingEveryTarget: ['loyalty-cards'],
    });
  });

  test('November: the pumpkin pilot only, and November alerts', () => {
    const november = pilotOutcomes(AUTUMN, NOVEMBER);
    expect(november).toMatchObject({ pilots: 1, byReason: { 'kill-threshold': 1 }, ideasMeetingEveryTarget: [] });
    expect(november.kpis.map((row) => [row.kpi, row.met, row.notMet, row.alerts, row.killAlerts, row.unavailable])).toEqual([
      ['weekly_sales', 1, 0, 1, 0, 1],
      ['waste', 0, 1, 0, 1, 0],
    ]);
  });
});

describe('implementation rate and time to implement', () => {
  test('all time: 2 launched of 6 submitted; loyalty took 28 days, pumpkin 34', () => {
    // loyalty 1 → 29 Oct = 28d; pumpkin 3 Oct → 6 Nov = 28 + 6 = 34d. Median rank 1 = 28d, p90 rank 2 = 34d.
    expect(implementation(AUTUMN, ALL)).toEqual({ submitted: 6, launched: 2, rate: 2 / 6, timeToImplement: { count: 2, medianMs: 28 * DAY, p90Ms: 34 * DAY } });
  });

  test('November: 1 submitted, 1 launched (submitted in October, which still counts for its time)', () => {
    expect(implementation(AUTUMN, NOVEMBER)).toEqual({ submitted: 1, launched: 1, rate: 1, timeToImplement: { count: 1, medianMs: 34 * DAY, p90Ms: 34 * DAY } });
  });
});

describe('value of launched ideas', () => {
  test('all time: estimates from submission, realised benefit from the pilots', () => {
    expect(launchedIdeasValue(AUTUMN, ALL)).toEqual({
      ideas: [
        { ideaId: 'loyalty-cards', title: loyalty.events[0]!.detail.title, launchedAt: at('10-29'), estimatedCost: 200, estimatedBenefit: 1500, realisedBenefit: 300 },
        { ideaId: 'pumpkin-pastry', title: 'Pumpkin spice pastry', launchedAt: at('11-06'), estimatedCost: 150, estimatedBenefit: 800, realisedBenefit: 120 },
      ],
      // 200 + 150, 1500 + 800, 300 + 120
      total: { launched: 2, estimatedCost: 350, estimatedBenefit: 2300, realisedBenefit: 420 },
    });
  });

  test('an idea launched without a pilot or estimates adds nothing to the sums', () => {
    const express = new Journey('window-display', 'employee', 'express').submit(at('11-10'), 'leo@cornerbakery.example', 'Window display').end('launched', at('11-12'));
    const result = launchedIdeasValue([...AUTUMN, ...express.events], NOVEMBER);
    expect(result.ideas[1]).toEqual({ ideaId: 'window-display', title: 'Window display', launchedAt: at('11-12'), estimatedCost: undefined, estimatedBenefit: undefined, realisedBenefit: undefined });
    expect(result.total).toEqual({ launched: 2, estimatedCost: 150, estimatedBenefit: 800, realisedBenefit: 120 });
  });
});

describe('the portfolio: ideas and estimates by strategic goal and by stage, and goals no idea serves', () => {
  const GOALS = {
    goals: [
      { id: 'more-regulars', name: 'More regulars', description: '' },
      { id: 'seasonal', name: 'Seasonal menu', description: '' },
      { id: 'less-waste', name: 'Waste less', description: '', from: '2027-01-01' },
    ],
  };

  test('all time: an idea counts under each goal it claims and once in the total; ended ideas stand at their ending', () => {
    expect(portfolio(AUTUMN, ALL, GOALS)).toEqual({
      goals: [
        { goal: 'more-regulars', name: 'More regulars', ideas: 2, underWay: 0, launched: 2, estimatedCost: 350, estimatedBenefit: 2300 },
        { goal: 'seasonal', name: 'Seasonal menu', ideas: 2, underWay: 1, launched: 1, estimatedCost: 250, estimatedBenefit: 1400 },
        { goal: 'less-waste', name: 'Waste less', ideas: 0, underWay: 0, launched: 0, estimatedCost: 0, estimatedBenefit: 0 },
        // Claimed before the firm listed its goals: shown under its id, with no name.
        { goal: 'gluten-free', ideas: 1, underWay: 1, launched: 0, estimatedCost: 400, estimatedBenefit: 1200 },
        { ideas: 2, underWay: 0, launched: 0, estimatedCost: 7000, estimatedBenefit: 7000 },
      ],
      stages: [
        { process: 'smb-lite', stage: 'pilot', name: 'Pilot', ideas: 1, estimatedCost: 100, estimatedBenefit: 600 },
        { process: 'smb-lite', stage: 'launched', name: 'launched', ended: 'launched', ideas: 2, estimatedCost: 350, estimatedBenefit: 2300 },
        { process: 'smb-lite', stage: 'killed', name: 'killed', ended: 'killed', ideas: 1, estimatedCost: 2000, estimatedBenefit: 3000 },
        { process: 'smb-lite', stage: 'withdrawn', name: 'withdrawn', ended: 'withdrawn', ideas: 1, estimatedCost: 5000, estimatedBenefit: 4000 },
        { process: 'express', stage: 'idea', name: 'Idea', ideas: 1, estimatedCost: 400, estimatedBenefit: 1200 },
      ],
      goalsWithoutIdeas: [{ goal: 'less-waste', name: 'Waste less', period: 'from 2027-01-01' }],
      total: { ideas: 6, estimatedCost: 7850, estimatedBenefit: 11100 },
    });
  });

  test('a range counts the ideas submitted in it, each where it stood when the range ended', () => {
    const early = portfolio(AUTUMN, { to: '2026-10-07T00:00:00.000Z' }, GOALS);
    expect(early.stages).toEqual([
      // Loyalty cards had reached Build; the pumpkin pastry, bulk dough (killed later that day) and the shared van were still at Idea.
      { process: 'smb-lite', stage: 'build', name: 'Build', ideas: 1, estimatedCost: 200, estimatedBenefit: 1500 },
      { process: 'smb-lite', stage: 'idea', name: 'Idea', ideas: 3, estimatedCost: 7150, estimatedBenefit: 7800 },
    ]);
    const november = portfolio(AUTUMN, NOVEMBER, GOALS);
    expect(november.total).toEqual({ ideas: 1, estimatedCost: 400, estimatedBenefit: 1200 });
    expect(november.goalsWithoutIdeas.map((row) => row.goal)).toEqual(['more-regulars', 'seasonal', 'less-waste']);
    // Without goals in the settings, every claimed goal is its own row and none is missing.
    expect(portfolio(AUTUMN, ALL).goalsWithoutIdeas).toEqual([]);
    expect(portfolio(AUTUMN, ALL).goals.map((row) => row.goal)).toEqual(['gluten-free', 'more-regulars', 'seasonal', undefined]);
  });
});

describe('participation per month', () => {
  test('all time: distinct people per month, and over the whole range', () => {
    expect(participation(AUTUMN, ALL)).toEqual({
      months: [
        // Leo, Grace, Maya, Tom and Rui submitted; 15 votes by Hamid, Olivia and Sofia:
        // loyalty 7, pumpkin 3 (its last vote came in November), bulk dough 1, shared van 1, coffee 3.
        { month: '2026-10', ideas: 5, submitters: 5, votes: 15, reviewers: 3 },
        // Ines submitted the vegan idea; Hamid voted on the pumpkin pilot.
        { month: '2026-11', ideas: 1, submitters: 1, votes: 1, reviewers: 1 },
      ],
      total: { ideas: 6, submitters: 6, votes: 16, reviewers: 3 },
    });
  });

  test('a quiet month between two active ones shows zeros', () => {
    const newYear = new Journey('hot-cross-buns', 'employee').submit('2027-01-05T09:00:00.000Z', 'maya@cornerbakery.example', 'Hot cross buns all year');
    expect(participation([...AUTUMN, ...newYear.events], { from: '2026-11-01' }).months).toEqual([
      { month: '2026-11', ideas: 1, submitters: 1, votes: 1, reviewers: 1 },
      { month: '2026-12', ideas: 0, submitters: 0, votes: 0, reviewers: 0 },
      { month: '2027-01', ideas: 1, submitters: 1, votes: 0, reviewers: 0 },
    ]);
    // Maya submitted in October and in January: one person over the whole range.
    expect(participation([...AUTUMN, ...newYear.events], ALL).total.submitters).toBe(6);
  });
});

describe('the range', () => {
  test('an event counts when from <= at < to: midnight on `to` belongs to the next period', () => {
    const midnight = new Journey('midnight-idea', 'other').submit('2026-12-01T00:00:00.000Z', 'leo@cornerbakery.example', 'Midnight idea');
    const events = [...AUTUMN, ...midnight.events];
    expect(participation(events, NOVEMBER).total.ideas).toBe(1);
    expect(participation(events, { from: '2026-12-01', to: '2027-01-01' }).total.ideas).toBe(1);
  });

  test('dates and times are read as UTC instants; a range that ends before it starts is refused', () => {
    expect(reportRangeSchema.parse({ from: '2026-11-01', to: '2026-12-01T01:00:00+01:00' })).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    expect(reportRangeSchema.parse({})).toEqual({});
    expect(reportRangeSchema.safeParse({ from: '2026-11-31' }).success).toBe(false);
    expect(reportRangeSchema.safeParse({ from: 'last week' }).error?.issues[0]?.message).toBe('expected a date like 2026-11-01 (or an ISO time), got "last week"');
    expect(reportRangeSchema.safeParse({ from: '2026-12-01', to: '2026-11-01' }).error?.issues[0]).toMatchObject({ path: ['to'], message: 'must be after from' });
  });
});

describe('nearest-rank percentiles', () => {
  test('the value at rank ⌈p/100 × n⌉ of the sorted values', () => {
    const tens = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(percentile(tens, 50)).toBe(5);
    expect(percentile(tens, 90)).toBe(9);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
    // 0.9 × 30 is 27.000000000000004 in floating point; the rank is still 27.
    expect(percentile(Array.from({ length: 30 }, (_, i) => i + 1), 90)).toBe(27);
    // Sorted as numbers, not as text: negative durations (clocks apart) and ones past 2^31 ms.
    const mixed = [86_400_000_000, -5, 900, 3_000_000_000, 10, -70, 2, 100_000];
    expect([10, 50, 90].map((p) => percentile(mixed, p))).toEqual([-70, 10, 86_400_000_000]);
    expect(summariseDurations(mixed)).toEqual({ count: 8, medianMs: 10, p90Ms: 86_400_000_000 });
  });
});

describe('the registry and CSV', () => {
  test('every report has a distinct name, a title and a description, and runs on an empty log', () => {
    expect(new Set(REPORTS.map((report) => report.name)).size).toBe(REPORTS.length);
    expect(REPORTS.map((report) => report.name)).toEqual([
      'funnel', 'kill-rate', 'cycle-time', 'time-to-decision', 'sources', 'scores', 'decision-mix', 'pilots', 'implementation', 'value', 'participation', 'campaigns', 'portfolio', 'recognition',
    ]);
    for (const report of REPORTS) {
      expect(report.title).not.toBe('');
      expect(report.description).not.toBe('');
      for (const events of [[], AUTUMN]) {
        for (const table of report.tables(report.run(events, ALL))) {
          for (const row of [...table.rows, ...(table.total ? [table.total] : [])]) expect(row).toHaveLength(table.columns.length);
        }
      }
    }
  });

  test('runReport reads every event before `to` from a store, async or not, and runs the report on them', async () => {
    const asked: { from?: string; to?: string }[] = [];
    const store: EventSource = {
      events: async (filter) => {
        asked.push(filter);
        return AUTUMN.filter((event) => !filter.to || event.at < filter.to);
      },
    };
    const range = reportRangeSchema.parse(NOVEMBER);
    const killRateReport = REPORTS.find((report) => report.name === 'kill-rate')!;
    expect(await runReport(killRateReport, store, range)).toEqual(killRate(AUTUMN, NOVEMBER));
    expect(asked).toEqual([{ to: '2026-12-01T00:00:00.000Z' }]);
    expect(await runReport(killRateReport, { events: () => AUTUMN }, {})).toEqual(killRate(AUTUMN, ALL));
  });

  test('the value report as RFC 4180 CSV: a title with a comma and quotes is quoted, its quotes doubled', () => {
    const report = REPORTS.find((found) => found.name === 'value')!;
    expect(toCsv(report.tables(report.run(AUTUMN, ALL))[0]!)).toBe(
      'idea,title,launched,estimated cost,estimated benefit,realised benefit\r\n' +
        'loyalty-cards,"Loyalty cards: ""the tenth coffee is free"", stamped at the till",2026-10-29T09:00:00.000Z,200,1500,300\r\n' +
        'pumpkin-pastry,Pumpkin spice pastry,2026-11-06T09:00:00.000Z,150,800,120\r\n',
    );
  });

  test('CSV writes durations in hours, ratios as fractions, and a missing value as an empty field', () => {
    const cycle = REPORTS.find((found) => found.name === 'cycle-time')!;
    expect(toCsv(cycle.tables(cycle.run(AUTUMN, ALL))[0]!).split('\r\n')).toEqual([
      'process,stage,visits,median (hours),p90 (hours),open',
      'smb-lite,Idea,5,72,120,0',
      'smb-lite,Build,5,96,264,0',
      'smb-lite,Pilot,2,336,480,1',
      'smb-lite,Launch,2,72,168,0',
      'express,Idea,0,,,1',
      '',
    ]);
    const sources = REPORTS.find((found) => found.name === 'sources')!;
    expect(toCsv(sources.tables(sources.run(AUTUMN, OCTOBER))[0]!)).toBe(
      'source,submitted,share,launched,launch rate\r\nemployee,2,0.4,1,0.5\r\ncustomer,1,0.2,0,0\r\nnetwork,1,0.2,0,0\r\npartner,1,0.2,0,0\r\n',
    );
    expect(toCsv({ title: 't', columns: [{ header: 'note', kind: 'text' }], rows: [['two\nlines'], ['plain']] })).toBe('note\r\n"two\nlines"\r\nplain\r\n');
  });
});

describe('CSV for spreadsheets', () => {
  test('text that a spreadsheet would run as a formula is written as text; negative numbers stay numbers', () => {
    const { toCsv } = jest.requireActual<typeof import('../reports')>('../reports');
    const csv = toCsv({
      title: 'Ideas',
      columns: [
        { header: 'title', kind: 'text' },
        { header: 'amount', kind: 'amount' },
      ],
      rows: [
        ['=HYPERLINK("http://evil.example","win")', -12],
        ['@SUM(A1)', 3],
        ['-5 pastries', 1],
      ],
    });
    expect(csv.split('\r\n')).toEqual(['title,amount', `"'=HYPERLINK(""http://evil.example"",""win"")",-12`, "'@SUM(A1),3", "'-5 pastries,1", '']);
  });
});
