import { type Command, Option } from 'commander';
import { openSealedStore } from '../../codec';
import { decisionLabelsOf, loadProcesses } from '../../config/process';
import { findReport, REPORTS, reportRangeSchema, runReport, toCsv, formatCell, type Report, type ReportRange, type ReportTable } from '../../reports';
import { loadNetworkOf, scopeSettings } from '../../config/network';
import { loadPeopleDirectory } from '../../config/people';
import type { Settings } from '../../config/settings';
import { compareMembers, networkTable, type NetworkComparison } from '../../reports/network';
import { action, jsonOption } from './command';
import { CliError, EXIT_USAGE, say, table, when } from './output';

/** What `report <name> --json` prints: the report, its range and its result. */
export interface ReportOutput extends ReportRange {
  report: string;
  title: string;
  result: unknown;
}

export function registerReportCommands(program: Command): void {
  const reports = program
    .command('report')
    .description('how your innovation process performs: funnel, cycle times, decisions, pilots, value, participation, the portfolio by strategic goal, recognition of who contributed')
    .argument('<name>', `the report: ${REPORTS.map((report) => report.name).join(', ')}, or ${NETWORK_REPORT.name} in an innovation network (stagegate report list says what each shows)`)
    .option('--from <date>', 'from this day on, YYYY-MM-DD (midnight UTC)')
    .option('--to <date>', 'before this day, YYYY-MM-DD (midnight UTC); the day itself is not included')
    .addOption(jsonOption().conflicts('csv'))
    .addOption(new Option('--csv', "print the report's main table as CSV (RFC 4180)"))
    .addHelpText(
      'after',
      `
Every report is computed from the events log; an event counts when from <= its time < to.

Examples:
  stagegate report list
  stagegate report funnel --from 2026-11-01 --to 2026-12-01
  stagegate report time-to-decision --json
  stagegate report participation --from 2026-01-01 --csv > participation.csv
  stagegate report portfolio --from 2027-01-01
  stagegate report recognition --from 2026-01-01 --to 2027-01-01 --json`,
    )
    .action(
      action(async (context, name: string, flags: { from?: string; to?: string; csv?: boolean }) => {
        if (name === NETWORK_REPORT.name) {
          const result = await compareNetwork(context.installation(), parseRange(flags));
          if (flags.csv) {
            process.stdout.write(toCsv(networkTable(result)));
            return undefined;
          }
          return { report: NETWORK_REPORT.name, title: NETWORK_REPORT.title, ...parseRange(flags), result } satisfies ReportOutput;
        }
        const report = findReport(name);
        if (!report) throw new CliError(`no report "${name}"; the reports are: ${REPORTS.map((known) => known.name).join(', ')}`, EXIT_USAGE, 'unknown-report');
        const range = parseRange(flags);
        const store = await openSealedStore(context.settings());
        let result: unknown;
        try {
          result = await runReport(report, store, range, { goals: context.settings().goals, decisionLabels: decisionLabelsOf(loadProcesses(context.settings().processesDir).values()) });
        } finally {
          await store.close();
        }
        if (flags.csv) {
          process.stdout.write(toCsv(report.tables(result)[0]!));
          return undefined;
        }
        return { report: report.name, title: report.title, ...range, result } satisfies ReportOutput;
      }, (output?: ReportOutput) => {
        if (output) say(formatReport(output.report === NETWORK_REPORT.name ? NETWORK_REPORT : findReport(output.report)!, output));
      }),
    );

  reports
    .command('list')
    .description('the reports there are')
    .addOption(jsonOption())
    .action(
      action(
        async () => [...REPORTS, NETWORK_REPORT].map(({ name, title, description }) => ({ name, title, description })),
        (list: { name: string; description: string }[]) => say(table(['NAME', 'WHAT IT SHOWS'], list.map((report) => [report.name, report.description]))),
      ),
    );
}

function parseRange(flags: { from?: string; to?: string }): ReportRange {
  const parsed = reportRangeSchema.safeParse({ from: flags.from, to: flags.to });
  if (!parsed.success) {
    throw new CliError(parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('\n'), EXIT_USAGE, 'invalid-input');
  }
  return parsed.data;
}

/** A report for people: its title and period, then each of its tables. */
export function formatReport(report: Report, output: ReportOutput): string {
  const period = output.from && output.to ? `from ${day(output.from)} to ${day(output.to)}` : output.from ? `from ${day(output.from)}` : output.to ? `before ${day(output.to)}` : 'all time';
  return [`${output.title}, ${period}`, ...report.tables(output.result).map(formatTable)].join('\n\n');
}

function formatTable(data: ReportTable): string {
  if (data.rows.length === 0) return `${data.title}: none in this period.`;
  const rows = [...data.rows, ...(data.total ? [data.total] : [])];
  const body = table(
    data.columns.map((column) => column.header.toUpperCase()),
    rows.map((row) => data.columns.map((column, index) => formatCell(row[index], column.kind))),
  );
  return `${data.title}\n${body}`;
}

function day(isoTime: string): string {
  return isoTime.endsWith('T00:00:00.000Z') ? isoTime.slice(0, 10) : when(isoTime);
}

/** The network report: read from every member's events store and the network's, never one member's through another's. */
const NETWORK_REPORT: Report<NetworkComparison> = {
  name: 'network',
  title: 'Network: members compared',
  description: "an innovation network's members side by side: ideas, share passing the first gate, share launched, cycle time to launch, shared projects and votes on network gates",
  run: () => ({ members: [] }),
  tables: (result) => [networkTable(result)],
};

async function compareNetwork(installation: Settings, range: ReportRange): Promise<NetworkComparison> {
  const network = loadNetworkOf(installation);
  if (!network) throw new CliError('the network report needs an innovation network: set network in the settings (or STAGEGATE_NETWORK)', EXIT_USAGE, 'config');
  const eventsOf = async (settings: Settings) => {
    const store = await openSealedStore(settings);
    try {
      return await store.events({});
    } finally {
      await store.close();
    }
  };
  const members = [];
  for (const member of network.members) {
    const settings = scopeSettings(installation, member);
    members.push({ id: member.id, name: member.name, events: await eventsOf(settings), people: loadPeopleDirectory(settings.peopleFile).people.map((person) => person.email) });
  }
  return compareMembers(members, await eventsOf(scopeSettings(installation, network.network)), range);
}
