#!/usr/bin/env node
/*
 * stagegate's benchmarks: each prints its figures next to a baseline measured in the same run,
 * on the same machine, so a change shows as a change of ratio rather than of absolute time.
 * Runs on the built code: `npm run bench` builds first.
 */
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

const dist = join(__dirname, '..', 'dist');
const { renderEmail } = require(join(dist, 'activities/email/templates'));
const { composeMessage, renderText } = require(join(dist, 'activities/messages'));
const { linkBuilder } = require(join(dist, 'links'));
const { openStore } = require(join(dist, 'store'));
const { REPORTS } = require(join(dist, 'reports'));

const ms = (value) => `${value.toFixed(3)} ms`;
const line = (name, value, baseline) => console.log(`${name.padEnd(44)} ${value.padStart(14)}   ${baseline}`);

async function time(fn, runs) {
  const started = performance.now();
  for (let i = 0; i < runs; i++) await fn(i);
  return (performance.now() - started) / runs;
}

const person = (name) => ({ email: `${name.toLowerCase()}@cornerbakery.example`, name });
const notification = {
  purpose: 'review-request',
  seq: 1,
  to: [person('Hamid')],
  idea: { ideaId: 'loyalty-cards', title: 'Loyalty cards', description: 'Stamp cards: the tenth coffee is free.', source: 'employee', submitter: person('Leo'), champion: person('Leo'), processName: 'SMB lite' },
  gate: { id: 'idea-screen', name: 'Idea screen', round: 1, deadlineAt: '2026-11-26T17:00:00Z', criteria: [{ id: 'feasibility', label: 'Feasibility', minimum: 2 }, { id: 'impact', label: 'Impact' }], awaiting: ['Hamid'] },
};
const options = { links: linkBuilder({ publicUrl: 'https://ideas.example', linkSecret: 'bench-link-secret-0123456789abcdef0123', linkTtl: 86_400_000 }) };

async function emailBench() {
  console.log('\nEmail: rendering one review request (MJML compiled once per layout, then cached)');
  const cold = performance.now();
  await renderEmail(notification, person('Hamid'), options);
  const first = performance.now() - cold;
  const cached = await time(() => renderEmail(notification, person('Hamid'), options), 2000);
  const textOnly = await time(() => renderText(composeMessage(notification, person('Hamid'), options)), 2000);
  line('first render (compiles the layout)', ms(first), '');
  line('cached render, mean of 2000', ms(cached), `${(first / cached).toFixed(0)}x faster than the first`);
  line('baseline: the plain-text part alone', ms(textOnly), `HTML costs ${(cached / textOnly).toFixed(1)}x the text part`);
}

/** A synthetic log: ideas through a three-gate process, some recycled, killed or withdrawn. */
function syntheticLog(ideas) {
  const events = [];
  const start = Date.parse('2026-01-01T00:00:00Z');
  const sources = ['employee', 'customer', 'partner', 'network'];
  const people = ['olivia', 'hamid', 'sofia', 'maya'];
  for (let n = 0; n < ideas; n++) {
    const ideaId = `idea-${n}`;
    let at = start + n * 3_600_000;
    let seq = 0;
    const push = (type, extra = {}) => {
      seq += 1;
      at += 1_800_000 + ((n * 7 + seq * 13) % 11) * 600_000;
      events.push({ id: `${ideaId}:${seq}`, ideaId, seq, type, at: new Date(at).toISOString(), process: 'smb-lite', processVersion: 1, source: sources[n % 4], detail: {}, ...extra });
    };
    push('submitted', { actor: `${people[n % 4]}@x.example`, detail: { estimatedCost: 100, estimatedBenefit: 500 } });
    let ended = false;
    for (const [stage, gate] of [['idea', 'idea-screen'], ['build', 'go-to-pilot'], ['pilot', 'go-to-launch']]) {
      push('stage_entered', { stage });
      for (let round = 1; round <= (n % 5 === 0 ? 2 : 1); round++) {
        push('gate_opened', { stage, gate, round, detail: { name: gate, reviewers: ['hamid@x.example', 'sofia@x.example'], quorum: 'any', votesNeeded: 1 } });
        push('vote_cast', { stage, gate, round, actor: 'hamid@x.example', detail: { decision: 'go', scores: { feasibility: 1 + (n % 5), impact: 1 + ((n + 2) % 5) } } });
        const decision = round === 1 && n % 5 === 0 ? 'recycle' : n % 7 === 3 && stage === 'build' ? 'kill' : 'go';
        push('decided', { stage, gate, round, detail: { decision, decidedBy: 'reviewers', score: 3.5, reasons: [], conditions: [], comments: [] } });
        if (decision === 'kill') {
          push('killed', { stage });
          ended = true;
        }
      }
      if (ended) break;
    }
    if (!ended && n % 3 !== 0) push('launched', { stage: 'pilot' });
  }
  return events.sort((a, b) => a.at.localeCompare(b.at) || a.ideaId.localeCompare(b.ideaId) || a.seq - b.seq);
}

async function reportsBench() {
  const ideas = 3000;
  const events = syntheticLog(ideas);
  console.log(`\nReports: every report over a log of ${ideas} ideas (${events.length} events)`);
  const baseline = await time(() => [...events].sort((a, b) => a.at.localeCompare(b.at)), 5);
  line('baseline: sorting the log once', ms(baseline), '');
  let total = 0;
  for (const report of REPORTS) {
    const each = await time(() => report.run(events, {}), 5);
    total += each;
    line(`${report.name}`, ms(each), `${(each / baseline).toFixed(1)}x the baseline`);
  }
  line('all reports (a dashboard draws six of them)', ms(total), `${(total / baseline).toFixed(1)}x the baseline`);
  const heap = process.memoryUsage().heapUsed / 1024 / 1024;
  line('heap in use after the reports', `${heap.toFixed(0)} MiB`, '');
}

async function storeBench() {
  const dataDir = mkdtempSync(join(tmpdir(), 'stagegate-bench-'));
  const store = await openStore({ dataDir });
  const events = syntheticLog(300).slice(0, 3000);
  console.log(`\nEvents store (SQLite): ${events.length} idempotent appends, one per activity call as the worker makes them`);
  const Database = require('better-sqlite3');
  const raw = new Database(join(dataDir, 'baseline.db'));
  raw.pragma('journal_mode = WAL');
  raw.exec('CREATE TABLE events (id TEXT PRIMARY KEY, body TEXT)');
  const insert = raw.prepare('INSERT OR IGNORE INTO events (id, body) VALUES (?, ?)');
  const baseline = await time((i) => insert.run(events[i].id, JSON.stringify(events[i])), events.length);
  const append = await time((i) => store.appendEvent(events[i]), events.length);
  const again = await time((i) => store.appendEvent(events[i]), events.length);
  line('baseline: a bare INSERT OR IGNORE of the row', ms(baseline), '');
  line('store.appendEvent, new events', ms(append), `${(append / baseline).toFixed(1)}x the baseline`);
  line('store.appendEvent, repeated (a retried activity)', ms(again), `${(again / baseline).toFixed(1)}x the baseline`);
  raw.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * What encryption costs: the codec's encode and decode of a journey's start payload (with the
 * idea's data key, as a worker uses it) against the default converter alone, and the sealed
 * store's appends against the plain store's, in the same run.
 */
async function codecBench() {
  const { randomBytes } = require('node:crypto');
  const { defaultPayloadConverter } = require('@temporalio/common');
  const { createCodec, openSealedStore } = require(join(dist, 'codec'));
  const dataDir = mkdtempSync(join(tmpdir(), 'stagegate-bench-'));
  const settings = { dataDir, codecKeys: `bench:${randomBytes(32).toString('base64')}` };
  const plain = await openStore({ dataDir: join(dataDir, 'plain') });
  const sealed = await openSealedStore(settings);
  const codec = createCodec(settings, sealed);
  const input = { idea: { ...notification.idea, strategicGoals: ['Less waste'], category: 'product', horizon: 'incremental' }, process: { stages: Array.from({ length: 4 }, (_, i) => ({ id: `stage-${i}`, name: `Stage ${i}`, gate: notification.gate })) } };
  const context = { type: 'workflow', namespace: 'default', workflowId: 'idea-loyalty-cards' };
  const runs = 2000;
  console.log(`\nPayload codec (AES-256-GCM, the idea's data key): a journey's start payload, ${runs} times`);
  await codec.codec.encode([defaultPayloadConverter.toPayload(input)], context); // the data key, made once
  const baseline = await time(() => defaultPayloadConverter.fromPayload(defaultPayloadConverter.toPayload(input)), runs);
  const roundTrip = await time(async () => {
    const [encoded] = await codec.codec.encode([defaultPayloadConverter.toPayload(input)], context);
    const [decoded] = await codec.codec.decode([encoded]);
    defaultPayloadConverter.fromPayload(decoded);
  }, runs);
  line('baseline: to payload and back, no codec', ms(baseline), '');
  line('encode and decode with the codec', ms(roundTrip), `${(roundTrip / baseline).toFixed(1)}x the baseline (+${ms(roundTrip - baseline)} per payload)`);
  const events = syntheticLog(100).slice(0, 1000);
  const plainAppend = await time((i) => plain.appendEvent(events[i]), events.length);
  const sealedAppend = await time((i) => sealed.appendEvent(events[i]), events.length);
  line('plain store.appendEvent', ms(plainAppend), '');
  line('sealed store.appendEvent (pseudonyms, sealed detail)', ms(sealedAppend), `${(sealedAppend / plainAppend).toFixed(1)}x the plain store`);
  await codec.close();
  await sealed.close();
  await plain.close();
  rmSync(dataDir, { recursive: true, force: true });
}

(async () => {
  console.log(`stagegate benchmarks, Node ${process.version}, ${require('node:os').cpus().length} cores`);
  await emailBench();
  await reportsBench();
  await storeBench();
  await codecBench();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
