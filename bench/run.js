#!/usr/bin/env node
/*
 * stagegate's benchmarks: each prints its figures next to a baseline measured in the same run,
 * on the same machine, so a change shows as a change of ratio rather than of absolute time.
 * Runs on the built code: `npm run bench` builds first.
 */
const { mkdtempSync, rmSync } = require('node:fs');
const { writeResults } = require('./results');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

const dist = join(__dirname, '..', 'dist');
const { renderEmail } = require(join(dist, 'activities/email/templates'));
const { composeMessage, renderText } = require(join(dist, 'activities/messages'));
const { linkBuilder } = require(join(dist, 'links'));
const { openStore } = require(join(dist, 'store'));
const { REPORTS } = require(join(dist, 'reports'));

/**
 * `--reports-ideas 3000` (the sizes of the reports' logs, comma-separated: `3000,30000` for the
 * README's figures at 30,000), `--old-way-up-to 3000` (the largest log the old way is timed on),
 * `--backends sqlite,postgresql` (the stores the reports are timed on).
 */
const flags = (() => {
  const backends = { sqlite: 'SQLite', postgresql: 'PostgreSQL' };
  const known = { reportsIdeas: [3000], oldWayUpTo: 3000, backends: Object.values(backends) };
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const match = /^--(reports-ideas|old-way-up-to|backends)(?:=(.*))?$/.exec(args[i]);
    if (!match) throw new Error(`unknown flag "${args[i]}"; known: --reports-ideas, --old-way-up-to, --backends`);
    const raw = match[2] ?? args[++i];
    if (match[1] === 'backends') {
      const names = String(raw).split(',').map((name) => name.toLowerCase());
      if (!names.length || !names.every((name) => name in backends)) throw new Error(`--backends must be sqlite, postgresql or both, got "${raw}"`);
      known.backends = names.map((name) => backends[name]);
      continue;
    }
    const values = String(raw).split(',').map(Number);
    if (!values.every((value) => Number.isInteger(value) && value > 0)) throw new Error(`--${match[1]} must be positive whole numbers, got "${raw}"`);
    if (match[1] === 'reports-ideas') known.reportsIdeas = values;
    else known.oldWayUpTo = values[0];
  }
  return known;
})();

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

/**
 * Reports at 3,000 ideas (`--reports-ideas 3000,30000` adds 30,000), on SQLite and on PostgreSQL (a
 * throwaway cluster like the tests', or STAGEGATE_BENCH_DATABASE_URL): each report and the
 * dashboard's data computed in the database, against the floor of the old way (reading every event
 * and sorting once) and, up to `--old-way-up-to` ideas (3,000), each report computed the old way.
 */
async function reportsBench() {
  const { runReport } = require(join(dist, 'reports'));
  const { dashboardData } = require(join(dist, 'client/web/dashboard'));
  const results = [];
  const postgres = flags.backends.includes('PostgreSQL') ? await benchPostgres() : { problem: 'not asked for (--backends)', stop: async () => undefined };
  try {
    for (const ideas of flags.reportsIdeas) {
      const events = syntheticLog(ideas);
      for (const backend of flags.backends) {
        if (backend === 'PostgreSQL' && !postgres.url) {
          console.log(`\nReports on PostgreSQL: skipped, ${postgres.problem}`);
          continue;
        }
        const dataDir = mkdtempSync(join(tmpdir(), 'stagegate-bench-'));
        const databaseUrl = backend === 'PostgreSQL' ? await postgres.database() : undefined;
        await (await openStore({ dataDir, databaseUrl })).close();
        const filling = performance.now();
        await bulkInsert(backend, events, dataDir, databaseUrl);
        const filled = performance.now() - filling;
        // The events went in behind the store's back, as into a store older than the tables kept as events arrive: opening it fills them once.
        const opening = performance.now();
        const store = await openStore({ dataDir, databaseUrl });
        const backfill = performance.now() - opening;
        console.log(`\nReports on ${backend}: ${ideas} ideas (${events.length} events, stored in ${(filled / 1000).toFixed(1)} s; the tables kept as events arrive filled on open in ${(backfill / 1000).toFixed(1)} s)`);
        const floor = await time(async () => [...(await store.events({}))].sort((a, b) => a.at.localeCompare(b.at)), 1);
        line('baseline: read every event, sort once', ms(floor), 'the floor of the old way');
        const oldWay = ideas <= flags.oldWayUpTo;
        const row = (name, inDatabase, old) => {
          results.push({ backend, ideas, events: events.length, name, inDatabaseMs: inDatabase, oldWayMs: old, floorMs: floor });
          line(name, ms(inDatabase), `${(inDatabase / floor).toFixed(2)}x the floor${old === undefined ? '' : `, old way ${ms(old)} (${(old / inDatabase).toFixed(0)}x slower)`}`);
        };
        for (const report of REPORTS) {
          await runReport(report, store, {}); // warm the page cache and the statements
          const inDatabase = await time(() => runReport(report, store, {}), 3);
          const old = oldWay ? await time(async () => report.run(await store.events({}), {}), 1) : undefined;
          row(report.name, inDatabase, old);
        }
        const dashboard = await time(() => dashboardData(store, {}), 3);
        const oldDashboard = oldWay ? await time(() => dashboardData({ events: (filter) => store.events(filter) }, {}), 1) : undefined;
        row('dashboard (six reports and sources per month)', dashboard, oldDashboard);
        const range = { from: new Date(Date.parse(events[0].at) + (Date.parse(events[events.length - 1].at) - Date.parse(events[0].at)) / 2).toISOString() };
        row('dashboard, the last half of the log', await time(() => dashboardData(store, range), 3), undefined);
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await postgres.stop();
  }
  writeReportResults(results);
}

/** The tables `appendEvent` keeps, dropped so that opening the store fills them from the events. */
const DROP_MAINTAINED = ['journeys', 'steps', 'gate_rounds', 'round_reviewers', 'milestones', 'decisions', 'vote_scores'].map((table) => `DROP TABLE ${table}`).join('; ');

/** Fills a store's events table as fast as the backend takes rows (one transaction in SQLite, 5,000 rows an INSERT in PostgreSQL), and drops the tables kept as events arrive (journeys, steps, gate rounds, milestones, decisions, vote scores). */
async function bulkInsert(backend, events, dataDir, databaseUrl) {
  if (backend === 'SQLite') {
    const Database = require('better-sqlite3');
    const raw = new Database(join(dataDir, 'stagegate.db'));
    raw.exec(DROP_MAINTAINED);
    const insert = raw.prepare(
      `INSERT INTO events (id, idea_id, seq, type, at, process, process_version, source, stage, gate, round, actor, detail)
       VALUES (@id, @ideaId, @seq, @type, @at, @process, @processVersion, @source, @stage, @gate, @round, @actor, @detail)`,
    );
    raw.transaction(() => {
      for (const event of events) insert.run({ stage: null, gate: null, round: null, actor: null, ...event, detail: JSON.stringify(event.detail) });
    })();
    raw.exec('ANALYZE');
    raw.close();
    return;
  }
  const { Client } = require('pg');
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(DROP_MAINTAINED);
  for (let start = 0; start < events.length; start += 5000) {
    const chunk = events.slice(start, start + 5000).map((event) => ({ id: event.id, idea_id: event.ideaId, seq: event.seq, type: event.type, at: event.at, process: event.process, process_version: event.processVersion, source: event.source, stage: event.stage ?? null, gate: event.gate ?? null, round: event.round ?? null, actor: event.actor ?? null, detail: event.detail }));
    await client.query('INSERT INTO events SELECT * FROM json_populate_recordset(NULL::events, $1::json)', [JSON.stringify(chunk)]);
  }
  await client.query('ANALYZE events');
  await client.end();
}

/** A PostgreSQL for the reports: STAGEGATE_BENCH_DATABASE_URL, or a throwaway cluster as the tests start one; none is a skip, not a failure. */
async function benchPostgres() {
  const { execFileSync } = require('node:child_process');
  const { existsSync, readdirSync } = require('node:fs');
  const { Client } = require('pg');
  let made = 0;
  const databaseIn = (base) => async () => {
    const name = `bench_${process.pid}_${++made}`;
    const client = new Client({ connectionString: base });
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    return url.toString();
  };
  if (process.env.STAGEGATE_BENCH_DATABASE_URL) return { url: process.env.STAGEGATE_BENCH_DATABASE_URL, database: databaseIn(process.env.STAGEGATE_BENCH_DATABASE_URL), stop: async () => undefined };
  const debian = '/usr/lib/postgresql';
  const version = existsSync(debian) ? readdirSync(debian).sort((a, b) => Number(b) - Number(a)).find((v) => existsSync(join(debian, v, 'bin', 'pg_ctl'))) : undefined;
  if (!version) return { problem: 'no PostgreSQL found (install it, or set STAGEGATE_BENCH_DATABASE_URL)', stop: async () => undefined };
  const bin = join(debian, version, 'bin');
  const asRoot = process.getuid?.() === 0;
  const owned = (tool, args) => (asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]);
  const run = (tool, args) => execFileSync(...owned(tool, args), { stdio: 'ignore', timeout: 120_000 });
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-bench-pg-'));
  if (asRoot) execFileSync('chown', ['postgres:', dir]);
  const port = 20000 + (process.pid % 20000);
  run('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync']);
  run('pg_ctl', ['-D', join(dir, 'data'), '-l', join(dir, 'log'), '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`, '-w', '-t', '60', 'start']);
  const base = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url: base,
    database: databaseIn(base),
    stop: async () => {
      run('pg_ctl', ['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function writeReportResults(results) {
  const cell = (value) => (value === undefined ? '–' : `${value.toFixed(1)} ms`);
  const md = [
    '| backend | ideas | events | report | in the database | old way | floor: read every event, sort once |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: |',
    ...results.map((row) => `| ${row.backend} | ${row.ideas} | ${row.events} | ${row.name} | ${cell(row.inDatabaseMs)} | ${cell(row.oldWayMs)} | ${cell(row.floorMs)} |`),
  ].join('\n');
  writeResults('reports', { node: process.version, at: new Date().toISOString(), results }, md);
  console.log('\nwritten to .bench-results/reports.json and .md');
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
