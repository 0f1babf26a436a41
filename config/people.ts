import { z } from 'zod';
import { LIMITS, limitedList, requiredText } from './text';
import { readYamlFile } from './yaml';

export const personSchema = z.object({
  email: z.email().max(254, 'at most 254 characters').transform((email) => email.toLowerCase()),
  name: requiredText(LIMITS.name),
  roles: limitedList(z.string().min(1).max(LIMITS.id, `at most ${LIMITS.id} characters`), LIMITS.templateList).default([]),
  /** In an innovation network's directory: the member firm the person belongs to (config/network.ts sets it). */
  member: z.string().optional(),
});
export type Person = z.infer<typeof personSchema>;

export const peopleDirectorySchema = z
  .object({
    organisation: requiredText(LIMITS.title),
    people: limitedList(personSchema, LIMITS.people).min(1),
  })
  .superRefine((directory, ctx) => {
    const seen = new Set<string>();
    directory.people.forEach((person, index) => {
      if (seen.has(person.email)) {
        ctx.addIssue({ code: 'custom', path: ['people', index, 'email'], message: `"${person.email}" is listed twice` });
      }
      seen.add(person.email);
    });
  });
export type PeopleDirectory = z.infer<typeof peopleDirectorySchema>;

/** The role whose holders may override gate decisions, hold, resume and withdraw any idea. */
export const ADMIN_ROLE = 'admin';

export function loadPeopleDirectory(file: string): PeopleDirectory {
  return readYamlFile(file, peopleDirectorySchema);
}

/** People named by email or holding one of the roles, each once, in directory order; with `members`, only people of those members of a network. */
export function resolvePeople(directory: PeopleDirectory, selector: { people: string[]; roles: string[]; members?: string[] }): Person[] {
  const emails = new Set(selector.people.map((email) => email.toLowerCase()));
  return directory.people.filter(
    (person) =>
      (emails.has(person.email) || person.roles.some((role) => selector.roles.includes(role))) &&
      (!selector.members?.length || (person.member !== undefined && selector.members.includes(person.member))),
  );
}
