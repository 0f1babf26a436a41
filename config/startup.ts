import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { authorityGates, loadPeopleDirectory, type PeopleDirectory } from './people';
import { loadProcesses, loadProcessFile, type ProcessDefinition } from './process';
import { routingProblems } from './routing';
import { DEFAULT_PUBLIC_URL, SHIPPED_PROCESSES_DIR, type Settings } from './settings';
import { ConfigError } from './yaml';

/**
 * Every configuration file a running stagegate reads, checked before anything starts: the process
 * templates (as `stagegate process validate` checks them), the people directory, and the routing
 * rules' processes and champions against both. One error
 * names every bad file and the path of each bad field, so a command that runs stagegate stops at
 * once instead of starting on a configuration it would trip over later. Settings are checked as
 * they load (`loadSettings`).
 */
export function checkConfiguration(settings: Pick<Settings, 'processesDir' | 'peopleFile' | 'routing'>): { processes: ProcessDefinition[]; people: PeopleDirectory } {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
      return undefined;
    }
  };
  const files = attempt(() => {
    try {
      return readdirSync(settings.processesDir).filter((name) => /\.ya?ml$/.test(name)).sort();
    } catch (err) {
      throw new ConfigError(`${settings.processesDir}: cannot list process templates (${(err as Error).message})`);
    }
  });
  if (files?.length === 0) problems.push(`${settings.processesDir}: no process templates (*.yaml) in this folder`);
  const processes = (files ?? []).flatMap((name) => attempt(() => [loadProcessFile(join(settings.processesDir, name))]) ?? []);
  const people = attempt(() => loadPeopleDirectory(settings.peopleFile));
  // The routing rules name processes and champions: both must exist (once every file loaded).
  if (problems.length === 0 && people) problems.push(...authorityProblems(settings.peopleFile, people, processes));
  if (problems.length === 0 && people) problems.push(...routingProblems(settings.routing, { processes: processes.map((process) => process.id), people: people.people.map((person) => person.email) }).map((problem) => `settings: ${problem}`));
  if (problems.length > 0 || !people) throw new ConfigError(`stagegate will not start on an invalid configuration; nothing was started:\n${problems.join('\n')}`);
  return { processes, people };
}

/**
 * Delegated authority names gates: each must be a gate of a process template, the installation's
 * own or a shipped one (the demo people file names the shipped ones' first gates), so a misspelt
 * gate id is refused instead of silently granting nothing.
 */
function authorityProblems(peopleFile: string, people: PeopleDirectory, processes: ProcessDefinition[]): string[] {
  const gates = new Set([...processes, ...loadProcesses(SHIPPED_PROCESSES_DIR).values()].flatMap((process) => process.stages.flatMap((stage) => (stage.gate ? [stage.gate.id] : []))));
  return authorityGates(people)
    .filter(({ gate }) => !gates.has(gate))
    .map(({ gate, path }) => `${peopleFile}: ${path}: no process template has a gate "${gate}" (gates: ${[...gates].sort().join(', ')})`);
}

/**
 * Real mail carries links, so a worker or web server that sends through SMTP needs the address
 * people reach the web server at and the key that signs the links; without them every link in
 * every email would be broken. The embedded default (`stagegate dev`, the outbox) needs neither.
 */
export function checkMailLinks(settings: Pick<Settings, 'mail' | 'publicUrl' | 'publicUrlDefaulted' | 'linkSecret'>): void {
  const smtp = settings.mail.smtp;
  if (!smtp) return;
  const problems = [
    ...(settings.publicUrlDefaulted
      ? [`STAGEGATE_PUBLIC_URL (publicUrl) is not set, so links would start with the default ${DEFAULT_PUBLIC_URL}: set it to the address people reach the web server at (https://ideas.example.com)`]
      : []),
    ...(settings.linkSecret ? [] : ['STAGEGATE_LINK_SECRET (linkSecret) is not set: set the same key of at least 32 characters for every worker and web server']),
  ];
  if (problems.length) {
    throw new ConfigError(`stagegate will not start: mail goes out through SMTP (${smtp.host}), and every link in it would be broken; nothing was started:\n${problems.join('\n')}`);
  }
}
