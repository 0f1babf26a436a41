import type { StoredEvent } from '../store';
import type { Decision } from '../config/process';
import { ofType, readLog, stepKey, stepsInOrder } from './events';
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
 * - launched: ideas of the cohort with a `launched` event.
 */
export function funnel(events: readonly StoredEvent[], range: ReportRange): Funnel {
  const log = readLog(events, range);
  const processes = new Map<string, FunnelProcess>();
  const processFor = (id: string) => entryFor(processes, id, () => ({ process: id, submitted: 0, stages: [], launched: 0 }));
  const stages = new Map<string, FunnelStage>();
  const gates = new Map<string, FunnelGate>();
  for (const step of stepsInOrder(log, 'stages')) {
    const stage: FunnelStage = { stage: step.id, name: step.name, entered: 0 };
    processFor(step.process).stages.push(stage);
    stages.set(stepKey(step.process, step.id), stage);
  }
  for (const step of stepsInOrder(log, 'gates')) {
    const gate: FunnelGate = { gate: step.id, name: step.name, decided: 0, passed: 0 };
    const stage = stages.get(stepKey(step.process, step.stage ?? ''));
    if (stage) stage.gate = gate;
    gates.set(stepKey(step.process, step.id), gate);
  }

  for (const idea of log.ideas.values()) {
    if (!idea.submitted || !log.inRange(idea.submitted)) continue;
    const process = processFor(idea.process);
    process.submitted += 1;
    if (idea.end?.type === 'launched') process.launched += 1;
    for (const stage of new Set(ofType(idea.events, 'stage_entered').map((event) => event.stage!))) {
      stages.get(stepKey(idea.process, stage))!.entered += 1;
    }
    const lastDecision = new Map<string, Decision>();
    for (const decided of ofType(idea.events, 'decided')) lastDecision.set(decided.gate!, decided.detail.decision);
    for (const [gateId, decision] of lastDecision) {
      const gate = gates.get(stepKey(idea.process, gateId));
      if (!gate) continue;
      gate.decided += 1;
      if (GOING_ON.has(decision)) gate.passed += 1;
    }
  }
  for (const gate of gates.values()) gate.conversion = ratio(gate.passed, gate.decided);
  return { processes: [...processes.values()].filter((process) => process.submitted > 0) };
}

/** The funnel report, a pure function of the events: its result is a `Funnel`. */
export const funnelReport: Report<Funnel> = {
  name: 'funnel',
  title: 'Funnel',
  description: 'How far the ideas submitted in the period got: ideas per stage, and the share passing each gate.',
  run: funnel,
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
      columns: [column('process'), column('submitted', 'count'), column('launched', 'count')],
      rows: result.processes.map((process) => [process.process, process.submitted, process.launched]),
    },
  ],
};
