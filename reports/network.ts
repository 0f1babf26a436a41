import type { StoredEvent } from '../store';
import type { ReportRange } from './range';
import { column, type ReportTable } from './table';

/** One member of an innovation network, as the network report compares it. */
export interface MemberComparison {
  member: string;
  name: string;
  /** Its own ideas submitted in the range. */
  ideas: number;
  /** Share of those ideas whose first gate decided go or conditional go; undefined without ideas. */
  passedFirstGate?: number;
  /** Share of those ideas launched. */
  launched?: number;
  /** Median time from submission to launch of those launched, in ms. */
  cycleTimeMedianMs?: number;
  /** Network ideas submitted in the range that its people are in: submitted, asked to review, or voted on. */
  sharedProjects: number;
  /** Votes its people cast on network gates in the range. */
  networkVotes: number;
}

export interface NetworkComparison {
  members: MemberComparison[];
}

const GOING_ON = new Set(['go', 'conditional-go']);

const inRange = (range: ReportRange) => (at: string) => (!range.from || at >= range.from) && (!range.to || at < range.to);

/**
 * The network report: each member's own ideas (from its own events store) beside what its people
 * do in the network's (from the network's store). Members are compared, never mixed: no row
 * counts another member's ideas.
 */
export function compareMembers(members: { id: string; name: string; events: readonly StoredEvent[]; people: readonly string[] }[], networkEvents: readonly StoredEvent[], range: ReportRange): NetworkComparison {
  const within = inRange(range);
  const networkIdeas = new Set(networkEvents.filter((event) => event.type === 'submitted' && within(event.at)).map((event) => event.ideaId));
  return {
    members: members.map((member) => {
      const submitted = new Map(member.events.filter((event) => event.type === 'submitted' && within(event.at)).map((event) => [event.ideaId, event.at]));
      const firstDecision = new Map<string, string>();
      const launchedAt = new Map<string, string>();
      for (const event of member.events) {
        if (!submitted.has(event.ideaId)) continue;
        if (event.type === 'decided' && !firstDecision.has(event.ideaId)) firstDecision.set(event.ideaId, String((event.detail as { decision?: string }).decision));
        if (event.type === 'launched') launchedAt.set(event.ideaId, event.at);
      }
      const ideas = submitted.size;
      const share = (count: number) => (ideas ? count / ideas : undefined);
      const cycles = [...launchedAt].map(([ideaId, at]) => Date.parse(at) - Date.parse(submitted.get(ideaId)!)).sort((a, b) => a - b);
      const people = new Set(member.people);
      const theirs = (event: StoredEvent) =>
        (event.actor !== undefined && people.has(event.actor)) || (event.type === 'gate_opened' && ((event.detail as { reviewers?: string[] }).reviewers ?? []).some((reviewer) => people.has(reviewer)));
      const projects = new Set(networkEvents.filter((event) => networkIdeas.has(event.ideaId) && theirs(event)).map((event) => event.ideaId));
      return {
        member: member.id,
        name: member.name,
        ideas,
        ...(ideas ? { passedFirstGate: share([...firstDecision.values()].filter((decision) => GOING_ON.has(decision)).length), launched: share(launchedAt.size) } : {}),
        ...(cycles.length ? { cycleTimeMedianMs: cycles[Math.floor((cycles.length - 1) / 2)] } : {}),
        sharedProjects: projects.size,
        networkVotes: networkEvents.filter((event) => event.type === 'vote_cast' && within(event.at) && event.actor !== undefined && people.has(event.actor)).length,
      };
    }),
  };
}

/** The comparison as a table, for the CLI. */
export function networkTable(comparison: NetworkComparison): ReportTable {
  return {
    title: 'Members compared',
    columns: [column('member'), column('ideas', 'count'), column('passedFirstGate', 'ratio'), column('launched', 'ratio'), column('cycleTimeMedianMs', 'duration'), column('sharedProjects', 'count'), column('networkVotes', 'count')],
    rows: comparison.members.map((member) => [member.member, member.ideas, member.passedFirstGate, member.launched, member.cycleTimeMedianMs, member.sharedProjects, member.networkVotes]),
  };
}
