import type { StoredEvent } from '../store';
import { endings, num, Sql, submissions, type ReportDatabase } from './database';
import { readLog } from './events';
import type { ReportRange } from './range';
import type { Report } from './report';
import { entryFor, ratio } from './statistics';
import { column } from './table';

export interface CampaignRow {
  campaign: string;
  /** Ideas answering the campaign submitted in the range. */
  ideas: number;
  /** Those ideas by source, most first: `customer 3, employee 2`. */
  sources: Record<string, number>;
  /** Of them, the ideas some gate decided go or conditional go by the end of the range: they passed their first gate. */
  passedFirstGate: number;
  /** passedFirstGate / ideas. */
  passRate?: number;
  launched: number;
  /** launched / ideas. */
  launchRate?: number;
}

export interface CampaignResults {
  /** Most ideas first; ideas sent outside any campaign are not counted. */
  campaigns: CampaignRow[];
  total: { ideas: number; passedFirstGate: number; launched: number; passRate?: number; launchRate?: number };
}

const PASSED = ['go', 'conditional-go'];

/**
 * What each campaign brought: the ideas whose `submitted` event is in the range and names the
 * campaign, their sources, and their conversion: the share that passed the first gate (a go or
 * conditional go at any gate, which needs one at the first) and the share launched, by `to`.
 */
export function campaignResults(events: readonly StoredEvent[], range: ReportRange): CampaignResults {
  const log = readLog(events, range);
  const rows = new Map<string, CampaignRow>();
  for (const idea of log.ideas.values()) {
    const campaign = (idea.submitted?.detail as { campaign?: unknown } | undefined)?.campaign;
    if (!idea.submitted || !log.inRange(idea.submitted) || typeof campaign !== 'string') continue;
    const row = entryFor(rows, campaign, (): CampaignRow => ({ campaign, ideas: 0, sources: {}, passedFirstGate: 0, launched: 0 }));
    row.ideas += 1;
    row.sources[idea.source] = (row.sources[idea.source] ?? 0) + 1;
    if (idea.events.some((event) => event.type === 'decided' && PASSED.includes(String(event.detail.decision)))) row.passedFirstGate += 1;
    if (idea.end?.type === 'launched') row.launched += 1;
  }
  return results([...rows.values()]);
}

export async function campaignResultsInDatabase(db: ReportDatabase, range: ReportRange): Promise<CampaignResults> {
  const sql = new Sql(db, range);
  const campaign = sql.field('campaign', 'first.');
  const passed = `EXISTS (SELECT 1 FROM events AS d WHERE d.idea_id = subs.idea_id AND d.type = 'decided' AND ${sql.field('decision', 'd.')} IN ('go', 'conditional-go') AND ${sql.known('d.')})`;
  const rows = await sql.rows(
    `SELECT ${campaign} AS campaign, subs.source, count(*) AS ideas,
       sum(CASE WHEN ${passed} THEN 1 ELSE 0 END) AS passed,
       sum(CASE WHEN ends.type = 'launched' THEN 1 ELSE 0 END) AS launched
     FROM ${submissions(sql)} AS subs
     JOIN journeys AS j ON j.idea_id = subs.idea_id
     JOIN events AS first ON first.idea_id = subs.idea_id AND first.type = 'submitted' AND first.seq = j.submitted_seq AND first.at = j.submitted_at
     LEFT JOIN ${endings(sql)} AS ends ON ends.idea_id = subs.idea_id
     WHERE ${sql.inRange('subs.at')} AND ${campaign} IS NOT NULL
     GROUP BY ${campaign}, subs.source`,
  );
  const byCampaign = new Map<string, CampaignRow>();
  for (const row of rows) {
    const id = String(row.campaign);
    const entry = entryFor(byCampaign, id, (): CampaignRow => ({ campaign: id, ideas: 0, sources: {}, passedFirstGate: 0, launched: 0 }));
    entry.ideas += num(row.ideas);
    entry.sources[String(row.source)] = num(row.ideas);
    entry.passedFirstGate += num(row.passed);
    entry.launched += num(row.launched);
  }
  return results([...byCampaign.values()]);
}

function results(rows: CampaignRow[]): CampaignResults {
  const campaigns = rows
    .sort((a, b) => b.ideas - a.ideas || a.campaign.localeCompare(b.campaign))
    .map((row) => ({
      ...row,
      sources: Object.fromEntries(Object.entries(row.sources).sort(([a, x], [b, y]) => y - x || a.localeCompare(b))),
      passRate: ratio(row.passedFirstGate, row.ideas),
      launchRate: ratio(row.launched, row.ideas),
    }));
  const sum = (pick: (row: CampaignRow) => number) => campaigns.reduce((total, row) => total + pick(row), 0);
  const [ideas, passedFirstGate, launched] = [sum((row) => row.ideas), sum((row) => row.passedFirstGate), sum((row) => row.launched)];
  return { campaigns, total: { ideas, passedFirstGate, launched, passRate: ratio(passedFirstGate, ideas), launchRate: ratio(launched, ideas) } };
}

/** The campaigns report: its result is a `CampaignResults`. */
export const campaignsReport: Report<CampaignResults> = {
  name: 'campaigns',
  title: 'Campaign results',
  description: 'What each campaign brought in the period: ideas, their sources, and the share that passed the first gate and launched.',
  run: campaignResults,
  query: campaignResultsInDatabase,
  tables: (result) => [
    {
      title: 'Ideas per campaign',
      columns: [column('campaign'), column('ideas', 'count'), column('sources'), column('passed first gate', 'count'), column('pass rate', 'ratio'), column('launched', 'count'), column('launch rate', 'ratio')],
      rows: result.campaigns.map((row) => [row.campaign, row.ideas, Object.entries(row.sources).map(([source, count]) => `${source} ${count}`).join(', '), row.passedFirstGate, row.passRate, row.launched, row.launchRate]),
      total: ['total', result.total.ideas, '', result.total.passedFirstGate, result.total.passRate, result.total.launched, result.total.launchRate],
    },
  ],
};
