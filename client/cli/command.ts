import { Command, Option } from 'commander';
import { StoreUnavailable } from '../../store';
import { loadSettings, type Settings } from '../../config/settings';
import { settingsOfMember } from '../../config/network';
import { ConfigError } from '../../config/yaml';
import { StageGateClient, StageGateError } from '../sdk';
import { CliError, EXIT_FAILED, EXIT_USAGE, note, printJson } from './output';

/** What every command's action gets: its settings, a lazily connected SDK client, and --json. */
export interface CommandContext {
  json: boolean;
  /** The member `--member` names in an innovation network (`network` for the network's own ideas). */
  member?: string;
  /** The installation's settings: in a network, the ones naming the network file. */
  installation(): Settings;
  /** The settings the command acts under: the member's in a network, the installation's otherwise. */
  settings(): Settings;
  client(): Promise<StageGateClient>;
}

/** Input errors the user can fix by changing the command line. */
const USAGE_CODES = new Set(['invalid-input', 'invalid-plan']);

/**
 * Wraps a command action: builds its context, prints its result as a table or as JSON,
 * and turns every failure into a message on stderr and exit code 1 (failed) or 2 (bad usage).
 */
export function action<Args extends unknown[]>(
  run: (context: CommandContext, ...args: Args) => Promise<unknown>,
  render: (result: never) => void = () => undefined,
) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const options = command.optsWithGlobals() as { json?: boolean; config?: string; member?: string };
    let installation: Settings | undefined;
    let settings: Settings | undefined;
    let client: StageGateClient | undefined;
    const context: CommandContext = {
      json: Boolean(options.json),
      member: options.member,
      installation: () => (installation ??= loadSettings({ file: options.config })),
      settings: () => (settings ??= settingsOfMember(context.installation(), options.member)),
      client: async () => (client ??= await StageGateClient.connect({ settings: context.installation(), ...(options.member === undefined ? {} : { member: options.member }) })),
    };
    try {
      const result = await run(context, ...(args.slice(0, -1) as Args));
      if (context.json) printJson(result ?? { ok: true });
      else render(result as never);
    } catch (err) {
      const failure = asCliError(err);
      note(`stagegate: ${failure.message}`);
      if (context.json) printJson({ error: { code: failure.code, message: failure.message } });
      process.exitCode = failure.exitCode;
    } finally {
      await client?.close();
    }
  };
}

function asCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof StageGateError) return new CliError(err.message, USAGE_CODES.has(err.code) ? EXIT_USAGE : EXIT_FAILED, err.code);
  if (err instanceof ConfigError) return err.message.startsWith('member:') ? new CliError(err.message, EXIT_USAGE, 'invalid-input') : new CliError(err.message, EXIT_FAILED, 'config');
  if (err instanceof StoreUnavailable) return new CliError(err.message, EXIT_FAILED, 'store-unavailable');
  const message = err instanceof Error ? err.message : String(err);
  if (/connect|ECONNREFUSED|UNAVAILABLE|transport/i.test(message)) {
    return new CliError(`cannot reach Temporal (${message}). Is it running? Start everything with: stagegate dev`, EXIT_FAILED, 'unreachable');
  }
  return new CliError(message, EXIT_FAILED);
}

/** Collects a repeatable option into a list. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function jsonOption(): Option {
  return new Option('--json', 'print one JSON document on stdout instead of a table');
}
