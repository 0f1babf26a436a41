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
  email,
  name: requiredText(LIMITS.name),
  roles: limitedList(roleSchema, LIMITS.templateList).default([]),
  /** A deactivated person (false) keeps their history but is asked nothing and may decide nothing. */
  active: z.boolean().default(true),
  absences: limitedList(absenceSchema, LIMITS.templateList).default([]),
  /** This person's own delegated authority; it wins over any of their roles'. */
  authority: authoritySchema.optional(),
  /** In an innovation network's directory: the member firm the person belongs to (config/network.ts sets it). */
  member: z.string().optional(),
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

/**
 * People named by email or holding one of the roles, each once, in directory order; deactivated
 * people are left out; with `members`, only people of those members of a network.
 */
export function resolvePeople(directory: PeopleDirectory, selector: { people: string[]; roles: string[]; members?: string[] }): Person[] {
  const emails = new Set(selector.people.map((address) => address.toLowerCase()));
  return directory.people
    .filter(
      (person) =>
        person.active &&
        (emails.has(person.email) || person.roles.some((role) => selector.roles.includes(role))) &&
        (!selector.members?.length || (person.member !== undefined && selector.members.includes(person.member))),
    )
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
  // A deactivated person holds no authority, as they may decide nothing else.
  if (!person || !person.active) return undefined;
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
  /** In a network: only people of these members. */
  members?: string[];
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
  /** The gate and the idea's estimated cost, for who may decide it alone under delegated authority (absent on requests from before it). */
  gate?: string;
  estimatedCost?: number;
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
  /** Who may decide the round alone, as the directory has them now (never the idea's own people unless the gate allows self-review); absent when nobody may. */
  authorities?: AuthorityHolder[];
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
  const authorities = request.gate === undefined ? [] : authoritiesFor(directory, request.gate, request.estimatedCost).filter((holder) => !own.has(holder.email));
  return { reviewers: chosen, standIns, skipped, escalateTo, admins: adminsOf(directory), ...(authorities.length ? { authorities } : {}) };
}
