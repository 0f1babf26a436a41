import { z } from 'zod';
import { readYamlFile } from './yaml';

export const personSchema = z.object({
  email: z.email().transform((email) => email.toLowerCase()),
  name: z.string().min(1),
  roles: z.array(z.string().min(1)).default([]),
});
export type Person = z.infer<typeof personSchema>;

export const peopleDirectorySchema = z
  .object({
    organisation: z.string().min(1),
    people: z.array(personSchema).min(1),
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

/** People named by email or holding one of the roles, each once, in directory order. */
export function resolvePeople(directory: PeopleDirectory, selector: { people: string[]; roles: string[] }): Person[] {
  const emails = new Set(selector.people.map((email) => email.toLowerCase()));
  return directory.people.filter(
    (person) => emails.has(person.email) || person.roles.some((role) => selector.roles.includes(role)),
  );
}
