import type { Command } from 'commander';
import type { z } from 'zod';
import { formatDuration } from '../../config/duration';
import { claimedGoalProblems } from '../../config/goals';
import { loadProcessFile, loadProcesses, type PilotDefinition, type ProcessDefinition } from '../../config/process';
import { DEFAULT_PROCESS, routeIdea } from '../../config/routing';
import type { Settings } from '../../config/settings';
import { checkConfiguration } from '../../config/startup';
import { ConfigError, formatIssues, readYamlValue } from '../../config/yaml';
import { ideaSubmissionSchema } from '../sdk';
import { action, jsonOption } from './command';
import { CliError, EXIT_USAGE, say, table } from './output';

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

  processes
    .command('route')
    .description('which process the routing rules give an idea that names none, which rule matched and why, and why each earlier rule did not')
    .requiredOption('--file <file>', 'the idea as YAML or JSON, with the fields of a submission (stagegate idea submit --file)')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  stagegate process route --file idea.yaml')
    .action(action(async (context, flags: { file: string }) => explainRoute(context.settings(), flags.file), showRoute));
}

/** What `process route` prints: where routing sends the idea, by which rule and why, and why each earlier rule did not match. */
export interface RouteExplanation {
  process: string;
  /** The rule that matched; absent when the idea names its process or no rules are set. */
  rule?: string;
  name?: string;
  champion?: string;
  why: string;
  skipped: { rule: string; why: string }[];
}

/** The idea of a YAML (or JSON) file, checked as a submission is, its errors naming the file and the field. */
function readIdeaFile(file: string): z.output<typeof ideaSubmissionSchema> {
  const parsed = ideaSubmissionSchema.safeParse(readYamlValue(file));
  if (!parsed.success) throw new CliError(formatIssues(file, parsed.error), EXIT_USAGE, 'invalid-input');
  return parsed.data;
}

function explainRoute(settings: Settings, file: string): RouteExplanation {
  const idea = readIdeaFile(file);
  const goalProblems = claimedGoalProblems(settings.goals, idea.strategicGoals, new Date().toISOString().slice(0, 10));
  if (goalProblems.length > 0) throw new CliError(goalProblems.map((problem) => `${file}: ${problem}`).join('\n'), EXIT_USAGE, 'invalid-input');
  // The check every command that runs stagegate makes at startup: the rules' processes and champions exist.
  checkConfiguration(settings);
  if (idea.process !== undefined) return { process: idea.process, why: `the idea names its process (${idea.process}), so routing does not apply`, skipped: [] };
  const route = routeIdea(settings.routing, idea);
  if (!route) return { process: DEFAULT_PROCESS, why: `no routing rules are set, so the idea goes to ${DEFAULT_PROCESS}`, skipped: [] };
  const { rule } = route;
  return { process: rule.process, rule: rule.id, ...(rule.name ? { name: rule.name } : {}), ...(rule.champion ? { champion: rule.champion } : {}), why: route.why, skipped: route.skipped.map(({ rule: id, why }) => ({ rule: id, why })) };
}

function showRoute(route: RouteExplanation): void {
  if (!route.rule) return say(`Process ${route.process}: ${route.why}.`);
  say(`Process ${route.process}, by rule ${route.rule}${route.name ? ` (${route.name})` : ''}: ${route.why}.`);
  if (route.champion) say(`Champion ${route.champion}, unless the idea names one.`);
  if (route.skipped.length === 0) return;
  say('Earlier rules that did not match:');
  for (const skipped of route.skipped) say(`  ${skipped.rule}: ${skipped.why}`);
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
