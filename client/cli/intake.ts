import type { Command } from 'commander';
import { checkConfiguration } from '../../config/startup';
import type { Settings } from '../../config/settings';
import { createIntake } from '../intake/intake';
import { pollMailbox } from '../intake/imap';
import { startSmtpIntake } from '../intake/smtp';
import type { StageGateClient } from '../sdk';
import { action } from './command';
import { CliError, note } from './output';
import { stopSignal } from './stop';

export interface RunningIntake {
  /** What to print: where mail is taken and where quarantined messages go. */
  lines: string[];
  close(): Promise<void>;
}

/**
 * The SMTP listener (when intake addresses are set, or `acceptAny` for `stagegate dev` on
 * loopback) and the IMAP poller (when a mailbox is set), both feeding one intake.
 */
export async function startIntake(client: StageGateClient, settings: Settings, options: { acceptAny?: boolean } = {}): Promise<RunningIntake> {
  const { intake: config } = settings;
  const intake = createIntake(client, note);
  const lines: string[] = [];
  const smtp = options.acceptAny || config.addresses.length ? await startSmtpIntake(intake, config, note, options) : undefined;
  if (smtp) lines.push(`${smtp.url}   (ideas to ${options.acceptAny ? 'any address, e.g. ideas@localhost' : config.addresses.join(', ')}; at most ${config.maxSize} bytes)`);
  const stop = new AbortController();
  const polling = config.imap ? pollMailbox(intake, config.imap, config.maxSize, note, stop.signal) : undefined;
  if (config.imap) lines.push(`${config.imap.url} folder ${config.imap.folder}, every ${Math.round(config.imap.pollInterval / 1000)}s`);
  lines.push(`quarantine ${intake.quarantineDir}`);
  return {
    lines,
    async close() {
      stop.abort();
      await polling;
      await smtp?.close();
    },
  };
}

export function registerIntakeCommands(program: Command): void {
  program
    .command('intake')
    .description('turn email into ideas: an SMTP listener for the intake addresses (STAGEGATE_INTAKE_ADDRESSES) and/or an IMAP poller of a hosted mailbox (STAGEGATE_INTAKE_IMAP_URL); Ctrl-C stops it')
    .addHelpText('after', `
Examples:
  STAGEGATE_INTAKE_ADDRESSES=ideas@cornerbakery.example STAGEGATE_INTAKE_HOST=0.0.0.0 STAGEGATE_INTAKE_PORT=25 stagegate intake
  STAGEGATE_INTAKE_IMAP_URL=imaps://imap.cornerbakery.example STAGEGATE_INTAKE_IMAP_USER=ideas STAGEGATE_INTAKE_IMAP_PASS=... stagegate intake`)
    .action(
      action(async (context) => {
        const stop = stopSignal();
        const settings = context.settings();
        checkConfiguration(settings);
        if (!settings.intake.addresses.length && !settings.intake.imap) {
          throw new CliError('nothing to take mail for: set intake.addresses (STAGEGATE_INTAKE_ADDRESSES) for the SMTP listener, intake.imap (STAGEGATE_INTAKE_IMAP_URL, _USER, _PASS) for a hosted mailbox, or both', 1, 'config');
        }
        const running = await startIntake(await context.client(), settings).catch((err: Error) => {
          throw new CliError(`the intake did not start on ${settings.intake.host}:${settings.intake.port} (${err.message}); set STAGEGATE_INTAKE_PORT to another port`);
        });
        note(`stagegate intake running (Ctrl-C stops it)\n  ${running.lines.join('\n  ')}`);
        await stop;
        await running.close();
        note('stagegate intake stopped.');
      }),
    );
}
