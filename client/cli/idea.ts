import type { Command } from 'commander';
import { formatDuration } from '../../config/duration';
import { ConfigError, readYamlValue } from '../../config/yaml';
import { numberSeparators, readKpiNumber, type NumberSeparators } from '../../workflows/kpi-rules';
import { authorityOf, figures, sourceWords } from '../../workflows/authority';
import type { IdeaStatus, IdeaSubmission, PilotPlanInput } from '../sdk';
import { IDEA_CATEGORIES, IDEA_HORIZONS, IDEA_SOURCES, IDEA_STATUSES } from '../sdk';
import type { IdeaSummary, ListFilter } from '../sdk';
import { action, jsonOption, repeatable } from './command';
import { CliError, EXIT_USAGE, say, table, when } from './output';

interface SubmitFlags {
  file?: string;
  id?: string;
  title?: string;
  description?: string;
  source?: string;
  submitter?: string;
  submitterName?: string;
  champion?: string;
  championName?: string;
  category?: string;
  horizon?: string;
  goal?: string[];
  cost?: string;
  benefit?: string;
  process?: string;
  campaign?: string;
}

/** The idea from --file (JSON or YAML), with flags laid over it. */
function submission(flags: SubmitFlags, separators: NumberSeparators): IdeaSubmission {
  const fromFile = flags.file ? readYamlValue(flags.file) : {};
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
    throw new CliError(`${flags.file}: expected an object with the idea's fields`, EXIT_USAGE, 'invalid-input');
  }
  const idea: Record<string, unknown> = { ...fromFile };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) idea[key] = value;
  };
  set('ideaId', flags.id);
  set('title', flags.title);
  set('description', flags.description);
  set('source', flags.source);
  set('category', flags.category);
  set('horizon', flags.horizon);
  set('process', flags.process);
  set('campaign', flags.campaign);
  set('strategicGoals', flags.goal);
  set('estimatedCost', amount('--cost', flags.cost, separators));
  set('estimatedBenefit', amount('--benefit', flags.benefit, separators));
  if (flags.submitter) idea.submitter = { email: flags.submitter, name: flags.submitterName ?? flags.submitter };
  if (flags.champion) idea.champion = { email: flags.champion, name: flags.championName ?? flags.champion };
  return idea as unknown as IdeaSubmission;
}

/** An amount typed on the command line, in the one number grammar every channel reads, in the firm's locale. */
function amount(flag: string, text: string | undefined, separators: NumberSeparators): number | undefined {
  if (text === undefined) return undefined;
  const reading = readKpiNumber(text, separators);
  if ('problem' in reading) throw new CliError(`${flag}: ${reading.problem}`, EXIT_USAGE, 'invalid-input');
  return reading.value;
}

export function registerIdeaCommands(program: Command): void {
  const idea = program.command('idea').description('submit ideas, follow them and act on them');

  idea
    .command('submit')
    .description('submit an idea and print its id; --title, --description, --source and --submitter are required (as flags or in --file), the rest optional')
    .option('--file <file>', 'the idea as JSON or YAML (flags override its fields)')
    .option('--id <ideaId>', 'your own id for the idea; submitting it again returns the same journey')
    .option('--title <text>', 'required')
    .option('--description <text>', 'required: what and why')
    .option('--source <source>', `required: ${IDEA_SOURCES.join(' | ')}`)
    .option('--submitter <email>', "required: the submitter's email")
    .option('--submitter-name <name>', 'default: the email')
    .option('--champion <email>', 'who carries the idea through its stages (default: the submitter)')
    .option('--champion-name <name>')
    .option('--category <category>', `${IDEA_CATEGORIES.join(' | ')} (default: none; the first gate's reviewers set it)`)
    .option('--horizon <horizon>', `${IDEA_HORIZONS.join(' | ')} (default: incremental)`)
    .option('--goal <goal>', 'a strategic goal the idea serves (repeatable)', repeatable)
    .option('--cost <amount>', 'estimated cost')
    .option('--benefit <amount>', 'estimated benefit')
    .option('--process <id>', 'process template (default: the campaign\'s process, else the first routing rule that matches, smb-lite without rules; see stagegate process route)')
    .option('--campaign <id>', 'the campaign the idea answers; it must be open')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  stagegate idea submit --title "Loyalty cards" --description "Stamp cards: the tenth coffee is free" \\
    --source employee --submitter leo@cornerbakery.example --submitter-name "Leo Martin" --category service
  stagegate idea submit --file idea.yaml --process express`,
    )
    .action(
      action(
        async (context, flags: SubmitFlags) => (await context.client()).submitIdea(submission(flags, numberSeparators(context.settings().locale)), { through: { via: 'cli' } }),
        (result: { ideaId: string; created: boolean }) => {
          say(result.ideaId);
          if (!result.created) process.stderr.write(`An idea with id ${result.ideaId} already existed: nothing new was started.\n`);
        },
      ),
    );

  idea
    .command('list')
    .description('list ideas, newest first')
    .option('--stage <stage>', 'only ideas in this stage')
    .option('--status <status>', IDEA_STATUSES.join(' | '))
    .option('--source <source>', IDEA_SOURCES.join(' | '))
    .option('--process <id>', 'only ideas following this process')
    .option('--limit <n>', 'at most this many', '100')
    .addOption(jsonOption())
    .action(
      action(
        async (context, { stage, status, source, process, limit }: { stage?: string; status?: string; source?: string; process?: string; limit: string }) =>
          (await context.client()).listIdeas({ stage, status, source, process, limit: Number(limit) } as ListFilter),
        (ideas: IdeaSummary[]) => {
          if (ideas.length === 0) return void process.stderr.write('No ideas match.\n');
          say(table(['IDEA', 'TITLE', 'STATUS', 'STAGE', 'PROCESS', 'SOURCE', 'SUBMITTED'], ideas.map((i) => [i.ideaId, i.title, i.stopped ? `${i.stopped} (was ${i.status})` : i.status, i.stage, i.process, i.source, when(i.submittedAt)])));
        },
      ),
    );

  idea
    .command('show')
    .description("an idea's whole story: stage, status, open gate round, decisions, timeline")
    .argument('<idea>', 'idea id')
    .addOption(jsonOption())
    .action(action(async (context, ideaId: string) => (await context.client()).getIdea(ideaId), showIdea));

  idea
    .command('ready')
    .description("the champion marks the stage's work ready for review")
    .argument('<idea>', 'idea id')
    .requiredOption('--by <email>', 'the champion (or an admin)')
    .option('--notes <text>', 'what was done', '')
    .option('--link <url>', 'a link to a deliverable (repeatable)', repeatable, [])
    .option('--pilot-file <file>', "the pilot's plan, YAML or JSON (kpis, duration, place), when the stage's gate leads into a pilot; the template's default plan otherwise")
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  stagegate idea ready pumpkin-spice --by hamid@cornerbakery.example --notes "Recipe and costs done" --pilot-file plan.yaml')
    .action(
      action(async (context, ideaId: string, flags: { by: string; notes: string; link: string[]; pilotFile?: string }) => {
        const pilot = flags.pilotFile === undefined ? undefined : readPlanFile(flags.pilotFile);
        await (await context.client()).markReady(ideaId, { by: flags.by, notes: flags.notes, links: flags.link, via: 'cli', ...(pilot === undefined ? {} : { pilot: pilot as PilotPlanInput }) }, { planSource: flags.pilotFile });
        return { ideaId, ready: true, ...(flags.pilotFile ? { plan: flags.pilotFile } : {}) };
      }, (result: { plan?: string }) => say(`Marked ready for review${result.plan ? `, with the pilot plan of ${result.plan}` : ''}: the gate opens now.`)),
    );

  idea
    .command('conditions-met')
    .description("the champion marks the conditions of a conditional go as met")
    .argument('<idea>', 'idea id')
    .requiredOption('--by <email>', 'the champion (or an admin)')
    .option('--note <text>', 'how they were met', '')
    .addOption(jsonOption())
    .action(
      action(async (context, ideaId: string, flags: { by: string; note: string }) => {
        await (await context.client()).markConditionsMet(ideaId, { by: flags.by, reason: flags.note, via: 'cli' });
        return { ideaId, conditionsMet: true };
      }, () => say('Conditions marked met.')),
    );

  idea
    .command('hold')
    .description('park an idea (admins); it comes back on resume or at its revisit date')
    .argument('<idea>', 'idea id')
    .requiredOption('--by <email>', 'an admin')
    .requiredOption('--reason <text>', 'why, told to the submitter')
    .option('--revisit-after <duration>', 'when it comes back by itself, e.g. 30d (default: the gate\'s)')
    .addOption(jsonOption())
    .action(
      action(async (context, ideaId: string, flags: { by: string; reason: string; revisitAfter?: string }) => {
        await (await context.client()).hold(ideaId, { by: flags.by, reason: flags.reason, revisitAfter: flags.revisitAfter, via: 'cli' });
        return { ideaId, held: true };
      }, () => say('On hold.')),
    );

  idea
    .command('resume')
    .description('bring an idea back from hold (admins)')
    .argument('<idea>', 'idea id')
    .requiredOption('--by <email>', 'an admin')
    .option('--reason <text>', 'why now', '')
    .addOption(jsonOption())
    .action(
      action(async (context, ideaId: string, flags: { by: string; reason: string }) => {
        await (await context.client()).resume(ideaId, { by: flags.by, reason: flags.reason, via: 'cli' });
        return { ideaId, resumed: true };
      }, () => say('Resumed.')),
    );

  idea
    .command('merge')
    .description('merge a duplicate into the idea it duplicates (a screener of its first gate, or an admin): it ends merged, its submitter is told and credited on the survivor')
    .argument('<idea>', 'the duplicate')
    .requiredOption('--into <idea>', 'the survivor, an idea under way')
    .requiredOption('--by <email>', 'a screener (a reviewer of the first gate) or an admin')
    .option('--reason <text>', "why, told to the duplicate's submitter", '')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  stagegate idea merge stale-bread-3f1a2b --into day-old-bread-9c4d1e --by hamid@cornerbakery.example --reason "Same day-old bread discount"')
    .action(
      action(async (context, ideaId: string, flags: { into: string; by: string; reason: string }) => {
        return (await context.client()).merge(ideaId, { into: flags.into, by: flags.by, reason: flags.reason, via: 'cli' });
      }, (result: { ideaId: string; into: string }) => say(`Merged ${result.ideaId} into ${result.into}: its submitter is told and credited there.`)),
    );

  idea
    .command('categorise')
    .description("set or change an idea's category (admins)")
    .argument('<idea>', 'idea id')
    .requiredOption('--category <category>', IDEA_CATEGORIES.join(' | '))
    .requiredOption('--by <email>', 'an admin')
    .addOption(jsonOption())
    .action(
      action(async (context, ideaId: string, flags: { category: string; by: string }) => {
        await (await context.client()).categorise(ideaId, { category: flags.category as never, by: flags.by, via: 'cli' });
        return { ideaId, category: flags.category };
      }, (result: { category: string }) => say(`Categorised as ${result.category}.`)),
    );

  idea
    .command('withdraw')
    .description('withdraw an idea (its submitter or an admin)')
    .argument('<idea>', 'idea id')
    .requiredOption('--by <email>', 'the submitter or an admin')
    .option('--reason <text>', 'why', '')
    .addOption(jsonOption())
    .action(
      action(async (context, ideaId: string, flags: { by: string; reason: string }) => {
        await (await context.client()).withdraw(ideaId, { by: flags.by, reason: flags.reason, via: 'cli' });
        return { ideaId, withdrawn: true };
      }, () => say('Withdrawn.')),
    );
}

function showIdea(idea: IdeaStatus): void {
  say(`${idea.title}  (${idea.ideaId})`);
  if (idea.stopped) say(`  STOPPED: Temporal ${idea.stopped === 'failed' || idea.stopped === 'timed-out' ? 'reports the journey' : 'says the journey was'} ${idea.stopped}; it will not move on by itself. Its last state:`);
  say(`  ${idea.status} · stage ${idea.stage.index + 1} of ${idea.stage.of}: ${idea.stage.name} · ${idea.process.name} v${idea.process.version}`);
  say(`  ${idea.source} idea from ${idea.submitter.name} <${idea.submitter.email}>, champion ${idea.champion.name} <${idea.champion.email}>`);
  say(`  ${idea.category ?? 'uncategorised'}, ${idea.horizon}; submitted ${when(idea.submittedAt)}`);
  if (idea.campaign) say(`  answers campaign ${idea.campaign}`);
  if (idea.route) say(`  routed by rule ${idea.route.rule}: ${idea.route.why}`);
  if (idea.mergedInto) say(`  merged into ${idea.mergedInto.title} (${idea.mergedInto.ideaId})`);
  if (idea.status === 'in-stage') {
    say(`  ${idea.stage.awaitingReady ? (idea.stage.ready ? 'marked ready' : 'waiting for the champion to mark it ready') : 'moving on'}; stage due ${when(idea.stage.dueAt)}`);
    for (const deliverable of idea.stage.deliverables) say(`    - ${deliverable}`);
  }
  if (idea.round) {
    const round = idea.round;
    say('');
    say(`${round.gateName}, round ${round.round}: ${round.votes.length} of ${round.votesNeeded} votes needed; deadline ${when(round.deadlineAt)}${round.escalated ? ' (escalated)' : ''}`);
    say(table(['REVIEWER', 'EMAIL', 'VOTE', 'AT'], round.reviewers.map((person) => {
      const vote = round.votes.find((cast) => cast.reviewer === person.email);
      return [person.name, person.email, vote?.decision ?? 'waiting', when(vote?.castAt)];
    })).replace(/^/gm, '  '));
    for (const holder of round.authorities ?? []) {
      say(`  ${holder.name} <${holder.email}> may decide it alone under delegated authority (${sourceWords(holder.source)}: ${figures(holder.budget, idea.estimatedCost!)})`);
    }
  }
  const plan = idea.stage.ready?.pilot ?? idea.stage.plan;
  if (plan) {
    say(`\nPilot plan${idea.stage.plan ? ` (approved at ${idea.stage.plan.gate})` : ' (handed in for the gate)'}: ${formatDuration(plan.duration)}${plan.place ? ` in ${plan.place}` : ''}`);
    say(table(['KPI', 'UNIT', 'TARGET', 'KILL'], plan.kpis.map((kpi) => [kpi.label, kpi.unit, `${kpi.direction === 'higher' ? '≥' : '≤'} ${kpi.target}`, kpi.killAt === undefined ? '' : `${kpi.direction === 'higher' ? '≤' : '≥'} ${kpi.killAt}`])).replace(/^/gm, '  '));
  }
  if (idea.similar?.length) {
    say('\nSimilar open ideas when it was submitted:');
    say(table(['IDEA', 'TITLE', 'SCORE'], idea.similar.map((similar) => [similar.ideaId, similar.title, similar.score.toFixed(2)])).replace(/^/gm, '  '));
  }
  if (idea.credited?.length) {
    say('\nCredited (their duplicates were merged into this idea):');
    for (const person of idea.credited) say(`  ${person.name} <${person.email}>, from ${person.title} (${person.from})`);
  }
  if (idea.hold) say(`\nOn hold since ${when(idea.hold.at)} by ${idea.hold.by}: ${idea.hold.reason}. Revisit by ${when(idea.hold.revisitAt)}.`);
  if (idea.conditions.length > 0) {
    say('\nConditions:');
    for (const condition of idea.conditions) say(`  [${condition.met ? 'x' : ' '}] ${condition.text} (${condition.gate})`);
  }
  if (idea.undelivered.length > 0) {
    say('\nMessages the mail server refused:');
    for (const failure of idea.undelivered) say(`  ${when(failure.at)}  ${failure.purpose} to ${failure.to}: ${failure.error}`);
  }
  if (idea.decisions.length > 0) {
    say('\nDecisions:');
    for (const decision of idea.decisions) {
      say(`  ${when(decision.at)}  ${decision.gateName} round ${decision.round}: ${decision.decision}${decision.score !== undefined ? ` (score ${decision.score})` : ''} by ${authorityOf(decision)}`);
      for (const reason of decision.reasons) say(`      ${reason}`);
    }
  }
  const shown = idea.eventCount !== undefined && idea.eventCount > idea.timeline.length ? ` (the latest ${idea.timeline.length} of ${idea.eventCount} events; all of them are in the events store)` : '';
  say(`\nTimeline${shown}:`);
  say(table(['AT', 'EVENT', 'STAGE', 'GATE', 'BY'], idea.timeline.map((entry) => [when(entry.at), entry.type, entry.stage, entry.gate ? `${entry.gate} #${entry.round}` : '', entry.actor])).replace(/^/gm, '  '));
}

/** A plan file's content, unchecked (the SDK checks it and names the file in what it refuses); an unreadable file is bad usage. */
function readPlanFile(file: string): unknown {
  try {
    return readYamlValue(file);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT_USAGE, 'invalid-input');
    throw err;
  }
}
