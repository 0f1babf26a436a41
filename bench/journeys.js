#!/usr/bin/env node
/*
 * stagegate against bare Temporal, on one dev server in one run (issue 14, parts 1, 2, 3, 6, 7):
 *
 * 1. Journey throughput: N express ideas end to end (submitted, one reviewer's go vote and the
 *    champion's ready cast through the SDK as soon as the journey takes them, journey closed),
 *    K at a time; next to a bare workflow of the same shape (bench/bare/workflows.js: 17 no-op
 *    activities, 2 updates, 2 timed waits) on its own task queue and worker with the same
 *    options. Then S smb-lite ideas the same way (five votes at three gates, ready twice, the
 *    pilot ended at once by a KPI reading below its kill line, all through the SDK), next to a
 *    bare workflow of smb-lite's shape (35 activities, 7 updates, 5 timed waits, a child of 5
 *    activities, 1 update, 1 timed wait). Batches alternate stagegate / bare / stagegate / bare
 *    so drift hits both. Prints ideas per second, the ratio, and history events and bytes.
 * 2. Vote latency: a reviewer's POST of the review form to the web server, up to the
 *    confirmation page, one at a time over V ideas parked at the gate; next to a bare
 *    executeUpdate whose handler runs one no-op activity, alternating vote by vote; and, for
 *    scale, a bare update that answers at once (stagegate's vote update answers before its
 *    activities run: email and the events store are off its critical path).
 * 3. Ideas parked at gates: P express ideas waiting on their reviewers; the worker's resident
 *    memory and heap before, at half and at all parked, against the sticky cache's size; the
 *    time to list them by stage, to open one, and a reviewer's queue (SDK and `/reviewer/...`)
 *    for Maya, awaited at 5 ideas of bench/processes/parked-queue.yaml while the P wait on
 *    others, at half and at all parked, beside what one query per idea in review (the queue
 *    before StageGateAwaiting) costs at the same sizes.
 *
 *   npm run build && node bench/journeys.js
 *   node bench/journeys.js --ideas 200 --smb 100 --batches 4 --votes 500 --parked 2000   # npm run bench:full's sizes
 *   node bench/journeys.js --ideas 500 --smb 200 --concurrency 20 --votes 1000 --parked 10000
 *   node bench/journeys.js --workers 2
 *   STAGEGATE_WORKER_MAX_CACHED_WORKFLOWS=200 node bench/journeys.js
 *   STAGEGATE_DEV_SERVER_DYNAMIC_CONFIG='{"matching.numTaskqueueReadPartitions":4}' node bench/journeys.js
 *
 * Flags: --ideas N express (60), --smb S smb-lite (30), --concurrency K (10), --batches B per
 * side (3), --votes V (100), --parked P (300), --workers W (1: the workers in this process;
 * 2 and more start W-1 more processes, bench/worker-process.js, each with a stagegate and a bare
 * worker). The workers take the STAGEGATE_WORKER_* variables (README, Settings), both sides alike,
 * and the dev server the STAGEGATE_DEV_SERVER_* ones.
 * Figures are printed and written to .bench-results/journeys.json and .md.
 * It runs on dist/, starts its own dev server (worker/dev-server.ts), the workers, and a fresh
 * data folder, all stopped and removed at the end.
 */
'use strict';

const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { randomBytes } = require('node:crypto');
const { DefaultLogger, Runtime, Worker, bundleWorkflowCode } = require('@temporalio/worker');
const { Client } = require('@temporalio/client');
const { temporal } = require('@temporalio/proto');

const { wholeNumberFlags } = require('./flags');
const { writeResults } = require('./results');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const { startDevServer } = require(join(dist, 'worker/dev-server'));
const { createStageGateWorker, bundleWorkflows, workerTuning } = require(join(dist, 'worker/worker'));
const { StageGateClient, StageGateError } = require(join(dist, 'client/sdk'));
const { loadSettings } = require(join(dist, 'config/settings'));
const { startWebServer } = require(join(dist, 'client/web/server'));
const { linkBuilder } = require(join(dist, 'links'));
const { ideaWorkflowId } = require(join(dist, 'workflows/messages'));

/**
 * Sized so that `npm run bench` takes a few minutes on two cores; `npm run bench:full` passes the
 * issue's sizes (300 ideas a side, 500 votes, 2,000 parked), and `--parked 10000` parks more.
 */
const flags = wholeNumberFlags({ ideas: 60, smb: 30, concurrency: 10, batches: 3, votes: 100, parked: 300, workers: 1 });

Runtime.install({ logger: new DefaultLogger('WARN') });

const HAMID = 'hamid@cornerbakery.example';
const OLIVIA = 'olivia@cornerbakery.example';
const MAYA = 'maya@cornerbakery.example';
/** Ideas waiting on Maya alone, while the parked ones wait on others. */
const MAYA_QUEUE = 5;
/** How many of the other ideas in review the old way of the queue is timed over. */
const SCAN_SAMPLE = 200;
const CHAMPION = { email: 'leo@cornerbakery.example', name: 'Leo Martin' };
/** A refused update is tried again after 5 ms, then 10, 20, 40, 40...: soon, without flooding the server with refusals. */
const RETRY_MS = 5;
const RETRY_MAX_MS = 40;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest rank. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Runs `fn` over items, `limit` at a time. */
async function pool(items, limit, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/** Calls `fn` until the workflow takes it: a refusal because it is not there yet is tried again. */
const attempts = { stagegate: { calls: 0, refused: 0 }, bare: { calls: 0, refused: 0 } };
async function whenTaken(side, fn, isNotYet, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (let wait = RETRY_MS; ; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
    attempts[side].calls++;
    try {
      return await fn();
    } catch (err) {
      if (!isNotYet(err) || Date.now() > until) throw err;
      attempts[side].refused++;
      await sleep(wait);
    }
  }
}

/** Asks the idea (a query) until `check` holds, backing off as whenTaken does. */
async function until(ideaId, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (let wait = RETRY_MS; ; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
    if (check(await clientOf.getIdea(ideaId))) return;
    if (Date.now() > deadline) throw new Error(`idea ${ideaId} did not get there in ${timeoutMs} ms`);
    await sleep(wait);
  }
}
let clientOf;

const stagegateNotYet = (err) => err instanceof StageGateError && err.code !== 'invalid-input' && err.code !== 'not-a-reviewer';
const bareNotYet = (err) => /not waiting for/.test(`${err?.cause?.message ?? ''} ${err?.message ?? ''}`);

async function historyOf(client, workflowId) {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return { events: history.events.length, bytes: temporal.api.history.v1.History.encode(history).finish().length, shape: shapeOf(history) };
}

/** A history in one line: | a workflow task, A/a an activity scheduled/completed, T/t a timer started/cancelled or fired, U/u an update accepted/completed, m a marker, s a search-attribute upsert. */
function shapeOf(history) {
  const letters = { WORKFLOW_TASK_SCHEDULED: '|', MARKER_RECORDED: 'm', UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: 's', ACTIVITY_TASK_SCHEDULED: 'A', ACTIVITY_TASK_COMPLETED: 'a', TIMER_STARTED: 'T', TIMER_CANCELED: 't', TIMER_FIRED: 't', WORKFLOW_EXECUTION_UPDATE_ACCEPTED: 'U', WORKFLOW_EXECUTION_UPDATE_COMPLETED: 'u' };
  const silent = new Set(['WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_STARTED', 'WORKFLOW_EXECUTION_STARTED', 'WORKFLOW_EXECUTION_COMPLETED']);
  return history.events.map((e) => {
    const name = temporal.api.enums.v1.EventType[e.eventType].replace(/^EVENT_TYPE_/, '');
    return letters[name] ?? (silent.has(name) ? '' : `[${name}]`);
  }).join('');
}

/** The worker's own memory, in MB: resident set (the Rust core and the workflow thread included) and the main heap. */
function memory() {
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMb: Math.round(rss / 2 ** 20), heapMb: Math.round(heapUsed / 2 ** 20) };
}

/** Milliseconds `fn` takes, best of `times` (the first of a kind warms caches; the best is the least disturbed by the machine). */
async function timed(fn, times = 3) {
  let best = Infinity;
  for (let n = 0; n < times; n++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return Number(best.toFixed(1));
}

/**
 * Starts a worker process (bench/worker-process.js) and waits until it polls. With `measured`, it
 * runs with --expose-gc and an IPC channel, and `memory()` asks it for its memory after a full
 * collection of its main heap.
 */
function startWorkerProcess(env, { measured = false } = {}) {
  const child = spawn(process.execPath, [...(measured ? ['--expose-gc'] : []), join(__dirname, 'worker-process.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', ...(measured ? ['ipc'] : [])],
  });
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => { if (String(chunk).includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code} before it was ready`)));
  });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  const memory = () => new Promise((resolve) => {
    child.once('message', resolve);
    child.send('memory');
  });
  return { ready, stop, memory };
}

async function main() {
  const tag = randomBytes(3).toString('hex');
  const started = performance.now();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`\nJourneys against bare Temporal (run ${tag}), Node ${process.version}, ${os.cpus().length} cores, load ${load}: ${flags.ideas} express and ${flags.smb} smb-lite ideas ${flags.concurrency} at a time in ${flags.batches} batches a side, ${flags.votes} votes, ${flags.parked} parked, ${flags.workers} worker process(es)`);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'stagegate-journeys-'));
  const linkSecret = `journeys-link-secret-${randomBytes(16).toString('hex')}`;
  // Both sides' workers take the STAGEGATE_WORKER_* variables, the dev server STAGEGATE_DEV_SERVER_*; nothing else from the environment.
  const tuningEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('STAGEGATE_WORKER_') || name.startsWith('STAGEGATE_DEV_SERVER_')));
  const settings = loadSettings({ env: tuningEnv, overrides: { taskQueue: `journeys-${tag}`, dataDir, linkSecret, metricsPort: 0 } });
  const bareQueue = `bare-${tag}`;
  const cleanups = [];
  try {
    const env = await startDevServer({ tuning: settings.devServer, log: (line) => process.stderr.write(`${line}\n`) });
    cleanups.push(() => env.teardown());
    const [stagegateBundle, bareBundle] = await Promise.all([
      bundleWorkflows(),
      bundleWorkflowCode({ workflowsPath: require.resolve('./bare/workflows'), logger: new DefaultLogger('WARN') }),
    ]);
    const memoryAtStart = memory();
    const sg = await createStageGateWorker({ settings, connection: env.nativeConnection, namespace: env.namespace, workflowBundle: stagegateBundle });
    // The same options as stagegate's worker (its tuning and its shutdown grace), no-op activities.
    const bare = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace, taskQueue: bareQueue, workflowBundle: bareBundle, activities: { step: async () => undefined }, shutdownGraceTime: '10 seconds', ...workerTuning(settings.worker) });
    const runs = [sg.run(), bare.run()];
    cleanups.push(async () => {
      for (const w of [sg.worker, bare]) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(runs);
    });
    for (let n = 1; n < flags.workers; n++) {
      const other = startWorkerProcess({ ...tuningEnv, BENCH_ADDRESS: env.address, BENCH_NAMESPACE: env.namespace, BENCH_TASK_QUEUE: settings.taskQueue, BENCH_BARE_QUEUE: bareQueue, BENCH_DATA_DIR: dataDir, BENCH_LINK_SECRET: linkSecret });
      cleanups.push(other.stop);
      await other.ready;
    }
    const client = await StageGateClient.connect({ settings, connection: env.connection, namespace: env.namespace });
    cleanups.push(() => client.close());
    clientOf = client;
    const raw = new Client({ connection: env.connection, namespace: env.namespace });
    const tuning = settings.worker;
    console.log(`dev server and workers up in ${((performance.now() - started) / 1000).toFixed(1)} s; worker options (both sides): ${JSON.stringify(tuning)}; dev server: ${JSON.stringify(settings.devServer)}`);

    const phases = {};
    let phaseT0 = started;
    const phaseDone = (name) => {
      phases[name] = Number(((performance.now() - phaseT0) / 1000).toFixed(1));
      phaseT0 = performance.now();
    };
    phaseDone('start');

    // ---- 1. journey throughput --------------------------------------------------------------
    const submit = (id, process, title) => client.submitIdea({ ideaId: id, title, description: 'An idea of the benchmark.', source: 'employee', category: 'process', submitter: CHAMPION, process });
    // A vote names its gate and round, as a review link does (and as an integrator that read the round from getIdea or pendingReviews would): the SDK need not ask the idea which round is open.
    const vote = (ideaId, reviewer, gate, scores) => whenTaken('stagegate', () => client.castVote(ideaId, { reviewer, decision: 'go', scores, gate, round: 1 }), stagegateNotYet);
    const ready = (ideaId) => whenTaken('stagegate', () => client.markReady(ideaId, { by: CHAMPION.email }), stagegateNotYet);
    const stagegateExpress = async (id) => {
      const { ideaId, workflowId } = await submit(id, 'express', `Bench idea ${id}`);
      await vote(ideaId, HAMID, 'quick-decision', { feasibility: 4, impact: 4 });
      await ready(ideaId);
      await raw.workflow.getHandle(workflowId).result();
      return workflowId;
    };
    const bareExpress = async (id) => {
      const handle = await raw.workflow.start('bareJourney', { workflowId: id, taskQueue: bareQueue, args: [] });
      await whenTaken('bare', () => handle.executeUpdate('castVote'), bareNotYet);
      await whenTaken('bare', () => handle.executeUpdate('markReady'), bareNotYet);
      await handle.result();
      return id;
    };
    const build = { feasibility: 4, impact: 4, alignment: 4 };
    const launch = { results: 4, readiness: 4, alignment: 4 };
    const stagegateSmb = async (id) => {
      const { ideaId, workflowId } = await submit(id, 'smb-lite', `Bench pilot ${id}`);
      await vote(ideaId, HAMID, 'idea-screen', build);
      await ready(ideaId);
      await vote(ideaId, OLIVIA, 'go-to-pilot', build);
      await vote(ideaId, HAMID, 'go-to-pilot', build);
      // A week below the kill line ends the pilot at once; Go to launch opens.
      await whenTaken('stagegate', () => client.recordKpiReadings(ideaId, { readings: [{ kpi: 'weekly_sales', value: 12 }, { kpi: 'repeat_share', value: 34 }], by: CHAMPION.email }), stagegateNotYet);
      await vote(ideaId, OLIVIA, 'go-to-launch', launch);
      await vote(ideaId, HAMID, 'go-to-launch', launch);
      // A ready sent while Go to launch closes is taken for the pilot stage, whose work the pilot already made ready: wait for Launch.
      await until(ideaId, (s) => s.stage.id === 'launch' && s.stage.awaitingReady);
      await ready(ideaId);
      await raw.workflow.getHandle(workflowId).result();
      return workflowId;
    };
    const bareSmb = async (id) => {
      const handle = await raw.workflow.start('bareSmbJourney', { workflowId: id, taskQueue: bareQueue, args: [] });
      const update = (name, target = handle) => whenTaken('bare', () => target.executeUpdate(name), bareNotYet);
      await update('castVote');
      await update('markReady');
      await update('castVote');
      await update('castVote');
      const pilot = raw.workflow.getHandle(`${id}:pilot`);
      await whenTaken('bare', () => pilot.executeUpdate('recordReading'), (err) => bareNotYet(err) || /not found/i.test(`${err?.message ?? ''} ${err?.cause?.message ?? ''}`));
      await update('castVote');
      await update('castVote');
      await update('markReady');
      await handle.result();
      return id;
    };
    const lanes = {
      express: { ideas: flags.ideas, sides: { stagegate: { journey: stagegateExpress, batches: [], ids: [] }, bare: { journey: bareExpress, batches: [], ids: [] } } },
      'smb-lite': { ideas: flags.smb, sides: { stagegate: { journey: stagegateSmb, batches: [], ids: [] }, bare: { journey: bareSmb, batches: [], ids: [] } } },
    };
    const throughput = {};
    for (const [lane, { ideas: laneIdeas, sides }] of Object.entries(lanes)) {
      // Warm-up: code compiled, caches filled, on both sides.
      for (const [name, side] of Object.entries(sides)) await pool(Array.from({ length: 5 }, (_, n) => `warm-${lane}-${name}-${tag}-${n}`), 5, side.journey);
      const perBatch = Math.max(1, Math.round(laneIdeas / flags.batches));
      for (let b = 0; b < flags.batches; b++) {
        for (const [name, side] of Object.entries(sides)) {
          const ids = Array.from({ length: perBatch }, (_, n) => `${lane}-${name}-${tag}-b${b}-${n}`);
          const t0 = performance.now();
          await pool(ids, flags.concurrency, side.journey);
          const seconds = (performance.now() - t0) / 1000;
          side.batches.push({ ideas: perBatch, seconds, perSecond: perBatch / seconds });
          side.ids.push(...ids);
          console.log(`  ${lane} batch ${b + 1} ${name.padEnd(9)} ${perBatch} ideas in ${seconds.toFixed(2)} s: ${(perBatch / seconds).toFixed(1)} ideas/s`);
        }
      }
      const figures = {};
      for (const [name, side] of Object.entries(sides)) {
        const ideas = side.batches.reduce((sum, b) => sum + b.ideas, 0);
        const seconds = side.batches.reduce((sum, b) => sum + b.seconds, 0);
        const sample = side.ids.filter((_, n) => n % Math.max(1, Math.floor(side.ids.length / 10)) === 0).slice(0, 10);
        const histories = await Promise.all(sample.map((id) => historyOf(raw, name === 'stagegate' ? ideaWorkflowId(id) : id)));
        figures[name] = {
          ideas,
          seconds,
          perSecond: ideas / seconds,
          batches: side.batches.map((b) => Number(b.perSecond.toFixed(2))),
          historyEvents: Math.round(histories.reduce((s, h) => s + h.events, 0) / histories.length),
          historyBytes: Math.round(histories.reduce((s, h) => s + h.bytes, 0) / histories.length),
          historyShape: histories[0].shape,
        };
      }
      figures.ratio = figures.stagegate.perSecond / figures.bare.perSecond;
      figures.pairRatios = sides.stagegate.batches.map((b, n) => Number((b.perSecond / sides.bare.batches[n].perSecond).toFixed(2)));
      throughput[lane] = figures;
    }
    console.log(`  updates sent: ${JSON.stringify(attempts)}`);
    phaseDone('throughput');

    // ---- 2. vote latency --------------------------------------------------------------------
    const web = await startWebServer({ client, settings, host: '127.0.0.1', port: 0, metricsPort: 0, rateLimitPerMinute: 1_000_000 });
    cleanups.push(() => web.close());
    const links = linkBuilder({ ...settings, publicUrl: web.url });
    const voteIds = Array.from({ length: flags.votes }, (_, n) => `vote-${tag}-${n}`);
    const parkT0 = performance.now();
    await pool(voteIds, flags.concurrency, async (id) => {
      await submit(id, 'express', `Vote idea ${id}`);
      await raw.workflow.start('bareVoteTarget', { workflowId: `bare-${id}`, taskQueue: bareQueue, args: [] });
    });
    // Seen in review by one visibility count (the journeys above have all ended), then each asked once, rather than each polled while all start.
    for (let wait = 50; (await raw.workflow.count(`WorkflowType = 'ideaJourney' AND TaskQueue = '${settings.taskQueue}' AND StageGateStatus = 'in-review'`)).count < flags.votes; wait = Math.min(wait * 2, 500)) await sleep(wait);
    await pool(voteIds, flags.concurrency, (id) => client.waitFor(id, (s) => s.status === 'in-review' && s.round?.phase !== 'closing' && s.round?.gate === 'quick-decision', 60_000));
    console.log(`  ${flags.votes} ideas and ${flags.votes} bare workflows parked at their vote in ${((performance.now() - parkT0) / 1000).toFixed(1)} s`);
    const form = { decision: 'go', 'score.feasibility': '4', 'score.impact': '4', comment: '', conditions: '' };
    const latency = { stagegate: [], bare: [], bareAck: [] };
    let refused = 0;
    for (const id of voteIds) {
      let t0 = performance.now();
      const response = await fetch(links.review(id, 'quick-decision', 1, HAMID), { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
      const body = await response.text();
      latency.stagegate.push(performance.now() - t0);
      if (response.status !== 200 || !/Recorded: go, by you/.test(body)) {
        refused++;
        if (refused === 1) console.error(`  a vote was not recorded: ${response.status} ${body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 300)}`);
      }
      // The answer-at-once update first: the vote ends the bare workflow.
      const target = raw.workflow.getHandle(`bare-${id}`);
      t0 = performance.now();
      await target.executeUpdate('ack');
      latency.bareAck.push(performance.now() - t0);
      t0 = performance.now();
      await target.executeUpdate('vote');
      latency.bare.push(performance.now() - t0);
    }
    const votes = { count: flags.votes, notRecorded: refused };
    for (const side of ['stagegate', 'bare', 'bareAck']) votes[side] = Object.fromEntries([50, 95, 99].map((p) => [`p${p}`, Number(percentile(latency[side], p).toFixed(2))]));
    votes.p99Ratio = votes.stagegate.p99 / votes.bare.p99;
    votes.p50Ratio = votes.stagegate.p50 / votes.bare.p50;

    phaseDone('votes');

    // ---- 3. ideas parked at gates -----------------------------------------------------------
    // Maya's few ideas come from the bench's own template; the SDK resolves it, the worker runs it.
    const benchClient = await StageGateClient.connect({ settings: { ...settings, processesDir: join(__dirname, 'processes') }, connection: env.connection, namespace: env.namespace });
    cleanups.push(() => benchClient.close());
    const scope = `WorkflowType = 'ideaJourney' AND TaskQueue = '${settings.taskQueue}'`;
    const inReviewCount = async () => (await raw.workflow.count(`${scope} AND StageGateStatus = 'in-review'`)).count;
    const untilInReview = async (count) => {
      for (let wait = 50; (await inReviewCount()) < count; wait = Math.min(wait * 2, 500)) await sleep(wait);
    };
    const mayaIds = Array.from({ length: MAYA_QUEUE }, (_, n) => `maya-${tag}-${n}`);
    for (const id of mayaIds) await benchClient.submitIdea({ ideaId: id, title: `Tasting ${id}`, description: 'An idea waiting on Maya.', source: 'employee', category: 'product', submitter: CHAMPION, process: 'parked-queue' });
    await untilInReview(MAYA_QUEUE);
    const queuePage = links.pending(MAYA);
    /**
     * The queue as it was before StageGateAwaiting: every idea in review asked for its round, one
     * after another. Timed over Maya's rounds and the first SCAN_SAMPLE of the others, and scaled
     * to all of them (a query each, in turn: linear by construction), to keep the default run short.
     */
    const queueByScan = async () => {
      const inReview = [...(await client.listIdeas({ status: 'in-review', limit: 10_000 })), ...(await parkedClient.listIdeas({ status: 'in-review', limit: 10_000 }))];
      const mine = inReview.filter((summary) => mayaIds.includes(summary.ideaId));
      const others = inReview.filter((summary) => !mayaIds.includes(summary.ideaId));
      const asked = [...mine, ...others.slice(0, SCAN_SAMPLE)];
      const t0 = performance.now();
      const found = [];
      for (const summary of asked) {
        const idea = await client.getIdea(summary.ideaId).catch(() => undefined);
        if (idea?.round?.reviewers.some((person) => person.email === MAYA && !person.voted)) found.push(idea.ideaId);
      }
      const perIdea = (performance.now() - t0) / asked.length;
      if (found.length !== MAYA_QUEUE) throw new Error(`the scan found ${found.length} of Maya's ${MAYA_QUEUE} rounds`);
      return { ms: Number((perIdea * inReview.length).toFixed(1)), inReview: inReview.length, timed: asked.length };
    };
    // The parked ideas have workers of their own, one process each side, so what a parked idea costs
    // is read from a process that holds nothing else (no client, web server or other lane's worker),
    // after a full collection of its main heap, next to bare workflows parked at their vote.
    const parkedQueue = `parked-${tag}`;
    const bareParkedQueue = `bare-parked-${tag}`;
    const parkedWorkerEnv = { ...tuningEnv, BENCH_ADDRESS: env.address, BENCH_NAMESPACE: env.namespace, BENCH_TASK_QUEUE: parkedQueue, BENCH_BARE_QUEUE: bareParkedQueue, BENCH_DATA_DIR: dataDir, BENCH_LINK_SECRET: linkSecret };
    const parkedWorkers = {
      stagegate: startWorkerProcess({ ...parkedWorkerEnv, BENCH_ROLE: 'stagegate' }, { measured: true }),
      bare: startWorkerProcess({ ...parkedWorkerEnv, BENCH_ROLE: 'bare' }, { measured: true }),
    };
    cleanups.push(parkedWorkers.stagegate.stop, parkedWorkers.bare.stop);
    await Promise.all([parkedWorkers.stagegate.ready, parkedWorkers.bare.ready]);
    const parkedClient = await StageGateClient.connect({ settings: { ...settings, taskQueue: parkedQueue }, connection: env.connection, namespace: env.namespace });
    cleanups.push(() => parkedClient.close());
    const parkedInReview = async () => (await raw.workflow.count(`WorkflowType = 'ideaJourney' AND TaskQueue = '${parkedQueue}' AND StageGateStatus = 'in-review'`)).count;
    /** A bare journey is parked once its vote's timed wait has started. */
    const bareParkedAt = async (id) => (await raw.workflow.getHandle(id).fetchHistory()).events.some((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED);
    const untilParked = async (ids, bareIds) => {
      for (let wait = 50; (await parkedInReview()) < ids.length; wait = Math.min(wait * 2, 500)) await sleep(wait);
      for (const id of bareIds.slice(-10)) for (let wait = 50; !(await bareParkedAt(id)); wait = Math.min(wait * 2, 500)) await sleep(wait);
    };
    const parked = { ideas: flags.parked, maxCachedWorkflows: tuning.maxCachedWorkflows, samples: [] };
    const sample = async (ids, bareIds, label) => {
      await untilInReview(MAYA_QUEUE);
      await untilParked(ids, bareIds);
      // Let the workers settle (tasks done) before reading their memory.
      await sleep(1000);
      const queue = await client.pendingReviews(MAYA);
      if (queue.length !== MAYA_QUEUE) throw new Error(`Maya's queue shows ${queue.length} rounds, not ${MAYA_QUEUE}`);
      const page = await fetch(queuePage);
      if (page.status !== 200) throw new Error(`Maya's /reviewer/ page answered ${page.status}`);
      const [stagegateMemory, bareMemory] = await Promise.all([parkedWorkers.stagegate.memory(), parkedWorkers.bare.memory()]);
      const figures = {
        label,
        parked: ids.length,
        ...stagegateMemory,
        bare: bareMemory,
        queueMs: await timed(() => client.pendingReviews(MAYA)),
        queuePageMs: await timed(async () => (await fetch(queuePage)).text()),
        queueByScan: label === 'half parked' ? await queueByScan() : undefined,
      };
      parked.samples.push(figures);
      console.log(`  parked ${ids.length}: worker rss ${figures.rssMb} MB, heap ${figures.heapMb} MB (bare: ${bareMemory.rssMb} / ${bareMemory.heapMb}); Maya's queue ${figures.queueMs} ms (page ${figures.queuePageMs} ms; a query per idea in review: ${figures.queueByScan ? `${figures.queueByScan.ms} ms, ${figures.queueByScan.timed} of ${figures.queueByScan.inReview} timed and scaled` : '-'})`);
    };
    await sample([], [], 'before parking');
    const parkedIds = Array.from({ length: flags.parked }, (_, n) => `parked-${tag}-${n}`);
    const bareParkedIds = parkedIds.map((id) => `bare-${id}`);
    const parkBare = (id) => raw.workflow.start('bareJourney', { workflowId: id, taskQueue: bareParkedQueue, args: [] });
    const park = (id) => parkedClient.submitIdea({ ideaId: id, title: `Parked idea ${id}`, description: 'An idea of the benchmark.', source: 'employee', category: 'process', submitter: CHAMPION, process: 'express' });
    const half = Math.floor(flags.parked / 2);
    const parkedT0 = performance.now();
    await Promise.all([pool(parkedIds.slice(0, half), flags.concurrency * 2, park), pool(bareParkedIds.slice(0, half), flags.concurrency, parkBare)]);
    await sample(parkedIds.slice(0, half), bareParkedIds.slice(0, half), 'half parked');
    await Promise.all([pool(parkedIds.slice(half), flags.concurrency * 2, park), pool(bareParkedIds.slice(half), flags.concurrency, parkBare)]);
    await untilParked(parkedIds, bareParkedIds);
    parked.parkSeconds = Number(((performance.now() - parkedT0) / 1000).toFixed(1));
    await sample(parkedIds, bareParkedIds, 'all parked');
    parked.listByStageMs = await timed(async () => {
      const listed = await parkedClient.listIdeas({ stage: 'idea', status: 'in-review', limit: 10_000 });
      if (listed.length < Math.min(flags.parked, 10_000)) throw new Error(`listed ${listed.length} of ${flags.parked} parked ideas`);
    }, 2);
    // Opening an idea: the first parked ones are the longest out of the sticky cache.
    const opened = [];
    for (const id of parkedIds.filter((_, n) => n % Math.max(1, Math.floor(flags.parked / 20)) === 0).slice(0, 20)) {
      const t0 = performance.now();
      await client.getIdea(id);
      opened.push(performance.now() - t0);
    }
    parked.openIdeaMs = { p50: Number(percentile(opened, 50).toFixed(1)), max: Number(Math.max(...opened).toFixed(1)) };
    const [before, , after] = parked.samples;
    const perParkedKb = (end, start) => Number((((end - start) * 1024) / (flags.parked - half)).toFixed(1));
    parked.rssPerParkedKb = perParkedKb(after.rssMb, parked.samples[1].rssMb);
    parked.bareRssPerParkedKb = perParkedKb(after.bare.rssMb, parked.samples[1].bare.rssMb);
    console.log(`  ${flags.parked} parked in ${parked.parkSeconds} s; listed by stage in ${parked.listByStageMs} ms; an idea opened in ${parked.openIdeaMs.p50} ms (max ${parked.openIdeaMs.max}); worker rss ${before.rssMb} -> ${after.rssMb} MB (bare ${before.bare.rssMb} -> ${after.bare.rssMb} MB)`);

    phaseDone('parked');
    console.log(`  seconds per part: ${JSON.stringify(phases)}`);

    // ---- report -----------------------------------------------------------------------------
    const rows = [];
    for (const [lane, figures] of Object.entries(throughput)) {
      const { stagegate: s, bare: b } = figures;
      rows.push(
        [`${lane} journeys per second, ${flags.concurrency} at a time`, s.perSecond.toFixed(2), b.perSecond.toFixed(2), `${figures.ratio.toFixed(2)}x (target >= 0.8, aim 0.95); pairs ${figures.pairRatios.join(', ')}`],
        [`${lane} history events per journey`, `${s.historyEvents}`, `${b.historyEvents}`, `${(s.historyEvents / b.historyEvents).toFixed(2)}x`],
        [`${lane} history bytes per journey`, `${s.historyBytes}`, `${b.historyBytes}`, `${(s.historyBytes / b.historyBytes).toFixed(2)}x`],
      );
    }
    const [, mid, full] = parked.samples;
    rows.push(
      ['vote p50 (ms)', `${votes.stagegate.p50}`, `${votes.bare.p50}`, `${votes.p50Ratio.toFixed(2)}x`],
      ['vote p95 (ms)', `${votes.stagegate.p95}`, `${votes.bare.p95}`, `${(votes.stagegate.p95 / votes.bare.p95).toFixed(2)}x`],
      ['vote p99 (ms)', `${votes.stagegate.p99}`, `${votes.bare.p99}`, `${votes.p99Ratio.toFixed(2)}x (target <= 1.5, aim 1.2)`],
      ['bare update, no activity: p50/p99 (ms)', '', `${votes.bareAck.p50}/${votes.bareAck.p99}`, `stagegate's vote p99 ${(votes.stagegate.p99 / votes.bareAck.p99).toFixed(2)}x this`],
      [`parked ideas' worker RSS / heap (MB): before, ${half}, ${flags.parked} parked`, `${before.rssMb}/${before.heapMb}, ${mid.rssMb}/${mid.heapMb}, ${full.rssMb}/${full.heapMb}`, `${before.bare.rssMb}/${before.bare.heapMb}, ${mid.bare.rssMb}/${mid.bare.heapMb}, ${full.bare.rssMb}/${full.bare.heapMb}`, `sticky cache ${tuning.maxCachedWorkflows}; KB RSS per idea past ${half}: ${parked.rssPerParkedKb} against ${parked.bareRssPerParkedKb}`],
      [`reviewer's queue, ${MAYA_QUEUE} rounds (ms): ${half} / ${flags.parked} parked`, `${mid.queueMs} / ${full.queueMs}`, `${mid.queueByScan.ms} / -`, `stagegate: StageGateAwaiting; baseline: a query per idea in review, at ${half} (${mid.queueByScan.timed} of ${mid.queueByScan.inReview} timed, scaled)`],
      [`/reviewer/ page, ${MAYA_QUEUE} rounds (ms): ${half} / ${flags.parked} parked`, `${mid.queuePageMs} / ${full.queuePageMs}`, '', ''],
      [`list ${flags.parked} parked by stage / open one idea (ms)`, `${parked.listByStageMs} / ${parked.openIdeaMs.p50}`, '', `opening one: max ${parked.openIdeaMs.max} ms (out of the sticky cache: replayed)`],
    );
    console.log('');
    console.log(`${'measure'.padEnd(56)} ${'stagegate'.padStart(24)} ${'bare'.padStart(10)}   ratio`);
    for (const [name, sv, bv, ratio] of rows) console.log(`${name.padEnd(56)} ${sv.padStart(24)} ${bv.padStart(10)}   ${ratio}`);
    if (refused) console.log(`${refused} of ${flags.votes} votes were not recorded`);

    const results = { at: new Date().toISOString(), node: process.version, cores: os.cpus().length, loadAtStart: load, flags, worker: tuning, devServer: settings.devServer, memoryAtStart, phases, throughput, votes, parked };
    const md = [
      `Journeys against bare Temporal, ${results.at.slice(0, 16).replace('T', ' ')} UTC: ${flags.ideas} express and ${flags.smb} smb-lite ideas ${flags.concurrency} at a time, ${flags.votes} votes, ${flags.parked} parked, ${flags.workers} worker process(es), ${results.cores} cores, load ${load} at start; dev server ${JSON.stringify(settings.devServer)}`,
      '',
      '| measure | stagegate | bare Temporal | ratio |',
      '| --- | ---: | ---: | --- |',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
    ].join('\n');
    writeResults('journeys', results, md);
    console.log(`written to .bench-results/journeys.json and .md (${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
    if (refused) process.exitCode = 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => console.error(`cleanup: ${err.message}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
