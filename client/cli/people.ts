import type { Command } from 'commander';
import { currentPeopleDirectory, standInsOn } from '../../config/people';
import { standInDaySchema, type Reassigned, type StandIn } from '../sdk';
import { action, jsonOption } from './command';
import { CliError, EXIT_USAGE, say, table } from './output';

export function registerPeopleCommands(program: Command): void {
  const people = program.command('people').description('the people directory: who stands in for whom, and open rounds of people who left');

  people
    .command('list', { isDefault: true })
    .description('who stands in for whom today (the absences of the people file); `stagegate people` alone does this')
    .option('--on <YYYY-MM-DD>', 'another day than today (UTC)')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  stagegate people --on 2026-08-10')
    .action(
      action(
        async (context, flags: { on?: string }) => {
          const day = flags.on === undefined ? new Date().toISOString().slice(0, 10) : standInDaySchema.safeParse(flags.on);
          if (typeof day !== 'string' && !day.success) throw new CliError(`--on: ${day.error.issues[0]!.message}, got "${flags.on}"`, EXIT_USAGE, 'invalid-input');
          const on = typeof day === 'string' ? day : day.data;
          return { on, standIns: standInsOn(currentPeopleDirectory(context.settings().peopleFile), on) };
        },
        (result: { on: string; standIns: StandIn[] }) => {
          if (result.standIns.length === 0) return void process.stderr.write(`Nobody is away on ${result.on}.\n`);
          say(table(['AWAY', 'STAND-IN', 'FROM', 'TO'], result.standIns.map((standIn) => [`${standIn.forName} <${standIn.for}>`, `${standIn.standInName} <${standIn.standIn}>`, standIn.from, standIn.to])));
        },
      ),
    );

  people
    .command('sync')
    .description('reassign the open rounds still waiting on people removed from the people file or deactivated (the worker does this too when the file changes)')
    .option('--by <email>', 'the admin running it, recorded on each reassignment')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  stagegate people sync --by olivia@cornerbakery.example')
    .action(
      action(
        async (context, flags: { by?: string }) => (await context.client()).syncPeople(flags.by === undefined ? {} : { by: flags.by }),
        (reassigned: Reassigned[]) => {
          if (reassigned.length === 0) return void process.stderr.write('No open round waits on anyone who left or was deactivated.\n');
          say(table(['IDEA', 'GATE', 'ROUND', 'FROM', 'TO', 'WHY'], reassigned.map((r) => [r.ideaId, r.gate, r.round, r.from, r.to ?? '(nobody left: escalated)', r.why])));
        },
      ),
    );
}
