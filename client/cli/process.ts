import type { Command } from 'commander';
import { formatDuration } from '../../config/duration';
import { loadProcessFile, loadProcesses, type PilotDefinition, type ProcessDefinition } from '../../config/process';
import { checkConfiguration } from '../../config/startup';
import { ConfigError } from '../../config/yaml';
import { action, jsonOption } from './command';
import { CliError, say, table } from './output';

export function registerProcessCommands(program: Command): void {
  const processes = program.command('process').description('the stage-gate process templates');

  processes
    .command('list')
    .description('the process templates ideas can follow')
    .addOption(jsonOption())
    .action(
      action(
        async (context) => [...loadProcesses(context.settings().processesDir).values()],
        (list: ProcessDefinition[]) =>
          say(table(['ID', 'VERSION', 'NAME', 'STAGES', 'GATES'], list.map((p) => [p.id, p.version, p.name, p.stages.length, p.stages.filter((s) => s.gate).length]))),
      ),
    );

  processes
    .command('show')
    .description('one template: its stages, gates, reviewers and rules')
    .argument('<id>', 'process id')
    .addOption(jsonOption())
    .action(
      action(async (context, id: string) => {
        const found = loadProcesses(context.settings().processesDir).get(id);
        if (!found) throw new CliError(`no process "${id}"; see stagegate process list`);
        return found;
      }, showProcess),
    );

  processes
    .command('validate')
    .description('check process files (default: every template in the processes folder, and the people directory, as startup does)')
    .argument('[files...]', 'YAML files to check')
    .addOption(jsonOption())
    .action(
      action(
        async (context, files: string[]) => {
          // Without files: the check every command that runs stagegate makes at startup, people directory included.
          if (files.length === 0) return checkConfiguration(context.settings()).processes.map((p) => ({ id: p.id, valid: true }));
          const problems: string[] = [];
          const valid = files.flatMap((file) => {
            try {
              return [{ file, id: loadProcessFile(file).id, valid: true }];
            } catch (err) {
              if (!(err instanceof ConfigError)) throw err;
              problems.push(err.message);
              return [];
            }
          });
          if (problems.length > 0) throw new CliError(problems.join('\n'));
          return valid;
        },
        (results: { id: string }[]) => say(`valid: ${results.map((r) => r.id).join(', ')}`),
      ),
    );
}

function showProcess(process: ProcessDefinition): void {
  say(`${process.name} (${process.id} v${process.version})`);
  if (process.description) say(process.description);
  if (!process.stages.some((stage) => stage.pilot)) say('No pilot: no stage of this process runs one.');
  process.stages.forEach((stage, index) => {
    say(`\n${index + 1}. ${stage.name} (${stage.id}), planned ${formatDuration(stage.duration)}`);
    for (const deliverable of stage.deliverables) say(`   - ${deliverable}`);
    if (stage.pilot) showPilot(stage.pilot, stage.duration, process.stages[index - 1]);
    const gate = stage.gate;
    if (!gate) return;
    const who = (selector: { people: string[]; roles: string[] }) => [...selector.roles.map((role) => `role ${role}`), ...selector.people].join(', ');
    say(`   Gate: ${gate.name} (${gate.id})`);
    say(`     reviewers ${who(gate.reviewers)}; quorum ${typeof gate.quorum === 'string' ? gate.quorum : `at least ${gate.quorum.atLeast}`}; pass score ${gate.passScore}`);
    say(`     deadline ${formatDuration(gate.deadline)}, reminders every ${formatDuration(gate.reminderEvery)}, escalate to ${who(gate.escalateTo)}, no decision: ${gate.onNoDecision}`);
    say(table(['CRITERION', 'LABEL', 'WEIGHT', 'MUST MEET'], gate.criteria.map((c) => [c.id, c.label, c.weight, c.minimum ?? ''])).replace(/^/gm, '     '));
  });
}

/** A pilot section: its default plan (KPIs with targets and kill lines, duration, place), its checks, recorders and the limits a champion's plan keeps to. */
function showPilot(pilot: PilotDefinition, stageDuration: number, planned: ProcessDefinition['stages'][number] | undefined): void {
  const { limits } = pilot;
  say(`   Pilot: ${formatDuration(pilot.duration ?? stageDuration)}${pilot.place ? ` in ${pilot.place}` : ''}, checked every ${formatDuration(pilot.checkEvery)}; recorders ${pilot.recorders.length ? pilot.recorders.join(', ') : 'the champion and admins only'}`);
  say(`     limits of a champion's plan: at most ${limits.maxKpis} KPIs, ${formatDuration(limits.duration.min)} to ${formatDuration(limits.duration.max)}${planned?.gate ? `; planned when ${planned.name} is marked ready, approved at ${planned.gate.name}` : ''}`);
  const line = (value: number | undefined, direction: string) => (value === undefined ? '' : `${direction === 'higher' ? '≤' : '≥'} ${value}`);
  say(
    table(
      ['KPI', 'LABEL', 'UNIT', 'BETTER', 'TARGET', 'ALERT', 'KILL', 'SOURCE', 'BENEFIT'],
      pilot.kpis.map((kpi) => [kpi.id, kpi.label, kpi.unit, kpi.direction, kpi.target, line(kpi.alertAt, kpi.direction), line(kpi.killAt, kpi.direction), kpi.source.type, kpi.countsAsBenefit ? 'yes' : '']),
    ).replace(/^/gm, '     '),
  );
}
