import type { StoredEvent } from '../store';
import type { Decision } from '../config/process';
import { endings, num, Sql, stepsInDatabase, submissions, type ReportDatabase } from './database';
import { ofType, readLog, stepKey, stepsInOrder, type StepRef } from './events';
import type { ReportRange } from './range';
import type { Report } from './report';
import { entryFor, ratio } from './statistics';
import { column } from './table';

export interface FunnelGate {
  gate: string;
  name: string;
  /** Ideas with at least one decision at this gate. */
  decided: number;
  /** Ideas whose last decision at this gate was go or conditional go. */
  passed: number;
  /** passed / decided; undefined when none was decided. */
  conversion?: number;
}

export interface FunnelStage {
  stage: string;
  name: string;
  /** Distinct ideas that entered the stage, however many times. */
  entered: number;
  /** The gate that closes the stage, when it has one. */
  gate?: FunnelGate;
}

export interface FunnelProcess {
  process: string;
  /** Ideas of this process submitted in the range: the cohort the rows count. */
  submitted: number;
  stages: FunnelStage[];
  launched: number;
  /** Ideas of the cohort merged into another idea as duplicates: not killed, counted apart. */
  merged: number;
}

export interface Funnel {
  processes: FunnelProcess[];
}

const GOING_ON: ReadonlySet<Decision> = new Set(['go', 'conditional-go']);

/**
 * The funnel: how far the ideas submitted in the range got, per process.
 *
 * - Counted by idea: the cohort is the ideas whose `submitted` event is in the range, followed
 *   through everything they did before `to` (the end of the range, or now).
 * - Stages of a process are listed in order of first appearance in its `stage_entered` events (of
 *   any idea, before `to`), so a stage no idea of the cohort reached shows 0.
 * - entered: distinct ideas of the cohort with a `stage_entered` for the stage; an idea that
 *   recycles or comes back counts once.
 * - Per gate: decided = ideas of the cohort with a `decided` event at the gate; passed = those whose
 *   last decision there was go or conditional go; conversion = passed / decided.
 * - launched: ideas of the cohort with a `launched` event; merged: those merged into another idea.
 */
export function funnel(events: readonly StoredEvent[], range: ReportRange): Funnel {
  const log = readLog(events, range);
  const counts = emptyFunnel(stepsInOrder(log, 'stages'), stepsInOrder(log, 'gates'));
  for (const idea of log.ideas.values()) {
    if (!idea.submitted || !log.inRange(idea.submitted)) continue;
    const process = counts.processFor(idea.process);
    process.submitted += 1;
    if (idea.end?.type === 'launched') process.launched += 1;
    if (idea.end?.type === 'merged') process.merged += 1;
    for (const stage of new Set(ofType(idea.events, 'stage_entered').map((event) => event.stage!))) {
      counts.stages.get(stepKey(idea.process, stage))!.entered += 1;
    }
    const lastDecision = new Map<string, Decision>();
    for (const decided of ofType(idea.events, 'decided')) lastDecision.set(decided.gate!, decided.detail.decision);
    for (const [gateId, decision] of lastDecision) {
      const gate = counts.gates.get(stepKey(idea.process, gateId));
      if (!gate) continue;
      gate.decided += 1;
      if (GOING_ON.has(decision)) gate.passed += 1;
    }
  }
  return counts.result();
}

export async function funnelInDatabase(db: ReportDatabase, range: ReportRange): Promise<Funnel> {
  const counts = emptyFunnel(await stepsInDatabase(db, range, 'stages'), await stepsInDatabase(db, range, 'gates'));
  const cohort = (sql: Sql) => `(SELECT subs.idea_id, subs.process, ends.type AS ended FROM ${submissions(sql)} AS subs LEFT JOIN ${endings(sql)} AS ends ON ends.idea_id = subs.idea_id WHERE ${sql.inRange('subs.at')})`;
  const ideas = new Sql(db, range);
  for (const row of await ideas.rows(`SELECT process, count(*) AS submitted, sum(CASE WHEN ended = 'launched' THEN 1 ELSE 0 END) AS launched, sum(CASE WHEN ended = 'merged' THEN 1 ELSE 0 END) AS merged FROM ${cohort(ideas)} AS cohort GROUP BY process`)) {
    const process = counts.processFor(String(row.process));
    process.submitted = num(row.submitted);
    process.launched = num(row.launched);
    process.merged = num(row.merged);
  }
  /** The cohort without its endings: idea_id, process. */
  const members = (sql: Sql) => `(SELECT idea_id, process FROM journeys WHERE submitted_at IS NOT NULL AND ${sql.known('submitted_')} AND ${sql.inRange('submitted_at')})`;
  const entered = new Sql(db, range);
  // Each milestone holds its journey's submission (store/rows.ts): the cohort's without a join. A journey's events all carry the process it started with.
  const enteredRows = await entered.rows(
    `SELECT m.process, m.stage, count(DISTINCT m.idea_id) AS ideas FROM milestones AS m
     WHERE m.type = 'stage_entered' AND m.stage IS NOT NULL AND ${entered.known('m.')} AND m.submitted_at IS NOT NULL AND ${entered.known('m.submitted_')} AND ${entered.inRange('m.submitted_at')}
     GROUP BY m.process, m.stage`,
  );
  for (const row of enteredRows) {
    // A stage first entered after its steps were read (a journey writing meanwhile) waits for the next report, as a gate does below.
    const stage = counts.stages.get(stepKey(String(row.process), String(row.stage)));
    if (stage) stage.entered = num(row.ideas);
  }
  const decided = new Sql(db, range);
  // Each round's latest decision from the gate rounds table (parameters bound in the order of the text: built where it is used); a round decided more than once, where the range ends, from its events (the latest may come after the end).
  const decisions = () => `(SELECT idea_id, gate, decided_at AS at, decided_seq AS seq, decision FROM gate_rounds WHERE decided_at IS NOT NULL${range.to ? ` AND decisions = 1 AND ${decided.known('decided_')}` : ''}
     UNION ALL
     SELECT e.idea_id, e.gate, e.at, e.seq, ${decided.field('decision', 'e.')} FROM events AS e
     WHERE e.type = 'decided' AND e.gate IS NOT NULL AND ${decided.known('e.')} AND (e.round IS NULL${range.to ? ` OR EXISTS (SELECT 1 FROM gate_rounds AS r WHERE r.idea_id = e.idea_id AND r.gate = e.gate AND r.round = e.round AND r.decisions > 1)` : ''}))`;
  // Known to the end of the log, and every decision of a round: the gate's last decision is its round decided last, marked on it (store/rows.ts).
  const everyDecisionInRounds = !range.to && (await new Sql(db, range).rows(`SELECT 1 AS found FROM events WHERE type = 'decided' AND gate IS NOT NULL AND round IS NULL LIMIT 1`)).length === 0;
  const decidedRows = everyDecisionInRounds
    ? await decided.rows(
        `SELECT r.process, r.gate, count(*) AS ideas, sum(CASE WHEN r.decision IN ('go', 'conditional-go') THEN 1 ELSE 0 END) AS passed
         FROM gate_rounds AS r
         WHERE r.last_decision = 1 AND r.submitted_at IS NOT NULL AND ${decided.inRange('r.submitted_at')}
         GROUP BY r.process, r.gate`,
      )
    : await decided.rows(
        `SELECT cohort.process, last.gate, count(*) AS ideas, sum(CASE WHEN last.decision IN ('go', 'conditional-go') THEN 1 ELSE 0 END) AS passed
         FROM ${members(decided)} AS cohort
         JOIN (SELECT idea_id, gate, decision, ROW_NUMBER() OVER (PARTITION BY idea_id, gate ORDER BY at DESC, seq DESC) AS n FROM ${decisions()} AS decisions) AS last ON last.idea_id = cohort.idea_id AND last.n = 1
         GROUP BY cohort.process, last.gate`,
      );
  for (const row of decidedRows) {
    const gate = counts.gates.get(stepKey(String(row.process), String(row.gate)));
    if (!gate) continue;
    gate.decided = num(row.ideas);
    gate.passed = num(row.passed);
  }
  return counts.result();
}

/** The funnel's rows, every stage and gate at 0, for the counts to fill in. */
function emptyFunnel(stageSteps: StepRef[], gateSteps: StepRef[]) {
  const processes = new Map<string, FunnelProcess>();
  const processFor = (id: string) => entryFor(processes, id, () => ({ process: id, submitted: 0, stages: [], launched: 0, merged: 0 }));
  const stages = new Map<string, FunnelStage>();
  const gates = new Map<string, FunnelGate>();
  for (const step of stageSteps) {
    const stage: FunnelStage = { stage: step.id, name: step.name, entered: 0 };
    processFor(step.process).stages.push(stage);
    stages.set(stepKey(step.process, step.id), stage);
  }
  for (const step of gateSteps) {
    const gate: FunnelGate = { gate: step.id, name: step.name, decided: 0, passed: 0 };
    const stage = stages.get(stepKey(step.process, step.stage ?? ''));
    if (stage) stage.gate = gate;
    gates.set(stepKey(step.process, step.id), gate);
  }
  const result = (): Funnel => {
    for (const gate of gates.values()) gate.conversion = ratio(gate.passed, gate.decided);
    return { processes: [...processes.values()].filter((process) => process.submitted > 0) };
  };
  return { processFor, stages, gates, result };
}

/** The funnel report, a pure function of the events: its result is a `Funnel`. */
export const funnelReport: Report<Funnel> = {
  name: 'funnel',
  title: 'Funnel',
  description: 'How far the ideas submitted in the period got: ideas per stage, and the share passing each gate.',
  run: funnel,
  query: funnelInDatabase,
  tables: (result) => [
    {
      title: 'Ideas per stage and gate',
      columns: [column('process'), column('stage'), column('entered', 'count'), column('gate'), column('decided', 'count'), column('passed', 'count'), column('conversion', 'ratio')],
      rows: result.processes.flatMap((process) =>
        process.stages.map((stage) => [process.process, stage.name, stage.entered, stage.gate?.name, stage.gate?.decided, stage.gate?.passed, stage.gate?.conversion]),
      ),
    },
    {
      title: 'Ideas per process',
      columns: [column('process'), column('submitted', 'count'), column('launched', 'count'), column('merged', 'count')],
      rows: result.processes.map((process) => [process.process, process.submitted, process.launched, process.merged]),
    },
  ],
};
