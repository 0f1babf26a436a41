import { timingSafeEqual } from 'node:crypto';
import { Lockout } from './lockout';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { StoredEvent } from '../../store';
import {
  cycleTimeReport,
  findReport,
  funnelReport,
  implementationReport,
  isDatabase,
  killRateReport,
  recognitionReport,
  REPORTS,
  reportRangeSchema,
  runReport,
  sourcesReport,
  timeToDecisionReport,
  toCsv,
  type EventSource,
  type ReportContext,
  type ReportDatabase,
  type ReportRange,
  type ReportTable,
} from '../../reports';
import { num, Sql } from '../../reports/database';
import { formatCell } from '../../reports/table';
import { barChart, columnChart } from './charts';
import { html, layout, type Html } from './html';

/**
 * The owner's view of the innovation process, behind the admin key: the funnel, where ideas
 * stall, who is slow to review, which sources bring ideas that launch, who contributed; every report as a table
 * and as CSV. Computed from the events log at each request, in its database when it is the events store.
 */

const DAY_MS = 24 * 3_600_000;
const HOUR_MS = 3_600_000;
/** How many people the recognition section names; the report lists them all. */
const TOP_PEOPLE = 10;

/**
 * HTTP basic auth, user `admin`, the admin key as password; compared in constant time. Wrong
 * passwords count towards the server's admin lockout, after which the address is told when to
 * try again, the right password included.
 */
function adminOnly(adminKey: string, lockout: Lockout) {
  const expected = Buffer.from(`admin:${adminKey}`);
  return (request: Request, response: Response, next: NextFunction) => {
    const address = request.ip ?? 'unknown';
    const now = Date.now();
    const lockedUntil = lockout.lockedUntil(address, now);
    if (lockedUntil !== undefined) {
      const retry = new Date(lockedUntil);
      response
        .set('Retry-After', String(Math.ceil((lockedUntil - now) / 1000)))
        .status(429)
        .type('html')
        .send(layout('Locked out', html`<h1>Too many wrong passwords</h1><p>The dashboard is locked for your address until ${retry.toUTCString()} (about ${Math.ceil((lockedUntil - now) / 60_000)} minutes). Try again after that.</p>`));
      return;
    }
    const header = request.headers.authorization;
    const given = Buffer.from(Buffer.from((header ?? '').replace(/^Basic /, ''), 'base64').toString('utf8'));
    if (given.length === expected.length && timingSafeEqual(given, expected)) {
      lockout.succeeded(address);
      return next();
    }
    // A browser's first request carries no password: only a wrong one counts.
    if (header !== undefined) lockout.failed(address, now);
    response.set('WWW-Authenticate', 'Basic realm="stagegate dashboard", charset="UTF-8"').status(401).type('html').send(layout('Admins only', html`<h1>Admins only</h1><p>The dashboard needs the admin key (user <code>admin</code>).</p>`));
  };
}

function rangeOf(request: Request): ReportRange {
  const from = typeof request.query.from === 'string' && request.query.from ? request.query.from : undefined;
  const to = typeof request.query.to === 'string' && request.query.to ? request.query.to : undefined;
  const parsed = reportRangeSchema.safeParse({ from, to });
  return parsed.success ? parsed.data : {};
}

function tableHtml(table: ReportTable): Html {
  return html`<table>
<caption>${table.title}</caption>
<thead><tr>${table.columns.map((column) => html`<th scope="col">${column.header}</th>`)}</tr></thead>
<tbody>${table.rows.map((row) => html`<tr>${table.columns.map((column, index) => html`<td>${formatCell(row[index], column.kind)}</td>`)}</tr>`)}</tbody>
${table.total ? html`<tfoot><tr>${table.columns.map((column, index) => html`<td><strong>${formatCell(table.total![index], column.kind)}</strong></td>`)}</tr></tfoot>` : ''}
</table>`;
}

/** The first rows of the recognition report's table of people, under its own title. */
function topPeople(table: ReportTable): ReportTable {
  return { ...table, title: `Top ${Math.min(TOP_PEOPLE, table.rows.length)} people`, rows: table.rows.slice(0, TOP_PEOPLE) };
}

interface SourcesOverTime {
  months: string[];
  sources: { name: string; values: number[] }[];
}

/** Ideas submitted per month and source: where ideas come from over time. */
export function sourcesOverTime(events: readonly StoredEvent[], range: ReportRange): SourcesOverTime {
  const submitted = events.filter((event) => event.type === 'submitted' && (!range.from || event.at >= range.from) && (!range.to || event.at < range.to));
  return perMonthAndSource(submitted.map((event) => ({ month: event.at.slice(0, 7), source: event.source, ideas: 1 })));
}

export async function sourcesOverTimeInDatabase(db: ReportDatabase, range: ReportRange): Promise<SourcesOverTime> {
  const sql = new Sql(db, range);
  const rows = await sql.rows(`SELECT ${sql.month('at')} AS month, source, count(*) AS ideas FROM events WHERE type = 'submitted' AND ${sql.inRange()} GROUP BY ${sql.month('at')}, source`);
  return perMonthAndSource(rows.map((row) => ({ month: String(row.month), source: String(row.source), ideas: num(row.ideas) })));
}

function perMonthAndSource(counts: { month: string; source: string; ideas: number }[]): SourcesOverTime {
  const months = [...new Set(counts.map((count) => count.month))].sort();
  const sources = [...new Set(counts.map((count) => count.source))].sort();
  const ideas = (source: string, month: string) => counts.filter((count) => count.source === source && count.month === month).reduce((total, count) => total + count.ideas, 0);
  return { months, sources: sources.map((source) => ({ name: source, values: months.map((month) => ideas(source, month)) })) };
}

/** What the dashboard's page draws: seven reports and the sources over time. */
export async function dashboardData(source: EventSource | ReportDatabase, range: ReportRange) {
  if (isDatabase(source)) {
    const [funnel, cycle, sources, decisions, kills, implemented, overTime, recognition] = await Promise.all([
      runReport(funnelReport, source, range),
      runReport(cycleTimeReport, source, range),
      runReport(sourcesReport, source, range),
      runReport(timeToDecisionReport, source, range),
      runReport(killRateReport, source, range),
      runReport(implementationReport, source, range),
      sourcesOverTimeInDatabase(source, range),
      runReport(recognitionReport, source, range),
    ]);
    return { funnel, cycle, sources, decisions, kills, implemented, overTime, recognition };
  }
  const events = await source.events({ to: range.to });
  return {
    funnel: funnelReport.run(events, range),
    cycle: cycleTimeReport.run(events, range),
    sources: sourcesReport.run(events, range),
    decisions: timeToDecisionReport.run(events, range),
    kills: killRateReport.run(events, range),
    implemented: implementationReport.run(events, range),
    overTime: sourcesOverTime(events, range),
    recognition: recognitionReport.run(events, range),
  };
}

export function dashboardRoutes(options: { events: EventSource | ReportDatabase; adminKey?: string; lockout?: Lockout; context?: ReportContext }): Router {
  const router = Router();
  if (!options.adminKey) {
    router.use((_request, response) => {
      response.status(404).type('html').send(layout('Dashboard off', html`<h1>The dashboard is off</h1><p>Set STAGEGATE_ADMIN_KEY (at least 24 characters) to open it.</p>`));
    });
    return router;
  }
  router.use(adminOnly(options.adminKey, options.lockout ?? new Lockout()));
  const wrap = (handler: (request: Request, response: Response) => Promise<void>) => (request: Request, response: Response, next: NextFunction) => {
    handler(request, response).catch(next);
  };

  router.get(
    '/',
    wrap(async (request, response) => {
      const range = rangeOf(request);
      const { funnel, cycle, sources, decisions, kills, implemented, overTime, recognition } = await dashboardData(options.events, range);
      const query = new URLSearchParams(Object.entries(range).filter(([, value]) => value) as [string, string][]).toString();
      const percent = (value?: number) => (value === undefined ? '–' : `${Math.round(value * 100)} %`);
      response.type('html').send(
        layout(
          'Dashboard',
          html`<h1>How the innovation process performs</h1>
<form method="get" action="${request.baseUrl}" class="card">
  <label class="field" for="from">From</label><input type="text" id="from" name="from" placeholder="2026-01-01" value="${range.from?.slice(0, 10) ?? ''}">
  <label class="field" for="to">To (not included)</label><input type="text" id="to" name="to" placeholder="2027-01-01" value="${range.to?.slice(0, 10) ?? ''}">
  <p><button type="submit">Show</button></p>
</form>
<section aria-labelledby="figures"><h2 id="figures">Key figures</h2>
<table><tbody>
<tr><th scope="row">Ideas submitted</th><td>${implemented.submitted}</td></tr>
<tr><th scope="row">Launched (implemented)</th><td>${implemented.launched} (${percent(implemented.rate)})</td></tr>
<tr><th scope="row">Killed of those ended</th><td>${kills.killed} of ${kills.ended} (${percent(kills.killRate)})</td></tr>
<tr><th scope="row">Sources bringing ideas</th><td>${sources.total.sources}</td></tr>
</tbody></table></section>
<section aria-labelledby="funnel"><h2 id="funnel">Funnel</h2>
${funnel.processes.map((process) =>
  barChart(`Funnel of ${process.process}`, [
    { label: 'Submitted', value: process.submitted },
    ...process.stages.map((stage) => ({ label: stage.name, value: stage.entered, text: `${stage.entered}${stage.gate?.conversion !== undefined ? ` · ${percent(stage.gate.conversion)} pass ${stage.gate.name}` : ''}` })),
    { label: 'Launched', value: process.launched },
  ]),
)}
</section>
<section aria-labelledby="stall"><h2 id="stall">Where ideas stall: time in each stage</h2>
${barChart('Median days in each stage', cycle.stages.map((stage) => ({ label: `${stage.name} (${stage.process})`, value: (stage.medianMs ?? 0) / DAY_MS, text: `${stage.medianMs === undefined ? 'no visits ended' : `${((stage.medianMs ?? 0) / DAY_MS).toFixed(1)} d median, ${((stage.p90Ms ?? 0) / DAY_MS).toFixed(1)} d p90`}${stage.open ? ` · ${stage.open} there now` : ''}` })), { colour: '#9a5b00' })}
</section>
<section aria-labelledby="reviewers"><h2 id="reviewers">Reviewer responsiveness</h2>
${barChart('Median hours from a gate opening to the reviewer\'s vote', decisions.reviewers.map((reviewer) => ({ label: reviewer.reviewer, value: (reviewer.medianMs ?? 0) / HOUR_MS, text: `${reviewer.medianMs === undefined ? 'no votes' : `${((reviewer.medianMs ?? 0) / HOUR_MS).toFixed(1)} h`} · voted ${reviewer.voted} of ${reviewer.asked}${reviewer.neverVoted ? ` · ${reviewer.neverVoted} never` : ''}` })), { colour: '#5b3fa3' })}
</section>
<section aria-labelledby="sources"><h2 id="sources">Where ideas come from, and which launch</h2>
${barChart('Ideas submitted by source', sources.sources.map((row) => ({ label: row.source, value: row.submitted, text: `${row.submitted} · ${row.launched} launched (${percent(row.launchRate)})` })), { colour: '#16703a' })}
${overTime.months.length ? columnChart('Ideas submitted per month, by source', overTime.months, overTime.sources) : html`<p class="meta">No ideas submitted in this period.</p>`}
</section>
<section aria-labelledby="recognition"><h2 id="recognition">Recognition: who contributed</h2>
<p>${recognition.total.contributors} people submitted, championed or were credited on ideas in this period; ${recognition.total.thanks} thanks went out as ${recognition.total.launched} ideas launched. <a href="${request.baseUrl}/reports/recognition${query ? `?${query}` : ''}">Every person</a></p>
${recognition.people.length
  ? html`${barChart('Top people: ideas launched that they submitted, championed or were credited on', recognition.people.slice(0, TOP_PEOPLE).map((row) => ({ label: row.name ?? row.person, value: row.launched, text: `${row.launched} launched · thanked ${row.thanked}` })), { colour: '#a3306b' })}
${tableHtml(topPeople(recognitionReport.tables(recognition)[0]!))}`
  : html`<p class="meta">Nobody contributed in this period.</p>`}
${recognition.sources.length ? barChart('Contributors per source', recognition.sources.map((row) => ({ label: row.source, value: row.contributors, text: `${row.contributors} contributors · ${row.launched} launched · ${row.thanks} thanks` })), { colour: '#a3306b' }) : ''}
</section>
<section aria-labelledby="all"><h2 id="all">Every report</h2>
<ul class="plain">${REPORTS.map((report) => html`<li><a href="${request.baseUrl}/reports/${report.name}${query ? `?${query}` : ''}">${report.title}</a> (<a href="${request.baseUrl}/reports/${report.name}.csv${query ? `?${query}` : ''}">CSV</a>): ${report.description}</li>`)}</ul>
</section>`,
        ),
      );
    }),
  );

  router.get(
    '/reports/:name',
    wrap(async (request, response) => {
      const name = String(request.params.name);
      const csv = name.endsWith('.csv');
      const report = findReport(csv ? name.slice(0, -4) : name);
      if (!report) {
        response.status(404).type('html').send(layout('No such report', html`<h1>No such report</h1><p>Reports: ${REPORTS.map((r) => r.name).join(', ')}.</p>`));
        return;
      }
      const range = rangeOf(request);
      const tables = report.tables(await runReport(report, options.events, range, options.context));
      if (csv) {
        response.type('text/csv').attachment(`${report.name}.csv`).send(toCsv(tables[0]!));
        return;
      }
      response.type('html').send(layout(report.title, html`<p><a href="${request.baseUrl}">Dashboard</a></p><h1>${report.title}</h1><p>${report.description}</p>${tables.map(tableHtml)}`));
    }),
  );

  return router;
}
