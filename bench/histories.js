#!/usr/bin/env node
/*
 * How big a journey's history grows (issue 14, part 4): events and bytes per journey for each
 * shipped template (config/processes/*.yaml) and path (launch, kill, recycle, hold/resume), every
 * workflow of the journey counted (the idea's runs and its pilots' runs), and a year-long pilot
 * (bench/processes/year-pilot.yaml) with weekly and with hourly readings recorded through the
 * SDK without waiting for the clock, across the pilot's continue-as-new runs; printed against
 * Temporal's warning limits per run (10,240 events, 10 MB).
 *
 *   npm run build && node bench/histories.js
 *   node bench/histories.js --hours 8760      # a whole year of hourly readings (minutes)
 *
 * Flags: --hours H of hourly readings (672: four weeks; the year's figures are scaled from
 * them, run by run). Written to .bench-results/histories.json and .md.
 */
'use strict';

const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { randomBytes } = require('node:crypto');
const { DefaultLogger, Runtime } = require('@temporalio/worker');
const { temporal } = require('@temporalio/proto');

const { wholeNumberFlags } = require('./flags');
const { writeResults } = require('./results');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const { startDevServer } = require(join(dist, 'worker/dev-server'));
const { createStageGateWorker, bundleWorkflows } = require(join(dist, 'worker/worker'));
const { StageGateClient, StageGateError } = require(join(dist, 'client/sdk'));
const { loadSettings } = require(join(dist, 'config/settings'));
const { ideaWorkflowId } = require(join(dist, 'workflows/messages'));

const flags = wholeNumberFlags({ hours: 672 });

Runtime.install({ logger: new DefaultLogger('WARN') });

/** Temporal warns past these per run (and fails a run at 51,200 events or 50 MB). */
const WARN_EVENTS = 10_240;
const WARN_BYTES = 10 * 1024 * 1024;
/** Temporal warns past 512 KB in one payload and refuses one past 2 MB: a run's input (what it carries when it continues as new) is one. */
const WARN_PAYLOAD_BYTES = 512 * 1024;
const MAX_PAYLOAD_BYTES = 2 * 1024 * 1024;
const OLIVIA = 'olivia@cornerbakery.example';
const CHAMPION = { email: 'leo@cornerbakery.example', name: 'Leo Martin' };
const TEMPLATES = ['express', 'smb-lite', 'stage-gate-full'];
const PATHS = ['launch', 'kill', 'recycle', 'hold/resume'];
const YEAR_HOURS = 365 * 24;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const encoded = (history) => temporal.api.history.v1.History.encode(history).finish().length;
/** The bytes of a run's input: its first event's payloads. */
const inputBytes = (history) => (history.events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? []).reduce((sum, payload) => sum + (payload.data?.length ?? 0), 0);
const lastEvent = (history) => history.events[history.events.length - 1];

/** Every run of a workflow, first to last, each with its events and bytes. */
async function runsOf(client, workflowId, firstRunId) {
  const runs = [];
  // Without a run id a handle is the latest run: start from the first.
  const first = firstRunId ?? (await client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.firstRunId;
  for (let runId = first || undefined; ; ) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.push({ history, events: history.events.length, bytes: encoded(history), inputBytes: inputBytes(history) });
    runId = lastEvent(history)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!runId) return runs;
  }
}

/** A journey's workflows: the idea's runs and each pilot's runs. */
async function journeyHistory(client, ideaId) {
  const runs = await runsOf(client, ideaWorkflowId(ideaId));
  const pilots = [];
  for (const run of runs) {
    for (const event of run.history.events) {
      const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (child?.workflowId) pilots.push(...(await runsOf(client, child.workflowId, child.runId)));
    }
  }
  const all = [...runs, ...pilots];
  return {
    workflows: all.length,
    events: all.reduce((sum, run) => sum + run.events, 0),
    bytes: all.reduce((sum, run) => sum + run.bytes, 0),
    largestRunEvents: Math.max(...all.map((run) => run.events)),
    largestRunBytes: Math.max(...all.map((run) => run.bytes)),
    largestInputBytes: Math.max(...all.map((run) => run.inputBytes)),
  };
}

const inputCell = (bytes) => `${bytes}, ${((bytes / WARN_PAYLOAD_BYTES) * 100).toFixed(1)}% / ${((bytes / MAX_PAYLOAD_BYTES) * 100).toFixed(1)}%`;

const notYet = (err) => err instanceof StageGateError && !['invalid-input', 'not-a-reviewer'].includes(err.code);
/** Sends `fn` until the journey takes it. */
async function taken(fn, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      return await fn();
    } catch (err) {
      if (!notYet(err) || Date.now() > deadline) throw err;
      await sleep(wait);
    }
  }
}

/** Drives one idea along `path` the way people would, through the SDK, until it ends. */
async function drive(client, ideaId, path) {
  let held = false;
  let recycled = false;
  let lastStep = '';
  for (let step = 0; step < 200; step++) {
    const status = await client.waitFor(ideaId, (s) => ['launched', 'killed'].includes(s.status) || (s.status === 'in-review' && s.round?.phase !== 'closing') || (s.status === 'in-stage' && s.stage.awaitingReady && !s.stage.ready && `${s.stage.id}/${s.round?.gate ?? ''}` !== lastStep) || (s.status === 'in-stage' && s.stage.pilot !== undefined && !s.stage.pilot.endedAt), 60_000);
    if (status.status === 'launched' || status.status === 'killed') return status.status;
    const stage = client.processes().get(status.process.id).stages[status.stage.index];
    if (status.status === 'in-review') {
      const round = status.round;
      const decision = path === 'kill' ? 'kill' : path === 'recycle' && !recycled ? 'recycle' : 'go';
      if (decision === 'recycle') recycled = true;
      const scores = Object.fromEntries(stage.gate.criteria.map((criterion) => [criterion.id, 5]));
      for (const reviewer of round.reviewers.filter((person) => !person.voted)) {
        await client.castVote(ideaId, { reviewer: reviewer.email, decision, scores, gate: round.gate, round: round.round }).catch((err) => {
          if (!(err instanceof StageGateError && err.code === 'gate-closed')) throw err;
        });
      }
      await client.waitFor(ideaId, (s) => s.round?.gate !== round.gate || s.round.round !== round.round, 60_000);
      lastStep = '';
    } else if (stage.pilot && status.stage.pilot && !status.stage.pilot.endedAt) {
      const kpi = stage.pilot.kpis.find((candidate) => candidate.killAt !== undefined);
      // The pilot is running (the query said so); one that ends a moment before refuses the reading or
      // aborts its update (the SDK says wrong-status, pilot-ended, unknown-idea or idea-ended), and the journey goes on.
      await client.recordKpiReading(ideaId, { kpi: kpi.id, value: kpi.killAt, by: status.champion.email }).catch((err) => {
        if (!(err instanceof StageGateError && ['wrong-status', 'pilot-ended', 'unknown-idea', 'idea-ended'].includes(err.code))) throw err;
      });
      await client.waitFor(ideaId, (s) => s.stage.id !== status.stage.id || s.stage.ready !== undefined || s.status !== 'in-stage', 60_000);
    } else {
      if (path === 'hold/resume' && !held) {
        held = true;
        await taken(() => client.hold(ideaId, { by: OLIVIA, reason: 'Waiting for the new oven' }));
        await client.waitFor(ideaId, (s) => s.status === 'on-hold', 60_000);
        await taken(() => client.resume(ideaId, { by: OLIVIA }));
        await client.waitFor(ideaId, (s) => s.status === 'in-stage' && s.stage.awaitingReady, 60_000);
      }
      lastStep = `${status.stage.id}/`;
      await taken(() => client.markReady(ideaId, { by: status.champion.email, notes: `${status.stage.name} done` }));
    }
  }
  throw new Error(`${ideaId} did not end in 200 steps`);
}

async function main() {
  const tag = randomBytes(3).toString('hex');
  const started = performance.now();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`\nHistory sizes (run ${tag}), Node ${process.version}, load ${load}: every shipped template and path, and a year-long pilot (${flags.hours} hourly readings)`);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'stagegate-histories-'));
  const settings = loadSettings({ env: {}, overrides: { taskQueue: `histories-${tag}`, dataDir, linkSecret: `histories-link-secret-${randomBytes(16).toString('hex')}`, metricsPort: 0 } });
  const cleanups = [];
  try {
    const env = await startDevServer({ log: (line) => process.stderr.write(`${line}\n`) });
    cleanups.push(() => env.teardown());
    const sg = await createStageGateWorker({ settings, connection: env.nativeConnection, namespace: env.namespace, workflowBundle: await bundleWorkflows() });
    const running = sg.run();
    cleanups.push(async () => {
      if (sg.worker.getState() === 'RUNNING') sg.worker.shutdown();
      await running;
    });
    const client = await StageGateClient.connect({ settings, connection: env.connection, namespace: env.namespace });
    cleanups.push(() => client.close());
    const bench = await StageGateClient.connect({ settings: { ...settings, processesDir: join(__dirname, 'processes') }, connection: env.connection, namespace: env.namespace });
    cleanups.push(() => bench.close());
    const submit = (sdk, ideaId, process) => sdk.submitIdea({ ideaId, title: `History of ${ideaId}`, description: 'An idea whose history the benchmark weighs.', source: 'employee', category: 'process', submitter: CHAMPION, process });

    const journeys = [];
    await Promise.all(TEMPLATES.flatMap((template) => PATHS.map(async (path) => {
      const ideaId = `h-${tag}-${template}-${path.replace('/', '-')}`;
      await submit(client, ideaId, template);
      const outcome = await drive(client, ideaId, path);
      journeys.push({ template, path, outcome, ...(await journeyHistory(client.client, ideaId)) });
    })));
    journeys.sort((a, b) => TEMPLATES.indexOf(a.template) - TEMPLATES.indexOf(b.template) || PATHS.indexOf(a.path) - PATHS.indexOf(b.path));
    for (const j of journeys) console.log(`  ${j.template.padEnd(16)} ${j.path.padEnd(12)} ${j.outcome.padEnd(9)} ${String(j.workflows).padStart(2)} workflow(s) ${String(j.events).padStart(5)} events ${String(j.bytes).padStart(7)} bytes`);

    // A year-long pilot: readings through the SDK as fast as the pilot takes them.
    const pilots = [];
    for (const [rhythm, readings] of [['weekly', 52], ['hourly', flags.hours]]) {
      const ideaId = `h-${tag}-year-${rhythm}`;
      await submit(bench, ideaId, 'year-pilot');
      await bench.waitFor(ideaId, (s) => s.stage.pilot !== undefined, 60_000);
      const t0 = performance.now();
      for (let n = 0; n < readings; n++) await taken(() => bench.recordKpiReading(ideaId, { kpi: 'weekly_sales', value: 50 + (n % 30), by: CHAMPION.email }));
      const seconds = (performance.now() - t0) / 1000;
      const pilotId = `${ideaWorkflowId(ideaId)}:pilot:pilot:1`;
      const runs = await runsOf(client.client, pilotId);
      const events = runs.reduce((sum, run) => sum + run.events, 0);
      const bytes = runs.reduce((sum, run) => sum + run.bytes, 0);
      const journey = await runsOf(client.client, ideaWorkflowId(ideaId));
      // Scaled to a year run by run: a run holds as many events as the pilot's limit lets it (the
      // finished runs show how many; with one run only, the limit itself).
      const scale = rhythm === 'hourly' ? YEAR_HOURS / readings : 1;
      const limit = bench.processes().get('year-pilot').stages[0].pilot.historyLimit;
      const perRun = runs.length > 1 ? runs.slice(0, -1).reduce((sum, run) => sum + run.events, 0) / (runs.length - 1) : limit;
      const figures = {
        rhythm,
        readings,
        seconds: Number(seconds.toFixed(1)),
        runs: runs.length,
        events,
        bytes,
        largestRunEvents: Math.max(...runs.map((run) => run.events)),
        largestRunBytes: Math.max(...runs.map((run) => run.bytes)),
        largestInputBytes: Math.max(...runs.map((run) => run.inputBytes)),
        eventsPerReading: Number((events / readings).toFixed(1)),
        bytesPerReading: Math.round(bytes / readings),
        journeyEvents: journey.reduce((sum, run) => sum + run.events, 0),
        year: { readings: Math.round(readings * scale), runs: Math.max(runs.length, Math.ceil((events * scale) / perRun)), events: Math.round(events * scale), bytes: Math.round(bytes * scale) },
      };
      pilots.push(figures);
      console.log(`  year-long pilot, ${rhythm}: ${readings} readings in ${figures.seconds} s, ${figures.runs} pilot run(s), ${events} events, ${bytes} bytes; largest run ${figures.largestRunEvents} events, ${figures.largestRunBytes} bytes; largest run input ${figures.largestInputBytes} bytes`);
    }

    const rows = [
      ...journeys.map((j) => [`${j.template}, ${j.path} (${j.outcome})`, `${j.workflows}`, `${j.events}`, `${j.bytes}`, `${j.largestRunEvents} / ${j.largestRunBytes}`, `${((j.largestRunEvents / WARN_EVENTS) * 100).toFixed(1)}% / ${((j.largestRunBytes / WARN_BYTES) * 100).toFixed(2)}%`, inputCell(j.largestInputBytes)]),
      ...pilots.map((p) => [
        `year-long pilot, ${p.rhythm} readings (${p.year.readings}${p.year.readings !== p.readings ? `, scaled from ${p.readings}` : ''})`,
        `${p.year.runs} pilot runs`,
        `${p.year.events}`,
        `${p.year.bytes}`,
        `${p.largestRunEvents} / ${p.largestRunBytes}`,
        `${((p.largestRunEvents / WARN_EVENTS) * 100).toFixed(1)}% / ${((p.largestRunBytes / WARN_BYTES) * 100).toFixed(2)}%`,
        inputCell(p.largestInputBytes),
      ]),
    ];
    const md = [
      `History per journey, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (every workflow of the journey: the idea's runs and its pilots' runs); Temporal warns past ${WARN_EVENTS} events or 10 MB in one run, and past 512 KB in one payload (a run's input, what it carries when it continues as new; refused past 2 MB)`,
      '',
      '| journey | workflows (runs) | events | bytes | largest run: events / bytes | of the warning limits | largest run input: bytes, of 512 KB / 2 MB |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
    ].join('\n');
    console.log(`\n${md}`);
    writeResults('histories', { at: new Date().toISOString(), loadAtStart: load, flags, limits: { events: WARN_EVENTS, bytes: WARN_BYTES, payloadWarning: WARN_PAYLOAD_BYTES, payload: MAX_PAYLOAD_BYTES }, journeys, pilots }, md);
    console.log(`written to .bench-results/histories.json and .md (${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => console.error(`cleanup: ${err.message}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
