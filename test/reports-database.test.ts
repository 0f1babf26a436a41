import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSealedStore } from '../codec';
import { loadSettings } from '../config/settings';
import { dashboardData } from '../client/web/dashboard';
import { REPORTS, runReport, type LaunchedIdeasValue, type Portfolio, type Recognition, type ReportRange } from '../reports';
import { iso } from '../reports/database';
import { funnelInDatabase } from '../reports/funnel';
import { openStore, storeFile, type Store, type StoredEvent } from '../store';
import type { EventType } from '../workflows/state';
import { TEST_LINK_SECRET } from './helpers';
import { testRunDir } from './paths';
import { freshDatabaseUrl, withDatabase } from './postgres';

/**
 * Every report computed in the database gives exactly what the report's function of the whole log
 * gives, over the same generated log, on SQLite, PostgreSQL and a sealed store, for any range.
 */

const START = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;
const SOURCES = ['employee', 'customer', 'partner', 'network', 'other'];
const PEOPLE = ['olivia@cornerbakery.example', 'hamid@cornerbakery.example', 'sofia@cornerbakery.example', 'maya@cornerbakery.example', 'leo@cornerbakery.example'];
/** The goals ideas claim: two the settings list, one they do not; the settings' third goal no idea claims. */
const GOAL_IDS = ['more-regulars', 'seasonal', 'gluten-free', 'seasonal', 'more-regulars'];
const CONTEXT = { decisionLabels: { express: { go: 'Do it', kill: 'Drop it' } }, goals: [{ id: 'more-regulars', name: 'More regulars', description: '' }, { id: 'seasonal', name: 'Seasonal menu', description: '' }, { id: 'less-waste', name: 'Waste less', description: '', until: '2027-12-31' }] };
const PROCESSES = [
  { id: 'smb-lite', steps: [['idea', 'idea-screen'], ['build', 'go-to-pilot'], ['pilot', 'go-to-launch']] },
  { id: 'express', steps: [['idea', 'quick-decision']] },
] as const;

/** Ideas through two processes: recycled, held by a deadline, decided by an admin, piloted, killed, withdrawn, or still under way. */
function generatedLog(ideas: number): StoredEvent[] {
  const events: StoredEvent[] = [];
  const journey = (n: number) => {
    const ideaId = `idea-${n}`;
    const process = PROCESSES[n % 4 === 3 ? 1 : 0]!;
    let at = START + n * 7 * HOUR;
    let seq = 0;
    let stage: string | undefined;
    const add = (type: EventType, detail: Record<string, unknown> = {}, more: Partial<StoredEvent> = {}) => {
      seq += 1;
      at += HOUR * (1 + ((n * 7 + seq * 13) % 17));
      events.push({ id: `${ideaId}:${seq}`, ideaId, seq, type, at: new Date(at).toISOString(), process: process.id, processVersion: 1, source: SOURCES[n % 5]!, stage, detail, ...more });
    };
    const submitter = PEOPLE[n % 5]!;
    // Now and then the submitter champions their own idea.
    const champion = n % 7 === 0 ? submitter : PEOPLE[(n + 3) % 5]!;
    add('submitted', { title: `Idea ${n}`, submitter, champion, ...(n % 4 === 1 ? {} : { campaign: n % 3 ? 'less-waste-2027' : 'autumn-flavours' }), ...(n % 6 ? { estimatedCost: 100 + n, estimatedBenefit: 500 + 3 * n } : {}), ...(n % 4 ? { strategicGoals: GOAL_IDS.slice(n % 3, 1 + (n % 5)) } : {}) }, { actor: submitter });
    // Duplicates merged into it credit their submitters (one of them credited already elsewhere).
    const credited = n % 6 === 1 ? [PEOPLE[(n + 1) % 5]!, 'rosa@regular.example'] : [];
    if (credited.length) add('credited', { from: `idea-duplicate-${n}`, people: credited, by: PEOPLE[2] });
    let ended = false;
    for (const [stageId, gate] of process.steps) {
      if (n % 9 === 8 && stageId === 'build') {
        add('withdrawn', { reason: 'withdrawn' }, { actor: submitter });
        ended = true;
        break;
      }
      stage = stageId;
      add('stage_entered', { name: stageId.toUpperCase(), rework: false });
      if (stageId === 'pilot') {
        if (n % 4 === 1) add('kpi_alert', { kpi: 'weekly_sales', level: n % 8 === 1 ? 'kill' : 'alert', value: 3, threshold: 5 });
        add('pilot_ended', { reason: n % 8 === 1 ? 'kill-threshold' : 'duration', realisedBenefit: n % 3 ? 50 * n : undefined, summary: [{ kpi: 'weekly_sales', label: 'Weekly sales', unit: 'pastries', direction: 'higher', target: 50, met: n % 2 === 0 }] });
      }
      const rounds = n % 5 === 0 ? 2 : 1;
      for (let round = 1; round <= rounds; round++) {
        const reviewers = [PEOPLE[(n + round) % 5]!, PEOPLE[(n + round + 2) % 5]!];
        add('gate_opened', { name: gate.toUpperCase(), reviewers, votesNeeded: 1 }, { gate, round });
        // Some ideas stop here: the gate still waits on its reviewers.
        if (n % 11 === 10 && stageId !== 'idea') return;
        add('vote_cast', { decision: 'go', scores: { feasibility: 1 + (n % 5), impact: 1 + ((n + round) % 5) } }, { gate, round, actor: reviewers[0] });
        if (n % 3 === 0) add('vote_cast', { decision: 'go', scores: { feasibility: 1 + ((n + 1) % 5), impact: 1 + ((n + 3) % 5) } }, { gate, round, actor: reviewers[1] });
        const decision = round < rounds ? (n % 10 === 0 ? 'hold' : 'recycle') : n % 7 === 3 && stageId === 'build' ? 'kill' : n % 13 === 4 ? 'conditional-go' : 'go';
        const decidedBy = n % 10 === 0 && round < rounds ? 'deadline' : n % 12 === 5 ? 'admin' : n % 8 === 6 && stageId === 'idea' ? 'authority' : 'reviewers';
        // Under delegated authority: two holders, one of them by her role's authority and by her own (a budget raised later), so the report tells the sources apart.
        const authority = decidedBy === 'authority' ? { holder: reviewers[0], name: `Holder ${reviewers[0]!.slice(0, 4)}`, budget: 300, estimatedCost: 100 + n, source: n % 16 === 6 ? 'person' : 'role:shop-manager' } : undefined;
        add('decided', { decision, decidedBy, ...(decidedBy === 'reviewers' || authority ? { score: 1 + ((n * 3 + round) % 9) / 2 } : {}), ...(authority ? { authority, actor: authority.holder } : {}), reasons: [], conditions: [], comments: [] }, { gate, round });
        if (decision === 'recycle') add('stage_entered', { name: stageId.toUpperCase(), rework: true });
        if (decision === 'kill') {
          add('killed', { reason: 'killed' });
          ended = true;
        }
      }
      if (ended) break;
    }
    if (!ended && n % 3 !== 2) {
      add('launched', { reason: 'launched' });
      // Journeys before the recognition patch thank submitter and champion in one event; after it, one event per person.
      if (n % 4 === 0) add('recognised', { people: [...new Set([submitter, champion])] });
      else {
        const roles = new Map<string, string[]>();
        for (const [email, role] of [[submitter, 'submitter'], [champion, 'champion'], ...credited.map((email) => [email, 'credited'])] as const) roles.set(email, [...(roles.get(email) ?? []), role]);
        for (const [email, held] of roles) add('recognised', { person: email, personName: `Name of ${email.split('@')[0]}`, roles: held, source: SOURCES[n % 5], ...(held.includes('credited') ? { from: `idea-duplicate-${n}`, fromTitle: 'Its duplicate' } : {}) });
      }
    }
  };
  for (let n = 0; n < ideas; n++) journey(n);
  return events.sort(inLogOrder);
}

function inLogOrder(a: StoredEvent, b: StoredEvent): number {
  return a.at.localeCompare(b.at) || (a.ideaId < b.ideaId ? -1 : a.ideaId > b.ideaId ? 1 : 0) || a.seq - b.seq;
}

const EVENTS = generatedLog(400);
const last = EVENTS[EVENTS.length - 1]!.at;
const middle = (fraction: number) => new Date(START + (Date.parse(last) - START) * fraction).toISOString();
const RANGES: ReportRange[] = [{}, { from: middle(0.3) }, { to: middle(0.6) }, { from: middle(0.2), to: middle(0.5) }, { from: '2026-02-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' }];

async function filled(store: Store, events: readonly StoredEvent[]): Promise<Store> {
  for (const event of events) await store.appendEvent(event);
  return store;
}

/** The old way, as the baseline and the spec: every event before `to`, through the store, then the report's function. */
async function overEvents(store: Store, range: ReportRange) {
  const events = await store.events({ to: range.to });
  return Object.fromEntries(REPORTS.map((report) => [report.name, report.run(events, range, CONTEXT)]));
}

async function inDatabase(store: Store, range: ReportRange) {
  return Object.fromEntries(await Promise.all(REPORTS.map(async (report) => [report.name, await runReport(report, store, range, CONTEXT)] as const)));
}

const where = async (backend: string) => ({ dataDir: mkdtempSync(join(testRunDir(), 'reports-db-')), ...(backend === 'PostgreSQL' ? { databaseUrl: await freshDatabaseUrl() } : {}) });

/** Every report over every range, on PostgreSQL a round trip a query and several an event appended: 25–45 s on a quiet 2-core machine, more when the suite shares it. */
const FULL_LOG_MS = 180_000;

describe.each(['SQLite', 'PostgreSQL'])('reports in the database on %s', (backend) => {
  test('every report and the dashboard give what the whole log gives, for every range', async () => {
    const store = await filled(await openStore(await where(backend)), EVENTS);
    try {
      expect(REPORTS.every((report) => report.query)).toBe(true);
      for (const range of RANGES) {
        expect(await inDatabase(store, range)).toEqual(await overEvents(store, range));
        expect(await dashboardData(store, range)).toEqual(await dashboardData({ events: (filter: { to?: string }) => store.events(filter) }, range));
      }
      // The log really exercises the reports: none is empty.
      const all = await inDatabase(store, {});
      expect(all['kill-rate']).toMatchObject({ launched: expect.any(Number), killed: expect.any(Number), withdrawn: expect.any(Number) });
      expect(JSON.stringify(all)).toContain('conditional-go');
      const mix = all['decision-mix'] as { byDecider: { decidedBy: string; total: number }[]; byAuthority: { source: string }[] };
      expect(mix.byDecider.every((row) => row.total > 0)).toBe(true);
      expect(new Set(mix.byAuthority.map((row) => row.source))).toEqual(new Set(['person', 'role:shop-manager']));
      expect((all.pilots as { pilots: number }).pilots).toBeGreaterThan(0);
      const goals = all.portfolio as Portfolio;
      expect(goals.goals.map((row) => row.goal)).toEqual(['more-regulars', 'seasonal', 'less-waste', 'gluten-free', undefined]);
      expect(goals.goals.every((row) => row.goal === 'less-waste' || row.ideas > 0)).toBe(true);
      expect(goals.goalsWithoutIdeas).toEqual([{ goal: 'less-waste', name: 'Waste less', period: 'until 2027-12-31' }]);
      expect(goals.stages.some((row) => row.ended === 'killed') && goals.stages.some((row) => !row.ended)).toBe(true);
      expect((all.campaigns as { campaigns: { passedFirstGate: number; launched: number }[] }).campaigns).toEqual([expect.objectContaining({ passedFirstGate: expect.any(Number) }), expect.objectContaining({ launched: expect.any(Number) })]);
      expect((all.campaigns as { total: { ideas: number; passedFirstGate: number; launched: number } }).total).toMatchObject({ ideas: 300, passedFirstGate: expect.any(Number) });
      const recognised = all.recognition as Recognition;
      expect(recognised.people.some((row) => row.credited > 0 && row.launched > 0)).toBe(true);
      expect(recognised.people.find((row) => row.person === 'rosa@regular.example')).toMatchObject({ name: 'Name of rosa', submitted: 0, credited: expect.any(Number), thanked: expect.any(Number) });
      expect(recognised.total.thanks).toBeGreaterThan(recognised.total.launched);
      expect(recognised.months.length).toBeGreaterThan(1);
    } finally {
      await store.close();
    }
  }, FULL_LOG_MS);

  test('a sealed store: the SQL reads pseudonyms and readable fields, and gives what the decrypted log gives', async () => {
    const place = await where(backend);
    const store = await filled(await openSealedStore(loadSettings({ env: {}, overrides: { ...place, linkSecret: TEST_LINK_SECRET, codecKeys: `reports:${randomBytes(32).toString('base64')}` } })), EVENTS.slice(0, 1500));
    try {
      // PostgreSQL keeps the readable detail as jsonb, which orders an object's keys its own way: a gate's
      // criteria may then be listed in another order than the sealed (decrypted) votes give; the counts are the same.
      const criteriaInOneOrder = (results: Record<string, unknown>) => {
        if (backend !== 'PostgreSQL') return results;
        const scores = results.scores as { criteria: { process: string; gate: string; criterion: string }[] };
        const key = (row: { process: string; gate: string; criterion: string }) => `${row.process}/${row.gate}/${row.criterion}`;
        return { ...results, scores: { ...scores, criteria: [...scores.criteria].sort((a, b) => (key(a) < key(b) ? -1 : 1)) } };
      };
      for (const range of RANGES.slice(0, 3)) expect(criteriaInOneOrder(await inDatabase(store, range))).toEqual(criteriaInOneOrder(await overEvents(store, range)));
      const all = await inDatabase(store, {});
      expect(JSON.stringify(all)).toContain('hamid@cornerbakery.example');
      expect(JSON.stringify(all)).toContain('Idea 1');
    } finally {
      await store.close();
    }
  });

  test('a store made before the journeys table and the reports indexes gains them when opened, the table filled from its events, and gives the same reports', async () => {
    const place = await where(backend);
    const events = EVENTS.slice(0, 800);
    await (await filled(await openStore(place), events)).close();
    const indexes = ['events_by_idea_time', ...(backend === 'SQLite' ? ['events_by_time'] : [])];
    const dropIndexes = `DROP INDEX ${indexes.join('; DROP INDEX ')}; DROP TABLE journeys`;
    const indexNames = async () => {
      if (backend === 'SQLite') {
        const raw = new Database(storeFile(place.dataDir));
        const names = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((row) => row.name);
        raw.close();
        return names;
      }
      return withDatabase(place.databaseUrl!, async (client) => (await client.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename IN ('events', 'journeys')")).rows.map((row) => row.indexname));
    };
    if (backend === 'SQLite') {
      const raw = new Database(storeFile(place.dataDir));
      raw.exec(dropIndexes);
      raw.close();
    } else await withDatabase(place.databaseUrl!, (client) => client.query(dropIndexes));
    expect(await indexNames()).not.toEqual(expect.arrayContaining([...indexes, 'journeys_by_end']));

    const store = await openStore(place);
    try {
      expect(await indexNames()).toEqual(expect.arrayContaining(indexes));
      const [journeys] = await store.select('SELECT count(*) AS ideas, count(ended) AS ended FROM journeys');
      expect(Number(journeys!.ideas)).toBe(new Set(events.map((event) => event.ideaId)).size);
      expect(Number(journeys!.ended)).toBeGreaterThan(0);
      for (const range of RANGES.slice(0, 2)) expect(await inDatabase(store, range)).toEqual(await overEvents(store, range));
    } finally {
      await store.close();
    }
  });
  test('the steps table keeps the first appearance of each step whatever order the events arrive in, and a store made before it gains it filled from its events', async () => {
    const place = await where(backend);
    const events = EVENTS.slice(0, 800);
    const steps = async (store: Store) => (await store.select('SELECT kind, process, id, stage, name, idea_id, seq FROM steps ORDER BY kind, process, id')).map((row) => ({ ...row, seq: Number(row.seq) }));
    const late = await filled(await openStore(place), [...events].reverse());
    let kept: Awaited<ReturnType<typeof steps>>;
    try {
      kept = await steps(late);
      expect(kept.length).toBeGreaterThan(3);
      for (const range of RANGES.slice(0, 2)) expect(await inDatabase(late, range)).toEqual(await overEvents(late, range));
    } finally {
      await late.close();
    }
    if (backend === 'SQLite') {
      const raw = new Database(storeFile(place.dataDir));
      raw.exec('DROP TABLE steps');
      raw.close();
    } else await withDatabase(place.databaseUrl!, (client) => client.query('DROP TABLE steps'));
    const store = await openStore(place);
    try {
      expect(await steps(store)).toEqual(kept);
      for (const range of RANGES.slice(0, 2)) expect(await inDatabase(store, range)).toEqual(await overEvents(store, range));
    } finally {
      await store.close();
    }
  });
});

describe.each(['SQLite', 'PostgreSQL'])('the portfolio and the value on %s, over a few ideas made for their edges', (backend) => {
  const at = (hours: number) => new Date(START + hours * HOUR).toISOString();
  /** An idea's events, `hours` after START each: submitted (with this detail) first unless an event is given before it. */
  const idea = (ideaId: string, submission: Record<string, unknown>, later: [number, EventType, Partial<StoredEvent>?][], submittedAt = 0, stage?: string): StoredEvent[] => {
    const base = { ideaId, process: 'smb-lite', processVersion: 1, source: 'employee' };
    const events: StoredEvent[] = [{ ...base, id: `${ideaId}:1`, seq: 1, type: 'submitted' as EventType, at: at(submittedAt), stage, detail: { title: `Title of ${ideaId}`, submitter: PEOPLE[0], ...submission } }];
    later.forEach(([hours, type, more], index) => events.push({ ...base, id: `${ideaId}:${index + 2}`, seq: index + 2, type, at: at(hours), stage: undefined, detail: {}, ...more }));
    return events;
  };
  const entered = (hours: number, stage: string, name: string): [number, EventType, Partial<StoredEvent>] => [hours, 'stage_entered', { stage, detail: { name, rework: false } }];
  const pilotEnded = (hours: number, realisedBenefit?: number): [number, EventType, Partial<StoredEvent>] => [hours, 'pilot_ended', { stage: 'pilot', detail: { reason: 'duration', ...(realisedBenefit === undefined ? {} : { realisedBenefit }), summary: [] } }];
  // Ideas launched at the same time: in the log's order of ideas, by their first event, then by id as localeCompare orders them ('idea-a' before 'idea-B', which byte order puts first).
  const plain = [
    ...idea('idea-B', { estimatedCost: 10, estimatedBenefit: 30, strategicGoals: ['seasonal', 'seasonal', 'more-regulars'] }, [entered(1, 'idea', 'Idea'), pilotEnded(5, 7), pilotEnded(6, 8), [9, 'launched']], 1),
    ...idea('idea-a', { strategicGoals: [] }, [entered(2, 'idea', 'Idea'), pilotEnded(5), [9, 'launched']], 1),
    // Its first event is a credit before its submission: first in the log's order although submitted last.
    ...idea('idea-c', { estimatedCost: 5, strategicGoals: ['unlisted-goal'] }, [[0.5, 'credited', { detail: { from: 'idea-x', people: [PEOPLE[1]], by: PEOPLE[2] } }], entered(4, 'build', 'Build it'), [9, 'launched']], 3),
    // The same stage named otherwise by a later idea: the row keeps the first idea's name.
    ...idea('idea-d', { estimatedBenefit: 4, strategicGoals: ['more-regulars'] }, [entered(4, 'build', 'Build it')], 2),
    // Submitted in a stage and never entering another: it stands where it was submitted.
    ...idea('idea-e', { estimatedCost: 1, estimatedBenefit: 1 }, [], 2.5, 'screening'),
    ...idea('idea-f', { estimatedCost: 2, strategicGoals: ['gluten-free', 'gluten-free'] }, [entered(3, 'idea', 'Idea'), [8, 'killed']], 3),
  ];
  const sealed = [
    ...idea('idea-s1', { estimatedCost: 100, estimatedBenefit: 300, strategicGoals: ['seasonal', 'unlisted-goal', 'seasonal'] }, [entered(0.25, 'idea', 'First sealed name'), pilotEnded(7, 40), [9, 'launched']], 0.2),
    ...idea('idea-s2', { strategicGoals: ['gluten-free'] }, [entered(5, 'build', 'BUILD')], 4.5),
    ...idea('idea-s3', {}, [], 2.7, 'screening'),
  ];
  const ranges: ReportRange[] = [{}, { to: at(8.5) }, { from: at(1.5) }, { from: at(1), to: at(4.2) }, { from: at(2.6), to: at(9.5) }];

  test('a store holding plain and sealed ideas gives, for every range, what the log gives: goals claimed twice, ideas without estimates, ties in launch time, stages named twice, ideas submitted into a stage', async () => {
    const place = await where(backend);
    await (await filled(await openStore(place), plain)).close();
    const store = await filled(await openSealedStore(loadSettings({ env: {}, overrides: { ...place, linkSecret: TEST_LINK_SECRET, codecKeys: `reports:${randomBytes(32).toString('base64')}` } })), sealed);
    const portfolioAndValue = (results: Record<string, unknown>) => ({ portfolio: results.portfolio, value: results.value });
    try {
      const [sealedRows] = await store.select(`SELECT count(*) AS n FROM events WHERE type = 'submitted' AND CAST(detail AS TEXT) LIKE '%"sealed":%'`);
      expect(Number(sealedRows!.n)).toBe(3);
      for (const range of ranges) expect(portfolioAndValue(await inDatabase(store, range))).toEqual(portfolioAndValue(await overEvents(store, range)));
      const all = await inDatabase(store, {});
      expect((all.value as LaunchedIdeasValue).ideas.map((row) => [row.ideaId, row.title, row.realisedBenefit])).toEqual([
        ['idea-s1', 'Title of idea-s1', 40],
        ['idea-c', 'Title of idea-c', undefined],
        ['idea-a', 'Title of idea-a', undefined],
        ['idea-B', 'Title of idea-B', 15],
      ]);
      const portfolio = all.portfolio as Portfolio;
      expect(portfolio.goals).toEqual([
        { goal: 'more-regulars', name: 'More regulars', ideas: 2, underWay: 1, launched: 1, estimatedCost: 10, estimatedBenefit: 34 },
        { goal: 'seasonal', name: 'Seasonal menu', ideas: 2, underWay: 0, launched: 2, estimatedCost: 110, estimatedBenefit: 330 },
        { goal: 'less-waste', name: 'Waste less', ideas: 0, underWay: 0, launched: 0, estimatedCost: 0, estimatedBenefit: 0 },
        { goal: 'gluten-free', ideas: 2, underWay: 1, launched: 0, estimatedCost: 2, estimatedBenefit: 0 },
        { goal: 'unlisted-goal', ideas: 2, underWay: 0, launched: 2, estimatedCost: 105, estimatedBenefit: 300 },
        { ideas: 3, underWay: 2, launched: 1, estimatedCost: 1, estimatedBenefit: 1 },
      ]);
      expect(portfolio.stages.map((row) => [row.stage, row.name, row.ideas])).toEqual([
        ['build', 'Build it', 2],
        ['screening', 'screening', 2],
        ['launched', 'launched', 4],
        ['killed', 'killed', 1],
      ]);
      expect(portfolio.total).toEqual({ ideas: 9, estimatedCost: 118, estimatedBenefit: 335 });
    } finally {
      await store.close();
    }
  });
});

describe.each(['SQLite', 'PostgreSQL'])('the gate rounds tables on %s', (backend) => {
  /** Rounds decided twice and reviewers who voted twice, the second time after a range's end and the first before it. */
  const DAYS = 5 * 24 * HOUR;
  const beforeAnEnd = (at: string) => RANGES.some((range) => range.to && at < range.to && Date.parse(at) > Date.parse(range.to) - DAYS);
  const again = EVENTS.filter((event) => (event.type === 'decided' || event.type === 'vote_cast') && beforeAnEnd(event.at)).map((event) => ({
    ...event,
    id: `${event.id}:again`,
    seq: event.seq + 1000,
    at: new Date(Date.parse(event.at) + DAYS).toISOString(),
    // A round decided again decides otherwise: its latest decision is the one that counts.
    detail: event.type === 'decided' ? { ...event.detail, decision: event.detail.decision === 'go' ? 'hold' : 'go' } : event.detail,
  }));
  const events = [...EVENTS, ...again].sort(inLogOrder);
  /** Every other event in the log's order, then the rest from the last back: some arrive after what follows them, some before. */
  const arrivals = [...events.filter((_, index) => index % 2 === 1), ...events.filter((_, index) => index % 2 === 0).reverse()];
  const tables = async (store: Store) => ({
    rounds: (await store.select('SELECT idea_id, gate, round, process, opened_id, opened_at, opened_seq, openings, decided_at, decided_seq, decision, decisions, ended_at, ended_seq, submitted_at, last_decision FROM gate_rounds ORDER BY idea_id, gate, round')).map((row) => ({ ...row, round: Number(row.round), opened_seq: row.opened_seq === null ? null : Number(row.opened_seq), decided_seq: row.decided_seq === null ? null : Number(row.decided_seq), openings: Number(row.openings), decision: row.decision, decisions: Number(row.decisions), last_decision: Number(row.last_decision) })),
    milestones: (await store.select('SELECT id, idea_id, seq, type, at, process, stage, name, next_at, next_seq, submitted_at FROM milestones ORDER BY id')).map((row) => ({ ...row, idea_id: String(row.idea_id), type: String(row.type), at: iso(row.at), seq: Number(row.seq), next_at: row.next_at === null ? null : iso(row.next_at), next_seq: row.next_seq === null ? null : Number(row.next_seq), submitted_at: row.submitted_at })),
    decisions: (await store.select('SELECT id, idea_id, seq, at, process, gate, decision, decided_by, authority_source, score FROM decisions ORDER BY id')).map((row) => ({ ...row, authority_source: row.authority_source, seq: Number(row.seq), score: row.score === null ? null : Number(row.score) })),
    scores: (await store.select('SELECT id, criterion, idea_id, seq, at, process, gate, score, position FROM vote_scores ORDER BY id, criterion')).map((row) => ({ ...row, seq: Number(row.seq), score: Number(row.score), position: Number(row.position) })),
    reviewers: (await store.select('SELECT idea_id, gate, round, reviewer, asked, voted_at, votes, opened_id, opened_at, opened_seq, decided_at, decisions, ended_at, ended_seq FROM round_reviewers ORDER BY idea_id, gate, round, reviewer')).map((row) => ({ ...row, reviewer: String(row.reviewer), round: Number(row.round), asked: Number(row.asked), votes: Number(row.votes), decisions: row.decisions === null ? null : Number(row.decisions) })),
  });

  test('they, the milestones, decisions and vote scores tables are kept whatever order the events arrive in, a store made before them (or before the rounds kept their decision and their copies, and the milestones the submission) gains them filled from its events, and erasure fills the reviewers again', async () => {
    const place = await where(backend);
    const late = await filled(await openStore(place), arrivals);
    let kept: Awaited<ReturnType<typeof tables>>;
    try {
      kept = await tables(late);
      expect(kept.rounds.some((row) => row.decisions > 1)).toBe(true);
      expect(kept.reviewers.some((row) => row.votes > 1)).toBe(true);
      expect(kept.reviewers.some((row) => row.asked === 0)).toBe(false);
      // Each round holds its journey's end, and each reviewer's row its round's opening, decision and end, however late each arrived.
      const journeys = new Map((await late.select('SELECT idea_id, submitted_at, ended_at, ended_seq FROM journeys')).map((row) => [String(row.idea_id), row]));
      const rounds = kept.rounds as Record<string, unknown>[];
      expect(rounds.filter((row) => row.ended_at !== null).length).toBeGreaterThan(50);
      const journeyOf = (row: Record<string, unknown>) => journeys.get(String(row.idea_id));
      for (const row of rounds) expect([row.submitted_at, row.ended_at, row.ended_seq]).toEqual([journeyOf(row)?.submitted_at ?? null, journeyOf(row)?.ended_at ?? null, journeyOf(row)?.ended_seq ?? null]);
      for (const row of kept.milestones) expect(row.submitted_at).toEqual(journeyOf(row)?.submitted_at ?? null);
      // Of each idea's rounds at a gate, the one decided last is marked.
      const decidedAt = (row: Record<string, unknown>) => (row.decided_at === null ? '' : `${iso(row.decided_at)}#${String(row.decided_seq).padStart(6, '0')}`);
      for (const row of rounds) {
        const atGate = rounds.filter((other) => other.idea_id === row.idea_id && other.gate === row.gate);
        expect(row.last_decision).toBe(row.decided_at !== null && atGate.every((other) => decidedAt(other) <= decidedAt(row)) ? 1 : 0);
      }
      expect(rounds.filter((row) => row.last_decision === 1).length).toBeLessThan(rounds.filter((row) => row.decided_at !== null).length);
      const roundOf = new Map(rounds.map((row) => [`${String(row.idea_id)}/${String(row.gate)}/${String(row.round)}`, row]));
      for (const row of kept.reviewers as Record<string, unknown>[]) {
        const round = roundOf.get(`${String(row.idea_id)}/${String(row.gate)}/${String(row.round)}`)!;
        expect([row.opened_id, row.opened_at, row.opened_seq, row.decided_at, row.decisions, row.ended_at, row.ended_seq]).toEqual([round.opened_id, round.opened_at, round.opened_seq, round.decided_at, round.decisions, round.ended_at, round.ended_seq]);
      }
      // Each round keeps its latest decision (none while open), and each stage visit points to what ended it, whatever came first: the next stage entered, or the end.
      expect(new Set(kept.rounds.map((row) => row.decision))).toEqual(new Set(['go', 'conditional-go', 'recycle', 'hold', 'kill', null]));
      expect(kept.milestones.filter((row) => row.type === 'stage_entered' && row.next_at !== null).length).toBeGreaterThan(400);
      const following = (row: { idea_id: string; at: string; seq: number }) => events.filter((event) => event.ideaId === row.idea_id && ['stage_entered', 'launched', 'killed', 'withdrawn', 'merged'].includes(event.type) && (event.at > row.at || (event.at === row.at && event.seq > row.seq)))[0];
      for (const row of kept.milestones) expect(row.next_seq).toBe(following(row)?.seq ?? null);
      // A row per decision and per criterion a vote scores, with what the reports group them by.
      expect(kept.decisions.length).toBe(events.filter((event) => event.type === 'decided').length);
      expect(new Set(kept.decisions.map((row) => row.authority_source))).toEqual(new Set([null, 'person', 'role:shop-manager']));
      expect(kept.decisions.some((row) => row.score === null) && kept.decisions.some((row) => row.score === 4.5)).toBe(true);
      expect(kept.scores.length).toBe(2 * events.filter((event) => event.type === 'vote_cast').length);
      for (const range of RANGES) expect(await inDatabase(late, range)).toEqual(await overEvents(late, range));
    } finally {
      await late.close();
    }
    // A store made before the decisions table, whose gate rounds were kept without their decision and milestones without their journey's submission.
    const drop = 'DROP INDEX gate_rounds_by_gate; ALTER TABLE gate_rounds DROP COLUMN decision; DROP TABLE round_reviewers; DROP INDEX milestones_by_stage; ALTER TABLE milestones DROP COLUMN submitted_at; DROP TABLE decisions; DROP TABLE vote_scores';
    if (backend === 'SQLite') {
      const raw = new Database(storeFile(place.dataDir));
      raw.exec(drop);
      raw.close();
    } else await withDatabase(place.databaseUrl!, (client) => client.query(drop));
    const store = await openStore(place);
    try {
      expect(await tables(store)).toEqual(kept);
      for (const range of RANGES) expect(await inDatabase(store, range)).toEqual(await overEvents(store, range));
      // Erasure rewrites the events: the reviewers' table no longer names the person, and the reports still agree.
      const forgotten = 'forgotten:0123456789abcdef01234567';
      const swap = (value: unknown): unknown => (value === PEOPLE[1] ? forgotten : Array.isArray(value) ? value.map(swap) : value);
      expect(await store.rewriteEvents({}, (event) => (JSON.stringify(event).includes(PEOPLE[1]!) ? { ...event, actor: swap(event.actor) as string | undefined, detail: Object.fromEntries(Object.entries(event.detail).map(([key, value]) => [key, swap(value)])) } : undefined))).toBeGreaterThan(0);
      const after = await tables(store);
      expect(after.reviewers.some((row) => row.reviewer === PEOPLE[1])).toBe(false);
      expect(after.reviewers.some((row) => row.reviewer === forgotten)).toBe(true);
      for (const range of RANGES.slice(0, 3)) expect(await inDatabase(store, range)).toEqual(await overEvents(store, range));
    } finally {
      await store.close();
    }
  }, FULL_LOG_MS);
});

describe.each(['SQLite', 'PostgreSQL'])('a report read while its journeys write, on %s', (backend) => {
  test('a stage first entered between the funnel reading its steps and counting them is left for the next report, not a 500', async () => {
    const store = await openStore(await where(backend));
    try {
      const event = (seq: number, type: EventType, stage: string | undefined, detail: Record<string, unknown> = {}): StoredEvent => ({ id: `idea-racing:${seq}`, ideaId: 'idea-racing', seq, type, at: new Date(START + seq * HOUR).toISOString(), process: 'smb-lite', processVersion: 1, source: 'employee', stage, detail });
      await filled(store, [event(1, 'submitted', undefined, { title: 'Racing', submitter: PEOPLE[0], champion: PEOPLE[1] }), event(2, 'stage_entered', 'idea')]);
      // The real store, with the journey's next event written just after the report has read the steps it knows.
      let written = false;
      const racing = {
        dialect: store.dialect,
        events: store.events.bind(store),
        select: async (sql: string, params?: readonly unknown[]) => {
          const rows = await store.select(sql, params);
          if (!written && /FROM steps WHERE kind/.test(sql)) {
            written = true;
            await store.appendEvent(event(3, 'stage_entered', 'build'));
          }
          return rows;
        },
      };
      const during = await funnelInDatabase(racing, {});
      expect(written).toBe(true);
      expect(during.processes.flatMap((one) => one.stages.map((stage) => [stage.stage, stage.entered]))).toEqual([['idea', 1]]);
      const after = await funnelInDatabase(store, {});
      expect(after.processes.flatMap((one) => one.stages.map((stage) => [stage.stage, stage.entered]))).toEqual([['idea', 1], ['build', 1]]);
    } finally {
      await store.close();
    }
  });
});
