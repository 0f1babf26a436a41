#!/usr/bin/env node
/*
 * stagegate's soak: a few hundred ideas in flight at once on a real Temporal dev server, each
 * following a script (launch, killed, recycled, held and resumed, withdrawn, decided by an admin,
 * conditions, a pilot with KPI readings, reminders, a missed deadline), driven through the SDK with
 * bounded concurrency for several minutes. At the end every idea's final state is checked against
 * its script and its events and messages against the journey's promises, and the worker's memory
 * with all ideas parked at a gate is compared with its memory with the first 100 parked (the
 * baseline, measured in the same run).
 *
 *   npm run build && node bench/soak.js
 *   SOAK_IDEAS=40 SOAK_MINUTES=0.5 node bench/soak.js      # a quick one
 *
 * Settings (environment):
 *   SOAK_IDEAS        ideas in the run (300)
 *   SOAK_MINUTES      minutes over which the parked ideas' scripts are released (3); the run takes
 *                     about this plus two minutes (start, parking, the last pilots)
 *   SOAK_CONCURRENCY  scripts driven at once (20)
 *   SOAK_POLL_MS      how often a script looks at its idea while it waits (250)
 *   SOAK_STEP_TIMEOUT_S  how long one step of a script may wait (120)
 *   SOAK_SCRIPTS      only these scripts, comma-separated (all of them), to look into one
 *   SOAK_KEEP_DATA=1  keep the data folder (events store and outbox) for a look afterwards
 *
 * First one idea of each script is played through (the warm-up: code compiled, email layouts
 * cached), then the start is sampled, then the soak's ideas are submitted and parked at their first
 * gate (sampled at 100 and at all of them), then their scripts are released evenly over
 * SOAK_MINUTES, and the end is sampled once every journey has ended and left the worker's cache.
 * Memory is the main thread's heap (activities, client, this driver) plus the heap of the worker
 * thread the SDK runs workflows in (read through the inspector, after a full collection there).
 *
 * Process templates with second-long timers are in bench/processes/.
 * It runs on the built code (dist/), starts its own in-memory dev server (worker/dev-server.ts),
 * one worker in this process on a task queue of its own, and a fresh data folder under the
 * system's temporary folder; all of it is stopped and removed at the end, on failure and on Ctrl-C.
 * It re-executes itself with --expose-gc so the heap figures are taken after a full collection.
 * Figures are printed and written to .test-results/soak.json; the exit code is 1 when any check
 * failed (a script's outcome, an event or message invariant, the memory bound).
 */
'use strict';

const { spawn } = require('node:child_process');

// Heap figures are worth something only after a full collection: come back with --expose-gc.
if (typeof global.gc !== 'function') {
  const child = spawn(process.execPath, ['--expose-gc', ...process.execArgv, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return;
}

const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const inspector = require('node:inspector');
const os = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { randomBytes } = require('node:crypto');
const { DefaultLogger, Runtime } = require('@temporalio/worker');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const { startDevServer } = require(join(dist, 'worker/dev-server'));
const { createStageGateWorker, bundleWorkflows } = require(join(dist, 'worker/worker'));
const { StageGateClient, StageGateError } = require(join(dist, 'client/sdk'));
const { loadSettings } = require(join(dist, 'config/settings'));
const { openStore } = require(join(dist, 'store'));

// The SDK's runtime speaks up only when something is wrong, and leaves signals to us: a Ctrl-C
// must stop the scripts and clean up, not only the worker.
Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });

const number = (name, fallback) => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${name} must be a positive number, got "${value}"`);
  return parsed;
};
const IDEAS = Math.floor(number('SOAK_IDEAS', 300));
const MINUTES = number('SOAK_MINUTES', 3);
const CONCURRENCY = Math.floor(number('SOAK_CONCURRENCY', 20));
const POLL_MS = number('SOAK_POLL_MS', 250);
const STEP_TIMEOUT_MS = number('SOAK_STEP_TIMEOUT_S', 120) * 1000;
const KEEP_DATA = process.env.SOAK_KEEP_DATA === '1';
/** Only these scripts (comma-separated names), to look into one; all of them when not given. */
const ONLY = (process.env.SOAK_SCRIPTS ?? '').split(',').map((name) => name.trim()).filter(Boolean);
/** The ideas parked when the baseline is taken: 100, or half the run when it is smaller. */
const BASELINE_PARKED = Math.min(100, Math.ceil(IDEAS / 2));
/** The heap an extra parked idea may cost, against what each of the first ones cost. */
const PER_IDEA_BOUND = 1.5;
/** Slack on the per-idea bound, for the collector's noise: this much more in all is fine. */
const HEAP_SLACK_BYTES = 8 * 1024 * 1024;

const OWNER = 'olivia@cornerbakery.example';
const HEAD_BAKER = 'hamid@cornerbakery.example';
const SHOP_MANAGER = 'sofia@cornerbakery.example';
const CHAMPION = { email: 'leo@cornerbakery.example', name: 'Leo Martin' };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const MiB = 1024 * 1024;
const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

// ---- stopping on Ctrl-C -----------------------------------------------------------------------

let aborted;
let firstSignalAt;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // A Ctrl-C reaches this process from the terminal and again from the one that re-executed it: one request.
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt > 1000) process.exit(130);
      return;
    }
    firstSignalAt = Date.now();
    aborted = new Error(`stopped by ${signal}`);
    console.error(`\n${signal}: stopping the scripts and cleaning up (again to quit at once)`);
  });
}

// ---- figures ----------------------------------------------------------------------------------

const latencies = { castVote: [], getIdea: [], update: [], kpi: [] };
const counters = { pollErrors: 0, votesAccepted: 0, votesRefused: 0, readings: 0 };

async function timed(kind, call) {
  const started = performance.now();
  try {
    return await call();
  } finally {
    latencies[kind].push(performance.now() - started);
  }
}

/** Nearest rank, as the reports compute it. */
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---- the scripts ------------------------------------------------------------------------------

class ScriptFailure extends Error {}

const atGate = (gate, round) => (s) => s.status === 'in-review' && s.round && s.round.gate === gate && s.round.round === round && s.round.phase !== 'closing';
const awaitingWork = (stage) => (s) => s.status === 'in-stage' && s.stage.id === stage && s.stage.awaitingReady && !s.stage.ready;
const is = (status) => (s) => s.status === status;
const pilotRunning = (s) => s.stage.id === 'pilot' && s.stage.pilot && !s.stage.pilot.endedAt;
const remindersIn = (s, gate, round) => s.timeline.filter((e) => e.type === 'reminder_sent' && e.gate === gate && e.round === round).length;

const good2 = { feasibility: 4, impact: 4 };
const impact4 = { impact: 4 };

/**
 * Each script: its process, what the idea must end as (status, and every decision as
 * gate/round/decision/decidedBy), what else its events must show, and how people drive it from
 * where it is parked (the screen gate, round 1, waiting for votes).
 */
const SCRIPTS = [
  {
    name: 'launch',
    process: 'soak-gates',
    expect: { status: 'launched', decisions: ['screen/1/go/reviewers', 'final/1/go/reviewers'] },
    async run(t) {
      await t.vote(HEAD_BAKER, 'go', good2);
      await t.vote(SHOP_MANAGER, 'go', good2);
      await t.buildAndFinal('go');
    },
  },
  {
    name: 'double-click',
    process: 'soak-gates',
    expect: { status: 'launched', decisions: ['screen/1/go/reviewers', 'final/1/go/reviewers'] },
    async run(t) {
      // The same vote sent twice at once (a double click, a retry): one vote, one receipt for both.
      await t.doubleVote(HEAD_BAKER, 'go', good2);
      await t.doubleVote(SHOP_MANAGER, 'go', good2);
      await t.buildAndFinal('go');
    },
  },
  {
    name: 'override-races-vote',
    process: 'soak-gates',
    expect: { status: 'launched or killed', decisions: ['one of the two'] },
    async run(t) {
      // The last vote and an admin's kill at the same moment: exactly one decides the round.
      await t.vote(HEAD_BAKER, 'go', good2);
      const round = t.last.round;
      const [vote, override] = await Promise.allSettled([
        t.vote(SHOP_MANAGER, 'go', good2),
        t.update(() => t.client.overrideDecision(t.id, { by: OWNER, decision: 'kill', reason: 'Owner stops it', gate: round.gate, round: round.round })),
      ]);
      const refused = (result) => result.status === 'rejected' && (result.reason.code === 'gate-closed' || /gate-closed/.test(result.reason.message));
      if (vote.status === 'fulfilled' && refused(override)) {
        t.raceWonBy = 'vote';
        t.expect = { status: 'launched', decisions: ['screen/1/go/reviewers', 'final/1/go/reviewers'] };
        await t.buildAndFinal('go');
      } else if (override.status === 'fulfilled' && refused(vote)) {
        t.raceWonBy = 'override';
        t.expect = { status: 'killed', decisions: ['screen/1/kill/admin'] };
        await t.until(is('killed'), 'killed by the override');
      } else {
        throw new ScriptFailure(`the last vote ${vote.status}${vote.reason ? ` (${vote.reason.message})` : ''} and the override ${override.status}${override.reason ? ` (${override.reason.message})` : ''}: exactly one should decide, the other be refused as gate-closed`);
      }
    },
  },
  {
    name: 'killed',
    process: 'soak-gates',
    expect: { status: 'killed', decisions: ['screen/1/kill/reviewers'] },
    async run(t) {
      await t.vote(HEAD_BAKER, 'kill', { feasibility: 2, impact: 1 }, { comment: 'Not for us' });
      await t.vote(SHOP_MANAGER, 'kill', { feasibility: 2, impact: 2 });
      await t.until(is('killed'), 'killed');
    },
  },
  {
    name: 'recycled',
    process: 'soak-gates',
    expect: { status: 'launched', decisions: ['screen/1/recycle/reviewers', 'screen/2/go/reviewers', 'final/1/go/reviewers'] },
    async run(t) {
      // A go with a must-meet criterion below its minimum is a recycle.
      await t.vote(HEAD_BAKER, 'go', { feasibility: 1, impact: 5 });
      await t.vote(SHOP_MANAGER, 'go', good2);
      await t.until(awaitingWork('idea'), 'back in the idea stage for rework');
      await t.client.markReady(t.id, { by: CHAMPION.email, notes: 'Reworked: cheaper oven' });
      await t.until(atGate('screen', 2), 'screen round 2');
      await t.vote(HEAD_BAKER, 'go', good2);
      await t.vote(SHOP_MANAGER, 'go', good2);
      await t.buildAndFinal('go');
    },
  },
  {
    name: 'held-resumed',
    process: 'soak-gates',
    expect: { status: 'launched', decisions: ['screen/1/hold/admin', 'screen/2/go/reviewers', 'final/1/go/reviewers'], events: { held: 1, resumed: 1 } },
    async run(t) {
      await t.client.hold(t.id, { by: OWNER, reason: 'Wait for the budget', revisitAfter: '1h' });
      await t.until(is('on-hold'), 'on hold');
      await t.client.resume(t.id, { by: OWNER, reason: 'Budget agreed' });
      await t.until(atGate('screen', 2), 'screen round 2 after the resume');
      await t.vote(HEAD_BAKER, 'go', good2);
      await t.vote(SHOP_MANAGER, 'go', good2);
      await t.buildAndFinal('go');
    },
  },
  {
    name: 'held-revisited',
    process: 'soak-gates',
    expect: { status: 'killed', decisions: ['screen/1/hold/admin', 'screen/2/kill/reviewers'], events: { held: 1, resumed: 1 } },
    async run(t) {
      await t.client.hold(t.id, { by: OWNER, reason: 'Look again shortly', revisitAfter: '3s' });
      await t.until(is('on-hold'), 'on hold');
      await t.until(atGate('screen', 2), 'screen round 2 when the revisit date came');
      await t.vote(HEAD_BAKER, 'kill', { feasibility: 2, impact: 1 });
      await t.vote(SHOP_MANAGER, 'kill', { feasibility: 2, impact: 1 });
      await t.until(is('killed'), 'killed');
    },
  },
  {
    name: 'held-in-stage',
    process: 'soak-gates',
    expect: { status: 'launched', decisions: ['screen/1/go/reviewers', 'final/1/go/reviewers'], events: { held: 1, resumed: 1 } },
    async run(t) {
      await t.vote(HEAD_BAKER, 'go', good2);
      await t.vote(SHOP_MANAGER, 'go', good2);
      await t.until(awaitingWork('build'), 'the build stage');
      await t.client.hold(t.id, { by: OWNER, reason: 'Oven broken', revisitAfter: '1h' });
      await t.until(is('on-hold'), 'on hold in the build stage');
      await t.client.resume(t.id, { by: OWNER, reason: 'Oven fixed' });
      await t.buildAndFinal('go');
    },
  },
  {
    name: 'split-resumed',
    process: 'soak-gates',
    expect: { status: 'killed', decisions: ['screen/1/hold/reviewers', 'screen/2/go/reviewers', 'final/1/kill/reviewers'], events: { held: 1, resumed: 1 } },
    async run(t) {
      // One go and one kill: a split gate holds the idea for an admin to settle.
      await t.vote(HEAD_BAKER, 'go', good2);
      await t.vote(SHOP_MANAGER, 'kill', good2);
      await t.until(is('on-hold'), 'on hold after the split');
      await t.client.resume(t.id, { by: OWNER, reason: 'Settled: try it' });
      await t.until(atGate('screen', 2), 'screen round 2 after the resume');
      await t.vote(HEAD_BAKER, 'go', good2);
      await t.vote(SHOP_MANAGER, 'go', good2);
      await t.buildAndFinal('kill');
    },
  },
  {
    name: 'withdrawn-at-gate',
    process: 'soak-gates',
    expect: { status: 'withdrawn', decisions: [] },
    async run(t) {
      await t.client.withdraw(t.id, { by: t.submitter.email, reason: 'Found a supplier who does it' });
      await t.until(is('withdrawn'), 'withdrawn');
    },
  },
  {
    name: 'withdrawn-in-stage',
    process: 'soak-gates',
    expect: { status: 'withdrawn', decisions: ['screen/1/go/reviewers'] },
    async run(t) {
      await t.vote(HEAD_BAKER, 'go', good2);
      await t.vote(SHOP_MANAGER, 'go', good2);
      await t.until(awaitingWork('build'), 'the build stage');
      await t.client.withdraw(t.id, { by: OWNER, reason: 'No longer needed' });
      await t.until(is('withdrawn'), 'withdrawn');
    },
  },
  {
    name: 'admin-override',
    process: 'soak-gates',
    expect: { status: 'killed', decisions: ['screen/1/go/admin', 'final/1/kill/admin'] },
    async run(t) {
      await t.override('go', 'Owner decides: worth a try');
      await t.until(awaitingWork('build'), 'the build stage');
      await t.update(() => t.client.markReady(t.id, { by: CHAMPION.email, notes: 'Plan done' }));
      await t.until(atGate('final', 1), 'final round 1');
      await t.override('kill', 'Owner decides: too costly after all');
      await t.until(is('killed'), 'killed');
    },
  },
  {
    name: 'conditional-go',
    process: 'soak-gates',
    expect: { status: 'launched', decisions: ['screen/1/conditional-go/reviewers', 'final/1/go/reviewers'], events: { conditions_met: 1 }, minReminders: { 'stage-overrun|conditions-reminder': 1 } },
    async run(t) {
      await t.vote(HEAD_BAKER, 'conditional-go', good2, { conditions: ['Price it against the competition'] });
      await t.vote(SHOP_MANAGER, 'go', good2);
      await t.until(awaitingWork('build'), 'the build stage');
      await t.update(() => t.client.markReady(t.id, { by: CHAMPION.email, notes: 'Plan done' }));
      // The final gate must not open while the condition is open; the stage overruns its 3 s meanwhile.
      await sleep(4500);
      const waiting = await t.status();
      if (waiting.status !== 'in-stage' || waiting.conditions.every((c) => c.met)) {
        throw new ScriptFailure(`with the condition still open the idea is ${t.describe(waiting)}; it should wait in build`);
      }
      await t.update(() => t.client.markConditionsMet(t.id, { by: CHAMPION.email, reason: 'Priced' }));
      await t.until(atGate('final', 1), 'final round 1');
      await t.vote(OWNER, 'go', impact4);
      await t.until(is('launched'), 'launched');
    },
  },
  {
    name: 'reminded',
    process: 'soak-reminders',
    expect: { status: 'launched', decisions: ['screen/1/go/reviewers', 'final/1/go/reviewers'], minReminders: { 'final/1': 5 } },
    async run(t) {
      await t.vote(HEAD_BAKER, 'go', impact4);
      await t.until(atGate('final', 1), 'final round 1');
      // Nobody votes through three reminders; then one reviewer does, and two more reminders go to the other.
      const first = await t.until((s) => remindersIn(s, 'final', 1) >= 3, 'three reminders in final round 1');
      await t.vote(HEAD_BAKER, 'go', impact4, {}, first);
      const seen = remindersIn(t.last, 'final', 1);
      const later = await t.until((s) => remindersIn(s, 'final', 1) >= seen + 2, 'two more reminders after the first vote');
      await t.vote(SHOP_MANAGER, 'go', impact4, {}, later);
      await t.until(is('launched'), 'launched');
    },
  },
  {
    name: 'deadline-kill',
    process: 'soak-deadline',
    expect: { status: 'killed', decisions: ['screen/1/go/reviewers', 'final/1/kill/deadline'], events: { escalated: 1 }, minReminders: { 'final/1': 2 } },
    async run(t) {
      await t.vote(HEAD_BAKER, 'go', impact4);
      await t.until(atGate('final', 1), 'final round 1');
      await t.until(is('killed'), 'killed by the deadline', 60_000);
    },
  },
  {
    name: 'pilot-launch',
    process: 'soak-pilot',
    expect: { status: 'launched', decisions: ['screen/1/go/reviewers', 'go-to-launch/1/go/reviewers'], pilot: 'duration' },
    async run(t) {
      await t.vote(HEAD_BAKER, 'go', impact4);
      await t.until(pilotRunning, 'the pilot running');
      for (let week = 0; week < 4; week++) {
        await t.reading('weekly_sales', 620 + 15 * week, 'on-target');
        if (week % 2 === 0) await t.reading('waste', 4, 'on-target');
        await sleep(3000);
      }
      await t.until(atGate('go-to-launch', 1), 'the pilot over and its gate open', 60_000);
      await t.vote(OWNER, 'go', { results: 4 });
      await t.until(is('launched'), 'launched');
    },
  },
  {
    name: 'pilot-kill-threshold',
    process: 'soak-pilot',
    expect: { status: 'killed', decisions: ['screen/1/go/reviewers', 'go-to-launch/1/kill/reviewers'], pilot: 'kill-threshold', events: { kpi_alert: 2 } },
    async run(t) {
      await t.vote(HEAD_BAKER, 'go', impact4);
      await t.until(pilotRunning, 'the pilot running');
      await t.reading('weekly_sales', 500, 'below-target');
      await sleep(1500);
      await t.reading('weekly_sales', 350, 'alert');
      await sleep(1500);
      await t.reading('weekly_sales', 150, 'kill');
      await t.until(atGate('go-to-launch', 1), 'the gate opened by the kill threshold', 30_000);
      await t.vote(OWNER, 'kill', { results: 1 }, { comment: 'Sales collapsed' });
      await t.until(is('killed'), 'killed');
    },
  },
  {
    name: 'pilot-withdrawn',
    process: 'soak-pilot',
    expect: { status: 'withdrawn', decisions: ['screen/1/go/reviewers'] },
    async run(t) {
      await t.vote(HEAD_BAKER, 'go', impact4);
      await t.until(pilotRunning, 'the pilot running');
      await t.reading('weekly_sales', 610, 'on-target');
      await sleep(2500);
      await t.update(() => t.client.withdraw(t.id, { by: t.submitter.email, reason: 'Moving away' }));
      await t.until(is('withdrawn'), 'withdrawn');
    },
  },
];

/** The people's side of one idea: every call timed, every wait bounded, every refusal a failure. */
class Driver {
  constructor(client, id, script, submitter) {
    Object.assign(this, { client, id, script, submitter });
    this.last = undefined;
    this.votes = [];
    this.steps = [];
  }

  describe(s = this.last) {
    if (!s) return 'not seen yet';
    const round = s.round ? `, ${s.round.gate} round ${s.round.round}${s.round.phase === 'closing' ? ' (closing)' : ''}` : '';
    return `${s.status} in ${s.stage.id}${round}${s.stopped ? `, stopped: ${s.stopped}` : ''}`;
  }

  async status() {
    if (aborted) throw aborted;
    this.last = await timed('getIdea', () => this.client.getIdea(this.id));
    return this.last;
  }

  /** Waits until the idea's status passes `check`; a failed look (the worker busy) is counted and tried again. */
  async until(check, what, timeoutMs = STEP_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    this.steps.push(what);
    for (;;) {
      try {
        const s = await this.status();
        if (check(s)) return s;
      } catch (err) {
        if (err === aborted || !(err instanceof StageGateError) || !['no-worker', 'unknown-idea'].includes(err.code)) throw err;
        counters.pollErrors += 1;
      }
      if (Date.now() > deadline) throw new ScriptFailure(`waited ${Math.round(timeoutMs / 1000)} s for ${what}; the idea is ${this.describe()}`);
      await sleep(POLL_MS);
    }
  }

  async update(call) {
    if (aborted) throw aborted;
    return timed('update', call);
  }

  /** A reviewer's vote on the round the last status showed, naming it as a link would. */
  async vote(reviewer, decision, scores, extra = {}, seen = this.last) {
    const round = seen.round;
    if (!round) throw new ScriptFailure(`no round open for ${reviewer}'s vote; the idea is ${this.describe(seen)}`);
    if (aborted) throw aborted;
    try {
      const receipt = await timed('castVote', () =>
        this.client.castVote(this.id, { reviewer, decision, scores, gate: round.gate, round: round.round, comment: extra.comment ?? '', conditions: extra.conditions ?? [] }),
      );
      counters.votesAccepted += 1;
      this.votes.push({ reviewer, gate: round.gate, round: round.round, decision });
      return receipt;
    } catch (err) {
      counters.votesRefused += 1;
      throw new ScriptFailure(`${reviewer}'s ${decision} vote in ${round.gate} round ${round.round} was refused: ${err.code ?? ''} ${err.message}`);
    }
  }

  /** The same vote twice at once: both calls must get the first vote's receipt. */
  async doubleVote(reviewer, decision, scores) {
    const round = this.last.round;
    const vote = { reviewer, decision, scores, gate: round.gate, round: round.round };
    const receipts = await Promise.all([0, 1].map(() => timed('castVote', () => this.client.castVote(this.id, vote)))).catch((err) => {
      counters.votesRefused += 1;
      throw new ScriptFailure(`${reviewer}'s vote sent twice at once was refused: ${err.code ?? ''} ${err.message}`);
    });
    if (JSON.stringify(receipts[0]) !== JSON.stringify(receipts[1])) throw new ScriptFailure(`the same vote sent twice got two receipts: ${JSON.stringify(receipts)}`);
    counters.votesAccepted += 1;
    this.votes.push({ reviewer, gate: round.gate, round: round.round, decision });
    return receipts[0];
  }

  async override(decision, reason) {
    const round = this.last.round;
    await this.update(() => this.client.overrideDecision(this.id, { by: OWNER, decision, reason, gate: round.gate, round: round.round }));
  }

  /** One manual KPI reading, and the level the pilot must judge it at. */
  async reading(kpi, value, level) {
    if (aborted) throw aborted;
    const receipt = await timed('kpi', () => this.client.recordKpiReading(this.id, { kpi, value, by: CHAMPION.email }));
    counters.readings += 1;
    this.readingsAccepted = (this.readingsAccepted ?? 0) + 1;
    if (receipt.level !== level) throw new ScriptFailure(`a ${kpi} reading of ${value} was judged ${receipt.level}, expected ${level}`);
  }

  /** Build stage: the champion marks the plan ready, and the owner decides the final gate. */
  async buildAndFinal(decision) {
    await this.until(awaitingWork('build'), 'the build stage');
    await this.update(() => this.client.markReady(this.id, { by: CHAMPION.email, notes: 'Plan done', links: ['https://example.com/plan'] }));
    await this.until(atGate('final', 1), 'final round 1');
    await this.vote(OWNER, decision, decision === 'kill' ? { impact: 2 } : impact4);
    await this.until(is(decision === 'kill' ? 'killed' : 'launched'), decision === 'kill' ? 'killed' : 'launched');
  }
}

for (const name of ONLY) if (!SCRIPTS.some((script) => script.name === name)) throw new Error(`SOAK_SCRIPTS: no script "${name}"; scripts: ${SCRIPTS.map((s) => s.name).join(', ')}`);
const PLAYED = ONLY.length ? SCRIPTS.filter((script) => ONLY.includes(script.name)) : SCRIPTS;

/** Runs `task` on every item, at most `limit` at once. */
async function pool(items, limit, task) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index], index);
    }
  });
  await Promise.all(workers);
}

// ---- the workflow thread's heap, through the inspector ----------------------------------------

/**
 * Workflows run in the worker's own thread (the SDK's workflow thread pool), whose heap the main
 * thread's process.memoryUsage() does not see. The inspector reaches it: a full collection there,
 * then its heap in use.
 */
async function workflowThreadProbe() {
  const session = new inspector.Session();
  session.connect();
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  const threads = [];
  const answers = new Map();
  let nextId = 0;
  session.on('NodeWorker.attachedToWorker', ({ params }) => threads.push(params));
  session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
    const message = JSON.parse(params.message);
    const answer = answers.get(message.id);
    if (answer) {
      answers.delete(message.id);
      if (message.error) answer.reject(new Error(message.error.message));
      else answer.resolve(message.result);
    }
  });
  await post('NodeWorker.enable', { waitForDebuggerOnStart: false });
  for (let i = 0; i < 50 && !threads.some((t) => /workflow-worker-thread/.test(t.workerInfo.url)); i++) await sleep(100);
  const thread = threads.find((t) => /workflow-worker-thread/.test(t.workerInfo.url));
  if (!thread) {
    session.disconnect();
    return undefined;
  }
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      answers.set(id, { resolve, reject });
      post('NodeWorker.sendMessageToWorker', { sessionId: thread.sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
    });
  return {
    url: thread.workerInfo.url,
    async heapUsed() {
      await send('HeapProfiler.collectGarbage');
      await send('HeapProfiler.collectGarbage');
      return (await send('Runtime.getHeapUsage')).usedSize;
    },
    async close() {
      await post('NodeWorker.detach', { sessionId: thread.sessionId }).catch(() => undefined);
      await post('NodeWorker.disable').catch(() => undefined);
      session.disconnect();
    },
  };
}

// ---- the checks -------------------------------------------------------------------------------

/** `<ideaId>:<journey>[:<stream>]:<seq>`: the idea's own events, or a pilot's stream. */
function parseEventId(id) {
  const parts = id.split(':');
  return parts.length === 4 ? { journey: parts[1], stream: parts[2] } : parts.length === 3 ? { journey: parts[1], stream: 'journey' } : { journey: undefined, stream: 'journey' };
}

function checkIdea(run, events, outbox, problems) {
  const { id, script } = run;
  const fail = (what) => problems.push({ ideaId: id, script: script.name, problem: what });
  // A race's script says what it expects once it knows who won.
  const expect = run.driver.expect ?? script.expect;
  const final = run.final;
  if (run.error) fail(`script failed: ${run.error}`);
  if (!final) {
    fail('no final status');
    return;
  }
  // The outcome and every decision, against the script.
  if (final.status !== expect.status) fail(`ended ${final.status}, the script says ${expect.status}`);
  if (final.stopped) fail(`Temporal stopped the journey: ${final.stopped}`);
  const decisions = final.decisions.map((d) => `${d.gate}/${d.round}/${d.decision}/${d.decidedBy}`);
  if (decisions.join(' ') !== expect.decisions.join(' ')) fail(`decisions ${JSON.stringify(decisions)}, the script says ${JSON.stringify(expect.decisions)}`);

  // Events: unique, numbered 1..N in each stream, one journey.
  const streams = new Map();
  const ids = new Set();
  const journeys = new Set();
  for (const event of events) {
    if (ids.has(event.id)) fail(`event id ${event.id} twice`);
    ids.add(event.id);
    const { journey, stream } = parseEventId(event.id);
    journeys.add(journey);
    if (!streams.has(stream)) streams.set(stream, []);
    streams.get(stream).push(event);
  }
  if (journeys.size !== 1) fail(`events name ${journeys.size} journeys: ${[...journeys].join(', ')}`);
  for (const [stream, list] of streams) {
    const seqs = list.map((e) => e.seq).sort((a, b) => a - b);
    const gaps = seqs.filter((seq, i) => seq !== i + 1);
    if (gaps.length) fail(`${stream} events are not numbered 1..${seqs.length}: ${seqs.join(',')}`);
    list.sort((a, b) => a.seq - b.seq);
  }
  const main = streams.get('journey') ?? [];
  if (final.eventCount !== undefined && final.eventCount !== main.length) fail(`the journey counts ${final.eventCount} events, the store has ${main.length}`);

  // Each round: decided exactly once (a round open when the idea was withdrawn, never), votes at most once per reviewer.
  const rounds = new Map();
  const key = (e) => `${e.gate}/${e.round}`;
  const roundOf = (e) => {
    if (!rounds.has(key(e))) rounds.set(key(e), { opened: 0, decided: [], votes: new Map(), reminders: [] });
    return rounds.get(key(e));
  };
  for (const e of main) {
    if (e.type === 'gate_opened') roundOf(e).opened += 1;
    if (e.type === 'decided') roundOf(e).decided.push(e);
    if (e.type === 'vote_cast') {
      const votes = roundOf(e).votes;
      votes.set(e.actor, [...(votes.get(e.actor) ?? []), e]);
    }
    if (e.type === 'reminder_sent' && e.detail.purpose === 'review-reminder') roundOf(e).reminders.push(e);
  }
  const lastOpened = [...main].reverse().find((e) => e.type === 'gate_opened');
  for (const [name, round] of rounds) {
    if (round.opened !== 1) fail(`${name} opened ${round.opened} times`);
    const openAtWithdrawal = final.status === 'withdrawn' && lastOpened && key(lastOpened) === name;
    if (round.decided.length !== 1 && !(openAtWithdrawal && round.decided.length === 0)) fail(`${name} decided ${round.decided.length} times`);
    for (const [reviewer, votes] of round.votes) if (votes.length > 1) fail(`${reviewer} voted ${votes.length} times in ${name}`);
    const decidedSeq = round.decided[0]?.seq ?? Infinity;
    const late = round.reminders.filter((r) => r.seq > decidedSeq);
    if (late.length) fail(`${late.length} reminders in ${name} after its decision`);
    // A reminder computes who has not voted before it is recorded: at most the one in flight names a reviewer who just voted.
    for (const [reviewer, votes] of round.votes) {
      const after = round.reminders.filter((r) => r.seq > votes[0].seq && r.detail.to.includes(reviewer));
      if (after.length > 1) fail(`${after.length} reminders in ${name} went to ${reviewer} after their vote`);
    }
  }
  const decidedEvents = main.filter((e) => e.type === 'decided').length;
  if (decidedEvents !== final.decisions.length) fail(`${decidedEvents} decided events for ${final.decisions.length} decisions`);
  // Every vote the driver was told was counted is one vote_cast event, in its round.
  for (const vote of run.driver.votes) {
    const cast = rounds.get(`${vote.gate}/${vote.round}`)?.votes.get(vote.reviewer) ?? [];
    if (cast.length !== 1) fail(`${vote.reviewer}'s accepted vote in ${vote.gate}/${vote.round} is ${cast.length} vote_cast events`);
  }
  const castTotal = main.filter((e) => e.type === 'vote_cast').length;
  if (castTotal !== run.driver.votes.length) fail(`${castTotal} vote_cast events for ${run.driver.votes.length} votes accepted`);

  // The end: one terminal event, the last of the journey's (a launch is followed by its recognition).
  const terminal = main.filter((e) => ['launched', 'killed', 'withdrawn'].includes(e.type));
  if (terminal.length !== 1 || terminal[0].type !== final.status) fail(`terminal events ${JSON.stringify(terminal.map((e) => e.type))} for an idea ${final.status}`);
  const tail = main.slice(main.indexOf(terminal[0]) + 1).map((e) => e.type);
  if (terminal[0] && tail.join(',') !== (final.status === 'launched' ? 'recognised' : '')) fail(`after ${terminal[0].type} come ${JSON.stringify(tail)}`);

  for (const [type, count] of Object.entries(expect.events ?? {})) {
    const seen = [...streams.values()].flat().filter((e) => e.type === type).length;
    if (seen !== count) fail(`${seen} ${type} events, the script says ${count}`);
  }
  for (const [name, min] of Object.entries(expect.minReminders ?? {})) {
    // A gate round's review reminders, or every reminder of a purpose (or of either purpose, `a|b`).
    const seen = name.includes('/') ? (rounds.get(name)?.reminders.length ?? 0) : [...streams.values()].flat().filter((e) => e.type === 'reminder_sent' && name.split('|').includes(e.detail.purpose)).length;
    if (seen < min) fail(`${seen} reminders in ${name}, the script waits for at least ${min}`);
  }
  const pilotEnded = main.filter((e) => e.type === 'pilot_ended');
  if (expect.pilot) {
    if (pilotEnded.length !== 1 || pilotEnded[0].detail.reason !== expect.pilot) fail(`pilot_ended ${JSON.stringify(pilotEnded.map((e) => e.detail.reason))}, the script says ${expect.pilot}`);
    const readings = [...streams.entries()].filter(([s]) => s.startsWith('pilot-')).flatMap(([, list]) => list).filter((e) => e.type === 'kpi_recorded').length;
    if (readings !== run.readings) fail(`${readings} kpi_recorded events for ${run.readings} readings accepted`);
  }
  if (run.pilotStatus === 'RUNNING') fail(`its pilot ${run.pilotWorkflowId} still runs after the idea ended ${final.status}`);

  // Messages: every reminder recorded went to each of its recipients, once.
  for (const purpose of ['review-reminder', 'stage-overrun', 'conditions-reminder', 'kpi-reminder']) {
    const told = [...streams.values()].flat().filter((e) => e.type === 'reminder_sent' && e.detail.purpose === purpose).reduce((sum, e) => sum + e.detail.to.length, 0);
    const sent = outbox.filter((m) => m.purpose === purpose).length;
    // A withdrawal cancels what is in flight: a reminder sent but not yet recorded, or recorded but still waiting to go out.
    const ok = final.status === 'withdrawn' ? Math.abs(sent - told) <= 2 : sent === told;
    if (!ok) fail(`${sent} ${purpose} messages for ${told} recorded recipients`);
  }
  // Every round asked each of its reviewers, or (decided by a vote that came before it got to ask) none of them;
  // every decision was told to the submitter and champion, and one not taken by the reviewers to the reviewers too.
  if (final.status !== 'withdrawn') {
    const opened = main.filter((e) => e.type === 'gate_opened');
    for (const round of opened) {
      // Outbox ids: <idea>/<journey>/<gate>/<round>/<purpose>/<to>/<seq>.
      const asked = outbox.filter((m) => m.purpose === 'review-request' && m.id.split('/').slice(2, 4).join('/') === key(round)).length;
      if (asked === 0) run.decidedBeforeAsked = (run.decidedBeforeAsked ?? 0) + 1;
      else if (asked !== round.detail.reviewers.length) fail(`${asked} review-request messages in ${key(round)} for ${round.detail.reviewers.length} reviewers`);
    }
    const concerned = main
      .filter((e) => e.type === 'decided')
      .reduce((sum, e) => {
        const reviewers = opened.find((o) => key(o) === key(e))?.detail.reviewers ?? [];
        return sum + new Set([run.submitter.email, CHAMPION.email, ...(e.detail.decidedBy === 'reviewers' ? [] : reviewers)]).size;
      }, 0);
    const told = outbox.filter((m) => m.purpose === 'decision').length;
    if (told !== concerned) fail(`${told} decision messages for ${concerned} people concerned by its decisions`);
  }
}

// ---- the run ----------------------------------------------------------------------------------

async function main() {
  const started = performance.now();
  const tag = randomBytes(3).toString('hex');
  console.log(`stagegate soak, Node ${process.version}, ${os.cpus().length} cores: ${IDEAS} ideas, ${CONCURRENCY} at a time, scripts released over ${MINUTES} min (run ${tag})`);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'stagegate-soak-'));
  const settings = loadSettings({
    env: {},
    overrides: {
      taskQueue: `soak-${tag}`,
      dataDir,
      processesDir: join(__dirname, 'processes'),
      linkSecret: `soak-link-secret-${randomBytes(16).toString('hex')}`,
      metricsPort: 0,
    },
  });

  const cleanups = [];
  const results = { problems: [] };
  try {
    const log = (line) => process.stderr.write(`${line}\n`);
    const env = await startDevServer({ log });
    cleanups.push(() => env.teardown());
    const bundled = performance.now();
    const workflowBundle = await bundleWorkflows();
    const bundleMs = performance.now() - bundled;
    const sg = await createStageGateWorker({ settings, connection: env.nativeConnection, namespace: env.namespace, workflowBundle });
    const running = sg.run();
    let workerFailed;
    running.catch((err) => (workerFailed = err));
    cleanups.push(async () => {
      if (sg.worker.getState() === 'RUNNING') sg.worker.shutdown();
      await running.catch(() => undefined);
    });
    const client = await StageGateClient.connect({ settings, connection: env.connection, namespace: env.namespace });
    cleanups.push(() => client.close());
    const probe = await workflowThreadProbe();
    if (probe) cleanups.push(() => probe.close());
    const worker = sg.worker;
    const maxCached = worker.options.maxCachedWorkflows;
    console.log(`dev server and worker up in ${((performance.now() - started) / 1000).toFixed(1)} s (bundle ${(bundleMs / 1000).toFixed(1)} s); maxCachedWorkflows ${maxCached} (the SDK's default for a ${mib(require('node:v8').getHeapStatistics().heap_size_limit)} heap limit)`);

    /** Waits until the worker has no workflow activation and no activity in hand, so the heap holds only what is parked. */
    async function quiet() {
      let calm = 0;
      for (let i = 0; i < 300 && calm < 5; i++) {
        const status = worker.getStatus();
        calm = status.numInFlightWorkflowActivations === 0 && status.numInFlightActivities === 0 ? calm + 1 : 0;
        await sleep(200);
      }
    }
    const memory = [];
    async function sampleMemory(label, parked) {
      await quiet();
      global.gc();
      global.gc();
      const threadHeap = probe ? await probe.heapUsed() : 0;
      const usage = process.memoryUsage();
      const sample = { label, parked, cachedWorkflows: worker.getStatus().numCachedWorkflows, mainHeap: usage.heapUsed, workflowThreadHeap: threadHeap, heap: usage.heapUsed + threadHeap, rss: usage.rss, external: usage.external };
      memory.push(sample);
      console.log(`memory ${label.padEnd(22)} heap ${mib(sample.heap)} (main ${mib(sample.mainHeap)}, workflow thread ${mib(sample.workflowThreadHeap)}), rss ${mib(sample.rss)}, ${sample.cachedWorkflows} workflows cached`);
      return sample;
    }
    // The runs: scripts in turn, so every script is in every stretch of the soak.
    const makeRun = (n, label) => {
      const script = PLAYED[n % PLAYED.length];
      const id = `soak-${tag}-${label}-${script.name}`.slice(0, 64);
      const submitter = { email: `soak-${label}@customer.example`, name: `Customer ${label}` };
      return { n, id, script, submitter, driver: new Driver(client, id, script, submitter), readings: 0 };
    };
    const runs = Array.from({ length: IDEAS }, (_, n) => makeRun(n, String(n).padStart(4, '0')));
    /** One idea of each script, through to its end before the first sample: code compiled, templates cached. */
    const warmups = PLAYED.map((_, n) => makeRun(n, `w${n}`));

    /** Submits the idea and waits until its screen gate waits for votes. */
    let parked = 0;
    const park = async (run) => {
      try {
        const submitted = await timed('update', () =>
          client.submitIdea({
            ideaId: run.id,
            title: `Soak idea ${run.n} (${run.script.name})`,
            description: `Idea ${run.n} of the soak, following the script "${run.script.name}".`,
            source: ['employee', 'customer', 'partner', 'network'][run.n % 4],
            submitter: run.submitter,
            champion: CHAMPION,
            category: 'product',
            process: run.script.process,
            estimatedCost: 100 + run.n,
            estimatedBenefit: 1000 + run.n,
          }),
        );
        if (!submitted.created) throw new ScriptFailure('submitting it found an idea with its id already there');
        await run.driver.until(atGate('screen', 1), 'parked at screen round 1');
        parked += 1;
      } catch (err) {
        if (err === aborted) throw err;
        run.error = `parking: ${err.message}`;
      }
    };
    /** Plays the idea's script from where it is parked to its end. */
    const drive = async (run) => {
      if (run.error) return;
      try {
        await run.driver.status();
        await run.script.run(run.driver);
      } catch (err) {
        if (err === aborted) throw err;
        run.error = `${err.message} (steps: ${run.driver.steps.join(' → ')})`;
      }
      run.readings = run.driver.readingsAccepted ?? 0;
    };

    const warmStarted = performance.now();
    await pool(warmups, CONCURRENCY, async (run) => {
      await park(run);
      await drive(run);
    });
    console.log(`warm-up: ${warmups.length} ideas, one per script, played through in ${((performance.now() - warmStarted) / 1000).toFixed(1)} s`);
    for (let i = 0; i < 50 && worker.getStatus().numCachedWorkflows > 0; i++) await sleep(200);
    await sampleMemory('at start', 0);
    // The figures count the soak's own ideas; the warm-up's are checked with them.
    Object.keys(latencies).forEach((kind) => (latencies[kind].length = 0));
    Object.keys(counters).forEach((name) => (counters[name] = 0));
    parked = 0;

    const parkStarted = performance.now();
    await pool(runs.slice(0, BASELINE_PARKED), CONCURRENCY, park);
    const baseline = await sampleMemory(`${BASELINE_PARKED} parked`, parked);
    await pool(runs.slice(BASELINE_PARKED), CONCURRENCY, park);
    const parkSeconds = (performance.now() - parkStarted) / 1000;
    const full = await sampleMemory(`${IDEAS} parked`, parked);
    console.log(`parked ${parked} ideas in ${parkSeconds.toFixed(1)} s; releasing their scripts over ${MINUTES} min`);

    // Drive: release the scripts evenly over the window, at most CONCURRENCY at once.
    const driveStarted = performance.now();
    const windowMs = MINUTES * 60_000;
    let done = 0;
    let lastReport = Date.now();
    const queue = runs.filter((run) => !run.error);
    await pool(queue, CONCURRENCY, async (run, index) => {
      const releaseAt = driveStarted + (index * windowMs) / queue.length;
      const wait = releaseAt - performance.now();
      if (wait > 0) await sleep(wait);
      if (aborted) throw aborted;
      run.releasedMs = performance.now() - driveStarted;
      await drive(run);
      run.finishedMs = performance.now() - driveStarted;
      done += 1;
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        const status = worker.getStatus();
        console.log(`  ${done}/${queue.length} scripts done after ${((performance.now() - driveStarted) / 1000).toFixed(0)} s; ${status.numCachedWorkflows} workflows cached, ${counters.votesAccepted} votes`);
      }
    });
    const driveSeconds = (performance.now() - driveStarted) / 1000;
    if (workerFailed) throw workerFailed;

    // The end of each idea, as the SDK sees it, and the state of each pilot.
    const checked = [...warmups, ...runs];
    await pool(checked, CONCURRENCY, async (run) => {
      try {
        run.final = await client.getIdea(run.id);
        if (run.final.stage.pilot) {
          run.pilotWorkflowId = run.final.stage.pilot.workflowId;
          run.pilotStatus = (await client.client.workflow.getHandle(run.pilotWorkflowId).describe()).status.name;
        }
      } catch (err) {
        run.error ??= `final status: ${err.message}`;
      }
    });
    const ended = runs.filter((run) => run.final && ['launched', 'killed', 'withdrawn'].includes(run.final.status)).length;
    // Ended journeys leave the cache; what is left on the heap then is what they left behind.
    for (let i = 0; i < 50 && worker.getStatus().numCachedWorkflows > 0; i++) await sleep(200);
    const after = await sampleMemory('after all ended', 0);

    // The checks, on the events store and the outbox the worker wrote.
    const store = await openStore(settings);
    cleanups.push(() => store.close());
    const events = await store.events();
    const outbox = await store.outbox({ limit: 100_000_000 });
    const eventsByIdea = new Map(checked.map((run) => [run.id, []]));
    for (const event of events) eventsByIdea.get(event.ideaId)?.push(event);
    const outboxByIdea = new Map(checked.map((run) => [run.id, []]));
    for (const message of outbox) outboxByIdea.get(message.ideaId)?.push(message);
    const problems = results.problems;
    for (const run of checked) checkIdea(run, eventsByIdea.get(run.id), outboxByIdea.get(run.id), problems);
    const outboxIds = new Set();
    const messageIds = new Set();
    for (const message of outbox) {
      if (outboxIds.has(message.id)) problems.push({ problem: `outbox id ${message.id} twice` });
      outboxIds.add(message.id);
      if (message.messageId) {
        if (messageIds.has(message.messageId)) problems.push({ problem: `Message-ID ${message.messageId} twice` });
        messageIds.add(message.messageId);
      }
    }
    // What the failing ideas went through, for a look afterwards.
    const failing = new Set(problems.map((p) => p.ideaId).filter(Boolean));
    results.failingIdeas = checked
      .filter((run) => failing.has(run.id))
      .map((run) => ({
        ideaId: run.id,
        script: run.script.name,
        error: run.error,
        status: run.final && run.driver.describe(run.final),
        events: eventsByIdea.get(run.id).map((e) => `${e.id.split(':').slice(2).join(':')} ${e.type}${e.gate ? ` ${e.gate}/${e.round}` : ''}${e.actor ? ` by ${e.actor}` : ''}`),
        timeline: run.final?.timeline.map((e) => `${e.seq} ${e.type}${e.gate ? ` ${e.gate}/${e.round}` : ''}${e.detail.reason ? ` (${e.detail.reason})` : ''}`),
        /** Entries the journey shows that the events store does not have. */
        missingFromStore: run.final?.timeline.filter((e) => !eventsByIdea.get(run.id).some((stored) => parseEventId(stored.id).stream === 'journey' && stored.seq === e.seq)),
        pilot: run.final?.stage.pilot && { ...run.final.stage.pilot, temporalStatus: run.pilotStatus },
      }));
    const strays = events.filter((e) => !eventsByIdea.has(e.ideaId)).length;
    if (strays) problems.push({ problem: `${strays} events of ideas the soak did not submit` });

    // Memory: what an extra parked idea costs against what each of the first ones did.
    const extra = IDEAS - BASELINE_PARKED;
    const perFirst = (baseline.heap - memory[0].heap) / BASELINE_PARKED;
    const perExtra = extra > 0 ? (full.heap - baseline.heap) / extra : 0;
    const allowed = baseline.heap + extra * Math.max(perFirst, 0) * PER_IDEA_BOUND + HEAP_SLACK_BYTES;
    const withinBound = full.heap <= allowed;
    // The workflow thread alone: the journeys' own state in the worker's cache, without the main thread's noise.
    const threadFirst = (baseline.workflowThreadHeap - memory[0].workflowThreadHeap) / BASELINE_PARKED;
    const threadExtra = extra > 0 ? (full.workflowThreadHeap - baseline.workflowThreadHeap) / extra : 0;
    const leftBehind = after.heap - memory[0].heap;
    const leftBound = Math.max(HEAP_SLACK_BYTES, 0.1 * (full.heap - memory[0].heap));
    const released = leftBehind <= leftBound;
    const memoryProblems = [];
    if (!withinBound) memoryProblems.push(`the heap with ${IDEAS} parked is ${mib(full.heap)}, over the bound ${mib(allowed)} (${BASELINE_PARKED} parked plus ${PER_IDEA_BOUND}x their per-idea cost for each extra idea, plus ${mib(HEAP_SLACK_BYTES)})`);
    if (!released) memoryProblems.push(`after every idea ended the heap is ${mib(leftBehind)} above the start, over ${mib(leftBound)}: ended journeys leave memory behind`);
    for (const problem of memoryProblems) problems.push({ problem: `memory: ${problem}` });

    // Figures, of the soak's own ideas (the warm-up's were checked, not counted).
    const own = new Set(runs.map((run) => run.id));
    const ownEvents = events.filter((e) => own.has(e.ideaId));
    const count = (type, purpose) => ownEvents.filter((e) => e.type === type && (purpose === undefined || e.detail.purpose === purpose)).length;
    const totalSeconds = (performance.now() - started) / 1000;
    const byScript = Object.fromEntries(PLAYED.map((s) => [s.name, runs.filter((r) => r.script === s).length]));
    const figures = {
      ideas: IDEAS,
      scripts: byScript,
      concurrency: CONCURRENCY,
      releaseWindowMinutes: MINUTES,
      seconds: { total: totalSeconds, park: parkSeconds, drive: driveSeconds, bundle: bundleMs / 1000 },
      ended,
      journeysPerSecond: ended / (parkSeconds + driveSeconds),
      parkedPerSecond: parked / parkSeconds,
      votes: count('vote_cast'),
      votesAccepted: counters.votesAccepted,
      votesRefused: counters.votesRefused,
      decisions: count('decided'),
      reminders: { total: count('reminder_sent'), review: count('reminder_sent', 'review-reminder'), stageOverrun: count('reminder_sent', 'stage-overrun'), conditions: count('reminder_sent', 'conditions-reminder'), kpi: count('reminder_sent', 'kpi-reminder') },
      escalations: count('escalated'),
      pilotReadings: count('kpi_recorded'),
      pilotsEnded: count('pilot_ended'),
      events: ownEvents.length,
      outboxMessages: outbox.filter((m) => own.has(m.ideaId)).length,
      pollErrors: counters.pollErrors,
      roundsDecidedBeforeAsked: checked.reduce((sum, r) => sum + (r.decidedBeforeAsked ?? 0), 0),
      racesWon: { lastVote: runs.filter((r) => r.driver.raceWonBy === 'vote').length, override: runs.filter((r) => r.driver.raceWonBy === 'override').length },
      latencyMs: Object.fromEntries(Object.entries(latencies).map(([kind, values]) => [kind, { n: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? Math.max(...values) : NaN }])),
      memory: {
        maxCachedWorkflows: maxCached,
        samples: memory,
        baselineParked: BASELINE_PARKED,
        heapPerIdeaFirst: perFirst,
        heapPerIdeaExtra: perExtra,
        workflowThreadHeapPerIdeaFirst: threadFirst,
        workflowThreadHeapPerIdeaExtra: threadExtra,
        ratio: perFirst > 0 ? perExtra / perFirst : NaN,
        boundBytes: allowed,
        withinBound,
        leftBehindBytes: leftBehind,
        released,
      },
      checks: { ideasChecked: checked.length, problems: problems.length, passed: problems.length === 0 },
    };
    Object.assign(results, figures);

    const lat = figures.latencyMs;
    const row = (name, value, note = '') => console.log(`${name.padEnd(46)} ${String(value).padStart(16)}   ${note}`);
    const ms = (value) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : '-');
    console.log(`\nSoak figures (${IDEAS} ideas, ${PLAYED.length} scripts, ${Math.ceil(IDEAS / PLAYED.length)} or fewer of each; ${warmups.length} warm-up ideas before the start sample)`);
    row('ideas submitted / parked / ended', `${IDEAS} / ${parked} / ${ended}`);
    row('duration: total', `${totalSeconds.toFixed(0)} s`, `park ${parkSeconds.toFixed(0)} s, drive ${driveSeconds.toFixed(0)} s, the rest starting, sampling, checking`);
    row('journeys per second (park + drive)', figures.journeysPerSecond.toFixed(2), `parking alone: ${figures.parkedPerSecond.toFixed(2)} ideas/s to their first gate`);
    row('votes (vote_cast events)', figures.votes, `${counters.votesAccepted} accepted by the SDK, ${counters.votesRefused} refused`);
    row('decisions (decided events)', figures.decisions, `${figures.escalations} escalations`);
    row('reminders sent', figures.reminders.total, `review ${figures.reminders.review}, stage overrun ${figures.reminders.stageOverrun}, conditions ${figures.reminders.conditions}, KPI ${figures.reminders.kpi}`);
    row('pilot readings (kpi_recorded)', figures.pilotReadings, `${figures.pilotsEnded} pilots ended`);
    row('events / outbox messages', `${figures.events} / ${figures.outboxMessages}`);
    row('castVote latency p50 / p99', `${ms(lat.castVote.p50)} / ${ms(lat.castVote.p99)}`, `max ${ms(lat.castVote.max)}, ${lat.castVote.n} votes`);
    row('baseline: getIdea p50 / p99', `${ms(lat.getIdea.p50)} / ${ms(lat.getIdea.p99)}`, `a query and a describe, ${lat.getIdea.n} calls; castVote p50 is ${(lat.castVote.p50 / lat.getIdea.p50).toFixed(1)}x`);
    row('other updates p50 / p99', `${ms(lat.update.p50)} / ${ms(lat.update.p99)}`, `submit, ready, hold, resume, withdraw, override (${lat.update.n})`);
    row('recordKpiReading p50 / p99', `${ms(lat.kpi.p50)} / ${ms(lat.kpi.p99)}`, `${lat.kpi.n} readings`);
    row('polls that found no worker in time', counters.pollErrors);
    row('rounds decided before their review request', figures.roundsDecidedBeforeAsked, 'a vote accepted while gate_opened was being recorded closed the round; nobody was asked');
    row('override racing the last vote: won by', `vote ${figures.racesWon.lastVote} / override ${figures.racesWon.override}`, 'the other refused as gate-closed each time');
    for (const sample of memory) row(`heap, ${sample.label}`, mib(sample.heap), `main ${mib(sample.mainHeap)} + workflow thread ${mib(sample.workflowThreadHeap)}; rss ${mib(sample.rss)}; ${sample.cachedWorkflows} cached`);
    row(`baseline: heap per parked idea, first ${BASELINE_PARKED}`, kib(perFirst));
    row(`heap per parked idea, next ${extra}`, kib(perExtra), `${figures.memory.ratio.toFixed(2)}x the baseline`);
    row('workflow thread alone, per parked idea', `${kib(threadFirst)} / ${kib(threadExtra)}`, `first ${BASELINE_PARKED} / next ${extra}; at maxCachedWorkflows that is ${mib(Math.max(threadFirst, threadExtra) * maxCached)}`);
    row(`heap with ${IDEAS} parked within the bound`, withinBound ? 'yes' : 'NO', `grew ${mib(full.heap - baseline.heap)} for ${extra} more parked ideas (${kib(perExtra)} per idea); bound ${mib(allowed)}`);
    row('heap left behind once all ended', mib(leftBehind), released ? `within ${mib(leftBound)}` : `OVER ${mib(leftBound)}`);
    row('maxCachedWorkflows', maxCached, `SDK default; every parked idea ${maxCached >= IDEAS ? 'fits' : 'does not fit'} in the cache, so the figure is a cached journey's cost`);
    row('checks', problems.length === 0 ? 'passed' : `${problems.length} FAILED`, `${checked.length} ideas: outcome, decisions, events 1..N, one decision per round, one vote per reviewer, reminders vs outbox`);

    if (problems.length) {
      console.log('\nProblems:');
      for (const p of problems.slice(0, 200)) console.log(`  ${p.ideaId ? `${p.ideaId}: ` : ''}${p.problem}`);
      if (problems.length > 200) console.log(`  ... and ${problems.length - 200} more (all in .test-results/soak.json)`);
    }
    return problems.length === 0 ? 0 : 1;
  } finally {
    const outDir = join(root, '.test-results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'soak.json'), `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cores: os.cpus().length, ...results }, null, 2)}\n`);
    for (const cleanup of cleanups.reverse()) {
      await Promise.resolve()
        .then(cleanup)
        .catch((err) => console.error(`cleaning up: ${err.message}`));
    }
    if (KEEP_DATA) console.log(`data folder kept: ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err === aborted) {
      console.error(`${err.message}; everything it started is stopped.`);
      process.exit(130);
    }
    console.error(err);
    process.exit(1);
  },
);
