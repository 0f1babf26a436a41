#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerApiKeyCommands } from './apikey';
import { registerCampaignCommands } from './campaign';
import { registerDevCommands } from './dev';
import { registerGateCommands } from './gate';
import { registerIdeaCommands } from './idea';
import { registerIntakeCommands } from './intake';
import { registerMemberCommands } from './member';
import { EXIT_USAGE } from './output';
import { registerOutboxCommands } from './outbox';
import { registerPeopleCommands } from './people';
import { registerPersonCommands } from './person';
import { registerPilotCommands } from './pilot';
import { registerProcessCommands } from './process';
import { registerReportCommands } from './report';
import { registerWebhookCommands } from './webhook';

export function buildProgram(): Command {
  const program = new Command('stagegate')
    .description('Stage-gate innovation processes for small and medium businesses, on Temporal.')
    .option('--config <file>', 'settings file (default: $STAGEGATE_CONFIG, then ./stagegate.yaml)')
    .option('--member <id>', "in an innovation network: act as this member (its settings, people, namespace), or `network` for the network's own ideas")
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerDevCommands(program);
  registerIdeaCommands(program);
  registerCampaignCommands(program);
  registerGateCommands(program);
  registerPilotCommands(program);
  registerPersonCommands(program);
  registerPeopleCommands(program);
  registerProcessCommands(program);
  registerOutboxCommands(program);
  registerReportCommands(program);
  registerWebhookCommands(program);
  registerApiKeyCommands(program);
  registerIntakeCommands(program);
  registerMemberCommands(program);
  program.commands.forEach(function exitOverride(command: Command): void {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  });
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      const helpShown = err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version';
      process.exitCode = helpShown ? 0 : EXIT_USAGE;
      return;
    }
    throw err;
  }
}

if (require.main === module) {
  void main();
}
