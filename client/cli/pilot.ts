import type { Command } from 'commander';
import { againstTarget, numberSeparators, readKpiNumber, type NumberSeparators } from '../../workflows/kpi-rules';
import type { KpiReceipt, PilotStatus, StageGateClient } from '../sdk';
import { StageGateError } from '../sdk';
import { action, jsonOption, repeatable } from './command';
import { CliError, EXIT_USAGE, say, table, when } from './output';

/** `--kpi weekly_sales=620` into a KPI id and a number, in the one KPI number grammar, in the firm's locale. */
function parseReading(pair: string, separators: NumberSeparators): { kpi: string; value: number } {
  const match = /^([a-z0-9][a-z0-9_-]*)=(.*)$/.exec(pair.trim());
  if (!match) throw new CliError(`--kpi ${pair}: expected kpi=number, like weekly_sales=620`, EXIT_USAGE, 'invalid-input');
  const reading = readKpiNumber(match[2]!, separators);
  if ('problem' in reading) throw new CliError(`--kpi ${match[1]}: ${reading.problem}`, EXIT_USAGE, 'invalid-input');
  return { kpi: match[1]!, value: reading.value };
}

/** What `pilot show` prints: the running pilot, or the one whose gate is now deciding on its results. */
export type PilotView = Pick<PilotStatus, 'ideaId' | 'stage' | 'run' | 'startedAt' | 'endsAt' | 'summary'> & { nextCheckAt?: string; ended?: string };

async function pilotView(client: StageGateClient, ideaId: string): Promise<PilotView> {
  try {
    const status = await client.pilotStatus(ideaId);
    return { ideaId: status.ideaId, stage: status.stage, run: status.run, startedAt: status.startedAt, endsAt: status.endsAt, nextCheckAt: status.nextCheckAt, summary: status.summary };
  } catch (err) {
    if (!(err instanceof StageGateError && err.code === 'wrong-status')) throw err;
    const idea = await client.getIdea(ideaId);
    const pilot = idea.stage.pilot;
    if (!pilot?.summary) throw err;
    return { ideaId, stage: idea.stage.id, run: pilot.run, startedAt: pilot.startedAt, endsAt: pilot.endsAt, ended: `${pilot.endedAt} (${pilot.reason})`, summary: pilot.summary };
  }
}

export function registerPilotCommands(program: Command): void {
  const pilot = program.command('pilot').description("a pilot's KPI readings");

  pilot
    .command('record')
    .description("record KPI readings for the idea's running pilot, all or none; each is judged against its target")
    .argument('<idea>', 'idea id')
    .requiredOption('--kpi <kpi=value>', 'a reading, written in the firm\'s locale (STAGEGATE_LOCALE); repeat for several KPIs', repeatable, [])
    .requiredOption('--by <email>', 'who read it')
    .option('--note <text>', 'where the number comes from', '')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  stagegate pilot record pumpkin-pastry-1a2b3c --kpi weekly_sales=620 --kpi repeat_share=31.5 --by sofia@cornerbakery.example')
    .action(
      action(
        async (context, ideaId: string, flags: { kpi: string[]; by: string; note: string }) => {
          const readings = flags.kpi.map((pair) => parseReading(pair, numberSeparators(context.settings().locale)));
          const client = await context.client();
          return client.recordKpiReadings(ideaId, { readings, by: flags.by, note: flags.note, via: 'cli' });
        },
        (receipts: KpiReceipt[]) => say(table(['KPI', 'VALUE', 'TARGET MET', 'LEVEL', 'AT'], receipts.map((r) => [r.kpi, r.value, r.met ? 'yes' : 'no', r.level, when(r.at)]))),
      ),
    );

  pilot
    .command('show')
    .description("the pilot's KPIs: per KPI its readings so far against the target, latest, trend, target met or not")
    .argument('<idea>', 'idea id')
    .addOption(jsonOption())
    .action(
      action(
        async (context, ideaId: string) => pilotView(await context.client(), ideaId),
        (view: PilotView) => {
          say(`Pilot in stage ${view.stage}, run ${view.run}, until ${when(view.endsAt)}; ${view.ended ? `ended ${view.ended}` : `next readings due by ${when(view.nextCheckAt!)}`}`);
          say(table(['KPI', 'LABEL', 'READINGS', 'LATEST', 'TARGET', 'TREND', 'MET'], view.summary.map((k) => [k.kpi, k.label, k.readings, k.latest === undefined ? '' : `${k.latest} ${k.unit}`.trim(), `${k.direction === 'higher' ? '≥' : '≤'} ${k.target}`, k.trend, k.met ? 'yes' : 'no'])));
          for (const kpi of view.summary) {
            const lines = [`target ${kpi.direction === 'higher' ? '≥' : '≤'} ${kpi.target}`, kpi.alertAt === undefined ? '' : `alert at ${kpi.alertAt}`, kpi.killAt === undefined ? '' : `kill at ${kpi.killAt}`].filter(Boolean).join(', ');
            say(`\n${kpi.label}${kpi.unit ? ` (${kpi.unit})` : ''}: ${lines}`);
            const recent = kpi.recent ?? [];
            if (recent.length === 0) say('  no readings yet');
            else say(table(['WHEN', 'READING', 'AGAINST TARGET'], recent.map((point) => [point.at ? when(point.at) : '(time not kept)', point.value, againstTarget(kpi, point.value)])));
            if (kpi.readings > recent.length) say(`  the latest ${recent.length} of ${kpi.readings} readings`);
          }
        },
      ),
    );
}
