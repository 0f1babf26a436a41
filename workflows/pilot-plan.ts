import type { PilotLimits, ResolvedPilot, ResolvedProcess } from '../config/process';
import type { PilotPlan } from './inputs';
import type { PilotPlanTemplate } from './state';

/**
 * A champion's pilot plan: which stage hands it in, what the template offers as the default plan
 * and its limits, the cheap checks of a plan against them, and the pilot a plan makes. Pure, so
 * the journey's validator, the SDK and the pages share one reading of it.
 */

/** The plan template of the stage at `index`, when its gate leads into a stage with a pilot. */
export function planTemplate(process: ResolvedProcess, index: number): PilotPlanTemplate | undefined {
  const stage = process.stages[index];
  const next = process.stages[index + 1];
  if (!stage?.gate || !next?.pilot) return undefined;
  const pilot = next.pilot;
  return {
    stage: { id: stage.id, name: stage.name },
    gate: { id: stage.gate.id, name: stage.gate.name },
    pilotStage: { id: next.id, name: next.name },
    defaults: { kpis: pilot.kpis, duration: pilot.duration ?? next.duration, place: pilot.place ?? '' },
    ...(pilot.limits ? { limits: pilot.limits } : {}),
  };
}

export interface PlanProblem {
  /** The field of the plan, as in `kpis[2].id`. */
  field: string;
  message: string;
}

/** What is wrong with a plan against the template's limits (and what a schema cannot see), field by field; empty when nothing is. */
export function planProblems(plan: PilotPlan, limits: PilotLimits | undefined): PlanProblem[] {
  const problems: PlanProblem[] = [];
  if (plan.kpis.length === 0) problems.push({ field: 'kpis', message: 'a pilot measures at least one KPI' });
  const seen = new Set<string>();
  plan.kpis.forEach((kpi, index) => {
    if (seen.has(kpi.id)) problems.push({ field: `kpis[${index}].id`, message: `id "${kpi.id}" is used twice` });
    seen.add(kpi.id);
  });
  if (!limits) return problems;
  if (plan.kpis.length > limits.maxKpis) problems.push({ field: 'kpis', message: `${plan.kpis.length} KPIs, more than the template's limit of ${limits.maxKpis} (limits.maxKpis)` });
  if (plan.duration < limits.duration.min) problems.push({ field: 'duration', message: `${spell(plan.duration)}, shorter than the template's limit of ${spell(limits.duration.min)} (limits.duration.min)` });
  if (plan.duration > limits.duration.max) problems.push({ field: 'duration', message: `${spell(plan.duration)}, longer than the template's limit of ${spell(limits.duration.max)} (limits.duration.max)` });
  return problems;
}

/** The pilot a plan makes of the template's: the plan's KPIs, duration and place; the template's checks, recorders and history limit. */
export function pilotFromPlan(pilot: ResolvedPilot, plan: PilotPlan): ResolvedPilot {
  return { ...pilot, kpis: plan.kpis, duration: plan.duration, place: plan.place };
}

const UNITS: [number, string][] = [
  [7 * 24 * 60 * 60 * 1000, 'week'],
  [24 * 60 * 60 * 1000, 'day'],
  [60 * 60 * 1000, 'hour'],
  [60 * 1000, 'minute'],
  [1000, 'second'],
];

/** A duration in the largest whole unit it fills: "4 weeks", "10 days", "90 seconds". */
export function spell(millis: number): string {
  const [size, unit] = UNITS.find(([size]) => millis % size === 0) ?? [1, 'millisecond'];
  const count = millis / size;
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
