import type { Command } from 'commander';
import { kpiNumberProblem, parseKpiNumber } from '../../workflows/kpi-rules';
import type { KpiReceipt, PilotStatus } from '../sdk';
import { action, jsonOption, repeatable } from './command';
import { CliError, EXIT_USAGE, say, table, when } from './output';

/** `--kpi weekly_sales=620` into a KPI id and a number, in the one KPI number grammar. */
function parseReading(pair: string): { kpi: string; value: number } {
  const match = /^([a-z0-9][a-z0-9_-]*)=(.*)$/.exec(pair.trim());
  if (!match) throw new CliError(`--kpi ${pair}: expected kpi=number, like weekly_sales=620`, EXIT_USAGE, 'invalid-input');
  const value = parseKpiNumber(match[2]!);
  if (value === undefined) throw new CliError(`--kpi ${match[1]}: ${kpiNumberProblem(match[2]!)}`, EXIT_USAGE, 'invalid-input');
  return { kpi: match[1]!, value };
}

export function registerPilotCommands(program: Command): void {
  const pilot = program.command('pilot').description("a pilot's KPI readings");

  pilot
    .command('record')
    .description("record KPI readings for the idea's running pilot; each is judged against its target")
    .argument('<idea>', 'idea id')
    .requiredOption('--kpi <kpi=value>', 'a reading (repeat for several KPIs)', repeatable, [])
    .requiredOption('--by <email>', 'who read it')
    .option('--note <text>', 'where the number comes from', '')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  stagegate pilot record pumpkin-pastry-1a2b3c --kpi weekly_sales=620 --by sofia@cornerbakery.example')
    .action(
      action(
        async (context, ideaId: string, flags: { kpi: string[]; by: string; note: string }) => {
          const readings = flags.kpi.map(parseReading);
          const client = await context.client();
          const receipts: KpiReceipt[] = [];
          for (const reading of readings) receipts.push(await client.recordKpiReading(ideaId, { ...reading, by: flags.by, note: flags.note, via: 'cli' }));
          return receipts;
        },
        (receipts: KpiReceipt[]) => say(table(['KPI', 'VALUE', 'TARGET MET', 'LEVEL', 'AT'], receipts.map((r) => [r.kpi, r.value, r.met ? 'yes' : 'no', r.level, when(r.at)]))),
      ),
    );

  pilot
    .command('show')
    .description("the running pilot's KPIs: readings, latest, trend, target met or not")
    .argument('<idea>', 'idea id')
    .addOption(jsonOption())
    .action(
      action(
        async (context, ideaId: string) => (await context.client()).pilotStatus(ideaId),
        (status: PilotStatus) => {
          say(`Pilot of ${status.stage} (run ${status.run}) until ${when(status.endsAt)}; next check ${when(status.nextCheckAt)}`);
          say(table(['KPI', 'LABEL', 'READINGS', 'LATEST', 'TARGET', 'TREND', 'MET'], status.summary.map((k) => [k.kpi, k.label, k.readings, k.latest === undefined ? '' : `${k.latest} ${k.unit}`.trim(), `${k.direction === 'higher' ? '≥' : '≤'} ${k.target}`, k.trend, k.met ? 'yes' : 'no'])));
        },
      ),
    );
}
