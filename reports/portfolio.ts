import { goalPeriod } from '../config/goals';
import type { StoredEvent } from '../store';
import { SEALED } from '../codec/sealed-store';
import { eventFromRow, type EventRow } from '../store/rows';
import { eventsOfIdeas, iso, num, Sql, type ReportDatabase } from './database';
import { ENDINGS, readLog, type Ending, type IdeaJourney } from './events';
import type { ReportRange } from './range';
import { NO_CONTEXT, type Report, type ReportContext } from './report';
import { entryFor, sum } from './statistics';
import { column } from './table';

/** Ideas, estimated cost and benefit of one strategic goal. */
export interface GoalRow {
  /** The goal's id as ideas claim it; absent for the ideas that claim none. */
  goal?: string;
  /** Its name in the settings; absent for a goal the settings do not list (claimed before goals were set). */
  name?: string;
  ideas: number;
  /** Of them, still under way at the end of the range. */
  underWay: number;
  launched: number;
  /** Sums of the ideas' estimates; an idea without one adds nothing. */
  estimatedCost: number;
  estimatedBenefit: number;
}

/** Ideas, estimated cost and benefit at one place in a process: a stage still under way, or how the journey ended. */
export interface StageRow {
  process: string;
  /** The stage's id, or the ending (launched, killed, withdrawn). */
  stage: string;
  /** The stage's name, or the ending. */
  name: string;
  ended?: Ending;
  ideas: number;
  estimatedCost: number;
  estimatedBenefit: number;
}

export interface Portfolio {
  /** The settings' goals in their order, then goals claimed that the settings do not list, then ideas that claim none. */
  goals: GoalRow[];
  /** By process, stages in the order ideas first reached them, the endings last. */
  stages: StageRow[];
  /** The settings' goals no idea of the range claims, with their active period. */
  goalsWithoutIdeas: { goal: string; name: string; period: string }[];
  /** Each idea once, however many goals it claims. */
  total: { ideas: number; estimatedCost: number; estimatedBenefit: number };
}

interface Estimates {
  strategicGoals?: string[];
  estimatedCost?: number;
  estimatedBenefit?: number;
}

/**
 * The portfolio: where the effort goes, by strategic goal and by stage.
 *
 * Counted by idea: the ideas whose `submitted` event is in the range, with the goals and estimates
 * given at submission. An idea counts under every goal it claims (so goal rows may add up to more
 * than the total), and where it stands at the end of the range: the stage it last entered, or how
 * its journey ended. Goals without ideas are the settings' goals no such idea claims.
 */
export function portfolio(events: readonly StoredEvent[], range: ReportRange, context: ReportContext = NO_CONTEXT): Portfolio {
  const log = readLog(events, range);
  const submitted = [...log.ideas.values()].filter((idea) => idea.submitted && log.inRange(idea.submitted));
  const byGoal = new Map<string | undefined, GoalRow>(context.goals.map((goal) => [goal.id, { goal: goal.id, name: goal.name, ideas: 0, underWay: 0, launched: 0, estimatedCost: 0, estimatedBenefit: 0 }]));
  const byStage = new Map<string, StageRow>();
  const steps: StageRow[] = [];
  const endings: StageRow[] = [];
  for (const idea of submitted) {
    const detail = idea.submitted!.detail as Estimates;
    const cost = detail.estimatedCost ?? 0;
    const benefit = detail.estimatedBenefit ?? 0;
    const claimed = [...new Set(detail.strategicGoals ?? [])];
    for (const goal of claimed.length ? claimed : [undefined]) {
      const row = entryFor(byGoal, goal, () => ({ ...(goal === undefined ? {} : { goal }), ideas: 0, underWay: 0, launched: 0, estimatedCost: 0, estimatedBenefit: 0 }));
      row.ideas += 1;
      if (!idea.end) row.underWay += 1;
      if (idea.end?.type === 'launched') row.launched += 1;
      row.estimatedCost += cost;
      row.estimatedBenefit += benefit;
    }
    const place = where(idea);
    // An ending is kept apart from a stage that happens to share its id.
    const row = entryFor(byStage, `${idea.process}/${place.ended ? 'ended' : 'stage'}/${place.stage}`, () => {
      const created: StageRow = { process: idea.process, ...place, ideas: 0, estimatedCost: 0, estimatedBenefit: 0 };
      (place.ended ? endings : steps).push(created);
      return created;
    });
    row.ideas += 1;
    row.estimatedCost += cost;
    row.estimatedBenefit += benefit;
  }
  const listed = new Set(context.goals.map((goal) => goal.id));
  const goals = [...byGoal.values()];
  const ordered = [...goals.filter((row) => row.goal !== undefined && listed.has(row.goal)), ...goals.filter((row) => row.goal !== undefined && !listed.has(row.goal)).sort((a, b) => a.goal!.localeCompare(b.goal!)), ...goals.filter((row) => row.goal === undefined)];
  const processes = [...new Set([...steps, ...endings].map((row) => row.process))];
  return {
    goals: ordered,
    stages: processes.flatMap((process) => [...steps.filter((row) => row.process === process), ...ENDINGS.flatMap((ending) => endings.filter((row) => row.process === process && row.ended === ending))]),
    goalsWithoutIdeas: context.goals.filter((goal) => byGoal.get(goal.id)!.ideas === 0).map((goal) => ({ goal: goal.id, name: goal.name, period: goalPeriod(goal) })),
    total: {
      ideas: submitted.length,
      estimatedCost: sum(submitted.map((idea) => (idea.submitted!.detail as Estimates).estimatedCost ?? 0)),
      estimatedBenefit: sum(submitted.map((idea) => (idea.submitted!.detail as Estimates).estimatedBenefit ?? 0)),
    },
  };
}

/** Where an idea stood at the end of the range: how it ended, or the stage it last entered (its first stage, just submitted). */
function where(idea: IdeaJourney): Pick<StageRow, 'stage' | 'name' | 'ended'> {
  if (idea.end) return { stage: idea.end.type, name: idea.end.type, ended: idea.end.type };
  const entered = [...idea.events].reverse().find((event) => event.type === 'stage_entered');
  if (entered) return { stage: entered.stage!, name: (entered.detail as { name?: string }).name ?? entered.stage! };
  const stage = idea.submitted!.stage ?? 'idea';
  return { stage, name: stage };
}

/**
 * The ideas submitted in the range found in SQL in one query, each with its submission, the last
 * `stage_entered` known at the end of the range (stage and name are readable) and its ending from
 * the journeys table. A submission is read back through the store only where its detail is sealed
 * (goals are): a plain store's rows are the events as the store reads them. The portfolio's function
 * then runs over those few events an idea, which place it as all of its events would.
 */
export async function portfolioInDatabase(db: ReportDatabase, range: ReportRange, context: ReportContext = NO_CONTEXT): Promise<Portfolio> {
  const sql = new Sql(db, range);
  // The last stage entered, for an idea not ended by the end of the range (an ending places it): its latest stage_entered milestone known then.
  const rows = await sql.rows(
    `SELECT e.id, e.idea_id, e.seq, e.type, e.at, e.process, e.process_version, e.source, e.stage, e.gate, e.round, e.actor, e.detail,
            CASE WHEN subs.ended_at IS NOT NULL AND ${sql.known('subs.ended_')} THEN subs.ended END AS ended, subs.ended_at, subs.ended_seq, last.id AS last_id, last.seq AS last_seq, last.at AS last_at, last.stage AS last_stage, last.name AS last_name
     FROM journeys AS subs
     JOIN events AS e ON e.idea_id = subs.idea_id AND e.seq = subs.submitted_seq AND e.at = subs.submitted_at AND e.type = 'submitted'
     LEFT JOIN milestones AS last ON NOT (subs.ended_at IS NOT NULL AND ${sql.known('subs.ended_')}) AND last.id = (SELECT m.id FROM milestones AS m WHERE m.idea_id = subs.idea_id AND m.type = 'stage_entered' AND ${sql.known('m.')} ORDER BY m.at DESC, m.seq DESC LIMIT 1)
     WHERE subs.submitted_at IS NOT NULL AND ${sql.known('subs.submitted_')} AND ${sql.inRange('subs.submitted_at')}`,
  );
  const plain = rows.map((row) => eventFromRow(row as unknown as EventRow)).filter((event) => typeof event.detail[SEALED] !== 'string');
  const plainIdeas = new Set(plain.map((event) => event.ideaId));
  const sealed = await eventsOfIdeas(db, [...new Set(rows.map((row) => String(row.idea_id)).filter((ideaId) => !plainIdeas.has(ideaId)))], ['submitted'], range);
  const byIdea = new Map([...plain, ...sealed].map((event) => [event.ideaId, event]));
  const like = (ideaId: string, fields: Pick<StoredEvent, 'id' | 'seq' | 'type' | 'at'> & Partial<StoredEvent>): StoredEvent[] => {
    const submission = byIdea.get(ideaId);
    return submission ? [{ ideaId, process: submission.process, processVersion: submission.processVersion, source: submission.source, detail: {}, ...fields }] : [];
  };
  const events = [
    ...plain,
    ...sealed,
    ...rows.flatMap((row) =>
      row.last_id === null || row.last_id === undefined
        ? []
        : like(String(row.idea_id), {
            id: String(row.last_id),
            seq: num(row.last_seq),
            type: 'stage_entered',
            at: iso(row.last_at),
            ...(row.last_stage === null ? {} : { stage: String(row.last_stage) }),
            detail: row.last_name === null || row.last_name === undefined ? {} : { name: String(row.last_name) },
          }),
    ),
    ...rows.flatMap((row) => (row.ended !== null && row.ended !== undefined ? like(String(row.idea_id), { id: `${String(row.idea_id)}:ended`, seq: num(row.ended_seq), type: String(row.ended) as Ending, at: iso(row.ended_at) }) : [])),
  ];
  return portfolio(events, range, context);
}

/** The portfolio report: its result is a `Portfolio`. */
export const portfolioReport: Report<Portfolio> = {
  name: 'portfolio',
  title: 'Portfolio by strategic goal and stage',
  description: 'The ideas submitted in the period and their estimated cost and benefit, by strategic goal and by where they stand, and the goals no idea serves.',
  run: portfolio,
  query: portfolioInDatabase,
  tables: (result) => [
    {
      title: 'By strategic goal',
      columns: [column('goal'), column('name'), column('ideas', 'count'), column('under way', 'count'), column('launched', 'count'), column('estimated cost', 'amount'), column('estimated benefit', 'amount')],
      rows: result.goals.map((row) => [row.goal ?? '(no goal)', row.name, row.ideas, row.underWay, row.launched, row.estimatedCost, row.estimatedBenefit]),
      total: ['total', 'each idea once', result.total.ideas, undefined, undefined, result.total.estimatedCost, result.total.estimatedBenefit],
    },
    {
      title: 'By stage',
      columns: [column('process'), column('stage'), column('ideas', 'count'), column('estimated cost', 'amount'), column('estimated benefit', 'amount')],
      rows: result.stages.map((row) => [row.process, row.name, row.ideas, row.estimatedCost, row.estimatedBenefit]),
      total: ['total', undefined, result.total.ideas, result.total.estimatedCost, result.total.estimatedBenefit],
    },
    {
      title: 'Goals with no ideas',
      columns: [column('goal'), column('name'), column('active')],
      rows: result.goalsWithoutIdeas.map((row) => [row.goal, row.name, row.period]),
    },
  ],
};
