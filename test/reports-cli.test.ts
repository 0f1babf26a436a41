import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type StoredEvent } from '../store';
import { main } from '../client/cli/main';
import { formatReport } from '../client/cli/report';
import { findReport } from '../reports';
import { testRunDir } from './paths';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const DAY_MS = 24 * 3_600_000;
const emptyDataDir = () => mkdtempSync(join(testRunDir(), 'reports-'));

/** Runs `stagegate report ...` in this process, against the events store of an empty data folder. */
async function stagegate(...args: string[]): Promise<Run> {
  return stagegateIn(emptyDataDir(), ...args);
}

async function stagegateIn(dataDir: string, ...args: string[]): Promise<Run> {
  const env = { ...process.env };
  process.env.STAGEGATE_DATA_DIR = dataDir;
  delete process.env.STAGEGATE_CONFIG;
  delete process.env.DATABASE_URL;
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  try {
    process.exitCode = 0;
    await main(['node', 'stagegate', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = 0;
    process.env = env;
  }
}

describe('stagegate report', () => {
  test('report list names every report', async () => {
    const listed = await stagegate('report', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((report: { name: string }) => report.name)).toContain('time-to-decision');
    expect((await stagegate('report', 'list')).stdout).toMatch(/^NAME +WHAT IT SHOWS\nfunnel +How far the ideas/);
  });

  test('a report as JSON, as a table and as CSV, over a range', async () => {
    const json = await stagegate('report', 'kill-rate', '--from', '2026-11-01', '--to', '2026-12-01', '--json');
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({
      report: 'kill-rate',
      title: 'Kill rate',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      result: { ended: 0, launched: 0, killed: 0, withdrawn: 0, merged: 0 },
    });
    expect((await stagegate('report', 'kill-rate')).stdout).toBe('Kill rate, all time\n\nIdeas ended\nENDED  LAUNCHED  KILLED  WITHDRAWN  MERGED  KILL RATE\n0      0         0       0          0\n');
    expect((await stagegate('report', 'funnel', '--from', '2026-11-01')).stdout).toBe('Funnel, from 2026-11-01\n\nIdeas per stage and gate: none in this period.\n\nIdeas per process: none in this period.\n');
    expect((await stagegate('report', 'participation', '--csv')).stdout).toBe('month,ideas submitted,submitters,votes cast,reviewers\r\n');
  });

  test('the portfolio lists the settings\' goals, and those no idea serves', async () => {
    process.env.STAGEGATE_GOALS = JSON.stringify([{ id: 'less-waste', name: 'Waste less', from: '2027-01-01', until: '2027-12-31' }]);
    try {
      const run = await stagegate('report', 'portfolio');
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toBe(
        'Portfolio by strategic goal and stage, all time\n\n' +
          'By strategic goal\nGOAL        NAME            IDEAS  UNDER WAY  LAUNCHED  ESTIMATED COST  ESTIMATED BENEFIT\nless-waste  Waste less      0      0          0         0               0\ntotal       each idea once  0                           0               0\n\n' +
          'By stage: none in this period.\n\n' +
          'Goals with no ideas\nGOAL        NAME        ACTIVE\nless-waste  Waste less  from 2027-01-01 until 2027-12-31\n',
      );
    } finally {
      delete process.env.STAGEGATE_GOALS;
    }
  });

  test('bad usage exits 2: an unknown report (with the list), a bad date, --json with --csv', async () => {
    const unknown = await stagegate('report', 'roi');
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe('stagegate: no report "roi"; the reports are: funnel, kill-rate, cycle-time, time-to-decision, sources, scores, decision-mix, pilots, implementation, value, participation, campaigns, portfolio, recognition\n');
    const badDate = await stagegate('report', 'funnel', '--from', '2026-13-01');
    expect(badDate).toMatchObject({ code: 2, stderr: 'stagegate: --from: expected a date like 2026-11-01 (or an ISO time), got "2026-13-01"\n' });
    expect(await stagegate('report', 'funnel', '--from', '2026-12-01', '--to', '2026-11-01')).toMatchObject({ code: 2, stderr: 'stagegate: --to: must be after from\n' });
    expect((await stagegate('report', 'funnel', '--json', '--csv')).code).toBe(2);
  });
});

describe('stagegate report over the events store', () => {
  function event(ideaId: string, seq: number, type: StoredEvent['type'], at: string, detail: Record<string, unknown> = {}): StoredEvent {
    return { id: `${ideaId}:${seq}`, ideaId, seq, type, at, process: 'smb-lite', processVersion: 1, source: 'customer', stage: 'idea', actor: 'grace@example.com', detail };
  }
  /** An idea submitted in October and launched in November; another submitted at midnight on 1 December. */
  const events = [
    event('pumpkin-pastry', 1, 'submitted', '2026-10-03T09:00:00.000Z', { title: 'Pumpkin, spice and "all things nice"', estimatedCost: 150, estimatedBenefit: 800 }),
    event('pumpkin-pastry', 2, 'pilot_ended', '2026-11-02T09:00:00.000Z', { reason: 'duration', realisedBenefit: 120, summary: [] }),
    event('pumpkin-pastry', 3, 'launched', '2026-11-06T09:00:00.000Z', { reason: 'launched' }),
    event('stollen', 1, 'submitted', '2026-12-01T00:00:00.000Z', { title: 'Stollen' }),
  ];

  test('reads every event before --to, earlier ones included, and leaves out the rest', async () => {
    const dataDir = emptyDataDir();
    const store = await openStore({ dataDir });
    for (const stored of events) await store.appendEvent(stored);
    await store.close();

    const valueCsv = await stagegateIn(dataDir, 'report', 'value', '--from', '2026-11-01', '--to', '2026-12-01', '--csv');
    expect(valueCsv).toMatchObject({ code: 0, stderr: '' });
    expect(valueCsv.stdout).toBe(
      'idea,title,launched,estimated cost,estimated benefit,realised benefit\r\n' +
        'pumpkin-pastry,"Pumpkin, spice and ""all things nice""",2026-11-06T09:00:00.000Z,150,800,120\r\n',
    );
    // Submitted 3 October, launched 6 November: 34 days. The stollen belongs to December.
    const november = JSON.parse((await stagegateIn(dataDir, 'report', 'implementation', '--from', '2026-11-01', '--to', '2026-12-01', '--json')).stdout);
    expect(november.result).toEqual({ submitted: 0, launched: 1, timeToImplement: { count: 1, medianMs: 34 * DAY_MS, p90Ms: 34 * DAY_MS } });
    expect(JSON.parse((await stagegateIn(dataDir, 'report', 'implementation', '--json')).stdout).result).toMatchObject({ submitted: 2, launched: 1, rate: 0.5 });
  });

  test('stagegate report recognition: per person, per source and per month, for a period', async () => {
    const dataDir = emptyDataDir();
    const store = await openStore({ dataDir });
    const thanked = [
      event('loyalty-cards', 1, 'submitted', '2026-10-05T09:00:00.000Z', { title: 'Loyalty cards', submitter: 'ben@regular.example', champion: 'ben@regular.example' }),
      event('loyalty-cards', 2, 'credited', '2026-10-06T09:00:00.000Z', { from: 'stamp-cards', people: ['rosa@regular.example'] }),
      event('loyalty-cards', 3, 'launched', '2026-11-09T09:00:00.000Z', { reason: 'launched' }),
      event('loyalty-cards', 4, 'recognised', '2026-11-09T09:00:00.000Z', { person: 'ben@regular.example', personName: 'Ben Okafor', roles: ['submitter', 'champion'], source: 'customer' }),
      event('loyalty-cards', 5, 'recognised', '2026-11-09T09:00:00.000Z', { person: 'rosa@regular.example', personName: 'Rosa Diaz', roles: ['credited'], source: 'customer', from: 'stamp-cards' }),
    ];
    for (const stored of thanked) await store.appendEvent(stored);
    await store.close();

    const november = await stagegateIn(dataDir, 'report', 'recognition', '--from', '2026-11-01', '--to', '2026-12-01', '--json');
    expect(november).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(november.stdout).result).toEqual({
      people: [
        { person: 'ben@regular.example', name: 'Ben Okafor', submitted: 0, championed: 0, credited: 0, launched: 1, thanked: 1 },
        { person: 'rosa@regular.example', name: 'Rosa Diaz', submitted: 0, championed: 0, credited: 0, launched: 1, thanked: 1 },
      ],
      sources: [{ source: 'customer', submitted: 0, launched: 1, contributors: 0, thanks: 2 }],
      months: [{ month: '2026-11', launched: 1, thanks: 2, people: 2 }],
      total: { people: 2, contributors: 0, launched: 1, thanks: 2 },
    });
    const october = await stagegateIn(dataDir, 'report', 'recognition', '--from', '2026-10-01', '--to', '2026-11-01');
    expect(october.stdout.split('\n').slice(0, 6)).toEqual([
      'Recognition, from 2026-10-01 to 2026-11-01',
      '',
      'Contributions per person',
      'PERSON                NAME      SUBMITTED  CHAMPIONED  CREDITED  LAUNCHED  THANKED',
      'ben@regular.example             1          1           0         0         0',
      'rosa@regular.example            0          0           1         0         0',
    ]);
    expect((await stagegateIn(dataDir, 'report', 'recognition', '--csv')).stdout.split('\r\n')[1]).toBe('ben@regular.example,Ben Okafor,1,1,0,1,1');
  });
});

describe('reports for people', () => {
  test('durations in days or hours, ratios as percentages, the totals row last', () => {
    const report = findReport('time-to-decision')!;
    const result = {
      gates: [{ process: 'smb-lite', gate: 'idea-screen', name: 'Idea screen', decided: 5, medianMs: 72 * 3_600_000, p90Ms: 90 * 60_000, open: 1 }],
      reviewers: [],
    };
    expect(formatReport(report, { report: report.name, title: report.title, to: '2026-12-01T00:00:00.000Z', result })).toBe(
      [
        'Time to decision, before 2026-12-01',
        '',
        'Per gate: gate opened to decision',
        'PROCESS   GATE         DECIDED  MEDIAN  P90   OPEN',
        'smb-lite  Idea screen  5        3d      1.5h  1',
        '',
        'Per reviewer: gate opened to vote: none in this period.',
      ].join('\n'),
    );
    const sources = findReport('sources')!;
    const bySource = { sources: [{ source: 'customer', submitted: 3, share: 0.75, launched: 1, launchRate: 1 / 3 }], total: { submitted: 4, launched: 1, launchRate: 0.25, sources: 2 } };
    expect(formatReport(sources, { report: 'sources', title: sources.title, from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', result: bySource }).split('\n').slice(3)).toEqual([
      'SOURCE    SUBMITTED  SHARE  LAUNCHED  LAUNCH RATE',
      'customer  3          75%    1         33.3%',
      'total     4          100%   1         25%',
    ]);
  });
});
