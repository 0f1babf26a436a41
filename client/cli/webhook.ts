import type { Command } from 'commander';
import type { WebhookDelivery } from '../sdk';
import { action, jsonOption } from './command';
import { say, table, when } from './output';

export function registerWebhookCommands(program: Command): void {
  const webhook = program.command('webhook').description('signed POSTs to the systems named in the webhooks setting: deliveries and dead letters');

  webhook
    .command('list')
    .description('recent webhook deliveries, newest first')
    .option('--failed', 'only the dead letters: deliveries whose last attempt failed (or got 410 Gone) and that no resend delivered since')
    .option('--limit <n>', 'at most this many', '100')
    .addOption(jsonOption())
    .addHelpText('after', '\nExamples:\n  stagegate webhook list --failed\n  stagegate webhook resend webhook:<event id>:crm')
    .action(
      action(
        async (context, flags: { failed?: boolean; limit: string }) => (await context.client()).webhookDeliveries({ failed: flags.failed, limit: flags.limit }),
        (deliveries: WebhookDelivery[]) => {
          if (deliveries.length === 0) return void process.stderr.write('No webhook deliveries.\n');
          say(table(['AT', 'OUTCOME', 'TYPE', 'SUBSCRIBER', 'ATTEMPTS', 'LAST ANSWER', 'ID'], deliveries.map((d) => [when(d.at), d.outcome, d.type, d.subscriber, d.attempts, d.lastStatus ?? d.lastError, d.id])));
        },
      ),
    );

  webhook
    .command('resend')
    .description('send a delivery again (a new delivery with the same webhook-id, so receivers drop what they already have)')
    .argument('<id>', 'the delivery id, as webhook list prints it')
    .addOption(jsonOption())
    .action(
      action(
        async (context, id: string) => (await context.client()).resendWebhook(id),
        (sent: { deliveryId: string }) => say(`Sending again as ${sent.deliveryId}; stagegate webhook list shows how it ends.`),
      ),
    );
}
