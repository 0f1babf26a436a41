import { statSync } from 'node:fs';
import { z } from 'zod';
import { LIMITS, limitedList, requiredText } from './text';
import { readYamlFile } from './yaml';

const email = z.email().max(254, 'at most 254 characters').transform((address) => address.toLowerCase());
/** A day as YYYY-MM-DD, a real one (not 2026-02-30). */
export const daySchema = z.string().refine((value) => {
  const time = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(value);
}, 'expected a date like 2026-07-14');
const day = daySchema;

/** A time a person is away, both days included, and who receives the reviews opened meanwhile. */
export const absenceSchema = z.object({ from: day, to: day, standIn: email }).strict();
export type Absence = z.infer<typeof absenceSchema>;

export const personSchema = z.object({
  email,
  name: requiredText(LIMITS.name),
  roles: limitedList(z.string().min(1).max(LIMITS.id, `at most ${LIMITS.id} characters`), LIMITS.templateList).default([]),
  /** A deactivated person (false) keeps their history but is asked nothing and may decide nothing. */
  active: z.boolean().default(true),
  absences: limitedList(absenceSchema, LIMITS.templateList).default([]),
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
    const byEmail = new Map(directory.people.map((person) => [person.email, person]));
    directory.people.forEach((person, index) => {
      person.absences.forEach((absence, at) => {
        const path = ['people', index, 'absences', at];
        if (absence.from > absence.to) ctx.addIssue({ code: 'custom', path: [...path, 'to'], message: `${absence.to} is before from (${absence.from})` });
        const standIn = byEmail.get(absence.standIn);
        const problem =
          absence.standIn === person.email ? 'a person cannot stand in for themselves'
          : !standIn ? `"${absence.standIn}" is not in the people directory`
          : !standIn.active ? `"${absence.standIn}" is deactivated (active: false)`
          : undefined;
        if (problem) ctx.addIssue({ code: 'custom', path: [...path, 'standIn'], message: problem });
      });
    });
  });
export type PeopleDirectory = z.infer<typeof peopleDirectorySchema>;

/** The role whose holders may override gate decisions, hold, resume and withdraw any idea. */
export const ADMIN_ROLE = 'admin';

export function loadPeopleDirectory(file: string): PeopleDirectory {
  return readYamlFile(file, peopleDirectorySchema);
}

const read = new Map<string, { stamp: string; directory: PeopleDirectory }>();

/**
 * The people directory as the file says now: read again whenever the file changed (its
 * modification time, size or inode), never a stale copy; unchanged, the copy read last.
 */
export function currentPeopleDirectory(file: string): PeopleDirectory {
  const stamp = fileStamp(file);
  const known = read.get(file);
  if (known && stamp !== undefined && known.stamp === stamp) return known.directory;
  const directory = loadPeopleDirectory(file);
  if (stamp !== undefined) read.set(file, { stamp, directory });
  return directory;
}

/** What tells a changed file from the one read before; undefined when it cannot be read (the loader then says why). */
export function fileStamp(file: string): string | undefined {
  try {
    const stat = statSync(file, { bigint: true });
    return `${stat.mtimeNs}:${stat.size}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

/** People named by email or holding one of the roles, each once, in directory order; deactivated people are left out. */
export function resolvePeople(directory: PeopleDirectory, selector: { people: string[]; roles: string[] }): Person[] {
  const emails = new Set(selector.people.map((address) => address.toLowerCase()));
  return directory.people.filter(
    (person) => person.active && (emails.has(person.email) || person.roles.some((role) => selector.roles.includes(role))),
  );
}

/** The active holders of the admin role. */
export function adminsOf(directory: PeopleDirectory): string[] {
  return directory.people.filter((person) => person.active && person.roles.includes(ADMIN_ROLE)).map((person) => person.email);
}

/** Whether the person is active in the directory. */
export function isActive(directory: PeopleDirectory, address: string): boolean {
  return directory.people.some((person) => person.email === address.toLowerCase() && person.active);
}

/** Someone away on `on` (YYYY-MM-DD), and who stands in for them. */
export interface StandIn {
  for: string;
  forName: string;
  standIn: string;
  standInName: string;
  from: string;
  to: string;
}

/** Who stands in for whom on a day: each active person's absence covering it (the first, should several). */
export function standInsOn(directory: PeopleDirectory, on: string): StandIn[] {
  return directory.people.flatMap((person) => {
    const absence = person.active ? person.absences.find((candidate) => candidate.from <= on && on <= candidate.to) : undefined;
    const standIn = absence && directory.people.find((candidate) => candidate.email === absence.standIn);
    return absence && standIn ? [{ for: person.email, forName: person.name, standIn: standIn.email, standInName: standIn.name, from: absence.from, to: absence.to }] : [];
  });
}

/** Who a gate names, as its template says: people by email and roles. */
export interface PeopleSelector {
  people: string[];
  roles: string[];
}

/** What a round asks the people directory: the gate's selectors, whose idea it is, the day, and who the round already asked. */
export interface RoundPeopleRequest {
  reviewers: PeopleSelector;
  escalateTo: PeopleSelector;
  allowSelfReview: boolean;
  submitter: string;
  champion: string;
  /** YYYY-MM-DD: absences covering this day apply. */
  on: string;
  /** Everyone the open round asked so far (when a reviewer is replaced in it): none of them is asked again. */
  asked?: string[];
  /** The reviewer being replaced: the answer says whether the directory has them active after all. */
  replacing?: string;
}

export interface PersonRef {
  email: string;
  name: string;
}

/** The people of a round as the directory has them now. */
export interface RoundPeople {
  /** Who is asked, in directory order: stand-ins in the place of those away. */
  reviewers: PersonRef[];
  /** Who stands in for whom in this round. */
  standIns: { for: string; standIn: string; until: string }[];
  /** Named by the gate but not asked, and why. */
  skipped: { email: string; why: string }[];
  escalateTo: PersonRef[];
  admins: string[];
  /** Someone to ask instead of a reviewer who left: the first of the gate's reviewers not asked yet, else an escalation contact; none when nobody is left. */
  replacement?: PersonRef;
  /** With `replacing`: that reviewer is active in the directory, so is not to be replaced. */
  replacingActive?: boolean;
}

/**
 * The reviewers, escalation contacts and admins of a round, from the directory as it is: the
 * deactivated and the idea's own submitter and champion (unless the gate allows self-review) are
 * left out, and someone away is replaced by their stand-in. A stand-in who is excluded, away too
 * or already asked is replaced as a person who left is: by the next of the gate's reviewers, else
 * an escalation contact.
 */
export function peopleForRound(directory: PeopleDirectory, request: RoundPeopleRequest): RoundPeople {
  const own = new Set(request.allowSelfReview ? [] : [request.submitter.toLowerCase(), request.champion.toLowerCase()]);
  const away = new Map(standInsOn(directory, request.on).map((standIn) => [standIn.for, standIn]));
  const byEmail = new Map(directory.people.map((person) => [person.email, person]));
  const ref = (person: Person): PersonRef => ({ email: person.email, name: person.name });
  const skipped: RoundPeople['skipped'] = [];
  for (const address of request.reviewers.people.map((named) => named.toLowerCase())) {
    if (!byEmail.has(address)) skipped.push({ email: address, why: 'not in the people directory' });
  }
  for (const person of directory.people) {
    const named = request.reviewers.people.includes(person.email) || person.roles.some((role) => request.reviewers.roles.includes(role));
    if (named && !person.active) skipped.push({ email: person.email, why: 'deactivated' });
    else if (named && own.has(person.email)) skipped.push({ email: person.email, why: person.email === request.submitter.toLowerCase() ? 'the submitter' : 'the champion' });
  }
  const candidates = resolvePeople(directory, request.reviewers).filter((person) => !own.has(person.email));
  const escalateTo = resolvePeople(directory, request.escalateTo).map((person) => {
    const instead = byEmail.get(away.get(person.email)?.standIn ?? '');
    return instead?.active && !away.has(instead.email) ? ref(instead) : ref(person);
  });
  const asked = new Set(request.asked ?? []);
  const chosen: PersonRef[] = [];
  const free = (address: string) => !asked.has(address) && !own.has(address) && !away.has(address) && !chosen.some((person) => person.email === address);
  /** Someone to ask instead of a person who cannot be: the first of the gate's reviewers not asked, else an escalation contact. */
  const fallback = (): PersonRef | undefined => {
    const next = candidates.find((person) => free(person.email));
    return next ? ref(next) : escalateTo.find((person) => free(person.email));
  };
  if (request.asked !== undefined) {
    const replacement = fallback();
    const replacingActive = request.replacing !== undefined && isActive(directory, request.replacing);
    return { reviewers: [], standIns: [], skipped, escalateTo, admins: adminsOf(directory), ...(replacement ? { replacement } : {}), ...(replacingActive ? { replacingActive } : {}) };
  }
  // Everyone named who is here, then a stand-in for each who is away.
  chosen.push(...candidates.filter((person) => !away.has(person.email)).map(ref));
  const standIns: RoundPeople['standIns'] = [];
  for (const person of candidates.filter((candidate) => away.has(candidate.email))) {
    const absence = away.get(person.email)!;
    skipped.push({ email: person.email, why: `away until ${absence.to}` });
    const standIn = byEmail.get(absence.standIn);
    const instead = standIn && standIn.active && free(standIn.email) ? ref(standIn) : fallback();
    if (!instead) continue;
    chosen.push(instead);
    standIns.push({ for: person.email, standIn: instead.email, until: absence.to });
  }
  return { reviewers: chosen, standIns, skipped, escalateTo, admins: adminsOf(directory) };
}
