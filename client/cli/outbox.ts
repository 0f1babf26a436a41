import type { Command } from 'commander';
import { openSealedStore } from '../../codec';
import type { OutboxMessage } from '../../store';
import { action, jsonOption } from './command';
import { say, table, when } from './output';

export function registerOutboxCommands(program: Command): void {
  const outbox = program.command('outbox').description('messages stagegate sent, kept in the local outbox');

  outbox
    .command('list')
    .description('messages in the outbox, oldest first')
    .option('--idea <idea>', 'only messages about this idea')
    .option('--to <email>', 'only messages to this person')
    .option('--limit <n>', 'at most this many', '200')
    .option('--full', 'print each message in full')
    .addOption(jsonOption())
    .action(
      action(
        async (context, flags: { idea?: string; to?: string; limit: string; full?: boolean }) => {
          const store = await openSealedStore(context.settings());
          try {
            const messages = await store.outbox({ ideaId: flags.idea, to: flags.to, limit: Number(flags.limit) });
            return flags.full || context.json ? messages : messages.map((message) => ({ ...message, text: undefined }));
          } finally {
            await store.close();
          }
        },
        (messages: OutboxMessage[]) => {
          if (messages.length === 0) return void process.stderr.write('The outbox is empty.\n');
          if (messages[0]!.text === undefined) {
            say(table(['AT', 'TO', 'PURPOSE', 'SUBJECT'], messages.map((m) => [when(m.createdAt), m.to.email, m.purpose, m.subject])));
            return;
          }
          for (const message of messages) say(`${'='.repeat(72)}\n${when(message.createdAt)}  To: ${message.to.name} <${message.to.email}>\nSubject: ${message.subject}\n\n${message.text}\n`);
        },
      ),
    );
}
