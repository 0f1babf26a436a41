#!/usr/bin/env node
/*
 * stagegate against bare Temporal, on one dev server in one run (issue 14, parts 1 and 2):
 *
 * 1. Journey throughput: N express ideas end to end (submitted, one reviewer's go vote and the
 *    champion's ready cast through the SDK as soon as the journey takes them, journey closed),
 *    K at a time; next to a bare workflow of the same shape (bench/bare/workflows.js: 14 no-op
 *    activities, 2 updates, 2 timed waits) on its own task queue and worker with the same
 *    options. Batches alternate stagegate / bare / stagegate / bare so drift hits both. Prints
 *    ideas per second, the ratio, and history events and bytes per journey.
 * 2. Vote latency: a reviewer's POST of the review form to the web server, up to the
 *    confirmation page, one at a time over V ideas parked at the gate; next to a bare
 *    executeUpdate whose handler runs one no-op activity, alternating vote by vote; and, for
 *    scale, a bare update that answers at once (stagegate's vote update answers before its
 *    activities run: email and the events store are off its critical path).
 *
 *   npm run build && node bench/journeys.js
 *   node bench/journeys.js --ideas 500 --concurrency 20 --votes 1000
 *
 * Flags: --ideas N (80), --concurrency K (10), --batches B per side (4), --votes V (200).
 * Figures are printed and written to .bench-results/journeys.json and .md.
 * It runs on dist/, starts its own dev server (worker/dev-server.ts), both workers in this
 * process, and a fresh data folder, all stopped and removed at the end.
 */
'use strict';

const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { randomBytes } = require('node:crypto');
const { DefaultLogger, Runtime, Worker, bundleWorkflowCode } = require('@temporalio/worker');
const { Client } = require('@temporalio/client');
const { temporal } = require('@temporalio/proto');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const { startDevServer } = require(join(dist, 'worker/dev-server'));
const { createStageGateWorker, bundleWorkflows } = require(join(dist, 'worker/worker'));
const { StageGateClient, StageGateError } = require(join(dist, 'client/sdk'));
const { loadSettings } = require(join(dist, 'config/settings'));
const { startWebServer } = require(join(dist, 'client/web/server'));
const { linkBuilder } = require(join(dist, 'links'));
const { ideaWorkflowId } = require(join(dist, 'workflows/messages'));

const flags = (() => {
  const known = { ideas: 80, concurrency: 10, batches: 4, votes: 200 };
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(args[i]);
    if (!match || !(match[1] in known)) throw new Error(`unknown flag "${args[i]}"; known: ${Object.keys(known).map((k) => `--${k}`).join(', ')}`);
    const raw = match[2] ?? args[++i];
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${match[1]} must be a positive whole number, got "${raw}"`);
    known[match[1]] = value;
  }
  return known;
})();

Runtime.install({ logger: new DefaultLogger('WARN') });

const HAMID = 'hamid@cornerbakery.example';
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

async function main() {
  const tag = randomBytes(3).toString('hex');
  const started = performance.now();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`\nJourneys against bare Temporal (run ${tag}), Node ${process.version}, ${os.cpus().length} cores, load ${load}: ${flags.ideas} ideas ${flags.concurrency} at a time in ${flags.batches} batches a side, ${flags.votes} votes`);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'stagegate-journeys-'));
  const linkSecret = `journeys-link-secret-${randomBytes(16).toString('hex')}`;
  const settings = loadSettings({ env: {}, overrides: { taskQueue: `journeys-${tag}`, dataDir, linkSecret, metricsPort: 0 } });
  const bareQueue = `bare-${tag}`;
  const cleanups = [];
  try {
    const env = await startDevServer({ log: (line) => process.stderr.write(`${line}\n`) });
    cleanups.push(() => env.teardown());
    const [stagegateBundle, bareBundle] = await Promise.all([
      bundleWorkflows(),
      bundleWorkflowCode({ workflowsPath: require.resolve('./bare/workflows'), logger: new DefaultLogger('WARN') }),
    ]);
    const sg = await createStageGateWorker({ settings, connection: env.nativeConnection, namespace: env.namespace, workflowBundle: stagegateBundle });
    // The same options as stagegate's worker (the SDK's defaults and its shutdown grace), no-op activities.
    const bare = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace, taskQueue: bareQueue, workflowBundle: bareBundle, activities: { step: async () => undefined }, shutdownGraceTime: '10 seconds' });
    const runs = [sg.run(), bare.run()];
    cleanups.push(async () => {
      for (const w of [sg.worker, bare]) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(runs);
    });
    const client = await StageGateClient.connect({ settings, connection: env.connection, namespace: env.namespace });
    cleanups.push(() => client.close());
    const raw = new Client({ connection: env.connection, namespace: env.namespace });
    console.log(`dev server and workers up in ${((performance.now() - started) / 1000).toFixed(1)} s; maxCachedWorkflows ${sg.worker.options.maxCachedWorkflows} (stagegate) and ${bare.options.maxCachedWorkflows} (bare)`);

    // ---- 1. journey throughput --------------------------------------------------------------
    const stagegateJourney = async (id) => {
      const { ideaId, workflowId } = await client.submitIdea({ ideaId: id, title: `Bench idea ${id}`, description: 'An express idea of the benchmark.', source: 'employee', category: 'process', submitter: CHAMPION, process: 'express' });
      await whenTaken('stagegate', () => client.castVote(ideaId, { reviewer: HAMID, decision: 'go', scores: { feasibility: 4, impact: 4 } }), stagegateNotYet);
      await whenTaken('stagegate', () => client.markReady(ideaId, { by: CHAMPION.email }), stagegateNotYet);
      await raw.workflow.getHandle(workflowId).result();
      return workflowId;
    };
    const bareJourney = async (id) => {
      const handle = await raw.workflow.start('bareJourney', { workflowId: id, taskQueue: bareQueue, args: [] });
      await whenTaken('bare', () => handle.executeUpdate('castVote'), bareNotYet);
      await whenTaken('bare', () => handle.executeUpdate('markReady'), bareNotYet);
      await handle.result();
      return id;
    };
    const sides = { stagegate: { journey: stagegateJourney, batches: [], ids: [] }, bare: { journey: bareJourney, batches: [], ids: [] } };
    // Warm-up: code compiled, caches filled, on both sides.
    for (const [name, side] of Object.entries(sides)) await pool(Array.from({ length: 5 }, (_, n) => `warm-${name}-${tag}-${n}`), 5, side.journey);
    const perBatch = Math.max(1, Math.round(flags.ideas / flags.batches));
    for (let b = 0; b < flags.batches; b++) {
      for (const [name, side] of Object.entries(sides)) {
        const ids = Array.from({ length: perBatch }, (_, n) => `${name}-${tag}-b${b}-${n}`);
        const t0 = performance.now();
        await pool(ids, flags.concurrency, side.journey);
        const seconds = (performance.now() - t0) / 1000;
        side.batches.push({ ideas: perBatch, seconds, perSecond: perBatch / seconds });
        side.ids.push(...ids);
        console.log(`  batch ${b + 1} ${name.padEnd(9)} ${perBatch} ideas in ${seconds.toFixed(2)} s: ${(perBatch / seconds).toFixed(1)} ideas/s`);
      }
    }
    const throughput = {};
    for (const [name, side] of Object.entries(sides)) {
      const ideas = side.batches.reduce((sum, b) => sum + b.ideas, 0);
      const seconds = side.batches.reduce((sum, b) => sum + b.seconds, 0);
      const sample = side.ids.filter((_, n) => n % Math.max(1, Math.floor(side.ids.length / 10)) === 0).slice(0, 10);
      const histories = await Promise.all(sample.map((id) => historyOf(raw, name === 'stagegate' ? ideaWorkflowId(id) : id)));
      throughput[name] = {
        ideas,
        seconds,
        perSecond: ideas / seconds,
        batches: side.batches.map((b) => Number(b.perSecond.toFixed(2))),
        historyEvents: Math.round(histories.reduce((s, h) => s + h.events, 0) / histories.length),
        historyBytes: Math.round(histories.reduce((s, h) => s + h.bytes, 0) / histories.length),
        historyShape: histories[0].shape,
      };
    }
    console.log(`  updates sent: ${JSON.stringify(attempts)}`);
    const pairRatios = sides.stagegate.batches.map((b, n) => b.perSecond / sides.bare.batches[n].perSecond);
    throughput.ratio = throughput.stagegate.perSecond / throughput.bare.perSecond;
    throughput.pairRatios = pairRatios.map((r) => Number(r.toFixed(2)));

    // ---- 2. vote latency --------------------------------------------------------------------
    const web = await startWebServer({ client, settings, host: '127.0.0.1', port: 0, metricsPort: 0, rateLimitPerMinute: 1_000_000 });
    cleanups.push(() => web.close());
    const links = linkBuilder({ ...settings, publicUrl: web.url });
    const voteIds = Array.from({ length: flags.votes }, (_, n) => `vote-${tag}-${n}`);
    const parkT0 = performance.now();
    await pool(voteIds, flags.concurrency, async (id) => {
      await client.submitIdea({ ideaId: id, title: `Vote idea ${id}`, description: 'An express idea waiting for a vote.', source: 'employee', category: 'process', submitter: CHAMPION, process: 'express' });
      await raw.workflow.start('bareVoteTarget', { workflowId: `bare-${id}`, taskQueue: bareQueue, args: [] });
      await client.waitFor(id, (s) => s.status === 'in-review' && s.round?.phase !== 'closing' && s.round?.gate === 'quick-decision', 60_000);
    });
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

    // ---- report -----------------------------------------------------------------------------
    const s = throughput.stagegate;
    const b = throughput.bare;
    const rows = [
      ['journeys per second (express)', `${s.perSecond.toFixed(2)}`, `${b.perSecond.toFixed(2)}`, `${throughput.ratio.toFixed(2)}x (target >= 0.8, aim 0.95); pairs ${throughput.pairRatios.join(', ')}`],
      ['history events per journey', `${s.historyEvents}`, `${b.historyEvents}`, `${(s.historyEvents / b.historyEvents).toFixed(2)}x`],
      ['history bytes per journey', `${s.historyBytes}`, `${b.historyBytes}`, `${(s.historyBytes / b.historyBytes).toFixed(2)}x`],
      ['vote p50 (ms)', `${votes.stagegate.p50}`, `${votes.bare.p50}`, `${votes.p50Ratio.toFixed(2)}x`],
      ['vote p95 (ms)', `${votes.stagegate.p95}`, `${votes.bare.p95}`, `${(votes.stagegate.p95 / votes.bare.p95).toFixed(2)}x`],
      ['vote p99 (ms)', `${votes.stagegate.p99}`, `${votes.bare.p99}`, `${votes.p99Ratio.toFixed(2)}x (target <= 1.5, aim 1.2)`],
      ['bare update, no activity: p50/p99 (ms)', '', `${votes.bareAck.p50}/${votes.bareAck.p99}`, `stagegate's vote p99 ${(votes.stagegate.p99 / votes.bareAck.p99).toFixed(2)}x this`],
    ];
    console.log('');
    console.log(`${'measure'.padEnd(40)} ${'stagegate'.padStart(10)} ${'bare'.padStart(10)}   ratio`);
    for (const [name, sv, bv, ratio] of rows) console.log(`${name.padEnd(40)} ${sv.padStart(10)} ${bv.padStart(10)}   ${ratio}`);
    if (refused) console.log(`${refused} of ${flags.votes} votes were not recorded`);

    const results = { at: new Date().toISOString(), node: process.version, cores: os.cpus().length, loadAtStart: load, flags, throughput, votes };
    const out = join(root, '.bench-results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'journeys.json'), `${JSON.stringify(results, null, 2)}\n`);
    const md = [
      `Journeys against bare Temporal, ${results.at.slice(0, 16).replace('T', ' ')} UTC, ${flags.ideas} express ideas ${flags.concurrency} at a time, ${flags.votes} votes, ${results.cores} cores, load ${load} at start`,
      '',
      '| measure | stagegate | bare Temporal | ratio |',
      '| --- | ---: | ---: | --- |',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
    ].join('\n');
    writeFileSync(join(out, 'journeys.md'), md);
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
