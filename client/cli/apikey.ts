import type { Command } from 'commander';
import { z } from 'zod';
import { apiKeyHash, apiKeySchema, API_SCOPES, newApiKey } from '../../config/settings';
import { formatIssues } from '../../config/yaml';
import { action, jsonOption } from './command';
import { CliError, EXIT_USAGE, note, say } from './output';

/** What `apikey create` prints: the key (shown this once), and what the settings keep of it. */
export interface CreatedApiKey {
  name: string;
  scopes: string[];
  key: string;
  hash: string;
  /** The STAGEGATE_API_KEYS entry. */
  env: string;
}

const flagsSchema = z.object({
  name: apiKeySchema.shape.name,
  scopes: z.string().transform((text) => text.split(',').map((scope) => scope.trim()).filter(Boolean)).pipe(apiKeySchema.shape.scopes),
});

export function registerApiKeyCommands(program: Command): void {
  const apikey = program.command('apikey').description('keys of the HTTP API (/api/v1)');

  apikey
    .command('create')
    .description('make a new API key: it is printed once; the settings keep only its SHA-256')
    .requiredOption('--name <name>', 'who uses the key, recorded as the actor of what it does (crm, website)')
    .requiredOption('--scopes <list>', `comma-separated: ${API_SCOPES.join(', ')}`)
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  stagegate apikey create --name crm --scopes submit,read')
    .action(
      action(
        async (_context, flags: { name: string; scopes: string }) => {
          const parsed = flagsSchema.safeParse({ name: flags.name, scopes: flags.scopes });
          if (!parsed.success) throw new CliError(formatIssues('apikey create', parsed.error).replace(/^apikey create: (\w+)/gm, 'apikey create: --$1'), EXIT_USAGE, 'invalid-input');
          const key = newApiKey();
          const hash = apiKeyHash(key);
          const { name, scopes } = parsed.data;
          return { name, scopes, key, hash, env: `${name}:${scopes.join(',')}:${hash}` } satisfies CreatedApiKey;
        },
        (created: CreatedApiKey) => {
          say(created.key);
          note(`
The API key "${created.name}" (scopes ${created.scopes.join(', ')}) is above; it is shown this once, so keep it now.
Add its hash to the settings file (stagegate.yaml):
  apiKeys:
    - { name: ${created.name}, scopes: [${created.scopes.join(', ')}], hash: ${created.hash} }
or to the environment (entries separated by spaces):
  STAGEGATE_API_KEYS="${created.env}"
Then restart the web server, and send it as: Authorization: Bearer <key>`);
        },
      ),
    );
}
