import type { Command } from 'commander';
import { DECISIONS } from '../../config/process';
import { IDEA_CATEGORIES, type PendingReview, type ReplacementReceipt, type VoteReceipt } from '../sdk';
import { action, jsonOption, repeatable } from './command';
import { CliError, EXIT_USAGE, say, table, when } from './output';

/** `--score feasibility=4` pairs into { feasibility: 4 }. */
function parseScores(pairs: string[]): Record<string, number> {
  const scores: Record<string, number> = {};
  for (const pair of pairs) {
    const match = /^([a-z0-9][a-z0-9-]*)=(-?\d+(\.\d+)?)$/.exec(pair.trim());
    if (!match) throw new CliError(`--score ${pair}: expected criterion=score, like feasibility=4`, EXIT_USAGE, 'invalid-input');
    scores[match[1]!] = Number(match[2]);
  }
  return scores;
}

export function registerGateCommands(program: Command): void {
  const gate = program.command('gate').description('vote at gates and decide them');

  gate
    .command('vote')
    .description("cast a reviewer's vote at the idea's open gate round")
    .argument('<idea>', 'idea id')
    .requiredOption('--reviewer <email>', 'the reviewer voting')
    .requiredOption('--decision <decision>', DECISIONS.join(' | '))
    .option('--score <criterion=score>', 'a 1–5 score for one criterion (repeat for each)', repeatable, [])
    .option('--comment <text>', 'the reasons, passed on to the submitter', '')
    .option('--condition <text>', 'a condition of a conditional go (repeatable)', repeatable, [])
    .option('--round <n>', 'the round you were asked about; refused if another round is open')
    .option('--category <category>', `for an idea without a category: ${IDEA_CATEGORIES.join(' | ')}; the round's decision takes the one most votes named`)
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Example:
  stagegate gate vote loyalty-cards-7f3a9c --reviewer hamid@cornerbakery.example --decision go \\
    --score feasibility=4 --score impact=5 --score alignment=4 --comment "Cheap to try"`,
    )
    .action(
      action(
        async (context, ideaId: string, flags: { reviewer: string; decision: string; score: string[]; comment: string; condition: string[]; round?: string; category?: string }) =>
          (await context.client()).castVote(ideaId, {
            reviewer: flags.reviewer,
            decision: flags.decision as never,
            scores: parseScores(flags.score),
            comment: flags.comment,
            conditions: flags.condition,
            round: flags.round === undefined ? undefined : Number(flags.round),
            ...(flags.category === undefined ? {} : { category: flags.category as never }),
            via: 'cli',
          }),
        (receipt: VoteReceipt) =>
          say(`Recorded: ${receipt.decision} by ${receipt.reviewer} at ${when(receipt.castAt)} (${receipt.gate}, round ${receipt.round}; ${receipt.votesIn} of ${receipt.votesNeeded} votes needed).`),
      ),
    );

  gate
    .command('pending')
    .description('open gate rounds waiting on a reviewer, soonest deadline first')
    .requiredOption('--reviewer <email>', 'the reviewer')
    .addOption(jsonOption())
    .action(
      action(
        async (context, flags: { reviewer: string }) => (await context.client()).pendingReviews(flags.reviewer),
        (pending: PendingReview[]) => {
          if (pending.length === 0) return void process.stderr.write('Nothing is waiting on this reviewer.\n');
          say(table(['IDEA', 'TITLE', 'GATE', 'ROUND', 'DEADLINE'], pending.map((p) => [p.ideaId, p.title, p.gateName, p.round, when(p.deadlineAt)])));
        },
      ),
    );

  gate
    .command('delegate')
    .description("hand a reviewer's open review to a colleague of the people directory, who is emailed their own review link")
    .argument('<idea>', 'idea id')
    .requiredOption('--reviewer <email>', 'the reviewer handing the review over')
    .requiredOption('--to <email>', 'the colleague who reviews instead (never the idea\'s submitter or champion, unless the gate allows self-review)')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  stagegate gate delegate loyalty-cards-7f3a9c --reviewer hamid@cornerbakery.example --to maya@cornerbakery.example')
    .action(
      action(
        async (context, ideaId: string, flags: { reviewer: string; to: string }) => (await context.client()).delegateReview(ideaId, { reviewer: flags.reviewer, to: flags.to, via: 'cli' }),
        (receipt: ReplacementReceipt) => say(`Handed over: ${receipt.from}'s review of ${receipt.gate}, round ${receipt.round}, goes to ${receipt.to}, who is emailed a review link.`),
      ),
    );

  gate
    .command('decide')
    .description('decide the open gate round yourself, with a reason (admins and escalation contacts)')
    .argument('<idea>', 'idea id')
    .requiredOption('--by <email>', 'an admin or the gate\'s escalation contact')
    .requiredOption('--decision <decision>', DECISIONS.join(' | '))
    .requiredOption('--reason <text>', 'why, told to the submitter and the reviewers')
    .option('--condition <text>', 'a condition of a conditional go (repeatable)', repeatable, [])
    .addOption(jsonOption())
    .action(
      action(async (context, ideaId: string, flags: { by: string; decision: string; reason: string; condition: string[] }) => {
        await (await context.client()).overrideDecision(ideaId, { by: flags.by, decision: flags.decision as never, reason: flags.reason, conditions: flags.condition, via: 'cli' });
        return { ideaId, decision: flags.decision };
      }, (result: { decision: string }) => say(`Decided: ${result.decision}.`)),
    );
}
