import type { Command } from 'commander';
import type { Erasure } from '../../codec';
import { action, jsonOption } from './command';
import { CliError, say } from './output';

export function registerPersonCommands(program: Command): void {
  const person = program.command('person').description('people stagegate holds data about');

  person
    .command('forget')
    .description(
      'forget a person (right to erasure): destroy the data keys of the ideas they submitted, pseudonymise them in the events store, delete their outbox messages\n\n' +
        'Example:\n  stagegate person forget grace@customer.example --withdraw --by olivia@cornerbakery.example',
    )
    .argument('<email>', 'the person to forget')
    .option('--withdraw', 'withdraw their ideas still under way first (otherwise those are refused and nothing changes)')
    .option('--by <email>', 'the admin who withdraws them (required with --withdraw)')
    .addOption(jsonOption())
    .action(
      action(
        async (context, email: string, flags: { withdraw?: boolean; by?: string }) => {
          if (flags.withdraw && !flags.by) throw new CliError('--withdraw needs --by <admin email>: who withdraws the ideas', 2);
          return (await context.client()).forgetPerson(email, flags.withdraw ? { withdraw: { by: flags.by! } } : {});
        },
        (result: Erasure & { withdrawn: string[] }) => {
          say(
            [
              `Forgot the person: reports now count them as "${result.forgottenAs}".`,
              result.withdrawn.length ? `  withdrew ${result.withdrawn.join(', ')} first` : undefined,
              `  ideas they submitted, now unreadable: ${result.ideas.length ? result.ideas.join(', ') : 'none'}`,
              `  data keys destroyed: ${result.keysDestroyed.length}`,
              `  events pseudonymised: ${result.eventsPseudonymised}`,
              `  outbox messages deleted: ${result.messagesRemoved}`,
              `  submissions held for confirmation deleted: ${result.pendingRemoved}`,
            ]
              .filter(Boolean)
              .join('\n'),
          );
        },
      ),
    );
}
