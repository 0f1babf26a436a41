import type { Person } from './inputs';
import type { CreditedContributor } from './state';

/** What a person did for an idea, as its thanks, its `recognised` event and the recognition report say it. */
export const RECOGNITION_ROLES = ['submitter', 'champion', 'credited'] as const;
export type RecognitionRole = (typeof RECOGNITION_ROLES)[number];

/** One person thanked at launch: once, with every role they had; a credited person with the duplicate that brought them. */
export interface Thanks {
  person: Person;
  roles: RecognitionRole[];
  from?: { ideaId: string; title: string };
}

/**
 * Everyone an idea thanks at launch, each once: the submitter, the champion, then the people
 * credited by merges of duplicates, in the order they were credited.
 */
export function thanksFor(submitter: Person, champion: Person, credited: readonly CreditedContributor[]): Thanks[] {
  const thanked: Thanks[] = [];
  const add = (person: Person, role: RecognitionRole, from?: Thanks['from']) => {
    const earlier = thanked.find((thanks) => thanks.person.email === person.email);
    if (!earlier) {
      thanked.push({ person: { email: person.email, name: person.name }, roles: [role], ...(from ? { from } : {}) });
      return;
    }
    if (!earlier.roles.includes(role)) earlier.roles.push(role);
    if (from) earlier.from ??= from;
  };
  add(submitter, 'submitter');
  add(champion, 'champion');
  for (const credit of credited) add(credit, 'credited', { ideaId: credit.from, title: credit.title });
  return thanked;
}

/** The roles in words: "submitter and champion". */
export function rolesInWords(roles: readonly RecognitionRole[]): string {
  return roles.length > 1 ? `${roles.slice(0, -1).join(', ')} and ${roles[roles.length - 1]}` : (roles[0] ?? '');
}
