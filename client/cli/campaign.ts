import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CAMPAIGN_AUDIENCES, type CampaignView } from '../sdk';
import { campaignQrSvg, campaignUrl } from '../web/portal-links';
import { action, jsonOption, repeatable } from './command';
import { note, say, table, when } from './output';

interface CreateFlags {
  question: string;
  description?: string;
  audience?: string[];
  opens?: string;
  closes?: string;
  process?: string;
  goal?: string[];
  by: string;
}

export function registerCampaignCommands(program: Command): void {
  const campaign = program.command('campaign').description('ask for ideas about one question, for a while, on a page of its own');

  campaign
    .command('create')
    .description('open a campaign and print its page\'s address')
    .argument('<id>', 'its id: lower-case letters, digits, . _ -, like less-waste-2027')
    .requiredOption('--question <text>', 'the question it asks')
    .option('--description <text>', 'more about it, shown on its page')
    .option('--audience <who>', `who may submit, repeatable: ${CAMPAIGN_AUDIENCES.join(' | ')} (default: anyone)`, repeatable)
    .option('--opens <date>', 'when submissions open, a date or ISO time (default: now)')
    .option('--closes <date>', 'when they close; a date closes at the end of that day, UTC (default: never)')
    .option('--process <id>', 'the process its ideas go to when a submission names none (default: routing decides)')
    .option('--goal <goal>', 'a strategic goal it serves (repeatable)', repeatable)
    .requiredOption('--by <email>', 'who opens it')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  stagegate campaign create less-waste-2027 --question "How do we waste less bread?" \\
    --audience staff --audience customers --closes 2027-01-31 --process express --by olivia@cornerbakery.example
  stagegate campaign show less-waste-2027 --qr counter.svg`,
    )
    .action(
      action(
        async (context, id: string, flags: CreateFlags) => {
          const created = await (await context.client()).createCampaign({ id, question: flags.question, description: flags.description, audience: flags.audience as never, opensAt: flags.opens, closesAt: flags.closes, process: flags.process, goals: flags.goal, by: flags.by });
          return { ...created, url: campaignUrl(context.settings(), created.id) };
        },
        (created: CampaignView & { url: string }) => {
          say(created.url);
          note(`Campaign ${created.id} is ${created.status}; stagegate campaign show ${created.id} --qr <file.svg> writes a QR code of its address.`);
        },
      ),
    );

  campaign
    .command('list')
    .description('every campaign, the latest opening first')
    .addOption(jsonOption())
    .action(
      action(
        async (context) => (await context.client()).listCampaigns(),
        (campaigns: CampaignView[]) => {
          if (campaigns.length === 0) return note('No campaigns yet: stagegate campaign create opens one.');
          say(table(['CAMPAIGN', 'STATUS', 'OPENS', 'CLOSES', 'AUDIENCE', 'PROCESS', 'QUESTION'], campaigns.map((c) => [c.id, c.status, when(c.opensAt), when(c.closedAt ?? c.closesAt), c.audience.join(','), c.process ?? '(routing)', c.question])));
        },
      ),
    );

  campaign
    .command('show')
    .description("a campaign, its page's address (for a link or a QR code on the counter), and how to submit")
    .argument('<id>', 'campaign id')
    .option('--qr <file>', 'also write a QR code of the address, as SVG, to this file')
    .addOption(jsonOption())
    .action(
      action(
        async (context, id: string, flags: { qr?: string }) => {
          const found = await (await context.client()).getCampaign(id);
          const url = campaignUrl(context.settings(), found.id);
          if (flags.qr) writeFileSync(flags.qr, await campaignQrSvg(url));
          return { ...found, url, ...(flags.qr ? { qr: flags.qr } : {}) };
        },
        (shown: CampaignView & { url: string; qr?: string }) => {
          say(`${shown.id}: ${shown.question}`);
          if (shown.description) say(shown.description);
          say(table(['', ''], [
            ['status', shown.status],
            ['opens', when(shown.opensAt)],
            ['closes', when(shown.closedAt ?? shown.closesAt) || 'never'],
            ['audience', shown.audience.join(', ')],
            ['process', shown.process ?? '(routing decides)'],
            ['goals', shown.goals.join(', ')],
            ['page', shown.url],
          ]).split('\n').slice(1).join('\n'));
          if (shown.qr) note(`QR code of ${shown.url} written to ${shown.qr}.`);
        },
      ),
    );

  campaign
    .command('close')
    .description('close a campaign now: its page says so and takes no more submissions')
    .argument('<id>', 'campaign id')
    .requiredOption('--by <email>', 'who closes it')
    .addOption(jsonOption())
    .action(
      action(
        async (context, id: string, flags: { by: string }) => (await context.client()).closeCampaign(id, { by: flags.by }),
        (closed: CampaignView) => say(`Campaign ${closed.id} is closed (${when(closed.closedAt ?? closed.closesAt)}).`),
      ),
    );
}
