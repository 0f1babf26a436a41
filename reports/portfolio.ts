import { goalPeriod } from '../config/goals';
import type { StoredEvent } from '../store';
import { SEALED } from '../codec/sealed-store';
import { eventsOfIdeas, iso, num, Sql, type ReportDatabase } from './database';
import { ENDINGS, readLog, type Ending } from './events';
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

/** Ideas counted together under one goal. */
type Claim = Omit<GoalRow, 'name'>;

/** Ideas counted together at one place, and the first of them in the log's order of ideas (the time of its first event, then its id). */
interface Placed extends Omit<StageRow, 'name'> {
  name: string;
  first: { time: number; ideaId: string };
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
  const counted = submitted.map((idea) => {
    const entered = [...idea.events].reverse().find((event) => event.type === 'stage_entered');
    const place = where(idea.end?.type, entered && { stage: entered.stage, name: (entered.detail as { name?: string }).name }, idea.submitted!.stage);
    return counting(idea.submitted!.detail, { process: idea.process, ...place, ended: idea.end?.type, first: { time: Date.parse(idea.events[0]!.at), ideaId: idea.ideaId } });
  });
  return portfolioOf(
    counted.flatMap((idea) => idea.claims),
    counted.map((idea) => idea.placed),
    context,
  );
}

/** Where an idea stood at the end of the range: how it ended, or the stage it last entered (its first stage, just submitted). */
function where(ended: Ending | undefined, entered: { stage?: string; name?: string } | undefined, submittedIn: string | undefined): Pick<StageRow, 'stage' | 'name'> {
  if (ended) return { stage: ended, name: ended };
  if (entered) return { stage: entered.stage!, name: entered.name ?? entered.stage! };
  const stage = submittedIn ?? 'idea';
  return { stage, name: stage };
}

/** One idea as the portfolio counts it: under each goal its submission claims (once however often it claims it), and at its place. */
function counting(submission: Estimates, idea: Omit<Placed, 'ideas' | 'estimatedCost' | 'estimatedBenefit'>): { claims: Claim[]; placed: Placed } {
  const estimates = { estimatedCost: submission.estimatedCost ?? 0, estimatedBenefit: submission.estimatedBenefit ?? 0 };
  const claimed = [...new Set(submission.strategicGoals ?? [])];
  const tally = { ideas: 1, underWay: idea.ended ? 0 : 1, launched: idea.ended === 'launched' ? 1 : 0, ...estimates };
  return { claims: (claimed.length ? claimed : [undefined]).map((goal) => ({ ...(goal === undefined ? {} : { goal }), ...tally })), placed: { ...idea, ideas: 1, ...estimates } };
}

/** The portfolio of ideas counted by goal and by place, alone or already added up in groups. */
function portfolioOf(claims: readonly Claim[], places: readonly Placed[], context: ReportContext): Portfolio {
  const byGoal = new Map<string | undefined, GoalRow>(context.goals.map((goal) => [goal.id, { goal: goal.id, name: goal.name, ideas: 0, underWay: 0, launched: 0, estimatedCost: 0, estimatedBenefit: 0 }]));
  for (const claim of claims) {
    const row = entryFor(byGoal, claim.goal, () => ({ ...(claim.goal === undefined ? {} : { goal: claim.goal }), ideas: 0, underWay: 0, launched: 0, estimatedCost: 0, estimatedBenefit: 0 }));
    row.ideas += claim.ideas;
    row.underWay += claim.underWay;
    row.launched += claim.launched;
    row.estimatedCost += claim.estimatedCost;
    row.estimatedBenefit += claim.estimatedBenefit;
  }
  // A place's row is made by the first idea there, in the log's order, which also names it.
  const inOrder = [...places].sort((a, b) => a.first.time - b.first.time || a.first.ideaId.localeCompare(b.first.ideaId));
  const byStage = new Map<string, StageRow>();
  const steps: StageRow[] = [];
  const endings: StageRow[] = [];
  for (const placed of inOrder) {
    // An ending is kept apart from a stage that happens to share its id.
    const row = entryFor(byStage, `${placed.process}/${placed.ended ? 'ended' : 'stage'}/${placed.stage}`, () => {
      const created: StageRow = { process: placed.process, stage: placed.stage, name: placed.name, ...(placed.ended ? { ended: placed.ended } : {}), ideas: 0, estimatedCost: 0, estimatedBenefit: 0 };
      (placed.ended ? endings : steps).push(created);
      return created;
    });
    row.ideas += placed.ideas;
    row.estimatedCost += placed.estimatedCost;
    row.estimatedBenefit += placed.estimatedBenefit;
  }
  const listed = new Set(context.goals.map((goal) => goal.id));
  const goals = [...byGoal.values()];
  const ordered = [...goals.filter((row) => row.goal !== undefined && listed.has(row.goal)), ...goals.filter((row) => row.goal !== undefined && !listed.has(row.goal)).sort((a, b) => a.goal!.localeCompare(b.goal!)), ...goals.filter((row) => row.goal === undefined)];
  const processes = [...new Set([...steps, ...endings].map((row) => row.process))];
  return {
    goals: ordered,
    stages: processes.flatMap((process) => [...steps.filter((row) => row.process === process), ...ENDINGS.flatMap((ending) => endings.filter((row) => row.process === process && row.ended === ending))]),
    goalsWithoutIdeas: context.goals.filter((goal) => byGoal.get(goal.id)!.ideas === 0).map((goal) => ({ goal: goal.id, name: goal.name, period: goalPeriod(goal) })),
    total: { ideas: sum(inOrder.map((placed) => placed.ideas)), estimatedCost: sum(inOrder.map((placed) => placed.estimatedCost)), estimatedBenefit: sum(inOrder.map((placed) => placed.estimatedBenefit)) },
  };
}

/**
 * The portfolio in the database: the ideas submitted in the range (journeys table), each with its
 * submission's estimates and goals, its ending, the last `stage_entered` known at the end of the
 * range (milestones table) and its first event, added up by goal and by place in SQL. A sealed
 * submission keeps its goals in the sealed part: those ideas come back one row each, their
 * submissions read back through the store, and are counted by the same rules.
 */
export async function portfolioInDatabase(db: ReportDatabase, range: ReportRange, context: ReportContext = NO_CONTEXT): Promise<Portfolio> {
  const sql = new Sql(db, range);
  // Made where they stand in the query: each binds its parameters in the order the text holds them.
  const ended = () => `CASE WHEN subs.ended_at IS NOT NULL AND ${sql.known('subs.ended_')} THEN subs.ended END`;
  // The latest stage_entered known then, for an idea not ended by the end of the range (an ending places it).
  const lastEntered = () => `SELECT m.id FROM milestones AS m WHERE m.idea_id = subs.idea_id AND m.type = 'stage_entered' AND ${sql.known('m.')} ORDER BY m.at DESC, m.seq DESC LIMIT 1`;
  const ideas = `SELECT subs.idea_id, e.id, e.process, e.detail, ${sql.isText(SEALED, 'e.')} AS sealed, ${sql.amount('estimatedCost', 'e.')} AS cost, ${sql.amount('estimatedBenefit', 'e.')} AS benefit, subs.known_end AS ended,
           CASE WHEN subs.known_end IS NOT NULL THEN subs.known_end WHEN last.id IS NOT NULL THEN last.stage ELSE COALESCE(e.stage, 'idea') END AS stage,
           CASE WHEN subs.known_end IS NOT NULL THEN subs.known_end WHEN last.id IS NOT NULL THEN COALESCE(last.name, last.stage) ELSE COALESCE(e.stage, 'idea') END AS name,
           (SELECT min(first.at) FROM events AS first WHERE first.idea_id = subs.idea_id) AS first_at
    FROM (SELECT *, ${ended()} AS known_end FROM journeys AS subs WHERE subs.submitted_at IS NOT NULL AND ${sql.known('subs.submitted_')} AND ${sql.inRange('subs.submitted_at')}) AS subs
    JOIN events AS e ON e.idea_id = subs.idea_id AND e.seq = subs.submitted_seq AND e.at = subs.submitted_at AND e.type = 'submitted'
    LEFT JOIN milestones AS last ON subs.known_end IS NULL AND last.id = (${lastEntered()})`;
  const rows = await sql.rows(
    `WITH ideas AS MATERIALIZED (${ideas}),
     placed AS (SELECT idea_id, process, ended, stage, name, cost, benefit, first_at, min(first_at) OVER (PARTITION BY process, ended, stage, name) AS place_first FROM ideas WHERE sealed = 0)
     SELECT 'goal' AS kind, claims.goal, NULL AS id, NULL AS process, NULL AS ended, NULL AS stage, NULL AS name, count(*) AS ideas,
            sum(CASE WHEN ended IS NULL THEN 1 ELSE 0 END) AS under_way, sum(CASE WHEN ended = 'launched' THEN 1 ELSE 0 END) AS launched, sum(cost) AS cost, sum(benefit) AS benefit, NULL AS first_at, NULL AS firsts
     FROM ideas LEFT JOIN (SELECT DISTINCT ideas.idea_id, goals.value AS goal FROM ideas, ${sql.arrayElements('strategicGoals', 'ideas', 'goals')} WHERE ideas.sealed = 0) AS claims ON claims.idea_id = ideas.idea_id
     WHERE ideas.sealed = 0 GROUP BY claims.goal
     UNION ALL
     SELECT 'place', NULL, NULL, process, ended, stage, name, count(*), NULL, NULL, sum(cost), sum(benefit), min(first_at), ${sql.list('CASE WHEN first_at = place_first THEN idea_id END')}
     FROM placed GROUP BY process, ended, stage, name
     UNION ALL
     SELECT 'sealed', NULL, id, process, ended, stage, name, 1, NULL, NULL, NULL, NULL, first_at, idea_id FROM ideas WHERE sealed = 1`,
  );
  // A sealed idea's row is a place of one idea: `firsts` is its id. A stage_entered without a stage places it at none, as in the log's function.
  const placed = (row: Record<string, unknown>, estimates: Pick<Placed, 'estimatedCost' | 'estimatedBenefit'>): Placed => ({
    process: String(row.process),
    stage: row.stage === null ? (undefined as unknown as string) : String(row.stage),
    name: row.name === null ? (undefined as unknown as string) : String(row.name),
    ...(row.ended === null ? {} : { ended: String(row.ended) as Ending }),
    ideas: num(row.ideas),
    ...estimates,
    first: { time: Date.parse(iso(row.first_at)), ideaId: String(row.firsts).split(',').sort((a, b) => a.localeCompare(b))[0]! },
  });
  const claims: Claim[] = rows
    .filter((row) => row.kind === 'goal')
    .map((row) => ({ ...(row.goal === null ? {} : { goal: String(row.goal) }), ideas: num(row.ideas), underWay: num(row.under_way), launched: num(row.launched), estimatedCost: num(row.cost), estimatedBenefit: num(row.benefit) }));
  const places = rows.filter((row) => row.kind === 'place').map((row) => placed(row, { estimatedCost: num(row.cost), estimatedBenefit: num(row.benefit) }));
  const sealed = rows.filter((row) => row.kind === 'sealed');
  const submissions = new Map((await eventsOfIdeas(db, sealed.map((row) => String(row.firsts)), ['submitted'], range)).map((event) => [event.id, event.detail as Estimates]));
  for (const row of sealed) {
    const idea = counting(submissions.get(String(row.id)) ?? {}, placed(row, { estimatedCost: 0, estimatedBenefit: 0 }));
    claims.push(...idea.claims);
    places.push(idea.placed);
  }
  return portfolioOf(claims, places, context);
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
