import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { currentPeopleDirectory, type PeopleDirectory } from './people';
import { loadProcesses } from './process';
import { loadSettings, type Settings } from './settings';
import { LIMITS, requiredText } from './text';
import { ConfigError, readYamlFile } from './yaml';

/**
 * An innovation network: several member firms in one installation. Each member is a whole
 * stagegate configuration of its own (people, processes, data folder or database, link secret,
 * admin key, API keys) in a Temporal namespace of its own, so Temporal itself keeps one member's
 * ideas out of another's lists and queries. The network's own processes and campaigns live in
 * the network's namespace, with reviewers drawn from the members.
 */

/** The scope of the network's own ideas (`--member network`): never a member's id. */
export const NETWORK_SCOPE = 'network';

export const memberIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'expected a member id like "bakery-a" (lower-case letters, digits and -, at most 40 characters)')
  .refine((id) => id !== NETWORK_SCOPE, `"${NETWORK_SCOPE}" names the network's own scope, not a member`);

/** A Temporal namespace name (letters, digits, . _ -). */
const namespaceSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/, 'expected a Temporal namespace like stagegate-bakery-a');

const memberSchema = z
  .object({
    id: memberIdSchema,
    name: requiredText(LIMITS.name),
    /** The member's settings file (its people file, processes folder, data folder or database, secrets), relative to the network file. */
    settings: z.string().min(1),
    /** Its Temporal namespace; `stagegate-<id>` unless given. */
    namespace: namespaceSchema.optional(),
  })
  .strict();

export const networkFileSchema = z
  .object({
    name: requiredText(LIMITS.title),
    /** The network's own settings file: the network processes and campaigns, its data folder, its link secret. */
    settings: z.string().min(1),
    namespace: namespaceSchema.default(`stagegate-${NETWORK_SCOPE}`),
    members: z.array(memberSchema).min(1).max(100),
  })
  .strict()
  .superRefine((network, ctx) => {
    const namespaces = [network.namespace];
    network.members.forEach((member, index) => {
      if (network.members.findIndex((other) => other.id === member.id) !== index) ctx.addIssue({ code: 'custom', path: ['members', index, 'id'], message: `"${member.id}" is listed twice` });
      const namespace = member.namespace ?? memberNamespace(member.id);
      if (namespaces.includes(namespace)) ctx.addIssue({ code: 'custom', path: ['members', index, 'namespace'], message: `"${namespace}" is already another member's or the network's namespace` });
      namespaces.push(namespace);
    });
  });

/** One member, or the network itself: where its settings are and its namespace. */
export interface Scope {
  /** The member's id, or `network`. */
  id: string;
  name: string;
  settingsFile: string;
  namespace: string;
}

export interface Network {
  file: string;
  name: string;
  /** The network's own scope: its processes, campaigns and ideas. */
  network: Scope;
  members: Scope[];
}

export function memberNamespace(id: string): string {
  return `stagegate-${id}`;
}

/** The network file, with its settings paths resolved against the file's folder. */
export function loadNetwork(file: string): Network {
  const parsed = readYamlFile(file, networkFileSchema);
  const at = (path: string) => resolve(dirname(file), path);
  return {
    file,
    name: parsed.name,
    network: { id: NETWORK_SCOPE, name: parsed.name, settingsFile: at(parsed.settings), namespace: parsed.namespace },
    members: parsed.members.map((member) => ({ id: member.id, name: member.name, settingsFile: at(member.settings), namespace: member.namespace ?? memberNamespace(member.id) })),
  };
}

/** The member (or `network`) of that id; a clear error naming the members otherwise. */
export function findScope(network: Network, id: string): Scope {
  if (id === NETWORK_SCOPE) return network.network;
  const member = network.members.find((candidate) => candidate.id === id);
  if (!member) throw new ConfigError(`member: "${id}" is not a member of ${network.file}; members are ${network.members.map((m) => m.id).join(', ')} (and ${NETWORK_SCOPE} for the network's own ideas)`);
  return member;
}

/**
 * A scope's settings: its own file alone (no STAGEGATE_* variable, which would set every member
 * alike: one variable must not make two members share a store), with its public URL under the
 * installation's, `<publicUrl>/m/<id>`, so the links its worker mints lead to its own pages.
 */
export function scopeSettings(installation: Settings, scope: Scope): Settings {
  const settings = loadSettings({ file: scope.settingsFile, env: {}, overrides: { publicUrl: `${installation.publicUrl.replace(/\/+$/, '')}/m/${scope.id}` } });
  const { network: _network, ...own } = settings;
  return own;
}

/** The network's people directory: every member's people, each tagged with their member. */
export function networkPeople(installation: Settings, network: Network): PeopleDirectory {
  return networkPeopleReader(installation, network)();
}

/**
 * The network's people directory as the members' people files say now: each file read again
 * whenever it changed (as `currentPeopleDirectory` does), so a network round opening resolves
 * its people from every member's directory as it is.
 */
export function networkPeopleReader(installation: Settings, network: Network): () => PeopleDirectory {
  const files = network.members.map((member) => ({ member: member.id, file: scopeSettings(installation, member).peopleFile }));
  return () => ({
    organisation: network.name,
    people: files.flatMap(({ member, file }) => currentPeopleDirectory(file).people.map((person) => ({ ...person, member }))),
    authorities: [],
  });
}

/**
 * The network installation the settings name, checked as a whole: every member's settings load,
 * no two scopes share a data folder or database, and the members a network process names exist.
 */
export function loadNetworkOf(installation: Settings): Network | undefined {
  if (!installation.network) return undefined;
  const network = loadNetwork(installation.network);
  const stores = new Map<string, string>();
  for (const scope of [network.network, ...network.members]) {
    const settings = scopeSettings(installation, scope);
    const store = settings.databaseUrl ?? settings.dataDir;
    const other = stores.get(store);
    if (other) throw new ConfigError(`${scope.settingsFile}: ${settings.databaseUrl ? 'databaseUrl' : 'dataDir'}: "${other}" and "${scope.id}" would share one events store; give each member its own`);
    stores.set(store, scope.id);
  }
  const ids = network.members.map((member) => member.id);
  for (const process of loadProcesses(scopeSettings(installation, network.network).processesDir).values()) {
    const named = [...(process.sharedWith ?? []), ...process.stages.flatMap((stage) => (stage.gate ? [...(stage.gate.reviewers.members ?? []), ...(stage.gate.escalateTo.members ?? [])] : []))];
    const unknown = named.find((id) => !ids.includes(id));
    if (unknown) throw new ConfigError(`network process "${process.id}": "${unknown}" is not a member of ${network.file}; members are ${ids.join(', ')}`);
  }
  return network;
}

/** The settings `--member` names: the installation's without one, that member's (or the network's) in a network. */
export function settingsOfMember(installation: Settings, member: string | undefined): Settings {
  if (!installation.network) {
    if (member === undefined) return installation;
    throw new ConfigError(`member: "${member}" names a member, but no innovation network is configured (set network in the settings, or STAGEGATE_NETWORK)`);
  }
  const network = loadNetworkOf(installation)!;
  // Every command of a network installation acts for one member: none is the default.
  if (member === undefined) throw new ConfigError(`member: this installation is the innovation network of ${network.file}; name a member (--member <id>): ${network.members.map((m) => m.id).join(', ')}, or ${NETWORK_SCOPE}`);
  return scopeSettings(installation, findScope(network, member));
}
