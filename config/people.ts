import { z } from 'zod';
import { LIMITS, limitedList, requiredText } from './text';
import { readYamlFile } from './yaml';

const roleSchema = z.string().min(1).max(LIMITS.id, `at most ${LIMITS.id} characters`);

/**
 * What someone may decide alone: ideas whose estimated cost (in the firm's currency) is at most
 * the budget, at the gates named. Above it, the gate's committee and quorum decide.
 */
export const authoritySchema = z
  .object({
    budget: z.number({ error: (issue) => `expected a budget in the firm's currency (a number, 0 or more), got ${JSON.stringify(issue.input)}` }).min(0, 'expected a budget of 0 or more').finite(),
    gates: limitedList(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected a gate id like "idea-screen"'), LIMITS.templateList).min(1, 'name at least one gate'),
  })
  .strict();
export type Authority = z.infer<typeof authoritySchema>;

export const personSchema = z.object({
  email: z.email().max(254, 'at most 254 characters').transform((email) => email.toLowerCase()),
  name: requiredText(LIMITS.name),
  roles: limitedList(roleSchema, LIMITS.templateList).default([]),
  /** This person's own delegated authority; it wins over any of their roles'. */
  authority: authoritySchema.optional(),
});
export type Person = z.infer<typeof personSchema>;

/** A role's delegated authority, held by everyone with the role who has none of their own. */
export const roleAuthoritySchema = authoritySchema.extend({ role: roleSchema }).strict();

export const peopleDirectorySchema = z
  .object({
    organisation: requiredText(LIMITS.title),
    people: limitedList(personSchema, LIMITS.people).min(1),
    authorities: limitedList(roleAuthoritySchema, LIMITS.templateList).default([]),
  })
  .superRefine((directory, ctx) => {
    const seen = new Set<string>();
    directory.people.forEach((person, index) => {
      if (seen.has(person.email)) {
        ctx.addIssue({ code: 'custom', path: ['people', index, 'email'], message: `"${person.email}" is listed twice` });
      }
      seen.add(person.email);
    });
    const roles = new Set<string>();
    directory.authorities.forEach((authority, index) => {
      if (roles.has(authority.role)) ctx.addIssue({ code: 'custom', path: ['authorities', index, 'role'], message: `"${authority.role}" has an authority already` });
      roles.add(authority.role);
    });
  });
export type PeopleDirectory = z.infer<typeof peopleDirectorySchema>;

/** The role whose holders may override gate decisions, hold, resume and withdraw any idea. */
export const ADMIN_ROLE = 'admin';

export function loadPeopleDirectory(file: string): PeopleDirectory {
  return readYamlFile(file, peopleDirectorySchema);
}

/** People named by email or holding one of the roles, each once, in directory order. */
export function resolvePeople(directory: PeopleDirectory, selector: { people: string[]; roles: string[] }): Person[] {
  const emails = new Set(selector.people.map((email) => email.toLowerCase()));
  return directory.people
    .filter((person) => emails.has(person.email) || person.roles.some((role) => selector.roles.includes(role)))
    .map(({ authority: _authority, ...person }) => person);
}

/** Someone who may decide at a gate alone, and where that authority comes from: their own entry, or a role's. */
export interface AuthorityHolder {
  email: string;
  name: string;
  budget: number;
  source: 'person' | `role:${string}`;
}

/**
 * The authority this person holds at this gate: their own when it names the gate (it wins over
 * their roles' even when smaller), otherwise the largest budget of their roles' that name it.
 */
export function authorityFor(directory: PeopleDirectory, email: string, gateId: string): AuthorityHolder | undefined {
  const person = directory.people.find((candidate) => candidate.email === email.toLowerCase());
  if (!person) return undefined;
  if (person.authority) return person.authority.gates.includes(gateId) ? { email: person.email, name: person.name, budget: person.authority.budget, source: 'person' } : undefined;
  const best = directory.authorities
    .filter((authority) => person.roles.includes(authority.role) && authority.gates.includes(gateId))
    .reduce<PeopleDirectory['authorities'][number] | undefined>((top, authority) => (top && top.budget >= authority.budget ? top : authority), undefined);
  return best && { email: person.email, name: person.name, budget: best.budget, source: `role:${best.role}` };
}

/**
 * Everyone who may decide an idea of this estimated cost alone at this gate, in directory order.
 * An idea without an estimated cost is never under delegated authority.
 */
export function authoritiesFor(directory: PeopleDirectory, gateId: string, estimatedCost: number | undefined): AuthorityHolder[] {
  if (estimatedCost === undefined) return [];
  return directory.people.flatMap((person) => {
    const held = authorityFor(directory, person.email, gateId);
    return held && held.budget >= estimatedCost ? [held] : [];
  });
}

/** Every gate id the directory's authorities name, with the path of the field naming it. */
export function authorityGates(directory: PeopleDirectory): { gate: string; path: string }[] {
  return [
    ...directory.people.flatMap((person, index) => (person.authority?.gates ?? []).map((gate, at) => ({ gate, path: `people[${index}].authority.gates[${at}]` }))),
    ...directory.authorities.flatMap((authority, index) => authority.gates.map((gate, at) => ({ gate, path: `authorities[${index}].gates[${at}]` }))),
  ];
}
