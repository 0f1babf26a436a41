import type { Command } from 'commander';
import { loadPeopleDirectory } from '../../config/people';
import { loadProcesses } from '../../config/process';
import { findScope, loadNetworkOf, networkPeople, NETWORK_SCOPE, scopeSettings, type Network, type Scope } from '../../config/network';
import type { Settings } from '../../config/settings';
import { storeFile } from '../../store';
import { action, jsonOption } from './command';
import { CliError, EXIT_FAILED, EXIT_USAGE, say, table } from './output';

/** One member (or the network) as `member list` and `member show` tell it. */
export interface MemberView {
  id: string;
  name: string;
  namespace: string;
  settings: string;
  people: number;
  processes: string[];
  /** Where its events live: its SQLite file, or its PostgreSQL database (password hidden). */
  store: string;
  publicUrl: string;
}

export function registerMemberCommands(program: Command): void {
  const member = program.command('member').description("an innovation network's members: each with its own people, processes, ideas and namespace");

  member
    .command('list')
    .description('the members of the network the settings name (setting network / STAGEGATE_NETWORK), and the network itself')
    .addOption(jsonOption())
    .action(
      action(
        async (context) => {
          const network = requireNetwork(context.installation());
          return [...network.members, network.network].map((scope) => memberView(context.installation(), network, scope));
        },
        (members: MemberView[]) => say(table(['MEMBER', 'NAME', 'NAMESPACE', 'PEOPLE', 'PROCESSES'], members.map((m) => [m.id, m.name, m.namespace, m.people, m.processes.join(', ')]))),
      ),
    );

  member
    .command('show')
    .description("one member: its people, processes, namespace and events store (`network` for the network's own)")
    .argument('<id>', 'the member id, as in the network file')
    .addOption(jsonOption())
    .addHelpText('after', '\nExamples:\n  stagegate member show bakery-a\n  stagegate member show network --json')
    .action(
      action(
        async (context, id: string) => {
          const network = requireNetwork(context.installation());
          let scope: Scope;
          try {
            scope = findScope(network, id);
          } catch (err) {
            throw new CliError((err as Error).message, EXIT_USAGE, 'invalid-input');
          }
          return memberView(context.installation(), network, scope);
        },
        (shown: MemberView) =>
          say(
            table(
              ['FIELD', 'VALUE'],
              [['member', shown.id], ['name', shown.name], ['namespace', shown.namespace], ['settings', shown.settings], ['people', shown.people], ['processes', shown.processes.join(', ')], ['store', shown.store], ['pages', shown.publicUrl]],
            ),
          ),
      ),
    );
}

function requireNetwork(installation: Settings): Network {
  const network = loadNetworkOf(installation);
  if (!network) throw new CliError('no innovation network is configured: set network in the settings (or STAGEGATE_NETWORK) to a network file listing the members', EXIT_FAILED, 'config');
  return network;
}

function memberView(installation: Settings, network: Network, scope: Scope): MemberView {
  const settings = scopeSettings(installation, scope);
  const people = scope.id === NETWORK_SCOPE ? networkPeople(installation, network) : loadPeopleDirectory(settings.peopleFile);
  return {
    id: scope.id,
    name: scope.name,
    namespace: scope.namespace,
    settings: scope.settingsFile,
    people: people.people.length,
    processes: [...loadProcesses(settings.processesDir).keys()].sort(),
    store: settings.databaseUrl ? settings.databaseUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@') : storeFile(settings.dataDir),
    publicUrl: settings.publicUrl,
  };
}
