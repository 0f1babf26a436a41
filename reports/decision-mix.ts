import type { StoredEvent } from '../store';
import { DECISIONS, type Decision } from '../config/process';
import type { DecidedBy } from '../workflows/state';
import { num, Sql, stepsInDatabase, type ReportDatabase } from './database';
import { ofType, readLog, stepKey, stepsInOrder, type StepRef } from './events';
import type { ReportRange } from './range';
import { NO_CONTEXT, type Report, type ReportContext } from './report';
import { entryFor } from './statistics';
import { column } from './table';

export const DECIDERS = ['reviewers', 'authority', 'admin', 'deadline'] as const satisfies readonly DecidedBy[];

/** Under which authority each kind of decision is taken, as the report's table says it. */
export const DECIDER_WORDS: Record<DecidedBy, string> = { reviewers: 'committee', authority: 'delegated authority', admin: 'admin override', deadline: 'deadline' };

export interface DecisionCounts {
  counts: Record<Decision, number>;
  total: number;
}

export interface DecisionMix {
  gates: (DecisionCounts & { process: string; gate: string; name: string })[];
  overall: DecisionCounts;
  /** Under which authority: the committee's votes (reviewers), one holder's delegated authority, an admin (or escalation contact) overriding, or the deadline's rule. */
  byDecider: (DecisionCounts & { decidedBy: DecidedBy })[];
  /**
   * The decisions taken under delegated authority by where the authority came from: a person's own
   * (`person`) or a role's (`role:<role>`), in order of each one's first. Not per holder: a report
   * names nobody, so the same SQL serves a sealed store, whose people are pseudonyms.
   */
  byAuthority: (DecisionCounts & { source: string })[];
  /** What a decision is called in a process whose template names it (a discovery track's pivot for recycle), for the processes with gates here; absent when none does. */
  labels?: { process: string; decision: Decision; label: string }[];
}

/**
 * Decision mix: how gates decide.
 *
 * Counted by event time: every `decided` event in the range (one per gate round, so an idea
 * recycled or held at a gate counts once per round), by decision (go, conditional go, kill,
 * hold, recycle), per gate, overall, by who decided (the committee, delegated authority, an admin
 * override, the deadline), and per holder of delegated authority.
 */
export function decisionMix(events: readonly StoredEvent[], range: ReportRange, context: ReportContext = NO_CONTEXT): DecisionMix {
  const log = readLog(events, range);
  const gates = new Map<string, DecisionCounts>();
  const deciders = new Map<DecidedBy, DecisionCounts>(DECIDERS.map((decidedBy) => [decidedBy, noDecisions()]));
  const overall = noDecisions();
  const sources = new Map<string, SourceCounts>();
  for (const decided of ofType(log.events, 'decided').filter(log.inRange)) {
    const { decision, decidedBy, authority } = decided.detail;
    const holder = authority ? [entryFor(sources, authority.source, () => ({ source: authority.source, ...noDecisions() }))] : [];
    for (const counts of [entryFor(gates, stepKey(decided.process, decided.gate!), noDecisions), entryFor(deciders, decidedBy, noDecisions), overall, ...holder]) {
      counts.counts[decision] += 1;
      counts.total += 1;
    }
  }
  return mix(stepsInOrder(log, 'gates'), gates, deciders, overall, [...sources.values()], context);
}

export async function decisionMixInDatabase(db: ReportDatabase, range: ReportRange, context: ReportContext = NO_CONTEXT): Promise<DecisionMix> {
  const sql = new Sql(db, range);
  const rows = await sql.rows(
    `SELECT process, gate, decision, decided_by, count(*) AS decisions, min(at) AS first
     FROM decisions WHERE ${sql.inRange()} GROUP BY process, gate, decision, decided_by ORDER BY first`,
  );
  const gates = new Map<string, DecisionCounts>();
  const deciders = new Map<DecidedBy, DecisionCounts>(DECIDERS.map((decidedBy) => [decidedBy, noDecisions()]));
  const overall = noDecisions();
  for (const row of rows) {
    const decision = row.decision as Decision;
    const decisions = num(row.decisions);
    for (const counts of [entryFor(gates, stepKey(String(row.process), String(row.gate)), noDecisions), entryFor(deciders, (row.decided_by ?? undefined) as DecidedBy, noDecisions), overall]) {
      counts.counts[decision] += decisions;
      counts.total += decisions;
    }
  }
  const bySource = new Sql(db, range);
  const authorityRows = await bySource.rows(
    `SELECT authority_source AS source, decision, count(*) AS decisions, min(at) AS first
     FROM decisions WHERE authority_source IS NOT NULL AND ${bySource.inRange()} GROUP BY authority_source, decision ORDER BY first`,
  );
  const sources = new Map<string, SourceCounts>();
  for (const row of authorityRows) {
    const counts = entryFor(sources, String(row.source), () => ({ source: String(row.source), ...noDecisions() }));
    counts.counts[row.decision as Decision] += num(row.decisions);
    counts.total += num(row.decisions);
  }
  return mix(await stepsInDatabase(db, range, 'gates'), gates, deciders, overall, [...sources.values()], context);
}

type SourceCounts = DecisionMix['byAuthority'][number];

function mix(steps: StepRef[], gates: Map<string, DecisionCounts>, deciders: Map<DecidedBy, DecisionCounts>, overall: DecisionCounts, byAuthority: SourceCounts[], context: ReportContext): DecisionMix {
  const decided = steps.flatMap((step) => {
    const counts = gates.get(stepKey(step.process, step.id));
    return counts ? [{ process: step.process, gate: step.id, name: step.name, ...counts }] : [];
  });
  const labels = [...new Set(decided.map((row) => row.process))].flatMap((process) =>
    DECISIONS.flatMap((decision) => {
      const label = context.decisionLabels?.[process]?.[decision];
      return label ? [{ process, decision, label }] : [];
    }),
  );
  return {
    gates: decided,
    overall,
    byDecider: [...deciders].map(([decidedBy, counts]) => ({ decidedBy, ...counts })),
    byAuthority,
    ...(labels.length ? { labels } : {}),
  };
}

function noDecisions(): DecisionCounts {
  return { counts: Object.fromEntries(DECISIONS.map((decision) => [decision, 0])) as Record<Decision, number>, total: 0 };
}

const countColumns = [...DECISIONS.map((decision) => column(decision, 'count')), column('total', 'count')];
const countCells = (row: DecisionCounts) => [...DECISIONS.map((decision) => row.counts[decision]), row.total];

/** The decisionMix report, a pure function of the events: its result is a `DecisionMix`. */
export const decisionMixReport: Report<DecisionMix> = {
  name: 'decision-mix',
  title: 'Decision mix',
  description: 'How many go, conditional go, kill, hold and recycle decisions each gate made, and under which authority: the committee, delegated authority, an admin override or the deadline.',
  run: decisionMix,
  query: decisionMixInDatabase,
  tables: (result) => [
    {
      title: 'Decisions per gate',
      columns: [column('process'), column('gate'), ...countColumns],
      rows: result.gates.map((row) => [row.process, row.name, ...countCells(row)]),
      total: ['all gates', '', ...countCells(result.overall)],
    },
    {
      title: 'Decisions by who decided',
      columns: [column('decided by'), column('authority'), ...countColumns],
      rows: result.byDecider.map((row) => [row.decidedBy, DECIDER_WORDS[row.decidedBy], ...countCells(row)]),
    },
    ...(result.byAuthority.length
      ? [{ title: 'Decisions under delegated authority', columns: [column('authority'), ...countColumns], rows: result.byAuthority.map((row) => [row.source, ...countCells(row)]) }]
      : []),
    ...(result.labels
      ? [{ title: "Decisions in the processes' own words", columns: [column('process'), column('decision'), column('called')], rows: result.labels.map((row) => [row.process, row.decision, row.label]) }]
      : []),
  ],
};
