import type { StoredEvent } from '../store';
import { endings, eventsOfIdeas, num, peopleAsRead, Sql, submissions, type ReportDatabase } from './database';
import { readLog } from './events';
import type { ReportRange } from './range';
import type { Report } from './report';
import { entryFor } from './statistics';
import { column } from './table';

export interface PersonContributions {
  /** The person's address (a pseudonym, or "forgotten person", once it cannot be read). */
  person: string;
  /** As the latest thanks known at the end of the range named them; absent for people never thanked. */
  name?: string;
  /** Ideas submitted in the range with them as submitter. */
  submitted: number;
  /** Ideas submitted in the range with them as champion. */
  championed: number;
  /** Times they were credited in the range: a duplicate they submitted (or were credited on) merged into another idea. */
  credited: number;
  /** Ideas launched in the range that they submitted, championed or were credited on. */
  launched: number;
  /** Thanks at launch in the range: `recognised` events naming them. */
  thanked: number;
}

export interface SourceContributions {
  source: string;
  /** Ideas from this source submitted in the range. */
  submitted: number;
  /** Ideas from this source launched in the range. */
  launched: number;
  /** Distinct people who submitted, championed or were credited on an idea from this source in the range. */
  contributors: number;
  /** Thanks at launch in the range for ideas from this source. */
  thanks: number;
}

export interface MonthOfThanks {
  month: string;
  launched: number;
  thanks: number;
  /** Distinct people thanked that month. */
  people: number;
}

export interface Recognition {
  /** Most launched first, then most thanked, then most contributions, then by address. */
  people: PersonContributions[];
  /** Most launched first, then most submitted. */
  sources: SourceContributions[];
  /** The months (UTC) in which ideas launched or people were thanked, in order. */
  months: MonthOfThanks[];
  total: { people: number; contributors: number; launched: number; thanks: number };
}

type Tally = Omit<PersonContributions, 'person' | 'name'>;
const tally = (): Tally => ({ submitted: 0, championed: 0, credited: 0, launched: 0, thanked: 0 });

/** Who a `recognised` event thanks: one `person` from the recognition patch on, or the `people` list of journeys before it. */
function thankedBy(event: StoredEvent): string[] {
  const { person, people } = event.detail as { person?: string; people?: string[] };
  return person !== undefined ? [person] : (people ?? []);
}

/** Each person's name as the latest `recognised` event known at the end of the range gives it. */
function namesOf(recognised: readonly StoredEvent[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const event of recognised) {
    const { person, personName } = event.detail as { person?: string; personName?: string };
    if (person !== undefined && personName !== undefined) names.set(person, personName);
  }
  return names;
}

/**
 * Recognition: who contributed, who was thanked at launch, per person, per source and per month.
 *
 * Counted by event time. A person's contributions in the range: ideas submitted (the idea's first
 * `submitted` event is in the range and names them `submitter`), championed (it names them
 * `champion`), credited (a `credited` event in the range names them: a duplicate they submitted,
 * or were credited on, merged into another idea); launched: the ideas launched in the range that
 * they submitted, championed or were credited on (whenever), each idea once per person; thanked:
 * the `recognised` events in the range naming them. A person who is submitter and champion of an
 * idea counts once in each column and once in launched.
 */
export function recognition(events: readonly StoredEvent[], range: ReportRange): Recognition {
  const log = readLog(events, range);
  const people = new Map<string, Tally>();
  const sources = new Map<string, Omit<SourceContributions, 'contributors'> & { contributors: Set<string> }>();
  const months = new Map<string, { launched: number; thanks: number; people: Set<string> }>();
  const contributors = new Set<string>();
  const person = (email: string) => entryFor(people, email, tally);
  const source = (name: string) => entryFor(sources, name, () => ({ source: name, submitted: 0, launched: 0, contributors: new Set<string>(), thanks: 0 }));
  const month = (at: string) => entryFor(months, at.slice(0, 7), () => ({ launched: 0, thanks: 0, people: new Set<string>() }));
  const contributed = (email: string, from: string) => {
    contributors.add(email);
    source(from).contributors.add(email);
  };
  for (const idea of log.ideas.values()) {
    const { submitter, champion } = (idea.submitted?.detail ?? {}) as { submitter?: string; champion?: string };
    if (idea.submitted && log.inRange(idea.submitted)) {
      source(idea.source).submitted += 1;
      if (submitter !== undefined) {
        person(submitter).submitted += 1;
        contributed(submitter, idea.source);
      }
      if (champion !== undefined) {
        person(champion).championed += 1;
        contributed(champion, idea.source);
      }
    }
    const credits = idea.events.filter((event) => event.type === 'credited');
    for (const credit of credits.filter(log.inRange)) {
      for (const email of (credit.detail.people ?? []) as string[]) {
        person(email).credited += 1;
        contributed(email, idea.source);
      }
    }
    if (idea.end?.type === 'launched' && log.inRange(idea.end)) {
      source(idea.source).launched += 1;
      month(idea.end.at).launched += 1;
      const everyone = [submitter, champion, ...credits.flatMap((credit) => (credit.detail.people ?? []) as string[])].filter((email): email is string => email !== undefined);
      for (const email of new Set(everyone)) person(email).launched += 1;
    }
  }
  const recognised = log.events.filter((event) => event.type === 'recognised');
  for (const event of recognised.filter(log.inRange)) {
    for (const email of thankedBy(event)) {
      person(email).thanked += 1;
      source(event.source).thanks += 1;
      const of = month(event.at);
      of.thanks += 1;
      of.people.add(email);
    }
  }
  return summarised(
    people,
    namesOf(recognised),
    [...sources.values()].map((row) => ({ ...row, contributors: row.contributors.size })),
    [...months].map(([name, row]) => ({ month: name, launched: row.launched, thanks: row.thanks, people: row.people.size })),
    contributors.size,
  );
}

/**
 * The same in SQL: each role an idea gave someone (its first submission's submitter and champion,
 * the people of its `credited` events) and each thanks, grouped by person as the store keeps them
 * (a pseudonym, when sealed, stands for one address); the addresses and names are read back through
 * the store from the events that carry them.
 */
export async function recognitionInDatabase(db: ReportDatabase, range: ReportRange): Promise<Recognition> {
  /** Every role known at the end of the range: person, idea_id, source, at, id, and the detail field that names the person. */
  const roles = (sql: Sql) => `(
    SELECT ${sql.field('submitter', 'e.')} AS person, e.idea_id, e.source, e.at, e.id, 'submitter' AS role
    FROM events AS e JOIN journeys AS j ON j.idea_id = e.idea_id AND j.submitted_seq = e.seq WHERE e.type = 'submitted' AND ${sql.known('j.submitted_')} AND ${sql.field('submitter', 'e.')} IS NOT NULL
    UNION ALL
    SELECT ${sql.field('champion', 'e.')} AS person, e.idea_id, e.source, e.at, e.id, 'champion' AS role
    FROM events AS e JOIN journeys AS j ON j.idea_id = e.idea_id AND j.submitted_seq = e.seq WHERE e.type = 'submitted' AND ${sql.known('j.submitted_')} AND ${sql.field('champion', 'e.')} IS NOT NULL
    UNION ALL
    SELECT credited.value AS person, e.idea_id, e.source, e.at, e.id, 'credited' AS role
    FROM events AS e, ${sql.arrayElements('people', 'e', 'credited')} WHERE e.type = 'credited' AND ${sql.known('e.')})`;
  /** Every thanks in the range: person, source, at, id, and the field that names the person. */
  const thanks = (sql: Sql) => `(
    SELECT ${sql.field('person', 'e.')} AS person, e.source, e.at, e.id, 'person' AS field
    FROM events AS e WHERE e.type = 'recognised' AND ${sql.field('person', 'e.')} IS NOT NULL AND ${sql.inRange('e.at')}
    UNION ALL
    SELECT thanked.value AS person, e.source, e.at, e.id, 'people' AS field
    FROM events AS e, ${sql.arrayElements('people', 'e', 'thanked')} WHERE e.type = 'recognised' AND ${sql.inRange('e.at')})`;

  // Each person's roles per source, in one pass over the roles: the people's columns, each source's contributors and everyone's count are sums of these.
  const perPerson = new Sql(db, range);
  const roleRows = await perPerson.rows(
    `SELECT roles.person, roles.source,
            sum(CASE WHEN roles.role = 'submitter' AND ${perPerson.inRange('roles.at')} THEN 1 ELSE 0 END) AS submitted,
            sum(CASE WHEN roles.role = 'champion' AND ${perPerson.inRange('roles.at')} THEN 1 ELSE 0 END) AS championed,
            sum(CASE WHEN roles.role = 'credited' AND ${perPerson.inRange('roles.at')} THEN 1 ELSE 0 END) AS credited,
            count(DISTINCT CASE WHEN ends.type = 'launched' AND ${perPerson.inRange('ends.at')} THEN roles.idea_id END) AS launched,
            min(CASE WHEN roles.role = 'submitter' THEN roles.id END) AS by_submitter,
            min(CASE WHEN roles.role = 'champion' THEN roles.id END) AS by_champion,
            min(CASE WHEN roles.role = 'credited' THEN roles.id END) AS by_people
     FROM ${roles(perPerson)} AS roles LEFT JOIN ${endings(perPerson)} AS ends ON ends.idea_id = roles.idea_id
     GROUP BY roles.person, roles.source`,
  );
  // An idea has one source: its launches per person add up over the sources.
  const earliest = (a: unknown, b: unknown) => (a === null || a === undefined ? b : b === null || b === undefined ? a : String(a) < String(b) ? a : b);
  const byPerson = new Map<string, Record<string, unknown>>();
  const contributorsBySource = new Map<string, Set<string>>();
  const contributors = new Set<string>();
  for (const row of roleRows) {
    const person = String(row.person);
    const found = byPerson.get(person);
    if (!found) byPerson.set(person, { ...row, submitted: num(row.submitted), championed: num(row.championed), credited: num(row.credited), launched: num(row.launched) });
    else {
      for (const column of ['submitted', 'championed', 'credited', 'launched']) found[column] = num(found[column]) + num(row[column]);
      for (const column of ['by_submitter', 'by_champion', 'by_people']) found[column] = earliest(found[column], row[column]);
    }
    if (num(row.submitted) + num(row.championed) + num(row.credited) === 0) continue;
    contributors.add(person);
    entryFor(contributorsBySource, String(row.source), () => new Set<string>()).add(person);
  }
  const personRows = [...byPerson.values()];
  const perThanks = new Sql(db, range);
  const thanksRows = await perThanks.rows(
    `SELECT person, count(*) AS thanked, min(CASE WHEN field = 'person' THEN id END) AS by_person, min(CASE WHEN field = 'people' THEN id END) AS by_people
     FROM ${thanks(perThanks)} AS thanks GROUP BY person`,
  );
  // The addresses behind the people as the store keeps them (themselves, unless it is sealed): one event naming each person is enough.
  const fields = [
    ['by_submitter', 'submitter', ['submitted']],
    ['by_champion', 'champion', ['submitted']],
    ['by_people', 'people', ['credited', 'recognised']],
    ['by_person', 'person', ['recognised']],
  ] as const;
  const examples = new Map<(typeof fields)[number], Set<string>>(fields.map((entry) => [entry, new Set<string>()]));
  const named = new Set<string>();
  for (const row of [...personRows, ...thanksRows]) {
    const entry = fields.find(([column]) => row[column] !== null && row[column] !== undefined);
    if (!entry || named.has(String(row.person))) continue;
    named.add(String(row.person));
    examples.get(entry)!.add(String(row[entry[0]]));
  }
  const read = new Map<string, string>();
  for (const [entry, ids] of examples) {
    for (const [kept, address] of await peopleAsRead(db, [...ids], entry[1], entry[2])) read.set(kept, address);
  }
  const address = (kept: unknown) => read.get(String(kept)) ?? String(kept);
  const people = new Map<string, Tally>();
  for (const row of personRows) Object.assign(entryFor(people, address(row.person), tally), { submitted: num(row.submitted), championed: num(row.championed), credited: num(row.credited), launched: num(row.launched) });
  for (const row of thanksRows) entryFor(people, address(row.person), tally).thanked = num(row.thanked);

  const perSource = new Sql(db, range);
  const sourceRows = await perSource.rows(
    `SELECT source, sum(submitted) AS submitted, sum(launched) AS launched, sum(thanks) AS thanks FROM (
       SELECT source, count(*) AS submitted, 0 AS launched, 0 AS thanks FROM ${submissions(perSource)} AS subs WHERE ${perSource.inRange('subs.at')} GROUP BY source
       UNION ALL
       SELECT source, 0, count(*), 0 FROM journeys WHERE ended = 'launched' AND ${perSource.inRange('ended_at')} GROUP BY source
       UNION ALL
       SELECT thanks.source, 0, 0, count(*) FROM ${thanks(perSource)} AS thanks GROUP BY thanks.source
     ) AS counts GROUP BY source`,
  );
  const perMonth = new Sql(db, range);
  const monthRows = await perMonth.rows(
    `SELECT month, sum(launched) AS launched, sum(thanks) AS thanks, sum(people) AS people FROM (
       SELECT ${perMonth.month('ended_at')} AS month, count(*) AS launched, 0 AS thanks, 0 AS people FROM journeys WHERE ended = 'launched' AND ${perMonth.inRange('ended_at')} GROUP BY ${perMonth.month('ended_at')}
       UNION ALL
       SELECT ${perMonth.month('thanks.at')}, 0, count(*), count(DISTINCT thanks.person) FROM ${thanks(perMonth)} AS thanks GROUP BY ${perMonth.month('thanks.at')}
     ) AS counts GROUP BY month`,
  );
  // Names are sealed where the store is: read back through it from each person's latest thanks.
  const latest = new Sql(db, range);
  const latestRows = await latest.rows(
    `SELECT id, idea_id FROM (SELECT id, idea_id, row_number() OVER (PARTITION BY ${latest.field('person')} ORDER BY at DESC, idea_id DESC, seq DESC) AS latest
                              FROM events WHERE type = 'recognised' AND ${latest.field('person')} IS NOT NULL AND ${latest.known()}) AS thanks WHERE latest = 1`,
  );
  const ids = new Set(latestRows.map((row) => String(row.id)));
  const recognised = await eventsOfIdeas(db, [...new Set(latestRows.map((row) => String(row.idea_id)))], ['recognised'], range);
  return summarised(
    people,
    namesOf(readLog(recognised.filter((event) => ids.has(event.id)), range).events),
    [
      ...sourceRows.map((row) => ({ source: String(row.source), submitted: num(row.submitted), launched: num(row.launched), contributors: contributorsBySource.get(String(row.source))?.size ?? 0, thanks: num(row.thanks) })),
      // A source whose only contributions in the range are to ideas submitted before it.
      ...[...contributorsBySource].filter(([source]) => !sourceRows.some((row) => String(row.source) === source)).map(([source, people]) => ({ source, submitted: 0, launched: 0, contributors: people.size, thanks: 0 })),
    ],
    monthRows.map((row) => ({ month: String(row.month), launched: num(row.launched), thanks: num(row.thanks), people: num(row.people) })),
    contributors.size,
  );
}

function summarised(people: Map<string, Tally>, names: Map<string, string>, sources: SourceContributions[], months: MonthOfThanks[], contributors: number): Recognition {
  const contributions = (row: Tally) => row.submitted + row.championed + row.credited;
  const rows = [...people]
    .map(([person, row]) => ({ person, ...(names.has(person) ? { name: names.get(person)! } : {}), ...row }))
    .filter((row) => contributions(row) + row.launched + row.thanked > 0)
    .sort((a, b) => b.launched - a.launched || b.thanked - a.thanked || contributions(b) - contributions(a) || a.person.localeCompare(b.person));
  const bySource = sources.sort((a, b) => b.launched - a.launched || b.submitted - a.submitted || a.source.localeCompare(b.source));
  return {
    people: rows,
    sources: bySource,
    months: months.sort((a, b) => a.month.localeCompare(b.month)),
    total: { people: rows.length, contributors, launched: bySource.reduce((all, row) => all + row.launched, 0), thanks: bySource.reduce((all, row) => all + row.thanks, 0) },
  };
}

/** The recognition report, a pure function of the events: its result is a `Recognition`. */
export const recognitionReport: Report<Recognition> = {
  name: 'recognition',
  title: 'Recognition',
  description: 'Per person, per source and per month: ideas submitted, championed and credited, ideas launched, and the thanks given at launch.',
  run: recognition,
  query: recognitionInDatabase,
  tables: (result) => [
    {
      title: 'Contributions per person',
      columns: [column('person'), column('name'), column('submitted', 'count'), column('championed', 'count'), column('credited', 'count'), column('launched', 'count'), column('thanked', 'count')],
      rows: result.people.map((row) => [row.person, row.name, row.submitted, row.championed, row.credited, row.launched, row.thanked]),
      total: ['total', `${result.total.people} people`, undefined, undefined, undefined, result.total.launched, result.total.thanks],
    },
    {
      title: 'Contributions per source',
      columns: [column('source'), column('submitted', 'count'), column('launched', 'count'), column('contributors', 'count'), column('thanks', 'count')],
      rows: result.sources.map((row) => [row.source, row.submitted, row.launched, row.contributors, row.thanks]),
      total: ['total', result.sources.reduce((all, row) => all + row.submitted, 0), result.total.launched, result.total.contributors, result.total.thanks],
    },
    {
      title: 'Thanks per month',
      columns: [column('month'), column('launched', 'count'), column('thanks', 'count'), column('people thanked', 'count')],
      rows: result.months.map((row) => [row.month, row.launched, row.thanks, row.people]),
    },
  ],
};
